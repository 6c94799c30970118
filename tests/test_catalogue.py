"""The checked-in rule catalogue is exactly what `res-rules rules --format markdown` generates."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from conftest import ROOT

import res_rules
from res_rules._cli import cli


@pytest.mark.parametrize(("lang", "name"), [("nl", "regels.md"), ("en", "rules.md")])
def test_catalogue_in_docs_matches_the_rules(lang: str, name: str) -> None:
    """Regenerate with: res-rules rules --format markdown [--lang en] > docs/NAME."""
    result = CliRunner().invoke(cli, ["rules", "--format", "markdown", "--lang", lang])
    assert (ROOT / "docs" / name).read_text(encoding="utf-8") == result.output


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_catalogue_lists_every_rule_grouped_by_topic_with_its_source(lang: str) -> None:
    """Every rule appears once, under its topic, with status, period, condition, conclusion and
    source."""
    rs = res_rules.load_rules()
    text = CliRunner().invoke(cli, ["rules", "--format", "markdown", "--lang", lang]).output
    sections = text.split("\n## ")[1:]
    found = {rule_id: index for index, section in enumerate(sections)
             for rule_id in (r.id for r in rs.rules) if f"### `{rule_id}`" in section}
    topics = ["law", "grounds", "procedure", "competence", "actions", "checks"]
    assert ({r.id: topics[found[r.id]] for r in rs.rules if r.id in found},
            text.count("### `")) == ({r.id: r.topic for r in rs.rules}, len(rs.rules))
