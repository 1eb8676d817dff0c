"""The admin, one competition at a time: staff assigned to competition X see and change
only X there; a site-wide role still sees every competition."""

from dataclasses import dataclass

import pytest
from django.contrib import admin as django_admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

import competitions.admin.actions
from competitions.admin.scope import CompetitionScopedAdmin, CompetitionScopedInline
from competitions.models import (
    Competition,
    CompetitionStaff,
    Event,
    FailedJob,
    Judge,
    RegistrationLink,
    StaffRole,
    TimetableItem,
)
from tests.factories.accounts import UserFactory
from tests.factories.adjudication import MarkChangeFactory, SheetFactory
from tests.factories.competitions import (
    CompetitionFactory,
    CompetitorFactory,
    EntryFactory,
    EventFactory,
    JudgeApplicationFactory,
    JudgeFactory,
    RegistrationLinkFactory,
    RoundFactory,
)
from tests.support.auth import sign_in_staff

pytestmark = pytest.mark.django_db


@dataclass
class Built:
    competition: Competition
    event: Event
    entry: object
    judge: object
    round: object
    link: RegistrationLink
    item: TimetableItem


def build(word: str) -> Built:
    competition = CompetitionFactory(name=f"{word} Cup")
    event = EventFactory(competition=competition, name=f"{word} Latin")
    competitor = CompetitorFactory(competition=competition, name=f"{word} Pair")
    round_ = RoundFactory(event=event)
    JudgeApplicationFactory(competition=competition, name=f"{word} Applicant")
    return Built(
        competition=competition,
        event=event,
        entry=EntryFactory(event=event, competitor=competitor),
        judge=JudgeFactory(competition=competition, name=f"{word} Judge"),
        round=round_,
        link=RegistrationLinkFactory(competition=competition, label=f"{word} link"),
        item=TimetableItem.objects.create(
            competition=competition, position=1, kind="round", round=round_
        ),
    )


def assign(username: str, role: str, competition: Competition, *, is_staff: bool = True):
    user = UserFactory(username=username)
    user.is_staff = is_staff
    user.save(update_fields=["is_staff"])
    CompetitionStaff.objects.create(competition=competition, user=user, role=role)
    return user


@pytest.fixture
def x():
    return build("Xanadu")


@pytest.fixture
def y():
    return build("Yonder")


@pytest.fixture
def x_organizer_client(client, x):
    return sign_in_staff(client, assign("xorg", StaffRole.ORGANIZER, x.competition))


def url(obj, view: str = "change") -> str:
    meta = obj._meta
    args = [] if view in ("changelist", "add") else [obj.pk]
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


def post_back(client, address: str, **changes):
    """The change form as the page shows it, with ``changes``, posted back."""
    context = client.get(address).context
    data = {}

    def add(form):
        for name in form.fields:
            value = form[name].value()
            if value is not None:
                data[form.add_prefix(name)] = value

    add(context["adminform"].form)
    for inline in context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    data.update(changes)
    return client.post(address, data)


OWNED = ["competition", "event", "entry", "judge", "round", "link", "item"]


@pytest.mark.parametrize("attr", OWNED)
def test_changelist_shows_only_the_assigned_competition(x_organizer_client, x, y, attr):
    page = x_organizer_client.get(url(getattr(x, attr), "changelist"))

    assert page.status_code == 200
    assert "Xanadu" in page.content.decode()
    assert "Yonder" not in page.content.decode()


def test_judge_applications_list_shows_only_the_assigned_competition(x_organizer_client, x, y):
    page = x_organizer_client.get(reverse("admin:competitions_judgeapplication_changelist"))

    assert "Xanadu Applicant" in page.content.decode()
    assert "Yonder" not in page.content.decode()


@pytest.mark.parametrize("attr", OWNED)
def test_another_competitions_change_page_is_not_shown(x_organizer_client, x, y, attr):
    response = x_organizer_client.get(url(getattr(y, attr)), follow=True)

    assert response.redirect_chain == [(reverse("admin:index"), 302)]
    assert "doesn’t exist" in response.content.decode()
    assert "Yonder" not in response.content.decode()


def test_posting_another_competitions_change_page_changes_nothing(x_organizer_client, x, y):
    response = x_organizer_client.post(
        url(y.event), {"name": "Taken over", "position": 1, "style": "latin"}
    )

    y.event.refresh_from_db()
    assert response.status_code == 302
    assert y.event.name == "Yonder Latin"


def test_posting_another_competitions_delete_page_deletes_nothing(x_organizer_client, x, y):
    x_organizer_client.post(url(y.judge, "delete"), {"post": "yes"})

    assert type(y.judge).objects.filter(pk=y.judge.pk).exists()


def test_adding_an_event_to_another_competition_is_refused(x_organizer_client, x, y):
    response = post_back(
        x_organizer_client,
        reverse("admin:competitions_event_add"),
        competition=y.competition.pk,
        name="Smuggled",
        style="latin",
        scoring_method="skating",
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Event.objects.filter(name="Smuggled").exists()


def test_adding_an_event_to_the_assigned_competition_works(x_organizer_client, x, y):
    response = post_back(
        x_organizer_client,
        reverse("admin:competitions_event_add"),
        competition=x.competition.pk,
        name="Xanadu Ballroom",
        style="latin",
        scoring_method="skating",
    )

    assert response.status_code == 302
    assert Event.objects.get(name="Xanadu Ballroom").competition == x.competition


@pytest.mark.parametrize(
    ("model_name", "field_name"),
    [("entry", "event"), ("entry", "competitor"), ("panelseat", "judge"), ("heatentry", "entry")],
)
def test_autocomplete_lists_only_the_assigned_competition(
    x_organizer_client, x, y, model_name, field_name
):
    response = x_organizer_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "competitions",
            "model_name": model_name,
            "field_name": field_name,
            # What the widget on one of X's forms sends (a panel's, a heat's).
            "competition": x.competition.pk,
        },
    )

    labels = [r["text"] for r in response.json()["results"]]
    assert labels
    assert all("Yonder" not in label for label in labels), labels


def test_an_action_on_another_competitions_objects_does_nothing(x_organizer_client, x, y):
    x_organizer_client.post(
        reverse("admin:competitions_registrationlink_changelist"),
        {"action": "revoke", ACTION_CHECKBOX_NAME: [x.link.pk, y.link.pk], "confirmed": "yes"},
    )
    x_organizer_client.post(
        reverse("admin:competitions_judge_changelist"),
        {
            "action": "delete_selected",
            ACTION_CHECKBOX_NAME: [x.judge.pk, y.judge.pk],
            "post": "yes",
        },
    )

    x.link.refresh_from_db()
    y.link.refresh_from_db()
    assert (x.link.revoked_at is not None, y.link.revoked_at) == (True, None)
    assert list(Judge.objects.values_list("name", flat=True)) == ["Yonder Judge"]


def test_a_transition_action_is_handed_only_the_assigned_competition(
    x_organizer_client, x, y, monkeypatch
):
    handed = []
    monkeypatch.setattr(
        competitions.admin.actions,
        "_run_transitions",
        lambda modeladmin, request, queryset, **kwargs: handed.extend(queryset),
    )

    x_organizer_client.post(
        reverse("admin:competitions_competition_changelist"),
        {
            "action": "move_to_cancelled",
            ACTION_CHECKBOX_NAME: [x.competition.pk, y.competition.pk],
            "confirmed": "yes",
        },
    )

    assert handed == [x.competition]


def test_site_wide_organizer_still_sees_every_competition(client, organizer, x, y):
    sign_in_staff(client, organizer)

    page = client.get(reverse("admin:competitions_event_changelist")).content.decode()
    change = client.get(url(y.event))

    assert "Xanadu Latin" in page
    assert "Yonder Latin" in page
    assert change.status_code == 200


def test_assigned_organizer_cannot_create_competitions(x_organizer_client, x):
    response = x_organizer_client.get(reverse("admin:competitions_competition_add"))

    assert response.status_code == 403


def test_assigned_organizer_sees_no_site_wide_models(x_organizer_client, x):
    index = x_organizer_client.get(reverse("admin:index")).content.decode()
    failed_jobs = x_organizer_client.get(url(FailedJob, "changelist"))

    assert "Failed jobs" not in index
    assert "Events" in index
    assert failed_jobs.status_code == 403


def test_assigned_scrutineer_cannot_use_organizer_pages(client, x, y):
    sign_in_staff(client, assign("xscrut", StaffRole.SCRUTINEER, x.competition))

    events = client.get(url(Event, "changelist"))
    add_event = client.get(reverse("admin:competitions_event_add"))
    add_link = client.get(reverse("admin:competitions_registrationlink_add"))
    change = client.post(url(x.event), {"name": "Renamed", "position": 1, "style": "latin"})
    competition_page = client.get(url(x.competition)).content.decode()

    x.event.refresh_from_db()
    assert events.status_code == 200
    assert "Xanadu Latin" in events.content.decode()
    assert "Yonder" not in events.content.decode()
    assert (add_event.status_code, add_link.status_code, change.status_code) == (403, 403, 403)
    assert x.event.name == "Xanadu Latin"
    assert "move_to_cancelled" not in competition_page
    assert 'id="staff-group"' not in competition_page


def test_staff_inline_refuses_a_non_staff_scrutineer(x_organizer_client, x):
    outsider = UserFactory(username="notstaff")

    response = post_back(
        x_organizer_client,
        url(x.competition),
        **{
            "staff-TOTAL_FORMS": "2",
            "staff-1-user": outsider.pk,
            "staff-1-role": StaffRole.SCRUTINEER,
        },
    )

    assert response.status_code == 200
    assert "give this account staff status first" in response.content.decode()
    assert not CompetitionStaff.objects.filter(user=outsider).exists()


def test_staff_inline_assigns_a_staff_scrutineer_and_a_non_staff_announcer(
    x_organizer_client, x, y
):
    scrutineer = UserFactory(username="desk", is_staff=True)
    announcer = UserFactory(username="mc")

    response = post_back(
        x_organizer_client,
        url(x.competition),
        **{
            "staff-TOTAL_FORMS": "3",
            "staff-1-user": scrutineer.pk,
            "staff-1-role": StaffRole.SCRUTINEER,
            "staff-2-user": announcer.pk,
            "staff-2-role": StaffRole.ANNOUNCER,
        },
    )

    assert response.status_code == 302
    assert set(x.competition.staff.values_list("user__username", "role")) == {
        ("xorg", "organizer"),
        ("desk", "scrutineer"),
        ("mc", "announcer"),
    }


def test_staff_inline_offers_no_judge_or_superuser_accounts(x_organizer_client, x):
    UserFactory(username="boss", is_superuser=True, is_staff=True)
    UserFactory(username="panel", roles=["judge"])
    UserFactory(username="mc")

    form = x_organizer_client.get(url(x.competition)).context["inline_admin_formsets"]
    staff = next(f for f in form if f.formset.prefix == "staff").formset

    offered = {u.username for u in staff.empty_form.fields["user"].queryset}
    assert {"xorg", "mc"} <= offered
    assert not {"boss", "panel"} & offered


def test_every_competition_owned_admin_is_scoped():
    owned = {
        model: model_admin
        for model, model_admin in django_admin.site._registry.items()
        if model._meta.app_label in ("competitions", "adjudication") and model is not FailedJob
    }

    unscoped = sorted(
        m.__name__ for m, a in owned.items() if not isinstance(a, CompetitionScopedAdmin)
    )
    inlines = {
        inline.__name__
        for model_admin in owned.values()
        for inline in model_admin.inlines
        if not issubclass(inline, CompetitionScopedInline)
    }
    assert unscoped == []
    assert inlines == {"CompetitionStaffInline"}


@pytest.fixture
def marks(x, y):
    made = {}
    for word, built in (("x", x), ("y", y)):
        sheet = SheetFactory(round=built.round, judge=built.judge)
        made[word] = {
            "sheet": sheet,
            "markchange": MarkChangeFactory(sheet=sheet),
        }
    return made


@pytest.mark.parametrize("kind", ["sheet", "markchange"])
def test_adjudication_admin_shows_only_the_assigned_competition(x_organizer_client, marks, kind):
    changelist = x_organizer_client.get(url(marks["x"][kind], "changelist"))
    elsewhere = x_organizer_client.get(url(marks["y"][kind]), follow=True)

    assert changelist.status_code == 200
    assert "Xanadu" in changelist.content.decode()
    assert "Yonder" not in changelist.content.decode()
    assert elsewhere.redirect_chain == [(reverse("admin:index"), 302)]


def test_judge_account_choices_of_an_assigned_organizer_are_judge_accounts(x_organizer_client, x):
    UserFactory(username="panel", roles=["judge"])
    UserFactory(username="desk", roles=["scrutineer"])

    form = x_organizer_client.get(url(x.judge)).context["adminform"].form

    assert [u.username for u in form.fields["user"].queryset] == ["panel"]
