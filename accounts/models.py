from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

from accounts.roles import Role


class User(AbstractUser):
    """A person who signs in: organizer, scrutineer, chairman, judge or competitor.

    Roles are groups (see ``accounts.roles.Role``), so a person may hold several.
    """

    # Part of every API token's credential stamp (accounts.tokens), with the password
    # hash: bumped when the second factor is reset or the account deactivated.
    token_generation = models.PositiveIntegerField(default=0, editable=False)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def has_role(self, role: Role) -> bool:
        return self.groups.filter(name=role.value).exists()


class AuditAction(models.TextChoices):
    """What an audit entry records."""

    SIGNED_IN = "signin.succeeded", "Signed in (password)"
    SIGN_IN_FAILED = "signin.failed", "Sign-in failed"
    LOCKED_OUT = "signin.locked", "Locked out after failed sign-ins"
    RATE_LIMITED = "signin.rate_limited", "Sign-in rate limited"
    SIGNED_OUT = "signout", "Signed out"
    VERIFIED = "2fa.verified", "Second factor verified"
    VERIFY_FAILED = "2fa.failed", "Second factor refused"
    ENROLLED = "2fa.enrolled", "Authenticator enrolled"
    CODES_ISSUED = "2fa.codes_issued", "Backup codes issued"
    RESET = "2fa.reset", "Second factor reset"
    ADMIN_ADD = "admin.add", "Admin: added"
    ADMIN_CHANGE = "admin.change", "Admin: changed"
    ADMIN_DELETE = "admin.delete", "Admin: deleted"
    ADMIN_POST = "admin.post", "Admin: other action"
    DESK = "desk", "Results desk action"


class AuditEntry(models.Model):
    """One thing done in the admin or at the desk, or one sign-in event: who, what,
    when, on which object and from where.

    Append-only: the database refuses to update a row, and on PostgreSQL to delete one (triggers in
    ``accounts.db_rules``), and the admin only shows them. Admin changes are mirrored
    from Django's own ``LogEntry`` (with the address it lacks); everything else is
    written by ``accounts.audit``.
    """

    Action = AuditAction

    at = models.DateTimeField(default=timezone.now, db_index=True)
    # RESTRICT, like the marks' trail: an author cannot be erased from the record
    # (deactivate the account instead).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.RESTRICT, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=24, choices=Action.choices, db_index=True)
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=200, blank=True)
    message = models.CharField(max_length=500, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    path = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "audit entry"
        verbose_name_plural = "audit log"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action__in=AuditAction.values),
                name="accounts_auditentry_action_valid",
            )
        ]

    def __str__(self) -> str:
        who = self.username or "someone"
        return f"{self.get_action_display()}: {who} at {self.at:%Y-%m-%d %H:%M:%S}"
