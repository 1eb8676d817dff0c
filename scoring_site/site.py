"""The address people reach Podium at, for links and QR codes, and this machine's
address on the hall's network."""

from __future__ import annotations

import socket

from django.conf import settings


def lan_address() -> str:
    """The address other devices in the hall (tablets, the projector) can reach."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent for UDP connect
            return probe.getsockname()[0]
        except OSError:
            return "127.0.0.1"


def local_hosts() -> list[str]:
    """The names this machine answers to on its own and on the hall's network: the
    embedded default's ALLOWED_HOSTS."""
    name = socket.gethostname()
    hosts = ["localhost", "127.0.0.1", "[::1]", lan_address(), name, f"{name}.local"]
    return list(dict.fromkeys(host.lower() for host in hosts if host))


def site_address(request=None) -> str:
    """The site's address without a trailing slash: SITE_URL when set, else the address
    ``request`` came in on (its Host checked against ALLOWED_HOSTS), else ""."""
    if settings.SITE_URL:
        return settings.SITE_URL.rstrip("/")
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return ""
