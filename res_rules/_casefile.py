"""Case files (format 1): reading YAML or JSON safely, and turning a mapping into a :class:`Case`.

The parser walks the attrs fields of the fact model, so what it accepts is what the model says.
It collects every problem in a case (``res-rules validate`` lists them all) and raises one
:class:`CaseError` that carries them.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
import yaml

from ._errors import CaseError, did_you_mean
from ._facts import Case, Project, Solution, Spec, problem_with, spec_of

MAX_FILE_BYTES = 1024 * 1024
CASE_SUFFIXES = (".yaml", ".yml", ".json")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class _PlainDataLoader(yaml.SafeLoader):
    """A safe loader that also refuses aliases and explicit tags: case files are plain data."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[no-untyped-call]  # PyYAML's stubs lack it
        if isinstance(event, yaml.AliasEvent):
            raise yaml.constructor.ConstructorError(
                None, None, f"aliases (*name) are not allowed in a case file ({_line(event)})",
                None)
        tag = getattr(event, "tag", None)
        implicit = getattr(event, "implicit", True)
        explicit = tag is not None and tag != "!" and not (
            implicit is True or (isinstance(implicit, tuple) and any(implicit))
        )
        if explicit:
            raise yaml.constructor.ConstructorError(
                None, None, f"tags ({tag}) are not allowed in a case file ({_line(event)})", None)
        return super().compose_node(parent, index)


def _line(event: Any) -> str:
    mark = getattr(event, "start_mark", None)
    return f"line {mark.line + 1}" if mark is not None else "line unknown"


def read_data(path: str | os.PathLike[str]) -> Any:
    """The plain data in a YAML or JSON file, with clear errors for what it cannot be."""
    p = Path(path)
    name = str(path)
    if p.suffix.lower() not in CASE_SUFFIXES:
        raise CaseError("", "a .yaml, .yml or .json file", repr(p.suffix or p.name), file=name)
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise CaseError("", f"a file of at most {MAX_FILE_BYTES} bytes (1 MiB)",
                            f"{size} bytes", file=name)
        raw = p.read_bytes()
    except OSError as exc:
        raise CaseError("", "a readable file", exc.strerror or str(exc), file=name) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CaseError("", "UTF-8 text", f"a byte that is not UTF-8 at offset {exc.start}",
                        file=name) from None
    return parse_text(text, json_format=p.suffix.lower() == ".json", file=name)


def parse_text(text: str, *, json_format: bool = False, file: str | None = None) -> Any:
    """Parse YAML or JSON text into plain data (one document)."""
    if json_format:
        try:
            return json.loads(text, parse_constant=_reject_constant)
        except ValueError as exc:
            raise CaseError("", "valid JSON", str(exc), file=file) from None
    try:
        documents = list(yaml.load_all(text, Loader=_PlainDataLoader))
    except yaml.YAMLError as exc:
        raise CaseError("", "valid plain-data YAML", " ".join(str(exc).split()),
                        file=file) from None
    if len(documents) != 1:
        raise CaseError("", "exactly one YAML document (one case per file)",
                        f"{len(documents)} documents", file=file)
    return documents[0]


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a case may hold")


def load_case(path: str | os.PathLike[str]) -> Case:
    """Read and validate one case file.

    Raises :class:`CaseError` naming the file and the path inside it for every problem.
    """
    data = read_data(path)
    return case_from_mapping(data, file=str(path))


def case_from_mapping(data: Any, *, file: str | None = None) -> Case:
    """Validate plain data in the file format and build the :class:`Case` (no coercion)."""
    problems: list[CaseError] = []
    case = _build(Case, data, "", problems, file)
    if problems:
        first, *rest = problems
        raise CaseError(first.path, first.expected, first.got, file=file, hint=first.hint,
                        others=rest)
    if not isinstance(case, Case):  # no problems reported means the case was built
        raise CaseError("", "a case", "nothing that could be built", file=file)
    return case


def _describe(value: Any) -> str:
    if isinstance(value, str):
        return repr(value) + " (a string)"
    if isinstance(value, bool):
        return str(value).lower() + " (a boolean)"
    if value is None:
        return "null"
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _build(cls: type, data: Any, path: str, problems: list[CaseError],
           file: str | None) -> Any:
    if not isinstance(data, Mapping):
        problems.append(CaseError(path, "a mapping of keys to values", _describe(data),
                                  file=file))
        return None
    fields = {a.name: a for a in attrs.fields(cls)}
    for key in data:
        if key not in fields:
            problems.append(CaseError(
                _join(path, str(key)), "no such key; allowed keys are " + ", ".join(fields),
                repr(key), file=file, hint=did_you_mean(key, fields)))
    before = len(problems)
    kwargs: dict[str, Any] = {}
    for name, attribute in fields.items():
        where = _join(path, name)
        if name not in data:
            if attribute.default is attrs.NOTHING:
                problems.append(CaseError(where, "a value (this key is required)", "nothing",
                                          file=file))
            continue
        value = _value(spec_of(attribute), data[name], where, problems, file)
        if value is not _BAD:
            kwargs[name] = value
    if len(problems) > before:
        return None
    return _cross_checks(cls, kwargs, path, problems, file)


_BAD = object()


def _value(spec: Spec, value: Any, where: str, problems: list[CaseError],
           file: str | None) -> Any:
    if value is None and spec.nullable:
        return None
    if spec.kind == "nested" and value is not None:
        built = _build(spec.item or dict, value, where, problems, file)
        return _BAD if built is None else built
    if spec.kind == "list" and isinstance(value, list):
        items = [_build(spec.item or dict, v, f"{where}[{i}]", problems, file)
                 for i, v in enumerate(value)]
        return _BAD if any(i is None for i in items) else tuple(items)
    if spec.kind == "date" and isinstance(value, str):
        try:
            if ISO_DATE.fullmatch(value):  # fromisoformat also takes 20261101 and week dates
                return dt.date.fromisoformat(value)
        except ValueError:
            pass
        problems.append(CaseError(where, spec.expected(), _describe(value), file=file))
        return _BAD
    if problem_with(spec, value):
        hint = did_you_mean(value, spec.choices) if spec.kind == "enum" else None
        problems.append(CaseError(where, spec.expected(), _describe(value), file=file,
                                  hint=hint))
        return _BAD
    return value


def _cross_checks(cls: type, kwargs: dict[str, Any], path: str, problems: list[CaseError],
                  file: str | None) -> Any:
    if cls is Solution and kwargs.get("adequate") is not None and \
            kwargs.get("status", "lopend") != "gevonden":
        problems.append(CaseError(
            _join(path, "adequate"), "null unless status is 'gevonden'",
            _describe(kwargs["adequate"]), file=file,
            hint=f"status is {kwargs.get('status', 'lopend')!r}"))
        return None
    if cls is Case:
        seen: dict[str, int] = {}
        for index, project in enumerate(kwargs.get("projects", ())):
            if project.id in seen:
                problems.append(CaseError(
                    f"projects[{index}].id", "an id unique in the case",
                    f"{project.id!r}, already used by projects[{seen[project.id]}]", file=file))
                return None
            seen[project.id] = index
    try:
        return cls(**kwargs)
    except ValueError as exc:  # the model's own validators: a last line of defence
        problems.append(CaseError(path, "a valid " + cls.__name__, str(exc), file=file))
        return None


def case_to_mapping(case: Case) -> dict[str, Any]:
    """The plain-data (JSON-ready) form of a case, as a case file would hold it."""

    def plain(value: Any) -> Any:
        if isinstance(value, dt.date):
            return value.isoformat()
        if attrs.has(type(value)):
            return {a.name: plain(getattr(value, a.name)) for a in attrs.fields(type(value))}
        if isinstance(value, tuple):
            return [plain(v) for v in value]
        return value

    result: dict[str, Any] = plain(case)
    return result


__all__ = ["Case", "Project", "Solution", "case_from_mapping", "case_to_mapping", "load_case"]
