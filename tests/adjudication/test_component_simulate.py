"""``simulate`` runs an event scored by components (a recall round drawn at random per
dance, then a final), and ``verify`` recomputes it: the stored results follow from the
marks, and a mark changed behind the services' back is found."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from adjudication.models import Mark, Placing, RoundResult
from adjudication.ops.verification import competition_verify
from competitions.models import CompetitionStatus, ComponentAllocation
from tests.adjudication.component_day import component_competition

pytestmark = pytest.mark.django_db


def test_simulate_runs_a_component_event_and_verify_recomputes_it():
    competition, event = component_competition()

    call_command("simulate", competition.slug, seed=4, quiet=True, stdout=StringIO())

    competition.refresh_from_db()
    assert competition.status == CompetitionStatus.FINISHED
    first, final = event.rounds.order_by("position")
    assert RoundResult.objects.get(round=first).data["result"]["recall"]["recalled"]
    # Each judge scored the components drawn for them in each dance, two judges a component.
    for dance in event.dances.all():
        drawn = ComponentAllocation.objects.filter(round=first, dance=dance)
        assert sorted(drawn.values_list("judge__letter", flat=True)) == list("ABCDEFGH")
    places = list(
        Placing.objects.filter(round=final).order_by("place").values_list("place", flat=True)
    )
    assert places and places[0] == 1
    out = StringIO()
    call_command("verify", competition.slug, stdout=out)
    assert out.getvalue().strip().endswith("all true.")

    mark = Mark.objects.filter(sheet__round=final).order_by("pk").first()
    changed = mark.value + Decimal("0.25") if mark.value < 10 else mark.value - Decimal("0.25")
    Mark.objects.filter(pk=mark.pk).update(value=changed)  # behind the services' back
    report = competition_verify(competition)
    assert not report.ok
    assert any("recomputed" in str(f) or "trail" in str(f) for f in report.findings)
