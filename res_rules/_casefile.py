"""Case files (format 1): reading YAML or JSON safely, and turning a mapping into a :class:`Case`.

Reading (:func:`read_data`, :func:`parse_text`) gives plain data: mappings, lists, text, whole
and decimal numbers, ``true``/``false``, ``null`` and (in YAML) dates. It is strict where people
are misread:

- YAML is read with YAML 1.2 syntax (ruamel.yaml's parser) and resolved here, not by a schema:
  only ``true`` and ``false`` are booleans (``yes``, ``on`` are text), only ``null``, ``~`` and
  nothing are null, and a number is written as in JSON (``50``, ``12.6``, ``-3``, ``1e3``).
  Forms that one reader takes for a number and another for something else are refused with
  what to write instead: ``050`` (octal in YAML 1.1), ``0x64``, ``0o62``, ``0b1``, ``1_00``,
  ``1:40`` (base 60 in YAML 1.1), ``+5``, ``.5``, ``5.``, ``.inf``, ``.nan``, ``True``, ``NULL``.
  An unquoted ``2026-03-01`` is a date.
- Anchors and aliases, tags and more than one document are refused; so are a key given twice
  (in YAML and JSON; the error names the second one), nesting deeper than :data:`MAX_DEPTH`,
  numbers beyond float range, NUL characters, and files that are not UTF-8, not regular files
  or larger than 1 MiB.

Validation (:func:`case_from_mapping`) walks the attrs fields of the fact model, so what it
accepts is what the model says. It collects every problem in a case (``res-rules validate``
lists them all) and raises one :class:`CaseError` that carries them.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import json
import os
import re
import stat
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import orjson

from ._errors import CaseError, Msg, Problem, closest, describe, msg, plain, quote
from ._facts import GEMEENTEN, Case, Project, Solution, Spec, is_unicode, problem_with, spec_of

if TYPE_CHECKING:  # ruamel.yaml is imported when YAML is read: a JSON batch never needs it
    from ruamel.yaml import events as ev
    from ruamel.yaml.error import YAMLError

MAX_FILE_BYTES = 1024 * 1024
CASE_SUFFIXES = (".yaml", ".yml", ".json")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
#: How deep mappings and lists may nest (a case needs 3 levels, a rule file about 16).
MAX_DEPTH = 64
#: Reading stops collecting problems after this many (a file full of the same mistake).
MAX_READ_PROBLEMS = 100

# --- Reading files ------------------------------------------------------------------------------

_FILE_KINDS = (
    (stat.S_ISFIFO, "file.kind_fifo"),
    (stat.S_ISCHR, "file.kind_char_device"),
    (stat.S_ISBLK, "file.kind_block_device"),
    (stat.S_ISDIR, "file.kind_directory"),
    (stat.S_ISSOCK, "file.kind_socket"),
)


def _file_error(code: str, file: str, **args: Any) -> CaseError:
    return CaseError(problems=[Problem(msg(code, **args), file=file)])


def read_bytes(path: str | os.PathLike[str], *, limit: int = MAX_FILE_BYTES) -> bytes:
    """At most ``limit`` bytes of a regular file; anything else is a :class:`CaseError`.

    The file is opened once, without blocking (a FIFO does not wait for a writer), checked to be
    a regular file on the open descriptor, and read no further than ``limit + 1`` bytes, whatever
    size the file system reports (``/dev/zero`` behind a symlink is refused, not read).
    """
    name = str(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) \
        | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise _file_error("file.unreadable", name,
                          reason=plain(exc.strerror or str(exc))) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = next((code for test, code in _FILE_KINDS if test(mode)), "file.kind_other")
            raise _file_error("file.not_regular", name, kind=msg(kind))
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, limit + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise _file_error("file.unreadable", name,
                          reason=plain(exc.strerror or str(exc))) from None
    finally:
        os.close(fd)
    if size > limit:
        raise _file_error("file.too_large", name, max=limit)
    return b"".join(chunks)


def read_data(path: str | os.PathLike[str]) -> Any:
    """The plain data in a YAML or JSON file, with clear errors for what it cannot be."""
    p = Path(path)
    name = str(path)
    suffix = p.suffix.lower()
    if suffix not in CASE_SUFFIXES:
        raise _file_error("file.wrong_suffix", name, got=quote(p.suffix or p.name))
    raw = read_bytes(p)
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark (Windows editors) is no content
    except UnicodeDecodeError as exc:
        raise _file_error("file.not_utf8", name, offset=exc.start) from None
    return parse_text(text, json_format=suffix == ".json", file=name)


def parse_text(text: str, *, json_format: bool = False, file: str | None = None) -> Any:
    """Parse YAML or JSON text (one document) into plain data, by the rules of this module.

    >>> parse_text("capacity_mw: 12.6\\nreference_date: 2026-03-01\\ntransferred: yes")
    {'capacity_mw': 12.6, 'reference_date': datetime.date(2026, 3, 1), 'transferred': 'yes'}
    >>> try:
    ...     parse_text("capacity_mw: 050")
    ... except CaseError as error:
    ...     print(error.path, error.hint, sep=": ")
    capacity_mw: schrijf 50 voor het getal, of zet '050' tussen aanhalingstekens als het tekst is
    """
    nul = text.find("\0")
    if nul >= 0:
        raise CaseError(problems=[Problem(msg("file.nul_byte", offset=nul), file=file)])
    return _json_data(text, file) if json_format else _yaml_data(text, file)


# --- Scalars: one reading for YAML and JSON ------------------------------------------------------

_JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_WORD_CASES = {"True": "true", "TRUE": "true", "False": "false", "FALSE": "false",
               "Null": "null", "NULL": "null"}
_NOT_FINITE = re.compile(r"[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)")
_RADIX = re.compile(r"[-+]?0(?:[xX][0-9a-fA-F_]+|[oO][0-7_]+|[bB][01_]+)")
_SEXAGESIMAL = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?")
# Anything else a YAML 1.1 or 1.2 reader takes for a number: signs, leading zeros, underscores,
# a bare point at either end.
_NUMBERISH = re.compile(r"[-+]?(?:[0-9_]+(?:\.[0-9_]*)?|\.[0-9_]+)(?:[eE][-+]?[0-9]+)?")
_MAX_DIGITS = len(str(int(sys.float_info.max)))


class _Refused:
    """A value the reader cannot take, kept in place until its path is known (JSON)."""

    __slots__ = ("hint", "message")

    def __init__(self, message: Msg, hint: Msg | None = None) -> None:
        self.message = message
        self.hint = hint


def _number(text: str) -> int | float | _Refused:
    """A number written as in JSON, as int or float; refused when beyond float range."""
    mantissa = text.split("e")[0].split("E")[0]
    if "." not in text and "e" not in text and "E" not in text:
        digits = len(text.lstrip("-"))
        if digits <= _MAX_DIGITS:
            value = int(text)
            if abs(value) <= sys.float_info.max:
                return value
        return _Refused(msg("syntax.number_too_many_digits", digits=digits))
    number = float(text)
    if number in (float("inf"), float("-inf")):
        return _Refused(msg("syntax.number_too_large", text=_short(text)))
    if number == 0 and any(c in "123456789" for c in mantissa):
        return _Refused(msg("syntax.number_too_small", text=_short(text)))
    return number


def _short(text: str) -> str:
    return text if len(text) <= 40 else f"{text[:20]}…{text[-10:]} ({len(text)})"


def _decimal_form(text: str) -> str | None:
    """How to write a number-like form as a plain decimal, when that is clear (``050`` → 50)."""
    body = text.replace("_", "")
    sign = "-" if body.startswith("-") else ""
    body = body.lstrip("+-")
    if re.fullmatch(r"0(?:[xX][0-9a-fA-F]+|[oO][0-7]+|[bB][01]+)", body) and len(body) < 60:
        return sign + str(int(body, 0))
    match = re.fullmatch(r"([0-9]*)(?:\.([0-9]*))?([eE][-+]?[0-9]+)?", body)
    if not match or not (match.group(1) or match.group(2)):
        return None
    whole = match.group(1).lstrip("0") or "0"
    fraction = match.group(2) or ""
    return sign + whole + (f".{fraction}" if fraction else "") + (match.group(3) or "")


def _plain_scalar(text: str) -> Any:
    """The value of an unquoted YAML scalar, or a :class:`_Refused` saying what to write."""
    if text in ("", "~", "null"):
        return None
    if text in ("true", "false"):
        return text == "true"
    if _JSON_NUMBER.fullmatch(text):
        return _number(text)
    if ISO_DATE.fullmatch(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return text  # not a real day: a date field says why, any other field takes text
    shown = quote(text)
    if text in _WORD_CASES:
        return _Refused(msg("syntax.word_case", text=shown),
                        msg("hint.lower_case", suggestion=_WORD_CASES[text]))
    if _NOT_FINITE.fullmatch(text):
        return _Refused(msg("syntax.not_finite", text=shown))
    if _SEXAGESIMAL.fullmatch(text):
        return _Refused(msg("syntax.sexagesimal", text=shown), msg("hint.quote_only", text=shown))
    if _RADIX.fullmatch(text):
        code = "syntax.radix"
    elif "_" in text and _NUMBERISH.fullmatch(text):
        code = "syntax.underscore"
    elif re.fullmatch(r"[-+]?0[0-9_]+(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?", text):
        code = "syntax.leading_zero"
    elif _NUMBERISH.fullmatch(text) and re.search(r"[0-9]", text):
        code = "syntax.number_form"
    else:
        return text
    number = _decimal_form(text)
    hint = msg("hint.quote_text", number=number, text=shown) if number is not None \
        else msg("hint.quote_only", text=shown)
    return _Refused(msg(code, text=shown), hint)


_PLAIN_KEY = re.compile(r"[^\s.\[\]'\"]+")


def _join(path: str, key: object) -> str:
    """``path.key``; a key that is empty or holds dots, brackets, quotes or spaces is quoted."""
    return _joined(path, key if isinstance(key, str) else str(key))


@functools.lru_cache(maxsize=4096)
def _joined(path: str, key: str) -> str:
    # Cached: every field of every case is given a path, and the same few paths recur.
    text = plain(key) if _PLAIN_KEY.fullmatch(key) else quote(key)
    return f"{path}.{text}" if path else text


def _index(path: str, index: int) -> str:
    return f"{path}[{index}]"


# --- YAML ----------------------------------------------------------------------------------------


class _Stop(Exception):
    """Reading stops here (too deep, too many problems); the problems say why."""


class _YamlReader:
    """Plain data from YAML parser events, iteratively (deep nesting cannot exhaust the stack)."""

    def __init__(self, file: str | None) -> None:
        self.file = file
        self.problems: list[Problem] = []
        self.documents: list[Any] = []
        # Each open collection: [container, path, pending key, {key: first line}]
        self.stack: list[list[Any]] = []
        self.events: Any = None  # ruamel.yaml.events, once read() has imported it

    def problem(self, message: Msg, path: str, hint: Msg | None = None) -> None:
        self.problems.append(Problem(message, path=path, file=self.file, hint=hint))
        if len(self.problems) >= MAX_READ_PROBLEMS:
            raise _Stop

    def child_path(self) -> str:
        """The path of the next value added to the innermost open collection."""
        if not self.stack:
            return ""
        container, path, key, _ = self.stack[-1]
        if isinstance(container, list):
            return _index(path, len(container))
        # Under a key that was refused, the problem is placed at the mapping itself.
        return path if key is _NO_KEY or key is _BAD_KEY else _join(path, key)

    def add(self, value: Any, line: int) -> None:
        if not self.stack:
            self.documents.append(None if value is _REFUSED else value)
            return
        frame = self.stack[-1]
        container, path, key, lines = frame
        if isinstance(container, list):
            container.append(None if value is _REFUSED else value)
        elif key is _NO_KEY:
            if value is _REFUSED:
                value = _BAD_KEY
            elif key_problem := self.key_problem(value):
                self.problem(msg(key_problem, line=line), path)
                value = _BAD_KEY
            elif value in lines:
                self.problem(msg("syntax.duplicate_key_yaml", key=quote(str(value)),
                                 first_line=lines[value]), _join(path, value))
                value = _BAD_KEY
            else:
                lines[value] = line
            frame[2] = value
        else:
            if key is not _BAD_KEY:
                container[key] = None if value is _REFUSED else value
            frame[2] = _NO_KEY

    @staticmethod
    def key_problem(key: Any) -> str | None:
        if isinstance(key, list | dict):
            return "syntax.complex_key"
        return None

    def read(self, text: str) -> Any:
        from ruamel.yaml import YAML, events  # (about 15 ms, at the first YAML read)
        from ruamel.yaml.error import YAMLError

        self.events = events
        parser = YAML(typ="safe", pure=True)
        try:
            for event in parser.parse(text):
                self.event(event)
        except YAMLError as exc:
            where = self.stack[-1][1] if self.stack else ""
            self.problems.append(_yaml_syntax_problem(exc, text, where, self.file))
        except _Stop:
            pass
        if self.problems:
            raise CaseError(problems=self.problems)
        if len(self.documents) != 1:
            raise CaseError(problems=[Problem(msg("syntax.documents",
                                                  count=len(self.documents)), file=self.file)])
        return self.documents[0]

    def event(self, event: ev.Event) -> None:
        ev = self.events
        line = event.start_mark.line + 1 if event.start_mark is not None else 0
        if isinstance(event, ev.AliasEvent):
            self.problem(msg("syntax.alias", line=line), self.child_path())
            self.add(None, line)
            return
        if isinstance(event, ev.NodeEvent):
            if event.anchor is not None:
                self.problem(msg("syntax.alias", line=line), self.child_path())
            tag = getattr(event, "tag", None)
            if tag is not None:
                self.problem(msg("syntax.tag", tag=quote(str(tag)), line=line), self.child_path())
        if isinstance(event, ev.ScalarEvent):
            value: Any = event.value
            if event.style is None:  # plain, unquoted: resolved here
                value = _plain_scalar(event.value)
                if isinstance(value, _Refused):
                    self.problem(value.message, self.child_path(), value.hint)
                    value = _REFUSED
            self.add(value, line)
        elif isinstance(event, ev.SequenceStartEvent | ev.MappingStartEvent):
            path = self.child_path()
            if len(self.stack) >= MAX_DEPTH:
                self.problem(msg("syntax.too_deep", max=MAX_DEPTH), path)
                raise _Stop
            container: list[Any] | dict[Any, Any] = \
                [] if isinstance(event, ev.SequenceStartEvent) else {}
            self.stack.append([container, path, _NO_KEY, {}])
        elif isinstance(event, ev.CollectionEndEvent):
            container = self.stack.pop()[0]
            self.add(container, line)


_NO_KEY = object()
_BAD_KEY = object()
_REFUSED = object()


def _yaml_syntax_problem(exc: YAMLError, text: str, path: str, file: str | None) -> Problem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is not None:
        line, column = mark.line + 1, mark.column + 1
    else:
        position = getattr(exc, "position", 0) or 0
        line = text.count("\n", 0, position) + 1
        column = position - (text.rfind("\n", 0, position) + 1) + 1
    detail = getattr(exc, "problem", None) or getattr(exc, "reason", None) or str(exc)
    return Problem(msg("syntax.yaml_invalid", detail=plain(" ".join(str(detail).split())),
                       line=line, column=column), path=path, file=file)


def _yaml_data(text: str, file: str | None) -> Any:
    return _YamlReader(file).read(text)


# --- JSON ----------------------------------------------------------------------------------------


def _json_data(text: str, file: str | None) -> Any:
    """JSON text as data: by orjson when that is certainly what :func:`_json_read` gives, else
    by :func:`_json_read`, which says what is wrong where."""
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError:  # what orjson refuses, json may read (NaN, lone surrogates)
        return _json_read(text, file)
    # orjson keeps the last of two equal keys, so count them: every key is followed by one
    # colon and no other colon stands outside a string, so as many colons as keys read means
    # no key was given twice (and no string holds a colon; else the slow way decides).
    if text.count(":") == _plain_keys(data) and _shallow(text):
        return data
    return _json_read(text, file)


def _shallow(text: str) -> bool:
    """Whether JSON ``text`` has too few brackets to nest deeper than MAX_DEPTH."""
    return text.count("{") + text.count("[") < MAX_DEPTH


def _plain_keys(data: Any) -> int:
    """How many keys ``data`` holds, or -1 when it holds a float that orjson may have read
    otherwise than :func:`_json_read` (0.0: maybe a number too small; 2**63 and beyond: maybe
    an integer too big for 64 bits, which orjson makes a float)."""
    keys = 0
    todo: list[Any] = [[data]]  # (the top value is checked as an item too)
    while todo:
        value = todo.pop()
        items: Any = value
        if type(value) is dict:
            keys += len(value)
            items = value.values()
        for item in items:
            kind = type(item)
            if kind is float:
                if not 0.0 < abs(item) < 9.2e18:
                    return -1
            elif kind is dict or kind is list:
                todo.append(item)
    return keys


def _json_read(text: str, file: str | None) -> Any:
    duplicates: dict[int, tuple[dict[str, Any], list[str]]] = {}
    refused: list[_Refused] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        obj: dict[str, Any] = dict(items)
        if len(obj) == len(items):  # no key twice (nearly always)
            return obj
        obj = {}
        for key, value in items:
            if key in obj:  # the object is kept in the table, so its id stays its own
                duplicates.setdefault(id(obj), (obj, []))[1].append(key)
            obj[key] = value
        return obj

    def number(text: str) -> int | float | _Refused:
        if len(text) < 16 and "e" not in text and "E" not in text:
            # Fewer than 16 digits and no exponent: always within range, never rounded to 0.
            return float(text) if "." in text else int(text)
        value = _number(text)
        if isinstance(value, _Refused):
            refused.append(value)
        return value

    def constant(name: str) -> _Refused:
        refused.append(_Refused(msg("syntax.not_finite", text=name)))
        return refused[-1]

    try:
        data = json.loads(text, object_pairs_hook=pairs, parse_int=number,
                          parse_float=number, parse_constant=constant)
    except json.JSONDecodeError as exc:
        raise CaseError(problems=[Problem(msg("syntax.json_invalid", detail=exc.msg,
                                              line=exc.lineno, column=exc.colno),
                                          file=file)]) from None
    except RecursionError:
        raise CaseError(problems=[Problem(msg("syntax.too_deep", max=MAX_DEPTH),
                                          path=_json_deep_path(text), file=file)]) from None
    if not duplicates and not refused and _shallow(text):
        return data  # nothing refused, no key twice, too few brackets to nest too deep
    problems = _json_problems(data, {k: v[1] for k, v in duplicates.items()}, file)
    if problems:
        raise CaseError(problems=problems)
    return data


def _json_problems(data: Any, duplicates: dict[int, list[str]],
                   file: str | None) -> list[Problem]:
    """Refused values, duplicate keys and nesting beyond MAX_DEPTH, each with its path."""
    problems: list[Problem] = []
    todo: list[tuple[Any, str, int]] = [(data, "", 0)]
    while todo and len(problems) < MAX_READ_PROBLEMS:
        value, path, depth = todo.pop()
        if isinstance(value, _Refused):
            problems.append(Problem(value.message, path=path, file=file, hint=value.hint))
        elif isinstance(value, dict | list):
            if depth >= MAX_DEPTH:
                problems.append(Problem(msg("syntax.too_deep", max=MAX_DEPTH), path=path,
                                        file=file))
                continue
            if isinstance(value, dict):
                problems.extend(
                    Problem(msg("syntax.duplicate_key_json", key=quote(key)),
                            path=_join(path, key), file=file)
                    for key in duplicates.get(id(value), ()))
                children = [(v, _join(path, k), depth + 1) for k, v in value.items()]
            else:
                children = [(v, _index(path, i), depth + 1) for i, v in enumerate(value)]
            todo.extend(reversed(children))
    return problems[:MAX_READ_PROBLEMS]


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}:,]')


def _json_deep_path(text: str) -> str:
    """The path at which JSON text nests deeper than MAX_DEPTH (scanned, not parsed)."""
    # Each open container: [path, is_object, index, last string, key]
    stack: list[list[Any]] = []
    for match in _JSON_TOKEN.finditer(text):
        token = match.group()
        top = stack[-1] if stack else None
        if token in "[{":
            path = ""
            if top is not None:
                path = _join(top[0], top[4]) if top[1] else _index(top[0], top[2])
            if len(stack) >= MAX_DEPTH:
                return path
            stack.append([path, token == "{", 0, None, None])
        elif token in "]}":
            if stack:
                stack.pop()
        elif top is None:
            continue
        elif token == ",":
            top[2] += 1
        elif token == ":":
            top[4] = top[3]
        else:
            try:
                top[3] = json.loads(token)
            except ValueError:
                top[3] = token
    return ""


# --- Validation: a mapping becomes a Case ---------------------------------------------------


def load_case(path: str | os.PathLike[str]) -> Case:
    """Read and validate one case file.

    Raises :class:`CaseError` naming the file and the path inside it for every problem.
    """
    data = read_data(path)
    return case_from_mapping(data, file=str(path))


def case_from_mapping(data: Any, *, file: str | None = None) -> Case:
    """Validate plain data in the file format and build the :class:`Case` (no coercion)."""
    trusted = _trusting(Case, data)
    if isinstance(trusted, Case):
        return trusted
    problems: list[Problem] = []
    case = _build(Case, data, "", problems, file)
    if problems:
        raise CaseError(problems=problems)
    if not isinstance(case, Case):  # no problems reported means the case was built
        raise CaseError(problems=[Problem(msg("problem.not_built"), file=file)])
    return case


def check_field(cls: type, name: str, value: Any, *, path: str | None = None) -> None:
    """Check one value for field ``name`` of ``cls`` (``Case``, ``Project``, ``Solution``).

    Raises :class:`CaseError` at ``path`` (default: the field name) with the same message a
    case file would get; a name that is no field of ``cls`` is a ``TypeError``.

    >>> check_field(Project, "capacity_mw", 12.6)
    >>> try:
    ...     check_field(Project, "capacity_mw", "12,6")
    ... except CaseError as error:
    ...     print(error.path, error.hint, sep=": ")
    capacity_mw: schrijf een decimale punt en geen aanhalingstekens: 12.6
    """
    fields = _fields(cls)
    if name not in fields:
        raise TypeError(f"{cls.__name__} has no field {name!r}; known: {', '.join(fields)}")
    spec = spec_of(fields[name])
    if problem_with(spec, value):
        raise CaseError(problems=[_wrong(spec, value, path or name, None)])


@functools.cache
def _fields(cls: type) -> dict[str, attrs.Attribute[Any]]:
    """A model class's fields by name, in their order."""
    return {a.name: a for a in attrs.fields(cls)}


@functools.cache
def _layout(cls: type) -> tuple[frozenset[str], tuple[tuple[str, Spec], ...]]:
    """A model class's field names, and its fields that hold more than a plain value (a nested
    model, a list of them, a date written as text), with their specs."""
    fields = _fields(cls)
    return (frozenset(fields), tuple((name, spec_of(a)) for name, a in fields.items()
                                     if spec_of(a).kind in ("nested", "list", "date")))


def _trusting(cls: type, data: Any) -> Any:
    """The model built from ``data`` when all of it is right, else None.

    Most input is right, and then the model's own validators check every value once. Anything
    else, including what those validators or the cross-field checks refuse, returns None, and
    :func:`_build` goes through it again to say precisely what is wrong where: for every value
    this accepts, :func:`_build` builds the same model.
    """
    if not isinstance(data, Mapping):
        return None
    names, special = _layout(cls)
    if not data.keys() <= names:
        return None
    kwargs = dict(data)
    for name, spec in special:
        value = kwargs.get(name)
        if value is None:
            continue
        if spec.kind == "date":
            if isinstance(value, str):
                value = parse_date(value)
                if not isinstance(value, dt.date):
                    return None
        elif spec.kind == "nested":
            value = _trusting(spec.item or dict, value)
            if value is None:
                return None
        else:
            if not isinstance(value, list | tuple) or (
                    spec.max_items is not None and len(value) > spec.max_items):
                return None
            items = []
            for item in value:
                built = _trusting(spec.item or dict, item)
                if built is None:
                    return None
                items.append(built)
            value = tuple(items)
        kwargs[name] = value
    try:
        return cls(**kwargs)
    except Exception:  # whatever the model refuses, _build says why
        return None


def _build(cls: type, data: Any, path: str, problems: list[Problem],
           file: str | None) -> Any:
    if not isinstance(data, Mapping):
        problems.append(Problem(msg("problem.wrong_value", expected=msg("expected.mapping"),
                                    got=describe(data)), path=path, file=file))
        return None
    fields = _fields(cls)
    for key in data:
        if key not in fields:
            suggestion = closest(key, fields)
            problems.append(Problem(
                msg("problem.unknown_key", key=quote(str(key)),
                    allowed=tuple(quote(f) for f in fields)),
                path=_join(path, key), file=file,
                hint=msg("hint.did_you_mean", suggestion=quote(suggestion)) if suggestion
                else None))
    before = len(problems)
    kwargs: dict[str, Any] = {}
    for name, attribute in fields.items():
        where = _join(path, name)
        if name not in data:
            if attribute.default is attrs.NOTHING:
                problems.append(Problem(msg("problem.missing_key"), path=where, file=file))
            continue
        value = _value(spec_of(attribute), data[name], where, problems, file)
        if value is not _BAD:
            kwargs[name] = value
    if len(problems) > before:
        return None
    return _cross_checks(cls, kwargs, path, problems, file)


_BAD = object()


def _value(spec: Spec, value: Any, where: str, problems: list[Problem],
           file: str | None) -> Any:
    if value is None and spec.nullable:
        return None
    if spec.kind == "nested" and value is not None:
        built = _build(spec.item or dict, value, where, problems, file)
        return _BAD if built is None else built
    if spec.kind == "list" and isinstance(value, list | tuple):
        if spec.max_items is not None and len(value) > spec.max_items:
            problems.append(Problem(msg("problem.too_many_items", expected=_expected(spec),
                                        count=len(value)), path=where, file=file))
            return _BAD
        items = [_build(spec.item or dict, v, _index(where, i), problems, file)
                 for i, v in enumerate(value)]
        return _BAD if any(i is None for i in items) else tuple(items)
    return _scalar(spec, value, where, problems, file)


def _scalar(spec: Spec, value: Any, where: str, problems: list[Problem],
            file: str | None) -> Any:
    if spec.kind == "date" and isinstance(value, str):
        date = parse_date(value)
        if isinstance(date, dt.date):
            return date
        problems.append(Problem(date or msg("problem.wrong_value", expected=_expected(spec),
                                            got=describe(value)),
                                path=where, file=file, hint=_date_hint(value)))
        return _BAD
    if problem_with(spec, value):
        problems.append(_wrong(spec, value, where, file))
        return _BAD
    return value


def _wrong(spec: Spec, value: Any, where: str, file: str | None) -> Problem:
    """The problem with a value that breaks ``spec``, in the most helpful words."""
    if isinstance(value, str) and spec.kind in ("str", "enum") and not is_unicode(value):
        bad = next(c for c in value if 0xD800 <= ord(c) <= 0xDFFF)
        return Problem(msg("problem.lone_surrogate", character=f"\\u{ord(bad):04x}"),
                       path=where, file=file)
    if spec.kind == "number" and isinstance(value, int) and not isinstance(value, bool) \
            and abs(value) > sys.float_info.max:
        return Problem(msg("problem.number_out_of_range", expected=_expected(spec),
                           got=describe(value)), path=where, file=file)
    if spec.kind == "enum" and spec.choices == GEMEENTEN and isinstance(value, str) \
            and closest(value, GEMEENTEN) is None:
        return Problem(msg("problem.not_in_u16", got=quote(value),
                           choices=tuple(quote(c) for c in GEMEENTEN)), path=where, file=file)
    return Problem(msg("problem.wrong_value", expected=_expected(spec), got=describe(value)),
                   path=where, file=file, hint=_hint(spec, value))


def _hint(spec: Spec, value: Any) -> Msg | None:
    if spec.kind == "enum":
        match = closest(value, spec.choices)
        return msg("hint.did_you_mean", suggestion=quote(match)) if match else None
    if spec.kind in ("number", "int") and isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"[-+]?[0-9]+,[0-9]+", text) and spec.kind == "number":
            return msg("hint.decimal_point", suggestion=text.replace(",", ".").lstrip("+"))
        if _JSON_NUMBER.fullmatch(text):
            return msg("hint.number_without_quotes", suggestion=text)
    if spec.kind == "bool" and _looks_boolean(value):
        return msg("hint.true_or_false")
    return None


_BOOLEAN_WORDS = ("true", "false", "yes", "no", "ja", "nee", "on", "off", "y", "n", "waar",
                  "onwaar", "1", "0")


def _looks_boolean(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in _BOOLEAN_WORDS
    return isinstance(value, int) and not isinstance(value, bool) and value in (0, 1)


def _expected(spec: Spec) -> Msg:
    """What ``spec`` accepts, as a message."""
    kind = spec.kind
    expected: Msg
    if kind == "enum":
        expected = msg("expected.enum", choices=tuple(quote(c) for c in spec.choices))
    elif kind == "str":
        expected = msg("expected.str_non_empty" if spec.non_empty else "expected.str")
    elif kind in ("int", "number"):
        what = msg(f"expected.{kind}")
        ge, gt, le = (_num(v) if v is not None else None for v in (spec.ge, spec.gt, spec.le))
        if ge is not None and le is not None:
            expected = msg("expected.range", kind=what, ge=ge, le=le)
        elif gt is not None and le is not None:
            expected = msg("expected.gt_le", kind=what, gt=gt, le=le)
        elif gt is not None:
            expected = msg("expected.gt", kind=what, value=gt)
        elif ge is not None:
            expected = msg("expected.ge", kind=what, value=ge)
        elif le is not None:
            expected = msg("expected.le", kind=what, value=le)
        else:
            expected = what
    elif kind in ("bool", "date"):
        expected = msg(f"expected.{kind}")
    elif kind == "nested":
        expected = msg("expected.mapping")
    elif spec.max_items is not None:
        expected = msg("expected.list_max", max=spec.max_items)
    else:
        expected = msg("expected.list")
    return msg("expected.or_null", expected=expected) if spec.nullable else expected


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


_LOOSE_DATE = re.compile(r"([0-9]{1,4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,4})")


def parse_date(text: str) -> dt.date | Msg | None:
    """The date ``text`` writes as YYYY-MM-DD; a message when that day cannot exist; ``None``
    when ``text`` is not in that form at all."""
    if not ISO_DATE.fullmatch(text):
        return None  # fromisoformat also takes 20261101 and week dates
    try:
        return dt.date.fromisoformat(text)  # the usual case, before any words are made
    except ValueError:
        pass
    year, month, day = map(int, text.split("-"))
    shown = quote(text)
    if year == 0:
        return msg("problem.date_no_such_year", got=shown)
    if not 1 <= month <= 12:
        return msg("problem.date_no_such_month", got=shown, month=month)
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        return msg("problem.date_no_such_day", got=shown, month=msg(f"month.m{month}"),
                   year=year, days=days)
    return dt.date(year, month, day)


def date_argument(text: str) -> dt.date | Msg:
    """A date given as an argument (an option, a query parameter, a form field): the date, or
    what is wrong with it, naming a day that does not exist."""
    found = parse_date(text)
    return msg("cli.iso_date", got=repr(text)) if found is None else found


_DECIMAL_COMMA = re.compile(r"\s*-?\d+,\d+\s*")


def not_a_number(got: object) -> Msg:
    """What to say of an argument that is no number; for ``12,6``, to write ``12.6``."""
    if isinstance(got, str) and _DECIMAL_COMMA.fullmatch(got):
        return msg("cli.decimal_point", got=repr(got), suggestion=got.strip().replace(",", "."))
    return msg("cli.number", got=repr(got))


def _date_hint(text: str) -> Msg | None:
    """For 2026-3-1 or 1-3-2026 (day first, as in Dutch): the date as YYYY-MM-DD."""
    match = _LOOSE_DATE.fullmatch(text.strip())
    if ISO_DATE.fullmatch(text) or not match:
        return None
    first, month, last = match.groups()
    year, day = (first, last) if len(first) == 4 else (last, first)
    if len(year) != 4:
        return None
    try:
        date = dt.date(int(year), int(month), int(day))
    except ValueError:
        return None
    return msg("hint.date_form", suggestion=date.isoformat())


def _cross_checks(cls: type, kwargs: dict[str, Any], path: str, problems: list[Problem],
                  file: str | None) -> Any:
    if cls is Solution and kwargs.get("adequate") is not None and \
            kwargs.get("status", "lopend") != "gevonden":
        problems.append(Problem(
            msg("problem.adequate_without_found", got=describe(kwargs["adequate"])),
            path=_join(path, "adequate"), file=file,
            hint=msg("hint.status_is", status=quote(kwargs.get("status", "lopend")))))
        return None
    if cls is Case:
        seen: dict[str, int] = {}
        for index, project in enumerate(kwargs.get("projects", ())):
            if project.id in seen:
                problems.append(Problem(
                    msg("problem.duplicate_id", id=quote(project.id),
                        other=f"projects[{seen[project.id]}]"),
                    path=f"projects[{index}].id", file=file))
                return None
            seen[project.id] = index
    try:
        return cls(**kwargs)
    except ValueError as exc:  # the model's own validators: a last line of defence
        problems.append(Problem(msg("problem.model_rejected", detail=plain(str(exc))),
                                path=path, file=file))
        return None


def case_to_mapping(case: Case) -> dict[str, Any]:
    """The plain-data (JSON-ready) form of a case, as a case file would hold it."""
    solution = case.solution
    return {
        "id": case.id, "theme": case.theme, "scope": case.scope, "title": case.title,
        "no_consensus_declared_by": case.no_consensus_declared_by,
        "current_step": case.current_step,
        "reference_date": _iso(case.reference_date), "deadline": _iso(case.deadline),
        "solution": {"status": solution.status, "adequate": solution.adequate,
                     "draagvlak": solution.draagvlak},
        "agreements": case.agreements, "step2_need": case.step2_need,
        "res_forecast_twh_2030": case.res_forecast_twh_2030,
        "projects": [{"id": p.id, "gemeente": p.gemeente, "technology": p.technology,
                      "capacity_mw": p.capacity_mw, "name": p.name, "status": p.status,
                      "transferred_to_gemeente": p.transferred_to_gemeente,
                      "rijk_waived_to": p.rijk_waived_to} for p in case.projects],
    }


def _iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


__all__ = ["Case", "Project", "Solution", "case_from_mapping", "case_to_mapping", "check_field",
           "load_case", "parse_text", "read_data"]
