"""A judge's account is judge-only: the admin offers nothing else, the model and the
database refuse a staff, superuser or other-role account, and a tablet code neither
signs such an account in nor counts as anyone's second factor."""

import contextlib

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice

from accounts.two_factor import backup_codes_issue
from adjudication.models import TabletSession
from adjudication.tablet.sessions import TABLET_DEVICE, TabletRefused, tablet_code_issue
from competitions.db_rules import DB_RULES, drop_db_rules, install_db_rules
from tests.adjudication.day import build_day
from tests.factories.accounts import UserFactory
from tests.support.auth import sign_in_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def day():
    return build_day()


@contextlib.contextmanager
def without_judge_account_rules():
    """As if a staff account got linked anyway (e.g. before these rules existed)."""
    rules = tuple(rule for rule in DB_RULES if "judge_only" in rule.name)
    drop_db_rules(connection, rules)
    try:
        yield
    finally:
        install_db_rules(connection, rules)


def judge_change(client, judge, user):
    return client.post(
        reverse("admin:competitions_judge_change", args=[judge.pk]),
        {"letter": judge.letter, "name": judge.name, "user": user.pk},
    )


def test_judge_admin_refuses_a_staff_account_with_a_message(client, day):
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    sign_in_staff(client, superuser)
    judge = day.judges[0]

    response = judge_change(client, judge, superuser)

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    judge.refresh_from_db()
    assert judge.user is None


def test_judge_admin_offers_only_judge_only_accounts(client, day):
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    UserFactory(username="organizer-x", roles=["organizer"])
    UserFactory(username="announcer-x", roles=["announcer"])
    UserFactory(username="judge-x", roles=["judge"])
    sign_in_staff(client, superuser)

    page = client.get(reverse("admin:competitions_judge_change", args=[day.judges[0].pk]))

    offered = page.context["adminform"].form.fields["user"].queryset
    assert [user.username for user in offered] == ["judge-x"]


def test_judge_admin_accepts_a_judge_only_account(client, day):
    sign_in_staff(client, UserFactory(username="root", is_staff=True, is_superuser=True))
    account = UserFactory(username="judge-x", roles=["judge"])
    judge = day.judges[0]

    response = judge_change(client, judge, account)

    assert response.status_code == 302
    judge.refresh_from_db()
    assert judge.user == account


def test_judge_model_refuses_a_staff_account(day):
    judge = day.judges[0]
    judge.user = UserFactory(username="scrut", roles=["scrutineer"])

    with pytest.raises(ValidationError) as refused:
        judge.full_clean()

    assert "judge-only account" in refused.value.message_dict["user"][0]


@pytest.mark.parametrize("flags", [{"is_staff": True}, {"is_superuser": True}])
def test_the_database_refuses_a_staff_or_superuser_account_for_a_judge(day, flags):
    judge = day.judges[0]
    account = UserFactory(username="powerful", **flags)

    with pytest.raises(IntegrityError), transaction.atomic():
        type(judge).objects.filter(pk=judge.pk).update(user=account)

    judge.refresh_from_db()
    assert judge.user is None


def test_the_database_refuses_an_account_holding_another_role_for_a_judge(day):
    account = UserFactory(username="organizer-x", roles=["organizer"])
    account.is_staff = False
    account.save(update_fields=["is_staff"])

    with pytest.raises(IntegrityError), transaction.atomic():
        type(day.judges[0]).objects.filter(pk=day.judges[0].pk).update(user=account)


@pytest.mark.parametrize("flag", ["is_staff", "is_superuser"])
def test_the_database_refuses_making_a_judges_account_staff(day, flag):
    tablet_code_issue(judge=day.judges[0], actor=None)
    user_id = type(day.judges[0]).objects.get(pk=day.judges[0].pk).user_id

    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory._meta.model.objects.filter(pk=user_id).update(**{flag: True})


def test_the_database_refuses_an_organizer_role_for_a_judges_account(day):
    tablet_code_issue(judge=day.judges[0], actor=None)
    day.judges[0].refresh_from_db()

    with pytest.raises(IntegrityError), transaction.atomic():
        day.judges[0].user.groups.add(Group.objects.get(name="organizer"))


def test_a_judges_account_changes_otherwise_freely(day):
    tablet_code_issue(judge=day.judges[0], actor=None)
    day.judges[0].refresh_from_db()
    account = day.judges[0].user

    account.first_name = "Renamed"
    account.save(update_fields=["first_name"])
    account.groups.add(Group.objects.get(name="competitor"))

    assert account.groups.count() == 2


def test_user_admin_refuses_making_a_judges_account_staff_with_a_message(client, day):
    sign_in_staff(client, UserFactory(username="root", is_staff=True, is_superuser=True))
    tablet_code_issue(judge=day.judges[0], actor=None)
    day.judges[0].refresh_from_db()
    account = day.judges[0].user

    response = client.post(
        reverse("admin:accounts_user_change", args=[account.pk]),
        {
            "username": account.username,
            "is_active": "on",
            "is_staff": "on",
            "date_joined_0": "2025-01-01",
            "date_joined_1": "10:00:00",
        },
    )

    assert response.status_code == 200
    assert "This account judges." in response.content.decode()
    account.refresh_from_db()
    assert not account.is_staff


def test_the_desk_gives_no_code_for_a_judge_whose_account_is_staff(client, day, scrutineer):
    judge = day.judges[0]
    with without_judge_account_rules():
        judge.user = UserFactory(username="root", is_staff=True, is_superuser=True)
        judge.save(update_fields=["user"])
    sign_in_staff(client, scrutineer)

    response = client.post(reverse("adjudication:desk-tablet-code", args=[judge.pk]))

    assert response.status_code == 403
    assert not StaticDevice.objects.filter(name=TABLET_DEVICE).exists()


def test_no_code_for_an_existing_staff_account_of_the_judges_name(day):
    judge = day.judges[0]
    UserFactory(username=f"judge-{day.competition.slug}-a", is_staff=True)

    with pytest.raises(TabletRefused, match="not a judge's account"):
        tablet_code_issue(judge=judge, actor=None)

    judge.refresh_from_db()
    assert judge.user is None


def test_tablet_sign_in_refuses_a_judge_whose_account_became_staff(client, day):
    judge = day.judges[0]
    code = tablet_code_issue(judge=judge, actor=None)
    judge.refresh_from_db()
    with without_judge_account_rules():
        type(judge.user).objects.filter(pk=judge.user_id).update(is_staff=True, is_superuser=True)

    page = client.post(
        reverse("adjudication:tablet-sign-in"),
        {"competition": day.competition.slug, "letter": "A", "code": code},
    )
    api = client.post(
        reverse("api:judge-token"),
        {"competition": day.competition.slug, "letter": "A", "code": code},
        content_type="application/json",
    )

    assert page.status_code == 400
    assert "cannot sign in on a tablet" in page.content.decode()
    assert api.status_code == 401
    assert "_auth_user_id" not in client.session
    assert not TabletSession.objects.exists()


def staff_session_with_tablet_device(client, day):
    """A superuser's session verified by a tablet's device: what the attack left behind."""
    judge = day.judges[0]
    tablet_code_issue(judge=judge, actor=None)
    judge.refresh_from_db()
    device = StaticDevice.objects.get(user=judge.user, name=TABLET_DEVICE)
    with without_judge_account_rules():
        type(judge.user).objects.filter(pk=judge.user_id).update(is_staff=True, is_superuser=True)
    client.force_login(judge.user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return judge


def test_a_tablet_device_opens_neither_the_admin_nor_the_desk(client, day):
    staff_session_with_tablet_device(client, day)

    admin_page = client.get(reverse("admin:index"))
    desk = client.get(reverse("adjudication:desk"))

    assert admin_page.status_code == 302
    assert desk.status_code == 302
    assert reverse("admin:login") in desk["Location"]


def test_a_tablet_code_is_not_a_staff_second_factor(client, day):
    judge = day.judges[0]
    tablet_code_issue(judge=judge, actor=None)
    judge.refresh_from_db()
    with without_judge_account_rules():
        type(judge.user).objects.filter(pk=judge.user_id).update(is_staff=True)
    backup_codes_issue(user=judge.user)  # a second factor of its own
    device = StaticDevice.objects.get(user=judge.user, name=TABLET_DEVICE)
    token = device.token_set.get().token
    client.force_login(judge.user)

    response = client.post(reverse("accounts:two-factor"), {"token": token})

    assert response.status_code == 400
    assert device.token_set.filter(token=token).exists()
    assert client.get(reverse("admin:index")).status_code == 302
