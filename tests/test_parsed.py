"""The kept readings of the shipped rule files (res_rules/rules_parsed.json): exact, and used
only while a file's bytes are unchanged."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import RULES
from hypothesis import given
from hypothesis import strategies as st

import res_rules
from res_rules import RuleFileError, _parsed, _words
from res_rules._rules import read_rule_file


def typed(value: Any) -> Any:
    """``value`` with every type spelled out: ``1`` and ``1.0`` and ``True`` differ, a date is
    not its text."""
    if isinstance(value, dict):
        return ("dict", [(typed(k), typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [typed(v) for v in value])
    return (type(value).__name__, value)


def test_each_kept_reading_is_its_shipped_file_as_read_now() -> None:
    """Every shipped rule file, and the report words, has an entry with its bytes' hash and
    exactly what the reader gives today. After editing one: python -m res_rules._parsed"""
    known = _parsed.entries()
    paths = _parsed.kept_files(RULES)
    stale = [path.name for path in paths
             if path.name not in known
             or known[path.name][0] != hashlib.sha256(path.read_bytes()).hexdigest()
             or typed(known[path.name][1]) != typed(read_rule_file(path))]
    assert (sorted(known), stale) == (sorted(p.name for p in paths), []), \
        "res_rules/rules_parsed.json is out of date: run python -m res_rules._parsed"


def test_the_words_are_read_as_a_yaml_reader_reads_them() -> None:
    """The report words are read by the rule files' strict reader, kept or not: exactly what a
    plain YAML reader makes of them (no word is taken for a boolean or a number)."""
    path = _parsed.kept_files(RULES)[-1]
    plain = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert (path.name, typed(read_rule_file(path)), typed(_words._all_words())) == (
        "words.yaml", typed(plain), typed(plain))


def test_the_file_is_what_the_command_writes() -> None:
    """Byte for byte, so that a hand edit (or a tampered entry) cannot pass."""
    assert _parsed.PATH.read_text(encoding="utf-8") == _parsed.snapshot(RULES)


def test_a_kept_reading_is_taken_only_while_the_bytes_have_its_hash(tmp_path: Path) -> None:
    """An entry for other bytes is passed over: the file is read as it is now."""
    path = tmp_path / "law.yaml"
    shutil.copy(RULES / "law.yaml", path)
    fresh = read_rule_file(path)
    right = hashlib.sha256(path.read_bytes()).hexdigest()
    kept = {"marker": True}
    assert (read_rule_file(path, {"law.yaml": (right, kept)}) is kept,
            typed(read_rule_file(path, {"law.yaml": ("0" * 64, kept)})) == typed(fresh),
            typed(read_rule_file(path, {"other.yaml": (right, kept)})) == typed(fresh)) == (
        True, True, True)


def test_an_edited_shipped_file_is_read_afresh(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The default folder with one rule file changed: the change is seen, and a broken file is
    still refused, although the kept readings hold the old content."""
    folder = tmp_path / "rules"
    shutil.copytree(RULES, folder)
    monkeypatch.setattr(res_rules._rules, "default_rules_dir", lambda: folder)
    monkeypatch.setattr(res_rules._rules, "_CACHE", {})  # the real default stays as it was
    checks = folder / "checks.yaml"
    old = "het advies meldt dat."
    checks.write_text(checks.read_text(encoding="utf-8").replace(old, "het advies zegt dat.", 1),
                      encoding="utf-8")
    edited = res_rules.load_rules(reload=True).rule("controle.stap2_keuze_open").text["nl"]
    checks.write_text("topic: checks\nrules: [\n", encoding="utf-8")
    with pytest.raises(RuleFileError, match=r"checks\.yaml"):
        res_rules.load_rules(reload=True)
    kept = _parsed.entries()["checks.yaml"][1]["rules"][0]
    assert (kept["id"], kept["text"]["nl"].endswith(old), edited.endswith("het advies zegt dat.")
            ) == ("controle.stap2_keuze_open", True, True)


def test_the_shipped_rule_set_is_the_same_with_and_without_the_kept_readings(
        tmp_path: Path) -> None:
    """A copy of the shipped folder is not the default folder, so it is read from the YAML: the
    same fingerprint and the same rules."""
    copy = tmp_path / "rules"
    shutil.copytree(RULES, copy)
    shipped, read = res_rules.load_rules(), res_rules.load_rules(copy)

    def content(rs: res_rules.RuleSet) -> list[Any]:
        return [(r.id, r.topic, r.status, typed(dict(r.text)), typed(r.when), typed(list(r.then)),
                 r.source, r.see_also) for r in rs.rules]

    assert (shipped.fingerprint, content(shipped), shipped.labels) == (
        read.fingerprint, content(read), read.labels)


def test_a_file_of_another_format_or_unreadable_is_not_used(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    """No entries then, whatever is wrong with it (its syntax, its shape, nesting beyond
    Python's reach, a tag that does not hold): every file is read from its YAML."""
    path = tmp_path / "rules_parsed.json"
    monkeypatch.setattr(_parsed, "PATH", path)
    results = []
    for text in ('{"format": 0, "files": {}}', "{", '{"format": 1}', "",
                 '{"format": 1, "files": []}', '{"format": 1, "files": null}',
                 '{"format": 1, "files": {"law.yaml": "x"}}', "[" * 100_000 + "]" * 100_000,
                 '{"format": 1, "files": {"law.yaml": {"sha256": "0", "data": {"$date": "x"}}}}'):
        path.write_text(text, encoding="utf-8")
        results.append(_parsed.entries())
    path.unlink()
    results.append(_parsed.entries())
    assert results == [{}] * 10


scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(),
                    st.floats(allow_nan=False, allow_infinity=False), st.dates())
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.one_of(scalars, st.sampled_from(["$date", "$map", "$x"])), inner,
                      max_size=4),
    max_leaves=20)


@given(values)
def test_every_value_the_reader_can_give_survives_the_file(value: Any) -> None:
    """Dates, keys that are not text or start with '$', ints beside floats: all come back as
    they were, through JSON text."""
    text = json.dumps({"format": _parsed.FORMAT,
                       "files": {"x.yaml": {"sha256": "0", "data": _parsed.encode(value)}}})
    assert typed(_parsed.decode(text)["x.yaml"][1]) == typed(value)


def test_a_value_json_cannot_hold_is_refused() -> None:
    with pytest.raises(TypeError, match="Decimal"):
        _parsed.encode({"a": [__import__("decimal").Decimal("1.5")]})


def test_dates_are_tagged_and_plain_data_stays_plain() -> None:
    assert _parsed.encode({"a": [1, 1.0, "x", None, True], "d": dt.date(2024, 7, 1),
                           2: "two"}) == {
        "$map": [["a", [1, 1.0, "x", None, True]], ["d", {"$date": "2024-07-01"}],
                 [2, "two"]]}
