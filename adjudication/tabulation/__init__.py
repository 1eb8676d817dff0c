"""Tabulation of judged competitions: pure, typed Python with no Django in it.

* Dancesport, the Skating System: :func:`tabulate_recalls` (rule 1), :func:`tabulate_dance`
  (rules 5-8) and :func:`tabulate_final` (rules 5-11).
* Weighted criteria (pageants, choirs): :func:`score_criteria`.
* Component scores (the Absolute Judging System's way): :func:`score_components`; the
  stored result's structure is documented in :mod:`.components`.
* The offline calculator's contract: :func:`load_final_input`, :func:`parse_final_input`,
  :func:`final_to_json`, :func:`explain_text`.

Every entry point checks its whole input first and raises :class:`TabulationError`, listing
each :class:`Problem` with the dance, couple (or entry), judge and criterion at fault; nothing
is calculated on invalid marks. See ``docs/tabulation.md``.
"""

from .components import (
    Component,
    ComponentsResult,
    component_score,
    components_problems,
    score_components,
)
from .criteria import (
    ByCriterion,
    ByJudgesPreference,
    CriteriaResult,
    Criterion,
    CriterionScore,
    DroppedScore,
    EntryResult,
    Outlier,
    OutlierRule,
    TieBreak,
    criteria_problems,
    score_criteria,
)
from .errors import Problem, TabulationError
from .explain import awarded_text, explain_text, final_to_json, load_final_input, parse_final_input
from .final_marks import close_up, final_problems, validate_final
from .places import Place, natural_key, place_number, place_text, shared_place
from .recalls import RecallResult, RecallTotal, recall_problems, tabulate_recalls
from .skating import (
    Cell,
    DanceResult,
    FinalResult,
    Placing,
    Rule10Step,
    Rule11Step,
    SummaryRow,
    majority,
    tabulate_dance,
    tabulate_final,
)

__all__ = [
    "awarded_text",
    "ByCriterion",
    "ByJudgesPreference",
    "Cell",
    "close_up",
    "Component",
    "ComponentsResult",
    "component_score",
    "components_problems",
    "CriteriaResult",
    "Criterion",
    "CriterionScore",
    "DanceResult",
    "DroppedScore",
    "EntryResult",
    "FinalResult",
    "Outlier",
    "OutlierRule",
    "Place",
    "Placing",
    "Problem",
    "RecallResult",
    "RecallTotal",
    "Rule10Step",
    "Rule11Step",
    "SummaryRow",
    "TabulationError",
    "TieBreak",
    "criteria_problems",
    "explain_text",
    "final_problems",
    "final_to_json",
    "load_final_input",
    "majority",
    "natural_key",
    "parse_final_input",
    "place_number",
    "place_text",
    "recall_problems",
    "score_components",
    "score_criteria",
    "shared_place",
    "tabulate_dance",
    "tabulate_final",
    "tabulate_recalls",
    "validate_final",
]
