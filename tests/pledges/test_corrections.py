"""Corrections of rulings (issue 10): a new entry names the one it corrects; nothing is erased."""

from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from models import AuditEntry, StatusChange
from models.enums import PledgeStatus, Stance
from pledges.audit import AuditAction
from pledges.errors import ConflictError, DomainError, EvidenceRequired
from pledges.status import (
    correct_ruling,
    corrected_by_ids,
    current_ruling,
    effective_history,
    record_status_change,
)
from tests.factories import make_evidence, make_pledge

KEPT, BROKEN, PENDING = PledgeStatus.KEPT, PledgeStatus.BROKEN, PledgeStatus.PENDING
NOW = datetime(2024, 6, 1, 12, tzinfo=UTC)


def _rule(session, pledge, to, on, cites=()):
    return record_status_change(
        session, pledge, to=to, effective_on=on, rationale="r", cites=list(cites), actor="t"
    )


def _correct(session, ruling, to, on, cites=(), reason="erreur de saisie", **kw):
    kw.setdefault("rationale", "corrigé")
    return correct_ruling(
        session, ruling, to_status=to, effective_on=on, cites=list(cites), reason=reason,
        actor="t", now=NOW, **kw,
    )  # fmt: skip


@pytest.fixture
def ruled(session):
    """A pledge ruled broken on 2022-03-01 citing a broken item; a kept item is published too."""
    pledge = make_pledge(session)
    broken = make_evidence(session, pledge, stance=Stance.BROKEN)
    kept = make_evidence(session, pledge, stance=Stance.KEPT)
    ruling = _rule(session, pledge, BROKEN, date(2022, 3, 1), [broken])
    return pledge, ruling, broken, kept


def _snapshot(change: StatusChange):
    return (
        change.to_status, change.from_status, change.effective_on, change.rationale,
        [e.id for e in change.cites], change.corrects_id, change.correction_reason,
    )  # fmt: skip


def test_a_correction_is_a_new_entry_and_the_corrected_one_is_untouched(session, ruled):
    pledge, ruling, broken, kept = ruled
    before = _snapshot(ruling)
    correction = _correct(session, ruling, BROKEN, date(2022, 2, 1), [broken])
    session.expire_all()
    assert _snapshot(session.get(StatusChange, ruling.id)) == before
    assert correction.id != ruling.id
    assert (correction.corrects_id, correction.correction_reason) == (ruling.id, "erreur de saisie")
    assert correction.from_status == PENDING
    assert pledge.status_since == date(2022, 2, 1)
    changes = session.exec(select(StatusChange)).all()
    assert len(changes) == 2
    assert [c.id for c in effective_history(changes)] == [correction.id]
    assert current_ruling(changes).id == correction.id
    assert corrected_by_ids(session, [ruling.id, correction.id]) == {ruling.id: correction.id}


def test_correcting_the_verdict_changes_the_status_and_citations(session, ruled):
    pledge, ruling, _broken, kept = ruled
    _correct(session, ruling, KEPT, date(2022, 3, 1), [kept])
    assert (pledge.status, pledge.status_since) == (KEPT, date(2022, 3, 1))


def test_a_correction_is_audited(session, ruled):
    _pledge, ruling, broken, _kept = ruled
    correction = _correct(session, ruling, BROKEN, date(2022, 2, 1), [broken])
    entry = session.exec(
        select(AuditEntry).where(AuditEntry.action == AuditAction.STATUS_CORRECT)
    ).one()
    assert entry.before["corrected_id"] == ruling.id
    assert entry.after["status_change_id"] == correction.id
    assert entry.after["reason"] == "erreur de saisie"


def test_a_correction_needs_a_reason(session, ruled):
    _pledge, ruling, broken, _kept = ruled
    with pytest.raises(DomainError) as caught:
        _correct(session, ruling, BROKEN, date(2022, 2, 1), [broken], reason="  ")
    assert (caught.value.code, caught.value.field) == ("correction_reason_required", "reason")


def test_an_entry_is_corrected_once_but_a_correction_can_be_corrected(session, ruled):
    pledge, ruling, broken, kept = ruled
    first = _correct(session, ruling, BROKEN, date(2022, 2, 1), [broken])
    with pytest.raises(DomainError) as caught:
        _correct(session, ruling, BROKEN, date(2022, 1, 1), [broken])
    assert caught.value.code == "already_corrected"
    second = _correct(session, first, KEPT, date(2022, 2, 1), [kept])
    assert second.corrects_id == first.id
    assert pledge.status == KEPT
    changes = session.exec(select(StatusChange)).all()
    assert [c.id for c in effective_history(changes)] == [second.id]


def test_a_correction_changing_nothing_is_refused(session, ruled):
    _pledge, ruling, broken, _kept = ruled
    with pytest.raises(DomainError) as caught:
        _correct(session, ruling, BROKEN, date(2022, 3, 1), [broken], rationale="r")
    assert caught.value.code == "correction_identical"


@pytest.mark.parametrize(
    ("to", "stances", "code"),
    [
        (KEPT, [Stance.BROKEN], "verdict_contradicts_evidence"),
        (BROKEN, [Stance.CONTEXT], "verdict_contradicts_evidence"),
        (KEPT, [], "verdict_needs_evidence"),
    ],
)
def test_a_correction_obeys_the_citation_rules(session, ruled, to, stances, code):
    pledge, ruling, _broken, _kept = ruled
    cites = [make_evidence(session, pledge, stance=s) for s in stances]
    with pytest.raises(EvidenceRequired) as caught:
        _correct(session, ruling, to, date(2022, 3, 1), cites)
    assert (caught.value.code, caught.value.field) == (code, "cites")
    assert pledge.status == BROKEN


def test_a_correction_obeys_the_date_rules(session):
    pledge = make_pledge(session, made_on=date(2021, 1, 10))
    broken = make_evidence(session, pledge)
    ruling = _rule(session, pledge, BROKEN, date(2022, 3, 1), [broken])
    cases = {
        date(2021, 1, 9): "ruling_before_pledge",
        date(2024, 6, 2): "future_ruling",
    }
    for on, code in cases.items():
        with pytest.raises(DomainError) as caught:
            _correct(session, ruling, BROKEN, on, [broken])
        assert (caught.value.code, caught.value.field) == (code, "effective_on")
    # Today in the site's zone is fine (2024-06-01 at noon UTC).
    _correct(session, ruling, BROKEN, date(2024, 6, 1), [broken])
    assert pledge.status_since == date(2024, 6, 1)


def test_a_correction_before_the_election_is_refused(session, ruled):
    _pledge, ruling, broken, _kept = ruled  # election on 2020-06-28
    with pytest.raises(DomainError) as caught:
        _correct(session, ruling, BROKEN, date(2020, 6, 27), [broken])
    assert caught.value.code == "ruling_before_election"


@pytest.fixture
def chain(session):
    """pending → broken (2022-03-01) → kept (2023-03-01)."""
    pledge = make_pledge(session)
    broken = make_evidence(session, pledge, stance=Stance.BROKEN)
    kept = make_evidence(session, pledge, stance=Stance.KEPT)
    first = _rule(session, pledge, BROKEN, date(2022, 3, 1), [broken])
    second = _rule(session, pledge, KEPT, date(2023, 3, 1), [kept])
    return pledge, first, second, broken, kept


def test_an_earlier_entry_keeps_its_place_between_its_neighbours(session, chain):
    pledge, first, second, broken, kept = chain
    with pytest.raises(DomainError) as caught:
        _correct(session, first, BROKEN, date(2023, 3, 2), [broken])
    assert (caught.value.code, caught.value.field) == ("correction_after_next", "effective_on")
    with pytest.raises(DomainError) as caught:
        _correct(session, second, KEPT, date(2022, 2, 28), [kept])
    assert (caught.value.code, caught.value.field) == ("correction_before_previous", "effective_on")
    # Inside its bounds (on either neighbour's day included) it moves; the status stays:
    # on the same day, the correction keeps the corrected entry's place (before).
    _correct(session, first, BROKEN, date(2023, 3, 1), [broken])
    assert (pledge.status, pledge.status_since) == (KEPT, date(2023, 3, 1))
    _correct(session, second, KEPT, date(2023, 3, 1), [kept, broken])
    assert (pledge.status, pledge.status_since) == (KEPT, date(2023, 3, 1))


def test_an_earlier_entrys_citations_can_be_corrected(session, chain):
    pledge, first, _second, broken, _kept = chain
    other = make_evidence(session, pledge, stance=Stance.BROKEN)
    correction = _correct(session, first, BROKEN, date(2022, 3, 1), [broken, other])
    assert sorted(e.id for e in correction.cites) == sorted([broken.id, other.id])
    assert pledge.status == KEPT


def test_an_earlier_entrys_verdict_cannot_change(session, chain):
    """The chain stays consistent: the later ruling was decided from this verdict."""
    pledge, first, _second, _broken, kept = chain
    with pytest.raises(DomainError) as caught:
        _correct(session, first, KEPT, date(2022, 3, 1), [kept])
    # kept → kept would be no change for the later ruling: refused either way.
    assert (caught.value.code, caught.value.field) == ("correction_breaks_chain", "status")
    assert pledge.status == KEPT


def test_the_latest_verdict_must_differ_from_the_previous_one(session, chain):
    pledge, _first, second, broken, _kept = chain
    with pytest.raises(DomainError) as caught:
        _correct(session, second, BROKEN, date(2023, 3, 1), [broken])
    assert (caught.value.code, caught.value.field) == ("correction_changes_nothing", "status")
    _correct(session, second, PENDING, date(2023, 3, 1))
    assert (pledge.status, pledge.status_since) == (PENDING, date(2023, 3, 1))


def test_a_corrected_entry_no_longer_counts_for_new_rulings(session, ruled):
    pledge, ruling, broken, kept = ruled
    _correct(session, ruling, BROKEN, date(2021, 3, 1), [broken])
    # The new latest date is 2021-03-01: a ruling on 2022-01-01 is after it.
    _rule(session, pledge, KEPT, date(2022, 1, 1), [kept])
    assert (pledge.status, pledge.status_since) == (KEPT, date(2022, 1, 1))
    # And the corrected entry's (status, date) is free again.
    _rule(session, pledge, BROKEN, date(2022, 3, 1), [broken])
    assert pledge.status == BROKEN


def test_a_stale_version_is_a_conflict(session, ruled):
    pledge, ruling, broken, _kept = ruled
    with pytest.raises(ConflictError):
        _correct(
            session, ruling, BROKEN, date(2022, 2, 1), [broken], expected_version=pledge.version - 1
        )


def test_evidence_of_another_pledge_or_unpublished_cannot_be_cited(session, ruled):
    pledge, ruling, _broken, _kept = ruled
    foreign = make_evidence(session, stance=Stance.BROKEN)
    with pytest.raises(DomainError) as caught:
        _correct(session, ruling, BROKEN, date(2022, 3, 1), [foreign])
    assert caught.value.code == "foreign_evidence"
    from models.enums import EvidenceState

    draft = make_evidence(session, pledge, stance=Stance.BROKEN, state=EvidenceState.SUBMITTED)
    with pytest.raises(EvidenceRequired) as caught:
        _correct(session, ruling, BROKEN, date(2022, 3, 1), [draft])
    assert caught.value.code == "evidence_not_published"


def test_a_refused_correction_writes_nothing(session, ruled):
    _pledge, ruling, _broken, kept = ruled
    with pytest.raises(DomainError):
        _correct(session, ruling, BROKEN, date(2022, 3, 1), [kept])
    assert len(session.exec(select(StatusChange)).all()) == 1
    assert (
        session.exec(
            select(AuditEntry).where(AuditEntry.action == AuditAction.STATUS_CORRECT)
        ).all()
        == []
    )
