"""Policy invariants of the rule set, as property tests over generated cases.

The invariants themselves live in ``res_rules._policy`` (``res-rules mutate`` runs the same
checks against mutants of the rule set); each test here draws the invariant's inputs with its
own strategies and checks it against the shipped rules. Each is named after the principle it
checks; the memo's words are in the invariant. Run the thorough profile with
HYPOTHESIS_PROFILE=ci.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import RULES
from hypothesis import given
from hypothesis import strategies as st

import res_rules
from res_rules import _policy
from res_rules._policy import INVARIANTS
from res_rules.strategies import BOUNDARIES_MW, case_files, cases, projects


def _check(name: str) -> Any:
    invariant = INVARIANTS[name]
    return given(**invariant.arguments)(lambda **drawn: invariant.check(None, **drawn))


test_totality_every_case_gets_one_recommendation_and_one_competence_per_project = _check(
    "totality")
test_no_way_back_the_next_step_is_never_lower = _check("no_way_back")
test_one_step_at_a_time_escalation_is_plus_one_and_alternatives_lie_later = _check(
    "one_step_at_a_time")
test_local_impasses_never_escalate = _check("local_impasses_never_escalate")
test_consensus_first_nothing_starts_without_a_declaration = _check("consensus_first")
test_the_provincies_instruments_only_in_the_last_step = _check(
    "instruments_only_in_the_last_step")
test_in_steps_1_to_3_escalation_needs_a_reason = _check("escalation_needs_a_reason")
test_one_regime_per_date_chosen_by_the_rules = _check("one_regime_per_date")
test_within_a_regime_competence_is_monotone_in_capacity = _check("competence_is_monotone")
test_transfer_only_lowers_provincie_to_gemeente = _check("transfer_only_lowers_provincie")
test_a_waiver_only_hands_a_rijk_project_to_the_chosen_body = _check(
    "waiver_only_hands_over_the_rijk")
test_memo_differs_warning_exactly_when_statute_and_memo_table_differ = _check(
    "memo_differs_exactly_when_law_differs")
test_from_2026_the_expected_law_switch_changes_nothing = _check(
    "from_2026_expected_law_changes_nothing")
test_before_2026_expected_law_only_matters_for_zon_from_50_mw = _check(
    "before_2026_expected_law_only_touches_large_zon")
test_determinism_and_order_of_projects_changes_only_their_order = _check(
    "order_of_projects_changes_only_their_order")
test_traceability_every_conclusion_names_a_rule_with_a_quote_in_the_memo = _check(
    "every_conclusion_is_traced")
test_time_only_helps_escalation = _check("time_only_helps_escalation")

TestProcedureWalk = _policy.procedure_walk(None).TestCase


def test_every_invariant_is_tested_here() -> None:
    """Each invariant the mutation tester uses is also a property test of this module."""
    tested = {name for name in globals() if name.startswith("test_")}
    assert len(tested) - 5 == len(INVARIANTS)


def test_an_invariant_catches_a_rule_set_that_breaks_it(tmp_path: Path) -> None:
    """Run against a rule set whose escalation from step 1 jumps to step 3, one_step_at_a_time
    raises Violation; against the shipped rules it passes."""
    copy = tmp_path / "rules"
    shutil.copytree(RULES, copy)
    path = copy / "procedure.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    rule = next(r for r in data["rules"] if r["id"] == "stap.opschalen.naar_2")
    rule["then"][0]["step"] = 3
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    case = res_rules.Case(id="x", theme="overig", scope="regionaal", current_step=1,
                          solution=res_rules.Solution(status="niet_gevonden"))
    _policy.one_step_at_a_time(None, case)
    with pytest.raises(_policy.Violation, match="opschalen from 1 to 3"):
        _policy.one_step_at_a_time(res_rules.load_rules(copy), case)


@given(case_files())
def test_case_files_strategy_gives_mappings_the_parser_accepts(data: dict[str, Any]) -> None:
    """The mapping form round-trips through the parser unchanged."""
    assert res_rules.case_to_mapping(res_rules.case_from_mapping(data)) == data


@given(projects(technology="wind", capacity_mw=st.sampled_from(BOUNDARIES_MW)))
def test_pinned_project_fields_are_respected(project: res_rules.Project) -> None:
    """Pins fix a field to a value or a strategy."""
    assert (project.technology, project.capacity_mw in BOUNDARIES_MW) == ("wind", True)


def test_unknown_pins_are_refused() -> None:
    """A typo in a pinned field name raises at once."""
    with pytest.raises(TypeError, match="Case has no field"):
        cases(scop="regionaal")
