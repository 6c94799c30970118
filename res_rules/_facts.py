"""The fact model: a case as advisors describe it, as frozen attrs classes.

Every field carries a :class:`Spec` in its metadata. The mapping parser (:mod:`._casefile`), the
JSON Schema (:mod:`._schema`) and the hypothesis strategies read the fields from here, so the
format is written down once.
"""

from __future__ import annotations

import datetime as dt
import math
import sys
from collections.abc import Callable
from typing import Any, Literal

import attrs

THEMES = (
    "planuitval",
    "besluitvorming_res",
    "balans_zon_wind",
    "bouwblok_4",
    "nieuwe_ambities",
    "biomassa",
    "netcongestie",
    "overig",
)
SCOPES = ("regionaal", "lokaal", "bovenlokaal")
DECLARERS = ("stuurgroep", "bestuurlijk_trekker")
SOLUTION_STATUSES = ("lopend", "gevonden", "niet_gevonden")
DRAAGVLAK = ("voldoende", "onvoldoende", "geen", "onbekend")
AGREEMENTS = ("nagekomen", "gedeeltelijk_nagekomen", "niet_nagekomen", "niet_van_toepassing")
STEP2_NEEDS = ("feiten", "aanbevelingen")
TECHNOLOGIES = ("wind", "zon")
#: The bodies the Minister can leave a project of national interest to (Ew 1998 art. 9b lid 4,
#: later 9b lid 3; Energiewet art. 6.1 lid 3).
WAIVED_TO = ("gemeente", "provincie")
PROJECT_STATUSES = ("gepland", "vertraagd", "gedeeltelijk", "uitgevallen", "gerealiseerd")
GEMEENTEN = (
    "Bunnik",
    "De Bilt",
    "De Ronde Venen",
    "Houten",
    "IJsselstein",
    "Lopik",
    "Montfoort",
    "Nieuwegein",
    "Oudewater",
    "Stichtse Vecht",
    "Utrecht",
    "Utrechtse Heuvelrug",
    "Vijfheerenlanden",
    "Wijk bij Duurstede",
    "Woerden",
    "Zeist",
)
MAX_STEP = 4
#: The most projects one case may hold (a case file is at most 1 MiB anyway).
MAX_PROJECTS = 1000
#: The largest installed capacity a project may have, in MW (100 GW: more than the whole Dutch
#: generating capacity; larger numbers are typing errors). A capacity typed in kW for a project
#: up to 100 MW stays below it, and the advice then asks "MW, not kW?".
MAX_CAPACITY_MW = 100_000
#: The largest forecast a case may give, in TWh (the Netherlands uses about 120 TWh a year). A
#: forecast typed in GWh (1,8 TWh is 1.800 GWh) stays below it, and the advice then asks "TWh,
#: not GWh?".
MAX_FORECAST_TWH = 100_000

Kind = Literal["str", "enum", "int", "number", "bool", "date", "nested", "list"]


@attrs.frozen
class Spec:
    """How one field looks in a case file: its kind, bounds, allowed values and a gloss."""

    kind: Kind
    doc: str
    #: The same gloss in Dutch (the web page's help text; the JSON Schema keeps ``doc``).
    doc_nl: str = ""
    choices: tuple[str, ...] = ()
    nullable: bool = False
    non_empty: bool = False
    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    item: type | None = None
    max_items: int | None = None

    def help(self, lang: str = "nl") -> str:
        """The field's gloss in ``lang`` (Dutch where the model has it, else English)."""
        return self.doc_nl if lang == "nl" and self.doc_nl else self.doc

    def expected(self) -> str:
        """What this field accepts, in English words (the older messages; see ``check_field``).

        Case-file errors put the expectation into words from the message table instead.
        """
        if self.kind == "enum":
            text = "one of " + ", ".join(repr(c) for c in self.choices)
        elif self.kind in ("int", "number"):
            text = "an integer" if self.kind == "int" else "a finite number"
            bounds = [f"{op} {_num(v)}" for op, v in ((">=", self.ge), (">", self.gt),
                                                       ("<=", self.le)) if v is not None]
            if bounds:
                text += " " + " and ".join(bounds)
        elif self.kind == "str":
            text = "a non-empty string" if self.non_empty else "a string"
        elif self.kind == "bool":
            text = "true or false"
        elif self.kind == "date":
            text = "an ISO date (YYYY-MM-DD)"
        elif self.kind == "nested":
            text = "a mapping"
        else:
            text = "a list" if self.max_items is None else f"a list of at most {self.max_items}"
        return text + (" or null" if self.nullable else "")


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _check(spec: Spec) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    """An attrs validator enforcing ``spec`` on direct construction in Python.

    What nearly every case holds passes without a further call: a word of an enum, ASCII
    text, ``True`` or ``False``, ``None`` where allowed. Every other value goes to
    :func:`problem_with`, which accepts those too (a test holds the two to the same answer).
    """

    def validate(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if problem_with(spec, value):
            raise ValueError(f"{attribute.name!r} must be {spec.expected()} (got {value!r})")

    nullable, non_empty = spec.nullable, spec.non_empty
    if spec.kind == "enum":
        words = frozenset((*spec.choices, None) if nullable else spec.choices)

        def validate_word(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
            # (Only a str or None is looked up: hashable, and no subclass with its own ==.)
            if (type(value) is str or value is None) and value in words:
                return
            validate(instance, attribute, value)

        return validate_word
    if spec.kind == "str":
        def validate_text(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
            if type(value) is str and value.isascii() and (value.strip() or not non_empty):
                return
            if value is None and nullable:
                return
            validate(instance, attribute, value)

        return validate_text
    if spec.kind == "bool":
        def validate_flag(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
            if value is True or value is False or (value is None and nullable):
                return
            validate(instance, attribute, value)

        return validate_flag
    return validate


def problem_with(spec: Spec, value: Any) -> bool:
    """True when ``value`` breaks ``spec`` (no coercion: ``"12"`` is no number, ``True`` no int).

    What passes is something the rest can handle: numbers are finite and within float range
    (an int too big for a float is no number here), text is valid Unicode (no lone
    surrogates, which UTF-8 output cannot write), lists are no longer than ``max_items``.
    """
    if value is None:
        return not spec.nullable
    if spec.kind == "enum":
        return not (isinstance(value, str) and value in spec.choices)
    if spec.kind == "str":
        # Plain ASCII text (nearly all of it) needs no UTF-8 trial; a subclass may say
        # anything about itself.
        return not isinstance(value, str) or (spec.non_empty and not value.strip()) \
            or not ((type(value) is str and value.isascii()) or is_unicode(value))
    if spec.kind == "bool":
        return not isinstance(value, bool)
    if spec.kind == "date":
        return not (isinstance(value, dt.date) and not isinstance(value, dt.datetime))
    if spec.kind in ("int", "number"):
        return not is_number(value, whole=spec.kind == "int") or (
            (spec.ge is not None and value < spec.ge)
            or (spec.gt is not None and value <= spec.gt)
            or (spec.le is not None and value > spec.le)
        )
    if spec.kind == "nested":
        return not (spec.item is not None and isinstance(value, spec.item))
    return not (isinstance(value, tuple)
                and (spec.max_items is None or len(value) <= spec.max_items)
                and all(spec.item is not None and isinstance(v, spec.item) for v in value))


def is_number(value: Any, *, whole: bool = False) -> bool:
    """True for an int or float the engine can compute with: finite, within float range.

    >>> is_number(12.6), is_number(True), is_number(float("nan")), is_number(10 ** 400)
    (True, False, False, False)
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if isinstance(value, float):
        return not whole and math.isfinite(value)
    return -sys.float_info.max <= value <= sys.float_info.max


def is_unicode(text: str) -> bool:
    """True when ``text`` can be written as UTF-8 (it holds no lone surrogate)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def field(spec: Spec, **kwargs: Any) -> Any:
    """An attrs field that carries ``spec`` and validates against it."""
    return attrs.field(validator=_check(spec), metadata={"spec": spec}, **kwargs)


def spec_of(attribute: attrs.Attribute[Any]) -> Spec:
    spec: Spec = attribute.metadata["spec"]
    return spec


@attrs.frozen
class Solution:
    """Where the search for a solution in the current step stands."""

    status: str = field(
        Spec("enum", "lopend (still being sought), gevonden (found), niet_gevonden (not found)",
             doc_nl="lopend (er wordt nog gezocht), gevonden of niet_gevonden",
             choices=SOLUTION_STATUSES),
        default="lopend",
    )
    adequate: bool | None = field(
        Spec("bool", "whether the solution found breaks the impasse; only when status is gevonden",
             doc_nl="of de gevonden oplossing de impasse doorbreekt; alleen bij status "
             "gevonden",
             nullable=True),
        default=None,
    )
    draagvlak: str = field(
        Spec("enum", "support for the solution among the participating organisations",
             doc_nl="het draagvlak voor de oplossing bij de deelnemende organisaties",
             choices=DRAAGVLAK),
        default="onbekend",
    )

    def __attrs_post_init__(self) -> None:
        if self.adequate is not None and self.status != "gevonden":
            raise ValueError(
                f"'adequate' is only allowed when status is 'gevonden' (status is {self.status!r})"
            )


@attrs.frozen
class Project:
    """A wind or solar project at stake in the case."""

    id: str = field(Spec("str", "identifier, unique in the case",
                          doc_nl="kenmerk, uniek binnen de casus", non_empty=True))
    gemeente: str = field(Spec("enum", "the U16 gemeente the project lies in",
                                doc_nl="de U16-gemeente waarin het project ligt",
                                choices=GEMEENTEN))
    technology: str = field(Spec("enum", "wind or zon (solar field)",
                                   doc_nl="wind of zon (zonneveld)", choices=TECHNOLOGIES))
    capacity_mw: float = field(
        Spec("number", "installed capacity (opgesteld vermogen) of the whole project, in MW "
             f"(at most {MAX_CAPACITY_MW})",
             doc_nl="het opgesteld vermogen van het hele project, in MW (hoogstens "
             f"{MAX_CAPACITY_MW})", gt=0, le=MAX_CAPACITY_MW)
    )
    name: str = field(Spec("str", "a readable name", doc_nl="een leesbare naam"), default="")
    status: str = field(
        Spec("enum", "realisation status of the project",
             doc_nl="hoe ver het project gerealiseerd is", choices=PROJECT_STATUSES),
        default="gepland",
    )
    transferred_to_gemeente: bool = field(
        Spec("bool", "gedeputeerde staten left the decision on this project to the gemeente "
             "(Ew 1998 art. 9f lid 6, art. 9c lid 4; Energiewet art. 6.2 lid 2)",
             doc_nl="gedeputeerde staten laten het besluit over dit project aan de gemeente "
             "(Ew 1998 art. 9f lid 6, art. 9c lid 4; Energiewet art. 6.2 lid 2)"),
        default=False,
    )
    rijk_waived_to: str | None = field(
        Spec("enum", "the Minister left the decision on this project to this body instead of "
             "the Rijk (Ew 1998 art. 9b lid 4, art. 9b lid 3; Energiewet art. 6.1 lid 3)",
             doc_nl="de minister laat het besluit over dit project aan dit bestuursorgaan in "
             "plaats van het Rijk (Ew 1998 art. 9b lid 4, art. 9b lid 3; Energiewet art. 6.1 "
             "lid 3)",
             choices=WAIVED_TO, nullable=True),
        default=None,
    )


@attrs.frozen
class Case:
    """One case: an impasse (or a threatening one) in the RES U16 Stuurgroep, described as facts."""

    id: str = field(Spec("str", "identifier of the case", doc_nl="kenmerk van de casus",
                          non_empty=True))
    theme: str = field(Spec("enum", "the theme the impasse is about",
                             doc_nl="het thema waarover de impasse gaat", choices=THEMES))
    scope: str = field(Spec("enum", "regional, local or supra-local question",
                             doc_nl="regionaal, lokaal of bovenlokaal vraagstuk",
                             choices=SCOPES))
    title: str = field(Spec("str", "a readable title", doc_nl="een leesbare titel"), default="")
    no_consensus_declared_by: str | None = field(
        Spec("enum", "who declared that no consensus can be reached (null: nobody yet)",
             doc_nl="wie verklaarde dat er geen consensus bereikt kan worden (leeg: nog "
             "niemand)",
             choices=DECLARERS, nullable=True),
        default=None,
    )
    current_step: int = field(
        Spec("int", "the step the procedure is in (0: not started)",
             doc_nl="de stap waarin de procedure is (0: nog niet gestart)", ge=0,
             le=MAX_STEP),
        default=0,
    )
    reference_date: dt.date | None = field(
        Spec("date", "the date the facts describe (null: today)",
             doc_nl="de datum waarop de feiten betrekking hebben (leeg: vandaag)",
             nullable=True),
        default=None,
    )
    deadline: dt.date | None = field(
        Spec("date", "deadline for a solution in the current step",
             doc_nl="de deadline voor een oplossing in de huidige stap", nullable=True),
        default=None,
    )
    solution: Solution = field(
        Spec("nested", "the state of the solution in the current step",
             doc_nl="de stand van de oplossing in de huidige stap", item=Solution),
        factory=Solution,
    )
    agreements: str = field(
        Spec("enum", "whether the agreements made are kept",
             doc_nl="of de gemaakte afspraken worden nagekomen", choices=AGREEMENTS),
        default="niet_van_toepassing",
    )
    step2_need: str | None = field(
        Spec("enum", "what step 2 must bring: feiten (facts) or aanbevelingen (recommendations)",
             doc_nl="wat stap 2 moet opleveren: feiten of aanbevelingen",
             choices=STEP2_NEEDS, nullable=True),
        default=None,
    )
    res_forecast_twh_2030: float | None = field(
        Spec("number", f"the region's current forecast for 2030, in TWh (at most "
             f"{MAX_FORECAST_TWH})", doc_nl="de huidige prognose van de regio voor 2030, in "
             f"TWh (hoogstens {MAX_FORECAST_TWH})", ge=0, le=MAX_FORECAST_TWH, nullable=True),
        default=None,
    )
    projects: tuple[Project, ...] = field(
        Spec("list", f"the wind and solar projects at stake (at most {MAX_PROJECTS:,})",
             doc_nl=f"de wind- en zonprojecten waar het om gaat (hoogstens {MAX_PROJECTS})",
             item=Project, max_items=MAX_PROJECTS),
        default=(),
        converter=tuple,
    )

    def __attrs_post_init__(self) -> None:
        seen: set[str] = set()
        for project in self.projects:
            if project.id in seen:
                raise ValueError(f"project id {project.id!r} occurs twice; ids must be unique")
            seen.add(project.id)
