"""Helpers for the web tests: the app in-process, a real `res-rules serve` on a free port, the
example cases, and the form token."""

from __future__ import annotations

import contextlib
import re
import shutil
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import yaml
from conftest import EXAMPLES, ROOT, SHARED_EXAMPLES

with warnings.catch_warnings():  # starlette announces a successor of httpx for its TestClient
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

ARTIFACTS = ROOT / "test-results" / "web"


def example_files() -> list[Path]:
    """The shared example cases (or the bundled copies when shared/ is not beside the repo)."""
    folder = SHARED_EXAMPLES if SHARED_EXAMPLES.is_dir() else EXAMPLES
    return sorted(p for p in folder.glob("*.yaml") if not p.name.endswith(".expected.yaml"))


def example(name: str) -> Path:
    """One example case file by its stem."""
    return next(p for p in example_files() if p.stem == name)


def plain(path: Path) -> dict[str, Any]:
    """A case file as JSON-ready data (dates as ISO strings), as a client would send it."""
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key in ("reference_date", "deadline"):
        if data.get(key) is not None:
            data[key] = data[key].isoformat()
    return data


def form_of(case: dict[str, Any]) -> dict[str, str]:
    """A case as the form posts it: input names are case paths, values the typed text."""
    fields: dict[str, str] = {}
    for key, value in case.items():
        if key == "projects":
            for i, project in enumerate(value):
                for name, v in project.items():
                    fields[f"projects[{i}].{name}"] = "on" if v is True else str(v)
        elif key == "solution":
            fields.update({f"solution.{k}": str(v).lower() if isinstance(v, bool) else str(v)
                           for k, v in value.items() if v is not None})
        elif value is not None:
            fields[key] = str(value)
    return fields


def client() -> TestClient:
    """The whole application in-process."""
    from res_rules.web import create_app

    return TestClient(create_app())


def token(html: str) -> str:
    """The form token a page carries."""
    match = re.search(r'name="_csrf" value="([^"]+)"', html)
    if match is None:
        raise AssertionError("the page carries no form token")
    return match.group(1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.contextmanager
def running_server(workers: int = 1) -> Iterator[tuple[str, str]]:
    """`res-rules serve` on a free port: its address and the first line it printed."""
    port = free_port()
    script = shutil.which("res-rules", path=str(Path(sys.executable).parent))
    command = [script] if script else [sys.executable, "-m", "res_rules"]
    process = subprocess.Popen([*command, "serve", "--port", str(port),
                                "--workers", str(workers)],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"res-rules serve did not start (exit {process.poll()})")
            time.sleep(0.2)
        assert process.stdout is not None
        yield base, process.stdout.readline().strip()
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
