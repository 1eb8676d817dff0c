"""Websockets see a staff session as signed in only once its second factor is verified.

Placed inside Channels' ``AuthMiddlewareStack``: a session that passed the password but
not the second factor gets an anonymous user, so the desk's socket refuses it exactly
as it refuses anyone else. Judges' tablet sessions are verified at sign-in."""

from __future__ import annotations

from channels.db import database_sync_to_async
from django.contrib.auth.models import AnonymousUser

from accounts.two_factor import session_verified, two_factor_required


def _pending(user, session) -> bool:
    return two_factor_required(user) and not session_verified(user, session)


class TwoFactorScopeMiddleware:
    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        user = scope.get("user")
        # The user is already loaded by AuthMiddleware: anonymous viewers (a hall of
        # phones) pass without a thread hop or a query.
        signed_in = user is not None and user.is_authenticated
        if signed_in and await database_sync_to_async(_pending)(user, scope.get("session")):
            scope = {**scope, "user": AnonymousUser()}
        return await self.inner(scope, receive, send)
