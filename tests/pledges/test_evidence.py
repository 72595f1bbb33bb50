"""Evidence: cleaned URLs, duplicate refusal with the existing id, publish and reject rules."""

from datetime import date, timedelta

import pytest
from sqlmodel import select

from models import AuditEntry
from models.db import utc_now
from models.enums import EvidenceState, Role, Stance
from pledges import evidence as ops
from pledges.errors import DuplicateEvidence
from tests.factories import make_pledge, make_user


def _submit(session, pledge, actor, **kw):
    values = {
        "url": "https://journal.example/article?id=3&utm_source=x&fbclid=abc",
        "outlet": "Le Journal Fictif",
        "published_on": date(2021, 10, 1),
        "stance": Stance.BROKEN,
        "title": "Le moratoire oublié",
    }
    values.update(kw)
    return ops.submit_evidence(session, pledge, actor=actor, **values)


def test_submit_cleans_the_url_and_starts_submitted(session):
    pledge = make_pledge(session)
    volunteer = make_user(session)
    evidence = _submit(session, pledge, volunteer)
    assert evidence.url == "https://journal.example/article?id=3"
    assert evidence.state == EvidenceState.SUBMITTED
    assert evidence.submitted_by_id == volunteer.id
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "evidence.submit")).one()
    assert entry.pledge_id == pledge.id
    assert entry.actor_id == volunteer.id


def test_duplicate_url_for_the_same_pledge_is_refused_with_the_existing_id(session):
    pledge = make_pledge(session)
    volunteer = make_user(session)
    first = _submit(session, pledge, volunteer)
    with pytest.raises(DuplicateEvidence) as caught:
        # Same article, other tracking parameters.
        _submit(
            session, pledge, volunteer, url="https://journal.example/article?id=3&utm_medium=social"
        )
    assert caught.value.existing_id == first.id
    # Another pledge may cite it.
    other = _submit(session, make_pledge(session), volunteer)
    assert other.id != first.id


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"url": "javascript:alert(1)"}, "bad_url"),
        ({"url": "ftp://example.org/file"}, "bad_url"),
        ({"outlet": "  "}, "outlet_required"),
        ({"published_on": utc_now().date() + timedelta(days=2)}, "future_date"),
    ],
)
def test_invalid_submissions(session, kw, code):
    with pytest.raises(ops.EvidenceError) as caught:
        _submit(session, make_pledge(session), make_user(session), **kw)
    assert caught.value.code == code


def test_publish_and_reject(session):
    pledge = make_pledge(session)
    volunteer = make_user(session)
    editor = make_user(session, Role.EDITOR)
    a = _submit(session, pledge, volunteer, url="https://a.example/1")
    b = _submit(session, pledge, volunteer, url="https://a.example/2")
    ops.publish_evidence(session, a, actor=editor)
    assert a.state == EvidenceState.PUBLISHED
    assert a.reviewed_by_id == editor.id
    with pytest.raises(ops.EvidenceError) as caught:
        ops.reject_evidence(session, b, reason="   ", actor=editor)
    assert caught.value.code == "reason_required"
    ops.reject_evidence(session, b, reason="Source introuvable", actor=editor)
    assert b.state == EvidenceState.REJECTED
    assert b.rejection_reason == "Source introuvable"
    with pytest.raises(ops.EvidenceError):
        ops.publish_evidence(session, b, actor=editor)
    mine = ops.list_contributions(session, volunteer)
    assert {(r.evidence.id, r.evidence.state) for r in mine} == {
        (a.id, EvidenceState.PUBLISHED),
        (b.id, EvidenceState.REJECTED),
    }
    assert ops.list_submitted(session) == []
    actions = session.exec(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["evidence.publish", "evidence.reject"]


def test_finding_6_a_url_too_long_once_cleaned_is_refused(session):
    pledge = make_pledge(session)
    actor = make_user(session)
    with pytest.raises(ops.EvidenceError) as refused:
        _submit(session, pledge, actor, url="https://journal.example/a?q=" + "é" * 1963)
    assert refused.value.code == "url_too_long"


def test_finding_7_a_duplicate_found_by_the_constraint_is_reported(session, monkeypatch):
    """The race, sequentially: the other citation lands between our check and our insert."""
    pledge = make_pledge(session)
    actor = make_user(session)
    first = _submit(session, pledge, actor)
    session.commit()
    real = ops.find_duplicate
    calls = []

    def racing(session, pledge_id, url):
        calls.append(url)
        return None if len(calls) == 1 else real(session, pledge_id, url)

    monkeypatch.setattr(ops, "find_duplicate", racing)
    with pytest.raises(DuplicateEvidence) as refused:
        _submit(session, pledge, actor)
    assert refused.value.existing_id == first.id
    session.rollback()
    assert session.exec(select(ops.Evidence)).all() == [first]


def test_finding_7_two_sessions_citing_the_same_url_at_once(engine):
    """Two volunteers at once on PostgreSQL: the second waits on the unique index, then
    gets "already cited" (SQLite serialises writers, so the race cannot happen there)."""
    import threading
    import time

    from sqlmodel import Session

    if engine.dialect.name != "postgresql":
        pytest.skip("needs concurrent writers (PostgreSQL)")
    with Session(engine, expire_on_commit=False) as setup:
        pledge = make_pledge(setup)
        one, two = make_user(setup), make_user(setup)
        setup.commit()
    outcome: list[object] = []

    def second() -> None:
        with Session(engine) as other:
            try:
                _submit(other, other.get(type(pledge), pledge.id), two)
                other.commit()
                outcome.append("inserted")
            except Exception as error:  # noqa: BLE001  (the test reports whatever happened)
                outcome.append(error)

    with Session(engine, expire_on_commit=False) as first:
        mine = _submit(first, first.get(type(pledge), pledge.id), one)
        thread = threading.Thread(target=second)
        thread.start()
        time.sleep(0.5)  # the second INSERT now waits on our uncommitted row
        first.commit()
    thread.join(timeout=30)
    assert len(outcome) == 1
    assert isinstance(outcome[0], DuplicateEvidence), outcome
    assert outcome[0].existing_id == mine.id
