"""From uploaded bytes or pasted text to a table of strings: encodings, separators, XLSX.

Encodings. What French spreadsheets save is UTF-8 (with or without a BOM; UTF-16
with a BOM for Excel's "Unicode text") or Windows-1252. UTF-8 validates itself:
accented Windows-1252 text is practically never valid UTF-8, so "UTF-8 if it
decodes, else Windows-1252" is exact for these files. A statistical detector
(charset-normalizer, chardet) is not used: on a short French programme it may
answer cp1250 or mac-roman and silently change the accents, and it would be one
more dependency to keep for a choice between two encodings.

Separators. The header row decides (its names hold none of `;`, `,` or tab), by
counting, which works on a one-line sample where csv.Sniffer raises or guesses.
A pasted selection is tab-separated (what spreadsheets copy) or one title per line.

XLSX. openpyxl in read-only mode (streams the sheet), first sheet only, at most
MAX_XLSX_COLUMNS columns; the archive's uncompressed size is checked first, so a
small file that inflates to gigabytes is refused before any XML is parsed.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime, time
from typing import Any

from pledges.importing.report import MAX_ROWS, shown
from pledges.importing.validation import Reader

Line = tuple[int, list[str]]

MAX_XLSX_COLUMNS = 40
MAX_XLSX_UNCOMPRESSED = 64 * 1024 * 1024
# Rows read from a sheet at most (empty ones included: a sheet formatted down to
# row 1,048,576 is not read to its end).
MAX_XLSX_SCAN = 4 * MAX_ROWS
SEPARATORS = ("\t", ";", ",")


def decode_text(reader: Reader, raw: bytes) -> str | None:
    """The bytes as text (UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            pass
    else:
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                return raw.decode("cp1252")
            except UnicodeDecodeError:
                pass
    reader.problem("file", "", "not_text")
    return None


def split_csv(reader: Reader, text: str) -> list[Line]:
    """CSV text as numbered rows, separated by `;`, `,` or tab (the header line decides)."""
    text = text.lstrip("\ufeff")
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {sep: first.count(sep) for sep in SEPARATORS}
    delimiter = max(SEPARATORS, key=lambda sep: counts[sep]) if any(counts.values()) else ","
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    lines: list[Line] = []
    while True:
        try:
            cells = next(rows)
        except StopIteration:
            break
        except csv.Error as error:  # e.g. a field over the csv module's size limit
            record = f"line {rows.line_num}" if lines else "header"
            reader.problem(record, "", "unreadable_csv", reason=shown(error))
            break  # the reader's position after such an error is not trustworthy
        lines.append((rows.line_num, cells))
        if len(lines) > MAX_ROWS + 1 and any(c.strip() for c in cells):
            reader.problem("file", "", "too_many_rows", max_rows=MAX_ROWS)
            break
    return lines


def split_paste(reader: Reader, text: str) -> list[Line]:
    """Pasted text: tab-separated when any line has a tab, else one title per line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\t" in text:
        # Spreadsheets copy a cell holding a line break or a quote in double quotes.
        return split_csv(reader, text)
    return [(n, [line]) for n, line in enumerate(text.split("\n"), start=1)]


def read_xlsx(reader: Reader, raw: bytes) -> list[Line]:
    """The first sheet of an XLSX workbook as rows of strings (dates written ISO)."""
    # Only an XLSX upload needs it; openpyxl ships no type hints (types-openpyxl is not pinned).
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        reader.problem("file", "", "unreadable_xlsx")
        return []
    if inflated > MAX_XLSX_UNCOMPRESSED:
        reader.problem("file", "", "unreadable_xlsx")
        return []
    lines: list[Line] = []
    filled = 0
    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            for number, values in enumerate(
                sheet.iter_rows(max_col=MAX_XLSX_COLUMNS, values_only=True), start=1
            ):
                cells = [_cell_text(value) for value in values]
                lines.append((number, cells))
                filled += any(c.strip() for c in cells)
                if filled > MAX_ROWS + 1 or number >= MAX_XLSX_SCAN:
                    reader.problem("file", "", "too_many_rows", max_rows=MAX_ROWS)
                    return []
        finally:
            workbook.close()
    # openpyxl fails on a broken or hostile workbook in many ways (KeyError for a
    # missing part, ValueError, TypeError, XML errors...): each is a bad file, a 4xx.
    except Exception:
        reader.problem("file", "", "unreadable_xlsx")
        return []
    return lines


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
