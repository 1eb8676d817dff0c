"""Staff assigned to one competition act there and nowhere else, in every service; a
site-wide role and a superuser act everywhere."""

import pytest
from django.core.exceptions import ValidationError

from adjudication.day.floor import FloorRefused, floor_move
from adjudication.models import Sheet
from adjudication.services import ScoringError, round_close, sheet_confirm, sheet_unlock
from adjudication.tablet.sessions import TabletRefused, tablet_code_issue
from competitions.access import competitions_where, staff_can, staff_can_somewhere
from competitions.models import CompetitionStaff, StaffRole
from competitions.services import TransitionRefused, competition_transition
from tests.adjudication.day import all_recall_sheets, build_day
from tests.factories.accounts import UserFactory
from tests.factories.competitions import CompetitionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def day():
    return build_day()


def _assigned(competition, *roles, staff=True):
    user = UserFactory(is_staff=staff)
    for role in roles:
        CompetitionStaff.objects.create(competition=competition, user=user, role=role)
    return user


def test_an_assignment_grants_its_roles_permissions_on_its_competition_only(day):
    elsewhere = CompetitionFactory()
    here = _assigned(day.competition, StaffRole.SCRUTINEER)

    assert staff_can(here, "adjudication.run_results_desk", day.competition)
    assert not staff_can(here, "adjudication.run_results_desk", elsewhere)
    assert not staff_can(here, "adjudication.unlock_sheet", day.competition)  # the chairman's
    assert staff_can_somewhere(here, "adjudication.run_results_desk")
    assert list(competitions_where(here, "adjudication.run_results_desk")) == [day.competition]


def test_a_site_wide_role_and_a_superuser_act_everywhere(day):
    elsewhere = CompetitionFactory()
    site_wide = UserFactory(roles=["scrutineer"])
    root = UserFactory(is_superuser=True, is_staff=True)

    assert staff_can(site_wide, "adjudication.run_results_desk", elsewhere)
    assert staff_can(root, "adjudication.unlock_sheet", elsewhere)
    assert competitions_where(site_wide, "adjudication.run_results_desk").count() == 2


def test_an_inactive_assigned_account_acts_nowhere(day):
    user = _assigned(day.competition, StaffRole.SCRUTINEER)
    user.is_active = False
    user.save()

    assert not staff_can(user, "adjudication.run_results_desk", day.competition)


def test_another_competitions_staff_are_refused_by_every_service(day):
    elsewhere = CompetitionFactory()
    other = _assigned(elsewhere, *StaffRole.values)
    all_recall_sheets(day)
    sheet = Sheet.objects.filter(round=day.first).first()

    with pytest.raises(ScoringError, match="permission"):
        round_close(round=day.first, actor=other)
    with pytest.raises(ScoringError, match="permission"):
        sheet_unlock(sheet=sheet, actor=other, reason="x")
    with pytest.raises(ScoringError, match="permission"):
        sheet_confirm(sheet=sheet, actor=other)
    with pytest.raises(TabletRefused, match="permission"):
        tablet_code_issue(judge=day.judges[0], actor=other)
    with pytest.raises(FloorRefused, match="permission"):
        floor_move(competition=day.competition, action="clear", actor=other)
    with pytest.raises(TransitionRefused, match="permission"):
        competition_transition(competition=day.competition, to_status="finished", actor=other)

    day.first.refresh_from_db()
    assert day.first.status == "open"


def test_the_competitions_own_staff_pass_the_same_services(day):
    scrutineer = _assigned(day.competition, StaffRole.SCRUTINEER)
    all_recall_sheets(day)

    round_close(round=day.first, actor=scrutineer)
    code = tablet_code_issue(judge=day.judges[0], actor=scrutineer)

    day.first.refresh_from_db()
    assert day.first.status == "closed"
    assert code


def test_a_desk_role_needs_a_staff_account(day):
    assignment = CompetitionStaff(
        competition=day.competition, user=UserFactory(), role=StaffRole.SCRUTINEER
    )

    with pytest.raises(ValidationError, match="staff status"):
        assignment.full_clean()


def test_the_announcer_needs_no_staff_account(day):
    assignment = CompetitionStaff(
        competition=day.competition, user=UserFactory(), role=StaffRole.ANNOUNCER
    )

    assignment.full_clean()


def test_a_judges_account_cannot_be_assigned_as_staff(day):
    tablet_code_issue(judge=day.judges[0], actor=None)
    day.judges[0].refresh_from_db()
    assignment = CompetitionStaff(
        competition=day.competition, user=day.judges[0].user, role=StaffRole.ANNOUNCER
    )

    with pytest.raises(ValidationError, match="This account judges"):
        assignment.full_clean()


def test_an_assigned_desk_role_needs_a_second_factor(day):
    from accounts.two_factor import two_factor_required

    user = _assigned(day.competition, StaffRole.CHAIRMAN)
    user.is_staff = False  # as if a raw update had got past the model's check

    assert two_factor_required(user)
