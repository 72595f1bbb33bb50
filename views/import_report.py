"""How an import's outcome reads, in French or English: its problems, their count, its summary.

Shared by the upload page (the request's language) and the `import` command (the
site's first language: the locale selector's rule outside requests).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import format_decimal, get_locale, lazy_gettext, ngettext
from flask_babel import gettext as _

from pledges.errors import InvalidImport, Problem
from pledges.importing import SHEET_COLUMNS, ImportSummary
from views.error_messages import import_problem_message, import_record_label

KIND_LABELS = {
    "elections": lazy_gettext("Élections"),
    "candidates": lazy_gettext("Candidatures"),
    "pledges": lazy_gettext("Engagements"),
    "evidence": lazy_gettext("Preuves"),
    "status_changes": lazy_gettext("Décisions"),
}


@dataclass(frozen=True)
class ProblemLine:
    """One problem as people read it: where in the file, which field, what is wrong."""

    record: str
    field: str
    message: str


def problem_line(problem: Problem) -> ProblemLine:
    return ProblemLine(
        import_record_label(problem.record), column_label(problem), import_problem_message(problem)
    )


def column_label(problem: Problem) -> str:
    """A spreadsheet's column as the editor's language names it in a header.

    A row's problem names its column as the contract's French or English header
    ("échéance" / "deadline"), whatever language the file's header was in; JSON
    fields and the first CSV format's own columns (slug, ...) are shown as written.
    """
    if not (problem.record.startswith("line ") or problem.record == "header"):
        return problem.field
    names = SHEET_COLUMNS.get(problem.field)
    if names is None:
        return problem.field
    locale = get_locale()
    return names[1] if locale is not None and locale.language == "en" else names[0]


def heading(error: InvalidImport) -> str:
    """The report's first line: nothing imported, N problems (at least N if counting stopped)."""
    num = format_decimal(error.total)
    if not error.counted_all:
        return _("Rien n'a été importé : au moins %(num)s problèmes.", num=num)
    return ngettext(
        "Rien n'a été importé : %(count)s problème.",
        "Rien n'a été importé : %(count)s problèmes.",
        error.total,
        count=num,
    )


def omitted_line(error: InvalidImport) -> str | None:
    """The line under a list cut at MAX_PROBLEMS (how many more); None when nothing was cut."""
    if not error.omitted:
        return None
    num = format_decimal(error.omitted)
    if not error.counted_all:
        return _(
            "… et au moins %(num)s autres problèmes : la vérification s'est arrêtée là.", num=num
        )
    return ngettext(
        "… et %(count)s autre problème.",
        "… et %(count)s autres problèmes.",
        error.omitted,
        count=num,
    )


def summary_lines(summary: ImportSummary) -> list[str]:
    """One line per kind of object in the file: how many created, updated, left alone."""
    return [
        _(
            "%(kind)s — créations : %(created)s, mises à jour : %(updated)s, "
            "sans changement : %(unchanged)s",
            kind=str(KIND_LABELS[kind]),
            created=format_decimal(created),
            updated=format_decimal(updated),
            unchanged=format_decimal(unchanged),
        )
        for kind, created, updated, unchanged in summary.rows()
    ]
