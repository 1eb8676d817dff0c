from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import ValidationError

from accounts.models import AuditEntry, User
from accounts.roles import JUDGE_ACCOUNT_REFUSAL, JUDGE_ACCOUNT_ROLES


class PodiumUserChangeForm(UserChangeForm):
    def clean(self):
        cleaned = super().clean()
        # The database refuses it too (competitions.db_rules); this says why.
        if self.instance.pk and self.instance.judge_seats.exists():
            allowed = {role.value for role in JUDGE_ACCOUNT_ROLES}
            groups = cleaned.get("groups") or []
            if (
                cleaned.get("is_staff")
                or cleaned.get("is_superuser")
                or any(group.name not in allowed for group in groups)
                or cleaned.get("user_permissions")
            ):
                raise ValidationError(f"This account judges. {JUDGE_ACCOUNT_REFUSAL}")
        return cleaned


@admin.register(User)
class PodiumUserAdmin(UserAdmin):
    form = PodiumUserChangeForm


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit log, read-only: the database refuses changes to it anyway."""

    list_display = ("at", "username", "action", "target_repr", "message", "ip_address")
    list_filter = ("action",)
    search_fields = ("username", "target_repr", "message", "ip_address", "path")
    date_hierarchy = "at"
    list_select_related = ("actor",)
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
