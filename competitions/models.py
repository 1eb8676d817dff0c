"""The structure of a competition: events, dances or criteria, competitors, entries,
the judging panel, rounds and heats.

Lifecycle rules are enforced by the database itself: CHECK constraints here, and
triggers written in ``migrations/0002_lifecycle_triggers.py`` (on PostgreSQL and
SQLite). ``competitions.services`` is the one way the application moves a state.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

from accounts.roles import JUDGE_ACCOUNT_REFUSAL, judge_account_allowed


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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_on", "name"]
        permissions = [("transition_competition", "Can move a competition through its lifecycle")]
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
        before = Event.objects.filter(pk=self.pk).values_list("drop_extremes", flat=True).first()
        if (
            before is not None
            and before != self.drop_extremes
            and self.rounds.filter(status__in=(RoundStatus.CLOSED, RoundStatus.PUBLISHED)).exists()
        ):
            raise ValidationError(
                {
                    "drop_extremes": "A round of this event has its results: changing how "
                    "scores count now would make them disagree with their marks."
                }
            )

    @property
    def is_skating(self) -> bool:
        return self.scoring_method == ScoringMethod.SKATING

    @property
    def slot_seconds(self) -> int:
        """The planned time of one heat and dance, or of one performance."""
        if self.heat_seconds:
            return self.heat_seconds
        if self.is_skating:
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


country_code_validator = RegexValidator(
    r"^[A-Z]{2,3}$", "Use the country's ISO code in capitals, e.g. GB, DE or USA."
)


class Competitor(models.Model):
    """A couple, a solo performer or a group, with the bib number worn all day."""

    competition = models.ForeignKey(
        Competition, on_delete=models.CASCADE, related_name="competitors"
    )
    kind = models.CharField(max_length=10, choices=EntryKind.choices, default=EntryKind.COUPLE)
    bib = models.PositiveIntegerField(
        null=True, blank=True, help_text="Assigned when registration closes."
    )
    name = models.CharField(
        max_length=200, help_text="The leader, the soloist or the group's name."
    )
    partner_name = models.CharField(max_length=200, blank=True, help_text="Couples only.")
    members = models.TextField(blank=True, help_text="Groups only: one member per line.")
    club = models.CharField(max_length=200, blank=True, verbose_name="club / studio")
    country = models.CharField(max_length=3, blank=True, validators=[country_code_validator])
    email = models.EmailField(blank=True)
    birth_year = models.PositiveIntegerField(null=True, blank=True)
    partner_birth_year = models.PositiveIntegerField(null=True, blank=True)
    reference = models.CharField(
        max_length=32,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text="The secret in the competitor's own registration link.",
    )
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["competition_id", "bib", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["competition", "bib"],
                name="competitions_competitor_bib_unique",
                violation_error_message="That bib number is already taken in this competition.",
            ),
            models.CheckConstraint(
                condition=Q(bib__isnull=True) | Q(bib__gt=0),
                name="competitions_competitor_bib_positive",
                violation_error_message="Bib numbers start at 1.",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=EntryKind.values), name="competitions_competitor_kind_valid"
            ),
            models.CheckConstraint(
                condition=~Q(kind=EntryKind.COUPLE) | ~Q(partner_name=""),
                name="competitions_competitor_couple_has_partner",
                violation_error_message="A couple needs the partner's name.",
            ),
            models.CheckConstraint(
                condition=Q(kind=EntryKind.COUPLE) | Q(partner_name=""),
                name="competitions_competitor_partner_only_for_couples",
                violation_error_message="Only a couple has a partner.",
            ),
            models.UniqueConstraint(
                "competition",
                Lower("name"),
                Lower("partner_name"),
                name="competitions_competitor_names_unique",
                violation_error_message="These competitors are already registered.",
            ),
        ]

    def __str__(self) -> str:
        prefix = f"{self.bib} " if self.bib else ""
        return f"{prefix}{self.display_name}"

    @property
    def display_name(self) -> str:
        if self.kind == EntryKind.COUPLE and self.partner_name:
            return f"{self.name} & {self.partner_name}"
        return self.name


class EntryStatus(models.TextChoices):
    ENTERED = "entered", "Entered"
    WAITING = "waiting", "On the waiting list"


class Entry(models.Model):
    """A competitor's entry in one event. The competitor must be of the event's competition.

    An entered entry that has not withdrawn holds a place (``Event.entries_taken``);
    a waiting one waits for a place in order of arrival (``created_at``, then ``id``).
    """

    Status = EntryStatus

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="entries")
    competitor = models.ForeignKey(Competitor, on_delete=models.CASCADE, related_name="entries")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ENTERED)
    withdrawn = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["event", "competitor__bib", "id"]
        verbose_name_plural = "entries"
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=EntryStatus.values), name="competitions_entry_status_valid"
            ),
            models.UniqueConstraint(
                fields=["event", "competitor"],
                name="competitions_entry_once_per_event",
                violation_error_message="This competitor is already entered in that event.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.competitor} in {self.event}"

    @property
    def bib_label(self) -> str:
        """The couple's number on sheets and screens: the bib (``#id`` before bibs are
        handed out)."""
        return str(self.competitor.bib or f"#{self.pk}")

    def clean(self) -> None:
        if self.event_id is None or self.competitor_id is None:
            return
        if self.competitor.competition_id != self.event.competition_id:
            raise ValidationError({"competitor": "This competitor belongs to another competition."})
        if self.competitor.kind != self.event.entry_kind:
            raise ValidationError(
                {
                    "competitor": f"“{self.event.name}” takes "
                    f"{EntryKind(self.event.entry_kind).label.lower()} entries, not "
                    f"{EntryKind(self.competitor.kind).label.lower()} ones."
                }
            )


class Judge(models.Model):
    """An adjudicator of a competition, known on the sheets by a letter."""

    competition = models.ForeignKey(Competition, on_delete=models.CASCADE, related_name="judges")
    letter = models.CharField(
        max_length=3,
        validators=[RegexValidator(r"^[A-Z]{1,3}$", "Use capital letters only: A, B, … AA.")],
    )
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=32, blank=True)
    country = models.CharField(max_length=3, blank=True, validators=[country_code_validator])
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="judge_seats",
    )

    class Meta:
        ordering = ["competition_id", "letter"]
        constraints = [
            models.UniqueConstraint(
                fields=["competition", "letter"],
                name="competitions_judge_letter_unique",
                violation_error_message=(
                    "That letter is already used by a judge of this competition."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(letter=""), name="competitions_judge_letter_not_empty"
            ),
            models.UniqueConstraint(
                fields=["competition", "user"],
                condition=Q(user__isnull=False),
                name="competitions_judge_one_seat_per_user",
                violation_error_message="This account already judges in this competition.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.letter} – {self.name}"

    def clean(self) -> None:
        # A tablet code signs this account in: it must open nothing but the judge's sheets
        # (the database refuses a staff or superuser account too: competitions.guards).
        if self.user is not None and not judge_account_allowed(self.user):
            raise ValidationError({"user": JUDGE_ACCOUNT_REFUSAL})


class StaffRole(models.TextChoices):
    """What a member of staff does at one competition; each is one of the site's role
    groups (``accounts.roles.Role``), whose permissions it grants there only."""

    ORGANIZER = "organizer", "Organizer"
    SCRUTINEER = "scrutineer", "Scrutineer"
    CHAIRMAN = "chairman", "Chairman of adjudicators"
    ANNOUNCER = "announcer", "Announcer (MC)"


class CompetitionStaff(models.Model):
    """A member of staff assigned to one competition in one role.

    A role group held site-wide (or a superuser) acts on every competition; an
    assignment grants that role's permissions on its competition only
    (``competitions.access``)."""

    competition = models.ForeignKey(Competition, on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="competition_roles"
    )
    role = models.CharField(max_length=16, choices=StaffRole.choices)

    class Meta:
        ordering = ["competition_id", "role", "user_id"]
        verbose_name = "staff member"
        verbose_name_plural = "staff"
        constraints = [
            models.UniqueConstraint(
                fields=["competition", "user", "role"],
                name="competitions_competitionstaff_unique",
                violation_error_message="This person already has this role here.",
            ),
            models.CheckConstraint(
                condition=Q(role__in=StaffRole.values),
                name="competitions_competitionstaff_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.competition}"

    def clean(self) -> None:
        user = getattr(self, "user", None)
        if user is None:
            return
        if user.judge_seats.exists():
            raise ValidationError(
                {"user": "This account judges: staff need an account of their own."}
            )
        if self.role == StaffRole.ANNOUNCER:
            return
        if not user.is_staff:
            raise ValidationError(
                {
                    "user": f"A {self.get_role_display().lower()} signs in to the admin with a "
                    "second factor: give this account staff status first."
                }
            )


class PanelSeat(models.Model):
    """A judge sitting on an event's panel. Judge and event share a competition."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="panel")
    judge = models.ForeignKey(Judge, on_delete=models.CASCADE, related_name="seats")

    class Meta:
        ordering = ["event", "judge__letter"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "judge"],
                name="competitions_panelseat_once_per_event",
                violation_error_message="This judge already sits on that panel.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.judge.letter} on {self.event}"

    def clean(self) -> None:
        if (
            self.event_id
            and self.judge_id
            and self.judge.competition_id != self.event.competition_id
        ):
            raise ValidationError({"judge": "This judge belongs to another competition."})


class Round(models.Model):
    Kind = RoundKind
    Status = RoundStatus

    TRANSITIONS: dict[str, tuple[str, ...]] = {
        Status.PLANNED: (Status.OPEN,),
        Status.OPEN: (Status.CLOSED,),
        Status.CLOSED: (Status.PUBLISHED, Status.OPEN),
        Status.PUBLISHED: (),
    }

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="rounds")
    position = models.PositiveIntegerField(help_text="1 for the first round of the event.")
    kind = models.CharField(max_length=14, choices=Kind.choices)
    recall_count = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Couples to recall to the next round (empty for a final).",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    draw_seed = models.BigIntegerField(
        null=True, blank=True, editable=False, help_text="The seed of the last heat draw."
    )
    revision = models.PositiveIntegerField(
        default=1,
        editable=False,
        help_text="Goes up each time the round is reopened; sheets of an older one are stale.",
    )

    class Meta:
        ordering = ["event", "position"]
        permissions = [("transition_round", "Can open, close, reopen and publish rounds")]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "position"],
                name="competitions_round_position_unique",
                violation_error_message="The event already has a round in that position.",
            ),
            models.CheckConstraint(
                condition=_status_condition(RoundStatus), name="competitions_round_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=RoundKind.values), name="competitions_round_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(position__gt=0), name="competitions_round_position_positive"
            ),
            models.CheckConstraint(
                condition=(Q(kind="final") & Q(recall_count__isnull=True))
                | (~Q(kind="final") & Q(recall_count__isnull=False) & Q(recall_count__gt=0)),
                name="competitions_round_recall_count_fits_kind",
                violation_error_message=(
                    "A final recalls nobody; every other round must say how many couples "
                    "it recalls."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} – {self.get_kind_display()}"

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS[self.status]


class Heat(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="heats")
    number = models.PositiveIntegerField()
    entries = models.ManyToManyField(Entry, through="HeatEntry", related_name="heats")

    class Meta:
        ordering = ["round", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "number"],
                name="competitions_heat_number_unique",
                violation_error_message="The round already has a heat with that number.",
            ),
            models.CheckConstraint(
                condition=Q(number__gt=0), name="competitions_heat_number_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round} – heat {self.number}"


class HeatEntry(models.Model):
    """An entry dancing in a heat. The database checks the entry belongs to the
    heat's event and dances in only one heat of the round."""

    heat = models.ForeignKey(Heat, on_delete=models.CASCADE, related_name="heat_entries")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="heat_entries")
    position = models.PositiveIntegerField(
        null=True, blank=True, help_text="Running order within the heat (criteria events)."
    )

    class Meta:
        ordering = ["heat", "position", "entry__competitor__bib"]
        verbose_name_plural = "heat entries"
        constraints = [
            models.UniqueConstraint(
                fields=["heat", "entry"],
                name="competitions_heatentry_once_per_heat",
                violation_error_message="This entry is already in that heat.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry.competitor} in {self.heat}"

    def clean(self) -> None:
        if self.heat_id is None or self.entry_id is None:
            return
        if self.entry.event_id != self.heat.round.event_id:
            raise ValidationError({"entry": "This entry is not in the heat's event."})
        elsewhere = HeatEntry.objects.filter(
            entry_id=self.entry_id, heat__round_id=self.heat.round_id
        ).exclude(pk=self.pk)
        if elsewhere.exists():
            raise ValidationError(
                {"entry": "This entry already dances in another heat of the round."}
            )


class StatusChange(models.Model):
    """The trail of lifecycle moves: who moved what, from where to where, and when."""

    competition = models.ForeignKey(
        Competition, on_delete=models.CASCADE, related_name="status_changes"
    )
    round = models.ForeignKey(
        Round, null=True, blank=True, on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(max_length=24)
    to_status = models.CharField(max_length=24)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    note = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["competition_id", "at", "id"]

    def __str__(self) -> str:
        subject = self.round or self.competition
        return f"{subject}: {self.from_status} → {self.to_status}"


class RegistrationLink(models.Model):
    """An unguessable link through which competitors or judges sign up."""

    class Kind(models.TextChoices):
        COMPETITOR = "competitor", "Competitors"
        JUDGE = "judge", "Judges"

    competition = models.ForeignKey(
        Competition, on_delete=models.CASCADE, related_name="registration_links"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    token = models.CharField(max_length=64, unique=True, editable=False)
    label = models.CharField(max_length=100, blank=True, help_text="A note for the organizer.")
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["competition_id", "kind", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["competitor", "judge"]),
                name="competitions_registrationlink_kind_valid",
            ),
            models.CheckConstraint(
                # bandit: a constraint on a token column, not a password
                condition=~Q(token=""),  # nosec B106
                name="competitions_registrationlink_token_not_empty",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} link for {self.competition}"


class JudgeApplication(models.Model):
    """A judge who signed up through a judge link, waiting for the organizer."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the organizer"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"

    competition = models.ForeignKey(
        Competition, on_delete=models.CASCADE, related_name="judge_applications"
    )
    link = models.ForeignKey(RegistrationLink, null=True, on_delete=models.SET_NULL)
    name = models.CharField(max_length=200)
    letter_preference = models.CharField(
        max_length=3,
        blank=True,
        validators=[RegexValidator(r"^[A-Z]{1,3}$", "Use capital letters only: A, B, … AA.")],
    )
    email = models.EmailField()
    phone = models.CharField(max_length=32, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    judge = models.OneToOneField(
        Judge, null=True, blank=True, on_delete=models.SET_NULL, related_name="application"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["competition_id", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "accepted", "declined"]),
                name="competitions_judgeapplication_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_status_display().lower()})"


class IdempotencyKey(models.Model):
    """The first answer given to a request key, replayed when the same key comes again."""

    scope = models.CharField(max_length=80)
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the request body.")
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="competitions_idempotency_unique")
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"


class FailedJob(models.Model):
    """A background job that failed all its tries (the dead-letter table)."""

    task_name = models.CharField(max_length=200)
    task_id = models.CharField(max_length=64)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    error = models.TextField()
    traceback = models.TextField(blank=True)
    failed_at = models.DateTimeField(auto_now_add=True)
    retried_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-failed_at"]

    def __str__(self) -> str:
        return f"{self.task_name} failed at {self.failed_at:%Y-%m-%d %H:%M}"


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
    process's memory. ``adjudication.floor`` is the one way it moves."""

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
