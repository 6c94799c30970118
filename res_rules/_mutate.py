"""Mutation testing of a rule set: how much of its meaning do the policy checks pin down?

Mutants are made from the rule files as data, one change each (a literal moved to its
neighbour, a comparison swapped, a term dropped, an enum value or a concluded code replaced, a
rule removed). Each mutant is run, in-process, through the project's checks: the example cases,
the scenarios, the invariants (:mod:`._policy`) and ``verify``. A mutant some check rejects is
*killed*; one whose advice equals the original's on every combination of the verify partition
is *equivalent* (no check could ever see it); the rest *survived*: a hole in the checks, shown
with the smallest case whose advice changed.

Only the combinations a mutant can change are advised again: where the rule fired, and where a
*probe* fired, a copy of the rule with the mutated term left out, added to the original rule
set for one baseline run. A probe matches wherever the rule or any mutant of that term could
(conditions only narrow), so every other combination keeps its original advice unchanged. The
probes only choose what to advise again; durable-rules draws every conclusion.
"""

from __future__ import annotations

import array
import copy
import datetime as dt
import hashlib
import json
import multiprocessing
import os
import random
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.stateful import run_state_machine_as_test

from ._engine import Firing, check_ruleset, infer, release
from ._errors import ResRulesError
from ._policy import (
    INVARIANTS,
    Example,
    Failure,
    Scenario,
    Violation,
    default_check_paths,
    load_examples,
    load_scenarios,
    procedure_walk,
)
from ._rules import Rule, RuleSet, _regimes, _regimes_of, fact_type_of
from ._verify import _check, _combinations, _describe, _size
from ._vocabulary import ALL_FACTS, date_number, number_date

OPERATORS = ("literal", "comparison", "term", "enum", "conclusion", "rule")
_SWAP = {"$gte": "$gt", "$gt": "$gte", "$lt": "$lte", "$lte": "$lt"}
_COMPARE = frozenset({"$lt", "$lte", "$gt", "$gte", "$neq"})
#: Conclusion fields whose literal value a mutant may replace, with the label group (or the
#: list) that gives the other values of the same kind.
_CONCLUDED = {("recommendation", "code"): "recommendation", ("ground", "code"): "ground",
              ("action", "code"): "action", ("competence", "authority"): "authority",
              ("competence_basis", "authority"): "authority", ("next_step", "step"): "step"}
#: Examples each invariant draws per mutant (deterministic; no shrinking).
INVARIANT_EXAMPLES = 20
#: Combinations a survivor's example is chosen from.
_EXAMPLE_SCAN = 20000


@attrs.frozen
class Mutant:
    """One change to one rule. ``location`` leads to the changed term in the rule's data
    (``("when", "all", 0, "c", "$and", 2)``); ``probe`` to the term a probe leaves out."""

    id: str
    rule: str
    operator: str
    change: str
    location: tuple[Any, ...]
    replacement: Any = None
    probe: tuple[Any, ...] | None = None


@attrs.frozen
class Result:
    """What the checks made of one mutant."""

    mutant: Mutant
    kind: str  # killed, equivalent, survived
    killed_by: str | None = None
    example: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.mutant.id, "rule": self.mutant.rule,
                                "operator": self.mutant.operator, "change": self.mutant.change,
                                "class": self.kind}
        if self.killed_by is not None:
            data["killed_by"] = self.killed_by
        if self.example is not None:
            data["example"] = self.example
        return data


@attrs.frozen
class Report:
    """A mutation run: every mutant's class, the score and how long it took."""

    results: tuple[Result, ...]
    seconds: float
    total: int

    def count(self, kind: str) -> int:
        return sum(1 for r in self.results if r.kind == kind)

    @property
    def score(self) -> float:
        decided = self.count("killed") + self.count("survived")
        return self.count("killed") / decided if decided else 1.0

    def table(self) -> dict[str, dict[str, int]]:
        """Operators x classes."""
        counts = Counter((r.mutant.operator, r.kind) for r in self.results)
        return {op: {k: counts[(op, k)] for k in ("killed", "equivalent", "survived")}
                for op in OPERATORS if any(counts[(op, k)] for k in
                                           ("killed", "equivalent", "survived"))}

    def to_dict(self) -> dict[str, Any]:
        return {"score": round(self.score, 4), "killed": self.count("killed"),
                "equivalent": self.count("equivalent"), "survived": self.count("survived"),
                "mutants_total": self.total, "seconds": round(self.seconds, 1),
                "operators": self.table(), "mutants": [r.to_dict() for r in self.results]}


# --- Making mutants -------------------------------------------------------------------------

def _walk(node: Any, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], Any]]:
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, (*path, index))


def _get(data: Any, path: Sequence[Any]) -> Any:
    for key in path:
        data = data[key]
    return data


def _neighbours(kind: str, value: Any) -> list[Any]:
    if kind == "date":
        day = number_date(int(value))
        return [date_number(day - dt.timedelta(days=1)), date_number(day + dt.timedelta(days=1))]
    if kind == "int" and isinstance(value, int):
        return [value - 1, value + 1]
    step = 0.01
    return [round(value - step, 4), round(value + step, 4)]


def _words(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _probe_of(location: tuple[Any, ...]) -> tuple[Any, ...]:
    """The term a probe leaves out for a change at ``location``: the nearest element of an
    ``$and`` list (or of the alias's own mapping) that contains it."""
    best: tuple[Any, ...] | None = None
    for i in range(len(location)):
        if i + 1 < len(location) and location[i] == "$and" and isinstance(location[i + 1], int):
            best = location[:i + 2]
            break
    # A change inside an $or that is not inside an $and: the alias' whole test goes.
    return best if best is not None else location[:4]


def generate(rs: RuleSet) -> list[Mutant]:
    """Every mutant of ``rs``: one change each, in rule order, with stable ids."""
    found: list[Mutant] = []

    def add(rule: Rule, operator: str, change: str, location: tuple[Any, ...],
            replacement: Any = None, probe: tuple[Any, ...] | None = None) -> None:
        found.append(Mutant(id=f"M{len(found) + 1:04d}", rule=rule.id, operator=operator,
                            change=change, location=location, replacement=replacement,
                            probe=probe))

    for rule in rs.rules:
        ((kind, items),) = rule.when.items()
        for index, item in enumerate(items):
            ((alias, expression),) = item.items()
            fact = fact_type_of(expression) or ""
            fields = ALL_FACTS.get(fact, {})
            base = ("when", kind, index, alias)
            for path, node in _walk(expression, base):
                if isinstance(path[-1], str) and path[-1].startswith("$") and path[-1] not in (
                        "$and", "$or"):
                    continue  # the {field: value} operand of a comparison, handled with it
                if not isinstance(node, dict):
                    if isinstance(node, list) and len(path) > len(base) and path[-1] in (
                            "$and", "$or"):
                        for i, term in enumerate(node):
                            if term != {"type": fact} and len(node) > 1:
                                add(rule, "term", f"{path[-1]} without {_words(term)}",
                                    (*path, i), probe=_probe_of((*path, i)))
                    continue
                for key, operand in node.items():
                    at = (*path, key)
                    if key in _COMPARE and isinstance(operand, dict):
                        ((name, value),) = operand.items()
                        spec = fields.get(name)
                        if key in _SWAP:
                            add(rule, "comparison", f"{key} → {_SWAP[key]} on {name}", at,
                                replacement=_SWAP[key], probe=_probe_of(at))
                        if isinstance(value, int | float) and not isinstance(value, bool) \
                                and spec is not None:
                            for other in _neighbours(spec.kind, value):
                                add(rule, "literal", f"{name} {key} {value} → {other}",
                                    (*at, name), replacement=other, probe=_probe_of(at))
                        if key == "$neq" and not isinstance(value, dict):
                            add(rule, "comparison", f"{name} ≠ {_words(value)} → = ", at,
                                replacement="$eq", probe=_probe_of(at))
                        if isinstance(value, str) and spec is not None:
                            for other in _others(rs, fact, name, value):
                                add(rule, "enum", f"{name} {_words(value)} → {_words(other)}",
                                    (*at, name), replacement=other, probe=_probe_of(at))
                    elif not key.startswith("$") and key != "type" and not isinstance(
                            operand, dict):
                        spec = fields.get(key)
                        add(rule, "comparison", f"{key} = {_words(operand)} → ≠", at,
                            replacement="$neq", probe=_probe_of(at))
                        if isinstance(operand, int | float) and not isinstance(
                                operand, bool) and spec is not None:
                            for other in _neighbours(spec.kind, operand):
                                add(rule, "literal", f"{key} = {operand} → {other}", at,
                                    replacement=other, probe=_probe_of(at))
                        elif isinstance(operand, str | bool):
                            for other in _others(rs, fact, key, operand):
                                add(rule, "enum", f"{key} {_words(operand)} → {_words(other)}",
                                    at, replacement=other, probe=_probe_of(at))
        for index, conclusion in enumerate(rule.then):
            kind_of = str(conclusion["type"])
            for field, value in conclusion.items():
                group = _CONCLUDED.get((kind_of, field))
                if group is None or (isinstance(value, str) and value.startswith("$")):
                    continue
                for other in _codes(rs, group, value):
                    add(rule, "conclusion", f"{kind_of}.{field} {_words(value)} → "
                                            f"{_words(other)}", ("then", index, field),
                        replacement=other)
        add(rule, "rule", "rule removed", ())
    return found


def _others(rs: RuleSet, fact: str, field: str, value: Any) -> list[Any]:
    """The other values a field of this fact type can hold, in a fixed order."""
    if isinstance(value, bool):
        return [not value]
    spec = ALL_FACTS.get(fact, {}).get(field)
    if spec is not None and spec.values:
        return [v for v in spec.values if v != value]
    group = {"code": _code_group(fact), "regime": "regime", "authority": "authority",
             "memo_authority": "authority", "recommendation": "recommendation",
             "law_status": "law_status", "instrument": "instrument"}.get(field)
    return _codes(rs, group, value) if group else []


def _code_group(fact: str) -> str | None:
    return {"recommendation": "recommendation", "ground": "ground", "action": "action",
            "warning": "warning"}.get(fact)


def _codes(rs: RuleSet, group: str | None, value: Any) -> list[Any]:
    if group == "step":
        return [s for s in (None, 0, 1, 2, 3, 4) if s != value]
    if group == "regime":
        return [r for r in rs.regimes if r != value]
    if group is None:
        return []
    codes: list[Any] = list(rs.labels.get(group, {}))
    if group == "instrument":
        codes.append(None)
    return [c for c in codes if c != value]


def apply(rs: RuleSet, mutant: Mutant) -> RuleSet:
    """The rule set with the mutant's one change, in memory, with its own fingerprint."""
    rules = list(rs.rules)
    position = rs.positions[mutant.rule]
    if mutant.operator == "rule":
        del rules[position]
    else:
        rules[position] = _changed(rs.rules[position], mutant)
    fingerprint = hashlib.sha256(f"{rs.fingerprint}:{mutant.id}".encode()).hexdigest()
    return attrs.evolve(rs, rules=tuple(rules), fingerprint=fingerprint,
                        regimes=_regimes(rules, rs.labels))


def _changed(rule: Rule, mutant: Mutant) -> Rule:
    data: dict[str, Any] = {"when": copy.deepcopy(dict(rule.when)),
                            "then": [dict(c) for c in rule.then]}
    *parent_path, last = mutant.location
    parent = _get(data, parent_path)
    if mutant.operator == "term":
        del parent[last]
    elif mutant.operator == "comparison":
        if mutant.replacement == "$neq":  # {field: value} -> {$neq: {field: value}}
            value = parent.pop(last)
            parent["$neq"] = {last: value}
        elif mutant.replacement == "$eq":  # {$neq: {field: value}} -> {field: value}
            ((field, value),) = parent.pop(last).items()
            parent[field] = value
        else:
            parent[mutant.replacement] = parent.pop(last)
    else:
        parent[last] = mutant.replacement
    then: tuple[Mapping[str, Any], ...] = tuple(data["then"])
    return attrs.evolve(rule, when=data["when"], then=then,
                        regimes=_regimes_of(data["when"], then))


def _probe_rule(rule: Rule, probe: tuple[Any, ...], name: str) -> Rule:
    """A copy of ``rule`` without the term at ``probe``, concluding nothing: it fires wherever
    the rule, or any mutant of that term, could."""
    when = copy.deepcopy(dict(rule.when))
    *parent_path, last = probe
    parent = _get(when, parent_path[1:]) if parent_path and parent_path[0] == "when" else None
    if parent is not None and isinstance(parent, list):
        del parent[last]
    elif parent is not None and isinstance(parent, dict):
        fact = fact_type_of(parent[last])
        parent[last] = {"type": fact}
    return attrs.evolve(rule, id=name, when=when, then=())


# --- The baseline: the original rule set over the partition ---------------------------------

#: The conclusions an advice shows: the law, the recommendation and next step, the step-2
#: instrument (or that it is still open), actions, the competence per project (statutory and
#: final), the RES-target verdict, warnings, and the reasons that apply. Findings on the way
#: there (resolved or not, a reason that does not apply) only shape the justification.
_SHOWN = frozenset({"regime", "recommendation", "next_step", "step2_instrument", "action",
                    "competence", "competence_basis", "res_target", "warning"})


def _digest(firings: Sequence[Firing]) -> frozenset[str]:
    """What an advice says, from its firings (their canonical JSON): the conclusions it shows,
    not which rules drew them."""
    return frozenset(
        key for f in firings
        for c, key in zip(f.conclusions, f.keys or [json.dumps(c, sort_keys=True)
                                                     for c in f.conclusions], strict=True)
        if c["type"] in _SHOWN or (c["type"] == "ground" and c.get("present") is True))


@attrs.define
class _Baseline:
    """The original rule set over the partition: per combination a digest of its advice and
    the rules that fired; per rule and per probe the combinations where it fired."""

    combos: list[tuple[dict[str, Any], list[dict[str, Any]]]]
    digests: list[int]
    fired: list[bytes]
    coverage: Counter[str]
    touched: dict[str, array.array[int]]


def _probes(rs: RuleSet, mutants: Sequence[Mutant]) -> tuple[RuleSet, dict[str, str]]:
    """The original rules plus one probe per mutated term; which probe serves which mutant."""
    names: dict[tuple[str, tuple[Any, ...]], str] = {}
    extra: list[Rule] = []
    for mutant in mutants:
        if mutant.probe is not None and (mutant.rule, mutant.probe) not in names:
            name = f"probe.{len(names)}"
            names[(mutant.rule, mutant.probe)] = name
            extra.append(_probe_rule(rs.rule(mutant.rule), mutant.probe, name))
    probed = attrs.evolve(rs, rules=(*rs.rules, *extra), fingerprint=hashlib.sha256(
        f"{rs.fingerprint}:probes:{sorted(names.values())}".encode()).hexdigest())
    return probed, {m.id: names[(m.rule, m.probe)] for m in mutants if m.probe is not None}


def _baseline_part(args: tuple[RuleSet, RuleSet, int, int]) -> tuple[
        list[int], list[bytes], dict[str, list[int]], list[tuple[str, str, tuple[str, ...]]]]:
    """Every ``parts``-th combination from ``part``: digests, fired rules, where each rule or
    probe fired, and any verify problem of the original."""
    rs, probed, part, parts = args
    index = {r.id: i for i, r in enumerate(rs.rules)}
    digests: list[int] = []
    fired: list[bytes] = []
    touched: dict[str, list[int]] = {}
    problems: list[tuple[str, str, tuple[str, ...]]] = []
    for number, (_, facts) in enumerate(_combinations(rs)):
        if number % parts != part:
            continue
        firings = infer(probed, facts)
        real = [f for f in firings if f.rule.id in index]
        digests.append(hash(_digest(real)))
        ids = {f.rule.id for f in firings}
        fired.append(bytes(sorted(index[i] for i in ids if i in index)))
        for rule_id in ids:
            touched.setdefault(rule_id, []).append(number)
        problems += _check(real, [f for f in facts if f["type"] == "project"])
    return digests, fired, touched, problems


def baseline(rs: RuleSet, mutants: Sequence[Mutant], workers: int) -> _Baseline:
    """Advise every combination once with the original rules and the probes for ``mutants``;
    the original must pass verify there."""
    probed, probe_of = _probes(rs, mutants)
    combos = list(_combinations(rs))
    jobs = [(rs, probed, part, workers) for part in range(workers)]
    if workers == 1:
        parts = [_baseline_part(jobs[0])]
    else:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            parts = pool.map(_baseline_part, jobs)
    digests = [0] * len(combos)
    fired = [b""] * len(combos)
    where: dict[str, set[int]] = {}
    for part, (part_digests, part_fired, part_touched, problems) in enumerate(parts):
        if problems:
            kind, message, _ = problems[0]
            raise ResRulesError(f"the rule set itself fails verify ({kind}: {message}); "
                                "mutation testing needs a rule set that passes")
        for offset, (digest, rules) in enumerate(zip(part_digests, part_fired, strict=True)):
            digests[part + offset * workers] = digest
            fired[part + offset * workers] = rules
        for name, numbers in part_touched.items():
            where.setdefault(name, set()).update(numbers)
    coverage = Counter({r.id: len(where.get(r.id, ())) for r in rs.rules})
    dead = [r for r, n in coverage.items() if n == 0]
    if dead:
        raise ResRulesError(f"the rule set itself fails verify (rule {dead[0]} never fires); "
                            "mutation testing needs a rule set that passes")
    touched: dict[str, array.array[int]] = {}
    for mutant in mutants:
        seen: set[int] = set(where.get(mutant.rule, ()))
        if mutant.id in probe_of:
            seen |= where.get(probe_of[mutant.id], set())
        touched[mutant.id] = array.array("I", sorted(seen))
    return _Baseline(combos, digests, fired, coverage, touched)


# --- Classifying one mutant -------------------------------------------------------------------

@attrs.frozen
class Checks:
    """The policy checks a mutant must pass, besides verify."""

    examples: tuple[Example, ...]
    scenarios: tuple[Scenario, ...]
    invariants: bool = True

    @classmethod
    def load(cls, paths: Sequence[Path] | None = None, *, invariants: bool = True) -> Checks:
        chosen = list(paths) if paths else default_check_paths()
        return cls(tuple(load_examples(chosen)), tuple(load_scenarios(chosen)), invariants)


def _first_failure(checks: Sequence[Scenario | Example], rules: RuleSet) -> Failure | None:
    for check in checks:
        failure = check.run(rules)
        if failure is not None:
            return failure
    return None


def _checking(check: Any, rules: RuleSet) -> Any:
    """The invariant as a test function of its drawn arguments, under ``rules``."""
    def test(**drawn: Any) -> None:
        check(rules, **drawn)

    return test


def _invariant_failure(rules: RuleSet) -> str | None:
    """The first invariant the mutant breaks, drawing a fixed set of examples for each."""
    quick = settings(max_examples=INVARIANT_EXAMPLES, derandomize=True, database=None,
                     deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
                     suppress_health_check=list(HealthCheck), print_blob=False)
    for name, invariant in INVARIANTS.items():
        test = quick(given(**invariant.arguments)(_checking(invariant.check, rules)))
        try:
            test()
        except (Violation, ResRulesError, AssertionError):
            return f"invariant {name}"
    walk = procedure_walk(rules)
    try:
        run_state_machine_as_test(walk, settings=settings(
            max_examples=INVARIANT_EXAMPLES, derandomize=True, database=None, deadline=None,
            phases=[Phase.generate], suppress_health_check=list(HealthCheck),
            stateful_step_count=15))
    except (Violation, ResRulesError, AssertionError):
        return "invariant procedure_walk"
    return None


def classify(rs: RuleSet, mutant: Mutant, checks: Checks, base: _Baseline) -> Result:
    """Run ``mutant`` through the checks, cheapest first, then over the combinations it can
    change."""
    try:
        mutated = apply(rs, mutant)
    except ResRulesError as exc:
        return Result(mutant, "killed", killed_by=f"loader: {exc}")
    try:
        check_ruleset(mutated)
    except ResRulesError as exc:
        return Result(mutant, "killed", killed_by=f"loader: {exc}")
    try:
        return _checked(rs, mutated, mutant, checks, base)
    finally:
        release(mutated)  # one compiled rule set per mutant would otherwise add up


def _checked(rs: RuleSet, mutated: RuleSet, mutant: Mutant, checks: Checks, base: _Baseline
             ) -> Result:
    failure = _first_failure(checks.examples, mutated) or _first_failure(
        checks.scenarios, mutated)
    if failure is not None:
        return Result(mutant, "killed", killed_by=failure.check)
    if checks.invariants:
        broken = _invariant_failure(mutated)
        if broken is not None:
            return Result(mutant, "killed", killed_by=broken)
    return _over_partition(rs, mutated, mutant, base)


def _over_partition(rs: RuleSet, mutated: RuleSet, mutant: Mutant, base: _Baseline) -> Result:
    """verify on the combinations the mutant can change (and the dead-rule count over all of
    them); then equal or not to the original's advice there."""
    index = {r.id: i for i, r in enumerate(rs.rules)}
    names = {i: r for r, i in index.items()}
    counts = Counter({r.id: base.coverage[r.id] for r in mutated.rules})
    differing: list[int] = []
    for number in base.touched[mutant.id]:
        facts = base.combos[number][1]
        try:
            firings = infer(mutated, facts)
        except ResRulesError as exc:
            return Result(mutant, "killed", killed_by=f"verify: action ({exc})")
        problems = _check(firings, [f for f in facts if f["type"] == "project"])
        if problems:
            return Result(mutant, "killed", killed_by=f"verify: {problems[0][0]}")
        for old in base.fired[number]:
            if names[old] in counts:
                counts[names[old]] -= 1
        counts.update(f.rule.id for f in firings)
        if hash(_digest(firings)) != base.digests[number]:
            differing.append(number)
    dead = sorted(r for r, n in counts.items() if n <= 0)
    if dead:
        return Result(mutant, "killed", killed_by=f"verify: dead ({dead[0]})")
    if not differing:
        return Result(mutant, "equivalent")
    return Result(mutant, "survived", example=_example(rs, mutated, base, differing))


def _example(rs: RuleSet, mutated: RuleSet, base: _Baseline, differing: Sequence[int]
             ) -> dict[str, Any]:
    """The smallest combination whose advice the mutant changed, with what changed."""
    number = min(differing[:_EXAMPLE_SCAN], key=lambda n: _size(base.combos[n][0]))
    values, facts = base.combos[number]
    before, after = (_digest(infer(r, facts)) for r in (rs, mutated))
    return {"case": _describe(values),
            "before": [_conclusion(c) for c in sorted(before - after)],
            "after": [_conclusion(c) for c in sorted(after - before)]}


def _conclusion(key: str) -> Any:
    """A conclusion back from its key (the engine's keys are its fields without braces)."""
    return json.loads(key if key.startswith("{") else "{" + key + "}")


# --- Running all mutants ----------------------------------------------------------------------

#: What the worker processes share with the parent (set before they are forked).
_SHARED: dict[str, Any] = {}


def _classify_part(mutants: list[Mutant]) -> list[Result]:
    return [classify(_SHARED["rs"], m, _SHARED["checks"], _SHARED["base"]) for m in mutants]


def run(rs: RuleSet, *, checks: Checks | None = None, workers: int | None = None,
        quick: int | None = None, seed: int = 2022) -> Report:
    """Mutate ``rs`` and classify every mutant (or a fixed sample of ``quick`` of them)."""
    started = time.monotonic()
    workers = workers or max(1, min(os.cpu_count() or 1, 8))
    if "fork" not in multiprocessing.get_all_start_methods():
        workers = 1
    checks = checks or Checks.load()
    original = _first_failure(checks.examples, rs) or _first_failure(checks.scenarios, rs)
    if original is not None:
        raise ResRulesError(f"the rule set itself fails {original.check}: {original.detail}")
    broken = _invariant_failure(rs) if checks.invariants else None
    if broken is not None:
        raise ResRulesError(f"the rule set itself fails {broken}; the invariants are the "
                            "shipped procedure's (res_rules._policy): leave them out with "
                            "--no-invariants for a rule set that means something else")
    every = generate(rs)
    chosen = every if quick is None else sorted(
        random.Random(seed).sample(every, min(quick, len(every))), key=lambda m: m.id)
    base = baseline(rs, chosen, workers)
    _SHARED.update(rs=rs, checks=checks, base=base)
    try:
        if workers == 1:
            results = _classify_part(chosen)
        else:
            # Small parts handed out in turn, so that a slow mutant does not hold up a worker's
            # whole share.
            parts = [chosen[i:i + 4] for i in range(0, len(chosen), 4)]
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                done = pool.map(_classify_part, parts, chunksize=1)
            results = [r for part in done for r in part]
    finally:
        _SHARED.clear()
    results.sort(key=lambda r: r.mutant.id)
    return Report(results=tuple(results), seconds=time.monotonic() - started, total=len(every))


def render_report(report: Report, rs: RuleSet, *, fmt: str = "text", lang: str = "nl",
                  minimum: float = 0.95) -> str:
    """The run as text or Markdown: the score, the table of operators by class, and each
    survivor by rule with its smallest case, before and after."""
    from ._render import environment
    from ._words import decimal, number, words

    survivors: dict[str, list[Result]] = {}
    for result in report.results:
        if result.kind == "survived":
            survivors.setdefault(result.mutant.rule, []).append(result)
    template = "mutate.md.j2" if fmt == "markdown" else "mutate.txt.j2"
    return environment().get_template(template).render(
        w=words(lang), r=report.to_dict(), survivors=survivors, json=json,
        name=rs.name, version=rs.version, score=decimal(report.score, 4, lang),
        seconds=number(round(report.seconds), lang), below=report.score < minimum,
        minimum=number(minimum, lang))
