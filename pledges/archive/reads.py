"""What pages, the API and the dump read about archives: constant query counts, no Flask.

`archive_info(session, ids)` gives each evidence item its snapshots (oldest
first, text deferred), its archive job (for "non archivé (raison)") and its link
check, in one query whatever the number of items. `archive_marks(session, ids)`
gives the same for the mark beside a cited link (public pledge page), as plain
rows of the few columns the mark shows: the ORM has nothing to add there.

A snapshot is the copy of the URL it was made for (`Snapshot.url`): once an editor
corrects an item's URL, the copies of its previous address stay listed (`earlier`)
but are never presented as the copy of the current link (`current`, `latest`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, Generic, NamedTuple, Protocol, TypeVar

from sqlalchemy import Select, bindparam, func
from sqlalchemy import select as sa_select
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from models import ArchiveJob, Evidence, LinkCheck, Snapshot, StatusChangeCitation
from models.db import table_of
from models.enums import EvidenceState
from pledges.archive.jobs import DONE, FAILED, REFUSED
from pledges.archive.links import CHANGED, GONE, MOVED

MAX_LISTED = 500


class SnapshotLike(Protocol):
    """What the archive's logic reads of a copy (a Snapshot, or a SnapshotMark)."""

    @property
    def id(self) -> int | None: ...
    @property
    def url(self) -> str: ...
    @property
    def retrieved_at(self) -> datetime: ...


class JobLike(Protocol):
    @property
    def state(self) -> str: ...
    @property
    def reason_code(self) -> str: ...


class CheckLike(Protocol):
    @property
    def status(self) -> str | None: ...


S = TypeVar("S", bound=SnapshotLike)


class SnapshotMark(NamedTuple):
    id: int
    url: str
    retrieved_at: datetime


class JobMark(NamedTuple):
    state: str
    reason_code: str


class CheckMark(NamedTuple):
    status: str | None


@dataclass
class EvidenceArchive(Generic[S]):
    snapshots: list[S] = field(default_factory=list)  # oldest first, every URL
    job: JobLike | None = None
    check: CheckLike | None = None
    url: str | None = None  # the item's URL now (None: every snapshot counts as current)

    @property
    def current(self) -> list[S]:
        """The copies made for the item's URL as it is now, oldest first."""
        return current_snapshots(self.snapshots, self.url)

    @property
    def earlier(self) -> list[S]:
        """Copies of a previous address of the item (before an editor corrected it)."""
        current = {id(s) for s in self.current}
        return [s for s in self.snapshots if id(s) not in current]

    @property
    def latest(self) -> S | None:
        """The newest copy of the current URL: the one a link to "the copy" shows."""
        current = self.current
        return current[-1] if current else None

    @property
    def shows_mark(self) -> bool:
        """Whether the mark beside the cited link says anything: a copy of the current
        URL, why there is none, or a dead link (public/_archive_mark.html)."""
        return self.latest is not None or self.refusal is not None or self.link_status == "gone"

    @property
    def link_status(self) -> str | None:
        return self.check.status if self.check is not None else None

    @property
    def refusal(self) -> str | None:
        """The reason code when the page could not be archived (and never was, at this URL)."""
        if self.current or self.job is None or self.job.state not in {REFUSED, FAILED}:
            return None
        return self.job.reason_code or "unreachable"


def current_snapshots(snapshots: Iterable[S], url: str | None) -> list[S]:
    """Those of `snapshots` made for `url` (all of them when url is None), in their order."""
    return [s for s in snapshots if url is None or s.url == url]


def archive_info(
    session: Session, evidence_ids: Iterable[int] | Select[Any]
) -> dict[int, EvidenceArchive[Snapshot]]:
    """Each item's archive, in one query, for a list of ids (a page) or a query of ids
    (the dump: no list of bind parameters however many items there are).

    Job and check are one per item, so the outer joins repeat them once per snapshot.
    """
    if isinstance(evidence_ids, Select):
        among: Any = evidence_ids
        info: dict[int, EvidenceArchive[Snapshot]] = defaultdict(EvidenceArchive)
    else:
        among = sorted(set(evidence_ids))
        info = {item_id: EvidenceArchive[Snapshot]() for item_id in among}
        if not among:
            return info
    if isinstance(among, list):
        rows = session.execute(_archive_statement(), {"ids": among}).all()
    else:
        rows = session.execute(_archive_select(among)).all()
    for item_id, job, check, snapshot, url in rows:
        if item_id is None:
            continue
        entry = info[item_id]
        entry.job, entry.check, entry.url = job, check, url
        if snapshot is not None:
            entry.snapshots.append(snapshot)
    return dict(info)


def _archive_select(among: Any) -> Select[int | None, ArchiveJob, LinkCheck, Snapshot, str]:
    """Items' jobs, checks and snapshots (their texts deferred), by item then age."""
    # SQLAlchemy's own select: SQLModel's is typed for at most four columns.
    return (
        sa_select(col(Evidence.id), ArchiveJob, LinkCheck, Snapshot, col(Evidence.url))
        .select_from(Evidence)
        .outerjoin(ArchiveJob, col(ArchiveJob.evidence_id) == col(Evidence.id))
        .outerjoin(LinkCheck, col(LinkCheck.evidence_id) == col(Evidence.id))
        .outerjoin(Snapshot, col(Snapshot.evidence_id) == col(Evidence.id))
        .options(defer(Snapshot.text))  # type: ignore[arg-type]  # a mapped column
        .where(col(Evidence.id).in_(among))
        .order_by(col(Evidence.id), col(Snapshot.retrieved_at), col(Snapshot.id))
    )


@cache
def _archive_statement() -> Select[int | None, ArchiveJob, LinkCheck, Snapshot, str]:
    """_archive_select for a list of ids bound as `ids`, built once (pages bind it)."""
    return _archive_select(bindparam("ids", expanding=True))


def archive_marks(
    session: Session, evidence_ids: Iterable[int]
) -> dict[int, EvidenceArchive[SnapshotMark]]:
    """As `archive_info` for a list of ids, with only what the mark beside a cited link
    shows (the copies' id, URL and date, the job's state and reason, the check's
    status), as plain rows: one Core statement built once."""
    among = sorted(set(evidence_ids))
    info = {item_id: EvidenceArchive[SnapshotMark]() for item_id in among}
    if not among:
        return info
    for (
        item_id,
        url,
        state,
        reason,
        status,
        snapshot_id,
        snapshot_url,
        retrieved_at,
    ) in session.connection().execute(_marks_statement(), {"ids": among}):
        entry = info[item_id]
        entry.url = url
        entry.job = None if state is None else JobMark(state, reason)
        entry.check = None if status is None else CheckMark(status)  # link_status alike
        if snapshot_id is not None:
            entry.snapshots.append(SnapshotMark(snapshot_id, snapshot_url, retrieved_at))
    return info


@cache
def _marks_statement() -> Select[Any]:
    evidence, job, check, snapshot = (
        table_of(Evidence),
        table_of(ArchiveJob),
        table_of(LinkCheck),
        table_of(Snapshot),
    )
    return (
        sa_select(
            evidence.c.id,
            evidence.c.url,
            job.c.state,
            job.c.reason_code,
            check.c.status,
            snapshot.c.id,
            snapshot.c.url,
            snapshot.c.retrieved_at,
        )
        .select_from(evidence)
        .outerjoin(job, job.c.evidence_id == evidence.c.id)
        .outerjoin(check, check.c.evidence_id == evidence.c.id)
        .outerjoin(snapshot, snapshot.c.evidence_id == evidence.c.id)
        .where(evidence.c.id.in_(bindparam("ids", expanding=True)))
        .order_by(evidence.c.id, snapshot.c.retrieved_at, snapshot.c.id)
    )


def evidence_snapshot(
    session: Session, evidence_id: int, snapshot_id: int
) -> tuple[Evidence, Snapshot] | None:
    """An evidence item and one of its snapshots, or None if either is unknown or unrelated."""
    snapshot = session.get(Snapshot, snapshot_id)
    if snapshot is None or snapshot.evidence_id != evidence_id:
        return None
    evidence = session.get(Evidence, evidence_id)
    if evidence is None:
        return None
    return evidence, snapshot


def snapshots_of(session: Session, evidence_id: int) -> list[Snapshot]:
    """Every snapshot of one item, oldest first (with their texts, for a diff)."""
    return list(
        session.exec(
            select(Snapshot)
            .where(col(Snapshot.evidence_id) == evidence_id)
            .order_by(col(Snapshot.retrieved_at), col(Snapshot.id))
        )
    )


@dataclass
class DomainRefusals:
    host: str
    count: int
    codes: dict[str, int]


def never_archived_domains(session: Session, *, limit: int = MAX_LISTED) -> list[DomainRefusals]:
    """Hosts whose pages were refused or failed and never archived, most refusals first."""
    archived = select(ArchiveJob.host).where(col(ArchiveJob.state) == DONE).distinct()
    rows = session.exec(
        select(ArchiveJob.host, ArchiveJob.reason_code, func.count())
        .where(
            col(ArchiveJob.state).in_((REFUSED, FAILED)),
            col(ArchiveJob.host).not_in(archived),
        )
        .group_by(col(ArchiveJob.host), col(ArchiveJob.reason_code))
    ).all()
    by_host: dict[str, DomainRefusals] = {}
    for host, code, count in rows:
        entry = by_host.setdefault(host, DomainRefusals(host, 0, {}))
        entry.count += count
        entry.codes[code] = entry.codes.get(code, 0) + count
    return sorted(by_host.values(), key=lambda d: (-d.count, d.host))[:limit]


def sources_to_review(
    session: Session, *, limit: int = MAX_LISTED
) -> list[tuple[Evidence, LinkCheck]]:
    """Evidence cited by a ruling whose link is gone, moved or changed, most recent first."""
    cited = select(StatusChangeCitation.evidence_id).distinct()
    rows = session.exec(
        select(Evidence, LinkCheck)
        .join(LinkCheck, col(LinkCheck.evidence_id) == col(Evidence.id))
        .where(
            col(Evidence.id).in_(cited),
            col(Evidence.state) == EvidenceState.PUBLISHED,
            col(LinkCheck.status).in_((GONE, MOVED, CHANGED)),
        )
        .order_by(col(LinkCheck.checked_at).desc(), col(Evidence.id))
        .limit(limit)
    ).all()
    return [(evidence, check) for evidence, check in rows]
