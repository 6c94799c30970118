"""The code style the project promises: ruff clean, mypy strict for the package, doctests run."""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed; it is part of the [test] extra")
    return found


def test_ruff_finds_nothing() -> None:
    """ruff, configured in pyproject.toml, passes on the package and the tests."""
    result = subprocess.run([_tool("ruff"), "check", "res_rules", "tests", "benchmarks"],
                            cwd=ROOT, capture_output=True, text=True, check=False)
    assert (result.returncode, result.stdout) == (0, "All checks passed!\n")


def test_mypy_strict_passes_on_the_package() -> None:
    """mypy --strict (from pyproject.toml) finds no type errors in res_rules."""
    result = subprocess.run([_tool("mypy")], cwd=ROOT, capture_output=True, text=True,
                            check=False)
    assert (result.returncode, result.stdout.startswith("Success")) == (0, True), result.stdout


@pytest.mark.parametrize("module", ["res_rules", "res_rules._advice", "res_rules._errors",
                                    "res_rules._render"])
def test_docstring_examples_run(module: str) -> None:
    """The examples in docstrings are doctests and they pass."""
    result = doctest.testmod(importlib.import_module(module))
    assert (result.failed, result.attempted > 0) == (0, True)


def test_public_names_are_exactly_all() -> None:
    """The facade exports what __all__ lists, sorted, and nothing private."""
    import res_rules

    public = sorted(n for n in vars(res_rules) if not n.startswith("_") and
                    not isinstance(getattr(res_rules, n), type(sys)))
    assert (res_rules.__all__ == sorted(res_rules.__all__),
            sorted(set(public) - set(res_rules.__all__))) == (True, [])


def test_benchmark_tables_go_to_the_end_of_their_own_section(tmp_path: Path) -> None:
    """The benchmark scripts add each run's table at the end of its section in RESULTS.md,
    before the next section, and make the section when it is missing."""
    spec = importlib.util.spec_from_file_location(
        "performance_benchmark", ROOT / "benchmarks" / "performance.py")
    assert spec is not None and spec.loader is not None
    performance = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = performance  # its dataclasses look their module up while made
    try:
        spec.loader.exec_module(performance)
    finally:
        del sys.modules[spec.name]
    results = tmp_path / "RESULTS.md"
    results.write_text("# R\n\n## A\n\nintro a\n\n### 1\nx\n\n## B\n\nintro b\n")
    performance.add_to_section("## A", "intro a", "\n### 2\ny\n", results)
    performance.add_to_section("## C", "intro c", "\n### 3\nz\n", results)
    assert results.read_text() == ("# R\n\n## A\n\nintro a\n\n### 1\nx\n\n### 2\ny\n\n"
                                   "## B\n\nintro b\n\n## C\n\nintro c\n\n### 3\nz\n")
