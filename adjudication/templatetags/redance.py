"""``{% redance_panel %}``: the desk's "Redance" card on the day's page and a round's
page (the heats that were on the floor, the round's only on its page, to send back;
the re-collect choice, the chairman's; the redances so far); ``|redance_of_return``:
what the tablet says on a sheet re-collected for a redance."""

from __future__ import annotations

from django import template

from adjudication.incidents.redance import redance_returning, redance_slots
from adjudication.models import Sheet
from competitions.access import staff_can
from competitions.models import Competition, Redance, Round

register = template.Library()


@register.inclusion_tag("adjudication/_redance_panel.html", takes_context=True)
def redance_panel(context, competition: Competition, round_: Round | None = None) -> dict:
    user = context["request"].user
    ordered = Redance.objects.select_related("round__event", "dance", "ordered_by")
    ordered = (
        ordered.filter(round=round_)
        if round_ is not None
        else ordered.filter(round__event__competition=competition).order_by("-ordered_at")[:5]
    )
    return {
        "competition": competition,
        "round": round_,
        "csrf_token": context.get("csrf_token"),
        "can_order": staff_can(user, "competitions.order_redance", competition),
        "can_recollect": staff_can(user, "adjudication.unlock_sheet", competition),
        "slots": redance_slots(competition, round_=round_),
        "redances": list(ordered),
    }


@register.filter
def redance_of_return(sheet: Sheet) -> str:
    """ "redance of heat 2" for a sheet the desk re-collected, as the tablet says it."""
    redance = redance_returning(sheet)
    return f"redance of heat {redance.heat_number}" if redance else "redance"
