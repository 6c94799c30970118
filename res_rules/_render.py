"""Advice, competences, comparisons and the rule catalogue as text and Markdown.

The content comes from :mod:`._report` as ready words; the layout is in the Jinja2 templates in
``templates/`` (one per format), which the web page shares. Nothing here decides anything.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from typing import Any

import jinja2

from ._advice import Advice, Competence
from ._diff import Difference
from ._report import (
    advice_report,
    catalogue_report,
    compare_report,
    competence_report,
    conclusion_words,
    condition_words,
    period_words,
    rule_words,
)
from ._rules import Rule, RuleSet
from ._words import check_lang, words

__all__ = ["advice_markdown", "advice_text", "catalogue_markdown", "compare_markdown",
           "compare_text", "competence_text", "condition_words", "environment", "period_words",
           "rule_text"]

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def md(text: Any) -> str:
    """Text that Markdown shows as it is: special characters escaped, one line.

    >>> md("wp_1 | *x*")
    'wp\\\\_1 \\\\| \\\\*x\\\\*'
    """
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def md_code(text: Any) -> str:
    r"""Text as a Markdown code span in a table cell: shown exactly as it is.

    A code span takes no backslash escapes (``\_`` would show its backslash), so only the
    table's own separator is escaped (GFM reads ``\|`` as a pipe inside a cell), and the
    fence is longer than any run of backticks inside.

    >>> print(md_code('a_b(x=[1]) | c'))
    `a_b(x=[1]) \| c`
    >>> print(md_code('x`y'))
    `` x`y ``
    """
    body = " ".join(str(text).split()).replace("|", "\\|")
    longest = max((len(run) for run in re.findall("`+", body)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if longest or body.startswith(" ") else ""
    return f"{fence}{pad}{body}{pad}{fence}"


@functools.cache
def environment(*, html: bool = False) -> jinja2.Environment:
    """The templates, with the ``md`` filter; autoescaping for HTML templates only."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("res_rules", "templates"),
        autoescape=jinja2.select_autoescape(["html", "html.j2"]) if html else False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["md"] = md
    env.filters["md_code"] = md_code
    return env


def _render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


def advice_text(advice: Advice, lang: str = "nl", *, details: bool = False) -> str:
    """A readable advice for the terminal; ``details`` adds the rule ids and codes."""
    check_lang(lang)
    return _render("advice.txt.j2", **advice_report(advice, lang), details=details)


def advice_markdown(advice: Advice, lang: str = "nl") -> str:
    """A self-contained Markdown report of one advice, for a memo, with codes in an appendix."""
    check_lang(lang)
    return _render("advice.md.j2", **advice_report(advice, lang))


def competence_text(result: Competence, lang: str = "nl", *, details: bool = False) -> str:
    """A competence look-up for the terminal."""
    check_lang(lang)
    return _render("competence.txt.j2", **competence_report(result, lang), details=details)


def compare_text(first: Advice, second: Advice, found: Sequence[Difference],
                 lang: str = "nl") -> str:
    """The differences between two advices on one case, one per line."""
    check_lang(lang)
    return _render("compare.txt.j2", **compare_report(first, second, found, lang))


def compare_markdown(first: Advice, second: Advice, found: Sequence[Difference],
                     lang: str = "nl") -> str:
    """The differences as a Markdown table."""
    check_lang(lang)
    return _render("compare.md.j2", **compare_report(first, second, found, lang))


def catalogue_markdown(rs: RuleSet, lang: str = "nl") -> str:
    """The whole rule set as a document, grouped by topic: generated, never edited by hand."""
    check_lang(lang)
    return _render("catalogue.md.j2", **catalogue_report(rs, lang))


def rule_text(rule: Rule, lang: str = "nl", rs: RuleSet | None = None) -> str:
    """One rule for the terminal: text, period, condition (in words and as durable-rules
    syntax), conclusion and sources."""
    check_lang(lang)
    r = {**rule_words(rule, lang), "topic": words(lang)["topic"][rule.topic],
         "status": words(lang)["rule_status"][rule.status],
         "period": period_words(rs, rule, lang) if rs is not None else words(lang)["always"],
         "condition": condition_words(rule, lang),
         "when": json.dumps(rule.when, ensure_ascii=False),
         "concludes": conclusion_words(rule)}
    return _render("rule.txt.j2", w=words(lang), r=r)
