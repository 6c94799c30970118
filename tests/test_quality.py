"""The code style the project promises: ruff clean, mypy strict for the package, doctests run."""

from __future__ import annotations

import doctest
import importlib
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
