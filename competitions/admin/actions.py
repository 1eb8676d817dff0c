"""The admin actions' plumbing: lifecycle moves, a service called on each selected row,
and a delete that is all or nothing."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.db import transaction

from competitions.admin.confirm import confirm_first
from competitions.registration import RegistrationRefused
from competitions.services import (
    DrawRefused,
    TransitionRefused,
    competition_transition,
    round_transition,
)
from competitions.timetable import TimetableRefused

REFUSALS = (TransitionRefused, RegistrationRefused, DrawRefused, TimetableRefused)


def _run_transitions(modeladmin, request, queryset, *, to_status, service, kwarg, verb):
    moved = 0
    for obj in queryset:
        try:
            service(**{kwarg: obj, "to_status": to_status, "actor": request.user})
        except TransitionRefused as refusal:
            modeladmin.message_user(request, str(refusal), level=messages.ERROR)
        else:
            moved += 1
    if moved:
        modeladmin.message_user(request, f"{verb}: {moved}.", level=messages.SUCCESS)


def act_on_each(modeladmin, request, queryset, call, done: str):
    """Run ``call`` on each object; show refusals as errors and count the rest."""
    succeeded = 0
    for obj in queryset:
        try:
            call(obj)
        except REFUSALS as refusal:
            modeladmin.message_user(request, f"{obj}: {refusal}", level=messages.ERROR)
        else:
            succeeded += 1
    if succeeded:
        modeladmin.message_user(request, f"{done}: {succeeded}.", level=messages.SUCCESS)


def _confirmed(description: str, consequence: str | None, action):
    """``action`` behind a confirmation page when it cannot be undone (``consequence``)."""
    if consequence is None:
        return action
    return confirm_first(title=description, consequence=consequence)(action)


def _transition_action(service, kwarg: str, to_status: str, description: str, consequence):
    def action(modeladmin, request, queryset):
        _run_transitions(
            modeladmin,
            request,
            queryset,
            to_status=to_status,
            service=service,
            kwarg=kwarg,
            verb=description,
        )

    action.__name__ = f"move_to_{to_status}"
    action = _confirmed(description, consequence, action)
    return admin.action(description=description, permissions=["transition"])(action)


def competition_action(to_status: str, description: str, consequence: str | None = None):
    """A lifecycle move; ``consequence`` (what cannot be undone) asks to confirm first."""
    return _transition_action(
        competition_transition, "competition", to_status, description, consequence
    )


def round_action(to_status: str, description: str, consequence: str | None = None):
    """A round's lifecycle move, confirmed first like a competition's."""
    return _transition_action(round_transition, "round", to_status, description, consequence)


def delete_selected_all_or_nothing(refusals: type[Exception] | tuple[type[Exception], ...]):
    """Django's "Delete selected" action, all or nothing: when the service refuses one
    of the selected objects, nothing is deleted (nor logged as deleted) and the admin
    says why, instead of a server error after the first deletions."""

    @admin.action(permissions=["delete"], description=django_delete_selected.short_description)
    def delete_selected(modeladmin, request, queryset):
        try:
            with transaction.atomic():
                return django_delete_selected(modeladmin, request, queryset)
        except refusals as refusal:
            modeladmin.message_user(request, f"Nothing was deleted: {refusal}", messages.ERROR)
            return None

    return delete_selected
