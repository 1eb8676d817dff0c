"""The desk's what-if over the API: ``POST /api/v1/desk/rounds/<id>/what-if/`` with the
changes and the judges left out answers the round's stored result beside the what-if.
The same permission as the desk (``CanRunDesk``), the same computation as the page
(``adjudication.desk.what_if``); nothing of the competition is written (the call is
in the audit log, as every desk POST is)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from adjudication.desk.api import ROUND_ID, DeskApi
from adjudication.desk.what_if import make_it_so
from adjudication.results.what_if import MAX_CHANGES, ChangeIn, what_if_run
from adjudication.results.what_if_compare import what_if_compare
from adjudication.services import ScoringError
from competitions.models import Round
from scoring_site.api import error_response, errors


class WhatIfChangeIn(serializers.Serializer):
    judge = serializers.CharField(max_length=3, help_text="The judge's letter.")
    couple = serializers.CharField(max_length=20, help_text="The couple's (entry's) number.")
    dance = serializers.CharField(
        required=False,
        default="",
        max_length=100,
        help_text="Skating and components: the dance, by name or id.",
    )
    criterion = serializers.CharField(
        required=False,
        default="",
        max_length=100,
        help_text="Criteria: the criterion; components: the component (name, short name or id).",
    )
    value = serializers.CharField(
        max_length=20,
        help_text="A recall: 1 crossed, 0 not; a final: the place; criteria and components: "
        "the score.",
    )


class WhatIfIn(serializers.Serializer):
    changes = WhatIfChangeIn(many=True, required=False, default=list, max_length=MAX_CHANGES)
    leave_out = serializers.ListField(
        child=serializers.CharField(max_length=3),
        required=False,
        default=list,
        max_length=26,
        help_text="Letters of judges whose sheets are left out.",
    )


class WhatIfChangeOut(serializers.Serializer):
    judge = serializers.CharField()
    part = serializers.CharField(help_text="The dance, or the entry of a criteria sheet.")
    couple = serializers.CharField()
    criterion = serializers.CharField(allow_null=True)
    old = serializers.CharField(allow_null=True, help_text="Null: no mark (not crossed).")
    new = serializers.CharField()
    text = serializers.CharField()


class WhatIfLineOut(serializers.Serializer):
    couple = serializers.CharField()
    name = serializers.CharField()
    stored = serializers.CharField(help_text='A place, "recalled" or "not recalled".')
    what_if = serializers.CharField(help_text='The same, or "tie at the cut-off".')
    stored_total = serializers.CharField()
    what_if_total = serializers.CharField()
    moved = serializers.BooleanField(help_text="The place (or the recall) would change.")
    direction = serializers.CharField(help_text='"up", "down", "in", "out", "tie" or "".')
    rule = serializers.CharField(help_text="The rule that decided the what-if place.")
    stored_rule = serializers.CharField()
    why = serializers.CharField(help_text="The rule in words.")


class WhatIfDanceOut(serializers.Serializer):
    dance = serializers.CharField()
    majority = serializers.IntegerField()
    stored_majority = serializers.IntegerField(allow_null=True)
    lines = WhatIfLineOut(many=True)


class WhatIfStepOut(serializers.Serializer):
    text = serializers.CharField()
    url = serializers.CharField(help_text="A desk page (get) or a desk form (post).")
    method = serializers.CharField()
    fields = serializers.DictField(child=serializers.CharField())
    allowed = serializers.BooleanField(help_text="Whether you may take this step.")
    who = serializers.CharField(help_text="Who may, when you may not.")


class WhatIfOut(serializers.Serializer):
    round = serializers.IntegerField()
    status = serializers.CharField()
    kind = serializers.CharField(help_text='"final", "recalls", "criteria" or "components".')
    judges = serializers.ListField(child=serializers.CharField(), help_text="Counted.")
    left_out = serializers.ListField(child=serializers.CharField())
    changes = WhatIfChangeOut(many=True)
    lines = WhatIfLineOut(many=True, help_text="Each couple, stored and what if.")
    dances = WhatIfDanceOut(many=True, help_text="A final's dances one by one.")
    steps = serializers.ListField(
        child=serializers.CharField(),
        help_text="Skating: rules 10 and 11; components: each changed score's marks, median, "
        "tolerance band and weight.",
    )
    tied = serializers.ListField(
        child=serializers.CharField(), help_text="Couples across the recall cut-off."
    )
    entering = serializers.ListField(child=serializers.CharField())
    leaving = serializers.ListField(child=serializers.CharField())
    cascade = serializers.ListField(
        child=serializers.CharField(), help_text="What would follow in later rounds."
    )
    notes = serializers.ListField(child=serializers.CharField())
    make_it_so = WhatIfStepOut(many=True, help_text="The audited path; never taken here.")


def _changes_out(what_if) -> list[dict]:
    return [
        {
            "judge": c.judge.letter,
            "part": c.part,
            "couple": c.entry.bib_label,
            "criterion": c.criterion.name if c.criterion else None,
            "old": None if c.old is None else f"{c.old.normalize():f}",
            "new": f"{c.new.normalize():f}",
            "text": c.text(),
        }
        for c in what_if.changes
    ]


def _line_out(line) -> dict:
    return {**line.__dict__, "why": line.why}


class DeskWhatIfApi(DeskApi):
    @extend_schema(
        operation_id="desk_round_what_if",
        summary="What if: a closed round recomputed with marks changed or judges left out",
        description=(
            "Nothing is written: the stored result beside the what-if, the rule that decided "
            "each place, what would follow in later rounds, and the desk's audited path that "
            "would make it so. 409 open: the round is not closed yet; 400 invalid: each "
            "change that cannot be made (a judge not on the panel, a couple not in the "
            "round, a place out of range, a score off the scale) or marks that would not "
            "add up."
        ),
        tags=["desk"],
        parameters=[ROUND_ID],
        request=WhatIfIn,
        responses={200: WhatIfOut, **errors(400, 401, 403, 404, 409, 415)},
        examples=[
            OpenApiExample(
                "Judge B's Samba places of couples 14 and 15 swapped",
                value={
                    "changes": [
                        {"judge": "B", "dance": "Samba", "couple": "14", "value": "3"},
                        {"judge": "B", "dance": "Samba", "couple": "15", "value": "2"},
                    ],
                    "leave_out": [],
                },
                request_only=True,
            )
        ],
    )
    def post(self, request, round_id: int):
        round_ = get_object_or_404(Round.objects.select_related("event__competition"), pk=round_id)
        body = WhatIfIn(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        changes = [ChangeIn(**change) for change in data["changes"]]
        try:
            what_if = what_if_run(round_, changes=changes, leave_out=data["leave_out"])
        except ScoringError as error:
            code = status.HTTP_409_CONFLICT if error.code == "open" else 400
            return error_response(error.code, {"__all__": [error.message, *error.problems]}, code)
        comparison = what_if_compare(what_if)
        body = {
            "round": round_.pk,
            "status": round_.status,
            "kind": what_if.kind,
            "judges": what_if.letters,
            "left_out": what_if.left_out,
            "changes": _changes_out(what_if),
            "lines": [_line_out(line) for line in comparison.lines],
            "dances": [
                {**d.__dict__, "lines": [_line_out(line) for line in d.lines]}
                for d in comparison.dances
            ],
            "steps": comparison.steps,
            "tied": list(what_if.tied),
            "entering": comparison.entering,
            "leaving": comparison.leaving,
            "cascade": comparison.cascade,
            "notes": comparison.notes,
            "make_it_so": [s.__dict__ for s in make_it_so(comparison, request.user)],
        }
        return Response(WhatIfOut(body).data)
