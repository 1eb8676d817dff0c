"""What happens on the day that the plan did not foresee: a couple that does not turn
up, retires or is disqualified, a heat danced again, a judge replaced. Each is decided
at the desk with a reason and kept in ``Incident``, the day's append-only trail.

``adjudication.incidents`` is the one way these rows are written."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from competitions.models.people import Entry, Judge
from competitions.models.rounds import Round
from competitions.models.structure import Competition, Dance


class EntryOutcome(models.TextChoices):
    ABSENT = "absent", "Absent (did not dance)"
    RETIRED = "retired", "Retired (excused during the round)"
    DISQUALIFIED = "disqualified", "Disqualified"


class EntryIncident(models.Model):
    """A couple's standing in one round when it is not simply dancing: absent, retired
    after some dances (``from_dance`` is the first dance it did not dance), or
    disqualified. Marks it was given are kept; the tabulation sets them aside as the
    rules say (``docs/tabulation.md``). Deleting the row reinstates the couple."""

    Outcome = EntryOutcome

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="entry_incidents")
    entry = models.ForeignKey(Entry, on_delete=models.RESTRICT, related_name="incidents")
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    from_dance = models.ForeignKey(
        Dance,
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="+",
        help_text="Retired couples: the first dance it did not dance.",
    )
    whole_event = models.BooleanField(
        default=False, help_text="Disqualified from the event, not only from this round."
    )
    reason = models.CharField(max_length=300)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.RESTRICT, related_name="+"
    )
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["round", "entry_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "entry"],
                name="competitions_entryincident_once_per_round",
                violation_error_message="This couple already has an incident in that round.",
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=EntryOutcome.values),
                name="competitions_entryincident_outcome_valid",
            ),
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="competitions_entryincident_has_reason",
                violation_error_message="Say why.",
            ),
            models.CheckConstraint(
                condition=Q(outcome="retired") | Q(from_dance__isnull=True),
                name="competitions_entryincident_from_dance_only_when_retired",
            ),
            models.CheckConstraint(
                condition=Q(outcome="disqualified") | Q(whole_event=False),
                name="competitions_entryincident_whole_event_only_when_disqualified",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry.bib_label} {self.get_outcome_display()} · {self.round}"


class Redance(models.Model):
    """A heat of a dance (or a performance) the desk sent back to the floor. With
    ``recollect`` the judges' sheets for that dance were returned to them and count
    again only once resent; the earlier marks stay in the marks trail."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="redances")
    dance = models.ForeignKey(
        Dance, null=True, blank=True, on_delete=models.RESTRICT, related_name="+"
    )
    heat_number = models.PositiveIntegerField()
    reason = models.CharField(max_length=300)
    recollect = models.BooleanField(
        default=False, help_text="The judges' sheets for the dance were returned to be sent again."
    )
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.RESTRICT, related_name="+"
    )
    ordered_at = models.DateTimeField()

    class Meta:
        ordering = ["round", "ordered_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="competitions_redance_has_reason",
                violation_error_message="Say why the heat is danced again.",
            ),
            models.CheckConstraint(
                condition=Q(heat_number__gt=0), name="competitions_redance_heat_positive"
            ),
        ]

    def __str__(self) -> str:
        dance = f" {self.dance}" if self.dance_id else ""
        return f"Redance of heat {self.heat_number}{dance} · {self.round}"


class Incident(models.Model):
    """The day's trail of incidents, written once and never changed (a trigger refuses
    updates): every absence, retirement, disqualification and reinstatement, redance,
    seeding, replacement judge and accepted miscounted sheet, with who, when and why."""

    class Kind(models.TextChoices):
        ABSENT = "absent", "Marked absent"
        RETIRED = "retired", "Retired"
        DISQUALIFIED = "disqualified", "Disqualified"
        REINSTATED = "reinstated", "Reinstated"
        REDANCE = "redance", "Redance ordered"
        SEEDED = "seeded", "Seeded into a later round"
        UNSEEDED = "unseeded", "Seeding removed"
        JUDGE_REPLACED = "judge_replaced", "Judge replaced"
        SHEET_ACCEPTED = "sheet_accepted", "Miscounted sheet accepted"

    competition = models.ForeignKey(Competition, on_delete=models.CASCADE, related_name="incidents")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    round = models.ForeignKey(
        Round, null=True, blank=True, on_delete=models.CASCADE, related_name="incidents"
    )
    entry = models.ForeignKey(
        Entry, null=True, blank=True, on_delete=models.RESTRICT, related_name="+"
    )
    dance = models.ForeignKey(
        Dance, null=True, blank=True, on_delete=models.RESTRICT, related_name="+"
    )
    heat_number = models.PositiveIntegerField(null=True, blank=True)
    judge = models.ForeignKey(
        Judge, null=True, blank=True, on_delete=models.RESTRICT, related_name="+"
    )
    other_judge = models.ForeignKey(
        Judge,
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="+",
        help_text="A replacement: the judge who takes the seat.",
    )
    summary = models.CharField(max_length=300, help_text="What happened, in one line.")
    reason = models.CharField(max_length=300)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.RESTRICT, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["competition_id", "at", "id"]
        permissions = [
            ("record_absence", "Can mark couples absent or retired, and reinstate them (desk)"),
            ("disqualify_entry", "Can disqualify a couple (chairman)"),
            ("order_redance", "Can send a heat back to the floor (desk, chairman)"),
            ("replace_judge", "Can replace a judge on a panel (chairman)"),
            (
                "accept_miscounted_sheet",
                "Can accept a judge's sheet with the wrong number of crosses (chairman)",
            ),
            ("seed_entry", "Can seed couples into a later round"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "absent",
                        "retired",
                        "disqualified",
                        "reinstated",
                        "redance",
                        "seeded",
                        "unseeded",
                        "judge_replaced",
                        "sheet_accepted",
                    ]
                ),
                name="competitions_incident_kind_valid",
            ),
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="competitions_incident_has_reason",
                violation_error_message="Every incident says why.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%H:%M:%S} {self.summary}"
