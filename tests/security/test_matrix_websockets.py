"""The websocket rows of the permission matrix (docs/security.md), through the whole
ASGI application: origin check, session, second factor, route, consumer."""

from __future__ import annotations

import asyncio
import json

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.test import Client

from leaderboard.broadcast import relays
from tests.security.matrix import ROLES, matrix_rows, staff_of_another_competition

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = [row for row in matrix_rows() if row.method == "WS"]


def _identities(day):
    from adjudication.tablet.sessions import tablet_code_issue
    from tests.factories.accounts import UserFactory
    from tests.support.auth import sign_in_staff

    cookies = {"anonymous": Client().cookies}
    client = Client()
    client.force_login(UserFactory(username="ws-competitor", roles=["competitor"]))
    cookies["competitor"] = client.cookies
    client = Client()
    judge = day.judges[0]
    code = tablet_code_issue(judge=judge, actor=None)
    client.post(
        "/tablet/", {"competition": day.competition.slug, "letter": judge.letter, "code": code}
    )
    cookies["judge"] = client.cookies
    for role in ("scrutineer", "chairman", "organizer"):
        cookies[role] = sign_in_staff(
            Client(), UserFactory(username=f"ws-{role}", roles=[role])
        ).cookies
    cookies["superuser"] = sign_in_staff(
        Client(), UserFactory(username="ws-root", is_superuser=True, is_staff=True)
    ).cookies
    cookies["other staff"] = sign_in_staff(
        Client(), staff_of_another_competition("ws-other-staff")
    ).cookies
    client = Client()
    client.force_login(UserFactory(username="ws-password-only", roles=["organizer"]))
    cookies["unverified"] = client.cookies
    return cookies


async def _answer(path, cookies) -> str:
    header = "; ".join(f"{k}={v.value}" for k, v in cookies.items()).encode()
    from scoring_site.asgi import application

    communicator = WebsocketCommunicator(
        application, path, headers=[(b"origin", b"http://testserver"), (b"cookie", header)]
    )
    connected, _ = await communicator.connect()
    if not connected:
        return "refused"
    message = await communicator.receive_output(timeout=5)
    if message["type"] == "websocket.close":
        return str(message.get("code"))
    assert json.loads(message["text"])["seq"] is not None
    await communicator.disconnect()
    return "open"


def test_websocket_rows(role_groups):
    from competitions.models import Competition
    from tests.factories.competitions import CompetitionFactory
    from tests.leaderboard.helpers import quiet, quiet_day

    day = quiet_day()
    with quiet():
        draft = CompetitionFactory()
        cookies = _identities(day)
    assert Competition.objects.get(pk=draft.pk).status == "draft"
    params = {"slug": day.competition.slug}
    variants = {"draft": {"slug": draft.slug}}

    async def body():
        wrong = []
        for row in ROWS:
            values = {**params, **variants.get(row.variant, {})}
            path = "/" + row.route.replace("<slug:slug>", values["slug"])
            for role in ROLES:
                got = await _answer(path, cookies[role])
                if got != row.expected[role]:
                    wrong.append(f"{row.key} {role}: expected {row.expected[role]}, got {got}")
        await asyncio.sleep(0)
        return wrong

    wrong = async_to_sync(body)()
    relays.drain_background()
    assert wrong == []


def test_a_socket_from_another_site_is_refused(settings):
    from channels.security.websocket import OriginValidator

    from scoring_site.asgi import application
    from tests.leaderboard.helpers import quiet_day

    day = quiet_day()
    validator = application.application_mapping["websocket"]
    assert isinstance(validator, OriginValidator)
    assert validator.allowed_origins == settings.ALLOWED_HOSTS
    # The same stack as production would build it with ALLOWED_HOSTS set.
    production = OriginValidator(validator.application, ["podium.example.org"])

    async def body(origin):
        communicator = WebsocketCommunicator(
            production, f"/ws/live/{day.competition.slug}/", headers=[(b"origin", origin)]
        )
        connected, _ = await communicator.connect()
        if connected:
            await communicator.receive_output(timeout=5)
            await communicator.disconnect()
        return connected

    foreign = async_to_sync(body)(b"https://evil.example.com")
    own = async_to_sync(body)(b"https://podium.example.org")
    relays.drain_background()
    assert foreign is False
    assert own is True


@pytest.fixture
def role_groups(db):
    from tests.support.auth import restore_role_groups

    restore_role_groups()
