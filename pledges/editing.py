"""Editors' writes: elections, candidates, pledges (keywords included), feeds and rulings.

Creating elections, candidates, pledges and themes lives in pledges.content;
the slug rules both use (derived from a name, editable, old ones redirect) are here.

Every write is version-checked (optimistic locking): the edit form carries the
version it was read at, and the write claims it with one conditional UPDATE,
so of two editors saving the same object, the second gets ConflictError and
nothing of the first is lost. Candidates and pledges have a `version` column;
elections and feeds have none, so their forms carry a fingerprint of the
edited fields instead. Every change is logged with its before/after values.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, SQLModel, col, select

from models import Candidate, Election, Evidence, Feed, Pledge, StatusChange, Theme
from models.db import id_of, table_of, utc_now
from models.enums import PledgeStatus
from pledges.audit import Actor, AuditAction, log_change, snapshot
from pledges.errors import ConflictError, DomainError, EditError
from pledges.feeds.fetch import AddressGuard
from pledges.feeds.polling import feed_url
from pledges.links import clean_url, url_problem
from pledges.search import slugify
from pledges.status import record_status_change
from pledges.themes import KIND_CANDIDATE, KIND_ELECTION, record_redirect, resolve_theme

ELECTION_FIELDS = ["slug", "name", "territory", "date"]
CANDIDATE_FIELDS = ["slug", "name", "list_name", "elected", "office"]
PLEDGE_FIELDS = [
    "title", "body", "theme", "made_on", "source_url", "quote", "deadline",
    "keywords_include", "keywords_exclude",
]  # fmt: skip
FEED_FIELDS = ["url", "name", "interval_minutes", "active"]
MAX_KEYWORDS = 100
MAX_KEYWORD_LENGTH = 120
MAX_SLUG = 120
# What a typed slug may be: lower-case letters without accents, digits, "-" or "_"
# between them (the import's rule, so that exports import again).
SLUG_RE = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")


def fingerprint(obj: Any, fields: Sequence[str]) -> str:
    """A short digest of the edited fields: the version of rows without a version column."""
    data = json.dumps(snapshot(obj, list(fields)), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(data.encode()).hexdigest()[:24]


def claim_version(session: Session, model: type[SQLModel], obj_id: int, expected: int) -> None:
    """Lock the row if it is still at `expected`, else raise ConflictError.

    A no-op conditional UPDATE takes the row's write lock (PostgreSQL) or the
    database's (SQLite) until commit, so a concurrent save waits, then finds the
    version changed and is refused: the check and the write cannot interleave.
    """
    table = table_of(model)
    claimed = session.exec(
        update(table)
        .where(table.c.id == obj_id, table.c.version == expected)
        .values(version=table.c.version)
    ).rowcount
    if claimed != 1:
        raise ConflictError("Someone else saved this in the meantime.", code="conflict")


def _claim_fingerprint(
    session: Session, model: type[SQLModel], obj: Any, fields: Sequence[str], expected: str
) -> None:
    """The same guarantee for rows without a version column: lock, re-read, compare."""
    table = table_of(model)
    session.execute(update(table).where(table.c.id == obj.id).values(id=table.c.id))
    session.refresh(obj)
    if fingerprint(obj, fields) != expected:
        raise ConflictError("Someone else saved this in the meantime.", code="conflict")


def _apply(obj: Any, changes: dict[str, Any], fields: Sequence[str]) -> tuple[dict, dict]:
    """Set the changed attributes; returns (before, after) of those that differ."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for name in fields:
        if name not in changes:
            continue
        old, new = getattr(obj, name), changes[name]
        if old != new:
            before.update(snapshot(obj, [name]))
            setattr(obj, name, new)
            after.update(snapshot(obj, [name]))
    return before, after


def _text(value: str | None, *, field: str, limit: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise EditError("This field is required.", field=field, code="required")
    if len(value) > limit:
        raise EditError(f"At most {limit} characters.", field=field, code="too_long")
    return value


def _url(value: str | None, *, field: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    cleaned = clean_url(value)
    problem = url_problem(cleaned)
    if problem == "url_too_long":
        raise EditError("The link is too long.", field=field, code="too_long")
    if problem is not None:
        raise EditError("The link must be an http(s) URL.", field=field, code="bad_url")
    return cleaned


def normalise_keywords(values: Iterable[str], *, field: str) -> list[str]:
    """Trimmed, without blanks and repeats (case-insensitive), bounded in number and length."""
    seen: set[str] = set()
    result: list[str] = []
    for raw in values:
        term = " ".join((raw or "").split())
        if not term or term.casefold() in seen:
            continue
        if len(term) > MAX_KEYWORD_LENGTH:
            raise EditError(
                f"A keyword has at most {MAX_KEYWORD_LENGTH} characters.",
                field=field,
                code="too_long",
            )
        seen.add(term.casefold())
        result.append(term)
    if len(result) > MAX_KEYWORDS:
        raise EditError(f"At most {MAX_KEYWORDS} keywords.", field=field, code="too_many")
    return result


def clean_slug(typed: str | None, name: str, *, limit: int = MAX_SLUG) -> str:
    """The slug typed (checked), or one derived from `name` with accents folded.

    "Sécurité publique" → `securite-publique`. A typed slug is taken as it is or
    refused (`slug_format`): rewriting it silently would publish another URL than
    the one the editor chose.
    """
    typed = (typed or "").strip()
    if typed:
        if len(typed) > limit:
            raise EditError(f"At most {limit} characters.", field="slug", code="too_long")
        if not SLUG_RE.match(typed):
            raise EditError(
                "A slug has lower-case letters, digits and dashes only.",
                field="slug",
                code="slug_format",
            )
        return typed
    derived = slugify(name)[:limit].strip("-")
    if not derived:
        raise EditError("No letter or digit to make a slug of.", field="slug", code="invalid_slug")
    return derived


def check_election_slug(session: Session, slug: str, *, own_id: int | None = None) -> None:
    """Refuse a slug another election has (`election_slug_taken`)."""
    query = select(Election.id).where(Election.slug == slug)
    if own_id is not None:
        query = query.where(Election.id != own_id)
    if session.exec(query).first() is not None:
        raise EditError("Another election has this slug.", field="slug", code="election_slug_taken")


def check_candidate_slug(
    session: Session, election_id: int, slug: str, *, own_id: int | None = None
) -> None:
    """Refuse a slug another candidate of the same election has (`candidate_slug_taken`)."""
    query = select(Candidate.id).where(Candidate.election_id == election_id, Candidate.slug == slug)
    if own_id is not None:
        query = query.where(Candidate.id != own_id)
    if session.exec(query).first() is not None:
        raise EditError(
            "Another candidate of this election has this slug.",
            field="slug",
            code="candidate_slug_taken",
        )


def update_election(
    session: Session,
    election: Election,
    *,
    expected_fingerprint: str,
    name: str,
    territory: str,
    date: date,
    slug: str | None = None,
    actor: Actor,
    now: datetime | None = None,
) -> bool:
    """Edit an election's name, territory, date and slug; False when nothing changed.

    `slug` None keeps it; "" derives it from the name. A new slug records the old
    one, which then answers 301 to the new URLs forever.
    """
    name = _text(name, field="name", limit=300, required=True)
    changes: dict[str, Any] = {
        "name": name,
        "territory": _text(territory, field="territory", limit=300, required=True),
        "date": date,
    }
    if slug is not None:
        changes["slug"] = clean_slug(slug, name)
    _claim_fingerprint(session, Election, election, ELECTION_FIELDS, expected_fingerprint)
    old_slug = election.slug
    if changes.get("slug", old_slug) != old_slug:
        check_election_slug(session, changes["slug"], own_id=id_of(election))
    before, after = _apply(election, changes, ELECTION_FIELDS)
    if not after:
        return False
    if "slug" in after:
        record_redirect(session, KIND_ELECTION, old_slug, id_of(election))
    _save_logged(
        session, election, AuditAction.ELECTION_UPDATE, before, after, actor=actor, now=now
    )
    return True


def update_candidate(
    session: Session,
    candidate: Candidate,
    *,
    expected_version: int,
    name: str,
    list_name: str,
    elected: bool,
    office: str,
    slug: str | None = None,
    actor: Actor,
    now: datetime | None = None,
) -> bool:
    """Edit a candidate (version-checked); False when nothing changed.

    `slug` None keeps it; "" derives it from the name; a new slug records the
    old one (scoped to the election), which answers 301 forever.
    """
    name = _text(name, field="name", limit=300, required=True)
    changes: dict[str, Any] = {
        "name": name,
        "list_name": _text(list_name, field="list_name", limit=300),
        "elected": bool(elected),
        "office": _text(office, field="office", limit=300),
    }
    if slug is not None:
        changes["slug"] = clean_slug(slug, name)
    claim_version(session, Candidate, id_of(candidate), expected_version)
    session.refresh(candidate)
    old_slug = candidate.slug
    if changes.get("slug", old_slug) != old_slug:
        check_candidate_slug(
            session, candidate.election_id, changes["slug"], own_id=id_of(candidate)
        )
    before, after = _apply(candidate, changes, CANDIDATE_FIELDS)
    if not after:
        return False
    if "slug" in after:
        record_redirect(
            session, KIND_CANDIDATE, old_slug, id_of(candidate), scope_id=candidate.election_id
        )
    candidate.version = expected_version + 1
    _save_logged(
        session, candidate, AuditAction.CANDIDATE_UPDATE, before, after, actor=actor, now=now
    )
    return True


def update_pledge(
    session: Session,
    pledge: Pledge,
    *,
    expected_version: int,
    title: str,
    body: str,
    theme: str,
    made_on: date | None,
    source_url: str,
    quote: str,
    deadline: date | None,
    keywords_include: Iterable[str],
    keywords_exclude: Iterable[str],
    actor: Actor,
    now: datetime | None = None,
) -> bool:
    """Edit a pledge and its matching keywords (version-checked); False when nothing changed."""
    now = now or utc_now()
    changes = {
        "title": _text(title, field="title", limit=500, required=True),
        "body": _text(body, field="body", limit=50_000),
        "made_on": made_on,
        "source_url": _url(source_url, field="source_url"),
        "quote": _text(quote, field="quote", limit=10_000),
        "deadline": deadline,
        "keywords_include": normalise_keywords(keywords_include, field="keywords_include"),
        "keywords_exclude": normalise_keywords(keywords_exclude, field="keywords_exclude"),
    }
    claim_version(session, Pledge, id_of(pledge), expected_version)
    session.refresh(pledge)
    # A theme typed as a name ("Transports en commun") finds or creates that
    # theme; the pledge keeps its slug, which names /themes/<theme>. Resolved
    # once the version is claimed: a refused save creates no theme.
    changes["theme"] = resolve_theme(session, theme, now=now)
    before, after = _apply(pledge, changes, PLEDGE_FIELDS)
    if not after:
        return False
    pledge.version = expected_version + 1
    pledge.updated_at = now
    _save_logged(session, pledge, AuditAction.PLEDGE_UPDATE, before, after, actor=actor, now=now)
    return True


def rule_on_pledge(
    session: Session,
    pledge: Pledge,
    *,
    expected_version: int,
    to: PledgeStatus | str,
    effective_on: date,
    rationale: str,
    cite_ids: Iterable[int],
    actor: Actor,
    zone: tzinfo = UTC,
    now: datetime | None = None,
) -> StatusChange:
    """A ruling from the editors' form: claim the version, then pledges.status rules.

    The rules on rulings stay in record_status_change; this adds the version
    lock and the id lookup.
    """
    ids = {int(i) for i in cite_ids}
    cites = (
        list(
            session.exec(
                select(Evidence).where(col(Evidence.id).in_(ids), Evidence.pledge_id == pledge.id)
            )
        )
        if ids
        else []
    )
    if len(cites) != len(ids):
        raise DomainError(
            "Cited evidence must belong to the pledge being ruled on.",
            code="foreign_evidence",
        )
    claim_version(session, Pledge, id_of(pledge), expected_version)
    session.refresh(pledge)
    return record_status_change(
        session,
        pledge,
        to=PledgeStatus(to),
        effective_on=effective_on,
        rationale=rationale,
        cites=sorted(cites, key=lambda e: e.id or 0),
        actor=actor,
        expected_version=expected_version,
        zone=zone,
        now=now,
    )


def update_feed(
    session: Session,
    feed: Feed,
    *,
    expected_fingerprint: str,
    url: str,
    name: str,
    interval_minutes: int,
    active: bool,
    guard: AddressGuard,
    actor: Actor,
    now: datetime | None = None,
) -> bool:
    """Edit a feed; a new URL passes the poller's SSRF checks (pledges.feeds.fetch.AddressGuard)."""
    now = now or utc_now()
    url = feed_url(url or "")
    if url != feed.url:
        guard.check_url(url)  # raises UnsafeFeedURL
        taken = session.exec(select(Feed.id).where(Feed.url == url, Feed.id != feed.id)).first()
        if taken is not None:
            raise EditError("This feed is already registered.", field="url", code="feed_taken")
    if interval_minutes < 1:
        raise EditError(
            "At least one minute.", field="interval_minutes", code="feed_interval_too_small"
        )
    changes = {
        "url": url,
        "name": _text(name, field="name", limit=200),
        "interval_minutes": int(interval_minutes),
        "active": bool(active),
    }
    _claim_fingerprint(session, Feed, feed, FEED_FIELDS, expected_fingerprint)
    before, after = _apply(feed, changes, FEED_FIELDS)
    if not after:
        return False
    if "url" in after:
        # A new address starts afresh: old validators and errors belong to the old one.
        feed.etag = None
        feed.last_modified = None
        feed.error_count = 0
        feed.last_error = ""
    if "active" in after and feed.active:
        feed.next_fetch_at = now
    _save_logged(session, feed, AuditAction.FEED_UPDATE, before, after, actor=actor, now=now)
    return True


# --- Reads for the editors' pages -----------------------------------------------------


def list_elections(session: Session) -> list[Election]:
    return list(
        session.exec(select(Election).order_by(col(Election.date).desc(), col(Election.id)))
    )


def list_candidates(session: Session, election_id: int) -> list[Candidate]:
    return list(
        session.exec(
            select(Candidate)
            .where(Candidate.election_id == election_id)
            .order_by(col(Candidate.name))
        )
    )


def list_candidate_pledges(session: Session, candidate_id: int) -> list[Pledge]:
    return list(
        session.exec(
            select(Pledge).where(Pledge.candidate_id == candidate_id).order_by(col(Pledge.title))
        )
    )


def _save_logged(
    session: Session,
    obj: Election | Candidate | Pledge | Feed | Theme,
    action: AuditAction,
    before: dict[str, Any],
    after: dict[str, Any],
    *,
    actor: Actor,
    now: datetime | None,
) -> None:
    """Write an edited row and its audit entry (what changed, before and after) together."""
    session.add(obj)
    log_change(
        session,
        actor=actor,
        action=action,
        object_type=table_of(type(obj)).name,
        object_id=obj.id,
        pledge_id=obj.id if isinstance(obj, Pledge) else None,
        before=before,
        after=after,
        now=now,
    )
    session.flush()
