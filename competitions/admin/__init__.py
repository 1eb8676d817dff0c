"""The organizer's side: setting up competitions in the Django admin, one module a
concern; importing them registers the admins.

Statuses are read-only here; they move only through the admin actions, which call
the transition services and show the reason when a move is refused.
"""

from competitions.admin import day, incidents, people, plumbing, registration, structure

__all__ = ["day", "incidents", "people", "plumbing", "registration", "structure"]
