"""The append-only audit log: every write function calls `log_change` in its own flush."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from enum import Enum, StrEnum
from typing import Any

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, func, select

from models import AuditEntry, Candidate, Election, Evidence, Feed, Pledge, Theme, User
from models.db import utc_now

Actor = User | str | None  # a user, or a label such as "cli", "import", "feeds"


class AuditAction(StrEnum):
    """What an audit entry records; the values are stored and must never change."""

    USER_CREATE = "user.create"
    USER_CHANGE_PASSWORD = "user.change_password"  # noqa: S105  (an action name, no secret)
    USER_ENABLE = "user.enable"
    USER_DISABLE = "user.disable"
    USER_ROLE = "user.role"
    INVITATION_CREATE = "invitation.create"
    INVITATION_ACCEPT = "invitation.accept"
    SETTING_UPDATE = "setting.update"
    ELECTION_CREATE = "election.create"
    ELECTION_UPDATE = "election.update"
    CANDIDATE_CREATE = "candidate.create"
    CANDIDATE_UPDATE = "candidate.update"
    PLEDGE_CREATE = "pledge.create"
    PLEDGE_UPDATE = "pledge.update"
    PLEDGE_MOVE = "pledge.move"
    THEME_CREATE = "theme.create"
    THEME_UPDATE = "theme.update"
    EVIDENCE_CREATE = "evidence.create"  # by an import
    EVIDENCE_UPDATE = "evidence.update"  # by an import
    EVIDENCE_SUBMIT = "evidence.submit"
    EVIDENCE_PUBLISH = "evidence.publish"
    EVIDENCE_REJECT = "evidence.reject"
    EVIDENCE_EDIT = "evidence.edit"  # before publication: private, audited only
    EVIDENCE_CORRECT = "evidence.correct"  # after publication: also an EvidenceCorrection
    EVIDENCE_WITHDRAW = "evidence.withdraw"
    EVIDENCE_RECONSIDER = "evidence.reconsider"  # rejected → submitted again
    STATUS_CHANGE = "status.change"
    STATUS_CHANGE_UPDATE = "status_change.update"  # a ruling's text corrected by an import
    STATUS_CORRECT = "status.correct"  # a ruling corrected by a new entry naming it
    SUGGESTION_ACCEPT = "suggestion.accept"
    SUGGESTION_DISMISS = "suggestion.dismiss"
    SUGGESTION_RESTORE = "suggestion.restore"  # a dismissal undone: back in the queue
    FEED_ADDED = "feed.added"
    FEED_UPDATE = "feed.update"
    FEED_DEACTIVATED = "feed.deactivated"
    FEED_URL_CHANGED = "feed.url_changed"
    FEED_ITEMS_STORED = "feed.items_stored"
    FEED_ITEMS_REMATCHED = "feed.items_rematched"  # a pledge caught up on stored items
    FEED_PAUSED = "feed.paused"
    FEED_RESUMED = "feed.resumed"
    FEED_DELETED = "feed.deleted"
    DEMO_GENERATE = "demo.generate"
    DEMO_UNLOAD = "demo.unload"
    ELECTION_ARCHIVE = "election.archive"
    ELECTION_RESTORE = "election.restore"
    ELECTION_DELETE = "election.delete"
    CANDIDATE_ARCHIVE = "candidate.archive"
    CANDIDATE_RESTORE = "candidate.restore"
    CANDIDATE_DELETE = "candidate.delete"
    PLEDGE_ARCHIVE = "pledge.archive"
    PLEDGE_RESTORE = "pledge.restore"
    PLEDGE_DELETE = "pledge.delete"
    USER_UPDATE = "user.update"  # display name, language
    USER_RESET_REQUEST = "user.reset_request"  # a password reset link made (never the token)
    USER_RESET_PASSWORD = "user.reset_password"  # noqa: S105  (an action name, no secret)
    USER_DIGEST = "user.digest"  # digests subscribed or unsubscribed
    INVITATION_REVOKE = "invitation.revoke"
    PROGRAMME_CREATE = "programme.create"  # a programme archived (URL or upload)
    PLEDGE_FROM_PASSAGE = "pledge.from_passage"  # a pledge anchored to a programme's passage


def snapshot(obj: Any, fields: list[str]) -> dict[str, Any]:
    """JSON-ready copy of the named attributes, for before/after records."""
    return {name: _jsonable(getattr(obj, name)) for name in fields}


def _jsonable(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def log_change(
    session: Session,
    *,
    actor: Actor,
    action: AuditAction,
    object_type: str,
    object_id: int | None,
    pledge_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> AuditEntry:
    """Append one audit entry (who, when, what, before/after) to the session."""
    entry = AuditEntry(
        at=now or utc_now(),
        actor_id=actor.id if isinstance(actor, User) else None,
        actor_label=actor.email if isinstance(actor, User) else (actor or "system"),
        action=AuditAction(action).value,  # the plain text, whatever the driver does with enums
        object_type=object_type,
        object_id=object_id,
        pledge_id=pledge_id,
        before=before,
        after=after,
    )
    session.add(entry)
    return entry


# --- Reads (issue 4: the log is visible to editors, per pledge and site-wide; issue 10:
# filtered, and each entry described in words by the views) ---------------------------


# Account management (emails, roles, invitations, site settings): admins only.
ACCOUNT_OBJECT_TYPES = ("user", "invitation", "sitesetting")
# The object types that entries name, in the order a filter offers them.
OBJECT_TYPES = (
    "election", "candidate", "pledge", "evidence", "status_change", "suggestion", "feed",
    "theme", "user", "invitation", "sitesetting",
)  # fmt: skip


@dataclass(frozen=True)
class AuditFilters:
    """Which entries to list; None means "any". `since`/`until` are instants (UTC),
    `until` excluded: the views turn the dates people type into their local midnights."""

    actor_id: int | None = None
    action: str | None = None
    object_type: str | None = None
    object_id: int | None = None
    pledge_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None

    @property
    def active(self) -> bool:
        return any(getattr(self, f.name) is not None for f in fields(self))


def _where(filters: AuditFilters, hidden_types: Sequence[str]) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if filters.pledge_id is not None:
        clauses.append(col(AuditEntry.pledge_id) == filters.pledge_id)
    if filters.actor_id is not None:
        clauses.append(col(AuditEntry.actor_id) == filters.actor_id)
    if filters.action:
        clauses.append(col(AuditEntry.action) == filters.action)
    if filters.object_type:
        clauses.append(col(AuditEntry.object_type) == filters.object_type)
    if filters.object_id is not None:
        clauses.append(col(AuditEntry.object_id) == filters.object_id)
    if filters.since is not None:
        clauses.append(col(AuditEntry.at) >= filters.since)
    if filters.until is not None:
        clauses.append(col(AuditEntry.at) < filters.until)
    if hidden_types:
        clauses.append(col(AuditEntry.object_type).not_in(hidden_types))
    return clauses


def list_entries(
    session: Session,
    *,
    pledge_id: int | None = None,
    filters: AuditFilters | None = None,
    page: int = 1,
    per_page: int = 50,
    hidden_types: Sequence[str] = (),
) -> list[AuditEntry]:
    """Audit entries, newest first; only those about one pledge when `pledge_id` is given,
    those matching `filters`, never those whose object type is in `hidden_types`."""
    filters = filters or AuditFilters()
    if pledge_id is not None:
        filters = replace(filters, pledge_id=pledge_id)
    per_page = max(1, min(per_page, MAX_AUDIT_PAGE))
    query = (
        select(AuditEntry)
        .where(*_where(filters, hidden_types))
        .order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
        .offset((max(page, 1) - 1) * per_page)
        .limit(per_page)
    )
    return list(session.exec(query))


def count_entries(
    session: Session,
    *,
    pledge_id: int | None = None,
    filters: AuditFilters | None = None,
    hidden_types: Sequence[str] = (),
) -> int:
    filters = filters or AuditFilters()
    if pledge_id is not None:
        filters = replace(filters, pledge_id=pledge_id)
    query = select(func.count()).select_from(AuditEntry).where(*_where(filters, hidden_types))
    return int(session.exec(query).one())


MAX_AUDIT_PAGE = 200


def list_actor_names(session: Session, entries: Sequence[AuditEntry]) -> dict[int, str]:
    """The display names of the accounts behind `entries` (one query), by account id.

    Editors read the log with these names: an entry's own label is the account's
    email address, which only admins may see.
    """
    ids = {e.actor_id for e in entries if e.actor_id is not None}
    if not ids:
        return {}
    rows = session.exec(select(User.id, User.display_name).where(col(User.id).in_(ids)))
    return {user_id: name for user_id, name in rows if user_id is not None}


def list_actors(session: Session, *, limit: int = 200) -> list[tuple[int, str, str]]:
    """(id, display name, email) of the accounts that wrote entries, for a filter (bounded)."""
    writers = select(AuditEntry.actor_id).where(col(AuditEntry.actor_id).is_not(None)).distinct()
    rows = session.exec(
        select(User.id, User.display_name, User.email)
        .where(col(User.id).in_(writers))
        .order_by(col(User.display_name), col(User.id))
        .limit(limit)
    ).all()
    return [(user_id, name, email) for user_id, name, email in rows if user_id is not None]


# --- What an entry changed, as data the views put in words ---------------------------

# Fields never listed as changes: the entry's own sentence already names them.
SILENT_FIELDS = frozenset({"pledge_id", "key", "status_change_id"})


@dataclass(frozen=True)
class FieldChange:
    """One field of an entry: its stored name, value before (None when the entry records
    a creation) and after (None when it records only a before)."""

    field: str
    before: Any
    after: Any


@dataclass
class EntryView:
    """An entry with what the views need to say it in words."""

    entry: AuditEntry
    verb: str  # the action after its "object." prefix ("update", "archive", ...)
    object_name: str  # the title or name of the object, "" when unknown or gone
    changes: list[FieldChange]


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def entry_changes(entry: AuditEntry) -> list[FieldChange]:
    """The fields that changed, in a stable order: those of `after` first (as written),
    then any only in `before`. Equal values (full snapshots on both sides) are left
    out; so are empty values of a record that was created."""
    before = entry.before or {}
    after = entry.after or {}
    names = [*after, *(k for k in before if k not in after)]
    result = []
    for name in names:
        if name in SILENT_FIELDS:
            continue
        old, new = before.get(name), after.get(name)
        if name in before and name in after and old == new:
            continue
        if not before and _empty(new):
            continue  # a creation: say what was set, not every empty field
        result.append(FieldChange(name, old if name in before else None, new))
    return result


def _object_titles(session: Session, wanted: dict[str, set[int]]) -> dict[tuple[str, int], str]:
    """Titles of the objects named by entries: one statement per kind present (a fixed set)."""
    columns: dict[str, tuple[Any, ...]] = {
        "election": (Election.id, Election.name),
        "candidate": (Candidate.id, Candidate.name),
        "pledge": (Pledge.id, Pledge.title),
        "evidence": (Evidence.id, Evidence.title),
        "feed": (Feed.id, Feed.name),
        "user": (User.id, User.display_name),
        "theme": (Theme.id, Theme.name_fr),
    }
    titles: dict[tuple[str, int], str] = {}
    for kind, ids in wanted.items():
        if kind not in columns or not ids:
            continue
        id_column, title_column = columns[kind]
        rows = session.execute(select(id_column, title_column).where(id_column.in_(ids)))
        titles.update({(kind, row_id): title or "" for row_id, title in rows})
    return titles


def describe_entries(session: Session, entries: Sequence[AuditEntry]) -> list[EntryView]:
    """Each entry with its object's current title and its changes (a bounded number of
    statements: one per kind of object on the page). Entries about a ruling or a
    suggestion are named by their pledge."""
    wanted: dict[str, set[int]] = {}
    for e in entries:
        if e.object_id is not None:
            wanted.setdefault(e.object_type, set()).add(e.object_id)
        if e.pledge_id is not None:
            wanted.setdefault("pledge", set()).add(e.pledge_id)
    titles = _object_titles(session, wanted)
    views = []
    for e in entries:
        name = titles.get((e.object_type, e.object_id or 0), "")
        if not name and e.pledge_id is not None:
            name = titles.get(("pledge", e.pledge_id), "")
        if not name:
            # Gone (or never titled): the record itself may still say what it was.
            record = e.after or e.before or {}
            name = str(record.get("title") or record.get("name") or record.get("url") or "")
        views.append(EntryView(e, e.action.partition(".")[2], name, entry_changes(e)))
    return views
