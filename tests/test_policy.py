"""Policy invariants of the rule set, as property tests over generated cases.

Each test is named after the principle it checks and quotes the memo where the principle
comes from. Run the thorough profile with HYPOTHESIS_PROFILE=ci.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import attrs
from hypothesis import given, note
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

import res_rules
from res_rules._rules import normalise
from res_rules.strategies import BOUNDARIES_MW, capacities, case_files, cases, projects

RECOMMENDATIONS = {"niet_van_toepassing", "consensus_zoeken", "start_procedure", "afronden",
                   "bevoegd_gezag_beslist", "opschalen", "voortzetten"}
RANK = {"gemeente": 0, "provincie": 1, "rijk": 2}


@given(cases())
def test_totality_every_case_gets_one_recommendation_and_one_competence_per_project(
        case: res_rules.Case) -> None:
    """Uniform steps: "Voor alle situaties die een aanleiding vormen voor opschaling, geldt de
    werkwijze in dit memo." Every valid case gets exactly one answer."""
    advice = res_rules.advise(case)
    assert (advice.recommendation.value in RECOMMENDATIONS,
            [p.project.id for p in advice.projects],
            all(p.bevoegd_gezag in RANK for p in advice.projects)) == (
        True, [p.id for p in case.projects], True)


@given(cases())
def test_no_way_back_the_next_step_is_never_lower(case: res_rules.Case) -> None:
    """"De procedure bevat een set met werkafspraken die richting geven in welke stappen
    achtereenvolgens ondernomen kunnen worden": a next step never lies before the current."""
    advice = res_rules.advise(case)
    assert advice.next_step.value is None or advice.next_step.value >= case.current_step


@given(cases(scope="regionaal", current_step=st.integers(0, 4)))
def test_one_step_at_a_time_escalation_is_plus_one_and_alternatives_lie_later(
        case: res_rules.Case) -> None:
    """"Niet elke stap hoeft echter doorlopen te worden. Aan de KNR-tafel wordt besloten welke
    volgende stap wordt genomen": the advice goes one step, the table may choose later ones."""
    advice = res_rules.advise(case)
    nxt = advice.next_step.value
    if advice.recommendation.value == "opschalen":
        assert nxt == case.current_step + 1
    assert all(nxt is not None and alt > nxt for alt in advice.alternatives)


@given(cases(scope=st.sampled_from(["lokaal", "bovenlokaal"])))
def test_local_impasses_never_escalate(case: res_rules.Case) -> None:
    """"De procedure is niet bedoeld voor omgang met impasses in (boven)lokale context.\""""
    advice = res_rules.advise(case)
    assert (advice.applicable, advice.recommendation.value, advice.next_step.value,
            advice.grounds_codes) == (False, "niet_van_toepassing", None, ())


@given(cases(current_step=0, no_consensus_declared_by=None))
def test_consensus_first_nothing_starts_without_a_declaration(case: res_rules.Case) -> None:
    """"De directe aanleiding voor het ingaan van de opschaalprocedure is een besluit door de
    Stuurgroep of door de bestuurlijk trekker dat er geen consensus bereikt kan worden.\""""
    advice = res_rules.advise(case)
    assert (advice.applicable, advice.next_step.value in (0, None),
            "mandaat_provincie" in advice.action_codes) == (False, True, False)


@given(st.sampled_from(["wind", "zon"]), capacities(), capacities(), st.booleans())
def test_competence_is_monotone_in_capacity(technology: str, a: float, b: float,
                                            expected_law: bool) -> None:
    """"bevoegd gezag van 5-100 MW opgesteld vermogen": more MW never moves competence down
    (gemeente < provincie < rijk), for either technology, with or without expected law."""
    low, high = sorted((a, b))
    ranks = [RANK[res_rules.bevoegd_gezag(technology, mw, include_expected_law=expected_law)
                  .bevoegd_gezag] for mw in (low, high)]
    assert ranks == sorted(ranks)


@given(st.sampled_from(["wind", "zon"]), capacities(), st.booleans())
def test_transfer_only_lowers_provincie_to_gemeente(technology: str, mw: float,
                                                    expected_law: bool) -> None:
    """"De provincie kan, op verzoek van een gemeente, de bevoegdheid voor een project
    overdragen": a transfer touches neither the Rijk nor the gemeente."""
    before = res_rules.bevoegd_gezag(technology, mw, include_expected_law=expected_law)
    after = res_rules.bevoegd_gezag(technology, mw, transferred_to_gemeente=True,
                                    include_expected_law=expected_law)
    expected = "gemeente" if before.bevoegd_gezag == "provincie" else before.bevoegd_gezag
    assert after.bevoegd_gezag == expected


def _without_expected_law_effects(data: dict[str, Any], large_zon: set[str]) -> dict[str, Any]:
    return {
        **{k: data[k] for k in ("applicable", "recommendation", "next_step", "alternatives",
                                "grounds", "step2_instrument", "res_target")},
        "actions": sorted(a["code"] for a in data["actions"]
                          if a["code"] != "provincie_instrumentarium"),
        "projects": [p for p in data["projects"] if p["id"] not in large_zon],
        "warnings": [w for w in data["warnings"] if w["project"] not in large_zon],
    }


@given(cases())
def test_expected_law_only_matters_for_zon_from_50_mw(case: res_rules.Case) -> None:
    """"Op basis van verwachte nieuwe wetgeving wordt de provincie ook bevoegd gezag voor
    zonnevelden vanaf 50 MW": switching it off changes only those projects and
    provincie_instrumentarium."""
    large_zon = {p.id for p in case.projects if p.technology == "zon" and p.capacity_mw >= 50}
    with_law = res_rules.advise(case).to_dict()
    without = res_rules.advise(case, include_expected_law=False).to_dict()
    assert _without_expected_law_effects(with_law, large_zon) == \
        _without_expected_law_effects(without, large_zon)


@given(cases(), st.randoms(use_true_random=False))
def test_determinism_and_order_of_projects_changes_only_their_order(
        case: res_rules.Case, rng: random.Random) -> None:
    """"Uniforme processtappen": the same case gives the same advice, whatever the order in
    which its projects are listed."""
    shuffled = list(case.projects)
    rng.shuffle(shuffled)
    first = res_rules.advise(case).to_dict()
    again = res_rules.advise(case).to_dict()
    other = res_rules.advise(attrs.evolve(case, projects=tuple(shuffled))).to_dict()
    by_id = {p["id"]: p for p in first["projects"]}
    assert (first == again, {k: v for k, v in other.items() if k != "projects"} ==
            {k: v for k, v in first.items() if k != "projects"},
            other["projects"] == [by_id[p.id] for p in shuffled]) == (True, True, True)


@given(cases())
def test_traceability_every_conclusion_names_a_rule_with_a_quote_in_the_memo(
        case: res_rules.Case) -> None:
    """"Objectiveer vooraf wat je doet, in welke volgorde, bij impasses": every conclusion
    names the rules that fired, and every rule cited quotes the memo verbatim."""
    advice = res_rules.advise(case)
    data = advice.to_dict()
    fired = {e["rule"] for e in data["explanation"]}
    cited = [data["trace"]["recommendation"], data["trace"]["next_step"],
             *data["trace"]["grounds"].values(), *(a["rules"] for a in data["actions"]),
             *(p["rules"] for p in data["projects"]), data["res_target"]["rules"],
             *(w["rules"] for w in data["warnings"])]
    if advice.step2_instrument is not None:
        cited.append(data["trace"]["step2_instrument"])
    memo = normalise(advice.ruleset.memo_text)
    quotes = [s["quote"] for e in data["explanation"] for s in (e["source"], *e["see_also"])
              if s["document"] == "memo"]
    assert ([c for c in cited if not c or not set(c) <= fired],
            [q for q in quotes if normalise(q) not in memo]) == ([], [])


@given(cases(deadline=st.just(dt.date(2026, 6, 1))), st.integers(-3, 3), st.integers(0, 5))
def test_time_only_helps_escalation(case: res_rules.Case, start: int, later: int) -> None:
    """"Tijd: de oplossing wordt niet binnen de gestelde deadlines gevonden": moving the
    reference date later can add the ground tijd and turn voortzetten into opschalen, never
    the other way round."""
    early_date = dt.date(2026, 6, 1) + dt.timedelta(days=start)
    early = res_rules.advise(case, as_of=early_date)
    late = res_rules.advise(case, as_of=early_date + dt.timedelta(days=later))
    note(f"{early.recommendation.value} -> {late.recommendation.value}")
    changed = early.recommendation.value != late.recommendation.value
    assert (set(early.grounds_codes) <= set(late.grounds_codes),
            not changed or (early.recommendation.value, late.recommendation.value) in {
                ("voortzetten", "opschalen")}) == (True, True)


@given(case_files())
def test_case_files_strategy_gives_mappings_the_parser_accepts(data: dict[str, Any]) -> None:
    """The mapping form round-trips through the parser unchanged."""
    assert res_rules.case_to_mapping(res_rules.case_from_mapping(data)) == data


@given(projects(technology="wind", capacity_mw=st.sampled_from(BOUNDARIES_MW)))
def test_pinned_project_fields_are_respected(project: res_rules.Project) -> None:
    """Pins fix a field to a value or a strategy."""
    assert (project.technology, project.capacity_mw in BOUNDARIES_MW) == ("wind", True)


def test_unknown_pins_are_refused() -> None:
    """A typo in a pinned field name raises at once."""
    import pytest

    with pytest.raises(TypeError, match="Case has no field"):
        cases(scop="regionaal")


class ProcedureWalk(RuleBasedStateMachine):
    """A case walked through the procedure the way a Stuurgroep would: declare the impasse,
    follow the advice, let time pass, record outcomes; the invariants hold at every step."""

    @initialize(case=cases(scope="regionaal", current_step=0, no_consensus_declared_by=None,
                           deadline=None))
    def start(self, case: res_rules.Case) -> None:
        self.case = case
        self.today = case.reference_date or dt.date(2026, 6, 1)
        self.highest = 0

    def advice(self) -> res_rules.Advice:
        return res_rules.advise(self.case, as_of=self.today)

    @rule(by=st.sampled_from(["stuurgroep", "bestuurlijk_trekker"]))
    def declare_no_consensus(self, by: str) -> None:
        if self.case.current_step == 0:
            self.case = attrs.evolve(self.case, no_consensus_declared_by=by)

    @rule(days=st.integers(1, 60))
    def follow_the_advice(self, days: int) -> None:
        advice = self.advice()
        if advice.recommendation.value in ("start_procedure", "opschalen"):
            self.case = attrs.evolve(
                self.case, current_step=advice.next_step.value,
                solution=res_rules.Solution(), agreements="niet_van_toepassing",
                deadline=self.today + dt.timedelta(days=days))
            self.highest = max(self.highest, self.case.current_step)

    @rule(days=st.integers(1, 90))
    def time_passes(self, days: int) -> None:
        self.today += dt.timedelta(days=days)

    @rule(status=st.sampled_from(["gevonden", "niet_gevonden"]), adequate=st.booleans(),
          draagvlak=st.sampled_from(["voldoende", "onvoldoende", "geen", "onbekend"]),
          agreements=st.sampled_from(["nagekomen", "gedeeltelijk_nagekomen", "niet_nagekomen"]))
    def an_outcome_is_reported(self, status: str, adequate: bool, draagvlak: str,
                               agreements: str) -> None:
        if self.case.current_step >= 1:
            self.case = attrs.evolve(self.case, agreements=agreements, solution=res_rules.Solution(
                status=status, adequate=adequate if status == "gevonden" else None,
                draagvlak=draagvlak))

    @invariant()
    def steps_never_go_back_and_stay_in_range(self) -> None:
        advice = self.advice()
        nxt = advice.next_step.value
        assert (0 <= self.case.current_step <= 4, self.case.current_step >= self.highest,
                nxt is None or nxt >= self.case.current_step) == (True, True, True)

    @invariant()
    def escalation_has_a_ground_and_resolution_has_none(self) -> None:
        advice = self.advice()
        if advice.recommendation.value == "opschalen":
            assert advice.grounds_codes != ()
        if advice.recommendation.value == "afronden":
            assert advice.grounds_codes == ()

    @invariant()
    def the_last_step_is_the_competent_authority(self) -> None:
        advice = self.advice()
        if self.case.current_step == 4:
            assert advice.recommendation.value in ("afronden", "bevoegd_gezag_beslist")


TestProcedureWalk = ProcedureWalk.TestCase
