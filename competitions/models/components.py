"""Which components of a component event a judge scores (``Event.component_allocation``).

A *fixed* allocation row has no round and no dance: the judge scores that component in
every round and dance of the event. A *drawn* row belongs to one (round, dance): drawn
when the round is drawn, with the seed of the draw, so the draw can be repeated and the
tablets show it. An event whose judges score every component has no rows at all.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from competitions.models.people import Judge
from competitions.models.rounds import Round
from competitions.models.structure import Criterion, Dance, Event


class ComponentAllocation(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="allocations")
    judge = models.ForeignKey(Judge, on_delete=models.CASCADE, related_name="allocations")
    criterion = models.ForeignKey(
        Criterion,
        on_delete=models.CASCADE,
        related_name="allocations",
        verbose_name="component",
    )
    round = models.ForeignKey(
        Round,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="allocations",
        help_text="Empty for a fixed allocation; the round of a drawn one.",
    )
    dance = models.ForeignKey(
        Dance,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="allocations",
        help_text="Empty for a fixed allocation; the dance of a drawn one.",
    )
    seed = models.BigIntegerField(
        null=True, blank=True, help_text="The seed of the draw that made this row (drawn rows)."
    )

    class Meta:
        ordering = [
            "event_id",
            "round_id",
            "dance__position",
            "judge__letter",
            "criterion__position",
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "judge", "criterion"],
                condition=Q(round__isnull=True),
                name="competitions_allocation_fixed_once",
                violation_error_message="This judge already scores that component.",
            ),
            models.UniqueConstraint(
                fields=["round", "dance", "judge", "criterion"],
                condition=Q(round__isnull=False),
                name="competitions_allocation_drawn_once",
            ),
            models.CheckConstraint(
                condition=Q(round__isnull=True, dance__isnull=True, seed__isnull=True)
                | Q(round__isnull=False, dance__isnull=False),
                name="competitions_allocation_fixed_or_drawn",
                violation_error_message="A drawn allocation has a round and a dance; a fixed "
                "one has neither.",
            ),
        ]

    def __str__(self) -> str:
        where = f" · {self.round} · {self.dance}" if self.round_id else ""
        return f"{self.judge.letter} scores {self.criterion}{where}"
