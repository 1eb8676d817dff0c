"""The API's documentation: the OpenAPI schema and the viewers, served without a CDN."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

pytestmark = pytest.mark.django_db


def schema(client):
    response = client.get(reverse("api-schema"), headers={"Accept": "application/json"})
    assert response.status_code == 200
    return response.json()


def test_the_schema_documents_every_part_of_the_api(client):
    paths = schema(client)["paths"]

    operations = {
        op["operationId"] for path in paths.values() for op in path.values() if "operationId" in op
    }

    assert {
        "competitions_list",
        "competition_read",
        "events_list",
        "event_read",
        "rounds_list",
        "round_read",
        "heats_list",
        "results_list",
        "round_results_read",
        "live_read",
        "auth_token_obtain",
        "auth_token_refresh",
        "auth_judge_token",
        "judge_sheet_submit",
        "desk_round_close",
        "desk_round_publish",
        "desk_round_reopen",
        "desk_paper_sheet_submit",
        "desk_sheet_unlock",
        "desk_tablet_revoke",
    } <= operations
    assert all(p.startswith("/api/v1/") for p in paths)


def test_every_operation_that_takes_a_body_documents_415(client):
    paths = schema(client)["paths"]

    undocumented = [
        f"{method.upper()} {path}"
        for path, operations in paths.items()
        for method, operation in operations.items()
        if "requestBody" in operation and "415" not in operation["responses"]
    ]

    assert undocumented == []


def test_throttled_operations_document_429_with_retry_after(client):
    paths = schema(client)["paths"]

    for path in (
        "/api/v1/auth/token/",
        "/api/v1/registration/{token}/",
        "/api/v1/judge/rounds/{round_id}/sheets/",
    ):
        answer = paths[path]["post"]["responses"]["429"]
        assert "Retry-After" in answer["headers"]


def test_errors_have_one_documented_shape(client):
    document = schema(client)
    responses = document["paths"]["/api/v1/desk/rounds/{round_id}/close/"]["post"]["responses"]

    error = responses["409"]["content"]["application/json"]["schema"]["$ref"]

    assert error == "#/components/schemas/ErrorOut"
    assert set(document["components"]["schemas"]["ErrorOut"]["required"]) == {
        "code",
        "message",
        "errors",
    }


def test_the_sheet_endpoint_has_examples(client):
    body = schema(client)["paths"]["/api/v1/judge/rounds/{round_id}/sheets/"]["post"]

    examples = body["requestBody"]["content"]["application/json"]["examples"]

    assert len(examples) == 2


def test_the_interactive_viewer_loads_only_local_files(client):
    response = client.get(reverse("api-docs"))
    script = client.get(reverse("api-docs"), {"script": ""})

    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert response.status_code == 200
    assert sources
    assert all(s.startswith("/") for s in sources), sources
    for source in sources:
        if source.startswith("/static/"):
            assert finders.find(source.removeprefix("/static/")), source
    assert script.status_code == 200
    assert "/api/schema/" in script.content.decode()
    assert "http" not in "".join(sources)


def test_redoc_loads_only_local_files(client):
    response = client.get(reverse("api-redoc"))

    sources = re.findall(r'src="([^"]+)"', response.content.decode())
    assert response.status_code == 200
    assert sources
    assert all(s.startswith("/static/") for s in sources), sources


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_the_api_viewers_may_style_inline_but_run_only_this_sites_scripts(client, url):
    policy = client.get(url)["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())

    assert directives["style-src"] == "'self' 'unsafe-inline'"
    assert directives["script-src"] == "'self'"
    strict = client.get("/")["Content-Security-Policy"]
    assert "'unsafe-inline'" not in strict
