"""The full dump of published data, in the import format: the open-data release and the backup.

Importing `dump_published(session)` into an empty database reproduces every
election, candidate, pledge, published evidence item and ruling (status
history, its citations given as evidence URLs). Submitted and rejected
evidence, accounts, feeds and the audit log are not public and stay out.

The order is stable and independent of database ids (slugs, dates, URLs), so
two databases holding the same data give the same dump, and the same dump
twice gives the same bytes. Six queries whatever the data size.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, select

from models import Candidate, Election, Evidence, Pledge, StatusChange
from models.db import rel
from models.enums import EvidenceState
from pledges.archiving import visible_candidates, visible_elections, visible_pledges
from pledges.open_data.representations import (
    candidate_fields,
    election_fields,
    evidence_fields,
    pick,
    pledge_fields,
    ruling_fields,
)

FORMAT = "pledge-tracker-import/1"
# The import format's keys, in the order they are written (the dump's bytes depend on it).
ELECTION_DUMP = ("slug", "name", "territory", "date", "is_demo")
CANDIDATE_DUMP = ("slug", "name", "list_name", "elected", "office")
PLEDGE_DUMP = (
    "slug",
    "title",
    "body",
    "theme",
    "made_on",
    "source_url",
    "quote",
    "deadline",
    "keywords",
    "status",  # informative: it follows from the history
    "status_since",
)
EVIDENCE_DUMP = ("url", "outlet", "published_on", "kind", "title", "quote", "note", "stance")
RULING_DUMP = ("to", "effective_on", "rationale")


def dump_published(session: Session) -> dict[str, Any]:
    """Every public election with its candidates, pledges, published evidence and rulings
    (nothing archived, nor anything under something archived)."""
    elections = session.exec(
        select(Election).where(visible_elections()).order_by(col(Election.date), col(Election.slug))
    ).all()
    candidates = session.exec(
        select(Candidate).where(visible_candidates()).order_by(col(Candidate.slug))
    ).all()
    pledges = session.exec(select(Pledge).where(visible_pledges()).order_by(col(Pledge.slug))).all()
    public_pledges = select(col(Pledge.id)).where(visible_pledges())
    evidence = session.exec(
        select(Evidence)
        .where(Evidence.state == EvidenceState.PUBLISHED)
        .where(col(Evidence.pledge_id).in_(public_pledges))
        .order_by(col(Evidence.published_on), col(Evidence.url))
    ).all()
    changes = session.exec(
        select(StatusChange)
        .where(col(StatusChange.pledge_id).in_(public_pledges))
        .options(selectinload(rel(StatusChange.cites)))
        .order_by(col(StatusChange.effective_on), col(StatusChange.id))
    ).all()

    evidence_by_pledge: dict[int | None, list[Evidence]] = {}
    for item in evidence:
        evidence_by_pledge.setdefault(item.pledge_id, []).append(item)
    changes_by_pledge: dict[int | None, list[StatusChange]] = {}
    for change in changes:
        changes_by_pledge.setdefault(change.pledge_id, []).append(change)
    pledges_by_candidate: dict[int | None, list[Pledge]] = {}
    for pledge in pledges:
        pledges_by_candidate.setdefault(pledge.candidate_id, []).append(pledge)
    candidates_by_election: dict[int | None, list[Candidate]] = {}
    for candidate in candidates:
        candidates_by_election.setdefault(candidate.election_id, []).append(candidate)

    def pledge_dict(pledge: Pledge) -> dict[str, Any]:
        items = evidence_by_pledge.get(pledge.id, [])
        return {
            **pick(pledge_fields(pledge), PLEDGE_DUMP),
            "evidence": [evidence_dict(item) for item in items],
            "history": [history_dict(c) for c in changes_by_pledge.get(pledge.id, [])],
        }

    def candidate_dict(candidate: Candidate) -> dict[str, Any]:
        return {
            **pick(candidate_fields(candidate), CANDIDATE_DUMP),
            "pledges": [pledge_dict(p) for p in pledges_by_candidate.get(candidate.id, [])],
        }

    return {
        "format": FORMAT,
        "demo": any(e.is_demo for e in elections),
        "elections": [
            {
                **pick(election_fields(election), ELECTION_DUMP),
                "candidates": [
                    candidate_dict(c) for c in candidates_by_election.get(election.id, [])
                ],
            }
            for election in elections
        ],
    }


def evidence_dict(item: Evidence) -> dict[str, Any]:
    return pick(evidence_fields(item), EVIDENCE_DUMP)


def history_dict(change: StatusChange) -> dict[str, Any]:
    fields = ruling_fields(change)
    # Sorted so that the dump does not depend on the order citations were linked.
    return {**pick(fields, RULING_DUMP), "cites": sorted(fields["cites"])}
