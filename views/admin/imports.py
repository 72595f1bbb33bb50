"""Imports for editors: a pasted programme with a preview, file uploads, and the templates.

Same validation as the `import` command, all or nothing. Problems are shown in
the request's language; a problem about what the file is imported into (the
election, the candidate) is shown on that form field, never as a command option.

- /admin/import/programme: pick an election and a candidate (or type a new
  name), paste lines (one title each) or a spreadsheet selection, see a preview
  table of the pledges with each row's problems, confirm (the confirmation
  checks the same text again, carried in the form). Works without JavaScript;
  with htmx, the form and its preview are swapped in place.
- /admin/import: a CSV, XLSX or JSON file (see the format on the page).
- /admin/import/template.csv|xlsx|json: a file to fill in, in the editor's language.
"""

from __future__ import annotations

import io
import json
from collections import defaultdict
from datetime import date
from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from sqlmodel import Session, col, select
from werkzeug.datastructures import FileStorage
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from models import Candidate, Election
from pledges.errors import DomainError, InvalidImport
from pledges.importing import (
    MAX_ROWS,
    SHEET_COLUMNS,
    ImportSummary,
    SheetKind,
    SheetPlan,
    import_data,
    import_sheet,
    plan_sheet,
)
from views.admin import bp
from views.auth import current_actor
from views.database import db_session
from views.error_messages import error_message, import_problem_message
from views.forms import REQUIRED, Form
from views.import_report import heading, omitted_line, problem_line, summary_lines
from views.labels import site_zone

# A pasted programme: a long one is a few hundred lines of a few hundred characters.
MAX_PASTE = 200_000
# The election and candidate lists of the forms (elections are few; a site with more
# would pick among its most recent).
MAX_ELECTIONS = 200
MAX_CANDIDATES = 2000
SHEET_SUFFIXES: dict[str, SheetKind] = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
}


class UploadForm(Form):
    file = FileField(_l("Fichier CSV, XLSX ou JSON"), validators=[FileRequired(message=REQUIRED)])
    election = SelectField(
        _l("Élection (pour un CSV ou un XLSX)"), validators=[Optional()], choices=[]
    )
    candidate = SelectField(
        _l("Candidature (pour les lignes sans colonne « candidat »)"),
        validators=[Optional()],
        choices=[],
    )


class ProgrammeForm(Form):
    election = SelectField(_l("Élection"), validators=[DataRequired(message=REQUIRED)], choices=[])
    candidate = SelectField(_l("Candidature existante"), validators=[Optional()], choices=[])
    new_candidate = StringField(
        _l("Ou nouvelle candidature (son nom)"), validators=[Optional(), Length(max=300)]
    )
    text = TextAreaField(
        _l("Programme"),
        validators=[DataRequired(message=REQUIRED), Length(max=MAX_PASTE)],
        render_kw={"rows": 14, "spellcheck": "false"},
        description=_l(
            "Un engagement par ligne (son titre), ou une sélection copiée d'un tableur : "
            "colonnes séparées par des tabulations, la première ligne peut nommer les "
            "colonnes (titre, candidat, thème, date…)."
        ),
    )


def _fill_choices(dbs: Session, form: UploadForm | ProgrammeForm) -> list[Election]:
    """Elections by name (most recent first) and their candidates, grouped by election."""
    elections = list(
        dbs.exec(
            select(Election)
            .order_by(col(Election.date).desc(), col(Election.id))
            .limit(MAX_ELECTIONS)
        )
    )
    names = {e.id: e.name for e in elections}
    candidates = dbs.exec(
        select(Candidate)
        .where(col(Candidate.election_id).in_(list(names)))
        .order_by(col(Candidate.name), col(Candidate.id))
        .limit(MAX_CANDIDATES)
    )
    groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for candidate in candidates:
        groups[names[candidate.election_id]].append((str(candidate.id), candidate.name))
    blank = ("", _("— choisir —"))
    form.election.choices = [blank, *((str(e.id), e.name) for e in elections)]
    # An optgroup per election: without JavaScript, the list cannot follow the election.
    form.candidate.choices = {
        "": [blank],
        **{names[e.id]: groups[names[e.id]] for e in elections if groups[names[e.id]]},
    }
    return elections


def _target(
    dbs: Session, form: UploadForm | ProgrammeForm
) -> tuple[Election | None, Candidate | None]:
    """The chosen election and candidate; a candidate of another election is a field error."""
    election = dbs.get(Election, int(form.election.data)) if form.election.data else None
    candidate = dbs.get(Candidate, int(form.candidate.data)) if form.candidate.data else None
    if candidate is not None and (election is None or candidate.election_id != election.id):
        form.candidate.errors = [
            *form.candidate.errors,
            _("Cette candidature n'est pas de l'élection choisie."),
        ]
        candidate = None
    return election, candidate


def _is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def _done(summary: ImportSummary, endpoint: str) -> ResponseReturnValue:
    """After a successful import: the summary as a flash message, then GET (PRG)."""
    lines = summary_lines(summary)
    if not summary.changed:
        lines.append(_("Rien n'a changé."))
    flash(_("Import terminé.") + " " + " ; ".join(lines), "success")
    current_app.logger.info("import by account %s: %s", current_actor().id, summary.lines())
    target = url_for(endpoint)
    if _is_htmx():  # htmx would swap the redirected page into the form: load it instead
        response = Response(status=200)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


# --- Paste a programme -------------------------------------------------------------------


@bp.route("/import/programme", methods=["GET", "POST"])
def import_programme() -> ResponseReturnValue:
    dbs = db_session()
    form = ProgrammeForm()
    _fill_choices(dbs, form)
    plan: SheetPlan | None = None
    report: dict[str, Any] | None = None
    status = 200
    if form.validate_on_submit():
        election, candidate = _target(dbs, form)
        new_name = " ".join((form.new_candidate.data or "").split())
        if election is None:
            form.election.errors = [*form.election.errors, _("Choisissez une élection.")]
        if candidate is not None and new_name:
            form.new_candidate.errors = [
                *form.new_candidate.errors,
                _("Choisissez une candidature existante ou tapez un nouveau nom, pas les deux."),
            ]
        if election is None or form.candidate.errors or form.new_candidate.errors:
            status = 422
        else:
            text = form.text.data or ""
            target: dict[str, Any] = {
                "election_slug": election.slug,
                "candidate_slug": candidate.slug if candidate else "",
                "candidate_name": new_name,
                "zone": site_zone(),
            }
            plan = plan_sheet(dbs, text, kind="paste", **target)
            if plan.error is None and request.form.get("action") == "confirm":
                try:
                    summary = import_sheet(dbs, text, kind="paste", actor=current_actor(), **target)
                except InvalidImport as error:  # changed since the preview: shown again
                    plan.error = error
                except DomainError as error:
                    dbs.rollback()
                    form.text.errors = [*form.text.errors, error_message(error)]
                    status = 422
                else:
                    dbs.commit()
                    return _done(summary, "admin.import_programme")
            if plan.error is not None:
                dbs.rollback()
                report = _report(form, plan.error, {"candidate": form.candidate})
                status = 422
    elif form.is_submitted():
        status = 422
    rows = _preview_rows(plan, report)
    page = render_template("admin/programme.html", form=form, plan=plan, rows=rows, report=report)
    # htmx swaps only 2xx answers: the page it swaps in shows the problems all the same.
    return page, 200 if _is_htmx() else status


def _preview_rows(plan: SheetPlan | None, report: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The preview table: each planned row with its own problems."""
    if plan is None:
        return []
    by_record: dict[str, list[str]] = defaultdict(list)
    for line in (report or {}).get("row_lines", []):
        by_record[line[0]].append(line[1])
    return [{"row": row, "problems": by_record.get(row.record, [])} for row in plan.rows]


# --- Upload a file -----------------------------------------------------------------------


@bp.route("/import", methods=["GET", "POST"])
def import_upload() -> ResponseReturnValue:
    dbs = db_session()
    form = UploadForm()
    _fill_choices(dbs, form)
    report = None
    status = 200
    if form.validate_on_submit():
        try:
            summary = _import_file(dbs, form, form.file.data)
        except InvalidImport as error:
            dbs.rollback()
            report = _report(form, error, {"election": form.election, "candidate": form.candidate})
            status = 422
        except DomainError as error:  # a rule refused a write that validation let through
            dbs.rollback()
            form.file.errors = [*form.file.errors, error_message(error)]
            status = 422
        except ValueError as error:
            dbs.rollback()
            form.file.errors = [*form.file.errors, str(error)]
            status = 422
        else:
            dbs.commit()
            return _done(summary, "admin.import_upload")
    elif form.is_submitted():
        status = 422
    return (
        render_template(
            "admin/import.html",
            form=form,
            report=report,
            columns=_column_rows(),
            max_rows=format_decimal(MAX_ROWS),
        ),
        status,
    )


def _import_file(dbs: Session, form: UploadForm, upload: FileStorage) -> ImportSummary:
    """Import the uploaded JSON, CSV or XLSX file (never commits).

    A file that cannot be read as JSON raises ValueError with the message to show;
    pledges.importing raises InvalidImport or DomainError.
    """
    name = (upload.filename or "").lower()
    suffix = name[name.rfind(".") :] if "." in name else ""
    raw = _read_bytes(upload)
    kind = SHEET_SUFFIXES.get(suffix)
    if kind is None and suffix != ".json":
        raise ValueError(_("Format de fichier inconnu : envoyez un fichier .csv, .xlsx ou .json."))
    if kind is not None:
        election, candidate = _target(dbs, form)
        if election is None or form.candidate.errors:
            if election is None:
                form.election.errors = [
                    *form.election.errors,
                    _("Pour un CSV ou un XLSX, choisissez l'élection."),
                ]
            raise ValueError(_("Rien n'a été importé."))
        return import_sheet(
            dbs, raw, kind=kind, election_slug=election.slug,
            candidate_slug=candidate.slug if candidate else "", actor=current_actor(),
            zone=site_zone(),
        )  # fmt: skip
    return import_data(dbs, _parse_json(raw), actor=current_actor(), zone=site_zone())


def _read_bytes(upload: FileStorage) -> bytes:
    """The upload: at most the MAX_UPLOAD_BYTES setting."""
    limit = int(current_app.config["MAX_UPLOAD_BYTES"])
    raw = upload.read(limit + 1)
    if len(raw) > limit:
        megabytes = max(1, limit // (1024 * 1024))
        raise ValueError(_("Fichier trop volumineux (%(num)d Mo au plus).", num=megabytes))
    return raw


def _parse_json(raw: bytes) -> Any:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(_("Le fichier n'est pas du texte UTF-8.")) from None
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


def _report(form: Form, error: InvalidImport, form_fields: dict[str, Any]) -> dict[str, Any]:
    """The problems as the page shows them; those about the form's own fields go on them."""
    lines = []
    row_lines: list[tuple[str, str]] = []
    for problem in error.problems:
        if not problem.record and problem.field in form_fields:
            target = form_fields[problem.field]
            target.errors = [*target.errors, import_problem_message(problem)]
            continue
        line = problem_line(problem)
        lines.append(line)
        if problem.record.startswith("line "):
            text = f"{line.field} : {line.message}" if line.field else line.message
            row_lines.append((problem.record, text))
    return {
        "heading": heading(error),
        "lines": lines,
        "row_lines": row_lines,
        "omitted": omitted_line(error),
    }


# --- Format description and templates -------------------------------------------------------


def _english() -> bool:
    locale = get_locale()
    return locale is not None and locale.language == "en"


def _column_rows() -> list[tuple[str, str, str]]:
    """(French header, English header, what it holds) for the format description."""
    meanings = {
        "candidate": _l(
            "Nom de la candidature : une candidature existante de l'élection, sinon elle est créée."
        ),
        "title": _l("Titre de l'engagement (obligatoire)."),
        "body": _l("Texte de l'engagement (Markdown)."),
        "theme": _l("Thème : son nom ou son slug ; un nom nouveau crée le thème."),
        "made_on": _l("Date de l'engagement : jj/mm/aaaa ou aaaa-mm-jj."),
        "source_url": _l("Adresse http(s) de la source."),
        "quote": _l("Citation exacte."),
        "deadline": _l("Échéance promise : jj/mm/aaaa ou aaaa-mm-jj."),
        "keywords": _l("Mots-clés pour repérer les articles, séparés par des virgules."),
    }
    return [(fr, en, str(meanings[key])) for key, (fr, en) in SHEET_COLUMNS.items()]


def _template_rows() -> tuple[list[str], list[list[Any]]]:
    english = _english()
    header = [names[1] if english else names[0] for names in SHEET_COLUMNS.values()]
    made_on, deadline = date(2020, 5, 3), date(2026, 6, 30)
    rows: list[list[Any]] = [
        [
            _("Liste exemple"), _("Créer 50 km de pistes cyclables"),
            _("Des pistes **protégées** sur les grands axes."), _("Transports en commun"),
            made_on, "https://liste-exemple.example/velo", "", deadline,
            _("vélo, pistes cyclables"),
        ],
        [
            _("Liste exemple"), _("Des cantines bio et locales"), "", _("École"), made_on,
            "", _("Du bio, tous les jours."), None, _("cantine, bio"),
        ],
    ]  # fmt: skip
    return header, rows


def _date_text(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat() if _english() else value.strftime("%d/%m/%Y")
    return "" if value is None else str(value)


@bp.get("/import/template.<ext>")
def import_template(ext: str) -> Response:
    """A file to fill in (CSV, XLSX or JSON), with its headers in the editor's language."""
    header, rows = _template_rows()
    name = "modele-import" if not _english() else "import-template"
    if ext == "csv":
        import csv

        out = io.StringIO()
        writer = csv.writer(out, delimiter="," if _english() else ";", lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows([[_date_text(v) for v in row] for row in rows])
        # A BOM, so that spreadsheets open the UTF-8 accents right.
        body: bytes = ("\ufeff" + out.getvalue()).encode("utf-8")
        mimetype = "text/csv; charset=utf-8"
    elif ext == "xlsx":
        from openpyxl import Workbook  # type: ignore[import-untyped]

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = _("Engagements")
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        for cell in sheet["E"][1:] + sheet["H"][1:]:
            cell.number_format = "DD/MM/YYYY" if not _english() else "YYYY-MM-DD"
        buffer = io.BytesIO()
        workbook.save(buffer)
        body = buffer.getvalue()
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    elif ext == "json":
        body = (json.dumps(_json_template(rows), ensure_ascii=False, indent=2) + "\n").encode()
        mimetype = "application/json"
    else:
        abort(404)
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{ext}"'
    return response


def _json_template(rows: list[list[Any]]) -> dict[str, Any]:
    """The JSON contract, filled with the same example as the spreadsheets."""
    keys = list(SHEET_COLUMNS)

    def pledge(row: list[Any]) -> dict[str, Any]:
        values = dict(zip(keys, row, strict=True))
        return {
            "slug": "pistes-cyclables" if row is rows[0] else "cantines-bio",
            "title": values["title"],
            "body": values["body"],
            "theme": values["theme"],
            "made_on": values["made_on"].isoformat() if values["made_on"] else None,
            "source_url": values["source_url"],
            "quote": values["quote"],
            "deadline": values["deadline"].isoformat() if values["deadline"] else None,
            "keywords": {
                "include": [k.strip() for k in values["keywords"].split(",") if k.strip()],
                "exclude": [],
            },
        }

    return {
        "themes": [
            {
                "slug": "transports-en-commun",
                "name_fr": "Transports en commun",
                "name_en": "Public transport",
            },
        ],  # fmt: skip
        "elections": [
            {
                "slug": "exemple-municipales-2020",
                "name": _("Élections municipales 2020 (exemple)"),
                "territory": _("Ville exemple"),
                "date": "2020-06-28",
                "candidates": [
                    {
                        "slug": "liste-exemple",
                        "name": rows[0][0],
                        "list_name": rows[0][0],
                        "elected": False,
                        "pledges": [pledge(row) for row in rows],
                    }
                ],
            }
        ],
    }
