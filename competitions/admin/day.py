"""The admin of the day: the floors, the timetable, and the trail of floor moves."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages

from competitions.admin.actions import act_on_each, delete_selected_all_or_nothing
from competitions.admin.mixins import RefusalOnTheForm
from competitions.admin.scope import CompetitionScopedAdmin, TrailAdmin
from competitions.floors import floor_list
from competitions.models import Floor, FloorMove, TimetableItem
from competitions.timetable import (
    TimetableRefused,
    floor_add,
    floor_rename,
    timetable_change,
    timetable_floor,
    timetable_insert_break,
    timetable_move,
    timetable_remove_break,
    timetable_remove_breaks,
)


class TimetableItemForm(forms.ModelForm):
    class Meta:
        model = TimetableItem
        fields = (
            "competition",
            "position",
            "floor",
            "title",
            "minutes",
            "heat_seconds",
            "not_before",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.fields["position"].help_text = "The break goes after this line (0: first)."
            self.fields["position"].min_value = 0
            self.fields["minutes"].required = True
        if "floor" in self.fields and self.instance.pk is not None:
            floors = Floor.objects.filter(competition_id=self.instance.competition_id)
            self.fields["floor"].queryset = floors
            self.fields["floor"].empty_label = "The default floor"

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
        "floor",
        "starts_not_before",
        "heat_seconds",
        "minutes",
        "started_at",
    )
    list_display_links = ("position", "what")
    list_filter = ("competition", "floor")
    list_select_related = ("competition", "round__event", "floor")
    ordering = ("competition", "position")
    actions = ["delete_selected", "move_up", "move_down"]
    form = TimetableItemForm
    refusals = (TimetableRefused,)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("competition", "position", "title", "minutes")
        # The floor only once the organizer has added a second one: one floor looks as before.
        floor = ("floor",) if len(floor_list(obj.competition_id)) > 1 else ()
        if obj.kind == TimetableItem.Kind.BREAK:
            return (
                "competition",
                "position",
                *floor,
                "title",
                "minutes",
                "not_before",
                "started_at",
            )
        return (
            "competition",
            "round",
            "position",
            *floor,
            "heat_seconds",
            "not_before",
            "started_at",
        )

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
        if "floor" in changed:
            timetable_floor(item=obj, floor=data.get("floor"), actor=actor)
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


@admin.register(Floor)
class FloorAdmin(RefusalOnTheForm, CompetitionScopedAdmin, admin.ModelAdmin):
    """The competition's floors: the first added is the default (every timetable line
    that names no floor is on it); a second one gives the day a floor switcher. What is
    on a floor is the desk's (``adjudication.day.floor``), never edited here."""

    list_display = ("competition", "position", "name", "phase", "lines")
    list_display_links = ("name",)
    list_filter = ("competition",)
    list_select_related = ("competition",)
    ordering = ("competition", "position")
    fields = ("competition", "name")
    refusals = (TimetableRefused,)
    # Whoever runs the floor and edits the timetable sets up the floors.
    action_permissions = dict.fromkeys(
        ("view", "add", "change", "delete"), "competitions.run_floor"
    )

    def get_readonly_fields(self, request, obj=None):
        return ("competition",) if obj else ()

    @admin.display(description="timetable lines")
    def lines(self, obj):
        floors = floor_list(obj.competition_id)
        named = obj.lines.count()
        return f"{named} + every line naming no floor" if obj.pk == floors[0].pk else named

    def save_model(self, request, obj, form, change):
        name = form.cleaned_data["name"]
        if change:
            floor_rename(floor=obj, name=name, actor=request.user)
        else:
            obj.pk = floor_add(competition=obj.competition, name=name, actor=request.user).pk
        obj.refresh_from_db()

    def has_delete_permission(self, request, obj=None):
        # A floor with lines, moves or something on it stays; so does the default of several.
        if obj is not None:
            floors = floor_list(obj.competition_id)
            used = obj.lines.exists() or obj.moves.exists() or obj.phase != Floor.Phase.IDLE
            if used or (obj.pk == floors[0].pk and len(floors) > 1):
                return False
        return super().has_delete_permission(request, obj)


@admin.register(FloorMove)
class FloorMoveAdmin(TrailAdmin, admin.ModelAdmin):
    """The floor's trail: read only (the database refuses changes too)."""

    list_display = ("at", "competition", "floor", "action", "label", "actor")
    list_filter = ("competition", "floor", "action")
    list_select_related = ("competition", "actor", "floor")
    ordering = ("-at", "-id")
