"""Signing in: the sign-in for people who are not staff, and the second step of the staff
sign-in (verify a code, or enrol an authenticator)."""

from __future__ import annotations

from base64 import b32encode

import segno
from django.contrib import admin, messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from accounts import signin
from accounts.admin_site import safe_next, two_factor_redirect
from accounts.two_factor import (
    authenticator_confirm,
    authenticator_pending,
    backup_codes_issue,
    has_device,
    two_factor_pending,
    two_factor_required,
    two_factor_verify,
)


def _context(request, **extra):
    return {**admin.site.each_context(request), **extra}


def _locked_out(request):
    refusal = signin.lock_check(request.user.get_username(), request)
    if refusal is None:
        return None
    logout(request)
    return signin.refused_response(request, refusal)


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in(request):
    """The sign-in for people who are not staff, such as the MC (the admin's own sign-in
    takes staff accounts only): the password, under the same rate limit and lock-out as
    the admin's; anyone whose role needs a second factor goes on to it."""
    next_url = safe_next(request, "/")
    if two_factor_pending(request.user) and request.user.is_active:
        return two_factor_redirect(request, next_url)  # the password is given already
    if request.method == "POST":
        refusal = signin.attempt_check(request, username=request.POST.get("username", ""))
        if refusal is not None:
            return signin.refused_response(request, refusal)
    form = AuthenticationForm(request, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        auth_login(request, form.get_user())
        if two_factor_pending(request.user):
            return two_factor_redirect(request, next_url)
        return redirect(next_url)
    return render(request, "accounts/sign_in.html", _context(request, form=form, next=next_url))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor(request):
    next_url = safe_next(request, reverse("admin:index"))
    if not two_factor_pending(request.user):
        return redirect(next_url)
    if not has_device(request.user):
        return redirect(f"{reverse('accounts:two-factor-setup')}?{request.GET.urlencode()}")
    locked = _locked_out(request)
    if locked is not None:
        return locked
    error = None
    if request.method == "POST":
        refusal = signin.rate_check(request, username=request.user.get_username())
        if refusal is not None:
            return signin.refused_response(request, refusal)
        device = two_factor_verify(
            user=request.user, token=request.POST.get("token", ""), request=request
        )
        if device is not None:
            otp_login(request, device)
            signin.failures_clear(request.user.get_username(), request)
            return redirect(next_url)
        if signin.failure_record(request.user.get_username(), request=request, reason="code"):
            return _locked_out(request)
        error = "That code is not right (or was used already). Try the current one."
    return render(
        request,
        "accounts/two_factor.html",
        _context(request, title="Two-factor sign-in", next=next_url, error=error),
        status=400 if error else 200,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    """Enrol an authenticator: at the first sign-in, or later from a verified session."""
    next_url = safe_next(request, reverse("admin:index"))
    if not two_factor_required(request.user):
        raise PermissionDenied("Two-factor sign-in is for staff accounts.")
    if has_device(request.user) and two_factor_pending(request.user):
        # Adding a device needs the second factor already: a stolen password is not enough.
        return redirect(f"{reverse('accounts:two-factor')}?{request.GET.urlencode()}")
    device = authenticator_pending(request.user)
    error = None
    if request.method == "POST":
        refusal = signin.rate_check(request, username=request.user.get_username())
        if refusal is not None:
            return signin.refused_response(request, refusal)
        confirmed = authenticator_confirm(
            user=request.user, token=request.POST.get("token", ""), request=request
        )
        if confirmed is not None:
            otp_login(request, confirmed)
            codes = backup_codes_issue(user=request.user, request=request)
            return render(
                request,
                "accounts/backup_codes.html",
                _context(request, title="Backup codes", codes=codes, next=next_url),
            )
        error = "That code is not right. Type the six digits your app shows now."
    url = device.config_url
    # bandit: segno writes the SVG itself; the URL in it is escaped
    qr = mark_safe(segno.make(url, error="m").svg_inline(scale=5))  # noqa: S308 # nosec B308 B703
    return render(
        request,
        "accounts/two_factor_setup.html",
        _context(
            request,
            title="Set up two-factor sign-in",
            qr=qr,
            key=b32encode(device.bin_key).decode(),
            next=next_url,
            error=error,
        ),
        status=400 if error else 200,
    )


@require_POST
def sign_out(request):
    logout(request)
    messages.info(request, "Signed out.")
    return redirect("admin:login")
