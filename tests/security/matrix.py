"""The permission matrix of docs/security.md, read from the document itself.

The table between ``<!-- matrix:start -->`` and ``<!-- matrix:end -->`` has one row per
action and one column per role. An action is written ``METHOD route`` (the route as
Django's URL resolver spells it, or a websocket route after ``WS``), optionally followed
by a variant in plain text; a cell is the one answer that role must get:

* a status code (``200``, ``201``, ``400``, ``401``, ``403``, ``404``, ``405``, ``409``);
* ``login``: redirected to the admin sign-in (password, then the second factor);
* ``tablet``: redirected to the tablet sign-in;
* ``2fa``: redirected to the second step of the staff sign-in (verify or enrol);
* ``done`` / ``refused``: redirected back with a success / an error message (a desk or
  admin action the page took / a service refused for a finer permission or the state);
* ``302``: redirected elsewhere, no message;
* websockets: ``open`` (accepted, a snapshot sent) or the close code ``4401``, ``4403``,
  ``4404``.

Adding a route: add its row to the table. A variant needs an entry in ``VARIANTS``
(tests/security/test_matrix.py) saying what it changes; a new URL parameter needs a
value in ``World.params``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "security.md"
ROLES = (
    "anonymous",
    "competitor",
    "judge",
    "scrutineer",
    "chairman",
    "organizer",
    "superuser",
    "unverified",
    "other staff",
)
_ACTION = re.compile(r"^`(GET|POST|PUT|PATCH|DELETE|WS) ([^`]*)`\s*(.*)$")


@dataclass(frozen=True)
class Row:
    method: str
    route: str
    variant: str
    expected: dict[str, str]

    @property
    def key(self) -> str:
        return f"{self.method} {self.route}" + (f" [{self.variant}]" if self.variant else "")


def table_lines(name: str, text: str | None = None) -> list[list[str]]:
    text = DOC.read_text() if text is None else text
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    if start not in text or end not in text:
        raise AssertionError(f"docs/security.md has no {start} … {end} table")
    body = text.split(start, 1)[1].split(end, 1)[0]
    rows = []
    for line in body.strip().splitlines():
        line = line.strip()
        if not line.startswith("|") or set(line) <= set("|-: "):
            continue
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def matrix_rows(text: str | None = None) -> list[Row]:
    lines = table_lines("matrix", text)
    header, body = lines[0], lines[1:]
    roles = [cell.strip("` ").lower() for cell in header[1:]]
    if tuple(roles) != ROLES:
        raise AssertionError(f"the matrix's columns must be {ROLES}, not {tuple(roles)}")
    rows = []
    for cells in body:
        match = _ACTION.match(cells[0])
        if match is None:
            raise AssertionError(f"cannot read the action {cells[0]!r} (write `METHOD route`)")
        if len(cells) != len(ROLES) + 1:
            raise AssertionError(f"{cells[0]}: {len(cells) - 1} cells for {len(ROLES)} roles")
        method, route, variant = match.groups()
        expected = dict(zip(ROLES, (c.strip("` ") for c in cells[1:]), strict=True))
        rows.append(Row(method, route, variant.strip(), expected))
    keys = [row.key for row in rows]
    duplicates = {k for k in keys if keys.count(k) > 1}
    if duplicates:
        raise AssertionError(f"rows listed twice: {sorted(duplicates)}")
    return rows


def resolver_routes() -> set[str]:
    """Every HTTP route Podium serves, as the resolver spells it (admin pages apart)."""
    from django.urls import URLResolver, get_resolver

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern)

    return set(walk(get_resolver().url_patterns))


def websocket_routes() -> set[str]:
    from scoring_site.routing import websocket_urlpatterns

    return {str(pattern.pattern) for pattern in websocket_urlpatterns}


def admin_changelists() -> set[str]:
    from django.contrib import admin

    return {
        f"admin/{model._meta.app_label}/{model._meta.model_name}/" for model in admin.site._registry
    }


def staff_of_another_competition(username: str):
    """A staff account holding every staff role, but on another competition only."""
    from competitions.models import CompetitionStaff, StaffRole
    from tests.factories.accounts import UserFactory
    from tests.factories.competitions import CompetitionFactory

    user = UserFactory(username=username, is_staff=True)
    elsewhere = CompetitionFactory()
    for role in StaffRole.values:
        CompetitionStaff.objects.create(competition=elsewhere, user=user, role=role)
    return user
