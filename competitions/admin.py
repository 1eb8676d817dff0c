"""The organizer's side: setting up competitions in the Django admin.

Statuses are read-only here; they move only through the admin actions, which call
the transition services and show the reason when a move is refused.
"""

from __future__ import annotations

import secrets

import segno
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from accounts.roles import Role
from accounts.selectors import judge_account_list
from competitions.access import staff_can
from competitions.admin_scope import CompetitionScopedAdmin, CompetitionScopedInline
from competitions.models import (
    Competition,
    CompetitionStaff,
    CompetitionStatus,
    Competitor,
    Criterion,
    Dance,
    Entry,
    Event,
    FailedJob,
    FloorMove,
    Heat,
    HeatEntry,
    Judge,
    JudgeApplication,
    PanelSeat,
    RegistrationLink,
    Round,
    RoundStatus,
    StatusChange,
    TimetableItem,
)
from competitions.registration import (
    RegistrationRefused,
    entry_add,
    entry_remove,
    entry_withdraw,
    event_plan_rounds,
    judge_application_accept,
    judge_application_decline,
    link_create,
    link_revoke,
    registration_close,
)
from competitions.services import (
    DrawRefused,
    TransitionRefused,
    competition_transition,
    round_draw_heats,
    round_heat_count,
    round_transition,
)
from competitions.tasks import failed_job_retry
from competitions.timetable import (
    TimetableRefused,
    timetable_change,
    timetable_insert_break,
    timetable_move,
    timetable_remove_break,
    timetable_remove_breaks,
    timetable_sync,
)

REFUSALS = (TransitionRefused, RegistrationRefused, DrawRefused, TimetableRefused)


class FixedParentMixin:
    """The parent of a row cannot change once it exists (the database refuses it too)."""

    fixed_parent_fields: tuple[str, ...] = ()

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        return readonly + self.fixed_parent_fields if obj is not None else readonly


class RefusalOnTheForm:
    """For an admin whose ``save_model`` writes through a service: when the service
    refuses (one of ``refusals``), everything the view did is rolled back and the form is
    shown again with the refusal, as Django shows any invalid form."""

    refusals: tuple[type[Exception], ...] = ()

    def show_refusal(self, form, refusal: Exception) -> None:
        form.add_error(None, str(refusal))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except self.refusals as refusal:
            # Django's view ran in a transaction, rolled back now; the same post is
            # validated again with the refusal as an error, so nothing is saved.
            request.admin_refusal = refusal
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        refusal = getattr(request, "admin_refusal", None)
        if refusal is None:
            return form
        show_refusal = self.show_refusal

        class Refused(form):
            def clean(self):
                cleaned = super().clean()
                show_refusal(self, refusal)
                return cleaned

        return Refused


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


def _each(modeladmin, request, queryset, call, done: str):
    """Run ``call`` on each object; show refusals as errors and count the rest."""
    succeeded = 0
    for obj in queryset:
        try:
            call(obj)
        except REFUSALS as refusal:
            modeladmin.message_user(request, f"{obj}: {refusal}", level=messages.ERROR)
        else:
            succeeded += 1
    if succeeded:
        modeladmin.message_user(request, f"{done}: {succeeded}.", level=messages.SUCCESS)


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
    fieldsets = (
        (None, {"fields": ("name", "slug", "venue", "status")}),
        ("Dates", {"fields": ("starts_on", "ends_on", "timezone", "day_starts_at")}),
        ("Published results", {"fields": ("judge_names_public",)}),
        (
            "Registration",
            {"fields": ("registration_opens_at", "registration_closes_at", "capacity")},
        ),
        ("Record", {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )
    actions = [
        competition_action(CompetitionStatus.REGISTRATION_OPEN, "Open (or reopen) registration"),
        "close_registration",
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

    def has_add_permission(self, request):
        # A new competition belongs to no one yet: creating one is a site-wide role's.
        return request.user.has_perm(self._permission("add"))

    def has_transition_permission(self, request):
        return self._may(request, "transition")

    @admin.action(
        description="Close registration: bib numbers, round plans and draws",
        permissions=["transition"],
    )
    def close_registration(self, request, queryset):
        reports = []

        def close(competition):
            report = registration_close(competition=competition, actor=request.user)
            reports.append(report)

        _each(self, request, queryset, close, "Registration closed")
        for report in reports:
            self.message_user(
                request,
                f"{report.competition}: {report.bibs_assigned} bib numbers, draw seed "
                f"{report.seed}, heats drawn for {len(report.drawn)} event(s).",
            )


class DanceInline(CompetitionScopedInline, admin.TabularInline):
    model = Dance
    fields = ("position", "name", "short_name")
    extra = 0


class CriterionInline(CompetitionScopedInline, admin.TabularInline):
    model = Criterion
    fields = ("position", "name", "weight", "min_score", "max_score", "step")
    extra = 0


class PanelSeatInline(CompetitionScopedInline, admin.TabularInline):
    model = PanelSeat
    autocomplete_fields = ("judge",)
    extra = 0
    verbose_name_plural = "judging panel"


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
    inlines = [DanceInline, CriterionInline, PanelSeatInline, RoundInline]
    fixed_parent_fields = ("competition",)
    actions = ["replan_rounds", "redraw_first_round"]
    fieldsets = (
        (None, {"fields": ("competition", "name", "position", "style", "level", "age_group")}),
        (
            "Scoring",
            {"fields": ("scoring_method", "entry_kind", "results_reveal", "drop_extremes")},
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

    @admin.action(description="Re-plan rounds from the number of entries")
    def replan_rounds(self, request, queryset):
        def replan(event):
            event_plan_rounds(event=event)
            timetable_sync(competition=event.competition)

        _each(self, request, queryset, replan, "Re-planned")

    @admin.action(description="Redraw the first round's heats (new random seed)")
    def redraw_first_round(self, request, queryset):
        def redraw(event):
            first = event.rounds.order_by("position").first()
            if first is None:
                raise DrawRefused("The event has no rounds: plan them first.")
            entered = event.entries.filter(status="entered", withdrawn=False).count()
            heats = round_heat_count(event=event, kind=first.kind, entries=entered)
            round_draw_heats(round=first, heat_count=heats, seed=secrets.randbelow(2**31))

        _each(self, request, queryset, redraw, "Redrawn")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_entries=Count("entries"))

    @admin.display(description="entries", ordering="_entries")
    def entries(self, obj):
        return obj._entries


class EntryInline(CompetitionScopedInline, admin.TabularInline):
    model = Entry
    fields = ("event", "status", "withdrawn")
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


def delete_selected_all_or_nothing(refusals: type[Exception] | tuple[type[Exception], ...]):
    """Django's "Delete selected" action, all or nothing: when the service refuses one
    of the selected objects, nothing is deleted (nor logged as deleted) and the admin
    says why, instead of a server error after the first deletions."""

    @admin.action(permissions=["delete"], description=django_delete_selected.short_description)
    def delete_selected(modeladmin, request, queryset):
        try:
            with transaction.atomic():
                return django_delete_selected(modeladmin, request, queryset)
        except refusals as refusal:
            modeladmin.message_user(request, f"Nothing was deleted: {refusal}", messages.ERROR)
            return None

    return delete_selected


@admin.register(Entry)
class EntryAdmin(RefusalOnTheForm, CompetitionScopedAdmin, admin.ModelAdmin):
    competition_lookup = "event__competition"
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
    def withdraw(self, request, queryset):
        _each(
            self,
            request,
            queryset,
            lambda entry: entry_withdraw(entry=entry, actor=request.user),
            "Withdrawn",
        )


@admin.register(Judge)
class JudgeAdmin(CompetitionScopedAdmin, FixedParentMixin, admin.ModelAdmin):
    ordering = ("competition", "letter")
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
    actions = [round_action(RoundStatus.OPEN, "Open for scoring")]

    def has_transition_permission(self, request):
        return self._may(request, "transition")


class HeatEntryInline(CompetitionScopedInline, admin.TabularInline):
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

    def _url(self, obj) -> str:
        path = reverse("competitions:register", args=[obj.token])
        return settings.SITE_URL.rstrip("/") + path

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
        _each(
            self,
            request,
            queryset,
            lambda a: judge_application_accept(application=a),
            "Accepted: seat them on panels in each event",
        )

    @admin.action(description="Decline")
    def decline(self, request, queryset):
        _each(
            self, request, queryset, lambda a: judge_application_decline(application=a), "Declined"
        )


@admin.register(FailedJob)
class FailedJobAdmin(admin.ModelAdmin):
    list_display = ("task_name", "failed_at", "error", "retried_at")
    list_filter = ("task_name",)
    readonly_fields = (
        "task_name",
        "task_id",
        "args",
        "kwargs",
        "error",
        "traceback",
        "failed_at",
        "retried_at",
    )
    actions = ["retry"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Retry now")
    def retry(self, request, queryset):
        retried = sum(1 for job in queryset if failed_job_retry(job=job))
        self.message_user(request, f"Queued again: {retried}.", level=messages.SUCCESS)


# --- The timetable ----------------------------------------------------------------------------


class TimetableItemForm(forms.ModelForm):
    class Meta:
        model = TimetableItem
        fields = ("competition", "position", "title", "minutes", "heat_seconds", "not_before")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.fields["position"].help_text = "The break goes after this line (0: first)."
            self.fields["position"].min_value = 0
            self.fields["minutes"].required = True

    def _post_clean(self):
        # No model validation: competitions.timetable validates (it renumbers the lines
        # around the one that moves, and knows the past).
        pass


@admin.register(TimetableItem)
class TimetableItemAdmin(RefusalOnTheForm, CompetitionScopedAdmin, admin.ModelAdmin):
    """Every change goes through competitions.timetable, which refuses to touch what has
    started; its refusals show on the form and nothing is saved."""

    list_display = (
        "position",
        "what",
        "starts_not_before",
        "heat_seconds",
        "minutes",
        "started_at",
    )
    list_display_links = ("position", "what")
    list_filter = ("competition",)
    list_select_related = ("competition", "round__event")
    ordering = ("competition", "position")
    actions = ["delete_selected", "move_up", "move_down"]
    form = TimetableItemForm
    refusals = (TimetableRefused,)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("competition", "position", "title", "minutes")
        if obj.kind == TimetableItem.Kind.BREAK:
            return ("competition", "position", "title", "minutes", "not_before", "started_at")
        return ("competition", "round", "position", "heat_seconds", "not_before", "started_at")

    def get_readonly_fields(self, request, obj=None):
        return ("competition", "round", "started_at") if obj else ()

    @admin.display(description="what")
    def what(self, obj):
        return str(obj.round) if obj.round_id else f"{obj.title or 'Break'} (break)"

    @admin.display(description="not before")
    def starts_not_before(self, obj):
        return obj.not_before

    def save_model(self, request, obj, form, change):
        data, actor = form.cleaned_data, request.user
        if not change:
            obj.pk = timetable_insert_break(
                competition=data["competition"],
                after_position=data["position"],
                minutes=data["minutes"],
                title=data.get("title", ""),
                actor=actor,
            ).pk
            obj.refresh_from_db()
            return
        is_break = obj.kind == TimetableItem.Kind.BREAK
        changed = set(form.changed_data)
        if "position" in changed:
            timetable_move(item=obj, to_position=data["position"], actor=actor)
        kwargs = {}
        if "heat_seconds" in changed:
            # Cleared (None): back to the event's own heat length.
            kwargs["heat_seconds"] = data.get("heat_seconds")
        if is_break and "minutes" in changed:
            kwargs["minutes"] = data["minutes"]
        if is_break and "title" in changed:
            kwargs["title"] = data["title"]
        if "not_before" in changed:
            kwargs["not_before"] = data["not_before"]
        if kwargs:
            timetable_change(item=obj, actor=actor, **kwargs)
        obj.refresh_from_db()

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.kind != TimetableItem.Kind.BREAK:
            return False  # rounds follow their event's plan
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        timetable_remove_break(item=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        timetable_remove_breaks(items=list(queryset.order_by("position")), actor=request.user)

    # One break that has started refuses the whole selection.
    delete_selected = delete_selected_all_or_nothing(TimetableRefused)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except TimetableRefused as refusal:
            self.message_user(request, str(refusal), level=messages.ERROR)
            return self.response_post_save_change(request, None)

    def _shift(self, request, queryset, step: int):
        _each(
            self,
            request,
            queryset.order_by("position" if step < 0 else "-position"),
            lambda item: timetable_move(
                item=item, to_position=item.position + step, actor=request.user
            ),
            "Moved",
        )

    @admin.action(description="Move up one line")
    def move_up(self, request, queryset):
        self._shift(request, queryset, -1)

    @admin.action(description="Move down one line")
    def move_down(self, request, queryset):
        self._shift(request, queryset, +1)


@admin.register(FloorMove)
class FloorMoveAdmin(CompetitionScopedAdmin, admin.ModelAdmin):
    """The floor's trail: read only (the database refuses changes too)."""

    list_display = ("at", "competition", "action", "label", "actor")
    list_filter = ("competition", "action")
    list_select_related = ("competition", "actor")
    ordering = ("-at", "-id")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
