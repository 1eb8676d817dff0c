from collections import Counter
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from competitions.models import (
    Competition,
    ComponentAllocation,
    HeatEntry,
    RoundKind,
    TimetableItem,
)

pytestmark = pytest.mark.django_db


def test_demo_builds_the_promised_competition(capsys):
    call_command("demo")

    demo = Competition.objects.get(slug="demo")
    latin, waltz, pageant, youth = demo.events.order_by("position")
    assert demo.status == "registration_closed"
    assert latin.entries.count() == 24
    assert latin.panel.count() == 7
    assert latin.dances.count() == 5
    assert list(latin.rounds.values_list("kind", flat=True)) == [
        RoundKind.FIRST,
        RoundKind.SEMI_FINAL,
        RoundKind.FINAL,
    ]
    assert waltz.dances.count() == 1
    assert pageant.scoring_method == "criteria"
    assert pageant.criteria.count() == 3
    # Scored by components as WDSF's AJS 3.0: four equally weighted components on 1-10,
    # six judges with two components each (three judges a component), a direct final.
    assert (youth.scoring_method, youth.component_allocation) == ("components", "fixed")
    assert youth.component_tolerance == Decimal("1.5")
    assert list(youth.dances.values_list("name", flat=True)) == ["Waltz", "Tango", "Quickstep"]
    assert list(youth.criteria.values_list("short_name", "weight", "min_score", "step")) == [
        (short, Decimal(1), Decimal(1), Decimal("0.5")) for short in ("TQ", "MM", "PS", "CP")
    ]
    assert youth.entries.count() == 7
    assert sorted(youth.panel.values_list("judge__letter", flat=True)) == list("ABCDEF")
    allocated = ComponentAllocation.objects.filter(event=youth, round__isnull=True)
    assert sorted(Counter(allocated.values_list("judge__letter", flat=True)).values()) == [2] * 6
    assert (
        sorted(Counter(allocated.values_list("criterion__short_name", flat=True)).values())
        == [3] * 4
    )
    assert list(youth.rounds.values_list("kind", flat=True)) == [RoundKind.FINAL]
    assert [h.heat_entries.count() for h in youth.rounds.get().heats.all()] == [7]
    day = [
        item.title or f"{item.round.event.name} {item.round.kind}"
        for item in TimetableItem.objects.filter(competition=demo).order_by("position")
    ]
    assert day == [
        "Adult Latin Open first",
        "Adult Latin Open semi_final",
        "Adult Latin Open final",
        "Break before the finals",
        "Junior Waltz final",
        "Miss Podium Pageant final",
        "Youth Standard final",
    ]
    first_round = latin.rounds.get(position=1)
    heat_sizes = [heat.heat_entries.count() for heat in first_round.heats.all()]
    assert heat_sizes == [12, 12]
    output = capsys.readouterr().out
    assert "organizer" in output and "demo-organizer" in output
    assert User.objects.get(username="organizer").check_password("demo-organizer")


def test_demo_twice_changes_nothing(capsys):
    call_command("demo")
    heats_before = sorted(HeatEntry.objects.values_list("heat__number", "entry_id"))

    call_command("demo")

    assert Competition.objects.count() == 1
    assert sorted(HeatEntry.objects.values_list("heat__number", "entry_id")) == heats_before
    assert "already exists" in capsys.readouterr().out


def test_demo_with_the_same_seed_draws_the_same_heats():
    call_command("demo", seed=7)
    first = sorted(HeatEntry.objects.values_list("heat__number", "entry__competitor__bib"))

    call_command("demo", seed=7, reset=True)

    assert sorted(HeatEntry.objects.values_list("heat__number", "entry__competitor__bib")) == first


def test_demo_if_empty_leaves_a_real_database_alone():
    from tests.factories.competitions import CompetitionFactory

    CompetitionFactory(slug="real-event")

    call_command("demo", if_empty=True)

    assert not Competition.objects.filter(slug="demo").exists()


def test_demo_refused_on_production_sites(settings):
    settings.PRODUCTION = True

    with pytest.raises(CommandError, match="published passwords"):
        call_command("demo")

    assert not Competition.objects.exists()
