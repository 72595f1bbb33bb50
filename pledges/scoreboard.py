"""Read side of the public site: counts per candidate, filtered pledge lists, themes, timelines.

Every function here runs a fixed number of SQL statements whatever the data size:
counts are aggregated in SQL (GROUP BY) and relationships are eager-loaded
(selectinload). No writes, no Flask.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Label, and_, case, func
from sqlalchemy import select as sa_select
from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, select

from models import Candidate, Election, Evidence, Pledge, StatusChange
from models.db import rel
from models.enums import EvidenceState, PledgeStatus
from pledges.archiving import visible_candidates, visible_elections, visible_pledges
from pledges.search import fold, like_pattern
from pledges.status import current_ruling

MAX_PER_PAGE = 100


@dataclass(frozen=True)
class PledgeFilters:
    """What a visitor asked for; None/empty means "any"."""

    election: str | None = None  # election slug
    candidate: str | None = None  # candidate slug (within `election` when given)
    theme: str | None = None
    status: PledgeStatus | None = None
    overdue: bool = False
    q: str = ""
    candidate_id: int | None = None  # set by candidate pages, not by visitors

    def scope(self) -> PledgeFilters:
        """The filters the per-candidate counts follow: election, theme and search.

        Candidate, status and overdue pick rows *within* the counts, so the counts
        table keeps showing every status while the list narrows.
        """
        return PledgeFilters(election=self.election, theme=self.theme, q=self.q)

    @property
    def active(self) -> bool:
        return bool(
            self.election or self.candidate or self.theme or self.status or self.overdue or self.q
        )


@dataclass
class CandidateCounts:
    candidate: Candidate
    kept: int = 0
    broken: int = 0
    pending: int = 0
    overdue: int = 0

    @property
    def total(self) -> int:
        return self.kept + self.broken + self.pending

    def share(self, status: str) -> float:
        """Percentage of the candidate's pledges in `status` (0 when it has none)."""
        return 100.0 * getattr(self, status) / self.total if self.total else 0.0


@dataclass
class ElectionCounts:
    election: Election
    candidates: list[CandidateCounts] = field(default_factory=list)


@dataclass
class PledgeRow:
    pledge: Pledge
    evidence_count: int

    def is_overdue(self, today: date) -> bool:
        return self.pledge.is_overdue(today)


@dataclass
class PledgePage:
    items: list[PledgeRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def _overdue_clause(today: date) -> ColumnElement[bool]:
    return and_(
        col(Pledge.status) == PledgeStatus.PENDING,
        col(Pledge.deadline).is_not(None),
        col(Pledge.deadline) < today,
    )


def _clauses(filters: PledgeFilters, today: date) -> list[ColumnElement[bool]]:
    """SQL conditions on Pledge for the given filters (no join needed); never archived ones."""
    clauses: list[ColumnElement[bool]] = [visible_pledges()]
    if filters.election:
        clauses.append(
            col(Pledge.election_id).in_(
                select(Election.id).where(Election.slug == filters.election)
            )
        )
    if filters.candidate:
        candidates = select(Candidate.id).where(Candidate.slug == filters.candidate)
        if filters.election:
            candidates = candidates.join(Election).where(Election.slug == filters.election)
        clauses.append(col(Pledge.candidate_id).in_(candidates))
    if filters.candidate_id is not None:
        clauses.append(col(Pledge.candidate_id) == filters.candidate_id)
    if filters.theme:
        clauses.append(col(Pledge.theme) == filters.theme)
    if filters.status:
        clauses.append(col(Pledge.status) == filters.status)
    if filters.overdue:
        clauses.append(_overdue_clause(today))
    if filters.q and fold(filters.q):
        clauses.append(col(Pledge.search_text).like(like_pattern(filters.q), escape="\\"))
    return clauses


def evidence_count_column() -> Label[int]:
    """A correlated count of a pledge's published evidence, to select beside Pledge."""
    return (
        select(func.count(col(Evidence.id)))
        .where(Evidence.pledge_id == Pledge.id, Evidence.state == EvidenceState.PUBLISHED)
        .correlate(Pledge)
        .scalar_subquery()
        .label("evidence_count")
    )


def count_by_candidate(
    session: Session, filters: PledgeFilters, *, today: date
) -> list[ElectionCounts]:
    """Kept/broken/pending/overdue counts of every candidate, grouped by election, in one query.

    Counts follow `filters.scope()` (election, theme, search); candidates with no
    matching pledge are listed with zeros so that the table does not jump around.
    """
    scope = filters.scope()
    pledge_join = and_(col(Pledge.candidate_id) == Candidate.id, *_clauses(scope, today))

    def _count(condition: ColumnElement[bool]) -> ColumnElement[Any]:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    # SQLAlchemy's own select: SQLModel's is typed for at most four columns.
    stmt = (
        sa_select(
            Candidate,
            Election,
            _count(col(Pledge.status) == PledgeStatus.KEPT),
            _count(col(Pledge.status) == PledgeStatus.BROKEN),
            _count(col(Pledge.status) == PledgeStatus.PENDING),
            _count(_overdue_clause(today)),
        )
        .join(Election, col(Election.id) == Candidate.election_id)
        .outerjoin(Pledge, pledge_join)
        .where(visible_candidates())
        .group_by(col(Candidate.id), col(Election.id))
        .order_by(col(Election.date).desc(), Election.name, Candidate.name, col(Candidate.id))
    )
    if scope.election:
        stmt = stmt.where(col(Election.slug) == scope.election)
    result: list[ElectionCounts] = []
    for candidate, election, kept, broken, pending, overdue in session.execute(stmt):
        if not result or result[-1].election.id != election.id:
            result.append(ElectionCounts(election=election))
        result[-1].candidates.append(
            CandidateCounts(candidate, int(kept), int(broken), int(pending), int(overdue))
        )
    return result


def count_statuses(session: Session, candidate: Candidate, *, today: date) -> CandidateCounts:
    """One candidate's counts, aggregated in SQL."""
    rows = session.execute(
        select(
            Pledge.status,
            func.count(col(Pledge.id)),
            func.sum(case((_overdue_clause(today), 1), else_=0)),
        )
        .where(Pledge.candidate_id == candidate.id, visible_pledges())
        .group_by(Pledge.status)
    ).all()
    counts = CandidateCounts(candidate)
    for status, number, overdue in rows:
        setattr(counts, PledgeStatus(status).value, int(number))
        counts.overdue += int(overdue or 0)
    return counts


def list_pledges(
    session: Session,
    filters: PledgeFilters,
    *,
    page: int = 1,
    per_page: int = 20,
    today: date,
) -> PledgePage:
    """One page of pledges matching `filters`, in a stable order (id), with evidence counts.

    A page past the end is clamped to the last page. Three to four statements:
    the total, the page, and the eager loads of candidates and their elections.
    """
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    clauses = _clauses(filters, today)
    total = session.execute(select(func.count(col(Pledge.id))).where(*clauses)).scalar_one()
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    stmt = (
        select(Pledge, evidence_count_column())
        .where(*clauses)
        .order_by(col(Pledge.id))
        .offset((page - 1) * per_page)
        .limit(per_page)
        .options(selectinload(rel(Pledge.candidate)).selectinload(rel(Candidate.election)))
    )
    items = [PledgeRow(pledge, int(count)) for pledge, count in session.execute(stmt)]
    return PledgePage(items=items, total=int(total), page=page, per_page=per_page)


def list_themes(session: Session) -> list[tuple[str, int]]:
    """Every non-empty theme with its number of pledges, alphabetically."""
    rows = session.execute(
        select(Pledge.theme, func.count(col(Pledge.id)))
        .where(Pledge.theme != "", visible_pledges())
        .group_by(Pledge.theme)
        .order_by(Pledge.theme)
    ).all()
    return [(theme, int(number)) for theme, number in rows]


@dataclass
class ThemeColumn:
    """One candidate's pledges on a theme (possibly none: that is information too)."""

    candidate: Candidate
    pledges: list[Pledge] = field(default_factory=list)


@dataclass
class ThemeComparison:
    election: Election
    columns: list[ThemeColumn] = field(default_factory=list)


def get_theme_comparison(session: Session, theme: str) -> list[ThemeComparison]:
    """Every candidate's pledges on `theme`, side by side, per election that has any.

    Candidates of those elections who made no pledge on the theme get an empty
    column. Empty list when no pledge carries the theme. Three statements.
    """
    pledges = session.exec(
        select(Pledge).where(Pledge.theme == theme, visible_pledges()).order_by(col(Pledge.id))
    ).all()
    if not pledges:
        return []
    election_ids = {p.election_id for p in pledges}
    candidates = session.exec(
        select(Candidate)
        .join(Election)
        .where(col(Candidate.election_id).in_(election_ids), visible_candidates())
        .order_by(col(Election.date).desc(), Election.name, Candidate.name, col(Candidate.id))
        .options(selectinload(rel(Candidate.election)))
    ).all()
    columns = {c.id: ThemeColumn(c) for c in candidates}
    for pledge in pledges:
        columns[pledge.candidate_id].pledges.append(pledge)
    result: list[ThemeComparison] = []
    for candidate in candidates:
        if not result or result[-1].election.id != candidate.election_id:
            result.append(ThemeComparison(candidate.election))
        result[-1].columns.append(columns[candidate.id])
    return result


def get_candidate(session: Session, election_slug: str, candidate_slug: str) -> Candidate | None:
    """The candidate with its election, or None; archived too (`archiving.is_gone` says 410)."""
    return session.exec(
        select(Candidate)
        .join(Election)
        .where(Election.slug == election_slug, Candidate.slug == candidate_slug)
        .options(selectinload(rel(Candidate.election)))
    ).first()


def list_elections(session: Session) -> list[Election]:
    """The public elections (not archived), most recent first."""
    return list(
        session.exec(
            select(Election)
            .where(visible_elections())
            .order_by(col(Election.date).desc(), Election.name)
        )
    )


def get_pledge(session: Session, pledge_id: int) -> Pledge | None:
    """A pledge with everything its page shows, eagerly loaded (a fixed number of statements);
    archived too (`archiving.is_gone` tells the views to answer 410)."""
    return session.exec(
        select(Pledge)
        .where(Pledge.id == pledge_id)
        .options(
            selectinload(rel(Pledge.candidate)).selectinload(rel(Candidate.election)),
            selectinload(rel(Pledge.evidence)),
            selectinload(rel(Pledge.status_changes)).selectinload(rel(StatusChange.cites)),
            selectinload(rel(Pledge.status_changes)).selectinload(rel(StatusChange.author)),
        )
    ).first()


def published_evidence(pledge: Pledge) -> list[Evidence]:
    """The pledge's published evidence, oldest first (needs `evidence` loaded)."""
    return sorted(
        (e for e in pledge.evidence if e.state == EvidenceState.PUBLISHED),
        key=lambda e: (e.published_on, e.id or 0),
    )


def strongest_evidence(evidence: Sequence[Evidence]) -> Evidence | None:
    """The evidence that weighs most: official acts above statements, then the most recent."""
    published = [e for e in evidence if e.state == EvidenceState.PUBLISHED]
    if not published:
        return None
    return min(published, key=lambda e: (e.kind.rank, -e.published_on.toordinal(), -(e.id or 0)))


def strongest_cited_evidence(change: StatusChange | None) -> Evidence | None:
    """The strongest item the current ruling cites; none without a ruling.

    Only what the ruling stands on: an item it leaves out (context, a hoax, the
    other side's claim) must not be shown as the proof of the status.
    """
    return strongest_evidence(change.cites) if change is not None else None


@dataclass
class TimelineEntry:
    """One dated event of a pledge: it was made, evidence was published, or its status changed."""

    on: date
    kind: str  # "made", "evidence" or "status"
    evidence: Evidence | None = None
    change: StatusChange | None = None
    cites: list[Evidence] = field(default_factory=list)


def get_timeline(pledge: Pledge) -> list[TimelineEntry]:
    """Published evidence and status changes merged in date order (needs get_pledge's loads).

    On the same day the pledge comes first, then evidence, then the ruling that
    may cite it. A ruling lists only its published citations.
    """
    order = {"made": 0, "evidence": 1, "status": 2}
    entries: list[TimelineEntry] = []
    if pledge.made_on:
        entries.append(TimelineEntry(on=pledge.made_on, kind="made"))
    entries.extend(
        TimelineEntry(on=e.published_on, kind="evidence", evidence=e)
        for e in published_evidence(pledge)
    )
    for change in pledge.status_changes:
        cites = [e for e in change.cites if e.state == EvidenceState.PUBLISHED]
        entries.append(
            TimelineEntry(on=change.effective_on, kind="status", change=change, cites=cites)
        )

    def key(entry: TimelineEntry) -> tuple[date, int, int]:
        item = entry.evidence or entry.change
        return (entry.on, order[entry.kind], getattr(item, "id", 0) or 0)

    return sorted(entries, key=key)


def current_change(pledge: Pledge) -> StatusChange | None:
    """The ruling that set the current status: the last of the effective history
    (a corrected ruling no longer counts; see pledges.status)."""
    return current_ruling(pledge.status_changes)
