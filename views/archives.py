"""Blueprint "archives" (/evidence/…): the archived copies of cited pages, for everyone.

The copy page shows the text we extracted (escaped, in paragraphs, in the
site's look) with the retrieval facts and the hash; the WARC file downloads as
an attachment. Archived HTML is never served from our origin as a page: a
publisher's scripts and forms would run as ours. A copy is public exactly when
its evidence is: unknown or unpublished evidence answers 404, withdrawn evidence
or an archived pledge 410, like the pledge page.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, send_file
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from models import Evidence, Snapshot
from models.enums import EvidenceState
from pledges.archive import PAGE_BREAK, ArchiveSettings, warc_file
from pledges.archive.links import TOO_LONG, word_diff
from pledges.archive.reads import archive_info, evidence_snapshot
from pledges.archiving import is_gone
from views.database import db_session
from views.page_cache import cached_page

bp = Blueprint("archives", __name__)


def _public(evidence: Evidence | None) -> Evidence:
    """The evidence if the public may see it (aborts 404 or 410 otherwise)."""
    if evidence is None or evidence.state in {EvidenceState.SUBMITTED, EvidenceState.REJECTED}:
        abort(404)
    if evidence.state == EvidenceState.WITHDRAWN or is_gone(evidence.pledge):
        abort(410)
    return evidence


def _found(evidence_id: int, snapshot_id: int) -> tuple[Evidence, Snapshot]:
    found = evidence_snapshot(db_session(), evidence_id, snapshot_id)
    if found is None:
        abort(404)
    return _public(found[0]), found[1]


def paragraphs_by_page(text: str) -> list[list[str]]:
    """The text's pages (PDFs; one page otherwise), each as its non-empty lines."""
    return [
        [line.strip() for line in page.split("\n") if line.strip()]
        for page in text.split(PAGE_BREAK)
    ]


@bp.get("/evidence/<int:evidence_id>/archives/<int:snapshot_id>")
@cached_page
def snapshot(evidence_id: int, snapshot_id: int) -> str:
    """The archived copy of a cited page: extracted text, retrieval facts, hash."""
    evidence, found = _found(evidence_id, snapshot_id)
    info = archive_info(db_session(), [evidence_id])[evidence_id]
    return render_template(
        "public/snapshot.html",
        evidence=evidence,
        pledge=evidence.pledge,
        snapshot=found,
        snapshots=info.current,  # the copies of the URL as cited now
        earlier=info.earlier,  # of an address corrected since: listed, never "the copy"
        check=info.check,
        pages=paragraphs_by_page(found.text),
    )


@bp.get("/evidence/<int:evidence_id>/archives/<int:snapshot_id>.warc.gz")
def warc(evidence_id: int, snapshot_id: int) -> ResponseReturnValue:
    """The WARC file, as an attachment that no browser renders."""
    _evidence, found = _found(evidence_id, snapshot_id)
    settings = ArchiveSettings.from_config(current_app.config)
    path = warc_file(settings.archive_dir, found.warc_path)
    if path is None or not path.is_file():
        abort(404)
    response: Response = send_file(
        path,
        mimetype="application/warc",
        as_attachment=True,
        download_name=f"evidence-{evidence_id}-snapshot-{snapshot_id}.warc.gz",
        conditional=True,
        etag=Path(found.warc_path).name.removesuffix(".warc.gz"),  # the file's own hash
        max_age=86400,
    )
    # Never sniffed, never rendered, never scripted, whatever a browser makes of it.
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.get("/evidence/<int:evidence_id>/changes")
@bp.get("/evidence/<int:evidence_id>/changes/<int:old_id>/<int:new_id>")
@cached_page
def changes(evidence_id: int, old_id: int | None = None, new_id: int | None = None) -> str:
    """A word-level diff of the extracted text between two snapshots (the last two of the
    current URL by default); two copies of different URLs are different pages: 404."""
    session = db_session()
    evidence = _public(session.get(Evidence, evidence_id))
    info = archive_info(session, [evidence_id])[evidence_id]
    by_id: dict[int | None, Snapshot] = {s.id: s for s in info.snapshots}
    snapshots = info.current
    if old_id is None and new_id is None:
        if len(snapshots) < 2:
            abort(404)
        old_id, new_id = snapshots[-2].id, snapshots[-1].id
    old, new = by_id.get(old_id), by_id.get(new_id)
    if old is None or new is None or old.id == new.id or old.url != new.url:
        abort(404)
    return render_template(
        "public/snapshot_changes.html",
        evidence=evidence,
        pledge=evidence.pledge,
        old=old,
        new=new,
        snapshots=snapshots,
        diff=word_diff(old.text, new.text),
        too_long=TOO_LONG,
    )
