"""Fuzzing the command line: whatever a case file holds, `advise` gives advice (exit 0) or refuses
it (exit 2) with lines that name the file and the place in it, and `validate` agrees.

The broad run calls the console script's entry point in-process (the same code that
``res-rules`` runs, minus the interpreter start); a sample of the same inputs goes through the
real console script in a subprocess with a time limit, so that a hang fails the test.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_input_fuzz import ODD_TOKENS, Mapping_, _json, _yaml, near_cases, trees

from res_rules._cli import main

BROAD = settings(max_examples=int(os.environ.get("RES_RULES_FUZZ_EXAMPLES", "150")),
                 deadline=timedelta(seconds=20),
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
#: Each example starts two interpreters; a small sample is enough to catch a hang or a crash
#: that only the real process shows (an exit code set by the interpreter, output buffering).
SAMPLE = settings(max_examples=8, deadline=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
LIMIT_SECONDS = 60

def _structured(node: Any, odd: list[str], depth: int, suffix: str) -> tuple[bytes, str]:
    text = _json(node) if suffix == ".json" else _yaml(node, odd)
    if depth > 80:  # deeper than the reader allows (64)
        text = "[" * depth + text + "]" * depth
    return text.encode("utf-8", "surrogatepass"), suffix


def _block(node: Mapping_) -> tuple[bytes, str]:
    text = "".join(f"{json.dumps(str(k))}: {_yaml(v, [])}\n" for k, v in node)
    return text.encode("utf-8", "surrogatepass"), ".yaml"


#: Case files: raw bytes, structured-but-wrong data in flow YAML or JSON (odd number forms,
#: repeated keys, deep nesting, huge numbers, odd Unicode), and almost-right cases in block YAML.
contents = st.one_of(
    st.tuples(st.binary(max_size=2000), st.sampled_from([".yaml", ".json"])),
    st.builds(_structured, st.one_of(trees, near_cases()),
              st.lists(st.sampled_from(ODD_TOKENS), max_size=6), st.integers(0, 100),
              st.sampled_from([".yaml", ".json"])),
    st.builds(_block, near_cases()),
)


def _in_process(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code: Any = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code
    return int(code or 0), out.getvalue(), err.getvalue()


def _real(*args: str) -> tuple[int, str, str]:
    script = Path(sys.executable).with_name("res-rules")
    done = subprocess.run([str(script), *args], capture_output=True, text=True,
                          timeout=LIMIT_SECONDS, check=False, stdin=subprocess.DEVNULL,
                          env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    return done.returncode, done.stdout, done.stderr


def _check(path: Path, run: Any) -> None:
    advise = run("advise", "--format", "json", str(path))
    validate = run("validate", str(path))
    code, out, err = advise
    assert code in (0, 2), (code, err)
    assert validate[0] == code, (validate, advise)  # what validates, advises
    assert "Traceback" not in err + validate[2]
    if code == 0:
        assert "recommendation" in json.loads(out)
        return
    lines = err.splitlines()
    assert out == "" and lines, advise
    # One line per problem, each naming the file; a problem inside the case also its path.
    assert [line for line in lines if not line.startswith(f"{path}: ")] == [], lines
    assert [line for line in validate[2].splitlines() if line.startswith(str(path))] == lines


def _write(folder: str, content: bytes, suffix: str) -> Path:
    path = Path(folder) / f"case{suffix}"
    path.write_bytes(content)
    return path


@BROAD
@given(contents)
def test_every_case_file_gives_advice_or_a_placed_refusal(file: tuple[bytes, str]) -> None:
    """Exit 0 with advice, or exit 2 with lines naming the file (and the path inside it);
    never 1, never a traceback; `validate` says the same."""
    with tempfile.TemporaryDirectory() as folder:
        _check(_write(folder, *file), _in_process)


@SAMPLE
@given(contents)
def test_the_real_console_script_agrees_within_a_time_limit(file: tuple[bytes, str]) -> None:
    """The same through the installed `res-rules`, each run bounded in time."""
    with tempfile.TemporaryDirectory() as folder:
        _check(_write(folder, *file), _real)


def test_the_inputs_reach_advice_and_refusal() -> None:
    """The strategy above is not all refusals: near-valid cases advise."""
    seen: set[int] = set()

    @settings(max_examples=120, deadline=None, database=None)
    @given(near_cases())
    def collect(node: Mapping_) -> None:
        with tempfile.TemporaryDirectory() as folder:
            seen.add(_in_process("advise", str(_write(folder, *_block(node))))[0])

    collect()
    assert seen == {0, 2}


def test_a_fifo_and_an_endless_device_are_refused_at_once_by_the_console_script(
        tmp_path: Path) -> None:
    """A named pipe called x.yaml (nobody writing) and z.yaml -> /dev/zero: `validate` and
    `advise` refuse both in one line each and exit 2, within the time limit."""
    if not hasattr(os, "mkfifo") or not Path("/dev/zero").exists():
        pytest.skip("no FIFOs or /dev/zero on this platform")
    fifo, device = tmp_path / "x.yaml", tmp_path / "z.yaml"
    os.mkfifo(fifo)
    device.symlink_to("/dev/zero")
    for command in ("validate", "advise"):
        code, out, err = _real(command, "--lang", "en", str(fifo), str(device))
        assert (code, err.splitlines()) == (2, [
            f"{fifo}: expected a regular file, got a named pipe (FIFO)",
            f"{device}: expected a regular file, got a character device"]), out
