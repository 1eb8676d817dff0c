"""Bad input at the edges: NUL characters, deep or huge JSON, numbers too long to read,
and the pages an error shows. Each way in answers 400 (or 413) with a clear message and
writes nothing; an action and its audit entry happen together or not at all."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from django.core.management import CommandError, call_command
from django.test import AsyncClient
from django.urls import reverse

from accounts import audit
from accounts.models import AuditEntry
from adjudication.models import Sheet, TabletSession
from adjudication.services import round_close
from competitions.models import Round
from tests.adjudication.day import all_recall_sheets, build_day
from tests.adjudication.test_api import bearer
from tests.adjudication.test_desk_api import token_for
from tests.factories.accounts import UserFactory
from tests.factories.adjudication import TabletSessionFactory
from tests.support.auth import sign_in_staff

pytestmark = pytest.mark.django_db

NUL = "\x00"


@pytest.fixture
def day():
    return build_day(couples=7, judges=3)


@pytest.fixture
def closed_day(day):
    all_recall_sheets(day)
    round_close(round=day.first, actor=None)
    return day


def desk_entries():
    return list(AuditEntry.objects.filter(action=AuditEntry.Action.DESK).order_by("id"))


def api_post(client, name, args, tokens, body):
    return client.post(
        reverse(f"api:{name}", args=args),
        body,
        content_type="application/json",
        headers=bearer(tokens),
    )


def assert_refused_for_nul(response):
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


# --- NUL characters ------------------------------------------------------------------


def test_paper_sheet_api_with_a_nul_is_refused_and_stores_nothing(client, day):
    _, tokens = token_for(client, "scrutineer")
    body = {
        "judge_id": day.judges[0].pk,
        "dance_id": day.dances[0].pk,
        "marks": {str(e.pk): 1 for e in day.entries()[:6]},
        "client_key": "desk-nul",
        "base_version": 0,
        "round_revision": day.first.revision,
        "action": NUL,
    }

    response = api_post(client, "desk-paper-sheet", [day.first.pk], tokens, body)

    assert_refused_for_nul(response)
    assert response.json()["code"] == "invalid"
    assert not Sheet.objects.filter(round=day.first).exists()
    # A refused call is audited as refused (with its status), never as done.
    assert [e.detail["status"] for e in desk_entries()] == [400]


def test_paper_sheet_page_with_a_nul_is_refused_and_stores_nothing(client, day):
    sign_in_staff(client, UserFactory(roles=["scrutineer"]))
    url = reverse(
        "adjudication:desk-paper-sheet",
        args=[day.first.pk, day.judges[0].pk, f"d{day.dances[0].pk}"],
    )
    data = {
        "client_key": "page-nul",
        "base_version": 0,
        "round_revision": day.first.revision,
        "cross": [str(e.pk) for e in day.entries()[:6]],
        "reason": f"typed{NUL}",
    }

    response = client.post(url, data)

    assert_refused_for_nul(response)
    assert not Sheet.objects.filter(round=day.first).exists()
    assert desk_entries() == []


def test_tablet_revoke_page_with_a_nul_reason_is_refused(client, day):
    tablet = TabletSessionFactory(judge=day.judges[0])
    sign_in_staff(client, UserFactory(roles=["scrutineer"]))

    response = client.post(
        reverse("adjudication:desk-tablet-revoke", args=[tablet.pk]),
        "reason=%00",
        content_type="application/x-www-form-urlencoded",
    )

    assert_refused_for_nul(response)
    assert TabletSession.objects.get(pk=tablet.pk).revoked_at is None
    assert desk_entries() == []


def test_tablet_revoke_api_ignores_a_body_with_a_nul_it_does_not_read(client, day):
    tablet = TabletSessionFactory(judge=day.judges[0])
    _, tokens = token_for(client, "scrutineer")

    response = api_post(client, "desk-tablet-revoke", [tablet.pk], tokens, {"reason": NUL})

    assert response.status_code == 200
    assert TabletSession.objects.get(pk=tablet.pk).revoked_at is not None
    assert [(e.detail["status"], e.detail["posted"]) for e in desk_entries()] == [(200, {})]


def test_reopen_and_unlock_pages_with_a_nul_reason_are_refused(client, closed_day):
    day = closed_day
    sign_in_staff(client, UserFactory(roles=["chairman"]))
    sheet = Sheet.objects.filter(round=day.first).first()

    reopen = client.post(
        reverse("adjudication:desk-round-action", args=[day.first.pk]),
        {"action": "reopen", "reason": f"judge A{NUL}"},
    )
    unlock = client.post(
        reverse("adjudication:desk-sheet-action", args=[sheet.pk]),
        {"action": "unlock", "reason": NUL},
    )

    assert_refused_for_nul(reopen)
    assert_refused_for_nul(unlock)
    assert Round.objects.get(pk=day.first.pk).status == "closed"
    assert Sheet.objects.get(pk=sheet.pk).unlocked_at is None
    assert desk_entries() == []


def test_reopen_and_unlock_api_with_a_nul_reason_are_refused(client, closed_day):
    day = closed_day
    _, tokens = token_for(client, "chairman")
    sheet = Sheet.objects.filter(round=day.first).first()

    reopen = api_post(client, "desk-round-reopen", [day.first.pk], tokens, {"reason": NUL})
    unlock = api_post(client, "desk-sheet-unlock", [sheet.pk], tokens, {"reason": f"a{NUL}"})

    assert_refused_for_nul(reopen)
    assert_refused_for_nul(unlock)
    assert Round.objects.get(pk=day.first.pk).status == "closed"
    assert Sheet.objects.get(pk=sheet.pk).unlocked_at is None
    assert [e.detail["status"] for e in desk_entries()] == [400, 400]


def test_a_nul_in_a_query_string_or_path_is_refused(client, day):
    sign_in_staff(client, UserFactory(roles=["scrutineer"]))

    in_query = client.get(
        reverse("adjudication:desk-competition", args=[day.competition.slug]) + "?q=%00"
    )
    in_path = client.post(
        f"/desk/round/{day.first.pk}/paper/{day.judges[0].pk}/%00/", {"action": "x"}
    )
    in_api_query = client.get(reverse("api:competitions") + "?search=%00")

    assert_refused_for_nul(in_query)
    assert_refused_for_nul(in_path)
    assert_refused_for_nul(in_api_query)
    assert in_api_query.json()["code"] == "invalid"
    assert desk_entries() == []


def test_a_desk_action_with_a_plain_reason_is_done_and_audited_once(client, closed_day):
    day = closed_day
    sign_in_staff(client, UserFactory(roles=["chairman"]))

    client.post(
        reverse("adjudication:desk-round-action", args=[day.first.pk]),
        {"action": "reopen", "reason": "judge A's Rumba"},
    )

    assert Round.objects.get(pk=day.first.pk).status == "open"
    assert [e.detail["posted"]["reason"] for e in desk_entries()] == [["judge A's Rumba"]]


def test_the_audit_log_keeps_a_nul_that_reaches_it_readable(client):
    entry = audit.audit_record(
        action=AuditEntry.Action.DESK,
        message=f"POST {NUL}",
        detail={"posted": {f"k{NUL}": [f"v{NUL}"]}},
    )

    entry.refresh_from_db()
    assert entry.message == "POST \\x00"
    assert entry.detail == {"posted": {"k\\x00": ["v\\x00"]}}


# --- The audit entry shares the action's transaction ---------------------------------


def _audit_fails(monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("the audit log is unavailable")

    monkeypatch.setattr(audit, "audit_record", broken)


def test_a_desk_page_action_is_undone_when_its_audit_entry_fails(client, closed_day, monkeypatch):
    day = closed_day
    sign_in_staff(client, UserFactory(roles=["chairman"]))
    _audit_fails(monkeypatch)
    client.raise_request_exception = False

    response = client.post(
        reverse("adjudication:desk-round-action", args=[day.first.pk]),
        {"action": "reopen", "reason": "judge A's Rumba"},
    )

    assert response.status_code == 500
    assert Round.objects.get(pk=day.first.pk).status == "closed"


def test_a_desk_api_action_is_undone_when_its_audit_entry_fails(client, day, monkeypatch):
    tablet = TabletSessionFactory(judge=day.judges[0])
    _, tokens = token_for(client, "scrutineer")
    _audit_fails(monkeypatch)
    client.raise_request_exception = False

    response = api_post(client, "desk-tablet-revoke", [tablet.pk], tokens, {})

    assert response.status_code == 500
    assert TabletSession.objects.get(pk=tablet.pk).revoked_at is None


def test_a_desk_action_is_undone_when_its_audit_entry_fails_under_asgi(
    client, closed_day, monkeypatch
):
    # The server runs the middleware and the view in ASGI mode: one transaction still.
    day = closed_day
    sign_in_staff(client, UserFactory(roles=["chairman"]))
    asgi = AsyncClient(raise_request_exception=False)
    asgi.cookies = client.cookies
    _audit_fails(monkeypatch)

    response = async_to_sync(asgi.post)(
        reverse("adjudication:desk-round-action", args=[day.first.pk]),
        {"action": "reopen", "reason": "judge A's Rumba"},
    )

    assert response.status_code == 500
    assert Round.objects.get(pk=day.first.pk).status == "closed"


# --- Deep, huge and unreadable JSON ---------------------------------------------------

DEEP = "[" * 1200 + "]" * 1200


def assert_json_error(response, status, code):
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert (body["code"], bool(body["message"]), "__all__" in body["errors"]) == (code, True, True)


@pytest.mark.parametrize("name", ["api:token", "api:judge-token", "api:token-refresh"])
def test_deep_json_to_a_public_endpoint_answers_400(client, name):
    response = client.post(reverse(name), DEEP, content_type="application/json")

    assert_json_error(response, 400, "invalid")
    assert "nested" in response.json()["message"]


def test_deep_json_to_the_desk_answers_400_and_stores_nothing(client, day):
    _, tokens = token_for(client, "scrutineer")
    inner = "[" * 100 + "]" * 100  # within Python's parser, past the API's limit

    deepest = client.post(
        reverse("api:desk-paper-sheet", args=[day.first.pk]),
        DEEP,
        content_type="application/json",
        headers=bearer(tokens),
    )
    deep = client.post(
        reverse("api:desk-paper-sheet", args=[day.first.pk]),
        '{"judge_id": 1, "marks": ' + inner + "}",
        content_type="application/json",
        headers=bearer(tokens),
    )

    assert_json_error(deepest, 400, "invalid")
    assert_json_error(deep, 400, "invalid")
    assert not Sheet.objects.filter(round=day.first).exists()


def test_an_integer_too_long_to_read_answers_400(client):
    body = '{"username": ' + "1" * 5000 + "}"

    response = client.post(reverse("api:token"), body, content_type="application/json")

    assert_json_error(response, 400, "invalid")


def test_a_body_over_the_size_limit_answers_413_in_the_error_shape(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = '{"username": "' + "x" * 2000 + '", "password": "y"}'

    response = client.post(reverse("api:token"), body, content_type="application/json")

    assert_json_error(response, 413, "too_large")
    assert "1000 bytes" in response.json()["message"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (DEEP, "nested too deeply"),
        ('{"dances": {"Samba": {"1": [' + "1" * 5000 + "]}}}", "not valid JSON"),
    ],
    ids=["deep", "long-integer"],
)
def test_the_skating_command_exits_2_with_a_message_on_unreadable_json(tmp_path, text, message):
    path = tmp_path / "final.json"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(CommandError) as refused:
        call_command("skating", str(path), stdout=StringIO())

    assert refused.value.returncode == 2
    assert message in str(refused.value)


# --- Error pages on the default settings ----------------------------------------------

ERROR_PAGES = """
import os, sys, types
os.environ["DJANGO_SETTINGS_MODULE"] = "scoring_site.settings.base"
import django
django.setup()
from django.conf import settings
from django.test import Client
from django.test.utils import override_settings
from django.urls import include, path
from scoring_site import urls

def boom(request):
    raise RuntimeError("boom")

site = types.ModuleType("site_with_a_broken_page")
site.urlpatterns = [path("boom/", boom), path("", include(urls))]
site.handler404, site.handler500 = urls.handler404, urls.handler500
sys.modules[site.__name__] = site
client = Client(raise_request_exception=False, HTTP_HOST="localhost")  # a development host
with override_settings(ROOT_URLCONF=site.__name__):
    missing, broken = client.get("/no-such-page/"), client.get("/boom/")
print(settings.DEBUG, missing.status_code, broken.status_code)
print(missing.content.decode(), broken.content.decode())
"""


def test_the_default_error_pages_show_no_settings(tmp_path):
    # Addresses only: the 404 and 500 pages are rendered without touching either server.
    secrets = {
        "DATABASE_URL": "postgres://podium:db-password-1234@db.hall.example:5432/podium",
        "REDIS_URL": "redis://:redis-password-5678@redis.hall.example:6379/0",
    }
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "PYTHONPATH")}
    env.update({"PODIUM_DATA_DIR": str(tmp_path), **secrets})

    result = subprocess.run(
        [sys.executable, "-c", ERROR_PAGES],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stderr
    first_line, pages = result.stdout.split("\n", 1)
    assert first_line.split() == ["False", "404", "500"]
    assert "Nothing here" in pages
    assert "Something went wrong" in pages
    for secret in ("db-password-1234", "db.hall.example", "redis-password-5678", "DATABASE"):
        assert secret not in pages
