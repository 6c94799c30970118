"""Imported by the JSONL batch's fork server before it forks any worker process.

Each worker then starts with the package imported and the shipped rule set read, checked and
compiled into the engine, instead of doing all that again itself (about 0.4 s of CPU per
worker). Should loading fail here, each worker loads the rules itself and reports the problem
on every line, as before.
"""

from __future__ import annotations

import contextlib

from ._batch import advise_line  # noqa: F401  # what a worker runs, imported with its modules
from ._rules import load_rules

with contextlib.suppress(Exception):
    load_rules()
