"""The error types: one root, subclasses that are also built-ins, each carrying its data."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Any


class ResRulesError(Exception):
    """Root of every error res-rules raises on purpose."""


class CaseError(ResRulesError, ValueError):
    """A case file or mapping that does not fit the case format.

    ``path`` is the place inside the case (``projects[1].capacity_mw``), ``file`` the file it
    came from (or ``None``), ``expected`` and ``got`` what the format wants and what was given.
    When a case has several problems, ``errors`` lists all of them (this one first).
    """

    def __init__(
        self,
        path: str,
        expected: str,
        got: str,
        *,
        file: str | None = None,
        hint: str | None = None,
        others: Sequence[CaseError] = (),
    ) -> None:
        self.path = path
        self.expected = expected
        self.got = got
        self.file = file
        self.hint = hint
        self._others = tuple(others)
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """This one problem in one line: file, path, expected, got, hint."""
        where = f"{self.file}: " if self.file else ""
        place = self.path or "(the case)"
        text = f"{where}{place}: expected {self.expected}, got {self.got}"
        if self.hint:
            text += f" ({self.hint})"
        return text

    @property
    def errors(self) -> tuple[CaseError, ...]:
        return (self, *self._others)

    def in_file(self, file: str) -> CaseError:
        """The same problems, now naming the file they were found in."""
        first, *rest = (
            CaseError(e.path, e.expected, e.got, file=file, hint=e.hint) for e in self.errors
        )
        return CaseError(first.path, first.expected, first.got, file=file, hint=first.hint,
                         others=rest)

    def __str__(self) -> str:
        return "\n".join(e.message for e in self.errors)


class RuleFileError(ResRulesError, ValueError):
    """A rule file that is not a valid rule set (missing source, quote not in the memo, ...)."""

    def __init__(self, file: str, path: str, message: str) -> None:
        self.file = file
        self.path = path
        super().__init__(f"{file}: {path}: {message}" if path else f"{file}: {message}")


class EngineError(ResRulesError, RuntimeError):
    """The rule engine failed while reasoning about a case (an internal error, not bad input).

    ``rule`` names the rule that failed, when known. The error survives pickling.

    >>> str(EngineError("a rule action failed", rule="grond.tijd"))
    'a rule action failed (rule grond.tijd)'
    """

    def __init__(self, message: str, *, rule: str | None = None) -> None:
        self.message = message
        self.rule = rule
        super().__init__(message)

    def __str__(self) -> str:
        return f"{self.message} (rule {self.rule})" if self.rule else self.message

    def __reduce__(self) -> tuple[Any, ...]:
        return (_engine_error, (self.message, self.rule))


def _engine_error(message: str, rule: str | None) -> EngineError:
    return EngineError(message, rule=rule)


def did_you_mean(value: object, choices: Iterable[str]) -> str | None:
    """A hint naming the closest allowed value, when one is close enough.

    >>> did_you_mean("planuitvall", ["planuitval", "biomassa"])
    "did you mean 'planuitval'?"
    """
    if not isinstance(value, str):
        return None
    lowered = {c.lower(): c for c in choices}
    match = difflib.get_close_matches(value.lower(), list(lowered), n=1, cutoff=0.6)
    return f"did you mean {lowered[match[0]]!r}?" if match else None
