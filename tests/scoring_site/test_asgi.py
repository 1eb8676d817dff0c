import os
import subprocess
import sys


def test_the_asgi_application_loads_the_urlconf_before_the_first_request(tmp_path):
    """A worker imports its views while it starts, not in the first request it serves
    (which would keep the first judge's sheet waiting about 0.7 s after a restart)."""
    script = (
        "import sys\n"
        "import scoring_site.asgi\n"
        "from django.urls import get_resolver\n"
        "resolver = get_resolver()\n"
        "assert 'url_patterns' in resolver.__dict__, 'URLconf not loaded'\n"
        "assert resolver._populated, 'reverse table not built'\n"
        "assert 'adjudication.api' in sys.modules\n"
        "print('ok')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "scoring_site.settings.base",
            "PODIUM_DATA_DIR": str(tmp_path),
        },
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
