"""Read models of the partner widget and badges: what an embedded candidate or pledge shows.

Each function runs a fixed number of SQL statements whatever the data size; the
views answer 304 from the data version alone (views.page_cache) before calling
any of them. No writes, no Flask.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from models import Candidate, Election, Evidence, Pledge
from models.db import MAX_DB_ID
from models.enums import EvidenceState
from pledges.archiving import visible_pledges
from pledges.scoreboard import (
    CandidateCounts,
    PledgeRow,
    count_statuses,
    evidence_count_column,
    get_candidate,
)

# Bump when the widget's or badge's markup changes, so caches holding the old
# rendering see a new ETag even though the data did not change.
FORMAT_VERSION = "1"
MAX_WIDGET_PLEDGES = 100


def can_exist(*keys: str | int | None) -> bool:
    """False for a key no row can have: a NUL byte (PostgreSQL refuses it in text, so the
    query would fail) or an id beyond 32 bits. Lookups answer "not found" without asking."""
    for key in keys:
        if isinstance(key, int) and not 0 < key <= MAX_DB_ID:
            return False
        if isinstance(key, str) and "\x00" in key:
            return False
    return True


@dataclass
class CandidateWidget:
    candidate: Candidate
    counts: CandidateCounts
    pledges: list[PledgeRow] = field(default_factory=list)

    @property
    def election(self) -> Election:
        return self.candidate.election

    @property
    def truncated(self) -> bool:
        return self.counts.total > len(self.pledges)


@dataclass
class PledgeWidget:
    pledge: Pledge
    evidence_count: int
    latest_evidence: Evidence | None

    @property
    def candidate(self) -> Candidate:
        return self.pledge.candidate

    @property
    def election(self) -> Election:
        return self.pledge.candidate.election


def list_candidate_pledges(
    session: Session, candidate: Candidate, *, limit: int = MAX_WIDGET_PLEDGES
) -> list[PledgeRow]:
    """The candidate's pledges in a stable order (id) with published-evidence counts: one query.

    `pledge.candidate` resolves from the identity map (the candidate is loaded),
    so representations that read it cost no extra statement.
    """
    rows = session.execute(
        select(Pledge, evidence_count_column())
        .where(Pledge.candidate_id == candidate.id, visible_pledges())
        .order_by(col(Pledge.id))
        .limit(limit)
    ).all()
    return [PledgeRow(pledge, int(count)) for pledge, count in rows]


def get_candidate_widget(
    session: Session, election_slug: str, candidate_slug: str, *, today: date, with_pledges: bool
) -> CandidateWidget | None:
    """Candidate, election, status counts and (unless compact) the pledge list; None if unknown.
    An archived candidate (or election) is returned too: the view answers 410 (`is_gone`).

    Three or four statements: candidate, its election, counts, pledges.
    """
    if not can_exist(election_slug, candidate_slug):
        return None
    candidate = get_candidate(session, election_slug, candidate_slug)
    if candidate is None:
        return None
    counts = count_statuses(session, candidate, today=today)
    pledges = list_candidate_pledges(session, candidate) if with_pledges else []
    return CandidateWidget(candidate=candidate, counts=counts, pledges=pledges)


def get_pledge_widget(session: Session, pledge_id: int) -> PledgeWidget | None:
    """One pledge with its candidate, election, published-evidence count and latest evidence.

    Two statements: the pledge joined to candidate and election, then the latest
    published evidence (by publication date, then id) with the count.
    """
    if not can_exist(pledge_id):
        return None
    row = session.execute(
        select(Pledge, Candidate, Election)
        .join(Candidate, col(Candidate.id) == Pledge.candidate_id)
        .join(Election, col(Election.id) == Candidate.election_id)
        .where(Pledge.id == pledge_id)
    ).first()
    if row is None:
        return None
    pledge = row[0]
    published = (Evidence.pledge_id == pledge_id, Evidence.state == EvidenceState.PUBLISHED)
    count = func.count().over().label("n")
    latest = session.execute(
        select(Evidence, count)
        .where(*published)
        .order_by(col(Evidence.published_on).desc(), col(Evidence.id).desc())
        .limit(1)
    ).first()
    if latest is None:
        return PledgeWidget(pledge=pledge, evidence_count=0, latest_evidence=None)
    return PledgeWidget(pledge=pledge, evidence_count=int(latest[1]), latest_evidence=latest[0])
