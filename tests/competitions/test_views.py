import pytest
from django.core.management import call_command
from django.urls import reverse

from competitions.models import Competition
from tests.factories.competitions import CompetitionFactory, HeatEntryFactory

pytestmark = pytest.mark.django_db


def publish(competition):
    Competition.objects.filter(pk=competition.pk).update(status="registration_open")


def test_home_lists_published_competitions_but_not_drafts(client):
    shown = CompetitionFactory(name="Shown Open")
    CompetitionFactory(name="Secret Draft")
    publish(shown)

    page = client.get(reverse("competitions:home")).content.decode()

    assert "Shown Open" in page
    assert "Secret Draft" not in page


def test_competition_page_shows_heats_by_bib(client):
    heat_entry = HeatEntryFactory()
    competition = heat_entry.heat.round.event.competition
    publish(competition)

    page = client.get(reverse("competitions:competition-detail", args=[competition.slug]))

    assert page.status_code == 200
    assert f'<span class="bib">{heat_entry.entry.competitor.bib}</span>' in page.content.decode()


def test_draft_competition_page_is_not_found(client):
    draft = CompetitionFactory()

    assert (
        client.get(reverse("competitions:competition-detail", args=[draft.slug])).status_code == 404
    )


def test_competition_page_queries_do_not_grow_with_entries(client, django_assert_max_num_queries):
    call_command("demo")

    with django_assert_max_num_queries(12):
        response = client.get(reverse("competitions:competition-detail", args=["demo"]))

    assert response.status_code == 200
    assert response.content.decode().count('class="bib"') == 24 + 6 + 10 + 7
