"""The results desk: the scrutineer and the chairman watch sheets arrive, check, close,
correct with a trail, and publish. Thin views over adjudication.services."""

from __future__ import annotations

import functools

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from accounts.two_factor import two_factor_pending
from adjudication import tabulation
from adjudication.desk.components import allocation_rows, components_view
from adjudication.desk.couples import couples_panel
from adjudication.desk.paper import miscount_context, paper_sheet_allowed, paper_sheet_send
from adjudication.models import MarkChange, RecallDecision, Sheet, TabletSession
from adjudication.receipts.checking import round_current_receipts
from adjudication.results.exports import export_build
from adjudication.selectors import competition_of_url
from adjudication.services import (
    ScoringError,
    recall_decide,
    result_differences,
    round_close,
    round_progress,
    round_publish,
    round_reopen,
    sheet_confirm,
    sheet_unlock,
    tabulate_round,
)
from adjudication.sheets import (
    part_get,
    round_parts,
    sheet_form_context,
    sheet_view,
)
from adjudication.tablet.sessions import TabletRefused, tablet_code_issue, tablet_revoke
from competitions.access import competitions_where, staff_can, staff_can_somewhere
from competitions.models import Competition, Judge, Round, RoundStatus
from competitions.selectors import round_panel, round_shadow_panel
from competitions.services import TransitionRefused, round_transition
from scoring_site.operations import health_panel
from scoring_site.site import site_address


def render_live(request, page: str, fragment: str, context: dict):
    """The whole page, or (``?fragment=1``, desk.js's refetch) only its live part."""
    return render(request, fragment if request.GET.get("fragment") else page, context)


def staff_page_required(permission: str, refusal: str, *, sign_in: str = "admin:login"):
    """A page for signed-in people holding ``permission`` on the competition its URL
    points into: others are sent to ``sign_in`` (the admin's, for staff;
    ``accounts:sign-in`` for roles that are not staff, such as the MC), then the second
    factor where their role needs one; those without the permission there (another
    competition's staff) are refused with ``refusal``."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated or two_factor_pending(request.user):
                return redirect_to_login(request.get_full_path(), reverse(sign_in))
            if not staff_can_somewhere(request.user, permission):
                raise PermissionDenied(refusal)
            competition_id = competition_of_url(kwargs)
            if competition_id is not None and not staff_can(
                request.user, permission, competition_id
            ):
                raise PermissionDenied(f"{refusal} You are not on the staff of this competition.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


desk_required = staff_page_required(
    "adjudication.run_results_desk", "The results desk is for scrutineers and the chairman."
)


@never_cache
@desk_required
def desk_index(request):
    competitions = competitions_where(request.user, "adjudication.run_results_desk").exclude(
        status__in=["draft", "cancelled", "archived"]
    )
    return render(request, "adjudication/desk_index.html", {"competitions": competitions})


def _rounds_with_progress(competition):
    rounds = (
        Round.objects.filter(event__competition=competition)
        .select_related("event")
        .order_by("event__position", "position")
    )
    return [(r, round_progress(r) if r.status == RoundStatus.OPEN else None) for r in rounds]


@never_cache
@desk_required
def desk_competition(request, slug: str):
    competition = get_object_or_404(Competition, slug=slug)
    context = {
        "competition": competition,
        "rounds": _rounds_with_progress(competition),
        "judges": competition.judges.order_by("letter"),
        "tablets": TabletSession.objects.filter(
            judge__competition=competition, revoked_at__isnull=True
        ).select_related("judge"),
        "health": health_panel(),
        "can_view_agreement": staff_can(
            request.user, "competitions.view_judge_agreement", competition.pk
        ),
    }
    return render_live(
        request, "adjudication/desk_competition.html", "adjudication/_desk_live.html", context
    )


def _tabulation_view(round_):
    try:
        kind, result = tabulate_round(round_)
    except ScoringError as error:
        return {"problem": error}
    view = {"kind": kind, "result": result}
    if kind == "components":
        return view | components_view(round_, result)
    if kind == "recalls":
        view["options"] = (len(result.recalled), len(result.recalled) + len(result.tied))
    if kind == "final":
        view["sheet_text"] = tabulation.explain_text(result)
    return view


def _plain(value) -> str:
    return format(value.normalize(), "f")


def _typed_marks(sheet: Sheet, is_final: bool) -> list[str]:
    """A paper sheet's marks as typed, in the order a colleague reads the paper: the
    crossed bibs, the places of a final from first, or each score by criterion."""
    marks = list(sheet.marks.all())
    if sheet.entry_id is not None:
        return [f"{m.criterion.name} {_plain(m.value)}" for m in marks]
    if is_final:
        ordered = sorted(marks, key=lambda m: (m.value, m.entry_id))
        return [f"{_plain(m.value)}. {m.entry.bib_label}" for m in ordered]
    crossed = [m.entry for m in marks if m.value]
    crossed.sort(key=lambda e: (e.competitor.bib or 0, e.pk))
    return [f"✕ {entry.bib_label}" for entry in crossed]


@never_cache
@desk_required
def desk_round(request, round_id: int):
    round_ = get_object_or_404(Round.objects.select_related("event__competition"), pk=round_id)
    every_sheet = list(
        Sheet.objects.filter(round=round_)
        .select_related("judge", "dance", "entry__competitor", "submitted_by", "confirmed_by")
        .order_by("dance__position", "entry_id", "judge__letter")
    )
    sheets = [s for s in every_sheet if not s.shadow]
    to_confirm = [s for s in sheets if s.source == Sheet.Source.PAPER and s.confirmed_at is None]
    prefetch_related_objects(to_confirm, "marks__entry__competitor", "marks__criterion")
    for sheet in to_confirm:
        sheet.typed_marks = _typed_marks(sheet, round_.kind == "final")
    trail = MarkChange.objects.filter(round=round_)
    context = {
        "round": round_,
        "competition": round_.event.competition,
        "progress": round_progress(round_),
        "tabulation": _tabulation_view(round_),
        "sheets": sheets,
        "shadow_sheets": [s for s in every_sheet if s.shadow],
        "shadow_judges": round_shadow_panel(round_),
        "parts": round_parts(round_),
        "judges": round_panel(round_),
        "withdrawn": round_.event.entries.filter(
            withdrawn=True, heat_entries__heat__round=round_
        ).select_related("competitor"),
        "decision": RecallDecision.objects.filter(round=round_)
        .select_related("decided_by")
        .first(),
        "trail": trail.select_related(
            "judge", "actor", "entry__competitor", "criterion", "dance"
        ).order_by("-at", "-id")[:200],
        "trail_count": trail.count(),
        "couples": couples_panel(round_),
        "receipts": round_current_receipts(round_),
        "allocation": allocation_rows(round_) if round_.status != RoundStatus.PLANNED else [],
        "can_view_agreement": staff_can(
            request.user, "competitions.view_judge_agreement", round_.event.competition_id
        ),
    }
    if round_.status == RoundStatus.CLOSED:
        unlocked = [s for s in sheets if s.unlocked_at is not None]
        context["unlocked"] = unlocked
        # While corrections are awaited the differences are expected; after, they say why.
        tabulation = context["tabulation"]
        tabulated = (tabulation["kind"], tabulation["result"]) if "kind" in tabulation else None
        context["stale_result"] = [] if unlocked else result_differences(round_, tabulated)
    return render_live(
        request, "adjudication/desk_round.html", "adjudication/_desk_round_live.html", context
    )


@require_POST
@desk_required
def desk_round_action(request, round_id: int):
    round_ = get_object_or_404(Round, pk=round_id)
    action = request.POST.get("action")
    reason = request.POST.get("reason", "")
    try:
        if action == "open":
            round_transition(round=round_, to_status=RoundStatus.OPEN, actor=request.user)
            messages.success(request, f"{round_} is open: the judges' tablets show it now.")
        elif action == "close":
            round_close(round=round_, actor=request.user)
            messages.success(request, f"{round_} is closed and tabulated.")
        elif action == "decide":
            count = int(request.POST.get("recall_count", "0"))
            recall_decide(round=round_, recall_count=count, actor=request.user)
            messages.success(request, f"Recall {count}: recorded with your name.")
        elif action == "reopen":
            round_reopen(round=round_, actor=request.user, reason=reason)
            messages.success(request, f"{round_} is open again for a correction.")
        elif action == "publish":
            round_publish(round=round_, actor=request.user)
            messages.success(request, f"{round_} is published.")
        else:
            messages.error(request, "Unknown action.")
    except (ScoringError, TransitionRefused, ValueError) as refusal:
        messages.error(request, str(refusal))
    return redirect("adjudication:desk-round", round_.pk)


@require_POST
@desk_required
def desk_sheet_action(request, sheet_id: int):
    sheet = get_object_or_404(Sheet, pk=sheet_id)
    try:
        if request.POST.get("action") == "confirm":
            sheet_confirm(sheet=sheet, actor=request.user)
            messages.success(request, "Paper sheet confirmed: it counts now.")
        elif request.POST.get("action") == "unlock":
            sheet_unlock(sheet=sheet, actor=request.user, reason=request.POST.get("reason", ""))
            messages.success(request, f"Sheet unlocked: judge {sheet.judge.letter} may correct it.")
    except ScoringError as refusal:
        messages.error(request, str(refusal))
    return redirect("adjudication:desk-round", sheet.round_id)


@never_cache
@desk_required
def desk_paper_sheet(request, round_id: int, judge_id: int, part: str):
    """Type in a judge's paper sheet; it counts once a second person confirms it."""
    round_ = get_object_or_404(Round.objects.select_related("event"), pk=round_id)
    if not paper_sheet_allowed(request.user, round_.event.competition_id):
        raise PermissionDenied("Typing in paper sheets is for scrutineers.")
    judge = next((j for j in round_panel(round_) if j.pk == judge_id), None)
    if judge is None:  # not on this round's panel (a replaced judge from then on)
        raise Http404("No such judge on this round's panel.")
    found = part_get(round_, part)
    if found is None:
        raise PermissionDenied("No such sheet.")
    view = sheet_view(judge=judge, round_=round_, part=found)
    error, posted = None, None
    if request.method == "POST":
        done, error, posted = paper_sheet_send(request, view)
        if done:
            return redirect("adjudication:desk-round", round_.pk)
    if request.method != "POST" and request.GET.get("reason"):
        posted = _what_if_prefill(view, request.GET)
    context = sheet_form_context(view, judge, error, posted)
    context["reason"] = request.POST.get("reason", request.GET.get("reason", ""))[:300]
    context.update(miscount_context(request, view, posted if error else None))
    return render(request, "adjudication/desk_paper.html", context, status=400 if error else 200)


def _what_if_prefill(view, query) -> dict:
    """The sheet's marks with a what-if's changes (``set=<entry or criterion id>:<value>``,
    the what-if page's link; a recall's 0 takes the cross away), to check and send."""
    marks = dict(view.marks)
    for pair in query.getlist("set")[:200]:
        key, _, value = pair.partition(":")
        if not key.isdecimal() or not value:
            continue
        if view.kind == "recall" and value == "0":
            marks.pop(int(key), None)
        else:
            marks[int(key)] = value[:20]
    return marks


@require_POST
@desk_required
def desk_tablet_code(request, judge_id: int):
    judge = get_object_or_404(Judge.objects.select_related("competition"), pk=judge_id)
    try:
        code = tablet_code_issue(judge=judge, actor=request.user)
    except TabletRefused as refusal:
        raise PermissionDenied(str(refusal)) from None
    path = reverse("adjudication:tablet-qr", args=[judge.competition.slug, judge.letter])
    url = f"{site_address(request)}{path}?code={code}"
    # bandit: segno writes the SVG itself; the URL in it is escaped
    qr = mark_safe(segno.make(url, error="m").svg_inline(scale=6))  # noqa: S308 # nosec B308 B703
    return render(
        request,
        "adjudication/desk_tablet_code.html",
        {"judge": judge, "code": code, "url": url, "qr": qr, "hours": settings.TABLET_CODE_HOURS},
    )


@require_POST
@desk_required
def desk_tablet_revoke(request, tablet_id: int):
    tablet = get_object_or_404(
        TabletSession.objects.select_related("judge__competition"), pk=tablet_id
    )
    try:
        tablet_revoke(tablet=tablet, actor=request.user)
    except TabletRefused as refusal:
        raise PermissionDenied(str(refusal)) from None
    messages.success(request, f"Tablet of judge {tablet.judge.letter} signed out.")
    return redirect("adjudication:desk-competition", tablet.judge.competition.slug)


@never_cache
@desk_required
@require_safe
def desk_print(request, slug: str, report: str):
    """The printed reports for the desk: every round so far (published or not), for
    the whole competition or one event (``?event=<id>``)."""
    if report not in ("results", "judges", "running-order"):
        raise Http404("No such report.")
    competition = get_object_or_404(Competition, slug=slug)
    event_ids = None
    if request.GET.get("event"):
        event = get_object_or_404(competition.events, pk=_int_or_404(request.GET["event"]))
        event_ids = [event.pk]
    data = export_build(competition, fmt="pdf", event_ids=event_ids, report=report)
    response = HttpResponse(data, content_type="application/pdf")
    suffix = f"-{event_ids[0]}" if event_ids else ""
    response["Content-Disposition"] = f'inline; filename="{competition.slug}{suffix}-{report}.pdf"'
    return response


def _int_or_404(value: str) -> int:
    if not value.isdecimal():
        raise Http404("No such event.")
    return int(value)
