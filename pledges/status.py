"""Status rules: a pledge's status is its last StatusChange; rulings cannot contradict themselves.

`ruling_refusal` holds the rules on one new ruling without touching the database,
so that `record_status_change` (the site, the CLI) and the importer (checking a
whole history before writing any of it) refuse exactly the same things.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo

from sqlmodel import Session, col, select

from models import Election, Evidence, Pledge, StatusChange, User
from models.db import id_of, utc_now
from models.enums import EvidenceState, PledgeStatus, Stance
from pledges.audit import Actor, AuditAction, log_change
from pledges.errors import ConflictError, DomainError, EvidenceRequired

VERDICTS = frozenset({PledgeStatus.KEPT, PledgeStatus.BROKEN})


@dataclass(frozen=True)
class RulingRefusal:
    """Why a ruling is refused: a stable code, the field at fault, an English fallback."""

    code: str
    field: str
    message: str


def ruling_refusal(
    *,
    to: PledgeStatus,
    effective_on: date,
    cited_stances: Iterable[Stance],
    current: PledgeStatus,
    latest_on: date | None,
    made_on: date | None,
    election_on: date | None,
    today: date,
) -> RulingRefusal | None:
    """The first rule a new ruling breaks, or None; pure, so the importer shares it.

    `current` and `latest_on` are the pledge's status and the effective date of
    its latest ruling before this one (pending and None when it has none); cited
    items are all published and the pledge's own (checked by the caller).
    """
    stances = set(cited_stances)
    if to in VERDICTS and not stances:
        return RulingRefusal(
            code="verdict_needs_evidence",
            field="cites",
            message="A kept or broken verdict must cite at least one published evidence item.",
        )
    # A verdict stands on evidence that says the same: citing only items that
    # support the opposite verdict (or mere context) would contradict itself.
    if to in VERDICTS and Stance(to.value) not in stances:
        return RulingRefusal(
            code="verdict_contradicts_evidence",
            field="cites",
            message=f"A {to.value} verdict must cite at least one item whose stance is {to.value}.",
        )
    if effective_on > today:
        return RulingRefusal(
            code="future_ruling",
            field="effective_on",
            message="A ruling cannot take effect in the future.",
        )
    if made_on is not None and effective_on < made_on:
        return RulingRefusal(
            code="ruling_before_pledge",
            field="effective_on",
            message="A ruling cannot take effect before the pledge was made.",
        )
    if election_on is not None and effective_on < election_on:
        return RulingRefusal(
            code="ruling_before_election",
            field="effective_on",
            message="A ruling cannot take effect before the election.",
        )
    # The latest ruling decides the status: an earlier date would be recorded
    # and yet change nothing visible. Correcting history is another action.
    if latest_on is not None and effective_on < latest_on:
        return RulingRefusal(
            code="ruling_before_latest",
            field="effective_on",
            message="A ruling cannot take effect before the pledge's latest ruling.",
        )
    if to == current:
        return RulingRefusal(
            code="ruling_changes_nothing",
            field="status",
            message="A ruling must change the pledge's status.",
        )
    return None


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
    """Rule on a pledge by the rules of `ruling_refusal`; cites are this pledge's published items.

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
            field="effective_on",
        )
    election = session.get(Election, pledge.election_id)  # often already in the session
    refusal = ruling_refusal(
        to=to,
        effective_on=effective_on,
        cited_stances=[e.stance for e in published],
        current=pledge.status,
        latest_on=pledge.status_since,
        made_on=pledge.made_on,
        election_on=election.date if election is not None else None,
        # "The future" starts at the site's midnight (`zone`), not UTC's.
        today=(now or utc_now()).astimezone(zone).date(),
    )
    if refusal is not None:
        error = EvidenceRequired if refusal.field == "cites" else DomainError
        raise error(refusal.message, code=refusal.code, field=refusal.field)

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
