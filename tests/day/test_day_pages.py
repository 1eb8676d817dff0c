"""The day at the desk (floor controls, timetable and its editing), the announcer's
view and the printed running order, through their pages."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from adjudication.day.floor import floor_move
from adjudication.ops.simulation import competition_simulate
from competitions.models import Floor, FloorMove, StatusChange, TimetableItem
from tests.day.helpers import build_programme
from tests.factories.accounts import UserFactory
from tests.support.auth import sign_in_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme():
    return build_programme(timers=True)


def login(client, role):
    """Signed in as ``role``: staff roles with their second factor verified."""
    return sign_in_staff(client, UserFactory(roles=[role]))


def day_url(p):
    return reverse("adjudication:desk-day", args=[p.competition.slug])


def test_the_day_page_shows_the_floor_and_the_timetable_with_estimates(client, programme):
    response = login(client, "scrutineer").get(day_url(programme))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Nothing on the floor." in page
    assert "Start next: Adult Latin – First round · Samba · heat 1" in page
    assert "Adult Latin – Final" in page and "to be drawn" in page
    assert "09:00" in page


def test_the_day_page_is_for_the_desk(client, programme):
    assert client.get(day_url(programme)).status_code == 302  # to the sign-in
    assert login(client, "judge").get(day_url(programme)).status_code == 403
    assert login(client, "announcer").get(day_url(programme)).status_code == 403


def test_the_desk_moves_the_floor_and_sees_the_trail(client, programme):
    login(client, "chairman")
    move_url = reverse("adjudication:desk-floor-move", args=[programme.competition.slug])

    response = client.post(move_url, {"action": "next"}, follow=True)

    page = response.content.decode()
    floor = Floor.objects.get(competition=programme.competition)
    assert (floor.phase, floor.dance.name, floor.heat_number) == ("dancing", "Samba", 1)
    assert "Floor: Adult Latin – First round · Samba · heat 1." in page
    assert "Mark danced" in page
    client.post(move_url, {"action": "danced"})
    assert FloorMove.objects.filter(competition=programme.competition).count() == 2


def test_a_round_still_to_be_drawn_is_shown_next_without_a_button_that_would_fail(
    client, programme
):
    login(client, "scrutineer")
    for _ in range(4):  # both heats of both dances of the first round
        floor_move(competition=programme.competition, action="next", actor=None)
        floor_move(competition=programme.competition, action="danced", actor=None)

    page = client.get(day_url(programme) + "?fragment=1").content.decode()

    assert "data-floor-waits" in page
    assert "Next: <strong>Adult Latin – Final (to be drawn)</strong>" in page
    assert 'data-floor-action="next"' not in page


def test_the_desk_sees_who_is_late_and_asks_again_when_the_next_window_ends(client, programme):
    from django.utils import timezone

    from adjudication.services import round_entries

    login(client, "scrutineer")
    now = timezone.now()
    pageant = programme.round(programme.pageant)
    first, second = round_entries(pageant)[:2]
    competition = programme.competition

    def move(action, seconds_ago, entry=None):
        target = {"round_id": pageant.pk, "entry_id": entry.pk} if entry else {}
        at = now - dt.timedelta(seconds=seconds_ago)
        floor_move(competition=competition, action=action, actor=None, at=at, **target)

    move("start", 300, first)
    move("danced", 200)  # its 30 s scoring window is long over
    move("start", 10, second)

    page = client.get(day_url(programme) + "?fragment=1").content.decode()

    # The first performance's sheets are late although the floor has moved on.
    assert "Late: judges <strong>A, B, C</strong>" in page
    assert page.count("data-late-part") == 1
    assert escape(first.competitor.display_name) in page.split("data-late-part")[1]
    # The second performance's window (90 s) ends in about 80 s: the page asks then.
    refresh = int(re.search(r'data-refresh-in="(\d+)"', page).group(1))
    assert 75 <= refresh <= 82


@pytest.mark.parametrize(
    "data, message",
    [
        ({"action": "jump"}, "is not a move of the floor"),
        ({"action": "start", "round": "x"}, "is not a round number"),
        ({"action": "danced"}, "No heat is on the floor"),
        ({"action": "break", "item": "999999"}, "Choose a break"),
    ],
)
def test_bad_floor_moves_are_refused_with_a_message_and_nothing_written(
    client, programme, data, message
):
    login(client, "scrutineer")
    url = reverse("adjudication:desk-floor-move", args=[programme.competition.slug])

    response = client.post(url, data, follow=True)

    assert message in response.content.decode()
    assert not FloorMove.objects.exists()


def test_a_judge_cannot_move_the_floor(client, programme):
    login(client, "judge")
    url = reverse("adjudication:desk-floor-move", args=[programme.competition.slug])

    assert client.post(url, {"action": "next"}).status_code == 403
    assert not FloorMove.objects.exists()


def test_the_timetable_is_edited_from_the_desk(client, programme):
    login(client, "scrutineer")
    url = reverse("adjudication:desk-timetable-edit", args=[programme.competition.slug])
    pageant = TimetableItem.objects.get(round__event=programme.pageant)

    client.post(url, {"what": "up", "item": pageant.pk})
    client.post(url, {"what": "insert_break", "after": 0, "minutes": 10, "title": "Warm-up"})
    response = client.post(
        url, {"what": "heat_seconds", "item": pageant.pk, "heat_seconds": "abc"}, follow=True
    )

    assert "Give the heat length in seconds as a whole number." in response.content.decode()
    order = list(
        TimetableItem.objects.filter(competition=programme.competition).values_list(
            "title", "round__event__name"
        )
    )
    assert order[0] == ("Warm-up", None)
    assert order[3] == ("", "Pageant")


def test_the_announcer_reads_the_heat_then_the_results_in_reverse_order(client, programme):
    floor_move(competition=programme.competition, action="next", actor=None)
    login(client, "announcer")
    url = reverse("adjudication:announcer", args=[programme.competition.slug])

    page = client.get(url).content.decode()
    heat = [
        he.entry.competitor
        for he in Floor.objects.get(competition=programme.competition)
        .round.heats.get(number=1)
        .heat_entries.select_related("entry__competitor")
    ]
    assert "Adult Latin – First round · Samba · heat 1" in page
    for competitor in heat:
        assert escape(competitor.display_name) in page

    floor_move(competition=programme.competition, action="danced", actor=None)
    floor_move(competition=programme.competition, action="clear", actor=None)
    competition_simulate(competition=programme.competition, seed=5)
    page = client.get(url + "?fragment=1").content.decode()
    assert "Results to read, last place first" in page
    from adjudication.models import Placing

    final = Placing.objects.filter(
        round__event=programme.pageant, round__kind="final"
    ).select_related("entry__competitor")
    names = [escape(p.entry.competitor.display_name) for p in sorted(final, key=lambda p: -p.place)]
    positions = [page.index(name) for name in names]
    assert positions == sorted(positions)  # last place read first, the winner last


def test_the_announcer_reads_bibs_and_clubs_on_the_floor_and_the_recalls_in_bib_order(
    client, programme
):
    floor_move(competition=programme.competition, action="next", actor=None)
    login(client, "announcer")
    url = reverse("adjudication:announcer", args=[programme.competition.slug]) + "?fragment=1"

    page = client.get(url).content.decode()
    on_floor = (
        Floor.objects.get(competition=programme.competition)
        .round.heats.get(number=1)
        .heat_entries.select_related("entry__competitor")
    )
    for competitor in (he.entry.competitor for he in on_floor):
        assert f'<span class="bib">{competitor.bib}</span> {escape(competitor.display_name)}' in (
            page
        )
        assert f'<span class="club">({competitor.club})</span>' in page
    assert "Recalls to read" not in page  # nothing published yet
    # The next heat (Samba heat 2) is called to the floor with its bibs and clubs.
    call = page[page.index("data-announcer-call") : page.index("</section>", page.index("Call"))]
    assert "Call to the floor: Adult Latin – First round · Samba · heat 2" in call
    second = programme.round(programme.latin).heats.get(number=2).heat_entries
    bibs = sorted(he.entry.competitor.bib for he in second.select_related("entry__competitor"))
    assert [int(b) for b in re.findall(r'<span class="bib">(\d+)</span>', call)] == bibs
    assert call.count('<span class="club">') == len(bibs)


def test_the_announcer_reads_the_recalls_of_a_published_round_by_bib(client):
    from adjudication.services import round_close, round_publish
    from tests.adjudication.day import all_recall_sheets, build_day

    day = build_day(couples=8, recall=6)
    all_recall_sheets(day)
    round_close(round=day.first, actor=None)
    round_publish(round=day.first, actor=None)
    login(client, "announcer")
    url = reverse("adjudication:announcer", args=[day.competition.slug]) + "?fragment=1"

    page = client.get(url).content.decode()

    recalls = page[page.index("Recalls to read") : page.index("</section>", page.index("Recalls"))]
    assert "Adult Latin – First round" in recalls and "6 couples go through" in recalls
    recalled = day.first.placings.filter(recalled=True).select_related("entry__competitor")
    bibs = sorted(p.entry.competitor.bib for p in recalled)
    assert len(bibs) == 6
    assert [int(b) for b in re.findall(r'<span class="bib">(\d+)</span>', recalls)] == bibs
    assert recalls.count('<span class="club">') == 6


def test_the_announcer_keeps_the_latest_three_published_rounds_newest_first(client, programme):
    competition_simulate(competition=programme.competition, seed=5)
    login(client, "announcer")
    url = reverse("adjudication:announcer", args=[programme.competition.slug]) + "?fragment=1"

    page = client.get(url).content.decode()

    newest = list(
        StatusChange.objects.filter(competition=programme.competition, to_status="published")
        .order_by("-at", "-id")
        .values_list("round__event__name", flat=True)[:3]
    )
    headings = re.findall(
        r"<h2>(?:Results to read, last place first|Recalls to read): ([^<–]+)", page
    )
    assert [h.strip() for h in headings] == newest


def test_the_announcer_view_is_not_public(client, programme):
    url = reverse("adjudication:announcer", args=[programme.competition.slug])

    assert client.get(url).status_code == 302
    assert login(client, "judge").get(url).status_code == 403


def test_the_printed_running_order_lists_every_heat_with_names(client, programme):
    url = reverse("competitions:running-order", args=[programme.competition.slug])

    page = client.get(url).content.decode()

    assert "running order" in page and "@media print" not in page
    assert "Samba · heat 2" in page
    assert "Heats to be drawn after the round before." in page
    for entry in programme.pageant.entries.select_related("competitor"):
        assert entry.competitor.display_name in page


def test_the_running_order_of_a_draft_competition_is_not_public(client):
    from tests.factories.competitions import CompetitionFactory

    draft = CompetitionFactory()
    url = reverse("competitions:running-order", args=[draft.slug])

    assert client.get(url).status_code == 404


def test_the_desk_roles_need_their_second_factor_for_the_day_and_the_announcer(client, programme):
    client.force_login(UserFactory(roles=["scrutineer"]))  # password only

    for url in (
        day_url(programme),
        reverse("adjudication:announcer", args=[programme.competition.slug]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(("/admin/login/", "/account/sign-in/"))
    move_url = reverse("adjudication:desk-floor-move", args=[programme.competition.slug])
    assert client.post(move_url, {"action": "next"}).status_code == 302
    assert not FloorMove.objects.exists()
