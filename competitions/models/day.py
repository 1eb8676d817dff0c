"""The day itself: the timetable, and what is on the floor now with its moves."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from competitions.models.people import Entry
from competitions.models.rounds import Round
from competitions.models.structure import Competition, Dance


class TimetableItem(models.Model):
    """One line of the day's programme: a round (its heats are listed under it) or a
    break. Positions run from 1 in the order of the day; ``competitions.timetable`` is
    the one way they are built and edited, and refuses changes to what has started."""

    class Kind(models.TextChoices):
        ROUND = "round", "Round"
        BREAK = "break", "Break"

    competition = models.ForeignKey(Competition, on_delete=models.CASCADE, related_name="timetable")
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=6, choices=Kind.choices)
    round = models.OneToOneField(
        Round, null=True, blank=True, on_delete=models.CASCADE, related_name="timetable_item"
    )
    title = models.CharField(max_length=120, blank=True, help_text="e.g. Lunch, Prize-giving")
    minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="Length of a break, in minutes."
    )
    heat_seconds = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(10)],
        help_text="This round's time per heat and dance (or performance); empty: the event's.",
    )
    not_before = models.DateTimeField(
        null=True, blank=True, help_text="Do not start before this time (e.g. a finals session)."
    )
    started_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When its first heat or the break began."
    )

    class Meta:
        ordering = ["competition_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["competition", "position"],
                name="competitions_timetableitem_position_unique",
            ),
            models.CheckConstraint(
                condition=Q(position__gt=0), name="competitions_timetableitem_position_positive"
            ),
            models.CheckConstraint(
                condition=(Q(kind="round") & Q(round__isnull=False) & Q(minutes__isnull=True))
                | (Q(kind="break") & Q(round__isnull=True) & Q(minutes__gt=0)),
                name="competitions_timetableitem_round_or_break",
                violation_error_message="A timetable line is a round, or a break with minutes.",
            ),
            models.CheckConstraint(
                condition=Q(heat_seconds__isnull=True) | Q(heat_seconds__gte=10),
                name="competitions_timetableitem_heat_seconds_sensible",
            ),
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.BREAK:
            return f"{self.position}. {self.title or 'Break'} ({self.minutes} min)"
        return f"{self.position}. {self.round}"


class FloorPhase(models.TextChoices):
    IDLE = "idle", "Nothing on the floor"
    DANCING = "dancing", "On the floor"
    DANCED = "danced", "Danced: judges finishing their marks"
    BREAK = "break", "Break"


class Floor(models.Model):
    """What is on the floor now: one row per competition (one floor), so two heats can
    never be on it at once. Timers are derived from the stored times, never from a
    process's memory. ``adjudication.day.floor`` is the one way it moves."""

    Phase = FloorPhase

    competition = models.OneToOneField(Competition, on_delete=models.CASCADE, related_name="floor")
    phase = models.CharField(max_length=8, choices=Phase.choices, default=Phase.IDLE)
    round = models.ForeignKey(
        Round, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    dance = models.ForeignKey(
        Dance, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    heat_number = models.PositiveIntegerField(null=True, blank=True)
    entry = models.ForeignKey(
        Entry, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    break_item = models.ForeignKey(
        TimetableItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    danced_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        permissions = [
            ("run_floor", "Can move the floor forward and edit the timetable (desk, chairman)"),
            ("announce", "Can see the announcer's view"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(phase__in=FloorPhase.values), name="competitions_floor_phase_valid"
            ),
            models.CheckConstraint(
                condition=Q(phase__in=["idle", "break"]) | Q(round__isnull=False),
                name="competitions_floor_dancing_has_round",
            ),
            models.CheckConstraint(
                condition=~Q(phase="danced") | Q(danced_at__isnull=False),
                name="competitions_floor_danced_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.competition}: {self.get_phase_display()}"


class FloorMove(models.Model):
    """The trail of the day: every move of the floor, who made it and when."""

    class Action(models.TextChoices):
        START = "start", "Started"
        DANCED = "danced", "Danced"
        BREAK = "break", "Break started"
        CLEAR = "clear", "Floor cleared"

    competition = models.ForeignKey(
        Competition, on_delete=models.CASCADE, related_name="floor_moves"
    )
    action = models.CharField(max_length=8, choices=Action.choices)
    round = models.ForeignKey(
        Round, null=True, blank=True, on_delete=models.CASCADE, related_name="floor_moves"
    )
    dance = models.ForeignKey(
        Dance, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    heat_number = models.PositiveIntegerField(null=True, blank=True)
    entry = models.ForeignKey(
        Entry, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    label = models.CharField(max_length=300)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["competition_id", "at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=["start", "danced", "break", "clear"]),
                name="competitions_floormove_action_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%H:%M:%S} {self.get_action_display()}: {self.label}"
