"""Public representations of pledges, shared by the JSON API, exports and the widget.

The field names are a contract with API users: add fields, never rename or drop
them. Only published evidence appears. Callers pass the pledge's public URL in
(this module knows no Flask and no routes).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from models import Candidate, Evidence, Pledge, StatusChange
from models.enums import EvidenceState
from pledges.scoreboard import published_evidence
from pledges.text import render_markdown


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def candidate_summary(candidate: Candidate) -> dict[str, Any]:
    """The candidate as embedded in a pledge: slug, name, list and election slug."""
    return {
        "slug": candidate.slug,
        "name": candidate.name,
        "list_name": candidate.list_name,
        "election": candidate.election.slug,
    }


def pledge_item(pledge: Pledge, *, evidence_count: int, url: str, today: date) -> dict[str, Any]:
    """A pledge in a list: what a scoreboard row shows (needs candidate and election loaded)."""
    return {
        "id": pledge.id,
        "slug": pledge.slug,
        "title": pledge.title,
        "candidate": candidate_summary(pledge.candidate),
        "theme": pledge.theme,
        "status": pledge.status.value,
        "status_since": _iso(pledge.status_since),
        "deadline": _iso(pledge.deadline),
        "overdue": pledge.is_overdue(today),
        "evidence_count": evidence_count,
        "url": url,
    }


def evidence_item(evidence: Evidence) -> dict[str, Any]:
    return {
        "id": evidence.id,
        "url": evidence.url,
        "outlet": evidence.outlet,
        "published_on": _iso(evidence.published_on),
        "kind": evidence.kind.value,
        "stance": evidence.stance.value,
        "title": evidence.title,
        "quote": evidence.quote,
    }


def history_item(change: StatusChange) -> dict[str, Any]:
    return {
        "from": change.from_status.value if change.from_status else None,
        "to": change.to_status.value,
        "effective_on": _iso(change.effective_on),
        "rationale": change.rationale,
        "cites": [e.url for e in change.cites if e.state == EvidenceState.PUBLISHED],
    }


def pledge_detail(pledge: Pledge, *, url: str, today: date) -> dict[str, Any]:
    """A single pledge: the list fields plus body, where it was made, evidence and history.

    Needs the loads of pledges.scoreboard.get_pledge.
    """
    evidence = published_evidence(pledge)
    detail = pledge_item(pledge, evidence_count=len(evidence), url=url, today=today)
    detail.update(
        {
            "body": pledge.body,
            "body_html": str(render_markdown(pledge.body)),
            "made_on": _iso(pledge.made_on),
            "source_url": pledge.source_url,
            "quote": pledge.quote,
            "evidence": [evidence_item(e) for e in evidence],
            "history": [history_item(c) for c in pledge.status_changes],
        }
    )
    return detail
