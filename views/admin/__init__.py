"""Blueprint "admin" (/admin): the editors' room, one module per area.

Every route needs an editor (or more); account management and site settings
need an admin (`@requires(Role.ADMIN)`). Checked on the server before any view
runs (views.auth.protect_blueprint).
"""

from __future__ import annotations

from flask import Blueprint, render_template

from models.enums import Role, SuggestionState
from pledges import evidence as evidence_ops
from pledges.feeds import review
from views.auth import protect_blueprint
from views.database import db_session

bp = Blueprint("admin", __name__)
FLAGGED_SHOWN = 50
protect_blueprint(bp, Role.EDITOR)


@bp.get("/")
def index() -> str:
    """The editors' dashboard: what waits, and where everything is."""
    dbs = db_session()
    return render_template(
        "admin/index.html",
        submitted=len(evidence_ops.list_submitted(dbs)),
        suggestions=review.count_suggestions(dbs, state=SuggestionState.NEW),
        # Rulings citing withdrawn evidence wait for an editor's review.
        flagged=evidence_ops.list_flagged_rulings(dbs, limit=FLAGGED_SHOWN),
    )


# The areas register their routes on `bp` (imported last: they import `bp`).
from views.admin import (  # noqa: E402
    accounts,
    archiving,
    audit,
    content,
    evidence,
    feeds,
    imports,
    moderation,
    programmes,
    rulings,
    search,
    sources,
    themes,
)

__all__ = [
    "accounts", "archiving", "audit", "bp", "content", "evidence", "feeds", "imports",
    "moderation", "programmes", "rulings", "search", "sources", "themes",
]  # fmt: skip
