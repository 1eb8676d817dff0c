"""The results desk's pages follow the pushes: the round page's live fragment, the
tablets column, the nudges that make the desks fetch again (a tablet signing in, a
round opening), and the desk socket staying per-competition staff only. Also the round
page's folded audit trail and a paper sheet's typed marks beside its Confirm button."""

import re

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from adjudication.services import round_close, round_publish
from adjudication.tablet.sessions import tablet_session_start
from competitions.models import CompetitionStaff
from competitions.services import round_transition
from leaderboard.broadcast import relays
from tests.adjudication.day import all_recall_sheets, build_day
from tests.factories.accounts import UserFactory
from tests.leaderboard.helpers import quiet, quiet_day
from tests.leaderboard.test_consumers import closed_with, desk_cookies, receive_json, socket
from tests.support.auth import sign_in_staff


def round_url(round_, fragment=False):
    return reverse("adjudication:desk-round", args=[round_.pk]) + (
        "?fragment=1" if fragment else ""
    )


# --- Pages (one transaction per test) ---------------------------------------------------------


@pytest.fixture
def desk(client):
    return sign_in_staff(client, UserFactory(username="desk", roles=["scrutineer"]))


@pytest.mark.django_db
def test_the_round_page_is_a_live_fragment_on_the_desk_socket(desk):
    day = build_day()

    page = desk.get(round_url(day.first)).content.decode()
    day.send(day.judges[1], day.dances[0], day.crosses(day.entries()[:6]))
    fragment = desk.get(round_url(day.first, fragment=True)).content.decode()

    box = re.search(r'<div data-live-fragment="([^"]+)" data-live-socket="([^"]+)"', page)
    assert box.groups() == (
        round_url(day.first, fragment=True),
        f"/ws/desk/{day.competition.slug}/",
    )
    assert '<td class="missing">A B C</td>' in page
    assert "<html" not in fragment and "Close and tabulate" in fragment
    assert '<td class="missing">A C</td>' in fragment


@pytest.mark.django_db
def test_the_round_pages_buttons_follow_the_rounds_state(desk):
    day = build_day()
    all_recall_sheets(day)
    open_ = desk.get(round_url(day.first, fragment=True)).content.decode()
    round_close(round=day.first, actor=None, seed=3)
    closed = desk.get(round_url(day.first, fragment=True)).content.decode()

    assert "<html" not in open_ and "<html" not in closed  # the live fragment only
    assert 'value="close"' in open_ and 'value="publish"' not in open_
    assert 'value="close"' not in closed and 'value="publish"' in closed
    assert 'name="reason"' in closed


@pytest.mark.django_db
def test_a_finished_rounds_trail_is_folded_with_its_count_newest_first(desk):
    day = build_day()
    all_recall_sheets(day)  # 3 judges x 2 dances x 6 crosses
    day.send(
        day.judges[0],
        day.dances[1],
        day.crosses(day.entries()[1:7]),
        base_version=1,
        reason="a late correction",
    )
    round_close(round=day.first, actor=None, seed=3)

    page = desk.get(round_url(day.first)).content.decode()

    trail = re.search(r'<details class="trail" id="trail-\d+">(.*?)</details>', page, re.S)
    assert trail is not None  # folded: <details> without "open"
    assert "38 changes, newest first" in trail.group(1)
    rows = re.findall(r"<tr><td>[\d:]+</td>.*?</tr>", trail.group(1), re.S)
    assert "a late correction" in rows[0]


@pytest.mark.django_db
def test_a_paper_sheet_to_confirm_shows_its_marks_as_typed(desk):
    day = build_day()
    typist = UserFactory(username="typist", roles=["scrutineer"])
    crossed = day.entries()[2:8]
    sheet = day.send(
        day.judges[2], day.dances[0], day.crosses(crossed), source="paper", actor=typist
    ).sheet

    page = desk.get(round_url(day.first)).content.decode()

    check = re.search(rf'data-paper-check="{sheet.pk}">(.*?)</div>', page, re.S).group(1)
    typed = re.findall(r'<span class="typed-mark">(.*?)</span>', check)
    assert typed == [f"✕ {e.bib_label}" for e in sorted(crossed, key=lambda e: e.competitor.bib)]
    assert 'value="confirm"' in check
    assert "judge C's paper" in check


@pytest.mark.django_db
def test_the_tablets_column_is_in_the_desks_live_fragment(desk):
    day = build_day()
    url = reverse("adjudication:desk-competition", args=[day.competition.slug]) + "?fragment=1"
    before = desk.get(url).content.decode()
    tablet_session_start(judge=day.judges[1], session_key="k" * 32)
    after = desk.get(url).content.decode()

    cell = r'<td data-tablets="B">(.*?)</td>'
    assert "Sign out" not in re.search(cell, before, re.S).group(1)
    assert "Sign out" in re.search(cell, after, re.S).group(1)


@pytest.mark.django_db
def test_the_competitions_public_page_links_to_its_other_pages(client):
    day = build_day()
    slug = day.competition.slug
    page = client.get(reverse("competitions:competition-detail", args=[slug])).content.decode()

    nav = re.search(r'<nav class="page-links".*?</nav>', page, re.S).group(0)
    links = {name: href for href, name in re.findall(r'href="([^"]+)">([^<]+)</a>', nav)}
    assert links == {
        "Results": f"/results/{slug}/",
        "Timetable": f"/c/{slug}/running-order/#timetable",
        "Running order": f"/c/{slug}/running-order/",
        "Projector": f"/live/{slug}/",
    }
    for href in links.values():
        assert client.get(href.split("#")[0]).status_code == 200
    order = client.get(f"/c/{slug}/running-order/").content.decode()
    assert 'id="timetable"' in order


# --- The desk socket (committed data, the whole ASGI application) -----------------------------


@pytest.mark.django_db(transaction=True)
def test_a_tablet_signing_in_reaches_the_desk_socket():
    day = quiet_day()
    user = UserFactory(username="desk", is_superuser=True)

    async def body():
        cookies = await database_sync_to_async(desk_cookies)(user)
        communicator = socket(f"/ws/desk/{day.competition.slug}/", cookies)
        await communicator.connect()
        first = await receive_json(communicator)
        await database_sync_to_async(tablet_session_start)(judge=day.judges[0], session_key="x")
        signed_in = await receive_json(communicator)
        await communicator.disconnect()
        assert first["type"] == "desk"
        assert signed_in["kinds"] == ["tablet.signed_in"]
        assert signed_in["seq"] > first["seq"]

    async_to_sync(body)()
    relays.drain_background()


@pytest.mark.django_db(transaction=True)
def test_a_round_opening_reaches_the_desk_socket():
    day = quiet_day()
    with quiet():  # the first round's sheets in, closed and published: the final to open
        all_recall_sheets(day)
        round_close(round=day.first, actor=None, seed=3)
        round_publish(round=day.first, actor=None)
    user = UserFactory(username="desk", is_superuser=True)

    async def body():
        cookies = await database_sync_to_async(desk_cookies)(user)
        communicator = socket(f"/ws/desk/{day.competition.slug}/", cookies)
        await communicator.connect()
        first = await receive_json(communicator)
        await database_sync_to_async(round_transition)(
            round=day.final, to_status="open", actor=None
        )
        opened = await receive_json(communicator)
        await communicator.disconnect()
        assert first["rounds"] == []
        assert opened["kinds"] == ["round.opened"]
        assert [r["round"] for r in opened["rounds"]] == [day.final.pk]

    async_to_sync(body)()
    relays.drain_background()


@pytest.mark.django_db(transaction=True)
def test_the_desk_socket_is_for_this_competitions_staff_only():
    # The scrutineer's role group, which a transactional test's flush removed.
    group, _ = Group.objects.get_or_create(name="scrutineer")
    group.permissions.add(Permission.objects.get(codename="run_results_desk"))
    day = quiet_day()
    other = quiet_day()
    scrutineer = UserFactory(username="elsewhere")
    CompetitionStaff.objects.create(
        competition=other.competition, user=scrutineer, role="scrutineer"
    )

    async def body():
        cookies = await database_sync_to_async(desk_cookies)(scrutineer)
        refused = socket(f"/ws/desk/{day.competition.slug}/", cookies)
        await refused.connect()
        assert await closed_with(refused) == 4403
        own = socket(f"/ws/desk/{other.competition.slug}/", cookies)
        await own.connect()
        snapshot = await receive_json(own)
        await own.disconnect()
        assert snapshot["competition"]["slug"] == other.competition.slug

    async_to_sync(body)()
    relays.drain_background()
