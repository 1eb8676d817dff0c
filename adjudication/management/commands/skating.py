"""``manage.py skating INPUT.json [--explain]``: the offline Skating System calculator.

A thin wrapper: reading, checking, tabulating and formatting all live in
``adjudication.tabulation``. Invalid input exits with status 2 and names the dance, couple and
judge at fault.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from adjudication.tabulation import (
    TabulationError,
    explain_text,
    final_to_json,
    load_final_input,
    tabulate_final,
)


class Command(BaseCommand):
    help = (
        "Tabulate a final by the Skating System. INPUT is JSON: "
        '{"dances": {"<dance>": {"<couple>": [mark of judge 1, ...]}}}. '
        "Prints the places per dance and overall as JSON, or the marks sheet with --explain."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("input", help="path of the JSON file with the marks")
        parser.add_argument(
            "--explain",
            action="store_true",
            help="print the marks sheet: majority tables, rules used, rule 10/11 steps",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = tabulate_final(load_final_input(options["input"]))
        except TabulationError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        if options["explain"]:
            self.stdout.write(explain_text(result), ending="")
        else:
            self.stdout.write(json.dumps(final_to_json(result)))
