import math

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from competitions.forms import CompetitorRegistrationForm, JudgeApplicationForm
from competitions.models import Competition, RegistrationLink
from competitions.registration import (
    IdempotencyConflict,
    LinkRefused,
    RegistrationRefused,
    RegistrationWindow,
    idempotent_call,
    judge_apply,
    link_get_valid,
    registration_errors,
    registration_get,
    registration_submit,
    registration_window,
    request_fingerprint,
)
from competitions.selectors import (
    PUBLIC_STATUSES,
    competition_get_public,
    competition_list_public,
    events_open_for_registration,
)
from competitions.timetable import timetable_lines_every_floor
from scoring_site.api import RegistrationThrottle
from scoring_site.site import site_address


def home(request):
    return render(request, "competitions/home.html", {"competitions": competition_list_public()})


def competition_detail(request, slug: str):
    try:
        competition = competition_get_public(slug=slug)
    except Competition.DoesNotExist:
        raise Http404("No such competition.") from None
    return render(request, "competitions/competition_detail.html", {"competition": competition})


@require_safe
def running_order(request, slug: str):
    """The day's running order for the hall's notice boards: every line of the timetable
    with its estimated start, and every heat whose draw is public with bib numbers, names
    and clubs. Made to be printed (a print stylesheet; the browser's Print button)."""
    competition = Competition.objects.filter(slug=slug, status__in=PUBLIC_STATUSES).first()
    if competition is None:
        raise Http404("No such competition.")
    return render(
        request,
        "competitions/running_order.html",
        {
            "competition": competition,
            "lines": timetable_lines_every_floor(competition, public=True),
        },
    )


def _add_refusal(form, refusal: RegistrationRefused) -> None:
    for field, problems in refusal.errors.items():
        for problem in problems:
            form.add_error(None if field not in form.fields else field, problem)


def _registration_limited(request):
    """The API's per-address registration limit (its rate, its counters) for the form's
    POSTs: None while allowed, else a 429 page with ``Retry-After``."""
    throttle = RegistrationThrottle()
    if throttle.allow_request(request, None):
        return None
    seconds = max(1, math.ceil(throttle.wait() or 1))
    response = render(
        request, "competitions/registration_limited.html", {"seconds": seconds}, status=429
    )
    response["Retry-After"] = str(seconds)
    return response


# The same for every accepted form, new couple or not: the link goes only by email.
REGISTRATION_RECEIVED = (
    "Thank you: your registration is received. An email with the link to your registration "
    "is on its way to the address you gave; no email within a few minutes? Look in your spam "
    "folder, or ask the organizer."
)


@never_cache
@require_http_methods(["GET", "POST"])
def register(request, token: str):
    if request.method == "POST" and (limited := _registration_limited(request)):
        return limited
    try:
        link = link_get_valid(token=token)
    except LinkRefused as refusal:
        status = 410 if refusal.code == LinkRefused.GONE else 404
        return render(
            request, "competitions/link_refused.html", {"refusal": refusal}, status=status
        )
    if link.kind == RegistrationLink.Kind.JUDGE:
        return _judge_application(request, link)

    competition = link.competition
    window = registration_window(competition)
    if window.state != RegistrationWindow.OPEN:
        # No form to fill in: say when registration opens, or that it closed.
        return render(
            request,
            "competitions/registration_not_open.html",
            {"competition": competition, "window": window},
            status=409 if request.method == "POST" else 200,
        )
    events = events_open_for_registration(competition=competition)
    form = CompetitorRegistrationForm(request.POST or None, events=events)
    status = 200
    if request.method == "POST":
        status = _check_every_field(form, competition)
        if status is None:
            status = _submit(request, link, form)
            if status is None:
                return redirect("competitions:competition-detail", competition.slug)
        # A corrected form is a new request: give it a new token.
        form.data = form.data.copy()
        form.data["form_token"] = CompetitorRegistrationForm(events=events).initial["form_token"]
    return render(
        request,
        "competitions/register.html",
        {"form": form, "competition": competition, "events": events},
        status=status,
    )


def _check_every_field(form, competition) -> int | None:
    """Every problem at once: the form's, then the service's checks of whatever the form
    took (a field the form refused already is not told twice). 400 if any, else None."""
    form.is_valid()
    problems, _ = registration_errors(
        competition=competition, details=form.details(), event_ids=form.event_ids()
    )
    for field, messages_ in problems.items():
        if field in form.errors:
            continue
        for message in messages_:
            form.add_error(field if field in form.fields else None, message)
    return 400 if form.errors else None


def _submit(request, link, form) -> int | None:
    """Register through the service, once per form token: None when accepted, else the
    status of the page to show again (the refusal on the form)."""

    def submit():
        try:
            registration_submit(
                link=link,
                details=form.details(),
                event_ids=form.event_ids(),
                site=site_address(request),
            )
        except RegistrationRefused as refusal:
            return 409, {"errors": refusal.errors}
        # Nothing of the registration: a couple registered already gets this too.
        return 201, {}

    try:
        answer = idempotent_call(
            scope=f"register-page:{link.pk}",
            key=form.cleaned_data["form_token"],
            fingerprint=request_fingerprint(form.fingerprint_payload()),
            call=submit,
        )
    except IdempotencyConflict as conflict:
        form.add_error(None, str(conflict) + " Reload the page and submit again.")
        return 422
    if answer.status == 201:
        if not answer.replayed:
            messages.success(request, REGISTRATION_RECEIVED)
        return None
    _add_refusal(form, RegistrationRefused(answer.body["errors"]))
    return 409


def _judge_application(request, link):
    form = JudgeApplicationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                judge_apply(link=link, **form.cleaned_data)
            except RegistrationRefused as refusal:
                _add_refusal(form, refusal)
                status = 409
            else:
                return render(
                    request, "competitions/judge_thanks.html", {"competition": link.competition}
                )
        else:
            status = 400
    return render(
        request,
        "competitions/judge_apply.html",
        {"form": form, "competition": link.competition},
        status=status,
    )


@never_cache
def registration_detail(request, reference: str):
    try:
        competitor = registration_get(reference=reference)
    except RegistrationRefused:
        raise Http404("There is no registration with this reference.") from None
    entries = competitor.entries.select_related("event").order_by("event__position")
    return render(
        request,
        "competitions/registration_detail.html",
        {"competitor": competitor, "competition": competitor.competition, "entries": entries},
    )
