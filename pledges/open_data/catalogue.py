"""Open data: elections, candidates, published evidence and status history as JSON-ready dicts,
their paginated lists (stable order) and the rows behind the Atom feeds.

Field names are a contract with re-users: add fields, never rename or drop them.
Only published evidence is ever listed. URLs are passed in by the caller as
functions (this module knows no routes and no Flask). Constant query counts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.orm import selectinload
from sqlmodel import Session, select

from models import Candidate, Election, Evidence, Pledge, StatusChange
from models.enums import EvidenceState
from pledges.open_data.representations import candidate_summary, evidence_item, history_item, pledge_item
from pledges.scoreboard import (
    MAX_PER_PAGE,
    CandidateCounts,
    PledgeFilters,
    count_by_candidate,
    count_statuses,
    get_candidate,
)
from pledges.widgets import can_exist, list_candidate_pledges

Url = Callable[..., str]


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value else None


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
    return int(session.execute(select(func.count(Election.id))).scalar_one())


def list_elections(session: Session, *, page: int, per_page: int) -> Page:
    """Elections, most recent first (then name, then id), with their candidate counts."""
    page, per_page = clamp_paging(page, per_page)
    candidates = (
        select(func.count(Candidate.id))
        .where(Candidate.election_id == Election.id)
        .correlate(Election)
        .scalar_subquery()
    )
    total = count_elections(session)
    if past_the_end(page, per_page, total):
        return Page([], total, page, per_page)
    rows = session.execute(
        select(Election, candidates)
        .order_by(Election.date.desc(), Election.name, Election.id)  # type: ignore[attr-defined]
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return Page([(e, int(n)) for e, n in rows], total, page, per_page)


def get_election_with_counts(
    session: Session, slug: str, *, today: date
) -> tuple[Election, list[CandidateCounts]] | None:
    """An election and each of its candidates' status counts (two statements), or None."""
    if not can_exist(slug):
        return None
    election = session.exec(select(Election).where(Election.slug == slug)).first()
    if election is None:
        return None
    groups = count_by_candidate(session, PledgeFilters(election=slug), today=today)
    return election, (groups[0].candidates if groups else [])


def election_item(election: Election, *, candidate_count: int, urls: Url) -> dict[str, Any]:
    return {
        "slug": election.slug,
        "name": election.name,
        "territory": election.territory,
        "date": _iso(election.date),
        "is_demo": election.is_demo,
        "candidate_count": candidate_count,
        "url": urls("election", election=election.slug),
        "api_url": urls("api_election", election=election.slug),
    }


def counts_item(counts: CandidateCounts) -> dict[str, int]:
    return {
        "kept": counts.kept,
        "broken": counts.broken,
        "pending": counts.pending,
        "overdue": counts.overdue,
        "total": counts.total,
    }


def candidate_item(counts: CandidateCounts, *, urls: Url) -> dict[str, Any]:
    candidate = counts.candidate
    keys = {"election": candidate.election.slug, "candidate": candidate.slug}
    return {
        **candidate_summary(candidate),
        "elected": candidate.elected,
        "office": candidate.office,
        "counts": counts_item(counts),
        "url": urls("candidate", **keys),
        "api_url": urls("api_candidate", **keys),
    }


def election_detail(
    election: Election, candidates: Sequence[CandidateCounts], *, urls: Url
) -> dict[str, Any]:
    detail = election_item(election, candidate_count=len(candidates), urls=urls)
    detail["candidates"] = [candidate_item(c, urls=urls) for c in candidates]
    return detail


def get_candidate_detail(
    session: Session, election_slug: str, candidate_slug: str, *, today: date, urls: Url
) -> dict[str, Any] | None:
    """The candidate with counts and every pledge (list fields); four statements; or None."""
    if not can_exist(election_slug, candidate_slug):
        return None
    candidate = get_candidate(session, election_slug, candidate_slug)
    if candidate is None:
        return None
    counts = count_statuses(session, candidate, today=today)
    rows = list_candidate_pledges(session, candidate, limit=counts.total or 1)
    detail = candidate_item(counts, urls=urls)
    detail["election_api_url"] = urls("api_election", election=candidate.election.slug)
    detail["pledges"] = [
        pledge_item(
            r.pledge,
            evidence_count=r.evidence_count,
            url=urls("pledge", id=r.pledge.id),
            today=today,
        )
        for r in rows
    ]
    return detail


# ---------------------------------------------------------------- evidence, status changes


def _scoped(stmt, scope: Scope):
    """Restrict a statement that already joins Pledge to the scope."""
    if scope.pledge_id is not None:
        stmt = stmt.where(Pledge.id == scope.pledge_id)
    if scope.election:
        stmt = stmt.where(
            Pledge.election_id.in_(select(Election.id).where(Election.slug == scope.election))  # type: ignore[attr-defined]
        )
    if scope.candidate:
        candidates = select(Candidate.id).where(Candidate.slug == scope.candidate)
        if scope.election:
            candidates = candidates.join(Election).where(Election.slug == scope.election)
        stmt = stmt.where(Pledge.candidate_id.in_(candidates))  # type: ignore[attr-defined]
    return stmt


_PLEDGE_LOADS = selectinload(Pledge.candidate).selectinload(Candidate.election)  # type: ignore[arg-type]


def list_evidence(session: Session, scope: Scope, *, page: int, per_page: int) -> Page:
    """Published evidence in a stable order (id), with pledge, candidate and election loaded."""
    page, per_page = clamp_paging(page, per_page)
    published = Evidence.state == EvidenceState.PUBLISHED
    base = select(Evidence).join(Pledge, Pledge.id == Evidence.pledge_id).where(published)
    total = session.execute(
        _scoped(select(func.count(Evidence.id)).join(Pledge).where(published), scope)
    ).scalar_one()
    if past_the_end(page, per_page, total):
        return Page([], int(total), page, per_page)
    items = session.exec(
        _scoped(base, scope)
        .order_by(Evidence.id)
        .offset((page - 1) * per_page)
        .limit(per_page)
        .options(selectinload(Evidence.pledge).options(_PLEDGE_LOADS))  # type: ignore[arg-type]
    ).all()
    return Page(list(items), int(total), page, per_page)


def list_status_changes(session: Session, scope: Scope, *, page: int, per_page: int) -> Page:
    """Status changes in a stable order (id), with their pledge and published citations loaded."""
    page, per_page = clamp_paging(page, per_page)
    total = session.execute(
        _scoped(select(func.count(StatusChange.id)).join(Pledge), scope)
    ).scalar_one()
    if past_the_end(page, per_page, total):
        return Page([], int(total), page, per_page)
    items = session.exec(
        _scoped(select(StatusChange).join(Pledge, Pledge.id == StatusChange.pledge_id), scope)
        .order_by(StatusChange.id)
        .offset((page - 1) * per_page)
        .limit(per_page)
        .options(
            selectinload(StatusChange.pledge).options(_PLEDGE_LOADS),  # type: ignore[arg-type]
            selectinload(StatusChange.cites),  # type: ignore[arg-type]
        )
    ).all()
    return Page(list(items), int(total), page, per_page)


def pledge_ref(pledge: Pledge, *, urls: Url) -> dict[str, Any]:
    """A pledge as referenced from evidence or a status change."""
    return {
        "id": pledge.id,
        "title": pledge.title,
        "candidate": candidate_summary(pledge.candidate),
        "url": urls("pledge", id=pledge.id),
        "api_url": urls("api_pledge", id=pledge.id),
    }


def evidence_public(evidence: Evidence, *, urls: Url) -> dict[str, Any]:
    """Published evidence with its pledge (needs list_evidence's loads)."""
    return {**evidence_item(evidence), "pledge": pledge_ref(evidence.pledge, urls=urls)}


def status_change_public(change: StatusChange, *, urls: Url) -> dict[str, Any]:
    """A ruling with its pledge: from, to, effective date, rationale, cited evidence URLs."""
    return {
        "id": change.id,
        **history_item(change),
        "recorded_at": _iso(change.created_at),
        "pledge": pledge_ref(change.pledge, urls=urls),
    }


# ---------------------------------------------------------------- Atom feeds

FEED_SIZE = 50


def published_at(evidence: Evidence) -> datetime:
    """When evidence became public: its review time, or its creation for imported items."""
    return evidence.reviewed_at or evidence.created_at


def list_recent_evidence(
    session: Session, scope: Scope, *, limit: int = FEED_SIZE
) -> list[Evidence]:
    """The most recently published evidence first (time made public, then id)."""
    when = func.coalesce(Evidence.reviewed_at, Evidence.created_at)
    return list(
        session.exec(
            _scoped(
                select(Evidence)
                .join(Pledge, Pledge.id == Evidence.pledge_id)
                .where(Evidence.state == EvidenceState.PUBLISHED),
                scope,
            )
            .order_by(when.desc(), Evidence.id.desc())  # type: ignore[attr-defined]
            .limit(limit)
            .options(selectinload(Evidence.pledge).options(_PLEDGE_LOADS))  # type: ignore[arg-type]
        ).all()
    )


def list_recent_status_changes(
    session: Session, scope: Scope, *, limit: int = FEED_SIZE
) -> list[StatusChange]:
    """The most recently recorded status changes first (recording time, then id)."""
    return list(
        session.exec(
            _scoped(select(StatusChange).join(Pledge, Pledge.id == StatusChange.pledge_id), scope)
            .order_by(StatusChange.created_at.desc(), StatusChange.id.desc())  # type: ignore[attr-defined]
            .limit(limit)
            .options(
                selectinload(StatusChange.pledge).options(_PLEDGE_LOADS),  # type: ignore[arg-type]
                selectinload(StatusChange.cites),  # type: ignore[arg-type]
            )
        ).all()
    )


def get_scope_name(session: Session, scope: Scope) -> str | None:
    """The name of what the scope covers (pledge title, candidate or election name); "" for the
    whole site; None when it does not exist. At most two statements."""
    if not can_exist(scope.election, scope.candidate, scope.pledge_id):
        return None
    if scope.pledge_id is not None:
        pledge = session.get(Pledge, scope.pledge_id)
        return pledge.title if pledge else None
    if scope.candidate:
        candidate = get_candidate(session, scope.election or "", scope.candidate)
        return candidate.name if candidate else None
    if scope.election:
        stmt = select(Election.name).where(Election.slug == scope.election)
        return session.execute(stmt).scalar()
    return ""


def tag_uri(authority: str, since: date, kind: str, ident: object) -> str:
    """A permanent Atom id (RFC 4151): tag:<host>,<date>:<kind>/<id>; never changes with URLs."""
    return f"tag:{authority},{since.isoformat()}:{kind}/{ident}"


# ---------------------------------------------------------------- CSV exports


def list_pledges_for_export(session: Session, scope: Scope) -> list[tuple[Pledge, int]]:
    """Every pledge of the scope (id order) with its published-evidence count: three statements."""
    count = (
        select(func.count(Evidence.id))
        .where(Evidence.pledge_id == Pledge.id, Evidence.state == EvidenceState.PUBLISHED)
        .correlate(Pledge)
        .scalar_subquery()
    )
    rows = session.execute(
        _scoped(select(Pledge, count), scope).order_by(Pledge.id).options(_PLEDGE_LOADS)
    ).all()
    return [(pledge, int(n)) for pledge, n in rows]


def list_evidence_for_export(session: Session, scope: Scope) -> list[Evidence]:
    """Every published evidence item of the scope (id order), pledges loaded: four statements."""
    return list(
        session.exec(
            _scoped(
                select(Evidence)
                .join(Pledge, Pledge.id == Evidence.pledge_id)
                .where(Evidence.state == EvidenceState.PUBLISHED),
                scope,
            )
            .order_by(Evidence.id)
            .options(selectinload(Evidence.pledge).options(_PLEDGE_LOADS))  # type: ignore[arg-type]
        ).all()
    )


PLEDGE_CSV_COLUMNS = (
    "id",
    "election",
    "candidate",
    "candidate_name",
    "slug",
    "title",
    "theme",
    "status",
    "status_since",
    "made_on",
    "deadline",
    "overdue",
    "source_url",
    "quote",
    "evidence_count",
    "url",
)
EVIDENCE_CSV_COLUMNS = (
    "id",
    "pledge_id",
    "pledge_title",
    "election",
    "candidate",
    "url",
    "outlet",
    "published_on",
    "kind",
    "stance",
    "title",
    "quote",
    "pledge_url",
)


def pledge_csv_row(pledge: Pledge, evidence_count: int, *, url: str, today: date) -> list[Any]:
    """One CSV row per pledge, in PLEDGE_CSV_COLUMNS order (needs candidate and election)."""
    return [
        pledge.id,
        pledge.candidate.election.slug,
        pledge.candidate.slug,
        pledge.candidate.name,
        pledge.slug,
        pledge.title,
        pledge.theme,
        pledge.status.value,
        _iso(pledge.status_since),
        _iso(pledge.made_on),
        _iso(pledge.deadline),
        "1" if pledge.is_overdue(today) else "0",
        pledge.source_url,
        pledge.quote,
        evidence_count,
        url,
    ]


def evidence_csv_row(evidence: Evidence, *, pledge_url: str) -> list[Any]:
    """One CSV row per published evidence item, in EVIDENCE_CSV_COLUMNS order."""
    pledge = evidence.pledge
    return [
        evidence.id,
        pledge.id,
        pledge.title,
        pledge.candidate.election.slug,
        pledge.candidate.slug,
        evidence.url,
        evidence.outlet,
        _iso(evidence.published_on),
        evidence.kind.value,
        evidence.stance.value,
        evidence.title,
        evidence.quote,
        pledge_url,
    ]
