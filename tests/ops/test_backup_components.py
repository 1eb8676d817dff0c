"""A competition with a component event, simulated (its allocations drawn at random for
each dance), backed up and restored on an empty database: every allocation comes back
with its seed, the restored rounds give each judge the same components, and ``verify``
recomputes every result from the restored marks."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import AuditEntry, User
from adjudication.models import Mark
from adjudication.ops.backups import backup_build, backup_restore
from adjudication.ops.verification import competition_verify
from competitions.components import round_allocation
from competitions.models import AllocationMode, Competition, ComponentAllocation, Round
from tests.adjudication.component_day import component_competition

pytestmark = pytest.mark.django_db


def allocations(slug: str) -> list[tuple]:
    return sorted(
        ComponentAllocation.objects.filter(event__competition__slug=slug).values_list(
            "round__position", "dance__name", "judge__letter", "criterion__short_name", "seed"
        )
    )


def plans(slug: str) -> dict:
    """Round → dance → judge → the components ``round_allocation`` gives, by name."""
    return {
        round_.position: {
            round_.event.dances.get(pk=dance).name: {
                round_.event.competition.judges.get(pk=judge).letter: [c.short_name for c in cs]
                for judge, cs in by_judge.items()
            }
            for dance, by_judge in round_allocation(round_).items()
        }
        for round_ in Round.objects.filter(event__competition__slug=slug).select_related("event")
    }


def test_backup_and_restore_keep_a_component_event_with_drawn_allocations():
    competition, event = component_competition()
    call_command("simulate", competition.slug, seed=4, quiet=True, stdout=StringIO())
    assert event.component_allocation == AllocationMode.RANDOM
    drawn_before, plans_before = allocations(competition.slug), plans(competition.slug)
    marks = Mark.objects.filter(sheet__round__event=event).count()
    data = backup_build([competition])
    competition.delete()
    User.objects.exclude(pk__in=AuditEntry.objects.values("actor")).delete()
    assert not ComponentAllocation.objects.exists()

    report = backup_restore(data)

    restored = Competition.objects.get(slug=competition.slug)
    assert report.competitions == [competition.slug]
    assert allocations(restored.slug) == drawn_before
    assert len(drawn_before) == 2 * 3 * 8  # two rounds, three dances, one row per judge
    assert {seed for *_, seed in drawn_before} != {None}
    assert plans(restored.slug) == plans_before
    assert Mark.objects.filter(sheet__round__event__competition=restored).count() == marks
    verified = competition_verify(restored)
    assert verified.ok, verified.findings
    out = StringIO()
    call_command("verify", restored.slug, stdout=out)
    assert out.getvalue().strip().endswith("all true.")


def test_backup_keeps_a_fixed_allocation_of_an_event_not_run_yet():
    competition, event = component_competition()
    event.component_allocation = AllocationMode.FIXED
    event.save(update_fields=["component_allocation"])
    for judge, component in zip(
        competition.judges.order_by("letter"),
        list(event.criteria.order_by("position")) * 2,
        strict=True,
    ):
        ComponentAllocation.objects.create(event=event, judge=judge, criterion=component)
    fixed_before = allocations(competition.slug)
    data = backup_build([competition])
    competition.delete()

    backup_restore(data)

    assert allocations(competition.slug) == fixed_before
    assert [row[:2] for row in fixed_before] == [(None, None)] * 8
