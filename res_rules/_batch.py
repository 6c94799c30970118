"""Batches: advising a stream of JSON lines, and writing output files safely.

A JSONL batch is read line by line and each advice is written as soon as it is made, in input
order, so memory does not grow with the input and a slow producer sees each answer before it
sends the next line. Every line stands alone: a line that is not UTF-8, not JSON, too long or
not a valid case becomes an error object naming its line; an unexpected failure on one line is
reported for that line too; the other lines are still advised. With ``workers`` > 1 the lines are
advised in worker processes (each with its own engine) and still written in input order.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import os
import queue
import select
import signal
import stat
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any, BinaryIO, NamedTuple, TextIO

import attrs
import orjson

from ._advice import advise
from ._casefile import case_from_mapping, parse_text
from ._errors import CaseError
from ._rules import load_rules

if TYPE_CHECKING:  # imported by the parallel path only: one process starts without them
    import concurrent.futures
    import multiprocessing.context

#: The longest JSONL line read, in bytes: as large as a case file may be.
MAX_LINE_BYTES = 1024 * 1024
#: Lines handed to a worker process at once, at most (fewer when input arrives slowly).
CHUNK_LINES = 64


@attrs.frozen
class Options:
    """How every line of a batch is advised."""

    lang: str = "nl"
    as_of: dt.date | None = None
    include_expected_law: bool = True


class LineResult(NamedTuple):
    """What became of one line: its advice (compact JSON as UTF-8 bytes, written out as made)
    or its errors (JSON texts, for stderr). (A named tuple: a worker pickles one per line, and
    a tuple is made and pickled in about half the time an attrs class takes.)"""

    number: int
    advice: bytes | None = None
    errors: tuple[str, ...] = ()
    internal: bool = False


@attrs.define
class Summary:
    """How a batch went: lines advised, lines with bad input, lines that failed inside."""

    advised: int = 0
    bad: int = 0
    failed: int = 0


class _TooLong:
    """A line longer than MAX_LINE_BYTES, skipped up to its end."""


def read_lines(source: BinaryIO, limit: int = MAX_LINE_BYTES
               ) -> Iterator[tuple[int, bytes | _TooLong]]:
    """(line number, raw bytes) for every non-blank line; never more than ``limit`` bytes of a
    line are held: a longer line is skipped to its end and reported as too long."""
    number = 0
    while True:
        raw = source.readline(limit + 1)
        if not raw:
            return
        number += 1
        if len(raw) > limit and not raw.endswith(b"\n"):
            while (rest := source.readline(limit)) and not rest.endswith(b"\n"):
                pass
            yield number, _TooLong()
            continue
        if raw.strip():
            yield number, raw


def _error(number: int, path: str, message: str) -> str:
    return orjson.dumps({"line": number, "path": path, "message": message}).decode()


def advise_line(number: int, raw: bytes | _TooLong, options: Options) -> LineResult:
    """One JSONL line to its advice or its errors. Interrupts pass through untouched."""
    try:
        if isinstance(raw, _TooLong):
            raise CaseError.problem("line.too_long", max=MAX_LINE_BYTES)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CaseError.problem("file.not_utf8", offset=exc.start) from None
        case = case_from_mapping(parse_text(text, json_format=True))
        advice = advise(case, as_of=options.as_of,
                        include_expected_law=options.include_expected_law)
        # orjson: an advice is about 11 KB of JSON; json.dumps took a quarter of a line's time.
        # Its bytes go to the output as they are (from a worker too): never decoded, pickled as
        # text and encoded again.
        line = orjson.dumps({"line": number, **advice.to_dict(options.lang)})
        return LineResult(number, advice=line)
    except CaseError as exc:
        return LineResult(number, errors=tuple(
            _error(number, p.path, p.text(options.lang)) for p in exc.errors))
    except Exception as exc:  # one line's failure must not cost the other lines their advice
        return LineResult(number, errors=(_error(
            number, "", f"internal error: {type(exc).__name__}: {exc}"),), internal=True)


def advise_chunk(chunk: list[tuple[int, bytes | _TooLong]], options: Options
                 ) -> list[LineResult]:
    """Several lines in one go: the unit of work of a worker process."""
    return [advise_line(number, raw, options) for number, raw in chunk]


class _Reader(threading.Thread):
    """Reads lines into a bounded queue, so the main thread can write answers while it waits
    for the next line.

    The lines go over in runs: as many as the input holds now, up to a chunk. A producer that
    waits for an answer still has its line handed over at once (reading on may wait: the run
    goes), and the hand-over (a lock and a wake-up) is paid per run, not per line.
    """

    END = object()

    def __init__(self, source: BinaryIO, size: int) -> None:
        super().__init__(daemon=True)
        self.source = source
        #: Runs of (line number, raw line), at most ``size`` of them.
        self.lines: queue.Queue[Any] = queue.Queue(maxsize=size)
        self.failure: BaseException | None = None

    def run(self) -> None:
        lines: list[tuple[int, bytes | _TooLong]] = []
        try:
            may_wait = _may_wait(self.source)
            for item in read_lines(self.source):
                lines.append(item)
                waiting = may_wait()  # asked after every line: it counts the lines it has seen
                if waiting or len(lines) >= CHUNK_LINES:
                    self.lines.put(lines)
                    lines = []
        except BaseException as exc:  # handed to the main thread, which raises it
            self.failure = exc
        finally:
            if lines:  # the lines read before the end (or before a failure)
                self.lines.put(lines)
            self.lines.put(self.END)


def run(source: BinaryIO, emit: Callable[[LineResult], None], options: Options, *,
        workers: int = 1, sent: Callable[[], None] = lambda: None) -> Summary:
    """Advise every line of ``source``, calling ``emit`` with each result in input order, and
    ``sent`` when the results emitted so far should reach the reader now: in one process when
    reading the next line may wait for the producer, in parallel after each worker's chunk, and
    at the end."""
    summary = Summary()

    def record(result: LineResult) -> None:
        if result.advice is not None:
            summary.advised += 1
        elif result.internal:
            summary.failed += 1
        else:
            summary.bad += 1
        emit(result)

    if workers <= 1:
        # The answers so far are sent only when reading on may wait for the writer: a producer
        # that waits for each answer gets it, and a file or a full pipe is not written to line
        # by line. (A reader thread would tell the same, but handing each line over between
        # two threads cost about 50 µs a line.)
        may_wait = _may_wait(source)
        for number, raw in read_lines(source):
            record(advise_line(number, raw, options))
            if may_wait():
                sent()
        sent()
        return summary
    _run_parallel(source, record, sent, options, workers)
    return summary


def _may_wait(source: BinaryIO) -> Callable[[], bool]:
    """Whether reading the next line from ``source`` (the next one :func:`read_lines` yields)
    may wait for its writer now: a pipe or a terminal that does not hold a whole line yet
    (nothing, part of one, or only blank lines, which are read past: a producer may send the
    rest only after the answer). A file or an in-memory stream never waits; where that cannot
    be asked (no descriptor to select on, no buffer to look into), every read may. Asked once
    after each line read_lines yields."""
    try:
        descriptor = source.fileno()
        regular = stat.S_ISREG(os.fstat(descriptor).st_mode)
    except (AttributeError, OSError, ValueError):  # BytesIO and the like: read to their end
        return lambda: False
    if regular:
        return lambda: False
    peek = getattr(source, "peek", None)
    if os.name != "posix" or peek is None:  # select() takes sockets only off POSIX
        return lambda: True

    ready = 0  # lines to yield seen whole in the buffer beyond the next: read without waiting

    def may_wait() -> bool:
        nonlocal ready
        if ready:
            ready -= 1
            return False
        if not select.select([descriptor], [], [], 0)[0]:
            return True  # nothing on its way (a line still buffered is merely sent early)
        # Readable now: what is buffered, or read without waiting. Only the whole lines that
        # read_lines yields count: it reads past a blank line without asking, so a blank line
        # before part of the next one is no line to go on with.
        lines = sum(1 for line in peek(1).split(b"\n")[:-1] if line.strip())
        ready = max(lines - 1, 0)
        return not lines

    return may_wait


def _run_parallel(source: BinaryIO, record: Callable[[LineResult], None],
                  sent: Callable[[], None], options: Options, workers: int) -> None:
    import concurrent.futures  # (with multiprocessing, about 7 ms of every start otherwise)

    reader = _Reader(source, size=workers * 4)
    pending: collections.deque[concurrent.futures.Future[list[LineResult]]] = \
        collections.deque()
    limit = workers * 4
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers,
                                                mp_context=_worker_context(),
                                                initializer=_worker_start) as pool:
        # With "fork" this first task starts every worker, before the reader thread exists: a
        # forked child would otherwise inherit stdin's lock held by that thread, and wait for
        # it forever when multiprocessing closes its copy of stdin. (A fork server's or a
        # spawned worker starts from a fresh process, so when it starts does not matter.)
        pool.submit(int).result()
        reader.start()
        try:
            reading = True
            while reading or pending:
                while pending and pending[0].done():
                    for result in pending.popleft().result():
                        record(result)
                    sent()
                if reading and len(pending) < limit:
                    chunk, reading = _take(reader, block=not pending)
                    if chunk:
                        pending.append(pool.submit(advise_chunk, chunk, options))
                        continue
                if pending:
                    concurrent.futures.wait([pending[0]], timeout=0.05)
        except BaseException:
            for future in pending:
                future.cancel()
            raise
    if reader.failure is not None:
        raise reader.failure


def _worker_start() -> None:
    """In each worker process: Ctrl-C is for the parent to handle. A terminal sends it to the
    whole process group; a worker that took it printed a traceback, and one interrupted while
    it handed back its answers could leave the parent waiting for it for ever. The parent
    stops the batch, and its workers finish the chunk they are on and end. A worker whose
    parent is gone (killed) ends at Ctrl-C, as before."""
    parent = os.getppid()

    def interrupted(signum: int, frame: Any) -> None:
        if os.getppid() != parent:
            os._exit(128 + signum)

    signal.signal(signal.SIGINT, interrupted)


def _worker_context() -> multiprocessing.context.BaseContext:
    """How the worker processes start, the quickest way that is safe here.

    On Linux, while this process has no other thread, "fork": the rules are loaded here once
    and each worker starts with them in a few milliseconds (a fork while another thread holds a
    lock can leave that lock held in the child for ever). Else "forkserver", whose server loads
    the rules once before it forks the workers (:mod:`res_rules._worker`); else "spawn", where
    each worker imports the package and loads the rules itself.
    """
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    if sys.platform == "linux" and "fork" in methods and threading.active_count() == 1:
        with contextlib.suppress(Exception):  # should it fail, each worker says why per line
            load_rules()
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["res_rules._worker"])
        return context
    return multiprocessing.get_context("spawn")


def _take(reader: _Reader, *, block: bool) -> tuple[list[tuple[int, Any]], bool]:
    """The lines available now (waiting briefly for the first run when nothing is in flight),
    about a chunk at most, and whether more may come."""
    chunk: list[tuple[int, Any]] = []
    try:
        item = reader.lines.get(timeout=None if block else 0.01)
    except queue.Empty:
        return chunk, True
    while True:
        if item is _Reader.END:
            return chunk, False
        chunk += item
        if len(chunk) >= CHUNK_LINES:
            return chunk, True
        try:
            item = reader.lines.get_nowait()
        except queue.Empty:
            return chunk, True


class AtomicOutput:
    """A text file written under a temporary name beside its target and renamed over it only
    when everything was written: a failure or an interrupt leaves the previous file intact."""

    def __init__(self, target: str | os.PathLike[str]) -> None:
        self.target = Path(target)
        self.stream: TextIO | None = None
        self.temporary: str | None = None

    def __enter__(self) -> TextIO:
        import tempfile  # (only --output needs it: 3 ms of a start else)

        descriptor, self.temporary = tempfile.mkstemp(
            dir=self.target.parent, prefix=f".{self.target.name}.", suffix=".tmp")
        self.stream = os.fdopen(descriptor, "w", encoding="utf-8")
        return self.stream

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self.stream is None or self.temporary is None:
            return
        try:
            if kind is None:
                self.stream.flush()
                os.fsync(self.stream.fileno())
        finally:
            self.stream.close()
        if kind is None:
            os.chmod(self.temporary, _file_mode(self.target))
            os.replace(self.temporary, self.target)
        else:
            os.unlink(self.temporary)


def _file_mode(target: Path) -> int:
    """The mode the target has, or what a new file gets under the current umask."""
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def output_stream(target: str | None, stdout: IO[str]) -> Any:
    """A context manager for the output: stdout as is, or an atomically written file."""
    if target is None:
        return _Stdout(stdout)
    return AtomicOutput(target)


class _Stdout:
    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def __enter__(self) -> IO[str]:
        return self.stream

    def __exit__(self, *_: object) -> None:
        self.stream.flush()
