"""From a case to advice: facts in, the engine's conclusions out, gathered into an :class:`Advice`.

This module decides nothing. It turns the case into plain facts (the one place where that
happens), hands them to the engine, and reads back what the rules concluded. When the rules
conclude no recommendation, or two, that is a fault of the rule set and raises
:class:`EngineError`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from ._casefile import case_from_mapping, case_to_mapping, check_field
from ._engine import Firing, infer
from ._errors import CaseError, EngineError, describe, msg
from ._facts import Case, Project
from ._rules import Rule, RuleSet, Source, check_lang, load_rules
from ._vocabulary import NOT_WAIVED, date_number
from ._words import capitalise, date, number, words


@attrs.frozen
class Conclusion:
    """A value the advice gives, with the ids of the rules that concluded it."""

    value: Any
    rules: tuple[str, ...]


@attrs.frozen
class ActionAdvice:
    """Something that must happen now, with the rules that call for it. ``deadline_step`` is
    the step the action enters, for which a deadline must be agreed (``None``: none)."""

    code: str
    rules: tuple[str, ...]
    deadline_step: int | None = None


@attrs.frozen
class ProjectAdvice:
    """The competent authority for one project, under the regime in force on the reference date."""

    project: Project
    bevoegd_gezag: str
    statutory_bevoegd_gezag: str
    law_status: str
    regime: str
    rules: tuple[str, ...]
    #: The rule that gave the statutory competence (its source is the article that applies).
    basis_rule: str


@attrs.frozen
class WarningAdvice:
    """Something the advisor must look at: a boundary overlap, expected law, an open choice."""

    code: str
    params: Mapping[str, Any]
    rules: tuple[str, ...]


@attrs.frozen
class Explanation:
    """One rule that fired, what it concluded, and its source."""

    rule: Rule
    conclusions: tuple[Mapping[str, Any], ...]


@attrs.frozen
class Law:
    """The legal regime in force on the reference date, with the rule that chose it."""

    regime: str
    valid_from: dt.date | None
    valid_until: dt.date | None
    rules: tuple[str, ...]

    def to_dict(self, ruleset: RuleSet, lang: str) -> dict[str, Any]:
        return {
            "id": self.regime,
            "title": ruleset.label("regime", self.regime, lang),
            "period": {"from": _iso(self.valid_from), "until": _iso(self.valid_until)},
            "rules": list(self.rules),
        }


def _iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


@attrs.frozen
class Advice:
    """The advice for one case. ``to_dict(lang)`` gives the JSON-ready form."""

    case: Case
    as_of: dt.date
    include_expected_law: bool
    law: Law
    applicable: bool
    recommendation: Conclusion
    next_step: Conclusion
    alternatives: tuple[int, ...]
    grounds: tuple[Conclusion, ...]
    step2_instrument: Conclusion | None
    actions: tuple[ActionAdvice, ...]
    projects: tuple[ProjectAdvice, ...]
    res_target: Conclusion
    warnings: tuple[WarningAdvice, ...]
    explanation: tuple[Explanation, ...]
    ruleset: RuleSet = attrs.field(repr=False)

    @property
    def grounds_codes(self) -> tuple[str, ...]:
        return tuple(g.value for g in self.grounds)

    @property
    def action_codes(self) -> tuple[str, ...]:
        return tuple(a.code for a in self.actions)

    def warning_text(self, warning: WarningAdvice, lang: str = "nl") -> str:
        return warning_text(self.ruleset, warning, lang)

    @property
    def days_past_deadline(self) -> int | None:
        """Days from the deadline to the reference date: negative while time is left."""
        deadline = self.case.deadline
        return None if deadline is None else (self.as_of - deadline).days

    @property
    def decided_by(self) -> str | None:
        """The body the recommendation is a proposal to (an actor code), if any."""
        entry = self.ruleset.labels.get("recommendation", {}).get(self.recommendation.value, {})
        return entry.get("decided_by")

    def actor(self, action: ActionAdvice) -> str:
        """Who carries out ``action`` (an actor code from the rule set)."""
        return self.ruleset.labels["action"][action.code]["actor"]

    def action_text(self, action: ActionAdvice, lang: str = "nl") -> str:
        """What the actor does, without the actor: the instrument and step filled in."""
        w = words(lang)
        instrument = self.step2_instrument.value if self.step2_instrument else None
        fills = {
            "instrument": self.ruleset.label("instrument", instrument, lang) if instrument
            else w["instrument_either"],
            "deadline": "" if action.deadline_step is None
            else w["deadline_clause"].format(n=action.deadline_step),
        }
        return self.ruleset.label("action", action.code, lang).format_map(_Missing(fills))

    def action_sentence(self, action: ActionAdvice, lang: str = "nl") -> str:
        """The action as one sentence: "De KNR-tafel spreekt een deadline af voor stap 2, ..."."""
        actor = self.ruleset.label("actor", self.actor(action), lang)
        return f"{capitalise(actor)} {self.action_text(action, lang)}"

    def report(self, lang: str = "nl") -> dict[str, Any]:
        """The advice's content as ready words in ``lang`` (facts, proposal, actions, competence,
        warnings, justification): what the text, Markdown and web reports lay out."""
        from ._report import advice_report  # the report module builds on this one

        return advice_report(self, lang)

    def to_text(self, lang: str = "nl", *, details: bool = False) -> str:
        """The advice as text for a terminal (``details``: with rule ids and codes)."""
        from ._render import advice_text

        return advice_text(self, lang, details=details)

    def to_markdown(self, lang: str = "nl") -> str:
        """The advice as a self-contained Markdown report, codes in an appendix."""
        from ._render import advice_markdown

        return advice_markdown(self, lang)

    def project(self, project_id: str) -> ProjectAdvice:
        """The competence advice for the project with this id."""
        for advice in self.projects:
            if advice.project.id == project_id:
                return advice
        raise KeyError(project_id)

    def to_dict(self, lang: str = "nl") -> dict[str, Any]:
        """The advice as plain JSON-ready data, texts in ``lang`` (``nl`` or ``en``)."""
        check_lang(lang)
        rs = self.ruleset
        target = self.res_target.value
        return {
            "case_id": self.case.id,
            "title": self.case.title,
            "as_of": self.as_of.isoformat(),
            "include_expected_law": self.include_expected_law,
            "law": self.law.to_dict(rs, lang),
            "deadline": _iso(self.case.deadline),
            "days_past_deadline": self.days_past_deadline,
            "facts": case_to_mapping(self.case),
            "applicable": self.applicable,
            "recommendation": self.recommendation.value,
            "recommendation_text": rs.label("recommendation", self.recommendation.value, lang),
            "decided_by": self.decided_by,
            "decided_by_text": rs.label("actor", self.decided_by, lang)
            if self.decided_by else None,
            "current_step": self.case.current_step,
            "next_step": self.next_step.value,
            "alternatives": list(self.alternatives),
            "grounds": [g.value for g in self.grounds],
            "step2_instrument": self.step2_instrument.value if self.step2_instrument else None,
            # True when step 2 comes next and its instrument is still to be chosen.
            "step2_choice_open": self.step2_instrument is not None
            and self.step2_instrument.value is None,
            "actions": [
                {"code": a.code, "actor": self.actor(a), "actor_text": rs.label(
                    "actor", self.actor(a), lang), "text": self.action_sentence(a, lang),
                 "deadline_step": a.deadline_step,
                 "rules": list(a.rules),
                 "sources": [rs.rule(r).source.to_dict() for r in a.rules]}
                for a in self.actions
            ],
            "projects": [
                {
                    "id": p.project.id,
                    "name": p.project.name,
                    "gemeente": p.project.gemeente,
                    "technology": p.project.technology,
                    "capacity_mw": p.project.capacity_mw,
                    "project_status": p.project.status,
                    "transferred_to_gemeente": p.project.transferred_to_gemeente,
                    "rijk_waived_to": p.project.rijk_waived_to,
                    "regime": p.regime,
                    "bevoegd_gezag": p.bevoegd_gezag,
                    "statutory_bevoegd_gezag": p.statutory_bevoegd_gezag,
                    "status": p.law_status,
                    "rules": list(p.rules),
                }
                for p in self.projects
            ],
            "res_target": {
                "target_twh": target["target_twh"],
                "forecast_twh": target["forecast_twh"],
                "at_risk": target["at_risk"],
                "rules": list(self.res_target.rules),
            },
            "warnings": [
                {"code": w.code, "project": w.params.get("project"),
                 "text": self.warning_text(w, lang), "rules": list(w.rules)}
                for w in self.warnings
            ],
            "trace": {
                "recommendation": list(self.recommendation.rules),
                "next_step": list(self.next_step.rules),
                "grounds": {g.value: list(g.rules) for g in self.grounds},
                "step2_instrument": list(self.step2_instrument.rules)
                if self.step2_instrument else [],
            },
            "explanation": [
                {
                    "rule": (rule := e.rule).id,
                    "status": rule.status,
                    "text": rule.text[lang],
                    "conclusion": [dict(c) for c in e.conclusions],
                    "source": rule.source.to_dict(),
                    "see_also": [s.to_dict() for s in rule.see_also] if rule.see_also else [],
                }
                for e in self.explanation
            ],
            "ruleset": {"name": rs.name, "version": rs.version, "fingerprint": rs.fingerprint},
        }


def warning_text(ruleset: RuleSet, warning: WarningAdvice, lang: str = "nl") -> str:
    """The warning's words in ``lang``, its placeholders filled from what the rule concluded:
    numbers and dates written the language's way, authorities with their article."""
    params: dict[str, Any] = {}
    for key, value in warning.params.items():
        if key in ("authority", "memo_authority"):
            params[key] = ruleset.labels["authority"].get(str(value), {}).get(
                f"{lang}_the", str(value))
        elif isinstance(value, dt.date):
            params[key] = date(value, lang)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            params[key] = number(value, lang)
        else:
            params[key] = value
    return ruleset.label("warning", warning.code, lang).format_map(_Missing(params))


class _Missing(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


def case_facts(case: Case, ref: dt.date) -> list[dict[str, Any]]:
    """The case as plain facts for the engine: the one place the model becomes dicts.

    No text the user typed reaches the engine: a project is named by its position (``p0``,
    ``p1``, ...), which :func:`project_key` gives and the advice maps back to the project's id.
    """
    fact: dict[str, Any] = {
        "type": "case",
        "theme": case.theme,
        "scope": case.scope,
        "current_step": case.current_step,
        "solution_status": case.solution.status,
        "draagvlak": case.solution.draagvlak,
        "agreements": case.agreements,
    }
    optional = {
        "declared_by": case.no_consensus_declared_by,
        "adequate": case.solution.adequate,
        "step2_need": case.step2_need,
        "days_past_deadline": None if case.deadline is None else (ref - case.deadline).days,
        "res_forecast_twh_2030": case.res_forecast_twh_2030,
    }
    fact.update({k: v for k, v in optional.items() if v is not None})
    return [fact, *(project_fact(p, project_key(i)) for i, p in enumerate(case.projects))]


def project_key(index: int) -> str:
    """How the engine names the project at ``index`` in the case."""
    return f"p{index}"


def project_fact(project: Project, key: str) -> dict[str, Any]:
    return {
        "type": "project",
        "project": key,
        "technology": project.technology,
        "capacity_mw": float(project.capacity_mw),
        "status": project.status,
        "transferred": project.transferred_to_gemeente,
        "waived_to": project.rijk_waived_to or NOT_WAIVED,
    }


def context_fact(include_expected_law: bool, ref: dt.date) -> dict[str, Any]:
    """The reference date and the expected-law switch: the rules choose the regime from it."""
    return {"type": "context", "expected_law": include_expected_law,
            "reference_date": date_number(ref)}


def _coerce_case(case: Case | Mapping[str, Any]) -> Case:
    if isinstance(case, Case):
        return case
    if isinstance(case, Mapping):
        return case_from_mapping(case)
    raise TypeError(f"advise() takes a Case or a mapping in the case-file format, "
                    f"got {type(case).__name__}")


def _check_date(as_of: Any) -> None:
    if as_of is not None and (not isinstance(as_of, dt.date) or isinstance(as_of, dt.datetime)):
        raise CaseError.problem("problem.wrong_value", path="as_of",
                                expected=msg("expected.date_object"), got=describe(as_of))


def advise(
    case: Case | Mapping[str, Any],
    *,
    as_of: dt.date | None = None,
    include_expected_law: bool = True,
    rules: RuleSet | None = None,
) -> Advice:
    """Advice for one case, every conclusion drawn by the rule set and traced to its rules.

    ``case`` is a :class:`Case` or a plain mapping in the case-file format. The reference date is
    ``as_of`` when given, else the case's ``reference_date``, else today.
    ``include_expected_law=False`` leaves out the memo's expected legislation (zon >= 50 MW).

    >>> advice = advise({"id": "x", "theme": "planuitval", "scope": "regionaal",
    ...                  "no_consensus_declared_by": "stuurgroep"})
    >>> advice.recommendation.value, advice.next_step.value, advice.alternatives
    ('start_procedure', 1, (2, 3, 4))
    """
    model = _coerce_case(case)
    _check_date(as_of)
    ruleset = rules if rules is not None else load_rules()
    ref = as_of or model.reference_date or dt.date.today()
    facts = [*case_facts(model, ref), context_fact(include_expected_law, ref)]
    firings = infer(ruleset, facts)
    return _assemble(model, ref, include_expected_law, ruleset, firings)


def _by_type(firings: Iterable[Firing]
             ) -> dict[str, dict[Any, tuple[Mapping[str, Any], list[str]]]]:
    """Conclusions grouped by type, then by their content, with the rules that reached each."""
    found: dict[str, dict[Any, tuple[Mapping[str, Any], list[str]]]] = {}
    for firing in firings:
        conclusions = firing.conclusions
        keys: tuple[Any, ...] = firing.keys or tuple(_frozen(c) for c in conclusions)
        rule_id = firing.rule.id
        # (Most firings conclude one thing: a pair in a tuple is quicker than a zip.)
        for conclusion, key in ((conclusions[0], keys[0]),) if len(conclusions) == 1 \
                else zip(conclusions, keys, strict=True):
            kind = conclusion["type"]  # a literal of the rule file (the loader sees to it)
            group = found.get(kind)
            if group is None:
                group = found[kind] = {}
            entry = group.get(key)
            if entry is None:
                # The conclusion itself (it still names its type): read, never changed.
                group[key] = (conclusion, [rule_id])
            elif rule_id not in entry[1]:
                entry[1].append(rule_id)
    return found


def _without(body: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in keys}


def _frozen(body: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    """A conclusion as a hashable key (its lists as tuples). Conclusions list their keys in one
    order (the loader sees to that), so equal contents give equal keys."""
    return tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in body.items())


def _one(found: Mapping[str, Any], kind: str, what: str
         ) -> tuple[Mapping[str, Any], list[str]]:
    entries = list(found.get(kind, {}).values())
    if len(entries) != 1:
        raise EngineError(f"the rule set concluded {len(entries)} {what}s, expected exactly one: "
                          f"{[e[0] for e in entries]} (rules {[e[1] for e in entries]})")
    body, rule_ids = entries[0]
    return body, rule_ids


def _rule_sorter(ruleset: RuleSet) -> Callable[[Iterable[str]], tuple[str, ...]]:
    """Rule ids without repeats, in the order the rule set lists them."""
    order = ruleset.positions

    def sorted_rules(ids: Iterable[str]) -> tuple[str, ...]:
        if isinstance(ids, list) and len(ids) == 1:  # most conclusions: one rule
            return (ids[0],)
        return tuple(sorted(set(ids), key=order.__getitem__))

    return sorted_rules


def _warnings(found: Mapping[str, Any], sorted_rules: Callable[[Iterable[str]], tuple[str, ...]],
              projects: Mapping[str, ProjectAdvice], ref: dt.date,
              ruleset: RuleSet) -> tuple[WarningAdvice, ...]:
    """The warnings the rules concluded, with the project's own id and the date and article the
    texts name."""
    warnings = []
    for body, ids in found.get("warning", {}).values():
        params = _without(body, "code", "type")
        params["as_of"] = ref
        project = projects.get(str(params.get("project")))
        if project is not None:
            params["project"] = project.project.id
            basis = ruleset.rule(project.basis_rule).source
            params["law"] = f"{basis.short} {basis.citation}" if basis.citation else basis.short
            params["quote"] = f"“{basis.quote}”"
        warnings.append(WarningAdvice(body["code"], params, sorted_rules(ids)))
    return tuple(sorted(warnings, key=lambda w: (w.code, str(w.params.get("project", "")))))


def _assemble(case: Case, ref: dt.date, include_expected_law: bool, ruleset: RuleSet,
              firings: list[Firing]) -> Advice:
    found = _by_type(firings)
    sorted_rules = _rule_sorter(ruleset)

    rec, rec_rules = _one(found, "recommendation", "recommendation")
    step, step_rules = _one(found, "next_step", "next step")
    law = _law(found, ruleset, sorted_rules)

    ground_order = ruleset.label_order.get("ground", {})
    grounds = sorted(
        [Conclusion(body["code"], sorted_rules(ids))
         for body, ids in found.get("ground", {}).values() if body["present"]],
        key=lambda g: ground_order.get(g.value, len(ground_order)),
    )

    instrument = None
    if "step2_instrument" in found:
        body, ids = _one(found, "step2_instrument", "step-2 instrument")
        instrument = Conclusion(body["instrument"], sorted_rules(ids))

    action_order = ruleset.label_order.get("action", {})
    merged: dict[str, tuple[list[str], int | None]] = {}
    for body, ids in found.get("action", {}).values():
        rule_ids, entered = merged.get(body["code"], ([], None))
        merged[body["code"]] = ([*rule_ids, *ids], body.get("deadline_step", entered))
    actions = sorted(
        [ActionAdvice(code, sorted_rules(ids), entered)
         for code, (ids, entered) in merged.items()],
        key=lambda a: action_order.get(a.code, len(action_order)),
    )

    body, ids = _one(found, "res_target", "RES target verdict")
    target = Conclusion(_without(body, "type"), sorted_rules(ids))

    by_key = _projects(case.projects, found, sorted_rules)
    warnings = _warnings(found, sorted_rules, by_key, ref, ruleset)

    names = {key: p.project.id for key, p in by_key.items()}
    explanation: dict[tuple[str, Any], Explanation] = {}
    for firing in firings:
        keys: tuple[Any, ...] = firing.keys or tuple(_frozen(c) for c in firing.conclusions)
        key = (firing.rule.id, keys)
        if key not in explanation:  # copies: the engine shares a rule's constant conclusions
            # (A list made into a tuple: a generator costs more than the copies it makes.)
            explanation[key] = Explanation(firing.rule, tuple([
                {**c, "project": names[c["project"]]} if "project" in c else dict(c)
                for c in firing.conclusions]))
    by_rule: dict[str, list[Explanation]] = {}
    for entry in explanation.values():
        by_rule.setdefault(entry.rule.id, []).append(entry)
    ordered = []
    # The rule set lists its rules by topic, so its order is the explanation's.
    for rule_id in sorted(by_rule, key=ruleset.positions.__getitem__):
        entries = by_rule[rule_id]
        # A rule that fired for several projects: in the order of their conclusions' words,
        # whatever the order the engine fired in.
        ordered += entries if len(entries) == 1 else sorted(entries,
                                                             key=lambda e: repr(e.conclusions))

    return Advice(
        case=case,
        as_of=ref,
        include_expected_law=include_expected_law,
        law=law,
        applicable=bool(rec["applicable"]),
        recommendation=Conclusion(rec["code"], sorted_rules(rec_rules)),
        next_step=Conclusion(step["step"], sorted_rules(step_rules)),
        alternatives=tuple(step["alternatives"]),
        grounds=tuple(grounds),
        step2_instrument=instrument,
        actions=tuple(actions),
        projects=tuple(by_key.values()),
        res_target=target,
        warnings=warnings,
        explanation=tuple(ordered),
        ruleset=ruleset,
    )


def _law(found: Mapping[str, Any], ruleset: RuleSet,
         sorted_rules: Callable[[Iterable[str]], tuple[str, ...]]) -> Law:
    """The one regime the rules chose, with its period."""
    regime, ids = _one(found, "regime", "legal regime")
    period = ruleset.regimes.get(regime["regime"])
    return Law(regime["regime"], period.valid_from if period else None,
               period.valid_until if period else None, sorted_rules(ids))


def _projects(projects: Iterable[Project], found: Mapping[str, Any],
              sorted_rules: Callable[[Iterable[str]], tuple[str, ...]]
              ) -> dict[str, ProjectAdvice]:
    """Each project's competence, by its engine key, in the case's order."""
    final: dict[str, list[tuple[dict[str, Any], list[str]]]] = {}
    basis: dict[str, list[tuple[dict[str, Any], list[str]]]] = {}
    for kind, into in (("competence", final), ("competence_basis", basis)):
        for entry in found.get(kind, {}).values():
            into.setdefault(str(entry[0]["project"]), []).append(entry)
    result: dict[str, ProjectAdvice] = {}
    for index, project in enumerate(projects):
        key = project_key(index)
        finals, bases = final.get(key, []), basis.get(key, [])
        if len(finals) != 1 or len(bases) != 1:
            raise EngineError(f"the rule set concluded {len(finals)} competences for project "
                              f"{project.id!r}, expected exactly one: {[e[0] for e in finals]}")
        (body, ids), (basis_body, basis_ids) = finals[0], bases[0]
        result[key] = ProjectAdvice(
            project=project,
            bevoegd_gezag=body["authority"],
            statutory_bevoegd_gezag=basis_body["authority"],
            law_status=body["law_status"],
            regime=basis_body["regime"],
            rules=sorted_rules([*basis_ids, *ids]),
            basis_rule=sorted_rules(basis_ids)[0],
        )
    return result


@attrs.frozen
class Competence:
    """Who is competent for a project of this technology and capacity on a date, and why."""

    technology: str
    capacity_mw: float
    as_of: dt.date
    transferred_to_gemeente: bool
    rijk_waived_to: str | None
    include_expected_law: bool
    law: Law
    bevoegd_gezag: str
    statutory_bevoegd_gezag: str
    law_status: str
    #: The rules that decided, in rule-set order: the regime, the statutory competence, the
    #: hand-over (or none).
    rules: tuple[Rule, ...]
    warnings: tuple[WarningAdvice, ...]
    ruleset: RuleSet = attrs.field(repr=False)

    @property
    def regime(self) -> str:
        return self.law.regime

    def warning_text(self, warning: WarningAdvice, lang: str = "nl") -> str:
        return warning_text(self.ruleset, warning, lang)

    @property
    def sources(self) -> tuple[Source, ...]:
        return tuple(s for r in self.rules for s in r.sources)

    def to_dict(self, lang: str = "nl") -> dict[str, Any]:
        """The competence as plain JSON-ready data, texts in ``lang`` (``nl`` or ``en``)."""
        check_lang(lang)
        rs = self.ruleset
        return {
            "technology": self.technology,
            "capacity_mw": self.capacity_mw,
            "as_of": self.as_of.isoformat(),
            "transferred_to_gemeente": self.transferred_to_gemeente,
            "rijk_waived_to": self.rijk_waived_to,
            "include_expected_law": self.include_expected_law,
            "law": self.law.to_dict(rs, lang),
            "regime": self.law.regime,
            "bevoegd_gezag": self.bevoegd_gezag,
            "bevoegd_gezag_text": rs.label("authority", self.bevoegd_gezag, lang),
            "statutory_bevoegd_gezag": self.statutory_bevoegd_gezag,
            "status": self.law_status,
            "rules": [
                {"rule": r.id, "status": r.status, "text": r.text[lang],
                 "source": r.source.to_dict(), "see_also": [s.to_dict() for s in r.see_also]}
                for r in self.rules
            ],
            "warnings": [
                {"code": w.code, "text": warning_text(rs, w, lang), "rules": list(w.rules)}
                for w in self.warnings
            ],
        }


def bevoegd_gezag(
    technology: str,
    capacity_mw: float,
    *,
    as_of: dt.date | None = None,
    transferred_to_gemeente: bool = False,
    rijk_waived_to: str | None = None,
    include_expected_law: bool = True,
    rules: RuleSet | None = None,
) -> Competence:
    """The competent authority (bevoegd gezag) for a wind or solar project, with its rules.

    The law in force on ``as_of`` (default: today) decides:

    >>> import datetime as dt
    >>> bevoegd_gezag("wind", 12.6, as_of=dt.date(2026, 3, 1)).bevoegd_gezag
    'gemeente'
    >>> bevoegd_gezag("wind", 12.6, as_of=dt.date(2025, 3, 1)).bevoegd_gezag
    'provincie'
    >>> bevoegd_gezag("zon", 60, as_of=dt.date(2025, 3, 1),
    ...               include_expected_law=False).bevoegd_gezag
    'rijk'
    """
    refused: Exception | None = None
    try:  # the model's validators check each value once; the errors come from check_field
        project = Project(id=f"{technology}-{capacity_mw:g}mw", gemeente="Utrecht",
                          technology=technology, capacity_mw=capacity_mw,
                          transferred_to_gemeente=transferred_to_gemeente,
                          rijk_waived_to=rijk_waived_to)
    except Exception as exc:
        refused = exc
    if refused is not None:
        for name, value in (("technology", technology), ("capacity_mw", capacity_mw),
                            ("transferred_to_gemeente", transferred_to_gemeente),
                            ("rijk_waived_to", rijk_waived_to)):
            check_field(Project, name, value)  # a CaseError naming the first wrong value
        raise refused
    _check_date(as_of)
    ref = as_of or dt.date.today()
    ruleset = rules if rules is not None else load_rules()
    firings = infer(ruleset, [project_fact(project, project_key(0)),
                              context_fact(include_expected_law, ref)])
    found = _by_type(firings)
    sorted_rules = _rule_sorter(ruleset)
    by_key = _projects([project], found, sorted_rules)
    result = by_key[project_key(0)]
    law = _law(found, ruleset, sorted_rules)
    return Competence(
        technology=technology,
        capacity_mw=capacity_mw,
        as_of=ref,
        transferred_to_gemeente=transferred_to_gemeente,
        rijk_waived_to=rijk_waived_to,
        include_expected_law=include_expected_law,
        law=law,
        bevoegd_gezag=result.bevoegd_gezag,
        statutory_bevoegd_gezag=result.statutory_bevoegd_gezag,
        law_status=result.law_status,
        rules=tuple(ruleset.rule(r) for r in sorted_rules([*law.rules, *result.rules])),
        warnings=_warnings(found, sorted_rules, by_key, ref, ruleset),
        ruleset=ruleset,
    )
