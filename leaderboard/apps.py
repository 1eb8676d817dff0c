from django.apps import AppConfig


class LeaderboardConfig(AppConfig):
    name = "leaderboard"

    def ready(self) -> None:
        # Imported once the app registry is ready: signals and broadcast import models.
        from leaderboard import signals  # noqa: F401  (connects the receivers)
        from leaderboard.broadcast import nudge, public_changed, serving_loop_seen
        from scoring_site.realtime import add_listener, set_transport
        from scoring_site.sockets import add_serving_hook

        add_listener(public_changed)
        set_transport(nudge)
        add_serving_hook(serving_loop_seen)
