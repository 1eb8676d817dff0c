"""The rules of docs/architecture.md ("Rules the tests enforce") over the real tree, and
the checker itself on deliberate wrong-way imports parsed from strings."""

from pathlib import Path

import pytest

from tests.architecture.imports import (
    cycles,
    layering_violations,
    plumbing_violations,
    read_tree,
    scan,
    uncommented,
)

ROOT = Path(__file__).resolve().parents[2]
TREE = scan(read_tree(ROOT))


def test_tree_is_read():
    assert len({i.path for i in TREE}) > 100


@pytest.mark.parametrize(
    "rule",
    [
        # an app imports only apps to its left (and scoring_site's plumbing)
        layering_violations,
        # scoring_site's plumbing imports no app and no wiring
        plumbing_violations,
        # no module-level import cycle, in-function imports counted
        cycles,
        # an in-function import says why it is not at the top
        uncommented,
    ],
    ids=["layering", "plumbing", "cycles", "in-function-imports-say-why"],
)
def test_tree_keeps_the_rule(rule):
    problems = rule(TREE)

    assert problems == [], "\n".join(problems)


# --- The checker on deliberate breaks -----------------------------------------------------


def test_layering_reports_a_wrong_way_import_with_its_line():
    imports = scan(
        {
            "competitions/x.py": "import accounts.models\n\nimport leaderboard.models\n",
            "leaderboard/models.py": "",
            "accounts/models.py": "",
        }
    )

    problems = layering_violations(imports)

    assert problems == [
        "competitions/x.py:3: competitions imports leaderboard.models (leaderboard comes after it)"
    ]


def test_layering_reports_an_import_hidden_in_a_function_and_a_relative_one():
    imports = scan(
        {
            "accounts/a.py": "def f():\n    from competitions import models  # why\n",
            "adjudication/management/commands/b.py": "from ....leaderboard import views\n",
            "competitions/models.py": "",
            "leaderboard/views.py": "",
        }
    )

    problems = layering_violations(imports)

    assert problems == [
        "accounts/a.py:2: accounts imports competitions.models (competitions comes after it)",
        "adjudication/management/commands/b.py:1: "
        "adjudication imports leaderboard.views (leaderboard comes after it)",
    ]


def test_layering_reports_an_app_importing_the_wiring():
    imports = scan({"leaderboard/a.py": "from scoring_site.urls import urlpatterns\n"})

    problems = layering_violations(imports)

    assert problems == ["leaderboard/a.py:1: leaderboard imports the wiring scoring_site.urls"]


def test_plumbing_reports_an_app_import_and_the_wiring_may_import_apps():
    imports = scan(
        {
            "scoring_site/cache.py": "from scoring_site import routing\n",
            "scoring_site/realtime.py": "def f():\n    # why\n    import leaderboard.broadcast\n",
            "scoring_site/urls.py": "import leaderboard.views\n",
            "scoring_site/settings/base.py": "import accounts\n",
            "scoring_site/operations.py": (
                "from django.apps import apps\n"
                "def count():\n"
                '    return apps.get_model("competitions", "FailedJob").objects.count()\n'
            ),
            "scoring_site/routing.py": "",
        }
    )

    problems = plumbing_violations(imports)

    assert problems == [
        "scoring_site/cache.py:1: plumbing scoring_site.cache imports the wiring "
        "scoring_site.routing",
        "scoring_site/operations.py:3: plumbing scoring_site.operations imports the app module "
        "competitions.models",
        "scoring_site/realtime.py:3: plumbing scoring_site.realtime imports the app module "
        "leaderboard.broadcast",
    ]


def test_cycles_report_the_path_counting_in_function_imports():
    imports = scan(
        {
            "accounts/audit.py": "from accounts.signin import lock\n",
            "accounts/signin.py": "def f():\n    from accounts import audit  # cycle\n",
            "accounts/models.py": "",
            "accounts/views.py": "from accounts import audit, models\n",
        }
    )

    problems = cycles(imports)

    assert problems == [
        "accounts.audit → accounts.signin → accounts.audit "
        "(accounts/audit.py:1 accounts.signin, accounts/signin.py:2 accounts.audit)"
    ]


def test_in_function_imports_without_a_reason_are_reported():
    imports = scan(
        {
            "leaderboard/a.py": (
                "import json\n"
                "def f():\n"
                "    import os\n"
                "    import re  # noqa: PLC0415\n"
                "def g():\n"
                "    # imported late: the app registry is not ready at import time\n"
                "    import os\n"
                "    import re\n"
                "\n"
                "    import csv  # only for the export\n"
                "class C:\n"
                "    import zlib\n"
            )
        }
    )

    problems = uncommented(imports)

    assert problems == [
        "leaderboard/a.py:3: import of os in a function says not why",
        "leaderboard/a.py:4: import of re in a function says not why",
        "leaderboard/a.py:12: import of zlib in a function says not why",
    ]
