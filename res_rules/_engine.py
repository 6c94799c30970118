"""The one adapter to durable-rules. No other module imports ``durable``.

durable-rules 2.0.28 has traps this module keeps away from the rest of the library:

- ``durable.engine.Host`` starts timer threads that dispatch rulesets in the background, racing
  calls from the caller's thread (concurrent calls into the C engine segfault). We use a host
  that starts no threads, make one per process, and hold a process lock around every call.
- Re-registering a ruleset name raises (notebooks re-run cells): each rule set is registered
  once per process under a name derived from its fingerprint, and looked up after that.
- A fact that no rule's condition matches raises ``MessageNotHandledException``; for input
  facts and final conclusions that is expected, so we catch exactly that exception.
- Asserting an identical fact twice in one session raises ``MessageObservedException``: a
  conclusion that several rules (or several firings) reach is asserted once, and each firing is
  still recorded.
- Exceptions in actions are swallowed into the session state: we look for them after every
  run and raise :class:`EngineError`.
- A fact's ``id`` field is durable's own fact identity: a condition that refers to another
  fact's ``id`` silently never matches. Facts name their subject ``case_id`` or ``project``.
- A ruleset holds at most 1024 open sessions: each case gets its own session, deleted in a
  ``finally``.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs
from durable import engine as _durable

from ._errors import EngineError, RuleFileError
from ._rules import Rule, RuleSet, substitute


@attrs.frozen
class Firing:
    """One firing of one rule: the facts it matched and what it concluded."""

    rule: Rule
    bindings: Mapping[str, Mapping[str, Any]]
    conclusions: tuple[Mapping[str, Any], ...]


class _QuietHost(_durable.Host):  # type: ignore[misc]  # durable ships no types
    """A host without the background dispatch threads: every action runs in the caller's call."""

    def _run(self) -> None:
        return None

    def get_action(self, action_name: str) -> Any:
        raise EngineError(f"no action named {action_name!r}: rules carry their own actions")

    def load_ruleset(self, ruleset_name: str) -> Any:
        raise EngineError(f"ruleset {ruleset_name!r} was never registered")


class _Session:
    def __init__(self) -> None:
        self.firings: list[Firing] = []
        self.asserted: set[str] = set()


_LOCK = threading.RLock()
_HOST: _QuietHost | None = None
_REGISTERED: dict[str, str] = {}
_SESSIONS: dict[str, _Session] = {}
_COUNTER = itertools.count(1)


def _host() -> _QuietHost:
    global _HOST
    if _HOST is None:
        _HOST = _QuietHost()
    return _HOST


def _key(fact: Mapping[str, Any]) -> str:
    return json.dumps(fact, sort_keys=True, ensure_ascii=False)


def _action(rule: Rule) -> Callable[[Any], None]:
    def fire(c: Any) -> None:
        session = _SESSIONS[c.s["sid"]]
        bindings = {alias: {k: v for k, v in fact.items() if k != "sid"}
                    for alias, fact in c._m.items()}
        conclusions = tuple(substitute(template, bindings) for template in rule.then)
        session.firings.append(Firing(rule=rule, bindings=bindings, conclusions=conclusions))
        for conclusion in conclusions:
            key = _key(conclusion)
            if key in session.asserted:
                continue
            session.asserted.add(key)
            # A final conclusion (an action, a warning) matches no rule: durable then raises.
            with contextlib.suppress(_durable.MessageNotHandledException):
                c.assert_fact(dict(conclusion))

    return fire


def _register(ruleset: RuleSet) -> str:
    name = _REGISTERED.get(ruleset.fingerprint)
    if name is not None:
        return name
    name = f"res_rules_{ruleset.fingerprint[:16]}"
    definition = {
        rule.id: {**json.loads(json.dumps(rule.when)), "run": _action(rule)}
        for rule in ruleset.rules
    }
    try:
        _host().register_rulesets({name: definition})
    except Exception as exc:  # durable raises bare Exception and C errors for a bad definition
        raise RuleFileError(ruleset.directory, "",
                            f"durable-rules rejected the rule set: {exc}") from None
    _REGISTERED[ruleset.fingerprint] = name
    return name


def check_ruleset(ruleset: RuleSet) -> None:
    """Register ``ruleset`` with durable-rules now, so a rule it rejects is reported at load."""
    with _LOCK:
        _register(ruleset)


def _state(host: _QuietHost, name: str, sid: str) -> dict[str, Any]:
    """The session's state; empty when no fact was ever handled (durable then has none)."""
    try:
        state: dict[str, Any] = host.get_state(name, sid)
    except Exception:  # durable raises a bare C error for a session that never held state
        return {}
    return state


def infer(ruleset: RuleSet, facts: Sequence[Mapping[str, Any]]) -> list[Firing]:
    """Assert ``facts`` into a fresh session of ``ruleset``; every firing, in order.

    The facts are plain JSON-ready mappings, each with a ``type``. The session is deleted
    before this returns, whatever happens.
    """
    with _LOCK:
        name = _register(ruleset)
        sid = f"s{next(_COUNTER)}"
        session = _SESSIONS[sid] = _Session()
        host = _host()
        try:
            for fact in facts:
                message = {**fact, "sid": sid}
                session.asserted.add(_key(fact))
                try:
                    host.assert_fact(name, message)
                except _durable.MessageNotHandledException:
                    pass  # an input fact no rule looks at (a context without zon >= 50 MW)
                except _durable.MessageObservedException:
                    raise EngineError(f"the same fact was given twice: {fact}") from None
            state = _state(host, name, sid)
            if state.get("exception"):
                raise EngineError(f"a rule action failed: {state['exception']}")
            return session.firings
        finally:
            del _SESSIONS[sid]
            # durable raises a bare C error when deleting a session that never held state.
            with contextlib.suppress(Exception):
                host.delete_state(name, sid)
