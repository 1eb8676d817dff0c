"""Seeding in the admin: the entry's "seeded into round" is edited through
``entry_seed`` / ``entry_unseed`` (the trail, the recall of the round before, the
refusals), so the entries' admin is registered again here, in the app that holds the
service (``competitions`` may not import ``adjudication``)."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from adjudication.incidents.seeding import entry_seed, entry_unseed
from adjudication.services import ScoringError
from competitions.admin.people import EntryAdmin
from competitions.models import Entry


class EntrySeedingForm(forms.ModelForm):
    seeding_reason = forms.CharField(
        required=False,
        max_length=300,
        label="why (seeding)",
        help_text="Needed when you seed or unseed the couple: kept in the day's trail.",
    )

    class Meta:
        model = Entry
        fields = ("seeded_round",)


class SeedingEntryAdmin(EntryAdmin):
    list_display = (*EntryAdmin.list_display[:-1], "seeded_round", EntryAdmin.list_display[-1])
    list_filter = (*EntryAdmin.list_filter, "seeded_round")
    refusals = (*EntryAdmin.refusals, ScoringError)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            kwargs["form"] = EntrySeedingForm
        return super().get_form(request, obj, change=change, **kwargs)

    def show_refusal(self, form, refusal: Exception) -> None:
        if isinstance(refusal, ScoringError):
            form.add_error(None, str(refusal))
        else:
            super().show_refusal(form, refusal)

    def save_model(self, request, obj, form, change):
        if not (change and "seeded_round" in form.changed_data):
            super().save_model(request, obj, form, change)
            return
        reason = form.cleaned_data.get("seeding_reason", "")
        if obj.seeded_round is None:
            entry_unseed(entry=obj, actor=request.user, reason=reason)
        else:
            entry_seed(
                entry=obj, round_position=obj.seeded_round, actor=request.user, reason=reason
            )
        obj.refresh_from_db()


admin.site.unregister(Entry)
admin.site.register(Entry, SeedingEntryAdmin)
