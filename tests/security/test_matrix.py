"""Every cell of the permission matrix in docs/security.md, tried over HTTP.

One test per action (row); each tries every role against one shared world (built once
for this module, rolled back at its end) and rolls back its own request, so no cell
sees another's writes. A route the resolver serves that the table does not list fails
``test_every_route_is_in_the_matrix``. Websockets: test_matrix_websockets.py."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client

from accounts.tokens import StampedRefreshToken
from competitions.models import Floor
from tests.security.matrix import (
    ROLES,
    admin_changelists,
    matrix_rows,
    resolver_routes,
    staff_of_another_competition,
    websocket_routes,
)

pytestmark = pytest.mark.django_db

ROWS = [row for row in matrix_rows() if row.method != "WS"]

# Admin pages besides each model's list: Django's admin checks the same model
# permissions on add, change, delete and history as on the list.
ADMIN_FREE = ("admin/",)


@dataclass
class Identity:
    cookies: object = None
    api_headers: dict = field(default_factory=dict)


@dataclass
class World:
    params: dict
    identities: dict
    variants: dict


def _build_world() -> World:
    from adjudication.models import Sheet
    from adjudication.tablet.sessions import tablet_code_issue
    from adjudication.tokens_api import SECOND_FACTOR_CLAIM
    from competitions.models import Competitor, RegistrationLink
    from tests.adjudication.day import build_day
    from tests.factories.accounts import UserFactory
    from tests.factories.adjudication import TabletSessionFactory
    from tests.factories.competitions import (
        CompetitionFactory,
        RegistrationLinkFactory,
        RoundFactory,
    )
    from tests.support.auth import sign_in_staff

    day = build_day(couples=7, judges=3)
    typist = UserFactory(username="matrix-typist", roles=["scrutineer"])
    paper = day.send(
        day.judges[1], day.dances[0], day.crosses(day.entries()[:6]), actor=typist, source="paper"
    )
    paper_sheet = Sheet.objects.get(pk=getattr(paper, "sheet", paper).pk)
    other_round = RoundFactory()  # a round of another competition: no panel of judge A
    draft = CompetitionFactory()
    tablet_b = TabletSessionFactory(judge=day.judges[1])
    link = RegistrationLinkFactory(competition=day.competition)
    judge_link = RegistrationLinkFactory(
        competition=day.competition, kind=RegistrationLink.Kind.JUDGE
    )
    competitor = Competitor.objects.filter(competition=day.competition).first()

    identities = {"anonymous": Identity(cookies=Client().cookies)}
    client = Client()
    client.force_login(UserFactory(username="matrix-competitor", roles=["competitor"]))
    identities["competitor"] = Identity(cookies=client.cookies)

    judge = day.judges[0]
    client = Client()
    code = tablet_code_issue(judge=judge, actor=None)
    signed = client.post(
        "/tablet/", {"competition": day.competition.slug, "letter": judge.letter, "code": code}
    )
    assert signed.status_code == 302, signed
    judge.refresh_from_db()
    access = StampedRefreshToken.for_user(judge.user).access_token
    identities["judge"] = Identity(
        cookies=client.cookies, api_headers={"Authorization": f"Bearer {access}"}
    )

    def staff_token(user, second_factor: bool) -> dict:
        # As the token endpoint issues it: with the second factor's claim, or (a token of
        # before two factors were asked) without it.
        refresh = StampedRefreshToken.for_user(user)
        if second_factor:
            refresh[SECOND_FACTOR_CLAIM] = True
        return {"Authorization": f"Bearer {refresh.access_token}"}

    for role in ("scrutineer", "chairman", "organizer"):
        client = Client()
        user = UserFactory(username=f"matrix-{role}", roles=[role])
        sign_in_staff(client, user)
        identities[role] = Identity(cookies=client.cookies, api_headers=staff_token(user, True))
    client = Client()
    root = UserFactory(username="matrix-root", is_superuser=True, is_staff=True)
    sign_in_staff(client, root)
    identities["superuser"] = Identity(cookies=client.cookies, api_headers=staff_token(root, True))
    client = Client()
    other_staff = staff_of_another_competition("matrix-other-staff")
    sign_in_staff(client, other_staff)
    identities["other staff"] = Identity(
        cookies=client.cookies, api_headers=staff_token(other_staff, True)
    )
    client = Client()
    unverified = UserFactory(username="matrix-password-only", roles=["organizer"])
    client.force_login(unverified)
    identities["unverified"] = Identity(
        cookies=client.cookies, api_headers=staff_token(unverified, False)
    )

    for position, name in enumerate("AB", 1):  # two floors: each has its live screen
        Floor.objects.create(competition=day.competition, name=name, position=position)
    params = {
        "slug": day.competition.slug,
        "floor": "b",
        "round_id": day.first.pk,
        "part": f"d{day.dances[0].pk}",
        "judge_id": judge.pk,
        "sheet_id": paper_sheet.pk,
        "tablet_id": tablet_b.pk,
        "token": link.token,
        "reference": competitor.reference,
        "letter": judge.letter,
        "event_id": day.event.pk,
        "report": "results",
        "entry_id": day.entries()[-1].pk,
        "seat_id": day.event.panel.first().pk,
        "code": "AAAA-BBBB-CCCC-DDDD",  # no receipt of judge A's
    }
    other = {"round_id": other_round.pk}
    variants = {
        # What a variant changes: url parameters, the form posted, a JSON body.
        "another panel": {"params": other},
        "draft": {"params": {"slug": draft.slug}},
        "judge link": {"params": {"token": judge_link.token}},
        "another judge's sheet": {"data": {"judge": str(day.judges[1].pk)}},
        "confirm": {"data": {"action": "confirm"}},
        "unknown action": {"data": {"action": "nothing"}},
        "wrong password": {"data": {"username": "matrix-organizer", "password": "wrong"}},
        "wrong code": {"data": {"token": "000000"}},
        "absent": {"data": {"entry": str(day.entries()[-1].pk), "action": "absent", "reason": "m"}},
        "disqualify": {
            "data": {"entry": str(day.entries()[-1].pk), "action": "disqualified", "reason": "m"}
        },
    }
    return World(params=params, identities=identities, variants=variants)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        cache.clear()
        yield _build_world()
        transaction.set_rollback(True)


def _fill(route: str, params: dict) -> str:
    import re

    def value(match):
        name = match.group(2)
        if name not in params:
            raise AssertionError(f"no value for <{name}> in World.params (tests/security)")
        return str(params[name])

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", value, route)


def answer(response) -> str:
    """The cell a response stands for (see tests/security/matrix.py)."""
    if response.status_code in (301, 302, 303):
        location = response["Location"]
        if location.startswith(("/admin/login/", "/account/sign-in/")):
            return "login"
        if location == "/tablet/":
            return "tablet"
        if location.startswith("/account/two-factor/"):
            return "2fa"
        storage = getattr(response.wsgi_request, "_messages", None)
        levels = {m.level_tag for m in getattr(storage, "_queued_messages", [])}
        if "error" in levels:
            return "refused"
        if levels:
            return "done"
        return "302"
    return str(response.status_code)


def attempt(world: World, row, role: str) -> str:
    variant = world.variants.get(row.variant, {}) if row.variant else {}
    if row.variant and not variant:
        raise AssertionError(f"variant {row.variant!r} is not in VARIANTS (tests/security)")
    path = _fill(row.route, {**world.params, **variant.get("params", {})})
    identity = world.identities[role]
    client = Client()
    client.cookies = copy.deepcopy(identity.cookies)
    headers = dict(identity.api_headers) if row.route.startswith("api/") else {}
    cache.clear()
    with transaction.atomic():
        if row.method == "GET":
            response = client.get(path, headers=headers)
        elif row.route.startswith("api/"):
            response = client.generic(
                row.method,
                path,
                json.dumps(variant.get("data", {})),
                content_type="application/json",
                headers=headers,
            )
        else:
            method = getattr(client, row.method.lower())
            response = method(path, variant.get("data", {}), headers=headers)
        transaction.set_rollback(True)
    return answer(response)


@pytest.mark.parametrize("row", ROWS, ids=[row.key for row in ROWS])
def test_matrix_row(world, row):
    got = {role: attempt(world, row, role) for role in ROLES}
    wrong = {
        role: f"expected {row.expected[role]}, got {got[role]}"
        for role in ROLES
        if got[role] != row.expected[role]
    }
    assert not wrong, f"{row.key}: {wrong}"


def test_every_route_is_in_the_matrix():
    listed = {row.route for row in matrix_rows() if row.method != "WS"}
    served = {r for r in resolver_routes() if not r.startswith("admin/")}
    served |= admin_changelists() | set(ADMIN_FREE) | {"admin/login/"}
    assert sorted(served - listed) == [], "routes served but not in docs/security.md"
    assert sorted(listed - served - {r for r in listed if r.startswith("admin/")}) == []


def test_every_websocket_is_in_the_matrix():
    listed = {row.route for row in matrix_rows() if row.method == "WS"}
    assert listed == websocket_routes()


# --- CSRF: every form refuses a POST without its token ----------------------------------------

FORM_ROWS = [row for row in ROWS if row.method == "POST" and not row.route.startswith("api/")]
_NOT_REACHED = {"login", "tablet", "2fa", "403", "404"}


def _csrf_attempt(world: World, row, role: str, *, with_token: bool) -> int:
    variant = world.variants.get(row.variant, {}) if row.variant else {}
    path = _fill(row.route, {**world.params, **variant.get("params", {})})
    client = Client(enforce_csrf_checks=True)
    client.cookies = copy.deepcopy(world.identities[role].cookies)
    token = "a" * 32
    client.cookies["csrftoken"] = token
    data = dict(variant.get("data", {}))
    if with_token:
        data["csrfmiddlewaretoken"] = token
    cache.clear()
    with transaction.atomic():
        response = client.post(path, data)
        transaction.set_rollback(True)
    return response.status_code


@pytest.mark.parametrize("row", FORM_ROWS, ids=[row.key for row in FORM_ROWS])
def test_a_form_without_its_csrf_token_is_refused(world, row):
    # The first role the matrix lets through: without the token it gets 403 instead.
    # (Signing out answers every role with a redirect: try the signed-in one.)
    fallback = "judge" if row.route.startswith("tablet/") else "organizer"
    role = next((r for r in ROLES if row.expected[r] not in _NOT_REACHED), fallback)

    without = _csrf_attempt(world, row, role, with_token=False)
    with_token = _csrf_attempt(world, row, role, with_token=True)

    assert without == 403
    assert with_token != 403
