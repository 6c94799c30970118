"""The HTTP side of `res-rules serve`: every API endpoint and error status, the batch order,
equality with advise() for every shared example, the limits, the headers, the form token, and
the pages' server-side behaviour (forms, downloads, uploads, comparison)."""

from __future__ import annotations

import datetime as dt
import json
import pickle
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from conftest_web import (
    client,
    example,
    example_files,
    form_of,
    plain,
    running_server,
    token,
)

import res_rules
from res_rules import advise, bevoegd_gezag, case_from_mapping, load_case, load_rules
from res_rules._render import advice_markdown
from res_rules._schema import case_schema
from res_rules.web import field_help, problem_message
from res_rules.web.api import ApiError
from res_rules.web.forms import FormState, form_paths, read_number, to_mapping
from res_rules.web.security import MAX_BODY_BYTES

EXAMPLES = example_files()
BAD_CASE = {"id": "x", "theme": "planuitvall", "projects": [
    {"id": "p", "gemeente": "Lopik", "technology": "wind", "capacity_mw": "12"}]}


@pytest.fixture(scope="module")
def api() -> Iterator[Any]:
    with client() as c:
        yield c


def expected_problems(data: Any, lang: str = "nl") -> list[dict[str, str]]:
    """What `res-rules validate [--lang en]` lists for a case, as path and message."""
    try:
        case_from_mapping(data)
    except res_rules.CaseError as exc:
        return [{"path": p.path, "message": p.text(lang)} for p in exc.errors]
    return []


def same_json(value: Any) -> Any:
    return json.loads(json.dumps(value))


# -- POST /api/advise -----------------------------------------------------------------------

@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_advise_equals_the_library_for_every_shared_example(api: Any, path: Path) -> None:
    """The API's advice is exactly Advice.to_dict() of advise() for each shared example."""
    response = api.post("/api/advise", json=plain(path))
    assert (response.status_code, response.json()) == (
        200, same_json(advise(load_case(path)).to_dict()))


def test_advise_takes_as_of_expected_law_and_language(api: Any) -> None:
    """as_of, include_expected_law and lang reach advise() and to_dict()."""
    path = example("energiewet-drie-projecten")
    response = api.post("/api/advise?as_of=2025-06-01&include_expected_law=false&lang=en",
                        json=plain(path))
    expected = advise(load_case(path), as_of=dt.date(2025, 6, 1),
                      include_expected_law=False).to_dict("en")
    assert (response.status_code, response.json()) == (200, same_json(expected))


def test_advise_bad_case_lists_every_problem_like_validate(api: Any) -> None:
    """A bad case gives 422 with every problem as {path, message}, the same list as validate."""
    response = api.post("/api/advise", json=BAD_CASE)
    assert (response.status_code, response.json()) == (
        422, {"errors": expected_problems(BAD_CASE)})
    assert [e["path"] for e in response.json()["errors"]] == [
        "theme", "scope", "projects[0].capacity_mw"]


@pytest.mark.parametrize(("body", "content_type", "status"), [
    (b'{"id": "x"}', "text/plain", 415),
    (b"id: x", "application/x-yaml", 415),
    (b'{"id": "x"}', None, 415),
    (b"{not json", "application/json", 422),
    (b'{"id": "x", "theme": "planuitval", "scope": "regionaal", '
     b'"res_forecast_twh_2030": NaN}', "application/json", 422),
    (b"\xff\xfe", "application/json", 422),
    (b"[" * 100_000 + b"]" * 100_000, "application/json", 422),
])
def test_advise_refuses_bodies_that_are_not_a_json_case(api: Any, body: bytes,
                                                        content_type: str | None,
                                                        status: int) -> None:
    """Non-JSON content types give 415; broken, NaN, non-UTF-8 or absurdly nested JSON 422."""
    headers = {"content-type": content_type} if content_type else {}
    response = api.post("/api/advise", content=body, headers=headers)
    assert (response.status_code, len(response.json()["errors"]) >= 1) == (status, True)


def test_advise_refuses_a_bad_date_in_the_query(api: Any) -> None:
    """as_of must be an ISO date, as on the command line; the path names the parameter."""
    response = api.post("/api/advise?as_of=20260301", json=plain(example("lokaal-geschil")))
    assert (response.status_code, response.json()["errors"][0]["path"]) == (422, "query.as_of")


def test_unknown_language_is_a_422_with_the_parameter_named(api: Any) -> None:
    """lang takes nl or en; anything else is refused with the parameter's place."""
    response = api.post("/api/advise?lang=de", json=plain(example("lokaal-geschil")))
    assert (response.status_code, response.json()["errors"][0]["path"]) == (422, "query.lang")


# -- the body limit ---------------------------------------------------------------------------

def test_body_over_one_mib_is_refused_with_413(api: Any) -> None:
    """A body announced larger than 1 MiB is refused before it is read."""
    body = b'{"id": "' + b"x" * MAX_BODY_BYTES + b'"}'
    response = api.post("/api/advise", content=body,
                        headers={"content-type": "application/json"})
    assert (response.status_code, "1 MiB" in response.json()["errors"][0]["message"]) == (
        413, True)


def test_chunked_body_over_one_mib_is_refused_while_reading(api: Any) -> None:
    """Without a Content-Length the bytes are counted as they arrive."""

    def chunks() -> Iterator[bytes]:
        yield b'{"id": "'
        for _ in range(20):
            yield b"x" * 65536
        yield b'"}'

    response = api.post("/api/advise", content=chunks(),
                        headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_body_just_under_the_limit_is_read(api: Any) -> None:
    """The limit refuses only what is over it: a 1 MiB - 1 byte case is parsed (and refused
    for its content, 422, not for its size)."""
    start = b'{"id": "x", "title": "'
    body = start + b"x" * (MAX_BODY_BYTES - len(start) - 3) + b'"}'
    response = api.post("/api/advise", content=body[:MAX_BODY_BYTES],
                        headers={"content-type": "application/json"})
    assert (len(body) <= MAX_BODY_BYTES, response.status_code) == (True, 422)


# -- POST /api/advise/batch -------------------------------------------------------------------

def test_batch_answers_in_order_with_advice_or_errors(api: Any) -> None:
    """Each case gets its advice or its errors, at its own index, in the order sent."""
    cases = [plain(p) for p in EXAMPLES]
    body = [cases[0], BAD_CASE, *cases[1:]]
    response = api.post("/api/advise/batch?lang=en", json=body)
    expected: list[dict[str, Any]] = []
    for index, item in enumerate(body):
        problems = expected_problems(item, "en")
        expected.append({"index": index, "errors": problems} if problems else
                        {"index": index, "advice": same_json(advise(item).to_dict("en"))})
    assert (response.status_code, response.json()) == (200, expected)


@pytest.mark.parametrize(("body", "dutch", "english"), [
    ({"id": "not a list"}, "verwacht een lijst van casussen, gekregen",
     "expected a list of cases, got"),
    ([{"id": "x"}] * 1001, "verwacht hoogstens 1000 casussen, gekregen 1001",
     "expected at most 1000 cases, got 1001"),
])
def test_batch_refuses_a_non_list_or_more_than_1000_cases(api: Any, body: Any, dutch: str,
                                                         english: str) -> None:
    """A batch is a JSON list of at most 1,000 cases; otherwise 422 saying why, in Dutch or
    (lang=en) in English."""
    said = [api.post("/api/advise/batch", json=body, params=params)
            for params in ({}, {"lang": "en"})]
    assert [(r.status_code, r.json()["errors"][0]["message"].startswith(text))
            for r, text in zip(said, (dutch, english), strict=True)] == [(422, True)] * 2


def test_batch_of_exactly_1000_cases_is_advised(api: Any) -> None:
    """The limit admits 1,000 cases."""
    case = {"id": "x", "theme": "planuitval", "scope": "lokaal"}
    response = api.post("/api/advise/batch", json=[case] * 1000)
    assert (response.status_code, len(response.json()),
            response.json()[-1]["advice"]["recommendation"]) == (
        200, 1000, advise(case).recommendation.value)


# -- GET endpoints ----------------------------------------------------------------------------

def test_bevoegd_gezag_equals_the_library(api: Any) -> None:
    """GET /api/bevoegd-gezag is Competence.to_dict() of bevoegd_gezag() with the same
    arguments."""
    response = api.get("/api/bevoegd-gezag", params={
        "technology": "zon", "capacity_mw": 120, "as_of": "2026-03-01",
        "rijk_waived_to": "gemeente", "include_expected_law": "false", "lang": "en"})
    expected = bevoegd_gezag("zon", 120.0, as_of=dt.date(2026, 3, 1), rijk_waived_to="gemeente",
                             include_expected_law=False).to_dict("en")
    assert (response.status_code, response.json()) == (200, same_json(expected))


@pytest.mark.parametrize(("params", "path", "dutch", "english"), [
    ({"technology": "zon", "capacity_mw": -3}, "query.capacity_mw",
     "capacity_mw: verwacht een getal groter dan 0", "capacity_mw: expected a number greater"),
    ({"technology": "zon", "capacity_mw": "nan"}, "query.capacity_mw",
     "capacity_mw: verwacht een getal", "capacity_mw: expected a number"),
    ({"technology": "zon", "capacity_mw": "12,6"}, "query.capacity_mw",
     "verwacht een getal met een decimale punt, dus 12.6, gekregen '12,6'",
     "expected a number with a decimal point, so 12.6, got '12,6'"),
    ({"technology": "hout", "capacity_mw": 3}, "query.technology",
     "verwacht een van: 'wind', 'zon', gekregen 'hout'",
     "expected one of 'wind', 'zon', got 'hout'"),
    ({"capacity_mw": 3}, "query.technology", "'technology' ontbreekt",
     "'technology' is missing"),
    ({"technology": "wind", "capacity_mw": 3, "transferred_to_gemeente": "misschien"},
     "query.transferred_to_gemeente", "verwacht true of false, gekregen 'misschien'",
     "expected true or false, got 'misschien'"),
    ({"technology": "wind", "capacity_mw": 3, "as_of": "2026-02-30"}, "query.as_of",
     "de dag '2026-02-30' bestaat niet", "there is no day '2026-02-30'"),
])
def test_bevoegd_gezag_refuses_bad_questions_with_422(api: Any, params: dict[str, Any],
                                                     path: str, dutch: str,
                                                     english: str) -> None:
    """A wrong technology, capacity, switch or date is a 422 naming the parameter, saying what
    is wrong in the request's language (Dutch unless lang=en), never in the framework's words."""
    said = [api.get("/api/bevoegd-gezag", params={**params, **extra})
            for extra in ({}, {"lang": "en"})]
    assert [(r.status_code, r.json()["errors"][0]["path"],
             r.json()["errors"][0]["message"].startswith(text))
            for r, text in zip(said, (dutch, english), strict=True)] == [(422, path, True)] * 2


def test_rules_lists_every_rule_and_filters(api: Any) -> None:
    """/api/rules lists the whole rule set; topic, as_of and q narrow it."""
    rs = load_rules()
    every = api.get("/api/rules").json()
    topic = api.get("/api/rules", params={"topic": "law"}).json()
    found = api.get("/api/rules", params={"q": "GROND.TIJD"}).json()
    in_force = api.get("/api/rules", params={"as_of": "2026-03-01"}).json()
    assert ([r["id"] for r in every["rules"]], every["ruleset"]["fingerprint"],
            [r["id"] for r in topic["rules"]], {r["id"] for r in found["rules"]} >= {
                "grond.tijd"}, [r["id"] for r in in_force["rules"]]) == (
        [r.id for r in rs.rules], rs.fingerprint,
        [r.id for r in rs.rules if r.topic == "law"], True,
        [r.id for r in rs.in_force(dt.date(2026, 3, 1))])


def test_rules_refuses_an_unknown_topic(api: Any) -> None:
    """topic must be one of the rule set's topics."""
    assert api.get("/api/rules", params={"topic": "nope"}).status_code == 422


def test_one_rule_by_id_and_404_with_a_suggestion(api: Any) -> None:
    """/api/rules/{id} gives the rule; an unknown id is a 404 that suggests the nearest."""
    rule = api.get("/api/rules/grond.tijd")
    missing = api.get("/api/rules/grond.tij")
    english = api.get("/api/rules/grond.tij", params={"lang": "en"})
    assert (rule.status_code, rule.json()["id"], rule.json()["source"],
            missing.status_code, missing.json()["errors"][0]["message"],
            english.json()["errors"][0]["message"]) == (
        200, "grond.tijd", load_rules().rule("grond.tijd").source.to_dict(),
        404, "er is geen regel 'grond.tij' (bedoelde u 'grond.tijd'?)",
        "no rule 'grond.tij' (did you mean 'grond.tijd'?)")


def test_schema_version_and_health(api: Any) -> None:
    """/api/schema is the case schema, /api/version names the fingerprint, /healthz is ok."""
    rs = load_rules()
    assert (api.get("/api/schema").json(), api.get("/api/version").json(),
            api.get("/healthz").json()) == (
        case_schema(),
        {"version": res_rules.__version__, "case_format": 1,
         "ruleset": {"name": rs.name, "version": rs.version, "fingerprint": rs.fingerprint}},
        {"status": "ok", "ruleset": rs.fingerprint})


def test_openapi_has_the_case_schema_and_docs_need_nothing_from_outside(api: Any) -> None:
    """The generated OpenAPI holds the case schema as the advise body; /docs loads its
    script and style sheet from this server."""
    document = api.get("/openapi.json").json()
    body = document["paths"]["/api/advise"]["post"]["requestBody"]["content"][
        "application/json"]["schema"]
    case = document["components"]["schemas"]["Case"]
    docs = api.get("/docs").text
    assets = re.findall(r'(?:src|href)="([^"]+)"', docs)
    served = {a: api.get(a).status_code for a in assets if a.startswith("/static/")}
    assert (body, sorted(case["properties"]), case["properties"]["projects"]["items"],
            all(a.startswith("/") for a in assets), set(served.values())) == (
        {"$ref": "#/components/schemas/Case"}, sorted(case_schema()["properties"]),
        {"$ref": "#/components/schemas/Project"}, True, {200})


def test_unknown_api_path_is_a_json_404(api: Any) -> None:
    """Unknown API paths answer JSON, unknown pages a Dutch HTML page."""
    api_404 = api.get("/api/nope")
    page_404 = api.get("/nope")
    assert (api_404.status_code, api_404.json(), page_404.status_code,
            "Deze pagina bestaat niet." in page_404.text) == (
        404, {"errors": [{"path": "", "message": "Not Found"}]}, 404, True)


# -- headers and safety -----------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/api/version", "/docs", "/static/style.css", "/nope"])
def test_security_headers_on_every_response(api: Any, path: str) -> None:
    """CSP without inline scripts, nosniff, a referrer policy and no framing, everywhere."""
    headers = api.get(path).headers
    csp = headers["content-security-policy"]
    assert ("script-src 'self'" in csp, "unsafe-inline" in csp, "form-action 'self'" in csp,
            headers["x-content-type-options"], headers["referrer-policy"],
            headers["x-frame-options"]) == (True, False, True, "nosniff", "same-origin", "DENY")


def test_pages_carry_no_inline_script() -> None:
    """Every script on every page comes from a file (the CSP would block anything else)."""
    with client() as c:
        pages = [c.get(p).text for p in ("/", "/bevoegd-gezag?technology=wind&capacity_mw=3",
                                         "/regels", "/vergelijken", "/docs")]
    inline = [m for html in pages for m in re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html)]
    handlers = [m for html in pages for m in re.findall(r"\son[a-z]+=", html)]
    assert (inline, handlers) == ([], [])


def test_static_files_do_not_leave_their_folder(api: Any) -> None:
    """A path that climbs out of the static folder finds nothing."""
    statuses = {api.get(p).status_code for p in (
        "/static/../pyproject.toml", "/static/%2e%2e/pyproject.toml",
        "/static/..%2f..%2fpyproject.toml")}
    assert statuses == {404}


def test_api_error_survives_pickling() -> None:
    """ApiError crosses a process boundary with its status and problems intact."""
    error = ApiError(422, [{"path": "theme", "message": "x"}])
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.status, copy.problems) == (422, [{"path": "theme", "message": "x"}])


# -- the pages: form token, form, downloads, upload -----------------------------------------

def post_form(c: Any, path: str, fields: dict[str, str], **kwargs: Any) -> httpx.Response:
    page = c.get("/")
    return c.post(path, data={**fields, "_csrf": token(page.text)}, **kwargs)  # type: ignore[no-any-return]


def test_form_post_without_the_token_is_refused() -> None:
    """A form post without the token, with a wrong one, or from another site is a 403."""
    with client() as c:
        fields = form_of(plain(example("lokaal-geschil")))
        missing = c.post("/casus", data=fields)
        good = token(c.get("/").text)
        wrong = c.post("/casus", data={**fields, "_csrf": "x" * 43})
        foreign = c.post("/casus", data={**fields, "_csrf": good},
                         headers={"origin": "http://evil.example"})
        cross = c.post("/casus", data={**fields, "_csrf": good},
                       headers={"sec-fetch-site": "cross-site"})
        ok = c.post("/casus", data={**fields, "_csrf": good})
    assert [r.status_code for r in (missing, wrong, foreign, cross, ok)] == [
        403, 403, 403, 403, 200]


@pytest.mark.parametrize("name", ["planuitval-windpark-start", "energiewet-drie-projecten"])
def test_form_post_gives_the_advice_page(name: str) -> None:
    """The posted form gives a page with the same proposal and competence as advise()."""
    case = plain(example(name))
    advice = advise(load_case(example(name)))
    with client() as c:
        html = post_form(c, "/casus", form_of(case)).text
    authorities = re.findall(r'<td class="authority"><strong>([^<]+)</strong>', html)
    from res_rules._report import advice_report

    report = advice_report(advice)
    assert (report["proposal"]["text"] in html, authorities) == (
        True, [row["authority"] for row in report["competence"]])


def test_form_errors_stay_beside_their_fields_with_what_was_typed() -> None:
    """Bad input gives 422 with each problem next to its input and the typed text kept."""
    fields = {"id": "x", "theme": "", "scope": "regionaal", "projects[0].id": "p",
              "projects[0].gemeente": "Lopik", "projects[0].technology": "wind",
              "projects[0].capacity_mw": "twaalf"}
    with client() as c:
        response = post_form(c, "/casus", fields)
    html = response.text
    theme_error = re.search(r'id="f-theme-error"><p><strong>[^<]*</strong> ([^<]*)<', html)
    assert (response.status_code, theme_error is not None and theme_error.group(1).strip(),
            'id="f-projects-0-capacity_mw-error"' in html, 'value="twaalf"' in html,
            "Er zijn 2 fouten in de invoer" in html, "sleutel" in html) == (
        422, "dit veld is verplicht; vul het in", True, True, True, False)


def test_form_downloads_round_trip_through_the_case_parser() -> None:
    """The YAML and JSON the form downloads load back as the same case."""
    case = plain(example("energiewet-drie-projecten"))
    with client() as c:
        as_yaml = post_form(c, "/casus", {**form_of(case), "_action": "yaml"})
        as_json = post_form(c, "/casus", {**form_of(case), "_action": "json"})
    expected = case_from_mapping(case)
    assert (case_from_mapping(yaml.safe_load(as_yaml.text)),
            case_from_mapping(json.loads(as_json.text)),
            as_yaml.headers["content-disposition"]) == (
        expected, expected, 'attachment; filename="energiewet-drie-projecten.yaml"')


def test_advice_downloads_equal_the_cli_reports() -> None:
    """The advice page's Markdown and JSON downloads are advice_markdown() and to_dict()."""
    path = example("mediation-zonder-draagvlak")
    advice = advise(load_case(path))
    carried = {"case_json": json.dumps(plain(path)), "_expected_law": "ja"}
    with client() as c:
        markdown = post_form(c, "/advies/markdown", carried)
        as_json = post_form(c, "/advies/json", {**carried, "_lang": "en"})
    assert (markdown.text, as_json.json()) == (advice_markdown(advice),
                                               same_json(advice.to_dict("en")))


def test_add_and_remove_projects_keep_the_other_values() -> None:
    """Adding a project adds an empty one; removing one keeps the others' values in order."""
    fields = {"id": "x", "projects[0].id": "a", "projects[1].id": "b", "projects[2].id": "c"}
    with client() as c:
        added = post_form(c, "/casus", {**fields, "_action": "add"}).text
        removed = post_form(c, "/casus", {**fields, "_action": "remove:1"}).text
    inputs = r'<input type="text" autocomplete="off" id="f-projects-\d-id" ' \
             r'name="projects\[(\d)\]\.id"[^>]*value="([^"]*)"'
    assert (re.findall(inputs, added), re.findall(inputs, removed)) == (
        [("0", "a"), ("1", "b"), ("2", "c"), ("3", "")], [("0", "a"), ("1", "c")])


def test_upload_fills_the_form_and_refuses_code() -> None:
    """An uploaded case file fills the form; a YAML tag that would build an object is refused
    and nothing runs."""
    path = example("planuitval-windpark-start")
    evil = b"id: !!python/object/apply:os.system ['echo owned']\ntheme: planuitval\n"
    with client() as c:
        page = c.get("/")
        filled = c.post("/casus/bestand", data={"_csrf": token(page.text)},
                        files={"case_file": (path.name, path.read_bytes(), "application/yaml")})
        refused = c.post("/casus/bestand", data={"_csrf": token(page.text)},
                         files={"case_file": ("evil.yaml", evil, "application/yaml")})
    assert (filled.status_code, 'value="planuitval-windpark-lopik"' in filled.text,
            refused.status_code, "tags zoals" in refused.text,
            "zijn niet toegestaan" in refused.text) == (200, True, 422, True, True)


def test_titles_are_escaped_on_the_page() -> None:
    """What a user types is shown as text, never as markup."""
    case = {**plain(example("lokaal-geschil")), "title": "<script>alert(1)</script>"}
    with client() as c:
        html = post_form(c, "/casus", form_of(case)).text
    assert ("<script>alert(1)</script>" in html, "&lt;script&gt;alert(1)&lt;/script&gt;"
            in html) == (False, True)


def test_compare_page_marks_what_the_energiewet_changed() -> None:
    """Two dates around 1 January 2026: the law row and the windpark's competence differ."""
    path = example("planuitval-windpark-start")
    with client() as c:
        html = post_form(c, "/vergelijken", {"case_text": path.read_text(), "mode": "dates",
                                             "first_date": "2025-12-31",
                                             "second_date": "2026-01-01"}).text
    changed = re.findall(r'<tr class="changed" data-path="([^"]+)"', html)
    advice = [advise(load_case(path), as_of=dt.date(d, m, day)) for d, m, day in
              ((2025, 12, 31), (2026, 1, 1))]
    from res_rules._diff import differences

    assert changed == [d.path for d in differences(*advice)]


def test_page_errors_speak_the_pages_language() -> None:
    """The pages say what is wrong in the page's language, next to the field's own label: an
    impossible date, a comparison mode that does not exist, a file that is not UTF-8."""
    path = example("planuitval-windpark-start")
    fields = {"case_text": path.read_text(), "first_date": "2026-02-30",
              "second_date": "2026-01-01"}
    with client() as c:
        lookup = c.get("/bevoegd-gezag", params={"technology": "wind", "capacity_mw": "12.6",
                                                 "as_of": "2026-02-30"}).text
        dates = post_form(c, "/vergelijken", {**fields, "mode": "dates"})
        mode = post_form(c, "/vergelijken", {**fields, "first_date": "2025-12-31",
                                             "mode": "wetten"})
        binary = post_form(c, "/casus/bestand", {}, files={
            "case_file": ("casus.yaml", b"\xff\xfe\x00id", "application/yaml")})
        english = post_form(c, "/vergelijken", {**fields, "mode": "dates", "_lang": "en"})
    assert ("de dag &#39;2026-02-30&#39; bestaat niet" in lookup, "expected" in lookup,
            dates.status_code,
            'Eerste peildatum</a>: de dag &#39;2026-02-30&#39; bestaat niet' in dates.text,
            'First reference date</a>: there is no day &#39;2026-02-30&#39;' in english.text,
            mode.status_code, "verwacht een van: &#39;dates&#39;, &#39;law&#39;, gekregen "
            "&#39;wetten&#39;" in mode.text,
            binary.status_code, "verwacht UTF-8-tekst" in binary.text) == (
        True, False, 422, True, True, 422, True, 422, True)


def test_competence_page_answers_with_the_article() -> None:
    """The lookup page names the authority and quotes the article that applies."""
    with client() as c:
        html = c.get("/bevoegd-gezag", params={"technology": "zon", "capacity_mw": "62",
                                              "as_of": "2026-03-01"}).text
    assert (re.search(r'<strong id="authority">([^<]+)</strong>', html).group(1),  # type: ignore[union-attr]
            "art. 6.2 lid 1 sub b" in html) == ("Provincie", True)


# -- the form's mapping to the case format --------------------------------------------------

@pytest.mark.parametrize(("text", "value"), [
    ("12,6", 12.6), ("12.6", 12.6), (" 100 ", 100), ("0,5", 0.5), ("1.234,5", "1.234,5"),
    ("twaalf", "twaalf"), ("1e3", "1e3"),
])
def test_numbers_are_read_with_a_comma_or_a_point(text: str, value: Any) -> None:
    """Decimal comma or point; anything else is left as text for the parser to report."""
    assert read_number(text.strip()) == value


def test_every_field_of_the_case_format_has_an_input() -> None:
    """The empty form has an input named by each path of case format 1."""
    with client() as c:
        html = c.get("/").text
    names = set(re.findall(r'<(?:input|select|textarea)[^>]*\sname="([^"_][^"]*)"', html))
    names -= {"case_file"}
    assert names == form_paths()


def test_form_state_maps_to_the_case_format() -> None:
    """Text inputs, selects, check boxes and dates become the case file's values."""
    state = FormState({"id": "x", "theme": "planuitval", "current_step": "2",
                       "deadline": "2026-05-01", "solution.status": "gevonden",
                       "solution.adequate": "false", "res_forecast_twh_2030": "1,8",
                       "title": "  "},
                      ({"id": "p", "capacity_mw": "12,6", "transferred_to_gemeente": "on"},))
    assert to_mapping(state) == {
        "id": "x", "theme": "planuitval", "current_step": 2, "deadline": "2026-05-01",
        "res_forecast_twh_2030": 1.8, "solution": {"status": "gevonden", "adequate": False},
        "projects": [{"id": "p", "capacity_mw": 12.6, "transferred_to_gemeente": True}]}


def test_help_texts_and_messages_come_through_the_adapters() -> None:
    """field_help gives the fact model's gloss in the page's language; problem_message gives
    the problem in that language, without the file and the path (a missing key is a field
    to fill in, on a form)."""
    from res_rules._facts import Case

    with pytest.raises(res_rules.CaseError) as info:
        res_rules.load_case(example("planuitval-windpark-start").with_name("x.yaml"))
    error = res_rules.CaseError.problem("problem.missing_key", path="theme", file="a.yaml")
    (problem,) = error.errors
    assert (field_help(Case, "theme", "nl"), field_help(Case, "theme", "en"),
            problem_message(problem, "nl"), problem_message(problem, "en"),
            info.value.path) == (
        "het thema waarover de impasse gaat", "the theme the impasse is about",
        "dit veld is verplicht; vul het in", "this field is required; fill it in", "")


# -- a real server ----------------------------------------------------------------------------

def test_serve_prints_its_address_and_several_workers_answer() -> None:
    """`res-rules serve --workers 2` prints where it listens and answers like advise()."""
    path = example("windpark-grens-100mw")
    with running_server(workers=2) as (base, first_line):
        answers = [httpx.post(f"{base}/api/advise", json=plain(path), timeout=30).json()
                   for _ in range(4)]
    assert (f"{base}/" in first_line, answers) == (
        True, [same_json(advise(load_case(path)).to_dict())] * 4)


# -- the competence figure ------------------------------------------------------------------

@pytest.mark.parametrize("day", [dt.date(2023, 6, 1), dt.date(2025, 6, 1), dt.date(2026, 6, 1)])
@pytest.mark.parametrize("technology", ["wind", "zon"])
def test_competence_figure_agrees_with_bevoegd_gezag(day: dt.date, technology: str) -> None:
    """Every capacity on the figure's axis, boundaries included, lies in the stretch whose
    authority bevoegd_gezag() gives for it, under each regime."""
    from res_rules.web.figure import _pieces, capacity_bounds

    rs = load_rules()
    ask = {"as_of": day, "transferred_to_gemeente": False, "rijk_waived_to": None,
           "include_expected_law": True, "rules": rs}
    pieces = _pieces(technology, capacity_bounds(rs), ask, "nl")

    def drawn(mw: float) -> str:
        for p in pieces:
            above = mw > p.low or (mw == p.low and p.low_in)
            below = p.high is None or mw < p.high or (mw == p.high and p.high_in)
            if above and below:
                return p.authority
        raise AssertionError(f"{mw} MW is on no stretch")

    grid = sorted({round(0.5 * i, 2) for i in range(1, 260)} | {
        b + d for b in capacity_bounds(rs) for d in (-0.01, 0, 0.01)})
    wrong = [mw for mw in grid if drawn(mw) != bevoegd_gezag(
        technology, mw, as_of=day, include_expected_law=True).bevoegd_gezag]
    assert wrong == []
