import pytest

from scoring_site import realtime


@pytest.fixture
def heard(monkeypatch):
    """Only this test's listener, and a transport that sends nothing."""
    monkeypatch.setattr(realtime, "_listeners", [])
    monkeypatch.setattr(realtime, "_transport", lambda competition_id, message: None)
    kinds: list[str] = []

    def listener(competition_id: int, kind: str) -> None:
        kinds.append(kind)

    realtime.add_listener(listener)
    return listener, kinds


@pytest.mark.django_db
def test_a_listener_hears_a_committed_change(heard, django_capture_on_commit_callbacks):
    _, kinds = heard

    with django_capture_on_commit_callbacks(execute=True):
        realtime.announce(51, "round.opened")

    assert kinds == ["round.opened"]


@pytest.mark.django_db
def test_a_removed_listener_hears_nothing_more(heard, django_capture_on_commit_callbacks):
    listener, kinds = heard

    realtime.remove_listener(listener)
    realtime.remove_listener(listener)  # a second removal is harmless
    with django_capture_on_commit_callbacks(execute=True):
        realtime.announce(52, "round.opened")

    assert kinds == []
