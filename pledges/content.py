"""Editors' creations: elections, candidates, pledges and themes; theme edits; moving a pledge.

Each function checks its rules (required text, slug format, no duplicate
slug), writes the row and its audit entry together, flushes and never commits.
Slugs are derived from names with accents folded when left empty
(pledges.editing.clean_slug); a changed slug is recorded so that its old URLs
answer 301 forever (pledges.themes.record_redirect).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from models import Candidate, Election, Pledge, Theme
from models.db import id_of, utc_now
from pledges.audit import Actor, AuditAction, snapshot
from pledges.editing import (
    CANDIDATE_FIELDS,
    ELECTION_FIELDS,
    PLEDGE_FIELDS,
    _apply,
    _claim_fingerprint,
    _save_logged,
    _text,
    _url,
    check_candidate_slug,
    check_election_slug,
    claim_version,
    clean_slug,
    normalise_keywords,
)
from pledges.errors import EditError
from pledges.search import slugify
from pledges.themes import (
    KIND_CANDIDATE,
    KIND_ELECTION,
    KIND_THEME,
    MAX_SLUG,
    MAX_THEME_NAME,
    record_redirect,
    redirect_target,
    resolve_theme,
)

THEME_FIELDS = ["slug", "name_fr", "name_en"]
MAX_PLEDGE_SLUG = 160
# Bounded search for a free pledge slug ("titre", "titre-2", …): beyond it the
# id-free fallback is refused rather than looping.
MAX_SLUG_SUFFIX = 1000


def create_election(
    session: Session,
    *,
    name: str,
    territory: str,
    date: date,
    slug: str = "",
    actor: Actor,
    now: datetime | None = None,
) -> Election:
    """A new election; its slug is the one typed, or derived from the name."""
    now = now or utc_now()
    name = _text(name, field="name", limit=300, required=True)
    election = Election(
        slug=clean_slug(slug, name),
        name=name,
        territory=_text(territory, field="territory", limit=300, required=True),
        date=date,
        created_at=now,
    )
    check_election_slug(session, election.slug)
    session.add(election)
    session.flush()
    _log_created(session, election, AuditAction.ELECTION_CREATE, ELECTION_FIELDS, actor, now)
    return election


def create_candidate(
    session: Session,
    election: Election,
    *,
    name: str,
    list_name: str = "",
    elected: bool = False,
    office: str = "",
    slug: str = "",
    actor: Actor,
    now: datetime | None = None,
) -> Candidate:
    """A new candidate of `election`; slug unique within the election."""
    now = now or utc_now()
    name = _text(name, field="name", limit=300, required=True)
    candidate = Candidate(
        election_id=id_of(election),
        slug=clean_slug(slug, name),
        name=name,
        list_name=_text(list_name, field="list_name", limit=300),
        elected=bool(elected),
        office=_text(office, field="office", limit=300),
    )
    check_candidate_slug(session, id_of(election), candidate.slug)
    session.add(candidate)
    session.flush()
    _log_created(session, candidate, AuditAction.CANDIDATE_CREATE, CANDIDATE_FIELDS, actor, now)
    return candidate


def create_pledge(
    session: Session,
    candidate: Candidate,
    *,
    title: str,
    body: str = "",
    theme: str = "",
    made_on: date | None = None,
    source_url: str = "",
    quote: str = "",
    deadline: date | None = None,
    keywords_include: Iterable[str] = (),
    keywords_exclude: Iterable[str] = (),
    actor: Actor,
    now: datetime | None = None,
) -> Pledge:
    """A new pledge of `candidate`; its slug is derived from the title, made unique.

    The theme may be typed as a slug or a name: a new name creates the theme.
    """
    now = now or utc_now()
    title = _text(title, field="title", limit=500, required=True)
    body = _text(body, field="body", limit=50_000)
    base = slugify(title)[: MAX_PLEDGE_SLUG - 6].strip("-")
    if not base:
        raise EditError("No letter or digit in the title.", field="title", code="invalid_slug")
    pledge = Pledge(
        election_id=candidate.election_id,
        candidate_id=id_of(candidate),
        slug=_free_pledge_slug(session, candidate.election_id, base),
        title=title,
        body=body,
        theme=resolve_theme(session, theme, now=now),
        made_on=made_on,
        source_url=_url(source_url, field="source_url"),
        quote=_text(quote, field="quote", limit=10_000),
        deadline=deadline,
        keywords_include=normalise_keywords(keywords_include, field="keywords_include"),
        keywords_exclude=normalise_keywords(keywords_exclude, field="keywords_exclude"),
        created_at=now,
        updated_at=now,
    )
    session.add(pledge)
    session.flush()
    _log_created(session, pledge, AuditAction.PLEDGE_CREATE, ["slug", *PLEDGE_FIELDS], actor, now)
    return pledge


def _free_pledge_slug(session: Session, election_id: int, base: str) -> str:
    """`base`, or `base-2`, `base-3`…: the first slug no pledge of the election has."""
    taken = set(
        session.exec(
            select(Pledge.slug).where(
                Pledge.election_id == election_id, col(Pledge.slug).startswith(base)
            )
        )
    )
    if base not in taken:
        return base
    for n in range(2, MAX_SLUG_SUFFIX):
        slug = f"{base}-{n}"
        if slug not in taken:
            return slug
    raise EditError("Too many pledges with this title.", field="title", code="pledge_slug_taken")


def move_pledge(
    session: Session,
    pledge: Pledge,
    candidate: Candidate,
    *,
    expected_version: int | None = None,
    actor: Actor,
    now: datetime | None = None,
) -> bool:
    """Give `pledge` to another candidate of the same election; False when it is already theirs.

    Another election is refused (`move_other_election`): the pledge's slug, its
    rulings and its evidence belong to the election it was made in.
    """
    now = now or utc_now()
    if candidate.election_id != pledge.election_id:
        raise EditError(
            "A pledge moves only within its election.",
            field="candidate",
            code="move_other_election",
        )
    if expected_version is not None:
        claim_version(session, Pledge, id_of(pledge), expected_version)
        session.refresh(pledge)
    if pledge.candidate_id == candidate.id:
        return False
    before = {"candidate_id": pledge.candidate_id}
    pledge.candidate_id = id_of(candidate)
    pledge.version += 1
    pledge.updated_at = now
    _save_logged(
        session,
        pledge,
        AuditAction.PLEDGE_MOVE,
        before,
        {"candidate_id": pledge.candidate_id},
        actor=actor,
        now=now,
    )
    session.expire(pledge, ["candidate"])
    return True


# --- Themes ---------------------------------------------------------------------------


def _theme_name(value: str, *, field: str, required: bool = False) -> str:
    value = " ".join((value or "").split())
    return _text(value, field=field, limit=MAX_THEME_NAME, required=required)


def _check_theme(session: Session, slug: str, name_fr: str, *, own_id: int | None) -> None:
    query = select(Theme).where(col(Theme.id) != own_id) if own_id else select(Theme)
    for other in session.exec(query.order_by(col(Theme.id))).all():
        if other.slug == slug:
            raise EditError("Another theme has this slug.", field="slug", code="theme_slug_taken")
        if slugify(other.name_fr) == slugify(name_fr):
            raise EditError(
                "Another theme has this name.", field="name_fr", code="theme_name_taken"
            )


def create_theme(
    session: Session,
    *,
    name_fr: str,
    name_en: str = "",
    slug: str = "",
    actor: Actor,
    now: datetime | None = None,
) -> Theme:
    """A new theme named in French (and English); slug derived from the French name."""
    now = now or utc_now()
    name_fr = _theme_name(name_fr, field="name_fr", required=True)
    theme = Theme(
        slug=clean_slug(slug, name_fr, limit=MAX_SLUG),
        name_fr=name_fr,
        name_en=_theme_name(name_en, field="name_en"),
        created_at=now,
    )
    _check_theme(session, theme.slug, name_fr, own_id=None)
    session.add(theme)
    session.flush()
    _log_created(session, theme, AuditAction.THEME_CREATE, THEME_FIELDS, actor, now)
    return theme


def update_theme(
    session: Session,
    theme: Theme,
    *,
    expected_fingerprint: str,
    name_fr: str,
    name_en: str,
    slug: str,
    actor: Actor,
    now: datetime | None = None,
) -> bool:
    """Rename a theme; a new slug moves its pledges (one UPDATE) and keeps the old URL as 301."""
    now = now or utc_now()
    name_fr = _theme_name(name_fr, field="name_fr", required=True)
    changes = {
        "slug": clean_slug(slug, name_fr, limit=MAX_SLUG),
        "name_fr": name_fr,
        "name_en": _theme_name(name_en, field="name_en"),
    }
    _claim_fingerprint(session, Theme, theme, THEME_FIELDS, expected_fingerprint)
    _check_theme(session, changes["slug"], name_fr, own_id=id_of(theme))
    old_slug = theme.slug
    before, after = _apply(theme, changes, THEME_FIELDS)
    if not after:
        return False
    if "slug" in after:
        record_redirect(session, KIND_THEME, old_slug, id_of(theme))
        # One statement for all its pledges; "auto" also updates those already loaded.
        session.exec(update(Pledge).where(col(Pledge.theme) == old_slug).values(theme=theme.slug))
    _save_logged(session, theme, AuditAction.THEME_UPDATE, before, after, actor=actor, now=now)
    return True


def list_themes(session: Session) -> list[Theme]:
    """Every theme by French name (tens of them: no paging)."""
    return list(session.exec(select(Theme).order_by(col(Theme.name_fr), col(Theme.id))))


def _log_created(
    session: Session,
    obj: Election | Candidate | Pledge | Theme,
    action: AuditAction,
    fields: list[str],
    actor: Actor,
    now: datetime,
) -> None:
    after: dict[str, Any] = snapshot(obj, fields)
    _save_logged(session, obj, action, {}, after, actor=actor, now=now)


# --- Old slugs ------------------------------------------------------------------------


def current_slugs(
    session: Session,
    *,
    election: str | None = None,
    candidate: str | None = None,
    theme: str | None = None,
) -> dict[str, str]:
    """The new slugs of the old ones given, when they were renamed: {} when none was.

    Only slugs that no live object has are looked up (the live object wins over an
    old slug reused later), so an unknown slug costs a few primary-key reads and
    a live one at most one. A candidate's old slug is read within its election
    (after following the election's own rename).
    """
    renamed: dict[str, str] = {}
    election_id: int | None = None
    if election is not None:
        election_id = session.exec(select(Election.id).where(Election.slug == election)).first()
        if election_id is None:
            target = redirect_target(session, KIND_ELECTION, election)
            found = session.get(Election, target) if target is not None else None
            if found is not None:
                election_id = found.id
                renamed["election"] = found.slug
    if candidate is not None and election_id is not None:
        live = session.exec(
            select(Candidate.id).where(
                Candidate.election_id == election_id, Candidate.slug == candidate
            )
        ).first()
        if live is None:
            target = redirect_target(session, KIND_CANDIDATE, candidate, scope_id=election_id)
            moved = session.get(Candidate, target) if target is not None else None
            if moved is not None and moved.election_id == election_id:
                renamed["candidate"] = moved.slug
    live_theme = (
        session.exec(select(Theme.id).where(Theme.slug == theme)).first() if theme else None
    )
    if theme is not None and live_theme is None:
        target = redirect_target(session, KIND_THEME, theme)
        found_theme = session.get(Theme, target) if target is not None else None
        if found_theme is not None:
            renamed["theme"] = found_theme.slug
    return renamed
