"""Settings of the second ASGI server (tests/browser/servers.py): the production
settings, on the test's database: with Redis, the test worker's own channel prefix; on
the embedded default, the test's SQLite file."""

import os

from scoring_site.settings.base import *  # noqa: F403
from scoring_site.settings.base import CACHES, CHANNEL_LAYERS, DATABASES

if "PODIUM_TEST_CHANNEL_PREFIX" in os.environ:
    CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = os.environ["PODIUM_TEST_CHANNEL_PREFIX"]
if "PODIUM_TEST_SQLITE" in os.environ:
    DATABASES["default"]["NAME"] = os.environ["PODIUM_TEST_SQLITE"]
if "PODIUM_TEST_CACHE_PREFIX" in os.environ:
    CACHES["default"]["KEY_PREFIX"] = os.environ["PODIUM_TEST_CACHE_PREFIX"]
