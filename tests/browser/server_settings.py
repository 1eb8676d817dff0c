"""Settings of the second ASGI server (tests/browser/servers.py): the production settings,
on the test's database, with the test worker's own channel prefix."""

import os

from scoring_site.settings.base import *  # noqa: F403
from scoring_site.settings.base import CHANNEL_LAYERS

CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = os.environ["PODIUM_TEST_CHANNEL_PREFIX"]
