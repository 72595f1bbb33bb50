"""Status rules: the current status is the last change; verdicts cite published evidence."""

from datetime import date

import pytest
from sqlmodel import select

from models import AuditEntry
from models.enums import EvidenceState, PledgeStatus, Stance
from pledges.errors import ConflictError, DomainError, EvidenceRequired
from pledges.status import record_status_change
from tests.factories import make_evidence, make_pledge, make_user


def test_new_pledge_is_pending(session):
    pledge = make_pledge(session)
    assert pledge.status == PledgeStatus.PENDING
    assert pledge.status_since is None


@pytest.mark.parametrize("verdict", [PledgeStatus.KEPT, PledgeStatus.BROKEN])
def test_verdict_without_evidence_is_refused(session, verdict):
    pledge = make_pledge(session)
    with pytest.raises(EvidenceRequired) as caught:
        record_status_change(
            session, pledge, to=verdict, effective_on=date(2022, 1, 1), rationale="x", actor="test"
        )
    assert caught.value.code == "verdict_needs_evidence"
    assert pledge.status == PledgeStatus.PENDING


def test_verdict_citing_unpublished_evidence_is_refused(session):
    pledge = make_pledge(session)
    submitted = make_evidence(session, pledge, state=EvidenceState.SUBMITTED)
    with pytest.raises(EvidenceRequired) as caught:
        record_status_change(
            session,
            pledge,
            to=PledgeStatus.BROKEN,
            effective_on=date(2022, 1, 1),
            rationale="x",
            cites=[submitted],
            actor="test",
        )
    assert caught.value.code == "evidence_not_published"


def test_evidence_of_another_pledge_cannot_be_cited(session):
    pledge = make_pledge(session)
    other = make_evidence(session)
    with pytest.raises(DomainError) as caught:
        record_status_change(
            session,
            pledge,
            to=PledgeStatus.BROKEN,
            effective_on=date(2022, 1, 1),
            rationale="x",
            cites=[other],
            actor="test",
        )
    assert caught.value.code == "foreign_evidence"


def test_broken_with_published_evidence_sets_status_and_logs(session):
    editor = make_user(session)
    pledge = make_pledge(session)
    evidence = make_evidence(session, pledge)
    change = record_status_change(
        session,
        pledge,
        to=PledgeStatus.BROKEN,
        effective_on=date(2022, 4, 1),
        rationale="Audit non publié.",
        cites=[evidence],
        actor=editor,
    )
    session.commit()
    assert pledge.status == PledgeStatus.BROKEN
    assert pledge.status_since == date(2022, 4, 1)
    assert change.from_status == PledgeStatus.PENDING
    assert [e.id for e in change.cites] == [evidence.id]
    entry = session.exec(select(AuditEntry).where(AuditEntry.pledge_id == pledge.id)).one()
    assert entry.actor_id == editor.id
    assert entry.before["status"] == "pending"
    assert entry.after["status"] == "broken"


def test_current_status_is_the_latest_effective_change(session):
    pledge = make_pledge(session)
    evidence = make_evidence(session, pledge, stance=Stance.KEPT)
    record_status_change(
        session,
        pledge,
        to=PledgeStatus.KEPT,
        effective_on=date(2023, 1, 1),
        rationale="",
        cites=[evidence],
        actor="test",
    )
    # A ruling effective earlier than the latest one does not override it: it is
    # now refused outright (a correction of history is another action).
    with pytest.raises(DomainError) as caught:
        record_status_change(
            session,
            pledge,
            to=PledgeStatus.PENDING,
            effective_on=date(2021, 1, 1),
            rationale="",
            actor="test",
        )
    assert caught.value.code == "ruling_before_latest"
    assert pledge.status == PledgeStatus.KEPT
    assert pledge.status_since == date(2023, 1, 1)


def test_pending_needs_no_evidence(session):
    pledge = make_pledge(session)
    evidence = make_evidence(session, pledge)
    # Pending on a pending pledge would change nothing: rule broken first.
    record_status_change(
        session,
        pledge,
        to=PledgeStatus.BROKEN,
        effective_on=date(2020, 12, 1),
        rationale="Rompu.",
        cites=[evidence],
        actor="test",
    )
    record_status_change(
        session,
        pledge,
        to=PledgeStatus.PENDING,
        effective_on=date(2021, 1, 1),
        rationale="En cours.",
        actor="test",
    )
    assert pledge.status == PledgeStatus.PENDING
    assert pledge.status_since == date(2021, 1, 1)


def test_stale_version_is_a_conflict(session):
    pledge = make_pledge(session)
    evidence = make_evidence(session, pledge)
    stale = pledge.version
    record_status_change(
        session,
        pledge,
        to=PledgeStatus.BROKEN,
        effective_on=date(2021, 1, 1),
        rationale="",
        cites=[evidence],
        actor="a",
        expected_version=stale,
    )
    with pytest.raises(ConflictError):
        record_status_change(
            session,
            pledge,
            to=PledgeStatus.PENDING,
            effective_on=date(2021, 2, 1),
            rationale="",
            actor="b",
            expected_version=stale,
        )


def test_future_ruling_is_refused(session):
    pledge = make_pledge(session)
    with pytest.raises(DomainError) as caught:
        record_status_change(
            session,
            pledge,
            to=PledgeStatus.PENDING,
            effective_on=date(2999, 1, 1),
            rationale="",
            actor="test",
        )
    assert caught.value.code == "future_ruling"


def test_a_second_identical_ruling_is_refused(session):
    pledge = make_pledge(session)
    evidence = make_evidence(session, pledge)
    kwargs = {
        "to": PledgeStatus.BROKEN,
        "effective_on": date(2022, 4, 1),
        "cites": [evidence],
        "actor": "test",
    }
    record_status_change(session, pledge, rationale="Première décision.", **kwargs)
    with pytest.raises(DomainError) as caught:
        record_status_change(session, pledge, rationale="Doublon.", **kwargs)
    assert caught.value.code == "duplicate_ruling"
    assert len(pledge.status_changes) == 1
