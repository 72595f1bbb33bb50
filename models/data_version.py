"""The public data version: a counter bumped by every write the public can see.

Every cached page and every ETag is keyed by it, so a table left out would let
stale pages outlive a change. Hence every table of the metadata is classified
here, public or private, in one place (tests/test_architecture.py fails on a new
table classified neither or both), and the listener is connected by the
application factory (and the CLI and tests through it), never at import time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import event, inspect, text
from sqlmodel import Session

from models.enums import EvidenceState

# The full-text index (models.full_text: pledge_search, pledge_fts) is no model's and is
# not listed: only triggers on pledge, evidence and candidate write it, and those writes
# already bump the version.
# Tables whose rows appear on public pages, the API, the widget or the dump.
# Site settings count: public pages show whether editors are named on rulings.
PUBLIC_TABLES = frozenset(
    {
        "election",
        "candidate",
        "pledge",
        "evidence",
        "statuschange",
        "statuschangecitation",
        "sitesetting",
        "user",
        "theme",
        "slugredirect",
        "evidencecorrection",
        "snapshot",
        "archivejob",
        "linkcheck",
        "programme",
        "programmepassage",
    }
)
# Tables nobody outside sees: accounts' secrets and history, the input feeds
# and what volunteers have yet to review, and the counter itself.
PRIVATE_TABLES = frozenset(
    {
        "auditentry",
        "invitation",
        "passwordreset",
        "feed",
        "feeditem",
        "feedfetch",
        "pledgematch",
        "suggestion",
        "dataversion",
        "heartbeat",
    }
)


def _was_or_is(obj: Any, attribute: str, public: Callable[[Any], bool]) -> bool:
    """True when the attribute's value before or after this flush passes `public`."""
    history = inspect(obj).attrs[attribute].history
    values = [*history.added, *history.deleted, *history.unchanged]
    if not history.added and not history.deleted:
        values.append(getattr(obj, attribute))
    return any(public(value) for value in values)


def _evidence_is_public(obj: Any) -> bool:
    # Submitted or rejected evidence is seen by volunteers and editors only: a
    # write to it matters to the public only if it was, or becomes, published.
    return _was_or_is(obj, "state", lambda state: state == EvidenceState.PUBLISHED)


def _user_is_public(obj: Any) -> bool:
    # Only the display name reaches public pages (the author of a ruling); a
    # login, a password or a role change does not, and a new account has
    # authored nothing yet. (In after_flush new rows are still pending and
    # deleted ones still in session.deleted: the flush is not finalised.)
    state = inspect(obj)
    if state.pending:
        return False
    if state.session is not None and obj in state.session.deleted:
        return True
    return state.attrs["display_name"].history.has_changes()


def _archive_job_is_public(obj: Any) -> bool:
    # Public pages say "non archivé (raison)": only a job's outcome is seen, not
    # its claims, leases and retries.
    history = inspect(obj).attrs["state"].history
    return any(state != "pending" for state in (*history.added, *history.deleted))


def _link_check_is_public(obj: Any) -> bool:
    # The daily re-check writes its time every day; the public sees the verdict only.
    attrs = inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in ("status", "changed_at", "moved_to"))


# Public tables whose rows are only partly public: a write counts when the rule
# says the public could see it (keys must be public tables).
PUBLIC_WHEN: dict[str, Callable[[Any], bool]] = {
    "evidence": _evidence_is_public,
    "user": _user_is_public,
    "archivejob": _archive_job_is_public,
    "linkcheck": _link_check_is_public,
}


def classification_problems(
    tables: Iterable[str],
    public: frozenset[str] = PUBLIC_TABLES,
    private: frozenset[str] = PRIVATE_TABLES,
) -> list[str]:
    """What is wrong with the classification of `tables` (every table of the metadata)."""
    tables = set(tables)
    problems = [f"{name}: neither public nor private" for name in sorted(tables - public - private)]
    problems += [f"{name}: both public and private" for name in sorted(public & private)]
    problems += [
        f"{name}: classified but not a table" for name in sorted((public | private) - tables)
    ]
    problems += [
        f"{name}: a rule for a table that is not public"
        for name in sorted(set(PUBLIC_WHEN) - public)
    ]
    return problems


def is_public_write(obj: Any) -> bool:
    """Whether adding, changing or deleting `obj` changes what the public can see."""
    table = getattr(obj, "__tablename__", None)
    if table not in PUBLIC_TABLES:
        return False
    rule = PUBLIC_WHEN.get(table)
    return rule is None or rule(obj)


DATA_VERSION_READ = "SELECT counter FROM dataversion WHERE id = 1"


def get_data_version(session: Session) -> int:
    """The counter of public-data writes: one cheap primary-key read.

    Read on every public answer (the 304s and cached pages included), so it goes to
    the driver as it is: no statement to build, cache-key or compile (still seen by
    the engine's events, which count statements).
    """
    value = session.connection().exec_driver_sql(DATA_VERSION_READ).scalar()
    return int(value or 0)


def bump_data_version(session: Session) -> None:
    """Count one public write; for bulk statements, which the flush listener never sees."""
    conn = session.connection()
    updated = conn.execute(
        text("UPDATE dataversion SET counter = counter + 1 WHERE id = 1")
    ).rowcount
    if not updated:
        conn.execute(text("INSERT INTO dataversion (id, counter) VALUES (1, 1)"))


def _bump_data_version(session: Session, _context: Any) -> None:
    touched = (*session.new, *session.dirty, *session.deleted)
    if any(is_public_write(obj) for obj in touched):
        bump_data_version(session)


def track_data_version() -> None:
    """Count public writes in every session from now on (idempotent).

    after_flush still sees what each object was before and after the flush,
    which is what the rules of PUBLIC_WHEN read.
    """
    if not event.contains(Session, "after_flush", _bump_data_version):
        event.listen(Session, "after_flush", _bump_data_version)
