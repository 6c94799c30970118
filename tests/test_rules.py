"""The rule files: every rule cites a source, memo quotes are verbatim, bad files are rejected."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from conftest import RULES

import res_rules
from res_rules import RuleFileError
from res_rules._rules import normalise


def test_every_memo_quote_occurs_verbatim_in_the_shipped_memo() -> None:
    """Whitespace-normalised, each quote of the memo is a substring of the memo's text."""
    rs = res_rules.load_rules()
    memo = normalise(rs.memo_text)
    quotes = [s.quote for r in rs.rules for s in (r.source, *r.see_also)
              if s.document == "memo"]
    assert (len(quotes) > 20, [q for q in quotes if q not in memo]) == (True, [])


def test_the_shipped_memo_is_the_seed_memo() -> None:
    """The copy shipped with the rules is the memo in shared/seed, byte for byte (if present)."""
    seed = RULES.parent.parent / "shared" / "seed" / "toelichting-opschaalprocedure-res-u16.txt"
    if not seed.exists():
        pytest.skip("shared/seed is not beside this checkout")
    assert (RULES / "memo-toelichting-opschaalprocedure-res-u16.txt").read_bytes() == \
        seed.read_bytes()


def test_every_rule_has_a_source_and_texts_in_both_languages() -> None:
    """No rule without a source document; each has Dutch and English text."""
    rs = res_rules.load_rules()
    assert [r.id for r in rs.rules if not r.source.document or not all(r.text.values())] == []


def test_the_rule_set_is_layered_at_least_three_deep() -> None:
    """Facts -> findings -> recommendation -> next step -> actions: each builds on the last."""
    rs = res_rules.load_rules()
    produced = {c["type"] for r in rs.rules for c in r.then}
    consumed_by_actions = {c["type"] for r in rs.rules if r.topic == "actions"
                           for c in r.then}
    assert ({"ground", "recommendation", "next_step", "competence"} <= produced,
            consumed_by_actions) == (True, {"action"})


def test_fingerprint_is_stable_and_changes_with_the_files(tmp_path: Path) -> None:
    """The same files give the same fingerprint; an edited file gives another."""
    copy = tmp_path / "rules"
    shutil.copytree(RULES, copy)
    before = res_rules.load_rules(copy).fingerprint
    (copy / "grounds.yaml").write_text((copy / "grounds.yaml").read_text() + "\n#\n")
    assert (before == res_rules.load_rules().fingerprint,
            before != res_rules.load_rules(copy).fingerprint) == (True, True)


def _broken(tmp_path: Path, edit: str) -> Path:
    copy = tmp_path / "rules"
    shutil.copytree(RULES, copy)
    data = yaml.safe_load((copy / "grounds.yaml").read_text(encoding="utf-8"))
    rule = data["rules"][0]
    if edit == "no-source":
        del rule["source"]
    elif edit == "misquote":
        rule["source"]["quote"] = "De provincie beslist altijd alles."
    elif edit == "external-without-citation":
        rule["source"] = {"document": "elektriciteitswet-1998"}
    elif edit == "unknown-document":
        rule["source"]["document"] = "wikipedia"
    elif edit == "bad-operator":
        rule["when"] = {"all": [{"c": {"$between": {"x": 1}}}]}
    elif edit == "bad-alias-reference":
        rule["when"] = {"all": [{"c": {"project": {"zz": "id"}}}]}
    elif edit == "bad-conclusion":
        rule["then"] = [{"type": "verdict", "value": True}]
    elif edit == "unlabelled-code":
        rule["then"] = [{"type": "ground", "code": "weer", "present": True}]
    elif edit == "bad-template":
        rule["then"] = [{"type": "resolved", "value": "$q.value"}]
    elif edit == "duplicate-id":
        data["rules"].append(dict(rule))
    elif edit == "bad-status":
        rule["status"] = "misschien"
    elif edit == "missing-english":
        del rule["text"]["en"]
    (copy / "grounds.yaml").write_text(yaml.safe_dump(data, allow_unicode=True),
                                       encoding="utf-8")
    return copy


@pytest.mark.parametrize(
    ("edit", "fragment"),
    [
        ("no-source", "every rule needs a source"),
        ("misquote", "not found verbatim in the memo"),
        ("external-without-citation", "needs a citation"),
        ("unknown-document", "expected one of memo"),
        ("bad-operator", "not a durable-rules operator"),
        ("bad-alias-reference", "a reference must name an earlier alias"),
        ("bad-conclusion", "expected one of resolved"),
        ("unlabelled-code", "has no label"),
        ("bad-template", "a template must be $alias.field"),
        ("duplicate-id", "is also used in"),
        ("bad-status", "expected one of geldend, verwacht"),
        ("missing-english", "text.en"),
    ],
)
def test_the_loader_rejects_a_bad_rule_file(tmp_path: Path, edit: str, fragment: str) -> None:
    """Each kind of broken rule is refused with a message naming file and place."""
    with pytest.raises(RuleFileError) as info:
        res_rules.load_rules(_broken(tmp_path, edit))
    assert (fragment in str(info.value), "grounds.yaml" in str(info.value)) == (True, True)


def test_a_folder_without_ruleset_yaml_is_not_a_rule_set(tmp_path: Path) -> None:
    """The loader says what is missing."""
    with pytest.raises(RuleFileError, match=r"no ruleset\.yaml"):
        res_rules.load_rules(tmp_path)


def test_the_installed_package_ships_its_rules_and_memo() -> None:
    """In an installed wheel the rule files and the memo sit inside the package."""
    from res_rules._rules import default_rules_dir

    package = Path(res_rules.__file__).resolve().parent
    if (package.parent / "pyproject.toml").exists():
        pytest.skip("running from a source checkout, not an installed wheel")
    assert (default_rules_dir().parent == package,
            (default_rules_dir() / "ruleset.yaml").is_file(),
            (default_rules_dir() / "memo-toelichting-opschaalprocedure-res-u16.txt").is_file()
            ) == (True, True, True)
