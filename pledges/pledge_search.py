"""The editors' pledge search: the full-text search (pledges.full_text: title, body, published
evidence, candidate name), and also the slug, candidate and election names as typed (part
of a word is enough), with filters (election, candidate, theme, status, overdue, submitted
evidence waiting).

Read-only, a fixed number of statements whatever the data size, no Flask.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, exists, false, func, literal, or_
from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, select

from models import Candidate, Election, Evidence, Pledge
from models.db import rel
from models.enums import EvidenceState, PledgeStatus
from pledges.full_text import PledgeMatches, parse_query
from pledges.scoreboard import (
    MAX_CANDIDATE_OPTIONS,
    MAX_PER_PAGE,
    PledgePage,
    PledgeRow,
    evidence_count_column,
    evidence_text_column,
    find_snippet,
    overdue_clause,
)
from pledges.search import fold, like_pattern


@dataclass(frozen=True)
class PledgeSearch:
    """What an editor asked for; None/empty/False means "any"."""

    q: str = ""
    election_id: int | None = None
    candidate_id: int | None = None
    theme: str | None = None
    status: PledgeStatus | None = None
    overdue: bool = False
    has_submitted: bool = False  # submitted evidence waits for moderation


def _lower_pattern(query: str) -> str:
    """A LIKE pattern for lower(name): the query lower-cased, LIKE's wildcards escaped."""
    lowered = " ".join(query.lower().split())
    escaped = lowered.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# The accented letters of French names and what they fold to: names carry no stored
# folded copy, so SQL folds them on the fly, the same on every database (SQLite's lower()
# knows only ASCII). Few on purpose: SQLite's parser refuses deeper nesting.
ACCENTS = {"a": "àâ", "c": "ç", "e": "éèêëÉÈ", "i": "îï", "o": "ô", "u": "ûù"}


def _folded(column: Any) -> ColumnElement[str]:
    """lower(column) with its accents removed ("Sébastien" → "sebastien"), in SQL."""
    expression: Any = column
    for plain, accented in ACCENTS.items():
        for letter in accented:
            expression = func.replace(expression, letter, plain)
    return func.lower(expression)


def _text_clause(query: str) -> ColumnElement[bool]:
    """The full-text search, or the query within the slug or the candidate's or election's
    name (as typed, case ignored, or without accents)."""
    folded, lowered = like_pattern(query), _lower_pattern(query)
    names = [
        select(Candidate.id)
        .where(
            or_(
                func.lower(Candidate.name).like(lowered, escape="\\"),
                _folded(Candidate.name).like(folded, escape="\\"),
                col(Candidate.slug).like(folded, escape="\\"),
            )
        )
        .scalar_subquery(),
        select(Election.id)
        .where(
            or_(
                func.lower(Election.name).like(lowered, escape="\\"),
                _folded(Election.name).like(folded, escape="\\"),
                col(Election.slug).like(folded, escape="\\"),
            )
        )
        .scalar_subquery(),
    ]
    words = parse_query(query)
    return or_(
        PledgeMatches(words) if words else false(),
        col(Pledge.slug).like(folded, escape="\\"),
        col(Pledge.candidate_id).in_(names[0]),
        col(Pledge.election_id).in_(names[1]),
    )


def _clauses(search: PledgeSearch, today: date) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if search.q and fold(search.q):
        clauses.append(_text_clause(search.q))
    if search.election_id is not None:
        clauses.append(col(Pledge.election_id) == search.election_id)
    if search.candidate_id is not None:
        clauses.append(col(Pledge.candidate_id) == search.candidate_id)
    if search.theme:
        clauses.append(col(Pledge.theme) == search.theme)
    if search.status:
        clauses.append(col(Pledge.status) == search.status)
    if search.overdue:
        clauses.append(overdue_clause(today))
    if search.has_submitted:
        clauses.append(
            exists().where(
                col(Evidence.pledge_id) == Pledge.id,
                col(Evidence.state) == EvidenceState.SUBMITTED,
            )
        )
    return clauses


def search_pledges(
    session: Session, search: PledgeSearch, *, page: int = 1, per_page: int = 30, today: date
) -> PledgePage:
    """One page of matching pledges, by id, with their published evidence counts and,
    for a search, where its words were found (the body or a published evidence item, as
    on the public lists): three to four statements (the total, the page, the eager
    loads)."""
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    clauses = _clauses(search, today)
    words = parse_query(search.q) if search.q and fold(search.q) else None
    total = int(session.execute(select(func.count(col(Pledge.id))).where(*clauses)).scalar_one())
    page = min(max(1, page), max(1, math.ceil(total / per_page)))
    stmt = (
        select(
            Pledge,
            evidence_count_column(),
            evidence_text_column() if words else literal(None).label("evidence_text"),
        )
        .where(*clauses)
        # By id, not by relevance: the list mixes full-text matches with slug and name
        # matches, which have no rank, and editors work through it in a stable order.
        .order_by(col(Pledge.id))
        .offset((page - 1) * per_page)
        .limit(per_page)
        .options(selectinload(rel(Pledge.candidate)).selectinload(rel(Candidate.election)))
    )
    items = [
        PledgeRow(pledge, int(count), find_snippet(pledge, text, words) if words else None)
        for pledge, count, text in session.execute(stmt)
    ]
    return PledgePage(items=items, total=total, page=page, per_page=per_page)


def election_choices(session: Session) -> list[tuple[int, str]]:
    """(id, name) of the most recent elections, for the filter (bounded)."""
    rows = session.execute(
        select(Election.id, Election.name)
        .order_by(col(Election.date).desc(), col(Election.name), col(Election.id))
        .limit(MAX_CANDIDATE_OPTIONS)
    ).all()
    return [(i, name) for i, name in rows if i is not None]


def candidate_choices(session: Session, election_id: int) -> list[tuple[int, str]]:
    """(id, name) of an election's candidates by name, for the filter (bounded)."""
    rows = session.execute(
        select(Candidate.id, Candidate.name)
        .where(Candidate.election_id == election_id)
        .order_by(col(Candidate.name), col(Candidate.id))
        .limit(MAX_CANDIDATE_OPTIONS)
    ).all()
    return [(i, name) for i, name in rows if i is not None]
