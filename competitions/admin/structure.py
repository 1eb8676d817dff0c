"""The admin of a competition's shape: competitions, events, rounds and heats, with their
inlines and lifecycle actions."""

from __future__ import annotations

import secrets

from django.contrib import admin, messages
from django.db.models import Count, Exists, OuterRef, Q

from accounts.roles import Role
from competitions.access import staff_can
from competitions.admin.actions import REFUSALS, act_on_each, competition_action, round_action
from competitions.admin.confirm import confirm_first
from competitions.admin.mixins import FixedParentMixin
from competitions.admin.panels import AllocationFormSet, PanelSeatForm, PanelSeatFormSet
from competitions.admin.scope import (
    AutocompleteInlineOfOneCompetition,
    CompetitionScopedAdmin,
    CompetitionScopedInline,
    one_competition_inlines,
)
from competitions.components import allocation_problems
from competitions.models import (
    Competition,
    CompetitionStaff,
    CompetitionStatus,
    ComponentAllocation,
    Criterion,
    Dance,
    Event,
    Heat,
    HeatEntry,
    Judge,
    PanelSeat,
    Round,
    RoundStatus,
    StatusChange,
)
from competitions.registration import (
    event_plan_rounds,
    registration_close,
    registration_close_preview,
)
from competitions.services import DrawRefused, round_draw_heats, round_heat_count
from competitions.timetable import timetable_sync


class EventInline(CompetitionScopedInline, admin.TabularInline):
    model = Event
    fields = ("position", "name", "style", "scoring_method", "entry_kind", "entry_limit")
    extra = 0
    show_change_link = True


class JudgeInline(CompetitionScopedInline, admin.TabularInline):
    model = Judge
    fields = ("letter", "name", "email", "phone", "country")
    extra = 0


class StatusChangeInline(CompetitionScopedInline, admin.TabularInline):
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


class CompetitionStaffInline(admin.TabularInline):
    """Who runs this competition, in which role; editable by whoever may change it.
    The model refuses an organizer, scrutineer or chairman without a staff account."""

    model = CompetitionStaff
    fields = ("user", "role")
    extra = 0
    verbose_name_plural = "staff"

    def _may_change_competition(self, request, obj=None):
        # Assigned once the competition exists, not on its add page.
        return obj is not None and staff_can(request.user, "competitions.change_competition", obj)

    has_view_permission = _may_change_competition
    has_change_permission = _may_change_competition
    has_add_permission = _may_change_competition
    has_delete_permission = _may_change_competition

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            user_model = db_field.remote_field.model
            judge_or_competitor = Q(groups__name__in=[Role.JUDGE, Role.COMPETITOR]) | Exists(
                Judge.objects.filter(user=OuterRef("pk"))
            )
            kwargs["queryset"] = (
                user_model.objects.filter(is_active=True, is_superuser=False)
                .filter(Q(is_staff=True) | ~judge_or_competitor)
                .distinct()
                .order_by("username")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Competition)
class CompetitionAdmin(CompetitionScopedAdmin, admin.ModelAdmin):
    competition_lookup = "pk"
    list_display = ("name", "slug", "starts_on", "venue", "status", "event_count")
    list_filter = ("status", "starts_on")
    search_fields = ("name", "slug", "venue")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("status", "created_at", "updated_at")
    date_hierarchy = "starts_on"
    inlines = [EventInline, JudgeInline, CompetitionStaffInline, StatusChangeInline]

    class Media:
        css = {"all": ("podium/admin.css",)}  # the inlines fit 1366 pixels

    fieldsets = (
        (None, {"fields": ("name", "slug", "venue", "status")}),
        ("Dates", {"fields": ("starts_on", "ends_on", "timezone", "day_starts_at")}),
        ("Published results", {"fields": ("judge_names_public",)}),
        ("Judges' agreement report", {"fields": ("agreement_shows_names",)}),
        (
            "Registration",
            {"fields": ("registration_opens_at", "registration_closes_at", "capacity")},
        ),
        ("Record", {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )
    actions = [
        competition_action(CompetitionStatus.REGISTRATION_OPEN, "Open (or reopen) registration"),
        "close_registration",
        competition_action(
            CompetitionStatus.IN_PROGRESS,
            "Start the competition",
            "Once started, a competition cannot go back to registration; it can only "
            "be marked as finished.",
        ),
        competition_action(
            CompetitionStatus.FINISHED,
            "Mark as finished",
            "A finished competition cannot be started again; it can only be archived.",
        ),
        competition_action(
            CompetitionStatus.ARCHIVED, "Archive", "An archived competition cannot be reopened."
        ),
        competition_action(
            CompetitionStatus.CANCELLED,
            "Cancel",
            "A cancelled competition cannot be reopened: its registration and its day are "
            "over for good.",
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_event_count=Count("events"))

    @admin.display(description="events", ordering="_event_count")
    def event_count(self, obj):
        return obj._event_count

    def has_add_permission(self, request):
        # A new competition belongs to no one yet: creating one is a site-wide role's.
        return request.user.has_perm(self._permission("add"))

    def has_transition_permission(self, request):
        return self._may(request, "transition")

    @admin.action(
        description="Close registration: bib numbers, round plans and draws",
        permissions=["transition"],
    )
    @confirm_first(
        title="Close registration",
        consequence=(
            "Closing registration hands out bib numbers and draws the first rounds' heats. "
            "Bib numbers stay with the competitors; a draw can be redone only until its "
            "round opens."
        ),
        describe=lambda competition: closing_summary(
            registration_close_preview(competition=competition)
        ),
        refusal=lambda competition: registration_close_preview(competition=competition).problem,
        button="Yes, close registration",
    )
    def close_registration(self, request, queryset):
        for competition in queryset:
            try:
                report = registration_close(competition=competition, actor=request.user)
            except REFUSALS as refusal:
                self.message_user(request, f"{competition}: {refusal}", level=messages.ERROR)
            else:
                self.message_user(
                    request,
                    f"{report.sentence()} Draw seed {report.seed}.",
                    level=messages.SUCCESS,
                )


def closing_summary(preview) -> list[str]:
    """The confirmation page's lines for one competition: bibs, then each event."""
    lines = [preview.sentence()]
    for event in preview.events:
        if event.started:
            lines.append(f"{event.name}: started, left as it is.")
            continue
        entries = f"{event.entries} entr{'y' if event.entries == 1 else 'ies'}"
        if not event.rounds:
            lines.append(f"{event.name}: {entries}, no rounds to plan or draw.")
            continue
        rounds = f"{event.rounds} round{'' if event.rounds == 1 else 's'}"
        rounds += " (your plan, kept)" if event.plan_kept else " planned"
        heats = (
            f"first round drawn into {event.heats} heat{'' if event.heats == 1 else 's'}"
            if event.heats
            else "nothing to draw"
        )
        lines.append(f"{event.name}: {entries}, {rounds}, {heats}.")
    return lines


class DanceInline(CompetitionScopedInline, admin.TabularInline):
    model = Dance
    fields = ("position", "name", "short_name")
    extra = 0


class CriterionInline(CompetitionScopedInline, admin.TabularInline):
    model = Criterion
    fields = ("position", "name", "short_name", "weight", "min_score", "max_score", "step")
    extra = 0
    verbose_name_plural = "criteria (the components of an event scored by components)"


class ComponentAllocationInline(
    AutocompleteInlineOfOneCompetition, CompetitionScopedInline, admin.TabularInline
):
    """The fixed allocations; the drawn ones are made when a round is drawn."""

    model = ComponentAllocation
    formset = AllocationFormSet
    fields = ("judge", "criterion")
    autocomplete_fields = ("judge",)
    extra = 0
    verbose_name_plural = "components each judge scores (events scored by components, fixed)"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(round__isnull=True)


class PanelSeatInline(
    AutocompleteInlineOfOneCompetition, CompetitionScopedInline, admin.TabularInline
):
    model = PanelSeat
    form = PanelSeatForm
    formset = PanelSeatFormSet
    fields = ("judge", "shadow", "from_round", "until_round", "replaces")
    readonly_fields = ("from_round", "until_round", "replaces")  # set by judge_replace
    autocomplete_fields = ("judge",)
    extra = 0
    verbose_name_plural = "judging panel (replacement judges are seated at the desk)"


class RoundInline(CompetitionScopedInline, admin.TabularInline):
    model = Round
    fields = ("position", "kind", "recall_count", "status")
    readonly_fields = ("status",)
    extra = 0
    show_change_link = True


@admin.register(Event)
class EventAdmin(CompetitionScopedAdmin, FixedParentMixin, admin.ModelAdmin):
    ordering = ("competition", "position", "id")  # the newest competition first
    list_display = ("name", "competition", "style", "scoring_method", "entry_limit", "entries")
    list_filter = ("competition", "scoring_method", "style", "entry_kind")
    search_fields = ("name", "competition__name", "level", "age_group")
    list_select_related = ("competition",)
    inlines = [
        DanceInline,
        CriterionInline,
        PanelSeatInline,
        ComponentAllocationInline,
        RoundInline,
    ]
    fixed_parent_fields = ("competition",)
    actions = ["replan_rounds", "redraw_first_round"]

    class Media:
        css = {"all": ("podium/admin.css",)}  # the criteria's row fits 1280 pixels

    fieldsets = (
        (None, {"fields": ("competition", "name", "position", "style", "level", "age_group")}),
        (
            "Scoring",
            {"fields": ("scoring_method", "entry_kind", "results_reveal", "drop_extremes")},
        ),
        (
            "Component scoring",
            {"fields": ("component_tolerance", "component_allocation")},
        ),
        (
            "Registration",
            {"fields": ("entry_limit", "entries_taken", "waiting_list", "min_age", "max_age")},
        ),
        (
            "Rounds and heats",
            {"fields": ("max_per_heat", "final_size", "direct_final_max", "separate_clubs")},
        ),
        (
            "Timetable and timers",
            {"fields": ("heat_seconds", "performance_seconds", "scoring_seconds")},
        ),
    )
    readonly_fields = ("entries_taken",)

    def get_inlines(self, request, obj):
        # The panel is seated once the event (and so its competition) exists.
        return one_competition_inlines(self.inlines, obj)

    def save_related(self, request, form, formsets, change):
        """Saved, and told now (not on the day, when the round refuses to open) which
        components no judge of the panel scores."""
        super().save_related(request, form, formsets, change)
        first = form.instance.rounds.order_by("position").first()
        problems = allocation_problems(first) if first is not None else []
        if problems:
            more = len(problems) - 4
            shown = "; ".join(problems[:4]) + (f"; and {more} more" if more > 0 else "")
            messages.warning(
                request,
                f"“{first}” cannot open as allocated yet: {shown}. Seat the judging panel "
                "and give each component a judge under “Components each judge scores”.",
            )

    @admin.action(description="Re-plan rounds from the number of entries")
    @confirm_first(
        title="Re-plan rounds",
        consequence=(
            "Each selected event's rounds are deleted, with their heats, and planned "
            "again from its number of entries; edits to the plan are lost."
        ),
        describe=lambda event: [f"{event.rounds.count()} round(s) now"],
        button="Yes, re-plan",
    )
    def replan_rounds(self, request, queryset):
        def replan(event):
            event_plan_rounds(event=event)
            timetable_sync(competition=event.competition)

        act_on_each(self, request, queryset, replan, "Re-planned")

    @admin.action(description="Redraw the first round's heats (new random seed)")
    @confirm_first(
        title="Redraw the first round",
        consequence=(
            "The first round's heats are drawn again with a new seed; the current draw "
            "cannot be brought back."
        ),
        button="Yes, redraw",
    )
    def redraw_first_round(self, request, queryset):
        def redraw(event):
            first = event.rounds.order_by("position").first()
            if first is None:
                raise DrawRefused("The event has no rounds: plan them first.")
            entered = (  # not the couples seeded into a later round
                event.entries.filter(status="entered", withdrawn=False)
                .exclude(seeded_round__gt=first.position)
                .count()
            )
            heats = round_heat_count(event=event, kind=first.kind, entries=entered)
            round_draw_heats(round=first, heat_count=heats, seed=secrets.randbelow(2**31))

        act_on_each(self, request, queryset, redraw, "Redrawn")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_entries=Count("entries"))

    @admin.display(description="entries", ordering="_entries")
    def entries(self, obj):
        return obj._entries


class HeatInline(CompetitionScopedInline, admin.TabularInline):
    model = Heat
    fields = ("number",)
    extra = 0
    show_change_link = True


@admin.register(Round)
class RoundAdmin(CompetitionScopedAdmin, FixedParentMixin, admin.ModelAdmin):
    competition_lookup = "event__competition"
    ordering = ("event__competition", "event__position", "event_id", "position")
    list_display = ("__str__", "position", "kind", "recall_count", "status")
    list_filter = ("event__competition", "status", "kind")
    search_fields = ("event__name",)
    list_select_related = ("event",)
    readonly_fields = ("status",)
    inlines = [HeatInline]
    fixed_parent_fields = ("event",)
    # Closing, reopening and publishing happen at the results desk (/desk/), where the
    # sheets are checked and the round is tabulated.
    actions = [
        round_action(
            RoundStatus.OPEN,
            "Open for scoring",
            "An open round takes judges' marks and cannot go back to planned: its heats "
            "can no longer be redrawn.",
        )
    ]

    def has_transition_permission(self, request):
        return self._may(request, "transition")


class HeatEntryInline(
    AutocompleteInlineOfOneCompetition, CompetitionScopedInline, admin.TabularInline
):
    model = HeatEntry
    autocomplete_fields = ("entry",)
    extra = 0


@admin.register(Heat)
class HeatAdmin(CompetitionScopedAdmin, FixedParentMixin, admin.ModelAdmin):
    competition_lookup = "round__event__competition"
    ordering = (
        "round__event__competition",
        "round__event__position",
        "round__event_id",
        "round__position",
        "number",
    )
    list_display = ("__str__", "number")
    list_filter = ("round__event__competition", "round__event")
    inlines = [HeatEntryInline]
    fixed_parent_fields = ("round",)

    def get_inlines(self, request, obj):
        # Entries are dealt into a heat once it (and so its competition) exists.
        return one_competition_inlines(self.inlines, obj)
