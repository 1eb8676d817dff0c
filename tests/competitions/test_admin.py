import pytest
from django.contrib.admin.sites import site
from django.urls import reverse
from django.utils import timezone

from competitions.models import (
    Competition,
    Event,
    Floor,
    FloorMove,
    Incident,
    StatusChange,
    TimetableItem,
)
from tests.factories.competitions import (
    CompetitionFactory,
    DanceFactory,
    EventFactory,
    FailedJobFactory,
    HeatEntryFactory,
    JudgeApplicationFactory,
    JudgeFactory,
    PanelSeatFactory,
    RegistrationLinkFactory,
)
from tests.support.auth import sign_in_staff

pytestmark = pytest.mark.django_db

COMPETITION_MODELS = [m for m in site._registry if m._meta.app_label == "competitions"]


@pytest.fixture
def organizer_client(client, organizer):
    return sign_in_staff(client, organizer)


@pytest.fixture
def populated():
    heat_entry = HeatEntryFactory()
    event = heat_entry.heat.round.event
    DanceFactory(event=event)
    PanelSeatFactory(event=event)
    RegistrationLinkFactory(competition=event.competition)
    JudgeApplicationFactory(competition=event.competition)
    FailedJobFactory()
    round_ = heat_entry.heat.round
    TimetableItem.objects.create(
        competition=event.competition, position=1, kind="round", round=round_
    )
    FloorMove.objects.create(
        competition=event.competition, action="start", round=round_, label="x", at=timezone.now()
    )
    Floor.objects.create(competition=event.competition)
    Incident.objects.create(
        competition=event.competition,
        kind=Incident.Kind.REDANCE,
        round=round_,
        summary="Heat 1 danced again",
        reason="The music stopped",
        at=timezone.now(),
    )
    return event.competition


@pytest.mark.parametrize("model", COMPETITION_MODELS, ids=lambda m: m.__name__)
def test_organizer_sees_every_changelist_and_change_form(organizer_client, populated, model):
    meta = model._meta
    obj = model.objects.first()

    changelist = organizer_client.get(
        reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
    )
    change = organizer_client.get(
        reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    )

    assert changelist.status_code == 200
    assert change.status_code == 200


def test_changelist_search_finds_by_bib(organizer_client, populated):
    competitor = populated.competitors.first()

    response = organizer_client.get(
        reverse("admin:competitions_competitor_changelist"), {"q": str(competitor.bib)}
    )

    assert competitor.name in response.content.decode()


def act(client, model_name, action, objects):
    """The action as run from its confirmation page (``confirmed``), where it has one."""
    return client.post(
        reverse(f"admin:competitions_{model_name}_changelist"),
        {"action": action, "_selected_action": [o.pk for o in objects], "confirmed": "yes"},
        follow=True,
    )


def test_admin_action_moves_the_competition(organizer_client, populated):
    response = act(organizer_client, "competition", "move_to_registration_open", [populated])

    populated.refresh_from_db()
    assert populated.status == "registration_open"
    assert "Open (or reopen) registration: 1." in response.content.decode()
    assert StatusChange.objects.get().actor.username == "org"


def test_admin_action_shows_why_a_move_is_refused(organizer_client):
    empty = CompetitionFactory(name="Empty Cup")

    response = act(organizer_client, "competition", "move_to_registration_open", [empty])

    empty.refresh_from_db()
    assert empty.status == "draft"
    assert "Empty Cup cannot be moved to registration open: add at least one event" in (
        response.content.decode()
    )


def test_scrutineer_is_not_offered_competition_moves(client, scrutineer, populated):
    sign_in_staff(client, scrutineer)

    response = client.get(reverse("admin:competitions_competition_changelist"))

    assert response.status_code == 200
    assert "move_to_registration_open" not in response.content.decode()


def test_round_actions_refuse_opening_before_registration_closed(organizer_client, populated):
    round_ = populated.events.get().rounds.get()

    response = act(organizer_client, "round", "move_to_open", [round_])

    round_.refresh_from_db()
    assert round_.status == "planned"
    assert "rounds open only once registration has closed" in response.content.decode()


def competition_form(**overrides):
    data = {
        "name": "Harbour Open",
        "slug": "harbour-open",
        "venue": "Pier",
        "starts_on": "2027-06-05",
        "ends_on": "2027-06-06",
        "timezone": "Europe/London",
        "day_starts_at": "09:30",
        "status": "finished",  # read-only: must be ignored
        **{
            f"{prefix}-{key}": value
            for prefix in ("events", "judges", "status_changes")
            for key, value in (
                ("TOTAL_FORMS", "0"),
                ("INITIAL_FORMS", "0"),
                ("MIN_NUM_FORMS", "0"),
                ("MAX_NUM_FORMS", "1000"),
            )
        },
    }
    data.update(overrides)
    return data


def test_admin_creates_competitions_as_drafts_whatever_is_posted(organizer_client):
    response = organizer_client.post(
        reverse("admin:competitions_competition_add"), competition_form()
    )

    assert response.status_code == 302
    assert Competition.objects.get().status == "draft"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"ends_on": "2027-06-01"}, "The competition cannot end before it starts."),
        ({"timezone": "Mars/Olympus"}, "is not a known time zone"),
        (
            {
                "registration_opens_at_0": "2027-05-01",
                "registration_opens_at_1": "10:00",
                "registration_closes_at_0": "2027-04-01",
                "registration_closes_at_1": "10:00",
            },
            "Registration must close after it opens.",
        ),
    ],
)
def test_admin_refuses_bad_competitions_and_writes_nothing(organizer_client, overrides, message):
    response = organizer_client.post(
        reverse("admin:competitions_competition_add"), competition_form(**overrides)
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Competition.objects.exists()


def test_admin_refuses_a_criterion_whose_range_is_inverted(organizer_client):
    event = EventFactory(scoring_method="criteria", entry_kind="solo", style="pageant")
    url = reverse("admin:competitions_event_change", args=[event.pk])
    form = organizer_client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update({"name": event.name, "position": 1, "style": "pageant"})
    for prefix in ("dances", "criteria", "panel", "rounds"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data.update(
        {
            "criteria-TOTAL_FORMS": "1",
            "criteria-0-name": "Poise",
            "criteria-0-position": "1",
            "criteria-0-weight": "1",
            "criteria-0-min_score": "10",
            "criteria-0-max_score": "0",
            "criteria-0-step": "0.5",
        }
    )

    response = organizer_client.post(url, data)

    assert response.status_code == 200
    assert "The minimum score must be below the maximum." in response.content.decode()
    assert not event.criteria.exists()


def test_admin_refuses_a_judge_from_another_competition_on_a_panel(organizer_client):
    event = EventFactory()
    outsider = JudgeFactory()
    url = reverse("admin:competitions_event_change", args=[event.pk])
    data = {
        "name": event.name,
        "position": 1,
        "style": event.style,
        "scoring_method": event.scoring_method,
        "entry_kind": event.entry_kind,
    }
    for prefix in ("dances", "criteria", "rounds"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data.update(
        {"panel-TOTAL_FORMS": "1", "panel-INITIAL_FORMS": "0", "panel-0-judge": outsider.pk}
    )

    response = organizer_client.post(url, data)

    assert response.status_code == 200
    assert "This judge belongs to another competition." in response.content.decode()
    assert not Event.objects.get(pk=event.pk).panel.exists()


@pytest.mark.parametrize(
    ("url_name", "make"),
    [
        ("admin:competitions_event_changelist", lambda c, n: EventFactory(competition=c, name=n)),
        ("admin:competitions_judge_changelist", lambda c, n: JudgeFactory(competition=c, name=n)),
    ],
)
def test_admin_lists_show_the_newest_competition_first(organizer_client, url_name, make):
    # Arrange: the older competition was created first, so id order would put it first
    older = CompetitionFactory(starts_on=timezone.localdate() - timezone.timedelta(days=60))
    newer = CompetitionFactory(starts_on=timezone.localdate() + timezone.timedelta(days=60))
    make(older, "Older one")
    make(newer, "Newer one")

    # Act
    page = organizer_client.get(reverse(url_name)).content.decode()

    # Assert
    assert page.index("Newer one") < page.index("Older one")


def test_default_orderings_within_a_competition_join_no_competition():
    # Arrange
    event = EventFactory()
    queries = [
        Event.objects.filter(competition=event.competition),
        event.dances.all(),
        event.criteria.all(),
        event.rounds.all(),
        event.entries.all(),
        event.competition.judges.all(),
    ]

    # Act
    sqls = [str(q.query) for q in queries]

    # Assert: ordering by "event" or "competition" no longer drags the competition in
    assert all('JOIN "competitions_competition"' not in sql for sql in sqls), sqls
