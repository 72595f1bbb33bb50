"""Themes named in French and English, and old slugs that keep answering.

A pledge's `theme` column holds a theme's slug; the `theme` table names it
("Sécurité publique", "Public safety"). Anything that accepts a theme as text
(the editors' forms, the import, the CLI) goes through `resolve_theme`: a slug
or a name of an existing theme finds it, any other name creates one with a
slug derived with accents folded ("Sécurité publique" → `securite-publique`).

When the slug of an election, a candidate or a theme changes, the old one is
recorded (`SlugRedirect`) so that its URLs answer 301 to the new one forever.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache

from sqlalchemy import Select
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from models import SlugRedirect, Theme
from models.db import table_of, utc_now
from pledges.errors import EditError
from pledges.search import fold, slugify

MAX_THEME_NAME = 200
MAX_SLUG = 80
KIND_ELECTION = "election"
KIND_CANDIDATE = "candidate"
KIND_THEME = "theme"


def find_theme(session: Session, text: str) -> Theme | None:
    """The theme whose slug, French name or English name is `text` (case and accents ignored)."""
    text = (text or "").strip()
    if not text:
        return None
    slug = slugify(text)
    by_slug = session.exec(select(Theme).where(Theme.slug == slug)).first()
    if by_slug is not None:
        return by_slug
    wanted = fold(text)
    # Themes are few (tens): comparing folded names in Python is exact on every database.
    for theme in session.exec(select(Theme).order_by(col(Theme.id))).all():
        if wanted in (fold(theme.name_fr), fold(theme.name_en)):
            return theme
    return None


def resolve_theme(
    session: Session, text: str, *, field: str = "theme", now: datetime | None = None
) -> str:
    """The slug of the theme named or slugged `text`, created when new; "" for no theme."""
    text = " ".join((text or "").split())
    if not text:
        return ""
    if len(text) > MAX_THEME_NAME:
        raise EditError(
            f"{field}: at most {MAX_THEME_NAME} characters", code="too_long", field=field
        )
    found = find_theme(session, text)
    if found is not None:
        return found.slug
    slug = slugify(text)[:MAX_SLUG].strip("-")
    if not slug:
        raise EditError(f"{field}: no letter or digit", code="invalid_slug", field=field)
    # A bare slug given as a name ("mobilite-douce") reads as words.
    name = text if slug != text else text.replace("-", " ").capitalize()
    session.add(Theme(slug=slug, name_fr=name, name_en="", created_at=now or utc_now()))
    session.flush()
    return slug


def theme_names(session: Session) -> dict[str, tuple[str, str]]:
    """Every theme's (French name, English name) by slug: one statement."""
    return {slug: (fr, en) for slug, fr, en in session.execute(_theme_names_statement())}


@cache
def _theme_names_statement() -> Select[str, str, str]:
    """theme_names' statement, built once (pages that show a theme run it)."""
    themes = table_of(Theme)
    return sa_select(themes.c.slug, themes.c.name_fr, themes.c.name_en)


def record_redirect(
    session: Session, kind: str, old_slug: str, target_id: int, *, scope_id: int = 0
) -> None:
    """Remember `old_slug` so that it answers 301 to the object's new slug.

    An old slug reused later by another object stops redirecting: the live
    object wins (`redirect_target` is only asked when nothing has the slug).
    """
    existing = session.exec(
        select(SlugRedirect).where(
            SlugRedirect.kind == kind,
            SlugRedirect.scope_id == scope_id,
            SlugRedirect.old_slug == old_slug,
        )
    ).first()
    if existing is not None:
        existing.target_id = target_id
        session.add(existing)
    else:
        session.add(
            SlugRedirect(kind=kind, scope_id=scope_id, old_slug=old_slug, target_id=target_id)
        )
    session.flush()


def redirect_target(session: Session, kind: str, old_slug: str, *, scope_id: int = 0) -> int | None:
    """The id of the object that once had `old_slug`, or None."""
    return session.exec(
        select(SlugRedirect.target_id).where(
            SlugRedirect.kind == kind,
            SlugRedirect.scope_id == scope_id,
            SlugRedirect.old_slug == old_slug,
        )
    ).first()
