"""The image's HEALTHCHECK: GET /healthz on the local web server; exit 0 only on 200.

The slim base image has no curl. The request carries a Host header taken from
ALLOWED_HOSTS, so a production site (where 127.0.0.1 is not an allowed host)
answers the probe instead of refusing it with 400. /healthz is exempt from the
HTTPS redirect (settings.SECURE_REDIRECT_EXEMPT).
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request


def probe_host() -> str:
    for entry in os.environ.get("ALLOWED_HOSTS", "").split(","):
        entry = entry.strip().lstrip(".")
        if entry and entry != "*":
            return entry
    return "localhost"


def main() -> int:
    port = os.environ.get("HEALTHCHECK_PORT", "8000")
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/healthz", headers={"Host": probe_host()}
    )
    try:
        # bandit: the URL is built from a fixed http://127.0.0.1 address
        with urllib.request.urlopen(request, timeout=4) as response:  # nosec B310
            status, body = response.status, response.read(500)
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read(500)
    except OSError as exc:
        print(f"healthcheck: {exc}", file=sys.stderr)
        return 1
    if status != 200:
        print(f"healthcheck: HTTP {status} {body!r}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
