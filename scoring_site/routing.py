"""Websocket routes of every app, gathered in one place."""

from django.urls import path

from leaderboard import consumers

websocket_urlpatterns = [
    path("ws/live/<slug:slug>/", consumers.PublicConsumer.as_asgi()),
    path("ws/desk/<slug:slug>/", consumers.DeskConsumer.as_asgi()),
    path("ws/tablet/", consumers.TabletConsumer.as_asgi()),
]
