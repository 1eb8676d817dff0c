import pytest
from django.contrib.auth.models import Group

from accounts.roles import Role
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db


def test_every_role_exists_as_a_group():
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)


@pytest.mark.parametrize(
    ("role", "permission", "granted"),
    [
        ("organizer", "competitions.add_event", True),
        ("organizer", "competitions.transition_competition", True),
        ("scrutineer", "competitions.transition_round", True),
        ("scrutineer", "competitions.change_event", False),
        ("scrutineer", "competitions.transition_competition", False),
        ("chairman", "competitions.view_entry", True),
        ("chairman", "competitions.delete_entry", False),
        ("judge", "competitions.view_entry", False),
        ("competitor", "competitions.view_competitor", False),
    ],
)
def test_role_permissions(role, permission, granted):
    user = UserFactory(roles=[role])

    assert user.has_perm(permission) is granted
    assert user.has_role(Role(role))


def test_desk_roles_are_staff_and_judges_are_not():
    assert UserFactory(roles=["scrutineer"]).is_staff
    assert not UserFactory(roles=["judge"]).is_staff
