"""The figure of competence over installed capacity on one date, asked of the rules themselves.

The capacities where the answer can change are the numbers the rule set compares
``capacity_mw`` with (5, 15, 50, 100 MW in the shipped rules). The figure asks
:func:`~res_rules.bevoegd_gezag` at each of those and at one capacity in every interval between
them, so the ranges, and which side a boundary belongs to, are the rules' own answers. It is
drawn as an inline SVG (no script, nothing from outside) with a table that says the same in
words.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import attrs

from .._advice import Competence, bevoegd_gezag
from .._facts import TECHNOLOGIES
from .._rules import RuleSet
from .._words import capitalise, quantity, value_word, words

COLOURS = {"gemeente": "#1e6b3a", "provincie": "#1a4f8b", "rijk": "#9b1c1c"}
WIDTH, LEFT, RIGHT, ROW, TOP = 760, 90, 20, 46, 34


def capacity_bounds(rs: RuleSet) -> tuple[float, ...]:
    """Every capacity the competence rules compare ``capacity_mw`` with, ascending (the input
    checks' plausibility bound is no boundary of competence)."""
    found: set[float] = set()

    def walk(expr: Any) -> Iterator[float]:
        if not isinstance(expr, Mapping):
            return
        for key, operand in expr.items():
            if key in ("$and", "$or"):
                for sub in operand:
                    yield from walk(sub)
            elif key.startswith("$") and isinstance(operand, Mapping):
                value = operand.get("capacity_mw")
                if isinstance(value, int | float) and not isinstance(value, bool):
                    yield float(value)
            elif key == "capacity_mw" and isinstance(operand, int | float):
                yield float(operand)

    for rule in (r for r in rs.rules if r.topic == "competence"):
        for items in rule.when.values():
            for item in items:
                for condition in item.values():
                    found.update(walk(condition))
    return tuple(sorted(v for v in found if v > 0))


@attrs.frozen
class Piece:
    """A stretch of capacity with one answer (a boundary point has ``low == high``)."""

    low: float
    high: float | None
    low_in: bool
    high_in: bool
    authority: str
    law_status: str
    warnings: tuple[str, ...]
    codes: tuple[str, ...]


def _pieces(technology: str, bounds: Sequence[float], ask: Mapping[str, Any],
            lang: str) -> list[Piece]:
    """The answers at each bound and in each interval, merged where they agree."""
    samples: list[tuple[float, float | None, bool, bool, Competence]] = []
    edges = [0.0, *bounds]
    for i, low in enumerate(edges):
        high = edges[i + 1] if i + 1 < len(edges) else None
        middle = (low + high) / 2 if high is not None else low + max(1.0, low * 0.5)
        samples.append((low, high, False, False,
                        bevoegd_gezag(technology, middle, **ask)))
        if high is not None:
            samples.append((high, high, True, True, bevoegd_gezag(technology, high, **ask)))
    pieces: list[Piece] = []
    for low, high, low_in, high_in, result in samples:
        label = f"{technology}-{result.capacity_mw:g}mw"
        warned = tuple(_without_subject(result.warning_text(x, lang), label)
                       for x in result.warnings if x.code != "verwachte_wetgeving")
        codes = tuple(x.code for x in result.warnings)
        last = pieces[-1] if pieces else None
        if last is not None and (last.authority, last.law_status, last.codes) == (
                result.bevoegd_gezag, result.law_status, codes):
            pieces[-1] = attrs.evolve(last, high=high, high_in=high_in)
        else:
            pieces.append(Piece(low, high, low_in, high_in, result.bevoegd_gezag,
                                result.law_status, warned, codes))
    return pieces


def _without_subject(text: str, label: str) -> str:
    """A warning's text without the made-up project it was asked for ("Project wind-5mw: ")."""
    at = text.find(label + ": ")
    return capitalise(text[at + len(label) + 2:]) if 0 <= at <= 12 else text


def _range_words(piece: Piece, lang: str) -> str:
    w = words(lang)["web"]
    a, b = quantity(piece.low, "MW", lang), \
        quantity(piece.high, "MW", lang) if piece.high is not None else ""
    if piece.high is not None and piece.low == piece.high:
        return str(w["figure_at_point"]).format(capacity=a)
    if piece.low == 0:
        key = "range_below" if not piece.high_in else "range_at_most"
    elif piece.high is None:
        key = "range_from" if piece.low_in else "range_above"
    else:
        key = ("range_from_to" if piece.low_in else "range_above_to") + \
            ("_incl" if piece.high_in else "")
    return str(w[key]).format(a=a, b=b)


def competence_figure(rs: RuleSet, *, as_of: dt.date, transferred_to_gemeente: bool,
                      rijk_waived_to: str | None, include_expected_law: bool, lang: str,
                      technology: str | None = None, capacity_mw: float | None = None
                      ) -> dict[str, Any]:
    """Everything the template needs to draw the figure and its table."""
    ask = {"as_of": as_of, "transferred_to_gemeente": transferred_to_gemeente,
           "rijk_waived_to": rijk_waived_to, "include_expected_law": include_expected_law,
           "rules": rs}
    bounds = capacity_bounds(rs)
    top = max([*bounds, min(capacity_mw or 0.0, 4 * max(bounds, default=25.0))])
    x_max = float(math.ceil(top * 1.3 / 10) * 10) or 10.0
    span = WIDTH - LEFT - RIGHT

    def x(value: float) -> float:
        return round(LEFT + span * min(value, x_max) / x_max, 1)

    rows: list[dict[str, Any]] = []
    for index, tech in enumerate(TECHNOLOGIES):
        y = TOP + index * ROW
        pieces = _pieces(tech, bounds, ask, lang)
        bars = []
        for piece in pieces:
            if piece.low == piece.high:
                continue
            left, right = x(piece.low), x(piece.high if piece.high is not None else x_max)
            bars.append({"x": left, "width": round(right - left, 1), "colour":
                         COLOURS.get(piece.authority, "#444444"),
                         "label": rs.label("authority", piece.authority, lang),
                         "hatched": piece.law_status == "verwacht",
                         "show_label": right - left > 70})
        stars = [{"x": x(p.low)} for p in pieces if p.low == p.high and p.warnings]
        stars += [{"x": round((x(p.low) + x(p.high if p.high is not None else x_max)) / 2, 1)}
                  for p in pieces if p.low != p.high and p.warnings]
        table = [{"range": _range_words(p, lang),
                  "authority": rs.label("authority", p.authority, lang),
                  "expected": p.law_status == "verwacht", "warnings": list(p.warnings)}
                 for p in pieces]
        rows.append({"technology": tech, "label": value_word("technology", tech, lang),
                     "y": y, "bars": bars, "stars": stars, "table": table, "pieces": pieces})
    ticks = [{"x": x(v), "label": f"{v:g}"} for v in
             range(0, int(x_max) + 1, 20 if x_max > 100 else 10)]
    marker: dict[str, Any] | None = None
    if capacity_mw is not None and technology in TECHNOLOGIES and capacity_mw > 0:
        row = TECHNOLOGIES.index(technology)
        marker = {"x": x(capacity_mw), "y": TOP + row * ROW,
                  "label": str(words(lang)["web"]["figure_marker"]).format(
                      capacity=quantity(capacity_mw, "MW", lang))}
    height = TOP + len(rows) * ROW + 62
    changes = {edge for row in rows for piece in row.pop("pieces")
               for edge in (piece.low, piece.high) if edge}
    return {"rows": rows, "bounds": [{"x": x(b), "label": quantity(b, "MW", lang)}
                                     for b in bounds if b <= x_max and b in changes],
            "ticks": ticks, "marker": marker, "width": WIDTH, "height": height,
            "left": LEFT, "right": WIDTH - RIGHT, "axis_y": TOP + len(rows) * ROW,
            "bar_height": ROW - 16,
            "legend": [{"colour": c, "label": rs.label("authority", a, lang)}
                       for a, c in COLOURS.items()]}
