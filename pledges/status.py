"""Status rules: a pledge's status is its last effective StatusChange; rulings cannot
contradict themselves; a ruling is corrected by a new entry, never edited.

`ruling_refusal` holds the rules on one new ruling without touching the database,
so that `record_status_change` (the site, the CLI) and the importer (checking a
whole history before writing any of it) refuse exactly the same things.

The ledger is append-only. `correct_ruling` writes a new StatusChange whose
`corrects_id` names the entry it corrects (with a reason); the corrected entry
stays as it was and no longer counts. The *effective history* of a pledge is its
entries that no other entry corrects, in (effective date, id) order; the
pledge's status, its current ruling and everything derived from them follow it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Protocol, TypeVar

from sqlalchemy import ColumnElement, exists
from sqlalchemy.orm import aliased
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
    _refuse_duplicate(session, pledge, to, effective_on)
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
    """Set pledge.status/status_since from its last effective StatusChange (pending when none)."""
    last = current_ruling(_pledge_changes(session, pledge.id))
    pledge.status = last.to_status if last else PledgeStatus.PENDING
    pledge.status_since = last.effective_on if last else None
    pledge.version += 1
    pledge.updated_at = now or utc_now()
    session.add(pledge)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _refuse_duplicate(
    session: Session,
    pledge: Pledge,
    to: PledgeStatus,
    effective_on: date,
    *,
    replacing: StatusChange | None = None,
) -> None:
    """One effective ruling per (status, effective date): the import format and the dump
    identify rulings that way, so a second one could not be exported faithfully."""
    query = select(StatusChange.id).where(
        StatusChange.pledge_id == pledge.id,
        StatusChange.to_status == to,
        StatusChange.effective_on == effective_on,
        not_corrected(),
    )
    if replacing is not None:
        query = query.where(StatusChange.id != replacing.id)
    if session.exec(query).first() is not None:
        raise DomainError(
            "This pledge already has a ruling with this status on this date.",
            code="duplicate_ruling",
            field="effective_on",
        )


# ---------------------------------------------------------------- effective history


def not_corrected() -> ColumnElement[bool]:
    """SQL condition: this StatusChange is not corrected by another (it still counts)."""
    correction = aliased(StatusChange)
    return ~exists().where(col(correction.corrects_id) == col(StatusChange.id))


class Ruling(Protocol):
    """What the effective history reads of a ruling: a StatusChange, or a public page's
    RulingRecord (pledges.records)."""

    @property
    def id(self) -> int | None: ...
    @property
    def corrects_id(self) -> int | None: ...
    @property
    def effective_on(self) -> date: ...


RulingT = TypeVar("RulingT", bound=Ruling)


def corrections_of(changes: Iterable[Ruling]) -> dict[int, int]:
    """{corrected id: id of the entry correcting it} among `changes` (one pledge's, all loaded)."""
    return {c.corrects_id: c.id for c in changes if c.corrects_id is not None and c.id is not None}


def corrected_by_ids(session: Session, ids: Iterable[int | None]) -> dict[int, int]:
    """{corrected id: correcting id} for the given entries (one query; for a page of rulings)."""
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = session.exec(
        select(StatusChange.corrects_id, StatusChange.id).where(
            col(StatusChange.corrects_id).in_(wanted)
        )
    ).all()
    return {int(corrected): int(by or 0) for corrected, by in rows if corrected is not None}


def effective_history(changes: Iterable[RulingT]) -> list[RulingT]:
    """The entries that count: those no other entry corrects, in order.

    The order is by effective date, then by when the *original* ruling was
    recorded: a correction takes the place of the entry it corrects, so that
    correcting an entry dated the same day as a later one does not make it the
    later one. Needs all of one pledge's changes (a pledge's history is short).
    """
    changes = list(changes)
    corrected = corrections_of(changes)
    by_id = {c.id: c for c in changes}

    def original(change: RulingT) -> int:
        seen = 0
        while change.corrects_id in by_id and seen < len(by_id):  # bounded: no cycle
            change = by_id[change.corrects_id]
            seen += 1
        return change.id or 0

    return sorted(
        (c for c in changes if c.id not in corrected),
        key=lambda c: (c.effective_on, original(c)),
    )


def current_ruling(changes: Iterable[RulingT]) -> RulingT | None:
    """The ruling that sets the current status: the last of the effective history."""
    history = effective_history(changes)
    return history[-1] if history else None


def _pledge_changes(session: Session, pledge_id: int | None) -> list[StatusChange]:
    return list(
        session.exec(
            select(StatusChange)
            .where(StatusChange.pledge_id == pledge_id)
            .order_by(col(StatusChange.effective_on), col(StatusChange.id))
        )
    )


# ---------------------------------------------------------------- corrections


def correction_refusal(
    *,
    ruling: StatusChange,
    to: PledgeStatus,
    effective_on: date,
    cited_stances: Iterable[Stance],
    previous: StatusChange | None,
    following: StatusChange | None,
    made_on: date | None,
    election_on: date | None,
    today: date,
) -> RulingRefusal | None:
    """The first rule a correction of `ruling` breaks, or None; pure.

    The correction takes the corrected entry's place in the effective history,
    between `previous` and `following` (its effective neighbours). It obeys the
    rules of a new ruling made right after `previous` (stance, dates, a change
    of status), and must also leave `following` standing:

    - its date is not after the following ruling's (they would swap places);
    - its verdict may change only on the latest ruling. The following ruling
      was decided as a change *from* this verdict (its recorded "from"); with
      another verdict the chain would no longer join up, or the following ruling
      would change nothing. To undo a later decision, correct the later one.
    """
    refusal = ruling_refusal(
        to=to,
        effective_on=effective_on,
        cited_stances=cited_stances,
        current=previous.to_status if previous is not None else PledgeStatus.PENDING,
        latest_on=previous.effective_on if previous is not None else None,
        made_on=made_on,
        election_on=election_on,
        today=today,
    )
    if refusal is not None:
        if refusal.code == "ruling_before_latest":
            return RulingRefusal(
                code="correction_before_previous",
                field="effective_on",
                message="A correction cannot take effect before the previous ruling.",
            )
        if refusal.code == "ruling_changes_nothing":
            return RulingRefusal(
                code="correction_changes_nothing",
                field="status",
                message="The corrected verdict must differ from the previous ruling's.",
            )
        return refusal
    if following is not None:
        if effective_on > following.effective_on:
            return RulingRefusal(
                code="correction_after_next",
                field="effective_on",
                message="A correction cannot take effect after the following ruling.",
            )
        if to != ruling.to_status:
            return RulingRefusal(
                code="correction_breaks_chain",
                field="status",
                message="Only the latest ruling's verdict can be corrected: "
                "a later ruling was decided from this one.",
            )
    return None


def correct_ruling(
    session: Session,
    ruling: StatusChange,
    *,
    to_status: PledgeStatus | str,
    effective_on: date,
    rationale: str,
    cites: Sequence[Evidence] = (),
    reason: str,
    actor: Actor,
    expected_version: int | None = None,
    zone: tzinfo = UTC,
    now: datetime | None = None,
) -> StatusChange:
    """Correct a ruling (date, citations, verdict) by a new entry naming it, with a reason.

    Nothing of the corrected entry changes; it stops counting. The rules are
    those of `correction_refusal`, checked against the effective history with
    the corrected entry replaced. An entry is corrected once; its correction
    may itself be corrected. Logged as AuditAction.STATUS_CORRECT.
    """
    to = PledgeStatus(to_status)
    reason = reason.strip()
    if not reason:
        raise DomainError(
            "A correction must say why.", code="correction_reason_required", field="reason"
        )
    pledge = session.get(Pledge, ruling.pledge_id)
    if pledge is None or ruling.id is None:
        raise DomainError("This ruling does not exist.", code="unknown_ruling")
    if expected_version is not None and pledge.version != expected_version:
        raise ConflictError(
            "This pledge was changed by someone else in the meantime.", code="conflict"
        )
    changes = _pledge_changes(session, pledge.id)
    if ruling.id in corrections_of(changes):
        raise DomainError("This ruling has already been corrected.", code="already_corrected")
    # corrects_id has no foreign key (migration 0006): what it names is checked here.
    history = effective_history(changes)
    position = next((i for i, c in enumerate(history) if c.id == ruling.id), None)
    if position is None:
        raise DomainError("This ruling does not exist.", code="unknown_ruling")
    previous = history[position - 1] if position > 0 else None
    following = history[position + 1] if position + 1 < len(history) else None

    if any(e.pledge_id != pledge.id for e in cites):
        raise DomainError(
            "Cited evidence must belong to the pledge being ruled on.",
            code="foreign_evidence",
        )
    if any(e.state != EvidenceState.PUBLISHED for e in cites):
        raise EvidenceRequired(
            "Only published evidence can be cited in a ruling.",
            code="evidence_not_published",
            field="cites",
        )
    same = sorted(e.id or 0 for e in cites) == sorted(e.id or 0 for e in ruling.cites)
    if (
        to == ruling.to_status
        and effective_on == ruling.effective_on
        and rationale.strip() == ruling.rationale
        and same
    ):
        raise DomainError("The correction changes nothing.", code="correction_identical")
    _refuse_duplicate(session, pledge, to, effective_on, replacing=ruling)
    election = session.get(Election, pledge.election_id)
    refusal = correction_refusal(
        ruling=ruling,
        to=to,
        effective_on=effective_on,
        cited_stances=[e.stance for e in cites],
        previous=previous,
        following=following,
        made_on=pledge.made_on,
        election_on=election.date if election is not None else None,
        today=(now or utc_now()).astimezone(zone).date(),
    )
    if refusal is not None:
        error = EvidenceRequired if refusal.field == "cites" else DomainError
        raise error(refusal.message, code=refusal.code, field=refusal.field)

    correction = StatusChange(
        pledge_id=id_of(pledge),
        from_status=previous.to_status if previous is not None else PledgeStatus.PENDING,
        to_status=to,
        effective_on=effective_on,
        rationale=rationale.strip(),
        author_id=actor.id if isinstance(actor, User) else None,
        corrects_id=ruling.id,
        correction_reason=reason,
        created_at=now or utc_now(),
    )
    correction.cites = list(cites)
    session.add(correction)
    session.flush()
    before = {"status": pledge.status.value, "status_since": _iso(pledge.status_since)}
    refresh_current_status(session, pledge, now=now)
    log_change(
        session,
        actor=actor,
        action=AuditAction.STATUS_CORRECT,
        object_type="pledge",
        object_id=pledge.id,
        pledge_id=pledge.id,
        before={
            **before,
            "corrected_id": ruling.id,
            "to": ruling.to_status.value,
            "effective_on": _iso(ruling.effective_on),
            "cites": sorted(e.id for e in ruling.cites),
        },
        after={
            "status": pledge.status.value,
            "status_since": _iso(pledge.status_since),
            "status_change_id": correction.id,
            "to": to.value,
            "effective_on": _iso(effective_on),
            "cites": sorted(e.id for e in cites),
            "reason": reason,
        },
        now=now,
    )
    session.flush()
    return correction


def get_ruling(session: Session, pledge_id: int, ruling_id: int) -> StatusChange | None:
    """One of the pledge's rulings (with its citations), or None."""
    ruling = session.get(StatusChange, ruling_id)
    return ruling if ruling is not None and ruling.pledge_id == pledge_id else None
