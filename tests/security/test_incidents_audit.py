"""An outside audit of the day's incidents (issue 19): bad input on the desk's forms is
refused with a message and writes nothing; the public results show a couple's outcome,
never the desk's reason; a result changed after publication reaches the public at once."""

import pytest
from django.urls import reverse

from adjudication.incidents.couples import entry_disqualify
from adjudication.incidents.judges import judge_replace
from adjudication.incidents.redance import heat_redance
from adjudication.results.tables import competition_results
from adjudication.services import round_close, round_publish
from competitions.models import EntryIncident, Incident
from leaderboard.snapshots import public_snapshot
from tests.adjudication.day import build_day
from tests.adjudication.test_couples import final_day, place_all
from tests.day.helpers import desk_user
from tests.day.redance_helpers import danced_first_round
from tests.factories.accounts import UserFactory
from tests.factories.competitions import JudgeFactory
from tests.support.auth import sign_in_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def day():
    return build_day()


def published_final(day):
    """The final placed by every judge, closed and published; its couples by bib."""
    chairman = UserFactory(username="chair", roles=["chairman"])
    couples = final_day(day, chairman)
    place_all(day, couples)
    round_close(round=day.final, actor=None)
    round_publish(round=day.final, actor=None)
    return couples, chairman


def results_page(client, day):
    url = reverse("leaderboard:event-results", args=[day.competition.slug, day.event.pk])
    return client.get(url).content.decode()


@pytest.mark.parametrize("value", ["²", "9" * 25])
@pytest.mark.parametrize("field", ["entry", "round"])
def test_a_strange_number_on_the_seeding_page_is_refused_not_a_500(client, day, field, value):
    desk = sign_in_staff(client, UserFactory(username="desk", roles=["scrutineer"]))
    body = {"entry": str(day.entries()[0].pk), "round": "2", "reason": "star couple"}
    body[field] = value

    page = desk.post(reverse("adjudication:desk-seeding", args=[day.competition.slug]), body)

    assert page.status_code == 400
    assert not Incident.objects.exists()


def test_the_public_results_page_follows_a_disqualification_after_publication(client, day):
    couples, chairman = published_final(day)
    before = results_page(client, day)

    entry_disqualify(round=day.final, entry=couples[1], actor=chairman, reason="rules")

    assert "Disqualified" not in before
    assert f"Couple {couples[1].bib_label}: Disqualified" in results_page(client, day)


def test_the_live_results_revision_changes_with_a_published_result(day):
    couples, chairman = published_final(day)
    before = public_snapshot(day.competition, results=False)["results_rev"]

    entry_disqualify(round=day.final, entry=couples[1], actor=chairman, reason="rules")

    assert public_snapshot(day.competition, results=False)["results_rev"] != before


def test_the_public_results_show_the_outcome_not_the_desks_reason(client, day):
    couples, chairman = published_final(day)
    entry_disqualify(
        round=day.final, entry=couples[1], actor=chairman, reason="positive doping test"
    )

    page = results_page(client, day)
    staff = competition_results(day.competition, reasons=True).events[0].rounds[1].lines

    assert f"Couple {couples[1].bib_label}: Disqualified." in page
    assert "doping" not in page
    assert f"Couple {couples[1].bib_label}: Disqualified (positive doping test)." in staff


def test_a_recollected_redance_takes_its_sheets_off_the_projectors_count():
    d = danced_first_round(timers=True)

    def sheets_in():
        (card,) = [r for r in public_snapshot(d.p.competition)["floor"] if r["round"] == d.round.pk]
        samba = next(p for p in card["parts"] if p["label"] == d.samba.name)
        return samba["in"], card["sheets_in"]

    before = sheets_in()
    heat_redance(
        round=d.round,
        dance=d.samba,
        heat_number=1,
        reason="music stopped",
        recollect=True,
        actor=desk_user("chairman"),
    )

    assert before[0] == len(d.p.judges)
    assert sheets_in() == (0, before[1] - len(d.p.judges))


def test_the_projector_does_not_count_the_sheet_of_a_judge_replaced_in_the_round(day):
    day.send(day.judges[1], day.dances[0], day.crosses(day.entries()[:6]))
    reserve = JudgeFactory(competition=day.competition, letter="R", name="Rita Reserve")
    judge_replace(
        event=day.event,
        judge=day.judges[1],
        replacement=reserve,
        from_round=day.first,
        finish_current=False,
        actor=UserFactory(roles=["chairman"]),
        reason="Judge B was taken ill.",
    )

    (card,) = public_snapshot(day.competition)["floor"]

    assert (card["judges"], card["parts"][0]["in"], card["sheets_in"]) == (3, 0, 0)


def test_a_reason_too_long_for_the_trail_is_refused_on_the_page_not_cut(client, day):
    desk = sign_in_staff(client, UserFactory(username="desk", roles=["scrutineer"]))
    url = reverse("adjudication:desk-round-couple", args=[day.first.pk])

    page = desk.post(
        url, {"entry": day.entries()[0].pk, "action": "absent", "reason": "x" * 10_000}, follow=True
    )

    assert "300 characters" in page.content.decode()
    assert not EntryIncident.objects.exists() and not Incident.objects.exists()
