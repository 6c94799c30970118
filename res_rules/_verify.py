"""Exhaustive verification of a rule set over the whole input partition.

The partition is derived from the rule set itself: for every fact field, the values its
conditions compare against, the values just beside each numeric boundary, one representative
for the enum values no condition mentions (rotating, so every value is used), and "missing" for
optional fields. Over every combination the verifier checks:

- gaps and conflicts: exactly one recommendation, next step and RES-target verdict per case,
  at most one step-2 instrument, exactly one competence per project;
- overlaps: no two rules conclude different values for the same single-valued finding (one
  ground, whether the impasse is resolved, a project's competence, ...) in one combination;
- dead rules: every rule fires in at least one combination.

The case fields are crossed completely without projects (part A); projects are crossed with
expected law on and off, and put in every combination of scope, step and forecast (part B).
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import attrs

from ._engine import Firing, infer
from ._facts import (
    AGREEMENTS,
    DECLARERS,
    DRAAGVLAK,
    PROJECT_STATUSES,
    SCOPES,
    SOLUTION_STATUSES,
    STEP2_NEEDS,
    TECHNOLOGIES,
    THEMES,
)
from ._rules import RuleSet

MISSING = object()

#: Case-fact fields with their domains: a tuple of allowed values, or "number"/"int".
_CASE_ENUMS: dict[str, tuple[Any, ...]] = {
    "scope": SCOPES,
    "theme": THEMES,
    "declared_by": (MISSING, *DECLARERS),
    "agreements": AGREEMENTS,
    "step2_need": (MISSING, *STEP2_NEEDS),
}
#: Conclusions of which one case (or one project, or one ground) may hold only one value.
_SINGLE: dict[str, tuple[str, ...]] = {
    "recommendation": (),
    "next_step": (),
    "res_target": (),
    "step2_instrument": (),
    "resolved": (),
    "any_ground": (),
    "ground": ("code",),
    "competence_basis": ("project",),
    "competence": ("project",),
}
#: Conclusions that must be there exactly once (per project for competences).
_REQUIRED = ("recommendation", "next_step", "res_target")


@attrs.frozen
class Problem:
    """One failed check, with the smallest combination that shows it."""

    kind: str  # gap, conflict, overlap, dead
    message: str
    combination: Mapping[str, Any] | None
    rules: tuple[str, ...] = ()


@attrs.frozen
class Report:
    """What ``verify`` found: the problems, how often each rule fired, and the size checked."""

    problems: tuple[Problem, ...]
    coverage: Mapping[str, int]
    combinations: int

    @property
    def ok(self) -> bool:
        return not self.problems


def _literals(rs: RuleSet) -> dict[str, set[Any]]:
    """Every field a condition tests, with the literal values it compares against."""
    found: dict[str, set[Any]] = {}

    def walk(expr: Any) -> None:
        if not isinstance(expr, dict):
            return
        for key, operand in expr.items():
            if key in ("$and", "$or"):
                for sub in operand:
                    walk(sub)
            elif key.startswith("$"):
                for field, value in operand.items():
                    if not isinstance(value, dict):
                        found.setdefault(field, set()).add(
                            None if key in ("$ex", "$nex") else value)
            elif not isinstance(operand, dict):
                found.setdefault(key, set()).add(operand)

    for rule in rs.rules:
        for items in rule.when.values():
            for item in items:
                for condition in item.values():
                    walk(condition)
    return found


def _enum_classes(field: str, domain: Sequence[Any], literals: Mapping[str, set[Any]],
                  ) -> list[list[Any]]:
    """The domain split into classes: each mentioned value alone, the rest together."""
    mentioned = literals.get(field, set())
    alone = [[v] for v in domain if v in mentioned or v is MISSING]
    rest = [v for v in domain if v not in mentioned and v is not MISSING]
    return alone + ([rest] if rest else [])


def _numbers(field: str, literals: Mapping[str, set[Any]], step: float, *,
             positive: bool, optional: bool) -> list[Any]:
    points: set[float] = set()
    for value in literals.get(field, set()):
        if isinstance(value, int | float) and not isinstance(value, bool):
            points.update({round(value - step, 4), value, round(value + step, 4)})
    if not points:
        points = {1.0}
    values: list[Any] = sorted(p for p in points if p > 0 or not positive)
    return ([MISSING] if optional else []) + values


def _rotate(classes: list[list[Any]], index: int) -> list[Any]:
    """One representative per class, chosen by ``index`` so every member appears in turn."""
    return [c[index % len(c)] for c in classes]


def _case_dimensions(literals: Mapping[str, set[Any]]) -> dict[str, list[list[Any]]]:
    dims: dict[str, list[list[Any]]] = {
        name: _enum_classes(name, domain, literals) for name, domain in _CASE_ENUMS.items()
    }
    dims["current_step"] = [[s] for s in range(5)]
    solutions: list[list[Any]] = []
    for status in SOLUTION_STATUSES:
        adequacies = [MISSING, True, False] if status == "gevonden" else [MISSING]
        for adequate, draagvlak in itertools.product(adequacies, DRAAGVLAK):
            solutions.append([(status, adequate, draagvlak)])
    dims["solution"] = solutions
    dims["days_past_deadline"] = [[v] for v in _numbers(
        "days_past_deadline", literals, 1, positive=False, optional=True)]
    dims["res_forecast_twh_2030"] = [[v] for v in _numbers(
        "res_forecast_twh_2030", literals, 0.01, positive=True, optional=True)]
    return dims


def _case_fact(values: Mapping[str, Any]) -> dict[str, Any]:
    fact: dict[str, Any] = {"type": "case", "case_id": "verify"}
    for name, value in values.items():
        if name == "solution":
            status, adequate, draagvlak = value
            fact.update(solution_status=status, draagvlak=draagvlak)
            if adequate is not MISSING:
                fact["adequate"] = adequate
        elif value is not MISSING:
            fact[name] = value
    return fact


def _describe(values: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in values.items():
        if name == "solution":
            status, adequate, draagvlak = value
            out["solution"] = {"status": status, "draagvlak": draagvlak,
                               **({} if adequate is MISSING else {"adequate": adequate})}
        elif name == "projects":
            out["projects"] = [{k: v for k, v in p.items() if k != "type"} for p in value]
        else:
            out[name] = None if value is MISSING else value
    return out


def _combinations(rs: RuleSet) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """(description, facts) for every combination of parts A and B."""
    literals = _literals(rs)
    dims = _case_dimensions(literals)
    names = list(dims)
    # Part A: every case combination, no projects.
    for index, choice in enumerate(itertools.product(*(range(len(dims[n])) for n in names))):
        values = {n: dims[n][c][index % len(dims[n][c])] for n, c in zip(names, choice,
                                                                          strict=True)}
        yield values, [_case_fact(values), {"type": "context", "expected_law": True}]
    # Part B: every project combination, in every scope x step x forecast context.
    tech = _enum_classes("technology", TECHNOLOGIES, literals)
    status = _enum_classes("status", PROJECT_STATUSES, literals)
    capacity = _numbers("capacity_mw", literals, 0.01, positive=True, optional=False)
    scopes = _enum_classes("scope", SCOPES, literals)
    forecasts = dims["res_forecast_twh_2030"]
    counter = itertools.count()
    for t, s, mw, transferred, law in itertools.product(
            tech, status, capacity, (False, True), (True, False)):
        for scope, step, forecast in itertools.product(scopes, range(5), forecasts):
            i = next(counter)
            project = {"type": "project", "project": "p1", "technology": t[i % len(t)],
                       "capacity_mw": float(mw), "status": s[i % len(s)],
                       "transferred": transferred}
            values = {"scope": scope[i % len(scope)], "theme": "overig",
                      "current_step": step,
                      "solution": ("niet_gevonden", MISSING, "onbekend"),
                      "agreements": "niet_van_toepassing",
                      "res_forecast_twh_2030": forecast[0], "expected_law": law,
                      "projects": [project]}
            case = _case_fact({k: v for k, v in values.items()
                               if k not in ("expected_law", "projects")})
            yield values, [case, project, {"type": "context", "expected_law": law}]


def _size(values: Mapping[str, Any]) -> int:
    """How far a combination is from the plainest case: fewer set fields is smaller."""
    return sum(1 for k, v in values.items() if v is not MISSING and k != "solution") + \
        len(values.get("projects", ()))


def _check(firings: Sequence[Firing], projects: Iterable[Mapping[str, Any]]
           ) -> list[tuple[str, str, tuple[str, ...]]]:
    problems: list[tuple[str, str, tuple[str, ...]]] = []
    values: dict[tuple[str, ...], dict[str, set[str]]] = {}
    for firing in firings:
        for conclusion in firing.conclusions:
            kind = str(conclusion["type"])
            if kind not in _SINGLE:
                continue
            key = (kind, *(str(conclusion[k]) for k in _SINGLE[kind]))
            body = json.dumps({k: v for k, v in conclusion.items() if k != "type"},
                              sort_keys=True)
            values.setdefault(key, {}).setdefault(body, set()).add(firing.rule.id)
    for key, bodies in values.items():
        if len(bodies) > 1:
            rules = tuple(sorted({r for ids in bodies.values() for r in ids}))
            kind = "conflict" if key[0] in (*_REQUIRED, "competence") else "overlap"
            problems.append((kind, f"rules conclude {len(bodies)} different values for "
                             f"{'/'.join(key)}: {sorted(bodies)}", rules))
    for kind in _REQUIRED:
        if (kind,) not in values:
            problems.append(("gap", f"no rule concludes a {kind}", ()))
    for project in projects:
        for kind in ("competence_basis", "competence"):
            if (kind, project["project"]) not in values:
                problems.append(("gap", f"no rule concludes a {kind} for project "
                                 f"{project['project']}", ()))
    return problems


_Worst = dict[tuple[str, str], tuple[int, dict[str, Any], tuple[str, ...]]]


def _scan(rs: RuleSet, part: int, parts: int) -> tuple[Counter[str], _Worst, int]:
    """Check every ``parts``-th combination, starting at ``part``."""
    coverage: Counter[str] = Counter({rule.id: 0 for rule in rs.rules})
    worst: _Worst = {}
    count = 0
    for index, (values, facts) in enumerate(_combinations(rs)):
        if index % parts != part:
            continue
        count += 1
        firings = infer(rs, facts)
        coverage.update(f.rule.id for f in firings)
        projects = [f for f in facts if f["type"] == "project"]
        for kind, message, rules in _check(firings, projects):
            size = _size(values)
            known = worst.get((kind, message))
            if known is None or size < known[0]:
                worst[(kind, message)] = (size, _describe(values), rules)
    return coverage, worst, count


def _scan_part(args: tuple[RuleSet, int, int]) -> tuple[Counter[str], _Worst, int]:
    return _scan(*args)


def default_workers() -> int:
    """One worker per core, where processes can be forked; otherwise one."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(os.cpu_count() or 1, 8))


def verify(rs: RuleSet, *, workers: int | None = None) -> Report:
    """Check ``rs`` over its whole input partition (see the module docstring).

    ``workers`` processes share the combinations (default: one per core, up to 8); each has
    its own durable-rules engine, so the process lock is never contended.
    """
    workers = default_workers() if workers is None else workers
    if workers < 1:
        raise ValueError(f"workers must be >= 1 (got {workers})")
    if workers == 1:
        results = [_scan(rs, 0, 1)]
    else:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            results = pool.map(_scan_part, [(rs, i, workers) for i in range(workers)])
    coverage: Counter[str] = Counter()
    worst: _Worst = {}
    for part_coverage, part_worst, _ in results:
        coverage.update(part_coverage)
        for key, found in part_worst.items():
            if key not in worst or found[0] < worst[key][0]:
                worst[key] = found
    problems = [Problem(kind, message, combination, rules)
                for (kind, message), (_, combination, rules) in sorted(worst.items())]
    problems += [Problem("dead", f"rule {rule_id} never fires", None, (rule_id,))
                 for rule_id in (r.id for r in rs.rules) if coverage[rule_id] == 0]
    return Report(problems=tuple(problems),
                  coverage={r.id: coverage[r.id] for r in rs.rules},
                  combinations=sum(count for _, _, count in results))
