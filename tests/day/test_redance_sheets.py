"""The marks sheets (the results' tables, the desk's PDF) list a round's redances, and
closing the round waits for the sheets a redance re-collected."""

import pytest
from django.urls import reverse

from adjudication.incidents.redance import heat_redance
from adjudication.models import MarkChange
from adjudication.results.tables import competition_results
from adjudication.services import ScoringError, round_close, round_entries, tabulate_round
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

    sheets = competition_results(d.p.competition, published_only=False, reasons=True)
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


def entries_of(d, start, stop):
    """The round's couples by bib, ``start`` to ``stop`` (as ``send`` picks them)."""
    return round_entries(d.round)[start:stop]


def test_worked_case_the_redanced_heats_marks_replace_the_earlier_ones():
    """Docs "Redance", rule 3: a recall round of 20 couples, 3 judges, recall 6, two
    dances. Samba first crossed 1st–6th couple by every judge, Rumba 2nd–7th: couples
    2–6 have 6 crosses, the 1st and the 7th three each, a tie at the cut-off. Samba is
    redanced with the sheets re-collected and every judge now crosses 2nd–7th: those
    six have 6 crosses and are recalled; the 1st couple's earlier Samba crosses stay in
    the marks trail but no longer count."""
    d = danced_first_round()  # Samba: the first six couples, by every judge
    for judge in d.p.judges:
        send(d.round, judge, d.rumba, key=f"{judge.letter}-r", crosses=entries_of(d, 1, 7))
    kind, before = tabulate_round(d.round)
    assert kind == "recalls" and len(before.tied) == 2

    heat_redance(
        round=d.round, dance=d.samba, heat_number=1, reason="fall", recollect=True, actor=None
    )
    for judge in d.p.judges:
        send(
            d.round,
            judge,
            d.samba,
            key=f"{judge.letter}-s2",
            base_version=1,
            crosses=entries_of(d, 1, 7),
        )

    _, after = tabulate_round(d.round)
    assert set(after.recalled) == {e.bib_label for e in entries_of(d, 1, 7)}
    assert not after.tied
    first = entries_of(d, 0, 1)[0]
    dropped = MarkChange.objects.filter(
        round=d.round, dance=d.samba, entry=first, old_value=1, new_value=None
    )
    assert dropped.count() == 3  # each judge's earlier cross for the 1st couple, kept
