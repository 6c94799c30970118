"""Benchmark: the advice engine in-process, against durable-rules alone on the same facts.

Run from the repository root:

    python benchmarks/performance.py            # everything (about three minutes)
    python benchmarks/performance.py --quick    # no 200,000-advice run; a 2,000-case batch
    python benchmarks/performance.py --only advise jsonl    # some of them

Prints, in one run: ``advise(Case)`` on generated cases (mean, p50, p99, advices/s), the same
with ``.to_dict()``, ``bevoegd_gezag()`` per second, one case with 100/300/1,000 projects (µs per
project), the resident set size after 10,000 and after 200,000 advices, a JSONL batch of 10,000
cases through ``res-rules advise --jsonl`` with one process and with ``--workers 2``, the time
``verify`` takes on two workers, and a baseline: the
durable-rules C engine alone on the same facts, with pre-serialised facts and actions that only
assert pre-serialised conclusions, so the adapter's overhead shows as a ratio. The results are
appended to ``benchmarks/RESULTS.md`` as rows of the "In-process engine" table (``--no-write``
leaves the file alone).

The cases are drawn with a fixed seed from the fact model's value lists (``jsonl_batch.generate``),
so every run advises the same cases. More measurements plug in as functions that return
:class:`Row` lists; see :data:`MEASUREMENTS`.
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import gc
import json
import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from jsonl_batch import generate, run_batch  # a sibling script, not a package

import res_rules
from res_rules import _advice
from res_rules._casefile import case_from_mapping
from res_rules._facts import Case
from res_rules._rules import RuleSet, substitute

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
SECTION = "## In-process engine: `python benchmarks/performance.py`"
SEED = 2022


@dataclass(frozen=True)
class Row:
    """One measurement: what, how much, in which unit, and a note (ratio, scaling)."""

    what: str
    value: float
    unit: str
    note: str = ""


def _now_ns() -> int:
    return time.perf_counter_ns()


def _timings(calls: Sequence[Callable[[], Any]], rounds: int) -> tuple[list[float], list[float]]:
    """Microseconds per call, wall clock and this thread's CPU time, each call timed on its own,
    ``rounds`` passes after a warm-up. CPU time leaves out waiting for a busy machine."""
    for call in calls[: min(len(calls), 200)]:
        call()
    wall: list[float] = []
    cpu: list[float] = []
    gc.collect()
    for _ in range(rounds):
        for call in calls:
            start, start_cpu = _now_ns(), time.thread_time_ns()
            call()
            cpu.append((time.thread_time_ns() - start_cpu) / 1000)
            wall.append((_now_ns() - start) / 1000)
    return wall, cpu


def _summary(what: str, times: tuple[list[float], list[float]], rounds: int) -> list[Row]:
    """Mean, p50, p99 and rate over every call, the CPU mean, and the CPU mean of the quickest
    round: this machine is shared, and its speed swings by half within minutes (the same
    round of calls took 180 µs and 270 µs a call within ten minutes), so, as ``timeit`` reports
    its quickest repeat, the best round shows what the code costs when nothing else slows the
    machine; the overall mean shows what a user met during the run."""
    wall, cpu = sorted(times[0]), times[1]
    mean = statistics.fmean(wall)
    p50 = wall[len(wall) // 2]
    p99 = wall[min(len(wall) - 1, int(len(wall) * 0.99))]
    cpu_mean = statistics.fmean(cpu)
    size = len(cpu) // rounds
    best = min(statistics.fmean(cpu[i * size:(i + 1) * size]) for i in range(rounds))
    return [Row(f"{what}: mean", mean, "µs"), Row(f"{what}: p50", p50, "µs"),
            Row(f"{what}: p99", p99, "µs"), Row(f"{what}: rate", 1e6 / mean, "/s"),
            Row(f"{what}: CPU mean", cpu_mean, "µs", f"{1e6 / cpu_mean:,.0f}/s on one core"),
            Row(f"{what}: CPU mean, best of {rounds} rounds", best, "µs",
                f"{1e6 / best:,.0f}/s on one core")]


def generated_cases(count: int = 2000, seed: int = SEED) -> list[Case]:
    """``count`` validated cases with 0-3 projects each, the same ones every run."""
    return [case_from_mapping(c) for c in generate(count, seed)]


def measure_advise(cases: Sequence[Case], rounds: int = 5) -> list[Row]:
    """``advise(Case)`` on already validated cases, as a caller writes it (the default rules)."""
    return _summary("advise(Case)", _timings(
        [lambda c=c: res_rules.advise(c) for c in cases], rounds), rounds)


def measure_advise_with_rules(cases: Sequence[Case], rounds: int = 5) -> list[Row]:
    """``advise(Case, rules=rs)``: without ``load_rules()`` checking the rule files each call."""
    rules = res_rules.load_rules()
    return _summary("advise(Case, rules=rs)", _timings(
        [lambda c=c: res_rules.advise(c, rules=rules) for c in cases], rounds), rounds)


def measure_to_dict(cases: Sequence[Case], rounds: int = 5) -> list[Row]:
    """``advise(Case).to_dict()``: the advice as JSON-ready data, as the CLI and JSONL use it."""
    rules = res_rules.load_rules()
    return _summary("advise(Case).to_dict()", _timings(
        [lambda c=c: res_rules.advise(c, rules=rules).to_dict() for c in cases], rounds),
        rounds)


def measure_bevoegd_gezag(rounds: int = 5) -> list[Row]:
    """``bevoegd_gezag()`` over a grid of technologies, capacities, transfer and law."""
    rules = res_rules.load_rules()
    grid = [(t, p, tr, law)
            for t in ("wind", "zon") for p in (0.5, 4.99, 5, 12.6, 49.99, 50, 62, 100, 100.01, 150)
            for tr in (False, True) for law in (False, True)] * 25
    default = [lambda t=t, p=p, tr=tr, law=law: res_rules.bevoegd_gezag(
        t, p, transferred_to_gemeente=tr, include_expected_law=law) for t, p, tr, law in grid]
    given = [lambda t=t, p=p, tr=tr, law=law: res_rules.bevoegd_gezag(
        t, p, transferred_to_gemeente=tr, include_expected_law=law, rules=rules)
        for t, p, tr, law in grid]
    return (_summary("bevoegd_gezag()", _timings(default, rounds), rounds)
            + _summary("bevoegd_gezag(rules=rs)", _timings(given, rounds), rounds))


def _big_case(projects: int) -> Case:
    base = generate(1, SEED)[0]
    base["projects"] = [
        {"id": f"p{j}", "gemeente": "Utrecht", "technology": ("wind", "zon")[j % 2],
         "capacity_mw": (3.0, 12.6, 50.0, 150.0, 100.0)[j % 5], "status": "vertraagd",
         "transferred_to_gemeente": j % 3 == 0}
        for j in range(projects)
    ]
    return case_from_mapping(base)


def measure_projects(sizes: Sequence[int] = (100, 300, 1000)) -> list[Row]:
    """One case with many projects: µs per project at each size (flat when linear)."""
    rules = res_rules.load_rules()
    rows = []
    for size in sizes:
        case = _big_case(size)
        res_rules.advise(case, rules=rules)
        repeat = max(3, 2000 // size)
        start, start_cpu = _now_ns(), time.thread_time_ns()
        for _ in range(repeat):
            res_rules.advise(case, rules=rules)
        cpu = (time.thread_time_ns() - start_cpu) / 1000 / repeat
        wall = (_now_ns() - start) / 1000 / repeat
        rows.append(Row(f"case with {size} projects: CPU per project", cpu / size, "µs",
                        f"{cpu / 1000:.1f} ms CPU, {wall / 1000:.1f} ms wall per case"))
    return rows


def _rss_mib() -> float:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_memory(cases: Sequence[Case], long: bool) -> list[Row]:
    """Resident set size after 10,000 advices and (unless quick) after 200,000."""
    rules = res_rules.load_rules()
    rows = []
    done = 0
    for target in (10_000, 200_000) if long else (10_000,):
        while done < target:
            res_rules.advise(cases[done % len(cases)], rules=rules)
            done += 1
        gc.collect()
        rows.append(Row(f"RSS after {target:,} advices", _rss_mib(), "MiB"))
    if len(rows) == 2:
        rows[1] = Row(rows[1].what, rows[1].value, rows[1].unit,
                      f"{rows[1].value - rows[0].value:+.1f} MiB since 10,000")
    return rows


def measure_jsonl(count: int = 10_000, workers: Sequence[int] = (1, 2),
                  repeats: int = 5) -> list[Row]:
    """``res-rules advise --jsonl -`` on ``count`` generated cases, streamed in, with one
    process and with ``--workers N``: cases per second (start-up included) and the ratio.

    Each is run ``repeats`` times, in turn (1, 2, 1, 2, ...), and the quickest run of each counts:
    the machine's speed swings within minutes, and taking turns gives both the same chance."""
    _compile_package()
    lines = [(json.dumps(c) + "\n").encode() for c in generate(count, SEED)]
    runs: dict[int, list[Any]] = {n: [] for n in workers}
    for _ in range(repeats):
        for n in workers:
            batch = run_batch(lines, workers=n)
            if batch.returncode != 0 or batch.lines != count:
                raise SystemExit(f"JSONL batch failed: exit {batch.returncode}, {batch.lines} "
                                 f"advices\n{batch.stderr}")
            runs[n].append(batch)
    rows: list[Row] = []
    single = 0.0
    for n in workers:
        batch = max(runs[n], key=lambda b: b.rate)
        single = single or batch.rate
        note = (f"{batch.seconds:.1f} s (best of {len(runs[n])}: "
                f"{', '.join(f'{b.seconds:.1f}' for b in runs[n])}); "
                f"peak RSS {batch.peak_mib:.0f} MiB")
        if n > 1:
            note += f"; {batch.rate / single:.2f} times one process"
        rows.append(Row(f"JSONL {count:,} cases, --workers {n}", batch.rate, "/s", note))
    return rows


def _compile_package() -> None:
    """Write the package's bytecode, as ``pip install`` does, so that the command starts as an
    installed one: a checkout on a machine that sets PYTHONDONTWRITEBYTECODE (this one does)
    would compile res_rules from source at every start, about 50 ms."""
    compileall.compile_dir(Path(res_rules.__file__).resolve().parent, quiet=1)


def measure_verify(workers: int = 2) -> list[Row]:
    """``verify`` of the shipped rules, as ``res-rules verify --workers N`` runs it."""
    from res_rules._verify import verify

    rules = res_rules.load_rules()
    start = _now_ns()
    report = verify(rules, workers=workers)
    seconds = (_now_ns() - start) / 1e9
    return [Row(f"verify, {workers} workers", seconds, "s",
                f"{report.combinations:,} combinations, {len(report.problems)} problems")]


class _Baseline:
    """durable-rules' C engine alone: pre-serialised facts, actions that replay conclusions.

    A first pass runs each case with a minimal adapter (conclusions from ``substitute``, each
    asserted once) and records, per action message, the JSON the action asserts. The timed pass
    then only calls the engine: assert the facts, and for each action look its conclusions up
    and assert them. That is the floor any adapter on durable-rules can reach.
    """

    def __init__(self, rules: RuleSet) -> None:
        import durable_rules_engine as engine  # the C module; the benchmark measures it alone

        self.engine = engine
        self.rules = {f"r{i}": rule for i, rule in enumerate(rules.rules)}
        definition = {name: rule.when for name, rule in self.rules.items()}
        self.handle = engine.create_ruleset(f"baseline_{rules.fingerprint[:12]}",
                                            json.dumps(definition))
        self.replay: dict[str, str] = {}

    def _facts_json(self, facts: Sequence[dict[str, Any]], sid: str) -> str:
        return json.dumps([{**f, "sid": sid} for f in facts], ensure_ascii=False)

    def record(self, facts: Sequence[dict[str, Any]], sid: str) -> str:
        engine, handle = self.engine, self.handle
        text = self._facts_json(facts, sid)
        seen = {json.dumps(f, sort_keys=True) for f in facts}
        _, offset = engine.assert_facts(handle, text)
        result = engine.start_action_for_state(handle, offset)
        messages = result[1] if result else None
        while messages:
            data = json.loads(messages)
            (name, frame), = data.items()
            bindings = {alias: {k: v for k, v in fact.items() if k != "sid"}
                        for alias, fact in frame.items()}
            new = []
            for template in self.rules[name].then:
                conclusion = substitute(template, bindings)
                key = json.dumps(conclusion, sort_keys=True)
                if key not in seen:
                    seen.add(key)
                    new.append({**conclusion, "sid": sid})
            self.replay[messages] = json.dumps(new, ensure_ascii=False) if new else ""
            if new:
                engine.assert_facts(handle, self.replay[messages])
            messages = engine.complete_and_start_action(handle, offset)
        engine.delete_state(handle, sid)
        return text

    def run(self, text: str, sid: str) -> None:
        engine, handle, replay = self.engine, self.handle, self.replay
        _, offset = engine.assert_facts(handle, text)
        result = engine.start_action_for_state(handle, offset)
        messages = result[1] if result else None
        while messages:
            conclusions = replay[messages]
            if conclusions:
                engine.assert_facts(handle, conclusions)
            messages = engine.complete_and_start_action(handle, offset)
        engine.delete_state(handle, sid)


def measure_baseline(cases: Sequence[Case], rounds: int = 5) -> list[Row]:
    """durable-rules alone on the same facts as ``advise`` (see :class:`_Baseline`)."""
    rules = res_rules.load_rules()
    baseline = _Baseline(rules)
    calls = []
    for index, case in enumerate(cases):
        ref = case.reference_date or dt.date.today()
        facts = [*_advice.case_facts(case, ref), _advice.context_fact(True, ref)]
        sid = f"b{index}"
        text = baseline.record(facts, sid)
        calls.append(lambda text=text, sid=sid: baseline.run(text, sid))
    return _summary("durable-rules alone (baseline)", _timings(calls, rounds), rounds)


def _engine_at(commit: str) -> Any:
    """``res_rules/_engine.py`` as it was at ``commit``, loaded beside the current one."""
    import subprocess
    import types

    root = Path(__file__).resolve().parent.parent
    source = subprocess.run(["git", "show", f"{commit}:res_rules/_engine.py"], cwd=root,
                            capture_output=True, text=True, check=True).stdout
    module = types.ModuleType(f"res_rules._engine_at_{commit[:12]}")
    module.__package__ = "res_rules"  # its relative imports find today's _errors and _rules
    exec(compile(source, f"{commit}:res_rules/_engine.py", "exec"), module.__dict__)
    return module


def measure_against(cases: Sequence[Case], commit: str, rounds: int = 3) -> list[Row]:
    """The adapter at ``commit`` and this one, call by call in turn on the same cases.

    Interleaving makes the comparison fair on a busy machine: both see the same load.
    """
    old = _engine_at(commit).infer
    new = _advice.infer
    rules = res_rules.load_rules()

    def through(infer: Callable[..., Any], call: Callable[[], Any]) -> Callable[[], Any]:
        def run() -> Any:
            _advice.infer = infer
            try:
                return call()
            finally:
                _advice.infer = new
        return run

    rows = []
    for what, calls in (
        ("advise(Case, rules=rs)",
         [lambda c=c: res_rules.advise(c, rules=rules) for c in cases]),
        ("bevoegd_gezag(rules=rs)",
         [lambda t=t, p=p: res_rules.bevoegd_gezag(t, p, rules=rules)
          for t in ("wind", "zon") for p in (0.5, 4.99, 5, 12.6, 49.99, 50, 62, 100, 150)] * 50),
    ):
        paired = [f for call in calls for f in (through(old, call), through(new, call))]
        wall, cpu = _timings(paired, rounds)
        old_cpu, new_cpu = statistics.fmean(cpu[0::2]), statistics.fmean(cpu[1::2])
        old_wall, new_wall = statistics.fmean(wall[0::2]), statistics.fmean(wall[1::2])
        rows += [
            Row(f"{what} at {commit[:7]}: CPU mean", old_cpu, "µs",
                f"wall {old_wall:,.0f} µs; interleaved with this branch"),
            Row(f"{what} on this branch: CPU mean", new_cpu, "µs",
                f"wall {new_wall:,.0f} µs; {old_cpu / new_cpu:.2f} times faster"),
        ]
    return rows


def _ratio(rows: list[Row], what: str, baseline: str) -> list[Row]:
    """Note on ``what``'s CPU mean how many times the baseline's CPU mean it is."""
    found = {r.what: r for r in rows}
    mine, base = found.get(f"{what}: CPU mean"), found.get(f"{baseline}: CPU mean")
    if mine is None or base is None:
        return rows
    return [Row(r.what, r.value, r.unit,
                f"{r.note}; {mine.value / base.value:.2f} times the baseline")
            if r is mine else r for r in rows]


#: The measurements, in print order: (name, function(cases, quick) -> rows). Add yours here.
MEASUREMENTS: list[tuple[str, Callable[[Sequence[Case], bool], list[Row]]]] = [
    ("advise", lambda cases, quick: measure_advise(cases)),
    ("advise_with_rules", lambda cases, quick: measure_advise_with_rules(cases)),
    ("to_dict", lambda cases, quick: measure_to_dict(cases)),
    ("baseline", lambda cases, quick: measure_baseline(cases)),
    ("bevoegd_gezag", lambda cases, quick: measure_bevoegd_gezag()),
    ("projects", lambda cases, quick: measure_projects()),
    ("memory", lambda cases, quick: measure_memory(cases, long=not quick)),
    ("jsonl", lambda cases, quick: measure_jsonl(2_000, repeats=3) if quick
     else measure_jsonl(10_000)),
    ("verify", lambda cases, quick: measure_verify()),
]


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as info:
            for line in info:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{platform.machine()}, {cpu}, {os.cpu_count()} cores"


def _markdown(rows: Sequence[Row], label: str) -> str:
    head = (f"\n### {dt.date.today()} · res-rules {res_rules.__version__} · {label} · "
            f"Python {platform.python_version()} · {_machine()}\n\n"
            "| measurement | value | unit | note |\n|---|---:|---|---|\n")
    return head + "".join(f"| {r.what} | {r.value:,.1f} | {r.unit} | {r.note} |\n"
                          for r in rows)


def add_to_section(section: str, intro: str, block: str, path: Path = RESULTS) -> None:
    """Put ``block`` at the end of ``section`` in RESULTS.md, before the next section; the
    section (a ``## `` heading and ``intro``) is made at the end of the file if missing."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    if section not in text:
        text = text.rstrip("\n") + f"\n\n{section}\n\n{intro}\n"
    start = text.index(section) + len(section)
    end = text.find("\n## ", start)
    end = len(text) if end < 0 else end
    body = text[:end].rstrip("\n") + "\n" + block.rstrip("\n") + "\n"
    rest = text[end:].lstrip("\n")
    path.write_text(body + ("\n" + rest if rest else ""), encoding="utf-8")


def write_results(rows: Sequence[Row], label: str, path: Path = RESULTS) -> None:
    """Add a dated table at the end of the in-process section of RESULTS.md."""
    add_to_section(SECTION, (
        "Generated cases (seed 2022, 0-3 projects each, `jsonl_batch.generate`), validated "
        "once, then advised in one process; each call timed on its own (passes over 2,000 "
        "cases). The baseline is durable-rules' C engine alone on the same facts "
        "(pre-serialised facts, actions that only assert pre-serialised conclusions). The "
        "machine is shared: wall-clock p99s swing with other people's load; the CPU means "
        "(this thread's CPU time per call) are the figures to compare."),
        _markdown(rows, label), path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the 200,000-advice run")
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--label", default="", help="a word for the table, e.g. 'before'")
    parser.add_argument("--no-write", action="store_true", help="do not touch RESULTS.md")
    parser.add_argument("--against", metavar="COMMIT", default=None,
                        help="also time the adapter (_engine.py) of COMMIT, interleaved")
    parser.add_argument("--only", nargs="*", default=None,
                        help=f"run only these: {', '.join(n for n, _ in MEASUREMENTS)}")
    args = parser.parse_args()
    cases = generated_cases(args.cases)
    rows: list[Row] = []
    for name, measure in MEASUREMENTS:
        if args.only is not None and name not in args.only:
            continue
        found = measure(cases, args.quick)
        for row in found:
            print(f"{row.what:<45} {row.value:>12,.1f} {row.unit:<4} {row.note}", flush=True)
        rows.extend(found)
    if args.against:
        found = measure_against(cases, args.against)
        for row in found:
            print(f"{row.what:<45} {row.value:>12,.1f} {row.unit:<4} {row.note}", flush=True)
        rows.extend(found)
    rows = _ratio(rows, "advise(Case, rules=rs)", "durable-rules alone (baseline)")
    if not args.no_write:
        write_results(rows, args.label or ("quick" if args.quick else "full"))
        print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
