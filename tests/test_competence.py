"""Competence (bevoegd gezag) at every boundary of every regime, the regime boundaries
themselves, hand-overs, the memo's own table and bad arguments."""

from __future__ import annotations

import datetime as dt

import pytest

import res_rules
from res_rules import CaseError
from res_rules._words import date

WRO = dt.date(2023, 6, 1)
OMGEVINGSWET = dt.date(2025, 6, 1)
ENERGIEWET = dt.date(2026, 6, 1)

# (date, technology, MW, expected law, statutory authority, law status)
TABLE = [
    # Until 2023: Ew 1998 art. 9e (wind 5-100, provincie) and art. 9b (Rijk from 100/50).
    (WRO, "wind", 4.99, True, "gemeente", "geldend"),
    (WRO, "wind", 5, True, "provincie", "geldend"),
    (WRO, "wind", 15, True, "provincie", "geldend"),
    (WRO, "wind", 99.99, True, "provincie", "geldend"),
    (WRO, "wind", 100, True, "provincie", "geldend"),
    (WRO, "wind", 100.01, True, "rijk", "geldend"),
    (WRO, "zon", 49.99, True, "gemeente", "geldend"),
    (WRO, "zon", 50, True, "provincie", "verwacht"),
    (WRO, "zon", 100, True, "provincie", "verwacht"),
    (WRO, "zon", 49.99, False, "gemeente", "geldend"),
    (WRO, "zon", 50, False, "rijk", "geldend"),
    (WRO, "wind", 5, False, "provincie", "geldend"),
    # 2024-2025: Ew 1998 art. 9c (wind 5 to under 100) and art. 9b.
    (OMGEVINGSWET, "wind", 4.99, True, "gemeente", "geldend"),
    (OMGEVINGSWET, "wind", 5, True, "provincie", "geldend"),
    (OMGEVINGSWET, "wind", 99.99, True, "provincie", "geldend"),
    (OMGEVINGSWET, "wind", 100, True, "rijk", "geldend"),
    (OMGEVINGSWET, "zon", 49.99, True, "gemeente", "geldend"),
    (OMGEVINGSWET, "zon", 50, True, "provincie", "verwacht"),
    (OMGEVINGSWET, "zon", 150, True, "provincie", "verwacht"),
    (OMGEVINGSWET, "zon", 50, False, "rijk", "geldend"),
    # From 2026: Energiewet art. 6.2 (wind 15 to under 100, zon 50 to under 100) and 6.1.
    (ENERGIEWET, "wind", 4.99, True, "gemeente", "geldend"),
    (ENERGIEWET, "wind", 5, True, "gemeente", "geldend"),
    (ENERGIEWET, "wind", 14.99, True, "gemeente", "geldend"),
    (ENERGIEWET, "wind", 15, True, "provincie", "geldend"),
    (ENERGIEWET, "wind", 99.99, True, "provincie", "geldend"),
    (ENERGIEWET, "wind", 100, True, "rijk", "geldend"),
    (ENERGIEWET, "zon", 49.99, True, "gemeente", "geldend"),
    (ENERGIEWET, "zon", 50, True, "provincie", "geldend"),
    (ENERGIEWET, "zon", 99.99, True, "provincie", "geldend"),
    (ENERGIEWET, "zon", 100, True, "rijk", "geldend"),
    (ENERGIEWET, "zon", 50, False, "provincie", "geldend"),
    (ENERGIEWET, "zon", 100, False, "rijk", "geldend"),
    (ENERGIEWET, "wind", 15, False, "provincie", "geldend"),
]


@pytest.mark.parametrize(("as_of", "technology", "mw", "expected_law", "authority", "status"),
                         TABLE)
def test_competence_at_every_boundary_of_every_regime(
        as_of: dt.date, technology: str, mw: float, expected_law: bool, authority: str,
        status: str) -> None:
    """Each capacity boundary (5, 15, 50, 100 MW and neighbours) lands where that regime's law
    (or, before 2026, the memo's expected legislation) puts it."""
    result = res_rules.bevoegd_gezag(technology, mw, as_of=as_of,
                                     include_expected_law=expected_law)
    assert (result.bevoegd_gezag, result.statutory_bevoegd_gezag, result.law_status) == (
        authority, authority, status)


@pytest.mark.parametrize(("as_of", "regime"), [
    (dt.date(1998, 8, 1), "ew1998-wro"),
    (dt.date(2023, 12, 31), "ew1998-wro"),
    (dt.date(2024, 1, 1), "ew1998-omgevingswet"),
    (dt.date(2025, 12, 31), "ew1998-omgevingswet"),
    (dt.date(2026, 1, 1), "energiewet"),
    (dt.date(2099, 1, 1), "energiewet"),
])
def test_the_regime_changes_exactly_on_its_first_day(as_of: dt.date, regime: str) -> None:
    """31 December 2023 is still the Wro regime, 1 January 2024 the Omgevingswet one, and
    1 January 2026 the Energiewet."""
    assert res_rules.bevoegd_gezag("wind", 12, as_of=as_of).regime == regime


@pytest.mark.parametrize(("technology", "mw", "before", "after", "day"), [
    ("wind", 100, "provincie", "rijk", dt.date(2024, 1, 1)),
    ("wind", 12, "provincie", "gemeente", dt.date(2026, 1, 1)),
    ("zon", 120, "provincie", "rijk", dt.date(2026, 1, 1)),
])
def test_competence_moves_on_the_day_the_law_changes(technology: str, mw: float, before: str,
                                                     after: str, day: dt.date) -> None:
    """The day before a new law the old competence holds, on its first day the new one."""
    assert (res_rules.bevoegd_gezag(technology, mw, as_of=day - dt.timedelta(days=1))
            .bevoegd_gezag, res_rules.bevoegd_gezag(technology, mw, as_of=day).bevoegd_gezag
            ) == (before, after)


def test_without_a_date_the_law_of_today_applies() -> None:
    """No as_of: today's date, hence today's regime."""
    result = res_rules.bevoegd_gezag("wind", 12)
    expected = res_rules.bevoegd_gezag("wind", 12, as_of=dt.date.today())
    assert (result.as_of, result.regime) == (dt.date.today(), expected.regime)


@pytest.mark.parametrize(("as_of", "citation", "document"), [
    (WRO, "art. 9e lid 1", "ew1998-2021-07-01"),
    (OMGEVINGSWET, "art. 9c lid 1", "ew1998-2024-01-01"),
    (ENERGIEWET, "art. 6.2 lid 1 sub a", "energiewet-2026-01-01"),
])
def test_competence_cites_the_article_of_the_law_in_force(as_of: dt.date, citation: str,
                                                          document: str) -> None:
    """The statutory rule quotes the provision of that regime's own law version."""
    result = res_rules.bevoegd_gezag("wind", 50, as_of=as_of)
    basis = [r for r in result.rules if r.id.startswith("bevoegd.") and r.id.endswith(
        ".provincie")]
    assert [(r.source.document, r.source.citation) for r in basis] == [(document, citation)]


def test_exactly_100_mw_wind_warns_of_the_overlap_only_before_2024() -> None:
    """At 100 MW both art. 9e (provincie) and art. 9b (Rijk) reach the project until 2023;
    from 2024 the provincial range ends below 100 MW and there is no overlap to report."""
    before = res_rules.bevoegd_gezag("wind", 100, as_of=WRO)
    (warning,) = before.warnings
    rule = before.ruleset.rule(warning.rules[0])
    citations = {s.citation for s in rule.sources}
    after = [w.code for w in res_rules.bevoegd_gezag("wind", 100, as_of=OMGEVINGSWET).warnings
             if w.code == "grens_100mw"]
    assert (warning.code, {"art. 9b lid 1 sub a", "art. 9e lid 1"} <= citations, after) == (
        "grens_100mw", True, [])


@pytest.mark.parametrize("mw", [99.99, 100.01])
def test_no_overlap_warning_next_to_100_mw(mw: float) -> None:
    """Only exactly 100 MW is the overlap."""
    assert [w.code for w in res_rules.bevoegd_gezag("wind", mw, as_of=WRO).warnings] == []


def test_expected_law_is_flagged_before_2026_and_is_law_after() -> None:
    """Before 2026 the provincie's solar competence rests on expected law (a warning); from
    2026 it is Energiewet art. 6.2, with no warning about expected law."""
    before = res_rules.bevoegd_gezag("zon", 50, as_of=OMGEVINGSWET)
    after = res_rules.bevoegd_gezag("zon", 50, as_of=ENERGIEWET)
    assert ([w.code for w in before.warnings], [w.code for w in after.warnings]) == (
        ["verwachte_wetgeving"], [])


@pytest.mark.parametrize(("as_of", "technology", "mw", "expected_law", "authority", "statutory"),
                         [
    (WRO, "wind", 12, True, "gemeente", "provincie"),
    (WRO, "zon", 60, True, "gemeente", "provincie"),
    (OMGEVINGSWET, "wind", 12, True, "gemeente", "provincie"),
    (ENERGIEWET, "wind", 20, True, "gemeente", "provincie"),
    (ENERGIEWET, "zon", 60, True, "gemeente", "provincie"),
    (ENERGIEWET, "wind", 12, True, "gemeente", "gemeente"),
    (ENERGIEWET, "wind", 150, True, "rijk", "rijk"),
    (WRO, "zon", 60, False, "rijk", "rijk"),
])
def test_transfer_turns_only_provincie_into_gemeente(
        as_of: dt.date, technology: str, mw: float, expected_law: bool, authority: str,
        statutory: str) -> None:
    """GS leaving the decision to the gemeente lowers provincie to gemeente and changes nothing
    for gemeente or Rijk."""
    result = res_rules.bevoegd_gezag(technology, mw, as_of=as_of, transferred_to_gemeente=True,
                                     include_expected_law=expected_law)
    assert (result.bevoegd_gezag, result.statutory_bevoegd_gezag) == (authority, statutory)


@pytest.mark.parametrize(("as_of", "rule", "citation"), [
    (WRO, "bevoegd.wro.overdracht", "art. 9f lid 6"),
    (OMGEVINGSWET, "bevoegd.omgevingswet.overdracht", "art. 9c lid 4"),
    (ENERGIEWET, "bevoegd.energiewet.overdracht", "art. 6.2 lid 2"),
])
def test_transfer_cites_the_article_of_the_law_in_force(as_of: dt.date, rule: str,
                                                        citation: str) -> None:
    """The hand-over by GS is traced to 9f lid 6, 9c lid 4 or 6.2 lid 2, by regime."""
    result = res_rules.bevoegd_gezag("wind", 50, as_of=as_of, transferred_to_gemeente=True)
    used = [r for r in result.rules if r.id.endswith(".overdracht")]
    assert [(r.id, r.source.citation) for r in used] == [(rule, citation)]


@pytest.mark.parametrize(("as_of", "technology", "mw", "to", "rule", "citation"), [
    (WRO, "wind", 150, "provincie", "bevoegd.wro.afstand", "art. 9b lid 4"),
    (WRO, "zon", 60, "gemeente", "bevoegd.wro.afstand", "art. 9b lid 4"),
    (OMGEVINGSWET, "wind", 100, "gemeente", "bevoegd.omgevingswet.afstand", "art. 9b lid 3"),
    (ENERGIEWET, "zon", 120, "gemeente", "bevoegd.energiewet.afstand", "art. 6.1 lid 3"),
    (ENERGIEWET, "wind", 100, "provincie", "bevoegd.energiewet.afstand", "art. 6.1 lid 3"),
])
def test_the_ministers_waiver_turns_rijk_into_the_chosen_body(
        as_of: dt.date, technology: str, mw: float, to: str, rule: str, citation: str) -> None:
    """rijk_waived_to turns a Rijk project into that body, citing the regime's article."""
    expected_law = technology != "zon" or as_of >= ENERGIEWET
    result = res_rules.bevoegd_gezag(technology, mw, as_of=as_of, rijk_waived_to=to,
                                     include_expected_law=expected_law)
    used = [r for r in result.rules if r.id.endswith(".afstand")]
    assert (result.statutory_bevoegd_gezag, result.bevoegd_gezag,
            [(r.id, r.source.citation) for r in used]) == ("rijk", to, [(rule, citation)])


@pytest.mark.parametrize(("technology", "mw"), [("wind", 3), ("wind", 50), ("zon", 60)])
def test_a_waiver_without_effect_is_warned_about(technology: str, mw: float) -> None:
    """Where the Rijk is not competent, a waiver changes nothing and the advice says so."""
    result = res_rules.bevoegd_gezag(technology, mw, as_of=ENERGIEWET, rijk_waived_to="gemeente")
    before = res_rules.bevoegd_gezag(technology, mw, as_of=ENERGIEWET)
    assert (result.bevoegd_gezag, "afstand_zonder_effect" in [w.code for w in result.warnings]
            ) == (before.bevoegd_gezag, True)


@pytest.mark.parametrize(("technology", "mw"), [("wind", 3), ("wind", 150), ("zon", 10)])
def test_transfer_without_effect_is_warned_about(technology: str, mw: float) -> None:
    """Where the provincie is not competent, a transfer is flagged as having no effect."""
    result = res_rules.bevoegd_gezag(technology, mw, as_of=ENERGIEWET,
                                     transferred_to_gemeente=True)
    assert "overdracht_zonder_effect" in [w.code for w in result.warnings]


def test_transfer_with_effect_is_traced_to_the_regime_and_the_transfer_rule() -> None:
    """The rules of a transferred competence: the regime, the statute, the hand-over."""
    result = res_rules.bevoegd_gezag("wind", 20, as_of=ENERGIEWET, transferred_to_gemeente=True)
    assert [r.id for r in result.rules] == ["recht.energiewet",
                                            "bevoegd.energiewet.wind.provincie",
                                            "bevoegd.energiewet.overdracht"]


@pytest.mark.parametrize(("as_of", "technology", "mw", "expected_law", "memo"), [
    (ENERGIEWET, "wind", 12.6, True, "provincie"),
    (ENERGIEWET, "wind", 100, True, "provincie"),
    (ENERGIEWET, "zon", 100, True, "provincie"),
    (OMGEVINGSWET, "wind", 100, True, "provincie"),
    (WRO, "zon", 60, False, "provincie"),
])
def test_the_memo_differs_warning_names_memo_law_and_article(
        as_of: dt.date, technology: str, mw: float, expected_law: bool, memo: str) -> None:
    """Where the statute on the date differs from the memo's table, a memo_wijkt_af warning
    says what the memo names, the date, the article and who the law names."""
    result = res_rules.bevoegd_gezag(technology, mw, as_of=as_of,
                                     include_expected_law=expected_law)
    (warning,) = [w for w in result.warnings if w.code == "memo_wijkt_af"]
    text = result.warning_text(warning)
    basis = next(r for r in result.rules if r.source.citation and r.id.startswith("bevoegd."))
    assert (warning.params["memo_authority"], basis.source.citation in text,
            date(as_of, "nl") in text, warning.params["authority"]) == (
        memo, True, True, result.statutory_bevoegd_gezag)


@pytest.mark.parametrize(("as_of", "technology", "mw"), [
    (ENERGIEWET, "wind", 4.99), (ENERGIEWET, "wind", 15), (ENERGIEWET, "zon", 50),
    (WRO, "wind", 5), (WRO, "wind", 100), (WRO, "zon", 50), (OMGEVINGSWET, "wind", 99.99),
])
def test_no_memo_warning_where_law_and_memo_agree(as_of: dt.date, technology: str,
                                                  mw: float) -> None:
    """Where the statute names the same body as the memo's table, nothing is said."""
    result = res_rules.bevoegd_gezag(technology, mw, as_of=as_of)
    assert [w.code for w in result.warnings if w.code == "memo_wijkt_af"] == []


@pytest.mark.parametrize(
    ("args", "kwargs", "path"),
    [
        (("solar", 10), {}, "technology"),
        (("wind", 0), {}, "capacity_mw"),
        (("wind", float("nan")), {}, "capacity_mw"),
        (("wind", "12"), {}, "capacity_mw"),
        (("wind", True), {}, "capacity_mw"),
        (("wind", 12), {"rijk_waived_to": "waterschap"}, "rijk_waived_to"),
        (("wind", 12), {"as_of": "2026-01-01"}, "as_of"),
        # The first wrong value in the order of the arguments, whatever else is wrong.
        (("solar", "12,6"), {"as_of": "2026-01-01"}, "technology"),
        (("zon", [12]), {"transferred_to_gemeente": "ja"}, "capacity_mw"),
        (("zon", 12), {"transferred_to_gemeente": "ja"}, "transferred_to_gemeente"),
    ],
)
def test_bad_lookup_arguments_raise_case_error(args: tuple[object, object],
                                               kwargs: dict[str, object], path: str) -> None:
    """The look-up validates its arguments like a case file's project."""
    with pytest.raises(CaseError) as info:
        res_rules.bevoegd_gezag(*args, **kwargs)  # type: ignore[arg-type]
    assert info.value.path == path


def test_competence_to_dict_carries_law_rules_and_quotes() -> None:
    """The JSON form names the regime, the law status and each rule's source with its URL."""
    data = res_rules.bevoegd_gezag("zon", 62, as_of=ENERGIEWET).to_dict("en")
    basis = data["rules"][1]
    assert (data["bevoegd_gezag"], data["status"], data["regime"], data["law"]["id"],
            basis["source"]["document"], basis["source"]["url"].startswith(
                "https://wetten.overheid.nl/BWBR0050714/")) == (
        "provincie", "geldend", "energiewet", "energiewet", "energiewet-2026-01-01", True)


def test_competence_refuses_an_unknown_language() -> None:
    """Only nl and en exist for the look-up's texts too."""
    with pytest.raises(ValueError, match="lang must be one of nl, en"):
        res_rules.bevoegd_gezag("wind", 12).to_dict("fr")
