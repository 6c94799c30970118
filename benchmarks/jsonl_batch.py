"""Benchmark: a batch of generated cases through `res-rules advise --jsonl`.

Streams the cases into the command's stdin, measures wall time, cases per second and the
resident set size of the command's process tree (workers included) sampled while it runs, and
prints a Markdown row for benchmarks/RESULTS.md. Run from the repository root:

    python benchmarks/jsonl_batch.py --cases 10000 [--workers 2]

``performance.py`` runs it with one and with two workers; ``soak.py`` streams a million lines.

The cases are drawn from the fact model's own value lists with a fixed seed, so every run
advises the same batch; all are valid, so the exit code must be 0.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import random
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from res_rules import __version__, _facts


def generate(count: int, seed: int) -> list[dict[str, Any]]:
    """``count`` valid case mappings covering every enum value and the capacity boundaries."""
    rng = random.Random(seed)
    base = dt.date(2026, 6, 1)
    cases = []
    for i in range(count):
        status = rng.choice(_facts.SOLUTION_STATUSES)
        case: dict[str, Any] = {
            "id": f"bench-{i}",
            "theme": rng.choice(_facts.THEMES),
            "scope": rng.choice(_facts.SCOPES),
            "no_consensus_declared_by": rng.choice([None, *_facts.DECLARERS]),
            "current_step": rng.randint(0, _facts.MAX_STEP),
            "reference_date": base.isoformat(),
            "deadline": rng.choice([None, (base + dt.timedelta(days=rng.randint(-30, 30)))
                                    .isoformat()]),
            "solution": {
                "status": status,
                "adequate": rng.choice([None, True, False]) if status == "gevonden" else None,
                "draagvlak": rng.choice(_facts.DRAAGVLAK),
            },
            "agreements": rng.choice(_facts.AGREEMENTS),
            "step2_need": rng.choice([None, *_facts.STEP2_NEEDS]),
            "res_forecast_twh_2030": rng.choice([None, 1.5, 1.8, 2.1]),
            "projects": [
                {
                    "id": f"p{j}",
                    "gemeente": rng.choice(_facts.GEMEENTEN),
                    "technology": rng.choice(_facts.TECHNOLOGIES),
                    "capacity_mw": rng.choice([3.0, 4.99, 5.0, 12.6, 49.99, 50.0, 100.0, 150.0]),
                    "status": rng.choice(_facts.PROJECT_STATUSES),
                    "transferred_to_gemeente": rng.random() < 0.2,
                }
                for j in range(rng.randint(0, 3))
            ],
        }
        cases.append(case)
    return cases


def rss_tree_mib(pid: int) -> float:
    """Resident set size of ``pid`` and all its descendants (worker processes), in MiB; 0 when
    it has ended. Linux ``/proc`` only."""
    total = 0
    stack = [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/status", encoding="ascii") as status:
                total += next((int(line.split()[1]) for line in status
                               if line.startswith("VmRSS:")), 0)
            for task in Path(f"/proc/{current}/task").iterdir():
                stack += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
    return total / 1024


@dataclass(frozen=True)
class Batch:
    """One run of ``res-rules advise --jsonl``: lines out, seconds, and the process tree's RSS
    sampled while it ran (MiB), with the line count each sample was taken at."""

    lines: int
    seconds: float
    samples: tuple[tuple[int, float], ...]
    returncode: int
    stderr: str

    @property
    def rate(self) -> float:
        return self.lines / self.seconds if self.seconds else 0.0

    @property
    def peak_mib(self) -> float:
        return max((rss for _, rss in self.samples), default=0.0)


def run_batch(lines: Iterable[bytes], *, workers: int = 1, sample_every: float = 0.5) -> Batch:
    """Stream ``lines`` (one JSON case each as UTF-8, newline included) into ``res-rules advise
    --jsonl - --workers N`` as they come, count the advice lines that come back and sample the
    RSS of the process tree every ``sample_every`` seconds.

    The harness shares the machine with the command, so it does as little as it can while the
    clock runs: the caller encodes the lines (ahead, or lazily for a stream too long to hold),
    and the answers are counted per chunk read, not split into lines (10,000 advices are about
    110 MB)."""
    script = shutil.which("res-rules", path=str(Path(sys.executable).parent)) or "res-rules"
    process = subprocess.Popen([script, "advise", "--jsonl", "-", "--workers", str(workers)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    assert process.stdin is not None and process.stdout is not None
    counted = [0]
    samples: list[tuple[int, float]] = []
    errors: list[bytes] = []

    def read() -> None:
        assert process.stdout is not None
        while chunk := process.stdout.read1(1 << 20):
            counted[0] += chunk.count(b"\n")

    def sample() -> None:
        while process.poll() is None:
            samples.append((counted[0], rss_tree_mib(process.pid)))
            time.sleep(sample_every)

    def collect_errors() -> None:
        assert process.stderr is not None
        errors.append(process.stderr.read())

    threads = [threading.Thread(target=target, daemon=True)
               for target in (read, sample, collect_errors)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for line in lines:
        process.stdin.write(line)
    process.stdin.close()
    process.wait()
    seconds = time.perf_counter() - start
    for thread in threads:
        thread.join()
    return Batch(counted[0], seconds, tuple(samples), process.returncode,
                 b"".join(errors).decode(errors="replace"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    batch = run_batch([(json.dumps(c) + "\n").encode() for c in generate(args.cases, args.seed)],
                      workers=args.workers)
    if batch.returncode != 0 or batch.lines != args.cases:
        sys.exit(f"benchmark failed: exit {batch.returncode}, {batch.lines} advices\n"
                 f"{batch.stderr}")
    print("| date | version | cases | workers | seconds | cases/s | peak RSS (MiB) | python "
          "| machine |")
    print("|---|---|---:|---:|---:|---:|---:|---|---|")
    print(f"| {dt.date.today()} | {__version__} | {args.cases} | {args.workers} "
          f"| {batch.seconds:.1f} | {batch.rate:.0f} | {batch.peak_mib:.0f} "
          f"| {platform.python_version()} "
          f"| {platform.machine()}, {platform.processor() or 'cpu'} |")


if __name__ == "__main__":
    main()
