"""The cited sources to review: dead and changed links under rulings, and the domains
whose pages were never archived (pledges.archive.reads), read-only."""

from __future__ import annotations

from flask import render_template

from pledges.archive.reads import never_archived_domains, sources_to_review
from views.admin import bp
from views.database import db_session


@bp.get("/sources")
def sources() -> str:
    """Dead, moved and changed sources cited by rulings; domains never archived."""
    session = db_session()
    return render_template(
        "admin/sources.html",
        to_review=sources_to_review(session),
        domains=never_archived_domains(session),
    )
