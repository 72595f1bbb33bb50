"""Candidates' archived programmes, and pledges made from their passages (issue 13).

- /admin/candidates/<id>/programmes: a candidate's programmes; register one by
  URL (archived through the guarded fetcher) or by upload (PDF or HTML, checked
  by content; the larger body limit MAX_UPLOAD_BYTES, views.security).
- /admin/programmes/<id>?page=N: the archived text of one page, paragraph by
  paragraph, with "start" and "end" radio buttons (no JavaScript needed); with
  JavaScript, selecting text with the mouse checks hidden radios of the same
  names (static/js/passage.js), so the form sends the same fields either way:
  page, start, end (character offsets in the page's text) and sha256.
- /admin/programmes/<id>/pledges/new: the passage recomputed and verified on the
  server (pledges.programmes.read_passage), then the pledge form with the quote
  shown, never editable: the quote is the archived text itself.

Not to be confused with /admin/import/programme (pasting a programme's lines as
pledges, views.admin.imports); the two pages link to each other.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import cast

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from werkzeug.datastructures import FileStorage
from wtforms import HiddenField, StringField, URLField
from wtforms.validators import Length, Optional

from models import Candidate, Programme, Snapshot
from models.db import id_of
from pledges import programmes
from pledges.archive import ArchiveSettings
from pledges.errors import DomainError, ProgrammeError
from views.admin import bp
from views.admin.content import _lines, fill_theme_choices
from views.admin.editing import Saved, edit_page
from views.auth import current_actor
from views.database import db_session
from views.error_messages import error_message, show_on_form
from views.forms import REQUIRED, Form, NewPledgeForm, required
from views.query import parse_id

_SHA256 = re.compile(r"[0-9a-f]{64}")


class ProgrammeURLForm(Form):
    url = URLField(_l("Adresse du programme (URL)"), validators=[required(), Length(max=2000)])
    title = StringField(
        _l("Nom du document"),
        validators=[Optional(), Length(max=programmes.MAX_TITLE)],
        description=_l("Laissé vide : le titre lu dans le document."),
    )


class ProgrammeUploadForm(Form):
    file = FileField(_l("Fichier PDF ou HTML"), validators=[FileRequired(message=REQUIRED)])
    title = StringField(
        _l("Nom du document"),
        validators=[Optional(), Length(max=programmes.MAX_TITLE)],
        description=_l("Laissé vide : le nom du fichier."),
    )


class PassagePledgeForm(NewPledgeForm):
    """The new-pledge form without candidate (the programme's) nor quote (the passage's)."""

    candidate = None  # type: ignore[assignment]
    quote = None  # type: ignore[assignment]
    page = HiddenField()
    start = HiddenField()
    end = HiddenField()
    sha256 = HiddenField()


def _settings() -> ArchiveSettings:
    return ArchiveSettings.from_config(current_app.config)


def _candidate(candidate_id: int) -> Candidate:
    found = db_session().get(Candidate, candidate_id)
    if found is None:
        abort(404)
    return found


def _programme(programme_id: int) -> tuple[Programme, Snapshot]:
    found = programmes.get_programme(db_session(), programme_id)
    if found is None:
        abort(404)
    return found


def _upload_limit() -> int:
    """The smaller of the upload limit and the archive's own."""
    config = current_app.config
    return min(int(config["MAX_UPLOAD_BYTES"]), int(config["ARCHIVE_MAX_BYTES"]))


def _render_candidate(
    candidate: Candidate,
    url_form: ProgrammeURLForm,
    upload_form: ProgrammeUploadForm,
    status: int = 200,
) -> ResponseReturnValue:
    return render_template(
        "admin/programmes/candidate.html",
        candidate=candidate,
        election=candidate.election,
        programmes=programmes.list_programmes(db_session(), candidate_id=id_of(candidate)),
        url_form=url_form,
        upload_form=upload_form,
        upload_megabytes=max(1, _upload_limit() // (1024 * 1024)),
    ), status


def _registered(programme: Programme) -> ResponseReturnValue:
    db_session().commit()
    flash(_("Programme archivé."), "success")
    return redirect(url_for("admin.programme", programme_id=id_of(programme)))


@bp.route("/candidates/<int:candidate_id>/programmes", methods=["GET", "POST"])
def candidate_programmes(candidate_id: int) -> ResponseReturnValue:
    """A candidate's programmes; the form posting here registers one by its URL."""
    candidate = _candidate(candidate_id)
    url_form = ProgrammeURLForm(prefix="by-url")
    upload_form = ProgrammeUploadForm(prefix="upload", formdata=None)
    if not url_form.is_submitted():
        return _render_candidate(candidate, url_form, upload_form)
    if not url_form.validate():
        return _render_candidate(candidate, url_form, upload_form, 422)
    try:
        created = programmes.register_url(
            db_session(),
            candidate,
            url_form.url.data or "",
            _settings(),
            title=url_form.title.data or "",
            actor=current_actor(),
        )
    except DomainError as error:
        show_on_form(url_form, error)
        return _render_candidate(candidate, url_form, upload_form, 422)
    return _registered(created)


@bp.post("/candidates/<int:candidate_id>/programmes/upload")
def programme_upload(candidate_id: int) -> ResponseReturnValue:
    """Register a programme from an uploaded PDF or HTML file."""
    candidate = _candidate(candidate_id)
    url_form = ProgrammeURLForm(prefix="by-url", formdata=None)
    upload_form = ProgrammeUploadForm(prefix="upload")
    if not upload_form.validate():
        return _render_candidate(candidate, url_form, upload_form, 422)
    upload = cast(FileStorage, upload_form.file.data)
    limit = _upload_limit()
    body = upload.read(limit + 1)
    try:
        created = programmes.register_upload(
            db_session(),
            candidate,
            body,
            _settings(),
            filename=upload.filename or "",
            title=upload_form.title.data or "",
            max_bytes=limit,
            actor=current_actor(),
        )
    except DomainError as error:
        show_on_form(upload_form, error)
        return _render_candidate(candidate, url_form, upload_form, 422)
    return _registered(created)


def _page_number(value: str | None, count: int) -> int:
    number = parse_id(value) if value else 1
    if number is None or not 1 <= number <= count:
        abort(404)
    return number


@bp.get("/programmes/<int:programme_id>")
def programme(programme_id: int) -> ResponseReturnValue:
    """One programme: its archived text, a page at a time, to pick a passage from."""
    found, snapshot = _programme(programme_id)
    pages = programmes.page_texts(snapshot)
    page = _page_number(request.args.get("page"), len(pages))
    dbs = db_session()
    return render_template(
        "admin/programmes/programme.html",
        programme=found,
        snapshot=snapshot,
        candidate=dbs.get(Candidate, found.candidate_id),
        page=page,
        page_count=len(pages),
        paragraphs=programmes.paragraphs(pages[page - 1]),
        passages=programmes.list_passages(dbs, programme_id),
    )


def _anchor_values(values: Mapping[str, str]) -> tuple[int, int, int, str]:
    """page, start, end and sha256 from a form or query; 400 when one is not even a number."""
    numbers = []
    for name in ("page", "start", "end"):
        raw = (values.get(name) or "").strip()
        if not raw.isdigit() or len(raw) > 9:
            raise ProgrammeError(f"{name} is not a number.", code="passage_bad_offsets", field=name)
        numbers.append(int(raw))
    sha256 = (values.get("sha256") or "").strip().lower()
    if not _SHA256.fullmatch(sha256):
        abort(400)
    return numbers[0], numbers[1], numbers[2], sha256


@bp.route("/programmes/<int:programme_id>/pledges/new", methods=["GET", "POST"])
def new_programme_pledge(programme_id: int) -> ResponseReturnValue:
    """A pledge from a passage: the passage verified (GET from the programme page), then saved."""
    found, snapshot = _programme(programme_id)
    dbs = db_session()
    candidate = dbs.get(Candidate, found.candidate_id)
    if candidate is None:
        abort(404)
    values = request.form if request.method == "POST" else request.args
    try:
        page, start, end, sha256 = _anchor_values(values)
        passage = programmes.read_passage(
            found, snapshot, page=page, start=start, end=end, sha256=sha256
        )
    except ProgrammeError as error:
        # Back to the programme's page with the reason: nothing was typed yet but
        # the choice, which the editor makes again there.
        return render_template(
            "admin/programmes/passage_refused.html",
            programme=found,
            candidate=candidate,
            message=error_message(error),
        ), 422
    form = PassagePledgeForm()
    fill_theme_choices(form)
    if not form.is_submitted():
        form.page.data, form.start.data = str(passage.page), str(passage.start)
        form.end.data, form.sha256.data = str(passage.end), snapshot.sha256
        if snapshot.http_status is not None and not form.source_url.data:
            form.source_url.data = snapshot.url

    def save() -> Saved:
        created = programmes.create_pledge_from_passage(
            dbs,
            passage,
            title=cast(str, form.title.data),  # required: validated before save()
            body=form.body.data or "",
            theme=form.theme_text(),
            made_on=form.made_on.data,
            source_url=form.source_url.data or "",
            deadline=form.deadline.data,
            keywords_include=_lines(form.keywords_include.data),
            keywords_exclude=_lines(form.keywords_exclude.data),
            actor=current_actor(),
        )
        return Saved(
            _("Engagement créé à partir du programme."),
            url_for("admin.pledge", pledge_id=id_of(created)),
        )

    return edit_page(
        form,
        fill=None,
        version=None,
        save=save,
        render=lambda conflict: render_template(
            "admin/programmes/new_pledge.html",
            form=form,
            programme=found,
            snapshot=snapshot,
            candidate=candidate,
            passage=passage,
        ),
    )
