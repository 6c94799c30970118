"""The fixed words of the reports and how numbers and dates are written, per language.

Dutch text follows Dutch conventions (decimal comma, thousands with a dot, "1 maart 2026"),
English text English ones; Babel does the formatting. The words themselves are data in
``templates/words.yaml``, beside the templates that use them.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal

LOCALES = {"nl": "nl_NL", "en": "en_GB"}


def check_lang(lang: str) -> None:
    """Texts exist in Dutch and English only."""
    if lang not in LOCALES:
        raise ValueError(f"lang must be one of {', '.join(LOCALES)} (got {lang!r})")


#: The words, beside the templates that use them.
WORDS_PATH = Path(__file__).with_name("templates") / "words.yaml"


@functools.cache
def _all_words() -> Mapping[str, Mapping[str, Any]]:
    # Read as the rule files are (the strict reader), and like them taken from the kept
    # readings while the file is unchanged (res_rules/_parsed.py): 1 ms instead of about 30 ms
    # (importing a YAML parser and parsing) at the first advice a process writes out.
    from . import _parsed
    from ._rules import read_rule_file  # (the rule loader imports this module)

    data: Mapping[str, Mapping[str, Any]] = read_rule_file(WORDS_PATH, _parsed.entries())
    return data


def words(lang: str) -> Mapping[str, Any]:
    """The report words in ``lang``.

    >>> words("nl")["facts"], words("en")["facts"]
    ('Feiten', 'Facts')
    """
    check_lang(lang)
    return _all_words()[lang]


def value_word(field: str, value: Any, lang: str) -> str:
    """The words for a case-file value (``niet_gevonden`` -> "niet gevonden")."""
    if isinstance(value, bool):
        return str(words(lang)["yes_word" if value else "no_word"])
    known = words(lang)["values"].get(field, {})
    return str(known.get(value, value))


def value_words(field: str, value: Any, lang: str = "nl") -> str:
    """Short words for a value or code, for tables and charts: a case-file value (``theme``,
    ``scope``, ``status``, ...), a recommendation, an action, an authority, a regime; ``True``
    and ``False`` read "ja"/"nee"; ``None`` reads "geen".

    >>> value_words("recommendation", "opschalen"), value_words("adequate", None, "en")
    ('opschalen', 'none')
    """
    check_lang(lang)
    if value is None:
        return str(words(lang)["none"])
    return value_word(field, value, lang)


def number(value: float | int, lang: str) -> str:
    """A number as the language writes it, every significant digit kept, no exponent.

    >>> number(12.6, "nl"), number(1234567.5, "nl"), number(0.00005, "nl"), number(100.0, "en")
    ('12,6', '1.234.567,5', '0,00005', '100')
    """
    exact = Decimal(repr(float(value))) if isinstance(value, float) else Decimal(value)
    if exact == exact.to_integral_value():
        exact = exact.quantize(Decimal(1))
    return str(format_decimal(exact, locale=LOCALES[lang], decimal_quantization=False))


def decimal(value: float, places: int, lang: str) -> str:
    """A number with exactly ``places`` decimals, as the language writes it (a score).

    >>> decimal(1.0, 4, "nl"), decimal(0.96079, 4, "en")
    ('1,0000', '0.9608')
    """
    return str(format_decimal(round(value, places), format="0." + "0" * places,
                              locale=LOCALES[lang]))


def quantity(value: float | int, unit: str, lang: str) -> str:
    """A number with its unit: "12,6 MW"."""
    return f"{number(value, lang)} {unit}"


@functools.lru_cache(maxsize=1024)
def date(day: dt.date, lang: str) -> str:
    """A date in words: "1 maart 2026", "1 March 2026".

    >>> date(dt.date(2026, 3, 1), "nl"), date(dt.date(2026, 3, 1), "en")
    ('1 maart 2026', '1 March 2026')
    """
    return str(format_date(day, format="long", locale=LOCALES[lang]))


def capitalise(text: str) -> str:
    """The first letter in upper case, the rest untouched ("de KNR-tafel" -> "De KNR-tafel")."""
    return text[:1].upper() + text[1:]
