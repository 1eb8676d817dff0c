"""What a judge's sheet costs the database (issue 21)."""

import pytest

from adjudication.models import Sheet
from competitions.models import Round
from tests.adjudication.day import build_day
from tests.adjudication.test_api import bearer, post, recall_body, round_url, sign_in, submit_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def day():
    return build_day()


def test_a_recall_sheet_costs_at_most_its_statements(client, day, django_assert_max_num_queries):
    tokens = sign_in(client, day.judges[0])
    picks = day.entries()[:6]
    post(client, submit_url(day.first), recall_body(day, picks, client_key="warm"), tokens)
    body = recall_body(day, picks, dance_id=day.dances[1].pk)

    # The user with their tablets' latest revocation; the judge's seat (the view); the
    # round with its event and the dance, held in SHARE mode; the judge on the panel
    # (under the lock); the existing sheet; the round's entries, each with whether it may
    # have an incident (the incidents are read only then); the sheet (no savepoint of its
    # own), its marks, their audit rows. Inside the test's transaction the service's own
    # is a SAVEPOINT and its RELEASE (outside it, a COMMIT, which is not counted here).
    # Issue 21: 19 statements before, 21 counted this way.
    with django_assert_max_num_queries(11):
        response = post(client, submit_url(day.first), body, tokens)

    assert response.status_code == 201
    assert Sheet.objects.count() == 2


@pytest.mark.parametrize("beyond", [1000, 9 * 10**17])  # the URL takes up to 18 digits
def test_a_round_that_does_not_exist_is_not_found(client, day, beyond):
    tokens = sign_in(client, day.judges[0])
    missing = Round(pk=Round.objects.order_by("-pk").first().pk + beyond)

    response = post(client, submit_url(missing), {}, tokens)
    read = client.get(round_url(missing), headers=bearer(tokens))

    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert (read.status_code, read.json()["code"]) == (404, "not_found")
