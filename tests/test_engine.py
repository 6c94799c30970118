"""The durable-rules adapter keeps the engine's traps away from callers."""

from __future__ import annotations

import contextlib
import importlib.util
import itertools
import json
import shutil
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import EXAMPLES, ROOT, RULES

import res_rules
from res_rules import EngineError, _advice, _engine
from res_rules._advice import context_fact
from res_rules._rules import Rule, RuleSet, substitute


class _HostReference:
    """The adapter as it was before it drove the C engine itself: durable's own ``Host`` path.

    Kept, for the tests only, so the fast path can be compared with it on many cases. It has
    the old adapter's known faults (numbers with an exponent, interrupts reported as engine
    failures), so it is compared only on cases those do not touch.
    """

    def __init__(self) -> None:
        from durable import engine as durable

        class QuietHost(durable.Host):  # type: ignore[misc]  # durable ships no types
            def _run(self) -> None:
                return None

        self.durable = durable
        self.host = QuietHost()
        self.registered: dict[str, str] = {}
        self.sessions: dict[str, tuple[list[_engine.Firing], set[str]]] = {}
        self.counter = itertools.count(1)

    @staticmethod
    def _key(fact: Mapping[str, Any]) -> str:
        return json.dumps(fact, sort_keys=True, ensure_ascii=False)

    def _action(self, rule: Rule) -> Callable[[Any], None]:
        def fire(c: Any) -> None:
            firings, asserted = self.sessions[c.s["sid"]]
            bindings = {alias: {k: v for k, v in fact.items() if k != "sid"}
                        for alias, fact in c._m.items()}
            conclusions = tuple(substitute(template, bindings) for template in rule.then)
            firings.append(_engine.Firing(rule=rule, bindings=bindings, conclusions=conclusions))
            for conclusion in conclusions:
                key = self._key(conclusion)
                if key not in asserted:
                    asserted.add(key)
                    with contextlib.suppress(self.durable.MessageNotHandledException):
                        c.assert_fact(dict(conclusion))

        return fire

    def infer(self, ruleset: RuleSet, facts: Sequence[Mapping[str, Any]]
              ) -> list[_engine.Firing]:
        name = self.registered.get(ruleset.fingerprint)
        if name is None:
            name = f"reference_{ruleset.fingerprint[:16]}"
            self.host.register_rulesets({name: {
                rule.id: {**json.loads(json.dumps(rule.when)), "run": self._action(rule)}
                for rule in ruleset.rules}})
            self.registered[ruleset.fingerprint] = name
        sid = f"ref{next(self.counter)}"
        firings: list[_engine.Firing] = []
        self.sessions[sid] = (firings, set())
        try:
            for fact in facts:
                self.sessions[sid][1].add(self._key(fact))
                with contextlib.suppress(self.durable.MessageNotHandledException):
                    self.host.assert_fact(name, {**fact, "sid": sid})
            state = self.host.get_state(name, sid)
            if state.get("exception"):
                raise EngineError(f"a rule action failed: {state['exception']}")
            return firings
        finally:
            del self.sessions[sid]
            with contextlib.suppress(Exception):
                self.host.delete_state(name, sid)


_REFERENCE: list[_HostReference] = []


@contextlib.contextmanager
def _through_durables_host() -> Iterator[None]:
    """Inside the block, ``advise`` and ``bevoegd_gezag`` reason through :class:`_HostReference`."""
    if not _REFERENCE:
        _REFERENCE.append(_HostReference())
    original = _advice.infer
    _advice.infer = _REFERENCE[0].infer
    try:
        yield
    finally:
        _advice.infer = original


def _generated_cases(count: int, seed: int) -> list[res_rules.Case]:
    """The benchmark's generated cases (``benchmarks/jsonl_batch.py``), validated."""
    spec = importlib.util.spec_from_file_location("jsonl_batch",
                                                  ROOT / "benchmarks" / "jsonl_batch.py")
    if spec is None or spec.loader is None:
        raise FileNotFoundError(ROOT / "benchmarks" / "jsonl_batch.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return [res_rules.case_from_mapping(c) for c in module.generate(count, seed)]


def test_the_example_cases_get_the_same_advice_as_through_durables_own_host() -> None:
    """Every bundled example gets exactly the advice the stock durable ``Host`` path gives."""
    cases = [res_rules.load_case(p) for p in sorted(EXAMPLES.glob("*.yaml"))]
    with _through_durables_host():
        expected = [res_rules.advise(c).to_dict("en") for c in cases]
    assert [res_rules.advise(c).to_dict("en") for c in cases] == expected


def test_generated_cases_get_the_same_advice_as_through_durables_own_host() -> None:
    """2,000 generated cases (0-3 projects) get exactly the stock durable ``Host`` path's advice."""
    cases = _generated_cases(2000, seed=2022)
    with _through_durables_host():
        expected = [res_rules.advise(c).to_dict() for c in cases]
    actual = [res_rules.advise(c).to_dict() for c in cases]
    differing = [c.id for c, a, e in zip(cases, actual, expected, strict=True) if a != e]
    assert (differing, len(actual)) == ([], 2000)


def test_competence_is_the_same_as_through_durables_own_host() -> None:
    """``bevoegd_gezag`` over a capacity grid agrees with the stock durable ``Host`` path."""
    grid = [(t, p, tr, law) for t in ("wind", "zon")
            for p in (0.5, 4.99, 5, 12.6, 49.99, 50, 62, 99.99, 100, 100.01, 150, 1e15)
            for tr in (False, True) for law in (False, True)]

    def run() -> list[dict[str, Any]]:
        return [res_rules.bevoegd_gezag(t, p, transferred_to_gemeente=tr,
                                        include_expected_law=law).to_dict()
                for t, p, tr, law in grid]

    with _through_durables_host():
        expected = run()
    assert run() == expected


def test_loading_the_rules_again_reuses_the_registered_ruleset() -> None:
    """Re-running a notebook cell (load, advise, load, advise) never re-registers a name."""
    first = res_rules.advise(res_rules.load_case(EXAMPLES / "lokaal-geschil.yaml"))
    again = res_rules.advise(res_rules.load_case(EXAMPLES / "lokaal-geschil.yaml"),
                             rules=res_rules.load_rules())
    assert first.to_dict() == again.to_dict()


def test_an_edited_copy_of_the_rules_is_registered_beside_the_shipped_one(tmp_path: Path) -> None:
    """Two rule sets with different fingerprints live side by side in one process."""
    copy = tmp_path / "rules"
    shutil.copytree(RULES, copy)
    (copy / "grounds.yaml").write_text((copy / "grounds.yaml").read_text() + "\n# edited\n")
    case = res_rules.load_case(EXAMPLES / "netcongestie-deadline-gemist.yaml")
    advices = [res_rules.advise(case, rules=rs) for rs in
               (res_rules.load_rules(copy), res_rules.load_rules())]
    assert advices[0].recommendation == advices[1].recommendation
    assert advices[0].ruleset.fingerprint != advices[1].ruleset.fingerprint


def test_sessions_are_deleted_so_more_than_1024_cases_can_be_advised() -> None:
    """A ruleset holds at most 1024 open sessions; each case's session is deleted afterwards."""
    case = res_rules.load_case(EXAMPLES / "planuitval-windpark-start.yaml")
    results = {res_rules.advise(case).recommendation.value for _ in range(1100)}
    assert (results, _engine._SESSIONS) == ({"start_procedure"}, {})


def test_concurrent_calls_are_serialised_and_agree() -> None:
    """Threads advising at once neither crash the C engine nor mix up their sessions."""
    cases = [res_rules.load_case(p) for p in sorted(EXAMPLES.glob("*.yaml"))
             if not p.name.endswith(".expected.yaml")]
    expected = [res_rules.advise(c).to_dict() for c in cases]
    failures: list[Any] = []

    def work() -> None:
        for _ in range(20):
            got = [res_rules.advise(c).to_dict() for c in cases]
            if got != expected:
                failures.append(got)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []


def test_an_exception_inside_a_rule_action_is_raised_not_swallowed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """durable-rules stores action errors in the session state; the adapter raises them."""
    def explode(*_: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(_engine, "substitute", explode)
    with pytest.raises(EngineError, match="boom"):
        res_rules.bevoegd_gezag("wind", 12)
    assert _engine._SESSIONS == {}


def test_the_same_fact_twice_is_an_engine_error() -> None:
    """Identical facts in one session are refused by durable; the adapter says so clearly."""
    with pytest.raises(EngineError, match="given twice"):
        _engine.infer(res_rules.load_rules(), [context_fact(True), context_fact(True)])


def test_facts_no_rule_looks_at_are_accepted() -> None:
    """A context fact without a large solar project matches no rule and is not an error."""
    assert _engine.infer(res_rules.load_rules(), [context_fact(False)]) == []


def test_a_rule_set_with_a_gap_raises_instead_of_guessing(tmp_path: Path) -> None:
    """Without the rule for voortzetten the advice has no recommendation: an EngineError."""
    copy = tmp_path / "rules"
    shutil.copytree(RULES, copy)
    data = yaml.safe_load((copy / "procedure.yaml").read_text(encoding="utf-8"))
    data["rules"] = [r for r in data["rules"] if r["id"] != "aanbeveling.voortzetten"]
    (copy / "procedure.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    case = {"id": "x", "theme": "overig", "scope": "regionaal", "current_step": 1}
    with pytest.raises(EngineError, match="0 recommendations"):
        res_rules.advise(case, rules=res_rules.load_rules(copy))
