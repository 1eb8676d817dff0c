import pytest
from django.urls import reverse

from adjudication.models import Sheet, TabletSession
from competitions.models import Round
from tests.adjudication.day import all_recall_sheets, build_day
from tests.factories.accounts import UserFactory
from tests.support.auth import sign_in_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def day():
    return build_day()


@pytest.fixture
def scrutineer_client(client):
    return sign_in_staff(client, UserFactory(username="desk", roles=["scrutineer"]))


def test_the_desk_is_for_scrutineers_and_the_chairman(client, day):
    url = reverse("adjudication:desk-competition", args=[day.competition.slug])
    assert client.get(url).status_code == 302  # to sign in
    client.force_login(UserFactory(roles=["judge"]))
    assert client.get(url).status_code == 403


def test_the_desk_shows_who_is_missing(scrutineer_client, day):
    day.send(day.judges[0], day.dances[0], day.crosses(day.entries()[:6]))

    page = scrutineer_client.get(
        reverse("adjudication:desk-competition", args=[day.competition.slug]) + "?fragment=1"
    )

    assert page.status_code == 200
    assert '<td class="missing">B C</td>' in page.content.decode()


def test_closing_from_the_desk_refuses_until_every_sheet_is_in(scrutineer_client, day):
    url = reverse("adjudication:desk-round-action", args=[day.first.pk])

    response = scrutineer_client.post(url, {"action": "close"}, follow=True)

    assert "Not every sheet is in." in response.content.decode()
    assert Round.objects.get(pk=day.first.pk).status == "open"


def test_close_and_publish_from_the_desk(scrutineer_client, day):
    all_recall_sheets(day)
    url = reverse("adjudication:desk-round-action", args=[day.first.pk])

    closed = scrutineer_client.post(url, {"action": "close"}, follow=True)
    scrutineer_client.post(url, {"action": "publish"})

    assert "is closed and tabulated" in closed.content.decode()
    assert Round.objects.get(pk=day.first.pk).status == "published"
    assert Round.objects.get(pk=day.final.pk).heats.get().heat_entries.count() == 6


def test_round_page_shows_the_tabulation_and_the_trail(scrutineer_client, day):
    all_recall_sheets(day)

    page = scrutineer_client.get(
        reverse("adjudication:desk-round", args=[day.first.pk])
    ).content.decode()

    assert "recalled" in page
    assert "First submission" in page


def test_reopen_needs_a_reason(scrutineer_client, day):
    all_recall_sheets(day)
    url = reverse("adjudication:desk-round-action", args=[day.first.pk])
    scrutineer_client.post(url, {"action": "close"})

    refused = scrutineer_client.post(url, {"action": "reopen", "reason": ""}, follow=True)
    scrutineer_client.post(url, {"action": "reopen", "reason": "judge A's paper"})

    assert "Say why the round is reopened." in refused.content.decode()
    round_ = Round.objects.get(pk=day.first.pk)
    assert (round_.status, round_.revision) == ("open", 2)


def test_paper_sheet_typed_and_confirmed_by_two_people(client, day):
    typist = UserFactory(username="typist", roles=["scrutineer"])
    colleague = UserFactory(username="colleague", roles=["scrutineer"])
    part = f"d{day.dances[0].pk}"
    url = reverse("adjudication:desk-paper-sheet", args=[day.first.pk, day.judges[0].pk, part])
    sign_in_staff(client, typist)
    page = client.get(url)
    data = {
        "client_key": page.context["client_key"],
        "base_version": 0,
        "round_revision": day.first.revision,
        "cross": [str(e.pk) for e in day.entries()[:6]],
    }
    client.post(url, data)
    sheet = Sheet.objects.get()
    confirm = reverse("adjudication:desk-sheet-action", args=[sheet.pk])

    own = client.post(confirm, {"action": "confirm"}, follow=True)
    sign_in_staff(client, colleague)
    client.post(confirm, {"action": "confirm"})

    sheet.refresh_from_db()
    assert sheet.source == "paper"
    assert "cannot confirm it" in own.content.decode()
    assert sheet.confirmed_by == colleague


def test_issue_a_code_then_sign_the_tablet_out(scrutineer_client, client, day):
    judge = day.judges[1]
    page = scrutineer_client.post(reverse("adjudication:desk-tablet-code", args=[judge.pk]))
    code = page.context["code"]
    assert "<svg" in page.content.decode()
    from django.test import Client

    tablet = Client()
    tablet.post(
        reverse("adjudication:tablet-sign-in"),
        {"competition": day.competition.slug, "letter": "B", "code": code},
    )
    session = TabletSession.objects.get()

    scrutineer_client.post(reverse("adjudication:desk-tablet-revoke", args=[session.pk]))

    assert tablet.get(reverse("adjudication:tablet-home")).status_code == 302
    session.refresh_from_db()
    assert session.revoked_at is not None


def test_marks_in_the_admin_are_read_only(client, day):
    from adjudication.models import MarkChange

    day.send(day.judges[0], day.dances[0], day.crosses(day.entries()[:6]))
    admin_user = UserFactory(username="root", is_superuser=True, is_staff=True)
    sign_in_staff(client, admin_user)
    change = MarkChange.objects.first()

    page = client.get(reverse("admin:adjudication_markchange_change", args=[change.pk]))
    posted = client.post(
        reverse("admin:adjudication_markchange_change", args=[change.pk]), {"reason": "x"}
    )

    assert page.status_code == 200
    assert posted.status_code == 403
    assert client.get(reverse("admin:adjudication_markchange_add")).status_code == 403
