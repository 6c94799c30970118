"""Nothing lost, nothing hangs: JSONL batches, folders, output files, interrupts and pipes,
through the console script as a user runs it."""

from __future__ import annotations

import contextlib
import io
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES

import res_rules
from res_rules import _batch
from res_rules._cli import main

CASE = {"id": "a", "theme": "planuitval", "scope": "regionaal",
        "no_consensus_declared_by": "stuurgroep", "reference_date": "2026-03-01"}
SCRIPT = [sys.executable, "-m", "res_rules"]


@contextlib.contextmanager
def _interruptible() -> Iterator[None]:
    """Processes started inside take Ctrl-C as at a terminal. A suite run as a background job
    (``&``) starts with SIGINT ignored, which a child inherits and Python then keeps: the tests'
    interrupts would do nothing. A handler of our own is reset to the default in the child."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _line(**changes: Any) -> bytes:
    return (json.dumps({**CASE, **changes}) + "\n").encode()


def _run(*args: str, stdin: bytes = b"", timeout: float = 120) -> subprocess.CompletedProcess[
        bytes]:
    return subprocess.run([*SCRIPT, *args], input=stdin, capture_output=True, timeout=timeout,
                          check=False)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_batch_keeps_input_order_and_reports_each_bad_line(workers: str) -> None:
    """Good lines are advised in input order; bad JSON, invalid UTF-8, a bad case and a line
    that is too long are each reported with their line number; the exit code is 2."""
    too_long = b'{"id": "' + b"x" * (_batch.MAX_LINE_BYTES + 10) + b'"}\n'
    stdin = b"".join([_line(id="c1"), b"not json\n", _line(id="c3"), b"\xff\xfe\n",
                      _line(id="c5", theme="planuitvall"), too_long, _line(id="c7"), b"\n"])
    result = _run("advise", "--jsonl", "-", "--workers", workers, stdin=stdin)
    advised = [json.loads(x) for x in result.stdout.decode().splitlines()]
    errors = [json.loads(x) for x in result.stderr.decode().splitlines()]
    assert (result.returncode, [(a["line"], a["case_id"]) for a in advised],
            [e["line"] for e in errors]) == (2, [(1, "c1"), (3, "c3"), (7, "c7")], [2, 4, 5, 6])


def test_an_unexpected_failure_on_one_line_costs_only_that_line(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A line whose advice fails inside (not bad input) is reported with its number as an
    internal error; the lines after it are still advised."""
    real = _batch.advise

    def flaky(case: res_rules.Case, **kwargs: Any) -> res_rules.Advice:
        if case.id == "boom":
            raise RuntimeError("the engine fell over")
        return real(case, **kwargs)

    monkeypatch.setattr(_batch, "advise", flaky)
    source = io.BytesIO(_line(id="c1") + _line(id="boom") + _line(id="c3"))
    seen: list[_batch.LineResult] = []
    summary = _batch.run(source, seen.append, _batch.Options(), workers=1)
    assert ([(r.number, r.advice is not None, r.internal) for r in seen],
            (summary.advised, summary.failed), "the engine fell over" in seen[1].errors[0]) == (
        [(1, True, False), (2, False, True), (3, True, False)], (2, 1), True)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_answers_leave_as_they_are_made(workers: str) -> None:
    """A producer that sends one line and waits gets its answer before sending the next."""
    process = subprocess.Popen([*SCRIPT, "advise", "--jsonl", "-", "--workers", workers],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    assert process.stdin is not None and process.stdout is not None
    answered = []
    try:
        for i in range(3):
            process.stdin.write(_line(id=f"c{i}"))
            process.stdin.flush()
            answered.append(json.loads(process.stdout.readline())["case_id"])
    finally:
        process.stdin.close()
        code = process.wait(timeout=60)
    assert (answered, code) == (["c0", "c1", "c2"], 0)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_blank_lines_at_a_buffer_boundary_do_not_hold_answers_back(workers: str) -> None:
    """Two lines, two blank lines and a long line in one write larger than the command's read
    buffer, then the producer waits for three answers without closing: it gets them."""
    import select

    process = subprocess.Popen([*SCRIPT, "advise", "--jsonl", "-", "--workers", workers],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    assert process.stdin is not None and process.stdout is not None
    long = _line(id="c2")[:-2] + b" " * 9000 + b"}\n"  # white space inside the JSON
    process.stdin.write(_line(id="c0") + _line(id="c1") + b"\n \n" + long)
    process.stdin.flush()
    received = b""
    deadline = time.monotonic() + 60
    while received.count(b"\n") < 3 and time.monotonic() < deadline:
        if select.select([process.stdout.fileno()], [], [], 1)[0]:
            received += os.read(process.stdout.fileno(), 1 << 20)
    process.stdin.close()
    code = process.wait(timeout=60)
    assert ([json.loads(line)["case_id"] for line in received.splitlines()], code) == (
        ["c0", "c1", "c2"], 0)


def test_workers_are_forked_only_while_no_other_thread_runs() -> None:
    """"fork" starts the workers quickest (they inherit the loaded rules), and only when this
    process has no other thread, whose locks a forked child could inherit held."""
    idle = threading.Event()
    other = threading.Thread(target=idle.wait)
    other.start()
    try:
        assert _batch._worker_context().get_start_method() != "fork"
    finally:
        idle.set()
        other.join()
    if sys.platform == "linux" and threading.active_count() == 1:
        assert _batch._worker_context().get_start_method() == "fork"


@pytest.mark.parametrize("method", ["forkserver", "spawn"])
def test_every_way_of_starting_workers_gives_the_same_lines(
        method: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The batch's output does not depend on how its workers started (the console script
    forks them; with other threads running, or off Linux, they start another way)."""
    import multiprocessing

    lines = b"".join(_line(id=f"c{i}", current_step=i % 5) for i in range(70)) + b"nope\n"
    serial: list[_batch.LineResult] = []
    _batch.run(io.BytesIO(lines), serial.append, _batch.Options(), workers=1)
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        context.set_forkserver_preload(["res_rules._worker"])
    monkeypatch.setattr(_batch, "_worker_context", lambda: context)
    parallel: list[_batch.LineResult] = []
    _batch.run(io.BytesIO(lines), parallel.append, _batch.Options(), workers=2)
    assert parallel == serial
    assert (len(serial), serial[-1].errors != ()) == (71, True)


@pytest.mark.parametrize(("encoding", "errors"), [
    (None, None), ("utf-8", "strict"), ("latin-1", "backslashreplace"), ("latin-1", "strict"),
    ("ascii", "strict")])
def test_jsonl_lines_reach_any_kind_of_stdout(encoding: str | None, errors: str | None,
                                              tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The advice lines are written as UTF-8 bytes when stdout is a UTF-8 byte stream, and as
    text otherwise: a StringIO (a program capturing the output, a notebook) gets the same
    lines, and a stream in another encoding gets them with what it cannot hold escaped as JSON
    does (a strict Latin-1 or ASCII stdout used to get an encoding error and no advice)."""
    source = tmp_path / "cases.jsonl"
    source.write_bytes(_line(id="c1") + _line(id="c2"))
    raw = io.BytesIO()
    stdout: Any = io.StringIO() if encoding is None else io.TextIOWrapper(
        raw, encoding=encoding, errors=errors)
    monkeypatch.setattr(sys, "stdout", stdout)
    with pytest.raises(SystemExit) as exit_info:
        main(["advise", "--jsonl", str(source), "--workers", "1"])
    stdout.flush()
    text = stdout.getvalue() if encoding is None else raw.getvalue().decode(encoding)
    lines = [json.loads(line) for line in text.splitlines()]
    expected = [res_rules.advise(json.loads(_line(id=i))).to_dict() for i in ("c1", "c2")]
    assert (exit_info.value.code, [{**a, "line": 0} for a in lines]) == (
        0, [{"line": 0, **e} for e in expected])
    assert ("\\u2014" in text) == (encoding in ("latin-1", "ascii"))  # a dash: not in these


@pytest.mark.skipif(sys.platform == "win32", reason="closes stderr in the child (POSIX)")
def test_a_closed_or_odd_stderr_still_gets_the_advice_out(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    """stderr closed (``2>&-``: Python makes it None) or an object that cannot say whether it
    is a terminal: the batch is still advised (asking it whether it was a terminal failed)."""
    source = tmp_path / "cases.jsonl"
    source.write_bytes(_line(id="c1") + _line(id="c2"))
    closed = subprocess.run([*SCRIPT, "advise", "--jsonl", str(source)], capture_output=False,
                            stdout=subprocess.PIPE, timeout=120, check=False,
                            preexec_fn=lambda: os.close(2))

    class Plain:
        def __init__(self) -> None:
            self.text = ""

        def write(self, text: str) -> int:
            self.text += text
            return len(text)

        def flush(self) -> None:
            pass

    stdout, stderr = io.StringIO(), Plain()
    monkeypatch.setattr(sys, "stdout", stdout)
    monkeypatch.setattr(sys, "stderr", stderr)
    with pytest.raises(SystemExit) as exit_info:
        main(["advise", "--jsonl", str(source), "--workers", "1"])
    assert (closed.returncode, len(closed.stdout.splitlines()), exit_info.value.code,
            len(stdout.getvalue().splitlines()), stderr.text) == (0, 2, 0, 2, "")


def test_a_stream_that_keeps_what_it_is_given_gets_every_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The gathered advice is handed over as bytes of its own, never the buffer that is
    emptied and filled again afterwards."""
    kept: list[Any] = []

    class Keeping:
        def write(self, data: Any) -> int:
            kept.append(data)
            return len(data)

        def flush(self) -> None:
            pass

    class Stdout:  # a UTF-8 text stream: the command writes to the bytes under it
        encoding = "utf-8"
        buffer = Keeping()

        def write(self, text: str) -> int:
            return len(text)

        def flush(self) -> None:
            pass

    monkeypatch.setattr(sys, "stdout", Stdout())
    source = tmp_path / "cases.jsonl"
    source.write_bytes(b"".join(_line(id=f"c{i}") for i in range(30)))
    with pytest.raises(SystemExit):
        main(["advise", "--jsonl", str(source), "--workers", "1"])
    lines = b"".join(bytes(k) for k in kept).splitlines()
    assert [json.loads(line)["case_id"] for line in lines] == [f"c{i}" for i in range(30)]


def test_a_batch_reads_its_input_as_a_stream() -> None:
    """Lines are read one at a time: the reader never holds more than one line of input."""
    class Counting(io.BytesIO):
        def __init__(self, data: bytes) -> None:
            super().__init__(data)
            self.largest = 0

        def readline(self, size: int | None = -1) -> bytes:
            line = super().readline(size)
            self.largest = max(self.largest, len(line))
            return line

    source = Counting(b"".join(_line(id=f"c{i}") for i in range(50)))
    seen: list[_batch.LineResult] = []
    _batch.run(source, seen.append, _batch.Options(), workers=1)
    assert (len(seen), source.largest) == (50, len(_line(id="c10")))


def test_a_folder_is_advised_file_by_file_even_when_one_file_fails(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[
                                                                       str]) -> None:
    """advise DIR writes each advice as it goes; a file whose advice fails inside is reported
    with its name, and the other files are still advised (exit 1 for the internal error)."""
    for name in ("a.yaml", "b.yaml", "c.yaml"):
        (tmp_path / name).write_text(json.dumps({**CASE, "id": name[0]}), encoding="utf-8")
    from res_rules import _cli

    real = _cli.advise

    def flaky(case: res_rules.Case, **kwargs: Any) -> res_rules.Advice:
        if case.id == "b":
            raise RuntimeError("boom")
        return real(case, **kwargs)

    monkeypatch.setattr(_cli, "advise", flaky)
    with pytest.raises(SystemExit) as exit_info:
        main(["advise", str(tmp_path), "--json"])
    out, err = capsys.readouterr()
    assert (exit_info.value.code, [a["case_id"] for a in json.loads(out)],
            "b.yaml: interne fout: RuntimeError: boom" in err) == (1, ["a", "c"], True)


def test_output_replaces_the_file_only_when_everything_was_written(tmp_path: Path) -> None:
    """--output writes beside the target and renames at the end: a failure keeps the old
    contents, success replaces them, and no temporary file is left behind."""
    target = tmp_path / "advies.md"
    target.write_text("vorige versie\n", encoding="utf-8")
    with pytest.raises(RuntimeError), _batch.AtomicOutput(target) as stream:
        stream.write("half")
        raise RuntimeError("killed halfway")
    kept = target.read_text(encoding="utf-8")
    result = _run("advise", str(EXAMPLES / "lokaal-geschil.yaml"), "--format", "markdown",
                  "--output", str(target))
    assert (kept, result.returncode, target.read_text(encoding="utf-8").startswith("# Advies"),
            sorted(p.name for p in tmp_path.iterdir())) == (
        "vorige versie\n", 0, True, ["advies.md"])


@pytest.mark.parametrize("workers", ["1", "2"])
def test_an_interrupted_output_leaves_the_previous_file(workers: str, tmp_path: Path) -> None:
    """Ctrl-C during a batch written to --output, while it waits for the next line: the old
    file stays whole, and the exit is 130 (a thread waiting on stdin used to abort the process
    at exit, -6)."""
    target = tmp_path / "uit.jsonl"
    target.write_text("oud\n", encoding="utf-8")
    with _interruptible():
        process = subprocess.Popen([*SCRIPT, "advise", "--jsonl", "-", "--workers", workers,
                                    "--output", str(target)], stdin=subprocess.PIPE,
                                   stderr=subprocess.PIPE)
    assert process.stdin is not None
    process.stdin.write(_line(id="c1"))
    process.stdin.flush()
    time.sleep(2)
    process.send_signal(signal.SIGINT)
    code = process.wait(timeout=60)
    assert (code, target.read_text(encoding="utf-8"),
            [p.name for p in tmp_path.iterdir()]) == (130, "oud\n", ["uit.jsonl"])


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
@pytest.mark.parametrize("workers", ["1", "2"])
def test_ctrl_c_while_a_named_pipe_is_silent_exits_130(workers: str, tmp_path: Path) -> None:
    """--jsonl on a named pipe whose writer sends one line and then waits: Ctrl-C ends the
    batch with "afgebroken" and 130 (closing the pipe's reader while a thread waited in it used
    to hang the process)."""
    fifo = tmp_path / "in.jsonl"
    os.mkfifo(fifo)
    with _interruptible():
        process = subprocess.Popen([*SCRIPT, "advise", "--jsonl", str(fifo), "--workers",
                                    workers], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    with open(fifo, "wb") as writer:
        writer.write(_line(id="c1"))
        writer.flush()
        answer = json.loads(process.stdout.readline())["case_id"]
        process.send_signal(signal.SIGINT)
        try:
            code = process.wait(timeout=30)
        finally:
            process.kill()
    assert (answer, code, process.stderr.read().decode().strip().splitlines()[-1:]) == (
        "c1", 130, ["afgebroken"])


@pytest.mark.skipif(os.name != "posix", reason="select() on a pipe is POSIX")
def test_an_answer_is_not_held_back_by_part_of_the_next_line() -> None:
    """A producer that sends part of its next line while an answer is being made, and the rest
    only after that answer: the answer still comes (it used to wait for the rest, for ever)."""
    import select

    projects = [{"id": f"p{i}", "gemeente": "Utrecht", "technology": "wind",
                 "capacity_mw": 12.6} for i in range(300)]  # about 20 ms to advise
    process = subprocess.Popen([*SCRIPT, "advise", "--jsonl", "-", "--workers", "1"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    assert process.stdin is not None and process.stdout is not None
    answered = []
    try:
        process.stdin.write(_line(id="c1"))  # the command is started and waits for more
        process.stdin.flush()
        answered.append(json.loads(process.stdout.readline())["case_id"])
        process.stdin.write(_line(id="c2", projects=projects))
        process.stdin.flush()
        time.sleep(0.005)  # while c2 is advised, part of c3 arrives
        third = _line(id="c3")
        process.stdin.write(third[:20])
        process.stdin.flush()
        held = not select.select([process.stdout], [], [], 10)[0]
        if not held:
            answered.append(json.loads(process.stdout.readline())["case_id"])
        process.stdin.write(third[20:])
        process.stdin.close()
        answered += [json.loads(line)["case_id"] for line in process.stdout.read().splitlines()]
        code = process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert (held, answered, code) == (False, ["c1", "c2", "c3"], 0)


@pytest.mark.skipif(not hasattr(os, "killpg"), reason="process groups are POSIX")
def test_workers_whose_parent_was_killed_still_end_at_ctrl_c() -> None:
    """Workers leave Ctrl-C to their parent; once the parent is gone (killed), Ctrl-C ends them
    as it did before, instead of leaving them waiting for work for ever."""
    with _interruptible():
        process = subprocess.Popen([*SCRIPT, "advise", "--jsonl", "-", "--workers", "2"],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
    assert process.stdin is not None and process.stdout is not None
    group = process.pid
    try:
        process.stdin.write(_line(id="c1"))
        process.stdin.flush()
        answer = json.loads(process.stdout.readline())["case_id"]  # the workers are running
        process.kill()
        process.wait(timeout=30)
        os.killpg(group, signal.SIGINT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                os.killpg(group, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        else:
            os.killpg(group, signal.SIGKILL)
            pytest.fail("the workers outlived their parent and Ctrl-C")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)
    assert answer == "c1"


@pytest.mark.skipif(sys.platform == "win32", reason="closes stdin in the child (POSIX)")
def test_a_closed_stdin_is_a_usage_error_not_an_internal_one() -> None:
    """``--jsonl -`` with stdin closed (``<&-``): exit 2 and what to do, in the user's
    language (it was "interne fout: RuntimeError", exit 1)."""
    result = subprocess.run([*SCRIPT, "advise", "--jsonl", "-"], capture_output=True,
                            timeout=120, check=False, preexec_fn=lambda: os.close(0))
    assert (result.returncode, "standaardinvoer (-) is gesloten" in result.stderr.decode(),
            b"Traceback" in result.stderr) == (2, True, False)


@pytest.mark.skipif(os.name != "posix", reason="select() on a pipe is POSIX")
def test_reading_may_wait_only_while_a_pipe_holds_no_whole_line(tmp_path: Path) -> None:
    """When the answers so far must be sent: a pipe with nothing in it yet, or only part of a
    line, may make the next read wait; a pipe with a whole line in it, a file and an in-memory
    stream do not."""
    path = tmp_path / "cases.jsonl"
    path.write_bytes(_line(id="c1"))
    found = []
    for sent in (b"", _line(id="c1")[:20], _line(id="c1")):
        read_end, write_end = os.pipe()
        with os.fdopen(read_end, "rb") as pipe:
            if sent:
                os.write(write_end, sent)
            found.append(_batch._may_wait(pipe)())
            os.close(write_end)
    with open(path, "rb") as file:
        found += [_batch._may_wait(file)(), _batch._may_wait(io.BytesIO())()]
    assert found == [True, True, False, False, False]


@pytest.mark.parametrize("blank", [b"\n\n", b" \r\n\t\n"])
def test_blank_lines_before_part_of_a_line_may_still_wait(blank: bytes) -> None:
    """Blank lines are read past without an answer: two whole lines, blank ones, then part of a
    line whose rest is still in the pipe. After the first line the second is there; after the
    second, reading on may wait (it used to count the blank lines as lines to go on with, and
    held the answers back while the producer waited for them)."""
    read_end, write_end = os.pipe()
    with os.fdopen(read_end, "rb", buffering=8192) as pipe:
        head = _line(id="c1") + _line(id="c2") + blank
        os.write(write_end, head + b" " * (8192 - len(head)) + b"x\n")  # its end waits
        may_wait = _batch._may_wait(pipe)
        found = []
        for _ in _batch.read_lines(pipe):
            found.append(may_wait())
            if len(found) == 2:
                break
        os.close(write_end)
    assert found == [False, True]


def test_the_reader_hands_over_every_line_a_waiting_producer_sent() -> None:
    """4,100 short lines in one write, the pipe kept open: the parallel batch's reader hands all
    of them over (runs of a chunk each, then the rest), and then waits. It asks whether reading
    may wait after every line; skipping that at a full run left its count of buffered lines one
    too high per run, and the last lines stayed with it while the producer waited."""
    read_end, write_end = os.pipe()
    with os.fdopen(read_end, "rb") as pipe:
        os.write(write_end, b"x\n" * 4100)
        reader = _batch._Reader(pipe, size=1000)
        reader.start()
        handed = 0
        deadline = time.monotonic() + 30
        while handed < 4100 and time.monotonic() < deadline:
            with contextlib.suppress(queue.Empty):
                handed += len(reader.lines.get(timeout=0.5))  # (END comes only at the close)
        os.close(write_end)
        reader.join(timeout=30)
    assert handed == 4100


def test_lines_already_buffered_are_not_looked_for_again() -> None:
    """Three whole lines in the pipe: the three reads do not wait, and only the fourth may (the
    check looks at the pipe once, not once per line)."""
    read_end, write_end = os.pipe()
    with os.fdopen(read_end, "rb") as pipe:
        os.write(write_end, _line(id="c1") * 3)
        may_wait = _batch._may_wait(pipe)
        found = []
        for _ in range(3):
            found.append(may_wait())
            pipe.readline()
        found.append(may_wait())
        os.close(write_end)
    assert found == [False, False, False, True]


def test_answers_are_written_together_when_the_next_line_is_already_there(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """From a file the next line is always there, so the advice lines leave in a few large
    writes, not one per line (a pipe's reader wakes once per write); the lines are the same."""
    writes: list[int] = []

    class Counting(io.BytesIO):
        def write(self, data: Any) -> int:
            writes.append(len(data))
            return super().write(data)

    raw = Counting()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(raw, encoding="utf-8"))
    source = tmp_path / "cases.jsonl"
    source.write_bytes(b"".join(_line(id=f"c{i}") for i in range(120)))
    with pytest.raises(SystemExit) as exit_info:
        main(["advise", "--jsonl", str(source), "--workers", "1"])
    lines = [json.loads(line) for line in raw.getvalue().splitlines()]
    assert (exit_info.value.code, [a["case_id"] for a in lines]) == (
        0, [f"c{i}" for i in range(120)])
    assert len(writes) <= 120 // 8, writes  # one write per line before


def _interrupt(workers: str, delay: float, *, group: bool = False, waiting: bool = False
               ) -> tuple[int, str]:
    """A JSONL batch from a pipe, interrupted with SIGINT after ``delay`` seconds: sent to the
    process alone, or to its whole process group as a terminal's Ctrl-C is (``group``); while
    it waits for its second line (``waiting``) or mid-batch. Its exit code and stderr."""
    with _interruptible():
        process = subprocess.Popen([*SCRIPT, "advise", "--jsonl", "-", "--workers", workers],
                                   stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, start_new_session=group)
    assert process.stdin is not None and process.stderr is not None
    lines = b"".join(_line(id=f"c{i}", current_step=i % 5) for i in range(400))

    def feed() -> None:  # in the background: the pipe fills and the writer waits on it
        assert process.stdin is not None
        try:
            if waiting:
                process.stdin.write(_line(id="c1"))
                process.stdin.flush()
                return
            for _ in range(50):
                process.stdin.write(lines)
            process.stdin.close()
        except (BrokenPipeError, ValueError, OSError):
            pass

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    time.sleep(delay)
    if group:
        os.killpg(process.pid, signal.SIGINT)
    else:
        process.send_signal(signal.SIGINT)
    try:
        code = process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    feeder.join(timeout=10)
    return code, process.stderr.read().decode()


@pytest.mark.parametrize("attempt", range(6))
def test_ctrl_c_during_a_batch_says_afgebroken_and_exits_130(attempt: int) -> None:
    """Interrupts pass through the engine untouched: the message is "afgebroken", the exit
    code 130, never an engine failure or a traceback, wherever the interrupt lands."""
    code, stderr = _interrupt("1", 1.0 + 0.13 * attempt)  # mid-batch, a little later each time
    assert (code, stderr.strip().splitlines()[-1:], "Traceback" in stderr,
            "engine" in stderr) == (130, ["afgebroken"], False, False)


@pytest.mark.skipif(not hasattr(os, "killpg"), reason="process groups are POSIX")
@pytest.mark.parametrize(("workers", "waiting", "delay"), [
    ("2", True, 1.5), ("2", False, 1.0), ("2", False, 1.3), ("2", False, 1.7),
    ("1", False, 1.3)])
def test_ctrl_c_at_a_terminal_reaches_every_process_and_still_ends_cleanly(
        workers: str, waiting: bool, delay: float) -> None:
    """A terminal's Ctrl-C goes to the whole process group, workers included: the batch still
    ends with "afgebroken" and 130, without a worker's traceback, while it waits for input and
    mid-batch (a worker interrupted while handing back its answers used to leave the parent
    waiting for ever, now and then)."""
    code, stderr = _interrupt(workers, delay, group=True, waiting=waiting)
    assert (code, stderr.strip().splitlines()[-1:], "Traceback" in stderr) == (
        130, ["afgebroken"], False)


@pytest.mark.parametrize("command", [
    ["advise", str(EXAMPLES)],
    ["advise", str(EXAMPLES), "--json"],
    ["rules", "--format", "markdown"],
    ["schema"],
    ["bevoegd-gezag", "--technology", "wind", "--capacity-mw", "12"],
])
def test_a_closed_pipe_ends_quietly_with_141(command: list[str]) -> None:
    """`| head -1` closes the pipe early: no message, no traceback, exit 141 like other Unix
    tools, the same for every command."""
    result = subprocess.run(["bash", "-c", " ".join(
        ['"$0"', "-m", "res_rules", *[f"'{c}'" for c in command],
         "| head -c 10 >/dev/null; echo ${PIPESTATUS[0]} >&2"]), sys.executable],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "PYTHONUNBUFFERED": "0"})
    assert result.stderr.strip().splitlines() in (["141"], ["0"])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pipe sizes are Linux's")
def test_the_advice_pipe_is_widened_to_hold_a_whole_write() -> None:
    """The pipe the advice lines go into holds OUTPUT_BYTES (one gathered write), so the batch
    does not wait for the reader 16 times per MiB; the lines are the same."""
    import fcntl

    from res_rules._cli import OUTPUT_BYTES

    process = subprocess.Popen([*SCRIPT, "advise", "--jsonl", "-", "--workers", "1"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert process.stdin is not None and process.stdout is not None
    before = fcntl.fcntl(process.stdout.fileno(), fcntl.F_GETPIPE_SZ)
    process.stdin.write(_line(id="c1") + _line(id="c2"))
    process.stdin.close()
    output = process.stdout.read()  # to the end: the command has done its work
    after = fcntl.fcntl(process.stdout.fileno(), fcntl.F_GETPIPE_SZ)
    process.stdout.close()
    process.wait(timeout=120)
    assert (before, after, [json.loads(line)["case_id"] for line in output.splitlines()]) == (
        65536, OUTPUT_BYTES, ["c1", "c2"])


def test_widening_leaves_what_is_no_pipe_alone(tmp_path: Path) -> None:
    """A file, a text stream without a descriptor and a closed pipe are left as they are."""
    from res_rules._cli import _widen_pipe

    with open(tmp_path / "out", "wb") as file:
        _widen_pipe(file, 1 << 20)
        file.write(b"x")
    reading, writing = os.pipe()
    os.close(reading)
    os.close(writing)
    _widen_pipe(io.StringIO(), 1 << 20)
    _widen_pipe(writing, 1 << 20)  # an int has no fileno()
    assert (tmp_path / "out").read_bytes() == b"x"


def test_the_reader_hands_over_runs_of_lines_and_then_its_failure() -> None:
    """The parallel batch's reader thread hands lines over in runs (a file: a chunk at a time),
    keeps every line read before a failure, and passes the failure on."""

    class Failing(io.BytesIO):
        def readline(self, size: int | None = -1) -> bytes:
            line = super().readline(size)
            if not line:
                raise OSError("the disk went away")
            return line

    reader = _batch._Reader(Failing(_line(id="c1") * 100), size=8)
    reader.start()
    reader.join(timeout=60)
    runs = []
    while (run := reader.lines.get_nowait()) is not _batch._Reader.END:
        runs.append(len(run))
    assert (runs, str(reader.failure)) == ([_batch.CHUNK_LINES, 100 - _batch.CHUNK_LINES],
                                          "the disk went away")
