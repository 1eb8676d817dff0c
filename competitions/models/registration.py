"""Sign-ups: the registration links and the judges' applications."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from competitions.models.people import Judge
from competitions.models.structure import Competition


class RegistrationLink(models.Model):
    """An unguessable link through which competitors or judges sign up."""

    class Kind(models.TextChoices):
        COMPETITOR = "competitor", "Competitors"
        JUDGE = "judge", "Judges"

    competition = models.ForeignKey(
        Competition, on_delete=models.CASCADE, related_name="registration_links"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    token = models.CharField(max_length=64, unique=True, editable=False)
    label = models.CharField(max_length=100, blank=True, help_text="A note for the organizer.")
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["competition_id", "kind", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["competitor", "judge"]),
                name="competitions_registrationlink_kind_valid",
            ),
            models.CheckConstraint(
                # bandit: a constraint on a token column, not a password
                condition=~Q(token=""),  # nosec B106
                name="competitions_registrationlink_token_not_empty",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} link for {self.competition}"


class JudgeApplication(models.Model):
    """A judge who signed up through a judge link, waiting for the organizer."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the organizer"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"

    competition = models.ForeignKey(
        Competition, on_delete=models.CASCADE, related_name="judge_applications"
    )
    link = models.ForeignKey(RegistrationLink, null=True, on_delete=models.SET_NULL)
    name = models.CharField(max_length=200)
    letter_preference = models.CharField(
        max_length=3,
        blank=True,
        validators=[RegexValidator(r"^[A-Z]{1,3}$", "Use capital letters only: A, B, … AA.")],
    )
    email = models.EmailField()
    phone = models.CharField(max_length=32, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    judge = models.OneToOneField(
        Judge, null=True, blank=True, on_delete=models.SET_NULL, related_name="application"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["competition_id", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "accepted", "declined"]),
                name="competitions_judgeapplication_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_status_display().lower()})"
