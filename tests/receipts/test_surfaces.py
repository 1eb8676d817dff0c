"""Receipts through their surfaces: the judge's tablet (own receipts only, the PDF), the
public /verify/ page and API (one character changed, a tampered text, a superseded
receipt, a rotated key, the rate limit), the desk's page and API, the judges' sheets
PDF and ``manage.py verify``."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from adjudication.models import Receipt, Sheet
from adjudication.results.receipt_pdf import receipt_text
from adjudication.services import round_close, round_publish, round_reopen
from tests.adjudication.test_api import bearer
from tests.adjudication.test_desk_api import token_for
from tests.adjudication.test_tablet_pages import sign_in
from tests.factories.accounts import UserFactory
from tests.receipts.helpers import closed_day
from tests.security.matrix import staff_of_another_competition
from tests.support.auth import sign_in_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def day(db):
    return closed_day()


def _receipt(day, letter="A"):
    return Receipt.objects.get(round=day.first, judge__letter=letter, superseded_at=None)


def _verify(client, body):
    return client.post(reverse("api:receipt-verify"), body, content_type="application/json")


def _changed(code: str) -> str:
    """The code with one character changed (to another base32 character)."""
    first = code[0]
    return ("B" if first == "A" else "A") + code[1:]


# --- the tablet -------------------------------------------------------------------------------


def test_a_judge_sees_their_own_receipts_on_the_tablet(client, day):
    sign_in(client, day, day.judges[0])

    response = client.get(reverse("adjudication:tablet-receipts"))

    page = response.content.decode()
    assert response.status_code == 200
    assert _receipt(day, "A").code in page
    assert _receipt(day, "B").code not in page
    assert "Samba" in page and "received" in page


def test_the_receipt_pdf_is_a_pdf_with_its_code(client, day):
    sign_in(client, day, day.judges[0])
    code = _receipt(day, "A").code

    response = client.get(reverse("adjudication:tablet-receipt-pdf", args=[code]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f"receipt-{code}.pdf" in response["Content-Disposition"]


def test_another_judges_receipt_is_not_found_on_a_tablet(client, day):
    sign_in(client, day, day.judges[0])

    response = client.get(
        reverse("adjudication:tablet-receipt-pdf", args=[_receipt(day, "B").code])
    )

    assert response.status_code == 404


def test_the_public_and_staff_are_sent_to_the_tablet_sign_in(client, day):
    sign_in_staff(client, UserFactory(roles=["chairman"]))

    listing = client.get(reverse("adjudication:tablet-receipts"))
    pdf = Client().get(reverse("adjudication:tablet-receipt-pdf", args=[_receipt(day).code]))

    assert (listing.status_code, listing["Location"]) == (302, "/tablet/")
    assert (pdf.status_code, pdf["Location"]) == (302, "/tablet/")


def test_a_superseded_receipt_is_listed_with_its_reason(client, day):
    chairman = UserFactory(roles=["chairman"])
    old = _receipt(day)
    round_reopen(round=day.first, actor=chairman, reason="a misread cross")
    sign_in(client, day, day.judges[0])

    page = client.get(reverse("adjudication:tablet-receipts")).content.decode()

    assert old.code in page
    assert "the round was reopened: a misread cross" in page


# --- /verify/ and its API ---------------------------------------------------------------------


def test_a_receipts_code_matches_and_shows_no_marks(client, day):
    receipt = _receipt(day)

    body = _verify(client, {"code": receipt.code.lower().replace("-", " ")}).json()

    assert body["status"] == "matches"
    assert body["matches"] is True
    assert (body["judge"], body["code"]) == ("A", receipt.code)
    assert "sheets" not in body


def test_a_code_with_one_character_changed_does_not_match(client, day):
    response = _verify(client, {"code": _changed(_receipt(day).code)})

    assert response.status_code == 200
    assert response.json()["status"] == "no_match"
    assert response.json()["matches"] is False
    assert "judge" not in response.json()


def test_the_genuine_text_pasted_answers_the_holders_own_marks(client, day):
    receipt = _receipt(day)

    body = _verify(client, {"code": receipt.code, "receipt": receipt_text(receipt)}).json()

    assert body["status"] == "matches"
    assert [s["part"] for s in body["sheets"]] == ["Samba", "Rumba"]


def test_a_tampered_text_does_not_match(client, day):
    receipt = _receipt(day)
    text = receipt_text(receipt).replace('"value": "1"', '"value": "2"', 1)

    body = _verify(client, {"code": receipt.code, "receipt": text}).json()

    assert body["status"] == "no_match"
    assert "sheets" not in body


def test_a_superseded_receipt_says_when_and_why(client, day):
    receipt = _receipt(day)
    round_reopen(round=day.first, actor=UserFactory(roles=["chairman"]), reason="misread")
    round_close(round=day.first, actor=None, seed=3)
    round_publish(round=day.first, actor=None)

    body = _verify(client, {"code": receipt.code}).json()

    assert body["status"] == "superseded"
    assert "the round was reopened: misread" in body["message"]


def test_a_receipt_of_a_rotated_key_says_so_rather_than_forged(client, day, settings):
    receipt = _receipt(day)
    settings.PODIUM_RECEIPT_KEY = "a-new-key-of-the-site-" + "x" * 20

    body = _verify(client, {"code": receipt.code}).json()

    assert body["status"] == "older_key"


def test_a_mark_changed_behind_the_services_back_is_reported(client, day):
    receipt = _receipt(day)
    mark = Sheet.objects.get(
        round=day.first, judge=day.judges[0], dance=day.dances[0]
    ).marks.first()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE adjudication_mark SET value = 3 WHERE id = %s", [mark.pk])

    body = _verify(client, {"code": receipt.code}).json()

    assert body["status"] == "changed"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"code": "not a code"},
        {"code": "AAAA-AAAA-AAAA-AAA"},
        {"code": "A" * 16, "receipt": "x"},
    ],
)
def test_bad_input_is_refused_with_a_message(client, day, body):
    response = _verify(client, body)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_checks_are_limited_per_address(client, day, monkeypatch):
    from adjudication.verify.api import ReceiptVerifyThrottle

    rates = {**ReceiptVerifyThrottle.THROTTLE_RATES, "receipt_verify": "2/minute"}
    monkeypatch.setattr(ReceiptVerifyThrottle, "THROTTLE_RATES", rates)

    codes = [_verify(client, {"code": "A" * 16}).status_code for _ in range(3)]
    page = client.post(reverse("adjudication:receipt-verify"), {"code": "A" * 16})

    assert codes == [200, 200, 429]
    assert page.status_code == 429
    assert "Retry-After" in page


def test_the_verify_page_answers_a_code_and_a_changed_one(client, day):
    code = _receipt(day).code

    good = client.post(reverse("adjudication:receipt-verify"), {"code": code})
    bad = client.post(reverse("adjudication:receipt-verify"), {"code": _changed(code)})
    empty = client.post(reverse("adjudication:receipt-verify"), {"code": ""})

    assert good.status_code == 200
    assert 'data-receipt-status="matches"' in good.content.decode()
    assert 'data-receipt-status="no_match"' in bad.content.decode()
    assert "does not match anything Podium holds" in bad.content.decode()
    assert empty.status_code == 400


# --- the desk ---------------------------------------------------------------------------------


def test_the_desk_round_page_shows_every_judges_current_code(client, day):
    sign_in_staff(client, UserFactory(roles=["scrutineer"]))

    page = client.get(reverse("adjudication:desk-round", args=[day.first.pk])).content.decode()

    for letter in "ABC":
        assert _receipt(day, letter).code in page


def test_the_desk_api_lists_the_receipts_with_why_they_were_superseded(client, day):
    old = _receipt(day)
    round_reopen(round=day.first, actor=UserFactory(roles=["chairman"]), reason="misread")
    _, tokens = token_for(client, "scrutineer")

    response = client.get(
        reverse("api:desk-round-receipts", args=[day.first.pk]), headers=bearer(tokens)
    )

    assert response.status_code == 200
    row = next(r for r in response.json() if r["code"] == old.code)
    assert (row["current"], row["superseded_reason"]) == (
        False,
        "the round was reopened: misread",
    )


def test_desk_staff_of_another_competition_are_refused(client, day):
    sign_in_staff(client, staff_of_another_competition("receipts-elsewhere"))

    page = client.get(reverse("adjudication:desk-round", args=[day.first.pk]))

    assert page.status_code == 403


def test_the_judges_sheets_to_sign_carry_the_receipt(client, day):
    from adjudication.results.facts import competition_facts
    from adjudication.results.pdf import judge_sheets_story

    facts = competition_facts(day.competition, published_only=False)
    story = judge_sheets_story(day.competition, facts)
    texts = " ".join(getattr(flowable, "text", "") for flowable in story)

    assert f"Receipt {_receipt(day).code}" in texts


# --- manage.py verify -------------------------------------------------------------------------


def test_verify_names_the_receipt_a_tampered_mark_breaks(day):
    call_command("verify", day.competition.slug, stdout=StringIO())
    mark = Sheet.objects.get(
        round=day.first, judge=day.judges[1], dance=day.dances[1]
    ).marks.first()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE adjudication_mark SET value = 5 WHERE id = %s", [mark.pk])
    out = StringIO()

    with pytest.raises(CommandError):
        call_command("verify", day.competition.slug, stdout=out, stderr=out)

    assert f"receipt {_receipt(day, 'B').code} of judge B" in out.getvalue()
