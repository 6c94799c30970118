"""The console script: every command and option, output and exit code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import jsonschema
import pytest
import yaml
from click.testing import CliRunner
from conftest import EXAMPLES

from res_rules._cli import cli

EXAMPLE = EXAMPLES / "planuitval-windpark-start.yaml"


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """The real entry point, in a fresh interpreter, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "res_rules", *args], input=stdin,
                          capture_output=True, text=True, timeout=120, check=False)


def invoke(*args: str, stdin: str | None = None) -> Any:
    """In-process, through click's test runner: fast, for output checks."""
    return CliRunner().invoke(cli, list(args), input=stdin, catch_exceptions=False)


def test_advise_prints_a_dutch_advice_and_exits_0() -> None:
    """The README's first command: a readable advice with the recommendation and the quotes."""
    result = run("advise", str(EXAMPLE))
    assert (result.returncode, "Voorstel aan de KNR-tafel" in result.stdout,
            "Verantwoording" in result.stdout, "start_procedure" in result.stdout,
            result.stderr) == (0, True, True, False, "")


def test_advise_in_english() -> None:
    """--lang en switches the texts."""
    result = run("advise", str(EXAMPLE), "--lang", "en")
    assert (result.returncode, "Proposal to the KNR-tafel" in result.stdout,
            "1 March 2026" in result.stdout, "12.6 MW" in result.stdout) == (0, True, True, True)


@pytest.mark.parametrize("flag", [["--json"], ["--format", "json"]])
def test_advise_json_is_the_advice_dict(flag: list[str]) -> None:
    """--json and --format json print the JSON form of one advice."""
    result = run("advise", str(EXAMPLE), *flag)
    data = json.loads(result.stdout)
    assert (result.returncode, data["recommendation"], data["next_step"]) == (
        0, "start_procedure", 1)


def test_advise_a_folder_gives_a_json_list_in_file_order() -> None:
    """A folder means every case file in it, sorted; JSON output is then a list."""
    result = run("advise", str(EXAMPLES), "--format", "json")
    data = json.loads(result.stdout)
    names = sorted(p.name for p in EXAMPLES.glob("*.yaml") if ".expected." not in p.name)
    assert (result.returncode, len(data), data[0]["case_id"]) == (
        0, len(names), "energiewet-drie-projecten")


def test_advise_as_of_and_current_law_only() -> None:
    """--as-of moves the reference date (and so the law); --current-law-only makes a 62 MW
    solar field the Rijk's before 2026, while from 2026 the Energiewet gives it the provincie."""
    case = EXAMPLES / "mediation-zonder-draagvlak.yaml"
    later = json.loads(run("advise", str(case), "--json", "--as-of", "2027-03-02",
                           "--current-law-only").stdout)
    before = json.loads(run("advise", str(case), "--json", "--as-of", "2025-03-02",
                            "--current-law-only").stdout)
    assert (later["as_of"], "tijd" in later["grounds"], later["projects"][0]["bevoegd_gezag"],
            before["law"]["id"], before["projects"][0]["bevoegd_gezag"]) == (
        "2027-03-02", True, "provincie", "ew1998-omgevingswet", "rijk")


def test_advise_markdown_report_to_a_file(tmp_path: Path) -> None:
    """--format markdown --output writes a self-contained report with a competence table."""
    out = tmp_path / "advies.md"
    result = run("advise", str(EXAMPLES / "windpark-grens-100mw.yaml"), "--format", "markdown",
                 "--output", str(out))
    text = out.read_text(encoding="utf-8")
    assert (result.returncode, result.stdout, text.startswith("# Advies:"),
            "| wp-groot |" in text, "## Verantwoording" in text, "“" in text) == (
        0, "", True, True, True, True)


def test_output_is_deterministic() -> None:
    """Same input, same bytes."""
    first = run("advise", str(EXAMPLES), "--format", "markdown").stdout
    assert first == run("advise", str(EXAMPLES), "--format", "markdown").stdout


def test_bad_case_file_exits_2_with_one_line_per_error(tmp_path: Path) -> None:
    """Bad input: exit 2, each error on stderr naming the file and path, no traceback."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\ntheme: planuitvall\nscope: regio\n", encoding="utf-8")
    result = run("advise", str(bad))
    lines = result.stderr.strip().splitlines()
    assert (result.returncode, len(lines), all(str(bad) in line for line in lines),
            "Traceback" in result.stderr) == (2, 2, True, False)


def test_bad_and_good_files_together_advise_the_good_and_exit_2(tmp_path: Path) -> None:
    """A bad file does not stop the others."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\n", encoding="utf-8")
    result = run("advise", str(EXAMPLE), str(bad), "--json")
    assert (result.returncode, json.loads(result.stdout)[0]["case_id"]) == (
        2, "planuitval-windpark-lopik")


@pytest.mark.parametrize(
    "args",
    [
        ["advise"],
        ["advise", "--as-of", "1-2-2026", str(EXAMPLE)],
        ["advise", "--format", "pdf", str(EXAMPLE)],
        ["advise", "--json", "--format", "markdown", str(EXAMPLE)],
        ["advise", "--jsonl", "-", "--format", "markdown"],
        ["advise", "--jsonl", "-", str(EXAMPLE)],
        ["bevoegd-gezag", "--technology", "wind"],
        ["bevoegd-gezag", "--technology", "solar", "--capacity-mw", "3"],
        ["nonsense"],
        ["rules", "show", "grond.tyd"],
    ],
)
def test_usage_errors_exit_2_without_traceback(args: list[str]) -> None:
    """Wrong usage: exit 2, a message on stderr, nothing on stdout."""
    result = run(*args)
    assert (result.returncode, result.stdout, "Traceback" in result.stderr,
            bool(result.stderr.strip())) == (2, "", False, True)


def test_rules_show_suggests_the_nearest_id() -> None:
    """A mistyped rule id gets a did-you-mean, in Dutch by default and in English on request."""
    assert ("bedoelde u 'grond.tijd'?" in run("rules", "show", "grond.tyd").stderr,
            "did you mean 'grond.tijd'?" in run("rules", "show", "grond.tyd", "--lang",
                                                "en").stderr) == (True, True)


def test_jsonl_batch_mixes_good_and_bad_lines() -> None:
    """Good lines are advised in order with their line numbers; bad lines go to stderr; exit 2."""
    good = json.dumps({"id": "a", "theme": "overig", "scope": "regionaal"})
    lines = [good, "{not json", json.dumps({"id": "b", "theme": "x", "scope": "regionaal"}),
             "", json.dumps({"id": "c", "theme": "overig", "scope": "lokaal"})]
    result = run("advise", "--jsonl", "-", stdin="\n".join(lines) + "\n")
    out = [json.loads(line) for line in result.stdout.splitlines()]
    errors = [json.loads(line) for line in result.stderr.splitlines()]
    assert ([(o["line"], o["case_id"]) for o in out], [(e["line"], e["path"]) for e in errors],
            result.returncode) == ([(1, "a"), (5, "c")], [(2, ""), (3, "theme")], 2)


def test_jsonl_all_good_exits_0_and_writes_no_progress_when_not_a_terminal(tmp_path: Path) -> None:
    """A clean batch from a file exits 0; stderr stays empty (no terminal, no progress bar)."""
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(json.dumps({"id": f"c{i}", "theme": "overig",
                                          "scope": "regionaal"}) for i in range(5)) + "\n")
    result = run("advise", "--jsonl", str(path), "--lang", "en")
    assert (result.returncode, len(result.stdout.splitlines()), result.stderr) == (0, 5, "")


@pytest.mark.skipif(sys.platform == "win32", reason="a pseudo-terminal is POSIX")
def test_jsonl_shows_its_progress_on_a_terminal_and_the_advice_still_goes_to_stdout(
        tmp_path: Path) -> None:
    """stdout redirected, stderr a terminal (``res-rules advise --jsonl in > out`` typed in a
    shell): the spinner is drawn on the terminal (rich hides the cursor while it runs and shows
    it again) and every advice line reaches stdout intact, none of it on the terminal. (rich
    used to capture stdout while its spinner ran, and printed the advice on the terminal.)"""
    import pty
    import threading

    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(json.dumps({"id": f"c{i}", "theme": "overig",
                                          "scope": "regionaal"}) for i in range(5)) + "\n")
    leader, follower = pty.openpty()
    drawn: list[bytes] = []

    def read() -> None:  # all the time: a full terminal buffer would stop the writer
        while True:
            try:
                part = os.read(leader, 65536)
            except OSError:  # EIO: no writer left
                return
            if not part:
                return
            drawn.append(part)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        result = subprocess.run([sys.executable, "-m", "res_rules", "advise", "--jsonl",
                                 str(path)], stdout=subprocess.PIPE, stderr=follower,
                                timeout=120, check=False, env={**os.environ, "TERM": "xterm"})
    finally:
        os.close(follower)
        reader.join(10)
        os.close(leader)
    terminal = b"".join(drawn)
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert (result.returncode, [o["case_id"] for o in lines], b"\x1b[?25l" in terminal,
            b"\x1b[?25h" in terminal, b"case_id" in terminal) == (
        0, ["c0", "c1", "c2", "c3", "c4"], True, True, False)


def test_bevoegd_gezag_text_shows_the_overlap_warning() -> None:
    """The look-up command shows authority, rules, quotes and the 100 MW warning."""
    result = run("bevoegd-gezag", "--technology", "wind", "--capacity-mw", "100",
                 "--as-of", "2023-06-01")
    assert (result.returncode, "Bevoegd gezag: Provincie" in result.stdout,
            "art. 9b" in result.stdout, "5-100 MW" in result.stdout) == (0, True, True, True)


def test_bevoegd_gezag_follows_the_date_and_the_ministers_waiver() -> None:
    """--as-of picks the law; --rijk-waived-to hands a Rijk project to another body."""
    energiewet = run("bevoegd-gezag", "--technology", "wind", "--capacity-mw", "12",
                     "--as-of", "2026-03-01", "--format", "json")
    before = run("bevoegd-gezag", "--technology", "wind", "--capacity-mw", "12",
                 "--as-of", "2025-03-01", "--format", "json")
    waived = run("bevoegd-gezag", "--technology", "zon", "--capacity-mw", "120",
                 "--as-of", "2026-03-01", "--rijk-waived-to", "gemeente", "--format", "json")
    data = [json.loads(r.stdout) for r in (energiewet, before, waived)]
    assert [(d["regime"], d["statutory_bevoegd_gezag"], d["bevoegd_gezag"]) for d in data] == [
        ("energiewet", "gemeente", "gemeente"), ("ew1998-omgevingswet", "provincie", "provincie"),
        ("energiewet", "rijk", "gemeente")]


def test_bevoegd_gezag_refuses_an_unknown_waiver_body() -> None:
    """Only gemeente and provincie can receive a project from the Minister."""
    result = run("bevoegd-gezag", "--technology", "wind", "--capacity-mw", "120",
                 "--rijk-waived-to", "waterschap")
    assert (result.returncode, "--rijk-waived-to" in result.stderr) == (2, True)


def test_bevoegd_gezag_json_with_transfer_and_current_law() -> None:
    """--transferred and --current-law-only with --format json."""
    result = run("bevoegd-gezag", "--technology", "zon", "--capacity-mw", "62",
                 "--as-of", "2025-06-01", "--current-law-only", "--transferred",
                 "--format", "json")
    data = json.loads(result.stdout)
    assert (data["bevoegd_gezag"], [w["code"] for w in data["warnings"]]) == (
        "rijk", ["memo_wijkt_af", "overdracht_zonder_effect"])


def test_bevoegd_gezag_negative_capacity_exits_2() -> None:
    """A capacity that is not > 0 is bad input."""
    result = run("bevoegd-gezag", "--technology", "wind", "--capacity-mw", "-3")
    assert (result.returncode,
            "capacity_mw: verwacht een getal groter dan 0 en hoogstens 100000" in result.stderr
            ) == (
        2, True)


def test_validate_lists_every_error_in_every_file(tmp_path: Path) -> None:
    """validate reports all problems of all files and exits 2."""
    (tmp_path / "a.yaml").write_text("id: a\ntheme: x\nscope: y\n", encoding="utf-8")
    (tmp_path / "b.json").write_text('{"id": "b", "theme": "overig"}', encoding="utf-8")
    (tmp_path / "c.yaml").write_text("id: c\ntheme: overig\nscope: regionaal\n")
    result = run("validate", str(tmp_path))
    english = run("validate", str(tmp_path), "--lang", "en")
    assert (result.returncode, len(result.stderr.strip().splitlines()),
            "1 van 3 casusbestanden in orde" in result.stdout,
            "1 of 3 case files valid" in english.stdout,
            "expected one of" in english.stderr, "verwacht een van" in result.stderr) == (
        2, 3, True, True, True, True)


def test_validate_examples_exits_0() -> None:
    """All bundled examples are valid."""
    assert run("validate", str(EXAMPLES)).returncode == 0


def _plain(data: Any) -> Any:
    """YAML dates as ISO strings, as in JSON."""
    return json.loads(json.dumps(data, default=str))


def test_schema_accepts_every_example_and_rejects_invalid_ones(tmp_path: Path) -> None:
    """The generated JSON Schema agrees with the parser on valid and invalid cases."""
    schema = json.loads(run("schema").stdout)
    validator = jsonschema.Draft202012Validator(schema)
    jsonschema.Draft202012Validator.check_schema(schema)
    cases = [_plain(yaml.safe_load(p.read_text())) for p in sorted(EXAMPLES.glob("*.yaml"))
             if ".expected." not in p.name]
    invalid = [
        {"id": "x", "theme": "planuitvall", "scope": "regionaal"},
        {"id": "x", "theme": "overig", "scope": "regionaal", "extra": 1},
        {"id": "x", "theme": "overig"},
        {"id": "x", "theme": "overig", "scope": "regionaal", "current_step": 5},
        {"id": "x", "theme": "overig", "scope": "regionaal",
         "solution": {"status": "lopend", "adequate": True}},
        {"id": "x", "theme": "overig", "scope": "regionaal",
         "projects": [{"id": "p", "gemeente": "Lopik", "technology": "wind", "capacity_mw": 0}]},
        {"id": "x", "theme": "overig", "scope": "regionaal", "deadline": "1 mei"},
    ]
    assert ([validator.is_valid(c) for c in cases], [validator.is_valid(c) for c in invalid]) == (
        [True] * len(cases), [False] * len(invalid))


def test_rules_list_and_show() -> None:
    """The catalogue lists every rule; show prints one with its period, condition and quote."""
    listing = invoke("rules", "list")
    shown = invoke("rules", "show", "bevoegd.wro.wind.provincie")
    assert (listing.exit_code, "grond.tijd" in listing.output, shown.exit_code,
            "5-100 MW" in shown.output, "durable-rules:" in shown.output,
            "tot en met 31 december 2023" in shown.output) == (0, True, 0, True, True, True)


def test_rules_list_as_of_shows_only_the_rules_in_force() -> None:
    """--as-of 2026-03-01 lists the Energiewet rules and none of the Elektriciteitswet."""
    listing = invoke("rules", "list", "--as-of", "2026-03-01")
    assert (listing.exit_code, "bevoegd.energiewet.wind.provincie" in listing.output,
            "bevoegd.wro.wind.provincie" in listing.output,
            "aanbeveling.opschalen" in listing.output) == (0, True, False, True)


def test_compare_two_dates_lists_what_the_energiewet_changed() -> None:
    """compare with two --as-of dates gives every difference as path, before and after."""
    result = run("compare", str(EXAMPLE), "--as-of", "2025-12-31", "--as-of", "2026-01-01",
                 "--format", "json")
    data = json.loads(result.stdout)
    assert (result.returncode, data["as_of"], {d["path"]: (d["before"], d["after"])
                                              for d in data["differences"]}) == (
        0, ["2025-12-31", "2026-01-01"], {
            "law": ("ew1998-omgevingswet", "energiewet"),
            "warnings": ([], ["memo_wijkt_af wp-lopikerwaard"]),
            "projects[wp-lopikerwaard].bevoegd_gezag": ("provincie", "gemeente"),
            "projects[wp-lopikerwaard].statutory_bevoegd_gezag": ("provincie", "gemeente"),
            "projects[wp-lopikerwaard].regime": ("ew1998-omgevingswet", "energiewet")})


def test_compare_with_and_without_expected_law_on_one_date() -> None:
    """One --as-of with --current-law-only compares the default with current law only."""
    case = EXAMPLES / "mediation-zonder-draagvlak.yaml"
    before_2026 = json.loads(run("compare", str(case), "--as-of", "2025-06-01",
                                 "--current-law-only", "--format", "json").stdout)
    after_2026 = json.loads(run("compare", str(case), "--as-of", "2026-06-01",
                                "--current-law-only", "--format", "json").stdout)
    assert (before_2026["include_expected_law"],
            "projects[zp-lexmond].bevoegd_gezag" in [d["path"] for d in
                                                     before_2026["differences"]],
            after_2026["differences"]) == ([True, False], True, [])


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_compare_in_text_and_markdown(fmt: str) -> None:
    """The readable forms name each changed part with before and after."""
    result = invoke("compare", str(EXAMPLE), "--as-of", "2025-12-31", "--as-of", "2026-01-01",
                    "--format", fmt)
    assert (result.exit_code, "projects[wp-lopikerwaard].bevoegd_gezag" in result.output,
            "provincie" in result.output, "gemeente" in result.output) == (0, True, True, True)


@pytest.mark.parametrize("args", [["--as-of", "2025-01-01"], [],
                                  ["--as-of", "2025-01-01", "--as-of", "2026-01-01",
                                   "--current-law-only"]])
def test_compare_needs_two_variants(args: list[str]) -> None:
    """One date alone, or two dates with --current-law-only, is a usage error (exit 2)."""
    result = run("compare", str(EXAMPLE), *args)
    assert result.returncode == 2


def test_version_shows_package_and_fingerprint() -> None:
    """--version names the package version and the rule set's fingerprint."""
    from res_rules import __version__, load_rules

    result = run("--version")
    assert (result.returncode, __version__ in result.stdout,
            load_rules().fingerprint in result.stdout) == (0, True, True)


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_help_describes_every_option_with_an_example(command: str) -> None:
    """--help works for each command, and every option's help text carries an example."""
    result = invoke(command, "--help")
    missing = [p.name for p in cli.commands[command].params
               if isinstance(p, click.Option) and p.name != "help"
               and "Example" not in (p.help or "")]
    assert (result.exit_code, "Example" in result.output, missing) == (0, True, [])


_USAGE_ERRORS = [
    (["advise", "--format", "foo", "x.yaml"],
     "Fout: ongeldige waarde voor '--format': verwacht een van: 'text', 'json', 'markdown', "
     "gekregen 'foo'",
     "Error: invalid value for '--format': expected one of 'text', 'json', 'markdown', got 'foo'"),
    (["bevoegd-gezag", "--technology", "wind", "--capacity-mw", "12,6"],
     "Fout: ongeldige waarde voor '--capacity-mw': verwacht een getal met een decimale punt, "
     "dus 12.6, gekregen '12,6'",
     "Error: invalid value for '--capacity-mw': expected a number with a decimal point, so 12.6, "
     "got '12,6'"),
    (["verify", "--workers", "0"],
     "Fout: ongeldige waarde voor '--workers': verwacht ten minste 1, gekregen '0'",
     "Error: invalid value for '--workers': expected at least 1, got '0'"),
    (["advise", "--rules", "x"],
     "Fout: de optie '--rules' bestaat niet; bedoelt u '--workers'?",
     "Error: no such option '--rules'; did you mean '--workers'?"),
    (["bevoegd-gezag", "--capacity-mw", "3"],
     "Fout: '--technology' ontbreekt", "Error: '--technology' is missing"),
    (["advise", "--as-of"],
     "Fout: de optie '--as-of' heeft een waarde nodig", "Error: option '--as-of' requires a value"),
    (["verify", "--rules", "/nonexistent-folder"],
     "Fout: ongeldige waarde voor '--rules': '/nonexistent-folder' bestaat niet",
     "Error: invalid value for '--rules': '/nonexistent-folder' does not exist"),
    (["mutate", "--min-score", "1.5"],
     "Fout: ongeldige waarde voor '--min-score': verwacht een waarde van 0 tot en met 1, "
     "gekregen '1.5'",
     "Error: invalid value for '--min-score': expected a value from 0 to 1, got '1.5'"),
    (["adviseer"],
     "Fout: de opdracht 'adviseer' bestaat niet; de opdrachten zijn: advise, bevoegd-gezag, "
     "compare, mutate, rules, schema, serve, validate, verify",
     "Error: no such command 'adviseer'; the commands are: advise, bevoegd-gezag, compare, "
     "mutate, rules, schema, serve, validate, verify"),
]


@pytest.mark.parametrize(("args", "dutch", "english"), _USAGE_ERRORS,
                         ids=[" ".join(a) for a, _, _ in _USAGE_ERRORS])
def test_usage_errors_speak_the_users_language(capsys: pytest.CaptureFixture[str],
                                                args: list[str], dutch: str,
                                                english: str) -> None:
    """click's own errors (a value of the wrong kind, an unknown option or command, a missing
    value) in Dutch by default and in English with --lang en, even when click fails before
    it reads --lang."""
    from res_rules._cli import main

    said = []
    for extra in ([], ["--lang", "en"]):
        with pytest.raises(SystemExit) as exited:
            main([args[0], *extra, *args[1:]])
        said.append((exited.value.code, capsys.readouterr().err.splitlines()[0]))
    assert said == [(2, dutch), (2, english)]
