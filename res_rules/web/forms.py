"""The case form: every field of case format 1, named by its path in the case file.

An input's name is the field's path in a case file (``theme``, ``solution.status``,
``projects[2].capacity_mw``), so a :class:`~res_rules.CaseError` path points straight at the
input it belongs to. The fields, their kinds, choices and help texts come from the fact model
(the same source as the JSON Schema); the words come from ``templates/words.yaml``.

The form holds text as typed. :func:`to_mapping` turns it into plain data in the case format
(numbers from "12,6" or "12.6", dates from the date inputs, check boxes to booleans) and leaves
anything it cannot read as the text itself, so the case parser reports it at its path and the
form shows it again as it was typed.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import attrs

from .._errors import CaseError, Problem, msg, render
from .._facts import Case, Project, Solution, Spec, spec_of
from .._rules import load_rules
from .._words import value_word, words

#: The words group in ``words.yaml`` (``values``) that holds the words for a field's choices.
_VALUE_WORDS = {
    "no_consensus_declared_by": "declared_by",
    "solution.status": "solution_status",
    "status": "status",
    "rijk_waived_to": "waived_to",
}
_PROJECT = re.compile(r"projects\[(\d+)\]\.(\w+)")
_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)")


def field_help(cls: type, name: str, lang: str) -> str:
    """The help text of one field of the fact model, in ``lang`` (``Spec.help``)."""
    return spec_of(attrs.fields_dict(cls)[name]).help(lang)


def problem_message(problem: Problem, lang: str) -> str:
    """One problem in words for the place beside its field: without the file and the path.
    (A form has fields, not keys: a missing key is an empty field there.)"""
    if problem.code == "problem.missing_key":
        return render(msg("problem.missing_field"), lang)
    return problem.describe(lang)


@attrs.frozen
class FormState:
    """What the form holds: the case's inputs as typed, one dict per project, the options."""

    values: Mapping[str, str] = attrs.field(factory=dict)
    projects: tuple[Mapping[str, str], ...] = ()
    include_expected_law: bool = True


def state_from_form(form: Iterable[tuple[str, Any]]) -> FormState:
    """The state of a submitted form (inputs named by their case path; ``_`` names are not
    case fields)."""
    values: dict[str, str] = {}
    projects: dict[int, dict[str, str]] = {}
    include = True
    for name, raw in form:
        if not isinstance(raw, str):
            continue
        match = _PROJECT.fullmatch(name)
        if match:
            projects.setdefault(int(match.group(1)), {})[match.group(2)] = raw
        elif name == "_expected_law":
            include = raw != "nee"
        elif not name.startswith("_"):
            values[name] = raw
    return FormState(values, tuple(projects[i] for i in sorted(projects)), include)


def _text(value: Any, spec: Spec, lang: str) -> str:
    """A value from a case file as an input shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        if spec.kind == "bool" and not spec.nullable:
            return "on" if value else ""
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float) and spec.kind == "number":
        return _input_number(value, lang)
    return str(value)


def _input_number(value: float, lang: str) -> str:
    """A number as typed into an input: every digit, no grouping, a decimal comma in Dutch."""
    text = repr(value)
    if not math.isfinite(value):
        return text
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
    if text.endswith(".0"):
        text = text[:-2]
    return text.replace(".", ",") if lang == "nl" else text


def state_from_mapping(data: Any, lang: str, include_expected_law: bool = True) -> FormState:
    """The form filled from plain data in the case format (an uploaded file, even a wrong one:
    what cannot be shown in an input is left out, and the parser reports it)."""
    if not isinstance(data, Mapping):
        return FormState(include_expected_law=include_expected_law)
    values: dict[str, str] = {}
    for name, attribute in attrs.fields_dict(Case).items():
        spec = spec_of(attribute)
        if name not in data or spec.kind in ("nested", "list"):
            continue
        values[name] = _text(data[name], spec, lang)
    solution = data.get("solution")
    if isinstance(solution, Mapping):
        for name, attribute in attrs.fields_dict(Solution).items():
            if name in solution:
                values[f"solution.{name}"] = _text(solution[name], spec_of(attribute), lang)
    projects: list[dict[str, str]] = []
    raw_projects = data.get("projects")
    for item in raw_projects if isinstance(raw_projects, list) else []:
        if not isinstance(item, Mapping):
            projects.append({})
            continue
        projects.append({name: _text(item[name], spec_of(attribute), lang)
                         for name, attribute in attrs.fields_dict(Project).items()
                         if name in item})
    return FormState(values, tuple(projects), include_expected_law)


def state_from_case(case: Case, lang: str, include_expected_law: bool = True) -> FormState:
    """The form filled from a valid case."""
    from .._casefile import case_to_mapping

    return state_from_mapping(case_to_mapping(case), lang, include_expected_law)


def read_number(text: str, integer: bool = False) -> Any:
    """A number typed with a decimal comma or point (no thousands separators); the text itself
    when it is none, for the parser to report."""
    compact = text.replace(" ", "").replace("\u00a0", "")
    if integer:
        return int(compact) if _INTEGER.fullmatch(compact) else text
    if not _DECIMAL.fullmatch(compact):
        return text
    return float(compact.replace(",", ".")) if ("." in compact or "," in compact) \
        else int(compact)


def _value(spec: Spec, raw: str | None) -> Any:
    """The case-file value of one input; ``_OMIT`` when the input is empty (the default)."""
    if spec.kind == "bool" and not spec.nullable:
        return raw == "on" or _OMIT
    text = (raw or "").strip()
    if not text:
        return _OMIT
    if spec.kind == "bool":
        return {"true": True, "false": False}.get(text, text)
    if spec.kind in ("int", "number"):
        return read_number(text, spec.kind == "int")
    return text


_OMIT = object()


def _fill(cls: type, raw: Mapping[str, str], prefix: str = "") -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, attribute in attrs.fields_dict(cls).items():
        spec = spec_of(attribute)
        if spec.kind in ("nested", "list"):
            continue
        value = _value(spec, raw.get(prefix + name))
        if value is not _OMIT:
            result[name] = value
    return result


def to_mapping(state: FormState) -> dict[str, Any]:
    """The form's content as plain data in the case format, ready for the case parser."""
    mapping = _fill(Case, state.values)
    solution = _fill(Solution, state.values, "solution.")
    if solution:
        mapping["solution"] = solution
    if state.projects:
        mapping["projects"] = [_fill(Project, p) for p in state.projects]
    return mapping


def dom_id(path: str) -> str:
    """An element id for the input of ``path`` (``projects[0].id`` -> ``f-projects-0-id``)."""
    return "f-" + re.sub(r"[^A-Za-z0-9_]+", "-", path).strip("-")


@attrs.frozen
class Field:
    """One input as the template draws it."""

    path: str
    id: str
    label: str
    help: str
    widget: str  # text, decimal, date, select, checkbox
    value: str
    choices: tuple[tuple[str, str], ...]
    required: bool
    errors: tuple[str, ...]


@attrs.frozen
class Group:
    """A fieldset: the solution, or one project."""

    legend: str
    fields: tuple[Field, ...]
    index: int | None = None


def _choices(path: str, name: str, spec: Spec, lang: str) -> tuple[tuple[str, str], ...]:
    w = words(lang)
    empty = (("", str(w["web"]["choose"])),)
    if spec.kind == "enum":
        group = _VALUE_WORDS.get(path, _VALUE_WORDS.get(name, name))
        options = tuple((c, value_word(group, c, lang) if group in w["values"] else c)
                        for c in spec.choices)
        if name == "no_consensus_declared_by":
            return (("", str(w["web"]["nobody_yet"])), *options)
        return (*empty, *options) if spec.nullable or path in ("theme", "scope") or \
            name in ("gemeente", "technology") else options
    if spec.kind == "int":
        low, high = int(spec.ge or 0), int(spec.le or 0)
        rs = load_rules()
        return tuple((str(n), f"{n}: {rs.label('step', n, lang)}") for n in range(low, high + 1))
    if spec.kind == "bool" and spec.nullable:
        return (("", str(w["unknown"])), ("true", str(w["yes_word"])),
                ("false", str(w["no_word"])))
    return ()


def _widget(spec: Spec) -> str:
    if spec.kind == "enum" or spec.kind == "int" or (spec.kind == "bool" and spec.nullable):
        return "select"
    return {"bool": "checkbox", "number": "decimal", "date": "date"}.get(spec.kind, "text")


def _is_factory(default: Any) -> bool:
    return type(default).__name__ == "Factory"


def _field(cls: type, name: str, path: str, raw: Mapping[str, str], key: str,
           errors: Mapping[str, Sequence[str]], lang: str) -> Field:
    spec = spec_of(attrs.fields_dict(cls)[name])
    default = attrs.fields_dict(cls)[name].default
    value = raw.get(key)
    if value is None:
        value = "" if default is attrs.NOTHING or _is_factory(default) \
            else _text(default, spec, lang)
    labels = words(lang)["web"]["labels"]
    return Field(
        path=path, id=dom_id(path),
        label=str(labels.get(path) or labels.get(f"{cls.__name__.lower()}.{name}")
                  or labels.get(name, name)),
        help=field_help(cls, name, lang), widget=_widget(spec), value=value,
        choices=_choices(path, name, spec, lang),
        required=default is attrs.NOTHING, errors=tuple(errors.get(path, ())),
    )


@attrs.frozen
class Section:
    """A part of the form: inputs side by side (``fields``), a fieldset (``group``), or the
    projects (``projects``)."""

    kind: str
    fields: tuple[Field, ...] = ()
    group: Group | None = None
    projects: tuple[Group, ...] = ()


def form_sections(state: FormState, errors: Mapping[str, Sequence[str]], lang: str
                  ) -> list[Section]:
    """The form in the fact model's order, consecutive inputs side by side."""
    sections: list[Section] = []
    for item in form_fields(state, errors, lang):
        if isinstance(item, Field):
            if sections and sections[-1].kind == "fields":
                last = sections.pop()
                sections.append(attrs.evolve(last, fields=(*last.fields, item)))
            else:
                sections.append(Section("fields", fields=(item,)))
        elif isinstance(item, Group):
            sections.append(Section("group", group=item))
        else:
            sections.append(Section("projects", projects=tuple(item)))
    return sections


def form_fields(state: FormState, errors: Mapping[str, Sequence[str]], lang: str
                ) -> list[Field | Group | list[Group]]:
    """Every field of the case format in the fact model's order: inputs, the solution as a
    group, and the projects as a list of groups."""
    w = words(lang)["web"]
    items: list[Field | Group | list[Group]] = []
    for name, attribute in attrs.fields_dict(Case).items():
        spec = spec_of(attribute)
        if spec.kind == "nested":
            items.append(Group(str(w["labels"][name]), tuple(
                _field(Solution, sub, f"{name}.{sub}", state.values, f"{name}.{sub}", errors,
                       lang) for sub in attrs.fields_dict(Solution))))
        elif spec.kind == "list":
            items.append([
                Group(str(w["project_legend"]).format(n=i + 1), tuple(
                    _field(Project, sub, f"projects[{i}].{sub}", project, sub, errors, lang)
                    for sub in attrs.fields_dict(Project)), index=i)
                for i, project in enumerate(state.projects)])
        else:
            items.append(_field(Case, name, name, state.values, name, errors, lang))
    return items


def error_map(error: CaseError, lang: str) -> dict[str, list[str]]:
    """The problems of a case by the path of the input they belong to (``""``: the case)."""
    found: dict[str, list[str]] = {}
    for problem in error.errors:
        found.setdefault(problem.path, []).append(problem_message(problem, lang))
    return found


def form_paths() -> set[str]:
    """The paths that have an input in the form (projects as ``projects[0]``)."""
    paths: set[str] = set()
    for name, attribute in attrs.fields_dict(Case).items():
        kind = spec_of(attribute).kind
        if kind == "nested":
            paths.update(f"{name}.{sub}" for sub in attrs.fields_dict(Solution))
        elif kind == "list":
            paths.update(f"projects[0].{sub}" for sub in attrs.fields_dict(Project))
        else:
            paths.add(name)
    return paths


def hidden_fields(state: FormState) -> list[tuple[str, str]]:
    """The form's state as (name, value) pairs, to carry it through another form."""
    pairs = [(k, v) for k, v in state.values.items()]
    for i, project in enumerate(state.projects):
        pairs += [(f"projects[{i}].{k}", v) for k, v in project.items()]
    pairs.append(("_expected_law", "ja" if state.include_expected_law else "nee"))
    return pairs


def without_project(state: FormState, index: int) -> FormState:
    """The same form with project ``index`` taken out (the others keep their values)."""
    projects = tuple(p for i, p in enumerate(state.projects) if i != index)
    return attrs.evolve(state, projects=projects)


def with_project(state: FormState) -> FormState:
    """The same form with one more, empty project at the end."""
    return attrs.evolve(state, projects=(*state.projects, {}))
