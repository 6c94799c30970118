"""The ``res-rules`` command line.

Exit codes: 0 success, 1 internal error, 2 bad input or usage, 3 ``verify`` found problems in
the rule set, 130 interrupted (Ctrl-C), 141 the reader of the output went away (``| head``).
Errors go to stderr, one line each, naming the file, the path inside it and what was expected,
in the command's --lang; never a traceback for a user's mistake.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import math
import os
import re
import stat
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import click

from ._advice import advise, bevoegd_gezag
from ._batch import LineResult, Options, output_stream, run
from ._casefile import (
    CASE_SUFFIXES,
    case_from_mapping,
    date_argument,
    load_case,
    not_a_number,
    read_data,
)
from ._diff import differences
from ._errors import CaseError, EngineError, ResRulesError, msg, render
from ._rules import load_rules
from ._schema import case_schema
from ._version import __version__

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT, EXIT_PROBLEMS = 0, 1, 2, 3
EXIT_INTERRUPTED, EXIT_BROKEN_PIPE = 130, 141
#: mutate: the score is below --min-score (the check failed, as a failing test run exits 1).
EXIT_LOW_SCORE = 1


class _Choice(click.Choice):  # type: ignore[type-arg]  # generic only in newer click stubs
    """click's Choice, with the message in the command's language."""

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        if value in self.choices:
            return value
        self.fail(_say("cli.not_one_of", got=repr(value),
                       choices=", ".join(repr(c) for c in self.choices)), param, ctx)


class _Number(click.ParamType):  # type: ignore[type-arg]
    """A number as the case files write it (a decimal point), optionally within bounds."""

    name = "NUMBER"

    def __init__(self, *, whole: bool = False, low: float | None = None,
                 high: float | None = None) -> None:
        self.whole, self.low, self.high = whole, low, high

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            number: float | int = value
        else:
            text = str(value).strip()
            try:
                number = int(text) if self.whole else float(text)
            except ValueError:
                self.fail(_say("cli.whole_number", got=repr(value)) if self.whole
                          else render(not_a_number(value), _LANG.get()), param, ctx)
            if not self.whole and not math.isfinite(number):
                self.fail(render(not_a_number(value), _LANG.get()), param, ctx)
        if (self.low is not None and number < self.low) or \
                (self.high is not None and number > self.high):
            self.fail(_say("cli.between" if self.high is not None else "cli.at_least",
                           low=_plain_number(self.low), high=_plain_number(self.high),
                           got=repr(value)), param, ctx)
        return number


def _plain_number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


class _Path(click.Path):
    """click's Path, saying in the command's language what is wrong with the path."""

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        path = Path(os.fsdecode(value))
        if self.exists and not path.exists():
            self.fail(_say("cli.path_missing", path=repr(str(path))), param, ctx)
        if path.exists() and not self.file_okay and not path.is_dir():
            self.fail(_say("cli.not_a_folder", path=repr(str(path))), param, ctx)
        if path.exists() and not self.dir_okay and path.is_dir():
            self.fail(_say("cli.is_a_folder", path=repr(str(path))), param, ctx)
        return super().convert(value, param, ctx)


class _Input(click.File):
    """An input stream (``-`` for stdin), refused in the command's language when unreadable."""

    def __init__(self) -> None:
        super().__init__("rb")

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        if not isinstance(value, str | bytes | os.PathLike):
            return super().convert(value, param, ctx)
        if os.fsdecode(value) == "-":
            if sys.stdin is None:  # started with stdin closed (<&-)
                self.fail(_say("cli.stdin_closed"), param, ctx)
            return _stdin_bytes() or super().convert("-", param, ctx)
        try:
            stream = open(value, "rb")  # noqa: SIM115  # closed with the command's context
        except OSError as exc:
            self.fail(_say("cli.cannot_open", path=repr(os.fsdecode(value)),
                           reason=exc.strerror or str(exc)), param, ctx)
        # Closed with the command's context, unless reading it can wait (a named pipe, a
        # terminal): closing a reader that a thread waits in waits for that thread, so Ctrl-C
        # would hang; its descriptor closes when the process ends.
        if ctx is not None and stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
            ctx.call_on_close(stream.close)
        return stream


def _stdin_bytes() -> BinaryIO | None:
    """Standard input for a batch: a reader of its own on the same descriptor, not
    ``sys.stdin.buffer``. A parallel batch reads it in a thread; a thread waiting for input
    holds its reader's lock, and at exit (Ctrl-C, an error) Python flushes
    ``sys.stdin.buffer``: found locked by a daemon thread, that aborts the process ("could not
    acquire lock", exit -6 instead of 130)."""
    try:
        descriptor = sys.stdin.fileno()
    except (AttributeError, OSError, ValueError):  # a test runner's or a notebook's stdin
        return None
    # Never closed: the descriptor stays open (closefd=False), and closing the reader while
    # the thread waits in it would wait for the thread.
    return open(descriptor, "rb", closefd=False)


class _Date(click.ParamType):  # type: ignore[type-arg]  # generic only in newer click stubs
    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> dt.date:
        if isinstance(value, dt.date):
            return value
        found = date_argument(str(value))
        if isinstance(found, dt.date):
            return found
        self.fail(render(found, _LANG.get()), param, ctx)


def _version_text() -> str:
    rs = load_rules()
    return (f"res-rules {__version__}\nrule set {rs.name} {rs.version}, "
            f"fingerprint {rs.fingerprint}")


def _print_version(ctx: click.Context, _: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(_version_text())
        ctx.exit(0)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True,
              callback=_print_version,
              help="Show the package version and the rule set's fingerprint, then exit.")
def cli() -> None:
    """Decision support for the opschaalprocedure of RES U16.

    \b
    Examples:
      res-rules advise examples/planuitval-windpark-start.yaml
      res-rules bevoegd-gezag --technology wind --capacity-mw 12.6
      res-rules compare examples/planuitval-windpark-start.yaml --as-of 2025-12-31 \\
          --as-of 2026-01-01
      res-rules validate examples/
      res-rules rules show grond.tijd
    """


def _case_files(paths: Sequence[str]) -> Iterator[Path]:
    for name in paths:
        path = Path(name)
        if path.is_dir():
            found = sorted(p for p in path.iterdir()
                           if p.is_file() and p.suffix.lower() in CASE_SUFFIXES)
            if not found:
                raise CaseError.problem("file.folder_without_cases", file=name)
            yield from found
        else:
            yield path


def _error(message: object) -> None:
    click.echo(str(message), err=True)


#: The language of the running command's messages (its --lang), for errors reported in main().
_LANG = contextvars.ContextVar("res_rules_cli_lang", default="nl")


def _set_lang(_: click.Context, __: click.Parameter, value: str) -> str:
    _LANG.set(value)
    return value


def lang_option(what: str = "the texts") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The --lang option every command has: its texts and its error messages."""
    return click.option("--lang", type=_Choice(["nl", "en"]), default="nl",
                        show_default=True, is_eager=True, callback=_set_lang,
                        help=f"Language of {what} and of error messages. Example: --lang en")


def _problems(exc: CaseError) -> Iterator[str]:
    """Each problem of a case error, one line, in the command's language."""
    for problem in exc.errors:
        yield problem.text(_LANG.get())


def _default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


@cli.command("advise")
@click.argument("files", nargs=-1, type=_Path(dir_okay=True))
@click.option("--format", "fmt", type=_Choice(["text", "json", "markdown"]),
              default=None, help="Output format (default text). Example: --format markdown")
@click.option("--json", "as_json", is_flag=True,
              help="Same as --format json. Example: res-rules advise case.yaml --json")
@lang_option("the advice")
@click.option("--as-of", type=_Date(), default=None,
              help="Reference date instead of the case's reference_date. "
                   "Example: --as-of 2026-12-01")
@click.option("--current-law-only", is_flag=True,
              help="Leave out the memo's expected legislation (before 2026: zon from 50 MW is "
                   "then the Rijk's, not the provincie's). Example: --current-law-only")
@click.option("--details", is_flag=True,
              help="Text format: also show the rule ids and codes behind each line, and an "
                   "appendix of every rule's conclusions. Example: --details")
@click.option("--output", type=_Path(dir_okay=False), default=None,
              help="Write to this file instead of stdout; it is replaced only when all is "
                   "written. Example: --output advies.md")
@click.option("--jsonl", "jsonl", type=_Input(), default=None,
              help="Batch: a file (or - for stdin) with one case as a JSON object per line; "
                   "writes one advice JSON object per line, in input order, as it goes. "
                   "Example: --jsonl cases.jsonl")
@click.option("--workers", type=_Number(whole=True, low=1), default=None,
              help="With --jsonl: processes that share the lines (default: one per core, at "
                   "most 8). Example: --workers 1")
def advise_command(files: tuple[str, ...], fmt: str | None, as_json: bool, lang: str,
                   as_of: dt.date | None, current_law_only: bool, details: bool,
                   output: str | None, jsonl: BinaryIO | None, workers: int | None) -> None:
    """Advise on case files (a folder means every *.yaml, *.yml and *.json in it).

    One file gives one advice (a JSON object with --format json); several files or a folder
    give one advice per file (a JSON list), written as each is made.

    \b
    Examples:
      res-rules advise examples/planuitval-windpark-start.yaml
      res-rules advise examples/ --format markdown --output advies.md
      res-rules advise case.yaml --json --as-of 2026-12-01 --current-law-only
      cat cases.jsonl | res-rules advise --jsonl -
    """
    if as_json:
        if fmt not in (None, "json"):
            raise click.UsageError(_say("cli.json_and_format", fmt=str(fmt)))
        fmt = "json"
    requested = fmt
    fmt = fmt or "text"
    options = Options(lang=lang, as_of=as_of, include_expected_law=not current_law_only)
    if jsonl is not None:
        if files:
            raise click.UsageError(_say("cli.files_and_jsonl"))
        if requested not in (None, "json"):
            raise click.UsageError(_say("cli.jsonl_format", fmt=str(requested)))
        _advise_jsonl(jsonl, options, output=output, workers=workers or _default_workers())
        return
    if workers is not None:
        raise click.UsageError(_say("cli.workers_jsonl_only"))
    if not files:
        raise click.UsageError(_say("cli.no_files"))
    single = len(files) == 1 and not Path(files[0]).is_dir()
    bad = failed = False
    written = 0
    with output_stream(output, sys.stdout) as stream:
        for path in _case_files(files):
            try:
                advice = advise(load_case(path), as_of=as_of,
                                include_expected_law=not current_law_only)
                text = _render_one(advice, fmt, lang, details, single=single, first=not written)
            except CaseError as exc:
                bad = True
                for line in _problems(exc.in_file(str(path)) if exc.file is None else exc):
                    _error(line)
                continue
            except Exception as exc:  # one file's failure must not cost the others their advice
                failed = True
                _error(_say("cli.file_internal", file=str(path),
                            detail=f"{type(exc).__name__}: {exc}"))
                continue
            stream.write(text)
            stream.flush()
            written += 1
        if fmt == "json" and not single:
            stream.write("\n]\n" if written else "[]\n")
    if failed:
        sys.exit(EXIT_INTERNAL)
    if bad:
        sys.exit(EXIT_INPUT)


def _render_one(advice: Any, fmt: str, lang: str, details: bool, *, single: bool,
                first: bool) -> str:
    """One advice as it goes into the output stream, with what separates it from the last."""
    # The renderers (Jinja2) are imported where a command uses them: a JSONL batch and a JSON
    # answer never do (about 25 ms of every start-up).
    from ._render import advice_markdown, advice_text

    if fmt == "json":
        body = json.dumps(advice.to_dict(lang), ensure_ascii=False, indent=2)
        if single:
            return body + "\n"
        return ("[\n" if first else ",\n") + "\n".join("  " + line for line in
                                                        body.splitlines())
    if fmt == "markdown":
        return ("" if first else "\n---\n\n") + advice_markdown(advice, lang)
    return ("" if first else "\n" + "=" * 72 + "\n\n") + advice_text(advice, lang,
                                                                      details=details)


def _utf8_bytes(stream: Any) -> Any:
    """The byte stream under the text stream ``stream`` when writing the advice lines' UTF-8
    bytes there is what writing their text would do (a UTF-8 stream without newline
    translation), else ``stream`` itself (a StringIO, a notebook's output, another encoding)."""
    buffer = getattr(stream, "buffer", None)
    encoding = (getattr(stream, "encoding", None) or "").lower().replace("_", "-")
    if buffer is None or encoding not in ("utf-8", "utf8") or os.linesep != "\n":
        return stream
    stream.flush()  # anything written as text before goes first
    return buffer


def _spinner(output: str | None) -> Any:
    """A spinner counting the lines advised, on stderr when it is a terminal and the advice goes
    elsewhere (a file, a pipe: on a terminal the lines themselves show the progress); else None,
    and rich is not imported (a batch in a pipeline starts 25 ms sooner)."""
    if not _is_terminal(sys.stderr) or (output is None and _is_terminal(sys.stdout)):
        return None
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn

    console = Console(stderr=True)
    if not console.is_terminal:
        return None
    # Never through rich: the advice goes to stdout as written (redirected, rich would print it
    # on the terminal, wrapped). Error lines on stderr do go through it, above the spinner.
    return Progress(SpinnerColumn(), TextColumn("{task.completed} regels"), console=console,
                    transient=True, redirect_stdout=False)


def _write_json_line(stream: Any, line: bytes) -> None:
    """A JSON line (UTF-8) written as text: as it is when the stream's encoding holds every
    character, else with the others escaped (``\\u2014``), still the same JSON, so that a
    Latin-1 or ASCII terminal gets its advice instead of an encoding error."""
    text = line.decode()
    try:
        stream.write(text + "\n")
    except UnicodeEncodeError:  # nothing was written: the text is encoded before it is
        stream.write(json.dumps(json.loads(text), separators=(",", ":")) + "\n")


def _is_terminal(stream: Any) -> bool:
    """Whether ``stream`` is a terminal; False for a closed one (``2>&-`` leaves None), or one
    that cannot say."""
    try:
        return bool(stream.isatty())
    except Exception:
        return False


#: Advice bytes gathered at most before they are written (see _advise_jsonl).
OUTPUT_BYTES = 1024 * 1024


def _widen_pipe(stream: Any, size: int) -> None:
    """Let the pipe ``stream`` writes to hold ``size`` bytes, where the system allows (Linux:
    64 KiB by default, up to /proc/sys/fs/pipe-max-size, 1 MiB by default, for anyone).

    A write of many advice lines then goes into the pipe at once, instead of waiting for the
    reader 16 times per MiB: 10,000 advices into a reading Python process took about 10 %
    less time, and less CPU in this process too. Anything else (no pipe, no such call, not
    allowed) leaves the stream as it is.
    """
    try:
        import fcntl

        descriptor = stream.fileno()
        if stat.S_ISFIFO(os.fstat(descriptor).st_mode) and \
                fcntl.fcntl(descriptor, fcntl.F_GETPIPE_SZ) < size:
            fcntl.fcntl(descriptor, fcntl.F_SETPIPE_SZ, size)
    except (ImportError, AttributeError, OSError, ValueError):  # (also io.UnsupportedOperation)
        pass


def _advise_jsonl(source: BinaryIO, options: Options, *, output: str | None,
                  workers: int) -> None:
    progress = _spinner(output)
    if progress is not None:
        task = progress.add_task("advising", total=None)
        progress.start()
    try:
        with output_stream(output, sys.stdout) as stream:
            out = _utf8_bytes(stream)
            if output is None:
                _widen_pipe(stream, OUTPUT_BYTES)
            # Advice lines (about 11 KB each) are gathered and written together whenever the
            # batch says so (the next line is not there yet, a worker's chunk is done) or
            # OUTPUT_BYTES have gathered: one write of many lines instead of one per line (a
            # pipe's reader wakes once, not per line).
            # (A list joined once per write: a bytearray grown line by line copied itself over
            # and over, about 8 µs a line.)
            gathered: list[bytes] = []
            size = 0

            def send() -> None:
                nonlocal size
                if gathered:
                    out.write(b"".join(gathered))
                    gathered.clear()
                    size = 0
                out.flush()

            def emit(result: LineResult) -> None:
                nonlocal size
                if result.advice is not None:
                    if out is stream:  # not a UTF-8 byte stream: through the text layer
                        _write_json_line(stream, result.advice)
                    else:
                        gathered.extend((result.advice, b"\n"))
                        size += len(result.advice) + 1
                        if size >= OUTPUT_BYTES:
                            send()
                for line in result.errors:
                    send()  # an error on stderr after the advice lines before it
                    _error(line)
                if progress is not None:
                    progress.advance(task)

            summary = run(source, emit, options, workers=workers, sent=send)
    finally:
        if progress is not None:
            progress.stop()
    if summary.failed:
        sys.exit(EXIT_INTERNAL)
    if summary.bad:
        sys.exit(EXIT_INPUT)


@cli.command("bevoegd-gezag")
@click.option("--technology", type=_Choice(["wind", "zon"]), required=True,
              help="wind or zon (solar field). Example: --technology zon")
@click.option("--capacity-mw", type=_Number(), required=True,
              help="Installed capacity of the whole project in MW. Example: --capacity-mw 62")
@click.option("--as-of", type=_Date(), default=None,
              help="The date whose law applies (default: today). Example: --as-of 2025-06-01")
@click.option("--transferred", is_flag=True,
              help="Gedeputeerde staten left the decision on the project to the gemeente. "
                   "Example: --transferred")
@click.option("--rijk-waived-to", type=_Choice(["gemeente", "provincie"]), default=None,
              help="The Minister left the decision on the project to this body. "
                   "Example: --rijk-waived-to gemeente")
@click.option("--current-law-only", is_flag=True,
              help="Leave out the memo's expected legislation (before 2026: zon from 50 MW is "
                   "then the Rijk's, not the provincie's). Example: --current-law-only")
@click.option("--format", "fmt", type=_Choice(["text", "json"]), default="text",
              show_default=True, help="Output format. Example: --format json")
@click.option("--details", is_flag=True,
              help="Text format: also show the rule ids. Example: --details")
@lang_option()
def bevoegd_gezag_command(technology: str, capacity_mw: float, as_of: dt.date | None,
                          transferred: bool, rijk_waived_to: str | None, current_law_only: bool,
                          fmt: str, details: bool, lang: str) -> None:
    """Who is the competent authority (bevoegd gezag) for a wind or solar project, under the
    law in force on a date.

    \b
    Examples:
      res-rules bevoegd-gezag --technology wind --capacity-mw 12.6
      res-rules bevoegd-gezag --technology wind --capacity-mw 100 --as-of 2023-06-01
      res-rules bevoegd-gezag --technology zon --capacity-mw 120 --rijk-waived-to gemeente
      res-rules bevoegd-gezag --technology zon --capacity-mw 62 --as-of 2025-06-01 \\
          --current-law-only --format json
    """
    result = bevoegd_gezag(technology, capacity_mw, as_of=as_of,
                           transferred_to_gemeente=transferred, rijk_waived_to=rijk_waived_to,
                           include_expected_law=not current_law_only)
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(lang), ensure_ascii=False, indent=2))
    else:
        from ._render import competence_text

        click.echo(competence_text(result, lang, details=details), nl=False)


@cli.command("compare")
@click.argument("file", type=_Path(dir_okay=False))
@click.option("--as-of", "dates", type=_Date(), multiple=True,
              help="A reference date; give two to compare them, or one together with "
                   "--current-law-only. Example: --as-of 2025-12-31 --as-of 2026-01-01")
@click.option("--current-law-only", is_flag=True,
              help="Compare the advice with expected legislation (first) against the advice "
                   "without it (second), on one date. Example: --current-law-only")
@click.option("--format", "fmt", type=_Choice(["text", "json", "markdown"]), default="text",
              show_default=True, help="Output format. Example: --format json")
@lang_option()
def compare_command(file: str, dates: tuple[dt.date, ...], current_law_only: bool, fmt: str,
                    lang: str) -> None:
    """What differs for one case between two reference dates, or with and without the memo's
    expected legislation: per project competence, regime and status, recommendation, next
    step, grounds, actions and warnings.

    \b
    Examples:
      res-rules compare case.yaml --as-of 2025-12-31 --as-of 2026-01-01
      res-rules compare case.yaml --as-of 2025-06-01 --current-law-only --format json
    """
    if current_law_only:
        if len(dates) > 1:
            raise click.UsageError(_say("cli.compare_one_date"))
        variants = [(dates[0] if dates else None, True), (dates[0] if dates else None, False)]
    elif len(dates) == 2:
        variants = [(dates[0], True), (dates[1], True)]
    else:
        raise click.UsageError(_say("cli.compare_variants"))
    case = load_case(file)
    first, second = (advise(case, as_of=day, include_expected_law=law) for day, law in variants)
    found = differences(first, second)
    from ._render import compare_markdown, compare_text

    if fmt == "json":
        click.echo(json.dumps({
            "case_id": case.id,
            "as_of": [first.as_of.isoformat(), second.as_of.isoformat()],
            "include_expected_law": [first.include_expected_law, second.include_expected_law],
            "differences": [d.to_dict() for d in found],
        }, ensure_ascii=False, indent=2))
    elif fmt == "markdown":
        click.echo(compare_markdown(first, second, found, lang), nl=False)
    else:
        click.echo(compare_text(first, second, found, lang), nl=False)


@cli.command("validate")
@click.argument("files", nargs=-1, required=True, type=_Path(dir_okay=True))
@lang_option("the report")
def validate_command(files: tuple[str, ...], lang: str) -> None:
    """Check case files without advising; lists every error in every file.

    \b
    Example:
      res-rules validate examples/ my-case.yaml
    """
    bad = 0
    checked = 0
    for path in _case_files(files):
        checked += 1
        try:
            case_from_mapping(read_data(path), file=str(path))
        except CaseError as exc:
            bad += 1
            for line in _problems(exc):
                _error(line)
            continue
        click.echo(_say("cli.file_ok", file=str(path)))
    click.echo(_say("cli.files_valid", valid=checked - bad, count=checked))
    if bad:
        sys.exit(EXIT_INPUT)


@cli.command("schema")
def schema_command() -> None:
    """Print the JSON Schema (2020-12) of the case-file format.

    \b
    Example:
      res-rules schema > case.schema.json
    """
    click.echo(json.dumps(case_schema(), ensure_ascii=False, indent=2))


@cli.command("rules")
@click.argument("action", type=_Choice(["list", "show"]), default="list",
                metavar="[list|show]")
@click.argument("rule_id", required=False)
@click.option("--format", "fmt", type=_Choice(["text", "markdown"]), default="text",
              show_default=True,
              help="markdown prints the whole catalogue as a document. Example: --format markdown")
@lang_option("the rule texts")
@click.option("--rules", "rules_dir", type=_Path(file_okay=False, exists=True),
              default=None, help="A rule set folder instead of the shipped one. "
                                 "Example: --rules my-rules/")
@click.option("--as-of", type=_Date(), default=None,
              help="List only the rules in force on this date. Example: --as-of 2026-03-01")
def rules_command(action: str, rule_id: str | None, fmt: str, lang: str,
                  rules_dir: str | None, as_of: dt.date | None) -> None:
    """The rule catalogue: id, status, period, text, condition and source quote.

    \b
    Examples:
      res-rules rules list
      res-rules rules list --as-of 2026-03-01
      res-rules rules show bevoegd.energiewet.wind.provincie
      res-rules rules --format markdown --lang en > docs/rules.md
    """
    from ._render import catalogue_markdown, period_words, rule_text

    rs = load_rules(rules_dir)
    if fmt == "markdown":
        if action == "show":
            raise click.UsageError(_say("cli.markdown_show"))
        click.echo(catalogue_markdown(rs, lang), nl=False)
        return
    if action == "show":
        if not rule_id:
            raise click.UsageError(_say("cli.show_needs_id"))
        ids = [r.id for r in rs.rules]
        if rule_id not in ids:
            from ._errors import did_you_mean

            hint = did_you_mean(rule_id, ids, lang=lang)
            raise click.UsageError(_say("cli.no_rule", id=repr(rule_id),
                                        hint=f"; {hint}" if hint else ""))
        click.echo(rule_text(rs.rule(rule_id), lang, rs), nl=False)
        return
    if rule_id:
        raise click.UsageError(_say("cli.list_takes_no_id"))
    from rich.console import Console  # rich only where a command draws a table
    from rich.table import Table

    listed = rs.rules if as_of is None else rs.in_force(as_of)
    title = f"{rs.name} {rs.version}" + (f", {as_of.isoformat()}" if as_of else "")
    table = Table(title=title, show_lines=False)
    for column in ("id", "topic", "status", "period", "text", "source"):
        table.add_column(column, overflow="fold")
    for r in listed:
        source = r.source.quote if r.source.document == "memo" else \
            f"{r.source.short} {r.source.citation}: {r.source.quote}"
        table.add_row(r.id, r.topic, r.status, period_words(rs, r, lang), r.text[lang], source)
    Console(width=160).print(table)


@cli.command("verify")
@click.option("--rules", "rules_dir", type=_Path(file_okay=False, exists=True),
              default=None, help="A rule set folder instead of the shipped one. "
                                 "Example: --rules my-rules/")
@click.option("--workers", type=_Number(whole=True, low=1), default=None,
              help="Processes to share the work (default: one per core). Example: --workers 1")
@lang_option("the messages")
def verify_command(rules_dir: str | None, workers: int | None, lang: str) -> None:
    """Check the rule set over the whole input partition: no gaps, conflicts or dead rules.

    Prints a coverage table (how often each rule fired) and exits 3 with the smallest
    offending combination when a check fails.

    \b
    Examples:
      res-rules verify
      res-rules verify --rules my-rules/ --workers 1
    """
    from rich.console import Console
    from rich.table import Table

    from ._verify import verify

    rs = load_rules(rules_dir)
    report = verify(rs, workers=workers)
    table = Table(title=f"{rs.name} {rs.version}: {report.combinations} combinations")
    table.add_column("rule")
    table.add_column("fired", justify="right")
    for rule_id, fired in report.coverage.items():
        table.add_row(rule_id, str(fired))
    console = Console(width=100)
    console.print(table)
    if report.ok:
        click.echo(f"ok: every combination has exactly one recommendation and competence; "
                   f"no conflicts, overlaps or dead rules ({len(report.coverage)} rules)")
        return
    for problem in report.problems:
        click.echo(f"{problem.kind}: {problem.message}", err=True)
        if problem.rules:
            click.echo(f"  rules: {', '.join(problem.rules)}", err=True)
        if problem.combination is not None:
            click.echo("  smallest combination: "
                       + json.dumps(problem.combination, ensure_ascii=False), err=True)
    click.echo(f"{len(report.problems)} problem(s) found", err=True)
    sys.exit(EXIT_PROBLEMS)


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; only this machine unless told otherwise. "
                   "Example: --host 0.0.0.0")
@click.option("--port", type=_Number(whole=True, low=1, high=65535), default=8000,
              show_default=True,
              help="Port to listen on. Example: --port 8080")
@click.option("--workers", type=_Number(whole=True, low=1), default=1, show_default=True,
              help="Server processes (the engine answers one call at a time per process). "
                   "Example: --workers 2")
def serve_command(host: str, port: int, workers: int) -> None:
    """Start the web page for advisors and the JSON API (nothing is stored on the server).

    \b
    Examples:
      res-rules serve
      res-rules serve --port 8080 --workers 2
    Then open http://127.0.0.1:8000/ (API documentation at /docs).
    """
    from .web import serve

    serve(host=host, port=port, workers=workers)


@cli.command("mutate")
@click.option("--rules", "rules_dir", type=_Path(file_okay=False, exists=True),
              default=None, help="A rule set folder instead of the shipped one. "
                                 "Example: --rules my-rules/")
@click.option("--tests", "tests", type=_Path(exists=True), multiple=True,
              help="A file or folder of scenario files and example cases (NAME.yaml with "
                   "NAME.expected.yaml) to check each mutant with; repeat for more (default: "
                   "the project's own: the checkout's you run it in, else the installed "
                   "package's copy). Example: --tests tests/scenarios")
@click.option("--workers", type=_Number(whole=True, low=1), default=None,
              help="Processes to share the work (default: one per core). Example: --workers 2")
@click.option("--format", "fmt", type=_Choice(["text", "json", "markdown"]),
              default="text", show_default=True, help="Output format. Example: --format json")
@click.option("--min-score", type=_Number(low=0, high=1), default=0.95, show_default=True,
              help="Exit 1 when the score is below this. Example: --min-score 0.98")
@click.option("--quick", type=_Number(whole=True, low=1), is_flag=False, flag_value=50,
              default=None, metavar="[N]",
              help="A fixed sample of N mutants (50 when N is left out) instead of all, for "
                   "CI. Example: --quick")
@click.option("--no-invariants", is_flag=True,
              help="Leave the property checks out (faster, weaker). Example: --no-invariants")
@lang_option("the report")
def mutate_command(rules_dir: str | None, tests: tuple[str, ...], workers: int | None,
                   fmt: str, min_score: float, quick: int | None, no_invariants: bool,
                   lang: str) -> None:
    """How good are the policy checks? Change the rule set one term at a time and see which
    changes the checks (examples, scenarios, invariants, verify) notice.

    Each mutant is killed (a check failed), equivalent (its advice equals the original's on
    every combination of the verify partition) or survived (it changes some advice and no
    check noticed). Score = killed / (killed + survived). Exits 1 when the score is below
    --min-score.

    \b
    Examples:
      res-rules mutate --quick
      res-rules mutate --format markdown > mutatie.md
      res-rules mutate --rules my-rules/ --tests my-scenarios/ --min-score 0.98

    Without --tests it uses the project's own checks (tests/scenarios, tests/expected,
    examples) from the checkout you run it in, else the copy the installed package carries.
    """
    from ._mutate import Checks, render_report, run

    rs = load_rules(rules_dir)
    checks = Checks.load([Path(t) for t in tests] or None, invariants=not no_invariants)
    if not checks.examples and not checks.scenarios:
        _error(_say("cli.mutate_no_checks"))
    report = run(rs, checks=checks, workers=workers, quick=quick)
    if fmt == "json":
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(render_report(report, rs, fmt=fmt, lang=lang, minimum=min_score), nl=False)
    if report.score < min_score:
        sys.exit(EXIT_LOW_SCORE)


def _say(code: str, **values: Any) -> str:
    """A command-line message from the message table, in the command's language."""
    return render(msg(code, **values), _LANG.get())


def _hint(exc: click.BadParameter) -> str | None:
    """The option or argument an error is about, as click names it ('--format', 'FILE')."""
    if exc.param_hint is not None:
        hints = [exc.param_hint] if isinstance(exc.param_hint, str) else list(exc.param_hint)
        return " / ".join(hints)
    return exc.param.get_error_hint(exc.ctx) if exc.param is not None else None


def _usage_message(exc: click.ClickException) -> str:
    """click's error in the command's language. Values our own types refused carry our words
    already; what click's parser says (an unknown option or command, a missing value) is said
    again here. Anything else keeps click's words."""
    if isinstance(exc, click.MissingParameter):
        return _say("cli.missing", option=_hint(exc) or repr(exc.param_type or ""))
    if isinstance(exc, click.BadParameter):
        hint = _hint(exc)
        return _say("cli.bad_value", option=hint, message=exc.message) if hint else exc.message
    if isinstance(exc, click.NoSuchOption):
        guess = (_say("cli.did_you_mean", suggestion=" / ".join(map(repr, exc.possibilities)))
                 if exc.possibilities else "")
        return _say("cli.no_such_option", option=repr(exc.option_name), hint=guess)
    if isinstance(exc, click.BadOptionUsage) and " requires " in exc.message:
        return _say("cli.needs_value", option=repr(exc.option_name))
    if found := re.fullmatch(r"No such command '(.*)'\.", exc.message):
        return _say("cli.no_such_command", command=repr(found[1]),
                    commands=", ".join(sorted(cli.commands)))
    if found := re.fullmatch(r"Got unexpected extra arguments? \((.*)\)", exc.message):
        return _say("cli.extra_arguments", arguments=found[1])
    return exc.format_message()


def _show(exc: click.ClickException, args: Sequence[str]) -> None:
    """A usage error in the command's language: the message and where to find help."""
    command = next((a for a in args if a in cli.commands), None)
    _error(_say("cli.error", message=_usage_message(exc)))
    if isinstance(exc, click.UsageError):
        _error(_say("cli.see_help", command=command or "").replace("  ", " ").replace(
            "res-rules  --help", "res-rules --help"))


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the console script: maps every failure to an exit code and a message.

    The command runs outside click's own error handling, so that a closed pipe and an interrupt
    are handled the same way for every command: ``| head`` ends quietly (141, like other
    Unix tools), Ctrl-C says "afgebroken" and exits 130.
    """
    args = list(argv) if argv is not None else sys.argv[1:]
    # The language of errors click finds while it parses, before --lang itself is read.
    _LANG.set("nl")
    for flag, value in zip(args, [*args[1:], ""], strict=True):
        if flag == "--lang" and value in ("nl", "en"):
            _LANG.set(value)
        elif flag in ("--lang=nl", "--lang=en"):
            _LANG.set(flag.removeprefix("--lang="))
    try:
        with cli.make_context("res-rules", args) as ctx:
            cli.invoke(ctx)
    except click.exceptions.Exit as exc:
        _flush_or_exit_quietly()
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        _show(exc, args)
        sys.exit(EXIT_INPUT if isinstance(exc, click.UsageError | click.BadParameter)
                 else exc.exit_code)
    except (KeyboardInterrupt, click.exceptions.Abort):
        _error(_say("cli.aborted"))
        sys.exit(EXIT_INTERRUPTED)
    except BrokenPipeError:
        _exit_quietly()
    except EngineError as exc:
        _error(_say("cli.internal_engine", detail=str(exc)))
        sys.exit(EXIT_INTERNAL)
    except CaseError as exc:  # bad case input
        for line in _problems(exc):
            _error(line)
        sys.exit(EXIT_INPUT)
    except ResRulesError as exc:  # a bad rule file
        for line in str(exc).splitlines():
            _error(line)
        sys.exit(EXIT_INPUT)
    except Exception as exc:
        _error(_say("cli.internal", detail=f"{type(exc).__name__}: {exc}"))
        sys.exit(EXIT_INTERNAL)
    _flush_or_exit_quietly()
    sys.exit(EXIT_OK)


def _flush_or_exit_quietly() -> None:
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _exit_quietly()


def _exit_quietly() -> None:
    """The reader went away (``| head``): no message, no 'Exception ignored' at shutdown."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os._exit(EXIT_BROKEN_PIPE)
