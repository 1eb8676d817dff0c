"""What judges write: sheets of marks, their audit trail, tablet sessions, and the
results the desk computes from them. This app is the only source of truth for marks.

A *sheet* is one judge's marks for one part of a round:

* Skating System rounds: one sheet per (round, dance, judge). In a preliminary round it
  holds the judge's recall crosses over every heat of the dance (value 1 per cross); in
  a final, each finalist's place (1..n).
* Criteria rounds: one sheet per (round, entry, judge), with a score per criterion.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from competitions.models import Criterion, Dance, Entry, Judge, Round


class Sheet(models.Model):
    class Source(models.TextChoices):
        TABLET = "tablet", "Tablet"
        API = "api", "API"
        PAPER = "paper", "Paper, typed at the desk"
        SIMULATION = "simulation", "Simulation"

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="sheets")
    judge = models.ForeignKey(Judge, on_delete=models.RESTRICT, related_name="sheets")
    dance = models.ForeignKey(
        Dance, null=True, blank=True, on_delete=models.RESTRICT, related_name="sheets"
    )
    entry = models.ForeignKey(
        Entry, null=True, blank=True, on_delete=models.RESTRICT, related_name="sheets"
    )
    version = models.PositiveIntegerField(default=1, help_text="1 when first sent, +1 per change.")
    round_revision = models.PositiveIntegerField(help_text="The round's revision it was sent in.")
    client_key = models.CharField(
        max_length=64, help_text="The sending device's key: the same key again is stored once."
    )
    source = models.CharField(max_length=10, choices=Source.choices)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField()
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Paper sheets count only once a second person confirms them.",
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unlocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The chairman who unlocked this sheet of a closed round for a correction.",
    )
    unlocked_at = models.DateTimeField(null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The desk returned this sheet of an open round to its judge (a redance "
        "re-collected): it counts again once sent again.",
    )
    returned_at = models.DateTimeField(null=True, blank=True)
    count_accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The chairman who accepted this recall sheet with the wrong number of "
        "crosses, as it is.",
    )
    count_accepted_reason = models.CharField(max_length=300, blank=True)
    shadow = models.BooleanField(
        default=False,
        editable=False,
        help_text="A shadow (trainee) judge's sheet: kept and reported, never counted. "
        "Always the seat's flag (the database refuses any other value and any change).",
    )

    class Meta:
        ordering = ["round", "dance__position", "entry_id", "judge__letter"]
        permissions = [
            ("run_results_desk", "Can use the results desk"),
            ("enter_paper_sheet", "Can type in a judge's paper sheet"),
            ("confirm_paper_sheet", "Can confirm a paper sheet typed by someone else"),
            ("unlock_sheet", "Can unlock a sheet of a closed round (chairman)"),
            ("decide_recall", "Can settle a tie at the recall cut-off (chairman)"),
            ("manage_tablets", "Can sign judges' tablets in and revoke them"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "dance", "judge"],
                condition=Q(dance__isnull=False),
                name="adjudication_sheet_one_per_dance_and_judge",
            ),
            models.UniqueConstraint(
                fields=["round", "entry", "judge"],
                condition=Q(entry__isnull=False),
                name="adjudication_sheet_one_per_entry_and_judge",
            ),
            models.CheckConstraint(
                condition=(Q(dance__isnull=False) & Q(entry__isnull=True))
                | (Q(dance__isnull=True) & Q(entry__isnull=False)),
                name="adjudication_sheet_dance_or_entry",
            ),
            models.CheckConstraint(
                condition=Q(source__in=["tablet", "api", "paper", "simulation"]),
                name="adjudication_sheet_source_valid",
            ),
            models.CheckConstraint(
                condition=Q(confirmed_by__isnull=True) | ~Q(confirmed_by=F("submitted_by")),
                name="adjudication_sheet_confirmed_by_another_person",
                violation_error_message=(
                    "A paper sheet is confirmed by someone other than its typist."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(source="paper")
                | Q(confirmed_at__isnull=True)
                | Q(confirmed_by__isnull=False),
                name="adjudication_sheet_paper_confirmation_named",
            ),
            models.CheckConstraint(
                condition=Q(count_accepted_by__isnull=True) | ~Q(count_accepted_reason=""),
                name="adjudication_sheet_accepted_count_has_reason",
                violation_error_message="Say why a sheet with the wrong number of crosses "
                "is accepted.",
            ),
            models.CheckConstraint(
                condition=Q(shadow=False)
                | (
                    ~Q(source="paper")
                    & Q(confirmed_at__isnull=True)
                    & Q(confirmed_by__isnull=True)
                    & Q(count_accepted_by__isnull=True)
                    & Q(count_accepted_reason="")
                ),
                name="adjudication_sheet_shadow_never_counted",
                violation_error_message="A shadow judge's sheet is never confirmed or accepted: "
                "it does not count.",
            ),
        ]

    def __str__(self) -> str:
        part = self.dance or self.entry
        return f"{self.judge.letter} · {self.round} · {part}"

    @property
    def counts(self) -> bool:
        """A sheet counts unless it is a paper sheet still waiting for its confirmation
        or a sheet the desk returned to its judge; a shadow judge's sheet never counts."""
        if self.shadow or self.returned_at is not None:
            return False
        return self.source != self.Source.PAPER or self.confirmed_at is not None


class Mark(models.Model):
    """One mark of a sheet: a recall cross (1), a place, or a criterion's score."""

    sheet = models.ForeignKey(Sheet, on_delete=models.CASCADE, related_name="marks")
    entry = models.ForeignKey(Entry, on_delete=models.RESTRICT, related_name="marks")
    criterion = models.ForeignKey(
        Criterion, null=True, blank=True, on_delete=models.RESTRICT, related_name="marks"
    )
    value = models.DecimalField(max_digits=7, decimal_places=2)

    class Meta:
        ordering = ["sheet", "entry_id", "criterion_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sheet", "entry"],
                condition=Q(criterion__isnull=True),
                name="adjudication_mark_once_per_sheet_and_entry",
            ),
            models.UniqueConstraint(
                fields=["sheet", "entry", "criterion"],
                condition=Q(criterion__isnull=False),
                name="adjudication_mark_once_per_sheet_entry_criterion",
            ),
            models.CheckConstraint(
                condition=Q(value__gte=0), name="adjudication_mark_value_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry_id}: {self.value}"


class MarkChange(models.Model):
    """The audit trail: every mark written, changed or removed, with who, when and why.

    Append-only: the database refuses to update a row (trigger), and the admin only
    shows them.
    """

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", "First submission"
        CORRECTED = "corrected", "Correction"
        CONFIRMED = "confirmed", "Paper sheet confirmed"
        UNLOCKED = "unlocked", "Unlocked by the chairman"
        RETURNED = "returned", "Returned to the judge (redance)"
        ACCEPTED = "accepted", "Accepted with the wrong number of crosses"

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="mark_changes")
    sheet = models.ForeignKey(Sheet, on_delete=models.CASCADE, related_name="changes")
    judge = models.ForeignKey(Judge, on_delete=models.RESTRICT, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    entry = models.ForeignKey(Entry, null=True, on_delete=models.RESTRICT, related_name="+")
    criterion = models.ForeignKey(Criterion, null=True, on_delete=models.RESTRICT, related_name="+")
    dance = models.ForeignKey(Dance, null=True, on_delete=models.RESTRICT, related_name="+")
    old_value = models.DecimalField(max_digits=7, decimal_places=2, null=True)
    new_value = models.DecimalField(max_digits=7, decimal_places=2, null=True)
    sheet_version = models.PositiveIntegerField()
    # RESTRICT, not SET_NULL: the trail is append-only, so an author cannot be erased
    # from it (deactivate the account instead).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.RESTRICT, related_name="+"
    )
    source = models.CharField(max_length=10)
    reason = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["round", "at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.actor} at {self.at:%H:%M:%S}"


class TabletSession(models.Model):
    """A tablet signed in as a judge, for one competition, until revoked or the day ends."""

    judge = models.ForeignKey(Judge, on_delete=models.CASCADE, related_name="tablet_sessions")
    session_key = models.CharField(max_length=64, unique=True)
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["judge", "-created_at"]

    def __str__(self) -> str:
        return f"Tablet of {self.judge}"


class RecallDecision(models.Model):
    """The chairman's choice when couples tie across the recall cut-off."""

    round = models.OneToOneField(Round, on_delete=models.CASCADE, related_name="recall_decision")
    recall_count = models.PositiveIntegerField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.RESTRICT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Recall {self.recall_count} from {self.round}"


class RoundResult(models.Model):
    """The tabulation of a closed round, as computed then (the marks sheet to publish)."""

    round = models.OneToOneField(Round, on_delete=models.CASCADE, related_name="result")
    computed_at = models.DateTimeField()
    data = models.JSONField(help_text="The full tabulation: tables, rules, steps.")

    def __str__(self) -> str:
        return f"Result of {self.round}"


class Placing(models.Model):
    """An entry's outcome in a closed round: recalled or not, or its place in a final."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="placings")
    entry = models.ForeignKey(Entry, on_delete=models.RESTRICT, related_name="placings")
    place = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    total = models.DecimalField(max_digits=10, decimal_places=3, null=True, blank=True)
    recalled = models.BooleanField(null=True)

    class Meta:
        ordering = ["round", "place", "entry_id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "entry"], name="adjudication_placing_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.entry} · {self.place}"


class Receipt(models.Model):
    """A judge's signed receipt of their sheets in a closed round: their marks, when the
    desk received each sheet, and the digest of the round's stored result, signed by the
    site (``adjudication.receipts``). Issued whenever the round's result is stored;
    superseded, with the reason, by a reopening, an unlock or a re-tabulation.

    Append-only but for the superseding fields, each set once (trigger)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="receipts")
    judge = models.ForeignKey(Judge, on_delete=models.RESTRICT, related_name="receipts")
    round_revision = models.PositiveIntegerField()
    issued_at = models.DateTimeField()
    code = models.CharField(
        max_length=19, unique=True, help_text="XXXX-XXXX-XXXX-XXXX: 80 bits of the digest."
    )
    digest = models.CharField(max_length=64, help_text="HMAC-SHA256 of the payload, hex.")
    key_id = models.CharField(max_length=16, help_text="Which key signed it.")
    payload = models.JSONField(help_text="The canonical content that was signed.")
    superseded_at = models.DateTimeField(null=True, blank=True)
    superseded_reason = models.CharField(max_length=400, blank=True)
    superseded_by = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.RESTRICT, related_name="supersedes"
    )

    class Meta:
        ordering = ["round", "judge__letter", "issued_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(superseded_at__isnull=True) | ~Q(superseded_reason=""),
                name="adjudication_receipt_superseded_with_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Receipt {self.code} · {self.judge.letter} · {self.round}"

    @property
    def current(self) -> bool:
        return self.superseded_at is None
