"""Fuzzing the input side: whatever bytes or data come in, the answer is a Case or a CaseError."""

from __future__ import annotations

import json
import os
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import res_rules
from res_rules import CaseError, _casefile, _facts
from res_rules._casefile import read_data

# Bounded: a few hundred examples per test (seconds in all), each within a deadline even on a
# slow machine. RES_RULES_FUZZ_EXAMPLES=5000 makes a longer soak run.
FUZZ = settings(max_examples=int(os.environ.get("RES_RULES_FUZZ_EXAMPLES", "300")),
                deadline=timedelta(seconds=10),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

#: Only a problem with the document as a whole (its file, its syntax, its top value) may have an
#: empty path; a problem with the case's content always names where it is.
WHOLE = ("file.", "syntax.", "problem.wrong_value")

CASE_KEYS = ["id", "theme", "scope", "title", "no_consensus_declared_by", "current_step",
             "reference_date", "deadline", "solution", "agreements", "step2_need",
             "res_forecast_twh_2030", "projects"]
PROJECT_KEYS = ["id", "gemeente", "technology", "capacity_mw", "name", "status",
                "transferred_to_gemeente", "rijk_waived_to"]
SOLUTION_KEYS = ["status", "adequate", "draagvlak"]
GOOD_VALUES: dict[str, dict[str, Any]] = {
    "case": {"id": "c", "theme": "planuitval", "scope": "regionaal", "title": "t",
             "no_consensus_declared_by": "stuurgroep", "current_step": 1,
             "reference_date": "2026-03-01", "deadline": "2026-04-01", "agreements": "nagekomen",
             "step2_need": "feiten", "res_forecast_twh_2030": 1.8},
    "project": {"id": "p", "gemeente": "Lopik", "technology": "wind", "capacity_mw": 12.6,
                "name": "n", "status": "gepland", "transferred_to_gemeente": False,
                "rijk_waived_to": None},
    "solution": {"status": "gevonden", "adequate": True, "draagvlak": "voldoende"},
}
REQUIRED = {"id", "theme", "scope", "gemeente", "technology", "capacity_mw"}
#: YAML written out as is (not quoted): number forms, words, dates, escapes, YAML features.
ODD_TOKENS = ["050", "0x64", "0o62", "0b11", "1_00", "1:40", "190:20:30.15", ".inf", "-.inf",
              ".nan", "+5", ".5", "5.", "1e3", "1e400", "1e-400", "1" + "0" * 400, "-0", "yes",
              "no", "on", "off", "True", "FALSE", "NULL", "~", "null", "2026-02-30",
              "0000-01-01", "2026-13-01", "2026-03-01", "2026-3-1", "12,6", '"12,6"',
              '"\\ud800"', '"x\\udfff"', '"\\0"', '"\\x85"', "&a 1", "*a", "!!str 1", "! 1",
              "!!python/object:os.system x", "'\u202e'", "é", "-", "? x", "|\n  blok", "{", "]",
              "''", '""', "'  '", "Amersfoort", "Utrect", "planuitvall", "\t", "#"]

scalars = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-(10 ** 30), max_value=10 ** 30),
    st.sampled_from([10 ** 309, -(10 ** 400), 2 ** 63, 2 ** 64, 0, 5, 100, 100.01]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(st.characters(codec=None, exclude_categories=()), max_size=12),
    st.sampled_from(["planuitval", "regionaal", "Lopik", "wind", "zon", "12,6", "2026-02-30",
                     "2026-03-01", "a\ud800", "", " ", "gevonden"]),
    st.dates().map(str),
)
keys = st.one_of(st.sampled_from(CASE_KEYS + PROJECT_KEYS + SOLUTION_KEYS + ["capacity", "x"]),
                 st.text(max_size=6))


class Mapping_(list):  # type: ignore[type-arg]  # pairs, so that a key can occur twice
    """A mapping as (key, value) pairs, in order, duplicates allowed."""


def _mapping(pairs: list[tuple[Any, Any]]) -> Mapping_:
    return Mapping_(pairs)


trees = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.lists(st.tuples(keys, children), max_size=5).map(_mapping)),
    max_leaves=12,
)


@st.composite
def near_cases(draw: st.DrawFn) -> Mapping_:
    """A case that is almost right: the usual keys, some values replaced, a key perhaps doubled."""
    def good(section: str, names: list[str], number: int = 0) -> Mapping_:
        pairs: list[tuple[Any, Any]] = []
        for name in names:
            if name not in REQUIRED and draw(st.integers(0, 3)) == 0:
                continue
            if name == "solution" and section == "case":
                value: Any = good("solution", SOLUTION_KEYS)
            elif name == "projects" and section == "case":
                value = [good("project", PROJECT_KEYS, i) for i in range(draw(st.integers(0, 3)))]
            elif name == "id" and section == "project":
                value = f"p{number}"
            else:
                value = GOOD_VALUES[section][name]
            if draw(st.integers(0, 12)) == 0:
                value = draw(trees)
            pairs.append((name, value))
        if pairs and draw(st.integers(0, 10)) == 0:
            pairs.append((draw(st.sampled_from(pairs))[0], draw(scalars)))
        return Mapping_(pairs)

    return good("case", CASE_KEYS)


def _json(node: Any) -> str:
    if isinstance(node, Mapping_):
        return "{" + ", ".join(f"{json.dumps(str(k))}: {_json(v)}" for k, v in node) + "}"
    if isinstance(node, list):
        return "[" + ", ".join(_json(v) for v in node) + "]"
    return json.dumps(node)  # NaN, Infinity and \ud800 escapes included


def _yaml(node: Any, odd: list[str]) -> str:
    """Flow-style YAML; now and then a raw odd token instead of a scalar."""
    if isinstance(node, Mapping_):
        return "{" + ", ".join(f"{_yaml(k, odd)}: {_yaml(v, odd)}" for k, v in node) + "}"
    if isinstance(node, list):
        return "[" + ", ".join(_yaml(v, odd) for v in node) + "]"
    if odd:
        return odd.pop()
    return json.dumps(node)  # a JSON scalar is YAML too (a double-quoted string or a number)


def _check(outcome: Any) -> None:
    """A valid Case, or a CaseError whose every problem is placed and prints on one UTF-8 line."""
    if isinstance(outcome, res_rules.Case):
        assert res_rules.case_from_mapping(res_rules.case_to_mapping(outcome)) == outcome
        return
    assert isinstance(outcome, CaseError)
    lines = [p.text(lang) for p in outcome.errors for lang in ("nl", "en")]
    unplaced = [p.code for p in outcome.errors if not p.path and not p.code.startswith(WHOLE)]
    assert (unplaced, [line for line in lines if "\n" in line or not line.strip()],
            all(line.encode("utf-8") for line in lines)) == ([], [], True)


def _outcome(path: Path) -> Any:
    try:
        return res_rules.case_from_mapping(read_data(path), file=str(path))
    except CaseError as exc:
        return exc


def _through_a_file(content: bytes, suffix: str) -> Any:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"case{suffix}"
        path.write_bytes(content)
        return _outcome(path)


@FUZZ
@given(st.binary(max_size=3000), st.sampled_from([".yaml", ".json"]))
def test_raw_bytes_give_a_case_or_a_case_error(content: bytes, suffix: str) -> None:
    """Arbitrary bytes in a case file never raise anything but CaseError."""
    _check(_through_a_file(content, suffix))


@FUZZ
@given(st.one_of(trees, near_cases()), st.lists(st.sampled_from(ODD_TOKENS), max_size=6),
       st.integers(0, 100), st.sampled_from([".yaml", ".json"]))
def test_structured_but_wrong_data_gives_a_case_or_a_case_error(
        node: Any, odd: list[str], depth: int, suffix: str) -> None:
    """Wrong types, odd number forms, repeated keys, deep nesting, huge numbers, odd Unicode."""
    text = _json(node) if suffix == ".json" else _yaml(node, odd)
    if depth > 80:  # nest the lot deeper than the reader allows (MAX_DEPTH is 64)
        text = "[" * depth + text + "]" * depth
    _check(_through_a_file(text.encode("utf-8", "surrogatepass"), suffix))


@FUZZ
@given(near_cases(), st.sampled_from([".yaml", ".json"]))
def test_near_valid_cases_in_block_yaml_and_json(node: Mapping_, suffix: str) -> None:
    """Almost-right cases written as a person would (block YAML, JSON) give a Case or CaseError."""
    if suffix == ".json":
        text = _json(node)
    else:
        text = "".join(f"{json.dumps(str(k))}: {_yaml(v, [])}\n" for k, v in node)
    _check(_through_a_file(text.encode("utf-8", "surrogatepass"), suffix))


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping_):
        return {k: _plain(v) for k, v in value}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


@FUZZ
@given(trees)
def test_python_data_gives_a_case_or_a_case_error(node: Any) -> None:
    """case_from_mapping on any plain Python data (no file) raises only CaseError."""
    try:
        outcome: Any = res_rules.case_from_mapping(_plain(node))
    except CaseError as exc:
        outcome = exc
    _check(outcome)


def test_the_fuzz_strategies_reach_both_outcomes() -> None:
    """The near-valid strategy produces valid cases too, so the fuzz tests see both branches."""
    seen: set[str] = set()

    @settings(max_examples=200, deadline=None, database=None)
    @given(near_cases())
    def collect(node: Mapping_) -> None:
        try:
            res_rules.case_from_mapping(json.loads(_json(node).replace("NaN", "0")
                                                   .replace("Infinity", "0")))
            seen.add("case")
        except (CaseError, ValueError):
            seen.add("error")

    collect()
    assert seen == {"case", "error"}


@FUZZ
@given(st.one_of(near_cases(), trees))
def test_the_quick_build_agrees_with_the_checking_build(node: Any) -> None:
    """case_from_mapping first builds the model trusting the data (its validators check each
    value once) and only goes through it field by field when that fails: whenever either
    builds a case, both build the same one."""
    data = _plain(node)
    problems: list[Any] = []
    checked = _casefile._build(res_rules.Case, data, "", problems, None)
    trusted = _casefile._trusting(res_rules.Case, data)
    assert (trusted, problems == []) == (checked, checked is not None)


def _json_outcome(reader: Any, text: str) -> Any:
    """What a JSON reader makes of ``text``: the data (its repr tells 1 from 1.0 and -0.0 from
    0.0), or the problems it reports."""
    try:
        return repr(reader(text))
    except CaseError as exc:
        return [(p.path, p.code, p.text("en")) for p in exc.errors]


#: Text around and inside JSON that orjson and json might read differently.
JSON_ODDITIES = ["", " ", "\n", "\t", "\r\n", "\x0c", "\ufeff", "\u00a0", ",", ":", "\\u003a",
                 '"a": 1', "1e400", "-1e400", "1e-400", "0e0", "-0", "18446744073709551616",
                 "-9223372036854775809", "9223372036854775808", "1" + "0" * 30, "NaN", "[]",
                 "{}", '"\\ud800"', '"x\\u003ay"', "01", "1.", ".5", "+1", "\x01", "\x7f"]


@FUZZ
@given(st.one_of(near_cases(), trees), st.lists(st.tuples(st.integers(0, 10_000),
                                                          st.sampled_from(JSON_ODDITIES)),
                                                max_size=3))
def test_the_quick_json_reader_agrees_with_the_checking_one(node: Any,
                                                           edits: list[tuple[int, str]]) -> None:
    """JSON text is read by orjson when that certainly gives what the checking reader gives,
    else by the checking reader: for any text, both give the same data or the same problems.
    (Repeated keys, colons inside strings, numbers beyond 64 bits or float range, NaN, lone
    surrogates, odd white space, and text broken at random places.)"""
    text = _json(node)
    for at, piece in edits:
        at %= len(text) + 1
        text = text[:at] + piece + text[at:]
    assert _json_outcome(lambda t: _casefile.parse_text(t, json_format=True), text) == \
        _json_outcome(lambda t: _casefile._json_read(t, None), text)


class _Text(str):
    """A str subclass that says it is ASCII: the validators must not trust it."""

    def isascii(self) -> bool:
        return True


class _Disguised(_Text):
    """One that also says its class is str."""

    @property  # type: ignore[misc]  # a property standing in for the class attribute
    def __class__(self) -> type:
        return str


class _Classless:
    """An object that cannot say its class."""

    @property  # type: ignore[misc]
    def __class__(self) -> type:
        raise AttributeError("no class")


FIELDS = [(cls, a) for cls in (res_rules.Case, res_rules.Project, res_rules.Solution)
          for a in attrs.fields(cls)]


@FUZZ
@given(st.sampled_from(FIELDS), st.one_of(
    scalars, st.sampled_from([" ", "", "a\ud800", "é", True, False, None, 0, 1, 1.0]),
    st.sampled_from([w for _, a in FIELDS for w in _facts.spec_of(a).choices]),
    st.text(st.characters(codec=None, exclude_categories=())).map(_Text),
    st.text(st.characters(codec=None, exclude_categories=())).map(_Disguised),
    st.builds(_Classless)))
def test_each_validator_refuses_exactly_what_the_field_spec_refuses(
        field: tuple[type, Any], value: Any) -> None:
    """The validators let the usual values through without asking problem_with: for any value,
    a validator refuses exactly when problem_with says the value breaks the field's spec."""
    _, attribute = field
    try:
        attribute.validator(None, attribute, value)
        refused = False
    except ValueError:
        refused = True
    assert refused == _facts.problem_with(_facts.spec_of(attribute), value)
