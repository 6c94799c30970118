"""How an advice is compared with expected output (the rules of shared/examples/README.md)."""

from __future__ import annotations

from typing import Any

SET_KEYS = ("alternatives", "grounds", "actions", "warnings")


def observed(advice: dict[str, Any]) -> dict[str, Any]:
    """The parts of an advice's dict form that expected files speak about."""
    return {
        "applicable": advice["applicable"],
        "recommendation": advice["recommendation"],
        "current_step": advice["current_step"],
        "next_step": advice["next_step"],
        "alternatives": advice["alternatives"],
        "grounds": advice["grounds"],
        "step2_instrument": advice["step2_instrument"],
        "actions": [a["code"] for a in advice["actions"]],
        "projects": [{"id": p["id"], "bevoegd_gezag": p["bevoegd_gezag"]}
                     for p in advice["projects"]],
        "res_target_at_risk": advice["res_target"]["at_risk"],
        "law": advice["law"]["id"],
        # A warning as "code" or "code project": compared as a set.
        "warnings": [" ".join(filter(None, (w["code"], w["project"])))
                     for w in advice["warnings"]],
    }


def comparable(data: dict[str, Any], keys: list[str]) -> dict[str, Any]:
    """Only ``keys``, with the set-valued ones as sorted lists."""
    return {k: sorted(data[k], key=str) if k in SET_KEYS else data[k] for k in keys}
