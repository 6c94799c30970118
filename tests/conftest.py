"""Shared test set-up: hypothesis profiles and paths to the example and scenario data."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SHARED_EXAMPLES = ROOT.parent / "shared" / "examples"
SCENARIOS = Path(__file__).resolve().parent / "scenarios"
EXPECTED = Path(__file__).resolve().parent / "expected"
RULES = ROOT / "rules"

# A fast default for developers; a thorough, reproducible one for CI.
settings.register_profile("default", max_examples=60, deadline=None)
settings.register_profile(
    "ci",
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
# HYPOTHESIS_PROFILE chooses; on a CI machine (CI=true) the thorough profile is the default.
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE")
                      or ("ci" if os.environ.get("CI") == "true" else "default"))
