"""What the logs show on the embedded default: no registration token or tablet code on
any line (Django's, the access logs'), no kombu noise for in-process jobs, and an audit
line that reads sensibly without an address."""

import logging

import pytest
from daphne.management.commands.runserver import Command as Runserver
from django.urls import reverse

from accounts.audit import audit_record
from tests.competitions.registration_helpers import open_competition, skating_event
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "s3cretT0ken-s3cretT0ken-abcdef"


def messages(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records]


def test_an_unknown_registration_link_is_logged_without_its_token(client, caplog):
    caplog.set_level(logging.INFO)

    response = client.get(reverse("competitions:register", args=[TOKEN]))

    assert response.status_code == 404
    assert any("/register/[redacted]/" in m for m in messages(caplog))
    assert not any(TOKEN in m for m in messages(caplog))


def test_runservers_access_log_redacts_tokens_and_tablet_codes(caplog):
    caplog.set_level(logging.INFO)
    log = Runserver().log_action
    base = {"method": "GET", "time_taken": 0.01, "client": "192.168.1.30:5000"}

    log("http", "complete", {**base, "path": f"/register/{TOKEN}/", "status": 404})
    log("http", "complete", {**base, "path": f"/registration/{TOKEN}/", "status": 500})
    log(
        "http", "complete", {**base, "path": "/tablet/sign-in/demo/A/?code=k7x2m9qp", "status": 410}
    )

    lines = messages(caplog)
    assert len(lines) == 3
    assert "/register/[redacted]/" in lines[0]
    assert "/tablet/sign-in/demo/A/?code=[redacted]" in lines[2]
    assert not any(TOKEN in m or "k7x2m9qp" in m for m in lines)


def test_uvicorns_access_log_line_is_redacted_for_its_own_handler(monkeypatch):
    """uvicorn logs access lines to a handler of its own (propagate off), which no
    filter of Podium's configuration sits on."""
    seen: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: seen.append(record.getMessage())
    access = logging.getLogger("uvicorn.access")
    monkeypatch.setattr(access, "handlers", [handler])
    monkeypatch.setattr(access, "propagate", False)
    monkeypatch.setattr(access, "level", logging.INFO)

    access.info(
        '%s - "%s %s HTTP/%s" %d', "192.168.1.30:5000", "GET", f"/register/{TOKEN}/", "1.1", 200
    )

    assert seen == ['192.168.1.30:5000 - "GET /register/[redacted]/ HTTP/1.1" 200']


def test_an_audit_entry_without_a_request_says_so(caplog):
    caplog.set_level(logging.INFO, logger="accounts.audit")
    organizer = UserFactory(username="organizer", roles=["organizer"])

    audit_record(action="admin.change", actor=organizer, message="from a command")

    line = next(m for m in messages(caplog) if m.startswith("audit "))
    assert line == "audit admin.change by organizer outside a request"


def test_an_email_job_in_process_leaves_kombu_quiet(
    client, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.INFO)
    competition, link = open_competition()
    event = skating_event(competition)
    url = reverse("competitions:register", args=[link.token])
    page = client.get(url)
    data = {
        "form_token": page.context["form"].initial["form_token"],
        "kind": "couple",
        "name": "Tom Lee",
        "partner_name": "Ava Kim",
        "club": "Stars",
        "country": "gb",
        "email": "tom@example.org",
        "events": [str(event.pk)],
    }

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, data)

    assert any("send_registration_confirmation" in m for m in messages(caplog))
    assert not [r for r in caplog.records if r.name.startswith("kombu")]
    assert not any(link.token in m for m in messages(caplog))
