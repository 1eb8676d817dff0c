from django.apps import AppConfig


class LeaderboardConfig(AppConfig):
    name = "leaderboard"

    def ready(self) -> None:
        # Imported once the app registry is ready: signals and broadcast import models.
        from leaderboard import signals  # noqa: F401  (connects the receivers)
        from leaderboard.broadcast import nudge, public_changed
        from scoring_site.realtime import add_listener, set_transport

        add_listener(public_changed)
        set_transport(nudge)
