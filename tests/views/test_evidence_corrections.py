"""Editors correct, withdraw and reconsider evidence; what the public, API and feeds show."""

from datetime import date

import pytest
from bs4 import BeautifulSoup
from sqlmodel import select

from models import AuditEntry, EvidenceCorrection
from models.enums import EvidenceState, PledgeStatus, Role, Stance
from pledges import evidence as evidence_ops
from pledges.status import record_status_change
from tests.factories import make_evidence, make_pledge


def _soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


@pytest.fixture
def published(app_session):
    pledge = make_pledge(app_session, title="Moratoire sur la vidéosurveillance")
    evidence = make_evidence(
        app_session,
        pledge,
        url="https://journal.example/arrete",
        title="L'arrêté du moratoire",
        published_on=date(2021, 3, 3),
        stance=Stance.BROKEN,
    )
    other = make_evidence(app_session, pledge, url="https://journal.example/autre", title="Autre")
    app_session.commit()
    return pledge, evidence, other


def _form(evidence, **changes):
    data = {
        "url": evidence.url,
        "outlet": evidence.outlet,
        "published_on": evidence.published_on.isoformat(),
        "kind": evidence.kind.value,
        "stance": evidence.stance.value,
        "title": evidence.title,
        "quote": evidence.quote,
        "note": evidence.note,
        "fingerprint": evidence_ops.evidence_fingerprint(evidence),
    }
    data.update(changes)
    return data


def test_a_moderator_fixes_the_stance_before_publishing(auth, client, app_session):
    pledge = make_pledge(app_session)
    evidence = make_evidence(app_session, pledge, state=EvidenceState.SUBMITTED)
    app_session.commit()
    auth.login_as(Role.EDITOR)
    queue = _soup(client.get("/admin/moderation"))
    link = queue.find(id=f"submission-{evidence.id}").find(
        "a", href=f"/admin/evidence/{evidence.id}/edit"
    )
    assert link is not None
    page = client.get(f"/admin/evidence/{evidence.id}/edit")
    assert page.status_code == 200
    assert "Retirer cette preuve" not in page.get_data(as_text=True)
    response = client.post(
        f"/admin/evidence/{evidence.id}/edit",
        data={**_form(evidence, stance="kept"), "csrf_token": auth.csrf_token()},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/moderation"
    app_session.refresh(evidence)
    assert evidence.stance == Stance.KEPT
    assert evidence.state == EvidenceState.SUBMITTED
    assert app_session.exec(select(EvidenceCorrection)).all() == []


def test_a_correction_is_shown_publicly_in_words(auth, client, app_session, published):
    pledge, evidence, _ = published
    auth.login_as(Role.EDITOR)
    token = auth.csrf_token()
    url = f"/admin/evidence/{evidence.id}/edit"
    changes = {"published_on": "2021-03-04", "stance": "kept"}
    refused = client.post(url, data={**_form(evidence, **changes), "csrf_token": token})
    assert refused.status_code == 422
    errors = _soup(refused).find(id="reason-errors")
    assert "Un motif est nécessaire." in errors.text
    reason = "Date de l'arrêté, pas de l'article."
    done = client.post(
        url, data={**_form(evidence, **changes), "reason": reason, "csrf_token": token}
    )
    assert done.status_code == 302
    assert done.headers["Location"] == f"/admin/pledges/{pledge.id}"

    french = _soup(client.get(f"/pledges/{pledge.id}")).find(class_="correction").text
    assert "Corrigé le" in french
    assert "date\u00a0: 3 mars 2021 → 4 mars 2021" in french
    assert "va dans le sens d'un engagement rompu → va dans le sens d'un engagement tenu" in french
    assert reason in french
    english = _soup(client.get(f"/pledges/{pledge.id}?lang=en")).find(class_="correction").text
    assert "Corrected on" in english
    assert "date: March 3, 2021 → March 4, 2021" in english
    assert reason in english


def test_a_stale_correction_is_a_conflict(auth, client, app_session, published):
    _pledge, evidence, _ = published
    auth.login_as(Role.EDITOR)
    stale = _form(evidence, title="Ma version", reason="r")
    evidence_ops.update_evidence(
        app_session, evidence, expected_fingerprint=evidence_ops.evidence_fingerprint(evidence),
        url=evidence.url, outlet=evidence.outlet, published_on=evidence.published_on,
        stance=evidence.stance, kind=evidence.kind, title="Leur version", reason="r",
        actor="test",
    )  # fmt: skip
    app_session.commit()
    response = client.post(
        f"/admin/evidence/{evidence.id}/edit", data={**stale, "csrf_token": auth.csrf_token()}
    )
    assert response.status_code == 409
    soup = _soup(response)
    assert "Leur version" in soup.find(id="conflict").text
    assert soup.find(id="title")["value"] == "Ma version"


def test_withdrawal_needs_a_reason_then_leaves_every_public_list(
    auth, client, app_session, published
):
    pledge, evidence, other = published
    auth.login_as(Role.EDITOR)
    token = auth.csrf_token()
    url = f"/admin/evidence/{evidence.id}/withdraw"
    refused = client.post(url, data={"csrf_token": token, "withdraw-reason": "  "})
    assert refused.status_code == 422
    assert "obligatoire" in _soup(refused).find(id="withdraw-reason-errors").text
    app_session.refresh(evidence)
    assert evidence.state == EvidenceState.PUBLISHED

    done = client.post(url, data={"csrf_token": token, "withdraw-reason": "Canular avéré."})
    assert done.status_code == 302
    assert done.headers["Location"] == f"/admin/pledges/{pledge.id}"

    html = client.get(f"/pledges/{pledge.id}").get_data(as_text=True)
    assert "https://journal.example/arrete" not in html
    assert "L'arrêté du moratoire" not in html
    assert "Autre" in html
    line = _soup(client.get(f"/pledges/{pledge.id}")).find(class_="withdrawn-sources").text
    assert "Une source a été retirée le" in line
    assert "Canular avéré." in line
    english = _soup(client.get(f"/pledges/{pledge.id}?lang=en"))
    assert "A source was withdrawn on" in english.find(class_="withdrawn-sources").text

    api = client.get(f"/api/v1/pledges/{pledge.id}").get_json()
    assert [e["url"] for e in api["evidence"]] == [other.url]
    listed = client.get(f"/api/v1/evidence?pledge={pledge.id}").get_json()
    assert [e["url"] for e in listed["items"]] == [other.url]
    csv_text = client.get("/api/v1/evidence.csv").get_data(as_text=True)
    assert other.url in csv_text
    assert evidence.url not in csv_text
    atom = client.get(f"/api/v1/feeds/pledges/{pledge.id}/evidence.atom").get_data(as_text=True)
    assert other.url in atom
    assert evidence.url not in atom
    # The dump and the audit log keep it.
    dump = client.get("/api/v1/dump.json").get_json()
    pledge_data = dump["elections"][0]["candidates"][0]["pledges"][0]
    assert pledge_data["withdrawn_evidence"][0]["withdrawal_reason"] == "Canular avéré."
    audit = client.get(f"/admin/pledges/{pledge.id}/audit")
    assert audit.status_code == 200
    entry = app_session.exec(
        select(AuditEntry).where(AuditEntry.action == "evidence.withdraw")
    ).one()
    assert entry.object_id == evidence.id
    # A withdrawn item is no longer offered to a ruling.
    ruling_form = client.get(f"/admin/pledges/{pledge.id}/ruling").get_data(as_text=True)
    assert "L'arrêté du moratoire" not in ruling_form


def test_a_ruling_citing_withdrawn_evidence_is_flagged_on_the_dashboard_and_workspace(
    auth, client, app_session, published
):
    pledge, evidence, other = published
    record_status_change(
        app_session, pledge, to=PledgeStatus.BROKEN, effective_on=date(2022, 1, 2),
        rationale="Rompu.", cites=[evidence, other], actor="test",
    )  # fmt: skip
    app_session.commit()
    auth.login_as(Role.EDITOR)
    assert _soup(client.get("/admin/")).find(id="flagged-rulings") is None
    evidence_ops.withdraw_evidence(app_session, evidence, reason="Arrêté annulé.", actor="test")
    app_session.commit()
    for page in ("/admin/", f"/admin/pledges/{pledge.id}"):
        section = _soup(client.get(page)).find(id="flagged-rulings")
        assert section is not None, page
        assert "Arrêté annulé." in section.text
        assert section.find("a", href=f"/admin/pledges/{pledge.id}/ruling") is not None


def test_reconsider_rejected_evidence(auth, client, app_session):
    evidence = make_evidence(app_session, state=EvidenceState.SUBMITTED)
    evidence_ops.reject_evidence(app_session, evidence, reason="Hors sujet", actor="test")
    app_session.commit()
    auth.login_as(Role.EDITOR)
    page = _soup(client.get(f"/admin/evidence/{evidence.id}/edit"))
    assert "Hors sujet" in page.text
    token = auth.csrf_token()
    done = client.post(f"/admin/evidence/{evidence.id}/reconsider", data={"csrf_token": token})
    assert done.status_code == 302
    assert done.headers["Location"] == "/admin/moderation"
    queue = _soup(client.get("/admin/moderation"))
    assert queue.find(id=f"submission-{evidence.id}") is not None
    again = client.post(f"/admin/evidence/{evidence.id}/reconsider", data={"csrf_token": token})
    assert again.status_code == 422
    assert "Seule une preuve refusée peut être reconsidérée." in again.get_data(as_text=True)


def test_volunteers_cannot_edit_evidence(auth, client, published):
    _pledge, evidence, _ = published
    auth.login_as(Role.VOLUNTEER)
    assert client.get(f"/admin/evidence/{evidence.id}/edit").status_code == 403
    assert client.get("/admin/evidence/999999/edit").status_code == 403


def test_unknown_evidence_is_404(auth, client):
    auth.login_as(Role.EDITOR)
    assert client.get("/admin/evidence/999999/edit").status_code == 404
    response = client.post(
        "/admin/evidence/999999/withdraw",
        data={"csrf_token": auth.csrf_token(), "withdraw-reason": "x"},
    )
    assert response.status_code == 404


def test_withdrawing_twice_says_why(auth, client, app_session, published):
    _pledge, evidence, _ = published
    evidence_ops.withdraw_evidence(app_session, evidence, reason="Premier retrait", actor="test")
    app_session.commit()
    auth.login_as(Role.EDITOR)
    response = client.post(
        f"/admin/evidence/{evidence.id}/withdraw",
        data={"csrf_token": auth.csrf_token(), "withdraw-reason": "Second retrait"},
    )
    assert response.status_code == 422
    soup = _soup(response)
    assert "Seule une preuve publiée peut être retirée." in soup.find(role="alert").text
    assert "Premier retrait" in soup.text
