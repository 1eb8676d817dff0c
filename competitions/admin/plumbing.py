"""The admin of background jobs that failed all their tries, and their retry."""

from __future__ import annotations

from django.contrib import admin, messages

from competitions.models import FailedJob
from competitions.tasks import failed_job_retry


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
