"""The what-if over the desk's API: a closed round recomputed with marks changed or a
judge left out, beside its stored result, with the deciding rule and what would follow;
refused on rounds not closed and on bad input, and writing nothing."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditEntry
from adjudication.models import Mark, MarkChange, Placing, RoundResult, Sheet
from adjudication.results.what_if import ChangeIn, what_if_run
from adjudication.services import round_close, round_publish
from competitions.models import Heat, HeatEntry, Incident, Round, StatusChange
from tests.adjudication.day import build_day, open_final
from tests.adjudication.test_desk_api import post, token_for
from tests.adjudication.what_if_helpers import (
    closed_final,
    closed_first_round,
    closed_pageant,
    swap_cross,
)

pytestmark = pytest.mark.django_db

SWAP_B = [  # judge B puts f2 second and f1 third in the Samba
    {"judge": "B", "dance": "Samba", "couple": None, "value": "3"},
    {"judge": "B", "dance": "Samba", "couple": None, "value": "2"},
]


def _swap_b(bibs):
    first, second = (dict(change) for change in SWAP_B)
    first["couple"], second["couple"] = bibs[1], bibs[2]
    return [first, second]


def _what_if(client, round_, body, *roles):
    _, tokens = token_for(client, *(roles or ("chairman",)))
    return post(client, "desk-round-what-if", [round_.pk], tokens, body)


def _lines(answer):
    return {line["couple"]: line for line in answer["lines"]}


def test_one_judges_swap_swaps_second_and_third_in_a_one_dance_final(client):
    day, bibs = closed_final()

    response = _what_if(client, day.final, {"changes": _swap_b(bibs)})

    assert response.status_code == 200, response.json()
    lines = _lines(response.json())
    assert (lines[bibs[1]]["stored"], lines[bibs[1]]["what_if"]) == ("2", "3")
    assert (lines[bibs[2]]["stored"], lines[bibs[2]]["what_if"]) == ("3", "2")
    assert lines[bibs[2]]["rule"] == "5"
    assert lines[bibs[2]]["why"] == "rule 5: a majority of the judges"
    assert (lines[bibs[2]]["direction"], lines[bibs[1]]["direction"]) == ("up", "down")
    assert [line["couple"] for line in response.json()["lines"] if line["moved"]] == [
        bibs[2],
        bibs[1],
    ]
    assert not lines[bibs[0]]["moved"]
    assert response.json()["cascade"] == [
        f"Couple {bibs[2]} would be 2nd, not 3rd, in the event's result.",
        f"Couple {bibs[1]} would be 3rd, not 2nd, in the event's result.",
    ]
    assert [c["text"] for c in response.json()["changes"]] == [
        f"Judge B · Samba · couple {bibs[1]}: 2 → 3",
        f"Judge B · Samba · couple {bibs[2]}: 3 → 2",
    ]


def test_a_swap_in_one_dance_leaves_the_overall_place_to_rule_11(client):
    day, bibs = closed_final(dances=("Samba", "Rumba"))

    response = _what_if(client, day.final, {"changes": _swap_b(bibs)})

    answer = response.json()
    lines = _lines(answer)
    assert (lines[bibs[1]]["what_if"], lines[bibs[1]]["rule"]) == ("2", "11")
    assert (lines[bibs[2]]["what_if"], lines[bibs[2]]["rule"]) == ("3", "11")
    assert lines[bibs[1]]["stored_rule"] == "9"
    assert not any(line["moved"] for line in answer["lines"])
    samba = {line["couple"]: line for line in answer["dances"][0]["lines"]}
    assert (samba[bibs[1]]["stored"], samba[bibs[1]]["what_if"]) == ("2", "3")
    assert samba[bibs[2]]["moved"] and samba[bibs[2]]["what_if"] == "2"
    assert answer["cascade"] == ["Every place would stay as stored."]


def test_leaving_out_a_judge_counts_the_others_with_their_own_majority(client):
    day, bibs = closed_final()

    response = _what_if(client, day.final, {"leave_out": ["a"]})

    answer = response.json()
    lines = _lines(answer)
    assert answer["judges"] == ["B", "C"] and answer["left_out"] == ["A"]
    assert (lines[bibs[1]]["what_if"], lines[bibs[2]]["what_if"]) == ("2.5", "2.5")
    assert lines[bibs[1]]["rule"] == "7c"
    assert answer["notes"] == ["Judge A left out: 2 judges count (B, C), majority 2."]
    steps = answer["make_it_so"]
    assert "does not set a judge's sheets aside" in steps[0]["text"]
    assert steps[-1]["fields"]["action"] == "reopen"


def test_a_recall_change_across_the_cut_off_says_the_next_round_is_drawn_again(client):
    day, bibs = closed_first_round()
    changes = swap_cross("A", "Samba", bibs[5], bibs[6]) + swap_cross(
        "B", "Samba", bibs[5], bibs[6]
    )

    answer = _what_if(client, day.first, {"changes": changes}).json()

    lines = _lines(answer)
    assert (lines[bibs[5]]["stored"], lines[bibs[5]]["what_if"]) == ("recalled", "not recalled")
    assert lines[bibs[6]]["direction"] == "in"
    assert (lines[bibs[6]]["stored_total"], lines[bibs[6]]["what_if_total"]) == ("2", "4")
    assert (answer["entering"], answer["leaving"]) == ([bibs[6]], [bibs[5]])
    assert answer["cascade"] == [
        "Final (round 2) has not been danced: its heats would be drawn again when the "
        f"correction is made (couple {bibs[6]} in; couple {bibs[5]} out)."
    ]


def test_a_recall_change_after_the_next_round_was_danced_says_so(client):
    day, bibs = closed_first_round()
    round_publish(round=day.first, actor=None)
    open_final(day)
    finalists = day.entries(day.final)
    for judge in day.judges:
        for dance in day.dances:
            day.send(judge, dance, {e.pk: i for i, e in enumerate(finalists, 1)}, round_=day.final)
    round_close(round=day.final, actor=None)
    changes = swap_cross("A", "Samba", bibs[5], bibs[6]) + swap_cross(
        "B", "Samba", bibs[5], bibs[6]
    )

    answer = _what_if(client, day.first, {"changes": changes}).json()

    assert answer["status"] == "published"
    assert answer["cascade"][0] == (
        f"Final (round 2) has been danced (closed): couple {bibs[6]} would have been in it; "
        f"couple {bibs[5]} would not. It was judged without the right couples: it would have "
        "to be danced again, or the chairman decides how to remedy it."
    )
    assert answer["make_it_so"][0]["text"].startswith("The round is published")


def test_a_recall_change_that_makes_a_tie_at_the_cut_off_leaves_it_to_the_chairman(client):
    day, bibs = closed_first_round()

    answer = _what_if(
        client, day.first, {"changes": swap_cross("A", "Samba", bibs[5], bibs[6])}
    ).json()

    assert answer["tied"] == [bibs[5], bibs[6]]
    assert _lines(answer)[bibs[6]]["what_if"] == "tie at the cut-off"
    assert answer["cascade"][0] == (
        f"Couples {bibs[5]}, {bibs[6]} would tie at the cut-off: the chairman would choose "
        "to recall 5 or 7."
    )


def test_a_criteria_score_changed_moves_an_entry_by_its_total(client):
    final, bibs = closed_pageant()
    change = {"judge": "B", "couple": bibs[2], "criterion": "gown", "value": "9.5"}

    answer = _what_if(client, final, {"changes": [change]}).json()

    lines = _lines(answer)
    assert (lines[bibs[2]]["stored"], lines[bibs[2]]["what_if"]) == ("3", "2")
    assert (lines[bibs[2]]["stored_total"], lines[bibs[2]]["what_if_total"]) == ("24", "24.75")
    assert (lines[bibs[1]]["what_if"], lines[bibs[2]]["why"]) == ("3", "the higher total")


@pytest.mark.parametrize("status", ["planned", "open"])
def test_a_round_not_closed_is_refused_with_a_message(client, status):
    day = build_day()
    round_ = day.first if status == "open" else day.final

    response = _what_if(client, round_, {})

    assert response.status_code == 409
    message = response.json()["errors"]["__all__"][0]
    assert message.startswith(
        "The round is still open: close it first."
        if status == "open"
        else "The round has not been danced yet: close it first."
    )


def test_bad_changes_are_each_refused_with_a_message(client):
    day, bibs = closed_final()
    changes = [
        {"judge": "Z", "dance": "Samba", "couple": bibs[1], "value": "3"},
        {"judge": "B", "dance": "Samba", "couple": "999", "value": "3"},
        {"judge": "B", "dance": "Samba", "couple": bibs[1], "value": "7"},
        {"judge": "B", "dance": "Tango", "couple": bibs[1], "value": "3"},
        {"judge": "B", "dance": "Samba", "couple": bibs[2], "value": "two"},
    ]

    response = _what_if(client, day.final, {"changes": changes, "leave_out": ["Q"]})

    assert response.status_code == 400
    assert response.json()["errors"]["__all__"] == [
        "The what-if cannot be computed:",
        "Leave out: judge Q is not on this round's panel.",
        "Change 1: judge Z is not on this round's panel (A, B, C).",
        "Change 2: couple 999 does not dance in this round.",
        "Change 3: place 7 is out of range: 6 couples dance the Samba, so places go from 1 to 6.",
        "Change 4: no dance 'Tango' in this event (Samba).",
        "Change 5: 'two' is not a number.",
    ]


def test_a_score_off_the_scale_is_refused(client):
    final, bibs = closed_pageant()
    changes = [
        {"judge": "A", "couple": bibs[0], "criterion": "Gown", "value": "10.5"},
        {"judge": "A", "couple": bibs[1], "criterion": "Talent", "value": "7.3"},
    ]

    response = _what_if(client, final, {"changes": changes})

    assert response.status_code == 400
    assert response.json()["errors"]["__all__"][1:] == [
        "Change 1: 10.5 is off the scale: Gown takes 0 to 10 in steps of 0.5.",
        "Change 2: 7.3 is off the scale: Talent takes 0 to 10 in steps of 0.5.",
    ]


def test_a_final_sheet_with_a_place_given_twice_does_not_add_up(client):
    day, bibs = closed_final()

    response = _what_if(
        client,
        day.final,
        {"changes": [{"judge": "B", "dance": "Samba", "couple": bibs[1], "value": "3"}]},
    )

    assert response.status_code == 400
    assert response.json()["errors"]["__all__"] == [
        "The what-if cannot be computed:",
        f"Judge B's Samba sheet would give place 3 to couples {bibs[1]}, {bibs[2]} and "
        "place 2 to none: each place once (change two marks to swap places).",
    ]


def test_a_bad_body_is_refused(client):
    day, _ = closed_final()

    response = _what_if(client, day.final, {"changes": [{"judge": "B"}]})

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"changes.0.couple", "changes.0.value"}


def _counts():
    models = (Mark, Sheet, MarkChange, Placing, RoundResult, Incident, StatusChange, Heat)
    return {model.__name__: model.objects.count() for model in (*models, HeatEntry, Round)}


def test_a_what_if_writes_nothing_of_the_competition(client):
    day, bibs = closed_first_round()
    _, tokens = token_for(client, "chairman")
    stored = list(Placing.objects.filter(round=day.first).values_list("entry_id", "recalled"))
    before, audit_before = _counts(), AuditEntry.objects.count()
    changes = swap_cross("A", "Samba", bibs[5], bibs[6]) + swap_cross(
        "B", "Samba", bibs[5], bibs[6]
    )

    with CaptureQueriesContext(connection) as queries:
        response = post(client, "desk-round-what-if", [day.first.pk], tokens, {"changes": changes})

    assert response.status_code == 200
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert [w.split('"')[1] for w in writes] == ["accounts_auditentry"]
    assert _counts() == before
    assert AuditEntry.objects.count() == audit_before + 1
    assert stored == list(
        Placing.objects.filter(round=day.first).values_list("entry_id", "recalled")
    )


def test_the_computation_itself_issues_no_write_or_lock(db):
    day, bibs = closed_final()
    changes = [ChangeIn("B", bibs[1], "3", dance="Samba"), ChangeIn("B", bibs[2], "2", "Samba")]

    with CaptureQueriesContext(connection) as queries:
        what_if_run(day.final, changes=changes, leave_out=["C"])

    sql = [q["sql"].upper() for q in queries.captured_queries]
    assert sql and all(s.lstrip().startswith("SELECT") for s in sql)
    assert not [s for s in sql if "FOR UPDATE" in s or "FOR SHARE" in s]


@pytest.mark.parametrize(
    ("roles", "expected"),
    [(("scrutineer",), 200), (("chairman",), 200), (("organizer",), 200), (("competitor",), 403)],
)
def test_who_may_run_a_what_if(client, roles, expected):
    day, _ = closed_final()

    assert _what_if(client, day.final, {}, *roles).status_code == expected


def test_another_competitions_staff_and_a_judge_are_refused(client):
    from tests.adjudication.test_api import bearer, sign_in
    from tests.security.matrix import staff_of_another_competition
    from tests.support.auth import api_token_body

    day, _ = closed_final()
    other = staff_of_another_competition("what-if-other")
    other.set_password("correct horse battery staple")
    other.save()
    tokens = client.post(
        "/api/v1/auth/token/",
        api_token_body(other, "correct horse battery staple"),
        content_type="application/json",
    ).json()
    judge_tokens = sign_in(client, day.judges[0])
    url = f"/api/v1/desk/rounds/{day.final.pk}/what-if/"

    refused = [
        client.post(url, {}, content_type="application/json", headers=bearer(t)).status_code
        for t in (tokens, judge_tokens)
    ]
    anonymous = client.post(url, {}, content_type="application/json").status_code

    assert refused == [403, 403]
    assert anonymous == 401


def test_a_recall_sheet_with_a_cross_too_many_does_not_add_up(client):
    day, bibs = closed_first_round()
    change = {"judge": "A", "dance": "Rumba", "couple": bibs[7], "value": "1"}

    response = _what_if(client, day.first, {"changes": [change]})

    assert response.status_code == 400
    assert response.json()["errors"]["__all__"][1:] == [
        "Judge A's Rumba sheet would cross 7 couples, 6 asked for: move a cross rather "
        "than add or take one away: untick one couple and tick another."
    ]
