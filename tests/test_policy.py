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
from res_rules.strategies import (
    BOUNDARIES_MW,
    capacities,
    case_files,
    cases,
    projects,
    reference_dates,
)

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


@given(reference_dates())
def test_one_regime_per_date_chosen_by_the_rules(day: dt.date) -> None:
    """Every date has exactly one law in force, and it is the one whose period holds the date."""
    advice = res_rules.advise({"id": "x", "theme": "overig", "scope": "regionaal"}, as_of=day)
    regime = advice.ruleset.regime_on(day)
    assert (advice.law.regime, len(advice.law.rules)) == (regime.id if regime else None, 1)


@given(reference_dates(), st.sampled_from(["wind", "zon"]), capacities(), capacities(),
       st.booleans())
def test_within_a_regime_competence_is_monotone_in_capacity(
        day: dt.date, technology: str, a: float, b: float, expected_law: bool) -> None:
    """"bevoegd gezag van 5-100 MW opgesteld vermogen": under the law of any one date, more MW
    never moves competence down (gemeente < provincie < rijk), with or without expected law."""
    low, high = sorted((a, b))
    ranks = [RANK[res_rules.bevoegd_gezag(technology, mw, as_of=day,
                                          include_expected_law=expected_law).bevoegd_gezag]
             for mw in (low, high)]
    assert ranks == sorted(ranks)


@given(reference_dates(), st.sampled_from(["wind", "zon"]), capacities(), st.booleans())
def test_transfer_only_lowers_provincie_to_gemeente(day: dt.date, technology: str, mw: float,
                                                    expected_law: bool) -> None:
    """"De provincie kan, op verzoek van een gemeente, de bevoegdheid voor een project
    overdragen": a transfer touches neither the Rijk nor the gemeente."""
    before = res_rules.bevoegd_gezag(technology, mw, as_of=day,
                                     include_expected_law=expected_law)
    after = res_rules.bevoegd_gezag(technology, mw, as_of=day, transferred_to_gemeente=True,
                                    include_expected_law=expected_law)
    expected = "gemeente" if before.bevoegd_gezag == "provincie" else before.bevoegd_gezag
    assert (after.bevoegd_gezag, after.statutory_bevoegd_gezag) == (
        expected, before.statutory_bevoegd_gezag)


@given(reference_dates(), st.sampled_from(["wind", "zon"]), capacities(), st.booleans(),
       st.sampled_from(["gemeente", "provincie"]))
def test_a_waiver_only_hands_a_rijk_project_to_the_chosen_body(
        day: dt.date, technology: str, mw: float, expected_law: bool, to: str) -> None:
    """The Minister leaving the decision to another body changes a Rijk project into that
    body, and nothing else."""
    before = res_rules.bevoegd_gezag(technology, mw, as_of=day,
                                     include_expected_law=expected_law)
    after = res_rules.bevoegd_gezag(technology, mw, as_of=day, rijk_waived_to=to,
                                    include_expected_law=expected_law)
    expected = to if before.bevoegd_gezag == "rijk" else before.bevoegd_gezag
    assert (after.bevoegd_gezag, after.statutory_bevoegd_gezag) == (
        expected, before.statutory_bevoegd_gezag)


def _memo_table(technology: str, mw: float) -> str:
    """The memo's own table (January 2022), written out by hand as the oracle."""
    if technology == "wind":
        return "gemeente" if mw < 5 else "provincie" if mw <= 100 else "rijk"
    return "gemeente" if mw < 50 else "provincie"


@given(reference_dates(), st.sampled_from(["wind", "zon"]), capacities(), st.booleans(),
       st.booleans(), st.sampled_from([None, "gemeente", "provincie"]))
def test_memo_differs_warning_exactly_when_statute_and_memo_table_differ(
        day: dt.date, technology: str, mw: float, expected_law: bool, transferred: bool,
        waived: str | None) -> None:
    """The advice says the memo's table no longer holds exactly when the statutory authority
    on the reference date is not the one the memo's table names."""
    result = res_rules.bevoegd_gezag(technology, mw, as_of=day, include_expected_law=expected_law,
                                     transferred_to_gemeente=transferred, rijk_waived_to=waived)
    warned = [w.params.get("memo_authority") for w in result.warnings
              if w.code == "memo_wijkt_af"]
    memo = _memo_table(technology, mw)
    assert warned == ([] if result.statutory_bevoegd_gezag == memo else [memo])


@given(st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2030, 12, 31)), cases())
def test_from_2026_the_expected_law_switch_changes_nothing(day: dt.date,
                                                           case: res_rules.Case) -> None:
    """"Op basis van verwachte nieuwe wetgeving wordt de provincie ook bevoegd gezag voor
    zonnevelden vanaf 50 MW": since 1 January 2026 that is the Energiewet, so leaving expected
    law out changes no part of the advice but the switch itself."""
    with_law = res_rules.advise(case, as_of=day).to_dict()
    without = res_rules.advise(case, as_of=day, include_expected_law=False).to_dict()
    assert {k: v for k, v in with_law.items() if k != "include_expected_law"} == \
        {k: v for k, v in without.items() if k != "include_expected_law"}


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
    listed = ("projects", "facts")  # both list the projects in the order given
    assert (first == again, {k: v for k, v in other.items() if k not in listed} ==
            {k: v for k, v in first.items() if k not in listed},
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
