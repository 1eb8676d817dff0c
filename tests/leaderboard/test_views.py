import json

import pytest
from django.urls import reverse

from tests.factories.competitions import CompetitionFactory
from tests.leaderboard.helpers import Pageant, published_first_round, quiet, quiet_day

pytestmark = pytest.mark.django_db


def test_the_projector_page_renders_the_floor_first(client):
    day = quiet_day()

    response = client.get(reverse("leaderboard:live", args=[day.competition.slug]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Adult Latin" in page and "First round" in page
    for entry in day.entries():
        assert f'<li class="live-bib">{entry.competitor.bib}</li>' in page
    assert f'data-live-socket="/ws/live/{day.competition.slug}/"' in page
    assert 'id="live-snapshot"' in page
    assert "data-live-fullscreen" in page
    # The next line of the timetable, with its estimated start; the final waits for
    # the first round's recalls.
    assert "<strong>Adult Latin</strong> · Final (to be drawn)" in page


def test_the_phone_page_lists_published_results(client):
    day = published_first_round(quiet_day())

    response = client.get(reverse("leaderboard:results", args=[day.competition.slug]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "First round · recalled" in page
    assert "Final" in page


def test_the_snapshot_endpoint_is_json_and_briefly_cacheable(client):
    pageant = Pageant()
    with quiet():
        pageant.score(pageant.judges[0], pageant.entries[0], "7.5", "9.5")

    response = client.get(reverse("leaderboard:live-snapshot", args=[pageant.competition.slug]))

    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "public, max-age=1"
    body = json.loads(response.content)
    assert body["type"] == "snapshot"
    assert body["floor"][0]["parts"][0]["in"] == 1
    assert "7.5" not in response.content.decode()


@pytest.mark.parametrize("name", ["live", "results", "live-snapshot"])
def test_a_draft_competition_has_no_live_pages(client, name):
    draft = CompetitionFactory()

    response = client.get(reverse(f"leaderboard:{name}", args=[draft.slug]))

    assert response.status_code == 404
