"""What a backup file is: its format and version, the tables it holds (``BACKED_UP``) and
those left out, how values are written and read back, and its checksum and signature."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.crypto import salted_hmac

from adjudication.models import (
    Mark,
    MarkChange,
    Placing,
    RecallDecision,
    Receipt,
    RoundResult,
    Sheet,
    TabletSession,
)
from competitions.models import (
    Competition,
    CompetitionStaff,
    Competitor,
    ComponentAllocation,
    Criterion,
    Dance,
    Entry,
    EntryIncident,
    Event,
    FailedJob,
    Floor,
    FloorMove,
    Heat,
    HeatEntry,
    IdempotencyKey,
    Incident,
    Judge,
    JudgeApplication,
    OutboxJob,
    PanelSeat,
    Redance,
    RegistrationLink,
    Round,
    StatusChange,
    TimetableItem,
)

FORMAT = "podium-backup"
VERSION = 1
SUFFIX = ".podium-backup.gz"


class BackupRefused(Exception):
    """A backup that cannot be written or restored; the message says why."""


@dataclass(frozen=True)
class BackedUp:
    """A table in the backup and the path from its rows to their competition."""

    model: type[models.Model]
    competition: str
    # Foreign keys to a table restored after this one (a cycle): set once that one is in.
    later: tuple[str, ...] = ()


# Parents before children: the order rows are restored in.
BACKED_UP: tuple[BackedUp, ...] = (
    BackedUp(Competition, "pk"),
    BackedUp(Event, "competition"),
    BackedUp(Dance, "event__competition"),
    BackedUp(Criterion, "event__competition"),
    BackedUp(Competitor, "competition"),
    BackedUp(Entry, "event__competition"),
    BackedUp(Judge, "competition"),
    BackedUp(CompetitionStaff, "competition"),
    BackedUp(PanelSeat, "event__competition"),
    BackedUp(Round, "event__competition"),
    BackedUp(ComponentAllocation, "event__competition"),
    BackedUp(Heat, "round__event__competition"),
    BackedUp(HeatEntry, "heat__round__event__competition"),
    BackedUp(EntryIncident, "round__event__competition"),
    BackedUp(Redance, "round__event__competition"),
    BackedUp(Incident, "competition"),
    BackedUp(Floor, "competition", later=("break_item_id",)),
    BackedUp(TimetableItem, "competition"),
    BackedUp(FloorMove, "competition"),
    BackedUp(StatusChange, "competition"),
    BackedUp(RegistrationLink, "competition"),
    BackedUp(JudgeApplication, "competition"),
    BackedUp(Sheet, "round__event__competition"),
    BackedUp(Mark, "sheet__round__event__competition"),
    BackedUp(MarkChange, "round__event__competition"),
    BackedUp(TabletSession, "judge__competition"),
    BackedUp(RecallDecision, "round__event__competition"),
    BackedUp(RoundResult, "round__event__competition"),
    BackedUp(Placing, "round__event__competition"),
    BackedUp(Receipt, "round__event__competition", later=("superseded_by_id",)),
)

# Models of Podium's apps deliberately left out, and why (a test keeps this list and
# BACKED_UP covering every model, so a new model is a decision, not an omission).
NOT_BACKED_UP: dict[type[models.Model], str] = {
    IdempotencyKey: "answers replayed to retried requests, kept 24 hours",
    FailedJob: "dead background jobs of the site, not of a competition",
    OutboxJob: "jobs waiting seconds for the queue (a restore must not send them again)",
}

SIGNATURE = "hmac_sha256"
# The salt keeps a backup's signature apart from every other HMAC keyed with SECRET_KEY.
# It names the module's old path and stays so: backups signed before still verify.
SIGNING_SALT = "podium.adjudication.backups.signature"


# --- values -------------------------------------------------------------------------------


def value_encode(value: Any) -> Any:
    """A field's value as JSON holds it."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return value


# What JSON type each kind of field is written as (``value_encode``); anything else in a file
# whose checksum matches was made by hand, and would be turned into a string silently.
_JSON_TYPES: list[tuple[type[models.Field], tuple[type, ...]]] = [
    (models.BooleanField, (bool,)),
    (models.DecimalField, (str, int, float)),
    (models.FloatField, (int, float)),
    (models.IntegerField, (int,)),
    (models.CharField, (str,)),
    (models.TextField, (str,)),
    (models.DateTimeField, (str,)),
    (models.DateField, (str,)),
    (models.TimeField, (str,)),
    (models.DurationField, (str, int, float)),
    (models.UUIDField, (str,)),
]


def _check_type(field: models.Field, value: Any) -> None:
    wanted = next((kinds for kind, kinds in _JSON_TYPES if isinstance(field, kind)), None)
    wrong_bool = isinstance(value, bool) and bool not in (wanted or ())
    if wanted is not None and (wrong_bool or not isinstance(value, wanted)):
        raise BackupRefused(
            f"The backup holds a bad value for {field.model._meta.label}.{field.name}: "
            f"{value!r} is not a {field.get_internal_type()} value."
        )


def value_decode(field: models.Field, value: Any) -> Any:
    """A value read from a backup as ``field`` holds it; ``BackupRefused`` when it is not one."""
    if value is None or isinstance(field, models.JSONField):
        return value
    _check_type(field, value)
    try:
        return field.to_python(value)
    except ValidationError as error:
        raise BackupRefused(
            f"The backup holds a bad value for {field.model._meta.label}.{field.name}: "
            f"{value!r} ({' '.join(error.messages)})."
        ) from None


def model_fields(model: type[models.Model]) -> list[models.Field]:
    """The fields a backup writes for ``model``: every concrete one but its id."""
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def canonical(content: Any) -> bytes:
    """The bytes the checksum is taken over."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def backup_signature(envelope: dict[str, Any]) -> str:
    """The keyed HMAC of everything in ``envelope`` but the signature itself."""
    signed = {key: value for key, value in envelope.items() if key != SIGNATURE}
    secret = settings.BACKUP_SIGNING_KEY or settings.SECRET_KEY
    return salted_hmac(
        SIGNING_SALT, canonical(signed), secret=secret, algorithm="sha256"
    ).hexdigest()
