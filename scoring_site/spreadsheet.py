"""CSV that a spreadsheet opens as data, never as formulas.

Every CSV Podium writes goes through ``csv_dict_writer``. A cell that starts with
``= + - @``, a tab or a carriage return would be read by Excel, LibreOffice or Sheets as a
formula (CSV injection); it is written with a leading ``'`` instead (OWASP's advice).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from typing import IO, Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """``value`` as a spreadsheet reads it as text: a string starting like a formula
    gets a leading ``'``; anything else is returned as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeDictWriter(csv.DictWriter):
    """``csv.DictWriter`` neutralising every cell it writes (header included)."""

    def writeheader(self) -> Any:
        return self.writer.writerow([csv_cell(name) for name in self.fieldnames])

    def writerow(self, rowdict: Mapping[str, Any]) -> Any:
        return super().writerow({key: csv_cell(value) for key, value in rowdict.items()})

    def writerows(self, rowdicts: Iterable[Mapping[str, Any]]) -> None:
        for row in rowdicts:
            self.writerow(row)


def csv_dict_writer(out: IO[str], fieldnames: list[str], **options: Any) -> SafeDictWriter:
    """A DictWriter for ``out`` whose cells cannot start a formula."""
    return SafeDictWriter(out, fieldnames=fieldnames, **options)
