"""The shape of a competition: the competition itself, its events, dances and criteria,
and the status and kind choices they use."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q


def _status_condition(choices: type[models.TextChoices]) -> Q:
    return Q(status__in=choices.values)


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not a known time zone (e.g. Europe/London).")


class CompetitionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    REGISTRATION_OPEN = "registration_open", "Registration open"
    REGISTRATION_CLOSED = "registration_closed", "Registration closed"
    IN_PROGRESS = "in_progress", "In progress"
    FINISHED = "finished", "Finished"
    ARCHIVED = "archived", "Archived"
    CANCELLED = "cancelled", "Cancelled"


class RoundStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    OPEN = "open", "Open for scoring"
    CLOSED = "closed", "Closed"
    PUBLISHED = "published", "Published"


class RoundKind(models.TextChoices):
    FIRST = "first", "First round"
    INTERMEDIATE = "intermediate", "Intermediate round"
    SEMI_FINAL = "semi_final", "Semi-final"
    FINAL = "final", "Final"


class BibOrder(models.TextChoices):
    BY_EVENT = "by_event", "By event, then by order of registration"
    ALPHABETICAL = "alphabetical", "Alphabetical by name"
    RANDOM = "random", "Random"


class Competition(models.Model):
    Status = CompetitionStatus

    # The only moves the database accepts (mirrored by the trigger migration).
    TRANSITIONS: dict[str, tuple[str, ...]] = {
        Status.DRAFT: (Status.REGISTRATION_OPEN, Status.CANCELLED),
        Status.REGISTRATION_OPEN: (Status.REGISTRATION_CLOSED, Status.CANCELLED),
        Status.REGISTRATION_CLOSED: (
            Status.IN_PROGRESS,
            Status.REGISTRATION_OPEN,
            Status.CANCELLED,
        ),
        Status.IN_PROGRESS: (Status.FINISHED,),
        Status.FINISHED: (Status.ARCHIVED,),
        Status.ARCHIVED: (),
        Status.CANCELLED: (),
    }

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    venue = models.CharField(max_length=200, blank=True)
    starts_on = models.DateField()
    ends_on = models.DateField()
    timezone = models.CharField(
        max_length=64, default="Europe/London", validators=[validate_timezone]
    )
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.DRAFT)
    registration_opens_at = models.DateTimeField(null=True, blank=True)
    registration_closes_at = models.DateTimeField(null=True, blank=True)
    capacity = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Most entries the competition takes over all its events; empty for no limit.",
    )
    entries_taken = models.PositiveIntegerField(
        default=0, editable=False, help_text="Entries holding a place (kept by registration)."
    )
    bib_start = models.PositiveIntegerField(
        default=1, validators=[MinValueValidator(1)], help_text="The first bib number."
    )
    bib_order = models.CharField(
        max_length=12,
        choices=BibOrder.choices,
        default=BibOrder.BY_EVENT,
        help_text="How bib numbers are handed out when registration closes.",
    )
    day_starts_at = models.TimeField(
        default=dt.time(9, 0),
        help_text="Local time the first heat of the day starts; the timetable counts from it.",
    )
    judge_names_public = models.BooleanField(
        default=True,
        verbose_name="show judges' names in published results",
        help_text="Published marks sheets and printed results name each judge beside their "
        "letter; untick to publish letters only.",
    )
    agreement_shows_names = models.BooleanField(
        default=False,
        verbose_name="name judges in the agreement report",
        help_text="The desk's report of how each judge agreed with the panel shows letters "
        "and names; unticked, each judge is an anonymous number (Judge 1, Judge 2…).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_on", "name"]
        permissions = [
            ("transition_competition", "Can move a competition through its lifecycle"),
            ("view_judge_agreement", "Can read how each judge agreed with the panel"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=_status_condition(CompetitionStatus),
                name="competitions_competition_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="competitions_competition_dates_ordered",
                violation_error_message="The competition cannot end before it starts.",
            ),
            models.CheckConstraint(
                condition=Q(registration_opens_at__isnull=True)
                | Q(registration_closes_at__isnull=True)
                | Q(registration_closes_at__gt=F("registration_opens_at")),
                name="competitions_competition_registration_window_ordered",
                violation_error_message="Registration must close after it opens.",
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gt=0),
                name="competitions_competition_capacity_positive",
                violation_error_message="The capacity must be at least 1 (or empty).",
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(entries_taken__lte=F("capacity")),
                name="competitions_competition_within_capacity",
                violation_error_message="The competition holds more entries than its capacity.",
            ),
            models.CheckConstraint(
                condition=Q(bib_order__in=BibOrder.values),
                name="competitions_competition_bib_order_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS[self.status]


class ScoringMethod(models.TextChoices):
    SKATING = "skating", "Skating System (rounds, recalls, placements)"
    CRITERIA = "criteria", "Weighted criteria"
    COMPONENTS = "components", "Component scores (Absolute Judging System)"


class AllocationMode(models.TextChoices):
    """Which components a judge of a component event scores (``docs/tabulation.md``)."""

    EVERY_JUDGE = "every_judge", "Every judge scores every component"
    FIXED = "fixed", "Fixed per judge (set on the event's allocations)"
    RANDOM = "random", "Drawn at random for each dance when the round is drawn"


class EntryKind(models.TextChoices):
    COUPLE = "couple", "Couple"
    SOLO = "solo", "Solo"
    GROUP = "group", "Group"


class ResultsReveal(models.TextChoices):
    PUBLISHED = "published", "Only when the round is published"
    LIVE_TOTAL = "live_total", "A running total as judges submit"


class Event(models.Model):
    class Style(models.TextChoices):
        STANDARD = "standard", "Standard / Ballroom"
        LATIN = "latin", "Latin"
        TEN_DANCE = "ten_dance", "Ten dance"
        SMOOTH = "smooth", "Smooth"
        RHYTHM = "rhythm", "Rhythm"
        PAGEANT = "pageant", "Pageant"
        CHOIR = "choir", "Choir"
        PERFORMANCE = "performance", "Performance"
        OTHER = "other", "Other"

    competition = models.ForeignKey(Competition, on_delete=models.CASCADE, related_name="events")
    name = models.CharField(max_length=200, help_text="e.g. “Adult Latin Open”")
    position = models.PositiveIntegerField(default=1, help_text="Order in the programme.")
    style = models.CharField(max_length=20, choices=Style.choices)
    level = models.CharField(max_length=60, blank=True, help_text="e.g. Open, Amateur, D class")
    age_group = models.CharField(max_length=60, blank=True, help_text="e.g. Adult, Junior II")
    scoring_method = models.CharField(max_length=10, choices=ScoringMethod.choices)
    entry_kind = models.CharField(
        max_length=10, choices=EntryKind.choices, default=EntryKind.COUPLE
    )
    results_reveal = models.CharField(
        max_length=12,
        choices=ResultsReveal.choices,
        default=ResultsReveal.PUBLISHED,
        help_text="What the public screens show before the round is published: nothing but "
        "how many judges are in (dancesport), or a running total as judges submit (pageants, "
        "choirs).",
    )
    drop_extremes = models.BooleanField(
        "drop the highest and lowest score",
        default=False,
        help_text="Criteria events: for each entry and criterion, one highest and one lowest "
        "judge's score are left out of the mean (a trimmed mean; needs at least three "
        "judges). The published marks sheet shows what was left out.",
    )
    component_tolerance = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.5"),
        help_text="Component events: for each couple, dance and component, a score further "
        "than this from the panel's median is discarded before the mean (AJS 3.0).",
    )
    component_allocation = models.CharField(
        max_length=12,
        choices=AllocationMode.choices,
        default=AllocationMode.EVERY_JUDGE,
        help_text="Component events: which components each judge scores.",
    )
    entry_limit = models.PositiveIntegerField(
        null=True, blank=True, help_text="Most entries this event takes; empty for no limit."
    )
    entries_taken = models.PositiveIntegerField(default=0, editable=False)
    waiting_list = models.BooleanField(
        default=False, help_text="When full, keep later registrations waiting in order."
    )
    min_age = models.PositiveIntegerField(
        null=True, blank=True, help_text="Youngest age reached in the competition's year."
    )
    max_age = models.PositiveIntegerField(
        null=True, blank=True, help_text="Oldest age reached in the competition's year."
    )
    max_per_heat = models.PositiveIntegerField(
        default=12,
        validators=[MinValueValidator(1)],
        help_text="Most couples on the floor at once in a preliminary round.",
    )
    final_size = models.PositiveIntegerField(
        default=6, validators=[MinValueValidator(2)], help_text="Couples in a planned final."
    )
    direct_final_max = models.PositiveIntegerField(
        default=8,
        validators=[MinValueValidator(2)],
        help_text="Up to this many entries dance a direct final.",
    )
    separate_clubs = models.BooleanField(
        default=True, help_text="Keep couples of the same club in different heats if possible."
    )
    heat_seconds = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(10)],
        help_text="Planned time per heat and dance (dancesport) or per performance "
        "(criteria), change-over included. Empty: 120 s per heat and dance, or the "
        "performance and scoring windows (else 180 s) per performance.",
    )
    performance_seconds = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(5)],
        help_text="Timer: the length of a dance or performance (e.g. 90 s). Empty: no timer.",
    )
    scoring_seconds = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(5)],
        help_text="Timer: the judges' scoring window once a dance or performance is over "
        "(e.g. 30 s). Late sheets are still taken; the desk sees who is late.",
    )

    class Meta:
        # competition_id, not competition: ordering by the relation would expand to the
        # competition's own ordering and join its table into every query of events and
        # everything ordered by event (dances, criteria, rounds, entries, sheets…), where a
        # single competition is almost always filtered already. The admin's lists keep the
        # newest competition first (competitions/admin.py).
        ordering = ["competition_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["competition", "name"],
                name="competitions_event_name_unique",
                violation_error_message="This competition already has an event of that name.",
            ),
            models.CheckConstraint(
                condition=Q(scoring_method__in=ScoringMethod.values),
                name="competitions_event_scoring_method_valid",
            ),
            models.CheckConstraint(
                condition=Q(entry_kind__in=EntryKind.values),
                name="competitions_event_entry_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(results_reveal__in=ResultsReveal.values),
                name="competitions_event_results_reveal_valid",
            ),
            models.CheckConstraint(
                condition=Q(component_allocation__in=AllocationMode.values),
                name="competitions_event_component_allocation_valid",
            ),
            models.CheckConstraint(
                condition=Q(component_tolerance__gte=0),
                name="competitions_event_component_tolerance_not_negative",
                violation_error_message="The tolerance is 0 or more.",
            ),
            models.CheckConstraint(
                condition=Q(entry_limit__isnull=True) | Q(entry_limit__gt=0),
                name="competitions_event_entry_limit_positive",
                violation_error_message="The entry limit must be at least 1 (or empty).",
            ),
            models.CheckConstraint(
                condition=Q(entry_limit__isnull=True) | Q(entries_taken__lte=F("entry_limit")),
                name="competitions_event_within_entry_limit",
                violation_error_message="The event holds more entries than its limit.",
            ),
            models.CheckConstraint(
                condition=Q(min_age__isnull=True)
                | Q(max_age__isnull=True)
                | Q(min_age__lte=F("max_age")),
                name="competitions_event_age_range_ordered",
                violation_error_message="The youngest age must not be above the oldest.",
            ),
            models.CheckConstraint(
                condition=Q(direct_final_max__gte=F("final_size")),
                name="competitions_event_direct_final_fits",
                violation_error_message="A direct final must hold at least a planned final.",
            ),
            models.CheckConstraint(
                condition=(Q(heat_seconds__isnull=True) | Q(heat_seconds__gte=10))
                & (Q(performance_seconds__isnull=True) | Q(performance_seconds__gte=5))
                & (Q(scoring_seconds__isnull=True) | Q(scoring_seconds__gte=5)),
                name="competitions_event_timers_sensible",
                violation_error_message="Heat lengths are at least 10 s and timers at least 5 s.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.pk is None:
            return
        before = (
            Event.objects.filter(pk=self.pk)
            .values("drop_extremes", "component_tolerance", "scoring_method")
            .first()
        )
        if (
            before is None
            or not self.rounds.filter(
                status__in=(RoundStatus.CLOSED, RoundStatus.PUBLISHED)
            ).exists()
        ):
            return
        for field in ("drop_extremes", "component_tolerance", "scoring_method"):
            if before[field] != getattr(self, field):
                raise ValidationError(
                    {
                        field: "A round of this event has its results: changing how "
                        "scores count now would make them disagree with their marks."
                    }
                )

    @property
    def is_skating(self) -> bool:
        """Tabulated by the Skating System (marks are crosses and places)."""
        return self.scoring_method == ScoringMethod.SKATING

    @property
    def is_components(self) -> bool:
        """Scored by components (the Absolute Judging System's way)."""
        return self.scoring_method == ScoringMethod.COMPONENTS

    @property
    def is_danced(self) -> bool:
        """Danced in rounds of heats and dances (skating or components), not performed
        entry by entry (criteria)."""
        return self.scoring_method in (ScoringMethod.SKATING, ScoringMethod.COMPONENTS)

    @property
    def slot_seconds(self) -> int:
        """The planned time of one heat and dance, or of one performance."""
        if self.heat_seconds:
            return self.heat_seconds
        if self.is_danced:
            return 120
        timed = (self.performance_seconds or 0) + (self.scoring_seconds or 0)
        return timed or 180


class Dance(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="dances")
    name = models.CharField(max_length=60, help_text="e.g. Waltz, Cha Cha Cha")
    short_name = models.CharField(max_length=6, blank=True, help_text="e.g. W, C")
    position = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["event", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "name"],
                name="competitions_dance_name_unique",
                violation_error_message="This event already has a dance of that name.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Criterion(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(max_length=80, help_text="e.g. Technique, Presentation")
    short_name = models.CharField(
        max_length=6,
        blank=True,
        help_text="Component events: the abbreviation the screens show, e.g. TQ, MM, PS, CP.",
    )
    position = models.PositiveIntegerField(default=1)
    weight = models.DecimalField(max_digits=6, decimal_places=3, default=Decimal("1"))
    min_score = models.DecimalField(max_digits=7, decimal_places=2, default=Decimal("0"))
    max_score = models.DecimalField(max_digits=7, decimal_places=2, default=Decimal("10"))
    step = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("0.5"))

    class Meta:
        ordering = ["event", "position", "id"]
        verbose_name_plural = "criteria"
        constraints = [
            models.UniqueConstraint(
                fields=["event", "name"],
                name="competitions_criterion_name_unique",
                violation_error_message="This event already has a criterion of that name.",
            ),
            models.CheckConstraint(
                condition=Q(weight__gt=0),
                name="competitions_criterion_weight_positive",
                violation_error_message="The weight must be greater than 0.",
            ),
            models.CheckConstraint(
                condition=Q(min_score__lt=F("max_score")),
                name="competitions_criterion_range_ordered",
                violation_error_message="The minimum score must be below the maximum.",
            ),
            models.CheckConstraint(
                condition=Q(step__gt=0),
                name="competitions_criterion_step_positive",
                violation_error_message="The step must be greater than 0.",
            ),
            models.CheckConstraint(
                condition=Q(min_score__gte=0),
                name="competitions_criterion_min_not_negative",
                violation_error_message="Scores start at 0 or above.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if None in (self.min_score, self.max_score, self.step):
            return
        span = self.max_score - self.min_score
        if self.step > 0 and span > 0 and span % self.step != 0:
            raise ValidationError(
                {
                    "step": f"The range {self.min_score}–{self.max_score} is not a whole number "
                    f"of steps of {self.step}."
                }
            )
