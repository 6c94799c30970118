"""The durable-rules adapter keeps the engine's traps away from callers."""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.util
import itertools
import json
import shutil
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import EXAMPLES, ROOT, RULES
from hypothesis import given
from hypothesis import strategies as st

import res_rules
from res_rules import EngineError, _advice, _engine
from res_rules._advice import context_fact
from res_rules._rules import Rule, RuleSet, substitute

#: Dates in the regimes the tests lean on: until 2024 wind 5-100 MW is the provincie's.
WRO = dt.date(2023, 6, 1)
OMGEVINGSWET = dt.date(2025, 6, 1)


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
            firings.append(_engine.Firing(rule=rule, conclusions=conclusions))
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
    module = sys.modules.get("jsonl_batch") or importlib.util.module_from_spec(spec)
    sys.modules["jsonl_batch"] = module  # its dataclasses look themselves up there
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
    grid = [(t, p, tr, law, day) for t in ("wind", "zon")
            for p in (0.5, 4.99, 5, 12.6, 14.99, 15, 49.99, 50, 62, 99.99, 100, 100.01, 150,
                      1e5)
            for tr in (False, True) for law in (False, True)
            for day in (WRO, OMGEVINGSWET, dt.date(2026, 6, 1))]

    def run() -> list[dict[str, Any]]:
        return [res_rules.bevoegd_gezag(t, p, transferred_to_gemeente=tr, as_of=day,
                                        include_expected_law=law).to_dict()
                for t, p, tr, law, day in grid]

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


def test_a_released_rule_set_is_freed_and_compiles_again_when_used(tmp_path: Path) -> None:
    """release() frees a rule set's compiled form (mutation testing makes one per mutant);
    advising with it afterwards compiles it again and gives the same advice."""
    copy = tmp_path / "rules"
    shutil.copytree(RULES, copy)
    (copy / "grounds.yaml").write_text((copy / "grounds.yaml").read_text() + "\n# released\n")
    rules = res_rules.load_rules(copy)
    case = res_rules.load_case(EXAMPLES / "mediation-zonder-draagvlak.yaml")
    before = res_rules.advise(case, rules=rules).to_dict()
    assert rules.fingerprint in _engine._COMPILED
    _engine.release(rules)
    _engine.release(rules)  # twice is harmless
    assert rules.fingerprint not in _engine._COMPILED
    assert res_rules.advise(case, rules=rules).to_dict() == before
    assert res_rules.load_rules().fingerprint in _engine._COMPILED  # the others stay
    _engine.release(rules)


def _last_sid() -> str:
    """The session id the engine will give the next call, minus one: the last call's."""
    return str(int(str(next(_engine._COUNTER))) - 1)


def _held_by_durable(sid: str, rules: RuleSet | None = None) -> bool:
    """Whether durable-rules' C engine still holds a session ``sid`` of ``rules``."""
    import durable_rules_engine

    compiled = _engine._COMPILED[(rules or res_rules.load_rules()).fingerprint]
    try:
        durable_rules_engine.get_state(compiled.handle, sid)
    except durable_rules_engine.error:
        return False
    return True


def _open_sessions() -> int:
    """Sessions the adapter has not closed, over every compiled rule set."""
    return sum(len(c.open) for c in _engine._COMPILED.values())


def test_sessions_are_deleted_so_more_than_1024_cases_can_be_advised() -> None:
    """A ruleset holds at most 1024 open sessions; each case's session is deleted afterwards."""
    case = res_rules.load_case(EXAMPLES / "planuitval-windpark-start.yaml")
    results = {res_rules.advise(case).recommendation.value for _ in range(1100)}
    assert (results, _open_sessions(), _held_by_durable(_last_sid())) == (
        {"start_procedure"}, 0, False)


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


def _fail_actions(monkeypatch: pytest.MonkeyPatch, error: BaseException) -> None:
    """Every rule action fails with ``error``: each makes its ``Firing`` afresh (a rule whose
    conclusions read no matched fact keeps one made in advance; with ``fixed`` gone from the
    class every action takes the general way), and making one raises."""
    def firing_raising(*_: Any) -> Any:
        raise error

    monkeypatch.setattr(_engine._Action, "fixed", None)
    monkeypatch.setattr(_engine, "Firing", firing_raising)


def test_an_exception_inside_a_rule_action_names_the_rule(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """An error in a rule's action is an EngineError naming the rule, in words and as data."""
    _engine.check_ruleset(res_rules.load_rules())
    _fail_actions(monkeypatch, RuntimeError("boom"))
    with pytest.raises(EngineError) as raised:
        res_rules.bevoegd_gezag("wind", 12, as_of=WRO)
    error = raised.value
    assert (error.rule, "boom" in str(error), "recht.ew1998_wro" in str(error),
            _open_sessions(), _held_by_durable(_last_sid())) == (
        "recht.ew1998_wro", True, True, 0, False)


def test_an_engine_error_keeps_its_rule_through_pickling() -> None:
    """EngineError crosses a process boundary (pickle) with its message and rule id."""
    import pickle

    error = pickle.loads(pickle.dumps(EngineError("an action failed", rule="grond.tijd")))
    assert (type(error), error.rule, str(error)) == (
        EngineError, "grond.tijd", "an action failed (rule grond.tijd)")


@pytest.mark.parametrize("interrupt", [KeyboardInterrupt(), SystemExit(3)],
                         ids=["KeyboardInterrupt", "SystemExit"])
def test_an_interrupt_in_an_action_passes_through_unchanged(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
        capsys: pytest.CaptureFixture[str], interrupt: BaseException) -> None:
    """Ctrl-C in an action reaches the caller as itself, silently, and the session is gone."""
    _engine.check_ruleset(res_rules.load_rules())
    _fail_actions(monkeypatch, interrupt)
    with pytest.raises(type(interrupt)) as raised:
        res_rules.bevoegd_gezag("wind", 12, as_of=WRO)
    sid = _last_sid()
    monkeypatch.undo()
    after = res_rules.bevoegd_gezag("wind", 12, as_of=WRO).bevoegd_gezag
    assert (raised.value is interrupt, caplog.records, capsys.readouterr(), _open_sessions(),
            _held_by_durable(sid), after) == (True, [], ("", ""), 0, False, "provincie")


def test_a_real_sigint_during_an_action_raises_keyboardinterrupt_from_infer(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """A SIGINT while the engine runs is a KeyboardInterrupt out of infer, and nothing else."""
    import signal

    rules = res_rules.load_rules()
    _engine.check_ruleset(rules)

    firing = _engine.Firing

    def firing_with_sigint(*args: Any) -> Any:
        signal.raise_signal(signal.SIGINT)
        return firing(*args)

    monkeypatch.setattr(_engine, "Firing", firing_with_sigint)
    # Python's own handler, as a terminal user has it: a suite run as a background job (`&`)
    # starts with SIGINT ignored, and then no interrupt arrives at all.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            res_rules.advise(res_rules.load_case(EXAMPLES / "planuitval-windpark-start.yaml"))
    finally:
        signal.signal(signal.SIGINT, previous)
    monkeypatch.undo()
    advice = res_rules.advise(res_rules.load_case(EXAMPLES / "planuitval-windpark-start.yaml"))
    assert (caplog.records, _open_sessions(), advice.recommendation.value) == (
        [], 0, "start_procedure")


def test_80000_failing_calls_leave_no_session_behind(monkeypatch: pytest.MonkeyPatch) -> None:
    """Failures of every kind (duplicate, unwritable fact, action error, interrupt) leak nothing."""
    rules = res_rules.load_rules()
    _engine.check_ruleset(rules)
    project = _advice.project_fact(res_rules.Project(id="p", gemeente="Utrecht",
                                                     technology="wind", capacity_mw=12.6), "p0")
    failures: list[tuple[Callable[[], Any], type[BaseException]]] = [
        (lambda: _engine.infer(rules, [project, project]), EngineError),
        (lambda: _engine.infer(rules, [project, {"type": "x", "n": float("nan")}]), EngineError),
        (lambda: _engine.infer(rules, [project, {"type": "x", "id": 1}]), EngineError),
        (lambda: _engine.infer(rules, [project, {"type": "x", "when": object()}]), EngineError),
    ]
    caught = 0
    for index in range(60_000):
        call, error = failures[index % len(failures)]
        with contextlib.suppress(error):
            call()
            continue
        caught += 1
    for error in (RuntimeError("boom"), KeyboardInterrupt()) * 10_000:
        _fail_actions(monkeypatch, error)
        with contextlib.suppress(EngineError, KeyboardInterrupt):
            _engine.infer(rules, [project, context_fact(True, WRO)])
            continue
        caught += 1
    monkeypatch.undo()
    results = {res_rules.bevoegd_gezag("wind", 12.6, as_of=OMGEVINGSWET).bevoegd_gezag
               for _ in range(1100)}
    assert (caught, _open_sessions(), results) == (80_000, 0, {"provincie"})


def test_the_same_fact_twice_is_an_engine_error() -> None:
    """Identical facts in one session are refused by durable; the adapter says so clearly."""
    with pytest.raises(EngineError, match="given twice"):
        _engine.infer(res_rules.load_rules(), [context_fact(True, WRO), context_fact(True, WRO)])


def test_facts_no_rule_looks_at_are_accepted() -> None:
    """A project fact alone (no regime, no case) matches no complete rule and is not an error."""
    project = {"type": "project", "project": "p0", "technology": "wind", "capacity_mw": 3.0,
               "status": "gepland", "transferred": False, "waived_to": "geen"}
    assert _engine.infer(res_rules.load_rules(), [project]) == []


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


# --- numbers durable-rules' parser cannot read as Python writes them --------------------------


@pytest.mark.parametrize(("technology", "capacity", "expected"), [
    ("wind", 0.00005, "gemeente"), ("wind", 5e-324, "gemeente"), ("wind", 1e16, "rijk"),
    ("wind", 1e300, "rijk"), ("zon", 1e16, "rijk"), ("wind", 4.999999999999999, "gemeente"),
    ("wind", 100.00000000000001, "rijk"), ("wind", 1.7976931348623157e308, "rijk"),
    ("zon", 99.99999999999999, "provincie"),
])
def test_capacities_written_with_an_exponent_get_the_right_competence(
        technology: str, capacity: float, expected: str) -> None:
    """Tiny and huge capacities (Python writes them with an exponent) reach the engine exactly
    (the case format stops at 100,000 MW; the engine itself takes any finite number)."""
    fact = {"type": "project", "project": "p0", "technology": technology,
            "capacity_mw": capacity, "status": "gepland", "transferred": False,
            "waived_to": "geen"}
    firings = _engine.infer(res_rules.load_rules(),
                            [fact, context_fact(True, dt.date(2026, 3, 1))])
    assert [c["authority"] for f in firings for c in f.conclusions
            if c["type"] == "competence"] == [expected]


def test_a_tiny_capacity_in_a_case_is_advised() -> None:
    """0.00005 MW validates and advises (before, durable refused its exponent)."""
    case = {"id": "x", "theme": "planuitval", "scope": "regionaal",
            "projects": [{"id": "p", "gemeente": "Utrecht", "technology": "wind",
                          "capacity_mw": 0.00005}]}
    assert res_rules.advise(case, as_of=WRO).projects[0].bevoegd_gezag == "gemeente"


def test_a_tiny_forecast_is_read_exactly() -> None:
    """A forecast of 0.00001 TWh is below the 1.8 TWh target, and comes back as given."""
    advice = res_rules.advise({"id": "x", "theme": "planuitval", "scope": "regionaal",
                               "res_forecast_twh_2030": 0.00001})
    assert advice.to_dict()["res_target"] == {
        "target_twh": 1.8, "forecast_twh": 0.00001, "at_risk": True,
        "rules": ["opgave.in_gevaar"]}


@pytest.mark.parametrize(("capacity", "expected"), [
    (2**63 - 1, "rijk"), (2**63, "rijk"), (10**30, "rijk"), (10**400, "rijk"), (4, "gemeente"),
    (-(2**63), "gemeente"), (-(10**30), "gemeente"), (100, "provincie"), (5, "provincie"),
])
def test_integers_beyond_64_bits_compare_right(capacity: int, expected: str) -> None:
    """durable saturates integers at 64 bits; larger ones are sent so they still compare."""
    fact = {"type": "project", "project": "p", "technology": "wind", "capacity_mw": capacity,
            "status": "gepland", "transferred": False, "waived_to": "geen"}
    firings = _engine.infer(res_rules.load_rules(), [fact, context_fact(True, WRO)])
    competence = [c for f in firings for c in f.conclusions if c["type"] == "competence"]
    assert [c["authority"] for c in competence] == [expected]


def test_matched_facts_come_back_exactly_as_given() -> None:
    """A conclusion copies a matched fact's number exactly, however durable would have read it."""
    fact = {"type": "project", "project": "p", "technology": "wind", "capacity_mw": 100,
            "status": "gepland", "transferred": False, "waived_to": "geen"}
    for capacity in (100, 100.0):
        fact["capacity_mw"] = capacity
        firings = _engine.infer(res_rules.load_rules(), [fact, context_fact(True, WRO)])
        warning = [c for f in firings for c in f.conclusions if c["type"] == "warning"]
        assert [(w["capacity_mw"], type(w["capacity_mw"])) for w in warning] == [
            (capacity, type(capacity))]


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_every_finite_float_is_written_so_durable_reads_the_same_double(value: float) -> None:
    """The JSON for a float has no exponent and its digits read back as exactly that float."""
    text = _engine._float(value)
    assert ("e" in text or "E" in text, float(text), "." in text) == (False, value, True)


_PLAIN_VALUES = (st.text() | st.integers() | st.booleans() | st.none()
                 | st.floats(allow_nan=True, allow_infinity=True)
                 | st.sampled_from([2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 1e-4, 1e16,
                                    9999999999999998.0, 5e-05, -0.0, "\ud800", "\u2028\x7f"]))


@given(st.dictionaries(st.text() | st.sampled_from(["id", "sid", "type", "\ud800"]),
                       _PLAIN_VALUES, max_size=8))
def test_a_fact_of_plain_values_is_written_as_field_by_field(fact: dict[str, Any]) -> None:
    """orjson writes a plain fact (every input fact the advice gives) as the field-by-field
    writer does: its identity and what durable reads do not depend on which wrote it. What the
    field-by-field writer refuses is refused."""
    try:
        expected: str | type[Exception] = _engine._written(fact)
    except _engine._Unwritable:
        expected = _engine._Unwritable
    try:
        got: str | type[Exception] = _engine._body(fact)
    except _engine._Unwritable:
        got = _engine._Unwritable
    assert got == expected


def test_the_writer_that_wrote_an_input_fact_does_not_change_the_advice() -> None:
    """The input facts of every shared example, written either way, give the same body."""
    for path in sorted(EXAMPLES.glob("*.yaml")):
        case = res_rules.load_case(path)
        ref = case.reference_date or dt.date(2026, 11, 27)
        for fact in _advice.case_facts(case, ref):
            assert _engine._body(fact) == _engine._written(fact)


@given(st.floats(min_value=0, exclude_min=True, allow_infinity=False))
def test_the_engine_compares_any_positive_capacity_with_the_rules_like_python(
        capacity: float) -> None:
    """Competence for a wind capacity until 2024: gemeente below 5, provincie 5-100, rijk above
    100, for every positive float the engine is given."""
    expected = "gemeente" if capacity < 5 else "provincie" if capacity <= 100 else "rijk"
    fact = {"type": "project", "project": "p0", "technology": "wind", "capacity_mw": capacity,
            "status": "gepland", "transferred": False, "waived_to": "geen"}
    firings = _engine.infer(res_rules.load_rules(), [fact, context_fact(True, WRO)])
    assert [c["authority"] for f in firings for c in f.conclusions
            if c["type"] == "competence"] == [expected]


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
def test_a_fact_with_nan_or_infinity_is_refused(value: float) -> None:
    """durable reads NaN as null and cannot read infinity: such a fact is an EngineError."""
    with pytest.raises(EngineError, match="not a finite number"):
        _engine.infer(res_rules.load_rules(), [{"type": "case", "res_forecast_twh_2030": value}])


# --- rule sets durable-rules rejects -----------------------------------------------------------


def _with_condition(tmp_path: Path, rule_id: str, condition: str) -> Path:
    """A copy of the shipped rules in which ``rule_id``'s first condition is ``condition``."""
    copy = tmp_path / "rules"
    shutil.copytree(RULES, copy)
    for path in copy.glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for rule in data.get("rules", []):
            if rule["id"] == rule_id:
                alias = next(iter(rule["when"]["all"][0]))
                rule["when"]["all"][0] = {alias: yaml.safe_load(condition)}
                path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
                return copy
    raise KeyError(rule_id)


@pytest.mark.parametrize(("condition", "why"), [
    ("{$and: [{type: case}, {$mt: {theme: '0[^a][^a]{0,2}'}}]}", "error code: 507"),
    ("{$and: [{type: case}, {$mt: {theme: '[a-z'}}]}", "an unclosed class"),
    ("{$and: [{type: case}, {$mt: {theme: 'plan*+'}}]}", "a quantifier after a quantifier"),
    ("{$and: [{type: case}, {$mt: {theme: 'p?+'}}]}", "a quantifier after a quantifier"),
    ("{$and: [{type: case}, {$mt: {theme: '(a?|b)*'}}]}", "can match nothing"),
    ("{$and: [{type: case}, {$imt: {theme: '*'}}]}", "nothing to repeat"),
    ("{$and: [{type: case}, {$gt: {current_step: 10000000000000000}}]}", "below 2**53"),
    ("{$and: [{type: case}, {$lt: {res_forecast_twh_2030: 1.0e+300}}]}", "below 2**53"),
])
def test_loading_names_the_rule_durable_rejects(tmp_path: Path, condition: str,
                                                why: str) -> None:
    """A rule durable cannot compile (or would hang on) is refused when the rule set is loaded,
    with a RuleFileError naming that rule."""
    with pytest.raises(res_rules.RuleFileError) as raised:
        res_rules.load_rules(_with_condition(tmp_path, "actie.informeer_parlementen.thema",
                                             condition))
    error = raised.value
    assert (error.path, Path(error.file).name, "durable-rules rejected this rule" in str(error),
            why in str(error)) == ("actie.informeer_parlementen.thema", "actions.yaml", True, True)


def test_a_regular_expression_durable_takes_works(tmp_path: Path) -> None:
    """A sound $mt in durable's dialect compiles and matches as durable defines it."""
    rules = res_rules.load_rules(_with_condition(
        tmp_path, "actie.informeer_parlementen.thema",
        "{$and: [{type: case}, {scope: regionaal}, {$mt: {theme: 'plan[a-z]+(val|x)'}}]}"))
    _engine.check_ruleset(rules)
    actions = res_rules.advise({"id": "x", "theme": "planuitval", "scope": "regionaal"},
                               rules=rules).action_codes
    assert "informeer_parlementen" in actions


def test_a_regex_compile_that_does_not_finish_is_stopped_and_named(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Compiling a rule's regex runs in a child first; one that never finishes is refused."""
    monkeypatch.setattr(_engine, "PROBE_SECONDS", 1.0)
    names = {rule.id: f"r{i}" for i, rule in enumerate(res_rules.load_rules().rules)}
    monkeypatch.setattr(_engine, "_PROBE", "import time\n"
                        f"print('start probe_{names['actie.informeer_parlementen.thema']}', "
                        "flush=True)\ntime.sleep(60)")
    with pytest.raises(res_rules.RuleFileError, match="did not finish within 1 s") as raised:
        res_rules.load_rules(_with_condition(
            tmp_path, "actie.informeer_parlementen.thema",
            "{$and: [{type: case}, {scope: regionaal}, {$mt: {theme: 'plan.*'}}]}"))
    assert raised.value.path == "actie.informeer_parlementen.thema"


# --- processes ---------------------------------------------------------------------------------


def _advise_example(name: str) -> dict[str, Any]:
    return res_rules.advise(res_rules.load_case(EXAMPLES / name)).to_dict()


# Forking on purpose: under pytest-xdist this process has execnet's threads as well, and
# Python 3.12+ warns about any fork then; the children here only advise.
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_process_pools_advise_like_this_process(method: str) -> None:
    """Workers started by fork, spawn or forkserver compile the rules on first use and agree.

    The work goes through the package's own unit of work for worker processes
    (``_batch.advise_chunk``, as ``advise --jsonl --workers`` uses it): a spawned worker
    imports the package, never this test module.
    """
    import concurrent.futures
    import multiprocessing

    from res_rules._batch import Options, advise_chunk

    lines = [json.dumps(res_rules.case_to_mapping(res_rules.load_case(p)), default=str).encode()
             for p in sorted(EXAMPLES.glob("*.yaml"))]
    chunks = [[(number, line)] for number, line in enumerate(lines, 1)]
    expected = [advise_chunk(chunk, Options()) for chunk in chunks]
    with concurrent.futures.ProcessPoolExecutor(
            2, mp_context=multiprocessing.get_context(method)) as pool:
        got = list(pool.map(advise_chunk, chunks, [Options()] * len(chunks)))
    assert got == expected
    assert all(result.advice is not None for chunk in got for result in chunk)


# Forking a multi-threaded process is exactly what this test is about (Python 3.12+ warns).
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_fork_taken_while_another_thread_holds_the_engine_does_not_deadlock() -> None:
    """The child of a fork taken while another thread was inside the engine can still advise."""
    import multiprocessing

    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with _engine._LOCK:
            holding.set()
            release.wait(30)

    thread = threading.Thread(target=hold)
    thread.start()
    holding.wait(30)
    try:
        with multiprocessing.get_context("fork").Pool(1) as pool:
            got = pool.apply_async(_advise_example, ("lokaal-geschil.yaml",)).get(timeout=60)
    finally:
        release.set()
        thread.join()
    assert got == _advise_example("lokaal-geschil.yaml")


class _EngineProxy:
    """durable's C module, except that the first ``start_action_for_state`` raises ``error``."""

    def __init__(self, engine: Any, error: BaseException) -> None:
        self.engine = engine
        self.error: BaseException | None = error

    def __getattr__(self, name: str) -> Any:
        return getattr(self.engine, name)

    def start_action_for_state(self, *args: Any) -> Any:
        if self.error is not None:
            error, self.error = self.error, None
            raise error
        return self.engine.start_action_for_state(*args)


def test_a_session_interrupted_before_its_first_action_is_deleted_safely(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """durable frees garbage when it deletes a session no action ever started in; not here."""
    rules = res_rules.load_rules()
    _engine.check_ruleset(rules)
    for _ in range(50):
        monkeypatch.setattr(_engine, "_c", _EngineProxy(_engine._c, KeyboardInterrupt()))
        with pytest.raises(KeyboardInterrupt):
            res_rules.advise(res_rules.load_case(EXAMPLES / "planuitval-windpark-start.yaml"))
        monkeypatch.undo()
    advice = res_rules.advise(res_rules.load_case(EXAMPLES / "planuitval-windpark-start.yaml"))
    assert (_open_sessions(), advice.recommendation.value) == (0, "start_procedure")


def test_sessions_in_which_no_rule_fires_are_deleted_safely() -> None:
    """Thousands of sessions whose facts no rule matches come and go without harm."""
    rules = res_rules.load_rules()
    results = [_engine.infer(rules, [{"type": "nothing", "n": n}]) for n in range(3000)]
    assert (results == [[]] * 3000, _open_sessions()) == (True, 0)


def test_a_fact_durable_refuses_mid_session_is_an_engine_error_and_harms_nothing() -> None:
    """A fact with more fields than durable holds (252) fails cleanly after others were asserted."""
    rules = res_rules.load_rules()
    project = _advice.project_fact(res_rules.Project(id="p", gemeente="Utrecht",
                                                     technology="wind", capacity_mw=12.6), "p0")
    wide = {"type": "wide", **{f"f{i}": i for i in range(300)}}
    for _ in range(200):
        with pytest.raises(EngineError, match="more than 252 fields"):
            _engine.infer(rules, [project, context_fact(True, WRO), wide])
    assert (res_rules.bevoegd_gezag("wind", 12.6, as_of=OMGEVINGSWET).bevoegd_gezag,
            _open_sessions()) == (
        "provincie", 0)


def test_a_reused_session_is_empty_between_calls() -> None:
    """After each call every fact is retracted in one batch, and the session that the next call
    reuses holds durable's own state fact only, whatever the case (projects, no projects)."""
    import durable_rules_engine

    rules = res_rules.load_rules()
    for name in sorted(p.name for p in EXAMPLES.glob("*.yaml")):
        res_rules.advise(res_rules.load_case(EXAMPLES / name), rules=rules)
        compiled = _engine._COMPILED[rules.fingerprint]
        assert compiled.idle is not None, name
        facts = json.loads(durable_rules_engine.get_facts(compiled.handle, compiled.idle))
        assert [sorted(f) for f in facts] == [["$s", "id", "sid"]], name
