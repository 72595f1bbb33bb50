"""The full dump of published data, in the import format: the open-data release and the backup.

Importing `dump_published(session)` into an empty database reproduces every
election, candidate, pledge, published evidence item and ruling (status
history, its citations given as evidence URLs). Submitted and rejected
evidence, accounts, feeds and the audit log are not public and stay out.
Withdrawn evidence was public: a pledge lists it under `withdrawn_evidence`
(only when it has some), with when and why it was withdrawn, so the release
keeps the history of what the site once showed. The importer ignores that key:
importing a dump never publishes a withdrawn item again.

The order is stable and independent of database ids (slugs, dates, URLs), so
two databases holding the same data give the same dump, and the same dump
twice gives the same bytes. Six queries whatever the data size.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, select

from models import Candidate, Election, Evidence, Pledge, StatusChange
from models.db import id_of, rel
from models.enums import EvidenceState
from pledges.archive.reads import EvidenceArchive, archive_info
from pledges.archiving import visible_candidates, visible_elections, visible_pledges
from pledges.open_data.representations import (
    Url,
    archive_fields,
    candidate_fields,
    election_fields,
    evidence_fields,
    iso,
    pick,
    pledge_fields,
    ruling_fields,
)
from pledges.status import effective_history

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
WITHDRAWN_DUMP = (*EVIDENCE_DUMP, "withdrawn_at", "withdrawal_reason")
RULING_DUMP = ("to", "effective_on", "rationale")


def dump_published(session: Session, *, urls: Url | None = None) -> dict[str, Any]:
    """Every public election with its candidates, pledges, published evidence and rulings
    (nothing archived, nor anything under something archived).

    Each published item carries its `snapshots` and `link_status`; `urls` builds
    the snapshots' `text_url` and `warc_url` (null without it)."""
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
        .where(col(Evidence.state).in_([EvidenceState.PUBLISHED, EvidenceState.WITHDRAWN]))
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
    withdrawn_by_pledge: dict[int | None, list[Evidence]] = {}
    for item in evidence:
        by_pledge = (
            withdrawn_by_pledge if item.state == EvidenceState.WITHDRAWN else evidence_by_pledge
        )
        by_pledge.setdefault(item.pledge_id, []).append(item)
    archives = archive_info(
        session,
        select(col(Evidence.id))
        .where(col(Evidence.state) == EvidenceState.PUBLISHED)
        .where(col(Evidence.pledge_id).in_(public_pledges)),
    )
    changes_by_id = {change.id: change for change in changes}
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
        result = {
            **pick(pledge_fields(pledge), PLEDGE_DUMP),
            "evidence": [
                evidence_dict(item, archive=archives.get(id_of(item)), urls=urls) for item in items
            ],
            # The effective history: a corrected ruling no longer counts. The import
            # format has no corrections and the dump no ids, so what is written is
            # the history a fresh import must replay to reach the same statuses
            # (the API's /status-changes lists every entry, corrects/corrected_by).
            "history": [
                history_dict(c, changes_by_id)
                for c in effective_history(changes_by_pledge.get(pledge.id, []))
            ],
        }
        if withdrawn := withdrawn_by_pledge.get(pledge.id):
            result["withdrawn_evidence"] = [withdrawn_dict(item) for item in withdrawn]
        return result

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


def evidence_dict(
    item: Evidence, *, archive: EvidenceArchive | None = None, urls: Url | None = None
) -> dict[str, Any]:
    return {**pick(evidence_fields(item), EVIDENCE_DUMP), **archive_fields(archive, urls=urls)}


def withdrawn_dict(item: Evidence) -> dict[str, Any]:
    """Withdrawn evidence as it was published, with when and why it was withdrawn."""
    fields = evidence_fields(item)
    fields["withdrawn_at"] = iso(item.withdrawn_at)
    fields["withdrawal_reason"] = item.withdrawal_reason
    return pick(fields, WITHDRAWN_DUMP)


def history_dict(
    change: StatusChange, by_id: dict[int | None, StatusChange] | None = None
) -> dict[str, Any]:
    """A ruling in the import format; a correction also carries, without ids (the dump has
    none), the entry it corrects (itself with what *it* corrects) and why.

    The import reads `to`, `effective_on`, `rationale` and `cites` and ignores the rest,
    so a dump with corrections imports as its effective history.
    """
    fields = ruling_fields(change)
    # Sorted so that the dump does not depend on the order citations were linked.
    entry = {**pick(fields, RULING_DUMP), "cites": sorted(fields["cites"])}
    corrected = (by_id or {}).get(change.corrects_id) if change.corrects_id else None
    # A chain of corrections is as long as a pledge's history: bounded by it.
    entry["corrects"] = history_dict(corrected, by_id) if corrected is not None else None
    entry["correction_reason"] = change.correction_reason
    return entry
