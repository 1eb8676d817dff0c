"""Websocket routes of every app, gathered in one place (filled by the live issue)."""

websocket_urlpatterns: list = []
