"""The admin of who takes part: competitors, their entries, and judges."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from accounts.roles import Role
from accounts.selectors import judge_account_list
from competitions.admin.actions import act_on_each, delete_selected_all_or_nothing
from competitions.admin.confirm import confirm_first
from competitions.admin.mixins import FixedParentMixin, RefusalOnTheForm
from competitions.admin.scope import (
    AutocompleteForOneCompetition,
    CompetitionScopedAdmin,
    CompetitionScopedInline,
)
from competitions.models import Competitor, Entry, Judge
from competitions.registration import RegistrationRefused, entry_add, entry_remove, entry_withdraw


class EntryInline(CompetitionScopedInline, admin.TabularInline):
    model = Entry
    fields = ("event", "status", "withdrawn", "seeded_round")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "entries (add, remove and withdraw them under Entries)"

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Competitor)
class CompetitorAdmin(CompetitionScopedAdmin, FixedParentMixin, admin.ModelAdmin):
    ordering = ("competition", "bib", "name")
    list_display = ("bib", "name", "partner_name", "kind", "club", "country", "competition")
    list_display_links = ("bib", "name")
    list_filter = ("competition", "kind", "country")
    search_fields = ("=bib", "name", "partner_name", "club", "email")
    list_select_related = ("competition",)
    inlines = [EntryInline]
    fixed_parent_fields = ("competition",)
    readonly_fields = ("registration_page",)

    @admin.display(description="registration page")
    def registration_page(self, obj):
        if not obj.reference:
            return "—"
        url = reverse("competitions:registration-detail", args=[obj.reference])
        return format_html('<a href="{}">{}</a>', url, url)


class EntryAddForm(forms.ModelForm):
    class Meta:
        model = Entry
        fields = ("event", "competitor")


@admin.register(Entry)
class EntryAdmin(
    RefusalOnTheForm, AutocompleteForOneCompetition, CompetitionScopedAdmin, admin.ModelAdmin
):
    competition_lookup = "event__competition"
    # A heat's entries come from its own competition.
    autocomplete_one_competition = frozenset({("heatentry", "entry")})
    ordering = ("event__competition", "event__position", "event_id", "competitor__bib", "id")
    list_display = ("competitor", "event", "status", "withdrawn", "created_at")
    list_filter = ("event__competition", "event", "status", "withdrawn")
    search_fields = ("=competitor__bib", "competitor__name", "competitor__partner_name")
    list_select_related = ("competitor", "event")
    autocomplete_fields = ("competitor", "event")
    actions = ["delete_selected", "withdraw"]
    # An entry of an event that has started refuses the whole selection.
    delete_selected = delete_selected_all_or_nothing(RegistrationRefused)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = EntryAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return ("event", "competitor", "status", "withdrawn") if obj else ()

    refusals = (RegistrationRefused, forms.ValidationError)

    def show_refusal(self, form, refusal: Exception) -> None:
        if isinstance(refusal, RegistrationRefused):
            for problem in refusal.errors.values():
                form.add_error(None, problem)
        else:
            form.add_error(None, refusal)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        # Adding an entry takes a place through the registration service (limits hold).
        obj.pk = entry_add(event=obj.event, competitor=obj.competitor).pk
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        entry_remove(entry=obj)

    def delete_queryset(self, request, queryset):
        for entry in queryset:
            entry_remove(entry=entry)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except RegistrationRefused as refusal:
            self.message_user(request, str(refusal), level=messages.ERROR)
            return self.response_post_save_change(request, None)

    @admin.action(description="Withdraw (before the round: leaves the heats balanced)")
    @confirm_first(
        title="Withdraw entries",
        consequence=(
            "A withdrawn entry cannot come back: its place goes to the waiting list, and "
            "it leaves the heats of rounds that have not opened."
        ),
        button="Yes, withdraw",
    )
    def withdraw(self, request, queryset):
        act_on_each(
            self,
            request,
            queryset,
            lambda entry: entry_withdraw(entry=entry, actor=request.user),
            "Withdrawn",
        )


@admin.register(Judge)
class JudgeAdmin(
    AutocompleteForOneCompetition, CompetitionScopedAdmin, FixedParentMixin, admin.ModelAdmin
):
    ordering = ("competition", "letter")
    # A panel seats judges of the event's own competition.
    autocomplete_one_competition = frozenset({("panelseat", "judge")})
    list_display = ("letter", "name", "competition", "email", "phone")
    list_filter = ("competition",)
    search_fields = ("letter", "name", "email")
    list_select_related = ("competition",)
    fixed_parent_fields = ("competition",)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Only judge-only accounts are offered; Judge.clean refuses any other with a message.
        if db_field.name == "user":
            accounts = judge_account_list()
            if not request.user.has_perm("competitions.change_judge"):
                # Staff of one competition see judges' accounts, not the site's others.
                accounts = accounts.filter(groups__name=Role.JUDGE).distinct()
            kwargs["queryset"] = accounts.order_by("username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
