"""The judges' tablet pages. Every page works as a plain form POST; static/podium/
tablet.js adds the offline queue (sheets kept in the browser until the server has
them) and the live counters. ``/tablet/state.json`` is what a tablet polls while its
socket (``ws/tablet/``) is down: the same snapshot the socket sends."""

from __future__ import annotations

import functools

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe
from django_otp import login as otp_login

from accounts.audit import client_address
from adjudication.day.floor import floor_now
from adjudication.services import ScoringError, sheet_submit
from adjudication.sheets import (
    judge_progress,
    judge_rounds,
    judge_seated_in,
    part_get,
    sheet_form_context,
    sheet_input_from_form,
    sheet_view,
)
from adjudication.tablet.sessions import (
    TabletLimited,
    TabletRefused,
    tablet_code_verify,
    tablet_session_active,
    tablet_session_start,
)
from adjudication.tablet.snapshot import tablet_snapshot
from competitions.models import Competition, CompetitionStatus, Round
from scoring_site.api import refusal_status
from scoring_site.realtime import current_sequence
from scoring_site.sockets import dumps

SIGN_IN_STATUSES = [
    CompetitionStatus.REGISTRATION_CLOSED,
    CompetitionStatus.IN_PROGRESS,
]


def tablet_required(view):
    """The page needs a live tablet session bound to a judge; otherwise sign in again."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        tablet = tablet_session_active(
            session_key=request.session.session_key, tablet_id=request.session.get("tablet_id")
        )
        if tablet is None or tablet.judge.user_id != request.user.pk:
            if request.session.get("tablet_id") or request.session.get("tablet_signed_out"):
                logout(request)
                messages.error(
                    request, "This tablet was signed out. Ask the scrutineer for a code."
                )
            if _wants_json(request):
                return JsonResponse({"ok": False, "code": "signed_out"}, status=401)
            return redirect("adjudication:tablet-sign-in")
        request.tablet = tablet
        return view(request, *args, **kwargs)

    return wrapper


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@never_cache
@require_http_methods(["GET", "POST"])
def tablet_sign_in(request, slug: str | None = None, letter: str = ""):
    competitions = Competition.objects.filter(status__in=SIGN_IN_STATUSES).order_by("name")
    values = {
        "competition": slug or request.POST.get("competition", ""),
        "letter": (letter or request.POST.get("letter", "")).upper(),
        "code": request.GET.get("code", "") or request.POST.get("code", ""),
    }
    error, retry_after = None, 0
    if request.method == "POST":
        competition = competitions.filter(slug=values["competition"]).first()
        try:
            if competition is None:
                raise TabletRefused("Choose your competition.")
            judge, device = tablet_code_verify(
                competition=competition,
                letter=values["letter"],
                code=values["code"],
                address=client_address(request),
            )
        except TabletLimited as refusal:
            error, retry_after = str(refusal), refusal.retry_after
        except TabletRefused as refusal:
            error = str(refusal)
        else:
            login(request, judge.user, backend=settings.AUTHENTICATION_BACKENDS[0])
            otp_login(request, device)
            request.session.save()
            tablet = tablet_session_start(
                judge=judge,
                session_key=request.session.session_key,
                user_agent=request.headers.get("User-Agent", ""),
            )
            request.session["tablet_id"] = tablet.pk
            request.session.set_expiry(tablet.expires_at)
            return redirect("adjudication:tablet-home")
    response = render(
        request,
        "adjudication/tablet_sign_in.html",
        {"competitions": competitions, "values": values, "error": error},
        status=429 if retry_after else 400 if error else 200,
    )
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@require_http_methods(["POST"])
def tablet_sign_out(request):
    logout(request)
    return redirect("adjudication:tablet-sign-in")


@never_cache
@tablet_required
def tablet_home(request):
    judge = request.tablet.judge
    rounds = [(r, judge_progress(judge, r)) for r in judge_rounds(judge)]
    return render(request, "adjudication/tablet_home.html", {"judge": judge, "rounds": rounds})


def _sheet_of(request, round_id: int, part: str):
    """The signed-in judge, the round, its part and the judge's sheet view of it; 404
    for a part the round does not have."""
    judge = request.tablet.judge
    round_ = _round_for(request, round_id)
    found = part_get(round_, part)
    if found is None:
        raise Http404("No such sheet.")
    return judge, round_, found, sheet_view(judge=judge, round_=round_, part=found)


def _round_for(request, round_id: int) -> Round:
    round_ = (
        Round.objects.select_related("event__competition")
        .filter(judge_seated_in(request.tablet.judge), pk=round_id)
        .first()
    )
    if round_ is None:  # not on this round's panel (or replaced): as if it did not exist
        raise Http404("No such round on your panels.")
    return round_


@never_cache
@tablet_required
@require_http_methods(["GET", "POST"])
def tablet_sheet(request, round_id: int, part: str):
    judge, round_, found, view = _sheet_of(request, round_id, part)
    error, status, posted = None, 200, None
    if request.method == "POST":
        if request.POST.get("judge", str(judge.pk)) != str(judge.pk):
            # A sheet kept on this tablet by another judge must not count as this one's.
            message = "This sheet was filled in by another judge on this tablet: not sent."
            if _wants_json(request):
                return JsonResponse(
                    {"ok": False, "code": "wrong_judge", "message": message}, status=409
                )
            return redirect("adjudication:tablet-home")
        data = sheet_input_from_form(view, request.POST)
        posted = data.marks
        try:
            outcome = sheet_submit(data=data, actor=request.user)
        except ScoringError as refusal:
            error, status = refusal, refusal_status(refusal.code)
            if _wants_json(request):
                return JsonResponse(
                    {"ok": False, "code": refusal.code, "message": str(refusal)}, status=status
                )
        else:
            sent = reverse("adjudication:tablet-sheet-sent", args=[round_.pk, part])
            if _wants_json(request):
                return JsonResponse(
                    {"ok": True, "replayed": outcome.replayed, "redirect": sent},
                    status=200 if outcome.replayed else 201,
                )
            return redirect(sent)
    return render(
        request,
        "adjudication/tablet_sheet.html",
        {
            **sheet_form_context(view, judge, error, posted),
            # No countdown on a sheet already sent (the tablet's snapshot offers none).
            "timer": None
            if view.sheet is not None and view.sheet.returned_at is None
            else _sheet_timer(round_, found),
            "server_time": timezone.now().isoformat(),
        },
        status=status,
    )


def _sheet_timer(round_, part):
    """The countdown for this sheet when its dance (or performance) is on the floor:
    the performance window while it is danced, then the scoring window."""
    now = floor_now(round_.event.competition, with_late=False, for_rounds=[round_.pk])
    if now.round_id != round_.pk:
        return None
    if (now.dance_id, now.entry_id) != (
        part.dance.pk if part.dance else None,
        part.entry.pk if part.entry else None,
    ):
        return None
    return now.timer()


@never_cache
@tablet_required
def tablet_sheet_sent(request, round_id: int, part: str):
    judge, round_, found, view = _sheet_of(request, round_id, part)
    if view.sheet is None:
        return redirect("adjudication:tablet-sheet", round_.pk, part)
    following = next(
        (p for p, sheet in judge_progress(judge, round_) if sheet is None and p.code != part), None
    )
    return render(
        request,
        "adjudication/tablet_sent.html",
        {"view": view, "judge": judge, "following": following},
    )


@never_cache
@require_safe
def tablet_state(request):
    """The tablet's snapshot (``adjudication.tablet.socket.TabletConsumer`` sends the same),
    for static/podium/tablet.js while its socket is down; 401 once the tablet session is
    not live (signed out or revoked by the desk)."""
    user = request.user
    snapshot = tablet_snapshot(
        session_key=request.session.session_key,
        tablet_id=request.session.get("tablet_id"),
        user_id=user.pk if user.is_authenticated else None,
    )
    if snapshot is None:
        return JsonResponse({"type": "signed_out"}, status=401)
    seq = current_sequence(snapshot["competition"]["id"])
    return HttpResponse(
        dumps({"type": "tablet", "seq": seq, "kinds": [], **snapshot}),
        content_type="application/json",
    )
