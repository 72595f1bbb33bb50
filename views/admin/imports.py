"""The import command as an upload for editors: same validation, same all-or-nothing report."""

from __future__ import annotations

import json

from flask import current_app, render_template
from flask_babel import gettext as _

from pledges.errors import InvalidImport
from pledges.importing import import_csv, import_data
from views.admin import bp
from views.auth import current_actor
from views.common import db_session
from views.forms import ImportForm

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


@bp.route("/import", methods=["GET", "POST"])
def import_upload():
    form = ImportForm()
    problems = None
    summary = None
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        raw = upload.read(MAX_UPLOAD_BYTES + 1)
        is_csv = (upload.filename or "").lower().endswith(".csv")
        dbs = db_session()
        try:
            if len(raw) > MAX_UPLOAD_BYTES:
                raise ValueError(_("Fichier trop volumineux (20 Mo au plus)."))
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise ValueError(_("Le fichier n'est pas du texte UTF-8.")) from None
            if is_csv:
                if not form.election.data or not form.candidate.data:
                    raise ValueError(_("Pour un CSV, indiquez l'élection et la candidature."))
                summary = import_csv(
                    dbs,
                    text,
                    election_slug=form.election.data.strip(),
                    candidate_slug=form.candidate.data.strip(),
                    actor=current_actor(),
                )
            else:
                try:
                    data = json.loads(text)
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
                summary = import_data(dbs, data, actor=current_actor())
        except InvalidImport as error:
            dbs.rollback()
            problems = error.problems
            status = 422
        except ValueError as error:
            dbs.rollback()
            form.file.errors = [*form.file.errors, str(error)]
            status = 422
        else:
            dbs.commit()
            current_app.logger.info("import by %s: %s", current_actor().email, summary.lines())
    elif form.is_submitted():
        status = 422
    return (
        render_template("admin/import.html", form=form, problems=problems, summary=summary),
        status,
    )
