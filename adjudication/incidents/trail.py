"""The day's trail of incidents: one append-only row per decision, with who, when
and why."""

from __future__ import annotations

from django.utils import timezone

from accounts.models import User
from adjudication.services.common import ScoringError
from competitions.models import Dance, Entry, Incident, Judge, Round

REASON_MAX = 300  # the trail's field


def reason_require(reason: str, what: str) -> str:
    """The reason, stripped, or ``ScoringError`` saying it is needed (``what``: e.g.
    "the couple is disqualified") or longer than the trail keeps (never cut silently)."""
    reason = (reason or "").strip()
    if not reason:
        raise ScoringError(f"Say why {what}.")
    if len(reason) > REASON_MAX:
        raise ScoringError(
            f"Say why {what} in at most {REASON_MAX} characters (this reason has {len(reason)})."
        )
    return reason


def incident_record(
    *,
    competition_id: int,
    kind: str,
    summary: str,
    reason: str,
    actor: User | None,
    round: Round | None = None,
    entry: Entry | None = None,
    dance: Dance | None = None,
    heat_number: int | None = None,
    judge: Judge | None = None,
    other_judge: Judge | None = None,
) -> Incident:
    """Write one incident to the trail, inside the caller's transaction."""
    return Incident.objects.create(
        competition_id=competition_id,
        kind=kind,
        summary=summary[:300],
        reason=reason[:300],
        actor=actor,
        round=round,
        entry=entry,
        dance=dance,
        heat_number=heat_number,
        judge=judge,
        other_judge=other_judge,
        at=timezone.now(),
    )


def incident_list(competition_id: int, *, kind: str = ""):
    """The competition's trail of incidents, newest first (``kind``: only those)."""
    incidents = Incident.objects.filter(competition_id=competition_id)
    if kind:
        incidents = incidents.filter(kind=kind)
    return incidents.select_related(
        "round__event", "entry__competitor", "dance", "judge", "other_judge", "actor"
    ).order_by("-at", "-id")
