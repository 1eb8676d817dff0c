"""The day's trail of incidents, read only: absences, retirements, disqualifications,
redances, seedings, replacement judges and accepted sheets are decided at the desk
(``adjudication.incidents``), and the database refuses changes to the trail."""

from django.contrib import admin

from competitions.admin.scope import TrailAdmin
from competitions.models import Incident


@admin.register(Incident)
class IncidentAdmin(TrailAdmin, admin.ModelAdmin):
    list_display = ("at", "competition", "kind", "summary", "reason", "actor")
    list_filter = ("competition", "kind")
    list_select_related = ("competition", "actor")
    search_fields = ("summary", "reason")
    ordering = ("-at", "-id")
