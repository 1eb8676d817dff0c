"""A paper recall sheet with too few or too many crosses: returned to the judge, or
accepted as it is by the chairman with a reason, through the desk's page and the API;
the tablet keeps refusing a wrong count."""

import pytest
from django.urls import reverse

from accounts.models import AuditEntry
from adjudication.models import MarkChange, Sheet
from adjudication.services import (
    ScoringError,
    SheetInput,
    round_close,
    sheet_confirm,
    sheet_submit,
    tabulate_round,
)
from competitions.models import Incident
from tests.adjudication.day import build_day, open_final
from tests.adjudication.test_desk_api import post, token_for
from tests.factories.accounts import UserFactory
from tests.support.auth import sign_in_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def day():
    return build_day()  # 8 couples, 3 judges, 2 dances; the first round recalls 6


def paper_url(day, judge=0, dance=0):
    part = f"d{day.dances[dance].pk}"
    return reverse("adjudication:desk-paper-sheet", args=[day.first.pk, day.judges[judge].pk, part])


def form(client, url, crossed, **extra):
    page = client.get(url)
    return {
        "client_key": page.context["client_key"],
        "base_version": 0,
        "round_revision": 1,
        "cross": [str(e.pk) for e in crossed],
        **extra,
    }


def nothing_stored():
    return not Sheet.objects.exists() and not Incident.objects.exists()


def test_a_miscounted_paper_sheet_offers_the_rules_choice(client, day):
    sign_in_staff(client, UserFactory(username="typist", roles=["scrutineer"]))
    url = paper_url(day)

    page = client.post(url, form(client, url, day.entries()[:5]))

    html = page.content.decode()
    assert page.status_code == 400
    assert "Mark exactly 6 couples: you marked 5" in html
    assert "Judge A crossed 5 couples; the round asks for 6." in html
    assert 'value="return"' in html
    assert 'value="accept"' not in html  # the scrutineer is not the chairman
    assert nothing_stored()


def test_returning_it_to_the_judge_stores_nothing_and_is_audited(client, day):
    typist = UserFactory(username="typist", roles=["scrutineer"])
    sign_in_staff(client, typist)
    url = paper_url(day)

    page = client.post(url, form(client, url, day.entries()[:7], action="return"), follow=True)

    assert "returned to the judge: 7 crosses, 6 asked" in page.content.decode()
    assert nothing_stored()
    entry = AuditEntry.objects.filter(actor=typist, message__contains="returned").get()
    assert entry.detail == {"judge": "A", "dance": "Samba", "crossed": 7, "asked": 6}


def test_returning_a_sheet_with_the_right_count_is_refused(client, day):
    sign_in_staff(client, UserFactory(username="typist", roles=["scrutineer"]))
    url = paper_url(day)

    page = client.post(url, form(client, url, day.entries()[:6], action="return"))

    assert page.status_code == 400
    assert "store it instead" in page.content.decode()
    assert nothing_stored()


def test_the_chairman_accepts_it_and_a_colleague_confirms(client, day):
    chairman = UserFactory(username="chair", roles=["chairman"])
    sign_in_staff(client, chairman)
    url = paper_url(day)
    crossed = day.entries()[:5]

    page = client.post(
        url,
        form(client, url, crossed, action="accept", accept_count_reason="judge meant 5"),
        follow=True,
    )

    sheet = Sheet.objects.get()
    assert "as the chairman accepted it" in page.content.decode()
    assert (sheet.count_accepted_by, sheet.count_accepted_reason) == (chairman, "judge meant 5")
    assert sheet.confirmed_at is None
    assert MarkChange.objects.filter(kind="accepted", reason="judge meant 5").count() == 1
    incident = Incident.objects.get()
    assert (incident.kind, incident.judge, incident.actor) == (
        "sheet_accepted",
        day.judges[0],
        chairman,
    )
    assert "accepted with 5 crosses (6 asked)" in incident.summary
    desk = client.get(reverse("adjudication:desk-round", args=[day.first.pk]))
    assert "5 crosses accepted as they are by chair: judge meant 5" in desk.content.decode()
    sheet_confirm(sheet=sheet, actor=UserFactory(username="colleague", roles=["scrutineer"]))
    sheet.refresh_from_db()
    assert sheet.confirmed_at is not None


@pytest.mark.parametrize(
    ("roles", "reason", "message"),
    [
        (["chairman"], "", "Say why the chairman accepts"),
        (["scrutineer"], "judge meant 5", "You do not have permission to accept"),
    ],
)
def test_accepting_without_a_reason_or_the_chairmans_permission_is_refused(
    client, day, roles, reason, message
):
    sign_in_staff(client, UserFactory(username="someone", roles=roles))
    url = paper_url(day)

    page = client.post(
        url, form(client, url, day.entries()[:5], action="accept", accept_count_reason=reason)
    )

    assert page.status_code == 400
    assert message in page.content.decode()
    assert nothing_stored()


def test_the_chairman_does_not_type_ordinary_paper_sheets(client, day):
    sign_in_staff(client, UserFactory(username="chair", roles=["chairman"]))
    url = paper_url(day)

    page = client.post(url, form(client, url, day.entries()[:6]))

    assert page.status_code == 400
    assert "Typing in paper sheets is for scrutineers" in page.content.decode()
    assert nothing_stored()


def test_an_accepted_sheet_counts_its_crosses_as_given(day):
    chairman = UserFactory(username="chair", roles=["chairman"])
    colleague = UserFactory(username="colleague", roles=["scrutineer"])
    entries = day.entries()
    for judge in day.judges[1:]:
        for dance in day.dances:
            day.send(judge, dance, day.crosses(entries[:6]))
    day.send(day.judges[0], day.dances[1], day.crosses(entries[:6]))
    short = entries[2:7]  # judge A crossed five in the Samba: 3..7
    outcome = sheet_submit(
        data=SheetInput(
            round_id=day.first.pk,
            judge_id=day.judges[0].pk,
            dance_id=day.dances[0].pk,
            marks=day.crosses(short),
            client_key="paper-a",
            base_version=0,
            round_revision=day.first.revision,
            accept_count_reason="judge A meant five",
        ),
        actor=chairman,
        source="paper",
    )
    sheet_confirm(sheet=outcome.sheet, actor=colleague)

    _, result = tabulate_round(day.first)

    totals = {line.couple: line.total for line in result.totals}
    bibs = [e.bib_label for e in entries]
    assert [totals[b] for b in bibs] == [5, 5, 6, 6, 6, 6, 1, 0]
    assert round_close(round=day.first, actor=None).data


def test_the_tablet_keeps_refusing_a_wrong_count(day):
    with pytest.raises(ScoringError, match="a tablet counts the crosses"):
        sheet_submit(
            data=SheetInput(
                round_id=day.first.pk,
                judge_id=day.judges[0].pk,
                dance_id=day.dances[0].pk,
                marks=day.crosses(day.entries()[:5]),
                client_key="tablet-a",
                base_version=0,
                round_revision=day.first.revision,
                accept_count_reason="please",
            ),
            actor=None,
        )
    assert nothing_stored()


# The API


def api_body(day, crossed, **extra):
    return {
        "judge_id": day.judges[0].pk,
        "dance_id": day.dances[0].pk,
        "marks": {str(e.pk): 1 for e in crossed},
        "client_key": "desk-1",
        "base_version": 0,
        "round_revision": day.first.revision,
        **extra,
    }


def test_the_api_accepts_a_miscounted_sheet_for_the_chairman_only(client, day):
    _, scrutineer = token_for(client, "scrutineer")
    _, chairman = token_for(client, "chairman")
    body = api_body(day, day.entries()[:7], accept_count_reason="judge A crossed 7 on purpose")

    plain = post(
        client, "desk-paper-sheet", [day.first.pk], scrutineer, api_body(day, day.entries()[:7])
    )
    refused = post(client, "desk-paper-sheet", [day.first.pk], scrutineer, body)
    nothing = nothing_stored()
    accepted = post(client, "desk-paper-sheet", [day.first.pk], chairman, body)

    assert plain.status_code == 400
    assert "Mark exactly 6 couples" in str(plain.json())
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    assert nothing
    assert accepted.status_code == 201
    assert accepted.json()["count_accepted_reason"] == "judge A crossed 7 on purpose"
    assert Incident.objects.get().kind == "sheet_accepted"


def test_the_api_refuses_a_blank_reason_and_the_chairman_without_one(client, day):
    _, chairman = token_for(client, "chairman")

    blank = post(
        client,
        "desk-paper-sheet",
        [day.first.pk],
        chairman,
        api_body(day, day.entries()[:5], accept_count_reason=""),
    )
    typed = post(
        client, "desk-paper-sheet", [day.first.pk], chairman, api_body(day, day.entries()[:6])
    )

    assert blank.status_code == 400
    assert typed.status_code == 403
    assert nothing_stored()


def test_a_final_sheet_with_a_place_twice_is_refused_even_accepted(client, day):
    from tests.adjudication.day import all_recall_sheets

    all_recall_sheets(day)
    round_close(round=day.first, actor=None)
    open_final(day)
    _, chairman = token_for(client, "chairman")
    finalists = day.entries(day.final)
    places = {str(e.pk): i for i, e in enumerate(finalists, start=1)}
    places[str(finalists[1].pk)] = 1

    response = post(
        client,
        "desk-paper-sheet",
        [day.final.pk],
        chairman,
        {
            "judge_id": day.judges[0].pk,
            "dance_id": day.dances[0].pk,
            "marks": places,
            "client_key": "desk-final",
            "base_version": 0,
            "round_revision": day.final.revision,
            "accept_count_reason": "the judge tied them",
        },
    )

    assert response.status_code == 400
    assert "Only a recall sheet is accepted" in str(response.json())
    assert not Sheet.objects.filter(round=day.final).exists()


def test_the_api_returns_a_miscounted_sheet_to_its_judge(client, day):
    _, scrutineer = token_for(client, "scrutineer")

    returned = post(
        client,
        "desk-paper-sheet",
        [day.first.pk],
        scrutineer,
        api_body(day, day.entries()[:4], return_to_judge=True),
    )
    right = post(
        client,
        "desk-paper-sheet",
        [day.first.pk],
        scrutineer,
        api_body(day, day.entries()[:6], return_to_judge=True, client_key="desk-2"),
    )

    assert returned.status_code == 200
    assert returned.json()["returned"] is True
    assert "4 crosses, 6 asked" in returned.json()["message"]
    assert right.status_code == 400
    assert "store it instead" in right.json()["message"]
    assert nothing_stored()
