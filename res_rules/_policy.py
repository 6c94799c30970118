"""The project's policy checks, runnable against any rule set: scenarios, example cases and
invariants.

The test suite runs them against the shipped rules (``tests/test_policy.py``,
``tests/test_scenarios.py``); ``res-rules mutate`` runs the very same checks, in-process, against
each mutant of a rule set. A check passes or reports a :class:`Failure`; it never decides advice.

- Scenarios: YAML lists of ``{name, input, options, output}`` (``tests/scenarios/``); the output
  names the parts of the advice to compare (see :func:`observed`).
- Examples: a case file ``NAME.yaml`` and its ``NAME.expected.yaml`` (``examples/``,
  ``tests/expected/``, ``../shared/examples/``).
- Invariants: properties every advice must have, each with the hypothesis strategies that draw
  its inputs and the memo's words it rests on.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from ._advice import Advice, advise, bevoegd_gezag
from ._casefile import load_case, parse_text
from ._errors import ResRulesError
from ._facts import Case, Solution
from ._rules import RuleSet, normalise
from .strategies import capacities, cases, reference_dates

RECOMMENDATIONS = frozenset({"niet_van_toepassing", "consensus_zoeken", "start_procedure",
                             "afronden", "bevoegd_gezag_beslist", "opschalen", "voortzetten"})
RANK = {"gemeente": 0, "provincie": 1, "rijk": 2}
#: The parts of an advice that scenarios and example files compare as sets.
SET_KEYS = ("alternatives", "grounds", "actions", "deadline_actions", "warnings")


class Violation(AssertionError):
    """An invariant that does not hold, with what was seen."""


@attrs.frozen
class Failure:
    """A check that failed: which check, and what it saw."""

    check: str
    detail: str


def _require(condition: bool, detail: str) -> None:
    if not condition:
        raise Violation(detail)


# --- Comparing an advice with expected output -------------------------------------------------

def observed(advice: Mapping[str, Any]) -> dict[str, Any]:
    """The parts of an advice's dict form that expected files and scenarios speak about."""
    return {
        "applicable": advice["applicable"],
        "recommendation": advice["recommendation"],
        "current_step": advice["current_step"],
        "next_step": advice["next_step"],
        "alternatives": advice["alternatives"],
        "grounds": advice["grounds"],
        "step2_instrument": advice["step2_instrument"],
        "step2_choice_open": advice["step2_choice_open"],
        "actions": [a["code"] for a in advice["actions"]],
        # The actions that ask for a deadline for the step they start.
        "deadline_actions": [a["code"] for a in advice["actions"]
                             if a["deadline_step"] is not None],
        "projects": [{"id": p["id"], "bevoegd_gezag": p["bevoegd_gezag"]}
                     for p in advice["projects"]],
        "res_target_at_risk": advice["res_target"]["at_risk"],
        "law": advice["law"]["id"],
        # A warning as "code" or "code project": compared as a set.
        "warnings": [" ".join(filter(None, (w["code"], w["project"])))
                     for w in advice["warnings"]],
    }


def comparable(data: Mapping[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    """Only ``keys``, with the set-valued ones as sorted lists."""
    return {k: sorted(data[k], key=str) if k in SET_KEYS else data[k] for k in keys}


def differing(expected: Mapping[str, Any], advice: Mapping[str, Any]) -> dict[str, Any]:
    """The expected parts the advice does not have: {key: (expected, observed)}."""
    keys = list(expected)
    want, got = comparable(expected, keys), comparable(observed(advice), keys)
    return {k: (want[k], got[k]) for k in keys if want[k] != got[k]}


# --- Scenarios and examples ---------------------------------------------------------------

@attrs.frozen
class Scenario:
    """A case in file form, options for advise(), and the parts of the advice it must give."""

    name: str
    where: str
    input: Mapping[str, Any]
    options: Mapping[str, Any]
    output: Mapping[str, Any]

    def run(self, rules: RuleSet | None) -> Failure | None:
        options = dict(self.options)
        if isinstance(options.get("as_of"), str):
            options["as_of"] = dt.date.fromisoformat(options["as_of"])
        return _compare(f"scenario {self.where}", self.output,
                        lambda: advise(self.input, rules=rules, **options))


@attrs.frozen
class Example:
    """A case file with its expected advice (the shared examples' format)."""

    name: str
    case: Case
    expected: Mapping[str, Any]

    def run(self, rules: RuleSet | None) -> Failure | None:
        return _compare(f"example {self.name}", self.expected,
                        lambda: advise(self.case, rules=rules))


def _compare(check: str, expected: Mapping[str, Any],
             make: Callable[[], Advice]) -> Failure | None:
    try:
        advice = make().to_dict()
    except ResRulesError as exc:
        return Failure(check, f"no advice: {exc}")
    found = differing(expected, advice)
    return Failure(check, f"expected/got {found}") if found else None


def _plain(path: Path) -> Any:
    return parse_text(path.read_text(encoding="utf-8"), file=str(path))


def load_scenarios(paths: Iterable[Path]) -> list[Scenario]:
    """Every scenario in the scenario files (YAML lists) found in ``paths``."""
    found = []
    for path in _yaml_files(paths):
        data = _plain(path)
        if not (isinstance(data, list) and data and all(
                isinstance(s, dict) and {"input", "output"} <= set(s) for s in data)):
            continue
        for index, item in enumerate(data):
            found.append(Scenario(name=str(item.get("name", "")),
                                  where=f"{path.stem}[{index}]", input=item["input"],
                                  options=item.get("options", {}), output=item["output"]))
    return found


def load_examples(paths: Iterable[Path]) -> list[Example]:
    """Every ``NAME.expected.yaml`` in ``paths`` with its case ``NAME.yaml`` (looked for beside
    it first, then in the other paths); the first found of each name counts."""
    files = list(_yaml_files(paths))
    cases_by_name = {p.name: p for p in reversed(files) if not p.name.endswith(".expected.yaml")}
    examples: dict[str, Example] = {}
    for path in files:
        if not path.name.endswith(".expected.yaml"):
            continue
        name = path.name.replace(".expected.yaml", ".yaml")
        case_file = path.with_name(name) if path.with_name(name).is_file() else \
            cases_by_name.get(name)
        if case_file is None or name in examples:
            continue
        examples[name] = Example(name=name, case=load_case(case_file), expected=_plain(path))
    return [examples[n] for n in sorted(examples)]


def _yaml_files(paths: Iterable[Path]) -> Iterable[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(path.glob("*.yaml"))
        elif path.is_file():
            yield path


def default_check_paths(start: Path | None = None) -> list[Path]:
    """The project's own checks: ``tests/expected``, ``examples``, ``tests/scenarios`` and
    ``../shared/examples`` of a source checkout, else the copies an installed wheel carries.

    The checkout is the first of ``start`` (default: the current directory) and its parents
    that holds ``tests/scenarios``, else the folder above the package itself (an editable
    install). Without either, the wheel's own ``checks/`` (its scenarios and the expected
    advice of its examples) are used.
    """
    here = (start or Path.cwd()).resolve()
    package = Path(__file__).resolve().parent
    roots = [p for p in (here, *here.parents, package.parent)
             if (p / "tests" / "scenarios").is_dir()]
    if roots:
        root = roots[0]
        candidates = [root / "tests" / "expected", root / "examples",
                      root / "tests" / "scenarios", root.parent / "shared" / "examples"]
    else:
        candidates = [package / "checks" / "expected", package / "examples",
                      package / "checks" / "scenarios"]
    return [p for p in candidates if p.is_dir()]


# --- Invariants ---------------------------------------------------------------------------

@attrs.frozen
class Invariant:
    """A property every advice must have: its check, the strategies for its inputs, and the
    memo's words it rests on."""

    name: str
    quote: str
    arguments: Mapping[str, st.SearchStrategy[Any]]
    check: Callable[..., None]


INVARIANTS: dict[str, Invariant] = {}


def _invariant(quote: str, **arguments: st.SearchStrategy[Any]
               ) -> Callable[[Callable[..., None]], Callable[..., None]]:
    def register(check: Callable[..., None]) -> Callable[..., None]:
        INVARIANTS[check.__name__] = Invariant(check.__name__, quote, arguments, check)
        return check

    return register


@_invariant("Voor alle situaties die een aanleiding vormen voor opschaling, geldt de werkwijze "
            "in dit memo.", case=cases())
def totality(rules: RuleSet | None, case: Case) -> None:
    """Every valid case gets one recommendation and one competence per project."""
    advice = advise(case, rules=rules)
    _require(advice.recommendation.value in RECOMMENDATIONS
             and [p.project.id for p in advice.projects] == [p.id for p in case.projects]
             and all(p.bevoegd_gezag in RANK for p in advice.projects),
             f"incomplete advice: {advice.recommendation.value}")


@_invariant("De procedure bevat een set met werkafspraken die richting geven in welke stappen "
            "achtereenvolgens ondernomen kunnen worden", case=cases())
def no_way_back(rules: RuleSet | None, case: Case) -> None:
    """A next step never lies before the current one."""
    step = advise(case, rules=rules).next_step.value
    _require(step is None or step >= case.current_step, f"step {case.current_step} -> {step}")


@_invariant("Niet elke stap hoeft echter doorlopen te worden. Aan de KNR-tafel wordt besloten "
            "welke volgende stap wordt genomen",
            case=cases(scope="regionaal", current_step=st.integers(0, 4)))
def one_step_at_a_time(rules: RuleSet | None, case: Case) -> None:
    """Escalation goes one step; the alternatives for the KNR-tafel lie beyond it."""
    advice = advise(case, rules=rules)
    nxt = advice.next_step.value
    if advice.recommendation.value == "opschalen":
        _require(nxt == case.current_step + 1, f"opschalen from {case.current_step} to {nxt}")
    _require(all(nxt is not None and alt > nxt for alt in advice.alternatives),
             f"alternatives {advice.alternatives} not beyond {nxt}")


@_invariant("De procedure is niet bedoeld voor omgang met impasses in (boven)lokale context.",
            case=cases(scope=st.sampled_from(["lokaal", "bovenlokaal"])))
def local_impasses_never_escalate(rules: RuleSet | None, case: Case) -> None:
    """A (supra-)local case gets no procedure at all."""
    advice = advise(case, rules=rules)
    _require((advice.applicable, advice.recommendation.value, advice.next_step.value,
              advice.grounds_codes, advice.action_codes) ==
             (False, "niet_van_toepassing", None, (), ()),
             f"{advice.recommendation.value}, {advice.grounds_codes}, {advice.action_codes}")


@_invariant("De directe aanleiding voor het ingaan van de opschaalprocedure is een besluit door "
            "de Stuurgroep of door de bestuurlijk trekker dat er geen consensus bereikt kan "
            "worden", case=cases(current_step=0, no_consensus_declared_by=None))
def consensus_first(rules: RuleSet | None, case: Case) -> None:
    """Without a declaration nothing starts."""
    advice = advise(case, rules=rules)
    _require(not advice.applicable and advice.next_step.value in (0, None)
             and "mandaat_provincie" not in advice.action_codes,
             f"{advice.recommendation.value} without a declaration")


@_invariant("In de laatste stap van de opschaalprocedure gebruikt de provincie dit "
            "instrumentarium", case=cases(scope="regionaal"))
def instruments_only_in_the_last_step(rules: RuleSet | None, case: Case) -> None:
    """The provincie's instruments come only with step 4, a target at risk and a project the
    provincie decides on."""
    advice = advise(case, rules=rules)
    if "provincie_instrumentarium" in advice.action_codes:
        _require(advice.next_step.value == 4 and advice.res_target.value["at_risk"] is True
                 and any(p.bevoegd_gezag == "provincie" for p in advice.projects),
                 "instruments outside step 4, without risk or without a provincial project")


@_invariant("Tijd: de oplossing wordt niet binnen de gestelde deadlines gevonden",
            case=cases(scope="regionaal", current_step=st.integers(1, 3)))
def escalation_needs_a_reason(rules: RuleSet | None, case: Case) -> None:
    """In steps 1 to 3 the advice escalates exactly when the impasse is unresolved and a
    reason holds; a resolved impasse is concluded."""
    advice = advise(case, rules=rules)
    code = advice.recommendation.value
    _require((code == "opschalen") == bool(advice.grounds_codes) or code == "afronden",
             f"{code} with reasons {advice.grounds_codes}")
    if code == "afronden":
        _require(advice.grounds_codes == () and "besluitvorming_bevoegd_orgaan"
                 in advice.action_codes, "afronden with reasons or without the decision")


@_invariant("De Elektriciteitswet 1998 en de Gaswet worden met ingang van 1 januari 2026 "
            "ingetrokken.", day=reference_dates())
def one_regime_per_date(rules: RuleSet | None, day: dt.date) -> None:
    """Every date has exactly one law in force: the one whose period holds it."""
    advice = advise({"id": "x", "theme": "overig", "scope": "regionaal"}, as_of=day,
                    rules=rules)
    regime = advice.ruleset.regime_on(day)
    _require(advice.law.regime == (regime.id if regime else None),
             f"{day}: rules chose {advice.law.regime}, periods say "
             f"{regime.id if regime else None}")


@_invariant("bevoegd gezag van 5-100 MW opgesteld vermogen", day=reference_dates(),
            technology=st.sampled_from(["wind", "zon"]), low=capacities(), high=capacities(),
            expected_law=st.booleans())
def competence_is_monotone(rules: RuleSet | None, day: dt.date, technology: str, low: float,
                           high: float, expected_law: bool) -> None:
    """Under the law of one date, more MW never moves competence down."""
    low, high = sorted((low, high))
    ranks = [RANK[bevoegd_gezag(technology, mw, as_of=day, include_expected_law=expected_law,
                                rules=rules).bevoegd_gezag] for mw in (low, high)]
    _require(ranks == sorted(ranks), f"{technology} {low} MW -> {high} MW ranks {ranks}")


@_invariant("De provincie kan, op verzoek van een gemeente, de bevoegdheid voor een project "
            "overdragen.", day=reference_dates(), technology=st.sampled_from(["wind", "zon"]),
            mw=capacities(), expected_law=st.booleans())
def transfer_only_lowers_provincie(rules: RuleSet | None, day: dt.date, technology: str,
                                   mw: float, expected_law: bool) -> None:
    """A transfer by GS turns provincie into gemeente and touches nothing else."""
    before = bevoegd_gezag(technology, mw, as_of=day, include_expected_law=expected_law,
                           rules=rules)
    after = bevoegd_gezag(technology, mw, as_of=day, transferred_to_gemeente=True,
                          include_expected_law=expected_law, rules=rules)
    expected = "gemeente" if before.bevoegd_gezag == "provincie" else before.bevoegd_gezag
    _require((after.bevoegd_gezag, after.statutory_bevoegd_gezag) ==
             (expected, before.statutory_bevoegd_gezag),
             f"{before.bevoegd_gezag} -> {after.bevoegd_gezag} after transfer")
    _require(("overdracht_zonder_effect" in {w.code for w in after.warnings})
             == (before.bevoegd_gezag != "provincie"), "transfer warning wrong")


@_invariant("vallen we terug op de bestaande formele juridische bevoegdheidsverdeling",
            day=reference_dates(), technology=st.sampled_from(["wind", "zon"]),
            mw=capacities(), expected_law=st.booleans(),
            to=st.sampled_from(["gemeente", "provincie"]))
def waiver_only_hands_over_the_rijk(rules: RuleSet | None, day: dt.date, technology: str,
                                    mw: float, expected_law: bool, to: str) -> None:
    """The Minister's waiver turns a Rijk project into the chosen body, and nothing else."""
    before = bevoegd_gezag(technology, mw, as_of=day, include_expected_law=expected_law,
                           rules=rules)
    after = bevoegd_gezag(technology, mw, as_of=day, rijk_waived_to=to,
                          include_expected_law=expected_law, rules=rules)
    expected = to if before.bevoegd_gezag == "rijk" else before.bevoegd_gezag
    _require((after.bevoegd_gezag, after.statutory_bevoegd_gezag) ==
             (expected, before.statutory_bevoegd_gezag),
             f"{before.bevoegd_gezag} -> {after.bevoegd_gezag} after waiver to {to}")
    _require(("afstand_zonder_effect" in {w.code for w in after.warnings})
             == (before.bevoegd_gezag != "rijk"), "waiver warning wrong")


def memo_table(technology: str, mw: float) -> str:
    """The memo's own table (January 2022), written out by hand as the oracle."""
    if technology == "wind":
        return "gemeente" if mw < 5 else "provincie" if mw <= 100 else "rijk"
    return "gemeente" if mw < 50 else "provincie"


@_invariant("Ten aanzien van energieopwek is de provincie het bevoegd gezag vanaf 1 molen van "
            "5 MW (bevoegd gezag van 5-100 MW opgesteld vermogen).", day=reference_dates(),
            technology=st.sampled_from(["wind", "zon"]), mw=capacities(),
            expected_law=st.booleans())
def memo_differs_exactly_when_law_differs(rules: RuleSet | None, day: dt.date, technology: str,
                                          mw: float, expected_law: bool) -> None:
    """The memo_wijkt_af warning appears exactly when the statute names another body than the
    memo's table."""
    result = bevoegd_gezag(technology, mw, as_of=day, include_expected_law=expected_law,
                           rules=rules)
    warned = [w.params.get("memo_authority") for w in result.warnings
              if w.code == "memo_wijkt_af"]
    memo = memo_table(technology, mw)
    _require(warned == ([] if result.statutory_bevoegd_gezag == memo else [memo]),
             f"{technology} {mw} MW on {day}: law {result.statutory_bevoegd_gezag}, memo {memo}"
             f", warned {warned}")


@_invariant("Op basis van verwachte nieuwe wetgeving wordt de provincie ook bevoegd gezag voor "
            "zonnevelden vanaf 50 MW", day=st.dates(min_value=dt.date(2026, 1, 1),
                                                    max_value=dt.date(2030, 12, 31)),
            case=cases())
def from_2026_expected_law_changes_nothing(rules: RuleSet | None, day: dt.date,
                                           case: Case) -> None:
    """Since 1 January 2026 the expected legislation is the Energiewet: switching it off
    changes no part of the advice but the switch itself."""
    with_law = advise(case, as_of=day, rules=rules).to_dict()
    without = advise(case, as_of=day, include_expected_law=False, rules=rules).to_dict()
    _require({k: v for k, v in with_law.items() if k != "include_expected_law"} ==
             {k: v for k, v in without.items() if k != "include_expected_law"},
             "the expected-law switch changed the advice after 2026")


def _without_zon_effects(data: Mapping[str, Any], large_zon: set[str]) -> dict[str, Any]:
    return {
        **{k: data[k] for k in ("applicable", "recommendation", "next_step", "alternatives",
                                "grounds", "step2_instrument", "res_target")},
        "actions": sorted(a["code"] for a in data["actions"]
                          if a["code"] != "provincie_instrumentarium"),
        "projects": [p for p in data["projects"] if p["id"] not in large_zon],
        "warnings": [w for w in data["warnings"] if w["project"] not in large_zon],
    }


@_invariant("Op basis van verwachte nieuwe wetgeving wordt de provincie ook bevoegd gezag voor "
            "zonnevelden vanaf 50 MW opgesteld vermogen.",
            case=cases(reference_date=st.dates(max_value=dt.date(2025, 12, 31))))
def before_2026_expected_law_only_touches_large_zon(rules: RuleSet | None,
                                                    case: Case) -> None:
    """Before 2026, switching expected law off changes only solar fields from 50 MW and the
    provincie's instruments."""
    large = {p.id for p in case.projects if p.technology == "zon" and p.capacity_mw >= 50}
    with_law = advise(case, rules=rules).to_dict()
    without = advise(case, include_expected_law=False, rules=rules).to_dict()
    _require(_without_zon_effects(with_law, large) == _without_zon_effects(without, large),
             "expected law changed more than large solar fields")


@_invariant("Uniforme processtappen", case=cases(), seed=st.integers(0, 2**32 - 1))
def order_of_projects_changes_only_their_order(rules: RuleSet | None, case: Case,
                                               seed: int) -> None:
    """The same case gives the same advice, whatever the order of its projects."""
    shuffled = list(case.projects)
    random.Random(seed).shuffle(shuffled)
    first = advise(case, rules=rules).to_dict()
    again = advise(case, rules=rules).to_dict()
    other = advise(attrs.evolve(case, projects=tuple(shuffled)), rules=rules).to_dict()
    by_id = {p["id"]: p for p in first["projects"]}
    listed = ("projects", "facts")  # both list the projects in the order given
    _require(first == again and {k: v for k, v in other.items() if k not in listed} ==
             {k: v for k, v in first.items() if k not in listed}
             and other["projects"] == [by_id[p.id] for p in shuffled],
             "the advice depends on the order of the projects")


@_invariant("Objectiveer vooraf wat je doet, in welke volgorde, bij impasses", case=cases())
def every_conclusion_is_traced(rules: RuleSet | None, case: Case) -> None:
    """Every conclusion names rules that fired, and every memo quote is verbatim."""
    advice = advise(case, rules=rules)
    data = advice.to_dict()
    fired = {e["rule"] for e in data["explanation"]}
    cited = [data["trace"]["recommendation"], data["trace"]["next_step"],
             *data["trace"]["grounds"].values(), *(a["rules"] for a in data["actions"]),
             *(p["rules"] for p in data["projects"]), data["res_target"]["rules"],
             *(w["rules"] for w in data["warnings"]), data["law"]["rules"]]
    if advice.step2_instrument is not None:
        cited.append(data["trace"]["step2_instrument"])
    memo = normalise(advice.ruleset.memo_text)
    quotes = [s["quote"] for e in data["explanation"] for s in (e["source"], *e["see_also"])
              if s["document"] == "memo"]
    _require(not [c for c in cited if not c or not set(c) <= fired]
             and not [q for q in quotes if normalise(q) not in memo],
             "a conclusion without a fired rule, or a quote not in the memo")


@_invariant("Tijd: de oplossing wordt niet binnen de gestelde deadlines gevonden",
            case=cases(deadline=st.just(dt.date(2026, 6, 1))), start=st.integers(-3, 3),
            later=st.integers(0, 5))
def time_only_helps_escalation(rules: RuleSet | None, case: Case, start: int,
                               later: int) -> None:
    """A later reference date can add the reason tijd and turn voortzetten into opschalen,
    never the other way round."""
    early_date = dt.date(2026, 6, 1) + dt.timedelta(days=start)
    early = advise(case, as_of=early_date, rules=rules)
    late = advise(case, as_of=early_date + dt.timedelta(days=later), rules=rules)
    changed = early.recommendation.value != late.recommendation.value
    _require(set(early.grounds_codes) <= set(late.grounds_codes) and (
        not changed or (early.recommendation.value, late.recommendation.value) ==
        ("voortzetten", "opschalen")),
        f"{early.recommendation.value} -> {late.recommendation.value} as time passed")


def procedure_walk(rules: RuleSet | None) -> type[RuleBasedStateMachine]:
    """A case walked through the procedure the way a Stuurgroep would, under ``rules``:
    declare the impasse, follow the advice, let time pass, record outcomes; the invariants hold
    at every step."""

    class ProcedureWalk(RuleBasedStateMachine):
        @initialize(case=cases(scope="regionaal", current_step=0, no_consensus_declared_by=None,
                               deadline=None))
        def start(self, case: Case) -> None:
            self.case = case
            self.today = case.reference_date or dt.date(2026, 6, 1)
            self.highest = 0

        def advice(self) -> Advice:
            return advise(self.case, as_of=self.today, rules=rules)

        @rule(by=st.sampled_from(["stuurgroep", "bestuurlijk_trekker"]))
        def declare_no_consensus(self, by: str) -> None:
            if self.case.current_step == 0:
                self.case = attrs.evolve(self.case, no_consensus_declared_by=by)

        @rule(days=st.integers(1, 60))
        def follow_the_advice(self, days: int) -> None:
            advice = self.advice()
            if advice.recommendation.value in ("start_procedure", "opschalen"):
                self.case = attrs.evolve(
                    self.case, current_step=advice.next_step.value, solution=Solution(),
                    agreements="niet_van_toepassing",
                    deadline=self.today + dt.timedelta(days=days))
                self.highest = max(self.highest, self.case.current_step)

        @rule(days=st.integers(1, 90))
        def time_passes(self, days: int) -> None:
            self.today += dt.timedelta(days=days)

        @rule(status=st.sampled_from(["gevonden", "niet_gevonden"]), adequate=st.booleans(),
              draagvlak=st.sampled_from(["voldoende", "onvoldoende", "geen", "onbekend"]),
              agreements=st.sampled_from(["nagekomen", "gedeeltelijk_nagekomen",
                                          "niet_nagekomen"]))
        def an_outcome_is_reported(self, status: str, adequate: bool, draagvlak: str,
                                   agreements: str) -> None:
            if self.case.current_step >= 1:
                self.case = attrs.evolve(self.case, agreements=agreements, solution=Solution(
                    status=status, adequate=adequate if status == "gevonden" else None,
                    draagvlak=draagvlak))

        @invariant()
        def steps_never_go_back_and_stay_in_range(self) -> None:
            nxt = self.advice().next_step.value
            _require(0 <= self.case.current_step <= 4 and self.case.current_step >= self.highest
                     and (nxt is None or nxt >= self.case.current_step),
                     f"step {self.case.current_step} -> {nxt}")

        @invariant()
        def escalation_has_a_reason_and_resolution_has_none(self) -> None:
            advice = self.advice()
            if advice.recommendation.value == "opschalen":
                _require(advice.grounds_codes != (), "opschalen without a reason")
            if advice.recommendation.value == "afronden":
                _require(advice.grounds_codes == (), "afronden with a reason")

        @invariant()
        def the_last_step_is_the_competent_authority(self) -> None:
            if self.case.current_step == 4:
                _require(self.advice().recommendation.value in ("afronden",
                                                                "bevoegd_gezag_beslist"),
                         "step 4 ends with the competent authority or a solution")

    return ProcedureWalk


def run_checks(checks: Sequence[Scenario | Example], rules: RuleSet | None
               ) -> Failure | None:
    """The first failing scenario or example under ``rules``, or ``None``."""
    for check in checks:
        failure = check.run(rules)
        if failure is not None:
            return failure
    return None
