"""Exports and backups: deterministic JSON and CSV, PDF text, the commands' refusals,
backups that restore to byte-identical exports, and damaged files refused with
nothing written."""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from pypdf import PdfReader

from accounts.models import AuditEntry, User
from adjudication.models import Mark, MarkChange, Placing
from adjudication.ops import backups
from adjudication.ops.backup_format import BACKED_UP, NOT_BACKED_UP
from adjudication.ops.backups import BackupRefused, backup_build, backup_restore
from adjudication.results.exports import export_build, results_data
from adjudication.tasks import backup_competitions_in_progress_task
from competitions.models import (
    Competition,
    CompetitionStatus,
    Competitor,
    Entry,
    Event,
    HeatEntry,
    Judge,
)
from scoring_site.spreadsheet import csv_cell
from tests.adjudication.results_helpers import (
    criteria_event_published,
    final_sheets,
    published_day,
    recall_round_published,
)
from tests.leaderboard.helpers import quiet_day
from tests.support.auth import sign_in_staff

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def run(*args, **options) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def wipe() -> None:
    """An empty database, as on a new laptop (the role groups stay: migrations make them)."""
    for competition in Competition.objects.all():
        competition.delete()
    # Accounts named in the audit log stay (the log is append-only, as on a real
    # laptop's database); a restore reuses accounts that exist by their username.
    User.objects.exclude(pk__in=AuditEntry.objects.values("actor")).delete()


@pytest.fixture
def day():
    return published_day(
        seed=3,
        extra=lambda d: criteria_event_published(d.competition, d.judges[:2], entries=3),
    )


# --- the demo, round trip ---------------------------------------------------------------------


def test_demo_round_trip_restores_byte_identical_exports(tmp_path):
    run("demo")
    run("simulate", "demo", "--seed", "2", "--quiet")
    demo = Competition.objects.get(slug="demo")
    before = {fmt: export_build(demo, fmt=fmt) for fmt in ("json", "csv")}
    marks = Mark.objects.count()
    trail = MarkChange.objects.count()
    out = tmp_path / "demo.podium-backup.gz"
    run("backup", "--out", str(out))
    wipe()
    assert Competition.objects.count() == 0 and Mark.objects.count() == 0

    message = run("restore", str(out), "--with-staff-credentials")

    restored = Competition.objects.get(slug="demo")
    assert "Restored demo" in message
    after = {fmt: export_build(restored, fmt=fmt) for fmt in ("json", "csv")}
    assert after == before
    assert (Mark.objects.count(), MarkChange.objects.count()) == (marks, trail)
    data = json.loads(after["json"])
    final = data["events"][0]["rounds"][-1]
    assert final["kind"] == "final" and final["status"] == "published"
    assert len(final["marks"]) == len(final["results"]) * len(data["events"][0]["panel"]) * 5
    # Accounts come back and can sign in with their passwords.
    assert User.objects.get(username="scrutineer").check_password("demo-scrutineer")


def test_exports_are_deterministic_and_complete(day):
    first = export_build(day.competition, fmt="json")
    second = export_build(day.competition, fmt="json")
    data = json.loads(first)

    assert first == second
    assert export_build(day.competition, fmt="csv") == export_build(day.competition, fmt="csv")
    skating, pageant = data["events"]
    assert [r["kind"] for r in skating["rounds"]] == ["first", "final"]
    assert len(skating["rounds"][0]["marks"]) == 3 * 2 * 6  # judges x dances x recalled
    assert {m["judge"] for m in pageant["rounds"][0]["marks"]} == {"A", "B"}
    assert pageant["rules"]["tie_break"] == ["judges-preference"]
    places = {
        str(p.entry.competitor.bib): str(p.place.normalize())
        for p in Placing.objects.filter(round=day.final).select_related("entry__competitor")
    }
    assert {r["entry"]: r["place"] for r in skating["rounds"][1]["results"]} == {
        bib: f"{float(place):g}" for bib, place in places.items()
    }


def test_csv_has_a_row_per_entry_per_round_and_per_mark(day):
    rows = export_build(day.competition, fmt="csv").decode().splitlines()

    kinds = [row.split(",")[0] for row in rows[1:]]
    entries_in_rounds = HeatEntry.objects.filter(heat__round__event__competition=day.competition)
    assert rows[0].startswith("record,event,round")
    assert kinds.count("entry") == entries_in_rounds.count()
    assert (
        kinds.count("mark")
        == Mark.objects.filter(sheet__round__event__competition=day.competition).count()
    )


FORMULAS = ["=1+2", "@SUM(A1:A9)", "+1", "-1", "\tx", "\rx"]


def test_csv_neutralises_cells_a_spreadsheet_would_read_as_formulas(day, tmp_path):
    competitors = list(Competitor.objects.filter(competition=day.competition).order_by("pk"))
    for competitor, club in zip(competitors, FORMULAS * len(competitors), strict=False):
        Competitor.objects.filter(pk=competitor.pk).update(club=club)
    Event.objects.filter(pk=day.event.pk).update(name="=HYPERLINK(1)")
    out = tmp_path / "results.csv"

    run("export_results", day.competition.slug, "--format", "csv", "--out", str(out))

    for data in (out.read_bytes(), export_build(day.competition, fmt="csv")):
        rows = list(csv.DictReader(io.StringIO(data.decode(), newline="")))
        clubs = {row["club"] for row in rows}
        assert clubs == {"'" + club for club in FORMULAS}
        assert {row["event"] for row in rows} >= {"'=HYPERLINK(1)"}
        cells = [cell for row in rows for cell in row.values()]
        assert [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")] == []


def test_csv_cell_leaves_ordinary_values_alone():
    assert [csv_cell(v) for v in ("Lyon", "1.5", "", 3, None, "a=b")] == [
        "Lyon",
        "1.5",
        "",
        3,
        None,
        "a=b",
    ]


def test_published_only_leaves_out_unpublished_rounds():
    day = final_sheets(recall_round_published(quiet_day(), seed=1))  # final closed, unpublished

    everything = results_data(day.competition)
    published = results_data(day.competition, published_only=True)

    assert [r["status"] for r in everything["events"][0]["rounds"]] == ["published", "closed"]
    assert [r["kind"] for r in published["events"][0]["rounds"]] == ["first"]


def test_pdf_holds_results_marks_sheets_signature_lines_and_running_order(day, tmp_path):
    out = tmp_path / "all.pdf"

    run("export_results", day.competition.slug, "--format", "pdf", "--out", str(out))

    text = pdf_text(out.read_bytes())
    assert f"{day.competition.name}: results" in text
    assert "Summary (rule 9" in text and "Recall marks" in text
    winner = Placing.objects.get(round=day.final, place=1).entry.competitor
    assert winner.display_name in text
    for judge in day.judges:
        assert f"Judge {judge.letter}: {judge.name}" in text
    assert text.count("Signature:") == 3 * 2 + 2  # 3 judges x 2 skating rounds, 2 on the pageant
    assert f"{day.competition.name}: running order" in text
    assert "Adult Latin · Round 1: First round\nEntries" in text  # one heat


def test_pdf_with_letters_only_names_no_judge_in_the_results(day):
    Competition.objects.filter(pk=day.competition.pk).update(judge_names_public=False)
    day.competition.refresh_from_db()

    text = pdf_text(export_build(day.competition, fmt="pdf", report="results"))

    assert "Adjudicators: A, B, C" in text
    assert all(judge.name not in text for judge in day.judges)


def test_public_pdf_prints_the_published_results(client, day):
    from django.urls import reverse

    response = client.get(
        reverse("leaderboard:event-results-pdf", args=[day.competition.slug, day.event.pk])
    )

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert day.event.name in text and "Summary" in text
    assert "Signature" not in text


def test_desk_prints_for_scrutineers_only(client, day, scrutineer):
    from django.urls import reverse

    url = reverse("adjudication:desk-print", args=[day.competition.slug, "judges"])
    assert client.get(url).status_code == 302  # to sign in
    client.force_login(User.objects.create_user("someone", password="x" * 12))
    assert client.get(url).status_code == 403
    sign_in_staff(client, scrutineer)

    response = client.get(url, {"event": day.event.pk})
    missing = client.get(url.replace("judges", "nope"))

    assert response.status_code == 200
    assert "Signature" in pdf_text(response.content)
    assert missing.status_code == 404
    assert client.get(url, {"event": "999999"}).status_code == 404


# --- the commands' refusals ---------------------------------------------------------------


def test_export_refuses_unknown_slug_event_and_unwritable_paths(day, tmp_path):
    slug = day.competition.slug
    with pytest.raises(CommandError, match="no competition with the slug “nope”"):
        run("export_results", "nope", "--format", "json")
    with pytest.raises(CommandError, match="has no event “Waltz”. Its events: "):
        run("export_results", slug, "--format", "json", "--event", "Waltz")
    with pytest.raises(CommandError, match="folder .* does not exist"):
        run("export_results", slug, "--format", "csv", "--out", str(tmp_path / "no" / "x.csv"))
    with pytest.raises(CommandError, match="it is a folder"):
        run("export_results", slug, "--format", "csv", "--out", str(tmp_path))
    with pytest.raises(CommandError, match="needs a file"):
        run("export_results", slug, "--format", "pdf")
    assert list(tmp_path.iterdir()) == []


def test_export_and_backup_never_replace_a_special_file(day, tmp_path):
    import os
    import stat

    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    slug = day.competition.slug

    with pytest.raises(CommandError, match="it exists and is not a regular file"):
        run("export_results", slug, "--format", "json", "--out", str(pipe))
    with pytest.raises(CommandError, match="it exists and is not a regular file"):
        run("backup", "--competition", slug, "--out", str(pipe))
    assert stat.S_ISFIFO(pipe.stat().st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_exports_and_recompute_read_one_snapshot_of_the_data(day):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from adjudication.ops.verification import competition_recompute

    for read in (
        lambda: export_build(day.competition, fmt="json"),
        lambda: competition_recompute(day.competition),
    ):
        with CaptureQueriesContext(connection) as captured:
            read()
        sql = [query["sql"] for query in captured.captured_queries]
        first_read = next(i for i, text in enumerate(sql) if text.startswith("SELECT"))
        assert "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY" in sql[:first_read]


def test_export_of_one_event_by_name_or_id(day):
    by_name = run(
        "export_results", day.competition.slug, "--format", "json", "--event", "Adult Latin"
    )
    by_id = run(
        "export_results", day.competition.slug, "--format", "json", "--event", str(day.event.pk)
    )

    assert by_name == by_id
    assert [e["name"] for e in json.loads(by_name)["events"]] == ["Adult Latin"]


def test_backup_refuses_an_unknown_slug_and_an_unwritable_path(day, tmp_path):
    with pytest.raises(CommandError, match="no competition with the slug"):
        run("backup", "--competition", "nope", "--out", str(tmp_path / "b.gz"))
    with pytest.raises(CommandError, match="does not exist"):
        run("backup", "--out", str(tmp_path / "missing" / "b.gz"))
    assert list(tmp_path.iterdir()) == []


# --- damaged and foreign files: refused, nothing written --------------------------------------


def _counts():
    return (Competition.objects.count(), User.objects.count(), Entry.objects.count())


def _envelope(data: bytes) -> dict:
    return json.loads(gzip.decompress(data))


def _pack(envelope: dict) -> bytes:
    return gzip.compress(json.dumps(envelope).encode())


def _resealed(envelope: dict) -> bytes:
    """Checksummed and signed again with this site's key, as its own backup would be."""
    envelope["sha256"] = backups.hashlib.sha256(backups.canonical(envelope["content"])).hexdigest()
    envelope[backups.SIGNATURE] = backups.backup_signature(envelope)
    return _pack(envelope)


@pytest.fixture
def backup_file(day):
    data = backup_build([day.competition])
    wipe()
    return data


def _edited(data: bytes) -> bytes:
    envelope = _envelope(data)
    table = next(t for t in envelope["content"]["tables"] if t["model"] == "adjudication.mark")
    table["rows"][0]["fields"]["value"] = "2.00"
    return _pack(envelope)


def _newer_format(data: bytes) -> bytes:
    envelope = _envelope(data)
    envelope["version"] = backups.VERSION + 1
    return _resealed(envelope)


def _newer_schema(data: bytes) -> bytes:
    envelope = _envelope(data)
    envelope["content"]["schema"]["competitions"].append("0999_from_the_future")
    return _resealed(envelope)


def _unknown_field(data: bytes) -> bytes:
    envelope = _envelope(data)
    envelope["content"]["tables"][0]["rows"][0]["fields"]["colour"] = "blue"
    return _resealed(envelope)


def _resealed_edit(edit):
    def damage(data: bytes) -> bytes:
        envelope = _envelope(data)
        edit(envelope["content"])
        return _resealed(envelope)

    return damage


def _first_row(content, model):
    return next(t for t in content["tables"] if t["model"] == model)["rows"][0]


@_resealed_edit
def _slug_a_list(content):
    _first_row(content, "competitions.competition")["fields"]["slug"] = ["x"]


@_resealed_edit
def _account_without_fields(content):
    content["users"].append({"id": 99, "fields": "x", "groups": []})


@_resealed_edit
def _reference_a_list(content):
    _first_row(content, "competitions.event")["fields"]["competition_id"] = [1]


@_resealed_edit
def _flag_a_string(content):
    _first_row(content, "competitions.entry")["fields"]["withdrawn"] = "no"


@_resealed_edit
def _number_a_string(content):
    _first_row(content, "competitions.event")["fields"]["position"] = "1"


@_resealed_edit
def _name_a_number(content):
    _first_row(content, "competitions.event")["fields"]["name"] = 7


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda d: d[: len(d) // 2], "compressed data is cut short or corrupt"),
        (lambda d: d[:-8] + b"\0" * 8, "cut short or corrupt"),
        (_edited, "checksum does not match"),
        (lambda d: b"name,club\nAnna,Lyon\n", "not a Podium backup"),
        (lambda d: gzip.compress(b'{"hello": "world"}'), "not a Podium backup"),
        (lambda d: gzip.compress(b"{not json"), "not valid JSON"),
        (_newer_format, "written by a newer Podium \\(backup format 2"),
        (_newer_schema, "migrations this one does not know \\(competitions.0999"),
        (_unknown_field, "fields of competitions.Competition this Podium does not know: colour"),
        (_slug_a_list, "a competition has no proper slug"),
        (_account_without_fields, "an account has no username"),
        (_reference_a_list, "competitions.Event.competition is \\[1\\], not an id"),
        (_flag_a_string, "bad value for competitions.Entry.withdrawn: 'no' is not a Boolean"),
        (_number_a_string, "bad value for competitions.Event.position: '1' is not a"),
        (_name_a_number, "bad value for competitions.Event.name: 7 is not a CharField"),
    ],
    ids=[
        "truncated",
        "tail",
        "edited",
        "csv",
        "foreign-json",
        "not-json",
        "newer",
        "schema",
        "field",
        "slug-list",
        "account-fields",
        "reference-list",
        "flag-string",
        "number-string",
        "name-number",
    ],
)
def test_restore_refuses_a_damaged_or_foreign_file_and_writes_nothing(
    backup_file, tmp_path, damage, message
):
    path = tmp_path / "bad.gz"
    path.write_bytes(damage(backup_file))
    before = _counts()

    with pytest.raises(CommandError, match=message):
        run("restore", str(path))

    assert _counts() == before


def test_restore_refuses_a_competition_that_exists(backup_file, tmp_path):
    backup_restore(backup_file)
    before = _counts()

    with pytest.raises(BackupRefused, match="exists already"):
        backup_restore(backup_file)

    assert _counts() == before


def test_a_row_the_database_refuses_rolls_the_whole_restore_back(backup_file):
    # A heat entry moved to an entry of another event: the guard trigger refuses it,
    # after competitions, events and entries were inserted; all of it must go.
    envelope = _envelope(backup_file)
    tables = {t["model"]: t["rows"] for t in envelope["content"]["tables"]}
    events = {}
    for row in tables["competitions.entry"]:
        events.setdefault(row["fields"]["event_id"], row["id"])
    pageant_entry = list(events.values())[-1]
    tables["competitions.heatentry"][0]["fields"]["entry_id"] = pageant_entry
    before = _counts()

    with pytest.raises(BackupRefused, match="database refused the backup"):
        backup_restore(_resealed(envelope))

    assert _counts() == before


def test_restore_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        run("restore", str(tmp_path / "none.gz"))


# --- during an event ------------------------------------------------------------------------


def test_periodic_backups_keep_the_newest(settings, tmp_path):
    settings.BACKUP_DIR = tmp_path
    settings.BACKUP_KEEP = 2
    day = recall_round_published(quiet_day())  # the final is open
    Competition.objects.filter(pk=day.competition.pk).update(status=CompetitionStatus.IN_PROGRESS)
    finished = published_day(seed=2)  # not backed up: over
    finished.competition.refresh_from_db()
    assert finished.competition.status != CompetitionStatus.IN_PROGRESS

    written = [backup_competitions_in_progress_task.delay().get() for _ in range(3)]

    files = sorted((tmp_path / day.competition.slug).iterdir())
    assert [p.name for p in tmp_path.iterdir()] == [day.competition.slug]
    assert [Path(w[0]).name for w in written[-2:]] == [f.name for f in files]
    assert (files[-1].stat().st_mode & 0o777) == 0o600
    assert (
        backups.backup_read(files[-1].read_bytes())["tables"][0]["rows"][0]["fields"]["slug"]
        == day.competition.slug
    )


def test_beat_schedules_the_backups():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["backup-competitions-in-progress"]
    assert entry["task"] == "adjudication.backup_competitions_in_progress"
    assert entry["schedule"] == settings.BACKUP_EVERY_MINUTES * 60


def test_every_model_is_backed_up_or_left_out_on_purpose():
    models = {
        model
        for label in ("competitions", "adjudication", "leaderboard")
        for model in apps.get_app_config(label).get_models()
    }

    assert models == {backed.model for backed in BACKED_UP} | set(NOT_BACKED_UP)


def test_judge_names_choice_loads_from_a_file(tmp_path):
    from competitions.loading import competition_load

    description = {
        "competition": {
            "name": "Letters Open",
            "slug": "letters-open",
            "starts_on": "2027-03-01",
            "judge_names_public": False,
        },
        "events": [
            {"name": "Waltz", "style": "standard", "scoring": "skating", "dances": ["Waltz"]}
        ],
    }

    competition_load(data=description)

    assert Competition.objects.get(slug="letters-open").judge_names_public is False
    assert Judge.objects.filter(competition__slug="letters-open").count() == 0
