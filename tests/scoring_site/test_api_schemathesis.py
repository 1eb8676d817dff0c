"""Schemathesis against the live schema: every operation of /api/schema/ is called with
generated requests through Django's WSGI app, on real data from the factories, and every
answer must be documented (status, content type, headers, body) and never a 5xx.

Valid and invalid requests are generated. Public operations are called anonymously; the
judges' and the desk's with a judge's token and with an organizer's token. Path
parameters are drawn half the time from the real competition (its slug, rounds, sheets,
links), so the generated requests reach real rows and not only 404s. Examples per
operation and identity are bounded (``EXAMPLES``) and the generation is derandomized, so
the run is short and the same every time.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.urls import reverse
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from adjudication.models import Sheet
from adjudication.services import round_close, round_publish
from competitions.models import RegistrationLink
from tests.adjudication.day import all_recall_sheets, build_day, open_final
from tests.factories.accounts import UserFactory
from tests.factories.adjudication import TabletSessionFactory
from tests.factories.competitions import RegistrationLinkFactory
from tests.support.auth import api_token_body

pytestmark = pytest.mark.django_db

EXAMPLES = 10
PASSWORD = "correct horse battery staple"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
PROTECTED = ("/api/v1/judge/", "/api/v1/desk/")


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


@pytest.fixture
def world(client):
    """A competition with a published first round, an open final, sheets, a tablet and
    links; a judge's and an organizer's tokens."""
    day = build_day()
    all_recall_sheets(day)
    round_close(round=day.first, actor=None)
    round_publish(round=day.first, actor=None)
    open_final(day)
    judge = day.judges[0]
    judge.user = UserFactory(username="schema-judge")
    judge.save(update_fields=["user"])
    organizer = UserFactory(username="schema-organizer", roles=["organizer"])
    tablet = TabletSessionFactory(judge=day.judges[1])
    link = RegistrationLink.objects.get(competition=day.competition, kind="competitor")
    judge_link = RegistrationLinkFactory(competition=day.competition, kind="judge")

    def token(user):
        response = client.post(
            reverse("api:token"), api_token_body(user, PASSWORD), content_type="application/json"
        )
        return {"Authorization": f"Bearer {response.json()['access']}"}

    return {
        "judge": token(judge.user),
        "organizer": token(organizer),
        "pinned": {
            "slug": day.competition.slug,
            "round_id": day.final.pk,
            "published_round_id": day.first.pk,
            "event_id": day.event.pk,
            "sheet_id": Sheet.objects.filter(round=day.first).first().pk,
            "tablet_id": tablet.pk,
            "token": link.token,
            "reference": day.entries()[0].competitor.reference,
        },
        "judge_link": judge_link.token,
    }


def _exercise(operation, headers, pinned, seen):
    names = {p.name for p in operation.path_parameters}
    # Valid requests and invalid ones (wrong types, missing fields): both must be answered
    # as documented.
    strategies = [operation.as_strategy(), operation.as_strategy(GenerationMode.NEGATIVE)]
    if names:
        strategies.append(
            operation.as_strategy(path_parameters={n: pinned[n] for n in names if n in pinned})
        )

    @given(case=st.one_of(strategies))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def call(case):
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        seen.setdefault(operation.label, set()).add(response.status_code)

    call()


def test_every_answer_matches_the_schema_and_none_is_a_server_error(wsgi_app, world):
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 25

    seen: dict[str, set[int]] = {}
    for operation in operations:
        pinned = dict(world["pinned"])
        if "judge-registration" in operation.path:
            pinned["token"] = world["judge_link"]
        if operation.path.endswith("/results/"):
            pinned["round_id"] = pinned["published_round_id"]
        if operation.path.startswith(PROTECTED):
            for who in ("judge", "organizer"):
                _exercise(operation, world[who], pinned, seen)
        else:
            _exercise(operation, None, pinned, seen)

    # Not only refusals: the generated requests reached real rows.
    answered = {label for label, codes in seen.items() if codes & {200, 201}}
    assert {label for label in seen if label.startswith("GET")} - answered == set()
