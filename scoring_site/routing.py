"""Websocket routes of every app, gathered in one place.

The public live socket serves everyone the same thing, so it skips Channels' session
and sign-in middleware: for a hall of phones that is a session store, a lazy user and
a wrapped ``send`` per viewer for nothing (docs/benchmarks.md, garbage collection).
The desk's and the tablets' sockets get the signed-in user, and a staff session counts
only once its second factor is verified (accounts/websocket.py).
"""

from channels.auth import AuthMiddlewareStack
from django.urls import path

from accounts.websocket import TwoFactorScopeMiddleware
from adjudication.desk.socket import DeskConsumer
from adjudication.tablet.socket import TabletConsumer
from leaderboard import consumers


def signed_in(application):
    """``application`` with ``scope["user"]`` (anonymous until the second factor)."""
    return AuthMiddlewareStack(TwoFactorScopeMiddleware(application))


websocket_urlpatterns = [
    path("ws/live/<slug:slug>/", consumers.PublicConsumer.as_asgi()),
    path("ws/desk/<slug:slug>/", signed_in(DeskConsumer.as_asgi())),
    path("ws/tablet/", signed_in(TabletConsumer.as_asgi())),
]
