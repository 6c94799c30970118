"""res-rules: decision support for the opschaalprocedure of RES U16.

Describe a case as facts, get advice in which every conclusion names the rules that drew it and
quotes the memo::

    >>> import res_rules
    >>> advice = res_rules.advise({"id": "voorbeeld", "theme": "planuitval", "scope": "regionaal",
    ...                            "no_consensus_declared_by": "stuurgroep"})
    >>> advice.recommendation.value
    'start_procedure'
"""

from ._advice import (
    ActionAdvice,
    Advice,
    Competence,
    Conclusion,
    Explanation,
    ProjectAdvice,
    WarningAdvice,
    advise,
    bevoegd_gezag,
)
from ._casefile import case_from_mapping, case_to_mapping, load_case
from ._diff import Difference, differences
from ._errors import CaseError, EngineError, ResRulesError, RuleFileError
from ._facts import Case, Project, Solution
from ._rules import Rule, RuleSet, Source, example_path, load_rules
from ._version import __version__
from ._words import value_words

__all__ = [
    "ActionAdvice",
    "Advice",
    "Case",
    "CaseError",
    "Competence",
    "Conclusion",
    "Difference",
    "EngineError",
    "Explanation",
    "Project",
    "ProjectAdvice",
    "ResRulesError",
    "Rule",
    "RuleFileError",
    "RuleSet",
    "Solution",
    "Source",
    "WarningAdvice",
    "__version__",
    "advise",
    "bevoegd_gezag",
    "case_from_mapping",
    "case_to_mapping",
    "differences",
    "example_path",
    "load_case",
    "load_rules",
    "value_words",
]
