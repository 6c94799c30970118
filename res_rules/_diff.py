"""What differs between two advices on the same case: another date, or without expected law.

For the advisor's question "what did the Energiewet change for our projects?": the same case
advised twice, and every difference in the parts that decide something (law, recommendation,
steps, grounds, instrument, actions, warnings, and per project the competence, regime and
status), each as a path with its value before and after.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from ._advice import Advice


@attrs.frozen
class Difference:
    """One part of the advice that differs: where, and its value in the first and second."""

    path: str
    before: Any
    after: Any

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "before": self.before, "after": self.after}


def _decisive(advice: Advice) -> dict[str, Any]:
    """The parts of an advice a comparison looks at, as plain values keyed by their path."""
    parts: dict[str, Any] = {
        "law": advice.law.regime,
        "applicable": advice.applicable,
        "recommendation": advice.recommendation.value,
        "next_step": advice.next_step.value,
        "alternatives": list(advice.alternatives),
        "grounds": list(advice.grounds_codes),
        "step2_instrument": (advice.step2_instrument.value
                             if advice.step2_instrument is not None else None),
        "actions": list(advice.action_codes),
        "warnings": sorted(" ".join(filter(None, (w.code, w.params.get("project"))))
                           for w in advice.warnings),
    }
    for project in advice.projects:
        where = f"projects[{project.project.id}]"
        parts[f"{where}.bevoegd_gezag"] = project.bevoegd_gezag
        parts[f"{where}.statutory_bevoegd_gezag"] = project.statutory_bevoegd_gezag
        parts[f"{where}.regime"] = project.regime
        parts[f"{where}.status"] = project.law_status
    return parts


def differences(first: Advice, second: Advice) -> tuple[Difference, ...]:
    """Every decisive part that differs between ``first`` and ``second``, in a fixed order.

    >>> import datetime as dt
    >>> from res_rules import advise
    >>> case = {"id": "x", "theme": "planuitval", "scope": "regionaal",
    ...         "projects": [{"id": "wp", "gemeente": "Lopik", "technology": "wind",
    ...                       "capacity_mw": 12}]}
    >>> [d.path for d in differences(advise(case, as_of=dt.date(2025, 12, 31)),
    ...                              advise(case, as_of=dt.date(2026, 1, 1)))]
    ['law', 'warnings', 'projects[wp].bevoegd_gezag', 'projects[wp].statutory_bevoegd_gezag', \
'projects[wp].regime']
    """
    return tuple(_diff(_decisive(first), _decisive(second)))


def _diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> Iterator[Difference]:
    keys = list(before) + [k for k in after if k not in before]
    for key in keys:
        old, new = before.get(key), after.get(key)
        if old != new:
            yield Difference(key, old, new)
