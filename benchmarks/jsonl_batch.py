"""Benchmark: a batch of generated cases through `res-rules advise --jsonl`.

Measures wall time, cases per second and the peak memory (max RSS) of the child process, and
prints a Markdown row for benchmarks/RESULTS.md. Run from the repository root:

    python benchmarks/jsonl_batch.py --cases 10000

The cases are drawn from the fact model's own value lists with a fixed seed, so every run
advises the same batch; all are valid, so the exit code must be 0.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2022)
    args = parser.parse_args()
    script = shutil.which("res-rules", path=str(Path(sys.executable).parent)) or "res-rules"
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "cases.jsonl"
        source.write_text("".join(json.dumps(c) + "\n" for c in generate(args.cases, args.seed)))
        target = Path(tmp) / "advice.jsonl"
        start = time.perf_counter()
        with target.open("w") as out:
            result = subprocess.run([script, "advise", "--jsonl", str(source)], stdout=out,
                                    stderr=subprocess.PIPE, text=True, check=False)
        seconds = time.perf_counter() - start
        lines = sum(1 for _ in target.open())
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if result.returncode != 0 or lines != args.cases:
        sys.exit(f"benchmark failed: exit {result.returncode}, {lines} advices\n{result.stderr}")
    print("| date | version | cases | seconds | cases/s | peak RSS (MiB) | python | machine |")
    print("|---|---|---:|---:|---:|---:|---|---|")
    print(f"| {dt.date.today()} | {__version__} | {args.cases} | {seconds:.1f} "
          f"| {args.cases / seconds:.0f} | {peak_mib:.0f} | {platform.python_version()} "
          f"| {platform.machine()}, {platform.processor() or 'cpu'} |")


if __name__ == "__main__":
    main()
