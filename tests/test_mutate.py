"""Mutation testing of the rule set (`res-rules mutate`): the mutants it makes, how it classifies
them, and its command line. The full run is a command (minutes); the suite checks the parts
on chosen mutants, and the README runs the quick sample through the console script."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import res_rules
from res_rules._mutate import (
    OPERATORS,
    Checks,
    Mutant,
    Report,
    Result,
    apply,
    generate,
    render_report,
    run,
)
from res_rules._rules import RuleSet

RULE = "bevoegd.energiewet.wind.provincie"  # Energiewet art. 6.2 lid 1 sub a: 15 <= P < 100


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return res_rules.load_rules()


@pytest.fixture(scope="module")
def mutants(rules: RuleSet) -> list[Mutant]:
    return generate(rules)


def _find(mutants: list[Mutant], rule: str, change: str) -> Mutant:
    (found,) = [m for m in mutants if m.rule == rule and m.change == change]
    return found


def test_every_operator_makes_its_kind_of_change_on_a_competence_rule(
        mutants: list[Mutant]) -> None:
    """One rule, every kind of change: a threshold moved to each neighbour, a comparison
    swapped and negated, a term left out, an enum value replaced, a concluded authority
    replaced, the rule removed."""
    changes = {(m.operator, m.change) for m in mutants if m.rule == RULE}
    assert {
        ("literal", "capacity_mw $gte 15 → 14.99"),
        ("literal", "capacity_mw $gte 15 → 15.01"),
        ("literal", "capacity_mw $lt 100 → 99.99"),
        ("comparison", "$gte → $gt on capacity_mw"),
        ("comparison", "$lt → $lte on capacity_mw"),
        ("comparison", 'technology = "wind" → ≠'),
        ("term", '$and without {"$gte": {"capacity_mw": 15}}'),
        ("term", '$and without {"regime": "energiewet"}'),
        ("enum", 'technology "wind" → "zon"'),
        ("enum", 'regime "energiewet" → "ew1998-wro"'),
        ("conclusion", 'competence_basis.authority "provincie" → "rijk"'),
        ("rule", "rule removed"),
    } <= changes
    assert {m.operator for m in mutants} == set(OPERATORS)


def test_dates_move_by_a_day_and_ids_are_stable_and_unique(
        rules: RuleSet, mutants: list[Mutant]) -> None:
    """A date literal moves to the day before and after; ids are the same on every run."""
    changes = [m.change for m in mutants if m.rule == "recht.energiewet"]
    assert "reference_date $gte 20260101 → 20251231" in changes
    assert "reference_date $gte 20260101 → 20260102" in changes
    assert len({m.id for m in mutants}) == len(mutants)
    assert [m.id for m in generate(rules)] == [m.id for m in mutants]


def test_apply_changes_exactly_one_term_of_one_rule(rules: RuleSet,
                                                    mutants: list[Mutant]) -> None:
    """The mutated rule set differs from the original in the one term, and has its own
    fingerprint (so the engine compiles it beside the original)."""
    mutant = _find(mutants, RULE, "capacity_mw $gte 15 → 14.99")
    mutated = apply(rules, mutant)
    changed = [(a.id, a.when, b.when) for a, b in zip(rules.rules, mutated.rules, strict=True)
               if a != b]
    assert [(rule, json.dumps(after)) for rule, _, after in changed] == [(RULE, json.dumps(
        {"all": [{"r": {"$and": [{"type": "regime"}, {"regime": "energiewet"}]}},
                 {"p": {"$and": [{"type": "project"}, {"technology": "wind"},
                                 {"$gte": {"capacity_mw": 14.99}},
                                 {"$lt": {"capacity_mw": 100}}]}}]}))]
    assert mutated.fingerprint != rules.fingerprint
    removed = apply(rules, _find(mutants, RULE, "rule removed"))
    assert len(removed.rules) == len(rules.rules) - 1 and RULE not in removed.positions
    swapped = apply(rules, _find(mutants, RULE, 'technology = "wind" → ≠'))
    assert {"$neq": {"technology": "wind"}} in swapped.rule(RULE).when["all"][1]["p"]["$and"]


MINI_RULES = Path(__file__).parent / "data" / "mini-rules"
MINI_CHECKS = Path(__file__).parent / "data" / "mini-checks"


@pytest.fixture(scope="module")
def mini() -> Report:
    """The hand-made rule set (12 rules, 784 combinations) with its own three scenarios."""
    rules = res_rules.load_rules(MINI_RULES)
    return run(rules, checks=Checks.load([MINI_CHECKS], invariants=False), workers=1)


def _class_of(report: Report, rule: str, change: str) -> Result:
    (found,) = [r for r in report.results if (r.mutant.rule, r.mutant.change) == (rule, change)]
    return found


def test_a_scenario_kills_the_threshold_moved_below_it(mini: Report) -> None:
    """The 14.99 MW scenario pins the wind threshold from below: 15 → 14.99 is killed and the
    report names the check; 15 → 15.01 leaves 15 MW without competence: verify kills it."""
    lower = _class_of(mini, "bevoegd.wind.provincie", "capacity_mw $gte 15 → 14.99")
    upper = _class_of(mini, "bevoegd.wind.provincie", "capacity_mw $gte 15 → 15.01")
    assert (lower.kind, upper.kind) == ("killed", "killed")
    assert "verify" in (upper.killed_by or "")
    assert lower.killed_by is not None


def test_a_term_no_combination_can_tell_apart_is_equivalent(mini: Report) -> None:
    """The mini rule set has one law, so the competence rules' test on it changes nothing when
    left out: equivalent, and left out of the score."""
    result = _class_of(mini, "bevoegd.wind.gemeente", '$and without {"regime": "mini"}')
    assert (result.kind, result.killed_by, result.example) == ("equivalent", None, None)


def test_the_unchecked_conclusion_survives_with_its_smallest_case(mini: Report) -> None:
    """No scenario looks at wind from 15 MW: giving it to the gemeente survives, shown with the
    smallest combination whose advice changed, and the competence before and after."""
    result = _class_of(mini, "bevoegd.wind.provincie",
                       'competence_basis.authority "provincie" → "gemeente"')
    assert result.kind == "survived" and result.example is not None
    (project,) = result.example["case"]["projects"]
    assert (project["technology"], project["capacity_mw"] >= 15) == ("wind", True)
    changed = {(c["type"], c["authority"]) for c in result.example["before"]}, {
        (c["type"], c["authority"]) for c in result.example["after"]}
    assert ("competence", "provincie") in changed[0] and ("competence", "gemeente") in changed[1]


def test_every_operator_and_class_occurs_on_the_mini_rule_set(mini: Report) -> None:
    """Each operator makes mutants there; all three classes occur; the score is killed over
    killed plus survived."""
    table = mini.table()
    assert set(table) == set(OPERATORS)
    assert all(mini.count(kind) > 0 for kind in ("killed", "equivalent", "survived"))
    assert mini.score == mini.count("killed") / (mini.count("killed") + mini.count("survived"))


def test_a_scenario_for_the_hole_kills_the_survivor(tmp_path: Path) -> None:
    """Closing the hole the way the docs say, with a scenario, kills the survivor."""
    checks = tmp_path / "checks"
    shutil.copytree(MINI_CHECKS, checks)
    (checks / "hole.yaml").write_text(
        "- name: een windpark van 15 MW is van de provincie\n"
        "  input: {id: m4, theme: overig, scope: regionaal,\n"
        "          projects: [{id: w, gemeente: Lopik, technology: wind, capacity_mw: 15}]}\n"
        "  output: {projects: [{id: w, bevoegd_gezag: provincie}]}\n", encoding="utf-8")
    rules = res_rules.load_rules(MINI_RULES)
    report = run(rules, checks=Checks.load([checks], invariants=False), workers=1)
    result = _class_of(report, "bevoegd.wind.provincie",
                       'competence_basis.authority "provincie" → "gemeente"')
    assert (result.kind, result.killed_by) == ("killed", "scenario hole[0]")


def test_score_counts_killed_over_killed_and_survived(mutants: list[Mutant]) -> None:
    """Equivalent mutants are left out of the score; the table counts per operator."""
    results = tuple(Result(m, kind) for m, kind in zip(
        mutants[:5], ["killed", "killed", "survived", "equivalent", "killed"], strict=True))
    report = Report(results=results, seconds=1.0, total=len(mutants))
    assert report.score == 0.75
    assert sum(sum(c.values()) for c in report.table().values()) == 5
    data = report.to_dict()
    assert (data["killed"], data["equivalent"], data["survived"]) == (3, 1, 1)


def test_the_report_names_each_survivor_with_its_case(mini: Report) -> None:
    """Text and Markdown reports show the score, the operator table, each survivor with its
    rule, change and smallest case, and say when the score is below the minimum."""
    rules = res_rules.load_rules(MINI_RULES)
    for fmt in ("text", "markdown"):
        text = render_report(mini, rules, fmt=fmt, lang="en", minimum=0.99)
        assert '.authority "provincie" → "gemeente"' in text  # Markdown escapes the _
        assert "bevoegd.wind.provincie" in text and "0.99" in text
        assert "Score" in text and "rule removed" in text.lower()
    dutch = render_report(mini, rules, fmt="text", lang="nl", minimum=0.5)
    assert "0,5" not in dutch  # above the minimum: no warning line


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("res-rules")
    return subprocess.run([str(script), "mutate", *args], capture_output=True, text=True,
                          timeout=900, check=False)


def test_mutate_rejects_a_bad_minimum_and_quick_size() -> None:
    """Usage errors exit 2 with one line, no traceback."""
    for args in (["--min-score", "1.5"], ["--quick", "0"], ["--workers", "0"]):
        result = _cli(*args)
        assert (result.returncode, "Traceback" in result.stderr) == (2, False), result.stderr


def test_mutate_json_report_and_exit_code_follow_the_minimum_score() -> None:
    """The JSON report has the score, the counts and every mutant with its class and either
    what killed it or its example; below --min-score the exit code is 1, else 0."""
    args = ["--rules", str(MINI_RULES), "--tests", str(MINI_CHECKS), "--no-invariants",
            "--workers", "1", "--format", "json"]
    low = _cli(*args, "--min-score", "0.99")
    ok = _cli(*args, "--min-score", "0.9")
    assert (low.returncode, ok.returncode) == (1, 0), low.stderr + ok.stderr
    data: dict[str, Any] = json.loads(ok.stdout)
    assert {"score", "killed", "equivalent", "survived", "mutants"} <= set(data)
    assert data["killed"] + data["equivalent"] + data["survived"] == len(data["mutants"])
    for mutant in data["mutants"]:
        assert {"id", "rule", "operator", "change", "class"} <= set(mutant)
        assert ("killed_by" in mutant) == (mutant["class"] == "killed")
        assert ("example" in mutant) == (mutant["class"] == "survived")


def test_mutate_on_a_copied_rules_folder_with_the_projects_checks(tmp_path: Path) -> None:
    """`--rules DIR` on a copy of the shipped rules, a quick sample, Markdown: the report
    names the rule set and the score."""
    copy = tmp_path / "rules"
    shutil.copytree(res_rules.load_rules().directory, copy)
    result = _cli("--rules", str(copy), "--quick", "4", "--format", "markdown",
                  "--min-score", "0", "--lang", "en", "--no-invariants")
    assert result.returncode == 0, result.stderr
    assert "res-u16-opschaalprocedure" in result.stdout and "Score" in result.stdout


def test_a_rule_set_that_fails_the_invariants_is_refused_with_a_hint() -> None:
    """The invariants describe the shipped procedure; a rule set that breaks them before any
    mutation gets a clear error (exit 2) that says how to leave them out."""
    result = _cli("--rules", str(MINI_RULES), "--tests", str(MINI_CHECKS))
    assert result.returncode == 2 and "--no-invariants" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_the_default_checks_are_found_from_the_checkout_you_stand_in(tmp_path: Path) -> None:
    """An installed wheel has no tests beside the package: the checks come from the checkout
    the command runs in (or a folder below it)."""
    from res_rules._policy import default_check_paths

    (tmp_path / "tests" / "scenarios").mkdir(parents=True)
    (tmp_path / "examples").mkdir()
    below = tmp_path / "notebooks"
    below.mkdir()
    assert default_check_paths(below) == [tmp_path / "examples", tmp_path / "tests" / "scenarios"]


def test_mutate_says_so_when_it_finds_no_scenarios_or_examples(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Without any scenario or example the score would rest on the invariants alone: the
    command says so on stderr (and still runs)."""
    from click.testing import CliRunner

    from res_rules import _mutate
    from res_rules._cli import cli

    monkeypatch.setattr(_mutate, "default_check_paths", lambda: [])
    result = CliRunner().invoke(cli, ["mutate", "--rules", str(MINI_RULES), "--no-invariants",
                                      "--quick", "3", "--workers", "1", "--lang", "en",
                                      "--min-score", "0"])
    assert result.exit_code == 0, result.output
    assert "no scenarios or example cases found" in result.stderr
