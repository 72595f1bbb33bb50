"""Status rules: a pledge's status is its last StatusChange, and verdicts cite evidence."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, tzinfo

from sqlmodel import Session, col, select

from models import Evidence, Pledge, StatusChange, User
from models.db import id_of, utc_now
from models.enums import EvidenceState, PledgeStatus
from pledges.audit import Actor, AuditAction, log_change
from pledges.errors import ConflictError, DomainError, EvidenceRequired

VERDICTS = frozenset({PledgeStatus.KEPT, PledgeStatus.BROKEN})


def record_status_change(
    session: Session,
    pledge: Pledge,
    *,
    to: PledgeStatus,
    effective_on: date,
    rationale: str,
    cites: Sequence[Evidence] = (),
    actor: Actor,
    expected_version: int | None = None,
    zone: tzinfo = UTC,
    now: datetime | None = None,
) -> StatusChange:
    """Rule on a pledge; kept or broken must cite published evidence of this very pledge.

    The pledge's current status then follows from its history (the change with
    the latest effective date wins; ties go to the one recorded last).
    `expected_version`, when given, refuses the change if someone saved first.
    """
    to = PledgeStatus(to)
    if expected_version is not None and pledge.version != expected_version:
        raise ConflictError(
            "This pledge was changed by someone else in the meantime.", code="conflict"
        )
    foreign = [e for e in cites if e.pledge_id != pledge.id]
    if foreign:
        raise DomainError(
            "Cited evidence must belong to the pledge being ruled on.",
            code="foreign_evidence",
        )
    published = [e for e in cites if e.state == EvidenceState.PUBLISHED]
    if len(published) != len(cites):
        raise EvidenceRequired(
            "Only published evidence can be cited in a ruling.",
            code="evidence_not_published",
            field="cites",
        )
    if to in VERDICTS and not published:
        raise EvidenceRequired(
            "A kept or broken verdict must cite at least one published evidence item.",
            code="verdict_needs_evidence",
            field="cites",
        )
    # "The future" starts at the site's midnight (`zone`), not UTC's.
    if effective_on > (now or utc_now()).astimezone(zone).date():
        raise DomainError(
            "A ruling cannot take effect in the future.",
            code="future_ruling",
        )
    # One ruling per (status, effective date): the import format and the dump
    # identify rulings that way, so a second one could not be exported faithfully.
    same = session.exec(
        select(StatusChange.id).where(
            StatusChange.pledge_id == pledge.id,
            StatusChange.to_status == to,
            StatusChange.effective_on == effective_on,
        )
    ).first()
    if same is not None:
        raise DomainError(
            "This pledge already has a ruling with this status on this date.",
            code="duplicate_ruling",
        )

    change = StatusChange(
        pledge_id=id_of(pledge),
        from_status=pledge.status,
        to_status=to,
        effective_on=effective_on,
        rationale=rationale.strip(),
        author_id=actor.id if isinstance(actor, User) else None,
        created_at=now or utc_now(),
    )
    change.cites = list(cites)
    session.add(change)
    session.flush()
    before = {"status": pledge.status.value, "status_since": _iso(pledge.status_since)}
    refresh_current_status(session, pledge, now=now)
    log_change(
        session,
        actor=actor,
        action=AuditAction.STATUS_CHANGE,
        object_type="pledge",
        object_id=pledge.id,
        pledge_id=pledge.id,
        before=before,
        after={
            "status": pledge.status.value,
            "status_since": _iso(pledge.status_since),
            "status_change_id": change.id,
            "cites": [e.id for e in cites],
        },
        now=now,
    )
    session.flush()
    return change


def refresh_current_status(
    session: Session, pledge: Pledge, *, now: datetime | None = None
) -> None:
    """Set pledge.status/status_since from its last StatusChange (pending when none)."""
    last = session.exec(
        select(StatusChange)
        .where(StatusChange.pledge_id == pledge.id)
        .order_by(col(StatusChange.effective_on).desc(), col(StatusChange.id).desc())
        .limit(1)
    ).first()
    pledge.status = last.to_status if last else PledgeStatus.PENDING
    pledge.status_since = last.effective_on if last else None
    pledge.version += 1
    pledge.updated_at = now or utc_now()
    session.add(pledge)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None
