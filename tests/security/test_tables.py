"""The other tables of docs/security.md: finer rights per role, and the commands."""

import pytest
from django.core.management import get_commands

from tests.factories.accounts import UserFactory
from tests.security.matrix import table_lines

pytestmark = pytest.mark.django_db

PODIUM_APPS = ("accounts", "competitions", "adjudication", "leaderboard", "scoring_site")


def test_rights_table():
    lines = table_lines("rights")
    roles = [cell.lower() for cell in lines[0][2:]]
    users = {role: UserFactory(username=f"rights-{role}", roles=[role]) for role in roles}
    wrong = []
    for cells in lines[1:]:
        permission = cells[0].strip("`")
        for role, cell in zip(roles, cells[2:], strict=True):
            holds = users[role].has_perm(permission)
            if holds != (cell == "yes"):
                wrong.append(f"{permission} {role}: table says {cell}, the role has {holds}")
    assert wrong == []


def test_no_judge_or_competitor_holds_a_permission():
    for role in ("judge", "competitor"):
        user = UserFactory(username=f"rights-{role}", roles=[role])
        assert user.get_all_permissions() == set()


def test_every_command_is_listed():
    listed = {cells[0].strip("`") for cells in table_lines("commands")[1:]}
    ours = {name for name, app in get_commands().items() if app in PODIUM_APPS}
    assert ours == listed
