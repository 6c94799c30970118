"""The README's promises: its policy example runs, CI runs exactly its test command, and every
console block shows exactly what the program prints."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
CONSOLE = re.compile(r"```console\n(.*?)```", re.S)


def test_policy_owners_example_runs_and_passes() -> None:
    """The complete property-test example for policy owners executes without failing."""
    block = README.split("<!-- policy-example -->", 1)[1]
    code = re.search(r"```python\n(.*?)```", block, re.S)
    assert code is not None
    namespace: dict[str, object] = {}
    # A name that is no file: hypothesis looks for the source and must not read README.md.
    exec(compile(code.group(1), "<README.md: policy example>", "exec"), namespace)
    assert "test_no_solution_in_steps_1_to_3_always_escalates" in namespace


def test_ci_runs_exactly_the_readme_test_command() -> None:
    """The second command at the top of the README is the last line of .ci/run."""
    commands = re.search(r"```sh\n(.*?)\n(.*?)\n", README, re.S)
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert commands is not None
    assert (commands.group(2), "res-rules advise examples/" in commands.group(1)) == (
        ci_lines[-1], True)


def _blocks() -> list[tuple[str, str]]:
    found = []
    for block in CONSOLE.findall(README):
        command, _, output = block.partition("\n")
        if not command.startswith("$ "):
            raise ValueError(f"a console block must start with '$ command': {command!r}")
        found.append((command[2:], output))
    return found


def _matches(expected: str, actual: str) -> bool:
    """Line by line; a line of just "..." in the README stands for any lines (or none)."""
    pattern = "".join(r"(?:.*\n)*?" if line == "..." else re.escape(line) + r"\n"
                      for line in expected.splitlines())
    return re.fullmatch(pattern, actual) is not None


@pytest.mark.parametrize(("command", "expected"), _blocks(), ids=[c for c, _ in _blocks()])
def test_readme_console_blocks_show_the_real_output(command: str, expected: str) -> None:
    """Each `$ res-rules ...` block in the README prints exactly what is shown (stdout and
    stderr as a terminal shows them), so the README cannot drift from the program."""
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
           "PYTHONUNBUFFERED": "1", "COLUMNS": "100", "NO_COLOR": "1"}
    # Unbuffered and merged: stdout and stderr in the order the program wrote them.
    result = subprocess.run(["bash", "-c", f"{{ {command}\n}} 2>&1"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300, check=False,
                            stdin=subprocess.DEVNULL)
    assert _matches(expected, result.stdout), result.stdout


def test_the_readme_shows_some_console_blocks() -> None:
    """The check above has something to check: the main commands appear with their output."""
    commands = " ".join(c for c, _ in _blocks())
    assert [c for c in ("advise", "bevoegd-gezag", "compare", "validate", "rules show",
                        "schema", "--version") if c not in commands] == []
