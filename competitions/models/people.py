"""Who takes part: competitors and their entries, judges and their panel seats, and the
competition's staff."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from accounts.roles import JUDGE_ACCOUNT_REFUSAL, judge_account_allowed
from competitions.models.structure import Competition, EntryKind, Event

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
    seeded_round = models.PositiveIntegerField(
        null=True,
        blank=True,
        verbose_name="seeded into round",
        help_text="A seeded (star) couple joins the event in this round (2 for the second "
        "round), set before that round is drawn; empty: dances from the first round.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["event", "competitor__bib", "id"]
        verbose_name_plural = "entries"
        constraints = [
            models.CheckConstraint(
                condition=Q(seeded_round__isnull=True) | Q(seeded_round__gt=1),
                name="competitions_entry_seeded_into_a_later_round",
                violation_error_message="A seeded couple joins in round 2 or later.",
            ),
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
        return self.label_for(self.competitor.bib, self.pk)

    @staticmethod
    def label_for(bib: int | None, entry_id: int) -> str:
        """``bib_label`` of an entry read as values (its competitor's bib and its id)."""
        return str(bib or f"#{entry_id}")

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
        # (the database refuses a staff or superuser account too: competitions.db_rules).
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
    """A judge sitting on an event's panel. Judge and event share a competition.

    A seat holds for every round unless bounded: a replacement judge's seat starts at
    ``from_round`` and names the seat it ``replaces``, which then ends at
    ``until_round`` (positions of the event's rounds). ``competitions.selectors.round_panel``
    reads the panel of one round."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="panel")
    judge = models.ForeignKey(Judge, on_delete=models.CASCADE, related_name="seats")
    from_round = models.PositiveIntegerField(
        null=True, blank=True, help_text="Sits from this round on (empty: from the first)."
    )
    until_round = models.PositiveIntegerField(
        null=True, blank=True, help_text="Sits up to and including this round (empty: to the end)."
    )
    replaces = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="replaced_by",
        help_text="The seat this replacement judge took over.",
    )
    shadow = models.BooleanField(
        default=False,
        verbose_name="shadow (trainee)",
        help_text="A trainee's seat: their sheets are collected and shown in the agreement "
        "report, never counted.",
    )

    class Meta:
        ordering = ["event", "judge__letter"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "judge"],
                name="competitions_panelseat_once_per_event",
                violation_error_message="This judge already sits on that panel.",
            ),
            models.CheckConstraint(
                condition=Q(from_round__isnull=True)
                | Q(until_round__isnull=True)
                | Q(from_round__lte=models.F("until_round")),
                name="competitions_panelseat_rounds_ordered",
                violation_error_message="A seat cannot end before it starts.",
            ),
            models.CheckConstraint(
                condition=Q(replaces__isnull=True) | Q(from_round__isnull=False),
                name="competitions_panelseat_replacement_has_start",
                violation_error_message="A replacement judge sits from a given round on.",
            ),
            models.CheckConstraint(
                condition=Q(shadow=False) | Q(replaces__isnull=True),
                name="competitions_panelseat_shadow_replaces_nobody",
                violation_error_message="A shadow judge cannot replace a judge.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.judge.letter} on {self.event}"

    def sits_in(self, position: int) -> bool:
        """Whether this seat is on the panel of the event's round at ``position``."""
        return (self.from_round is None or self.from_round <= position) and (
            self.until_round is None or position <= self.until_round
        )

    def clean(self) -> None:
        if (
            self.event_id
            and self.judge_id
            and self.judge.competition_id != self.event.competition_id
        ):
            raise ValidationError({"judge": "This judge belongs to another competition."})
        if self.pk and self.event_id and self.judge_id:
            before = PanelSeat.objects.filter(pk=self.pk).values_list("shadow", flat=True).first()
            judged = self.judge.sheets.filter(round__event_id=self.event_id).exists()
            if before is not None and before != self.shadow and judged:
                raise ValidationError(
                    {
                        "shadow": "This judge has sent sheets in this event: whether they "
                        "count is settled (a shadow's never do)."
                    }
                )
