"""The admin of the day: the timetable, and the trail of floor moves."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages

from competitions.admin.actions import act_on_each, delete_selected_all_or_nothing
from competitions.admin.mixins import RefusalOnTheForm
from competitions.admin.scope import CompetitionScopedAdmin
from competitions.models import FloorMove, TimetableItem
from competitions.timetable import (
    TimetableRefused,
    timetable_change,
    timetable_insert_break,
    timetable_move,
    timetable_remove_break,
    timetable_remove_breaks,
)


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
        act_on_each(
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
