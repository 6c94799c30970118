"""The one adapter to durable-rules. No other module imports ``durable``.

We drive durable-rules' C engine (``durable_rules_engine``) directly: durable's Python host
(``durable.engine.Host``/``Ruleset``) is not used at all. Its traps, and how each is handled:

- ``Host`` starts timer threads that dispatch rulesets in the background, racing calls from the
  caller's thread (concurrent calls into the C engine segfault). We start no threads: every
  action runs in the caller's call, under one process-wide lock (re-entrant, re-created in a
  forked child so a fork taken while another thread held it cannot deadlock the child).
- ``Host`` catches ``BaseException`` in actions, stores it as text in the session state and
  logs it with durable's logger, so Ctrl-C became an engine failure with a printed traceback.
  We run the actions ourselves: an ``Exception`` in a rule's action becomes
  :class:`EngineError` naming the rule (``.rule`` holds its id); any other ``BaseException``
  (``KeyboardInterrupt``, ``SystemExit``) passes through unchanged. The session is deleted
  either way, and durable's logger is never involved.
- ``Host`` serialises every fact, and the whole session state after every action, with
  ``json.dumps``, and parses it back; the old adapter serialised each conclusion once more as
  its duplicate key. We serialise each fact once, keys sorted, and that text is also its
  identity (conclusions with constant content are serialised once per rule set, and only the
  matched values of the others), never send the state, and read an action's matched facts back
  by their ``id`` instead of parsing their content.
- Re-registering a ruleset name raises in ``Host`` (notebooks re-run cells). The C engine keeps
  no registry of names: each rule set is compiled once per process under a name derived from its
  fingerprint and looked up by fingerprint after that; another fingerprint lives beside it.
- durable's JSON number parser reads ``-?digits(.digits(e[+-]digits)?)?`` only: an exponent
  without a fraction (``5e-05``, ``1e+16``, Python's ``repr`` of small and large floats) is
  "error code: 204", and ``NaN`` is read as null. We write every finite float positionally from
  its shortest ``repr`` digits (``0.00005``, ``10000000000000000.0``; ``5e-324`` is 327
  characters): the engine's ``atof`` reads back exactly the same double. Integers within 64 bits
  go as integers; the engine reads larger ones with a saturating ``atoll`` (every integer above
  2**63 - 1 would equal every other), so we send those as ``digits.0``, a double the engine
  rounds to the nearest value (infinity beyond 1.8e308). durable compares an integer with a
  double in double precision, so that is exact as long as the rules' numeric literals stay
  below 2**53 in magnitude: :func:`check_ruleset` refuses larger literals, ``inf`` and ``nan``.
  Facts with ``nan`` or ``inf`` are refused with :class:`EngineError`. The matched facts an
  action receives are the Python objects we asserted (found by ``id``), so values never pass
  through durable's number parser on the way back.
- ``assert_facts`` (a batch) stops silently at the first fact it cannot parse and reports
  success for the facts before it; when it parsed none it returns an uninitialised state offset.
  We assert one fact at a time with ``assert_fact``, which reports every parse error. At the end
  of a call its facts are retracted in one ``retract_facts`` batch, and the session is reused
  only when ``get_facts`` then shows its state fact alone; else it is deleted. durable finds a
  fact to retract by its ``id`` alone (it deletes the message it stored under that id, wherever
  the rules hold it), so each is retracted as ``{"id":N,"sid":...}``: less JSON to parse again.
- A fact's identity is its ``id`` field (else a hash of its content), looked up in a 32-bit hash
  index: a second fact that collides with an earlier one is refused as "already observed". We
  give every fact its own ``id`` (its position in the session), detect identical facts ourselves
  by their canonical JSON, and treat "already observed" as an engine failure, never as a
  duplicate to drop. Input facts may not carry ``id`` or ``sid`` (durable's session key); a
  condition that refers to another fact's ``id`` would silently never match. Facts name their
  subject ``case_id`` or ``project``.
- A fact that no rule's condition matches is "not handled" (``Host`` raises
  ``MessageNotHandledException``); for input facts and final conclusions that is expected.
- Asserting an identical fact twice in one session is refused: a conclusion that several rules
  (or several firings) reach is asserted once, and each firing is still recorded. The same input
  fact twice is an :class:`EngineError` ("given twice").
- Deleting a session frees its "action context", which durable leaves uninitialised until an
  action has started in that session: deleting a session in which none has started (no rule
  fired yet, or an interrupt struck between the first fact and the first action) frees garbage
  and crashes the process (``free(): invalid pointer``, or a segfault; whether it does depends
  on what the heap held before). We compile one rule of our own, the primer, that matches the
  state fact durable adds to each session, so there is always an action to start; a session
  closed before any action started first gets one started (``update_state`` then
  ``start_action_for_state``), and only then is deleted. (A rule of the rule set whose
  condition only says what a fact lacks would match that state fact too: an EngineError.)
- A ruleset holds at most 1024 open sessions (more is reported as ``MemoryError``), and sessions
  are found by a 32-bit hash of their ``sid``. Each call gets its own ``sid`` and its session is
  deleted in a ``finally``; a session left open by an interrupt that struck inside that
  ``finally`` (or by a fork taken while another thread was inside a call) is deleted on the next
  call. If deleting ever fails, the compiled rule set is dropped and compiled afresh on the next
  call, so no session can meet another's facts.
- durable's regular expressions (``$mt``, ``$imt``) are its own dialect (``%`` escapes, ``%d``
  classes, whole-string match) compiled from an NFA to a DFA in C while holding the GIL. Some
  patterns make that compiler loop forever at 100% CPU, beyond the reach of Ctrl-C: a
  quantifier after a quantifier (``a*+``, ``a?+``), a quantified group that can match nothing
  (``(a?|b)*``). :func:`check_ruleset` refuses those forms, and compiles each rule that holds a
  regular expression in a child process first, with a timeout, before compiling it here.
  (``res-rules verify`` hung for a second reason too: its pool workers raised a
  :class:`RuleFileError` that cannot be unpickled, which leaves ``Pool.map`` waiting forever.)
- A fact holds at most 252 fields (255 with ``id``, ``sid`` and one spare; error 302), and a
  field is found by a 32-bit hash of its name: two names with the same hash in one fact would
  be one field. Field names are short words here; not checked.
- After each input fact the rules run until none fires, as durable's own host does, so the
  firings come in the same order as before; conclusions are asserted from inside the action
  that drew them, as ``Host`` does.
- ``create_ruleset`` reports a bad rule set only as an error code; :func:`check_ruleset` compiles
  rule by rule to name the rule durable rejects.
"""

from __future__ import annotations

import functools
import itertools
import os
import re
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from json.encoder import encode_basestring
from typing import Any, NamedTuple

import durable_rules_engine as _c  # type: ignore[import-not-found]  # C extension, no types
import orjson

from ._errors import EngineError, RuleFileError
from ._rules import Rule, RuleSet, fact_type_of, substitute, template_reference


class Firing(NamedTuple):
    """One firing of one rule: what it concluded. ``keys`` holds each conclusion's canonical
    JSON fields (keys sorted, without the braces; equal conclusions have equal keys), for
    grouping them. (A named tuple: made a dozen times per advice, and a tuple is made in a
    third of the time an attrs class takes.)"""

    rule: Rule
    #: Shared between firings of a rule whose conclusions read no matched fact: never mutate.
    conclusions: tuple[Mapping[str, Any], ...]
    keys: tuple[str, ...] = ()


# --- JSON the way durable's C parser reads it -----------------------------------------------

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
#: Below this magnitude every integer is a double exactly: durable compares ints with doubles
#: in double precision, so a rule's literal must stay below it to compare exactly.
_EXACT = 2**53
_RESERVED = frozenset({"id", "sid"})


class _Unwritable(ValueError):
    """A value durable-rules cannot be given (the message says which and why)."""


def _float(value: float) -> str:
    text = float.__repr__(value)  # a subclass's repr (numpy: 'np.float64(1.5)') is not JSON
    if "e" in text:  # durable cannot read exponents: write the same digits positionally
        text = format(Decimal(text), "f")
        if "." not in text:
            text += ".0"
    elif text in ("inf", "-inf", "nan"):
        raise _Unwritable(f"{value!r} is not a finite number")
    return text


def _value(value: Any) -> str:
    """``value`` as durable's JSON; exact for every finite float and every int."""
    if isinstance(value, str):
        return encode_basestring(value)
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        if _INT64_MIN <= value <= _INT64_MAX:
            return int.__repr__(value)  # not str(): an IntEnum's str is its name
        try:
            return f"{int.__repr__(value)}.0"  # a double in the engine; see the docstring
        except ValueError as exc:  # more digits than int -> str allows
            raise _Unwritable(f"an integer with more digits than Python will print: {exc}"
                              ) from None
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, list | tuple):
        return "[" + ",".join(_value(v) for v in value) + "]"
    raise _Unwritable(f"{value!r} ({type(value).__name__}) is not a plain JSON value")


_KEYS: dict[str, str] = {}  # field name -> its JSON, for the few names facts use


def _key(key: Any) -> str:
    text = _KEYS.get(key)
    if text is None:
        if not isinstance(key, str):
            raise _Unwritable(f"field name {key!r} is not a string")
        if key in _RESERVED:
            raise _Unwritable(f"field {key!r} is durable-rules' own (fact and session identity)")
        text = encode_basestring(key) + ":"
        if len(_KEYS) < 4096:
            _KEYS[key] = text
    return text


#: Value types orjson writes exactly as :func:`_value` does (for ints: within 64 bits).
_PLAIN = frozenset({str, int, bool, type(None)})


def _body(fact: Mapping[str, Any]) -> str:
    """The fact's fields as durable's JSON, keys sorted, without braces: its identity."""
    # A dict of plain values (every input fact the advice gives) is written by orjson, which
    # writes them as :func:`_written` does (tests/test_engine.py compares the two on any such
    # dict): strings escaped alike, keys in the same order, floats by the same shortest digits,
    # positionally within these bounds. Anything else, or what orjson refuses, is _written.
    if type(fact) is dict and _RESERVED.isdisjoint(fact):
        for value in fact.values():
            kind = type(value)
            if kind is float:
                if not (1e-4 <= abs(value) < 1e16 or value == 0.0):  # (also nan)
                    break
            elif kind not in _PLAIN or (kind is int and not
                                        _INT64_MIN <= value <= _INT64_MAX):
                break
        else:
            try:
                return orjson.dumps(fact, option=orjson.OPT_SORT_KEYS)[1:-1].decode()
            except orjson.JSONEncodeError:  # a key that is not a string, a lone surrogate
                pass
    return _written(fact)


def _written(fact: Mapping[str, Any]) -> str:
    """:func:`_body` for any fact, field by field."""
    parts = []
    for key in sorted(fact):
        name = _KEYS.get(key) or _key(key)  # (the few names facts use are known)
        value = fact[key]
        kind = type(value)
        if kind is str:
            parts.append(name + encode_basestring(value))
        elif kind is float:
            parts.append(name + _float(value))
        else:
            parts.append(name + _value(value))
    return ",".join(parts)


def _condition(value: Any, where: str) -> str:
    """A rule's condition as durable's JSON; numeric literals checked for exact comparison."""
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{encode_basestring(str(k))}:{_condition(v, f'{where}.{k}')}"
                              for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_condition(v, f"{where}[{i}]") for i, v in enumerate(value)) + "]"
    # not (-2**53 < x < 2**53) also holds for inf and nan
    if isinstance(value, int | float) and not isinstance(value, bool) and not (
            -_EXACT < value < _EXACT):
        raise _Unwritable(f"{where}: the number {value!r} cannot be compared exactly: durable "
                          f"compares integers with doubles in double precision, so a literal "
                          f"must be finite and below 2**53 in magnitude")
    return _value(value)


# --- durable's regular-expression dialect ------------------------------------------------------

_RX_QUANTIFIERS = "*+?{"
_RX_ESCAPES = frozenset(".|?*+()[]{}%acdglpsuwx")
_RX_INTERVAL = re.compile(r"\{(\d{1,3})(?:(,)(\d{1,3})?)?\}")


class _Regex:
    """A recursive-descent reader of durable's regex dialect, refusing what can hang it.

    Accepts: literals, ``.``, ``%x`` escapes, classes ``[a-z%d]``/``[^...]``, groups ``(...)``,
    alternatives ``|``, and at most one quantifier (``*``, ``+``, ``?``, ``{n}``, ``{n,}``,
    ``{n,m}`` with m <= 100) after a literal, a class or a group that cannot match nothing.
    """

    def __init__(self, pattern: str) -> None:
        self.p = pattern
        self.i = 0

    def fail(self, why: str) -> _Unwritable:
        return _Unwritable(f"regular expression {self.p!r} at position {self.i}: {why}")

    def check(self) -> None:
        self.alternatives()
        if self.i != len(self.p):
            raise self.fail(f"unexpected {self.p[self.i]!r}")

    def alternatives(self) -> bool:
        """Read ``seq|seq|...``; whether it can match the empty string."""
        nullable = False
        while True:
            nullable = self.sequence() or nullable
            if self.i < len(self.p) and self.p[self.i] == "|":
                self.i += 1
                continue
            return nullable

    def sequence(self) -> bool:
        items = 0
        nullable = True
        while self.i < len(self.p) and self.p[self.i] not in "|)":
            atom_nullable = self.atom()
            items += 1
            if self.i < len(self.p) and self.p[self.i] in _RX_QUANTIFIERS:
                if atom_nullable:
                    raise self.fail("a quantifier on something that can match nothing "
                                    "(durable's regex compiler loops forever on it)")
                atom_nullable = self.quantifier()
                if self.i < len(self.p) and self.p[self.i] in _RX_QUANTIFIERS:
                    raise self.fail("a quantifier after a quantifier (durable's regex "
                                    "compiler loops forever on it)")
            nullable = nullable and atom_nullable
        if not items:
            raise self.fail("an empty alternative or group")
        return nullable

    def quantifier(self) -> bool:
        char = self.p[self.i]
        if char != "{":
            self.i += 1
            return char != "+"
        match = _RX_INTERVAL.match(self.p, self.i)
        if not match:
            raise self.fail("an interval must be {n}, {n,} or {n,m}")
        low = int(match.group(1))
        high = low if not match.group(2) else int(match.group(3) or 0)
        if (match.group(3) is not None or not match.group(2)) and not 1 <= high <= 100:
            raise self.fail("an interval's upper bound must be 1-100")
        if high and low > high:
            raise self.fail("an interval's lower bound is above its upper bound")
        self.i = match.end()
        return low == 0

    def atom(self) -> bool:
        char = self.p[self.i]
        if char == "(":
            self.i += 1
            nullable = self.alternatives()
            if self.i >= len(self.p) or self.p[self.i] != ")":
                raise self.fail("an unclosed group")
            self.i += 1
            return nullable
        if char == "[":
            self.character_class()
            return False
        if char == "%":
            if self.i + 1 >= len(self.p) or self.p[self.i + 1] not in _RX_ESCAPES:
                raise self.fail("'%' must escape one of .|?*+()[]{}% or name a class "
                                "(%a %c %d %g %l %p %s %u %w %x)")
            self.i += 2
            return False
        if char in _RX_QUANTIFIERS:
            raise self.fail("a quantifier with nothing to repeat")
        if char in "]}":
            raise self.fail(f"{char!r} must be escaped as '%{char}'")
        self.i += 1
        return False

    def character_class(self) -> None:
        self.i += 1
        if self.i < len(self.p) and self.p[self.i] == "^":
            self.i += 1
        items = 0
        while self.i < len(self.p) and self.p[self.i] != "]":
            char = self.p[self.i]
            if char == "%":
                if self.i + 1 >= len(self.p) or self.p[self.i + 1] not in _RX_ESCAPES:
                    raise self.fail("a bad '%' escape in a class")
                self.i += 2
            elif char == "-":
                raise self.fail("a '-' in a class must stand between two characters")
            elif self.p[self.i + 1: self.i + 2] == "-" and self.p[self.i + 2: self.i + 3] not in (
                    "", "]", "%", "-"):
                if self.p[self.i + 2] < char:
                    raise self.fail("a range from a higher to a lower character")
                self.i += 3
            else:
                self.i += 1
            items += 1
        if self.i >= len(self.p):
            raise self.fail("an unclosed class")
        if not items:
            raise self.fail("an empty class ('[]' and '[^]' mean something else in durable)")
        self.i += 1


def _regexes(value: Any) -> Iterator[str]:
    """Every pattern of a ``$mt``/``$imt`` in a condition."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key in ("$mt", "$imt") and isinstance(item, Mapping):
                yield from (v for v in item.values() if isinstance(v, str))
            yield from _regexes(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _regexes(item)


_PROBE = """
import sys
import durable_rules_engine as engine
for line in sys.stdin:
    name, _, definition = line.rstrip("\\n").partition("\\t")
    print("start", name, flush=True)
    try:
        engine.delete_ruleset(engine.create_ruleset(name, definition))
    except Exception:
        pass
    print("done", name, flush=True)
"""
#: How long a child process may take to compile the rules that hold regular expressions.
PROBE_SECONDS = 10.0


def _probe(definitions: Mapping[str, str]) -> str | None:
    """Compile ``definitions`` (name -> rule set JSON) in a child; the name that hangs, if any."""
    if not definitions or not sys.executable:
        return None
    import subprocess  # (only rules with regular expressions need it: 2 ms of a start else)

    lines = "".join(f"{name}\t{text}\n" for name, text in definitions.items())
    try:
        subprocess.run([sys.executable, "-c", _PROBE], input=lines, capture_output=True,
                       text=True, timeout=PROBE_SECONDS, check=False)
    except subprocess.TimeoutExpired as exc:
        output = exc.stdout.decode() if isinstance(exc.stdout, bytes) else exc.stdout or ""
        started = [line.split(" ", 1)[1] for line in output.splitlines()
                   if line.startswith("start ")]
        return started[-1] if started else next(iter(definitions))
    except OSError:
        return None  # no child process here: the dialect check above is all we have
    return None


# --- compiled rule sets ------------------------------------------------------------------------


def _error_code(exc: BaseException) -> int | None:
    match = re.search(r"error code: (\d+)", str(exc))
    return int(match.group(1)) if match else None


_CODES = {
    101: "out of memory (or more than 1024 open sessions)",
    102: "a value of an unexpected type", 103: "a name that is too long",
    104: "an unexpected value", 105: "an unexpected name", 106: "too many rules",
    107: "too many 'exists' conditions", 108: "too many joins",
    109: "a condition without an alias", 113: "too many expressions",
    201: "a value it cannot parse", 202: "a string it cannot parse",
    203: "a number it cannot parse", 204: "an object it cannot parse",
    205: "an array it cannot parse", 302: "more than 252 fields in one fact",
    303: "nesting too deep", 304: "too many facts in one match",
    313: "a fact that is too large", 314: "a field that is too large",
    501: "a regular expression it cannot parse", 502: "a regular expression too complex",
    503: "a regular expression too complex", 504: "a regular expression too complex",
    507: "a regular expression whose classes overlap in a way it cannot compile",
    508: "an invalid regular expression",
}


def _explain(exc: BaseException) -> str:
    code = _error_code(exc)
    return f"{exc} ({_CODES[code]})" if code in _CODES else str(exc)


class _Template:
    """One conclusion template of a rule, with what can be known before any firing.

    ``substitute`` decides what a template reads: a key whose value reads no matched fact is
    the same in every firing, so its JSON is written once here; a template that reads none is
    a constant conclusion, serialised once.
    """

    __slots__ = ("asserted", "body", "constant", "fills", "pairs", "pieces", "slots",
                 "template")

    def __init__(self, template: Mapping[str, Any], consumed: frozenset[str]) -> None:
        self.template = template
        #: Whether the conclusion goes back into the engine: only when some rule's condition
        #: tests facts of its type (an action or a warning no rule reads is only recorded).
        self.asserted = template.get("type") in consumed
        #: (key, alias, field) for a value read from a matched fact, (key, None, value) else:
        #: what ``substitute`` does, worked out once.
        self.fills = tuple((key, *reference) if (reference := template_reference(value))
                           else (key, None, value) for key, value in template.items())
        reads = {key for key in template if _reads({key: template[key]})}
        #: The conclusion when it reads no matched fact (the same every firing), else None.
        self.constant = None if reads else substitute(template, _Reads())
        #: Sorted keys filled from the matched facts, and the JSON around them.
        self.slots = tuple(sorted(reads))
        self.pieces: tuple[str, ...] = ()
        self.body: str | None = None  # the constant conclusion's JSON
        try:
            if self.constant is not None:
                self.body = _body(self.constant)
            else:
                pieces: list[str] = []
                text = ""
                for key in sorted(template):
                    if key in reads:
                        pieces.append(text + ("," if text or pieces else "") + _key(key))
                        text = ""
                    else:
                        text += ("," if text or pieces else "") + _key(key) + _value(template[key])
                self.pieces = (*pieces, text)
        except _Unwritable:
            self.body, self.pieces = None, ()  # raised, naming the rule, when it fires
        #: Each slot with the JSON after its value (a zip per firing cost more than the rest).
        self.pairs = tuple(zip(self.slots, self.pieces[1:], strict=True)) if self.pieces else ()

    def make(self, bindings: Mapping[str, Mapping[str, Any]]) -> tuple[dict[str, Any], str]:
        """The conclusion from the matched facts, and its body (as :func:`_body` writes it),
        from the pieces when it can: the conclusion has the template's keys, so only the
        values read from the facts are written."""
        if self.constant is not None:
            conclusion = dict(self.constant)
            return conclusion, self.body if self.body is not None else _body(conclusion)
        conclusion = {key: bindings[alias].get(field) if alias is not None else field
                      for key, alias, field in self.fills}
        pieces = self.pieces
        if not pieces:
            return conclusion, _body(conclusion)
        text = pieces[0]
        for slot, piece in self.pairs:
            value = conclusion[slot]  # mostly codes: the common kinds without a call
            text += (encode_basestring(value) if type(value) is str else _value(value)) + piece
        return conclusion, text


def _reads(template: Mapping[str, Any]) -> bool:
    """Whether ``substitute`` reads a matched fact to fill ``template``."""
    probe = _Reads()
    substitute(template, probe)
    return probe.read


class _Reads(dict[str, Mapping[str, Any]]):
    """Bindings that record whether a template reads any matched fact."""

    read = False

    def __getitem__(self, alias: str) -> Mapping[str, Any]:
        self.read = True
        return {}


class _Action:
    """What a rule does when it fires: its templates, and for a rule whose conclusions read no
    matched fact (most rules), those conclusions, their JSON and what to assert, made once."""

    __slots__ = ("fixed", "rule", "templates")

    def __init__(self, rule: Rule, consumed: frozenset[str]) -> None:
        self.rule = rule
        self.templates = tuple(_Template(t, consumed) for t in rule.then)
        #: The firing (the same every time) and what it asserts, when no conclusion reads a
        #: matched fact.
        self.fixed: tuple[Firing, tuple[tuple[Mapping[str, Any], str], ...]] | None = None
        if all(t.constant is not None and t.body is not None for t in self.templates):
            conclusions = tuple(t.constant for t in self.templates if t.constant is not None)
            keys = tuple(t.body for t in self.templates if t.body is not None)
            self.fixed = (Firing(rule, conclusions, keys),
                          tuple((c, k) for t, c, k in zip(self.templates, conclusions, keys,
                                                          strict=True) if t.asserted))


class _Compiled:
    """A rule set compiled into durable's C engine in this process."""

    def __init__(self, ruleset: RuleSet) -> None:
        self.ruleset = ruleset
        self.names = {f"r{i}": rule for i, rule in enumerate(ruleset.rules)}
        consumed = frozenset(fact_type_of(condition) or "" for rule in ruleset.rules
                             for items in rule.when.values() for item in items
                             for condition in item.values())
        self.actions = {name: _Action(rule, consumed) for name, rule in self.names.items()}
        self.handle: int = _compile(ruleset, self.names)
        #: Sessions that may hold a state in the engine, by sid (closed on the next call when
        #: their call is gone: an interrupt inside ``infer``'s ``finally``, or a fork).
        self.open: dict[str, _Session] = {}
        #: A session whose state is empty again (every fact it held retracted), for the next
        #: call: creating a session's state in durable (it clears about 8 KB per condition of
        #: every rule) costs more than the rest of a call.
        self.idle: str | None = None


def _definitions(ruleset: RuleSet, names: Mapping[str, Rule]) -> dict[str, str]:
    """Each rule's condition as durable's JSON, checked; RuleFileError names the rule."""
    texts = {}
    for name, rule in names.items():
        try:
            for pattern in _regexes(rule.when):
                _Regex(pattern).check()
            texts[name] = _condition(rule.when, "when")
        except _Unwritable as exc:
            raise RuleFileError(rule.file, rule.id,
                                f"durable-rules rejected this rule: {exc}") from None
    return texts


def _create(name: str, definitions: Mapping[str, str]) -> int:
    text = "{" + ",".join(f"{encode_basestring(k)}:{v}" for k, v in definitions.items()) + "}"
    return int(_c.create_ruleset(name, text))


def _compile(ruleset: RuleSet, names: Mapping[str, Rule]) -> int:
    definitions = _definitions(ruleset, names)
    with_regex = {f"probe_{name}": "{" + encode_basestring(name) + ":" + text + "}"
                  for name, text in definitions.items() if "$mt" in text or "$imt" in text}
    hangs = _probe(with_regex)
    if hangs is not None:
        rule = names[hangs.removeprefix("probe_")]
        raise RuleFileError(rule.file, rule.id,
                            f"durable-rules rejected this rule: compiling its regular expression "
                            f"did not finish within {PROBE_SECONDS:g} s")
    name = f"res_rules_{ruleset.fingerprint[:16]}"
    try:
        return _create(name, {**definitions, _PRIMER: _PRIMER_RULE})
    except Exception as whole:  # a C error with a code: find the rule it is about
        done: dict[str, str] = {}
        for rule_name, text in definitions.items():
            done[rule_name] = text
            for attempt in ({rule_name: text}, done):
                try:
                    _c.delete_ruleset(_create(f"{name}_check", attempt))
                except Exception as exc:
                    rule = names[rule_name]
                    raise RuleFileError(rule.file, rule.id,
                                        f"durable-rules rejected this rule: {_explain(exc)}"
                                        ) from None
        raise RuleFileError(ruleset.directory, "",
                            f"durable-rules rejected the rule set: {_explain(whole)}") from None


#: A rule of our own that matches each session's state fact, which durable asserts with the
#: session's first fact: an action to start in every session (see :func:`_close`).
_PRIMER = "primer"
_PRIMER_RULE = '{"all":[{"m":{"$s":1}}]}'
#: How durable writes a session's state fact; none of our facts contains it outside a string.
_STATE_FACT = '{ "sid":'

_LOCK = threading.RLock()
_COMPILED: dict[str, _Compiled] = {}
_ACTIVE: set[str] = set()
_COUNTER = itertools.count(1)


def _after_fork_in_child() -> None:
    """A fresh lock: another thread of the parent may have held it when the fork was taken."""
    global _LOCK
    _LOCK = threading.RLock()
    _ACTIVE.clear()  # the sessions those threads had open are stale here; closed on next use


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _compiled(ruleset: RuleSet) -> _Compiled:
    compiled = _COMPILED.get(ruleset.fingerprint)
    if compiled is None:
        compiled = _COMPILED[ruleset.fingerprint] = _Compiled(ruleset)
    elif compiled.open and compiled.open.keys() - _ACTIVE:  # left by an interrupt or a fork
        for sid in compiled.open.keys() - _ACTIVE:
            _close(compiled.open[sid])
    return compiled


def _close(session: _Session) -> None:
    """Delete the session's state in durable; never raises.

    durable frees the session's action context when it deletes the session, and that context
    is uninitialised memory until an action has started in it (freeing it crashes the
    process). The primer rule matches the session's own state fact, so there is always an
    action to start: when none has started yet, we start one before deleting. When anything
    fails here, the compiled rule set is dropped (the next call compiles afresh) rather than
    risk a later session meeting this one's facts.
    """
    compiled, sid = session.compiled, session.sid
    handle = compiled.handle
    try:
        if not session.started:
            offset = _c.update_state(handle, f'{{"sid":"{sid}","id":"sid-{sid}","$s":1}}')
            if _c.start_action_for_state(handle, offset) is None:
                raise EngineError("durable-rules offered no action to start before deleting")
        _c.delete_state(handle, sid)
    except Exception:
        if _COMPILED.get(compiled.ruleset.fingerprint) is compiled:
            del _COMPILED[compiled.ruleset.fingerprint]
    compiled.open.pop(sid, None)


def release(ruleset: RuleSet) -> None:
    """Free ``ruleset``'s compiled form in durable-rules, if this process has one.

    A rule set stays compiled for the life of the process, which is right for the few a
    program uses; a caller that makes many short-lived ones (mutation testing makes one per
    mutant, about 1 MB each in durable) releases each when done. The next call with it simply
    compiles again.
    """
    with _LOCK:
        compiled = _COMPILED.pop(ruleset.fingerprint, None)
        if compiled is None:
            return
        for session in list(compiled.open.values()):
            _close(session)
        try:
            if compiled.idle is not None:
                _c.delete_state(compiled.handle, compiled.idle)
            _c.delete_ruleset(compiled.handle)
        except Exception:  # freeing memory: nothing is left to get wrong
            pass


def check_ruleset(ruleset: RuleSet) -> None:
    """Compile ``ruleset`` into durable-rules (once per process); RuleFileError names a rule it
    rejects.

    Besides durable's own errors, refuses what durable would take but get wrong or hang on: a
    numeric literal of 2**53 or more in magnitude (or inf, nan), and a regular expression in a
    form that makes durable's regex compiler loop forever.
    """
    with _LOCK:
        _compiled(ruleset)


def infer(ruleset: RuleSet, facts: Sequence[Mapping[str, Any]]) -> list[Firing]:
    """Assert ``facts`` into a fresh session of ``ruleset``; every firing, in order.

    The facts are plain JSON-ready mappings, each with a ``type``. After each input fact the
    rules run until none fires (as durable's own host does); conclusions are asserted back as
    facts. The session is deleted before this returns, whatever happens.
    """
    with _LOCK:
        compiled = _compiled(ruleset)
        reused, compiled.idle = compiled.idle, None
        session = _Session(compiled, reused or str(next(_COUNTER)), reused=reused is not None)
        _ACTIVE.add(session.sid)
        emptied = False
        try:
            firings = session.run(facts)
            emptied = session.retract_all()
            return firings
        finally:
            _ACTIVE.discard(session.sid)
            if emptied:
                compiled.open.pop(session.sid, None)
                compiled.idle = session.sid
            elif session.sid in compiled.open:
                _close(session)


@functools.lru_cache(maxsize=32)  # (a case of 1,000 projects: about 160 KB of text)
def _retractions(sid: str, count: int) -> str:
    """The facts with ids ``count - 1`` down to 0 of session ``sid``, as durable retracts them:
    by id (a call's facts are numbered from 0, so the same few texts serve every call)."""
    return "[" + ",".join(f'{{"id":{number},"sid":"{sid}"}}'
                          for number in range(count - 1, -1, -1)) + "]"


class _Session:
    __slots__ = ("actions", "asserted", "compiled", "facts", "firings", "handle", "prefix",
                 "sid", "started")

    def __init__(self, compiled: _Compiled, sid: str, *, reused: bool = False) -> None:
        self.compiled = compiled
        self.handle = compiled.handle
        self.actions = compiled.actions
        self.sid = sid
        self.prefix = f',"sid":"{sid}",'
        self.facts: list[Mapping[str, Any]] = []
        self.asserted: set[str] = set()
        self.firings: list[Firing] = []
        #: Whether an action has started in durable (see :func:`_close`); a reused session
        #: has had actions before.
        self.started = reused

    def _assert(self, fact: Mapping[str, Any], body: str) -> int:
        """Assert one fact (its canonical ``body``); durable's state offset of the session."""
        number = len(self.facts)
        self.facts.append(fact)
        text = f'{{"id":{number}{self.prefix}{body}}}'
        try:
            code, offset = _c.assert_fact(self.handle, text)
        except Exception as exc:
            raise EngineError(f"durable-rules refused the fact {dict(fact)}: {_explain(exc)}"
                              ) from None
        if code == 2:
            raise EngineError(f"durable-rules took the fact {dict(fact)} for an earlier one "
                              f"(its fact index is a 32-bit hash)")
        return offset  # type: ignore[no-any-return]  # an int: durable builds it with "II"

    def run(self, facts: Sequence[Mapping[str, Any]]) -> list[Firing]:
        given = []
        for fact in facts:  # every fact is written before the session exists in durable
            try:
                body = _body(fact)
            except _Unwritable as exc:
                raise EngineError(f"durable-rules cannot be given the fact {fact}: {exc}"
                                  ) from None
            if body in self.asserted:
                raise EngineError(f"the same fact was given twice: {fact}")
            self.asserted.add(body)
            given.append((dict(fact), body))
        if given:
            self.compiled.open[self.sid] = self
        handle = self.handle
        for fact, body in given:
            offset = self._assert(fact, body)
            started = _c.start_action_for_state(handle, offset)
            if started is None:
                continue
            self.started = True
            messages = started[1]
            while messages is not None:
                self._act(messages)
                messages = _c.complete_and_start_action(handle, offset)
        return self.firings

    def retract_all(self) -> bool:
        """Retract every fact of this call, last first, so the session is empty for the next
        call; False (and the session is deleted instead) when anything is not as expected."""
        if not self.facts:
            return self.started
        handle = self.handle
        try:
            # One call for all of them: durable reads the list and retracts fact by fact.
            _, offset = _c.retract_facts(handle, _retractions(self.sid, len(self.facts)))
            if _c.start_action_for_state(handle, offset) is not None:
                return False  # a rule fired on a retraction: start afresh next time
            # The batch stops quietly at a fact it cannot read (none should be): what is left
            # must be the session's own state fact alone, whose id is "sid-...". In the JSON
            # '"id":' is a field name only (inside strings a quote is escaped).
            if _c.get_facts(handle, self.sid).count('"id":') != 1:
                return False
        except Exception:  # durable refused a retraction: this session is not reused
            return False
        # Only a session in which an action has started may be deleted later (see _close).
        return self.started

    def _act(self, messages: str) -> None:
        """Run one action: the rule's conclusions from the facts it matched, asserted once."""
        action = self.actions.get(messages[2:messages.index('"', 2)])
        if action is None:
            return  # the primer rule: nothing to do
        rule = action.rule
        try:
            if _STATE_FACT in messages:
                raise EngineError("the rule matched durable's own session state fact (a "
                                  "condition that only says what a fact lacks matches it)")
            firing, pending = action.fixed or self._conclude(action, messages)
            self.firings.append(firing)
            asserted = self.asserted
            for conclusion, body in pending:
                if body not in asserted:
                    asserted.add(body)
                    self._assert(conclusion, body)
        except Exception as exc:
            raise EngineError(f"the action of a rule failed: {exc!r}", rule=rule.id) from exc

    def _conclude(self, action: _Action, messages: str
                  ) -> tuple[Firing, tuple[tuple[dict[str, Any], str], ...]]:
        """The firing of a rule that reads the facts it matched (its conclusions and their
        JSON), and which of them go back into the engine."""
        # {"r7":{"c":{"id":0,"sid":...},"r":{"id":4,...}}}: each matched fact is the one with
        # that id, and '{"id":' is found nowhere else (inside strings a quote is escaped).
        facts = self.facts
        bindings = {}
        at = messages.find('{"id":')
        while at != -1:  # '"alias":{"id":N,'
            start = at + 6
            end = messages.index(",", start)
            bindings[messages[messages.rindex('"', 0, at - 2) + 1:at - 2]] = \
                facts[int(messages[start:end])]
            at = messages.find('{"id":', end)
        templates = action.templates
        if len(templates) == 1:  # most rules conclude one thing
            made = templates[0].make(bindings)
            return (Firing(action.rule, (made[0],), (made[1],)),
                    (made,) if templates[0].asserted else ())
        both = [t.make(bindings) for t in templates]
        return (Firing(action.rule, tuple([c for c, _ in both]), tuple([k for _, k in both])),
                tuple([m for t, m in zip(templates, both, strict=True) if t.asserted]))
