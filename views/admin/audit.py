"""The audit log, read-only: site-wide and per pledge. No route edits or deletes an entry.

Editors see the editorial entries; account management (emails, roles) only admins.
"""

from __future__ import annotations

from flask import abort, render_template, request
from flask_babel import gettext as _

from models import AuditEntry
from models.db import id_of
from models.enums import Role
from pledges import audit
from pledges import evidence as evidence_ops
from views.admin import bp
from views.auth import current_actor
from views.database import db_session
from views.query import parse_id

PER_PAGE = 50


def _page() -> int:
    return parse_id(request.args.get("page")) or 1


def _hidden_types() -> tuple[str, ...]:
    # Account management (emails, roles) is admin-only, as /admin/users is.
    return () if current_actor_is_admin() else audit.ACCOUNT_OBJECT_TYPES


def current_actor_is_admin() -> bool:
    return Role(current_actor().role).at_least(Role.ADMIN)


def _context(pledge_id: int | None) -> dict:
    dbs = db_session()
    page = _page()
    hidden = _hidden_types()
    total = audit.count_entries(dbs, pledge_id=pledge_id, hidden_types=hidden)
    entries = audit.list_entries(
        dbs, pledge_id=pledge_id, page=page, per_page=PER_PAGE, hidden_types=hidden
    )
    return {
        "entries": entries,
        "who": _who(entries, audit.list_actor_names(dbs, entries)),
        "page": page,
        "pages": max(1, -(-total // PER_PAGE)),
        "total": total,
    }


def _who(entries: list[AuditEntry], names: dict[int, str]) -> dict[int, str]:
    """Who made each entry, as this reader may see it: admins see the account's email
    (the entry's label); editors its display name, never an email address."""
    if current_actor_is_admin():
        return {id_of(e): e.actor_label for e in entries}
    return {
        id_of(e): (
            names.get(e.actor_id) or _("compte n° %(id)d", id=e.actor_id)
            if e.actor_id is not None
            else e.actor_label
        )
        for e in entries
    }


@bp.get("/audit")
def audit_log() -> str:
    return render_template("admin/audit.html", pledge=None, **_context(None))


@bp.get("/pledges/<int:pledge_id>/audit")
def pledge_audit(pledge_id: int) -> str:
    pledge = evidence_ops.get_pledge_for_work(db_session(), pledge_id)
    if pledge is None:
        abort(404)
    return render_template("admin/audit.html", pledge=pledge, **_context(pledge_id))
