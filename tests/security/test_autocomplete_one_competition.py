"""The panel's judge autocomplete (and a heat's entry autocomplete) list only the
competition being edited, decided on the server from the widget's ``competition``."""

import pytest
from django.urls import reverse

from competitions.models import CompetitionStaff, StaffRole
from tests.factories.accounts import UserFactory
from tests.factories.competitions import (
    CompetitionFactory,
    EntryFactory,
    EventFactory,
    HeatFactory,
    JudgeFactory,
    RoundFactory,
)
from tests.support.auth import sign_in_staff

pytestmark = pytest.mark.django_db


def autocomplete(client, model_name, field_name, **params):
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "competitions", "model_name": model_name, "field_name": field_name} | params,
    )
    assert response.status_code == 200
    return [r["text"] for r in response.json()["results"]]


@pytest.fixture
def two():
    ours, theirs = CompetitionFactory(name="Ours"), CompetitionFactory(name="Theirs")
    JudgeFactory(competition=ours, name="Our Judge")
    JudgeFactory(competition=theirs, name="Their Judge")
    return ours, theirs


def test_a_site_wide_organizer_gets_only_the_edited_competitions_judges(client, organizer, two):
    ours, theirs = two
    sign_in_staff(client, organizer)

    asked_for_ours = autocomplete(client, "panelseat", "judge", competition=ours.pk)
    asked_for_theirs = autocomplete(client, "panelseat", "judge", competition=theirs.pk)
    asked_for_none = autocomplete(client, "panelseat", "judge")

    assert asked_for_ours and all("Their" not in t for t in asked_for_ours)
    assert asked_for_theirs and all("Our" not in t for t in asked_for_theirs)
    assert asked_for_none == []


def test_an_organizer_of_another_competition_asking_for_ours_gets_nothing(client, two):
    ours, theirs = two
    user = UserFactory(username="theirs")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    CompetitionStaff.objects.create(competition=theirs, user=user, role=StaffRole.ORGANIZER)
    sign_in_staff(client, user)

    assert autocomplete(client, "panelseat", "judge", competition=ours.pk) == []
    assert autocomplete(client, "panelseat", "judge", competition=theirs.pk)


def test_a_heats_entry_autocomplete_lists_only_its_competitions_entries(client, organizer):
    ours, theirs = CompetitionFactory(), CompetitionFactory()
    EntryFactory(event=EventFactory(competition=ours), competitor__name="Our Leader")
    EntryFactory(event=EventFactory(competition=theirs), competitor__name="Their Leader")
    sign_in_staff(client, organizer)

    labels = autocomplete(client, "heatentry", "entry", competition=ours.pk)

    assert labels and all("Their" not in label for label in labels)


def test_the_event_page_widget_asks_for_its_own_competition(client, organizer, two):
    ours, _ = two
    event = EventFactory(competition=ours)
    heat = HeatFactory(round=RoundFactory(event=event))
    sign_in_staff(client, organizer)

    event_page = client.get(reverse("admin:competitions_event_change", args=[event.pk]))
    heat_page = client.get(reverse("admin:competitions_heat_change", args=[heat.pk]))
    add_page = client.get(reverse("admin:competitions_event_add"))

    expected = f'data-ajax--url="/admin/autocomplete/?competition={ours.pk}"'
    assert expected in event_page.content.decode()
    assert expected in heat_page.content.decode()
    # No competition yet: the panel is seated once the event is saved.
    assert "panel-TOTAL_FORMS" not in add_page.content.decode()
