"""How an event is danced: rounds, their heats and who dances in each, and the trail of
lifecycle moves."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from competitions.models.people import Entry
from competitions.models.structure import (
    Competition,
    Event,
    RoundKind,
    RoundStatus,
    _status_condition,
)


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
