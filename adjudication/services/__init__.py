"""Every write of marks and rounds: sheets (``sheets``, their marks checked by
``marks``), the rounds at the desk (``rounds``) and what both share (``common``).
Callers import from here."""

from adjudication.services.common import ScoringError, round_entries
from adjudication.services.marks import criteria_marks_check, skating_marks_check
from adjudication.services.rounds import (
    CRITERIA_RULES,
    PartProgress,
    criteria_rules,
    recall_decide,
    result_data,
    result_differences,
    round_close,
    round_placings,
    round_progress,
    round_publish,
    round_reopen,
    tabulate_round,
)
from adjudication.services.sheets import (
    SheetInput,
    SheetOutcome,
    StoredMark,
    sheet_confirm,
    sheet_submit,
    sheet_unlock,
)

__all__ = [
    "CRITERIA_RULES",
    "PartProgress",
    "ScoringError",
    "SheetInput",
    "SheetOutcome",
    "StoredMark",
    "criteria_marks_check",
    "criteria_rules",
    "recall_decide",
    "result_data",
    "result_differences",
    "round_close",
    "round_entries",
    "round_placings",
    "round_progress",
    "round_publish",
    "round_reopen",
    "sheet_confirm",
    "sheet_submit",
    "sheet_unlock",
    "skating_marks_check",
    "tabulate_round",
]
