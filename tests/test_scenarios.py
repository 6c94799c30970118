"""Scenario tests as data: example case files and scenario lists, each with its expected advice.

Loading and comparing live in ``res_rules._policy``, so that ``res-rules mutate`` runs exactly
these checks against mutants of the rule set.
"""

from __future__ import annotations

import pytest
from conftest import EXAMPLES, EXPECTED, SCENARIOS, SHARED_EXAMPLES

import res_rules
from res_rules._policy import Example, Scenario, load_examples, load_scenarios

# The repository's own examples first, then shared/examples where it stands beside the
# checkout: it may hold cases added after this copy.
EXAMPLE_CHECKS = load_examples([EXPECTED, EXAMPLES, SHARED_EXAMPLES])
SCENARIO_CHECKS = load_scenarios([SCENARIOS])


@pytest.mark.parametrize("example", EXAMPLE_CHECKS, ids=[e.name for e in EXAMPLE_CHECKS])
def test_example_case_gives_its_expected_advice(example: Example) -> None:
    """Each example case file, advised with expected law and its own reference date, matches."""
    assert example.run(None) is None


@pytest.mark.parametrize("scenario", SCENARIO_CHECKS, ids=[s.where for s in SCENARIO_CHECKS])
def test_scenario_gives_its_expected_advice(scenario: Scenario) -> None:
    """Each scenario (name, input, options, output) gives the output it states."""
    assert scenario.run(None) is None, scenario.name


def test_every_shared_example_is_checked() -> None:
    """No shared example is left out (when shared/ stands beside the checkout)."""
    shared = {p.name for p in SHARED_EXAMPLES.glob("*.expected.yaml")}
    names = {e.name.replace(".yaml", ".expected.yaml") for e in EXAMPLE_CHECKS}
    assert shared - names == set()


def test_the_scenarios_and_examples_together_fire_every_rule() -> None:
    """Each rule of the shipped set is exercised by at least one data-driven case."""
    fired: set[str] = set()
    for scenario in SCENARIO_CHECKS:
        options = dict(scenario.options)
        if isinstance(options.get("as_of"), str):
            import datetime as dt

            options["as_of"] = dt.date.fromisoformat(options["as_of"])
        fired |= {e.rule.id for e in res_rules.advise(scenario.input, **options).explanation}
    for example in EXAMPLE_CHECKS:
        fired |= {e.rule.id for e in res_rules.advise(example.case).explanation}
    assert sorted({r.id for r in res_rules.load_rules().rules} - fired) == []


def test_a_scenario_reports_what_differs() -> None:
    """A wrong expectation fails with the expected and the observed value."""
    wrong = Scenario(name="x", where="x[0]", input={"id": "x", "theme": "overig",
                                                   "scope": "lokaal"},
                     options={}, output={"recommendation": "opschalen"})
    failure = wrong.run(None)
    assert failure is not None and "('opschalen', 'niet_van_toepassing')" in failure.detail
