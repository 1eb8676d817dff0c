"""Podium's admin site: Django's, with sign-in limits and a second factor.

``has_permission`` also needs a verified second factor, so every admin page refuses a
session that only passed the password; the login page sends such a person on to the
two-factor page. Password attempts are rate limited per address and locked out per
account (``accounts.signin``), answering 429 with ``Retry-After``.
"""

from __future__ import annotations

from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from accounts import signin
from accounts.two_factor import two_factor_pending


def safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def two_factor_redirect(request, next_url: str):
    return redirect(f"{reverse('accounts:two-factor')}?{urlencode({'next': next_url})}")


class PodiumAdminSite(admin.AdminSite):
    def has_permission(self, request):
        return super().has_permission(request) and not two_factor_pending(request.user)

    def login(self, request, extra_context=None):
        next_url = safe_next(request, reverse("admin:index", current_app=self.name))
        if request.method == "POST":
            refusal = signin.attempt_check(request, username=request.POST.get("username", ""))
            if refusal is not None:
                return signin.refused_response(request, refusal)
        if two_factor_pending(request.user) and request.user.is_active:
            return two_factor_redirect(request, next_url)
        response = super().login(request, extra_context)
        if request.method == "POST" and two_factor_pending(request.user):
            return two_factor_redirect(request, next_url)
        return response
