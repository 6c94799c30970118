"""An advice, a competence look-up and a comparison as reports: the content in words.

The functions here turn an :class:`Advice` (or a :class:`Competence`, a comparison, a rule set)
into plain data made of ready sentences in one language: the facts the advice rests on, the
proposal to the body that decides, who does what, the competence per project with the law that
applies, the warnings and the justification with the sources' own words. The Jinja2 templates
in ``templates/`` lay that out as text, Markdown or a web page; they add no wording of their own
beyond ``templates/words.yaml``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from ._advice import Advice, Competence, ProjectAdvice, warning_text
from ._diff import Difference
from ._rules import TOPICS, Rule, RuleSet, Source
from ._vocabulary import ALL_FACTS, number_date
from ._words import capitalise, date, number, quantity, value_word, words

TARGET_TWH = 1.8


def source_words(source: Source, lang: str) -> dict[str, str]:
    """Where a source stands ("Memo", "Energiewet (versie 1 januari 2026), art. 6.2 lid 1 sub a")
    and its quote."""
    if source.document == "memo":
        where = str(words(lang)["memo"])
    else:
        where = f"{source.title}, {source.citation}" if source.citation else source.title
    return {"where": where, "quote": source.quote or "", "url": source.url or ""}


def rule_words(rule: Rule, lang: str) -> dict[str, Any]:
    """A rule as the justification shows it: its text and its sources' words."""
    return {"rule": rule.id, "text": rule.text[lang], "status": rule.status,
            "sources": [source_words(s, lang) for s in rule.sources]}


def _deadline(advice: Advice, lang: str) -> str:
    w = words(lang)
    if advice.case.deadline is None:
        return str(w["no_deadline"])
    past = advice.days_past_deadline or 0
    when = (w["deadline_today"] if past == 0 else
            w["day_past"] if past == 1 else w["days_past"].format(n=number(past, lang))
            if past > 0 else w["day_left"] if past == -1 else
            w["days_left"].format(n=number(-past, lang)))
    return f"{date(advice.case.deadline, lang)}, {when}"


def _forecast(advice: Advice, lang: str) -> str:
    w = words(lang)
    forecast = advice.case.res_forecast_twh_2030
    if forecast is None:
        return str(w["forecast_missing"])
    template = w["forecast_below"] if advice.res_target.value["at_risk"] else w["forecast_meets"]
    return str(template.format(forecast=number(forecast, lang), target=number(TARGET_TWH, lang)))


def _project_line(project: ProjectAdvice, lang: str) -> str:
    w = words(lang)
    p = project.project
    name = f"{p.name} ({p.id})" if p.name else p.id
    line = w["project_line"].format(
        name=name, gemeente=f", {p.gemeente}", technology=value_word("technology",
                                                                    p.technology, lang),
        capacity=quantity(p.capacity_mw, "MW", lang), status=value_word("status", p.status, lang))
    handovers = []
    if p.transferred_to_gemeente:
        handovers.append(w["transferred"])
    if p.rijk_waived_to:
        handovers.append(w["waived"].format(body=value_word("waived_to", p.rijk_waived_to, lang)))
    return str(line) + "".join(f"; {h}" for h in handovers)


def _facts(advice: Advice, lang: str) -> list[tuple[str, str]]:
    w = words(lang)
    case = advice.case
    rs = advice.ruleset
    solution = case.solution
    facts = [
        (w["theme"], value_word("theme", case.theme, lang)),
        (w["scope"], value_word("scope", case.scope, lang)),
        (w["step"], rs.label("step", case.current_step, lang)),
        (w["declared_by"], value_word("declared_by", case.no_consensus_declared_by, lang)
         if case.no_consensus_declared_by else w["not_given"]),
        (w["deadline"], _deadline(advice, lang)),
        (w["solution"], value_word("solution_status", solution.status, lang)),
    ]
    if solution.status == "gevonden":
        facts.append((w["adequate"], w["unknown"] if solution.adequate is None
                      else value_word("adequate", solution.adequate, lang)))
    facts += [
        (w["draagvlak"], value_word("draagvlak", solution.draagvlak, lang)),
        (w["agreements"], value_word("agreements", case.agreements, lang)),
    ]
    if case.step2_need:
        facts.append((w["step2_need"], value_word("step2_need", case.step2_need, lang)))
    facts.append((w["forecast"], _forecast(advice, lang)))
    return facts


def _step_words(rs: RuleSet, step: int, lang: str) -> str:
    return str(rs.label("step", step, lang))


def _proposal(advice: Advice, lang: str) -> dict[str, Any]:
    w = words(lang)
    rs = advice.ruleset
    code = advice.recommendation.value
    body = rs.label("actor", advice.decided_by, lang) if advice.decided_by else None
    if code == "niet_van_toepassing":
        heading = w["not_applicable"]
    elif body is not None:
        heading = w["proposal_to"].format(body=body)
    else:
        heading = w["proposal"]
    next_step = advice.next_step.value
    moves = next_step is not None and next_step != advice.case.current_step
    reasons = [rs.label("ground", g, lang) for g in advice.grounds_codes]
    instrument = None
    if advice.step2_instrument is not None:
        value = advice.step2_instrument.value
        instrument = rs.label("instrument", value, lang) if value else w["instrument_open"]
    return {
        "code": code,
        "heading": heading,
        "text": rs.label("recommendation", code, lang),
        "next_step": _step_words(rs, next_step, lang) if moves else None,
        "alternatives": "; ".join(_step_words(rs, s, lang) for s in advice.alternatives) or None,
        "alternatives_heading": w["alternatives"].format(body=capitalise(body or "")),
        "reasons": reasons,
        "reasons_heading": w["reasons_plural"] if len(reasons) > 1 else w["reasons"],
        "no_reasons": w["no_reasons"] if not reasons and code in (
            "voortzetten", "consensus_zoeken") else None,
        "instrument": instrument,
        "elsewhere": w["scope_elsewhere"].get(advice.case.scope)
        if code == "niet_van_toepassing" else None,
    }


def _basis(advice: Advice, project: ProjectAdvice, lang: str) -> str:
    source = advice.ruleset.rule(project.basis_rule).source
    if source.document == "memo":
        return f"{words(lang)['memo']}: {advice.ruleset.label('law_status', 'verwacht', lang)}"
    return f"{source.short} {source.citation}"


def _competence_rows(advice: Advice, lang: str) -> list[dict[str, str]]:
    rs = advice.ruleset
    rows = []
    for project in advice.projects:
        p = project.project
        handed = project.bevoegd_gezag != project.statutory_bevoegd_gezag
        rows.append({
            "project": f"{p.name} ({p.id})" if p.name else p.id,
            "gemeente": p.gemeente,
            "technology": value_word("technology", p.technology, lang),
            "capacity": quantity(p.capacity_mw, "MW", lang),
            "authority": capitalise(rs.label("authority", project.bevoegd_gezag, lang)),
            "statutory": capitalise(rs.label("authority", project.statutory_bevoegd_gezag,
                                             lang)),
            "handed_over": "yes" if handed else "",
            "basis": _basis(advice, project, lang),
            "status": rs.label("law_status", project.law_status, lang),
            "regime": rs.label("regime", project.regime, lang),
        })
    return rows


def _conclusion_code(conclusion: Mapping[str, Any]) -> str:
    body = ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in conclusion.items()
                     if k != "type")
    return f"{conclusion['type']}({body})"


def _justification(advice: Advice, lang: str) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for entry in advice.explanation:
        item = seen.setdefault(entry.rule.id, {**rule_words(entry.rule, lang), "conclusions": []})
        item["conclusions"] += [_conclusion_code(c) for c in entry.conclusions]
    return list(seen.values())


def advice_report(advice: Advice, lang: str = "nl") -> dict[str, Any]:
    """Everything a report of ``advice`` says, as ready words in ``lang``."""
    w = words(lang)
    rs = advice.ruleset
    case = advice.case
    return {
        "w": w,
        "lang": lang,
        "title": case.title or case.id,
        "case_id": case.id,
        "as_of": date(advice.as_of, lang),
        "variant": w["expected_law"] if advice.include_expected_law else w["current_law_only"],
        "law": rs.label("regime", advice.law.regime, lang),
        "facts": _facts(advice, lang),
        "projects": [_project_line(p, lang) for p in advice.projects],
        "proposal": _proposal(advice, lang),
        "actions": [{"code": a.code, "actor": capitalise(rs.label("actor", advice.actor(a), lang)),
                     "text": advice.action_text(a, lang),
                     "sentence": advice.action_sentence(a, lang), "rules": list(a.rules)}
                    for a in advice.actions],
        "competence": _competence_rows(advice, lang),
        "warnings": [{"code": x.code, "text": warning_text(rs, x, lang), "rules": list(x.rules)}
                     for x in advice.warnings],
        "justification": _justification(advice, lang),
        "ruleset": {"name": rs.name, "version": rs.version, "fingerprint": rs.fingerprint},
    }


def competence_report(result: Competence, lang: str = "nl") -> dict[str, Any]:
    """A competence look-up as ready words in ``lang``."""
    w = words(lang)
    rs = result.ruleset
    handovers = []
    if result.transferred_to_gemeente:
        handovers.append(w["transferred"])
    if result.rijk_waived_to:
        handovers.append(w["waived"].format(body=value_word("waived_to", result.rijk_waived_to,
                                                            lang)))
    return {
        "w": w,
        "subject": f"{capitalise(value_word('technology', result.technology, lang))}, "
                   f"{quantity(result.capacity_mw, 'MW', lang)}",
        "as_of": date(result.as_of, lang),
        "variant": w["expected_law"] if result.include_expected_law else w["current_law_only"],
        "law": rs.label("regime", result.law.regime, lang),
        "handovers": handovers,
        "authority": capitalise(rs.label("authority", result.bevoegd_gezag, lang)),
        "statutory": capitalise(rs.label("authority", result.statutory_bevoegd_gezag, lang))
        if result.statutory_bevoegd_gezag != result.bevoegd_gezag else None,
        "status": rs.label("law_status", result.law_status, lang),
        "rules": [rule_words(r, lang) for r in result.rules],
        "warnings": [warning_text(rs, x, lang) for x in result.warnings],
    }


def _plain(value: Any, lang: str) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    if isinstance(value, bool):
        return value_word("", value, lang)
    return "—" if value is None else str(value)


def compare_report(first: Advice, second: Advice, found: Sequence[Difference],
                   lang: str = "nl") -> dict[str, Any]:
    """The differences between two advices on one case as ready words."""
    w = words(lang)

    def variant(advice: Advice) -> str:
        law = w["expected_law"] if advice.include_expected_law else w["current_law_only"]
        return f"{date(advice.as_of, lang)} ({law})"

    return {
        "w": w,
        "title": first.case.title or first.case.id,
        "first": variant(first),
        "second": variant(second),
        "differences": [{"path": d.path, "before": _plain(d.before, lang),
                         "after": _plain(d.after, lang)} for d in found],
    }


def period_words(rs: RuleSet, rule: Rule, lang: str = "nl") -> str:
    """When a rule can apply, from the regimes it belongs to: "altijd", "vanaf 1 januari 2026"."""
    w = words(lang)
    start, end = rs.period(rule)
    if start and end:
        return str(w["between_dates"].format(start=date(start, lang), end=date(end, lang)))
    if start:
        return str(w["from_date"].format(date=date(start, lang)))
    if end:
        return str(w["until_date"].format(date=date(end, lang)))
    return str(w["always"])


_OPS = ("$lt", "$lte", "$gt", "$gte")


def condition_words(rule: Rule, lang: str = "nl") -> str:
    """A rule's condition in words: what each fact it matches must be like.

    >>> from res_rules import load_rules
    >>> print(condition_words(load_rules().rule("aanbeveling.consensus_zoeken"), "en"))
    when the case: the scope is regional question in the Stuurgroep and the current step is 0 \
and who declared that there is no consensus is not given
    """
    w = words(lang)

    def field(name: str) -> str:
        return str(w["fields"].get(name, name))

    def value(name: str, v: Any, kind: str) -> str:
        if isinstance(v, dict):
            ((alias, other),) = v.items()
            return f"{w['same_as']} {field(other)} ({alias})"
        if kind == "date" and isinstance(v, int):
            return date(number_date(v), lang)
        if isinstance(v, bool):
            return value_word(name, v, lang)
        if isinstance(v, int | float):
            return number(v, lang)
        if v is None:
            return str(w["none"])
        return value_word(name, v, lang) if name in w["values"] else str(v)

    def expr(e: Mapping[str, Any], fields: Mapping[str, Any], top: bool = False) -> str:
        parts = []
        for key, operand in e.items():
            if key in ("$and", "$or"):
                inner = [x for x in (expr(sub, fields) for sub in operand) if x]
                joined = f" {w['and' if key == '$and' else 'or']} ".join(inner)
                parts.append(joined if key == "$and" or top or len(inner) == 1
                             else f"({joined})")
            elif key in ("$ex", "$nex"):
                ((name, _),) = operand.items()
                parts.append(f"{field(name)} {w['present' if key == '$ex' else 'missing']}")
            elif key in (*_OPS, "$neq"):
                ((name, v),) = operand.items()
                kind = fields[name].kind if name in fields else ""
                op = ("date_" if kind == "date" else "") + key[1:] if key != "$neq" else "is_not"
                parts.append(f"{field(name)} {w[op]} {value(name, v, kind)}")
            elif key.startswith("$"):
                parts.append(f"{key} {json.dumps(operand, ensure_ascii=False)}")
            elif key != "type":
                kind = fields[key].kind if key in fields else ""
                parts.append(f"{field(key)} {w['is']} {value(key, operand, kind)}")
        return f" {w['and']} ".join(p for p in parts if p)

    clauses = []
    ((kind, items),) = rule.when.items()
    for item in items:
        for condition in item.values():
            fact = _fact_type(condition)
            rest = expr(condition, ALL_FACTS.get(fact or "", {}), top=True)
            clauses.append(f"{w['fact'].get(fact or '', fact)}" + (f": {rest}" if rest else ""))
    joiner = f"; {w['and']} " if kind == "all" else f"; {w['or']} "
    return f"{w['when_all']} " + joiner.join(clauses)


def _fact_type(expression: Mapping[str, Any]) -> str | None:
    from ._rules import fact_type_of

    return fact_type_of(expression)


def conclusion_words(rule: Rule) -> str:
    """What a rule concludes, in the rule set's own codes."""
    return "; ".join(_conclusion_code(c) for c in rule.then)


def catalogue_report(rs: RuleSet, lang: str = "nl") -> dict[str, Any]:
    """The whole rule set by topic, each rule with its period, condition and sources."""
    w = words(lang)
    topics = []
    for topic in TOPICS:
        rules = [r for r in rs.rules if r.topic == topic]
        if rules:
            topics.append({"title": w["topic"][topic], "rules": [
                {**rule_words(r, lang), "status": w["rule_status"][r.status],
                 "period": period_words(rs, r, lang), "condition": condition_words(r, lang),
                 "concludes": conclusion_words(r)} for r in rules]})
    regimes = [{"id": regime.id, "title": rs.label("regime", regime.id, lang),
                "rules": [r.id for r in rs.rules if regime.id in r.regimes]}
               for regime in rs.regimes.values()]
    command = "res-rules rules --format markdown" + (" --lang en" if lang == "en" else "")
    return {"w": w, "name": rs.name, "version": rs.version, "fingerprint": rs.fingerprint,
            "generated": w["generated"].format(command=command), "topics": topics,
            "regimes": regimes}

