"""The marks sheets (the results' tables, the desk's PDF) list a round's redances, and
closing the round waits for the sheets a redance re-collected."""

import pytest
from django.urls import reverse

from adjudication.incidents.redance import heat_redance
from adjudication.results.tables import competition_results
from adjudication.services import ScoringError, round_close
from tests.adjudication.test_exports import pdf_text
from tests.day.helpers import desk_user
from tests.day.redance_helpers import danced_first_round, send
from tests.factories.accounts import UserFactory
from tests.support.auth import sign_in_staff

pytestmark = pytest.mark.django_db


def test_closing_waits_for_the_returned_sheets_and_the_sheets_list_the_redance(client):
    d = danced_first_round()
    for judge in d.p.judges:
        send(d.round, judge, d.rumba, key=f"{judge.letter}-rumba")
    redance = heat_redance(
        round=d.round,
        dance=d.samba,
        heat_number=2,
        reason="the music stopped",
        recollect=True,
        actor=desk_user("chairman"),
    )
    with pytest.raises(ScoringError):
        round_close(round=d.round, actor=None)
    for judge in d.p.judges:
        send(d.round, judge, d.samba, key=f"{judge.letter}-again", base_version=1)

    round_close(round=d.round, actor=None)

    sheets = competition_results(d.p.competition, published_only=False)
    (latin,) = [e for e in sheets.events if e.name == "Adult Latin"]
    first = latin.rounds[0]
    line = next(line for line in first.lines if line.startswith("Redance"))
    assert line.startswith("Redance: heat 2 of Samba danced again at ")
    assert line.endswith(", the music stopped (the judges' sheets re-collected and sent again).")
    assert redance.ordered_at is not None
    sign_in_staff(client, UserFactory(roles=["scrutineer"]))
    pdf = client.get(
        reverse("adjudication:desk-print", args=[d.p.competition.slug, "results"])
        + f"?event={d.p.latin.pk}"
    )
    assert "Redance: heat 2 of Samba" in pdf_text(pdf.content)
