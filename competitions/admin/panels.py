"""The judging panel in the event's admin page: each seat with the rounds it sits
(from, until) and the seat a replacement judge took over. Replacements are made by the
chairman at the desk (``adjudication.incidents.judges.judge_replace``, with a reason in
the day's trail); here a seat that is part of one keeps its judge and cannot be removed,
so no seat is ever edited into two judges judging the same rounds."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from competitions.models import PanelSeat

REPLACEMENT_FIXED = (
    "A replacement judge's seat, or the seat they took over: it says who judged which "
    "round, so it is kept as the chairman decided it at the desk. A replacement who has "
    "not judged yet is taken back there (the desk's panels page, Take back)."
)


def seat_in_replacement(seat: PanelSeat) -> bool:
    """Whether the seat replaces another, or was replaced."""
    if seat.pk is None:
        return False
    return seat.replaces_id is not None or PanelSeat.objects.filter(replaces=seat).exists()


class PanelSeatForm(forms.ModelForm):
    class Meta:
        model = PanelSeat
        fields = ("judge", "shadow")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "judge" in self.fields and seat_in_replacement(self.instance):
            self.fields["judge"].disabled = True
            self.fields["judge"].help_text = REPLACEMENT_FIXED


class PanelSeatFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        for form in self.forms:
            deleted = self.can_delete and self._should_delete_form(form)
            if deleted and seat_in_replacement(form.instance):
                judge = form.instance.judge
                raise ValidationError(
                    f"The seat of judge {judge.letter} cannot be removed: {REPLACEMENT_FIXED}"
                )


class AllocationFormSet(forms.BaseInlineFormSet):
    """The fixed allocations of a component event: a component of this event only, and
    refused (with the reason) on an event not scored by components."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        event = self.instance
        for form in self.forms + [self.empty_form]:
            if "criterion" in form.fields and event.pk is not None:
                form.fields["criterion"].queryset = event.criteria.all()

    def clean(self) -> None:
        super().clean()
        event = self.instance
        kept = [
            f
            for f in self.forms
            if f.cleaned_data and not (self.can_delete and self._should_delete_form(f))
        ]
        if kept and not (event.is_components and event.component_allocation == "fixed"):
            raise ValidationError(
                "Judges are allocated components here only in an event scored by components "
                "whose allocation is “fixed per judge”."
            )
