"""The day itself: the timetable, and what is on the floor now with its moves."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.text import slugify

from competitions.models.people import Entry
from competitions.models.rounds import Round
from competitions.models.structure import Competition, Dance


class TimetableItem(models.Model):
    """One line of the day's programme: a round (its heats are listed under it) or a
    break. Positions run from 1 in the order of the day; ``competitions.timetable`` is
    the one way they are built and edited, and refuses changes to what has started.
    ``floor`` empty: the default floor (a one-floor day never fills it); each floor's
    programme is its lines in the order of their positions."""

    class Kind(models.TextChoices):
        ROUND = "round", "Round"
        BREAK = "break", "Break"

    competition = models.ForeignKey(Competition, on_delete=models.CASCADE, related_name="timetable")
    position = models.PositiveIntegerField()
    floor = models.ForeignKey(
        "Floor",
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="lines",
        help_text="The floor it runs on; empty: the default (first) floor.",
    )
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
    """A dance floor and what is on it now: one row per floor, so two heats can never be
    on one floor at once. A competition has one floor unless its organizer adds more;
    the lowest ``position`` is the default (timetable lines and moves without a floor
    are on it). Timers are derived from the stored times, never from a process's
    memory. ``adjudication.day.floor`` is the one way it moves."""

    Phase = FloorPhase

    competition = models.ForeignKey(Competition, on_delete=models.CASCADE, related_name="floors")
    name = models.CharField(
        max_length=30, default="A", help_text="Short, as the screens show it: A, B, Floor 2."
    )
    position = models.PositiveIntegerField(
        default=1, help_text="1 for the default floor, then 2, 3… (the order of the switcher)."
    )
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
        ordering = ["competition_id", "position"]
        permissions = [
            ("run_floor", "Can move the floor forward and edit the timetable (desk, chairman)"),
            ("announce", "Can see the announcer's view"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["competition", "position"],
                name="competitions_floor_position_unique",
                violation_error_message="This competition already has a floor in that place.",
            ),
            models.UniqueConstraint(
                fields=["competition", "name"],
                name="competitions_floor_name_unique",
                violation_error_message="This competition already has a floor of that name.",
            ),
            models.CheckConstraint(
                condition=Q(position__gt=0), name="competitions_floor_position_positive"
            ),
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
        return f"{self.competition}: floor {self.name}"

    @property
    def slug(self) -> str:
        """Its part of the live screen's address: ``/live/<competition>/<slug>/``."""
        return slugify(self.name)

    def clean(self) -> None:
        super().clean()
        if not self.slug:
            raise ValidationError({"name": "Give the floor a name with a letter or digit."})
        others = Floor.objects.filter(competition_id=self.competition_id).exclude(pk=self.pk)
        if any(other.slug == self.slug for other in others):
            raise ValidationError({"name": "Another floor of this competition has that name."})

    @property
    def label(self) -> str:
        """ "Floor A", or the name itself when it says floor already ("Floor 2")."""
        return self.name if "floor" in self.name.lower() else f"Floor {self.name}"


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
    floor = models.ForeignKey(
        Floor, null=True, blank=True, on_delete=models.RESTRICT, related_name="moves"
    )  # empty: the default floor (every move of a one-floor day)
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
