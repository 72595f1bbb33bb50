"""Reads behind the open-data catalogue: elections with counts, a candidate's detail,
published evidence and status changes in stable paginated order, and the `Scope` filter
that the CSV exports and Atom feeds share.

Only published evidence is ever listed. Constant query counts whatever the data size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import Select, func
from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from models import Candidate, Election, Evidence, Pledge, StatusChange
from models.db import rel
from models.enums import EvidenceState
from pledges.archiving import is_gone, visible_candidates, visible_elections, visible_pledges
from pledges.errors import Gone
from pledges.open_data.representations import Url, candidate_json, pledge_json
from pledges.scoreboard import (
    MAX_PER_PAGE,
    CandidateCounts,
    PledgeFilters,
    count_by_candidate,
    count_statuses,
    get_candidate,
)
from pledges.widgets import can_exist, list_candidate_pledges


@dataclass(frozen=True)
class Scope:
    """Which part of the data a list or feed covers; all None means the whole site."""

    election: str | None = None  # election slug
    candidate: str | None = None  # candidate slug, within `election`
    pledge_id: int | None = None


@dataclass
class Page:
    items: list[Any]
    total: int
    page: int
    per_page: int

    @property
    def has_next(self) -> bool:
        return self.page * self.per_page < self.total


def clamp_paging(page: int, per_page: int) -> tuple[int, int]:
    return max(1, page), max(1, min(per_page, MAX_PER_PAGE))


def past_the_end(page: int, per_page: int, total: int) -> bool:
    """A page after the last one: answered without a query (and without a huge OFFSET)."""
    return page > 1 and (page - 1) * per_page >= total


# ---------------------------------------------------------------- elections, candidates


def count_elections(session: Session) -> int:
    stmt = select(func.count(col(Election.id))).where(visible_elections())
    return int(session.execute(stmt).scalar_one())


def list_elections(session: Session, *, page: int, per_page: int) -> Page:
    """Elections, most recent first (then name, then id), with their candidate counts."""
    page, per_page = clamp_paging(page, per_page)
    candidates = (
        select(func.count(col(Candidate.id)))
        .where(col(Candidate.election_id) == col(Election.id), visible_candidates())
        .correlate(Election)
        .scalar_subquery()
    )
    total = count_elections(session)
    if past_the_end(page, per_page, total):
        return Page([], total, page, per_page)
    rows = session.execute(
        select(Election, candidates)
        .where(visible_elections())
        .order_by(col(Election.date).desc(), col(Election.name), col(Election.id))
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return Page([(e, int(n)) for e, n in rows], total, page, per_page)


def get_election_with_counts(
    session: Session, slug: str, *, today: date
) -> tuple[Election, list[CandidateCounts]] | None:
    """An election and each of its candidates' status counts (two statements), or None;
    raises Gone when it is archived."""
    if not can_exist(slug):
        return None
    election = session.exec(select(Election).where(Election.slug == slug)).first()
    if election is None:
        return None
    if is_gone(election):
        raise Gone("Archived election.", code="archived")
    groups = count_by_candidate(session, PledgeFilters(election=slug), today=today)
    return election, (groups[0].candidates if groups else [])


def get_candidate_detail(
    session: Session, election_slug: str, candidate_slug: str, *, today: date, urls: Url
) -> dict[str, Any] | None:
    """The candidate with counts and every pledge (list fields); four statements; or None;
    raises Gone when it (or its election) is archived."""
    if not can_exist(election_slug, candidate_slug):
        return None
    candidate = get_candidate(session, election_slug, candidate_slug)
    if candidate is None:
        return None
    if is_gone(candidate):
        raise Gone("Archived candidate.", code="archived")
    counts = count_statuses(session, candidate, today=today)
    rows = list_candidate_pledges(session, candidate, limit=counts.total or 1)
    detail = candidate_json(counts, urls=urls)
    detail["election_api_url"] = urls("api_election", election=candidate.election.slug)
    detail["pledges"] = [
        pledge_json(
            r.pledge,
            evidence_count=r.evidence_count,
            url=urls("pledge", id=r.pledge.id),
            today=today,
        )
        for r in rows
    ]
    return detail


# ---------------------------------------------------------------- evidence, status changes


Stmt = TypeVar("Stmt", bound=Select)


def scoped(stmt: Stmt, scope: Scope) -> Stmt:
    """Restrict a statement that already joins Pledge to the scope (archived pledges never)."""
    stmt = stmt.where(visible_pledges())
    if scope.pledge_id is not None:
        stmt = stmt.where(col(Pledge.id) == scope.pledge_id)
    if scope.election:
        stmt = stmt.where(
            col(Pledge.election_id).in_(
                select(col(Election.id)).where(col(Election.slug) == scope.election)
            )
        )
    if scope.candidate:
        candidates = select(col(Candidate.id)).where(col(Candidate.slug) == scope.candidate)
        if scope.election:
            candidates = candidates.join(Election).where(col(Election.slug) == scope.election)
        stmt = stmt.where(col(Pledge.candidate_id).in_(candidates))
    return stmt


PLEDGE_LOADS = selectinload(rel(Pledge.candidate)).selectinload(rel(Candidate.election))


def published_evidence(scope: Scope) -> SelectOfScalar[Evidence]:
    """Published evidence of the scope: what every open-data format lists (add order, limits)."""
    return scoped(
        select(Evidence)
        .join(Pledge, col(Pledge.id) == Evidence.pledge_id)
        .where(col(Evidence.state) == EvidenceState.PUBLISHED),
        scope,
    )


def list_evidence(session: Session, scope: Scope, *, page: int, per_page: int) -> Page:
    """Published evidence in a stable order (id), with pledge, candidate and election loaded."""
    page, per_page = clamp_paging(page, per_page)
    published = col(Evidence.state) == EvidenceState.PUBLISHED
    total = session.execute(
        scoped(select(func.count(col(Evidence.id))).join(Pledge).where(published), scope)
    ).scalar_one()
    if past_the_end(page, per_page, total):
        return Page([], int(total), page, per_page)
    items = session.exec(
        published_evidence(scope)
        .order_by(col(Evidence.id))
        .offset((page - 1) * per_page)
        .limit(per_page)
        .options(selectinload(rel(Evidence.pledge)).options(PLEDGE_LOADS))
    ).all()
    return Page(list(items), int(total), page, per_page)


def list_status_changes(session: Session, scope: Scope, *, page: int, per_page: int) -> Page:
    """Status changes in a stable order (id), with their pledge and published citations loaded."""
    page, per_page = clamp_paging(page, per_page)
    total = session.execute(
        scoped(select(func.count(col(StatusChange.id))).join(Pledge), scope)
    ).scalar_one()
    if past_the_end(page, per_page, total):
        return Page([], int(total), page, per_page)
    items = session.exec(
        scoped(select(StatusChange).join(Pledge, col(Pledge.id) == StatusChange.pledge_id), scope)
        .order_by(col(StatusChange.id))
        .offset((page - 1) * per_page)
        .limit(per_page)
        .options(
            selectinload(rel(StatusChange.pledge)).options(PLEDGE_LOADS),
            selectinload(rel(StatusChange.cites)),
        )
    ).all()
    return Page(list(items), int(total), page, per_page)
