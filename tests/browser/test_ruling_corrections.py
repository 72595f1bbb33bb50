"""Correcting a ruling and undoing "Sans rapport", in Chromium (issue 10).

An editor corrects a ruling: in French with JavaScript (the form swaps itself,
a refusal shows in place) and in English without JavaScript (plain posts); the
public page then shows both entries, the corrected one struck through and
linked to its correction. A dismissed suggestion comes back to the queue with
"Annuler" (htmx) and from the list of dismissed suggestions (no JavaScript).
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from models import Candidate, Election, Pledge
from models.enums import EvidenceKind, PledgeStatus, Role, Stance
from pledges import accounts
from pledges.status import record_status_change
from tests.browser.conftest import assert_only_loopback
from tests.browser.test_accessibility import AXE_OPTIONS
from tests.factories import make_evidence, make_suggestion

EDITOR = ("editrice@example.org", "mot de passe éditrice")


@pytest.fixture
def ruled(live_server):
    """A pledge ruled broken on 2022-03-01 citing a broken item; a kept item is published too."""
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
        title = "Publier l'audit des caméras"
        pledge = Pledge(
            election_id=election.id, candidate_id=candidate.id, slug="audit", title=title,
            body="Publier l'audit.", theme="transparence",
        )  # fmt: skip
        s.add(pledge)
        s.flush()
        broken = make_evidence(
            s, pledge, title="L'audit reste secret", stance=Stance.BROKEN,
            published_on=date(2022, 2, 1),
        )  # fmt: skip
        kept = make_evidence(
            s, pledge, title="Audit publié au conseil", stance=Stance.KEPT,
            kind=EvidenceKind.COUNCIL_DELIBERATION, published_on=date(2022, 2, 20),
        )  # fmt: skip
        ruling = record_status_change(
            s, pledge, to=PledgeStatus.BROKEN, effective_on=date(2022, 3, 1),
            rationale="Audit jamais publié.", cites=[broken], actor="test",
        )  # fmt: skip
        suggestion = make_suggestion(s, pledge, title="Fête du quartier")
        accounts.create_user(
            s, email=EDITOR[0], role=Role.EDITOR, password=EDITOR[1],
            display_name="Éditrice Une", actor="test",
        )  # fmt: skip
        s.flush()
        return {
            "pledge_id": pledge.id, "ruling_id": ruling.id, "kept_id": kept.id,
            "broken_id": broken.id, "suggestion_id": suggestion.id,
        }  # fmt: skip


def login(page, base, email, password, *, english=False):
    page.goto(f"{base}/auth/login")
    page.get_by_label("Email address" if english else "Adresse e-mail").fill(email)
    page.get_by_label("Password" if english else "Mot de passe").fill(password)
    page.get_by_role("button", name="Log in" if english else "Se connecter").click()
    page.wait_for_load_state()


def _axe_problems(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    problems = []
    for violation in Axe().run(page, options=AXE_OPTIONS).response["violations"]:
        if violation["impact"] in {"serious", "critical"}:
            targets = [node["target"] for node in violation["nodes"]][:3]
            problems.append(f"{violation['id']} {targets}")
    return problems


def _assert_public_page_shows_both(
    page, base, data, *, reason, corrected_label, strongest, axe=True
):
    page.goto(f"{base}/pledges/{data['pledge_id']}")
    corrected = page.locator(f"del #ruling-{data['ruling_id']}")
    assert corrected.count() == 1
    assert corrected_label in corrected.locator(".visually-hidden").inner_text()
    entry = page.locator(".timeline-entry", has=page.locator(f"#ruling-{data['ruling_id']}"))
    link = entry.locator(".correction-note a")
    href = link.get_attribute("href")
    assert href is not None
    assert href.startswith("#ruling-")
    correction = page.locator(".timeline-entry", has=page.locator(href))
    assert reason in correction.locator(".correction-reason").inner_text()
    assert correction.locator(".correction-of a").get_attribute("href") == (
        f"#ruling-{data['ruling_id']}"
    )
    assert correction.locator("del").count() == 0
    # The strongest evidence is among what the correction cites.
    assert strongest in page.locator(".strongest").inner_text()
    if axe:  # axe-core runs in the page: only where JavaScript is on
        assert _axe_problems(page) == []


def test_an_editor_corrects_a_ruling_in_french_with_javascript(
    live_server, ruled, new_context, recorder
):
    base = live_server.url
    page = new_context(locale="fr-FR").new_page()
    login(page, base, *EDITOR)
    page.goto(f"{base}/admin/pledges/{ruled['pledge_id']}/ruling")
    page.locator(f"#ruling-{ruled['ruling_id']}").get_by_role("link", name="Corriger").click()
    page.wait_for_url(re.compile(rf"/rulings/{ruled['ruling_id']}/correct$"))
    assert page.get_by_label("Rompu").is_checked()  # prefilled with the ruling
    assert _axe_problems(page) == []
    # A verdict its citations contradict: refused in place (htmx swaps the form).
    page.get_by_label("Tenu").check()
    page.get_by_label("Motif de la correction (public)").fill("Le mauvais article était cité.")
    page.get_by_role("button", name="Enregistrer la correction").click()
    error = page.locator("#correction #cites-errors")
    error.wait_for()
    assert "ne va dans le sens de ce verdict" in error.inner_text()
    assert re.search(r"/correct$", page.url)  # no navigation: the fragment was swapped
    # Fixed: cite the supporting item instead; saved, the page follows HX-Redirect.
    page.get_by_label("Audit publié au conseil").check()
    page.get_by_label("L'audit reste secret").uncheck()
    page.get_by_role("button", name="Enregistrer la correction").click()
    page.wait_for_url(re.compile(rf"/admin/pledges/{ruled['pledge_id']}/ruling#ruling-\d+$"))
    assert page.locator(f"#ruling-{ruled['ruling_id']} del").count() >= 1
    _assert_public_page_shows_both(
        page, base, ruled, reason="Le mauvais article était cité.",
        corrected_label="Décision corrigée", strongest="Audit publié au conseil",
    )  # fmt: skip
    assert "Tenu" in page.locator(".status-summary").inner_text()
    assert recorder.console_errors == []
    assert_only_loopback(recorder.requests)


def test_an_editor_corrects_a_ruling_in_english_without_javascript(
    live_server, ruled, new_context, recorder
):
    base = live_server.url
    page = new_context(locale="en-GB", java_script_enabled=False).new_page()
    login(page, base, *EDITOR, english=True)
    page.goto(f"{base}/admin/pledges/{ruled['pledge_id']}")
    assert page.locator("html").get_attribute("lang") == "en"
    page.locator(f"#ruling-{ruled['ruling_id']}").get_by_role("link", name="Correct").click()
    page.wait_for_url(re.compile(r"/correct$"))
    # A date after today is refused with a 422 and the error in English.
    page.get_by_label("Effective date").fill("2099-01-01")
    page.get_by_label("Reason for the correction (public)").fill("Wrong date entered.")
    with page.expect_navigation() as refused:
        page.get_by_role("button", name="Save the correction").click()
    assert refused.value.status == 422
    assert page.locator("#effective_on-errors").count() == 1
    page.get_by_label("Effective date").fill("2022-02-15")
    page.get_by_role("button", name="Save the correction").click()
    page.wait_for_url(re.compile(rf"/admin/pledges/{ruled['pledge_id']}/ruling#ruling-\d+$"))
    _assert_public_page_shows_both(
        page, base, ruled, reason="Wrong date entered.", corrected_label="Corrected ruling",
        strongest="L'audit reste secret", axe=False,
    )  # fmt: skip
    assert "Broken" in page.locator(".status-summary").inner_text()
    assert_only_loopback(recorder.requests)


def test_sans_rapport_is_undone_with_javascript(live_server, ruled, new_context, recorder):
    base = live_server.url
    page = new_context(locale="fr-FR").new_page()
    login(page, base, *EDITOR)
    page.goto(f"{base}/volunteer/")
    row = page.locator(f"#suggestion-{ruled['suggestion_id']}")
    row.get_by_role("button", name="Sans rapport").click()
    row.get_by_role("button", name="Annuler").wait_for()
    assert "Suggestion écartée." in row.inner_text()
    row.get_by_role("button", name="Annuler").click()
    row.get_by_role("button", name="Retenir").wait_for()
    assert "Suggestion remise dans la file." in row.inner_text()
    page.reload()
    assert page.locator(f"#suggestion-{ruled['suggestion_id']} form.review-form").count() == 1
    # The list of dismissed suggestions, and the queue's undo notice, pass axe-core.
    row = page.locator(f"#suggestion-{ruled['suggestion_id']}")
    row.get_by_role("button", name="Sans rapport").click()
    row.get_by_role("button", name="Annuler").wait_for()
    page.goto(f"{base}/volunteer/?undo={ruled['suggestion_id']}")
    assert page.locator(".undo-notice").count() == 1
    assert _axe_problems(page) == []
    page.goto(f"{base}/volunteer/suggestions/dismissed")
    assert _axe_problems(page) == []
    dismissed = page.locator(f"#dismissed-{ruled['suggestion_id']}")
    dismissed.get_by_role("button", name="Remettre dans la file").click()
    dismissed.get_by_text("Suggestion remise dans la file.").wait_for()
    assert page.url == f"{base}/volunteer/suggestions/dismissed"  # swapped in place
    assert recorder.console_errors == []


def test_sans_rapport_is_undone_without_javascript(live_server, ruled, new_context, recorder):
    base = live_server.url
    page = new_context(locale="fr-FR", java_script_enabled=False).new_page()
    login(page, base, *EDITOR)
    page.goto(f"{base}/volunteer/")
    row = page.locator(f"#suggestion-{ruled['suggestion_id']}")
    row.get_by_role("button", name="Sans rapport").click()
    page.wait_for_url(re.compile(r"/volunteer/\?undo=\d+$"))
    notice = page.locator(".undo-notice")
    assert "Fête du quartier" in notice.inner_text()
    # Undo from the list of dismissed suggestions this time.
    page.get_by_role("link", name="Suggestions écartées (sans rapport)").click()
    page.wait_for_url(f"{base}/volunteer/suggestions/dismissed")
    page.locator(f"#dismissed-{ruled['suggestion_id']}").get_by_role(
        "button", name="Remettre dans la file"
    ).click()
    page.wait_for_url(f"{base}/volunteer/suggestions/dismissed")
    assert "Suggestion remise dans la file." in page.content()
    assert page.locator(f"#dismissed-{ruled['suggestion_id']}").count() == 0
    page.goto(f"{base}/volunteer/")
    assert page.locator(f"#suggestion-{ruled['suggestion_id']}").count() == 1
    assert_only_loopback(recorder.requests)


def test_correction_and_undo_pages_are_valid_html(live_server, ruled, tmp_path):
    """The Nu Html Checker on every page this feature adds or changes, errors shown included."""
    from pathlib import Path

    from pledges.feeds import review
    from pledges.status import correct_ruling
    from tests.browser.test_html_validity import run_vnu, token
    from tests.views.conftest import AuthActions

    with live_server.session() as s:
        from models import StatusChange

        ruling = s.get(StatusChange, ruled["ruling_id"])
        correct_ruling(
            s, ruling, to_status=PledgeStatus.BROKEN, effective_on=date(2022, 2, 15),
            rationale="r", cites=list(ruling.cites), reason="<b>date</b> fausse", actor="test",
        )  # fmt: skip
        row = review.get_suggestion(s, ruled["suggestion_id"])
        review.dismiss_suggestion(s, row, actor="test")
    client = live_server.app.test_client()
    with live_server.session() as s:
        assert AuthActions(client, live_server.app, s).login(*EDITOR).status_code == 302
    pledge_id, ruling_id = ruled["pledge_id"], ruled["ruling_id"]
    correct = f"/admin/pledges/{pledge_id}/rulings/{ruling_id + 1}/correct"
    pages = {
        "public-pledge": f"/pledges/{pledge_id}",
        "public-pledge-en": f"/pledges/{pledge_id}?lang=en",
        "admin-pledge": f"/admin/pledges/{pledge_id}",
        "ruling": f"/admin/pledges/{pledge_id}/ruling",
        "correct": correct,
        "dismissed": "/volunteer/suggestions/dismissed",
        "queue-undo": f"/volunteer/?undo={ruled['suggestion_id']}",
    }
    files = []
    for name, path in pages.items():
        response = client.get(path)
        assert response.status_code == 200, path
        files.append(tmp_path / f"{name}.html")
        files[-1].write_text(response.get_data(as_text=True), encoding="utf-8")
    refused = client.post(correct, data={"csrf_token": token(client, correct)})
    assert refused.status_code == 422
    files.append(tmp_path / "correct-errors.html")
    files[-1].write_text(refused.get_data(as_text=True), encoding="utf-8")
    assert 'class="errors"' in files[-1].read_text(encoding="utf-8")
    problems = [
        f"{Path(m.get('url', '?')).name}:{m.get('lastLine', '?')}: {m.get('message')}"
        for m in run_vnu(files)
    ]
    assert not problems, "\n".join(problems)
