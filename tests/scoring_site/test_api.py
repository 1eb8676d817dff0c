"""The API's plumbing seen from a client: content negotiation (scoring_site/negotiation.py)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "accept", ["application/xml", "text/csv", "image/png;q=1.0, */*;q=0", "nonsense"]
)
def test_an_accept_header_the_api_cannot_satisfy_gets_json_not_406(client, accept):
    listed = client.get(reverse("api:competitions"), headers={"Accept": accept})
    refused = client.post(
        reverse("api:token"), {}, content_type="application/json", headers={"Accept": accept}
    )

    assert (listed.status_code, listed["Content-Type"]) == (200, "application/json")
    assert listed.json()["count"] == 0
    assert (refused.status_code, refused["Content-Type"]) == (400, "application/json")
    assert refused.json()["code"] == "invalid"


def test_a_format_the_api_does_not_speak_gets_json_not_404(client):
    response = client.get(reverse("api:competitions"), {"format": "xml"})

    assert (response.status_code, response["Content-Type"]) == (200, "application/json")
    assert response.json()["count"] == 0
