"""Issue 18 items 6 and 7 through the pages and the public snapshot and API: the desk is
told when the day runs on another date than planned, and a finished competition's
screens (projector, phones, the API, the desk's day page) show it finished with its
results, also after a simulation that stopped half way and was resumed."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from adjudication.day.floor import floor_move
from adjudication.ops import simulation
from competitions.models import Competition, Floor, FloorMove, TimetableItem
from competitions.timetable import timetable_insert_break
from tests.day.helpers import build_programme
from tests.day.test_dayclock_timetable import finished_with_the_floor_left_on_a_heat
from tests.factories.accounts import UserFactory
from tests.support.auth import sign_in_staff

pytestmark = pytest.mark.django_db


def desk(client):
    return sign_in_staff(client, UserFactory(roles=["scrutineer"]))


def day_page(client, competition) -> str:
    response = client.get(reverse("adjudication:desk-day", args=[competition.slug]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_day_page_tells_the_desk_the_day_runs_on_another_date_than_planned(client):
    p = build_programme()  # planned for 6 March 2027; "today" is whenever the test runs
    desk(client)

    before = day_page(client, p.competition)
    assert "data-date-notice" in before
    assert "Planned for Saturday 6 March 2027 at 09:00; today is" in before

    floor_move(competition=p.competition, action="next", actor=None)
    after = day_page(client, p.competition)
    assert "Planned for Saturday 6 March 2027, this day began on" in after
    assert "every time here follows its actual start" in after


def test_on_its_planned_date_the_day_page_has_no_date_notice(client):
    p = build_programme()
    today = timezone.localdate()
    Competition.objects.filter(pk=p.competition.pk).update(starts_on=today, ends_on=today)
    desk(client)

    assert "data-date-notice" not in day_page(client, p.competition)


def live_state(client, competition) -> dict:
    response = client.get(f"/api/v1/competitions/{competition.slug}/live/")
    assert response.status_code == 200
    return response.json()


def test_a_finished_competitions_snapshot_has_nothing_on_the_floor_whatever_the_floor_row(
    client,
):
    p = build_programme()
    finished_with_the_floor_left_on_a_heat(p)

    state = live_state(client, p.competition)

    assert state["competition"]["finished"] is True
    assert state["now"]["phase"] == "idle"
    assert state["next"] == []
    timetable = client.get(f"/api/v1/competitions/{p.competition.slug}/timetable/").json()
    assert timetable["floor"]["phase"] == "idle"
    states = {line["label"]: line["state"] for line in timetable["lines"]}
    assert states["Tea"] == "skipped"
    assert "to_come" not in states.values() and "on_floor" not in states.values()


def rehearsal_stopped_half_way_then_resumed(competition, monkeypatch):
    """``simulate --pace 1`` stopped by Ctrl-C during the fourth heat, then ``simulate``."""
    waits = []

    def interrupted(seconds):
        waits.append(seconds)
        if len(waits) == 4:
            raise KeyboardInterrupt

    monkeypatch.setattr(simulation, "pause", interrupted)
    with pytest.raises(KeyboardInterrupt):
        call_command("simulate", competition.slug, seed=4, pace="1", stdout=StringIO())
    assert Floor.objects.get(competition=competition).phase == "dancing"
    call_command("simulate", competition.slug, seed=4, stdout=StringIO())
    competition.refresh_from_db()


@pytest.fixture
def resumed(monkeypatch):
    p = build_programme()
    timetable_insert_break(
        competition=p.competition, after_position=2, minutes=20, title="Tea", actor=None
    )
    rehearsal_stopped_half_way_then_resumed(p.competition, monkeypatch)
    return p


def test_a_resumed_simulation_walks_the_whole_day_and_leaves_the_floor_clear(resumed):
    competition = resumed.competition

    assert competition.status == "finished"
    assert Floor.objects.get(competition=competition).phase == "idle"
    assert not TimetableItem.objects.filter(competition=competition, started_at=None).exists()
    last = FloorMove.objects.filter(competition=competition).order_by("at", "id").last()
    assert last.action == FloorMove.Action.CLEAR


def test_after_a_resumed_simulation_the_public_screens_show_it_finished_with_results(
    client, resumed
):
    competition = resumed.competition
    state = live_state(client, competition)
    projector = client.get(f"/live/{competition.slug}/").content.decode()
    phone = client.get(f"/results/{competition.slug}/").content.decode()

    assert state["competition"]["finished"] is True
    assert (state["now"]["phase"], state["next"], state["floor"]) == ("idle", [], [])
    finals = [b for b in state["results"] if b["type"] == "placings"]
    assert len(finals) == 3 and all(block["placings"] for block in finals)
    for page in (projector, phone):
        assert f"{competition.name}: finished" in page
        assert "Finished: every result is published" in page
        assert "On the floor</span>" not in page
        assert "Break before" not in page and "Tea</strong>" not in page
    assert "Nothing on the floor right now" not in phone
    assert phone.count('class="live-result') >= 3


def test_after_a_resumed_simulation_the_day_page_shows_it_finished_with_its_results(
    client, resumed
):
    desk(client)

    page = day_page(client, resumed.competition)

    assert "data-finished" in page and "is finished</strong>" in page
    assert 'data-floor-action="next"' not in page and "Start next" not in page
    assert "Start break" not in page
    for event in ("Adult Latin", "Junior Waltz", "Pageant"):
        assert f"<h3>{event}</h3>" in page
    assert page.count("data-place") >= 9
    assert " · now" not in page


def test_the_snapshot_of_a_competition_on_its_day_still_shows_the_floor(client):
    p = build_programme()
    floor_move(
        competition=p.competition,
        action="next",
        actor=None,
        at=timezone.now() - dt.timedelta(seconds=30),
    )

    state = live_state(client, p.competition)

    assert state["competition"]["finished"] is False
    assert state["now"]["phase"] == "dancing"
    assert state["next"]
