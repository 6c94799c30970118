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

from ._casefile import case_from_mapping
from ._engine import Firing, infer
from ._errors import CaseError, EngineError
from ._facts import Case, Project, problem_with, spec_of
from ._rules import TOPICS, Rule, RuleSet, Source, check_lang, load_rules


@attrs.frozen
class Conclusion:
    """A value the advice gives, with the ids of the rules that concluded it."""

    value: Any
    rules: tuple[str, ...]


@attrs.frozen
class ActionAdvice:
    """Something that must happen now, with the rules that call for it."""

    code: str
    rules: tuple[str, ...]


@attrs.frozen
class ProjectAdvice:
    """The competent authority for one project."""

    project: Project
    bevoegd_gezag: str
    statutory_bevoegd_gezag: str
    law_status: str
    rules: tuple[str, ...]


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
class Advice:
    """The advice for one case. ``to_dict(lang)`` gives the JSON-ready form."""

    case: Case
    as_of: dt.date
    include_expected_law: bool
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
            "applicable": self.applicable,
            "recommendation": self.recommendation.value,
            "recommendation_text": rs.label("recommendation", self.recommendation.value, lang),
            "current_step": self.case.current_step,
            "next_step": self.next_step.value,
            "alternatives": list(self.alternatives),
            "grounds": [g.value for g in self.grounds],
            "step2_instrument": self.step2_instrument.value if self.step2_instrument else None,
            "actions": [
                {"code": a.code, "text": rs.label("action", a.code, lang), "rules": list(a.rules),
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
                    "rule": e.rule.id,
                    "status": e.rule.status,
                    "text": e.rule.text[lang],
                    "conclusion": [dict(c) for c in e.conclusions],
                    "source": e.rule.source.to_dict(),
                    "see_also": [s.to_dict() for s in e.rule.see_also],
                }
                for e in self.explanation
            ],
            "ruleset": {"name": rs.name, "version": rs.version, "fingerprint": rs.fingerprint},
        }


def warning_text(ruleset: RuleSet, warning: WarningAdvice, lang: str = "nl") -> str:
    """The warning's words in ``lang``, its placeholders filled from what the rule concluded."""
    params = {k: _plain_number(v) for k, v in warning.params.items()}
    params["authority"] = ruleset.label("authority", params.get("authority"), lang)
    return ruleset.label("warning", warning.code, lang).format_map(_Missing(params))


class _Missing(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


def _plain_number(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def case_facts(case: Case, ref: dt.date) -> list[dict[str, Any]]:
    """The case as plain facts for the engine: the one place the model becomes dicts."""
    fact: dict[str, Any] = {
        "type": "case",
        "case_id": case.id,
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
    return [fact, *(project_fact(p) for p in case.projects)]


def project_fact(project: Project) -> dict[str, Any]:
    return {
        "type": "project",
        "project": project.id,
        "technology": project.technology,
        "capacity_mw": float(project.capacity_mw),
        "status": project.status,
        "transferred": project.transferred_to_gemeente,
    }


def context_fact(include_expected_law: bool) -> dict[str, Any]:
    return {"type": "context", "expected_law": include_expected_law}


def _coerce_case(case: Case | Mapping[str, Any]) -> Case:
    if isinstance(case, Case):
        return case
    if isinstance(case, Mapping):
        return case_from_mapping(case)
    raise TypeError(f"advise() takes a Case or a mapping in the case-file format, "
                    f"got {type(case).__name__}")


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
    if as_of is not None and (not isinstance(as_of, dt.date) or isinstance(as_of, dt.datetime)):
        raise CaseError("as_of", "a date", repr(as_of))
    ruleset = rules if rules is not None else load_rules()
    ref = as_of or model.reference_date or dt.date.today()
    facts = [*case_facts(model, ref), context_fact(include_expected_law)]
    firings = infer(ruleset, facts)
    return _assemble(model, ref, include_expected_law, ruleset, firings)


def _by_type(firings: Iterable[Firing]) -> dict[str, dict[str, tuple[dict[str, Any], list[str]]]]:
    """Conclusions grouped by type, then by their content, with the rules that reached each."""
    found: dict[str, dict[str, tuple[dict[str, Any], list[str]]]] = {}
    for firing in firings:
        for conclusion in firing.conclusions:
            body = {k: v for k, v in conclusion.items() if k != "type"}
            key = repr(sorted(body.items()))
            entry = found.setdefault(str(conclusion["type"]), {}).setdefault(key, (body, []))
            if firing.rule.id not in entry[1]:
                entry[1].append(firing.rule.id)
    return found


def _one(found: Mapping[str, Any], kind: str, what: str) -> tuple[dict[str, Any], list[str]]:
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
        return tuple(sorted(set(ids), key=order.__getitem__))

    return sorted_rules


def _warnings(found: Mapping[str, Any], sorted_rules: Callable[[Iterable[str]], tuple[str, ...]]
              ) -> tuple[WarningAdvice, ...]:
    return tuple(sorted(
        (WarningAdvice(body["code"], {k: v for k, v in body.items() if k != "code"},
                       sorted_rules(ids))
         for body, ids in found.get("warning", {}).values()),
        key=lambda w: (w.code, str(w.params.get("project", ""))),
    ))


def _assemble(case: Case, ref: dt.date, include_expected_law: bool, ruleset: RuleSet,
              firings: list[Firing]) -> Advice:
    found = _by_type(firings)
    sorted_rules = _rule_sorter(ruleset)

    rec, rec_rules = _one(found, "recommendation", "recommendation")
    step, step_rules = _one(found, "next_step", "next step")

    ground_order = list(ruleset.labels.get("ground", {}))
    grounds = sorted(
        (Conclusion(body["code"], sorted_rules(ids))
         for body, ids in found.get("ground", {}).values() if body["present"]),
        key=lambda g: ground_order.index(g.value) if g.value in ground_order else len(ground_order),
    )

    instrument = None
    if "step2_instrument" in found:
        body, ids = _one(found, "step2_instrument", "step-2 instrument")
        instrument = Conclusion(body["instrument"], sorted_rules(ids))

    action_order = list(ruleset.labels.get("action", {}))
    actions = sorted(
        (ActionAdvice(body["code"], sorted_rules(ids))
         for body, ids in found.get("action", {}).values()),
        key=lambda a: action_order.index(a.code) if a.code in action_order else len(action_order),
    )

    body, ids = _one(found, "res_target", "RES target verdict")
    target = Conclusion(body, sorted_rules(ids))

    projects = tuple(_project(p, found, sorted_rules) for p in case.projects)

    warnings = _warnings(found, sorted_rules)

    topic_order = {t: i for i, t in enumerate(TOPICS)}
    explanation: dict[tuple[str, str], Explanation] = {}
    for firing in firings:
        key = (firing.rule.id, repr(firing.conclusions))
        explanation.setdefault(key, Explanation(firing.rule, firing.conclusions))
    ordered = sorted(explanation.values(), key=lambda e: (
        topic_order.get(e.rule.topic, len(topic_order)), ruleset.positions[e.rule.id],
        repr(e.conclusions)))

    return Advice(
        case=case,
        as_of=ref,
        include_expected_law=include_expected_law,
        applicable=bool(rec["applicable"]),
        recommendation=Conclusion(rec["code"], sorted_rules(rec_rules)),
        next_step=Conclusion(step["step"], sorted_rules(step_rules)),
        alternatives=tuple(step["alternatives"]),
        grounds=tuple(grounds),
        step2_instrument=instrument,
        actions=tuple(actions),
        projects=projects,
        res_target=target,
        warnings=warnings,
        explanation=tuple(ordered),
        ruleset=ruleset,
    )


def _project(project: Project, found: Mapping[str, Any],
             sorted_rules: Callable[[Iterable[str]], tuple[str, ...]]) -> ProjectAdvice:
    def for_project(kind: str) -> list[tuple[dict[str, Any], list[str]]]:
        return [e for e in found.get(kind, {}).values() if e[0]["project"] == project.id]

    final = for_project("competence")
    basis = for_project("competence_basis")
    if len(final) != 1 or len(basis) != 1:
        raise EngineError(f"the rule set concluded {len(final)} competences for project "
                          f"{project.id!r}, expected exactly one: {[e[0] for e in final]}")
    (body, ids), (basis_body, basis_ids) = final[0], basis[0]
    return ProjectAdvice(
        project=project,
        bevoegd_gezag=body["authority"],
        statutory_bevoegd_gezag=basis_body["authority"],
        law_status=body["law_status"],
        rules=sorted_rules([*basis_ids, *ids]),
    )


@attrs.frozen
class Competence:
    """Who is competent for a project of this technology and capacity, and why."""

    technology: str
    capacity_mw: float
    transferred_to_gemeente: bool
    include_expected_law: bool
    bevoegd_gezag: str
    statutory_bevoegd_gezag: str
    law_status: str
    rules: tuple[Rule, ...]
    warnings: tuple[WarningAdvice, ...]
    ruleset: RuleSet = attrs.field(repr=False)

    @property
    def sources(self) -> tuple[Source, ...]:
        return tuple(s for r in self.rules for s in (r.source, *r.see_also))

    def to_dict(self, lang: str = "nl") -> dict[str, Any]:
        """The competence as plain JSON-ready data, texts in ``lang`` (``nl`` or ``en``)."""
        check_lang(lang)
        rs = self.ruleset
        return {
            "technology": self.technology,
            "capacity_mw": self.capacity_mw,
            "transferred_to_gemeente": self.transferred_to_gemeente,
            "include_expected_law": self.include_expected_law,
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
    transferred_to_gemeente: bool = False,
    include_expected_law: bool = True,
    rules: RuleSet | None = None,
) -> Competence:
    """The competent authority (bevoegd gezag) for a wind or solar project, with its rules.

    >>> bevoegd_gezag("wind", 12.6).bevoegd_gezag
    'provincie'
    >>> bevoegd_gezag("zon", 60, include_expected_law=False).bevoegd_gezag
    'rijk'
    """
    fields = {a.name: a for a in attrs.fields(Project)}
    for name, value in (("technology", technology), ("capacity_mw", capacity_mw),
                        ("transferred_to_gemeente", transferred_to_gemeente)):
        spec = spec_of(fields[name])
        if problem_with(spec, value):
            raise CaseError(name, spec.expected(), repr(value))
    label = f"{technology}-{capacity_mw:g}mw"
    project = Project(id=label, gemeente="Utrecht", technology=technology,
                      capacity_mw=capacity_mw, transferred_to_gemeente=transferred_to_gemeente)
    ruleset = rules if rules is not None else load_rules()
    firings = infer(ruleset, [project_fact(project), context_fact(include_expected_law)])
    found = _by_type(firings)
    sorted_rules = _rule_sorter(ruleset)
    result = _project(project, found, sorted_rules)
    warnings = _warnings(found, sorted_rules)
    return Competence(
        technology=technology,
        capacity_mw=capacity_mw,
        transferred_to_gemeente=transferred_to_gemeente,
        include_expected_law=include_expected_law,
        bevoegd_gezag=result.bevoegd_gezag,
        statutory_bevoegd_gezag=result.statutory_bevoegd_gezag,
        law_status=result.law_status,
        rules=tuple(ruleset.rule(r) for r in result.rules),
        warnings=warnings,
        ruleset=ruleset,
    )
