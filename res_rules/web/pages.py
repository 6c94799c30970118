"""The pages for advisors: the case form, the advice, competence, the rules and a comparison.

Server-rendered HTML from the Jinja2 templates in ``web/templates`` and the report templates in
``res_rules/templates`` (the advice is the same fragment everywhere). Plain forms do the work;
the one script only adds a print button. Nothing is stored: a page that needs a case gets it
from the form that was posted (the advice page carries the case in its own forms).

Endpoints that call the engine are plain ``def`` functions (FastAPI's thread pool); the posted
form is read by an ``async`` dependency, which also checks that it came from this site.
"""

from __future__ import annotations

import collections
import datetime as dt
import functools
import json
import re
from collections.abc import Mapping, Sequence
from typing import Annotated, Any
from urllib.parse import urlencode

import jinja2
import markupsafe
import yaml
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData, UploadFile

from .._advice import Advice, advise, bevoegd_gezag
from .._casefile import MAX_DEPTH, case_from_mapping, case_to_mapping, parse_date, parse_text
from .._diff import _decisive, differences
from .._errors import CaseError
from .._facts import Case
from .._render import advice_markdown, environment
from .._report import advice_report, catalogue_report, competence_report
from .._rules import load_rules
from .._version import __version__
from .._words import LOCALES, capitalise, date, value_word, words
from . import forms
from .api import date_problem, say
from .figure import competence_figure
from .security import CSRF_COOKIE, CSRF_FIELD, MAX_BODY_BYTES, csrf_token, form_is_genuine

router = APIRouter(include_in_schema=False)

LANG_COOKIE = "res_rules_lang"


@functools.cache
def templates() -> jinja2.Environment:
    """The page templates beside this module, over the shared report templates, escaped."""
    shared = environment(html=True)
    env = shared.overlay(
        autoescape=True,
        loader=jinja2.ChoiceLoader([jinja2.PackageLoader("res_rules.web", "templates"),
                                    shared.loader or jinja2.DictLoader({})]),
    )
    env.tests = {**shared.tests, "match_iso": _is_iso_date}
    return env


def _is_iso_date(value: object) -> bool:
    """A value a date input can show (``YYYY-MM-DD`` and a real day)."""
    return isinstance(value, str) and isinstance(parse_date(value), dt.date)


class Refused(Exception):
    """A posted form that did not come from this site (403)."""


def lang_of(request: Request, form: Mapping[str, Any] | None = None) -> str:
    """The page's language: asked in the query, or in the form, or remembered, else Dutch."""
    for candidate in (request.query_params.get("lang"),
                      form.get("_lang") if form is not None else None,
                      request.cookies.get(LANG_COOKIE)):
        if isinstance(candidate, str) and candidate in LOCALES:
            return candidate
    return "nl"


def render(request: Request, template: str, *, lang: str, status: int = 200,
           relang: Sequence[tuple[str, str]] | None = None, action: str | None = None,
           **context: Any) -> HTMLResponse:
    """A page in ``lang``, with the form token, and the language switch: a link, or (when the
    page shows what a form posted) a form that posts the same again in the other language."""
    token, new = csrf_token(request)
    w = words(lang)
    other = str(w["web"]["switch_to_lang"])
    switch: dict[str, Any]
    if relang is None:
        query = {**request.query_params, "lang": other}
        switch = {"href": f"{request.url.path}?{urlencode(query)}", "fields": None}
    else:
        switch = {"action": action or request.url.path,
                  "fields": [(k, v) for k, v in relang if k not in ("_lang", CSRF_FIELD)]}
    rs = load_rules()
    html = templates().get_template(template).render(
        w=w, web=w["web"], lang=lang, other_lang=other, csrf=token, switch=switch,
        csrf_field=CSRF_FIELD, version=__version__,
        ruleset_info={"name": rs.name, "version": rs.version, "fingerprint": rs.fingerprint},
        **context)
    response = HTMLResponse(html, status_code=status)
    if new:
        response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict", path="/")
    if request.query_params.get("lang") in LOCALES or (
            relang is not None and request.cookies.get(LANG_COOKIE) != lang):
        response.set_cookie(LANG_COOKIE, lang, samesite="lax", path="/",
                            max_age=365 * 24 * 3600)
    return response


async def posted_form(request: Request) -> FormData:
    """The posted form, read here (with the limits on parts) and checked to be ours."""
    form = await request.form(max_files=1, max_fields=1000, max_part_size=MAX_BODY_BYTES)
    if not form_is_genuine(request, form.get(CSRF_FIELD)):
        raise Refused
    return form


PostedForm = Annotated[FormData, Depends(posted_form)]


def _text_fields(form: FormData) -> list[tuple[str, str]]:
    return [(k, v) for k, v in form.multi_items() if isinstance(v, str)]


# -- the case form --------------------------------------------------------------------------

def _form_page(request: Request, lang: str, state: forms.FormState, *,
               error: CaseError | None = None, status: int = 200, focus: str | None = None,
               notice: str | None = None, relang: bool = False) -> HTMLResponse:
    errors = forms.error_map(error, lang) if error is not None else {}
    sections = forms.form_sections(state, errors, lang)
    summary = []
    if error is not None:
        known = {f.path: f for f in _all_fields(sections)}
        for problem in error.errors:
            field = known.get(problem.path)
            summary.append({
                "href": f"#{field.id}" if field else None,
                "where": _where(field.label if field else None, problem.path, lang),
                "message": forms.problem_message(problem, lang)})
    return render(request, "case.html.j2", lang=lang, status=status, current="case",
                  page_title=words(lang)["web"]["case_title"], sections=sections,
                  summary=summary,
                  include_expected_law=state.include_expected_law, focus=focus, notice=notice,
                  relang=forms.hidden_fields(state) if relang else None, action="/casus",
                  )


def _all_fields(sections: Sequence[forms.Section]) -> list[forms.Field]:
    found = [f for s in sections for f in s.fields]
    found += [f for s in sections if s.group for f in s.group.fields]
    found += [f for s in sections for g in s.projects for f in g.fields]
    return found


def _where(label: str | None, path: str, lang: str) -> str:
    web = words(lang)["web"]
    if not path:
        return str(web["the_case"])
    match = re.match(r"projects\[(\d+)\]", path)
    project = str(web["project_legend"]).format(n=int(match.group(1)) + 1) if match else None
    if label is None:
        return str(web["unknown_key"]).format(path=path)
    return f"{project}: {label}" if project else label


@router.get("/", response_class=HTMLResponse)
def case_form(request: Request) -> HTMLResponse:
    """An empty case form (one project to start with)."""
    return _form_page(request, lang_of(request), forms.FormState(projects=({},)))


def _filename(case_id: str, suffix: str, prefix: str = "") -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", case_id).strip("-.")[:80] or "casus"
    return f"{prefix}{stem}{suffix}"


def _download(content: str, media: str, filename: str) -> Response:
    return Response(content, media_type=media,
                    headers={"content-disposition": f'attachment; filename="{filename}"'})


def case_yaml(case: Case) -> str:
    """A case as a case file in YAML (format 1), dates as dates."""
    data = case_to_mapping(case)
    for key in ("reference_date", "deadline"):
        if isinstance(data.get(key), str):
            data[key] = dt.date.fromisoformat(data[key])
    return "# res-rules case file, format 1\n" + yaml.safe_dump(
        data, sort_keys=False, allow_unicode=True)


@router.post("/casus", response_class=HTMLResponse)
def case_post(request: Request, form: PostedForm) -> Response:
    """The case form posted: advise, add or remove a project, or download the case."""
    lang = lang_of(request, form)
    state = forms.state_from_form(_text_fields(form))
    action = str(form.get("_action") or "advise")
    if action == "add":
        state = forms.with_project(state)
        return _form_page(request, lang, state, relang=True,
                          focus=forms.dom_id(f"projects[{len(state.projects) - 1}].id"))
    if action.startswith("remove:") and action[7:].isdigit():
        state = forms.without_project(state, int(action[7:]))
        return _form_page(request, lang, state, relang=True, focus="add-project")
    if action == "relang":
        return _form_page(request, lang, state, relang=True)
    try:
        case = case_from_mapping(forms.to_mapping(state))
    except CaseError as exc:
        return _form_page(request, lang, state, error=exc, status=422, relang=True,
                          focus="error-summary")
    if action == "yaml":
        return _download(case_yaml(case), "application/yaml; charset=utf-8",
                         _filename(case.id, ".yaml"))
    if action == "json":
        return _download(json.dumps(case_to_mapping(case), ensure_ascii=False, indent=2) + "\n",
                         "application/json", _filename(case.id, ".json"))
    advice = advise(case, include_expected_law=state.include_expected_law)
    return _advice_page(request, lang, advice)


@router.post("/casus/bestand", response_class=HTMLResponse)
async def case_upload(request: Request, form: PostedForm) -> Response:
    """A case file uploaded: the form filled with it, and its problems shown at their fields."""
    lang = lang_of(request, form)
    upload = form.get("case_file")
    state = forms.FormState()
    if not isinstance(upload, UploadFile) or not upload.filename:
        error = CaseError.problem("api.no_file")
        return _form_page(request, lang, state, error=error, status=422, focus="error-summary")
    name = upload.filename
    raw = await upload.read()
    try:
        data = _parse_upload(raw, name)
        state = forms.state_from_mapping(data, lang)
        case_from_mapping(data)
    except CaseError as exc:
        return _form_page(request, lang, state, error=exc, status=422, focus="error-summary")
    notice = str(words(lang)["web"]["upload_done"]).format(file=name)
    return _form_page(request, lang, state, notice=notice, relang=True)


def _parse_upload(raw: bytes, name: str) -> Any:
    suffix = name.lower().rsplit(".", 1)[-1] if "." in name else ""
    if suffix not in ("yaml", "yml", "json"):
        raise CaseError.problem("file.wrong_suffix", got=repr(name))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CaseError.problem("file.not_utf8", offset=exc.start) from None
    try:
        return parse_text(text, json_format=suffix == "json")
    except RecursionError:
        raise CaseError.problem("syntax.too_deep", max=MAX_DEPTH) from None


def _case_from_hidden(form: FormData) -> tuple[Case, bool]:
    """The case an advice page carried in its forms, and the expected-law switch."""
    raw = form.get("case_json")
    if not isinstance(raw, str):
        raise CaseError.problem("api.no_case")
    try:
        return case_from_mapping(parse_text(raw, json_format=True)), \
            form.get("_expected_law") != "nee"
    except RecursionError:
        raise CaseError.problem("syntax.too_deep", max=MAX_DEPTH) from None


@router.post("/casus/bewerken", response_class=HTMLResponse)
def case_edit(request: Request, form: PostedForm) -> Response:
    """Back from the advice to the form, filled with the same case."""
    lang = lang_of(request, form)
    try:
        case, include = _case_from_hidden(form)
    except CaseError as exc:
        return _form_page(request, lang, forms.FormState(), error=exc, status=422)
    return _form_page(request, lang, forms.state_from_case(case, lang, include), relang=True)


# -- the advice -----------------------------------------------------------------------------

def _advice_page(request: Request, lang: str, advice: Advice) -> HTMLResponse:
    carried = [("case_json", json.dumps(case_to_mapping(advice.case), ensure_ascii=False)),
               ("_expected_law", "ja" if advice.include_expected_law else "nee")]
    report = advice_report(advice, lang)
    fragment = markupsafe.Markup(templates().get_template("advice.html.j2").render(**report))
    return render(request, "advice_page.html.j2", lang=lang, current="advice",
                  page_title=f"{words(lang)['advice']}: {report['title']}",
                  advice_html=fragment,
                  carried=carried, case_text=case_yaml(advice.case),
                  relang=carried, action="/advies")


@router.post("/advies", response_class=HTMLResponse)
def advice_again(request: Request, form: PostedForm) -> Response:
    """The advice for a case the page carried (the language switch posts here)."""
    lang = lang_of(request, form)
    try:
        case, include = _case_from_hidden(form)
    except CaseError as exc:
        return _form_page(request, lang, forms.FormState(), error=exc, status=422)
    return _advice_page(request, lang, advise(case, include_expected_law=include))


@router.post("/advies/{kind}")
def advice_download(kind: str, request: Request,
                    form: PostedForm) -> Response:
    """The advice as a Markdown report or as JSON (``Advice.to_dict``), to download."""
    lang = lang_of(request, form)
    try:
        case, include = _case_from_hidden(form)
    except CaseError as exc:
        return _form_page(request, lang, forms.FormState(), error=exc, status=422)
    advice = advise(case, include_expected_law=include)
    if kind == "markdown":
        return _download(advice_markdown(advice, lang), "text/markdown; charset=utf-8",
                         _filename(case.id, ".md", "advies-"))
    if kind == "json":
        return _download(json.dumps(advice.to_dict(lang), ensure_ascii=False, indent=2) + "\n",
                         "application/json", _filename(case.id, ".json", "advies-"))
    return not_found_page(request)


# -- competence -----------------------------------------------------------------------------

@router.get("/bevoegd-gezag", response_class=HTMLResponse)
def competence_page(request: Request) -> HTMLResponse:
    """Who is competent for a project of this technology and capacity on a date, with the
    article, and the figure of competence over capacity on that date."""
    lang = lang_of(request)
    q = request.query_params
    technology, capacity_text = q.get("technology", ""), q.get("capacity_mw", "").strip()
    as_of_text, waived_text = q.get("as_of", ""), q.get("rijk_waived_to", "")
    transferred, current_law_only = q.get("transferred") == "on", \
        q.get("current_law_only") == "on"
    asked = {"technology": technology, "capacity_mw": capacity_text, "as_of": as_of_text,
             "transferred": transferred, "rijk_waived_to": waived_text,
             "current_law_only": current_law_only}
    errors: dict[str, list[str]] = {}
    day = dt.date.today()
    if as_of_text:
        found = date_problem(as_of_text, lang)
        if isinstance(found, dt.date):
            day = found
        else:
            errors["as_of"] = [found]
    waived = waived_text or None
    answer = None
    capacity: float | None = None
    if "technology" in q or "capacity_mw" in q:
        value = forms.read_number(capacity_text) if capacity_text else None
        capacity = value if isinstance(value, int | float) else None
        try:
            result = bevoegd_gezag(technology, value, as_of=day,  # type: ignore[arg-type]
                                   transferred_to_gemeente=transferred, rijk_waived_to=waived,
                                   include_expected_law=not current_law_only)
        except CaseError as exc:
            for problem in exc.errors:
                errors.setdefault(problem.path, []).append(forms.problem_message(problem, lang))
        else:
            if not errors:
                answer = competence_report(result, lang)
    figure = None
    if "as_of" not in errors and (waived is None or waived in ("gemeente", "provincie")):
        figure = competence_figure(load_rules(), as_of=day, lang=lang,
                                   technology=technology or None,
                                   capacity_mw=capacity if answer else None,
                                   transferred_to_gemeente=transferred, rijk_waived_to=waived,
                                   include_expected_law=not current_law_only)
    return render(request, "competence.html.j2", lang=lang, current="competence",
                  page_title=words(lang)["web"]["competence_title"], asked=asked,
                  errors=errors, answer=answer, figure=figure,
                  figure_date=date(day, lang), status=422 if errors else 200,
                  technologies=[(t, value_word("technology", t, lang)) for t in
                                ("wind", "zon")],
                  bodies=[(b, value_word("waived_to", b, lang)) for b in
                          ("gemeente", "provincie")])


# -- the rules ------------------------------------------------------------------------------

@router.get("/regels", response_class=HTMLResponse)
def rules_page(request: Request) -> HTMLResponse:
    """The rule catalogue by topic and by regime, with a search box."""
    lang = lang_of(request)
    rs = load_rules()
    q = request.query_params.get("q", "")[:200].strip()
    regime = request.query_params.get("regime", "")
    report = catalogue_report(rs, lang)
    wanted = {r.id for r in rs.rules if not regime
              or (regime == "altijd" and not r.regimes) or regime in r.regimes}
    needle = q.casefold()
    total = 0
    topics = []
    for topic in report["topics"]:
        found = [r for r in topic["rules"] if r["rule"] in wanted
                 and (not needle or needle in _rule_text(r))]
        total += len(topic["rules"])
        if found:
            topics.append({**topic, "rules": found})
    shown = {r["rule"] for t in topics for r in t["rules"]}
    regimes = [{**g, "rules": [i for i in g["rules"] if i in shown]} for g in report["regimes"]]
    always = [r.id for r in rs.rules if not r.regimes and r.id in shown]
    return render(request, "rules.html.j2", lang=lang, current="rules",
                  page_title=words(lang)["web"]["rules_title"], catalogue=report,
                  topics=topics, regimes=regimes, always=always, q=q, regime=regime,
                  shown=len(shown), total=total,
                  regime_choices=[(g["id"], g["title"]) for g in report["regimes"]])


def _rule_text(rule: Mapping[str, Any]) -> str:
    """What the search box searches in one rule, folded for a case-blind match."""
    return " ".join([rule["rule"], rule["text"], rule["condition"], rule["concludes"],
                     rule["period"], *(f"{s['where']} {s['quote']}" for s in rule["sources"])
                     ]).casefold()


# -- comparing ------------------------------------------------------------------------------

_PART_GROUPS = {"law": "regime", "recommendation": "recommendation", "next_step": "step",
                "alternatives": "step", "grounds": "ground", "step2_instrument": "instrument",
                "bevoegd_gezag": "authority", "statutory_bevoegd_gezag": "authority",
                "regime": "regime", "status": "law_status"}


def _part_value(path: str, value: Any, lang: str) -> str | list[str]:
    """A decisive part's value in words: labels from the rule set, actions as sentences."""
    rs = load_rules()
    kind = path.rsplit(".", 1)[-1]
    group = _PART_GROUPS.get(kind)
    if isinstance(value, bool):
        return value_word("", value, lang)
    if value is None or value == []:
        return "—"
    if kind == "actions":
        return [_action_words(code, lang) for code in value]
    if isinstance(value, list):
        return [rs.label(group, v, lang) if group else str(v) for v in value]
    return rs.label(group, value, lang) if group else str(value)


def _shown(path: str, mine: Any, other: Any, lang: str) -> str | list[dict[str, Any]]:
    """A part's value in words; in a list, each item marked when the other side lacks it."""
    shown = _part_value(path, mine, lang)
    if isinstance(shown, str):
        return shown
    others = set(other) if isinstance(other, list) else set()
    return [{"text": text, "changed": value not in others}
            for text, value in zip(shown, mine, strict=True)]


def _action_words(code: str, lang: str) -> str:
    """An action as a sentence without the details only a whole advice has."""
    rs = load_rules()
    actor = rs.labels["action"].get(code, {}).get("actor")
    fills = collections.defaultdict(str, instrument=str(words(lang)["instrument_either"]))
    text = rs.label("action", code, lang).format_map(fills)
    return f"{capitalise(rs.label('actor', actor, lang))} {text}" if actor else text


def _part_name(path: str, lang: str) -> str:
    web = words(lang)["web"]
    match = re.fullmatch(r"projects\[(.+)\]\.(\w+)", path)
    if match:
        return str(web[f"part_{match.group(2)}"]).format(project=match.group(1))
    return str(web.get(f"part_{path}", path))


def _compare_form(request: Request, lang: str, *, case_text: str = "", mode: str = "dates",
                  first: str = "", second: str = "",
                  problems: Sequence[dict[str, str]] = (), result: Any = None,
                  status: int = 200, posted: bool = False) -> HTMLResponse:
    carried = [("case_text", case_text), ("mode", mode), ("first_date", first),
               ("second_date", second)]
    return render(request, "compare.html.j2", lang=lang, current="compare",
                  page_title=words(lang)["web"]["compare_title"], case_text=case_text,
                  mode=mode, first=first, second=second, problems=problems, result=result,
                  status=status, relang=carried if posted else None, action="/vergelijken")


#: The dates the comparison proposes: the day before and the day the Energiewet took effect.
FIRST_DATE, SECOND_DATE = "2025-12-31", "2026-01-01"


@router.get("/vergelijken", response_class=HTMLResponse)
def compare_page(request: Request) -> HTMLResponse:
    """The comparison form."""
    return _compare_form(request, lang_of(request), first=FIRST_DATE, second=SECOND_DATE)


def _date_field(value: str, name: str, lang: str, problems: list[dict[str, str]]
                ) -> dt.date | None:
    if not value:
        return None
    found = date_problem(value, lang)
    if isinstance(found, dt.date):
        return found
    problems.append({"path": name, "label": str(words(lang)["web"][name]), "message": found})
    return None


@router.post("/vergelijken", response_class=HTMLResponse)
async def compare_post(request: Request, form: PostedForm) -> Response:
    """The same case twice, on two dates or with and without expected law: what differs."""
    lang = lang_of(request, form)
    text = str(form.get("case_text") or "")
    upload = form.get("case_file")
    json_format = text.lstrip().startswith(("{", "["))
    unreadable = None
    if isinstance(upload, UploadFile) and upload.filename:
        raw = await upload.read()
        json_format = upload.filename.lower().endswith(".json")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            text, unreadable = "", say(lang, "file.not_utf8", offset=exc.start)
    asked_mode = str(form.get("mode") or "dates")
    mode = asked_mode if asked_mode in ("dates", "law") else "dates"
    prefill = form.get("_action") == "prefill"
    first_text = str(form.get("first_date") or (FIRST_DATE if prefill else ""))
    second_text = str(form.get("second_date") or (SECOND_DATE if prefill else ""))
    keep = {"case_text": text, "mode": mode, "first": first_text, "second": second_text,
            "posted": True}
    if prefill:
        return _compare_form(request, lang, **keep)  # type: ignore[arg-type]
    problems: list[dict[str, str]] = []
    if asked_mode != mode:
        problems.append({"path": "mode", "message": say(lang, "api.unknown_mode",
                                                        got=repr(asked_mode))})
    first = _date_field(first_text, "first_date", lang, problems)
    second = _date_field(second_text, "second_date", lang, problems)
    case = None
    if unreadable is not None:
        problems.append({"path": "", "message": unreadable})
    else:
        try:
            case = case_from_mapping(parse_text(text, json_format=json_format))
        except CaseError as exc:
            problems += [{"path": p.path, "message": forms.problem_message(p, lang)}
                         for p in exc.errors]
        except RecursionError:
            problems.append({"path": "", "message": say(lang, "syntax.too_deep",
                                                        max=MAX_DEPTH)})
    if case is None or problems:
        return _compare_form(request, lang, problems=problems, status=422,
                             **keep)  # type: ignore[arg-type]
    result = await _compare(case, mode, first, second, lang)
    return _compare_form(request, lang, result=result, **keep)  # type: ignore[arg-type]


async def _compare(case: Case, mode: str, first: dt.date | None, second: dt.date | None,
                   lang: str) -> dict[str, Any]:
    from starlette.concurrency import run_in_threadpool

    variants = [(first, True), (first, False)] if mode == "law" else \
        [(first, True), (second, True)]
    a, b = [await run_in_threadpool(functools.partial(
        advise, case, as_of=day, include_expected_law=law)) for day, law in variants]
    changed = {d.path for d in differences(a, b)}
    before, after = _decisive(a), _decisive(b)
    rows = [{"name": _part_name(path, lang), "path": path,
             "before": _shown(path, before.get(path), after.get(path), lang),
             "after": _shown(path, after.get(path), before.get(path), lang),
             "changed": path in changed}
            for path in [*before, *(p for p in after if p not in before)]]
    w = words(lang)

    def heading(advice: Advice) -> str:
        law = w["expected_law"] if advice.include_expected_law else w["current_law_only"]
        return f"{date(advice.as_of, lang)} ({law})"

    return {"title": case.title or case.id, "first": heading(a), "second": heading(b),
            "rows": rows, "changed": len(changed), "total": len(rows)}


def not_found_page(request: Request) -> HTMLResponse:
    lang = lang_of(request)
    web = words(lang)["web"]
    return render(request, "message.html.j2", lang=lang, status=404, current=None,
                  page_title=web["error_title"], message=web["not_found"])


def refused_page(request: Request) -> HTMLResponse:
    lang = lang_of(request)
    web = words(lang)["web"]
    return render(request, "message.html.j2", lang=lang, status=403, current=None,
                  page_title=web["error_title"], message=web["forbidden"])
