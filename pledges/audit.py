"""The append-only audit log: every write function calls `log_change` in its own flush."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from enum import Enum, StrEnum
from typing import Any

from sqlmodel import Session, col, func, select

from models import AuditEntry, User
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


# --- Reads (issue 4: the log is visible to editors, per pledge and site-wide) --------


# Account management (emails, roles, invitations, site settings): admins only.
ACCOUNT_OBJECT_TYPES = ("user", "invitation", "sitesetting")


def list_entries(
    session: Session,
    *,
    pledge_id: int | None = None,
    page: int = 1,
    per_page: int = 50,
    hidden_types: Sequence[str] = (),
) -> list[AuditEntry]:
    """Audit entries, newest first; only those about one pledge when `pledge_id` is given,
    never those whose object type is in `hidden_types`."""
    query = select(AuditEntry)
    if pledge_id is not None:
        query = query.where(AuditEntry.pledge_id == pledge_id)
    if hidden_types:
        query = query.where(col(AuditEntry.object_type).not_in(hidden_types))
    query = (
        query.order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
        .offset((max(page, 1) - 1) * per_page)
        .limit(per_page)
    )
    return list(session.exec(query))


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


def count_entries(
    session: Session, *, pledge_id: int | None = None, hidden_types: Sequence[str] = ()
) -> int:
    query = select(func.count()).select_from(AuditEntry)
    if pledge_id is not None:
        query = query.where(AuditEntry.pledge_id == pledge_id)
    if hidden_types:
        query = query.where(col(AuditEntry.object_type).not_in(hidden_types))
    return int(session.exec(query).one())
