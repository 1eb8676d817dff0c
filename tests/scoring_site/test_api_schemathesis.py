"""Schemathesis against the live schema: every operation of /api/schema/ is called with
generated requests through Django's WSGI app, on real data from the factories, under each
of three identities, and every answer must be documented (status, content type, headers,
body) and never a 5xx.

The identities are those of the day: anonymous; a judge whose device signed in through
the API with the one-time code the desk issued (``auth/judge-token/``); a scrutineer
signed in through the API with the password and the current code of their authenticator
(``auth/token/`` with ``otp``). Each identity calls every operation, public, the judges'
and the desk's alike, on its own copy of the day (one test each, so a desk action under
the scrutineer's token does not change what the judge's run sees).

Two kinds of run per identity:

- ``fuzz``: hypothesis draws valid and invalid requests (``EXAMPLES`` per operation,
  derandomized); path parameters are drawn a third of the time from the real competition
  (its slug, rounds, sheets, the judge's tablet, links), so requests reach real rows and
  not only 404s.
- ``coverage``: schemathesis's own boundary cases (every parameter and field at its
  limits, missing, of the wrong type; methods the operation does not have; a body in a
  media type it does not take), on the real rows, and a request for an answer in a
  format the API does not speak.

An operation that declares a token and answers 2xx is called again without the token and
with a wrong one, which must be refused (``ignored_auth``). The number of requests is
bounded by counts, never by time, and is the same on every run.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    missing_required_header,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from adjudication.models import Sheet
from adjudication.services import round_close, round_publish
from adjudication.tablet.sessions import tablet_code_issue
from competitions.models import RegistrationLink
from tests.adjudication.day import all_recall_sheets, build_day, open_final
from tests.conftest import _clear_throttles
from tests.factories.accounts import UserFactory
from tests.factories.competitions import RegistrationLinkFactory

pytestmark = pytest.mark.django_db

EXAMPLES = 25
PASSWORD = "correct horse battery staple"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    ignored_auth,
]
# The boundary cases also send methods an operation does not have (405 expected) and
# leave out required headers.
COVERAGE_CHECKS = [*CHECKS, unsupported_method, missing_required_header]
JUDGES = "/api/v1/judge/"
DESK = "/api/v1/desk/"
# The desk's operations for the chairman and the organizer only (the scrutineer runs the
# marks and has no part in evaluating the judges: docs/security.md).
CHAIR = "/api/v1/desk/competitions/{slug}/agreement/"
# The operations each identity may use besides the public ones.
AUDIENCE = {"anonymous": (), "judge": (JUDGES,), "scrutineer": (DESK,)}


@pytest.fixture
def wsgi_app(world):
    """Django's WSGI app inside the test's transaction: the handler must not close the
    connection at the end of each request (Django's test client does the same, and
    connects the handlers again after each of its requests: hence after ``world``)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _bearer(response) -> dict[str, str]:
    assert response.status_code == 200, response.content
    return {"Authorization": f"Bearer {response.json()['access']}"}


@pytest.fixture
def world(client):
    """A competition with a published first round, an open final, sheets and links; the
    headers of the three identities, each signed in through the API."""
    day = build_day()
    all_recall_sheets(day)
    round_close(round=day.first, actor=None)
    round_publish(round=day.first, actor=None)
    open_final(day)
    link = RegistrationLink.objects.get(competition=day.competition, kind="competitor")
    judge_link = RegistrationLinkFactory(competition=day.competition, kind="judge")

    scrutineer = UserFactory(username="schema-scrutineer", roles=["scrutineer"])
    authenticator = TOTPDevice.objects.create(user=scrutineer, name="authenticator", confirmed=True)
    code = totp(authenticator.bin_key, authenticator.step, authenticator.t0, authenticator.digits)
    scrutineer_signed_in = client.post(
        reverse("api:token"),
        {"username": scrutineer.username, "password": PASSWORD, "otp": f"{code:06d}"},
        content_type="application/json",
    )

    desk_code = tablet_code_issue(judge=day.judges[0], actor=scrutineer)
    judge_signed_in = client.post(
        reverse("api:judge-token"),
        {"competition": day.competition.slug, "letter": "A", "code": desk_code},
        content_type="application/json",
    )

    return {
        "headers": {
            "anonymous": None,
            "judge": _bearer(judge_signed_in),
            "scrutineer": _bearer(scrutineer_signed_in),
        },
        "pinned": {
            "slug": day.competition.slug,
            "round_id": day.final.pk,
            "published_round_id": day.first.pk,
            "event_id": day.event.pk,
            "sheet_id": Sheet.objects.filter(round=day.first).first().pk,
            "tablet_id": judge_signed_in.json()["tablet_id"],
            "token": link.token,
            "reference": day.entries()[0].competitor.reference,
            "entry_id": day.entries(day.final)[0].pk,
            "seat_id": day.event.panel.first().pk,
        },
        "judge_link": judge_link.token,
    }


def _pinned(operation, world) -> dict:
    pinned = dict(world["pinned"])
    if "judge-registration" in operation.path:
        pinned["token"] = world["judge_link"]
    if operation.path.endswith("/results/"):
        pinned["round_id"] = pinned["published_round_id"]
    return {p.name: pinned[p.name] for p in operation.path_parameters if p.name in pinned}


def _anonymous_if(case, headers) -> None:
    """Anonymous means no token: schemathesis fills in a made-up one for operations that
    declare a token, which would be refused before the view is reached."""
    if headers is None and case.headers:
        for name in [n for n in case.headers if n.lower() == "authorization"]:
            del case.headers[name]


def _fuzz(schema, operation, headers, pinned, seen):
    # Valid requests and invalid ones (wrong types, missing fields): both must be answered
    # as documented.
    strategies = [operation.as_strategy(), operation.as_strategy(GenerationMode.NEGATIVE)]
    if pinned:
        strategies.append(operation.as_strategy(path_parameters=pinned))

    def call(case):
        _anonymous_if(case, headers)
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        seen.setdefault(operation.label, set()).add(response.status_code)

    fuzz = settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )(given(case=st.one_of(strategies))(call))
    fuzz()
    # And the plain request on the real rows, whatever the draws were.
    call(operation.Case(path_parameters=pinned or None))


def _cover(schema, operation, headers, pinned, seen):
    cases = list(
        schema.iter_coverage_cases(
            operation,
            generation_modes=list(GenerationMode),
            generation_config=schema.config.generation_for(operation=operation),
        )
    )
    for case in cases:
        # On the real rows, unless the path itself is what this case gets wrong.
        if case.path_parameters and not (
            case.meta is not None and case.meta.is_negative_at(ParameterLocation.PATH)
        ):
            case.path_parameters.update(pinned)
    # An answer in a format the API does not speak.
    cases.append(
        operation.Case(path_parameters=pinned or None, headers={"Accept": "application/xml"})
    )
    if operation.body:
        # A body in a media type the operation does not take.
        cases.append(
            operation.Case(path_parameters=pinned or None, body="x", media_type="text/plain")
        )
    for case in cases:
        _anonymous_if(case, headers)
        response = case.call_and_validate(headers=headers, checks=COVERAGE_CHECKS)
        if case.method == operation.method.upper():  # not a probe with another method
            seen.setdefault(operation.label, set()).add(response.status_code)


def _audience(path: str) -> str | None:
    return next((prefix for prefix in (CHAIR, JUDGES, DESK) if path.startswith(prefix)), None)


@pytest.mark.parametrize("run", [_fuzz, _cover], ids=["fuzz", "coverage"])
@pytest.mark.parametrize("identity", ["anonymous", "judge", "scrutineer"])
def test_every_answer_matches_the_schema_and_none_is_a_server_error(wsgi_app, world, identity, run):
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 25

    seen: dict[str, set[int]] = {}
    for operation in operations:
        # Each operation starts with fresh rate-limit counters (the token endpoints share
        # theirs): its requests reach the view, and the last ones its 429.
        _clear_throttles()
        run(schema, operation, world["headers"][identity], _pinned(operation, world), seen)

    # Not only refusals: every read this identity may make reached real rows ...
    mine = {
        operation.label
        for operation in operations
        if _audience(operation.path) in (None, *AUDIENCE[identity])
    }
    answered = {label for label, codes in seen.items() if codes & {200, 201}}
    assert {label for label in mine if label.startswith("GET")} - answered == set()
    # ... and nothing of another audience's answered 2xx.
    assert answered - mine == set()
