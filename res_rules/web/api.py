"""The JSON API: advice for one case or a batch, competence, the rules, the schema, the version.

Endpoints that call the engine are plain ``def`` functions, so FastAPI runs them in its thread
pool (the engine serialises calls within a process). The body is read by an ``async``
dependency that insists on JSON and parses it with the case-file parser (``NaN`` and
``Infinity`` are refused), so bad input gives the same problems as ``res-rules validate``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from .._advice import advise, bevoegd_gezag
from .._casefile import MAX_DEPTH, case_from_mapping, date_argument, not_a_number, parse_text
from .._errors import CaseError, describe, did_you_mean, msg, render
from .._report import conclusion_words, condition_words
from .._rules import TOPICS, Rule, RuleSet, load_rules
from .._schema import case_schema
from .._version import __version__

MAX_BATCH = 1000
Lang = Literal["nl", "en"]

router = APIRouter()


class Problem(BaseModel):
    """One problem with the request: where (a path in the case, or ``query.NAME``) and what."""

    path: str
    message: str


class Problems(BaseModel):
    """Every problem found, in the order found."""

    errors: list[Problem]


class ApiError(Exception):
    """A request the API refuses, with its status and every problem."""

    def __init__(self, status: int, problems: Sequence[dict[str, str]]) -> None:
        self.status = status
        self.problems = list(problems)
        super().__init__(status, self.problems)

    def __reduce__(self) -> tuple[Any, ...]:
        return (ApiError, (self.status, self.problems))


def request_lang(request: Request) -> str:
    """The language of the answer's messages: the ``lang`` query parameter, else Dutch."""
    return "en" if request.query_params.get("lang") == "en" else "nl"


def say(lang: str, code: str, **values: Any) -> str:
    """One message from the message table, in ``lang``."""
    return render(msg(code, **values), lang)


def problems_of(error: CaseError, lang: str = "nl") -> list[dict[str, str]]:
    """A case's problems as the API lists them: the same as ``res-rules validate`` prints."""
    return [{"path": p.path, "message": p.text(lang)} for p in error.errors]


def api_error_response(error: ApiError) -> JSONResponse:
    return JSONResponse({"errors": error.problems}, status_code=error.status)


async def json_body(request: Request) -> Any:
    """The request body as plain data: JSON only (415 otherwise), parsed like a case file."""
    lang = request_lang(request)
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        raise ApiError(415, [{"path": "", "message": say(lang, "api.not_json",
                                                         got=repr(media or "none"))}])
    raw = b"".join([chunk async for chunk in request.stream()])
    try:
        return parse_text(raw.decode("utf-8"), json_format=True)
    except UnicodeDecodeError as exc:
        raise ApiError(422, [{"path": "", "message": say(lang, "file.not_utf8",
                                                         offset=exc.start)}]) from None
    except CaseError as exc:
        raise ApiError(422, problems_of(exc, lang)) from None
    except RecursionError:
        raise ApiError(422, [{"path": "", "message": say(lang, "syntax.too_deep",
                                                         max=MAX_DEPTH)}]) from None


JsonBody = Annotated[Any, Depends(json_body)]


def date_problem(value: str, lang: str) -> dt.date | str:
    """``value`` as a date (``YYYY-MM-DD``), or what is wrong with it in ``lang``: the same
    words as the command line's."""
    found = date_argument(value)
    return found if isinstance(found, dt.date) else render(found, lang)


def iso_date(value: str | None, name: str, lang: str = "nl") -> dt.date | None:
    """A query parameter that must be an ISO date (``YYYY-MM-DD``), like the CLI's."""
    if value is None or value == "":
        return None
    found = date_problem(value, lang)
    if isinstance(found, dt.date):
        return found
    raise ApiError(422, [{"path": f"query.{name}", "message": found}])


def query_problem(error: Mapping[str, Any], lang: str) -> dict[str, str]:
    """One of FastAPI's validation errors (a query or path parameter) in our words."""
    loc = [str(p) for p in error.get("loc", ())]
    name, kind, got = (loc[-1] if loc else ""), error.get("type", ""), error.get("input")
    context = error.get("ctx") or {}
    if kind == "missing":
        text = say(lang, "cli.missing", option=repr(name))
    elif kind in ("literal_error", "enum"):
        choices = re.findall(r"'([^']*)'", str(context.get("expected", "")))
        text = say(lang, "cli.not_one_of", got=repr(got),
                   choices=", ".join(repr(c) for c in choices))
    elif kind in ("float_parsing", "float_type", "finite_number"):
        text = render(not_a_number(got), lang)
    elif kind == "bool_parsing":
        text = say(lang, "api.bool", got=repr(got))
    elif kind == "string_too_long":
        text = say(lang, "api.too_long", max=context.get("max_length", "?"),
                   count=len(got) if isinstance(got, str) else "?")
    else:
        text = str(error.get("msg", ""))
    return {"path": ".".join(loc), "message": text}


def _case_ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


_ERRORS = {"model": Problems}
_CASE_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": _case_ref("Case")}}}}
_BATCH_BODY = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": {"type": "array", "maxItems": MAX_BATCH, "items": _case_ref("Case")}}}}}
_AS_OF = Query(None, description="Reference date (YYYY-MM-DD) instead of the case's "
                                 "reference_date; it decides which law applies.",
               examples=["2026-03-01"])
_EXPECTED = Query(True, description="Include the memo's expected legislation.")
_LANG = Query("nl", description="Language of the texts in the answer.")


@router.post(
    "/api/advise", tags=["advice"], openapi_extra=_CASE_BODY,
    responses={200: {"description": "The advice, exactly as `Advice.to_dict(lang)`."},
               415: {**_ERRORS, "description": "The body is not JSON."},
               413: {**_ERRORS, "description": "The body is larger than 1 MiB."},
               422: {**_ERRORS, "description": "Every problem with the case."}},
)
def advise_one(data: JsonBody, as_of: str | None = _AS_OF,
               include_expected_law: bool = _EXPECTED, lang: Lang = _LANG) -> JSONResponse:
    """Advice for one case in format 1 (the same as `res-rules advise --json`)."""
    day = iso_date(as_of, "as_of", lang)
    try:
        case = case_from_mapping(data)
    except CaseError as exc:
        raise ApiError(422, problems_of(exc, lang)) from None
    advice = advise(case, as_of=day, include_expected_law=include_expected_law)
    return JSONResponse(advice.to_dict(lang))


@router.post(
    "/api/advise/batch", tags=["advice"], openapi_extra=_BATCH_BODY,
    responses={200: {"description": "One entry per case, in order: `{index, advice}` or "
                                    "`{index, errors}`."},
               415: {**_ERRORS, "description": "The body is not JSON."},
               413: {**_ERRORS, "description": "The body is larger than 1 MiB."},
               422: {**_ERRORS, "description": "Not a list, or more than 1,000 cases."}},
)
def advise_batch(data: JsonBody, as_of: str | None = _AS_OF,
                 include_expected_law: bool = _EXPECTED, lang: Lang = _LANG
                 ) -> JSONResponse:
    """Advice for a list of at most 1,000 cases; a bad case gives its errors, the rest is
    still advised."""
    day = iso_date(as_of, "as_of", lang)
    if not isinstance(data, list):
        raise ApiError(422, [{"path": "", "message": say(lang, "api.not_a_list",
                                                         got=render(describe(data), lang))}])
    if len(data) > MAX_BATCH:
        raise ApiError(422, [{"path": "", "message": say(lang, "api.too_many", max=MAX_BATCH,
                                                         count=len(data))}])
    results: list[dict[str, Any]] = []
    for index, item in enumerate(data):
        try:
            case = case_from_mapping(item)
        except CaseError as exc:
            results.append({"index": index, "errors": problems_of(exc, lang)})
            continue
        advice = advise(case, as_of=day, include_expected_law=include_expected_law)
        results.append({"index": index, "advice": advice.to_dict(lang)})
    return JSONResponse(results)


@router.get("/api/bevoegd-gezag", tags=["competence"],
            responses={200: {"description": "The competence, exactly as "
                                            "`Competence.to_dict(lang)`."},
                       422: {**_ERRORS, "description": "Every problem with the question."}})
def competence(
    technology: Literal["wind", "zon"] = Query(..., description="wind or zon (solar field)"),
    capacity_mw: float = Query(..., description="Installed capacity of the whole project, MW",
                               examples=[62]),
    as_of: str | None = Query(None, description="The date whose law applies (YYYY-MM-DD); "
                                                "default today."),
    transferred_to_gemeente: bool = Query(False, description="Gedeputeerde staten left the "
                                                             "decision to the gemeente."),
    rijk_waived_to: Literal["gemeente", "provincie"] | None = Query(
        None, description="The Minister left the decision to this body."),
    include_expected_law: bool = _EXPECTED,
    lang: Lang = _LANG,
) -> JSONResponse:
    """Who is the competent authority for a wind or solar project, under the law in force on
    a date (the same as `res-rules bevoegd-gezag --format json`)."""
    day = iso_date(as_of, "as_of", lang)
    try:
        result = bevoegd_gezag(technology, capacity_mw, as_of=day,
                               transferred_to_gemeente=transferred_to_gemeente,
                               rijk_waived_to=rijk_waived_to,
                               include_expected_law=include_expected_law)
    except CaseError as exc:
        raise ApiError(422, [{"path": f"query.{p.path}", "message": p.text(lang)}
                             for p in exc.errors]) from None
    return JSONResponse(result.to_dict(lang))


def rule_dict(rs: RuleSet, rule: Rule, lang: str) -> dict[str, Any]:
    """One rule as the API gives it: text, period, condition in words and as written."""
    start, end = rs.period(rule)
    return {
        "id": rule.id, "topic": rule.topic, "status": rule.status, "text": rule.text[lang],
        "regimes": list(rule.regimes),
        "period": {"from": start.isoformat() if start else None,
                   "until": end.isoformat() if end else None},
        "condition": condition_words(rule, lang), "concludes": conclusion_words(rule),
        "when": rule.when, "then": list(rule.then), "source": rule.source.to_dict(),
        "see_also": [s.to_dict() for s in rule.see_also],
    }


def _ruleset(rs: RuleSet) -> dict[str, str]:
    return {"name": rs.name, "version": rs.version, "fingerprint": rs.fingerprint}


@router.get("/api/rules", tags=["rules"])
def rules(
    lang: Lang = _LANG,
    topic: str | None = Query(None, description="Only the rules of this topic: "
                                                 + ", ".join(TOPICS)),
    as_of: str | None = Query(None, description="Only the rules in force on this date."),
    q: str | None = Query(None, max_length=200, description="Only rules whose id, text, "
                                                            "condition or source holds this."),
) -> JSONResponse:
    """The rule catalogue: every rule with its text, period, condition and source."""
    rs = load_rules()
    day = iso_date(as_of, "as_of", lang)
    if topic is not None and topic not in TOPICS:
        raise ApiError(422, [{"path": "query.topic", "message": say(
            lang, "cli.not_one_of", got=repr(topic), choices=", ".join(map(repr, TOPICS)))}])
    listed = rs.in_force(day) if day else rs.rules
    found = [rule_dict(rs, r, lang) for r in listed if topic is None or r.topic == topic]
    if q:
        needle = q.casefold()
        found = [r for r in found if needle in _haystack(r)]
    return JSONResponse({"ruleset": _ruleset(rs), "rules": found})


def _haystack(rule: dict[str, Any]) -> str:
    parts = [rule["id"], rule["text"], rule["condition"], rule["concludes"]]
    for source in [rule["source"], *rule["see_also"]]:
        parts += [str(v) for v in source.values()]
    return " ".join(parts).casefold()


@router.get("/api/rules/{rule_id}", tags=["rules"],
            responses={404: {**_ERRORS, "description": "No rule with this id."}})
def rule(rule_id: str = Path(..., max_length=200), lang: Lang = _LANG) -> JSONResponse:
    """One rule, by its id."""
    rs = load_rules()
    if rule_id not in rs.positions:
        hint = did_you_mean(rule_id, rs.positions, lang=lang)
        raise ApiError(404, [{"path": "rule_id", "message": say(
            lang, "api.no_rule", id=repr(rule_id), hint=f" ({hint})" if hint else "")}])
    return JSONResponse(rule_dict(rs, rs.rule(rule_id), lang))


@router.get("/api/schema", tags=["case format"])
def schema() -> JSONResponse:
    """The JSON Schema (2020-12) of a case file, format 1 (the same as `res-rules schema`)."""
    return JSONResponse(case_schema())


@router.get("/api/version", tags=["meta"])
def version() -> JSONResponse:
    """The package version and the rule set with its fingerprint."""
    return JSONResponse({"version": __version__, "case_format": 1,
                         "ruleset": _ruleset(load_rules())})


@router.get("/healthz", tags=["meta"])
def healthz() -> JSONResponse:
    """The server is up and its rule set loads."""
    return JSONResponse({"status": "ok", "ruleset": load_rules().fingerprint})
