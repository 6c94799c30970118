"""Bad input of every kind gets a CaseError naming the file, the path, what was expected and got."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from conftest import EXAMPLES, ROOT, SCENARIOS

import res_rules
from res_rules import CaseError
from res_rules._casefile import MAX_DEPTH, MAX_FILE_BYTES, check_field, parse_text, read_data
from res_rules._facts import MAX_PROJECTS, Project
from res_rules._schema import case_schema

GOOD: dict[str, Any] = {
    "id": "c",
    "theme": "planuitval",
    "scope": "regionaal",
    "projects": [{"id": "p", "gemeente": "Lopik", "technology": "wind", "capacity_mw": 12.6}],
}
GOOD_YAML = ("id: c\ntheme: planuitval\nscope: regionaal\nprojects:\n"
             "  - id: p\n    gemeente: Lopik\n    technology: wind\n    capacity_mw: {mw}\n")


def _with(path: str, value: Any) -> dict[str, Any]:
    data = json.loads(json.dumps(GOOD))
    target = data
    parts = path.replace("]", "").replace("[", ".").split(".")
    for part in parts[:-1]:
        target = target[int(part)] if part.isdigit() else target.setdefault(part, {})
    target[parts[-1]] = value
    return data


def _error(data: Any, file: str | None = "case.yaml") -> CaseError:
    with pytest.raises(CaseError) as info:
        res_rules.case_from_mapping(data, file=file)
    return info.value


def _parse_error(text: str, *, json_format: bool = False) -> CaseError:
    with pytest.raises(CaseError) as info:
        parse_text(text, json_format=json_format, file="case.json" if json_format else "case.yaml")
    return info.value


def test_a_valid_mapping_builds_the_case() -> None:
    """The mapping form builds the attrs model with its defaults."""
    case = res_rules.case_from_mapping(GOOD)
    assert (case.current_step, case.solution.status, case.agreements, case.projects[0].status) \
        == (0, "lopend", "niet_van_toepassing", "gepland")


@pytest.mark.parametrize(
    ("path", "value", "fragment"),
    [
        ("theme", "planuitvall", "did you mean 'planuitval'?"),
        ("scope", "regional", "did you mean 'regionaal'?"),
        ("current_step", 5, "a whole number from 0 to 4"),
        ("current_step", True, "got true (a boolean)"),
        ("current_step", "1", "got '1' (a string) (write the number without quotes: 1)"),
        ("current_step", 1.5, "a whole number"),
        ("reference_date", "01-05-2026", "a date as YYYY-MM-DD"),
        ("reference_date", "2026-3-1", "write year-month-day with leading zeros: 2026-03-01"),
        ("deadline", 20260101, "a date as YYYY-MM-DD"),
        ("no_consensus_declared_by", "provincie", "one of 'stuurgroep', 'bestuurlijk_trekker'"),
        ("solution.status", "klaar", "one of 'lopend'"),
        ("solution.draagvlak", "veel", "one of 'voldoende'"),
        ("solution.adequate", "ja", "true or false, or null"),
        ("agreements", "ja", "one of 'nagekomen'"),
        ("step2_need", "feit", "did you mean 'feiten'?"),
        ("res_forecast_twh_2030", -0.1, "a number from 0 to 100000"),
        ("res_forecast_twh_2030", float("nan"), "got nan"),
        ("id", "  ", "a non-empty string"),
        ("projects[0].capacity_mw", "12", "got '12' (a string)"),
        ("projects[0].capacity_mw", 0, "a number greater than 0 and at most 100000"),
        ("projects[0].capacity_mw", float("inf"), "got inf"),
        ("projects[0].capacity_mw", 100_001, "at most 100000"),
        ("projects[0].gemeente", "utrecht", "did you mean 'Utrecht'?"),
        ("projects[0].technology", "wnd", "did you mean 'wind'?"),
        ("projects[0].status", "klaar", "one of 'gepland'"),
        ("projects[0].transferred_to_gemeente", "yes", "write true or false"),
        ("projects[0].rijk_waived_to", "rijk", "one of 'gemeente', 'provincie', or null"),
        ("projects", {"id": "p"}, "a list"),
        ("solution", "gevonden", "a mapping"),
    ],
)
def test_bad_value_names_path_expected_and_got(path: str, value: Any, fragment: str) -> None:
    """A wrong value raises CaseError at its path, saying what was expected and what came."""
    error = _error(_with(path, value))
    assert (error.path, fragment in error.text("en"), error.text("en").startswith(
        f"case.yaml: {path}: expected")) == (path, True, True)


@pytest.mark.parametrize(
    ("path", "value", "dutch"),
    [
        ("theme", "planuitvall",
         "verwacht een van: 'planuitval', 'besluitvorming_res', 'balans_zon_wind', 'bouwblok_4', "
         "'nieuwe_ambities', 'biomassa', 'netcongestie', 'overig', gekregen 'planuitvall' "
         "(tekst) (bedoelde u 'planuitval'?)"),
        ("projects[0].capacity_mw", "12,6",
         "verwacht een getal groter dan 0 en hoogstens 100000, gekregen '12,6' (tekst) "
         "(schrijf een decimale punt en geen aanhalingstekens: 12.6)"),
        ("current_step", 7, "verwacht een geheel getal van 0 tot en met 4, gekregen 7"),
        ("reference_date", "2026-02-30",
         "de dag '2026-02-30' bestaat niet: februari 2026 heeft 28 dagen"),
        ("reference_date", "2028-02-30",
         "de dag '2028-02-30' bestaat niet: februari 2028 heeft 29 dagen"),
        ("deadline", "2026-13-01",
         "'2026-13-01' is geen geldige datum: maand 13 bestaat niet (1 tot en met 12)"),
        ("deadline", "0000-01-01",
         "'0000-01-01' is geen geldige datum: jaar 0 bestaat niet (jaartallen beginnen bij 0001)"),
        ("projects[0].transferred_to_gemeente", "ja",
         "verwacht true of false, gekregen 'ja' (tekst) (schrijf true voor ja en false voor "
         "nee, in kleine letters en zonder aanhalingstekens)"),
        ("solution", [], "verwacht sleutels met waarden (een mapping), gekregen een lijst"),
    ],
)
def test_messages_are_dutch_by_default(path: str, value: Any, dutch: str) -> None:
    """str(), .message and text() speak Dutch unless asked otherwise, in plain words."""
    error = _error(_with(path, value))
    line = f"case.yaml: {path}: {dutch}"
    assert (str(error), error.message, error.text("nl")) == (line, line, line)


def test_a_gemeente_outside_the_u16_is_named_as_such() -> None:
    """Amersfoort is no 'did you mean Montfoort': it lies outside the region; the 16 are listed."""
    error = _error(_with("projects[0].gemeente", "Amersfoort"))
    assert (error.errors[0].text("nl"), error.errors[0].text("en"), error.code) == (
        "case.yaml: projects[0].gemeente: 'Amersfoort' is geen van de 16 gemeenten van de RES "
        "U16; kies uit: 'Bunnik', 'De Bilt', 'De Ronde Venen', 'Houten', 'IJsselstein', 'Lopik', "
        "'Montfoort', 'Nieuwegein', 'Oudewater', 'Stichtse Vecht', 'Utrecht', 'Utrechtse "
        "Heuvelrug', 'Vijfheerenlanden', 'Wijk bij Duurstede', 'Woerden', 'Zeist'",
        "case.yaml: projects[0].gemeente: 'Amersfoort' is not one of the 16 gemeenten of RES "
        "U16; choose from 'Bunnik', 'De Bilt', 'De Ronde Venen', 'Houten', 'IJsselstein', "
        "'Lopik', 'Montfoort', 'Nieuwegein', 'Oudewater', 'Stichtse Vecht', 'Utrecht', "
        "'Utrechtse Heuvelrug', 'Vijfheerenlanden', 'Wijk bij Duurstede', 'Woerden', 'Zeist'",
        "problem.not_in_u16")


def test_a_near_miss_gemeente_still_gets_a_did_you_mean() -> None:
    """Utrect is a typo of a U16 gemeente: the hint names it, in the user's language."""
    error = _error(_with("projects[0].gemeente", "Utrect"))
    assert (error.hint, error.errors[0].describe("en").endswith("(did you mean 'Utrecht'?)")) \
        == ("bedoelde u 'Utrecht'?", True)


def test_a_problem_carries_its_data() -> None:
    """Each problem has a code, path, file, the allowed values, what was given and a hint."""
    problem = _error(_with("projects[0].technology", "wnd")).errors[0]
    assert (problem.code, problem.path, problem.file, problem.params["got"].render("en"),
            problem.params["expected"].params["choices"], problem.hint and
            problem.hint.render("en")) == (
        "problem.wrong_value", "projects[0].technology", "case.yaml", "'wnd' (a string)",
        ("'wind'", "'zon'"), "did you mean 'wind'?")


def test_unknown_key_is_an_error_with_a_hint_in_both_languages() -> None:
    """A typo in a key is never ignored: it is named, with the closest allowed key."""
    error = _error(_with("projects[0].capacity", 12.6))
    first = error.errors[0]
    assert (first.path, first.describe("nl").endswith("(bedoelde u 'capacity_mw'?)"),
            first.describe("en").endswith("(did you mean 'capacity_mw'?)")) == (
        "projects[0].capacity", True, True)


def test_missing_required_key_is_named() -> None:
    """A required key that is missing is reported at its path."""
    data = {k: v for k, v in GOOD.items() if k != "scope"}
    error = _error(data)
    assert (error.path, error.text("en")) == ("scope", "case.yaml: scope: this key is required "
                                                       "but missing")


def test_adequate_is_only_allowed_when_a_solution_was_found() -> None:
    """solution.adequate with status lopend is contradictory and rejected."""
    error = _error(_with("solution", {"status": "lopend", "adequate": True}))
    assert error.path == "solution.adequate"


def test_duplicate_project_ids_are_rejected() -> None:
    """Project ids must be unique within a case."""
    project = GOOD["projects"][0]
    assert _error({**GOOD, "projects": [project, project]}).path == "projects[1].id"


def test_every_problem_in_a_case_is_listed() -> None:
    """All problems are collected, not just the first."""
    data = {**GOOD, "theme": "x", "scope": "y", "current_step": 9}
    assert [e.path for e in _error(data).errors] == ["theme", "scope", "current_step"]


def test_a_case_that_is_not_a_mapping_is_rejected() -> None:
    """A list at the top level is not a case."""
    assert "expected a mapping" in _error([GOOD]).text("en")


def test_at_most_a_thousand_projects() -> None:
    """1,000 projects are a case; 1,001 are refused at `projects`, in the schema too."""
    projects = [{**GOOD["projects"][0], "id": f"p{i}"} for i in range(MAX_PROJECTS + 1)]
    ok = res_rules.case_from_mapping({**GOOD, "projects": projects[:MAX_PROJECTS]})
    error = _error({**GOOD, "projects": projects})
    assert (len(ok.projects), error.path, error.text("en"),
            case_schema()["properties"]["projects"]["maxItems"]) == (
        1000, "projects", "case.yaml: projects: expected a list of at most 1000, got a list of "
                          "1001", 1000)


@pytest.mark.parametrize("via", ["json", "yaml", "mapping"])
def test_lone_surrogates_are_refused(via: str) -> None:
    """Text with a lone surrogate (it would crash UTF-8 output later) is a CaseError at its path."""
    if via == "json":
        data = parse_text('{"id": "c", "theme": "overig", "scope": "lokaal", "title": "a\\ud800"}',
                          json_format=True)
    elif via == "yaml":
        data = parse_text('id: c\ntheme: overig\nscope: lokaal\ntitle: "a\\ud800"\n')
    else:
        data = {"id": "c", "theme": "overig", "scope": "lokaal", "title": "a\ud800"}
    error = _error(data)
    assert (error.path, error.code, str(error).encode("utf-8").decode("utf-8") == str(error)) == \
        ("title", "problem.lone_surrogate", True)


def test_a_key_with_a_lone_surrogate_is_reported_on_a_printable_line() -> None:
    """An unknown key that UTF-8 cannot write is escaped in the path, so output does not crash."""
    error = _error({**GOOD, "x\ud800": 1})
    assert (error.path, len(error.text().encode("utf-8")) > 0) == ("x\\ud800", True)


@pytest.mark.parametrize(("key", "path"), [("", "''"), ("a.b", "'a.b'"), ("x y", "'x y'")])
def test_a_key_the_path_could_not_show_is_quoted(key: str, path: str) -> None:
    """An empty key, or one with a dot or space, is quoted in the path: seen and unambiguous."""
    assert _error({**GOOD, key: 1}).path == path


def test_an_integer_too_big_for_a_float_is_refused_for_a_number_field() -> None:
    """A 400-digit int from Python is no number to compute with: a CaseError, not OverflowError."""
    error = _error(_with("projects[0].capacity_mw", 10 ** 400))
    assert (error.path, error.code, error.text("en").endswith(
        "got a number of 401 digits: too large to compute with")) == (
        "projects[0].capacity_mw", "problem.number_out_of_range", True)


# --- YAML and JSON text ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "code", "write_instead"),
    [
        ("050", "syntax.leading_zero", "50"),
        ("0x64", "syntax.radix", "100"),
        ("0o62", "syntax.radix", "50"),
        ("0b110010", "syntax.radix", "50"),
        ("1_00", "syntax.underscore", "100"),
        ("1:40", "syntax.sexagesimal", None),
        (".inf", "syntax.not_finite", None),
        ("-.inf", "syntax.not_finite", None),
        (".nan", "syntax.not_finite", None),
        ("+50", "syntax.number_form", "50"),
        (".5", "syntax.number_form", "0.5"),
        ("50.", "syntax.number_form", "50"),
        ("1e400", "syntax.number_too_large", None),
        ("1" + "0" * 400, "syntax.number_too_many_digits", None),
    ],
)
def test_yaml_numbers_a_person_would_misread_are_refused(
        tmp_path: Path, written: str, code: str, write_instead: str | None) -> None:
    """050 is not octal 40 (nor silently 50): such forms are refused at their path with a fix."""
    path = tmp_path / "case.yaml"
    path.write_text(GOOD_YAML.format(mw=written), encoding="utf-8")
    with pytest.raises(CaseError) as info:
        res_rules.load_case(path)
    hint = info.value.errors[0].hint
    assert (info.value.path, info.value.code,
            write_instead is None or f"write {write_instead} for the number" in
            (hint.render("en") if hint else "")) == ("projects[0].capacity_mw", code, True)


def test_a_value_under_a_refused_key_is_placed_at_its_mapping() -> None:
    """A key refused as a number (050) leaves no trace of the reader's internals in the value's
    path: the value's own problem is placed at the mapping (found by the CLI fuzz test, where
    the path was an object's address and differed between two runs)."""
    error = _parse_error("projects:\n  - {050: 050}\n")
    assert [(p.path, p.code) for p in error.errors] == [
        ("projects[0]", "syntax.leading_zero"), ("projects[0]", "syntax.leading_zero")]


def test_the_leading_zero_message_reads_well() -> None:
    """The 050 message says what is wrong and what to write, in Dutch and English."""
    error = _parse_error("capacity_mw: 050\n")
    assert (error.text("nl"), error.text("en")) == (
        "case.yaml: capacity_mw: '050' is geen eenduidig getal (een voorloopnul leest de ene "
        "YAML-lezer als octaal, de andere niet) (schrijf 50 voor het getal, of zet '050' tussen "
        "aanhalingstekens als het tekst is)",
        "case.yaml: capacity_mw: '050' is not an unambiguous number (a leading zero is octal to "
        "one YAML reader, decimal to another) (write 50 for the number, or put '050' in quotes "
        "if it is text)")


@pytest.mark.parametrize(
    ("written", "value"),
    [("50", 50), ("12.6", 12.6), ("-3", -3), ("0", 0), ("1e3", 1000.0), ("2.5E-1", 0.25),
     ("'050'", "050"), ('"0x64"', "0x64"), ("yes", "yes"), ("on", "on"), ("true", True),
     ("false", False), ("null", None), ("~", None), ("", None), ("2026-03-01", "date"),
     ("2026-02-30", "2026-02-30"), ("1:40 uur", "1:40 uur"), ("Amersfoort", "Amersfoort")],
)
def test_yaml_plain_values_read_as_written(written: str, value: Any) -> None:
    """Numbers as in JSON, true/false, null and ISO dates are values; everything else is text."""
    import datetime as dt

    expected = dt.date(2026, 3, 1) if value == "date" else value
    got = parse_text(f"v: {written}\n")["v"]
    assert (got, type(got)) == (expected, type(expected))


@pytest.mark.parametrize("word", ["True", "TRUE", "False", "NULL", "Null"])
def test_capitalised_true_false_null_are_refused(word: str) -> None:
    """Only lower-case true/false/null are values; `True` is refused with the lower-case form."""
    error = _parse_error(f"v: {word}\n")
    assert (error.path, error.code, error.hint) == (
        "v", "syntax.word_case", f"schrijf {word.lower()}, in kleine letters")


@pytest.mark.parametrize(
    ("text", "json_format"),
    [
        ('{"projects": [{"capacity_mw": 1}, {"capacity_mw": 2, "capacity_mw": 3}]}', True),
        ("projects:\n  - capacity_mw: 1\n  - capacity_mw: 2\n    capacity_mw: 3\n", False),
    ],
)
def test_a_repeated_key_is_refused_at_its_second_occurrence(text: str, json_format: bool) -> None:
    """A key given twice is not silently the last one: the error names the second one's path."""
    error = _parse_error(text, json_format=json_format)
    assert (error.path, error.code.startswith("syntax.duplicate_key")) == (
        "projects[1].capacity_mw", True)


def test_a_repeated_yaml_key_names_the_first_line() -> None:
    """In YAML the message says where the key was first given."""
    error = _parse_error("id: a\ntheme: overig\nid: b\n")
    assert error.text("en") == ("case.yaml: id: the key 'id' occurs a second time here (first "
                                "on line 1); keep one")


@pytest.mark.parametrize(
    ("text", "json_format", "path_start"),
    [("[" * 100_000, True, "[0][0]"), ("[" * 100_000, False, "[0][0]"),
     ('{"a": ' * 100_000, True, "a.a.a"), ("a:\n" + "".join(" " * i + "b:\n"
                                                            for i in range(1, 200)), False,
                                           "a.b.b")],
)
def test_very_deep_nesting_is_a_clean_error(text: str, json_format: bool, path_start: str) -> None:
    """100,000 levels are refused quickly at the path where the limit is passed (no crash)."""
    start = time.monotonic()
    error = _parse_error(text, json_format=json_format)
    assert (error.code, error.path.startswith(path_start), time.monotonic() - start < 10) == (
        "syntax.too_deep", True, True)


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1000])
def test_valid_json_nested_too_deep_is_refused(depth: int) -> None:
    """Well-formed JSON nested deeper than MAX_DEPTH (which the quick JSON reader would read) is
    refused at the path where the limit is passed, as in YAML."""
    error = _parse_error('{"a": ' * depth + "1" + "}" * depth, json_format=True)
    assert (error.code, error.path) == ("syntax.too_deep", ".".join(["a"] * MAX_DEPTH))


def test_an_alias_bomb_is_refused_quickly() -> None:
    """A few hundred bytes of nested aliases (a billion laughs) are refused, not expanded."""
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n"
        for i in range(8))
    start = time.monotonic()
    error = _parse_error(bomb)
    assert (error.code, error.path, time.monotonic() - start < 2) == ("syntax.alias", "a", True)


def test_json_numbers_beyond_float_range_are_refused_at_their_path() -> None:
    """A 400-digit integer or 1e400 in JSON is a CaseError with the path (no OverflowError)."""
    error = _parse_error('{"projects": [{"capacity_mw": 1' + "0" * 400 + '}], "x": 1e400}',
                         json_format=True)
    assert [(p.path, p.code) for p in error.errors] == [
        ("projects[0].capacity_mw", "syntax.number_too_many_digits"),
        ("x", "syntax.number_too_large")]


def test_json_nan_and_infinity_are_refused_at_their_path() -> None:
    """NaN and Infinity are not JSON numbers a case may hold."""
    error = _parse_error('{"a": NaN, "b": [-Infinity]}', json_format=True)
    assert [(p.path, p.code) for p in error.errors] == [("a", "syntax.not_finite"),
                                                       ("b[0]", "syntax.not_finite")]


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("alias.yaml", "id: &a x\ntheme: *a\nscope: regionaal\n", "syntax.alias"),
        ("tag.yaml", "id: !!python/name:os.system x\ntheme: planuitval\nscope: regionaal\n",
         "syntax.tag"),
        ("two.yaml", "id: a\n---\nid: b\n", "syntax.documents"),
        ("empty.yaml", "", "syntax.documents"),
        ("broken.yaml", "id: [unclosed\n", "syntax.yaml_invalid"),
        ("broken.json", "{\"id\": ", "syntax.json_invalid"),
        ("nan.json", "{\"id\": \"x\", \"res_forecast_twh_2030\": NaN}", "syntax.not_finite"),
        ("nul.yaml", "id: a\0b\n", "file.nul_byte"),
        ("case.txt", "id: x\n", "file.wrong_suffix"),
    ],
)
def test_unsafe_or_broken_files_get_a_clear_error(tmp_path: Path, name: str, content: str,
                                                  code: str) -> None:
    """YAML beyond plain data, several documents, broken syntax: each has its own message."""
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CaseError) as info:
        res_rules.load_case(path)
    assert (info.value.code, str(info.value).startswith(f"{path}: ")) == (code, True)


def test_a_file_that_is_not_utf8_is_rejected(tmp_path: Path) -> None:
    """Latin-1 bytes are not silently decoded."""
    path = tmp_path / "latin.yaml"
    path.write_bytes("id: caf\xe9\n".encode("latin-1"))
    with pytest.raises(CaseError) as info:
        res_rules.load_case(path)
    assert info.value.text("en") == f"{path}: expected UTF-8 text, got a byte that is not UTF-8 " \
                                    "at offset 7"


def test_a_byte_order_mark_is_no_content(tmp_path: Path) -> None:
    """A file saved with a UTF-8 byte-order mark (Windows editors) reads like one without."""
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(GOOD).encode())
    assert res_rules.load_case(path) == res_rules.case_from_mapping(GOOD)


def test_a_file_over_one_mebibyte_is_rejected(tmp_path: Path) -> None:
    """Huge files are refused before parsing."""
    path = tmp_path / "big.yaml"
    path.write_text("# " + "x" * MAX_FILE_BYTES + "\n", encoding="utf-8")
    with pytest.raises(CaseError) as info:
        res_rules.load_case(path)
    assert (info.value.code, "1 MiB" in str(info.value)) == ("file.too_large", True)


def test_at_most_one_mebibyte_and_a_byte_is_read_whatever_the_size(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A sparse 4 GiB file is refused after reading 1 MiB + 1 byte, not read to the end."""
    path = tmp_path / "sparse.yaml"
    with open(path, "wb") as handle:
        handle.truncate(4 * 1024 ** 3)
    read: list[int] = []
    real_read = os.read

    def counting_read(fd: int, size: int) -> bytes:
        chunk = real_read(fd, size)
        read.append(len(chunk))
        return chunk

    monkeypatch.setattr(os, "read", counting_read)
    with pytest.raises(CaseError) as info:
        res_rules.load_case(path)
    assert (info.value.code, sum(read)) == ("file.too_large", MAX_FILE_BYTES + 1)


def test_an_endless_device_behind_a_symlink_is_refused_unread(tmp_path: Path) -> None:
    """z.yaml -> /dev/zero is not a regular file: refused at once, not read until MemoryError."""
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero here")
    link = tmp_path / "z.yaml"
    link.symlink_to("/dev/zero")
    with pytest.raises(CaseError) as info:
        res_rules.load_case(link)
    assert info.value.text("en") == f"{link}: expected a regular file, got a character device"


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    """A named pipe called x.yaml is refused at once; nothing waits for a writer."""
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    fifo = tmp_path / "x.yaml"
    os.mkfifo(fifo)
    outcome: list[BaseException] = []

    def load() -> None:
        try:
            res_rules.load_case(fifo)
        except CaseError as exc:
            outcome.append(exc)

    worker = threading.Thread(target=load, daemon=True)
    worker.start()
    worker.join(timeout=10)
    if worker.is_alive():  # unblock the reader so the test run can end, then fail
        with open(fifo, "wb"):
            pass
    assert [str(e) for e in outcome] == [
        f"{fifo}: verwacht een gewoon bestand, gekregen een named pipe (FIFO)"]


def test_a_folder_named_like_a_case_file_is_refused(tmp_path: Path) -> None:
    """A directory called case.yaml is not read as a file."""
    folder = tmp_path / "case.yaml"
    folder.mkdir()
    with pytest.raises(CaseError) as info:
        read_data(folder)
    assert info.value.text("en") == f"{folder}: expected a regular file, got a directory"


def test_a_missing_file_is_a_case_error(tmp_path: Path) -> None:
    """A path that does not exist is reported, not a traceback."""
    with pytest.raises(CaseError) as info:
        res_rules.load_case(tmp_path / "nope.yaml")
    assert (info.value.code, info.value.file) == ("file.unreadable", str(tmp_path / "nope.yaml"))


def test_json_and_yaml_give_the_same_case(tmp_path: Path) -> None:
    """The two formats are one format: dates as ISO strings in JSON, native in YAML."""
    data = {**GOOD, "reference_date": "2026-05-01"}
    (tmp_path / "c.json").write_text(json.dumps(data), encoding="utf-8")
    (tmp_path / "c.yaml").write_text(
        "id: c\ntheme: planuitval\nscope: regionaal\nreference_date: 2026-05-01\n"
        "projects:\n  - {id: p, gemeente: Lopik, technology: wind, capacity_mw: 12.6}\n",
        encoding="utf-8")
    assert res_rules.load_case(tmp_path / "c.json") == res_rules.load_case(tmp_path / "c.yaml")


def _our_yaml_files() -> list[Path]:
    return sorted([*(ROOT / "rules").glob("*.yaml"), *EXAMPLES.glob("*.yaml"),
                   *SCENARIOS.glob("*.yaml"), *(ROOT / "tests" / "expected").glob("*.yaml")])


@pytest.mark.parametrize("path", _our_yaml_files(), ids=lambda p: p.name)
def test_the_strict_reader_reads_our_own_files_as_pyyaml_did(path: Path) -> None:
    """Rule files, examples and scenarios mean the same to the new reader as to PyYAML."""
    text = path.read_text(encoding="utf-8")
    assert parse_text(text, file=str(path)) == yaml.safe_load(text)


def test_case_to_mapping_round_trips() -> None:
    """The plain-data form of a case parses back into the same case."""
    case = res_rules.case_from_mapping(_with("deadline", "2026-01-01"))
    assert res_rules.case_from_mapping(res_rules.case_to_mapping(case)) == case


def test_the_model_validates_direct_construction() -> None:
    """attrs validators reject bad values in Python too (e.g. from a notebook)."""
    with pytest.raises(ValueError, match="capacity_mw"):
        res_rules.Project(id="p", gemeente="Lopik", technology="wind", capacity_mw=-1)


def test_the_schema_has_the_new_limits() -> None:
    """The JSON Schema says what the parser says: at most 1,000 projects and 100,000 MW."""
    schema = case_schema()
    project = schema["$defs"]["Project"]["properties"]["capacity_mw"]
    too_many = {**GOOD, "projects": [GOOD["projects"][0]] * 1001}
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(too_many))
    assert ((project["exclusiveMinimum"], project["maximum"]), [e.validator for e in errors]) \
        == ((0, 100_000), ["maxItems"])


# --- Single values outside a case file ------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "text"),
    [
        ("technology", "solar", "technology: expected one of 'wind', 'zon', got 'solar' "
                                "(a string)"),
        ("capacity_mw", -3.0, "capacity_mw: expected a number greater than 0 and at most "
                              "100000, got -3.0"),
        ("capacity_mw", float("nan"), "capacity_mw: expected a number greater than 0 and at "
                                      "most 100000, got nan"),
        ("transferred_to_gemeente", "yes", "transferred_to_gemeente: expected true or false, "
                                           "got 'yes' (a string) (write true or false, in lower "
                                           "case and without quotes)"),
        ("rijk_waived_to", "rijk", "rijk_waived_to: expected one of 'gemeente', 'provincie', "
                                   "or null, got 'rijk' (a string)"),
    ],
)
def test_check_field_validates_one_value_like_a_case_file(name: str, value: Any,
                                                          text: str) -> None:
    """check_field gives a look-up's argument the same CaseError a case file would get."""
    with pytest.raises(CaseError) as info:
        check_field(Project, name, value)
    assert (info.value.path, info.value.text("en")) == (name, text)


def test_check_field_accepts_good_values_and_refuses_unknown_names() -> None:
    """Good values pass silently; a field that does not exist is a programming error."""
    for name, value in (("technology", "zon"), ("capacity_mw", 62), ("rijk_waived_to", None),
                        ("transferred_to_gemeente", True)):
        check_field(Project, name, value)
    with pytest.raises(TypeError, match="no field 'capacity'"):
        check_field(Project, "capacity", 1)


# --- What validates, the rest can handle ----------------------------------------------------


@pytest.mark.parametrize(("mw", "authority"), [(100_000, "rijk"), (99_999.99, "rijk"),
                                               (0.0001, "gemeente"), (1e3, "rijk")])
def test_extreme_valid_values_are_advised(mw: float, authority: str) -> None:
    """Values at the edges of what validates go through the engine (no internal error)."""
    data = {**_with("projects[0].capacity_mw", mw), "res_forecast_twh_2030": 1000}
    assert res_rules.advise(data).projects[0].bevoegd_gezag == authority


def test_a_tiny_valid_capacity_is_advised() -> None:
    """0.00001 MW validates (> 0), and the engine takes it too: what validates, advises."""
    advice = res_rules.advise(_with("projects[0].capacity_mw", 0.00001))
    assert advice.projects[0].bevoegd_gezag == "gemeente"


def test_the_mapping_form_has_every_field_of_the_model() -> None:
    """case_to_mapping writes out every field of Case, Solution and Project (a field added to
    the model and forgotten there would fail here)."""
    import attrs

    case = res_rules.load_case(EXAMPLES / "energiewet-drie-projecten.yaml")
    mapping = res_rules.case_to_mapping(case)
    names = {cls.__name__: [a.name for a in attrs.fields(cls)]
             for cls in (res_rules.Case, res_rules.Solution, res_rules.Project)}
    assert (list(mapping), list(mapping["solution"]), list(mapping["projects"][0]),
            res_rules.case_from_mapping(mapping) == case) == (
        names["Case"], names["Solution"], names["Project"], True)


class _ComparingText(str):
    """A str subclass that defines ``__eq__`` and so has no hash."""

    def __eq__(self, other: object) -> bool:
        return str.__eq__(self, other)

    __hash__ = None  # type: ignore[assignment]


class _ClaimingAscii(str):
    """A str subclass whose ``isascii`` says yes whatever it holds."""

    def isascii(self) -> bool:
        return True


def test_text_of_a_str_subclass_is_judged_as_plain_text() -> None:
    """The model's validators take a str subclass for what it holds: a word from the list that
    cannot be hashed is still that word, and a lone surrogate is refused whatever the object
    says about itself."""
    case = res_rules.case_from_mapping({"id": "c", "theme": "planuitval",
                                        "scope": _ComparingText("lokaal")})
    with pytest.raises(CaseError) as refused:
        res_rules.case_from_mapping({"id": "c", "theme": "planuitval", "scope": "lokaal",
                                     "title": _ClaimingAscii("a\ud800")})
    assert (case.scope, refused.value.code, refused.value.path) == (
        "lokaal", "problem.lone_surrogate", "title")
