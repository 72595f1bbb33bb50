"""The one serialiser of each public object (election, candidate, pledge, evidence, ruling)
and the JSON API shapes built from them; CSV, Atom and the dump pick from the same fields.

`<object>_fields(obj)` reads the object once and returns every public field under
its contract name; each format then picks the names it publishes (`pick`), so a
value (a date, an enum, which citations are public) is written in one place.
Field names are a contract with re-users: add fields, never rename or drop them.
Only published evidence ever appears. Links are passed in by the caller, as
strings or as a `Url` function of a link name (this module knows no routes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from models import Candidate, Election, Evidence, Pledge, ProgrammePassage, Snapshot, StatusChange
from models.enums import EvidenceState
from pledges.archive.reads import EvidenceArchive
from pledges.records import (
    CandidateRecord,
    ElectionRecord,
    EvidenceRecord,
    PledgeDetail,
    PledgeRecord,
    RulingRecord,
)
from pledges.scoreboard import CandidateCounts, published_evidence
from pledges.status import corrections_of
from pledges.text import stored_html

# Builds an absolute link from a link name ("pledge", "api_election", ...) and route values.
Url = Callable[..., str]


def iso(value: date | datetime | None) -> str | None:
    """A date or datetime as ISO 8601 text; None stays None (JSON null, empty CSV cell)."""
    return value.isoformat() if value else None


def pick(fields: dict[str, Any], names: Iterable[str]) -> dict[str, Any]:
    """The named fields, in the order of `names` (the dump's key order is part of its bytes)."""
    return {name: fields[name] for name in names}


# ---------------------------------------------------------------- the serialisers


def election_fields(election: Election | ElectionRecord) -> dict[str, Any]:
    """Every public field of an election."""
    return {
        "slug": election.slug,
        "name": election.name,
        "territory": election.territory,
        "date": iso(election.date),
        "is_demo": election.is_demo,
    }


def candidate_fields(candidate: Candidate | CandidateRecord) -> dict[str, Any]:
    """Every public field of a candidate (needs its election loaded)."""
    return {
        "slug": candidate.slug,
        "name": candidate.name,
        "list_name": candidate.list_name,
        "election": candidate.election.slug,
        "elected": candidate.elected,
        "office": candidate.office,
    }


def pledge_summary_fields(pledge: Pledge | PledgeRecord | PledgeDetail) -> dict[str, Any]:
    """The public fields of a pledge that a list shows (PLEDGE_JSON): a list reads them
    from pledges.records, which select no more than this."""
    return {
        "id": pledge.id,
        "slug": pledge.slug,
        "title": pledge.title,
        "theme": pledge.theme,
        "status": pledge.status.value,
        "status_since": iso(pledge.status_since),
        "deadline": iso(pledge.deadline),
    }


def pledge_fields(pledge: Pledge | PledgeDetail) -> dict[str, Any]:
    """Every stored public field of a pledge (what depends on the day or on evidence is added
    by the formats: overdue, evidence count, rendered body), in PLEDGE_FIELDS order."""
    fields = {
        **pledge_summary_fields(pledge),
        "body": pledge.body,
        "made_on": iso(pledge.made_on),
        "source_url": pledge.source_url,
        "quote": pledge.quote,
        "keywords": {
            "include": list(pledge.keywords_include),
            "exclude": list(pledge.keywords_exclude),
        },
    }
    return pick(fields, PLEDGE_FIELDS)


# pledge_fields' order (CSV columns and the dump follow it).
PLEDGE_FIELDS = (
    "id",
    "slug",
    "title",
    "body",
    "theme",
    "status",
    "status_since",
    "made_on",
    "deadline",
    "source_url",
    "quote",
    "keywords",
)


def evidence_fields(evidence: Evidence | EvidenceRecord) -> dict[str, Any]:
    """Every public field of a published evidence item."""
    return {
        "id": evidence.id,
        "url": evidence.url,
        "outlet": evidence.outlet,
        "published_on": iso(evidence.published_on),
        "kind": evidence.kind.value,
        "stance": evidence.stance.value,
        "title": evidence.title,
        "quote": evidence.quote,
        "note": evidence.note,
    }


def snapshot_fields(snapshot: Snapshot, *, urls: Url | None) -> dict[str, Any]:
    """Every public field of an archived copy; `sha256` is the body's as received, `url`
    the address the copy was made for (a corrected item keeps its earlier copies).

    Without `urls` (a dump built outside a request) the two links are null.
    """
    keys = {"evidence_id": snapshot.evidence_id, "snapshot_id": snapshot.id}
    return {
        "retrieved_at": iso(snapshot.retrieved_at),
        # The URL asked for: the item's `url`, or an address it had before a correction.
        "url": snapshot.url,
        "final_url": snapshot.final_url,
        "http_status": snapshot.http_status,
        "sha256": snapshot.sha256,
        "text_url": urls("snapshot_text", **keys) if urls else None,
        "warc_url": urls("snapshot_warc", **keys) if urls else None,
    }


def archive_fields(archive: EvidenceArchive | None, *, urls: Url | None) -> dict[str, Any]:
    """An evidence item's `snapshots` (oldest first) and `link_status` (null before a check)."""
    if archive is None:
        return {"snapshots": [], "link_status": None}
    return {
        "snapshots": [snapshot_fields(s, urls=urls) for s in archive.snapshots],
        "link_status": archive.link_status,
    }


def ruling_fields(
    change: StatusChange | RulingRecord, *, corrected_by: int | None = None
) -> dict[str, Any]:
    """Every public field of a status change; `cites` lists only published evidence URLs.

    `corrects` names the entry this one corrects, `corrected_by` the entry that
    corrects this one (which then no longer counts); null when there is none.
    """
    return {
        "id": change.id,
        "from": change.from_status.value if change.from_status else None,
        "to": change.to_status.value,
        "effective_on": iso(change.effective_on),
        "rationale": change.rationale,
        "cites": [e.url for e in change.cites if e.state == EvidenceState.PUBLISHED],
        "recorded_at": iso(change.created_at),
        "corrects": change.corrects_id,
        "corrected_by": corrected_by,
        "correction_reason": change.correction_reason,
    }


# What each format publishes of each object.
CANDIDATE_SUMMARY = ("slug", "name", "list_name", "election")
PLEDGE_JSON = ("id", "slug", "title", "theme", "status", "status_since", "deadline")
PLEDGE_DETAIL_JSON = ("body", "made_on", "source_url", "quote")
EVIDENCE_JSON = ("id", "url", "outlet", "published_on", "kind", "stance", "title", "quote")
RULING_JSON = (
    "id",
    "from",
    "to",
    "effective_on",
    "rationale",
    "cites",
    "corrects",
    "corrected_by",
    "correction_reason",
)


# ---------------------------------------------------------------- JSON API shapes


def candidate_summary(candidate: Candidate | CandidateRecord) -> dict[str, Any]:
    """The candidate as embedded in a pledge: slug, name, list and election slug."""
    return pick(candidate_fields(candidate), CANDIDATE_SUMMARY)


def counts_json(counts: CandidateCounts) -> dict[str, int]:
    return {
        "kept": counts.kept,
        "broken": counts.broken,
        "pending": counts.pending,
        "overdue": counts.overdue,
        "total": counts.total,
    }


def election_json(election: Election, *, candidate_count: int, urls: Url) -> dict[str, Any]:
    return {
        **election_fields(election),
        "candidate_count": candidate_count,
        "url": urls("election", election=election.slug),
        "api_url": urls("api_election", election=election.slug),
    }


def election_detail_json(
    election: Election, candidates: Sequence[CandidateCounts], *, urls: Url
) -> dict[str, Any]:
    detail = election_json(election, candidate_count=len(candidates), urls=urls)
    detail["candidates"] = [candidate_json(c, urls=urls) for c in candidates]
    return detail


def candidate_json(counts: CandidateCounts, *, urls: Url) -> dict[str, Any]:
    """A candidate with its status counts and links (needs the election loaded)."""
    candidate = counts.candidate
    keys = {"election": candidate.election.slug, "candidate": candidate.slug}
    return {
        **candidate_fields(candidate),
        "counts": counts_json(counts),
        "url": urls("candidate", **keys),
        "api_url": urls("api_candidate", **keys),
    }


def pledge_json(
    pledge: Pledge | PledgeRecord | PledgeDetail, *, evidence_count: int, url: str, today: date
) -> dict[str, Any]:
    """A pledge in a list: what a scoreboard row shows (needs candidate and election loaded)."""
    return {
        **pick(pledge_summary_fields(pledge), PLEDGE_JSON),
        "candidate": candidate_summary(pledge.candidate),
        "overdue": pledge.is_overdue(today),
        "evidence_count": evidence_count,
        "url": url,
    }


def pledge_detail_json(
    pledge: PledgeDetail,
    *,
    url: str,
    today: date,
    archives: Mapping[int, EvidenceArchive],
    urls: Url,
) -> dict[str, Any]:
    """A single pledge: the list fields plus body, where it was made, evidence and history.

    Needs the loads of pledges.scoreboard.get_pledge, and the evidence's archives
    (pledges.archive.reads.archive_info).
    """
    evidence = published_evidence(pledge)
    corrected = corrections_of(pledge.status_changes)
    return {
        **pledge_json(pledge, evidence_count=len(evidence), url=url, today=today),
        **pick(pledge_fields(pledge), PLEDGE_DETAIL_JSON),
        "body_html": str(stored_html(pledge.body_html, pledge.body)),
        "evidence": [evidence_json(e, archive=archives.get(e.id), urls=urls) for e in evidence],
        "history": [
            ruling_json(c, corrected_by=corrected.get(c.id)) for c in pledge.status_changes
        ],
    }


def source_passage_json(anchor: ProgrammePassage, *, text_url: str) -> dict[str, Any]:
    """Where a pledge's quote comes from: a passage of an archived programme (issue 13);
    `start`/`end` are character offsets in the page's text, `sha256` the archived body's."""
    return {
        "programme_id": anchor.programme_id,
        "page": anchor.page,
        "start": anchor.start,
        "end": anchor.end,
        "sha256": anchor.sha256,
        "text_url": text_url,
    }


def pledge_ref_json(pledge: Pledge, *, urls: Url) -> dict[str, Any]:
    """A pledge as referenced from evidence or a status change."""
    return {
        "id": pledge.id,
        "title": pledge.title,
        "candidate": candidate_summary(pledge.candidate),
        "url": urls("pledge", id=pledge.id),
        "api_url": urls("api_pledge", id=pledge.id),
    }


def evidence_json(
    evidence: Evidence | EvidenceRecord, *, archive: EvidenceArchive | None, urls: Url
) -> dict[str, Any]:
    """Published evidence as listed under its pledge, with its archived copies."""
    return {
        **pick(evidence_fields(evidence), EVIDENCE_JSON),
        **archive_fields(archive, urls=urls),
    }


def evidence_with_pledge_json(
    evidence: Evidence, *, urls: Url, archive: EvidenceArchive | None
) -> dict[str, Any]:
    """Published evidence with its pledge (needs catalogue.list_evidence's loads)."""
    return {
        **evidence_json(evidence, archive=archive, urls=urls),
        "pledge": pledge_ref_json(evidence.pledge, urls=urls),
    }


def ruling_json(
    change: StatusChange | RulingRecord, *, corrected_by: int | None = None
) -> dict[str, Any]:
    """A status change as listed in its pledge's history."""
    return pick(ruling_fields(change, corrected_by=corrected_by), RULING_JSON)


def ruling_with_pledge_json(
    change: StatusChange, *, urls: Url, corrected_by: int | None = None
) -> dict[str, Any]:
    """A ruling with its pledge: id, from, to, effective date, rationale, cited evidence URLs,
    and what it corrects or is corrected by."""
    fields = ruling_fields(change, corrected_by=corrected_by)
    return {
        **pick(fields, (*RULING_JSON, "recorded_at")),
        "pledge": pledge_ref_json(change.pledge, urls=urls),
    }
