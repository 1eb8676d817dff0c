"""Two floors: each runs its own timetable side by side, a judge is on one floor's panel at
a time (refused with a reason, nothing changed), through the service, the desk's pages,
the API, the admin and the live screens; a one-floor day looks as it always did."""

import datetime as dt
import re
import zoneinfo

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from adjudication.day.floor import FloorRefused, floor_move, floor_now, floor_read
from adjudication.ops.backups import backup_build, backup_restore
from adjudication.tablet.snapshot import tablet_snapshot
from competitions.models import Floor, FloorMove, PanelSeat, RoundStatus, TimetableItem
from competitions.services import TransitionRefused, round_transition
from competitions.timetable import (
    TimetableRefused,
    floor_add,
    timetable_floor,
    timetable_insert_break,
    timetable_lines,
)
from leaderboard.snapshots import public_snapshot
from tests.adjudication.test_api import bearer
from tests.adjudication.test_desk_api import token_for
from tests.day.helpers import build_programme
from tests.day.test_screens import sign_in as tablet_sign_in
from tests.factories.accounts import UserFactory
from tests.factories.competitions import CompetitionFactory, JudgeFactory, PanelSeatFactory
from tests.support.auth import sign_in_staff

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")


def at(hour, minute):
    return dt.datetime(2027, 3, 6, hour, minute, tzinfo=LONDON)


def two_floors(p, *, own_panel=True):
    """Floor A (the default) and Floor B, the Junior Waltz on B; with ``own_panel`` the
    waltz has its own three judges, else it shares the Latin's panel."""
    a = floor_add(competition=p.competition, name="A", actor=None)
    b = floor_add(competition=p.competition, name="B", actor=None)
    waltz_line = TimetableItem.objects.get(round__event=p.waltz)
    if own_panel:
        PanelSeat.objects.filter(event=p.waltz).delete()
        for letter in "XYZ":
            judge = JudgeFactory(competition=p.competition, letter=letter)
            PanelSeatFactory(event=p.waltz, judge=judge)
        timetable_floor(item=waltz_line, floor=b, actor=None)
    else:  # as a hurried organizer might, past the timetable's check
        TimetableItem.objects.filter(pk=waltz_line.pk).update(floor=b)
    return a, b


def test_a_one_floor_day_names_no_floor_anywhere(client):
    p = build_programme()

    floor_move(competition=p.competition, action="next", actor=None, at=at(9, 0))

    floor = Floor.objects.get(competition=p.competition)
    assert (floor.name, floor.position, floor.label) == ("A", 1, "Floor A")
    assert not TimetableItem.objects.filter(floor__isnull=False).exists()
    assert public_snapshot(p.competition)["floors"] == []
    timetable = client.get(reverse("api:timetable", args=[p.competition.slug]))
    assert timetable.json()["floors"] == []
    live = client.get(reverse("leaderboard:live", args=[p.competition.slug])).content.decode()
    assert "data-live-floors" not in live and "data-live-floor-slug" not in live
    sign_in_staff(client, UserFactory(roles=["scrutineer"]))
    day = client.get(reverse("adjudication:desk-day", args=[p.competition.slug])).content
    assert b"data-floor-switcher" not in day and b"?floor=" not in day


def test_two_floors_run_their_own_timetables_side_by_side():
    p = build_programme()
    a, b = two_floors(p)

    on_a = floor_move(competition=p.competition, action="next", actor=None, at=at(9, 0))
    on_b = floor_move(competition=p.competition, action="next", actor=None, at=at(9, 1), floor=b)

    assert (on_a.pk, on_a.phase, on_a.round.event) == (a.pk, "dancing", p.latin)
    assert (on_b.pk, on_b.phase, on_b.round.event) == (b.pk, "dancing", p.waltz)
    assert list(FloorMove.objects.order_by("at").values_list("floor__name", "action")) == [
        ("A", "start"),
        ("B", "start"),
    ]
    lines_b = timetable_lines(p.competition, floor=b)
    assert [line.item.round.event for line in lines_b] == [p.waltz]
    assert p.waltz not in [line.item.round.event for line in timetable_lines(p.competition)]
    assert floor_now(p.competition, floor=floor_read(p.competition, floor=b)).round_id == (
        p.round(p.waltz).pk
    )
    # Each floor its own "danced": marking A's heat danced leaves B dancing.
    floor_move(competition=p.competition, action="danced", actor=None, at=at(9, 2))
    assert Floor.objects.get(pk=b.pk).phase == "dancing"


def test_a_judge_needed_on_two_floors_at_once_is_refused_and_nothing_changes():
    p = build_programme()
    _, b = two_floors(p, own_panel=False)
    floor_move(competition=p.competition, action="next", actor=None, at=at(9, 0))
    waltz = p.round(p.waltz)

    with pytest.raises(FloorRefused) as refusal:
        floor_move(competition=p.competition, action="next", actor=None, floor=b)

    message = str(refusal.value)
    assert message.startswith("Junior Waltz – Final cannot start on Floor B: judge A (")
    assert "judges Adult Latin – First round, open on Floor A" in message
    assert "A judge is on one floor's panel at a time" in message
    waltz.refresh_from_db()
    assert waltz.status == RoundStatus.PLANNED
    assert Floor.objects.get(pk=b.pk).phase == "idle"
    assert not FloorMove.objects.filter(floor=b).exists()
    with pytest.raises(TransitionRefused, match="judge B .* open on Floor A"):
        round_transition(round=waltz, to_status=RoundStatus.OPEN, actor=None)
    waltz.refresh_from_db()
    assert waltz.status == RoundStatus.PLANNED


def test_a_round_starts_only_on_its_own_floor():
    p = build_programme()
    a, b = two_floors(p)
    waltz = p.round(p.waltz)

    with pytest.raises(FloorRefused, match="is on Floor B's timetable: start it there"):
        floor_move(
            competition=p.competition,
            action="start",
            actor=None,
            round_id=waltz.pk,
            dance_id=p.waltz.dances.first().pk,
            floor=a,
        )
    assert not FloorMove.objects.exists()


def test_a_line_is_not_put_on_a_floor_where_its_judges_are_busy_at_the_same_time():
    p = build_programme()
    floor_add(competition=p.competition, name="A", actor=None)
    b = floor_add(competition=p.competition, name="B", actor=None)
    first = TimetableItem.objects.get(round=p.round(p.latin))

    with pytest.raises(TimetableRefused, match="cannot go on Floor B: judge A .* at the same"):
        timetable_floor(item=first, floor=b, actor=None)

    first.refresh_from_db()
    assert first.floor_id is None


def test_a_floor_name_must_be_new_and_readable():
    p = build_programme()
    floor_add(competition=p.competition, name="Floor 1", actor=None)

    for name in ("floor 1", "  ", "!!"):
        with pytest.raises(TimetableRefused):
            floor_add(competition=p.competition, name=name, actor=None)
    assert Floor.objects.filter(competition=p.competition).count() == 1


def test_the_tablet_follows_the_floor_of_its_judge_s_round(client):
    p = build_programme(timers=True)
    _, b = two_floors(p)
    floor_move(competition=p.competition, action="next", actor=None, at=at(9, 0))
    floor_move(competition=p.competition, action="next", actor=None, floor=b)
    judge = PanelSeat.objects.filter(event=p.waltz).first().judge
    judge.user = UserFactory()
    judge.save()
    tablet = tablet_sign_in(client, p, judge)

    snapshot = tablet_snapshot(
        session_key=tablet.session_key, tablet_id=tablet.pk, user_id=judge.user_id
    )

    assert snapshot["floor"]["round"] == p.round(p.waltz).pk
    assert snapshot["floor"]["sheet_state"] == "to_send"


# --- The desk's pages, the API, the admin and the screens ------------------------------------


def test_the_desk_runs_each_floor_on_its_own_page(client):
    p = build_programme()
    two_floors(p)
    sign_in_staff(client, UserFactory(roles=["chairman"]))
    day = reverse("adjudication:desk-day", args=[p.competition.slug])
    move = reverse("adjudication:desk-floor-move", args=[p.competition.slug])

    response = client.post(f"{move}?floor=b", {"action": "next"})

    assert response.status_code == 302 and response["Location"] == f"{day}?floor=b"
    page = client.get(f"{day}?floor=b").content.decode()
    assert "The day · " in page and "Floor B" in page and "data-floor-switcher" in page
    assert "Junior Waltz – Final" in page and "Adult Latin – First round" not in page
    assert f'href="{day}?floor=a"' in page
    assert Floor.objects.get(competition=p.competition, name="B").phase == "dancing"
    assert Floor.objects.get(competition=p.competition, name="A").phase == "idle"
    assert client.get(f"{day}?floor=zz").status_code == 404
    mc = reverse("adjudication:announcer", args=[p.competition.slug])
    assert "Junior Waltz" in client.get(f"{mc}?floor=b").content.decode()


def test_the_announcer_of_a_floor_reads_the_results_of_that_floor_only(client):
    from adjudication.ops.simulation import competition_simulate

    p = build_programme()
    two_floors(p)
    competition_simulate(competition=p.competition, seed=5)
    sign_in_staff(client, UserFactory(roles=["chairman"]))
    mc = reverse("adjudication:announcer", args=[p.competition.slug]) + "?fragment=1"

    def to_read(floor):
        page = client.get(f"{mc}&floor={floor}").content.decode()
        return [
            heading.strip()
            for heading in re.findall(
                r"<h2>(?:Results to read, last place first|Recalls to read): ([^<–]+)", page
            )
        ]

    assert to_read("b") == ["Junior Waltz"]
    assert "Junior Waltz" not in to_read("a")
    assert to_read("a") != []


def test_the_desk_page_shows_the_judge_clash_and_changes_nothing(client):
    p = build_programme()
    _, b = two_floors(p, own_panel=False)
    floor_move(competition=p.competition, action="next", actor=None, at=at(9, 0))
    sign_in_staff(client, UserFactory(roles=["chairman"]))
    move = reverse("adjudication:desk-floor-move", args=[p.competition.slug])

    page = client.post(f"{move}?floor=b", {"action": "next"}, follow=True).content.decode()

    assert "cannot start on Floor B: judge A" in page
    assert Floor.objects.get(pk=b.pk).phase == "idle"


def test_the_api_moves_a_named_floor_and_refuses_a_clash_or_an_unknown_floor(client):
    p = build_programme()
    _, b = two_floors(p, own_panel=False)
    _, tokens = token_for(client, "scrutineer")
    url = reverse("api:desk-floor", args=[p.competition.slug])

    def post(body):
        return client.post(url, body, content_type="application/json", headers=bearer(tokens))

    started = post({"action": "next"})
    clash = post({"action": "next", "floor": "B"})
    unknown = post({"action": "next", "floor": "Z"})

    assert started.status_code == 200 and started.json()["floor"] == "a"
    assert clash.status_code == 409
    assert "cannot start on Floor B: judge A" in str(clash.json())
    assert unknown.status_code == 400 and "no floor “Z”" in str(unknown.json())
    assert not FloorMove.objects.filter(floor=b).exists()
    read = client.get(f"{url}?floor=b", headers=bearer(tokens))
    assert (read.status_code, read.json()["floor"], read.json()["phase"]) == (200, "b", "idle")
    assert client.get(f"{url}?floor=z", headers=bearer(tokens)).status_code == 404


def test_the_public_timetable_and_screens_show_each_floor(client):
    p = build_programme()
    _, b = two_floors(p)
    floor_move(competition=p.competition, action="next", actor=None, floor=b)
    slug = p.competition.slug

    timetable = client.get(reverse("api:timetable", args=[slug])).json()
    board_b = client.get(reverse("leaderboard:live-floor", args=[slug, "b"]))
    board = client.get(reverse("leaderboard:live", args=[slug])).content.decode()

    assert [f["label"] for f in timetable["floors"]] == ["Floor A", "Floor B"]
    assert timetable["floors"][1]["floor"]["round"] == p.round(p.waltz).pk
    assert [line["round"] for line in timetable["floors"][1]["lines"]] == [p.round(p.waltz).pk]
    assert p.round(p.waltz).pk not in [line["round"] for line in timetable["lines"]]
    assert board_b.status_code == 200
    page_b = board_b.content.decode()
    assert "Floor B" in page_b and 'data-live-floor-slug="b"' in page_b
    assert "Junior Waltz" in page_b
    assert reverse("leaderboard:live-floor", args=[slug, "b"]) in board
    assert client.get(reverse("leaderboard:live-floor", args=[slug, "zz"])).status_code == 404
    phones = client.get(reverse("leaderboard:results", args=[slug]) + "?floor=b")
    assert phones.status_code == 200 and "On the floor · Floor B" in phones.content.decode()


def test_the_organizer_adds_a_floor_and_puts_a_line_on_it_in_the_admin(client, admin_user):
    p = build_programme()
    sign_in_staff(client, admin_user)
    add = reverse("admin:competitions_floor_add")

    assert client.post(add, {"competition": p.competition.pk, "name": "A"}).status_code == 302
    assert client.post(add, {"competition": p.competition.pk, "name": "B"}).status_code == 302
    twice = client.post(add, {"competition": p.competition.pk, "name": "b"})
    b = Floor.objects.get(competition=p.competition, name="B")
    first = TimetableItem.objects.get(round=p.round(p.latin))
    change = reverse("admin:competitions_timetableitem_change", args=[first.pk])
    refused = client.post(
        change, {"position": 1, "floor": b.pk, "heat_seconds": "", "not_before": ""}
    )

    assert twice.status_code == 200 and "has that name" in twice.content.decode()
    assert b.position == 2
    assert refused.status_code == 200
    assert "cannot go on Floor B: judge A" in refused.content.decode()
    first.refresh_from_db()
    assert first.floor_id is None


def test_a_backup_restores_the_floors_their_lines_and_a_break_on_the_floor():
    p = build_programme()
    _, b = two_floors(p)
    lunch = timetable_insert_break(
        competition=p.competition, after_position=0, minutes=30, title="Lunch", actor=None
    )
    timetable_floor(item=lunch, floor=b, actor=None)
    floor_move(competition=p.competition, action="break", actor=None, item_id=lunch.pk, floor=b)
    data = backup_build([p.competition])
    slug = p.competition.slug
    p.competition.delete()

    backup_restore(data)

    restored = Floor.objects.filter(competition__slug=slug).order_by("position")
    assert [(f.name, f.phase) for f in restored] == [("A", "idle"), ("B", "break")]
    b_again = restored[1]
    assert b_again.break_item.title == "Lunch" and b_again.break_item.floor_id == b_again.pk
    assert (
        TimetableItem.objects.get(
            round__event__name="Junior Waltz", competition__slug=slug
        ).floor_id
        == b_again.pk
    )
    assert FloorMove.objects.get(competition__slug=slug).floor_id == b_again.pk


def test_the_running_order_lists_every_floor_s_lines_by_floor(client):
    p = build_programme()
    url = reverse("competitions:running-order", args=[p.competition.slug])
    assert "Floor A ·" not in client.get(url).content.decode()
    two_floors(p)

    page = client.get(url).content.decode()

    assert "Floor B · Junior Waltz – Final" in page
    assert "Floor A · Adult Latin – First round" in page


def test_moving_a_line_up_on_a_floor_s_page_passes_that_floor_s_line(client):
    p = build_programme()
    _, b = two_floors(p)
    PanelSeat.objects.filter(event=p.pageant).delete()
    for seat in PanelSeat.objects.filter(event=p.waltz):  # the waltz's judges, on B too
        PanelSeatFactory(event=p.pageant, judge=seat.judge)
    pageant = TimetableItem.objects.get(round__event=p.pageant)
    timetable_floor(item=pageant, floor=b, actor=None)
    waltz = TimetableItem.objects.get(round__event=p.waltz)
    assert waltz.position < pageant.position
    sign_in_staff(client, UserFactory(roles=["scrutineer"]))
    edit = reverse("adjudication:desk-timetable-edit", args=[p.competition.slug])

    client.post(f"{edit}?floor=b", {"what": "up", "item": pageant.pk})

    lines = timetable_lines(p.competition, floor=b)
    assert [line.item.round.event for line in lines] == [p.pageant, p.waltz]


def test_the_database_refuses_a_line_on_another_competition_s_floor():
    p = build_programme()
    other = CompetitionFactory()
    theirs = Floor.objects.create(competition=other, name="A")
    line = TimetableItem.objects.filter(competition=p.competition).first()

    with (
        pytest.raises(IntegrityError, match="a floor of another competition"),
        transaction.atomic(),
    ):
        TimetableItem.objects.filter(pk=line.pk).update(floor=theirs)
    with pytest.raises(IntegrityError, match="cannot change once set"), transaction.atomic():
        Floor.objects.filter(pk=theirs.pk).update(competition=p.competition)

    line.refresh_from_db()
    assert line.floor_id is None
