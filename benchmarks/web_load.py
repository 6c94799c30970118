"""Benchmark: concurrent clients against `res-rules serve` on this machine's loopback.

Starts one server (``--workers N``, default 1) on a free port on 127.0.0.1, sends ``--requests``
``POST /api/advise`` requests of generated cases from ``--clients`` concurrent clients, and checks
every answer against the serial ``advise()`` of the same case. Prints the error and mismatch
counts, p50/p99 latency, throughput, the server's CPU time per request (its processes' user and
system time, start-up included: less sensitive than wall time to other work on the machine)
and the load average before the run, as a Markdown row for benchmarks/RESULTS.md. Run from the
repository root:

    python benchmarks/web_load.py --requests 10000 --clients 50
    python benchmarks/web_load.py --requests 10000 --clients 50 --workers 2

The cases come from ``jsonl_batch.generate`` (same seed, same cases). The load is bounded in
count and time and goes to 127.0.0.1 only; the server is stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from jsonl_batch import generate  # the sibling benchmark's case generator

from res_rules import __version__, advise

DEADLINE_SECONDS = 900


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_server(port: int, workers: int) -> subprocess.Popen[str]:
    script = shutil.which("res-rules", path=str(Path(sys.executable).parent))
    command = [script] if script else [sys.executable, "-m", "res_rules"]
    process = subprocess.Popen([*command, "serve", "--port", str(port), "--workers",
                                str(workers)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, text=True)
    until = time.monotonic() + 60
    while time.monotonic() < until:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("the server did not start within 60 s")


async def load(base: str, cases: list[dict[str, Any]], expected: list[Any],
               clients: int) -> tuple[list[float], int, int, float]:
    """Every case sent once; latencies, errors, mismatches and the wall time."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for index in range(len(cases)):
        queue.put_nowait(index)
    latencies: list[float] = []
    errors = mismatches = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async def client(http: httpx.AsyncClient) -> None:
        nonlocal errors, mismatches
        while True:
            try:
                index = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            start = time.perf_counter()
            try:
                response = await http.post("/api/advise", json=cases[index])
            except httpx.HTTPError:
                errors += 1
                continue
            latencies.append(time.perf_counter() - start)
            if response.status_code != 200:
                errors += 1
            elif response.json() != expected[index]:
                mismatches += 1

    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as http:
        start = time.perf_counter()
        await asyncio.wait_for(asyncio.gather(*(client(http) for _ in range(clients))),
                               DEADLINE_SECONDS)
        wall = time.perf_counter() - start
    return latencies, errors, mismatches, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seed", type=int, default=2022)
    args = parser.parse_args()
    cases = generate(args.requests, args.seed)
    started = time.perf_counter()
    expected = [json.loads(json.dumps(advise(c).to_dict())) for c in cases]
    serial = time.perf_counter() - started
    load_before = os.getloadavg()[0]
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    port = free_port()
    server = start_server(port, args.workers)
    try:
        latencies, errors, mismatches, wall = asyncio.run(
            load(f"http://127.0.0.1:{port}", cases, expected, args.clients))
    finally:
        server.terminate()
        server.wait(timeout=30)
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + \
        (cpu_after.ru_stime - cpu_before.ru_stime)
    cut = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    print(f"{args.requests} requests, {args.clients} clients, {args.workers} worker(s): "
          f"{errors} errors, {mismatches} answers unlike advise(); serial advise() took "
          f"{serial:.1f} s")
    print("| date | version | workers | clients | requests | errors | mismatches | p50 (ms) "
          "| p99 (ms) | requests/s | server CPU (ms/request) | load before | python | machine |")
    print(f"| {dt.date.today().isoformat()} | {__version__} | {args.workers} | {args.clients} "
          f"| {args.requests} | {errors} | {mismatches} | {cut[49] * 1000:.1f} "
          f"| {cut[98] * 1000:.1f} | {len(latencies) / wall:.0f} "
          f"| {server_cpu * 1000 / args.requests:.2f} | {load_before:.1f} "
          f"| {platform.python_version()} | {platform.machine()}, cpu |")
    if errors or mismatches:
        sys.exit(1)


if __name__ == "__main__":
    main()
