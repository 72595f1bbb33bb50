"""Status rules: the current status is the last change; verdicts cite published evidence."""

from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from models import AuditEntry
from models.enums import EvidenceState, PledgeStatus, Stance
from pledges.errors import ConflictError, DomainError, EvidenceRequired
from pledges.status import record_status_change, ruling_refusal
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


# --- Rulings that would contradict themselves (issue 10) ----------------------------


def _rule(session, pledge, to, on, cites=(), **kw):
    return record_status_change(
        session, pledge, to=to, effective_on=on, rationale="r", cites=list(cites), actor="t", **kw
    )


@pytest.mark.parametrize(
    ("verdict", "stances"),
    [
        (PledgeStatus.KEPT, [Stance.BROKEN]),
        (PledgeStatus.KEPT, [Stance.CONTEXT, Stance.BROKEN]),
        (PledgeStatus.BROKEN, [Stance.KEPT]),
        (PledgeStatus.BROKEN, [Stance.CONTEXT]),
    ],
)
def test_a_verdict_citing_no_supporting_item_is_refused(session, verdict, stances):
    pledge = make_pledge(session)
    cites = [make_evidence(session, pledge, stance=stance) for stance in stances]
    with pytest.raises(EvidenceRequired) as caught:
        _rule(session, pledge, verdict, date(2022, 1, 1), cites)
    assert (caught.value.code, caught.value.field) == ("verdict_contradicts_evidence", "cites")
    assert pledge.status == PledgeStatus.PENDING
    assert pledge.status_changes == []


def test_a_verdict_may_cite_other_items_beside_a_supporting_one(session):
    pledge = make_pledge(session)
    kept = make_evidence(session, pledge, stance=Stance.KEPT)
    against = make_evidence(session, pledge, stance=Stance.BROKEN)
    _rule(session, pledge, PledgeStatus.KEPT, date(2022, 1, 1), [kept, against])
    assert pledge.status == PledgeStatus.KEPT


def test_a_ruling_before_the_pledge_was_made_is_refused(session):
    pledge = make_pledge(session, made_on=date(2021, 3, 1))
    evidence = make_evidence(session, pledge)
    with pytest.raises(DomainError) as caught:
        _rule(session, pledge, PledgeStatus.BROKEN, date(2021, 2, 28), [evidence])
    assert (caught.value.code, caught.value.field) == ("ruling_before_pledge", "effective_on")
    _rule(
        session, pledge, PledgeStatus.BROKEN, date(2021, 3, 1), [evidence]
    )  # the same day is fine
    assert pledge.status == PledgeStatus.BROKEN


def test_a_ruling_before_the_election_is_refused(session):
    pledge = make_pledge(session)  # election on 2020-06-28, no date of making
    evidence = make_evidence(session, pledge)
    with pytest.raises(DomainError) as caught:
        _rule(session, pledge, PledgeStatus.BROKEN, date(2020, 6, 27), [evidence])
    assert (caught.value.code, caught.value.field) == ("ruling_before_election", "effective_on")
    _rule(session, pledge, PledgeStatus.BROKEN, date(2020, 6, 28), [evidence])
    assert pledge.status_since == date(2020, 6, 28)


def test_a_ruling_in_the_future_names_its_field(session):
    pledge = make_pledge(session)
    evidence = make_evidence(session, pledge)
    now = datetime(2024, 5, 1, 12, tzinfo=UTC)
    with pytest.raises(DomainError) as caught:
        _rule(session, pledge, PledgeStatus.BROKEN, date(2024, 5, 2), [evidence], now=now)
    assert (caught.value.code, caught.value.field) == ("future_ruling", "effective_on")
    _rule(session, pledge, PledgeStatus.BROKEN, date(2024, 5, 1), [evidence], now=now)


def test_a_back_dated_ruling_is_refused_and_changes_nothing(session):
    pledge = make_pledge(session)
    broken = make_evidence(session, pledge)
    kept = make_evidence(session, pledge, stance=Stance.KEPT)
    _rule(session, pledge, PledgeStatus.BROKEN, date(2022, 6, 1), [broken])
    version = pledge.version
    with pytest.raises(DomainError) as caught:
        _rule(session, pledge, PledgeStatus.KEPT, date(2022, 5, 31), [kept])
    assert (caught.value.code, caught.value.field) == ("ruling_before_latest", "effective_on")
    assert (pledge.status, pledge.status_since, pledge.version) == (
        PledgeStatus.BROKEN,
        date(2022, 6, 1),
        version,
    )
    assert len(pledge.status_changes) == 1
    # On the day of the latest ruling or after, the new one takes over.
    _rule(session, pledge, PledgeStatus.KEPT, date(2022, 6, 1), [kept])
    assert (pledge.status, pledge.status_since) == (PledgeStatus.KEPT, date(2022, 6, 1))


@pytest.mark.parametrize("status", list(PledgeStatus))
def test_a_ruling_must_change_the_status(session, status):
    pledge = make_pledge(session)
    evidence = make_evidence(
        session, pledge, stance=Stance(status.value) if status != "pending" else Stance.CONTEXT
    )
    cites = [evidence] if status != PledgeStatus.PENDING else []
    if status != PledgeStatus.PENDING:
        _rule(session, pledge, status, date(2022, 1, 1), cites)
    with pytest.raises(DomainError) as caught:
        _rule(session, pledge, status, date(2022, 2, 1), cites)
    assert (caught.value.code, caught.value.field) == ("ruling_changes_nothing", "status")
    assert pledge.status == status


def test_a_ruling_that_breaks_a_rule_logs_nothing(session):
    pledge = make_pledge(session)
    with pytest.raises(DomainError):
        _rule(session, pledge, PledgeStatus.PENDING, date(2022, 1, 1))
    assert session.exec(select(AuditEntry)).all() == []


def test_ruling_refusal_checks_the_verdict_before_the_dates():
    refusal = ruling_refusal(
        to=PledgeStatus.KEPT,
        effective_on=date(2019, 1, 1),
        cited_stances=[Stance.BROKEN],
        current=PledgeStatus.KEPT,
        latest_on=date(2023, 1, 1),
        made_on=date(2020, 1, 1),
        election_on=date(2020, 6, 28),
        today=date(2024, 1, 1),
    )
    assert refusal is not None
    assert refusal.code == "verdict_contradicts_evidence"
    assert (
        ruling_refusal(
            to=PledgeStatus.KEPT,
            effective_on=date(2023, 1, 1),
            cited_stances=[Stance.KEPT],
            current=PledgeStatus.BROKEN,
            latest_on=date(2023, 1, 1),
            made_on=date(2020, 1, 1),
            election_on=date(2020, 6, 28),
            today=date(2024, 1, 1),
        )
        is None
    )
