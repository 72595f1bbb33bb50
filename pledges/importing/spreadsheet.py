"""CSV rows of one candidate's pledges: header checks, then each row validated as a JSON pledge.

Problems are named "header" or "line N" and the column; the candidate itself is
not in the file (writing.import_csv checks it).
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

from models.db import utc_now
from pledges.importing.records import PledgeIn
from pledges.importing.report import TooManyProblems, shown
from pledges.importing.validation import Reader, unique, validate_pledge

KEYWORD_SEPARATOR = "|"
CSV_COLUMNS = (
    "slug", "title", "body", "theme", "made_on", "source_url", "quote", "deadline",
    "keywords_include", "keywords_exclude",
)  # fmt: skip
CSV_REQUIRED = frozenset({"slug", "title"})
# Column names shown in one problem: a header of a million unknown columns is one line.
MAX_COLUMNS_SHOWN = 10


def validate_csv(text: str, *, now: datetime | None = None) -> list[PledgeIn]:
    """Rows of CSV_COLUMNS as pledges; keyword lists are separated by '|'."""
    reader = Reader()
    try:
        pledges = _rows(reader, text, (now or utc_now()).date())
    except TooManyProblems:
        raise reader.log.error(counted_all=False) from None
    if reader.log:
        raise reader.log.error()
    return pledges


def _columns(names: list[str]) -> str:
    listed = ", ".join(shown(name, 40) for name in names[:MAX_COLUMNS_SHOWN])
    return listed + (", …" if len(names) > MAX_COLUMNS_SHOWN else "")


def _rows(reader: Reader, text: str, today: date) -> list[PledgeIn]:
    rows = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = rows.fieldnames or []
    except csv.Error as error:
        reader.problem("header", "", "unreadable_csv", reason=shown(error))
        return []
    missing = sorted(CSV_REQUIRED - set(header))
    if missing:
        reader.problem("header", _columns(missing), "missing_column")
    unknown = [name for name in header if name not in CSV_COLUMNS]
    if unknown:
        reader.problem("header", _columns(unknown), "unknown_column")
    if reader.log:
        return []
    pledges: list[PledgeIn] = []
    seen: set[str] = set()
    while True:
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as error:  # e.g. a field over the csv module's size limit
            reader.problem(f"line {rows.line_num}", "", "unreadable_csv", reason=shown(error))
            break  # the reader's position after such an error is not trustworthy
        record = f"line {rows.line_num}"
        if None in row:
            reader.problem(record, "", "too_many_values")
            continue
        item: dict[str, Any] = {k: v for k, v in row.items() if k is not None}
        item["keywords"] = {
            "include": _split_keywords(item.pop("keywords_include", None)),
            "exclude": _split_keywords(item.pop("keywords_exclude", None)),
        }
        pledge = validate_pledge(reader, item, record, today)
        unique(reader, seen, pledge.slug, record, "duplicate_pledge")
        if not reader.log.full:  # a failed import keeps no records, only counts
            pledges.append(pledge)
    return pledges


def _split_keywords(value: str | None) -> list[str]:
    return [k.strip() for k in (value or "").split(KEYWORD_SEPARATOR) if k.strip()]
