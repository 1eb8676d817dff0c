import pytest
from django.urls import reverse

from adjudication.models import MarkChange, Sheet, TabletSession
from adjudication.services import round_close
from competitions.models import RoundStatus
from tests.adjudication.day import all_recall_sheets, build_day
from tests.adjudication.test_api import bearer, sheets_url, sign_in
from tests.factories.accounts import UserFactory
from tests.factories.adjudication import TabletSessionFactory
from tests.support.auth import api_token_body

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


@pytest.fixture
def day():
    return build_day()


def token_for(client, *roles):
    user = UserFactory(roles=list(roles))
    response = client.post(
        reverse("api:token"), api_token_body(user, PASSWORD), content_type="application/json"
    )
    assert response.status_code == 200
    return user, response.json()


def post(client, name, args, tokens, body=None):
    return client.post(
        reverse(f"api:{name}", args=args),
        body or {},
        content_type="application/json",
        headers=bearer(tokens),
    )


def test_the_desk_needs_a_token(client, day):
    response = client.get(reverse("api:desk-round", args=[day.first.pk]))

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_judge_is_refused_the_desk(client, day):
    tokens = sign_in(client, day.judges[0])

    read = client.get(reverse("api:desk-round", args=[day.first.pk]), headers=bearer(tokens))
    close = post(client, "desk-round-close", [day.first.pk], tokens)

    assert (read.status_code, close.status_code) == (403, 403)
    assert read.json()["code"] == "permission_denied"
    day.first.refresh_from_db()
    assert day.first.status == RoundStatus.OPEN


def test_the_desk_reads_who_has_sent(client, day):
    _, tokens = token_for(client, "scrutineer")
    day.send(day.judges[0], day.dances[0], day.crosses(day.entries()[:6]))

    response = client.get(reverse("api:desk-round", args=[day.first.pk]), headers=bearer(tokens))

    samba = response.json()["progress"][0]
    assert (samba["label"], samba["submitted"], samba["missing"]) == ("Samba", ["A"], ["B", "C"])


def test_closing_with_sheets_missing_is_a_conflict(client, day):
    _, tokens = token_for(client, "scrutineer")

    response = post(client, "desk-round-close", [day.first.pk], tokens)

    assert response.status_code == 409
    day.first.refresh_from_db()
    assert day.first.status == RoundStatus.OPEN


def test_close_and_publish_go_through_the_services(client, day):
    _, tokens = token_for(client, "scrutineer")
    all_recall_sheets(day)

    closed = post(client, "desk-round-close", [day.first.pk], tokens)
    public_before = client.get(reverse("api:results", args=[day.competition.slug]))
    published = post(client, "desk-round-publish", [day.first.pk], tokens)
    public_after = client.get(reverse("api:results", args=[day.competition.slug]))
    again = post(client, "desk-round-publish", [day.first.pk], tokens)

    assert (closed.status_code, closed.json()["status"]) == (200, "closed")
    assert public_before.json()["count"] == 0
    assert (published.status_code, published.json()["status"]) == (200, "published")
    assert public_after.json()["count"] == 1
    assert again.status_code == 409
    assert day.final.heats.count() == 1  # the final was drawn from the recalled couples


def test_reopening_needs_a_reason_and_makes_old_sheets_stale(client, day):
    _, tokens = token_for(client, "scrutineer")
    all_recall_sheets(day)
    round_close(round=day.first, actor=None)

    no_reason = post(client, "desk-round-reopen", [day.first.pk], tokens, {"reason": ""})
    reopened = post(
        client, "desk-round-reopen", [day.first.pk], tokens, {"reason": "Judge B's Rumba"}
    )

    assert no_reason.status_code == 400
    assert "reason" in no_reason.json()["errors"]
    assert (reopened.json()["status"], reopened.json()["revision"]) == ("open", 2)


def test_a_paper_sheet_is_typed_corrected_with_a_reason_and_confirmed_by_another(client, day):
    scrutineer, tokens = token_for(client, "scrutineer")
    _, chairman = token_for(client, "chairman")
    judge = day.judges[1]
    body = {
        "judge_id": judge.pk,
        "dance_id": day.dances[0].pk,
        "marks": {str(e.pk): 1 for e in day.entries()[:6]},
        "client_key": "desk-1",
        "base_version": 0,
        "round_revision": day.first.revision,
    }

    typed = post(client, "desk-paper-sheet", [day.first.pk], tokens, body)
    corrected_marks = {str(e.pk): 1 for e in day.entries()[1:7]}
    unexplained = post(
        client,
        "desk-paper-sheet",
        [day.first.pk],
        tokens,
        {**body, "marks": corrected_marks, "client_key": "desk-2", "base_version": 1},
    )
    corrected = post(
        client,
        "desk-paper-sheet",
        [day.first.pk],
        tokens,
        {
            **body,
            "marks": corrected_marks,
            "client_key": "desk-2",
            "base_version": 1,
            "reason": "typed 11 for 17",
        },
    )
    own = post(client, "desk-sheet-confirm", [typed.json()["id"]], tokens)
    other = post(client, "desk-sheet-confirm", [typed.json()["id"]], chairman)

    assert typed.status_code == 201
    assert (typed.json()["source"], typed.json()["confirmed"]) == ("paper", False)
    assert unexplained.status_code == 400
    assert corrected.status_code == 201
    assert corrected.json()["version"] == 2
    assert sorted(corrected.json()["marks"]) == sorted(corrected_marks)
    assert own.status_code == 403
    assert own.json()["code"] == "forbidden"
    assert other.status_code == 200
    assert other.json()["confirmed"] is True
    assert MarkChange.objects.filter(reason="typed 11 for 17", actor=scrutineer).count() == 2


def test_a_paper_sheet_for_a_judge_off_the_panel_is_not_found(client, day):
    _, tokens = token_for(client, "scrutineer")
    other = build_day()

    response = post(
        client,
        "desk-paper-sheet",
        [day.first.pk],
        tokens,
        {
            "judge_id": other.judges[0].pk,
            "dance_id": day.dances[0].pk,
            "marks": {},
            "client_key": "x",
            "base_version": 0,
            "round_revision": 1,
        },
    )

    assert response.status_code == 404
    assert not Sheet.objects.filter(round=day.first).exists()


def test_unlocking_a_sheet_is_the_chairmans(client, day):
    _, scrutineer = token_for(client, "scrutineer")
    _, chairman = token_for(client, "chairman")
    all_recall_sheets(day)
    round_close(round=day.first, actor=None)
    sheet = Sheet.objects.filter(round=day.first).first()

    refused = post(client, "desk-sheet-unlock", [sheet.pk], scrutineer, {"reason": "typo"})
    unlocked = post(client, "desk-sheet-unlock", [sheet.pk], chairman, {"reason": "typo"})

    assert refused.status_code == 403
    assert unlocked.status_code == 200
    assert unlocked.json()["unlocked"] is True


def test_a_recall_tie_is_the_chairmans_to_settle(client, day):
    _, scrutineer = token_for(client, "scrutineer")

    response = post(
        client, "desk-round-recall-decision", [day.first.pk], scrutineer, {"recall_count": 6}
    )

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_revoking_a_tablet_over_the_api_ends_the_judges_tokens(client, day):
    _, desk = token_for(client, "organizer")
    judge = day.judges[0]
    judge_tokens = sign_in(client, judge)
    tablet = TabletSessionFactory(judge=judge)
    listed = client.get(
        reverse("api:desk-tablets", args=[day.competition.slug]), headers=bearer(desk)
    )

    revoked = post(client, "desk-tablet-revoke", [tablet.pk], desk)
    sheets = client.get(sheets_url(), headers=bearer(judge_tokens))
    refresh = client.post(
        reverse("api:token-refresh"),
        {"refresh": judge_tokens["refresh"]},
        content_type="application/json",
    )

    assert [t["id"] for t in listed.json()] == [tablet.pk]
    assert revoked.status_code == 200
    assert TabletSession.objects.get(pk=tablet.pk).revoked_at is not None
    assert (sheets.status_code, sheets.json()["code"]) == (401, "revoked")
    assert refresh.status_code == 401


def send_recall_tie(day):
    """Couples 1-4 get every cross; 5, 6 and 7 two each: three tie for the last two places."""
    entries = day.entries()
    picks = {
        "A": entries[:4] + [entries[4], entries[5]],
        "B": entries[:4] + [entries[5], entries[6]],
        "C": entries[:4] + [entries[4], entries[6]],
    }
    for judge in day.judges:
        for dance in day.dances:
            day.send(judge, dance, day.crosses(picks[judge.letter]))
    return picks


def test_every_desk_action_answers_after_a_recall_tie_is_settled(client, day):
    _, scrutineer = token_for(client, "scrutineer")
    _, chairman = token_for(client, "chairman")
    picks = send_recall_tie(day)
    judge = day.judges[0]
    round_url = reverse("api:desk-round", args=[day.first.pk])

    tie = post(client, "desk-round-close", [day.first.pk], chairman)
    decided = post(
        client, "desk-round-recall-decision", [day.first.pk], chairman, {"recall_count": 7}
    )
    read = client.get(round_url, headers=bearer(chairman))
    sheets = client.get(
        reverse("api:desk-round-sheets", args=[day.first.pk]), headers=bearer(scrutineer)
    )
    typed = post(
        client,
        "desk-paper-sheet",
        [day.first.pk],
        scrutineer,
        {
            "judge_id": judge.pk,
            "dance_id": day.dances[0].pk,
            "marks": {str(e.pk): 1 for e in picks["A"]},
            "client_key": "desk-after-tie",
            "base_version": 1,
            "round_revision": day.first.revision,
            "reason": "the paper sheet says the same",
        },
    )
    confirmed = post(client, "desk-sheet-confirm", [typed.json()["id"]], chairman)
    closed = post(client, "desk-round-close", [day.first.pk], chairman)
    unlocked = post(
        client, "desk-sheet-unlock", [typed.json()["id"]], chairman, {"reason": "check"}
    )
    reopened = post(client, "desk-round-reopen", [day.first.pk], chairman, {"reason": "check B"})
    closed_again = post(client, "desk-round-close", [day.first.pk], chairman)
    published = post(client, "desk-round-publish", [day.first.pk], chairman)
    final_opened = post(client, "desk-round-open", [day.final.pk], chairman)
    read_after = client.get(round_url, headers=bearer(chairman))

    assert (tie.status_code, tie.json()["code"]) == (409, "tie")
    assert (decided.status_code, decided.json()["recall_decision"]) == (200, 7)
    assert (read.status_code, read.json()["recall_decision"]) == (200, 7)
    assert (sheets.status_code, len(sheets.json())) == (200, 6)
    assert (typed.status_code, confirmed.status_code) == (201, 200)
    assert (closed.status_code, closed.json()["status"]) == (200, "closed")
    assert (unlocked.status_code, unlocked.json()["unlocked"]) == (200, True)
    assert (reopened.status_code, reopened.json()["status"]) == (200, "open")
    assert (closed_again.status_code, closed_again.json()["recall_decision"]) == (200, 7)
    assert (published.status_code, published.json()["status"]) == (200, "published")
    assert (final_opened.status_code, final_opened.json()["status"]) == (200, "open")
    assert (read_after.status_code, read_after.json()["recall_decision"]) == (200, 7)
    assert day.final.heats.get().entries.count() == 7
