"""Evidence: submit (cleaned URL, one citation per pledge), publish, reject; and its reads.

Every submission starts as `submitted`; only an editor's publish makes it
public. No Flask: views pass session, actor and time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from models import Candidate, Evidence, Pledge, User
from models.db import id_of, rel, utc_now
from models.enums import EvidenceKind, EvidenceState, Origin, Stance
from pledges.audit import Actor, AuditAction, log_change, snapshot
from pledges.errors import DuplicateEvidence, EvidenceError
from pledges.links import MAX_URL_LENGTH, clean_url, url_problem

EVIDENCE_FIELDS = [
    "pledge_id", "url", "outlet", "published_on", "kind", "title", "quote", "note", "stance",
    "state", "origin", "feed_item_id", "rejection_reason",
]  # fmt: skip


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


def get_pledge_for_work(session: Session, pledge_id: int) -> Pledge | None:
    """A pledge with its candidate and election, for the volunteer and editor pages."""
    return session.exec(
        select(Pledge)
        .where(Pledge.id == pledge_id)
        .options(selectinload(rel(Pledge.candidate)).selectinload(rel(Candidate.election)))
    ).first()
