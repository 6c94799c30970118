"""The README's promises: its policy example runs, and CI runs exactly its test command."""

from __future__ import annotations

import re

from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_policy_owners_example_runs_and_passes() -> None:
    """The complete property-test example for policy owners executes without failing."""
    block = README.split("<!-- policy-example -->", 1)[1]
    code = re.search(r"```python\n(.*?)```", block, re.S)
    assert code is not None
    namespace: dict[str, object] = {}
    exec(compile(code.group(1), "README.md", "exec"), namespace)  # our own README
    assert "test_no_solution_in_steps_1_to_3_always_escalates" in namespace


def test_ci_runs_exactly_the_readme_test_command() -> None:
    """The second command at the top of the README is the last line of .ci/run."""
    commands = re.search(r"```sh\n(.*?)\n(.*?)\n```", README, re.S)
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert commands is not None
    assert (commands.group(2), "res-rules advise examples/" in commands.group(1)) == (
        ci_lines[-1], True)
