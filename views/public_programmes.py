"""Public pages of archived programmes (issue 13): a programme's text, page by page.

Routes of the "public" blueprint (views.public imports this module last). The
text is the snapshot's extracted text, always escaped, never the archived HTML
served as HTML; `?pledge=<id>` highlights the passage that pledge quotes
(<mark id="passage">, so a link ending in #passage scrolls to it). The pledges
made from the programme are listed: its atomisation into pledges, checkable.
"""

from __future__ import annotations

from flask import abort, render_template, request
from flask.typing import ResponseReturnValue

from models import Candidate
from pledges import programmes
from pledges.archiving import is_gone
from views.database import db_session
from views.page_cache import cached_page
from views.public import bp, read_positive_int


@bp.get("/programmes/<int:programme_id>")
@cached_page
def programme(programme_id: int) -> ResponseReturnValue:
    dbs = db_session()
    found = programmes.get_programme(dbs, programme_id)
    if found is None:
        abort(404)
    programme, snapshot = found
    candidate = dbs.get(Candidate, programme.candidate_id)
    if candidate is None:
        abort(404)
    if is_gone(candidate):
        abort(410)
    pages = programmes.page_texts(snapshot)
    page = read_positive_int(request.args, "page", 1, strict=False)
    if page > len(pages):
        abort(404)
    passages = [
        (anchor, pledge)
        for anchor, pledge in programmes.list_passages(dbs, programme_id)
        if pledge.archived_at is None
    ]
    marked = read_positive_int(request.args, "pledge", 0, strict=False)
    chosen = next((a for a, _p in passages if a.pledge_id == marked and a.page == page), None)
    text = pages[page - 1]
    before, passage, after = (
        programmes.highlighted(text, chosen.start, chosen.end) if chosen else (text, "", "")
    )
    return render_template(
        "public/programme.html",
        programme=programme,
        snapshot=snapshot,
        candidate=candidate,
        election=candidate.election,
        page=page,
        page_count=len(pages),
        before=before,
        passage=passage,
        after=after,
        passages=passages,
    )
