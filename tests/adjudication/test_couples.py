"""Couples absent, retired and disqualified through the services: the sheets, the
tabulation and the stored results follow; bad input changes nothing."""

from decimal import Decimal

import pytest

from adjudication.incidents.couples import (
    entry_disqualify,
    entry_mark_absent,
    entry_reinstate,
    entry_retire,
)
from adjudication.models import Placing
from adjudication.services import (
    ScoringError,
    recall_decide,
    result_differences,
    round_close,
    round_publish,
)
from adjudication.sheets import round_parts, sheet_view
from competitions.models import EntryIncident, Incident, Round
from tests.adjudication.day import build_day, open_final
from tests.factories.accounts import UserFactory
from tests.factories.competitions import EntryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def day():
    return build_day()


@pytest.fixture
def desk():
    return UserFactory(username="desk", roles=["scrutineer"])


@pytest.fixture
def chairman():
    return UserFactory(username="chair", roles=["chairman"])


def nothing_recorded():
    return not EntryIncident.objects.exists() and not Incident.objects.exists()


def recall_all(day, entries, round_=None):
    """Every judge crosses ``entries`` in every dance."""
    for judge in day.judges:
        for dance in day.dances:
            day.send(judge, dance, day.crosses(entries), round_=round_)


def final_day(day, chairman):
    """The first round closed (six recalled), the final open with its six couples."""
    recall_all(day, day.entries()[:6])
    round_close(round=day.first, actor=None, seed=2)
    open_final(day)
    return sorted(day.entries(day.final), key=lambda e: e.competitor.bib)


def place_all(day, couples, dances=None):
    for judge in day.judges:
        for dance in dances or day.dances:
            day.send(judge, dance, {e.pk: i for i, e in enumerate(couples, 1)}, round_=day.final)


def test_absent_couple_is_off_the_sheets_and_not_recalled(
    day, desk, django_capture_on_commit_callbacks
):
    entries = day.entries()
    absent = entries[0]

    with django_capture_on_commit_callbacks() as callbacks:
        entry_mark_absent(round=day.first, entry=absent, actor=desk, reason="did not report")
    part = round_parts(day.first)[0]
    view = sheet_view(judge=day.judges[0], round_=day.first, part=part)
    recall_all(day, entries[1:7])
    round_close(round=day.first, actor=None, seed=1)

    assert absent.pk not in {e.pk for _, heat in view.heats for e in heat}
    assert view.requested == 6
    assert len(callbacks) == 1
    placing = Placing.objects.get(round=day.first, entry=absent)
    assert placing.recalled is False
    assert Placing.objects.filter(round=day.first, recalled=True).count() == 6
    assert absent not in day.entries(Round.objects.get(pk=day.final.pk))
    trail = Incident.objects.get()
    assert (trail.kind, trail.actor, trail.reason) == ("absent", desk, "did not report")


def test_a_new_sheet_crossing_an_absent_couple_is_stale(day, desk):
    entries = day.entries()
    entry_mark_absent(round=day.first, entry=entries[0], actor=desk, reason="no-show")

    with pytest.raises(ScoringError) as refused:
        day.send(day.judges[0], day.dances[0], day.crosses(entries[:6]))

    assert refused.value.code == "stale"
    assert "no longer dances here" in refused.value.message


def test_sheets_sent_before_the_absence_stay_valid_and_the_next_couple_moves_up(day, desk):
    entries = day.entries()
    for judge in day.judges:
        for dance in day.dances:
            late = judge == day.judges[0] and dance == day.dances[1]
            day.send(judge, dance, day.crosses(entries[:5] + [entries[6 if late else 5]]))
    entry_mark_absent(round=day.first, entry=entries[0], actor=desk, reason="left, injured")

    round_close(round=day.first, actor=None, seed=1)

    recalled = set(
        Placing.objects.filter(round=day.first, recalled=True).values_list("entry", flat=True)
    )
    assert recalled == {e.pk for e in entries[1:7]}
    assert result_differences(Round.objects.get(pk=day.first.pk)) == []


@pytest.mark.parametrize(
    ("reason", "entry_of", "message"),
    [
        ("", lambda day: day.entries()[0], "Say why"),
        ("no-show", lambda day: EntryFactory(event=day.event), "does not dance in"),
        ("no-show", lambda day: EntryFactory(), "does not dance in"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(day, desk, reason, entry_of, message):
    entry = entry_of(day)

    with pytest.raises(ScoringError, match=message):
        entry_mark_absent(round=day.first, entry=entry, actor=desk, reason=reason)

    assert nothing_recorded()


def test_twice_absent_is_refused(day, desk):
    entry = day.entries()[0]
    entry_mark_absent(round=day.first, entry=entry, actor=desk, reason="no-show")

    with pytest.raises(ScoringError, match="already marked"):
        entry_mark_absent(round=day.first, entry=entry, actor=desk, reason="again")

    assert EntryIncident.objects.count() == 1


def test_the_scrutineer_cannot_disqualify(day, desk):
    with pytest.raises(ScoringError) as refused:
        entry_disqualify(round=day.first, entry=day.entries()[0], actor=desk, reason="rude")

    assert refused.value.code == "forbidden"
    assert nothing_recorded()


def test_retired_couple_in_a_preliminary_round_is_not_recalled(day, desk):
    entries = day.entries()
    samba, rumba = day.dances
    for judge in day.judges:
        day.send(judge, samba, day.crosses(entries[:6]))
    entry_retire(round=day.first, entry=entries[0], actor=desk, reason="hurt", from_dance=rumba)
    for judge in day.judges:
        day.send(judge, rumba, day.crosses(entries[1:7]))

    round_close(round=day.first, actor=None, seed=1)

    retired = Placing.objects.get(round=day.first, entry=entries[0])
    assert (retired.recalled, retired.total) == (False, Decimal(3))
    assert Placing.objects.filter(round=day.first, recalled=True).count() == 6


def test_retiring_from_the_first_dance_is_an_absence(day, desk):
    with pytest.raises(ScoringError, match="mark it absent instead"):
        entry_retire(
            round=day.first,
            entry=day.entries()[0],
            actor=desk,
            reason="x",
            from_dance=day.dances[0],
        )

    assert nothing_recorded()


def test_retired_in_a_final_is_last_in_the_dances_it_did_not_dance(day, desk, chairman):
    couples = final_day(day, chairman)
    samba, rumba = day.dances
    place_all(day, couples, [samba])  # couples[0] wins the samba
    entry_retire(round=day.final, entry=couples[0], actor=desk, reason="injured", from_dance=rumba)
    place_all(day, couples[1:], [rumba])

    round_close(round=day.final, actor=None)

    places = dict(Placing.objects.filter(round=day.final).values_list("entry", "place"))
    # Samba 1 + rumba 6 = 7; couples[1]: 2 + 1 = 3; couples[2]: 3 + 2 = 5; ...
    assert places[couples[1].pk] == Decimal(1)
    assert places[couples[2].pk] == Decimal(2)
    assert places[couples[0].pk] == Decimal(3)
    assert result_differences(Round.objects.get(pk=day.final.pk)) == []


def test_disqualified_after_the_published_final_every_couple_below_moves_up(day, chairman):
    couples = final_day(day, chairman)
    place_all(day, couples)
    round_close(round=day.final, actor=None)
    round_publish(round=day.final, actor=None)

    entry_disqualify(
        round=day.final, entry=couples[1], actor=chairman, reason="doping", whole_event=True
    )

    final = Round.objects.get(pk=day.final.pk)
    places = dict(Placing.objects.filter(round=final).values_list("entry", "place"))
    assert final.status == "published"
    assert places[couples[1].pk] is None
    assert [places[c.pk] for c in couples if c != couples[1]] == [Decimal(i) for i in range(1, 6)]
    assert result_differences(final) == []
    trail = Incident.objects.get()
    assert "re-tabulated" in trail.summary and trail.actor == chairman
    # The first round keeps its recalls: the couple is recalled there still.
    assert Placing.objects.get(round=day.first, entry=couples[1]).recalled is True


def test_disqualifying_from_a_round_whose_next_round_began_is_refused(day, chairman):
    couples = final_day(day, chairman)

    with pytest.raises(ScoringError, match="has begun") as refused:
        entry_disqualify(round=day.first, entry=couples[0], actor=chairman, reason="dress")

    assert refused.value.code == "refused"
    assert nothing_recorded()


def test_whole_event_disqualification_is_decided_in_the_last_round_danced(day, chairman):
    couples = final_day(day, chairman)

    with pytest.raises(ScoringError, match="danced on in"):
        entry_disqualify(
            round=day.first, entry=couples[0], actor=chairman, reason="x", whole_event=True
        )

    assert nothing_recorded()


def test_disqualified_from_a_closed_round_the_next_round_is_drawn_again(day, chairman):
    entries = day.entries()
    for judge in day.judges:
        for dance in day.dances:
            late = judge == day.judges[0] and dance == day.dances[1]
            day.send(judge, dance, day.crosses(entries[:5] + [entries[6 if late else 5]]))
    round_close(round=day.first, actor=None, seed=1)

    entry_disqualify(round=day.first, entry=entries[0], actor=chairman, reason="abuse")

    final = Round.objects.get(pk=day.final.pk)
    assert entries[0] not in day.entries(final)
    assert len(day.entries(final)) == 6  # the seventh couple moves up
    assert Placing.objects.get(round=day.first, entry=entries[0]).recalled is False


def test_reinstated_couple_counts_again_and_the_trail_keeps_both(day, desk):
    entry = day.entries()[0]
    entry_mark_absent(round=day.first, entry=entry, actor=desk, reason="late")

    entry_reinstate(round=day.first, entry=entry, actor=desk, reason="arrived in time")

    assert not EntryIncident.objects.exists()
    assert list(Incident.objects.values_list("kind", flat=True)) == ["absent", "reinstated"]
    part = round_parts(day.first)[0]
    view = sheet_view(judge=day.judges[0], round_=day.first, part=part)
    assert entry.pk in {e.pk for _, heat in view.heats for e in heat}


def test_reinstating_a_disqualification_is_the_chairmans(day, desk, chairman):
    entry = day.entries()[0]
    entry_disqualify(round=day.first, entry=entry, actor=chairman, reason="dress")

    with pytest.raises(ScoringError) as refused:
        entry_reinstate(round=day.first, entry=entry, actor=desk, reason="mistake")

    assert refused.value.code == "forbidden"
    assert EntryIncident.objects.count() == 1


def test_disqualified_leaving_a_tie_at_the_cut_off_waits_for_the_chairman(day, chairman):
    entries = day.entries()
    recall_all(day, entries[:6])
    round_close(round=day.first, actor=None, seed=1)

    entry_disqualify(round=day.first, entry=entries[0], actor=chairman, reason="abuse")
    withdrawn = not Placing.objects.filter(round=day.first).exists()
    recall_decide(round=day.first, recall_count=7, actor=chairman)

    assert withdrawn
    assert "tie at the cut-off" in Incident.objects.get().summary
    final = Round.objects.get(pk=day.final.pk)
    assert {e.pk for e in day.entries(final)} == {e.pk for e in entries[1:]}


def test_marks_sheets_and_results_name_the_couples_and_why(day, desk, chairman):
    from adjudication.results.pdf import results_pdf
    from adjudication.results.tables import competition_results, sheets_as_dict

    couples = final_day(day, chairman)
    samba, rumba = day.dances
    entry_mark_absent(round=day.final, entry=couples[5], actor=desk, reason="no-show")
    place_all(day, couples[:5], [samba])
    entry_retire(round=day.final, entry=couples[0], actor=desk, reason="injured", from_dance=rumba)
    place_all(day, couples[1:5], [rumba])
    round_close(round=day.final, actor=None)
    round_publish(round=day.final, actor=None)
    entry_disqualify(
        round=day.final, entry=couples[4], actor=chairman, reason="doping", whole_event=True
    )

    event = sheets_as_dict(
        competition_results(day.competition, published_only=False, reasons=True)
    )["events"][0]
    final = event["rounds"][1]
    text = " ".join(final["lines"])
    assert f"Couple {couples[5].bib_label}: Absent (no-show)." in text
    assert f"Couple {couples[0].bib_label}: Retired before the Rumba (injured)." in text
    assert f"Couple {couples[4].bib_label}: Disqualified from the event (doping)." in text
    rumba_rows = {row[0]: row for row in final["tables"][1]["rows"]}
    assert rumba_rows[couples[0].bib_label][-1] == "R"
    results = [(row[0], row[1]) for row in event["results"]["rows"]]
    assert results[-2:] == [  # no place, by number
        ("disqualified from the event", couples[4].bib_label),
        ("absent", couples[5].bib_label),
    ]
    assert [place for place, _ in results[:4]] == ["1", "2", "3", "4"]
    pdf = results_pdf(competition_results(day.competition, published_only=False))
    assert pdf.startswith(b"%PDF")


def test_verify_agrees_with_results_after_absences_retirements_and_disqualifications(
    day, desk, chairman
):
    from adjudication.ops.verification import competition_verify

    entries = day.entries()
    entry_mark_absent(round=day.first, entry=entries[7], actor=desk, reason="no-show")
    recall_all(day, entries[:6])
    round_close(round=day.first, actor=None, seed=1)
    open_final(day)
    couples = sorted(day.entries(day.final), key=lambda e: e.competitor.bib)
    samba, rumba = day.dances
    place_all(day, couples, [samba])
    entry_retire(round=day.final, entry=couples[2], actor=desk, reason="cramp", from_dance=rumba)
    place_all(day, [c for c in couples if c != couples[2]], [rumba])
    round_close(round=day.final, actor=None)
    round_publish(round=day.final, actor=None)
    entry_disqualify(
        round=day.final, entry=couples[0], actor=chairman, reason="doping", whole_event=True
    )

    report = competition_verify(day.competition)

    assert report.findings == []
    assert report.results_checked == 2


def test_criteria_round_absent_entry_needs_no_sheets_and_is_listed_with_no_place(desk):
    from tests.adjudication.test_criteria_sheets import pageant as make_pageant
    from tests.adjudication.test_criteria_sheets import score

    final, entries, judges, (gown, talent) = make_pageant.__wrapped__()
    entry_mark_absent(round=final, entry=entries[2], actor=desk, reason="ill")

    with pytest.raises(ScoringError) as refused:
        score(final, judges[0], entries[2], {gown.pk: "5", talent.pk: "5"})
    for judge in judges:
        for entry in entries[:2]:
            score(final, judge, entry, {gown.pk: "5", talent.pk: "6"})
    round_close(round=final, actor=None)

    assert refused.value.code == "stale"
    places = dict(Placing.objects.filter(round=final).values_list("entry", "place"))
    assert places[entries[2].pk] is None
    assert places[entries[0].pk] == places[entries[1].pk] == Decimal("1.5")


def test_the_judges_api_leaves_a_retired_couple_off_the_dances_it_no_longer_dances(
    client, day, desk, chairman
):
    from django.urls import reverse

    from tests.adjudication.test_api import bearer, sign_in

    couples = final_day(day, chairman)
    samba, rumba = day.dances
    entry_retire(round=day.final, entry=couples[0], actor=desk, reason="injured", from_dance=rumba)
    tokens = sign_in(client, day.judges[0])

    body = client.get(reverse("api:judge-round", args=[day.final.pk]), headers=bearer(tokens))

    parts = {p["name"]: p for p in body.json()["parts"]}
    assert (parts["Samba"]["not_dancing"], parts["Samba"]["marks"]) == ([], 6)
    assert (parts["Rumba"]["not_dancing"], parts["Rumba"]["marks"]) == ([couples[0].pk], 5)
    sent = client.post(
        reverse("api:judge-sheet-submit", args=[day.final.pk]),
        {
            "dance_id": rumba.pk,
            "marks": {str(e.pk): i for i, e in enumerate(couples[1:], 1)},
            "client_key": "api-rumba",
            "base_version": 0,
            "round_revision": day.final.revision,
        },
        content_type="application/json",
        headers=bearer(tokens),
    )
    assert sent.status_code in (200, 201), sent.json()
