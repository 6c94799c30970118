"""The rule files: every rule cites a source, memo quotes are verbatim, bad files are rejected."""

from __future__ import annotations

import datetime as dt
import json
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
        rule["source"] = {"document": "energiewet-2026-01-01", "quote": "windpark"}
    elif edit == "unknown-document":
        rule["source"]["document"] = "wikipedia"
    elif edit == "bad-operator":
        rule["when"] = {"all": [{"c": {"$and": [{"type": "case"},
                                                {"$between": {"scope": 1}}]}}]}
    elif edit == "bad-alias-reference":
        rule["when"] = {"all": [{"c": {"$and": [{"type": "case"},
                                                {"scope": {"zz": "scope"}}]}}]}
    elif edit == "bad-conclusion":
        rule["then"] = [{"type": "verdict", "value": True}]
    elif edit == "unlabelled-code":
        rule["then"] = [{"type": "ground", "code": "weer", "present": True}]
    elif edit == "bad-template":
        rule["then"] = [{"type": "resolved", "value": "$q.value"}]
    elif edit == "duplicate-id":
        data["rules"].append(json.loads(json.dumps(rule)))
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
        ("bad-conclusion", "expected one of regime, resolved"),
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


def test_the_installed_package_ships_the_policy_checks_for_mutate(tmp_path: Path) -> None:
    """An installed wheel carries the scenarios and the examples' expected advice, so that
    `res-rules mutate` outside a checkout still checks the mutants against them."""
    from res_rules._policy import default_check_paths, load_examples, load_scenarios

    package = Path(res_rules.__file__).resolve().parent
    if (package.parent / "pyproject.toml").exists():
        pytest.skip("running from a source checkout, not an installed wheel")
    paths = default_check_paths(tmp_path)
    assert (paths, len(load_examples(paths)), len(load_scenarios(paths)) > 50) == (
        [package / "checks" / "expected", package / "examples", package / "checks" / "scenarios"],
        len(list((package / "examples").glob("*.yaml"))), True)


def test_rule_files_may_not_use_yaml_aliases(tmp_path: Path) -> None:
    """Rule files are plain data: an alias (a way to build a YAML bomb) is refused."""
    copy = tmp_path / "rules"
    shutil.copytree(RULES, copy)
    text = (copy / "grounds.yaml").read_text(encoding="utf-8")
    (copy / "grounds.yaml").write_text(text + "extra: &a [1]\nmore: *a\n", encoding="utf-8")
    with pytest.raises(RuleFileError, match="alias"):
        res_rules.load_rules(copy)


@pytest.mark.parametrize(("edit", "fragment"), [
    ({"citation": "art. 6.2 lid 1 sub a", "quote": "ten minste 50 MW maar minder dan 100 MW"},
     "not found verbatim in energiewet-2026-01-01 art. 6.2 lid 1 sub a"),
    ({"citation": "art. 6.9 lid 1", "quote": "windpark"}, "ships no text of art. 6.9"),
    ({"citation": "art. 6.2 lid 7", "quote": "windpark"}, "has no lid 7"),
    ({"citation": "artikel 6.2", "quote": "windpark"}, "expected 'art. N'"),
    ({"citation": "art. 6.2 lid 1 sub a", "quote": "met een capaciteit van ten minste 15 MW "
      "maar minder dan 100 MW, met inbegrip van de aansluiting van dat windpark op een systeem; "
      "en b."}, "not found verbatim"),
])
def test_a_law_quote_must_stand_in_the_cited_article_lid_and_onderdeel(
        tmp_path: Path, edit: dict[str, str], fragment: str) -> None:
    """A statute quote is checked against the text of its own law version, article, lid and
    onderdeel: right words under the wrong onderdeel are refused."""
    copy = tmp_path / "rules"
    shutil.copytree(RULES, copy)
    path = copy / "competence.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    rule = next(r for r in data["rules"] if r["id"] == "bevoegd.energiewet.wind.provincie")
    rule["source"] = {"document": "energiewet-2026-01-01", **edit}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RuleFileError) as info:
        res_rules.load_rules(copy)
    assert fragment in str(info.value)


@pytest.mark.parametrize(("condition", "fragment"), [
    ({"$and": [{"type": "project"}, {"capacity": 5}]}, "no fact of this type has a field"),
    ({"$and": [{"type": "project"}, {"$lt": {"id": 5}}]}, "no fact of this type has a field 'id'"),
    ({"$and": [{"type": "projekt"}, {"capacity_mw": 5}]}, "must test 'type' against a fact"),
    ({"capacity_mw": 5}, "must test 'type' against a fact"),
])
def test_conditions_may_only_test_fields_the_facts_have(tmp_path: Path, condition: object,
                                                        fragment: str) -> None:
    """A typo in a field, durable's reserved 'id', or a condition without a fact type is
    refused at load time instead of silently never matching."""
    copy = tmp_path / "rules"
    shutil.copytree(RULES, copy)
    path = copy / "competence.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["rules"][0]["when"]["all"][1] = {"p": condition}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RuleFileError) as info:
        res_rules.load_rules(copy)
    assert fragment in str(info.value)


def test_a_template_may_only_copy_a_field_its_fact_has(tmp_path: Path) -> None:
    """``$p.capacity`` (no such field of a project) is refused."""
    copy = tmp_path / "rules"
    shutil.copytree(RULES, copy)
    path = copy / "competence.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["rules"][0]["then"][0]["capacity_mw"] = "$p.capacity"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RuleFileError, match="no fact of this type has a field 'capacity'"):
        res_rules.load_rules(copy)


def test_every_regime_has_a_period_and_they_follow_each_other_without_gaps() -> None:
    """The regimes' periods, read from their rules, tile the calendar: no day without a law,
    no day with two."""
    regimes = list(res_rules.load_rules().regimes.values())
    edges = [(r.id, r.valid_from, r.valid_until) for r in regimes]
    assert edges == [
        ("ew1998-wro", None, dt.date(2023, 12, 31)),
        ("ew1998-omgevingswet", dt.date(2024, 1, 1), dt.date(2025, 12, 31)),
        ("energiewet", dt.date(2026, 1, 1), None),
    ]


def test_rules_in_force_on_a_date_are_those_of_its_regime_and_the_timeless_ones() -> None:
    """On 1 March 2026 no Elektriciteitswet rule is in force; the procedure rules always are."""
    rs = res_rules.load_rules()
    ids = {r.id for r in rs.in_force(dt.date(2026, 3, 1))}
    assert ("bevoegd.energiewet.wind.provincie" in ids, "bevoegd.wro.wind.provincie" in ids,
            "bevoegd.zon.provincie.verwacht" in ids, "aanbeveling.opschalen" in ids,
            "recht.energiewet" in ids, "recht.ew1998_wro" in ids) == (
        True, False, False, True, True, False)


def test_the_shipped_law_texts_are_the_shared_ones() -> None:
    """Each statute text shipped with the rules is the file in shared/law, byte for byte."""
    shared = RULES.parent.parent / "shared" / "law"
    if not shared.exists():
        pytest.skip("shared/law is not beside this checkout")
    shipped = sorted(p.name for p in (RULES / "law").glob("*.txt") if p.name in
                     {q.name for q in shared.glob("*.txt")})
    assert (len(shipped), [n for n in shipped if (RULES / "law" / n).read_bytes()
                           != (shared / n).read_bytes()]) == (10, [])
