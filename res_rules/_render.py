"""Advice, competences and the rule catalogue as readable text and Markdown, in Dutch or English."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from ._advice import Advice, Competence
from ._diff import Difference
from ._rules import TOPICS, Rule, RuleSet, Source
from ._vocabulary import number_date

_WORDS: dict[str, dict[str, str]] = {
    "nl": {
        "advice": "Advies",
        "case": "Casus",
        "as_of": "Peildatum",
        "law": "Geldend recht",
        "regime": "Recht",
        "period": "Geldig",
        "always": "altijd",
        "from": "vanaf",
        "until": "tot en met",
        "differences": "Verschillen",
        "no_differences": "Geen verschillen.",
        "before": "eerst",
        "after": "daarna",
        "path": "Onderdeel",
        "applicable": "Procedure van toepassing",
        "yes": "ja",
        "no": "nee",
        "unknown": "onbekend",
        "recommendation": "Aanbeveling",
        "current_step": "Huidige stap",
        "next_step": "Volgende stap",
        "none": "geen",
        "alternatives": "De KNR-tafel kan ook kiezen voor",
        "grounds": "Aanleidingen om op te schalen",
        "instrument": "Instrument voor stap 2",
        "open": "nog open",
        "actions": "Wat nu moet gebeuren",
        "projects": "Bevoegd gezag per project",
        "project": "Project",
        "gemeente": "Gemeente",
        "technology": "Techniek",
        "capacity": "Vermogen (MW)",
        "authority": "Bevoegd gezag",
        "statutory": "Wettelijk",
        "law_status": "Status recht",
        "rules": "Regels",
        "target": "Opgave RES 1.0 (1,8 TWh in 2030)",
        "at_risk": "in gevaar",
        "not_at_risk": "niet in gevaar",
        "forecast": "prognose",
        "warnings": "Waarschuwingen",
        "explanation": "Verantwoording",
        "rule": "Regel",
        "source": "Bron",
        "see_also": "Zie ook",
        "ruleset": "Regelset",
        "expected_law": "verwachte wetgeving meegenomen",
        "current_law_only": "alleen geldend recht",
        "transferred": "overgedragen aan de gemeente",
        "status": "Status",
        "condition": "Voorwaarde",
        "concludes": "Conclusie",
        "text": "Tekst",
        "catalogue": "Regelcatalogus",
        "topic.law": "Geldend recht",
        "topic.grounds": "Aanleidingen en stand van zaken",
        "topic.procedure": "Procedure",
        "topic.competence": "Bevoegd gezag",
        "topic.actions": "Acties",
        "and": "en",
        "or": "of",
        "missing": "ontbreekt",
        "present": "is gegeven",
        "fact": "feit",
        "with": "met",
        "of_fact": "van",
    },
    "en": {
        "advice": "Advice",
        "case": "Case",
        "as_of": "Reference date",
        "law": "Law in force",
        "regime": "Law",
        "period": "In force",
        "always": "always",
        "from": "from",
        "until": "until",
        "differences": "Differences",
        "no_differences": "No differences.",
        "before": "first",
        "after": "then",
        "path": "Part",
        "applicable": "Procedure applies",
        "yes": "yes",
        "no": "no",
        "unknown": "unknown",
        "recommendation": "Recommendation",
        "current_step": "Current step",
        "next_step": "Next step",
        "none": "none",
        "alternatives": "The KNR-tafel may also choose",
        "grounds": "Grounds to escalate",
        "instrument": "Instrument for step 2",
        "open": "still open",
        "actions": "What must happen now",
        "projects": "Competent authority per project",
        "project": "Project",
        "gemeente": "Gemeente",
        "technology": "Technology",
        "capacity": "Capacity (MW)",
        "authority": "Competent authority",
        "statutory": "Statutory",
        "law_status": "Law status",
        "rules": "Rules",
        "target": "RES 1.0 target (1.8 TWh in 2030)",
        "at_risk": "at risk",
        "not_at_risk": "not at risk",
        "forecast": "forecast",
        "warnings": "Warnings",
        "explanation": "Explanation",
        "rule": "Rule",
        "source": "Source",
        "see_also": "See also",
        "ruleset": "Rule set",
        "expected_law": "expected legislation included",
        "current_law_only": "current law only",
        "transferred": "transferred to the gemeente",
        "status": "Status",
        "condition": "Condition",
        "concludes": "Concludes",
        "text": "Text",
        "catalogue": "Rule catalogue",
        "topic.law": "Law in force",
        "topic.grounds": "Grounds and findings",
        "topic.procedure": "Procedure",
        "topic.competence": "Competent authority",
        "topic.actions": "Actions",
        "and": "and",
        "or": "or",
        "missing": "is missing",
        "present": "is given",
        "fact": "fact",
        "with": "with",
        "of_fact": "of",
    },
}


def words(lang: str) -> Mapping[str, str]:
    if lang not in _WORDS:
        raise ValueError(f"lang must be one of {', '.join(_WORDS)} (got {lang!r})")
    return _WORDS[lang]


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def cite(source: Source | Mapping[str, Any]) -> str:
    """A source in one line: the provision or document, and the quote."""
    data = source.to_dict() if isinstance(source, Source) else dict(source)
    head = "memo" if data["document"] == "memo" else \
        f"{data['title']}, {data.get('citation', '')}".rstrip(", ")
    return f"{head}: “{data['quote']}”" if data.get("quote") else head


def _step(rs: RuleSet, step: Any, lang: str) -> str:
    if step is None:
        return words(lang)["none"]
    return f"{step} ({rs.label('step', step, lang)})"


def _summary(advice: Advice, d: Mapping[str, Any], lang: str) -> list[tuple[str, str]]:
    """(label, value) for the alternatives, the step-2 instrument and the RES target; a value
    is "" when the advice has nothing to say on it. Both renderers use these."""
    w = words(lang)
    rs = advice.ruleset
    instrument = d["step2_instrument"]
    target = d["res_target"]
    return [
        (w["alternatives"], ", ".join(_step(rs, s, lang) for s in d["alternatives"])),
        (w["instrument"], "" if advice.step2_instrument is None else
         rs.label("instrument", instrument, lang) if instrument else w["open"]),
        (w["target"], w["unknown"] if target["at_risk"] is None else
         f"{w['at_risk'] if target['at_risk'] else w['not_at_risk']} "
         f"({w['forecast']} {_number(target['forecast_twh'])} TWh)"),
    ]


def advice_text(advice: Advice, lang: str = "nl") -> str:
    """A readable advice for the terminal."""
    w = words(lang)
    rs = advice.ruleset
    d = advice.to_dict(lang)
    yn = {True: w["yes"], False: w["no"], None: w["unknown"]}
    title = f" — {d['title']}" if d["title"] else ""
    lines = [
        f"{w['advice']}: {w['case'].lower()} {d['case_id']}{title}",
        f"{w['as_of']}: {d['as_of']} "
        f"({w['expected_law'] if d['include_expected_law'] else w['current_law_only']})",
        f"{w['law']}: {d['law']['title']}",
        "",
        f"{w['applicable']}: {yn[d['applicable']]}",
        f"{w['recommendation']}: {d['recommendation']} — {d['recommendation_text']}",
        f"{w['current_step']}: {_step(rs, d['current_step'], lang)}",
        f"{w['next_step']}: {_step(rs, d['next_step'], lang)}",
    ]
    alternatives, *rest = _summary(advice, d, lang)
    grounds = (w["grounds"], ", ".join(rs.label("ground", g, lang) for g in d["grounds"])
               or w["none"])
    lines += [f"{label}: {value}" for label, value in (alternatives, grounds, *rest) if value]
    if d["actions"]:
        lines += ["", f"{w['actions']}:"]
        lines += [f"  - {a['text']} [{a['code']}; {', '.join(a['rules'])}]" for a in d["actions"]]
    if d["projects"]:
        lines += ["", f"{w['projects']}:"]
        for p in d["projects"]:
            extra = f", {w['statutory'].lower()} {p['statutory_bevoegd_gezag']}" \
                if p["statutory_bevoegd_gezag"] != p["bevoegd_gezag"] else ""
            lines.append(
                f"  - {p['id']} ({p['gemeente']}, {p['technology']}, "
                f"{_number(p['capacity_mw'])} MW): {p['bevoegd_gezag']}{extra} "
                f"[{p['status']}; {p['regime']}; {', '.join(p['rules'])}]")
    if d["warnings"]:
        lines += ["", f"{w['warnings']}:"]
        lines += [f"  ! {x['text']}" for x in d["warnings"]]
    lines += ["", f"{w['explanation']}:"]
    for e in d["explanation"]:
        lines.append(f"  {e['rule']} ({e['status']}): {e['text']}")
        lines.append(f"      {w['source']}: {cite(e['source'])}")
        lines += [f"      {w['see_also']}: {cite(s)}" for s in e["see_also"]]
    r = d["ruleset"]
    lines += ["", f"{w['ruleset']}: {r['name']} {r['version']} ({r['fingerprint'][:12]})"]
    return "\n".join(lines) + "\n"


def _md_cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def advice_markdown(advice: Advice, lang: str = "nl") -> str:
    """A self-contained Markdown report of one advice, for pasting into a memo."""
    w = words(lang)
    rs = advice.ruleset
    d = advice.to_dict(lang)
    yn = {True: w["yes"], False: w["no"], None: w["unknown"]}
    title = d["title"] or d["case_id"]
    out = [
        f"# {w['advice']}: {title}",
        "",
        f"- {w['case']}: `{d['case_id']}`",
        f"- {w['as_of']}: {d['as_of']} "
        f"({w['expected_law'] if d['include_expected_law'] else w['current_law_only']})",
        f"- {w['law']}: {d['law']['title']}",
        f"- {w['applicable']}: {yn[d['applicable']]}",
        f"- {w['current_step']}: {_step(rs, d['current_step'], lang)}",
        "",
        f"## {w['recommendation']}",
        "",
        f"**{d['recommendation_text']}** (`{d['recommendation']}`)",
        "",
        f"- {w['next_step']}: {_step(rs, d['next_step'], lang)}",
    ]
    out += [f"- {label}: {value}" for label, value in _summary(advice, d, lang) if value]
    out += ["", f"## {w['grounds']}", ""]
    out += [f"- {rs.label('ground', g, lang)} (`{g}`)" for g in d["grounds"]] or [
        f"- {w['none']}"]
    out += ["", f"## {w['actions']}", ""]
    out += [f"1. {a['text']} (`{a['code']}`; {', '.join(a['rules'])})"
            for a in d["actions"]] or [f"- {w['none']}"]
    if d["projects"]:
        out += ["", f"## {w['projects']}", "",
                f"| {w['project']} | {w['gemeente']} | {w['technology']} | {w['capacity']} "
                f"| {w['authority']} | {w['statutory']} | {w['regime']} | {w['law_status']} "
                f"| {w['rules']} |",
                "|---|---|---|---:|---|---|---|---|---|"]
        out += [f"| {_md_cell(p['id'])} | {p['gemeente']} | {p['technology']} "
                f"| {_number(p['capacity_mw'])} | **{p['bevoegd_gezag']}** "
                f"| {p['statutory_bevoegd_gezag']} | {_md_cell(_project_law(advice, p, lang))} "
                f"| {p['status']} | {', '.join(p['rules'])} |"
                for p in d["projects"]]
    if d["warnings"]:
        out += ["", f"## {w['warnings']}", ""]
        out += [f"> **{x['code']}**: {x['text']}" for x in d["warnings"]]
    out += ["", f"## {w['explanation']}", "",
            f"| {w['rule']} | {w['status']} | {w['text']} | {w['source']} |",
            "|---|---|---|---|"]
    for e in d["explanation"]:
        sources = "<br>".join(_md_cell(cite(s)) for s in [e["source"], *e["see_also"]])
        out.append(f"| `{e['rule']}` | {e['status']} | {_md_cell(e['text'])} | {sources} |")
    r = d["ruleset"]
    out += ["", f"*{w['ruleset']}: {r['name']} {r['version']}, fingerprint `{r['fingerprint']}`*",
            ""]
    return "\n".join(out)


def _project_law(advice: Advice, project: Mapping[str, Any], lang: str) -> str:
    """The article that decided a project's statutory competence, e.g. Energiewet art. 6.2."""
    basis = advice.ruleset.rule(advice.project(project["id"]).basis_rule).source
    return f"{basis.short} {basis.citation}" if basis.citation else str(basis.short)


def competence_text(result: Competence, lang: str = "nl") -> str:
    w = words(lang)
    d = result.to_dict(lang)
    flags = [w["expected_law"] if d["include_expected_law"] else w["current_law_only"]]
    if d["transferred_to_gemeente"]:
        flags.append(w["transferred"])
    if d["rijk_waived_to"]:
        flags.append(f"rijk_waived_to {d['rijk_waived_to']}")
    lines = [
        f"{d['technology']}, {_number(d['capacity_mw'])} MW ({'; '.join(flags)})",
        f"{w['as_of']}: {d['as_of']}",
        f"{w['law']}: {d['law']['title']}",
        f"{w['authority']}: {d['bevoegd_gezag']}" + (
            f" ({d['bevoegd_gezag_text']})" if d["bevoegd_gezag_text"] != d["bevoegd_gezag"]
            else ""),
    ]
    if d["statutory_bevoegd_gezag"] != d["bevoegd_gezag"]:
        lines.append(f"{w['statutory']}: {d['statutory_bevoegd_gezag']}")
    lines.append(f"{w['law_status']}: {d['status']}")
    lines += ["", f"{w['rules']}:"]
    for r in d["rules"]:
        lines.append(f"  {r['rule']} ({r['status']}): {r['text']}")
        lines.append(f"      {w['source']}: {cite(r['source'])}")
        lines += [f"      {w['see_also']}: {cite(s)}" for s in r["see_also"]]
    if d["warnings"]:
        lines += ["", f"{w['warnings']}:"]
        lines += [f"  ! {x['text']}" for x in d["warnings"]]
    return "\n".join(lines) + "\n"


_OPS = {"$lt": "<", "$lte": "≤", "$gt": ">", "$gte": "≥", "$neq": "≠"}
_FACT_WORDS = {
    "nl": {"case": "de casus", "project": "een project", "context": "de context",
           "regime": "het geldende recht",
           "resolved": "de bevinding 'opgelost'", "ground": "een aanleiding",
           "any_ground": "de bevinding 'enige aanleiding'",
           "res_target": "het oordeel over de opgave",
           "recommendation": "de aanbeveling", "next_step": "de volgende stap",
           "competence_basis": "de wettelijke bevoegdheid", "competence": "de bevoegdheid",
           "step2_instrument": "het instrument voor stap 2"},
    "en": {"case": "the case", "project": "a project", "context": "the context",
           "regime": "the law in force",
           "resolved": "the finding 'resolved'", "ground": "a ground",
           "any_ground": "the finding 'any ground'", "res_target": "the target verdict",
           "recommendation": "the recommendation", "next_step": "the next step",
           "competence_basis": "the statutory competence", "competence": "the competence",
           "step2_instrument": "the step-2 instrument"},
}


def condition_words(rule: Rule, lang: str = "nl") -> str:
    """A rule's durable-rules condition in words: one clause per fact it matches.

    >>> from res_rules import load_rules
    >>> print(condition_words(load_rules().rule("aanbeveling.consensus_zoeken"), "en"))
    c = the case with scope = regionaal and current_step = 0 and declared_by is missing
    """
    w = words(lang)
    plain = {True: w["yes"], False: w["no"], None: w["none"]}

    def value(v: Any, field: str = "") -> str:
        if isinstance(v, dict):
            ((alias, name),) = v.items()
            return f"{name} {w['of_fact']} {alias}"
        if isinstance(v, bool) or v is None:
            return plain[v]
        if field == "reference_date" and isinstance(v, int):
            return number_date(v).isoformat()
        return str(v)

    def expr(e: Mapping[str, Any], top: bool = False) -> str:
        parts = []
        for key, operand in e.items():
            if key in ("$and", "$or"):
                inner = [expr(x) for x in operand]
                inner = [x for x in inner if x]
                joined = f" {w['and' if key == '$and' else 'or']} ".join(inner)
                parts.append(joined if key == "$and" or top or len(inner) == 1
                             else f"({joined})")
            elif key in ("$ex", "$nex"):
                ((field, _),) = operand.items()
                parts.append(f"{field} {w['present' if key == '$ex' else 'missing']}")
            elif key in _OPS:
                ((field, v),) = operand.items()
                parts.append(f"{field} {_OPS[key]} {value(v, field)}")
            elif key.startswith("$"):
                parts.append(f"{key} {json.dumps(operand, ensure_ascii=False)}")
            elif key != "type":
                parts.append(f"{key} = {value(operand)}")
        return f" {w['and']} ".join(p for p in parts if p)

    def fact_type(e: Mapping[str, Any]) -> str | None:
        if "type" in e:
            return str(e["type"])
        for sub in e.get("$and", []):
            found = fact_type(sub)
            if found:
                return found
        return None

    ((kind, items),) = rule.when.items()
    clauses = []
    for item in items:
        for alias, condition in item.items():
            kind_of = fact_type(condition)
            name = _FACT_WORDS[lang].get(kind_of or "", w["fact"])
            rest = expr(condition, top=True)
            clauses.append(f"{alias} = {name}" + (f" {w['with']} {rest}" if rest else ""))
    joiner = f"; {w['and']} " if kind == "all" else f"; {w['or']} "
    return joiner.join(clauses)


def conclusion_words(rule: Rule) -> str:
    return "; ".join(
        f"{c['type']}(" + ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}"
                                    for k, v in c.items() if k != "type") + ")"
        for c in rule.then)


def catalogue_markdown(rs: RuleSet, lang: str = "nl") -> str:
    """The whole rule set as a document, grouped by topic: generated, never edited by hand."""
    w = words(lang)
    out = [
        f"# {w['catalogue']}: {rs.name} {rs.version}",
        "",
        "<!-- Generated by `res-rules rules --format markdown"
        + (" --lang en" if lang == "en" else "")
        + "`. Do not edit: edit rules/ and regenerate. -->",
        "",
        f"{w['ruleset']}: `{rs.fingerprint}`",
        "",
    ]
    for topic in TOPICS:
        rules = [r for r in rs.rules if r.topic == topic]
        if not rules:
            continue
        out += [f"## {w['topic.' + topic]}", ""]
        for r in rules:
            out += [
                f"### `{r.id}`",
                "",
                f"{r.text[lang]}",
                "",
                f"- {w['status']}: {r.status}",
                f"- {w['period']}: {period_words(rs, r, lang)}",
                f"- {w['condition']}: {condition_words(r, lang)}",
                f"- {w['concludes']}: `{conclusion_words(r)}`",
                f"- {w['source']}: {cite(r.source)}",
            ]
            out += [f"- {w['see_also']}: {cite(s)}" for s in r.see_also]
            out.append("")
    return "\n".join(out)


def period_words(rs: RuleSet, rule: Rule, lang: str = "nl") -> str:
    """When a rule can apply, from the regimes it belongs to: "altijd", "vanaf 2026-01-01"."""
    w = words(lang)
    start, end = rs.period(rule)
    if start is None and end is None:
        return w["always"]
    parts = ([f"{w['from']} {start.isoformat()}"] if start else []) + (
        [f"{w['until']} {end.isoformat()}"] if end else [])
    return " ".join(parts)


def compare_text(first: Advice, second: Advice, found: Sequence[Difference],
                 lang: str = "nl") -> str:
    """The differences between two advices on one case, one per line."""
    w = words(lang)
    head = f"{w['differences']}: {_variant(first, lang)} → {_variant(second, lang)}"
    if not found:
        return f"{head}\n{w['no_differences']}\n"
    lines = [head, ""]
    lines += [f"  {d.path}: {_plain(d.before)} → {_plain(d.after)}" for d in found]
    return "\n".join(lines) + "\n"


def compare_markdown(first: Advice, second: Advice, found: Sequence[Difference],
                     lang: str = "nl") -> str:
    """The differences as a Markdown table."""
    w = words(lang)
    out = [f"# {w['differences']}: {first.case.title or first.case.id}", "",
           f"{_variant(first, lang)} → {_variant(second, lang)}", ""]
    if not found:
        return "\n".join([*out, w["no_differences"], ""])
    out += [f"| {w['path']} | {_variant(first, lang)} | {_variant(second, lang)} |",
            "|---|---|---|"]
    out += [f"| `{d.path}` | {_md_cell(_plain(d.before))} | {_md_cell(_plain(d.after))} |"
            for d in found]
    return "\n".join([*out, ""])


def _variant(advice: Advice, lang: str) -> str:
    w = words(lang)
    law = w["expected_law"] if advice.include_expected_law else w["current_law_only"]
    return f"{advice.as_of.isoformat()} ({law})"


def _plain(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    return "—" if value is None else str(value)


def rule_text(rule: Rule, lang: str = "nl", rs: RuleSet | None = None) -> str:
    w = words(lang)
    lines = [
        f"{rule.id} ({rule.topic}, {rule.status})",
        f"{w['text']}: {rule.text[lang]}",
        *([f"{w['period']}: {period_words(rs, rule, lang)}"] if rs is not None else []),
        f"{w['condition']}: {condition_words(rule, lang)}",
        f"  durable-rules: {json.dumps(rule.when, ensure_ascii=False)}",
        f"{w['concludes']}: {conclusion_words(rule)}",
        f"{w['source']}: {cite(rule.source)}",
    ]
    lines += [f"{w['see_also']}: {cite(s)}" for s in rule.see_also]
    return "\n".join(lines) + "\n"
