"""The cost bench's server settings: the site's, with ``bench/cost_floor.py``'s routes
before the site's own."""

from scoring_site.settings.base import *  # noqa: F403

ROOT_URLCONF = "bench.cost_floor"
