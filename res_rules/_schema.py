"""The JSON Schema (2020-12) of the case-file format, generated from the fact model's fields."""

from __future__ import annotations

from typing import Any

import attrs

from ._facts import Case, Project, Solution, Spec, spec_of
from ._version import __version__

_DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"


def _property(spec: Spec, default: Any) -> dict[str, Any]:
    schema: dict[str, Any]
    if spec.kind == "enum":
        schema = {"enum": [*spec.choices, *([None] if spec.nullable else [])]}
    elif spec.kind == "str":
        schema = {"type": "string"}
        if spec.non_empty:
            schema["pattern"] = r"\S"
    elif spec.kind in ("int", "number"):
        schema = {"type": "integer" if spec.kind == "int" else "number"}
        if spec.ge is not None:
            schema["minimum"] = spec.ge
        if spec.gt is not None:
            schema["exclusiveMinimum"] = spec.gt
        if spec.le is not None:
            schema["maximum"] = spec.le
    elif spec.kind == "bool":
        schema = {"type": "boolean"}
    elif spec.kind == "date":
        schema = {"type": "string", "format": "date", "pattern": _DATE_PATTERN}
    elif spec.kind == "nested":
        schema = {"$ref": f"#/$defs/{spec.item.__name__ if spec.item else ''}"}
    else:
        schema = {"type": "array",
                  "items": {"$ref": f"#/$defs/{spec.item.__name__ if spec.item else ''}"}}
        if spec.max_items is not None:
            schema["maxItems"] = spec.max_items
    if spec.nullable and spec.kind != "enum":
        schema = {"anyOf": [schema, {"type": "null"}]}
    schema["description"] = spec.doc
    if default is not attrs.NOTHING and not isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        schema["default"] = list(default) if isinstance(default, tuple) else default
    return schema


def _object(cls: type) -> dict[str, Any]:
    fields = attrs.fields(cls)
    return {
        "type": "object",
        "description": (cls.__doc__ or "").strip().splitlines()[0],
        "additionalProperties": False,
        "required": [f.name for f in fields if f.default is attrs.NOTHING],
        "properties": {f.name: _property(spec_of(f), f.default) for f in fields},
    }


def case_schema() -> dict[str, Any]:
    """The JSON Schema of a case file (format 1), from the same fields the parser reads.

    Rules it cannot express are checked by the parser only: project ids are unique in a case;
    ``current_step`` is a whole number written without a fraction (``1``, not ``1.0``); a date
    is a day that exists; text holds no lone surrogates; numbers are within float range; no
    key occurs twice; and (in YAML) numbers are written as in JSON, without leading zeros,
    underscores or another base.
    """
    schema = _object(Case)
    solution = _object(Solution)
    solution["if"] = {"required": ["status"], "properties": {"status": {"const": "gevonden"}}}
    solution["else"] = {"properties": {"adequate": {"type": "null"}}}
    project_cls = spec_of(attrs.fields(Case).projects).item or Project
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://res-rules.invalid/schema/case-format-1-v{__version__}.json",
        "title": "res-rules case file, format 1",
        **schema,
        "$defs": {"Solution": solution, project_cls.__name__: _object(project_cls)},
    }
