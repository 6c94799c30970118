"""The facts the engine sees: every fact type, its fields and what each field may hold.

This is the contract between the advice module, which turns a case into facts, and the rule
files, whose conditions and conclusions name fact fields. The rule loader refuses a rule that
tests or fills a field no fact has; the verifier draws its input partition from the domains
below; the catalogue and the mutation tester read the kinds.

Dates reach the engine as whole days written ``YYYYMMDD`` (``20260101``): durable-rules compares
numbers, not dates, and this form reads as a date in the rule files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Literal

import attrs

from ._facts import (
    AGREEMENTS,
    DECLARERS,
    DRAAGVLAK,
    MAX_STEP,
    PROJECT_STATUSES,
    SCOPES,
    SOLUTION_STATUSES,
    STEP2_NEEDS,
    TECHNOLOGIES,
    THEMES,
    WAIVED_TO,
)

FieldKind = Literal["enum", "number", "int", "date", "bool", "key", "list", "code"]

#: ``waived_to`` in a project fact when the Minister left nothing to another body.
NOT_WAIVED = "geen"


@attrs.frozen
class FactField:
    """One field of a fact: its kind, the values an enum may take, and whether it may be absent."""

    kind: FieldKind
    values: tuple[Any, ...] = ()
    optional: bool = False
    #: For numbers: the smallest and largest value the model allows (``None``: unbounded).
    low: float | None = None
    high: float | None = None
    low_open: bool = False


def _enum(values: tuple[Any, ...], *, optional: bool = False) -> FactField:
    return FactField("enum", values, optional)


#: The facts the advice asserts for a case (``case``, one ``project`` per project, ``context``).
INPUT_FACTS: Mapping[str, Mapping[str, FactField]] = {
    "case": {
        "theme": _enum(THEMES),
        "scope": _enum(SCOPES),
        "current_step": FactField("int", tuple(range(MAX_STEP + 1)), low=0, high=MAX_STEP),
        "declared_by": _enum(DECLARERS, optional=True),
        "solution_status": _enum(SOLUTION_STATUSES),
        "adequate": FactField("bool", (True, False), optional=True),
        "draagvlak": _enum(DRAAGVLAK),
        "agreements": _enum(AGREEMENTS),
        "step2_need": _enum(STEP2_NEEDS, optional=True),
        "days_past_deadline": FactField("int", optional=True),
        "res_forecast_twh_2030": FactField("number", optional=True, low=0),
    },
    "project": {
        "project": FactField("key"),
        "technology": _enum(TECHNOLOGIES),
        "capacity_mw": FactField("number", low=0, low_open=True),
        "status": _enum(PROJECT_STATUSES),
        "transferred": FactField("bool", (True, False)),
        "waived_to": _enum((NOT_WAIVED, *WAIVED_TO)),
    },
    "context": {
        "expected_law": FactField("bool", (True, False)),
        "reference_date": FactField("date"),
    },
}

_AUTHORITY = FactField("code")
_CODE = FactField("code")

#: What a rule may conclude: each kind of conclusion with the fields it carries.
CONCLUSIONS: Mapping[str, Mapping[str, FactField]] = {
    "regime": {"regime": _CODE},
    "resolved": {"value": FactField("bool", (True, False))},
    "ground": {"code": _CODE, "present": FactField("bool", (True, False))},
    "any_ground": {"value": FactField("bool", (True, False))},
    "res_target": {"target_twh": FactField("number"), "forecast_twh": FactField("number"),
                   "at_risk": FactField("bool", (True, False))},
    "recommendation": {"code": _CODE, "applicable": FactField("bool", (True, False))},
    "next_step": {"step": FactField("int"), "alternatives": FactField("list"),
                  "recommendation": _CODE},
    "step2_instrument": {"instrument": _CODE},
    "competence_basis": {
        "project": FactField("key"), "authority": _AUTHORITY, "law_status": _CODE,
        "regime": _CODE, "technology": _enum(TECHNOLOGIES), "capacity_mw": FactField("number"),
        "transferred": FactField("bool", (True, False)),
        "waived_to": _enum((NOT_WAIVED, *WAIVED_TO)),
    },
    "competence": {"project": FactField("key"), "authority": _AUTHORITY, "law_status": _CODE},
    "warning": {"code": _CODE, "project": FactField("key"), "capacity_mw": FactField("number"),
                "authority": _AUTHORITY, "memo_authority": _AUTHORITY,
                "forecast_twh": FactField("number")},
    "action": {"code": _CODE, "deadline_step": FactField("int")},
}

#: Every fact type a condition may match, with its fields.
ALL_FACTS: Mapping[str, Mapping[str, FactField]] = {**INPUT_FACTS, **CONCLUSIONS}


def date_number(day: dt.date) -> int:
    """A date as the engine sees it: ``YYYYMMDD``.

    >>> date_number(dt.date(2026, 1, 1))
    20260101
    """
    return day.year * 10000 + day.month * 100 + day.day


def number_date(value: int) -> dt.date:
    """The date a ``YYYYMMDD`` number stands for; ``ValueError`` when it is no real day."""
    return dt.date(value // 10000, value // 100 % 100, value % 100)
