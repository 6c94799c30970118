"""The advice: its JSON form, its explanation, languages, options and bad arguments."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import EXAMPLES

import res_rules
from res_rules import CaseError

CASE = EXAMPLES / "mediation-zonder-draagvlak.yaml"


def test_to_dict_is_json_ready_and_has_the_contracted_keys() -> None:
    """Every key the issue promises is there, and json.dumps accepts the whole."""
    data = res_rules.advise(res_rules.load_case(CASE)).to_dict()
    keys = {"case_id", "law", "applicable", "recommendation", "current_step", "next_step",
            "alternatives", "grounds", "step2_instrument", "actions", "projects", "res_target",
            "warnings", "explanation", "ruleset"}
    assert (keys - set(data), json.loads(json.dumps(data)) == data) == (set(), True)


def test_every_explanation_entry_names_its_rule_and_quotes_its_source() -> None:
    """One entry per rule firing, each with rule, conclusion and a source with document."""
    data = res_rules.advise(res_rules.load_case(CASE)).to_dict()
    entries = data["explanation"]
    assert [e for e in entries if not (e["rule"] and e["conclusion"] and e["source"]["document"])
            ] == []
    assert {"grond.draagvlak", "aanbeveling.opschalen", "recht.energiewet",
            "bevoegd.energiewet.zon.provincie", "actie.provincie_instrumentarium"} <= {
        e["rule"] for e in entries}


def test_every_conclusion_is_traced_to_rules_in_the_explanation() -> None:
    """Recommendation, next step, grounds, actions, projects and target name rules that fired."""
    data = res_rules.advise(res_rules.load_case(CASE)).to_dict()
    fired = {e["rule"] for e in data["explanation"]}
    named = [*data["trace"]["recommendation"], *data["trace"]["next_step"],
             *[r for rules in data["trace"]["grounds"].values() for r in rules],
             *[r for a in data["actions"] for r in a["rules"]],
             *[r for p in data["projects"] for r in p["rules"]], *data["res_target"]["rules"]]
    assert (set(named) - fired, all(named)) == (set(), True)


def test_actions_carry_their_own_text_and_source() -> None:
    """Each action has a Dutch text, its rules and their sources."""
    data = res_rules.advise(res_rules.load_case(CASE)).to_dict()
    assert [a["code"] for a in data["actions"] if not (a["text"] and a["sources"])] == []


def test_english_texts_on_request() -> None:
    """lang='en' gives English texts; codes stay the memo's terms."""
    nl = res_rules.advise(res_rules.load_case(CASE)).to_dict("nl")
    en = res_rules.advise(res_rules.load_case(CASE)).to_dict("en")
    assert (en["recommendation"], en["recommendation_text"] != nl["recommendation_text"],
            en["recommendation_text"]) == (
        "opschalen", True, "The proposal is to escalate to the next step of the procedure.")


def test_unknown_language_is_refused() -> None:
    """Only nl and en exist."""
    with pytest.raises(ValueError, match="lang must be one of nl, en"):
        res_rules.advise(res_rules.load_case(CASE)).to_dict("de")


def test_the_ruleset_fingerprint_identifies_the_rule_files() -> None:
    """The advice carries the version and a sha256 fingerprint of the rules used."""
    data = res_rules.advise(res_rules.load_case(CASE)).to_dict()
    assert (data["ruleset"]["version"], len(data["ruleset"]["fingerprint"])) == ("2.0.1", 64)


def test_a_mapping_and_a_case_give_the_same_advice() -> None:
    """advise() takes the file format's mapping as well as a Case."""
    case = res_rules.load_case(CASE)
    mapping = res_rules.case_to_mapping(case)
    assert res_rules.advise(mapping).to_dict() == res_rules.advise(case).to_dict()


def test_without_reference_date_today_is_used() -> None:
    """No as_of and no reference_date: the advice is as of today."""
    advice = res_rules.advise({"id": "x", "theme": "overig", "scope": "regionaal"})
    assert advice.as_of == dt.date.today()


def test_as_of_must_be_a_date() -> None:
    """A string for as_of is a CaseError, not a silent default."""
    with pytest.raises(CaseError, match="as_of"):
        res_rules.advise(res_rules.load_case(CASE), as_of="2026-01-01")  # type: ignore[arg-type]


def test_advise_refuses_other_types() -> None:
    """A list is neither a Case nor a mapping."""
    with pytest.raises(TypeError, match="advise\\(\\) takes a Case or a mapping"):
        res_rules.advise([1, 2])  # type: ignore[arg-type]


def test_warnings_are_part_of_the_advice() -> None:
    """The 100 MW overlap shows up in the advice with its text."""
    data = res_rules.advise(res_rules.load_case(EXAMPLES / "windpark-grens-100mw.yaml")).to_dict()
    assert [(w["code"], w["project"], "art. 9b" in w["text"]) for w in data["warnings"]] == [
        ("grens_100mw", "wp-groot", True)]


def test_open_step2_choice_is_said_in_a_warning() -> None:
    """No step2_need when step 2 comes next: the advice says the choice is still open."""
    advice = res_rules.advise({"id": "x", "theme": "overig", "scope": "regionaal",
                               "current_step": 1, "solution": {"status": "niet_gevonden"}})
    assert (advice.step2_instrument.value if advice.step2_instrument else "absent",
            [w.code for w in advice.warnings]) == (None, ["stap2_keuze_open"])


def test_the_advice_names_the_law_in_force_with_its_period() -> None:
    """The regime the rules chose is in the advice, with its title, period and rule."""
    data = res_rules.advise(res_rules.load_case(CASE)).to_dict()
    assert data["law"] == {"id": "energiewet", "title": "Energiewet (vanaf 1 januari 2026)",
                           "period": {"from": "2026-01-01", "until": None},
                           "rules": ["recht.energiewet"]}


def test_each_project_carries_its_regime_and_both_competences() -> None:
    """A project's entry says which regime decided, the statutory and the final competence."""
    data = res_rules.advise(res_rules.load_case(
        EXAMPLES / "energiewet-drie-projecten.yaml")).to_dict()
    assert [(p["id"], p["regime"], p["statutory_bevoegd_gezag"], p["bevoegd_gezag"],
             p["rijk_waived_to"]) for p in data["projects"]] == [
        ("wp-ijsselstein", "energiewet", "gemeente", "gemeente", None),
        ("zp-houten-oost", "energiewet", "provincie", "provincie", None),
        ("zp-lopik-groot", "energiewet", "rijk", "gemeente", "gemeente")]
