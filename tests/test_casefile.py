"""Bad input of every kind gets a CaseError naming the file, the path, what was expected and got."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import res_rules
from res_rules import CaseError

GOOD: dict[str, Any] = {
    "id": "c",
    "theme": "planuitval",
    "scope": "regionaal",
    "projects": [{"id": "p", "gemeente": "Lopik", "technology": "wind", "capacity_mw": 12.6}],
}


def _with(path: str, value: Any) -> dict[str, Any]:
    data = json.loads(json.dumps(GOOD))
    target = data
    parts = path.replace("]", "").replace("[", ".").split(".")
    for part in parts[:-1]:
        target = target[int(part)] if part.isdigit() else target.setdefault(part, {})
    target[parts[-1]] = value
    return data


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
        ("current_step", 5, "an integer >= 0 and <= 4"),
        ("current_step", True, "got true (a boolean)"),
        ("current_step", "1", "got '1' (a string)"),
        ("current_step", 1.5, "an integer"),
        ("reference_date", "01-05-2026", "an ISO date"),
        ("reference_date", "2026-02-30", "an ISO date"),
        ("deadline", 20260101, "an ISO date"),
        ("no_consensus_declared_by", "provincie", "one of 'stuurgroep', 'bestuurlijk_trekker'"),
        ("solution.status", "klaar", "one of 'lopend'"),
        ("solution.draagvlak", "veel", "one of 'voldoende'"),
        ("solution.adequate", "ja", "true or false or null"),
        ("agreements", "ja", "one of 'nagekomen'"),
        ("step2_need", "feit", "did you mean 'feiten'?"),
        ("res_forecast_twh_2030", -0.1, ">= 0"),
        ("res_forecast_twh_2030", float("nan"), "got nan"),
        ("id", "  ", "a non-empty string"),
        ("projects[0].capacity_mw", "12", "got '12' (a string)"),
        ("projects[0].capacity_mw", 0, "> 0"),
        ("projects[0].capacity_mw", float("inf"), "got inf"),
        ("projects[0].gemeente", "utrecht", "did you mean 'Utrecht'?"),
        ("projects[0].gemeente", "Amersfoort", "one of 'Bunnik'"),
        ("projects[0].technology", "wnd", "did you mean 'wind'?"),
        ("projects[0].status", "klaar", "one of 'gepland'"),
        ("projects[0].transferred_to_gemeente", "yes", "true or false"),
        ("projects", {"id": "p"}, "a list"),
        ("solution", "gevonden", "a mapping"),
    ],
)
def test_bad_value_names_path_expected_and_got(path: str, value: Any, fragment: str) -> None:
    """A wrong value raises CaseError at its path, saying what was expected and what came."""
    with pytest.raises(CaseError) as info:
        res_rules.case_from_mapping(_with(path, value), file="case.yaml")
    assert (info.value.path, fragment in str(info.value), str(info.value).startswith(
        f"case.yaml: {path}: expected")) == (path, True, True)


def test_unknown_key_is_an_error_with_a_hint() -> None:
    """A typo in a key is never ignored: it is named, with the closest allowed key."""
    with pytest.raises(CaseError) as info:
        res_rules.case_from_mapping({**GOOD, "them": "planuitval"})
    assert (info.value.path, "did you mean 'theme'?" in str(info.value)) == ("them", True)


def test_missing_required_key_is_named() -> None:
    """A required key that is missing is reported at its path."""
    data = {k: v for k, v in GOOD.items() if k != "scope"}
    with pytest.raises(CaseError) as info:
        res_rules.case_from_mapping(data)
    assert info.value.path == "scope"


def test_adequate_is_only_allowed_when_a_solution_was_found() -> None:
    """solution.adequate with status lopend is contradictory and rejected."""
    with pytest.raises(CaseError) as info:
        res_rules.case_from_mapping(_with("solution", {"status": "lopend", "adequate": True}))
    assert info.value.path == "solution.adequate"


def test_duplicate_project_ids_are_rejected() -> None:
    """Project ids must be unique within a case."""
    project = GOOD["projects"][0]
    with pytest.raises(CaseError) as info:
        res_rules.case_from_mapping({**GOOD, "projects": [project, project]})
    assert info.value.path == "projects[1].id"


def test_every_problem_in_a_case_is_listed() -> None:
    """All problems are collected, not just the first."""
    data = {**GOOD, "theme": "x", "scope": "y", "current_step": 9}
    with pytest.raises(CaseError) as info:
        res_rules.case_from_mapping(data)
    assert [e.path for e in info.value.errors] == ["theme", "scope", "current_step"]


def test_a_case_that_is_not_a_mapping_is_rejected() -> None:
    """A list at the top level is not a case."""
    with pytest.raises(CaseError) as info:
        res_rules.case_from_mapping([GOOD])
    assert "a mapping" in str(info.value)


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("alias.yaml", "id: &a x\ntheme: *a\nscope: regionaal\n", "aliases"),
        ("tag.yaml", "id: !!python/name:os.system x\ntheme: planuitval\nscope: regionaal\n",
         "tags"),
        ("two.yaml", "id: a\n---\nid: b\n", "exactly one YAML document"),
        ("broken.yaml", "id: [unclosed\n", "valid plain-data YAML"),
        ("broken.json", "{\"id\": ", "valid JSON"),
        ("nan.json", "{\"id\": \"x\", \"res_forecast_twh_2030\": NaN}", "valid JSON"),
        ("case.txt", "id: x\n", "a .yaml, .yml or .json file"),
    ],
)
def test_unsafe_or_broken_files_get_a_clear_error(tmp_path: Path, name: str, content: str,
                                                  fragment: str) -> None:
    """YAML beyond plain data, several documents, broken syntax: each has its own message."""
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CaseError) as info:
        res_rules.load_case(path)
    assert (fragment in str(info.value), str(path) in str(info.value)) == (True, True)


def test_a_file_that_is_not_utf8_is_rejected(tmp_path: Path) -> None:
    """Latin-1 bytes are not silently decoded."""
    path = tmp_path / "latin.yaml"
    path.write_bytes("id: caf\xe9\n".encode("latin-1"))
    with pytest.raises(CaseError) as info:
        res_rules.load_case(path)
    assert "UTF-8" in str(info.value)


def test_a_file_over_one_mebibyte_is_rejected(tmp_path: Path) -> None:
    """Huge files are refused before parsing."""
    path = tmp_path / "big.yaml"
    path.write_text("# " + "x" * (1024 * 1024) + "\n", encoding="utf-8")
    with pytest.raises(CaseError) as info:
        res_rules.load_case(path)
    assert "1 MiB" in str(info.value)


def test_a_missing_file_is_a_case_error(tmp_path: Path) -> None:
    """A path that does not exist is reported, not a traceback."""
    with pytest.raises(CaseError) as info:
        res_rules.load_case(tmp_path / "nope.yaml")
    assert "a readable file" in str(info.value)


def test_json_and_yaml_give_the_same_case(tmp_path: Path) -> None:
    """The two formats are one format: dates as ISO strings in JSON, native in YAML."""
    data = {**GOOD, "reference_date": "2026-05-01"}
    (tmp_path / "c.json").write_text(json.dumps(data), encoding="utf-8")
    (tmp_path / "c.yaml").write_text(
        "id: c\ntheme: planuitval\nscope: regionaal\nreference_date: 2026-05-01\n"
        "projects:\n  - {id: p, gemeente: Lopik, technology: wind, capacity_mw: 12.6}\n",
        encoding="utf-8")
    assert res_rules.load_case(tmp_path / "c.json") == res_rules.load_case(tmp_path / "c.yaml")


def test_case_to_mapping_round_trips() -> None:
    """The plain-data form of a case parses back into the same case."""
    case = res_rules.case_from_mapping(_with("deadline", "2026-01-01"))
    assert res_rules.case_from_mapping(res_rules.case_to_mapping(case)) == case


def test_the_model_validates_direct_construction() -> None:
    """attrs validators reject bad values in Python too (e.g. from a notebook)."""
    with pytest.raises(ValueError, match="capacity_mw"):
        res_rules.Project(id="p", gemeente="Lopik", technology="wind", capacity_mw=-1)
