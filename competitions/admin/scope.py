"""The admin, one competition at a time.

Staff assigned to a competition (``CompetitionStaff``) see and change in the admin only
what belongs to the competitions where their role holds the model's permission; a role
group held site-wide, or a superuser, sees everything as before (``competitions.access``).
A scoped ``ModelAdmin`` names the path from its model to the competition in
``competition_lookup``; an inline follows its parent, whose permission check already ran.
"""

from __future__ import annotations

import functools
from functools import partial

from django.contrib.admin import RelatedOnlyFieldListFilter
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth import get_permission_codename
from django.db import models
from django.db.models import Q, QuerySet

from competitions.access import competitions_where, staff_can, staff_can_somewhere
from competitions.models import Competition

# formfield_for_dbfield's keyword for the competitions a form's choices come from.
_SCOPE = "competition_scope"


def permission_name(model, action: str) -> str:
    opts = model._meta
    return f"{opts.app_label}.{get_permission_codename(action, opts)}"


def competition_lookup_of(admin_site, model) -> str | None:
    """The path from ``model`` to its competition, as its admin names it (None: not a
    competition's own model, e.g. a user)."""
    if model is Competition:
        return "pk"
    model_admin = admin_site._registry.get(model)
    return getattr(model_admin, "competition_lookup", None)


def competition_id_of(obj, lookup: str) -> int:
    if lookup == "pk":
        return obj.pk
    *hops, last = lookup.split("__")
    for hop in hops:
        obj = getattr(obj, hop)
    return getattr(obj, f"{last}_id")


def scope_queryset(queryset: QuerySet, lookup: str, user, *permissions: str) -> QuerySet:
    """The rows of ``queryset`` in competitions where ``user`` holds any of
    ``permissions`` (unfiltered for a site-wide holder)."""
    if any(user.has_perm(p) for p in permissions):
        return queryset
    where = Q(pk__in=[])
    for permission in permissions:
        where |= Q(**{f"{lookup}__in": competitions_where(user, permission)})
    return queryset.filter(where)


class _ScopedChoices:
    """Foreign-key choices limited to the competitions a form may touch."""

    def _scoped_callback(self, request, scope: QuerySet | None, kwargs: dict) -> dict:
        if scope is not None:
            kwargs.setdefault(
                "formfield_callback",
                partial(self.formfield_for_dbfield, request=request, **{_SCOPE: scope}),
            )
        return kwargs

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        scope = kwargs.pop(_SCOPE, None)
        if scope is not None and isinstance(db_field, models.ForeignKey):
            related = db_field.remote_field.model
            lookup = competition_lookup_of(self.admin_site, related)
            if lookup is not None and "queryset" not in kwargs:
                db = kwargs.get("using")
                queryset = self.get_field_queryset(db, db_field, request)
                if queryset is None:
                    queryset = related._default_manager.using(db)
                kwargs["queryset"] = queryset.filter(**{f"{lookup}__in": scope})
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class _ScopedPermissions:
    """Django's permission hooks asked of ``_may`` (the competition's staff roles)."""

    def has_view_permission(self, request, obj=None):
        return self._may(request, "view", obj) or self._may(request, "change", obj)

    def has_change_permission(self, request, obj=None):
        return self._may(request, "change", obj)

    def has_delete_permission(self, request, obj=None):
        return self._may(request, "delete", obj)


class CompetitionScopedAdmin(_ScopedPermissions, _ScopedChoices):
    """A ``ModelAdmin`` of a competition's own rows: the list, the pages, the actions,
    the filters and the autocomplete stop at the competitions the user may act on."""

    competition_lookup = "competition"
    # An action's permission name that is not "<name>_<model>" (e.g. "manage").
    action_permissions: dict[str, str] = {}

    def _permission(self, action: str) -> str:
        return self.action_permissions.get(action) or permission_name(self.model, action)

    def _may(self, request, action: str, obj=None) -> bool:
        permission = self._permission(action)
        if obj is None:
            return staff_can_somewhere(request.user, permission)
        competition = competition_id_of(obj, self.competition_lookup)
        return staff_can(request.user, permission, competition)

    def get_queryset(self, request):
        return scope_queryset(
            super().get_queryset(request),
            self.competition_lookup,
            request.user,
            self._permission("view"),
            self._permission("change"),
        )

    def has_module_permission(self, request):
        return any(self._may(request, a) for a in ("view", "change", "add", "delete"))

    def has_add_permission(self, request):
        return self._may(request, "add")

    def get_form(self, request, obj=None, change=False, **kwargs):
        scope = None
        permission = self._permission("add" if obj is None else "change")
        if not request.user.has_perm(permission):
            scope = (
                competitions_where(request.user, permission)
                if obj is None
                else Competition.objects.filter(pk=competition_id_of(obj, self.competition_lookup))
            )
        return super().get_form(
            request, obj, change=change, **self._scoped_callback(request, scope, kwargs)
        )

    def get_list_filter(self, request):
        filters = super().get_list_filter(request)
        user = request.user
        if user.has_perm(self._permission("view")) or user.has_perm(self._permission("change")):
            return filters
        # Django's related filter lists every row of the model; offer only those in view.
        return [
            (f, RelatedOnlyFieldListFilter)
            if isinstance(f, str) and get_fields_from_path(self.model, f)[-1].is_relation
            else f
            for f in filters
        ]

    def get_actions(self, request):
        return {
            name: (self._scoped_action(func), name, description)
            for name, (func, name, description) in super().get_actions(request).items()
        }

    def _scoped_action(self, func):
        # An action acts only on the selected rows of competitions where the user holds
        # its permissions (none declared: seeing the list is enough, as in Django).
        permissions = [self._permission(p) for p in getattr(func, "allowed_permissions", ())]

        @functools.wraps(func)
        def action(modeladmin, request, queryset):
            for permission in permissions:
                queryset = scope_queryset(
                    queryset, self.competition_lookup, request.user, permission
                )
            return func(modeladmin, request, queryset)

        return action


class CompetitionScopedInline(_ScopedPermissions, _ScopedChoices):
    """An inline of a scoped admin: its permissions are held on the parent's competition."""

    def _may(self, request, action: str, parent=None) -> bool:
        permission = permission_name(self.model, action)
        if parent is None:
            return staff_can_somewhere(request.user, permission)
        lookup = competition_lookup_of(self.admin_site, self.parent_model)
        return staff_can(request.user, permission, competition_id_of(parent, lookup))

    def has_add_permission(self, request, obj=None):
        return self._may(request, "add", obj)

    def get_formset(self, request, obj=None, **kwargs):
        scope = None
        user = request.user
        add, change = permission_name(self.model, "add"), permission_name(self.model, "change")
        if not (user.has_perm(add) and user.has_perm(change)):
            if obj is None:
                scope = competitions_where(user, add)
            else:
                lookup = competition_lookup_of(self.admin_site, self.parent_model)
                scope = Competition.objects.filter(pk=competition_id_of(obj, lookup))
        return super().get_formset(request, obj, **self._scoped_callback(request, scope, kwargs))


# The autocomplete's parameter naming the competition whose form asks.
COMPETITION_PARAM = "competition"


class CompetitionAutocompleteSelect(AutocompleteSelect):
    """An autocomplete that tells the server which competition's form it is on."""

    def __init__(self, field, admin_site, *, competition_id: int, **kwargs):
        super().__init__(field, admin_site, **kwargs)
        self.competition_id = competition_id

    def get_url(self):
        return f"{super().get_url()}?{COMPETITION_PARAM}={self.competition_id}"


class AutocompleteForOneCompetition:
    """For a scoped ``ModelAdmin`` whose rows an inline picks by autocomplete: asked by
    one of ``autocomplete_one_competition`` ((model_name, field_name) pairs), the
    autocomplete lists only the rows of the competition the request names, and none
    without one. The user's own scope (``get_queryset``) still applies first."""

    autocomplete_one_competition: frozenset[tuple[str, str]] = frozenset()

    def get_search_results(self, request, queryset, search_term):
        queryset, duplicates = super().get_search_results(request, queryset, search_term)
        match = getattr(request, "resolver_match", None)
        asked_by = (request.GET.get("model_name"), request.GET.get("field_name"))
        if (
            match
            and match.url_name == "autocomplete"
            and (asked_by in self.autocomplete_one_competition)
        ):
            competition = request.GET.get(COMPETITION_PARAM, "")
            queryset = (
                queryset.filter(**{self.competition_lookup: int(competition)})
                if competition.isdecimal() and len(competition) <= 18  # fits a bigint
                else queryset.none()
            )
        return queryset, duplicates


class AutocompleteInlineOfOneCompetition:
    """An inline whose ``autocomplete_fields`` ask for the parent's competition only (its
    target admin is an ``AutocompleteForOneCompetition``); on an add page, where there is
    no competition yet, the inline is not shown (``one_competition_inlines``)."""

    def get_formset(self, request, obj=None, **kwargs):
        if obj is not None:
            lookup = competition_lookup_of(self.admin_site, self.parent_model)
            competition_id = competition_id_of(obj, lookup)
            widgets = kwargs.setdefault("widgets", {})
            for name in self.autocomplete_fields:
                widgets[name] = CompetitionAutocompleteSelect(
                    self.model._meta.get_field(name),
                    self.admin_site,
                    competition_id=competition_id,
                )
        return super().get_formset(request, obj, **kwargs)


def one_competition_inlines(inlines, obj):
    """The inlines of a change page; an add page leaves out those that need the
    competition (``AutocompleteInlineOfOneCompetition``)."""
    if obj is not None:
        return inlines
    return [i for i in inlines if not issubclass(i, AutocompleteInlineOfOneCompetition)]


class TrailAdmin(CompetitionScopedAdmin):
    """A competition's trail (the floor's moves, the day's incidents): read only here,
    as the database refuses changes too."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
