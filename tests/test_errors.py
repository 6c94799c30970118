"""The error types: they cross process boundaries intact, and their words come from one table."""

from __future__ import annotations

import concurrent.futures
import copy
import doctest
import multiprocessing
import pickle
import re
import string
from pathlib import Path
from typing import Any

import pytest

import res_rules
from res_rules import CaseError, EngineError, ResRulesError, RuleFileError
from res_rules._errors import MESSAGES_FILE, Problem, describe, message_table, msg

BAD: dict[str, Any] = {
    "id": "c",
    "theme": "planuitvall",
    "scope": "regionaal",
    "projects": [{"id": "p", "gemeente": "Lopik", "technology": "wind", "capacity_mw": "12"}],
}
TIMEOUT = 120  # seconds: a worker that cannot send its error back fails the test, never hangs


def _bad_case_error(file: str | None = "bad.yaml") -> CaseError:
    with pytest.raises(CaseError) as info:
        res_rules.case_from_mapping(BAD, file=file)
    return info.value


def _same(error: BaseException) -> tuple[Any, ...]:
    """What must survive a trip: type, text, and every attribute the error carries."""
    return (type(error), str(error), error.args, vars(error))


def test_case_error_survives_pickle_with_every_problem() -> None:
    """A CaseError with several problems pickles and unpickles to the same problems and text."""
    error = _bad_case_error()
    restored = pickle.loads(pickle.dumps(error))
    assert (_same(restored), restored.errors, restored.path, restored.file, len(restored.errors)) \
        == (_same(error), error.errors, "theme", "bad.yaml", 2)


def test_old_style_case_error_survives_pickle_and_copy() -> None:
    """The free-text constructor's errors pickle and copy too (it takes keyword arguments)."""
    error = CaseError("as_of", "a date", "'x'", file="f.yaml", hint="h",
                      others=[CaseError("b", "c", "d")])
    assert (_same(pickle.loads(pickle.dumps(error))), _same(copy.copy(error))) == \
        (_same(error), _same(error))


def test_rule_file_error_and_engine_error_survive_pickle() -> None:
    """RuleFileError keeps file and path; EngineError keeps its message and the failing rule."""
    rule_error = RuleFileError("rules/x.yaml", "rules[0].id", "expected a string")
    engine_error = EngineError("a rule action failed", rule="grond.tijd")
    restored = [pickle.loads(pickle.dumps(e)) for e in (rule_error, engine_error)]
    assert ([_same(e) for e in restored], restored[1].rule, restored[0].path) == \
        ([_same(rule_error), _same(engine_error)], "grond.tijd", "rules[0].id")


def test_engine_error_takes_a_rule_id() -> None:
    """EngineError(message, rule=...) keeps the rule and names it; without one it is the message."""
    with_rule = EngineError("boom", rule="bevoegd.wind.rijk")
    assert (with_rule.rule, str(with_rule), str(EngineError("boom")), EngineError("boom").rule) \
        == ("bevoegd.wind.rijk", "boom (rule bevoegd.wind.rijk)", "boom", None)


def test_every_error_type_is_a_res_rules_error_and_a_builtin() -> None:
    """One root; each subclass is also the built-in a caller would catch."""
    assert (issubclass(CaseError, ValueError), issubclass(RuleFileError, ValueError),
            issubclass(EngineError, RuntimeError),
            all(issubclass(c, ResRulesError) for c in (CaseError, RuleFileError, EngineError))) \
        == (True, True, True, True)


@pytest.mark.parametrize("method", ["spawn", "fork"])
def test_case_error_crosses_a_multiprocessing_pool(method: str) -> None:
    """A worker's CaseError reaches the parent intact through multiprocessing.Pool; no hang."""
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} start method on this platform")
    context = multiprocessing.get_context(method)
    with context.Pool(2) as pool:
        result = pool.map_async(res_rules.case_from_mapping, [BAD])
        with pytest.raises(CaseError) as info:
            result.get(timeout=TIMEOUT)
    assert info.value.errors == _bad_case_error(file=None).errors


@pytest.mark.parametrize("method", ["spawn", "fork"])
def test_case_error_crosses_a_process_pool_executor(method: str) -> None:
    """concurrent.futures.ProcessPoolExecutor returns the worker's CaseError, pool unbroken."""
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} start method on this platform")
    context = multiprocessing.get_context(method)
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=context) as executor:
        failing = executor.submit(res_rules.case_from_mapping, BAD, file="bad.yaml")
        with pytest.raises(CaseError) as info:
            failing.result(timeout=TIMEOUT)
        after = executor.submit(res_rules.case_from_mapping, {**BAD, "theme": "overig",
                                                              "projects": []})
        case = after.result(timeout=TIMEOUT)
    assert (info.value.errors, case.theme) == (_bad_case_error().errors, "overig")


def test_problem_text_is_dutch_by_default_and_english_on_request() -> None:
    """A problem renders as one line `file: path: message` in nl (default) or en."""
    problem = Problem(msg("problem.missing_key"), path="projects[0].gemeente", file="c.yaml")
    assert (problem.text(), problem.text("en"), problem.message) == (
        "c.yaml: projects[0].gemeente: deze sleutel is verplicht, maar ontbreekt",
        "c.yaml: projects[0].gemeente: this key is required but missing",
        "c.yaml: projects[0].gemeente: deze sleutel is verplicht, maar ontbreekt")


def test_case_error_from_problems_lists_them_all() -> None:
    """CaseError(problems=...) keeps each problem; str() is every line in Dutch."""
    problems = [Problem(msg("problem.missing_key"), path="scope"),
                Problem(msg("problem.missing_key"), path="theme")]
    error = CaseError(problems=problems, file="c.yaml")
    assert (str(error).splitlines(), [p.path for p in error.errors], error.file, error.code) == (
        ["c.yaml: scope: deze sleutel is verplicht, maar ontbreekt",
         "c.yaml: theme: deze sleutel is verplicht, maar ontbreekt"],
        ["scope", "theme"], "c.yaml", "problem.missing_key")


def test_case_error_problem_builds_a_structured_error_in_one_call() -> None:
    """CaseError.problem(code, path=..., **values) is the one-liner for call sites outside files."""
    error = CaseError.problem("problem.wrong_value", path="as_of",
                              expected=msg("expected.date_object"), got=describe("2026-01-01"))
    assert (str(error), error.text("en"), error.code, pickle.loads(pickle.dumps(error)).errors) \
        == ("as_of: verwacht een datum (datetime.date), gekregen '2026-01-01' (tekst)",
            "as_of: expected a date (datetime.date), got '2026-01-01' (a string)",
            "problem.wrong_value", error.errors)


def test_a_folder_without_case_files_has_its_message() -> None:
    """The CLI's 'no case files in this folder' has a structured form in both languages."""
    error = CaseError.problem("file.folder_without_cases", file="cases/")
    assert (str(error), error.text("en")) == (
        "cases/: verwacht een map met casusbestanden (*.yaml, *.yml of *.json), maar er staat "
        "er geen in",
        "cases/: expected a folder with *.yaml, *.yml or *.json case files, found none")


def test_old_constructor_still_works_and_reads_as_before() -> None:
    """CaseError(path, expected, got, file=, hint=, others=) keeps its old text and attributes."""
    error = CaseError("as_of", "a date", "'x'", file="f.yaml", hint="use 2026-01-01",
                      others=[CaseError("b", "c", "d")])
    assert (error.message, error.path, error.file, error.hint, [p.path for p in error.errors],
            error.text("en")) == (
        "f.yaml: as_of: expected a date, got 'x' (use 2026-01-01)", "as_of", "f.yaml",
        "use 2026-01-01", ["as_of", "b"],
        "f.yaml: as_of: expected a date, got 'x' (use 2026-01-01)\nb: expected c, got d")


def test_an_unknown_language_is_refused() -> None:
    """Only nl and en exist; another language is a programming error, not a silent fallback."""
    with pytest.raises(ValueError, match="lang"):
        Problem(msg("problem.missing_key")).text("de")


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _entries(table: Any, prefix: str = "") -> dict[str, Any]:
    """Every message in the table by code: the mappings that hold exactly nl and en."""
    if isinstance(table, dict) and set(table) == {"nl", "en"}:
        return {prefix: table}
    found: dict[str, Any] = {}
    for key, value in table.items():
        found.update(_entries(value, f"{prefix}.{key}" if prefix else str(key)))
    return found


def test_every_message_has_dutch_and_english_with_the_same_names() -> None:
    """Each entry of messages.yaml has nl and en text that fill in the same {names}."""
    entries = _entries(message_table())
    mismatched = [code for code, e in entries.items()
                  if not (isinstance(e["nl"], str) and isinstance(e["en"], str))
                  or _placeholders(e["nl"]) != _placeholders(e["en"])]
    assert (mismatched, len(entries) > 50) == ([], True)


def test_every_message_code_in_the_package_is_in_the_table() -> None:
    """No code names a message the table lacks (the wording lives in one place)."""
    package = Path(res_rules.__file__).parent
    source = "\n".join(p.read_text(encoding="utf-8") for p in package.glob("*.py"))
    sections = "|".join(k for k in message_table() if isinstance(message_table()[k], dict))
    used = set(re.findall(rf'"((?:{sections})\.[a-z_0-9]+)"', source))
    assert (sorted(used - set(_entries(message_table()))), len(used) > 40) == ([], True)


def test_the_message_table_ships_beside_the_package() -> None:
    """messages.yaml is inside the package folder, so the wheel carries it."""
    assert MESSAGES_FILE.parent == Path(res_rules.__file__).parent


@pytest.mark.parametrize("module", ["res_rules._errors", "res_rules._casefile",
                                    "res_rules._facts"])
def test_docstring_examples_of_the_input_modules_run(module: str) -> None:
    """The examples in the input modules' docstrings are doctests and they pass."""
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert (result.failed, result.attempted > 0) == (0, True)
