"""Spreadsheets of pledges (CSV, XLSX, a pasted selection): one row per pledge.

The contract (issue 10): a header row of column names in French or English, in
any order, case and accents ignored:

    candidat/candidate  a name: an existing candidate of the election, or a new one
    titre/title         required
    texte/body, thème/theme (a name or a slug), date/made_on, source/source_url,
    citation/quote, échéance/deadline, mots-clés/keywords (comma-separated)

Dates are dd/mm/yyyy or ISO (YYYY-MM-DD). The first import format's columns
(`slug`, `keywords_include`, `keywords_exclude` separated by "|") are still read,
so the CSV files written for it keep importing the same way.

Reading bytes (files.py) and matching rows to the database (writing.py) are
elsewhere: here a table of strings becomes validated rows, every problem named
by its line ("line N", "header") and its column (the canonical name above, which
views show in the editor's language).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from models.db import utc_now
from pledges.importing.files import split_csv
from pledges.importing.records import PledgeIn
from pledges.importing.report import MAX_ROWS, TooManyProblems, shown
from pledges.importing.validation import Reader, unique, validate_pledge
from pledges.search import fold, slugify

KEYWORD_SEPARATOR = "|"  # in the first format's keywords_include / keywords_exclude
SHEET_KEYWORD_SEPARATOR = ","  # in the `keywords` / `mots-clés` column
# The first CSV format's columns (still accepted, documented in `import --help`).
CSV_COLUMNS = (
    "slug", "title", "body", "theme", "made_on", "source_url", "quote", "deadline",
    "keywords_include", "keywords_exclude",
)  # fmt: skip
# Canonical column → its French and English header (what templates write, reports show).
SHEET_COLUMNS: dict[str, tuple[str, str]] = {
    "candidate": ("candidat", "candidate"),
    "title": ("titre", "title"),
    "body": ("texte", "body"),
    "theme": ("thème", "theme"),
    "made_on": ("date", "made_on"),
    "source_url": ("source", "source_url"),
    "quote": ("citation", "quote"),
    "deadline": ("échéance", "deadline"),
    "keywords": ("mots-clés", "keywords"),
}
_ALIASES = {
    **{name: name for name in (*CSV_COLUMNS, *SHEET_COLUMNS)},
    **{fr: key for key, (fr, _en) in SHEET_COLUMNS.items()},
    "candidature": "candidate",
    "mots cles": "keywords",
    "made on": "made_on",
    "source url": "source_url",
}
# A pasted selection with no header row: its columns in this order.
PASTE_ORDER = ("title", "body", "theme", "made_on", "source_url", "quote", "deadline", "keywords")
# Column names shown in one problem: a header of a million unknown columns is one line.
MAX_COLUMNS_SHOWN = 10

DMY_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
ISO_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# One row of a table: its line number in the file (1-based) and its cells.
Line = tuple[int, list[str]]


def column_key(name: str) -> str:
    """A header as the contract reads it: case, accents and spacing ignored."""
    return " ".join(fold(name).replace("_", " ").replace("-", " ").split())


COLUMN_ALIASES: dict[str, str] = {column_key(name): key for name, key in _ALIASES.items()}


@dataclass
class SheetRow:
    """A validated row: its pledge (slug "" when the file has none), its candidate's name."""

    record: str
    candidate: str
    pledge: PledgeIn
    slug_given: bool


class SheetReader(Reader):
    """The JSON contract's reader, with the spreadsheet's dates (dd/mm/yyyy or ISO)."""

    def parse_date(self, value: Any, record: str, key: str) -> date | None:
        text = value.strip() if isinstance(value, str) else ""
        if match := DMY_RE.match(text):
            day, month, year = (int(g) for g in match.groups())
            try:
                return date(year, month, day)
            except ValueError:
                pass
        elif ISO_RE.match(text):
            try:
                return date.fromisoformat(text)
            except ValueError:
                pass
        self.problem(record, key, "bad_sheet_date", value=shown(value))
        return None


def is_header(cells: list[str]) -> bool:
    """A first row is a header when it names the title column (titre or title)."""
    return any(COLUMN_ALIASES.get(column_key(c)) == "title" for c in cells)


def validate_sheet(
    reader: Reader,
    lines: list[Line],
    today: date,
    *,
    header_required: bool = True,
) -> tuple[list[SheetRow], set[str]]:
    """The table's rows as pledges, and the columns the table has; problems go to `reader`.

    With `header_required` False (a pasted selection), a first row that names no
    title column is data, its columns in PASTE_ORDER.
    """
    lines = [(n, cells) for n, cells in lines if any(c.strip() for c in cells)]
    if not lines:
        reader.problem("file", "", "empty_sheet")
        return [], set()
    if len(lines) > MAX_ROWS + 1:
        reader.problem("file", "", "too_many_rows", max_rows=MAX_ROWS)
        return [], set()
    first_line, first = lines[0]
    if header_required or is_header(first):
        columns = _header(reader, first)
        body = lines[1:]
    else:
        columns = list(PASTE_ORDER[: max(len(c) for _, c in lines)])
        body = lines
    if reader.log:
        return [], set()
    if not body:  # a header and nothing under it
        reader.problem("file", "", "empty_sheet")
        return [], set()
    rows: list[SheetRow] = []
    seen: set[str] = set()
    for number, cells in body:
        record = f"line {number}"
        if len(cells) > len(columns) and any(c.strip() for c in cells[len(columns) :]):
            reader.problem(record, "", "too_many_values")
            continue
        values = {key: cells[i] if i < len(cells) else "" for i, key in enumerate(columns) if key}
        row = _row(reader, values, record, today)
        if row.slug_given:
            unique(reader, seen, row.pledge.slug, record, "duplicate_pledge")
        if not reader.log.full:  # a failed import keeps no records, only counts
            rows.append(row)
    return rows, {key for key in columns if key}


def _columns(names: list[str]) -> str:
    listed = ", ".join(shown(name, 40) for name in names[:MAX_COLUMNS_SHOWN])
    return listed + (", …" if len(names) > MAX_COLUMNS_SHOWN else "")


def _header(reader: Reader, cells: list[str]) -> list[str]:
    """Each column's canonical key ("" for an empty header cell); problems for the others."""
    keys: list[str] = []
    unknown: list[str] = []
    repeated: list[str] = []
    for cell in cells:
        key = COLUMN_ALIASES.get(column_key(cell), "")
        if cell.strip() and not key:
            unknown.append(cell.strip())
        elif key and key in keys:
            repeated.append(cell.strip())
        keys.append(key)
    if "title" not in keys:
        reader.problem("header", "title", "missing_column")
    if unknown:
        reader.problem("header", _columns(unknown), "unknown_column")
    if repeated:
        reader.problem("header", _columns(repeated), "repeated_column")
    return keys


def _row(reader: Reader, values: dict[str, str], record: str, today: date) -> SheetRow:
    item: dict[str, Any] = {k: v for k, v in values.items() if v.strip()}
    candidate = reader.text(item, "candidate", record, max_length=300)
    include = _split(item.pop("keywords", None), SHEET_KEYWORD_SEPARATOR)
    include += _split(item.pop("keywords_include", None), KEYWORD_SEPARATOR)
    exclude = _split(item.pop("keywords_exclude", None), KEYWORD_SEPARATOR)
    item["keywords"] = {"include": include, "exclude": exclude}
    slug_given = bool(item.get("slug"))
    if not slug_given:
        # Derived from the title when written (writing.py makes it unique in the election).
        item["slug"] = slugify(str(item.get("title") or ""))[:150].strip("-") or "engagement"
    pledge = validate_pledge(reader, item, record, today)
    if not slug_given:
        pledge.slug = ""
    return SheetRow(record=record, candidate=candidate, pledge=pledge, slug_given=slug_given)


def _split(value: str | None, separator: str) -> list[str]:
    return [k.strip() for k in (value or "").split(separator) if k.strip()]


def validate_csv(text: str, *, now: datetime | None = None) -> list[PledgeIn]:
    """Rows of a CSV (header required) as pledges; raises InvalidImport listing the problems."""
    reader = SheetReader()
    try:
        rows, _ = validate_sheet(reader, split_csv(reader, text), (now or utc_now()).date())
    except TooManyProblems:
        raise reader.log.error(counted_all=False) from None
    if reader.log:
        raise reader.log.error()
    return [row.pledge for row in rows]
