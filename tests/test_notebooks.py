"""The notebooks run top to bottom in a fresh kernel, and every cell can be run again."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT
from nbclient import NotebookClient

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.fixture
def this_python_kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A kernel spec that runs this interpreter, found before any user-level 'python3'."""
    spec = tmp_path / "kernels" / "res-rules-tests"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "res-rules tests", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    return "res-rules-tests"


def test_there_are_three_notebooks() -> None:
    """Kennismaking, bevoegd gezag and procedure."""
    assert [p.name for p in NOTEBOOKS] == [
        "01_kennismaking.ipynb", "02_bevoegd_gezag.ipynb", "03_procedure.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_and_every_cell_runs_again(path: Path, this_python_kernel: str,
                                                 tmp_path: Path) -> None:
    """Top to bottom without errors, from a working directory that is not the notebooks
    folder, then each code cell a second time in the same kernel (no 'ruleset already
    registered'); the committed notebook keeps its outputs."""
    committed = nbformat.read(path, as_version=4)
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=300, kernel_name=this_python_kernel,
                            resources={"metadata": {"path": str(tmp_path)}})
    with client.setup_kernel():
        for index, cell in enumerate(notebook.cells):
            client.execute_cell(cell, index)
        for index, cell in enumerate(notebook.cells):
            client.execute_cell(cell, index)
    errors = [o for c in notebook.cells for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    kept = [c for c in committed.cells if c.cell_type == "code" and not c.get("outputs")]
    assert (errors, kept) == ([], [])
