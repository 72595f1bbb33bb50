"""The audit log, read-only: site-wide and per pledge, paginated and filtered (account,
action, object, pledge, dates), each entry said in words (views.audit_words). No route
edits or deletes an entry.

Editors see the editorial entries; account management (emails, roles) only admins.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import abort, render_template, request
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from models import AuditEntry
from models.db import id_of
from models.enums import Role
from pledges import audit
from pledges import evidence as evidence_ops
from pledges.audit import AuditAction, AuditFilters
from views.admin import bp
from views.audit_words import (
    ACTION_SENTENCES,
    OBJECT_KINDS,
    actor_label,
    entry_words,
    object_words,
)
from views.auth import current_actor
from views.database import db_session
from views.labels import site_zone
from views.query import parse_id, wants_fragment

PER_PAGE = 50
# Actions and object types are stored words ("election.archive"): anything else is ignored.
STORED_WORD = re.compile(r"[a-z_]{1,40}(\.[a-z_]{1,40})?")


def _hidden_types() -> tuple[str, ...]:
    # Account management (emails, roles) is admin-only, as /admin/users is.
    return () if current_actor_is_admin() else audit.ACCOUNT_OBJECT_TYPES


def current_actor_is_admin() -> bool:
    return Role(current_actor().role).at_least(Role.ADMIN)


def _local_midnight(day: date) -> datetime:
    """The instant a local day starts (the site's zone), for comparing stored UTC times."""
    return datetime.combine(day, time(), tzinfo=site_zone())


def _day(args: MultiDict[str, str], name: str, ignored: list[str]) -> date | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        ignored.append(name)
        return None


def read_audit_filters(
    args: MultiDict[str, str], pledge_id: int | None
) -> tuple[AuditFilters, list[str]]:
    """Filters from the query string, and the names of the values ignored as meaningless."""
    ignored: list[str] = []

    def word(name: str) -> str | None:
        raw = (args.get(name) or "").strip()
        if raw and not STORED_WORD.fullmatch(raw):
            ignored.append(name)
            return None
        return raw or None

    def number(name: str) -> int | None:
        raw = (args.get(name) or "").strip()
        value = parse_id(raw)
        if raw and value is None:
            ignored.append(name)
        return value

    since, until = _day(args, "from", ignored), _day(args, "to", ignored)
    filters = AuditFilters(
        actor_id=number("user"),
        action=word("action"),
        object_type=word("object_type"),
        object_id=number("object_id"),
        pledge_id=pledge_id if pledge_id is not None else number("pledge"),
        since=_local_midnight(since) if since else None,
        until=_local_midnight(until + timedelta(days=1)) if until else None,
    )
    return filters, ignored


def _context(pledge_id: int | None) -> dict[str, Any]:
    dbs = db_session()
    args: MultiDict[str, str] = request.args
    filters, ignored = read_audit_filters(args, pledge_id)
    hidden = _hidden_types()
    total = audit.count_entries(dbs, filters=filters, hidden_types=hidden)
    pages = max(1, -(-total // PER_PAGE))
    page = min(parse_id(args.get("page")) or 1, pages)
    entries = audit.list_entries(
        dbs, filters=filters, page=page, per_page=PER_PAGE, hidden_types=hidden
    )
    admin = current_actor_is_admin()
    return {
        "entries": [entry_words(v) for v in audit.describe_entries(dbs, entries)],
        "who": _who(entries, audit.list_actor_names(dbs, entries)),
        "page": page,
        "pages": pages,
        "total": total,
        "filters": filters,
        "form": {k: (args.get(k) or "").strip() for k in FORM_FIELDS},
        "page_args": {k: v for k in FORM_FIELDS if (v := (args.get(k) or "").strip())},
        "ignored": ignored,
        "actors": [(i, email if admin else name) for i, name, email in audit.list_actors(dbs)],
        "actions": [
            (a.value, str(ACTION_SENTENCES[a]) % {"object": object_words("…", None)})
            for a in AuditAction
            if admin or not a.value.startswith(("user.", "invitation.", "setting."))
        ],
        "object_types": [
            (t, str(OBJECT_KINDS.get(t, t)))
            for t in audit.OBJECT_TYPES
            if admin or t not in audit.ACCOUNT_OBJECT_TYPES
        ],
    }


FORM_FIELDS = ("user", "action", "object_type", "object_id", "pledge", "from", "to")


def _who(entries: list[AuditEntry], names: dict[int, str]) -> dict[int, str]:
    """Who made each entry, as this reader may see it: admins see the account's email
    (the entry's label); editors its display name, never an email address."""
    if current_actor_is_admin():
        return {
            id_of(e): e.actor_label if e.actor_id is not None else actor_label(e.actor_label)
            for e in entries
        }
    return {
        id_of(e): (
            names.get(e.actor_id) or _("compte n° %(id)d", id=e.actor_id)
            if e.actor_id is not None
            else actor_label(e.actor_label)
        )
        for e in entries
    }


def _render(pledge: Any, context: dict[str, Any]) -> str:
    if wants_fragment("audit-results"):
        return render_template("admin/_audit_results.html", pledge=pledge, **context)
    return render_template("admin/audit.html", pledge=pledge, **context)


@bp.get("/audit")
def audit_log() -> str:
    return _render(None, _context(None))


@bp.get("/pledges/<int:pledge_id>/audit")
def pledge_audit(pledge_id: int) -> str:
    pledge = evidence_ops.get_pledge_for_work(db_session(), pledge_id)
    if pledge is None:
        abort(404)
    return _render(pledge, _context(pledge_id))
