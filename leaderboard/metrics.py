"""``/metrics`` for Prometheus: django-prometheus's request, response and database metrics,
plus Podium's own gauges, read when Prometheus scrapes:

* ``podium_live_viewers``: public websocket viewers connected to the answering process
  (label ``pid``: with several web workers, each scrape reaches one of them);
* ``podium_sheets_last_minute``: sheets sent in the last 60 seconds (every competition);
* ``podium_sheets_missing``: per open round, the sheets still missing;
* ``podium_celery_queue_depth``: jobs waiting in the broker;
* ``podium_dead_letters``: failed jobs nobody has retried yet;
* ``podium_up``: 1 per part (database, redis, workers) that answers, else 0.

Set ``METRICS_TOKEN`` to require ``Authorization: Bearer <token>`` (Prometheus's
``bearer_token``); without it the endpoint is open, as a probe's would be.
"""

from __future__ import annotations

import datetime as dt
import hmac
import os

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from prometheus_client.core import GaugeMetricFamily

from adjudication.models import Sheet
from adjudication.services import round_progress
from competitions.models import Round, RoundStatus
from competitions.selectors import failed_job_waiting_count, outbox_waiting
from leaderboard.hub import viewers_connected
from scoring_site import operations


class PodiumCollector:
    def describe(self):
        """The metrics' names, without reading anything (registration calls this)."""
        return [
            GaugeMetricFamily(name, "", labels=labels)
            for name, labels in (
                ("podium_live_viewers", ["pid"]),
                ("podium_sheets_last_minute", None),
                ("podium_sheets_missing", ["competition", "round"]),
                ("podium_celery_queue_depth", None),
                ("podium_dead_letters", None),
                ("podium_up", ["part"]),
            )
        ]

    def collect(self):
        viewers = GaugeMetricFamily(
            "podium_live_viewers", "Public websocket viewers of this process", labels=["pid"]
        )
        viewers.add_metric([str(os.getpid())], viewers_connected())
        yield viewers

        since = timezone.now() - dt.timedelta(minutes=1)
        yield GaugeMetricFamily(
            "podium_sheets_last_minute",
            "Sheets sent in the last 60 seconds",
            value=Sheet.objects.filter(submitted_at__gte=since).count(),
        )

        missing = GaugeMetricFamily(
            "podium_sheets_missing",
            "Sheets still missing in an open round",
            labels=["competition", "round"],
        )
        rounds = Round.objects.filter(status=RoundStatus.OPEN).select_related("event__competition")
        for round_ in rounds:
            count = sum(len(p.missing) for p in round_progress(round_))
            missing.add_metric([round_.event.competition.slug, str(round_)], count)
        yield missing

        depth = operations.celery_queue_depth()
        if depth is not None:
            yield GaugeMetricFamily(
                "podium_celery_queue_depth", "Jobs waiting in the broker", value=depth
            )
        yield GaugeMetricFamily(
            "podium_dead_letters",
            "Failed jobs not yet retried",
            value=failed_job_waiting_count(),
        )
        jobs, oldest = outbox_waiting()
        yield GaugeMetricFamily(
            "podium_outbox_jobs", "Jobs written by transactions, not yet queued", value=jobs
        )
        yield GaugeMetricFamily(
            "podium_outbox_oldest_seconds", "Age of the oldest job not yet queued", value=oldest
        )
        up = GaugeMetricFamily("podium_up", "1 when the part answers", labels=["part"])
        for check in (
            operations.database_check(),
            operations.redis_check(),
            operations.workers_check(),
        ):
            up.add_metric([check.name.lower()], 1 if check.ok else 0)
        yield up


_collector = PodiumCollector()
REGISTRY.register(_collector)


@never_cache
@require_GET
def metrics(request):
    token = getattr(settings, "METRICS_TOKEN", None)
    if not token and settings.PRODUCTION:
        # Open metrics on a laptop are handy; on a public site they tell anyone which
        # judges' sheets are missing. Production serves them only with a token.
        return HttpResponse("Set METRICS_TOKEN to serve /metrics.", status=404)
    if token:
        sent = request.headers.get("Authorization", "")
        if not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
            response = HttpResponse("A bearer token is required.", status=401)
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return response
    return HttpResponse(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)
