"""Archiving, restoring and deleting elections, candidates and pledges; unloading the demo data.

Archived is the public's "gone" (every public read answers 410 Gone for it and
leaves it out of lists), not an erasure: rows, rulings, evidence and the audit
log stay, and `restore` brings everything back. An archived election hides its
candidates and pledges, an archived candidate its pledges: the reads use the
clauses here (`visible_elections`, `visible_candidates`, `visible_pledges`,
subqueries, so a query stays one query) and `is_gone` for one loaded object.

`hard_delete` erases only what never entered the public ledger (see
`public_ledger_count`); `unload_demo` erases the demonstration data and
nothing else. No Flask here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, delete, func, not_, or_, update
from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, select

from models import (
    ArchiveJob,
    AuditEntry,
    Candidate,
    Election,
    Evidence,
    EvidenceCorrection,
    FeedItem,
    LinkCheck,
    Pledge,
    Programme,
    ProgrammePassage,
    SlugRedirect,
    Snapshot,
    StatusChange,
    StatusChangeCitation,
    Suggestion,
    Theme,
)
from models.data_version import bump_data_version
from models.db import id_of, rel, table_of, utc_now
from models.enums import EvidenceState
from pledges.archive.warc import remove_warc
from pledges.audit import Actor, AuditAction, log_change
from pledges.audit import snapshot as take_snapshot
from pledges.errors import ArchiveError
from pledges.records import CandidateRecord, ElectionRecord, PledgeDetail, PledgeRecord

Archivable = Election | Candidate | Pledge
# What `is_gone` also reads: the read-only records of the public lists and widget.
Readable = Archivable | ElectionRecord | CandidateRecord | PledgeRecord | PledgeDetail
MAX_ARCHIVES_LISTED = 200

# ---------------------------------------------------------------- what the public sees


# The conditions below never change: each is built once and reused by every statement
# (SQLAlchemy expressions are immutable), instead of once per list on every page.


@cache
def visible_elections() -> ColumnElement[bool]:
    """SQL condition on Election: not archived."""
    return col(Election.archived_at).is_(None)


def _archived_election_ids() -> Any:
    return select(col(Election.id)).where(col(Election.archived_at).is_not(None))


@cache
def visible_candidates() -> ColumnElement[bool]:
    """SQL condition on Candidate: neither it nor its election is archived."""
    return and_(
        col(Candidate.archived_at).is_(None),
        col(Candidate.election_id).not_in(_archived_election_ids()),
    )


@cache
def visible_pledges() -> ColumnElement[bool]:
    """SQL condition on Pledge: neither it, its candidate nor its election is archived.

    The one clause every public list of pledges (and of their evidence and
    rulings, joined to Pledge) adds; two uncorrelated subqueries, no join.
    """
    archived_candidates = select(col(Candidate.id)).where(col(Candidate.archived_at).is_not(None))
    return and_(
        col(Pledge.archived_at).is_(None),
        col(Pledge.candidate_id).not_in(archived_candidates),
        col(Pledge.election_id).not_in(_archived_election_ids()),
    )


def archived_pledge_ids() -> Select[Any]:
    """The ids of pledges that are archived, or whose candidate or election is: a small
    subquery for lists that are not of pledges (the volunteers' queue of suggestions)."""
    return select(col(Pledge.id)).where(not_(visible_pledges()))


def is_gone(obj: Readable) -> bool:
    """Whether the public must get 410 for `obj`: it or what it belongs to is archived.

    Reads the loaded candidate and election of a pledge (and the election of a
    candidate): callers load them eagerly to keep their statement count.
    """
    if obj.archived_at is not None:
        return True
    if isinstance(obj, Pledge | PledgeRecord | PledgeDetail):
        return is_gone(obj.candidate)
    if isinstance(obj, Candidate | CandidateRecord):
        return obj.election.archived_at is not None
    return False


# ---------------------------------------------------------------- archive, restore


def _kind(obj: Archivable) -> str:
    return {Election: "election", Candidate: "candidate", Pledge: "pledge"}[type(obj)]


_ACTIONS = {
    ("election", "archive"): AuditAction.ELECTION_ARCHIVE,
    ("election", "restore"): AuditAction.ELECTION_RESTORE,
    ("election", "delete"): AuditAction.ELECTION_DELETE,
    ("candidate", "archive"): AuditAction.CANDIDATE_ARCHIVE,
    ("candidate", "restore"): AuditAction.CANDIDATE_RESTORE,
    ("candidate", "delete"): AuditAction.CANDIDATE_DELETE,
    ("pledge", "archive"): AuditAction.PLEDGE_ARCHIVE,
    ("pledge", "restore"): AuditAction.PLEDGE_RESTORE,
    ("pledge", "delete"): AuditAction.PLEDGE_DELETE,
}


def _log(
    session: Session,
    obj: Archivable,
    verb: str,
    *,
    actor: Actor,
    now: datetime,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    kind = _kind(obj)
    log_change(
        session,
        actor=actor,
        action=_ACTIONS[(kind, verb)],
        object_type=kind,
        object_id=obj.id,
        pledge_id=obj.id if isinstance(obj, Pledge) else None,
        before=before,
        after=after,
        now=now,
    )


def archive(
    session: Session, obj: Archivable, *, actor: Actor, now: datetime | None = None
) -> None:
    """Archive an election, a candidate or a pledge: gone from everything public, restorable.

    Only `archived_at` changes; what lies beneath keeps its own state, so
    `restore` brings it all back. Refused (`already_archived`) when it is archived.
    """
    now = now or utc_now()
    if obj.archived_at is not None:
        raise ArchiveError("Already archived.", code="already_archived")
    obj.archived_at = now
    session.add(obj)
    _log(
        session,
        obj,
        "archive",
        actor=actor,
        now=now,
        before={"archived_at": None},
        after={"archived_at": now.isoformat()},
    )
    session.flush()


def restore(
    session: Session, obj: Archivable, *, actor: Actor, now: datetime | None = None
) -> None:
    """Bring an archived election, candidate or pledge back to the public (`not_archived` if not).

    What lies beneath reappears with it, unless archived on its own; a pledge
    restored under a still-archived candidate stays hidden until that one is restored.
    """
    now = now or utc_now()
    if obj.archived_at is None:
        raise ArchiveError("Not archived.", code="not_archived")
    before = {"archived_at": obj.archived_at.isoformat()}
    obj.archived_at = None
    session.add(obj)
    _log(session, obj, "restore", actor=actor, now=now, before=before, after={"archived_at": None})
    session.flush()


@dataclass
class ArchivedItems:
    """What the archives page lists: each kind, most recently archived first."""

    elections: list[Election] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)
    pledges: list[Pledge] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.elections or self.candidates or self.pledges)


def list_archived(session: Session, *, limit: int = MAX_ARCHIVES_LISTED) -> ArchivedItems:
    """Archived elections, candidates and pledges (at most `limit` of each): five statements."""
    elections = session.exec(
        select(Election)
        .where(col(Election.archived_at).is_not(None))
        .order_by(col(Election.archived_at).desc(), col(Election.id))
        .limit(limit)
    ).all()
    candidates = session.exec(
        select(Candidate)
        .where(col(Candidate.archived_at).is_not(None))
        .order_by(col(Candidate.archived_at).desc(), col(Candidate.id))
        .limit(limit)
        .options(selectinload(rel(Candidate.election)))
    ).all()
    pledges = session.exec(
        select(Pledge)
        .where(col(Pledge.archived_at).is_not(None))
        .order_by(col(Pledge.archived_at).desc(), col(Pledge.id))
        .limit(limit)
        .options(selectinload(rel(Pledge.candidate)).selectinload(rel(Candidate.election)))
    ).all()
    return ArchivedItems(list(elections), list(candidates), list(pledges))


# ---------------------------------------------------------------- hard delete


def _pledge_ids_under(obj: Archivable) -> Any:
    """A subquery of the ids of the pledges of `obj` (itself, for a pledge)."""
    if isinstance(obj, Pledge):
        return select(col(Pledge.id)).where(col(Pledge.id) == obj.id)
    if isinstance(obj, Candidate):
        return select(col(Pledge.id)).where(col(Pledge.candidate_id) == obj.id)
    return select(col(Pledge.id)).where(col(Pledge.election_id) == obj.id)


def public_ledger_count(session: Session, obj: Archivable) -> int:
    """How many entries of the public ledger lie under `obj`; hard delete needs zero.

    The public ledger is what anyone may have read and cited: every ruling
    (StatusChange, corrected or not: rulings are public when recorded) and every
    evidence item that was ever published, that is one that is published or
    withdrawn now, carries a publication correction or a withdrawal date, or was
    published according to the audit log (`evidence.publish`), even if it was
    later set back. Submitted and rejected evidence never was public. Two statements.
    """
    pledge_ids = _pledge_ids_under(obj)
    rulings = session.exec(
        select(func.count(col(StatusChange.id))).where(col(StatusChange.pledge_id).in_(pledge_ids))
    ).one()
    evidence_ids = select(col(Evidence.id)).where(col(Evidence.pledge_id).in_(pledge_ids))
    published = session.exec(
        select(func.count(col(Evidence.id))).where(
            col(Evidence.pledge_id).in_(pledge_ids),
            or_(
                col(Evidence.state).in_([EvidenceState.PUBLISHED, EvidenceState.WITHDRAWN]),
                col(Evidence.withdrawn_at).is_not(None),
                col(Evidence.corrected_at).is_not(None),
                col(Evidence.id).in_(
                    select(col(EvidenceCorrection.evidence_id)).where(
                        col(EvidenceCorrection.evidence_id).in_(evidence_ids)
                    )
                ),
                col(Evidence.id).in_(
                    select(col(AuditEntry.object_id)).where(
                        col(AuditEntry.object_type) == "evidence",
                        col(AuditEntry.action) == AuditAction.EVIDENCE_PUBLISH.value,
                        col(AuditEntry.object_id).in_(evidence_ids),
                    )
                ),
            ),
        )
    ).one()
    return int(rulings) + int(published)


@dataclass
class Removed:
    """Rows removed, per table (what the CLI prints and the admin page flashes)."""

    counts: dict[str, int] = field(default_factory=dict)
    # The WARC files of the deleted snapshots: `remove_files` once the deletion is committed.
    warc_paths: list[str] = field(default_factory=list)

    def add(self, table: str, number: int) -> None:
        if number:
            self.counts[table] = self.counts.get(table, 0) + number

    def remove_files(self, archive_dir: Path) -> None:
        """Delete the deleted snapshots' WARC files (after the commit: a rollback keeps them).
        A WARC's name is its own hash and each holds a random id: no other row shares it."""
        for path in self.warc_paths:
            remove_warc(archive_dir, path)
        self.warc_paths.clear()

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _delete(session: Session, removed: Removed, model: Any, *where: Any) -> None:
    # Bulk DELETE on the session's connection (same transaction): bounded in statements
    # whatever the size of an election; `_finish` then tells the session.
    result = session.connection().execute(delete(model).where(*where))
    removed.add(model.__tablename__, int(result.rowcount or 0))


def _purge_pledges(session: Session, removed: Removed, pledge_ids: Any) -> list[int]:
    """Delete the pledges of the subquery and everything attached to them, in foreign-key
    order; returns the ids of the feed items their suggestions pointed to."""
    evidence_ids = select(col(Evidence.id)).where(col(Evidence.pledge_id).in_(pledge_ids))
    change_ids = select(col(StatusChange.id)).where(col(StatusChange.pledge_id).in_(pledge_ids))
    item_ids = [
        int(i)
        for i in session.exec(
            select(col(Suggestion.feed_item_id))
            .where(col(Suggestion.pledge_id).in_(pledge_ids))
            .distinct()
        )
    ]
    _delete(
        session,
        removed,
        StatusChangeCitation,
        or_(
            col(StatusChangeCitation.status_change_id).in_(change_ids),
            col(StatusChangeCitation.evidence_id).in_(evidence_ids),
        ),
    )
    _delete(
        session, removed, EvidenceCorrection, col(EvidenceCorrection.evidence_id).in_(evidence_ids)
    )
    _delete(session, removed, ProgrammePassage, col(ProgrammePassage.pledge_id).in_(pledge_ids))
    _purge_archives(session, removed, evidence_ids)
    _delete(session, removed, Evidence, col(Evidence.pledge_id).in_(pledge_ids))
    _delete(session, removed, StatusChange, col(StatusChange.pledge_id).in_(pledge_ids))
    _delete(session, removed, Suggestion, col(Suggestion.pledge_id).in_(pledge_ids))
    _delete(session, removed, Pledge, col(Pledge.id).in_(pledge_ids))
    return item_ids


def _purge_archives(session: Session, removed: Removed, evidence_ids: Any) -> None:
    """The evidence's link checks, archive jobs and snapshots (their WARC paths noted in
    `removed`). A snapshot a programme or a passage also cites is kept, detached."""
    _delete(session, removed, LinkCheck, col(LinkCheck.evidence_id).in_(evidence_ids))
    _delete(session, removed, ArchiveJob, col(ArchiveJob.evidence_id).in_(evidence_ids))
    cited = select(col(Programme.snapshot_id)).union(select(col(ProgrammePassage.snapshot_id)))
    session.connection().execute(
        update(Snapshot)
        .where(col(Snapshot.evidence_id).in_(evidence_ids), col(Snapshot.id).in_(cited))
        .values(evidence_id=None)
    )
    owned = col(Snapshot.evidence_id).in_(evidence_ids)
    _delete_snapshots(session, removed, owned)


def _delete_snapshots(session: Session, removed: Removed, where: Any) -> None:
    paths = session.exec(select(col(Snapshot.warc_path)).where(where))
    removed.warc_paths += [str(path) for path in paths]
    _delete(session, removed, Snapshot, where)


def _purge_programmes(session: Session, removed: Removed, candidate_ids: Any) -> None:
    """The candidates' programmes, the passages cut from them and their archived copies
    (after the pledges: a pledge's passage goes with it)."""
    of_candidates = col(Programme.candidate_id).in_(candidate_ids)
    snapshot_ids = [
        int(i) for i in session.exec(select(col(Programme.snapshot_id)).where(of_candidates))
    ]
    programme_ids = select(col(Programme.id)).where(of_candidates)
    _delete(
        session, removed, ProgrammePassage, col(ProgrammePassage.programme_id).in_(programme_ids)
    )
    _delete(session, removed, Programme, of_candidates)
    if snapshot_ids:
        still_cited = select(col(ProgrammePassage.snapshot_id)).union(
            select(col(Programme.snapshot_id))
        )
        _delete_snapshots(
            session,
            removed,
            and_(
                col(Snapshot.id).in_(snapshot_ids),
                col(Snapshot.evidence_id).is_(None),
                col(Snapshot.id).not_in(still_cited),
            ),
        )


def _purge_redirects(session: Session, removed: Removed, election_ids: Sequence[int]) -> None:
    candidate_ids = select(col(Candidate.id)).where(col(Candidate.election_id).in_(election_ids))
    _delete(
        session,
        removed,
        SlugRedirect,
        or_(
            and_(
                col(SlugRedirect.kind) == "election", col(SlugRedirect.target_id).in_(election_ids)
            ),
            and_(
                col(SlugRedirect.kind) == "candidate", col(SlugRedirect.scope_id).in_(election_ids)
            ),
            and_(
                col(SlugRedirect.kind) == "candidate",
                col(SlugRedirect.target_id).in_(candidate_ids),
            ),
        ),
    )


def _finish(session: Session, objects: Sequence[Archivable]) -> None:
    """After bulk deletes: forget the deleted rows the session holds, and count a public write.

    Bulk statements bypass the flush, so neither the identity map nor the data
    version (models.data_version) hears of them; this tells both.
    """
    for obj in objects:
        if obj in session:
            session.expunge(obj)
    session.expire_all()
    bump_data_version(session)


def hard_delete(
    session: Session, obj: Archivable, *, actor: Actor, now: datetime | None = None
) -> Removed:
    """Erase an election, a candidate or a pledge with everything beneath it, for good.

    Only for what never entered the public ledger: refused (`has_public_ledger`:
    archive it instead) when `public_ledger_count` finds any ruling or any
    evidence ever published beneath it. Submitted or rejected evidence, feed
    suggestions and old slugs go with it; feed items stay (they belong to their
    feed); the audit log keeps the record, with what was deleted.
    """
    now = now or utc_now()
    if public_ledger_count(session, obj) > 0:
        raise ArchiveError(
            "Rulings or published evidence exist: archive instead.", code="has_public_ledger"
        )
    kind = _kind(obj)
    # The whole row goes to the audit log: what is erased can still be read there.
    snapshot = {
        "name": obj.title if isinstance(obj, Pledge) else obj.name,
        **take_snapshot(obj, [c.name for c in table_of(type(obj)).columns]),
    }
    removed = Removed()
    _purge_pledges(session, removed, _pledge_ids_under(obj))
    if isinstance(obj, Candidate):
        _delete(
            session,
            removed,
            SlugRedirect,
            col(SlugRedirect.kind) == "candidate",
            col(SlugRedirect.target_id) == obj.id,
        )
        _purge_programmes(session, removed, [id_of(obj)])
        _delete(session, removed, Candidate, col(Candidate.id) == obj.id)
    if isinstance(obj, Election):
        _purge_redirects(session, removed, [id_of(obj)])
        _purge_programmes(
            session, removed, select(col(Candidate.id)).where(col(Candidate.election_id) == obj.id)
        )
        _delete(session, removed, Candidate, col(Candidate.election_id) == obj.id)
        _delete(session, removed, Election, col(Election.id) == obj.id)
    log_change(
        session,
        actor=actor,
        action=_ACTIONS[(kind, "delete")],
        object_type=kind,
        object_id=obj.id,
        pledge_id=obj.id if isinstance(obj, Pledge) else None,
        before={**snapshot, "removed": dict(removed.counts)},
        after=None,
        now=now,
    )
    _finish(session, [obj])
    session.flush()
    return removed


# ---------------------------------------------------------------- demo data


def list_demo_elections(session: Session) -> list[Election]:
    """The demonstration elections (what the admin page offers to remove), by date."""
    return list(
        session.exec(
            select(Election).where(col(Election.is_demo)).order_by(col(Election.date).desc())
        ).all()
    )


def unload_demo(session: Session, *, actor: Actor, now: datetime | None = None) -> Removed:
    """Remove the demonstration data and nothing else; idempotent (nothing left: nothing removed).

    The demonstration data is every election marked `is_demo` (what
    `demo load` and `demo generate` create) and everything beneath it:
    candidates, pledges, evidence (any state) with their corrections, rulings
    with their citations, feed suggestions for those pledges, old slugs pointing
    at them, the feed items of those suggestions when nothing else refers to
    them, and the themes no remaining pledge uses that demo pledges used.
    Kept: user accounts (people, not data), feeds, every other election, and the
    audit log, which records the removal with its counts.
    """
    now = now or utc_now()
    elections = list(session.exec(select(Election).where(col(Election.is_demo))).all())
    removed = Removed()
    if not elections:
        return removed
    election_ids = [id_of(e) for e in elections]
    pledge_ids = select(col(Pledge.id)).where(col(Pledge.election_id).in_(election_ids))
    themes = [
        t
        for t in session.exec(
            select(col(Pledge.theme)).where(col(Pledge.election_id).in_(election_ids)).distinct()
        )
        if t
    ]
    item_ids = _purge_pledges(session, removed, pledge_ids)
    _purge_redirects(session, removed, election_ids)
    _purge_programmes(
        session,
        removed,
        select(col(Candidate.id)).where(col(Candidate.election_id).in_(election_ids)),
    )
    _delete(session, removed, Candidate, col(Candidate.election_id).in_(election_ids))
    _delete(session, removed, Election, col(Election.id).in_(election_ids))
    if item_ids:
        # Only items nothing else refers to: another pledge's suggestion or evidence keeps one.
        _delete(
            session,
            removed,
            FeedItem,
            col(FeedItem.id).in_(item_ids),
            col(FeedItem.id).not_in(select(col(Suggestion.feed_item_id))),
            col(FeedItem.id).not_in(
                select(col(Evidence.feed_item_id)).where(col(Evidence.feed_item_id).is_not(None))
            ),
        )
    if themes:
        in_use = select(col(Pledge.theme)).distinct()
        theme_ids = select(col(Theme.id)).where(
            col(Theme.slug).in_(themes), col(Theme.slug).not_in(in_use)
        )
        _delete(
            session,
            removed,
            SlugRedirect,
            col(SlugRedirect.kind) == "theme",
            col(SlugRedirect.target_id).in_(theme_ids),
        )
        _delete(
            session, removed, Theme, col(Theme.slug).in_(themes), col(Theme.slug).not_in(in_use)
        )
    log_change(
        session,
        actor=actor,
        action=AuditAction.DEMO_UNLOAD,
        object_type="election",
        object_id=None,
        before={"elections": [e.slug for e in elections], "removed": dict(removed.counts)},
        after=None,
        now=now,
    )
    _finish(session, elections)
    session.flush()
    return removed
