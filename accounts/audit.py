"""The audit log: who did what, when, to which object, from where.

* Admin changes: every ``LogEntry`` Django's admin writes is mirrored into an
  ``AuditEntry`` with the client's address and browser, which ``LogEntry`` lacks.
* Any other admin POST (bulk actions, refused forms) and every POST to the results
  desk: ``AuditMiddleware`` records the page, the object ids in its address, the
  form's action field and the outcome (status and the messages shown). The desk's API
  calls (which the middleware does not take for desk pages) through ``audit_api_request``.
* Sign-in events (signed in or out, failures, lock-outs, second factor): recorded by
  ``accounts.signin`` and ``accounts.two_factor`` through ``audit_record``.

An audited request (an admin or desk POST, a desk API call) runs in one transaction with
its entry: the action and its entry commit together, or neither does (a request that
fails with a 5xx keeps neither). A refused desk action still leaves its entry, with the
error message it was answered with. A NUL, which PostgreSQL cannot store, is kept as the
text ``\\x00``.
"""

from __future__ import annotations

import contextvars
import ipaddress
import logging
from dataclasses import dataclass, field
from typing import Any

from django.contrib.admin.models import LogEntry
from django.db import models, transaction
from django.db.models.signals import post_save
from django.urls import Resolver404, resolve

from accounts.models import AuditEntry

logger = logging.getLogger("podium.audit")

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Form fields worth keeping; never passwords, codes or whole sheets.
RECORDED_FIELDS = ("action", "reason", "recall_count", "_selected_action", "select_across")


@dataclass
class RequestFacts:
    ip_address: str | None = None
    user_agent: str = ""
    path: str = ""
    logged: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


_current: contextvars.ContextVar[RequestFacts | None] = contextvars.ContextVar(
    "podium_audit_request", default=None
)


def client_address(request) -> str | None:
    """The client's address as the server saw it (the proxy passes it on; see docs)."""
    value = request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def facts_from_request(request) -> RequestFacts:
    return RequestFacts(
        ip_address=client_address(request),
        user_agent=request.headers.get("User-Agent", "")[:300],
        path=request.path[:300],
    )


def _storable(value: Any) -> Any:
    """``value`` with every NUL written as ``\\x00``."""
    if isinstance(value, str):
        return value.replace("\x00", "\\x00")
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_storable(v) for v in value]
    return value


def audit_record(
    *,
    action: str,
    actor=None,
    username: str = "",
    request=None,
    target: models.Model | None = None,
    message: str = "",
    detail: dict | None = None,
) -> AuditEntry:
    """Append one entry. ``request`` (or the request being served) gives the address."""
    facts = facts_from_request(request) if request is not None else _current.get()
    facts = facts or RequestFacts()
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    entry = AuditEntry.objects.create(
        actor=actor,
        username=_storable(username or (actor.get_username() if actor is not None else ""))[:150],
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=_storable(str(target.pk))[:64] if target is not None else "",
        target_repr=_storable(str(target))[:200] if target is not None else "",
        message=_storable(message)[:500],
        detail=_storable(detail or {}),
        ip_address=facts.ip_address,
        user_agent=_storable(facts.user_agent)[:300],
        path=_storable(facts.path)[:300],
    )
    # Commands and jobs act without a request, so without an address.
    where = f"from {facts.ip_address}" if facts.ip_address else "outside a request"
    logger.info("audit %s by %s %s", action, entry.username or "-", where)
    return entry


def _is_admin(match) -> bool:
    return match is not None and "admin" in match.namespaces


def _is_desk(match) -> bool:
    return (
        match is not None
        and match.app_name == "adjudication"
        and (match.url_name or "").startswith("desk")
    )


def _audited(match) -> bool:
    """Admin and desk pages; sign-in pages record their own events."""
    if _is_admin(match):
        return match.url_name not in ("login", "logout")
    return _is_desk(match)


# The API's views record their own calls (audit_api_request): an API request is not
# resolved twice to find out that it is no admin or desk page.
API_PATH = "/api/"


def _resolve(request):
    try:
        return resolve(request.path_info, getattr(request, "urlconf", None))
    except Resolver404:
        return None


class AuditMiddleware:
    """Keeps the request's address at hand for the log, and records admin and desk POSTs
    that no ``LogEntry`` describes. Put it after the auth, OTP and messages middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        facts = facts_from_request(request)
        token = _current.set(facts)
        try:
            if (
                request.method not in UNSAFE_METHODS
                or request.path_info.startswith(API_PATH)
                or not _audited(_resolve(request))
            ):
                return self.get_response(request)
            # The action and its entry: both or neither (an error became a 5xx response).
            with transaction.atomic():
                response = self.get_response(request)
                if response.status_code >= 500:
                    transaction.set_rollback(True)
                else:
                    self._record(request, response, facts)
            return response
        finally:
            _current.reset(token)

    def _record(self, request, response, facts: RequestFacts) -> None:
        match = getattr(request, "resolver_match", None)
        if not _audited(match) or facts.logged:
            return
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return  # sign-in pages record their own events
        desk = _is_desk(match)
        storage = getattr(request, "_messages", None)
        shown = [
            {"level": message.level_tag, "text": str(message)[:300]}
            for message in getattr(storage, "_queued_messages", [])
        ]
        posted = {
            name: request.POST.getlist(name)[:50]
            for name in RECORDED_FIELDS
            if name in request.POST
        }
        audit_record(
            action=AuditEntry.Action.DESK if desk else AuditEntry.Action.ADMIN_POST,
            actor=user,
            message=f"{request.method} {match.view_name}",
            detail={
                "view": match.view_name,
                "kwargs": {k: str(v) for k, v in match.kwargs.items()},
                "posted": posted,
                "status": response.status_code,
                "messages": shown,
            },
        )


def audit_api_request(request, response, *, action: str) -> AuditEntry | None:
    """Record an unsafe API call (``request`` is DRF's), as ``AuditMiddleware`` records a
    desk page's POST: once per request, only for a signed-in caller (refused calls too,
    with their status). The middleware records pages only (and a bearer token is only
    read by the API view), so API views call this from ``finalize_response``."""
    if request.method not in UNSAFE_METHODS:
        return None
    facts = _current.get()
    if facts is not None and facts.logged:
        return None
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None  # like the pages: no one to name (the token endpoint records sign-ins)
    match = getattr(request, "resolver_match", None)
    data = getattr(request, "_full_data", None)  # only a body the view already parsed
    posted = (
        {name: [str(data[name])[:300]] for name in RECORDED_FIELDS if name in data}
        if isinstance(data, dict)
        else {}
    )
    entry = audit_record(
        action=action,
        actor=user,
        request=getattr(request, "_request", request),
        message=f"{request.method} {match.view_name if match else request.path}"[:500],
        detail={
            "view": match.view_name if match else "",
            "kwargs": {k: str(v) for k, v in match.kwargs.items()} if match else {},
            "posted": posted,
            "status": response.status_code,
        },
    )
    if facts is not None:
        facts.logged = True
    return entry


# --- Admin changes, from Django's own LogEntry -----------------------------------------

_LOG_ACTIONS = {
    1: AuditEntry.Action.ADMIN_ADD,
    2: AuditEntry.Action.ADMIN_CHANGE,
    3: AuditEntry.Action.ADMIN_DELETE,
}


def _mirror_log_entry(sender, instance, created, **kwargs) -> None:
    if not created:
        return
    facts = _current.get() or RequestFacts()
    facts.logged = True
    content_type = instance.content_type
    AuditEntry.objects.create(
        actor_id=instance.user_id,
        username=instance.user.get_username()[:150],
        action=_LOG_ACTIONS.get(instance.action_flag, AuditEntry.Action.ADMIN_POST),
        target_type=f"{content_type.app_label}.{content_type.model}" if content_type else "",
        target_id=str(instance.object_id or "")[:64],
        target_repr=_storable(instance.object_repr)[:200],
        message=_storable(instance.get_change_message())[:500],
        ip_address=facts.ip_address,
        user_agent=facts.user_agent,
        path=facts.path,
    )


def connect_signals() -> None:
    post_save.connect(_mirror_log_entry, sender=LogEntry, dispatch_uid="podium_audit_logentry")
