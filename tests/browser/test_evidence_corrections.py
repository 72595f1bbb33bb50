"""An editor corrects then withdraws an evidence item, in Chromium; the public page follows.

French with JavaScript, English without: the correction shows on the public
timeline as "corrigé le …" with what changed in words and why; once withdrawn,
the item leaves the page (a dated line with the public reason stays) and the
ruling that cited it is flagged on the editors' pages.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlmodel import select

from models import Candidate, Election, Evidence, Pledge
from models.enums import EvidenceState, PledgeStatus, Role, Stance
from pledges import accounts
from pledges.status import record_status_change
from tests.browser.conftest import assert_only_loopback

EDITOR = ("editrice@example.org", "mot de passe éditrice")
TITLE = "L'arrêté du moratoire"
AXE_OPTIONS = {
    "resultTypes": ["violations"],
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    },
}


@pytest.fixture
def newsroom(live_server):
    """A pledge ruled broken citing two published items, and an editor."""
    with live_server.session() as s:
        election = Election(
            slug="municipales-2020", name="Municipales 2020", territory="Ville",
            date=date(2020, 6, 28),
        )  # fmt: skip
        s.add(election)
        s.flush()
        candidate = Candidate(election_id=election.id, slug="liste-fictive", name="Liste Fictive")
        s.add(candidate)
        s.flush()
        title, body = "Moratoire sur la vidéosurveillance", "Suspendre l'extension des caméras."
        pledge = Pledge(
            election_id=election.id, candidate_id=candidate.id, slug="moratoire", title=title,
            body=body, theme="video-surveillance",
            made_on=date(2020, 3, 1),
        )  # fmt: skip
        s.add(pledge)
        s.flush()
        items = [
            Evidence(
                pledge_id=pledge.id,
                url=url,
                outlet="Le Canard Local",
                title=name,
                published_on=on,
                stance=Stance.BROKEN,
                state=EvidenceState.PUBLISHED,
            )  # fmt: skip
            for url, name, on in [
                ("https://journal.example/arrete", TITLE, date(2021, 3, 3)),
                ("https://journal.example/conseil", "Le conseil confirme", date(2021, 5, 6)),
            ]
        ]
        s.add_all(items)
        s.flush()
        record_status_change(
            s, pledge, to=PledgeStatus.BROKEN, effective_on=date(2021, 6, 1),
            rationale="Les caméras sont étendues.", cites=items, actor="test",
            now=datetime(2021, 6, 1, 12, tzinfo=UTC),
        )  # fmt: skip
        accounts.create_user(
            s, email=EDITOR[0], role=Role.EDITOR, password=EDITOR[1],
            display_name="Éditrice Une", actor="test",
        )  # fmt: skip
        s.flush()
        return {"pledge": pledge.id, "evidence": items[0].id}


def _login(page, base, *, email_label, password_label, button, lang=""):
    page.goto(f"{base}/auth/login{lang}")
    page.get_by_label(email_label).fill(EDITOR[0])
    page.get_by_label(password_label).fill(EDITOR[1])
    page.get_by_role("button", name=button).click()
    page.wait_for_load_state()


def _serious(axe, page, label):
    return [
        f"{label}: {v['id']}"
        for v in axe.run(page, options=AXE_OPTIONS).response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


def test_correct_then_withdraw_in_french_with_javascript(
    live_server, newsroom, new_context, recorder
):
    base, pledge_id, evidence_id = live_server.url, newsroom["pledge"], newsroom["evidence"]
    axe = Axe()
    editor = new_context(locale="fr-FR").new_page()
    _login(editor, base, email_label="Adresse e-mail", password_label="Mot de passe",
           button="Se connecter")  # fmt: skip

    # Correct the date, from the pledge's workspace.
    editor.goto(f"{base}/admin/pledges/{pledge_id}")
    editor.get_by_role("link", name=f"Modifier ou retirer — {TITLE}").click()
    editor.wait_for_url(f"{base}/admin/evidence/{evidence_id}/edit")
    problems = _serious(axe, editor, "edit page")
    editor.get_by_label("Date de publication").fill("2021-03-04")
    editor.get_by_role("button", name="Enregistrer").click()
    editor.wait_for_load_state()
    # No reason: refused beside the field, nothing saved.
    assert "Un motif est nécessaire." in editor.locator("#reason-errors").inner_text()
    problems += _serious(axe, editor, "edit page with errors")
    editor.get_by_label("Motif de la correction").fill("Date de l'arrêté, pas de l'article.")
    editor.get_by_role("button", name="Enregistrer").click()
    editor.wait_for_url(f"{base}/admin/pledges/{pledge_id}")
    assert "Correction enregistrée" in editor.content()

    visitor = new_context(locale="fr-FR").new_page()
    visitor.goto(f"{base}/pledges/{pledge_id}")
    correction = visitor.locator(".correction").inner_text()
    assert "Corrigé le" in correction
    assert "date\u00a0: 3 mars 2021 → 4 mars 2021" in correction
    assert "Date de l'arrêté, pas de l'article." in correction
    problems += _serious(axe, visitor, "public page with a correction")

    # Withdraw it with a public reason.
    editor.goto(f"{base}/admin/evidence/{evidence_id}/edit")
    editor.get_by_label("Motif du retrait (affiché publiquement)").fill(
        "Arrêté annulé par le juge."
    )
    editor.get_by_role("button", name="Retirer", exact=True).click()
    editor.wait_for_url(f"{base}/admin/pledges/{pledge_id}")
    flagged = editor.locator("#flagged-rulings")
    assert "Arrêté annulé par le juge." in flagged.inner_text()
    problems += _serious(axe, editor, "workspace with a flagged ruling")
    flagged.get_by_role("link", name="Revoir la décision").click()
    editor.wait_for_url(f"{base}/admin/pledges/{pledge_id}/ruling")
    editor.goto(f"{base}/admin/")
    assert "Arrêté annulé par le juge." in editor.locator("#flagged-rulings").inner_text()

    visitor.reload()
    main = visitor.locator("main").inner_text()
    assert TITLE not in main
    assert "Le conseil confirme" in main
    assert "Une source a été retirée le" in main
    assert "Arrêté annulé par le juge." in main
    assert visitor.context.cookies() == []
    api = httpx.get(f"{base}/api/v1/pledges/{pledge_id}").json()
    assert [e["title"] for e in api["evidence"]] == ["Le conseil confirme"]

    assert problems == []
    assert recorder.dialogs == []
    # The refused save (422, on purpose) is the only failed load Chromium may log.
    assert [e for e in recorder.console_errors if "422" not in e] == []
    assert_only_loopback(recorder.requests)


def test_correct_then_withdraw_in_english_without_javascript(
    live_server, newsroom, new_context, recorder
):
    base, pledge_id, evidence_id = live_server.url, newsroom["pledge"], newsroom["evidence"]
    editor = new_context(locale="en-GB", java_script_enabled=False).new_page()
    _login(editor, base, email_label="Email address", password_label="Password",
           button="Log in", lang="?lang=en")  # fmt: skip

    editor.goto(f"{base}/admin/pledges/{pledge_id}?lang=en")
    editor.get_by_role("link", name=f"Edit or withdraw — {TITLE}").click()
    editor.get_by_label("Publication date").fill("2021-03-04")
    editor.get_by_label("Type").select_option("official_statement")
    editor.get_by_label("Reason for the correction").fill("Date of the order, not the article.")
    editor.get_by_role("button", name="Save").click()
    editor.wait_for_load_state()
    assert editor.url.startswith(f"{base}/admin/pledges/{pledge_id}")
    assert "Correction saved" in editor.content()

    visitor = new_context(locale="en-GB", java_script_enabled=False).new_page()
    visitor.goto(f"{base}/pledges/{pledge_id}?lang=en")
    correction = visitor.locator(".correction").inner_text()
    assert "Corrected on" in correction
    assert "date: March 3, 2021 → March 4, 2021" in correction
    assert "press article → official statement" in correction
    assert "Date of the order, not the article." in correction

    editor.goto(f"{base}/admin/evidence/{evidence_id}/edit?lang=en")
    editor.get_by_role("button", name="Withdraw", exact=True).click()
    editor.wait_for_load_state()
    # A withdrawal without a reason is refused (422) and says why, in English.
    assert "This field is required." in editor.locator("form.work-form").last.inner_text()
    editor.get_by_label("Reason for the withdrawal (shown publicly)").fill("Order quashed.")
    editor.get_by_role("button", name="Withdraw", exact=True).click()
    editor.wait_for_load_state()
    assert editor.url.startswith(f"{base}/admin/pledges/{pledge_id}")
    assert "Rulings to review" in editor.locator("#flagged-rulings").inner_text()

    visitor.reload()
    main = visitor.locator("main").inner_text()
    assert TITLE not in main
    assert "A source was withdrawn on" in main
    assert "Order quashed." in main
    # The refused save (422, on purpose) is the only failed load Chromium may log.
    assert [e for e in recorder.console_errors if "422" not in e] == []
    assert_only_loopback(recorder.requests)


def test_the_pages_of_corrected_and_withdrawn_evidence_are_valid_html(
    live_server, newsroom, tmp_path
):
    """vnu over the edit page in each state (with errors too), the flags and the public page."""
    from pathlib import Path

    from pledges import evidence as evidence_ops
    from tests.browser.test_html_validity import run_vnu, token

    pledge_id, evidence_id = newsroom["pledge"], newsroom["evidence"]
    with live_server.session() as s:
        pledge = s.get(Pledge, pledge_id)
        corrected = s.get(Evidence, evidence_id)
        evidence_ops.update_evidence(
            s, corrected, expected_fingerprint=evidence_ops.evidence_fingerprint(corrected),
            url=corrected.url, outlet=corrected.outlet, published_on=date(2021, 3, 4),
            stance=Stance.CONTEXT, kind=corrected.kind, title=corrected.title,
            reason="Date <corrigée>", actor="test",
        )  # fmt: skip
        other = s.exec(select(Evidence).where(Evidence.id != evidence_id)).first()
        evidence_ops.withdraw_evidence(s, other, reason="Retirée & expliquée", actor="test")
        rejected = Evidence(
            pledge_id=pledge.id, url="https://journal.example/refus", outlet="X",
            published_on=date(2021, 1, 1), stance=Stance.KEPT, state=EvidenceState.REJECTED,
            rejection_reason="Hors sujet",
        )  # fmt: skip
        submitted = Evidence(
            pledge_id=pledge.id, url="https://journal.example/attente", outlet="Y",
            published_on=date(2021, 1, 2), stance=Stance.KEPT, state=EvidenceState.SUBMITTED,
        )  # fmt: skip
        s.add_all([rejected, submitted])
        s.flush()
        ids = {"rejected": rejected.id, "submitted": submitted.id, "withdrawn": other.id}
    client = live_server.app.test_client()
    login = client.post(
        "/auth/login",
        data={
            "email": EDITOR[0],
            "password": EDITOR[1],
            "csrf_token": token(client, "/auth/login"),
        },
    )
    assert login.status_code == 302
    edit = f"/admin/evidence/{evidence_id}/edit"
    pages = {
        "published": edit,
        "submitted": f"/admin/evidence/{ids['submitted']}/edit",
        "rejected": f"/admin/evidence/{ids['rejected']}/edit",
        "withdrawn": f"/admin/evidence/{ids['withdrawn']}/edit",
        "dashboard": "/admin/",
        "workspace": f"/admin/pledges/{pledge_id}",
        "public": f"/pledges/{pledge_id}",
        "public-en": f"/pledges/{pledge_id}?lang=en",
    }
    files = []
    for name, path in pages.items():
        response = client.get(path)
        assert response.status_code == 200, path
        files.append(Path(tmp_path / f"{name}.html"))
        files[-1].write_text(response.get_data(as_text=True), encoding="utf-8")
    # Both forms of the published item showing their errors (ids must stay unique).
    csrf = token(client, edit)
    errors = {"edit-errors": edit, "withdraw-errors": edit.replace("edit", "withdraw")}
    for name, path in errors.items():
        response = client.post(path, data={"csrf_token": csrf})
        assert response.status_code == 422, path
        files.append(Path(tmp_path / f"{name}.html"))
        files[-1].write_text(response.get_data(as_text=True), encoding="utf-8")
    problems = [f"{Path(m.get('url', '?')).name}: {m.get('message')}" for m in run_vnu(files)]
    assert problems == []
