"""The import command as an upload for editors: same validation, same all-or-nothing report.

Problems are shown in the request's language; a problem about what the file is
imported into (a CSV's election or candidate) is shown on that form field.
"""

from __future__ import annotations

import json
from typing import Any

from flask import current_app, render_template
from flask_babel import gettext as _
from sqlmodel import Session
from werkzeug.datastructures import FileStorage

from pledges.errors import DomainError, InvalidImport
from pledges.importing import ImportSummary, import_csv, import_data
from views.admin import bp
from views.auth import current_actor
from views.database import db_session
from views.error_messages import error_message, import_problem_message
from views.forms import ImportForm
from views.import_report import heading, omitted_line, problem_line, summary_lines
from views.labels import site_zone


@bp.route("/import", methods=["GET", "POST"])
def import_upload() -> tuple[str, int]:
    form = ImportForm()
    report = None
    summary = None
    status = 200
    if form.validate_on_submit():
        dbs = db_session()
        try:
            summary = _import_file(dbs, form, form.file.data)
        except InvalidImport as error:
            report = _report(form, error)
            status = 422
        except DomainError as error:  # a rule refused a write that validation let through
            form.file.errors = [*form.file.errors, error_message(error)]
            status = 422
        except ValueError as error:
            form.file.errors = [*form.file.errors, str(error)]
            status = 422
        else:
            dbs.commit()
            current_app.logger.info("import by %s: %s", current_actor().email, summary.lines())
    elif form.is_submitted():
        status = 422
    return (
        render_template(
            "admin/import.html",
            form=form,
            report=report,
            summary=summary,
            summary_lines=summary_lines(summary) if summary else [],
        ),
        status,
    )


def _import_file(dbs: Session, form: ImportForm, upload: FileStorage) -> ImportSummary:
    """Import the uploaded JSON or CSV file (never commits).

    A file that cannot be read raises ValueError with the message to show;
    pledges.importing raises InvalidImport or DomainError.
    """
    is_csv = (upload.filename or "").lower().endswith(".csv")
    text = _read_text(upload)
    if is_csv:
        if not form.election.data or not form.candidate.data:
            raise ValueError(_("Pour un CSV, indiquez l'élection et la candidature."))
        return import_csv(
            dbs,
            text,
            election_slug=form.election.data.strip(),
            candidate_slug=form.candidate.data.strip(),
            actor=current_actor(),
            zone=site_zone(),
        )
    return import_data(dbs, _parse_json(text), actor=current_actor(), zone=site_zone())


def _read_text(upload: FileStorage) -> str:
    """The upload as text: at most the MAX_UPLOAD_BYTES setting, in UTF-8 (a BOM is dropped)."""
    limit = int(current_app.config["MAX_UPLOAD_BYTES"])
    raw = upload.read(limit + 1)
    if len(raw) > limit:
        megabytes = max(1, limit // (1024 * 1024))
        raise ValueError(_("Fichier trop volumineux (%(num)d Mo au plus).", num=megabytes))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(_("Le fichier n'est pas du texte UTF-8.")) from None


def _parse_json(text: str) -> Any:
    try:
        return json.loads(text)
    except RecursionError:  # absurdly deep nesting: no import file looks like this
        raise ValueError(_("JSON invalide (imbrication trop profonde).")) from None
    except json.JSONDecodeError as error:
        raise ValueError(
            _(
                "JSON invalide (ligne %(line)d, colonne %(col)d).",
                line=error.lineno,
                col=error.colno,
            )
        ) from None


def _report(form: ImportForm, error: InvalidImport) -> dict[str, Any]:
    """The problems as the page shows them; those about the form's own fields go on them."""
    form_fields = {"election": form.election, "candidate": form.candidate}
    lines = []
    for problem in error.problems:
        if not problem.record and problem.field in form_fields:
            target = form_fields[problem.field]
            target.errors = [*target.errors, import_problem_message(problem)]
        else:
            lines.append(problem_line(problem))
    return {"heading": heading(error), "lines": lines, "omitted": omitted_line(error)}
