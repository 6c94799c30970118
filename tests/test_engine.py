"""The durable-rules adapter keeps the engine's traps away from callers."""

from __future__ import annotations

import datetime as dt
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import EXAMPLES, RULES

import res_rules
from res_rules import EngineError, _engine
from res_rules._advice import context_fact

DAY = dt.date(2026, 6, 1)


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
        _engine.infer(res_rules.load_rules(), [context_fact(True, DAY), context_fact(True, DAY)])


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
