"""Behaviour the competitions' admins share: parents fixed once a row exists, and a
service's refusal shown on the form."""

from __future__ import annotations


class FixedParentMixin:
    """The parent of a row cannot change once it exists (the database refuses it too)."""

    fixed_parent_fields: tuple[str, ...] = ()

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        return readonly + self.fixed_parent_fields if obj is not None else readonly


class RefusalOnTheForm:
    """For an admin whose ``save_model`` writes through a service: when the service
    refuses (one of ``refusals``), everything the view did is rolled back and the form is
    shown again with the refusal, as Django shows any invalid form."""

    refusals: tuple[type[Exception], ...] = ()

    def show_refusal(self, form, refusal: Exception) -> None:
        form.add_error(None, str(refusal))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except self.refusals as refusal:
            # Django's view ran in a transaction, rolled back now; the same post is
            # validated again with the refusal as an error, so nothing is saved.
            request.admin_refusal = refusal
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        refusal = getattr(request, "admin_refusal", None)
        if refusal is None:
            return form
        show_refusal = self.show_refusal

        class Refused(form):
            def clean(self):
                cleaned = super().clean()
                show_refusal(self, refusal)
                return cleaned

        return Refused
