"""The advice as an advisor sends it: facts, proposal, who does what, in natural Dutch or
English, as text, Markdown and JSON with the same content."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from conftest import EXAMPLES, SHARED_EXAMPLES
from markdown_it import MarkdownIt

import res_rules
from res_rules._render import advice_markdown, advice_text, md
from res_rules._words import date, number

CODES = re.compile(r"\b(start_procedure|consensus_zoeken|bevoegd_gezag_beslist|niet_van_toepassing|"
                   r"verwachte_wetgeving|memo_wijkt_af|days_past_deadline|step2_need|"
                   r"mandaat_provincie|parallel_doorwerken|informeer_parlementen|"
                   r"met value = |rijk \(Rijk\))\b")


def _advice(name: str, **kwargs: object) -> res_rules.Advice:
    return res_rules.advise(res_rules.load_case(EXAMPLES / name), **kwargs)  # type: ignore[arg-type]


def _example_files() -> list[object]:
    names = {p.name for p in EXAMPLES.glob("*.yaml")}
    if SHARED_EXAMPLES.exists():
        names |= {p.name for p in SHARED_EXAMPLES.glob("*.yaml")
                  if not p.name.endswith(".expected.yaml")}
    return [pytest.param(EXAMPLES / n if (EXAMPLES / n).exists() else SHARED_EXAMPLES / n,
                         id=n) for n in sorted(names)]


@pytest.mark.parametrize(("value", "lang", "expected"), [
    (12.6, "nl", "12,6"), (12.6, "en", "12.6"), (1234567.5, "nl", "1.234.567,5"),
    (1234567.5, "en", "1,234,567.5"), (100.0, "nl", "100"), (0.00005, "nl", "0,00005"),
    (1e16, "nl", "10.000.000.000.000.000"), (1.8, "nl", "1,8"),
])
def test_numbers_follow_the_language(value: float, lang: str, expected: str) -> None:
    """Decimal comma and thousands dot in Dutch, the reverse in English, every digit kept."""
    assert number(value, lang) == expected


@pytest.mark.parametrize(("day", "lang", "expected"), [
    (dt.date(2026, 3, 1), "nl", "1 maart 2026"), (dt.date(2026, 7, 1), "nl", "1 juli 2026"),
    (dt.date(2026, 3, 1), "en", "1 March 2026"),
])
def test_dates_are_written_in_words(day: dt.date, lang: str, expected: str) -> None:
    """Dates read "1 maart 2026", not ISO, in the reports."""
    assert date(day, lang) == expected


@pytest.mark.parametrize("case_file", _example_files())
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_reports_show_no_internal_codes_outside_the_appendix(case_file: object,
                                                             lang: str) -> None:
    """Text and the body of the Markdown report speak in words: no recommendation, action or
    warning codes, no field names, no "rijk (Rijk)"."""
    advice = res_rules.advise(res_rules.load_case(case_file))  # type: ignore[arg-type]
    body = advice_markdown(advice, lang).split("\n## ")
    text = advice_text(advice, lang)
    assert (CODES.findall(text), CODES.findall("\n## ".join(body[:-1]))) == ([], [])


def test_dutch_text_writes_numbers_and_dates_the_dutch_way() -> None:
    """12,6 MW and 1 maart 2026 in Dutch; 12.6 MW and 1 March 2026 in English."""
    advice = _advice("planuitval-windpark-start.yaml")
    nl, en = advice_text(advice, "nl"), advice_text(advice, "en")
    assert ("12,6 MW" in nl, "1 maart 2026" in nl, "12.6 MW" in nl, "2026-03-01" in nl,
            "12.6 MW" in en, "1 March 2026" in en) == (True, True, False, False, True, True)


def test_the_facts_the_advice_rests_on_are_in_the_report() -> None:
    """Deadline with the days past, solution, forecast against 1,8 TWh and each project."""
    text = advice_text(_advice("netcongestie-deadline-gemist.yaml"))
    mediation = advice_text(_advice("mediation-zonder-draagvlak.yaml"))
    assert ("Deadline: 1 juli 2026, 76 dagen verstreken" in text,
            "Prognose 2030: 1,55 TWh, onder de opgave van 1,8 TWh" in mediation,
            "zp-lexmond, Vijfheerenlanden: zon, 62 MW, gedeeltelijk gerealiseerd" in mediation,
            "Deadline: 1 maart 2027, nog 28 dagen" in mediation) == (True, True, True, True)


@pytest.mark.parametrize(("name", "heading"), [
    ("planuitval-windpark-start.yaml", "Voorstel aan de KNR-tafel"),
    ("mediation-zonder-draagvlak.yaml", "Voorstel aan de KNR-tafel"),
    ("lokaal-geschil.yaml", "Niet van toepassing"),
])
def test_the_recommendation_is_a_proposal_to_the_body_that_decides(name: str,
                                                                   heading: str) -> None:
    """The memo: "Aan de KNR-tafel wordt besloten welke volgende stap wordt genomen"."""
    assert f"\n{heading}\n" in advice_text(_advice(name))


def test_before_the_start_the_proposal_goes_to_the_stuurgroep_or_the_trekker() -> None:
    """Without a declaration the procedure has not started: the entry decision is theirs."""
    advice = res_rules.advise({"id": "x", "theme": "overig", "scope": "regionaal",
                               "reference_date": "2026-05-01"})
    text = advice_text(advice)
    assert ("Voorstel aan de Stuurgroep of de bestuurlijk trekker" in text,
            "De procedure is nog niet ingegaan" in text, "van toepassing: nee" in text) == (
        True, True, False)


def test_a_local_case_says_where_it_belongs_instead_of_listing_no_reasons() -> None:
    """A local dispute belongs with the gemeente; no "Aanleidingen: geen"."""
    text = advice_text(_advice("lokaal-geschil.yaml"))
    assert ("hoort bij de betrokken gemeente" in text, "Aanleiding" in text.split(
        "Verantwoording")[0]) == (True, False)


def test_the_alternatives_of_the_knr_tafel_are_part_of_the_proposal() -> None:
    """Skipping steps is the KNR-tafel's choice, listed with the proposal."""
    text = advice_text(_advice("planuitval-windpark-start.yaml"))
    assert "De KNR-tafel kan ook kiezen voor: stap 2 (onafhankelijk onderzoek of expert " \
           "judgement); stap 3" in text


def test_every_action_carries_an_actor_in_json_and_text() -> None:
    """Each action names who acts, with words for the actor and the full sentence."""
    advice = _advice("mediation-zonder-draagvlak.yaml")
    data = advice.to_dict()
    assert [(a["code"], a["actor"]) for a in data["actions"]] == [
        ("provincie_instrumentarium", "provincie"),
        ("terugvallen_op_bevoegd_gezag", "bevoegd_gezag"),
        ("informeer_parlementen", "overheden"),
        ("parallel_doorwerken", "res_organisatie")]
    assert data["actions"][0]["text"].startswith("De provincie zet haar juridisch instrumentarium")


def test_actions_are_ordered_by_weight() -> None:
    """The decisive action first, informing after the step's work, working on in parallel
    last."""
    codes = _advice("planuitval-windpark-start.yaml").action_codes
    assert codes == ("mandaat_provincie", "informeer_parlementen", "parallel_doorwerken")


def test_entering_a_step_asks_for_a_deadline_for_that_step() -> None:
    """"doorlooptijd (wanneer zetten we een volgende stap?)": the step's own action asks for a
    deadline for the step it enters; continuing a step does not."""
    entering = _advice("planuitval-windpark-start.yaml")
    staying = res_rules.advise({"id": "x", "theme": "overig", "scope": "regionaal",
                                "current_step": 1, "reference_date": "2026-05-01"})
    first = entering.to_dict()["actions"][0]
    assert (first["deadline_step"], "spreekt een deadline af voor stap 1" in first["text"],
            [a["deadline_step"] for a in staying.to_dict()["actions"]]) == (1, True, [None])


def test_the_step2_action_names_the_chosen_instrument() -> None:
    """Once the facts are wanted, the assignment is for independent research."""
    chosen = _advice("netcongestie-deadline-gemist.yaml").to_dict()["actions"]
    text = next(a["text"] for a in chosen if a["code"] == "opdracht_onderzoek_of_expert")
    assert "voor onafhankelijk onderzoek (om alle feiten op tafel te krijgen)" in text


def test_json_carries_the_deadline_the_facts_and_the_deciding_body() -> None:
    """The JSON form has the same content as the report: deadline, days past, the case's
    facts, and who the proposal is for."""
    data = _advice("netcongestie-deadline-gemist.yaml").to_dict()
    none = res_rules.advise({"id": "x", "theme": "overig", "scope": "regionaal"}).to_dict()
    assert (data["deadline"], data["days_past_deadline"], data["facts"]["step2_need"],
            data["decided_by"], data["decided_by_text"], none["deadline"],
            none["days_past_deadline"]) == (
        "2026-07-01", 76, "feiten", "knr_tafel", "de KNR-tafel", None, None)


def test_text_details_show_rule_ids_only_on_request() -> None:
    """Rule ids and codes appear in text only with --details (in an appendix and per line)."""
    advice = _advice("planuitval-windpark-start.yaml")
    plain, detailed = advice_text(advice), advice_text(advice, details=True)
    assert ("aanbeveling.start_procedure" in plain, "aanbeveling.start_procedure" in detailed,
            "Bijlage: regels en codes" in detailed) == (False, True, True)


def test_the_markdown_report_renders_as_a_clean_document() -> None:
    """Rendered by a Markdown library: a title, the sections as headings, the facts, actions,
    competence and appendix as real tables, warnings as quotes, no stray pipes in text."""
    html = MarkdownIt("commonmark").enable("table").render(
        advice_markdown(_advice("energiewet-drie-projecten.yaml")))
    headings = re.findall(r"<h2>(.*?)</h2>", html)
    paragraphs = " ".join(re.findall(r"<p>(.*?)</p>", html, re.S))
    assert (html.startswith("<h1>Advies: Zon en wind onder de Energiewet</h1>"), headings,
            html.count("<table>"), "<blockquote>" in html, "|" in paragraphs) == (
        True, ["Feiten", "Voorstel aan de KNR-tafel", "Wie doet wat",
               "Bevoegd gezag per project", "Waarschuwingen", "Verantwoording",
               "Bijlage: regels en codes"], 5, True, False)


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.yaml")
                                         if not p.name.endswith(".expected.yaml")))
def test_code_in_the_markdown_report_shows_no_escapes(name: str) -> None:
    """Rule ids and conclusions in the appendix render as typed: a code span takes no backslash
    escapes, so none may show (``competence\\_basis`` was printed as it stood)."""
    advice = _advice(name)
    html = MarkdownIt("commonmark").enable("table").render(advice_markdown(advice))
    codes = re.findall(r"<code>(.*?)</code>", html, re.S)
    conclusions = [c for c in codes if "(" in c]
    assert (len(conclusions) >= len(advice.explanation), [c for c in codes if "\\" in c]) == (
        True, [])


def test_a_case_id_with_table_and_code_characters_renders_as_typed() -> None:
    """A pipe, backticks and underscores in a case id stay in their table cell, as typed."""
    case = {"id": "a|b `c` d_e", "title": "Een titel", "theme": "planuitval",
            "scope": "regionaal", "no_consensus_declared_by": "stuurgroep"}
    html = MarkdownIt("commonmark").enable("table").render(
        advice_markdown(res_rules.advise(case, as_of=dt.date(2026, 3, 1))))
    assert "<td><code>a|b `c` d_e</code></td>" in html


def test_markdown_escapes_what_would_format() -> None:
    """An id with underscores or a pipe stays as typed in the rendered report."""
    assert md("wp_1 | *x*") == "wp\\_1 \\| \\*x\\*"


def test_english_report_uses_english_words_and_conventions() -> None:
    """--lang en: English headings, 'reason', English numbers; Dutch terms of art stay."""
    text = advice_text(_advice("mediation-zonder-draagvlak.yaml"), "en")
    assert ("Proposal to the KNR-tafel" in text, "Reason to escalate" in text,
            "4.2 MW" in text, "Who does what" in text, "Aanleiding" in text) == (
        True, True, True, True, False)
