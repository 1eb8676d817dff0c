import os
import subprocess
import sys


def _in_a_worker(tmp_path, script, **env):
    """Run ``script`` in a fresh interpreter with production settings, as a worker
    starts (the test process has long loaded its URLconf and collected its garbage)."""
    return subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "scoring_site.settings.base",
            "PODIUM_DATA_DIR": str(tmp_path),
            **env,
        },
        timeout=120,
    )


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
        "assert 'adjudication.tablet.api' in sys.modules\n"
        "print('ok')\n"
    )
    done = _in_a_worker(tmp_path, script)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def _load_asgi(tmp_path, **env):
    script = (
        "import gc\nimport scoring_site.asgi\nprint(gc.get_freeze_count(), *gc.get_threshold())\n"
    )
    return _in_a_worker(tmp_path, script, **env)


def test_a_worker_freezes_what_start_up_built_and_raises_the_young_threshold(tmp_path):
    """Full collections stop walking Django's start-up objects, and requests'
    temporaries die young (scoring_site/collector.py)."""
    done = _load_asgi(tmp_path)
    assert done.returncode == 0, done.stderr
    frozen, young, older, oldest = map(int, done.stdout.split())
    assert frozen > 50_000  # modules, classes, settings, the URLconf
    assert (young, older, oldest) == (10_000, 10, 10)

    done = _load_asgi(tmp_path, PODIUM_GC_THRESHOLD="2000")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[1] == "2000"


def test_the_collector_can_be_left_as_python_sets_it(tmp_path):
    done = _load_asgi(tmp_path, PODIUM_GC_THRESHOLD="0")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0", "700", "10", "10"]


def test_a_bad_collector_threshold_stops_the_worker_with_a_clear_message(tmp_path):
    done = _load_asgi(tmp_path, PODIUM_GC_THRESHOLD="-5")
    assert done.returncode != 0
    assert "PODIUM_GC_THRESHOLD" in done.stderr
