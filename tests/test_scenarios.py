"""Scenario tests as data: example case files and scenario lists, each with its expected advice."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from _compare import comparable, observed
from conftest import EXAMPLES, EXPECTED, SCENARIOS, SHARED_EXAMPLES

import res_rules


def _example_pairs() -> list[Any]:
    pairs: dict[str, tuple[Path, Path]] = {}
    # The repo's examples with tests/expected/, then shared/examples (case and expected side by
    # side) where it stands beside the checkout: it may hold cases added after this copy.
    for expected in sorted(EXPECTED.glob("*.expected.yaml")):
        name = expected.name.replace(".expected.yaml", ".yaml")
        pairs[name] = (EXAMPLES / name, expected)
    for expected in sorted(SHARED_EXAMPLES.glob("*.expected.yaml")):
        name = expected.name.replace(".expected.yaml", ".yaml")
        pairs.setdefault(name, (SHARED_EXAMPLES / name, expected))
    return [pytest.param(case, expected, id=name) for name, (case, expected) in
            sorted(pairs.items())]


@pytest.mark.parametrize(("case_file", "expected_file"), _example_pairs())
def test_example_case_gives_its_expected_advice(case_file: Path, expected_file: Path) -> None:
    """Each example case file, advised with expected law and its own reference date, matches."""
    expected = yaml.safe_load(expected_file.read_text(encoding="utf-8"))
    advice = res_rules.advise(res_rules.load_case(case_file)).to_dict()
    keys = list(expected)
    assert comparable(expected, keys) == comparable(observed(advice), keys)


def _scenarios() -> list[Any]:
    params = []
    for path in sorted(SCENARIOS.glob("*.yaml")):
        for index, scenario in enumerate(yaml.safe_load(path.read_text(encoding="utf-8"))):
            params.append(pytest.param(scenario, id=f"{path.stem}[{index}]"))
    return params


@pytest.mark.parametrize("scenario", _scenarios())
def test_scenario_gives_its_expected_advice(scenario: dict[str, Any]) -> None:
    """Each scenario (name, input, options, output) gives the output it states."""
    options = dict(scenario.get("options", {}))
    if isinstance(options.get("as_of"), str):
        options["as_of"] = dt.date.fromisoformat(options["as_of"])
    advice = res_rules.advise(scenario["input"], **options).to_dict()
    keys = list(scenario["output"])
    assert comparable(scenario["output"], keys) == comparable(observed(advice), keys), \
        scenario["name"]


def test_the_scenarios_and_examples_together_fire_every_rule() -> None:
    """Each rule of the shipped set is exercised by at least one data-driven case."""
    fired: set[str] = set()
    for param in _scenarios():
        (scenario,) = param.values
        options = dict(scenario.get("options", {}))
        if isinstance(options.get("as_of"), str):
            options["as_of"] = dt.date.fromisoformat(options["as_of"])
        fired |= {e.rule.id for e in res_rules.advise(scenario["input"], **options).explanation}
    for param in _example_pairs():
        case_file = param.values[0]
        fired |= {e.rule.id for e in res_rules.advise(res_rules.load_case(case_file)).explanation}
    assert sorted({r.id for r in res_rules.load_rules().rules} - fired) == []
