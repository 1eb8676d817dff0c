"""The ASGI application: Django for HTTP, Channels for websockets."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scoring_site.settings.base")

# Django must be set up before anything imports models.
django.setup(set_prefix=False)

from scoring_site.handler import ASGIHandler  # noqa: E402

django_asgi_app = ASGIHandler()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import get_resolver  # noqa: E402

from scoring_site import collector  # noqa: E402
from scoring_site.routing import websocket_urlpatterns  # noqa: E402

# Import every URL pattern, and with them every view module, while the worker starts
# rather than in the first HTTP request it serves (Django loads the URLconf lazily), which
# the first judge to send a sheet after a restart would otherwise wait for
# (docs/benchmarks.md, live screens).
get_resolver().reverse_dict  # noqa: B018

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # Sign-in is per route: the public live socket needs none (scoring_site/routing.py).
        "websocket": AllowedHostsOriginValidator(URLRouter(websocket_urlpatterns)),
    }
)

# Last: what start-up built stays for the life of the process; keep it out of the
# garbage collector's way, and let requests' temporaries die young (scoring_site/collector.py).
collector.settle()
