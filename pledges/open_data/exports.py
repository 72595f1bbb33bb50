"""CSV exports of pledges and of published evidence: the rows of a scope and their columns.

Cells come from the serialisers in pledges.open_data.representations; the column
names and their order are a contract with spreadsheet users (add, never rename).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func
from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, select

from models import Evidence, Pledge
from models.db import rel
from models.enums import EvidenceState
from pledges.open_data.catalogue import PLEDGE_LOADS, Scope, published_evidence, scoped
from pledges.open_data.representations import evidence_fields, pledge_fields


def list_pledges_for_export(session: Session, scope: Scope) -> list[tuple[Pledge, int]]:
    """Every pledge of the scope (id order) with its published-evidence count: three statements."""
    count = (
        select(func.count(col(Evidence.id)))
        .where(Evidence.pledge_id == Pledge.id, Evidence.state == EvidenceState.PUBLISHED)
        .correlate(Pledge)
        .scalar_subquery()
    )
    rows = session.execute(
        scoped(select(Pledge, count), scope).order_by(col(Pledge.id)).options(PLEDGE_LOADS)
    ).all()
    return [(pledge, int(n)) for pledge, n in rows]


def list_evidence_for_export(session: Session, scope: Scope) -> list[Evidence]:
    """Every published evidence item of the scope (id order), pledges loaded: four statements."""
    return list(
        session.exec(
            published_evidence(scope)
            .order_by(col(Evidence.id))
            .options(selectinload(rel(Evidence.pledge)).options(PLEDGE_LOADS))
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
    candidate = pledge.candidate
    cells = {
        **pledge_fields(pledge),
        "election": candidate.election.slug,
        "candidate": candidate.slug,
        "candidate_name": candidate.name,
        "overdue": "1" if pledge.is_overdue(today) else "0",
        "evidence_count": evidence_count,
        "url": url,
    }
    return [cells[name] for name in PLEDGE_CSV_COLUMNS]


def evidence_csv_row(evidence: Evidence, *, pledge_url: str) -> list[Any]:
    """One CSV row per published evidence item, in EVIDENCE_CSV_COLUMNS order."""
    pledge = evidence.pledge
    cells = {
        **evidence_fields(evidence),
        "pledge_id": pledge.id,
        "pledge_title": pledge.title,
        "election": pledge.candidate.election.slug,
        "candidate": pledge.candidate.slug,
        "pledge_url": pledge_url,
    }
    return [cells[name] for name in EVIDENCE_CSV_COLUMNS]
