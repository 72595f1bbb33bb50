"""Import elections, candidates, pledges, evidence and status history: validate all, then write.

This package holds the entry points the views and the CLI use; one module per step:
records (the validated file), validation (the JSON contract), spreadsheet (CSV
rows), writing (matching and writing rows) and report (problems and summary).

The JSON shape is a contract (issue 2), keyed by slugs so that importing the
same file twice changes nothing:

    {"elections": [{"slug", "name", "territory", "date", "is_demo"?,
      "candidates": [{"slug", "name", "list_name", "elected", "office"?,
        "pledges": [{"slug", "title", "body", "theme", "made_on", "source_url", "quote",
          "deadline", "keywords": {"include": [...], "exclude": [...]},
          "evidence": [{"url", "outlet", "published_on", "kind", "title", "quote", "note",
                        "stance"}],
          "history": [{"to", "effective_on", "rationale", "cites": [evidence urls]}]}]}]}]}

The JSON may also list themes, `"themes": [{"slug", "name_fr", "name_en"}]`,
created with those names when their slug is new; a pledge's `theme` is text, a
theme's name or slug ("école", "Transports en commun", "climat"), resolved by
pledges.themes.resolve_theme (a new name creates its theme).

Spreadsheets (CSV, XLSX, or a pasted selection) hold one row per pledge, with
a header of French or English column names (see spreadsheet.py); files.py
turns bytes into rows (encodings, separators, XLSX), writing.plan_sheet checks
them against the database for a preview, writing.import_sheet writes them.

How it works, and why:
- `validate_*` read the whole file first and collect its problems as
  Problem(record, field, code, message, params); then a few checks against the
  database (a URL already rejected by moderators); only when there is no problem
  at all does anything get written, so a bad file imports nothing. The caller
  (a view or the CLI) commits, or rolls back when InvalidImport is raised.
- A report is bounded: the first MAX_PROBLEMS problems are listed and the rest
  counted; after MAX_COUNTED, validation stops walking the file.
- Objects are matched on their keys: election slug; candidate slug within the
  election; pledge slug within the election; evidence URL (cleaned) within the
  pledge; a ruling on (to, effective_on) within the pledge. A matched object
  whose fields differ is updated; an equal one is left alone (no write, no
  audit entry). Nothing is ever deleted by an import.
- New rulings go through pledges.status.record_status_change, so the rules on
  rulings are the same as on the site; before anything is written, the whole
  history of each pledge (the stored one, then the file's in date order) is
  checked by the same rules (pledges.status.ruling_refusal): a ruling that
  contradicts its evidence, is dated before the pledge, the election or the
  latest ruling, or changes nothing refuses the file, naming the ruling.
- Every created or updated object gets an AuditEntry by `actor` ("import").
"""

from pledges.importing.report import MAX_COUNTED, MAX_PROBLEMS, MAX_ROWS, ImportSummary
from pledges.importing.spreadsheet import (
    CSV_COLUMNS,
    KEYWORD_SEPARATOR,
    SHEET_COLUMNS,
    SHEET_KEYWORD_SEPARATOR,
    validate_csv,
)
from pledges.importing.validation import validate_data
from pledges.importing.writing import (
    PlannedRow,
    SheetKind,
    SheetPlan,
    import_csv,
    import_data,
    import_sheet,
    plan_sheet,
)

__all__ = [
    "CSV_COLUMNS",
    "KEYWORD_SEPARATOR",
    "MAX_COUNTED",
    "MAX_PROBLEMS",
    "MAX_ROWS",
    "SHEET_COLUMNS",
    "SHEET_KEYWORD_SEPARATOR",
    "ImportSummary",
    "PlannedRow",
    "SheetKind",
    "SheetPlan",
    "import_csv",
    "import_data",
    "import_sheet",
    "plan_sheet",
    "validate_csv",
    "validate_data",
]
