import json

import pytest
from django.urls import reverse

from tests.factories.competitions import CompetitionFactory
from tests.leaderboard.helpers import (
    MARKS,
    Pageant,
    json_numbers,
    published_first_round,
    quiet,
    quiet_day,
)

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
    assert json_numbers(body).isdisjoint(MARKS)


@pytest.mark.parametrize("name", ["live", "results", "live-snapshot"])
def test_a_draft_competition_has_no_live_pages(client, name):
    draft = CompetitionFactory()

    response = client.get(reverse(f"leaderboard:{name}", args=[draft.slug]))

    assert response.status_code == 404


# --- The tablet's polling fallback ------------------------------------------------------------


def test_the_tablet_state_is_the_sockets_snapshot_and_401_when_signed_out(client, role_groups):
    from adjudication.models import TabletSession
    from adjudication.tablet.sessions import tablet_code_issue, tablet_revoke

    day = quiet_day()
    judge = day.judges[0]
    url = reverse("adjudication:tablet-state")
    anonymous = client.get(url)
    code = tablet_code_issue(judge=judge, actor=None)
    client.post("/tablet/", {"competition": day.competition.slug, "letter": "A", "code": code})

    response = client.get(url)
    with quiet():
        tablet_revoke(tablet=TabletSession.objects.get(), actor=None)
    revoked = client.get(url)

    assert anonymous.status_code == 401
    assert anonymous.json() == {"type": "signed_out"}
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    state = response.json()
    assert state["type"] == "tablet"
    assert state["judge"]["letter"] == "A"
    assert [r["round"] for r in state["rounds"]] == [day.first.pk]
    assert [p["state"] for p in state["rounds"][0]["parts"]] == ["to_send", "to_send"]
    assert "marks" not in json.dumps(state)
    assert revoked.status_code == 401


def test_the_tablet_pages_follow_the_tablet_socket_not_a_timer(client, role_groups):
    from adjudication.tablet.sessions import tablet_code_issue

    day = quiet_day()
    code = tablet_code_issue(judge=day.judges[0], actor=None)
    client.post("/tablet/", {"competition": day.competition.slug, "letter": "A", "code": code})

    page = client.get("/tablet/home/").content.decode()
    sheet = client.get(f"/tablet/round/{day.first.pk}/d{day.dances[0].pk}/").content.decode()

    assert 'data-live-socket="/ws/tablet/"' in page
    assert 'data-live-state="/tablet/state.json"' in page
    assert 'data-page="home"' in page and "data-sheets" in page
    assert "data-refresh" not in page
    assert f'data-page="sheet" data-round="{day.first.pk}"' in sheet
    assert "data-takes-marks" in sheet
