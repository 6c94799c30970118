"""Competence (bevoegd gezag) at every boundary, with and without expected law and transfer."""

from __future__ import annotations

import pytest

import res_rules
from res_rules import CaseError


@pytest.mark.parametrize(
    ("technology", "mw", "expected_law", "authority", "law_status"),
    [
        ("wind", 4.99, True, "gemeente", "geldend"),
        ("wind", 5, True, "provincie", "geldend"),
        ("wind", 100, True, "provincie", "geldend"),
        ("wind", 100.01, True, "rijk", "geldend"),
        ("wind", 4.99, False, "gemeente", "geldend"),
        ("wind", 5, False, "provincie", "geldend"),
        ("wind", 100.01, False, "rijk", "geldend"),
        ("zon", 49.99, True, "gemeente", "geldend"),
        ("zon", 50, True, "provincie", "verwacht"),
        ("zon", 500, True, "provincie", "verwacht"),
        ("zon", 49.99, False, "gemeente", "geldend"),
        ("zon", 50, False, "rijk", "geldend"),
    ],
)
def test_competence_at_the_boundaries(technology: str, mw: float, expected_law: bool,
                                      authority: str, law_status: str) -> None:
    """4.99/5/100/100.01 MW wind and 49.99/50 MW zon land where the memo and the law put them."""
    result = res_rules.bevoegd_gezag(technology, mw, include_expected_law=expected_law)
    assert (result.bevoegd_gezag, result.law_status) == (authority, law_status)


def test_exactly_100_mw_wind_warns_of_the_overlap_citing_both_provisions() -> None:
    """At 100 MW both art. 9e (provincie) and art. 9b (Rijk) reach the project: reported."""
    result = res_rules.bevoegd_gezag("wind", 100)
    (warning,) = result.warnings
    citations = {s.citation for s in result.ruleset.rule(warning.rules[0]).see_also} | {
        result.ruleset.rule(warning.rules[0]).source.citation}
    assert (warning.code, {"art. 9b lid 1 sub a", "art. 9e lid 1"} <= citations) == (
        "grens_100mw", True)


@pytest.mark.parametrize("mw", [99.99, 100.01])
def test_no_overlap_warning_next_to_100_mw(mw: float) -> None:
    """Only exactly 100 MW is the overlap."""
    assert [w.code for w in res_rules.bevoegd_gezag("wind", mw).warnings] == []


def test_expected_law_is_flagged_in_a_warning() -> None:
    """A competence resting on expected legislation says so."""
    assert [w.code for w in res_rules.bevoegd_gezag("zon", 50).warnings] == ["verwachte_wetgeving"]


@pytest.mark.parametrize(
    ("technology", "mw", "expected_law", "authority", "statutory"),
    [
        ("wind", 12, True, "gemeente", "provincie"),
        ("zon", 60, True, "gemeente", "provincie"),
        ("wind", 3, True, "gemeente", "gemeente"),
        ("wind", 150, True, "rijk", "rijk"),
        ("zon", 60, False, "rijk", "rijk"),
    ],
)
def test_transfer_turns_only_provincie_into_gemeente(technology: str, mw: float,
                                                     expected_law: bool, authority: str,
                                                     statutory: str) -> None:
    """A transfer lowers provincie to gemeente and changes nothing for gemeente or Rijk."""
    result = res_rules.bevoegd_gezag(technology, mw, transferred_to_gemeente=True,
                                     include_expected_law=expected_law)
    assert (result.bevoegd_gezag, result.statutory_bevoegd_gezag) == (authority, statutory)


@pytest.mark.parametrize(("technology", "mw"), [("wind", 3), ("wind", 150), ("zon", 10)])
def test_transfer_without_effect_is_warned_about(technology: str, mw: float) -> None:
    """Where the provincie is not competent, a transfer is flagged as having no effect."""
    result = res_rules.bevoegd_gezag(technology, mw, transferred_to_gemeente=True)
    assert "overdracht_zonder_effect" in [w.code for w in result.warnings]


def test_transfer_with_effect_is_traced_to_the_transfer_rule() -> None:
    """The transfer's own rule, quoting the memo, is among the rules of the competence."""
    result = res_rules.bevoegd_gezag("wind", 12, transferred_to_gemeente=True)
    assert [r.id for r in result.rules] == ["bevoegd.wind.provincie", "bevoegd.overdracht"]


@pytest.mark.parametrize(
    ("args", "path"),
    [
        (("solar", 10), "technology"),
        (("wind", 0), "capacity_mw"),
        (("wind", float("nan")), "capacity_mw"),
        (("wind", "12"), "capacity_mw"),
        (("wind", True), "capacity_mw"),
    ],
)
def test_bad_lookup_arguments_raise_case_error(args: tuple[object, object], path: str) -> None:
    """The look-up validates its arguments like a case file's project."""
    with pytest.raises(CaseError) as info:
        res_rules.bevoegd_gezag(*args)  # type: ignore[arg-type]
    assert info.value.path == path


def test_competence_to_dict_carries_rules_and_quotes() -> None:
    """The JSON form names the law status and each rule's source."""
    data = res_rules.bevoegd_gezag("zon", 62).to_dict("en")
    assert (data["bevoegd_gezag"], data["status"], data["rules"][0]["source"]["document"]) == (
        "provincie", "verwacht", "memo")


def test_competence_refuses_an_unknown_language() -> None:
    """Only nl and en exist for the look-up's texts too."""
    with pytest.raises(ValueError, match="lang must be one of nl, en"):
        res_rules.bevoegd_gezag("wind", 12).to_dict("fr")
