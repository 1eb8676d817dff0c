"""Marks in the admin are for reading: every write goes through the desk and the
services, and the audit trail cannot be edited at all (the database refuses it too)."""

from django.contrib import admin

from adjudication.models import Mark, MarkChange, Placing, RoundResult, Sheet, TabletSession
from adjudication.tablet.sessions import tablet_revoke
from competitions.admin.scope import CompetitionScopedAdmin, CompetitionScopedInline


class ReadOnlyAdmin(CompetitionScopedAdmin, admin.ModelAdmin):
    """Read only, and only the competitions the user may see (``competitions.access``)."""

    competition_lookup = "round__event__competition"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MarkInline(CompetitionScopedInline, admin.TabularInline):
    model = Mark
    fields = ("entry", "criterion", "value")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Sheet)
class SheetAdmin(ReadOnlyAdmin):
    list_display = ("round", "judge", "dance", "entry", "version", "source", "submitted_at")
    list_filter = ("round__event__competition", "round__event", "source")
    list_select_related = ("round__event", "judge", "dance", "entry__competitor")
    inlines = [MarkInline]


@admin.register(MarkChange)
class MarkChangeAdmin(ReadOnlyAdmin):
    list_display = (
        "at",
        "round",
        "judge",
        "kind",
        "entry",
        "criterion",
        "old_value",
        "new_value",
        "actor",
        "reason",
    )
    list_filter = ("round__event__competition", "kind", "source")
    list_select_related = ("round__event", "judge", "entry__competitor", "criterion", "actor")


@admin.register(RoundResult)
class RoundResultAdmin(ReadOnlyAdmin):
    list_display = ("round", "computed_at")


@admin.register(Placing)
class PlacingAdmin(ReadOnlyAdmin):
    list_display = ("round", "entry", "place", "total", "recalled")
    list_filter = ("round__event__competition", "round__event")


@admin.register(TabletSession)
class TabletSessionAdmin(ReadOnlyAdmin):
    competition_lookup = "judge__competition"
    action_permissions = {"manage": "adjudication.manage_tablets"}
    list_display = ("judge", "created_at", "expires_at", "revoked_at", "user_agent")
    list_filter = ("judge__competition",)
    actions = ["revoke"]

    @admin.action(description="Sign these tablets out", permissions=["manage"])
    def revoke(self, request, queryset):
        for tablet in queryset:
            tablet_revoke(tablet=tablet, actor=request.user)
        self.message_user(request, f"Signed out: {queryset.count()}.")

    def has_manage_permission(self, request):
        return self._may(request, "manage")


# The entries' admin again, its seeding through the service (registers on import).
from adjudication.incidents import admin as incidents_admin  # noqa: E402, F401
