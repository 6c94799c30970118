"""Exhaustive verification of a rule set over the whole input partition.

The partition is derived from the rule set itself and the fact vocabulary: for every fact
field, the values its conditions compare against, the values one step beside each numeric
boundary (0.01 MW or TWh, one day past the deadline), each date boundary and the days either side
of it (the regime changes), one representative for the enum values no condition mentions
(rotating, so every value is used), and "missing" for optional fields. Over every combination
the verifier checks:

- gaps and conflicts: exactly one regime, recommendation, next step and RES-target verdict per
  case, at most one step-2 instrument, exactly one competence per project;
- overlaps: no two rules conclude different values for the same single-valued finding (one
  ground, whether the impasse is resolved, a project's competence, ...) in one combination;
- failing actions: a rule whose action raises is reported with the combination;
- dead rules: every rule fires in at least one combination.

Part A advises cases without projects. What each rule can see is worked out from the rules
themselves: the case fields it tests and, through the facts other rules conclude, the fields
those depend on. The largest such set is crossed in full (with every field that shares a rule
with two others outside it); every other field cycles through its classes along a crossed field
no rule of its own depends on, so that for every rule every combination of the fields it
depends on occurs. Part B crosses every project field with every context (reference date and
expected law), the case around the project rotating over scope, step and forecast. Part C
crosses every scope, step and forecast with every technology, capacity and project status, the
context, transfer and waiver rotating.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import multiprocessing
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import attrs

from ._engine import Firing, infer
from ._errors import EngineError
from ._rules import RuleSet, fact_type_of
from ._vocabulary import INPUT_FACTS, FactField, date_number, number_date

MISSING = object()

#: Conclusions of which one case (or one project, or one ground) may hold only one value.
_SINGLE: dict[str, tuple[str, ...]] = {
    "regime": (),
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
_REQUIRED = ("regime", "recommendation", "next_step", "res_target")
#: The case fields that describe the solution: drawn together, as the model allows them.
_SOLUTION = ("solution_status", "adequate", "draagvlak")
#: Fields whose partition points lie this far either side of each literal a rule compares with.
_STEP = {"int": 1, "number": 0.01}


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


def _points(name: str, field: FactField, literals: Mapping[str, set[Any]]) -> list[Any]:
    """A number's or a date's partition: every literal a rule compares it with, and its
    neighbours one step (0.01, one day) either side; inside the range the model allows."""
    values = [v for v in literals.get(name, set())
              if isinstance(v, int | float) and not isinstance(v, bool)]
    points: set[Any] = set()
    if field.kind == "date":
        for value in values:
            day = number_date(int(value))
            points.update(date_number(day + dt.timedelta(days=d)) for d in (-1, 0, 1))
        return sorted(points) or [date_number(dt.date(2026, 1, 1))]
    step = _STEP[field.kind]
    for value in values:
        points.update({round(value - step, 4), value, round(value + step, 4)})
    allowed = sorted(p for p in points if field.low is None or p > field.low
                     or (p == field.low and not field.low_open))
    return allowed or [1.0]


def _classes(name: str, field: FactField, literals: Mapping[str, set[Any]]) -> list[list[Any]]:
    """One field's partition classes (each a list of interchangeable values)."""
    optional = [MISSING] if field.optional else []
    if field.kind == "enum":
        return _enum_classes(name, [*optional, *field.values], literals)
    if field.kind == "bool" or field.values:
        return [[v] for v in [*optional, *field.values]]
    return [[v] for v in [*optional, *_points(name, field, literals)]]


def _rotate(classes: list[list[Any]], index: int) -> list[Any]:
    """One representative per class, chosen by ``index`` so every member appears in turn."""
    return [c[index % len(c)] for c in classes]


def _case_dimensions(literals: Mapping[str, set[Any]]) -> dict[str, list[list[Any]]]:
    dims: dict[str, list[list[Any]]] = {}
    for name, field in INPUT_FACTS["case"].items():
        if name in _SOLUTION:
            continue
        dims[name] = _classes(name, field, literals)
    solutions: list[list[Any]] = []
    case = INPUT_FACTS["case"]
    for status in case["solution_status"].values:
        adequacies = [MISSING, True, False] if status == "gevonden" else [MISSING]
        for adequate, draagvlak in itertools.product(adequacies, case["draagvlak"].values):
            solutions.append([(status, adequate, draagvlak)])
    dims["solution"] = solutions
    return dims


def _context_classes(literals: Mapping[str, set[Any]]) -> list[tuple[bool, int]]:
    """Every (expected law, reference date) pair of the partition."""
    fields = INPUT_FACTS["context"]
    return list(itertools.product(
        (True, False), _points("reference_date", fields["reference_date"], literals)))


def _case_fact(values: Mapping[str, Any]) -> dict[str, Any]:
    fact: dict[str, Any] = {"type": "case"}
    for name, value in values.items():
        if name == "solution":
            status, adequate, draagvlak = value
            fact.update(solution_status=status, draagvlak=draagvlak)
            if adequate is not MISSING:
                fact["adequate"] = adequate
        elif name in INPUT_FACTS["case"] and value is not MISSING:
            fact[name] = value
    return fact


def _context_fact(expected_law: bool, reference_date: int) -> dict[str, Any]:
    return {"type": "context", "expected_law": expected_law, "reference_date": reference_date}


def _describe(values: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in values.items():
        if name == "solution":
            status, adequate, draagvlak = value
            out["solution"] = {"status": status, "draagvlak": draagvlak,
                               **({} if adequate is MISSING else {"adequate": adequate})}
        elif name == "projects":
            out["projects"] = [{k: v for k, v in p.items() if k != "type"} for p in value]
        elif name == "reference_date":
            out[name] = number_date(value).isoformat()
        else:
            out[name] = None if value is MISSING else value
    return out


def _closures(rs: RuleSet) -> list[frozenset[str]]:
    """For each rule that can fire without projects, the case dimensions its firing depends
    on: the case fields it tests, and those every derived fact it joins on depends on (to a
    fixed point). Rules that need a project are parts B and C's concern."""
    def field_dim(name: str) -> str:
        return "solution" if name in _SOLUTION else name

    reads: dict[str, tuple[set[str], set[str]]] = {}
    with_project: set[str] = set()  # rules that need a project fact, directly or not
    for rule in rs.rules:
        fields: set[str] = set()
        derived: set[str] = set()
        for items in rule.when.values():
            for item in items:
                for condition in item.values():
                    kind = fact_type_of(condition) or ""
                    if kind == "case":
                        fields |= {field_dim(f) for f in _fields_tested(condition)}
                    elif kind == "context":
                        fields.add("context")
                    elif kind == "project":
                        with_project.add(rule.id)
                    else:
                        derived.add(kind)
        reads[rule.id] = (fields, derived)
    project_types: set[str] = set()
    changed = True
    while changed:
        changed = False
        for rule in rs.rules:
            if rule.id in with_project or reads[rule.id][1] & project_types:
                with_project.add(rule.id)
                new = {str(c["type"]) for c in rule.then} - project_types
                # A type is project-bound only when no rule concludes it without a project.
                new = {t for t in new if all(r.id in with_project for r in rs.rules
                                             if any(c["type"] == t for c in r.then))}
                if new:
                    project_types |= new
                    changed = True
    reads = {rule_id: read for rule_id, read in reads.items() if rule_id not in with_project}
    depends: dict[str, set[str]] = {}
    changed = True
    while changed:
        changed = False
        for rule in rs.rules:
            if rule.id not in reads:
                continue
            fields, derived = reads[rule.id]
            closure = fields.union(*(depends.get(t, set()) for t in derived))
            for conclusion in rule.then:
                known = depends.setdefault(str(conclusion["type"]), set())
                if not closure <= known:
                    known |= closure
                    changed = True
    return [frozenset(fields.union(*(depends.get(t, set()) for t in derived)))
            for fields, derived in reads.values()]


def _fields_tested(expression: Any) -> Iterator[str]:
    if isinstance(expression, dict):
        for key, operand in expression.items():
            if key in ("$and", "$or"):
                for sub in operand:
                    yield from _fields_tested(sub)
            elif key.startswith("$"):
                yield from operand
            elif key != "type":
                yield key


def _covering(dims: Mapping[str, list[list[Any]]], closures: Sequence[frozenset[str]]
              ) -> tuple[list[str], dict[str, str]]:
    """Which dimensions to cross in full (the core) and, for each other dimension, the core
    dimension whose value index picks its class (its carrier).

    Every rule's dependencies then occur in every combination of their classes: a rule's
    dimensions are either all in the core, or all but one, whose carrier the rule does not
    depend on and which has at least as many classes, so that the one cycles through all its
    classes under every combination of the rest.
    """
    size = {n: len(c) for n, c in dims.items()}
    core = set(max(closures, key=lambda k: (math.prod(size[n] for n in k if n in size),
                                            sorted(k)), default=frozenset()))
    core &= set(dims)
    while True:
        outside = [k - core for k in closures]
        grow = next((k for k in outside if len(k & set(dims)) > 1), None)
        if grow is None:
            break
        core |= grow & set(dims)
    carriers: dict[str, str] = {}
    for name in dims:
        if name in core:
            continue
        touching = [k for k in closures if name in k]
        candidates = [c for c in sorted(core) if size[c] >= size[name]
                      and not any(c in k for k in touching)]
        if candidates:
            carriers[name] = max(candidates, key=lambda c: size[c])
        else:
            core.add(name)
    return [n for n in dims if n in core], carriers


def _combinations(rs: RuleSet) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """(description, facts) for every combination of parts A, B and C (module docstring)."""
    literals = _literals(rs)
    dims = _case_dimensions(literals)
    contexts = _context_classes(literals)
    core, carriers = _covering({**dims, "context": [[c] for c in contexts]}, _closures(rs))
    # Part A: every combination of the core dimensions, no projects; each other dimension
    # cycles with its carrier, and the context rotates where it is not in the core.
    every = {**dims, "context": [[c] for c in contexts]}
    for index, choice in enumerate(itertools.product(*(range(len(every[n])) for n in core))):
        picked = dict(zip(core, choice, strict=True))
        for name, carrier in carriers.items():
            picked[name] = picked[carrier] % len(every[name])
        values = {n: every[n][c][index % len(every[n][c])] for n, c in picked.items()}
        law, day = values.pop("context")
        values = {n: values[n] for n in dims}
        values.update(expected_law=law, reference_date=day)
        yield values, [_case_fact(values), _context_fact(law, day)]
    # Part B: every project combination under every context; the case around it rotates over
    # scope x step x forecast.
    fields = INPUT_FACTS["project"]
    project_dims = {n: _classes(n, f, literals) for n, f in fields.items() if f.kind != "key"}
    pnames = list(project_dims)
    around = list(itertools.product(_flat(dims["scope"]), _flat(dims["current_step"]),
                                    _flat(dims["res_forecast_twh_2030"])))
    counter = itertools.count()
    for members in itertools.product(*(project_dims[n] for n in pnames)):
        for law, day in contexts:
            i = next(counter)
            scope, step, forecast = around[i % len(around)]
            yield _with_project(i, dict(zip(pnames, members, strict=True)), scope, step,
                                forecast, law, day)
    # Part C: every case context (scope x step x forecast) with every technology, capacity and
    # project status; the regime's date, expected law, transfer and waiver rotate.
    rotating = [n for n in pnames if n not in ("technology", "capacity_mw", "status")]
    for scope, step, forecast in around:
        for tech, mw, status in itertools.product(
                project_dims["technology"], project_dims["capacity_mw"], project_dims["status"]):
            i = next(counter)
            law, day = contexts[i % len(contexts)]
            chosen = {"technology": tech, "capacity_mw": mw, "status": status,
                      **{n: project_dims[n][i % len(project_dims[n])] for n in rotating}}
            yield _with_project(i, chosen, scope, step, forecast, law, day)


def _flat(classes: list[list[Any]]) -> list[Any]:
    return [v for c in classes for v in c]


def _with_project(index: int, chosen: Mapping[str, list[Any]], scope: Any, step: Any,
                  forecast: Any, law: bool, day: int
                  ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    project: dict[str, Any] = {"type": "project", "project": "p0"}
    for name, members in chosen.items():
        value = members[index % len(members)]
        project[name] = float(value) if name == "capacity_mw" else value
    values = {"scope": scope, "theme": "overig", "current_step": step,
              "solution": ("niet_gevonden", MISSING, "onbekend"),
              "agreements": "niet_van_toepassing", "res_forecast_twh_2030": forecast,
              "expected_law": law, "reference_date": day, "projects": [project]}
    return values, [_case_fact(values), project, _context_fact(law, day)]


def _size(values: Mapping[str, Any]) -> int:
    """How far a combination is from the plainest case: fewer set fields is smaller."""
    return sum(1 for k, v in values.items() if v is not MISSING and k not in (
        "solution", "expected_law", "reference_date")) + len(values.get("projects", ()))


def _check(firings: Sequence[Firing], projects: Iterable[Mapping[str, Any]]
           ) -> list[tuple[str, str, tuple[str, ...]]]:
    problems: list[tuple[str, str, tuple[str, ...]]] = []
    values: dict[tuple[str, ...], dict[str, set[str]]] = {}
    for firing in firings:
        # The engine gives each conclusion's canonical JSON: equal values, equal text.
        texts = firing.keys or tuple(json.dumps(c, sort_keys=True) for c in firing.conclusions)
        for conclusion, body in zip(firing.conclusions, texts, strict=True):
            kind = str(conclusion["type"])
            if kind not in _SINGLE:
                continue
            key = (kind, *(str(conclusion[k]) for k in _SINGLE[kind]))
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
        found: list[tuple[str, str, tuple[str, ...]]]
        try:
            firings = infer(rs, facts)
        except EngineError as exc:  # a rule's action failed: a finding, not a crash
            rule = getattr(exc, "rule", None)
            found = [("action", f"a rule's action failed: {exc}",
                      (str(rule),) if rule else ())]
        else:
            coverage.update(f.rule.id for f in firings)
            projects = [f for f in facts if f["type"] == "project"]
            found = _check(firings, projects)
        for kind, message, rules in found:
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
