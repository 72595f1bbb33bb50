"""Read models of the partner widget and badges: what an embedded candidate or pledge shows.

Each function runs a fixed number of SQL statements whatever the data size; the
views answer 304 from the data version alone (views.page_cache) before calling
any of them. No writes, no Flask.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import Date, Select, bindparam, case, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from models import Candidate, Election, Evidence, Pledge
from models.db import MAX_DB_ID, table_of
from models.enums import EvidenceState, PledgeStatus
from pledges.archiving import visible_pledges
from pledges.records import (
    CandidateRecord,
    ElectionRecord,
    RecordBuilder,
    candidate_columns,
    is_overdue,
)
from pledges.scoreboard import (
    CandidateCounts,
    PledgeRow,
    evidence_count_column,
    overdue_clause,
)

# Bump when the widget's or badge's markup changes, so caches holding the old
# rendering see a new ETag even though the data did not change.
FORMAT_VERSION = "2"
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


class WidgetPledge(NamedTuple):
    """A pledge as the candidate widget lists it: a link named by its title, and its
    status line (status, since when, overdue). Nothing else is read."""

    id: int
    title: str
    status: PledgeStatus
    status_since: date | None
    deadline: date | None

    def is_overdue(self, today: date) -> bool:
        return is_overdue(self.status, self.deadline, today)


# The columns read into a WidgetPledge, in its field order.
_WIDGET_PLEDGE = WidgetPledge._fields


@dataclass
class CandidateWidget:
    candidate: CandidateRecord
    counts: CandidateCounts
    pledges: list[WidgetPledge] = field(default_factory=list)

    @property
    def election(self) -> ElectionRecord:
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


@cache
def _widget_statements() -> tuple[Select[Any], Select[Any], Select[Any]]:
    """The widget's statements, built once: a built statement keeps its cache key, so
    each request only binds its values (`election`, `candidate`, `candidate_id`,
    `today`).

    `find` reads the candidate with its election; `listed` what the widget shows of
    its visible pledges (WidgetPledge), one more than it lists, to tell a complete
    list from a truncated one; `count` counts them by status when the list is not
    complete (or not read: compact).
    """
    candidates, elections, pledges = table_of(Candidate), table_of(Election), table_of(Pledge)
    find = (
        sa_select(*candidate_columns())
        .join_from(candidates, elections, elections.c.id == candidates.c.election_id)
        .where(
            elections.c.slug == bindparam("election"),
            candidates.c.slug == bindparam("candidate"),
        )
    )
    of_candidate = [pledges.c.candidate_id == bindparam("candidate_id"), visible_pledges()]
    listed = (
        sa_select(*[pledges.c[name] for name in _WIDGET_PLEDGE])
        .where(*of_candidate)
        .order_by(pledges.c.id)
        .limit(MAX_WIDGET_PLEDGES + 1)
    )
    count = (
        sa_select(
            pledges.c.status,
            func.count(pledges.c.id),
            func.sum(case((overdue_clause(bindparam("today", type_=Date)), 1), else_=0)),
        )
        .where(*of_candidate)
        .group_by(pledges.c.status)
    )
    return find, listed, count


def get_candidate_widget(
    session: Session, election_slug: str, candidate_slug: str, *, today: date, with_pledges: bool
) -> CandidateWidget | None:
    """Candidate, election, status counts and (unless compact) the pledge list; None if unknown.
    An archived candidate (or election) is returned too: the view answers 410 (`is_gone`).

    Read as records (pledges.records): the widget only reads. Two statements: the
    candidate with its election, then its pledges (counted here when the list holds
    them all, up to MAX_WIDGET_PLEDGES) or, compact or beyond that, their counts; a
    third only for a list too long to show whole.
    """
    if not can_exist(election_slug, candidate_slug):
        return None
    find, listed, count = _widget_statements()
    # Core statements on the session's connection: the ORM has nothing to add to them.
    conn = session.connection()
    row = conn.execute(find, {"election": election_slug, "candidate": candidate_slug}).first()
    if row is None:
        return None
    candidate = RecordBuilder().candidate(row)
    counts = CandidateCounts(candidate)
    pledges: list[WidgetPledge] = []
    if with_pledges:
        # fetchall: one call for the rows, not one per row.
        rows = conn.execute(listed, {"candidate_id": candidate.id}).fetchall()
        pledges = list(map(WidgetPledge._make, rows))
    if with_pledges and len(pledges) <= MAX_WIDGET_PLEDGES:
        tally = Counter(shown.status for shown in pledges)
        counts.kept = tally[PledgeStatus.KEPT]
        counts.broken = tally[PledgeStatus.BROKEN]
        counts.pending = tally[PledgeStatus.PENDING]
        counts.overdue = sum(shown.is_overdue(today) for shown in pledges)
    else:
        del pledges[MAX_WIDGET_PLEDGES:]
        for status, number, overdue in conn.execute(
            count, {"candidate_id": candidate.id, "today": today}
        ):
            setattr(counts, PledgeStatus(status).value, int(number))
            counts.overdue += int(overdue or 0)
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
