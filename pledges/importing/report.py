"""What an import tells its caller: the bounded list of problems, and the summary of writes.

Problems carry a stable code and parameters (views translate them); the English
texts here are only the fallback for logs and developers.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from pledges.errors import InvalidImport, Problem

# A report lists this many problems, then says how many more there are: a file of
# a million empty records would otherwise make a million-line page or terminal.
MAX_PROBLEMS = 100
# Rows of pledges one spreadsheet (CSV, XLSX, paste) may hold: a programme is tens
# of lines, a large one hundreds; past this the file is refused before validation.
MAX_ROWS = 5000
# Validation stops altogether after this many problems (the report then says "at
# least N more"), so a huge broken file costs a bounded amount of work.
MAX_COUNTED = 100_000

# English fallback texts, keyed by the stable code; `{name}` are the Problem's params.
PROBLEM_TEXTS: dict[str, str] = {
    "not_an_object": "not an object",
    "not_a_list": "not a list",
    "missing": "missing",
    "empty": "empty",
    "not_a_string": "not a string",
    "too_long": "longer than {max_length} characters",
    "nul_character": "contains a NUL character",
    "not_a_slug": "not a slug (lower-case letters, digits and dashes)",
    "bad_date": "not an ISO date (YYYY-MM-DD)",
    "not_a_boolean": "not true or false",
    "unknown_value": "unknown value '{value}' (one of: {allowed})",
    "not_a_url": "not an http(s) URL",
    "not_a_string_list": "not a list of strings",
    "keywords_not_an_object": "not an object with include and exclude lists",
    "duplicate_election": "duplicate election slug '{slug}' in the file",
    "duplicate_candidate": "duplicate candidate slug '{slug}' in this election",
    "duplicate_theme": "duplicate theme slug '{slug}' in the file",
    "duplicate_pledge": "duplicate pledge slug '{slug}' in this election",
    "duplicate_evidence_url": "the same URL is already evidence of this pledge",
    "future_date": "in the future",
    "not_evidence_of_pledge": "not the URL of an evidence item of this pledge",
    "verdict_without_evidence": "a {status} verdict must cite published evidence",
    "duplicate_ruling": "the same ruling appears twice",
    "verdict_contradicts_evidence": (
        "a {status} verdict must cite at least one evidence item whose stance is {status}"
    ),
    "ruling_before_pledge": "before the pledge was made ({made_on})",
    "ruling_before_election": "before the election ({election_on})",
    "ruling_before_latest": "before the latest ruling already recorded ({latest_on})",
    "ruling_changes_nothing": "does not change the status (already {status})",
    "missing_column": "missing column",
    "unknown_column": "unknown column",
    "too_many_values": "more values than columns",
    "unreadable_csv": "not readable as CSV ({reason})",
    "rejected_url": (
        "this URL was rejected by moderators for this pledge; publish it on the site first"
    ),
    "withdrawn_url": "this URL was withdrawn by the editors for this pledge",
    "published_evidence_changed": "differs from the published evidence: correct it on the site",
    "ruling_changed": "differs from the published ruling: correct it on the site",
    "unknown_election": "no election with slug '{slug}'",
    "election_name_not_slug": "'{value}' is the name of an election; its slug is '{slug}'",
    "unknown_candidate": "no candidate '{slug}' in this election",
    "bad_sheet_date": "'{value}' is not a date (dd/mm/yyyy or YYYY-MM-DD)",
    "theme_no_letter": "a theme needs at least one letter or digit",
    "empty_sheet": "no row",
    "too_many_rows": "more than {max_rows} rows",
    "repeated_column": "column given twice",
    "not_text": "not text in UTF-8 or Windows-1252",
    "unreadable_xlsx": "not a readable XLSX workbook",
    "duplicate_title": "the same title appears twice for this candidate",
    "candidate_needed": "no candidate: choose one, or add a candidate column",
    "candidate_choice": "choose an existing candidate or type a new name, not both",
}


def shown(value: object, limit: int = 60) -> str:
    """A value from the file, safe to put in a message: printable and short."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(value)[: limit + 1])
    return text if len(text) <= limit else text[: limit - 1] + "…"


class TooManyProblems(Exception):
    """Raised inside validation once MAX_COUNTED problems are found: stop walking the file."""


class ProblemLog:
    """Problems as validation finds them: the first MAX_PROBLEMS kept, the rest counted."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.count = 0

    def __bool__(self) -> bool:
        return self.count > 0

    @property
    def full(self) -> bool:
        """No more problems will be listed (validation only counts from now on)."""
        return self.count >= MAX_PROBLEMS

    def add(self, record: str, name: str, code: str, **params: str | int) -> None:
        self.count += 1
        if len(self.problems) < MAX_PROBLEMS:
            message = PROBLEM_TEXTS[code].format(**params)
            self.problems.append(Problem(record, name, code, message, dict(params)))
        if self.count >= MAX_COUNTED:
            raise TooManyProblems

    def extend(self, problems: list[Problem], omitted: int = 0) -> None:
        for problem in problems:
            self.add(problem.record, problem.field, problem.code, **problem.params)
        self.count += omitted

    def error(self, *, counted_all: bool = True) -> InvalidImport:
        more = "at least " if not counted_all else ""
        return InvalidImport(
            f"{more}{self.count} problem(s) in the import file; nothing was imported",
            code="invalid_import",
            problems=self.problems,
            omitted=self.count - len(self.problems),
            counted_all=counted_all,
        )


@dataclass
class ImportSummary:
    """Per kind of object ("elections", "pledges", ...): created, updated, unchanged."""

    counts: dict[str, Counter[str]] = field(default_factory=dict)

    KINDS = ("elections", "candidates", "pledges", "evidence", "status_changes")

    def add(self, kind: str, outcome: str) -> None:
        self.counts.setdefault(kind, Counter())[outcome] += 1

    @property
    def changed(self) -> bool:
        return any(c["created"] or c["updated"] for c in self.counts.values())

    def rows(self) -> list[tuple[str, int, int, int]]:
        """(kind, created, updated, unchanged) for each kind the file had, in file order."""
        return [
            (kind, c["created"], c["updated"], c["unchanged"])
            for kind in self.KINDS
            if (c := self.counts.get(kind)) is not None
        ]

    def lines(self) -> list[str]:
        """English lines for logs."""
        return [
            f"{kind}: {created} created, {updated} updated, {unchanged} unchanged"
            for kind, created, updated, unchanged in self.rows()
        ]
