"""The admin of sign-ups: registration links (with their QR codes) and judges'
applications."""

from __future__ import annotations

import segno
from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from competitions.admin.actions import act_on_each
from competitions.admin.scope import CompetitionScopedAdmin
from competitions.models import JudgeApplication, RegistrationLink
from competitions.registration import (
    judge_application_accept,
    judge_application_decline,
    link_create,
    link_revoke,
)
from scoring_site.site import site_address


class RegistrationLinkForm(forms.ModelForm):
    class Meta:
        model = RegistrationLink
        fields = ("competition", "kind", "label", "expires_at")

    def clean(self):
        cleaned = super().clean()
        expires = cleaned.get("expires_at")
        in_the_past = expires is not None and expires <= timezone.now()
        if in_the_past and not self.errors and self.instance.pk is None:
            self.add_error("expires_at", "The expiry must be in the future.")
        return cleaned


@admin.register(RegistrationLink)
class RegistrationLinkAdmin(CompetitionScopedAdmin, admin.ModelAdmin):
    ordering = ("competition", "kind", "-created_at")
    form = RegistrationLinkForm
    list_display = ("competition", "kind", "label", "state", "expires_at", "created_at")
    list_filter = ("competition", "kind")
    readonly_fields = ("address", "qr_code", "revoked_at", "created_by", "created_at")
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        readonly = self.readonly_fields
        return readonly + ("competition", "kind") if obj else readonly

    def get_fields(self, request, obj=None):
        fields = ["competition", "kind", "label", "expires_at"]
        return fields + ["address", "qr_code", "revoked_at", "created_by"] if obj else fields

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        created = link_create(
            competition=obj.competition,
            kind=obj.kind,
            actor=request.user,
            expires_at=obj.expires_at,
            label=obj.label,
        )
        obj.pk, obj.token = created.pk, created.token

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            # The readonly fields below see only the object: it carries the address.
            obj.site_address = site_address(request)
        return obj

    def _url(self, obj) -> str:
        path = reverse("competitions:register", args=[obj.token])
        return getattr(obj, "site_address", "") + path

    @admin.display(description="state")
    def state(self, obj):
        if obj.revoked_at:
            return "revoked"
        if obj.expires_at and obj.expires_at <= timezone.now():
            return "expired"
        return "live"

    @admin.display(description="address to share")
    def address(self, obj):
        return format_html('<a href="{0}">{0}</a>', self._url(obj))

    @admin.display(description="QR code to print")
    def qr_code(self, obj):
        svg = segno.make(self._url(obj), error="m").svg_inline(scale=5, title=str(obj))
        # bandit: segno writes the SVG itself; the URL in it is escaped
        return mark_safe(svg)  # noqa: S308 - segno builds the SVG; the URL is escaped # nosec B308 B703

    @admin.action(description="Revoke (the link stops working at once)")
    def revoke(self, request, queryset):
        for link in queryset:
            link_revoke(link=link)
        self.message_user(request, f"Revoked: {queryset.count()}.", level=messages.SUCCESS)


@admin.register(JudgeApplication)
class JudgeApplicationAdmin(CompetitionScopedAdmin, admin.ModelAdmin):
    ordering = ("competition", "created_at")
    list_display = ("name", "competition", "letter_preference", "email", "phone", "status", "judge")
    list_filter = ("competition", "status")
    search_fields = ("name", "email")
    readonly_fields = ("competition", "link", "status", "judge", "created_at")
    actions = ["accept", "decline"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Accept as judges (preferred letter if free)")
    def accept(self, request, queryset):
        act_on_each(
            self,
            request,
            queryset,
            lambda a: judge_application_accept(application=a),
            "Accepted: seat them on panels in each event",
        )

    @admin.action(description="Decline")
    def decline(self, request, queryset):
        act_on_each(
            self, request, queryset, lambda a: judge_application_decline(application=a), "Declined"
        )
