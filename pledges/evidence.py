"""Evidence: submit (cleaned URL, one citation per pledge), publish, reject, edit and
correct, withdraw, reconsider; and its reads.

Every submission starts as `submitted`; only an editor's publish makes it
public. Editing submitted evidence is audited only; correcting published
evidence is also recorded publicly (an EvidenceCorrection: what changed, when,
why, and `corrected_at`). Withdrawn evidence leaves every public list but stays
in the audit log and the dump, with its public reason; rulings that cited it
are flagged for the editors' review. No Flask: views pass session, actor and time.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from enum import Enum

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from models import (
    Candidate,
    Evidence,
    EvidenceCorrection,
    LinkCheck,
    Pledge,
    StatusChange,
    User,
)
from models.db import id_of, rel, utc_now
from models.enums import EvidenceKind, EvidenceState, Origin, Stance
from models.status_changes import StatusChangeCitation
from pledges.archiving import is_gone
from pledges.audit import Actor, AuditAction, log_change, snapshot
from pledges.errors import ConflictError, DuplicateEvidence, EvidenceError
from pledges.links import MAX_URL_LENGTH, clean_url, url_problem
from pledges.records import EvidenceRecord

EVIDENCE_FIELDS = [
    "pledge_id", "url", "outlet", "published_on", "kind", "title", "quote", "note", "stance",
    "state", "origin", "feed_item_id", "rejection_reason",
]  # fmt: skip
# What an editor may change, before or after publication (in the order corrections list them).
EDITABLE_FIELDS = ["title", "published_on", "stance", "kind", "outlet", "quote", "url", "note"]
# The edit form's version: evidence has no version column, so the form carries a digest
# of these (state included: an item published meanwhile must not be edited unknowingly).
LOCKED_FIELDS = [*EDITABLE_FIELDS, "state"]
MAX_REASON_LENGTH = 2000
_LIMITS = {"title": 500, "outlet": 300, "quote": 10_000, "note": 20_000}


def find_duplicate(session: Session, pledge_id: int, url: str) -> Evidence | None:
    """Evidence of this pledge already citing `url` (after cleaning), whatever its state."""
    return session.exec(
        select(Evidence).where(Evidence.pledge_id == pledge_id, Evidence.url == clean_url(url))
    ).first()


def submit_evidence(
    session: Session,
    pledge: Pledge,
    *,
    url: str,
    outlet: str,
    published_on: date,
    stance: Stance | str,
    kind: EvidenceKind | str = EvidenceKind.PRESS_ARTICLE,
    title: str = "",
    quote: str = "",
    note: str = "",
    actor: Actor,
    origin: Origin = Origin.MANUAL,
    feed_item_id: int | None = None,
    zone: tzinfo = UTC,
    now: datetime | None = None,
) -> Evidence:
    """Submit evidence for moderation. The URL loses its tracking parameters; a URL
    already cited for the same pledge raises DuplicateEvidence carrying the existing id.

    `published_on` may be today in the site's `zone` (ahead of UTC after its midnight), not later.
    """
    if is_gone(pledge):
        # An archived pledge (or one of an archived candidate or election) is closed.
        raise EvidenceError("This pledge is archived.", code="pledge_archived")
    now = now or utc_now()
    cleaned = clean_url(url or "")
    problem = url_problem(cleaned)
    if problem == "url_too_long":
        raise EvidenceError(
            f"The link is longer than {MAX_URL_LENGTH} characters.", code=problem, field="url"
        )
    if problem is not None:
        raise EvidenceError("The link must be an http(s) URL.", code="bad_url", field="url")
    if not (outlet or "").strip():
        raise EvidenceError("The outlet is required.", code="outlet_required", field="outlet")
    if published_on > now.astimezone(zone).date():
        raise EvidenceError(
            "The publication date cannot be in the future.",
            code="future_date",
            field="published_on",
        )
    pledge_id = id_of(pledge)
    existing = find_duplicate(session, pledge_id, cleaned)
    if existing is not None:
        raise DuplicateEvidence(
            "This URL is already cited for this pledge.",
            code="duplicate_evidence",
            field="url",
            existing_id=id_of(existing),
        )
    evidence = Evidence(
        pledge_id=pledge_id,
        url=cleaned,
        outlet=outlet.strip()[:300],
        published_on=published_on,
        kind=EvidenceKind(kind),
        title=(title or "").strip()[:500],
        quote=(quote or "").strip(),
        note=(note or "").strip(),
        stance=Stance(stance),
        state=EvidenceState.SUBMITTED,
        origin=origin,
        feed_item_id=feed_item_id,
        submitted_by_id=actor.id if isinstance(actor, User) else None,
        created_at=now,
    )
    # Two people citing the same URL at once: the unique constraint decides,
    # and the loser gets the same answer as a sequential duplicate. The row is
    # added inside the savepoint: added before it, the INSERT would run (and
    # fail) in the outer transaction while the savepoint opens, leaving the
    # session unusable (PendingRollbackError) instead of rolled back to it.
    try:
        with session.begin_nested():
            session.add(evidence)
            session.flush()
    except IntegrityError:
        existing = find_duplicate(session, pledge_id, cleaned)
        if existing is None:
            raise
        raise DuplicateEvidence(
            "This URL is already cited for this pledge.",
            code="duplicate_evidence",
            field="url",
            existing_id=id_of(existing),
        ) from None
    log_change(
        session,
        actor=actor,
        action=AuditAction.EVIDENCE_SUBMIT,
        object_type="evidence",
        object_id=evidence.id,
        pledge_id=pledge.id,
        after=snapshot(evidence, EVIDENCE_FIELDS),
        now=now,
    )
    session.flush()
    return evidence


def _review(
    session: Session,
    evidence: Evidence,
    *,
    to: EvidenceState,
    reason: str,
    actor: Actor,
    now: datetime | None,
) -> None:
    now = now or utc_now()
    if evidence.state != EvidenceState.SUBMITTED:
        raise EvidenceError("This evidence has already been moderated.", code="already_reviewed")
    before = snapshot(evidence, EVIDENCE_FIELDS)
    # Conditional update: of two editors moderating at once, one wins.
    claimed = session.exec(
        update(Evidence)
        .where(col(Evidence.id) == evidence.id, col(Evidence.state) == EvidenceState.SUBMITTED)
        .values(state=to)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise EvidenceError("This evidence has already been moderated.", code="already_reviewed")
    evidence.state = to
    evidence.rejection_reason = reason
    evidence.reviewed_by_id = actor.id if isinstance(actor, User) else None
    evidence.reviewed_at = now
    session.add(evidence)
    log_change(
        session,
        actor=actor,
        action=(
            AuditAction.EVIDENCE_PUBLISH
            if to == EvidenceState.PUBLISHED
            else AuditAction.EVIDENCE_REJECT
        ),
        object_type="evidence",
        object_id=evidence.id,
        pledge_id=evidence.pledge_id,
        before=before,
        after=snapshot(evidence, EVIDENCE_FIELDS),
        now=now,
    )
    session.flush()


def publish_evidence(
    session: Session, evidence: Evidence, *, actor: Actor, now: datetime | None = None
) -> None:
    """Make submitted evidence public (it can then be cited in a ruling)."""
    _review(session, evidence, to=EvidenceState.PUBLISHED, reason="", actor=actor, now=now)


def reject_evidence(
    session: Session,
    evidence: Evidence,
    *,
    reason: str,
    actor: Actor,
    now: datetime | None = None,
) -> None:
    """Refuse submitted evidence; the reason is required and shown to the submitter."""
    reason = (reason or "").strip()
    if not reason:
        raise EvidenceError("A rejection needs a reason.", code="reason_required", field="reason")
    _review(session, evidence, to=EvidenceState.REJECTED, reason=reason, actor=actor, now=now)


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise EvidenceError("A reason is required.", code="reason_required", field="reason")
    if len(reason) > MAX_REASON_LENGTH:
        raise EvidenceError(
            f"At most {MAX_REASON_LENGTH} characters.", code="too_long", field="reason"
        )
    return reason


def evidence_fingerprint(evidence: Evidence) -> str:
    """A short digest of the editable fields and the state: the edit form's version."""
    data = json.dumps(snapshot(evidence, LOCKED_FIELDS), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(data.encode()).hexdigest()[:24]


def _text_value(value: object) -> str:
    """A stored value as the text a correction keeps: ISO date, enum value, the text itself.

    Language-neutral on purpose: pages put it in words in the reader's language.
    """
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def _edited_values(
    *, url: str, outlet: str, published_on: date, stance: Stance | str, kind: EvidenceKind | str,
    title: str, quote: str, note: str, today: date,
) -> dict[str, object]:  # fmt: skip
    """The edit form's values, cleaned and checked by the rules of a submission."""
    cleaned = clean_url(url or "")
    problem = url_problem(cleaned)
    if problem == "url_too_long":
        raise EvidenceError(
            f"The link is longer than {MAX_URL_LENGTH} characters.", code=problem, field="url"
        )
    if problem is not None:
        raise EvidenceError("The link must be an http(s) URL.", code="bad_url", field="url")
    values: dict[str, object] = {
        "title": (title or "").strip(),
        "outlet": (outlet or "").strip(),
        "quote": (quote or "").strip(),
        "note": (note or "").strip(),
    }
    if not values["outlet"]:
        raise EvidenceError("The outlet is required.", code="outlet_required", field="outlet")
    for name, limit in _LIMITS.items():
        if len(str(values[name])) > limit:
            raise EvidenceError(f"At most {limit} characters.", code="too_long", field=name)
    if published_on > today:
        raise EvidenceError(
            "The publication date cannot be in the future.",
            code="future_date",
            field="published_on",
        )
    values.update(
        url=cleaned, published_on=published_on, stance=Stance(stance), kind=EvidenceKind(kind)
    )
    return values


def _apply_changes(
    evidence: Evidence, values: dict[str, object]
) -> tuple[dict[str, object], dict[str, object], list[dict[str, str]]]:
    """Set the fields that differ: (audit before, audit after, the correction's changes)."""
    before: dict[str, object] = {}
    after: dict[str, object] = {}
    changes: list[dict[str, str]] = []
    for name in EDITABLE_FIELDS:
        old, new = getattr(evidence, name), values[name]
        if old == new:
            continue
        before.update(snapshot(evidence, [name]))
        changes.append({"field": name, "before": _text_value(old), "after": _text_value(new)})
        setattr(evidence, name, new)
        after.update(snapshot(evidence, [name]))
    return before, after, changes


def update_evidence(
    session: Session,
    evidence: Evidence,
    *,
    expected_fingerprint: str,
    url: str,
    outlet: str,
    published_on: date,
    stance: Stance | str,
    kind: EvidenceKind | str,
    title: str = "",
    quote: str = "",
    note: str = "",
    reason: str = "",
    actor: Actor,
    zone: tzinfo = UTC,
    now: datetime | None = None,
) -> bool:
    """Edit submitted evidence, or correct published evidence; False when nothing changed.

    Submitted: the change is audited only (moderators fix a stance or a date
    before publishing). Published: a reason is required, and the change is also
    recorded publicly as an EvidenceCorrection (each field's value before and
    after, as text) with `corrected_at` set. Rejected evidence is reconsidered
    first; withdrawn evidence stays as it was withdrawn. Version-checked with
    `evidence_fingerprint` (ConflictError when someone saved first).
    """
    now = now or utc_now()
    values = _edited_values(
        url=url, outlet=outlet, published_on=published_on, stance=stance, kind=kind,
        title=title, quote=quote, note=note, today=now.astimezone(zone).date(),
    )  # fmt: skip
    cleaned = str(values["url"])
    # Lock the row (a no-op UPDATE), then compare what the form was read at with what
    # is stored now: of two editors saving the same item, the second is refused.
    session.execute(
        update(Evidence).where(col(Evidence.id) == evidence.id).values(id=col(Evidence.id))
    )
    session.refresh(evidence)
    if evidence_fingerprint(evidence) != expected_fingerprint:
        raise ConflictError("Someone else saved this in the meantime.", code="conflict")
    if evidence.state not in (EvidenceState.SUBMITTED, EvidenceState.PUBLISHED):
        raise EvidenceError(
            "Only submitted or published evidence can be edited.", code="evidence_not_editable"
        )
    published = evidence.state == EvidenceState.PUBLISHED
    # Checked before anything changes: a correction without a reason is refused whole.
    why = _reason(reason) if published else (reason or "").strip()[:MAX_REASON_LENGTH]
    if cleaned != evidence.url:
        existing = find_duplicate(session, evidence.pledge_id, cleaned)
        if existing is not None and existing.id != evidence.id:
            raise DuplicateEvidence(
                "This URL is already cited for this pledge.",
                code="duplicate_evidence",
                field="url",
                existing_id=id_of(existing),
            )
    before, after, changes = _apply_changes(evidence, values)
    if not changes:
        return False
    if "url" in after:
        # The last link check was of the previous address: its verdict ("dead link",
        # "changed"), its failures and its ETag say nothing of the new one. Forgotten,
        # the new link is due at the next round, like a link never checked.
        check = session.get(LinkCheck, id_of(evidence))
        if check is not None:
            session.delete(check)
    correction = None
    if published:
        evidence.corrected_at = now
        correction = EvidenceCorrection(
            evidence_id=id_of(evidence),
            at=now,
            author_id=actor.id if isinstance(actor, User) else None,
            changes=changes,
            reason=why,
        )
        session.add(correction)
    session.add(evidence)
    # The unique (pledge, url) constraint decides between two editors giving two
    # items the same link at once (see submit_evidence for why inside a savepoint).
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise DuplicateEvidence(
            "This URL is already cited for this pledge.",
            code="duplicate_evidence",
            field="url",
            existing_id=id_of(find_duplicate(session, evidence.pledge_id, cleaned) or evidence),
        ) from None
    if why:
        after["reason"] = why
    if correction is not None:
        after["correction_id"] = correction.id
    _log_evidence_change(
        session,
        evidence,
        AuditAction.EVIDENCE_CORRECT if published else AuditAction.EVIDENCE_EDIT,
        before,
        actor=actor,
        now=now,
        after=after,
    )
    session.flush()
    return True


def _transition(
    session: Session,
    evidence: Evidence,
    *,
    source: EvidenceState,
    to: EvidenceState,
    code: str,
    message: str,
) -> dict[str, object]:
    """Move evidence from `source` to `to` with one conditional UPDATE; the snapshot before.

    Of two editors acting at once, one wins; the other gets `code`.
    """
    if evidence.state != source:
        raise EvidenceError(message, code=code)
    before = snapshot(evidence, EVIDENCE_FIELDS)
    claimed = session.exec(
        update(Evidence)
        .where(col(Evidence.id) == evidence.id, col(Evidence.state) == source)
        .values(state=to)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise EvidenceError(message, code=code)
    evidence.state = to
    return before


def withdraw_evidence(
    session: Session,
    evidence: Evidence,
    *,
    reason: str,
    actor: Actor,
    now: datetime | None = None,
) -> None:
    """Take published evidence out of the public record, with a public reason (required).

    It leaves the timeline, the API, CSV and Atom; it stays in the audit log and
    in the dump (as withdrawn, with its reason); rulings citing it are flagged.
    """
    now = now or utc_now()
    why = _reason(reason)
    before = _transition(
        session,
        evidence,
        source=EvidenceState.PUBLISHED,
        to=EvidenceState.WITHDRAWN,
        code="not_published",
        message="Only published evidence can be withdrawn.",
    )
    evidence.withdrawn_at = now
    evidence.withdrawal_reason = why
    session.add(evidence)
    _log_evidence_change(
        session,
        evidence,
        AuditAction.EVIDENCE_WITHDRAW,
        before,
        actor=actor,
        now=now,
        after={**snapshot(evidence, EVIDENCE_FIELDS), "withdrawal_reason": why},
    )
    session.flush()


def reconsider_evidence(
    session: Session, evidence: Evidence, *, actor: Actor, now: datetime | None = None
) -> None:
    """Send rejected evidence back to the moderation queue (then published or rejected again).

    The rejection reason leaves the item (the submitter no longer sees it) and
    stays in the audit entry's "before".
    """
    now = now or utc_now()
    before = _transition(
        session,
        evidence,
        source=EvidenceState.REJECTED,
        to=EvidenceState.SUBMITTED,
        code="not_rejected",
        message="Only rejected evidence can be reconsidered.",
    )
    evidence.rejection_reason = ""
    evidence.reviewed_by_id = None
    evidence.reviewed_at = None
    session.add(evidence)
    _log_evidence_change(
        session, evidence, AuditAction.EVIDENCE_RECONSIDER, before, actor=actor, now=now
    )
    session.flush()


def _log_evidence_change(
    session: Session,
    evidence: Evidence,
    action: AuditAction,
    before: dict,
    *,
    actor: Actor,
    now: datetime | None,
    after: dict | None = None,
) -> None:
    """Audit a change to an evidence item (by default its fields after the change)."""
    log_change(
        session,
        actor=actor,
        action=action,
        object_type="evidence",
        object_id=evidence.id,
        pledge_id=evidence.pledge_id,
        before=before,
        after=snapshot(evidence, EVIDENCE_FIELDS) if after is None else after,
        now=now,
    )


# --- Reads ---------------------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceRow:
    evidence: Evidence
    pledge: Pledge
    candidate: Candidate
    submitter: User | None


def _rows(session: Session, query: Select[Evidence, Pledge, Candidate, User]) -> list[EvidenceRow]:
    result = session.exec(
        query.join(Pledge, col(Pledge.id) == Evidence.pledge_id)
        .join(Candidate, col(Candidate.id) == Pledge.candidate_id)
        .outerjoin(User, col(User.id) == Evidence.submitted_by_id)
    ).all()
    return [EvidenceRow(e, p, c, u) for e, p, c, u in result]


def get_evidence(session: Session, evidence_id: int) -> EvidenceRow | None:
    rows = _rows(
        session, select(Evidence, Pledge, Candidate, User).where(Evidence.id == evidence_id)
    )
    return rows[0] if rows else None


def list_submitted(session: Session, *, limit: int = 100) -> list[EvidenceRow]:
    """The moderation queue: submitted evidence, oldest first (first in, first reviewed)."""
    return _rows(
        session,
        select(Evidence, Pledge, Candidate, User)
        .where(Evidence.state == EvidenceState.SUBMITTED)
        .order_by(col(Evidence.created_at), col(Evidence.id))
        .limit(limit),
    )


def list_contributions(session: Session, user: User, *, limit: int = 200) -> list[EvidenceRow]:
    """What `user` submitted, newest first, with its state and any rejection reason."""
    return _rows(
        session,
        select(Evidence, Pledge, Candidate, User)
        .where(Evidence.submitted_by_id == user.id)
        .order_by(col(Evidence.created_at).desc(), col(Evidence.id).desc())
        .limit(limit),
    )


def list_pledge_evidence(session: Session, pledge_id: int) -> list[Evidence]:
    """All evidence of a pledge (every state), newest publication first."""
    return list(
        session.exec(
            select(Evidence)
            .where(Evidence.pledge_id == pledge_id)
            .order_by(col(Evidence.published_on).desc(), col(Evidence.id).desc())
        )
    )


def list_published_evidence(session: Session, pledge_id: int) -> list[Evidence]:
    return [
        e for e in list_pledge_evidence(session, pledge_id) if e.state == EvidenceState.PUBLISHED
    ]


def withdrawn_evidence(evidence: Iterable[EvidenceRecord]) -> list[EvidenceRecord]:
    """The withdrawn items among `evidence`, in the order they were withdrawn."""
    return sorted(
        (e for e in evidence if e.state == EvidenceState.WITHDRAWN),
        key=lambda e: (e.withdrawn_at or e.created_at, e.id),
    )


def get_pledge_for_work(session: Session, pledge_id: int) -> Pledge | None:
    """A pledge with its candidate and election, for the volunteer and editor pages."""
    return session.exec(
        select(Pledge)
        .where(Pledge.id == pledge_id)
        .options(selectinload(rel(Pledge.candidate)).selectinload(rel(Candidate.election)))
    ).first()


def list_corrections(
    session: Session, evidence_ids: Iterable[int]
) -> dict[int, list[EvidenceCorrection]]:
    """The public corrections of these evidence items, oldest first, by evidence id (one query)."""
    ids = sorted(set(evidence_ids))
    if not ids:
        return {}
    found: dict[int, list[EvidenceCorrection]] = {}
    for correction in session.exec(
        select(EvidenceCorrection)
        .where(col(EvidenceCorrection.evidence_id).in_(ids))
        .order_by(col(EvidenceCorrection.at), col(EvidenceCorrection.id))
    ):
        found.setdefault(correction.evidence_id, []).append(correction)
    return found


@dataclass(frozen=True)
class FlaggedRuling:
    """A ruling that cites withdrawn evidence: editors should review (and correct) it."""

    change: StatusChange
    pledge: Pledge
    withdrawn: list[Evidence]


def list_flagged_rulings(
    session: Session, *, pledge_id: int | None = None, limit: int = 100
) -> list[FlaggedRuling]:
    """Rulings citing withdrawn evidence that no later ruling corrects, newest first.

    Two queries whatever the number: the rulings with their pledges, then the
    withdrawn items they cite.
    """
    corrected = select(StatusChange.corrects_id).where(col(StatusChange.corrects_id).is_not(None))
    citing = (
        select(StatusChangeCitation.status_change_id)
        .join(Evidence, col(Evidence.id) == StatusChangeCitation.evidence_id)
        .where(Evidence.state == EvidenceState.WITHDRAWN)
    )
    query = (
        select(StatusChange, Pledge)
        .join(Pledge, col(Pledge.id) == StatusChange.pledge_id)
        .where(col(StatusChange.id).in_(citing), col(StatusChange.id).not_in(corrected))
    )
    if pledge_id is not None:
        query = query.where(StatusChange.pledge_id == pledge_id)
    rows = session.exec(
        query.order_by(col(StatusChange.effective_on).desc(), col(StatusChange.id).desc()).limit(
            limit
        )
    ).all()
    if not rows:
        return []
    withdrawn: dict[int, list[Evidence]] = {}
    for change_id, item in session.exec(
        select(StatusChangeCitation.status_change_id, Evidence)
        .join(Evidence, col(Evidence.id) == StatusChangeCitation.evidence_id)
        .where(
            col(StatusChangeCitation.status_change_id).in_([c.id for c, _ in rows]),
            Evidence.state == EvidenceState.WITHDRAWN,
        )
        .order_by(col(Evidence.id))
    ):
        withdrawn.setdefault(change_id, []).append(item)
    return [FlaggedRuling(c, p, withdrawn.get(id_of(c), [])) for c, p in rows]


def count_flagged_rulings(session: Session) -> int:
    """How many rulings wait for review because they cite withdrawn evidence (bounded)."""
    return len(list_flagged_rulings(session, limit=1000))
