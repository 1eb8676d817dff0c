"""The organizer's side: setting up competitions in the Django admin.

Statuses are read-only here; they move only through the admin actions, which call
the transition services and show the reason when a move is refused.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count

from competitions.models import (
    Competition,
    CompetitionStatus,
    Competitor,
    Criterion,
    Dance,
    Entry,
    Event,
    Heat,
    HeatEntry,
    Judge,
    PanelSeat,
    Round,
    RoundStatus,
    StatusChange,
)
from competitions.services import TransitionRefused, competition_transition, round_transition


class FixedParentMixin:
    """The parent of a row cannot change once it exists (the database refuses it too)."""

    fixed_parent_fields: tuple[str, ...] = ()

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        return readonly + self.fixed_parent_fields if obj is not None else readonly


def _run_transitions(modeladmin, request, queryset, *, to_status, service, kwarg, verb):
    moved = 0
    for obj in queryset:
        try:
            service(**{kwarg: obj, "to_status": to_status, "actor": request.user})
        except TransitionRefused as refusal:
            modeladmin.message_user(request, str(refusal), level=messages.ERROR)
        else:
            moved += 1
    if moved:
        modeladmin.message_user(request, f"{verb}: {moved}.", level=messages.SUCCESS)


def competition_action(to_status: str, description: str):
    def action(modeladmin, request, queryset):
        _run_transitions(
            modeladmin,
            request,
            queryset,
            to_status=to_status,
            service=competition_transition,
            kwarg="competition",
            verb=description,
        )

    action.__name__ = f"move_to_{to_status}"
    return admin.action(description=description, permissions=["transition"])(action)


def round_action(to_status: str, description: str):
    def action(modeladmin, request, queryset):
        _run_transitions(
            modeladmin,
            request,
            queryset,
            to_status=to_status,
            service=round_transition,
            kwarg="round",
            verb=description,
        )

    action.__name__ = f"move_to_{to_status}"
    return admin.action(description=description, permissions=["transition"])(action)


class EventInline(admin.TabularInline):
    model = Event
    fields = ("position", "name", "style", "scoring_method", "entry_kind", "entry_limit")
    extra = 0
    show_change_link = True


class JudgeInline(admin.TabularInline):
    model = Judge
    fields = ("letter", "name", "email", "phone", "country")
    extra = 0


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    fields = ("at", "round", "from_status", "to_status", "actor", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "lifecycle trail"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Competition)
class CompetitionAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "starts_on", "venue", "status", "event_count")
    list_filter = ("status", "starts_on")
    search_fields = ("name", "slug", "venue")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("status", "created_at", "updated_at")
    date_hierarchy = "starts_on"
    inlines = [EventInline, JudgeInline, StatusChangeInline]
    fieldsets = (
        (None, {"fields": ("name", "slug", "venue", "status")}),
        ("Dates", {"fields": ("starts_on", "ends_on", "timezone")}),
        (
            "Registration",
            {"fields": ("registration_opens_at", "registration_closes_at", "capacity")},
        ),
        ("Record", {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )
    actions = [
        competition_action(CompetitionStatus.REGISTRATION_OPEN, "Open (or reopen) registration"),
        competition_action(CompetitionStatus.REGISTRATION_CLOSED, "Close registration"),
        competition_action(CompetitionStatus.IN_PROGRESS, "Start the competition"),
        competition_action(CompetitionStatus.FINISHED, "Mark as finished"),
        competition_action(CompetitionStatus.ARCHIVED, "Archive"),
        competition_action(CompetitionStatus.CANCELLED, "Cancel"),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_event_count=Count("events"))

    @admin.display(description="events", ordering="_event_count")
    def event_count(self, obj):
        return obj._event_count

    def has_transition_permission(self, request):
        return request.user.has_perm("competitions.transition_competition")


class DanceInline(admin.TabularInline):
    model = Dance
    fields = ("position", "name", "short_name")
    extra = 0


class CriterionInline(admin.TabularInline):
    model = Criterion
    fields = ("position", "name", "weight", "min_score", "max_score", "step")
    extra = 0


class PanelSeatInline(admin.TabularInline):
    model = PanelSeat
    autocomplete_fields = ("judge",)
    extra = 0
    verbose_name_plural = "judging panel"


class RoundInline(admin.TabularInline):
    model = Round
    fields = ("position", "kind", "recall_count", "status")
    readonly_fields = ("status",)
    extra = 0
    show_change_link = True


@admin.register(Event)
class EventAdmin(FixedParentMixin, admin.ModelAdmin):
    list_display = ("name", "competition", "style", "scoring_method", "entry_limit", "entries")
    list_filter = ("competition", "scoring_method", "style", "entry_kind")
    search_fields = ("name", "competition__name", "level", "age_group")
    list_select_related = ("competition",)
    inlines = [DanceInline, CriterionInline, PanelSeatInline, RoundInline]
    fixed_parent_fields = ("competition",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_entries=Count("entries"))

    @admin.display(description="entries", ordering="_entries")
    def entries(self, obj):
        return obj._entries


class EntryInline(admin.TabularInline):
    model = Entry
    fields = ("event", "withdrawn")
    extra = 0


@admin.register(Competitor)
class CompetitorAdmin(FixedParentMixin, admin.ModelAdmin):
    list_display = ("bib", "name", "partner_name", "kind", "club", "country", "competition")
    list_display_links = ("bib", "name")
    list_filter = ("competition", "kind", "country")
    search_fields = ("=bib", "name", "partner_name", "club", "email")
    list_select_related = ("competition",)
    inlines = [EntryInline]
    fixed_parent_fields = ("competition",)


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    list_display = ("competitor", "event", "withdrawn", "created_at")
    list_filter = ("event__competition", "event", "withdrawn")
    search_fields = ("=competitor__bib", "competitor__name", "competitor__partner_name")
    list_select_related = ("competitor", "event")
    autocomplete_fields = ("competitor", "event")


@admin.register(Judge)
class JudgeAdmin(FixedParentMixin, admin.ModelAdmin):
    list_display = ("letter", "name", "competition", "email", "phone")
    list_filter = ("competition",)
    search_fields = ("letter", "name", "email")
    list_select_related = ("competition",)
    fixed_parent_fields = ("competition",)


class HeatInline(admin.TabularInline):
    model = Heat
    fields = ("number",)
    extra = 0
    show_change_link = True


@admin.register(Round)
class RoundAdmin(FixedParentMixin, admin.ModelAdmin):
    list_display = ("__str__", "position", "kind", "recall_count", "status")
    list_filter = ("event__competition", "status", "kind")
    search_fields = ("event__name",)
    list_select_related = ("event",)
    readonly_fields = ("status",)
    inlines = [HeatInline]
    fixed_parent_fields = ("event",)
    actions = [
        round_action(RoundStatus.OPEN, "Open for scoring (or reopen for a correction)"),
        round_action(RoundStatus.CLOSED, "Close scoring"),
        round_action(RoundStatus.PUBLISHED, "Publish results"),
    ]

    def has_transition_permission(self, request):
        return request.user.has_perm("competitions.transition_round")


class HeatEntryInline(admin.TabularInline):
    model = HeatEntry
    autocomplete_fields = ("entry",)
    extra = 0


@admin.register(Heat)
class HeatAdmin(FixedParentMixin, admin.ModelAdmin):
    list_display = ("__str__", "number")
    list_filter = ("round__event__competition", "round__event")
    inlines = [HeatEntryInline]
    fixed_parent_fields = ("round",)
