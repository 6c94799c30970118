"""The ``res-rules`` command line.

Exit codes: 0 success, 1 internal error, 2 bad input or usage, 3 `verify` found problems in
the rule set. Errors go to stderr, one line
each, naming the file, the path inside it and what was expected; never a traceback for a user's
mistake.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

import click
from rich.console import Console
from rich.table import Table

from ._advice import advise, bevoegd_gezag
from ._casefile import CASE_SUFFIXES, ISO_DATE, case_from_mapping, load_case, parse_text, read_data
from ._diff import differences
from ._errors import CaseError, EngineError, ResRulesError
from ._render import (
    advice_markdown,
    advice_text,
    catalogue_markdown,
    compare_markdown,
    compare_text,
    competence_text,
    period_words,
    rule_text,
)
from ._rules import load_rules
from ._schema import case_schema
from ._version import __version__

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT, EXIT_PROBLEMS = 0, 1, 2, 3


class _Date(click.ParamType):  # type: ignore[type-arg]  # generic only in newer click stubs
    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            if ISO_DATE.fullmatch(value):
                return dt.date.fromisoformat(value)
        except ValueError:
            pass
        self.fail(f"expected an ISO date (YYYY-MM-DD), got {value!r}", param, ctx)


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
                raise CaseError("", "a folder with *.yaml, *.yml or *.json case files",
                                "none", file=name)
            yield from found
        else:
            yield path


def _error(message: object) -> None:
    click.echo(str(message), err=True)


def _open_output(output: str | None) -> TextIO:
    if output is None:
        return sys.stdout
    try:
        return open(output, "w", encoding="utf-8")
    except OSError as exc:
        raise click.UsageError(f"--output {output}: cannot write: {exc.strerror}") from None


@cli.command("advise")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=True))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]),
              default=None, help="Output format (default text). Example: --format markdown")
@click.option("--json", "as_json", is_flag=True,
              help="Same as --format json. Example: res-rules advise case.yaml --json")
@click.option("--lang", type=click.Choice(["nl", "en"]), default="nl", show_default=True,
              help="Language of the advice texts. Example: --lang en")
@click.option("--as-of", type=_Date(), default=None,
              help="Reference date instead of the case's reference_date. "
                   "Example: --as-of 2026-12-01")
@click.option("--current-law-only", is_flag=True,
              help="Leave out expected legislation (zon from 50 MW: Rijk instead of provincie). "
                   "Example: --current-law-only")
@click.option("--details", is_flag=True,
              help="Text format: also show the rule ids and codes behind each line, and an "
                   "appendix of every rule's conclusions. Example: --details")
@click.option("--output", type=click.Path(dir_okay=False), default=None,
              help="Write to this file instead of stdout. Example: --output advies.md")
@click.option("--jsonl", "jsonl", type=click.File("r", encoding="utf-8"), default=None,
              help="Batch: a file (or - for stdin) with one case as a JSON object per line; "
                   "writes one advice JSON object per line. Example: --jsonl cases.jsonl")
def advise_command(files: tuple[str, ...], fmt: str | None, as_json: bool, lang: str,
                   as_of: dt.date | None, current_law_only: bool, details: bool,
                   output: str | None, jsonl: TextIO | None) -> None:
    """Advise on case files (a folder means every *.yaml, *.yml and *.json in it).

    \b
    Examples:
      res-rules advise examples/planuitval-windpark-start.yaml
      res-rules advise examples/ --format markdown --output advies.md
      res-rules advise case.yaml --json --as-of 2026-12-01 --current-law-only
      cat cases.jsonl | res-rules advise --jsonl -
    """
    if as_json:
        if fmt not in (None, "json"):
            raise click.UsageError("--json and --format " + str(fmt) + " contradict each other")
        fmt = "json"
    requested = fmt
    fmt = fmt or "text"
    include = not current_law_only
    if jsonl is not None:
        if files:
            raise click.UsageError("give case files or --jsonl, not both")
        if requested not in (None, "json"):
            raise click.UsageError(f"--jsonl writes one JSON advice per line; "
                                   f"--format {requested} does not apply")
        _advise_jsonl(jsonl, lang=lang, as_of=as_of, include=include, output=output)
        return
    if not files:
        raise click.UsageError("give at least one case file or folder (or --jsonl INPUT)")
    bad = False
    results: list[Any] = []
    for path in _case_files(files):
        try:
            advice = advise(load_case(path), as_of=as_of, include_expected_law=include)
        except CaseError as exc:
            bad = True
            for problem in exc.errors:
                _error(problem.message)
            continue
        results.append(advice)
    single = len(files) == 1 and not Path(files[0]).is_dir()
    stream = _open_output(output)
    try:
        if fmt == "json":
            data = [a.to_dict(lang) for a in results]
            if single and data:
                stream.write(json.dumps(data[0], ensure_ascii=False, indent=2) + "\n")
            elif not single:
                stream.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        else:
            separator = "\n---\n\n" if fmt == "markdown" else "\n" + "=" * 72 + "\n\n"
            stream.write(separator.join(
                advice_markdown(a, lang) if fmt == "markdown"
                else advice_text(a, lang, details=details) for a in results))
    finally:
        if stream is not sys.stdout:
            stream.close()
    if bad:
        sys.exit(EXIT_INPUT)


def _advise_jsonl(source: TextIO, *, lang: str, as_of: dt.date | None, include: bool,
                  output: str | None) -> None:
    lines = source.readlines()
    stream = _open_output(output)
    err_console = Console(stderr=True)
    bad = False
    try:
        progress = None
        if err_console.is_terminal and len(lines) > 1:
            from rich.progress import Progress

            progress = Progress(console=err_console, transient=True)
            progress.start()
            task = progress.add_task("advising", total=len(lines))
        for number, line in enumerate(lines, start=1):
            if progress is not None:
                progress.advance(task)
            if not line.strip():
                continue
            try:
                data = parse_text(line, json_format=True)
                advice = advise(case_from_mapping(data), as_of=as_of,
                                include_expected_law=include)
            except CaseError as exc:
                bad = True
                for problem in exc.errors:
                    _error(json.dumps({"line": number, "path": problem.path,
                                       "message": problem.message}, ensure_ascii=False))
                continue
            stream.write(json.dumps({"line": number, **advice.to_dict(lang)},
                                    ensure_ascii=False) + "\n")
        if progress is not None:
            progress.stop()
    finally:
        if stream is not sys.stdout:
            stream.close()
    if bad:
        sys.exit(EXIT_INPUT)


@cli.command("bevoegd-gezag")
@click.option("--technology", type=click.Choice(["wind", "zon"]), required=True,
              help="wind or zon (solar field). Example: --technology zon")
@click.option("--capacity-mw", type=float, required=True,
              help="Installed capacity of the whole project in MW. Example: --capacity-mw 62")
@click.option("--as-of", type=_Date(), default=None,
              help="The date whose law applies (default: today). Example: --as-of 2025-06-01")
@click.option("--transferred", is_flag=True,
              help="Gedeputeerde staten left the decision on the project to the gemeente. "
                   "Example: --transferred")
@click.option("--rijk-waived-to", type=click.Choice(["gemeente", "provincie"]), default=None,
              help="The Minister left the decision on the project to this body. "
                   "Example: --rijk-waived-to gemeente")
@click.option("--current-law-only", is_flag=True,
              help="Leave out the memo's expected legislation (before 2026: zon from 50 MW is "
                   "then the Rijk's, not the provincie's). Example: --current-law-only")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format. Example: --format json")
@click.option("--details", is_flag=True,
              help="Text format: also show the rule ids. Example: --details")
@click.option("--lang", type=click.Choice(["nl", "en"]), default="nl", show_default=True,
              help="Language of the texts. Example: --lang en")
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
        click.echo(competence_text(result, lang, details=details), nl=False)


@cli.command("compare")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--as-of", "dates", type=_Date(), multiple=True,
              help="A reference date; give two to compare them, or one together with "
                   "--current-law-only. Example: --as-of 2025-12-31 --as-of 2026-01-01")
@click.option("--current-law-only", is_flag=True,
              help="Compare the advice with expected legislation (first) against the advice "
                   "without it (second), on one date. Example: --current-law-only")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text",
              show_default=True, help="Output format. Example: --format json")
@click.option("--lang", type=click.Choice(["nl", "en"]), default="nl", show_default=True,
              help="Language of the texts. Example: --lang en")
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
            raise click.UsageError("--current-law-only compares on one date: give at most one "
                                   "--as-of")
        variants = [(dates[0] if dates else None, True), (dates[0] if dates else None, False)]
    elif len(dates) == 2:
        variants = [(dates[0], True), (dates[1], True)]
    else:
        raise click.UsageError("give two --as-of dates, or one (or none) with --current-law-only")
    case = load_case(file)
    first, second = (advise(case, as_of=day, include_expected_law=law) for day, law in variants)
    found = differences(first, second)
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
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=True))
def validate_command(files: tuple[str, ...]) -> None:
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
            for problem in exc.errors:
                _error(problem.message)
            continue
        click.echo(f"{path}: ok")
    click.echo(f"{checked - bad} of {checked} case files valid")
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
@click.argument("action", type=click.Choice(["list", "show"]), default="list",
                metavar="[list|show]")
@click.argument("rule_id", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "markdown"]), default="text",
              show_default=True,
              help="markdown prints the whole catalogue as a document. Example: --format markdown")
@click.option("--lang", type=click.Choice(["nl", "en"]), default="nl", show_default=True,
              help="Language of the rule texts. Example: --lang en")
@click.option("--rules", "rules_dir", type=click.Path(file_okay=False, exists=True),
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
    rs = load_rules(rules_dir)
    if fmt == "markdown":
        if action == "show":
            raise click.UsageError("--format markdown prints the whole catalogue; use 'list'")
        click.echo(catalogue_markdown(rs, lang), nl=False)
        return
    if action == "show":
        if not rule_id:
            raise click.UsageError("'rules show' needs a rule id, e.g. 'rules show grond.tijd'")
        ids = [r.id for r in rs.rules]
        if rule_id not in ids:
            from ._errors import did_you_mean

            hint = did_you_mean(rule_id, ids)
            raise click.UsageError(f"no rule {rule_id!r}" + (f"; {hint}" if hint else "")
                                   + " (see 'res-rules rules list')")
        click.echo(rule_text(rs.rule(rule_id), lang, rs), nl=False)
        return
    if rule_id:
        raise click.UsageError("'rules list' takes no rule id; use 'rules show ID'")
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
@click.option("--rules", "rules_dir", type=click.Path(file_okay=False, exists=True),
              default=None, help="A rule set folder instead of the shipped one. "
                                 "Example: --rules my-rules/")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Processes to share the work (default: one per core). Example: --workers 1")
def verify_command(rules_dir: str | None, workers: int | None) -> None:
    """Check the rule set over the whole input partition: no gaps, conflicts or dead rules.

    Prints a coverage table (how often each rule fired) and exits 3 with the smallest
    offending combination when a check fails.

    \b
    Examples:
      res-rules verify
      res-rules verify --rules my-rules/ --workers 1
    """
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
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True,
              help="Port to listen on. Example: --port 8080")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
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


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the console script: maps every failure to an exit code and a message."""
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="res-rules",
                 standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_INPUT if isinstance(exc, click.UsageError | click.BadParameter)
                 else exc.exit_code)
    except click.exceptions.Abort:
        _error("aborted")
        sys.exit(EXIT_INTERNAL)
    except EngineError as exc:
        _error(f"internal error in the rule engine: {exc}")
        sys.exit(EXIT_INTERNAL)
    except ResRulesError as exc:  # bad case input or a bad rule file
        for line in str(exc).splitlines():
            _error(line)
        sys.exit(EXIT_INPUT)
    except BrokenPipeError:
        sys.exit(EXIT_OK)
    except Exception as exc:
        _error(f"internal error: {type(exc).__name__}: {exc}")
        sys.exit(EXIT_INTERNAL)
    sys.exit(EXIT_OK)
