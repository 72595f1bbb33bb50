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
from views.common import db_session

bp = Blueprint("admin", __name__)
protect_blueprint(bp, Role.EDITOR)


@bp.get("/")
def index():
    """The editors' dashboard: what waits, and where everything is."""
    dbs = db_session()
    return render_template(
        "admin/index.html",
        submitted=len(evidence_ops.list_submitted(dbs)),
        suggestions=review.count_suggestions(dbs, state=SuggestionState.NEW),
    )


def render_edit_form(
    form,
    *,
    heading: str,
    action: str,
    hidden,
    status: int,
    conflict: bool,
    current: list[tuple[str, str]],
):
    """The shared edit page: the form, and on a conflict the values saved meanwhile."""
    page = render_template(
        "admin/edit_simple.html",
        form=form,
        heading=heading,
        action=action,
        hidden=hidden,
        conflict=conflict,
        current_values=current if conflict else None,
    )
    return page, status


# The areas register their routes on `bp` (imported last: they import `bp`).
from views.admin import (  # noqa: E402
    accounts,
    audit,
    content,
    feeds,
    imports,
    moderation,
    rulings,
)

__all__ = ["accounts", "audit", "bp", "content", "feeds", "imports", "moderation", "rulings"]
