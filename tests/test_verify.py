"""`res-rules verify` passes on the shipped rules and reports each kind of broken rule set."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import RULES

import res_rules
from res_rules._verify import Report, verify

#: The small hand-made rule set (tests/data/mini-rules: 12 rules, 784 combinations) where a
#: check does not need the shipped rules' 65,080 combinations to make its point.
MINI = Path(__file__).parent / "data" / "mini-rules"


def _mutated(tmp_path: Path, change: Callable[[list[dict[str, Any]]], None],
             rules: Path = RULES) -> Path:
    copy = tmp_path / "rules"
    shutil.copytree(rules, copy)
    path = copy / "procedure.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data["rules"])
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return copy


def _kinds(report: Report) -> set[tuple[str, tuple[str, ...]]]:
    return {(p.kind, p.rules) for p in report.problems}


def test_verify_command_passes_on_the_shipped_rules_with_a_coverage_table() -> None:
    """The real command: exit 0, every rule listed with how often it fired."""
    result = subprocess.run([sys.executable, "-m", "res_rules", "verify"], capture_output=True,
                            text=True, timeout=900, check=False)
    rule_ids = [r.id for r in res_rules.load_rules().rules]
    assert (result.returncode, [r for r in rule_ids if r not in result.stdout],
            "ok: every combination" in result.stdout) == (0, [], True)


def test_a_removed_rule_leaves_a_gap_with_its_smallest_combination(tmp_path: Path) -> None:
    """Without aanbeveling.voortzetten some step-1..3 cases get no recommendation."""
    def remove(rules: list[dict[str, Any]]) -> None:
        rules[:] = [r for r in rules if r["id"] != "aanbeveling.voortzetten"]

    report = verify(res_rules.load_rules(_mutated(tmp_path, remove)))
    (gap,) = [p for p in report.problems if p.message == "no rule concludes a recommendation"]
    assert (gap.kind, gap.combination is not None and gap.combination["current_step"]
            in (1, 2, 3)) == ("gap", True)


def test_a_duplicated_rule_with_another_conclusion_is_a_conflict(tmp_path: Path) -> None:
    """A copy of advies.opschalen that concludes niet_van_toepassing conflicts with the
    original (on the mini rule set)."""
    def duplicate(rules: list[dict[str, Any]]) -> None:
        original = next(r for r in rules if r["id"] == "advies.opschalen")
        copy = json.loads(json.dumps(original))
        copy["id"] = "advies.opschalen.kopie"
        copy["then"] = [{"type": "recommendation", "code": "niet_van_toepassing",
                         "applicable": False}]
        rules.append(copy)

    report = verify(res_rules.load_rules(_mutated(tmp_path, duplicate, MINI)))
    assert ("conflict", ("advies.opschalen", "advies.opschalen.kopie")) in _kinds(report)


def test_a_rule_that_can_never_fire_is_reported_dead(tmp_path: Path) -> None:
    """A condition no case can meet (regional and local at once) is a dead rule (on the mini
    rule set)."""
    def add_dead(rules: list[dict[str, Any]]) -> None:
        dead = json.loads(json.dumps(next(r for r in rules if r["id"] == "advies.lokaal")))
        dead["id"] = "advies.onmogelijk"
        dead["when"] = {"all": [{"c": {"$and": [{"type": "case"}, {"scope": "regionaal"},
                                                {"scope": "lokaal"}]}}]}
        rules.append(dead)

    report = verify(res_rules.load_rules(_mutated(tmp_path, add_dead, MINI)))
    assert _kinds(report) == {("dead", ("advies.onmogelijk",))}


def test_verify_command_exits_3_and_prints_the_problem(tmp_path: Path) -> None:
    """On a broken rule set the command exits 3 (problems found, not an internal error) and
    names the problem on stderr (on the mini rule set, without its step rule)."""
    def remove(rules: list[dict[str, Any]]) -> None:
        rules[:] = [r for r in rules if r["id"] != "stap.een"]

    result = subprocess.run(
        [sys.executable, "-m", "res_rules", "verify", "--rules",
         str(_mutated(tmp_path, remove, MINI))], capture_output=True, text=True, timeout=900,
        check=False)
    assert (result.returncode, "gap: no rule concludes a next_step" in result.stderr,
            "smallest combination" in result.stderr) == (3, True, True)


def test_workers_must_be_positive() -> None:
    """verify refuses a worker count below one."""
    with pytest.raises(ValueError, match="workers must be >= 1"):
        verify(res_rules.load_rules(), workers=0)


def test_part_a_holds_every_combination_each_rule_depends_on() -> None:
    """The crossing is cut down, but for every rule that needs no project, every combination
    of the classes of the case fields it depends on still occurs in part A."""
    from res_rules import _verify

    rs = res_rules.load_rules()
    literals = _verify._literals(rs)
    dims = _verify._case_dimensions(literals)
    contexts = _verify._context_classes(literals)
    every = {**dims, "context": [[c] for c in contexts]}

    def class_of(name: str, values: dict[str, Any]) -> int:
        if name == "context":
            return contexts.index((values["expected_law"], values["reference_date"]))
        return next(i for i, members in enumerate(every[name]) if values[name] in members)

    seen: list[dict[str, int]] = []
    for values, facts in _verify._combinations(rs):
        if len(facts) != 2:
            break  # parts B and C hold projects
        seen.append({name: class_of(name, values) for name in every})
    missing = []
    for closure in set(_verify._closures(rs)):
        names = sorted(closure)
        got = {tuple(s[n] for n in names) for s in seen}
        wanted = 1
        for n in names:
            wanted *= len(every[n])
        if len(got) != wanted:
            missing.append((names, wanted - len(got)))
    assert (missing, len(seen) < 100_000) == ([], True)
