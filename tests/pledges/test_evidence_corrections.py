"""Correcting evidence: edit before publication, correct after (publicly), withdraw, reconsider,
and the rulings flagged because they cite withdrawn evidence."""

from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from models import AuditEntry, EvidenceCorrection, StatusChange
from models.enums import EvidenceKind, EvidenceState, PledgeStatus, Role, Stance
from pledges import evidence as ops
from pledges.errors import ConflictError, DuplicateEvidence, EvidenceError, EvidenceRequired
from pledges.open_data.dump import dump_published
from pledges.scoreboard import strongest_cited_evidence
from pledges.status import record_status_change
from tests.factories import make_evidence, make_pledge, make_user

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _edit(session, evidence, actor, **changes):
    values = {
        "url": evidence.url,
        "outlet": evidence.outlet,
        "published_on": evidence.published_on,
        "stance": evidence.stance,
        "kind": evidence.kind,
        "title": evidence.title,
        "quote": evidence.quote,
        "note": evidence.note,
        "expected_fingerprint": ops.evidence_fingerprint(evidence),
    }
    values.update(changes)
    return ops.update_evidence(session, evidence, actor=actor, now=NOW, **values)


def _entries(session, action):
    return list(session.exec(select(AuditEntry).where(AuditEntry.action == action)))


def test_edit_before_publication_is_audited_only_then_published(session):
    editor = make_user(session, Role.EDITOR)
    evidence = make_evidence(
        session, state=EvidenceState.SUBMITTED, stance=Stance.BROKEN, published_on=date(2021, 3, 3)
    )
    assert _edit(session, evidence, editor, stance=Stance.KEPT, published_on=date(2021, 3, 4))
    assert (evidence.stance, evidence.published_on) == (Stance.KEPT, date(2021, 3, 4))
    assert evidence.corrected_at is None
    assert session.exec(select(EvidenceCorrection)).all() == []
    [entry] = _entries(session, "evidence.edit")
    assert entry.before == {"published_on": "2021-03-03", "stance": "broken"}
    assert entry.after == {"published_on": "2021-03-04", "stance": "kept"}
    assert entry.actor_id == editor.id
    ops.publish_evidence(session, evidence, actor=editor)
    assert evidence.state == EvidenceState.PUBLISHED


def test_correction_after_publication_needs_a_reason_and_is_recorded_publicly(session):
    editor = make_user(session, Role.EDITOR)
    evidence = make_evidence(session, stance=Stance.BROKEN, published_on=date(2021, 3, 3))
    with pytest.raises(EvidenceError) as caught:
        _edit(session, evidence, editor, published_on=date(2021, 3, 4), reason="  ")
    assert (caught.value.code, caught.value.field) == ("reason_required", "reason")
    session.refresh(evidence)
    assert evidence.published_on == date(2021, 3, 3)

    changed = _edit(
        session,
        evidence,
        editor,
        published_on=date(2021, 3, 4),
        stance=Stance.KEPT,
        kind=EvidenceKind.MUNICIPAL_ORDER,
        reason="Date de l'arrêté, pas de l'article.",
    )
    assert changed
    assert evidence.corrected_at == NOW
    [correction] = session.exec(select(EvidenceCorrection)).all()
    assert correction.evidence_id == evidence.id
    assert correction.author_id == editor.id
    assert correction.reason == "Date de l'arrêté, pas de l'article."
    assert correction.changes == [
        {"field": "published_on", "before": "2021-03-03", "after": "2021-03-04"},
        {"field": "stance", "before": "broken", "after": "kept"},
        {"field": "kind", "before": "press_article", "after": "municipal_order"},
    ]
    [entry] = _entries(session, "evidence.correct")
    assert entry.after["reason"] == "Date de l'arrêté, pas de l'article."
    assert entry.after["correction_id"] == correction.id
    assert entry.before["stance"] == "broken"
    assert ops.list_corrections(session, [evidence.id]) == {evidence.id: [correction]}


def test_saving_the_same_values_changes_nothing(session):
    evidence = make_evidence(session)
    assert not _edit(session, evidence, "test", reason="rien")
    assert _entries(session, "evidence.correct") == []
    assert evidence.corrected_at is None


def test_a_stale_form_is_a_conflict(session):
    evidence = make_evidence(session, state=EvidenceState.SUBMITTED)
    stale = ops.evidence_fingerprint(evidence)
    _edit(session, evidence, "test", title="Premier titre")
    with pytest.raises(ConflictError):
        _edit(session, evidence, "test", title="Second titre", expected_fingerprint=stale)
    # Published meanwhile: the state is part of the fingerprint.
    before_publish = ops.evidence_fingerprint(evidence)
    ops.publish_evidence(session, evidence, actor="test")
    with pytest.raises(ConflictError):
        _edit(session, evidence, "test", title="x", expected_fingerprint=before_publish, reason="r")


def test_an_edited_url_is_cleaned_and_must_stay_unique(session):
    pledge = make_pledge(session)
    make_evidence(session, pledge, url="https://a.example/taken")
    evidence = make_evidence(session, pledge, url="https://a.example/mine")
    _edit(session, evidence, "test", url="https://a.example/new?utm_source=x", reason="lien")
    assert evidence.url == "https://a.example/new"
    with pytest.raises(DuplicateEvidence):
        _edit(session, evidence, "test", url="https://a.example/taken", reason="lien")
    with pytest.raises(EvidenceError) as caught:
        _edit(session, evidence, "test", url="javascript:alert(1)", reason="lien")
    assert caught.value.code == "bad_url"


def test_rejected_and_withdrawn_evidence_cannot_be_edited(session):
    rejected = make_evidence(session, state=EvidenceState.REJECTED)
    with pytest.raises(EvidenceError) as caught:
        _edit(session, rejected, "test", title="x")
    assert caught.value.code == "evidence_not_editable"


def test_withdrawal_needs_a_public_reason_and_leaves_the_public_record(session):
    pledge = make_pledge(session, slug="p")
    editor = make_user(session, Role.EDITOR)
    kept = make_evidence(session, pledge, url="https://a.example/kept", stance=Stance.KEPT)
    other = make_evidence(session, pledge, url="https://a.example/other", stance=Stance.KEPT)
    with pytest.raises(EvidenceError) as caught:
        ops.withdraw_evidence(session, kept, reason=" ", actor=editor, now=NOW)
    assert caught.value.code == "reason_required"
    assert kept.state == EvidenceState.PUBLISHED

    ops.withdraw_evidence(session, kept, reason="Canular avéré.", actor=editor, now=NOW)
    assert kept.state == EvidenceState.WITHDRAWN
    assert (kept.withdrawn_at, kept.withdrawal_reason) == (NOW, "Canular avéré.")
    [entry] = _entries(session, "evidence.withdraw")
    assert entry.before["state"] == "published"
    assert entry.after["withdrawal_reason"] == "Canular avéré."
    assert ops.list_published_evidence(session, pledge.id) == [other]
    with pytest.raises(EvidenceError) as again:
        ops.withdraw_evidence(session, kept, reason="encore", actor=editor, now=NOW)
    assert again.value.code == "not_published"
    with pytest.raises(EvidenceError):
        _edit(session, kept, editor, title="x", reason="r")
    session.commit()

    # The dump keeps it, apart from the published evidence, with its reason.
    pledge_data = dump_published(session)["elections"][0]["candidates"][0]["pledges"][0]
    assert [e["url"] for e in pledge_data["evidence"]] == ["https://a.example/other"]
    [withdrawn] = pledge_data["withdrawn_evidence"]
    assert withdrawn["url"] == "https://a.example/kept"
    assert withdrawn["withdrawal_reason"] == "Canular avéré."
    assert withdrawn["withdrawn_at"] == NOW.isoformat()


def test_withdrawn_evidence_cannot_be_cited_by_a_new_ruling(session):
    pledge = make_pledge(session)
    evidence = make_evidence(session, pledge, stance=Stance.BROKEN)
    ops.withdraw_evidence(session, evidence, reason="Erreur d'engagement.", actor="test")
    with pytest.raises(EvidenceRequired) as caught:
        record_status_change(
            session, pledge, to=PledgeStatus.BROKEN, effective_on=date(2022, 1, 2),
            rationale="r", cites=[evidence], actor="test", now=NOW,
        )  # fmt: skip
    assert caught.value.code == "evidence_not_published"


def test_a_ruling_citing_withdrawn_evidence_is_flagged_until_corrected(session):
    pledge = make_pledge(session)
    official = make_evidence(
        session, pledge, stance=Stance.BROKEN, kind=EvidenceKind.MUNICIPAL_ORDER,
        url="https://a.example/order",
    )  # fmt: skip
    article = make_evidence(session, pledge, stance=Stance.BROKEN, url="https://a.example/art")
    change = record_status_change(
        session, pledge, to=PledgeStatus.BROKEN, effective_on=date(2022, 1, 2),
        rationale="r", cites=[official, article], actor="test", now=NOW,
    )  # fmt: skip
    assert strongest_cited_evidence(change) == official
    assert ops.list_flagged_rulings(session) == []

    ops.withdraw_evidence(session, official, reason="Arrêté annulé.", actor="test", now=NOW)
    session.flush()
    session.refresh(change)
    # The strongest evidence is now the one the ruling still stands on.
    assert strongest_cited_evidence(change) == article
    [flagged] = ops.list_flagged_rulings(session)
    assert (flagged.change.id, flagged.pledge.id) == (change.id, pledge.id)
    assert flagged.withdrawn == [official]
    assert [f.change.id for f in ops.list_flagged_rulings(session, pledge_id=pledge.id)] == [
        change.id
    ]
    assert ops.list_flagged_rulings(session, pledge_id=pledge.id + 1000) == []
    assert ops.count_flagged_rulings(session) == 1

    # A correction of that ruling (a new entry naming it) answers the flag.
    correction = StatusChange(
        pledge_id=pledge.id, from_status=PledgeStatus.PENDING, to_status=PledgeStatus.BROKEN,
        effective_on=date(2022, 1, 2), rationale="corrigée", corrects_id=change.id,
        correction_reason="Arrêté annulé.",
    )  # fmt: skip
    correction.cites = [article]
    session.add(correction)
    session.flush()
    assert ops.list_flagged_rulings(session) == []


def test_reconsider_rejected_evidence_keeps_the_reason_in_the_log(session):
    editor = make_user(session, Role.EDITOR)
    evidence = make_evidence(session, state=EvidenceState.SUBMITTED)
    ops.reject_evidence(session, evidence, reason="Hors sujet", actor=editor)
    ops.reconsider_evidence(session, evidence, actor=editor, now=NOW)
    assert evidence.state == EvidenceState.SUBMITTED
    assert evidence.rejection_reason == ""
    assert evidence in [row.evidence for row in ops.list_submitted(session)]
    [entry] = _entries(session, "evidence.reconsider")
    assert entry.before["rejection_reason"] == "Hors sujet"
    assert entry.before["state"] == "rejected"
    assert entry.after["state"] == "submitted"
    # Then published (or rejected again) as any submission.
    ops.publish_evidence(session, evidence, actor=editor)
    assert evidence.state == EvidenceState.PUBLISHED
    with pytest.raises(EvidenceError) as caught:
        ops.reconsider_evidence(session, evidence, actor=editor)
    assert caught.value.code == "not_rejected"


def test_an_import_cannot_publish_withdrawn_evidence_again(session):
    from pledges.errors import InvalidImport
    from pledges.importing import import_data

    pledge = make_pledge(session, slug="p")
    evidence = make_evidence(session, pledge, url="https://a.example/hoax", stance=Stance.KEPT)
    ops.withdraw_evidence(session, evidence, reason="Canular.", actor="test", now=NOW)
    session.commit()
    data = dump_published(session)
    pledge_data = data["elections"][0]["candidates"][0]["pledges"][0]
    # The dump itself imports over its data: the withdrawn item is listed apart and ignored.
    assert not import_data(session, data, now=NOW).changed
    session.commit()
    assert session.get(type(evidence), evidence.id).state == EvidenceState.WITHDRAWN
    # A file citing it as evidence is refused, naming the record.
    pledge_data["evidence"] = [
        {k: v for k, v in pledge_data["withdrawn_evidence"][0].items() if not k.startswith("with")}
    ]
    with pytest.raises(InvalidImport) as caught:
        import_data(session, data, now=NOW)
    assert [(p.record, p.field, p.code) for p in caught.value.problems] == [
        ("elections[0].candidates[0].pledges[0].evidence[0]", "url", "withdrawn_url")
    ]
