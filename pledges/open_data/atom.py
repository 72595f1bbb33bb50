"""Reads behind the Atom feeds: the latest rulings and newly published evidence of a scope,
the scope's name, and permanent tag: ids. Entries are worded (translated) by the view.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func
from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, select

from models import Candidate, Election, Evidence, Pledge, StatusChange
from models.db import rel
from pledges.archiving import is_gone
from pledges.errors import Gone
from pledges.open_data.catalogue import PLEDGE_LOADS, Scope, published_evidence, scoped
from pledges.scoreboard import get_candidate
from pledges.status import not_corrected
from pledges.widgets import can_exist

FEED_SIZE = 50


def published_at(evidence: Evidence) -> datetime:
    """When evidence became public: its review time, or its creation for imported items."""
    return evidence.reviewed_at or evidence.created_at


def list_recent_evidence(
    session: Session, scope: Scope, *, limit: int = FEED_SIZE
) -> list[Evidence]:
    """The most recently published evidence first (time made public, then id)."""
    when = func.coalesce(Evidence.reviewed_at, Evidence.created_at)
    return list(
        session.exec(
            published_evidence(scope)
            .order_by(when.desc(), col(Evidence.id).desc())
            .limit(limit)
            .options(selectinload(rel(Evidence.pledge)).options(PLEDGE_LOADS))
        ).all()
    )


def list_recent_status_changes(
    session: Session, scope: Scope, *, limit: int = FEED_SIZE
) -> list[StatusChange]:
    """The most recently recorded status changes first (recording time, then id)."""
    return list(
        session.exec(
            scoped(
                select(StatusChange).join(Pledge, col(Pledge.id) == StatusChange.pledge_id), scope
            )
            # A corrected ruling leaves the feed; its correction is an entry of its own.
            .where(not_corrected())
            .order_by(col(StatusChange.created_at).desc(), col(StatusChange.id).desc())
            .limit(limit)
            .options(
                selectinload(rel(StatusChange.pledge)).options(PLEDGE_LOADS),
                selectinload(rel(StatusChange.cites)),
            )
        ).all()
    )


def get_scope_name(session: Session, scope: Scope) -> str | None:
    """The name of what the scope covers (pledge title, candidate or election name); "" for the
    whole site; None when it does not exist; raises Gone when it is archived. At most
    three statements."""
    if not can_exist(scope.election, scope.candidate, scope.pledge_id):
        return None
    found: Pledge | Candidate | Election | None = None
    if scope.pledge_id is not None:
        found = session.get(Pledge, scope.pledge_id)
    elif scope.candidate:
        found = get_candidate(session, scope.election or "", scope.candidate)
    elif scope.election:
        found = session.exec(select(Election).where(Election.slug == scope.election)).first()
    else:
        return ""
    if found is None:
        return None
    if is_gone(found):
        raise Gone("Archived.", code="archived")
    return found.title if isinstance(found, Pledge) else found.name


def tag_uri(authority: str, since: date, kind: str, ident: object) -> str:
    """A permanent Atom id (RFC 4151): tag:<host>,<date>:<kind>/<id>; never changes with URLs."""
    return f"tag:{authority},{since.isoformat()}:{kind}/{ident}"
