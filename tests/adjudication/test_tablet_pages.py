import pytest
from django.urls import reverse

from adjudication.models import Sheet, TabletSession
from adjudication.tablet.sessions import tablet_code_issue, tablet_revoke
from tests.adjudication.day import build_day
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def day():
    return build_day()


def sign_in(client, day, judge):
    code = tablet_code_issue(judge=judge, actor=None)
    return client.post(
        reverse("adjudication:tablet-sign-in"),
        {"competition": day.competition.slug, "letter": judge.letter.lower(), "code": code},
    )


def test_a_judge_signs_in_with_a_one_time_code(client, day):
    response = sign_in(client, day, day.judges[0])

    assert response.status_code == 302
    assert response["Location"] == reverse("adjudication:tablet-home")
    tablet = TabletSession.objects.get()
    assert tablet.judge == day.judges[0]
    home = client.get(reverse("adjudication:tablet-home"))
    assert "Judge <strong>A</strong>" in home.content.decode()
    assert "Samba" in home.content.decode()


def test_a_code_works_once(client, day):
    code = tablet_code_issue(judge=day.judges[0], actor=None)
    data = {"competition": day.competition.slug, "letter": "A", "code": code}
    client.post(reverse("adjudication:tablet-sign-in"), data)
    client.post(reverse("adjudication:tablet-sign-out"))

    again = client.post(reverse("adjudication:tablet-sign-in"), data)

    assert again.status_code == 400
    assert "do not match" in again.content.decode()


def test_a_wrong_code_or_letter_is_refused(client, day):
    tablet_code_issue(judge=day.judges[0], actor=None)
    code_b = tablet_code_issue(judge=day.judges[1], actor=None)

    response = client.post(
        reverse("adjudication:tablet-sign-in"),
        {"competition": day.competition.slug, "letter": "A", "code": code_b},
    )

    assert response.status_code == 400
    assert not TabletSession.objects.exists()


def test_the_qr_address_prefills_the_form(client, day):
    code = tablet_code_issue(judge=day.judges[1], actor=None)

    page = client.get(
        reverse("adjudication:tablet-qr", args=[day.competition.slug, "B"]) + f"?code={code}"
    )

    assert page.status_code == 200
    assert f'value="{code}"' in page.content.decode()
    assert not TabletSession.objects.exists()  # a GET never signs in


def test_only_desk_staff_issue_codes(day):
    with pytest.raises(Exception, match="permission"):
        tablet_code_issue(judge=day.judges[0], actor=UserFactory(roles=["judge"]))


def test_a_revoked_tablet_is_signed_out_at_once(client, day):
    sign_in(client, day, day.judges[0])
    tablet_revoke(tablet=TabletSession.objects.get(), actor=UserFactory(roles=["scrutineer"]))

    response = client.get(reverse("adjudication:tablet-home"))

    assert response.status_code == 302
    assert response["Location"] == reverse("adjudication:tablet-sign-in")


def sheet_url(day, round_=None, dance=None):
    round_ = round_ or day.first
    return reverse("adjudication:tablet-sheet", args=[round_.pk, f"d{(dance or day.dances[0]).pk}"])


def form(day, picks, key="k1", base_version=0, **extra):
    return {
        "client_key": key,
        "base_version": base_version,
        "round_revision": day.first.revision,
        "cross": [str(e.pk) for e in picks],
        **extra,
    }


def test_recall_sheet_as_a_plain_post(client, day):
    sign_in(client, day, day.judges[0])
    page = client.get(sheet_url(day))
    assert "Mark 6 couples." in page.content.decode()

    response = client.post(sheet_url(day), form(day, day.entries()[:6]), follow=True)

    assert "Received by the desk" in response.content.decode()
    assert Sheet.objects.get().judge == day.judges[0]


def test_a_wrong_count_is_shown_and_nothing_is_stored(client, day):
    sign_in(client, day, day.judges[0])

    response = client.post(sheet_url(day), form(day, day.entries()[:4]))

    assert response.status_code == 400
    assert "Mark exactly 6 couples: you marked 4 (mark 2 more)." in response.content.decode()
    assert "checked" in response.content.decode()  # the ticks are kept for the judge
    assert not Sheet.objects.exists()


def test_json_submit_for_the_offline_queue_and_its_resend(client, day):
    sign_in(client, day, day.judges[0])
    data = form(day, day.entries()[:6], key="queued-1")

    first = client.post(sheet_url(day), data, headers={"Accept": "application/json"})
    resent = client.post(sheet_url(day), data, headers={"Accept": "application/json"})

    assert first.status_code == 201
    assert resent.status_code == 200
    assert resent.json()["replayed"] is True
    assert Sheet.objects.count() == 1


def test_json_refusal_for_a_closed_round(client, day):
    sign_in(client, day, day.judges[0])
    type(day.first).objects.filter(pk=day.first.pk).update(status="closed")

    response = client.post(
        sheet_url(day), form(day, day.entries()[:6]), headers={"Accept": "application/json"}
    )

    assert response.status_code == 409
    assert response.json()["code"] == "closed"


def test_a_judge_never_sees_a_panel_they_are_not_on(client, day):
    other = build_day()
    sign_in(client, day, day.judges[0])

    response = client.get(sheet_url(other))

    assert response.status_code == 404


def test_pages_need_a_tablet_session(client, day):
    assert client.get(reverse("adjudication:tablet-home")).status_code == 302
    response = client.post(
        sheet_url(day), form(day, day.entries()[:6]), headers={"Accept": "application/json"}
    )
    assert response.status_code == 401
    assert not Sheet.objects.exists()
