"""The competitions app's models, one module a concern; every model and choice is
importable from here, in the order they were always registered.

Lifecycle rules are enforced by the database itself: CHECK constraints in these modules,
and triggers written in ``migrations/0002_lifecycle_triggers.py`` (on PostgreSQL and
SQLite). ``competitions.services`` is the one way the application moves a state.
"""

# isort: off
# In the order the models were always registered (dumps and flushes follow it).
from competitions.models.structure import (
    AllocationMode,
    BibOrder,
    Competition,
    CompetitionStatus,
    Criterion,
    Dance,
    EntryKind,
    Event,
    ResultsReveal,
    RoundKind,
    RoundStatus,
    ScoringMethod,
    validate_timezone,
)
from competitions.models.people import (
    CompetitionStaff,
    Competitor,
    Entry,
    EntryStatus,
    Judge,
    PanelSeat,
    StaffRole,
    country_code_validator,
)
from competitions.models.rounds import Heat, HeatEntry, Round, StatusChange
from competitions.models.registration import JudgeApplication, RegistrationLink
from competitions.models.plumbing import FailedJob, IdempotencyKey, OutboxJob
from competitions.models.day import Floor, FloorMove, FloorPhase, TimetableItem
from competitions.models.incidents import EntryIncident, EntryOutcome, Incident, Redance
from competitions.models.components import ComponentAllocation

# isort: on

__all__ = [
    "AllocationMode",
    "BibOrder",
    "Competition",
    "CompetitionStaff",
    "CompetitionStatus",
    "ComponentAllocation",
    "Competitor",
    "Criterion",
    "Dance",
    "Entry",
    "EntryIncident",
    "EntryKind",
    "EntryOutcome",
    "EntryStatus",
    "Event",
    "FailedJob",
    "Floor",
    "FloorMove",
    "FloorPhase",
    "Heat",
    "HeatEntry",
    "IdempotencyKey",
    "OutboxJob",
    "Incident",
    "Judge",
    "JudgeApplication",
    "PanelSeat",
    "Redance",
    "RegistrationLink",
    "ResultsReveal",
    "Round",
    "RoundKind",
    "RoundStatus",
    "ScoringMethod",
    "StaffRole",
    "StatusChange",
    "TimetableItem",
    "country_code_validator",
    "validate_timezone",
]
