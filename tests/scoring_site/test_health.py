import pytest
from django.db import connection
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_channel_layer(client, settings):
    response = client.get(reverse("healthz"))

    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "ok"
    assert body["database"] == {"ok": True, "vendor": connection.vendor}
    assert body["channel_layer"]["ok"] is True
    expected_layer = "RedisPubSubChannelLayer" if settings.REDIS_URL else "InMemoryChannelLayer"
    assert body["channel_layer"]["backend"] == expected_layer


def test_healthz_answers_503_when_the_channel_layer_is_down(client, settings):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [{"address": "redis://127.0.0.1:1/0", "socket_timeout": 1}]},
        }
    }
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    try:
        response = client.get(reverse("healthz"))
    finally:
        channel_layers.backends.clear()

    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "unavailable"
    assert body["channel_layer"]["ok"] is False
    assert body["database"]["ok"] is True


def test_healthz_is_not_cached_and_only_answers_get(client):
    response = client.get(reverse("healthz"))

    assert "no-cache" in response["Cache-Control"]
    assert client.post(reverse("healthz")).status_code == 405
