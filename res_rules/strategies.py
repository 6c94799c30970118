"""Hypothesis strategies for cases, projects and case files: for policy owners' own checks.

Every generated case is valid. Values cluster on the boundaries that matter (4.99, 5, 14.99, 15,
99.99, 100 and 100.01 MW for wind; 49.99 and 50 MW for zon; the days the law changed, 1 January
2024 and 1 January 2026, and the days before; the deadline day; a forecast just below, at and
above 1,8 TWh), so a property meets them early, and shrinking gives small, readable
counterexamples.

Pin any field with a value or a strategy::

    >>> from hypothesis import given, strategies as st
    >>> from res_rules.strategies import cases
    >>> @given(cases(scope="regionaal", current_step=st.integers(1, 3)))
    ... def test_escalation_moves_one_step(case):
    ...     ...

Unknown field names raise ``TypeError`` at once (a typo must never be ignored).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
from hypothesis import strategies as st

from ._casefile import case_to_mapping
from ._facts import (
    AGREEMENTS,
    DECLARERS,
    DRAAGVLAK,
    GEMEENTEN,
    MAX_STEP,
    PROJECT_STATUSES,
    SCOPES,
    SOLUTION_STATUSES,
    STEP2_NEEDS,
    TECHNOLOGIES,
    THEMES,
    WAIVED_TO,
    Case,
    Project,
    Solution,
)
from ._rules import load_rules

__all__ = ["BOUNDARIES_MW", "DATE_BOUNDARIES", "FORECAST_BOUNDARIES", "capacities", "case_files",
           "cases", "projects", "reference_dates", "solutions"]

#: The capacities where competence changes in some regime, and their neighbours.
BOUNDARIES_MW = (4.99, 5.0, 5.01, 14.99, 15.0, 15.01, 49.99, 50.0, 50.01, 99.99, 100.0, 100.01)
#: The last day of a regime and the first day of the next (Omgevingswet 2024, Energiewet 2026).
DATE_BOUNDARIES = (dt.date(2023, 12, 31), dt.date(2024, 1, 1), dt.date(2025, 12, 31),
                   dt.date(2026, 1, 1))
#: Forecasts just below, at and above the 1,8 TWh target.
FORECAST_BOUNDARIES = (1.79, 1.8, 1.81)


def _pinned(name: str, pins: dict[str, Any], default: st.SearchStrategy[Any]
            ) -> st.SearchStrategy[Any]:
    if name not in pins:
        return default
    value = pins.pop(name)
    return value if isinstance(value, st.SearchStrategy) else st.just(value)


def _check_unknown(cls: type, pins: dict[str, Any]) -> None:
    known = {a.name for a in attrs.fields(cls)}
    unknown = sorted(set(pins) - known)
    if unknown:
        raise TypeError(f"{cls.__name__} has no field(s) {', '.join(unknown)}; "
                        f"known: {', '.join(sorted(known))}")


def capacities() -> st.SearchStrategy[float]:
    """Installed capacities in MW, > 0, often exactly on or next to a boundary."""
    return st.one_of(
        st.sampled_from(BOUNDARIES_MW),
        st.floats(min_value=0.1, max_value=300, allow_nan=False, allow_infinity=False)
        .map(lambda x: round(x, 2)).filter(lambda x: x > 0),
    )


def reference_dates() -> st.SearchStrategy[dt.date]:
    """Reference dates in every regime, often the first or last day of one."""
    return st.one_of(
        st.sampled_from(DATE_BOUNDARIES),
        st.dates(min_value=dt.date(2021, 1, 1), max_value=dt.date(2028, 12, 31)),
    )


def projects(**pins: Any) -> st.SearchStrategy[Project]:
    """Projects; pin any field, e.g. ``projects(technology="zon")``."""
    _check_unknown(Project, pins)
    pins = dict(pins)
    strategy = st.builds(
        Project,
        id=_pinned("id", pins, st.sampled_from(["p1", "p2", "p3", "p4", "p5", "p6"])),
        gemeente=_pinned("gemeente", pins, st.sampled_from(GEMEENTEN)),
        technology=_pinned("technology", pins, st.sampled_from(TECHNOLOGIES)),
        capacity_mw=_pinned("capacity_mw", pins, capacities()),
        name=_pinned("name", pins, st.just("")),
        status=_pinned("status", pins, st.sampled_from(PROJECT_STATUSES)),
        transferred_to_gemeente=_pinned("transferred_to_gemeente", pins, st.booleans()),
        rijk_waived_to=_pinned("rijk_waived_to", pins,
                               st.one_of(st.none(), st.sampled_from(WAIVED_TO))),
    )
    return strategy


@st.composite
def _solution(draw: st.DrawFn, status: st.SearchStrategy[str],
              adequate: st.SearchStrategy[bool | None] | None,
              draagvlak: st.SearchStrategy[str]) -> Solution:
    chosen = draw(status)
    if chosen == "gevonden":
        value = draw(adequate if adequate is not None else st.one_of(st.none(), st.booleans()))
    else:
        value = None
    return Solution(status=chosen, adequate=value, draagvlak=draw(draagvlak))


def solutions(**pins: Any) -> st.SearchStrategy[Solution]:
    """Solutions; ``adequate`` is only drawn when the status is ``gevonden``."""
    _check_unknown(Solution, pins)
    pins = dict(pins)
    adequate = _pinned("adequate", pins, st.none()) if "adequate" in pins else None
    return _solution(
        _pinned("status", pins, st.sampled_from(SOLUTION_STATUSES)),
        adequate,
        _pinned("draagvlak", pins, st.sampled_from(DRAAGVLAK)),
    )


@st.composite
def _case(draw: st.DrawFn, fields: dict[str, st.SearchStrategy[Any]],
          deadline_offset: st.SearchStrategy[int | None]) -> Case:
    if not _WARM:  # load and compile the shipped rules while drawing, outside the deadline
        load_rules()
        _WARM.append(True)
    values = {name: draw(strategy) for name, strategy in fields.items()}
    if "deadline" not in values:
        reference = values.get("reference_date") or dt.date.today()
        offset = draw(deadline_offset)
        values["deadline"] = None if offset is None else reference - dt.timedelta(days=offset)
    return Case(**values)


#: Whether a draw has loaded the shipped rule set in this process yet.
_WARM: list[bool] = []


def cases(**pins: Any) -> st.SearchStrategy[Case]:
    """Valid cases; pin any field with a value or a strategy.

    Deadlines fall on, just before or just after the reference date (or are absent), unless
    pinned; project ids are unique within a case. The first draw in a process loads the
    shipped rule set, so that loading it (a few hundred milliseconds) does not count against
    hypothesis' deadline in the test's first example.
    """
    _check_unknown(Case, pins)
    pins = dict(pins)
    fields: dict[str, st.SearchStrategy[Any]] = {
        "id": _pinned("id", pins, st.sampled_from(["case", "casus-a", "casus-b"])),
        "theme": _pinned("theme", pins, st.sampled_from(THEMES)),
        "scope": _pinned("scope", pins, st.sampled_from(SCOPES)),
        "title": _pinned("title", pins, st.just("")),
        "no_consensus_declared_by": _pinned("no_consensus_declared_by", pins,
                                            st.one_of(st.none(), st.sampled_from(DECLARERS))),
        "current_step": _pinned("current_step", pins, st.integers(0, MAX_STEP)),
        "reference_date": _pinned("reference_date", pins, reference_dates()),
        "solution": _pinned("solution", pins, solutions()),
        "agreements": _pinned("agreements", pins, st.sampled_from(AGREEMENTS)),
        "step2_need": _pinned("step2_need", pins,
                              st.one_of(st.none(), st.sampled_from(STEP2_NEEDS))),
        "res_forecast_twh_2030": _pinned(
            "res_forecast_twh_2030", pins,
            st.one_of(st.none(), st.sampled_from(FORECAST_BOUNDARIES),
                      st.floats(0, 4, allow_nan=False).map(lambda x: round(x, 2)))),
        "projects": _pinned("projects", pins,
                            st.lists(projects(), max_size=4, unique_by=lambda p: p.id)
                            .map(tuple)),
    }
    if "deadline" in pins:
        fields["deadline"] = _pinned("deadline", pins, st.none())
    return _case(fields, st.one_of(st.none(), st.integers(-2, 2), st.integers(-60, 60)))


def case_files(**pins: Any) -> st.SearchStrategy[dict[str, Any]]:
    """Cases in their plain-data (file, JSON) form: mappings that ``advise`` and the CLI accept."""
    return cases(**pins).map(case_to_mapping)
