"""The error types: one root, subclasses that are also built-ins, each carrying its data.

A :class:`CaseError` carries one or more :class:`Problem` objects. A problem is data — a message
code, the file and the path inside it, and the values the message needs (what was expected,
what was given, a hint) — and it is put into words only when it is shown, in Dutch (the
default) or English, from the message table ``messages.yaml`` beside this module::

    >>> problem = Problem(msg("problem.missing_key"), path="scope", file="case.yaml")
    >>> problem.text()
    'case.yaml: scope: deze sleutel is verplicht, maar ontbreekt'
    >>> problem.text("en")
    'case.yaml: scope: this key is required but missing'

Every error of res-rules survives pickling, so it crosses a process boundary intact
(``multiprocessing``, ``concurrent.futures``).
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

LANGS = ("nl", "en")
DEFAULT_LANG = "nl"
MESSAGES_FILE = Path(__file__).resolve().parent / "messages.yaml"
#: Text longer than this is cut short (with "…") when a message quotes it.
QUOTE_LIMIT = 80


def _restore(cls: type[BaseException], args: tuple[Any, ...]) -> BaseException:
    """Re-create an error without calling its ``__init__``; pickle then restores its state."""
    error = cls.__new__(cls)
    error.args = args
    return error


class ResRulesError(Exception):
    """Root of every error res-rules raises on purpose.

    Errors pickle by their state (``__dict__``) instead of by calling ``__init__`` again with
    ``args`` (what ``BaseException.__reduce__`` does, and what breaks a custom ``__init__``).
    """

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore, (type(self), self.args), dict(self.__dict__))


# --- Messages as data ---------------------------------------------------------------------------

Arg = Any  # str | int | float | Msg | tuple[str, ...]: what a template's {name} is filled with


@attrs.frozen
class Msg:
    """A message as data: a code in the message table (``section.name``) and its values."""

    code: str
    args: tuple[tuple[str, Arg], ...] = ()

    @property
    def params(self) -> dict[str, Arg]:
        """The values by name."""
        return dict(self.args)

    def render(self, lang: str = DEFAULT_LANG) -> str:
        """The message in words, in ``lang`` (``nl`` or ``en``)."""
        return render(self, lang)


def msg(code: str, **args: Arg) -> Msg:
    """A :class:`Msg` with its values by name: ``msg("hint.did_you_mean", suggestion="'x'")``."""
    return Msg(code, tuple(args.items()))


@functools.cache
def message_table() -> Mapping[str, Any]:
    """The message table (``messages.yaml``), read once with the plain-data YAML reader."""
    from ._casefile import parse_text  # the reader reports its own errors with this module

    table: Mapping[str, Any] = parse_text(MESSAGES_FILE.read_text(encoding="utf-8"),
                                          file=str(MESSAGES_FILE))
    return table


def _template(code: str, lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    section, _, name = code.partition(".")
    entry = message_table()[section][name] if name else message_table()[section]
    text: str = entry[lang]
    return text


def _fill(value: Arg, lang: str) -> str:
    if isinstance(value, Msg):
        return render(value, lang)
    if isinstance(value, tuple):
        return ", ".join(_fill(v, lang) for v in value)
    return str(value)


def render(message: Msg, lang: str = DEFAULT_LANG) -> str:
    """A message in words, from the table, in ``lang``."""
    return _template(message.code, lang).format_map(
        {name: _fill(value, lang) for name, value in message.args})


# --- Showing values in messages ---------------------------------------------------------------


def quote(text: str) -> str:
    """A string as a message shows it: quoted, escaped to one printable line, cut when long.

    >>> quote("planuitvall")
    "'planuitvall'"
    >>> quote("\\ud800")
    "'\\\\ud800'"
    """
    if len(text) > QUOTE_LIMIT:
        return repr(text[:QUOTE_LIMIT]) + "…"
    return repr(text)


def plain(text: str) -> str:
    """Text safe on one line of UTF-8 output: unprintable characters and lone surrogates escaped."""
    if text.isprintable():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            pass
        else:
            return text
    return repr(text)[1:-1]


def describe(value: Any) -> Msg:
    """What was given, as data for the ``got`` part of a message."""
    if isinstance(value, str):
        return msg("got.string", value=quote(value))
    if isinstance(value, bool):
        return msg("got.boolean", value=str(value).lower())
    if value is None:
        return msg("got.null")
    if isinstance(value, int):
        digits = _digits(value)
        if digits > 30:
            return msg("got.huge_number", digits=digits)
        return msg("got.number", value=str(value))
    if isinstance(value, float):
        return msg("got.number", value=repr(value))
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return msg("got.date", value=value.isoformat())
    if isinstance(value, Mapping):
        return msg("got.mapping")
    if isinstance(value, list | tuple):
        return msg("got.list")
    try:
        shown = repr(value)
    except Exception:  # a user's object whose repr fails still gets a message
        shown = f"<{type(value).__name__}>"
    return msg("got.other", value=plain(shown[:QUOTE_LIMIT]))


def _digits(value: int) -> int:
    """How many decimal digits ``value`` has, without ``str()`` (which refuses huge ints)."""
    size = abs(value)
    digits = int(size.bit_length() * math.log10(2)) + 1
    return digits - 1 if digits > 1 and size < 10 ** (digits - 1) else digits


def closest(value: object, choices: Iterable[str], *, cutoff: float = 0.75) -> str | None:
    """The allowed value closest to ``value`` (case-insensitive), when one is close enough.

    >>> closest("planuitvall", ["planuitval", "biomassa"])
    'planuitval'
    >>> closest("Amersfoort", ["Montfoort", "Utrecht"]) is None
    True
    """
    if not isinstance(value, str):
        return None
    lowered = {c.lower(): c for c in choices}
    match = difflib.get_close_matches(value.lower(), list(lowered), n=1, cutoff=cutoff)
    return lowered[match[0]] if match else None


def did_you_mean(value: object, choices: Iterable[str], *, lang: str = "en") -> str | None:
    """A hint naming the closest allowed value, when one is close enough.

    Kept for callers outside the case files (``res-rules rules show``); English by default.

    >>> did_you_mean("planuitvall", ["planuitval", "biomassa"])
    "did you mean 'planuitval'?"
    >>> did_you_mean("planuitvall", ["planuitval"], lang="nl")
    "bedoelde u 'planuitval'?"
    """
    match = closest(value, choices, cutoff=0.6)
    return render(msg("hint.did_you_mean", suggestion=quote(match)), lang) if match else None


# --- Problems and the errors that carry them ---------------------------------------------------


@attrs.frozen
class Problem:
    """One problem with the input: what is wrong (a message), where, and a hint.

    ``path`` is the place inside the case (``projects[1].capacity_mw``; empty for the file or
    text as a whole), ``file`` the file it came from (or ``None``).
    """

    msg: Msg
    path: str = ""
    file: str | None = None
    hint: Msg | None = None

    @property
    def code(self) -> str:
        """The message code, e.g. ``problem.wrong_value`` or ``syntax.duplicate_key_yaml``."""
        return self.msg.code

    @property
    def params(self) -> dict[str, Arg]:
        """The values the message names: ``expected``, ``got``, ``choices``, bounds, ..."""
        return self.msg.params

    @property
    def message(self) -> str:
        """The problem on one line, in Dutch (what ``text()`` gives)."""
        return self.text()

    def describe(self, lang: str = DEFAULT_LANG) -> str:
        """The message with its hint, without file and path."""
        text = render(self.msg, lang)
        if self.hint is not None:
            text = render(msg("with_hint", message=text, hint=self.hint), lang)
        return text

    def text(self, lang: str = DEFAULT_LANG) -> str:
        """The problem on one line: ``file: path: message (hint)``."""
        where = "".join(f"{part}: " for part in (self.file, self.path) if part)
        return where + self.describe(lang)

    def in_file(self, file: str | None) -> Problem:
        """The same problem, found in ``file``."""
        return attrs.evolve(self, file=file)

    def __str__(self) -> str:
        return self.text()


def _legacy(path: str, expected: str, got: str, file: str | None, hint: str | None) -> Problem:
    return Problem(msg("legacy.free_text", expected=expected, got=got), path=path, file=file,
                   hint=msg("hint.free_text", text=hint) if hint else None)


class CaseError(ResRulesError, ValueError):
    """A case file, mapping or argument that does not fit the case format.

    ``errors`` lists every :class:`Problem` found (the first one first); ``path``, ``file`` and
    ``message`` are those of the first. ``text(lang)`` shows all of them, one per line;
    ``str(error)`` is that text in Dutch.

    Build one from problems with ``CaseError(problems=[...])`` or ``CaseError.problem(code,
    path=..., **values)``, or the older way from free text:
    ``CaseError(path, expected, got, file=..., hint=..., others=...)`` (shown as given).
    """

    def __init__(
        self,
        path: str = "",
        expected: str = "",
        got: str = "",
        *,
        file: str | None = None,
        hint: str | None = None,
        others: Sequence[CaseError | Problem] = (),
        problems: Iterable[Problem] = (),
    ) -> None:
        found = [p if p.file is not None or file is None else p.in_file(file)
                 for p in problems]
        if found and (path or expected or got or hint):
            raise TypeError("give either problems or path, expected and got, not both")
        if not found:
            found.append(_legacy(path, expected, got, file, hint))
        for other in others:
            found.extend(other.errors if isinstance(other, CaseError) else (other,))
        self.problems: tuple[Problem, ...] = tuple(found)
        super().__init__(self.text())

    @classmethod
    def problem(cls, code: str, *, path: str = "", file: str | None = None,
                hint: Msg | None = None, **args: Arg) -> CaseError:
        """An error with one problem, from its message code and values.

        >>> error = CaseError.problem("problem.wrong_value", path="as_of",
        ...                           expected=msg("expected.date_object"), got=describe("x"))
        >>> error.text("en")
        "as_of: expected a date (datetime.date), got 'x' (a string)"
        """
        return cls(problems=[Problem(msg(code, **args), path=path, file=file, hint=hint)])

    @property
    def errors(self) -> tuple[Problem, ...]:
        """Every problem, this error's own first."""
        return self.problems

    @property
    def path(self) -> str:
        return self.problems[0].path

    @property
    def file(self) -> str | None:
        return self.problems[0].file

    @property
    def code(self) -> str:
        return self.problems[0].code

    @property
    def message(self) -> str:
        """The first problem in one line, in Dutch."""
        return self.problems[0].text()

    @property
    def expected(self) -> str:
        """What the first problem's message says was expected (in Dutch; empty if nothing)."""
        value = self.problems[0].params.get("expected")
        return _fill(value, DEFAULT_LANG) if value is not None else ""

    @property
    def got(self) -> str:
        """What the first problem's message says was given (in Dutch; empty if nothing)."""
        value = self.problems[0].params.get("got")
        return _fill(value, DEFAULT_LANG) if value is not None else ""

    @property
    def hint(self) -> str | None:
        """The first problem's hint (in Dutch), if any."""
        hint = self.problems[0].hint
        return render(hint) if hint is not None else None

    def text(self, lang: str = DEFAULT_LANG) -> str:
        """Every problem, one line each, in ``lang``."""
        return "\n".join(p.text(lang) for p in self.problems)

    def in_file(self, file: str) -> CaseError:
        """The same problems, now naming the file they were found in."""
        return CaseError(problems=[p.in_file(file) for p in self.problems])

    def __str__(self) -> str:
        return self.text()


class RuleFileError(ResRulesError, ValueError):
    """A rule file that is not a valid rule set (missing source, quote not in the memo, ...)."""

    def __init__(self, file: str, path: str, message: str) -> None:
        self.file = file
        self.path = path
        self.message = message
        super().__init__(f"{file}: {path}: {message}" if path else f"{file}: {message}")


class EngineError(ResRulesError, RuntimeError):
    """The rule engine failed while reasoning about a case (an internal error, not bad input).

    ``rule`` names the rule that failed, when known.

    >>> str(EngineError("a rule action failed", rule="grond.tijd"))
    'a rule action failed (rule grond.tijd)'
    """

    def __init__(self, message: str, *, rule: str | None = None) -> None:
        self.message = message
        self.rule = rule
        super().__init__(message)

    def __str__(self) -> str:
        return f"{self.message} (rule {self.rule})" if self.rule else self.message
