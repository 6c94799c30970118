"""Soak: long runs with memory sampled. Not a test and not in CI (it takes several minutes).

Run from the repository root:

    python benchmarks/soak.py                      # 200,000 advices and 1,000,000 JSONL lines
    python benchmarks/soak.py --advices 20000 --lines 100000    # a shorter run

Part 1 advises ``--advices`` generated cases in this process (``advise(case).to_dict()``) and
samples the resident set size every 10,000. Goal: growth after the first 10,000 under 20 MB.

Part 2 streams ``--lines`` JSONL lines into ``res-rules advise --jsonl - --workers N``, made as
they are sent (the input never exists as a whole), and samples the RSS of the command's process
tree (workers included) twice a second. Goal: memory independent of input length, i.e. the RSS
at the end within a few MB of the RSS after the first tenth.

Results are appended to ``benchmarks/RESULTS.md`` (``--no-write`` leaves it alone).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from jsonl_batch import generate, rss_tree_mib, run_batch  # sibling scripts, not a package
from performance import RESULTS, _machine, add_to_section

import res_rules
from res_rules._casefile import case_from_mapping

SECTION = "## Soak: `python benchmarks/soak.py`"
SEED = 2022


def soak_advices(count: int, every: int = 10_000) -> list[tuple[int, float]]:
    """Advise ``count`` cases in this process; (advices done, RSS MiB) every ``every``."""
    cases = [case_from_mapping(c) for c in generate(2000, SEED)]
    rules = res_rules.load_rules()
    samples = []
    for done in range(1, count + 1):
        res_rules.advise(cases[done % len(cases)], rules=rules).to_dict()
        if done % every == 0:
            gc.collect()
            samples.append((done, rss_tree_mib(os.getpid())))
            print(f"  {done:>9,} advices  RSS {samples[-1][1]:7.1f} MiB", flush=True)
    return samples


def _lines(count: int) -> Iterator[bytes]:
    """``count`` JSONL lines, the generated mix over and over with fresh ids, made as sent."""
    mix = generate(2000, SEED)
    for number in range(count):
        case = mix[number % len(mix)]
        yield (json.dumps({**case, "id": f"soak-{number}"}) + "\n").encode()


def _at(samples: tuple[tuple[int, float], ...], fraction: float, total: int) -> float:
    """The RSS sampled when ``fraction`` of the lines had come back."""
    return next((rss for done, rss in samples if done >= fraction * total), samples[-1][1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--advices", type=int, default=200_000)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-write", action="store_true", help="do not touch RESULTS.md")
    args = parser.parse_args()

    print(f"part 1: {args.advices:,} advices in this process", flush=True)
    start = time.perf_counter()
    advices = soak_advices(args.advices)
    advice_seconds = time.perf_counter() - start
    first, last = advices[0][1], advices[-1][1]

    print(f"part 2: {args.lines:,} JSONL lines, --workers {args.workers}", flush=True)
    batch = run_batch(_lines(args.lines), workers=args.workers)
    if batch.returncode != 0 or batch.lines != args.lines:
        sys.exit(f"soak failed: exit {batch.returncode}, {batch.lines} advices\n{batch.stderr}")
    tenth, half, end = (_at(batch.samples, f, args.lines) for f in (0.1, 0.5, 1.0))
    rows = [
        ("advices in one process", f"{args.advices:,}",
         f"{advice_seconds:.0f} s; RSS {first:.1f} MiB after {advices[0][0]:,}, {last:.1f} MiB "
         f"at the end ({last - first:+.1f} MiB; goal under 20 MB)"),
        (f"JSONL lines streamed, --workers {args.workers}", f"{args.lines:,}",
         f"{batch.seconds:.0f} s ({batch.rate:,.0f} lines/s); process tree RSS {tenth:.1f} MiB "
         f"after 10 %, {half:.1f} MiB after 50 %, {end:.1f} MiB at the end "
         f"({end - tenth:+.1f} MiB), peak {batch.peak_mib:.1f} MiB"),
    ]
    table = "| run | count | result |\n|---|---:|---|\n" + "".join(
        f"| {what} | {count} | {result} |\n" for what, count, result in rows)
    print(table)
    if not args.no_write:
        head = (f"\n### {dt.date.today()} · res-rules {res_rules.__version__} · Python "
                f"{platform.python_version()} · {_machine()}\n\n")
        add_to_section(SECTION, (
            "Long runs with memory sampled (not in CI): advices in one process with the RSS "
            "every 10,000, and a JSONL stream made as it is sent into `res-rules advise "
            "--jsonl -` with the RSS of its process tree (workers included) sampled twice a "
            "second."), head + table, RESULTS)


if __name__ == "__main__":
    main()
