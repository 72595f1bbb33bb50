"""The whole editorial path in Chromium, from an invitation to a public verdict (issue 4).

Admin invites a volunteer; the volunteer accepts, reviews a suggestion that
the poller found in a feed served from 127.0.0.1, and adds evidence by hand;
an editor publishes both and rules the pledge broken citing the hand-added
one; the public page and the JSON API show the new status and timeline.
"""

from __future__ import annotations

import re
from datetime import date

import httpx
import pytest
from sqlmodel import select

from models import Candidate, Election, Pledge, Suggestion
from models.enums import Role
from pledges import accounts
from tests.browser.conftest import assert_only_loopback, serve

ADMIN = ("admin@example.org", "mot de passe admin")
EDITOR = ("editrice@example.org", "mot de passe éditrice")
VOLUNTEER_PASSWORD = "mot de passe bénévole"
TODAY = date.today().isoformat()


@pytest.fixture
def live_overrides():
    return {"FEEDS_ALLOW_PRIVATE": True, "PAGE_CACHE_SIZE": 100}


def feed_app(environ, start_response):
    """A local news site: one RSS feed and the article it links to."""
    base = f"http://{environ['HTTP_HOST']}"
    if environ["PATH_INFO"] == "/rss.xml":
        body = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Le Canard Local</title><link>{base}/</link>
<description>Actualités</description>
<item><guid>{base}/article-1</guid><title>La vidéosurveillance « intelligente » maintenue</title>
<link>{base}/article-1?utm_source=rss</link><pubDate>Mon, 04 Oct 2021 08:00:00 GMT</pubDate>
<description>Les expérimentations continuent malgré le moratoire.</description></item>
<item><guid>{base}/article-2</guid><title>Fête du quartier</title>
<link>{base}/article-2</link><pubDate>Tue, 05 Oct 2021 08:00:00 GMT</pubDate>
<description>Rien à voir.</description></item>
</channel></rss>""".encode()
        start_response("200 OK", [("Content-Type", "application/rss+xml; charset=utf-8")])
        return [body]
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
    return [b"<!doctype html><title>Article</title><p>Article.</p>"]


@pytest.fixture
def newsroom(live_server):
    with live_server.session() as s:
        election = Election(
            slug="municipales-2020",
            name="Municipales 2020",
            territory="Ville",
            date=date(2020, 6, 28),
            is_demo=True,
        )
        s.add(election)
        s.flush()
        candidate = Candidate(election_id=election.id, slug="liste-fictive", name="Liste Fictive")
        s.add(candidate)
        s.flush()
        title, body = "Moratoire sur la vidéosurveillance", "Suspendre l'extension des caméras."
        pledge = Pledge(
            election_id=election.id,
            candidate_id=candidate.id,
            slug="moratoire",
            title=title,
            body=body,
            theme="video-surveillance",
            keywords_include=["vidéosurveillance"],
        )
        s.add(pledge)
        accounts.create_user(
            s,
            email=ADMIN[0],
            role=Role.ADMIN,
            password=ADMIN[1],
            display_name="Admin",
            actor="test",
        )
        accounts.create_user(
            s,
            email=EDITOR[0],
            role=Role.EDITOR,
            password=EDITOR[1],
            display_name="Éditrice Une",
            actor="test",
        )
        s.flush()
        pledge_id = pledge.id
    with serve(feed_app) as site:
        runner = live_server.app.test_cli_runner()
        added = runner.invoke(args=["feeds", "add", f"{site}/rss.xml", "--name", "Le Canard Local"])
        assert added.exit_code == 0, added.output
        fetched = runner.invoke(args=["feeds", "fetch", "--all"])
        assert fetched.exit_code == 0, fetched.output
        with live_server.session() as s:
            suggestions = s.exec(select(Suggestion)).all()
            assert [x.pledge_id for x in suggestions] == [pledge_id]
        yield {"pledge_id": pledge_id, "site": site}


def login(page, base, email, password):
    page.goto(f"{base}/auth/login")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()


def test_invitation_to_public_verdict(live_server, newsroom, new_context, recorder):
    base = live_server.url
    pledge_id = newsroom["pledge_id"]

    # 1. The admin invites a volunteer.
    admin = new_context(locale="fr-FR").new_page()
    login(admin, base, *ADMIN)
    assert admin.url == f"{base}/admin/"
    admin.goto(f"{base}/admin/users")
    invite = admin.locator("form[action$='/admin/invitations']")
    invite.get_by_label("Adresse e-mail").fill("benevole@example.org")
    invite.get_by_label("Rôle").select_option("volunteer")
    invite.get_by_role("button", name="Créer l'invitation").click()
    link = admin.locator(".invitation-anchor").inner_text()
    assert link.startswith(f"{base}/auth/invitation/")

    # 2. The volunteer accepts and lands on the review queue.
    volunteer = new_context(locale="fr-FR").new_page()
    volunteer.goto(link)
    volunteer.get_by_label("Nom affiché").fill("Camille Bénévole")
    volunteer.get_by_label("Mot de passe", exact=True).fill(VOLUNTEER_PASSWORD)
    volunteer.get_by_label("Confirmer le mot de passe").fill(VOLUNTEER_PASSWORD)
    volunteer.get_by_role("button", name="Créer mon compte").click()
    volunteer.wait_for_url(f"{base}/volunteer/")
    row = volunteer.locator("article.suggestion-card li.suggestion")
    assert row.count() == 1
    assert (
        "vidéosurveillance « intelligente » maintenue"
        in volunteer.locator("article.suggestion-card h2").inner_text()
    )

    # 3. Reviews the suggestion with htmx: the row changes in place, no page load.
    volunteer.evaluate("window.__samePage = true")
    row.get_by_text("Préciser (tenu, rompu, citation, note)").click()
    row.get_by_label("Preuve : engagement rompu").check()
    row.get_by_label("Citation (facultatif)").fill("« Les expérimentations continuent »")
    row.get_by_role("button", name="Valider").click()
    volunteer.locator("li.suggestion .outcome").wait_for()
    assert "attend la relecture" in volunteer.locator("li.suggestion").inner_text()
    assert volunteer.evaluate("window.__samePage") is True

    # 4. Adds evidence by hand (tracking parameters dropped).
    volunteer.goto(f"{base}/volunteer/pledges")
    volunteer.get_by_role("link", name="Moratoire sur la vidéosurveillance").click()
    volunteer.get_by_label("Lien (URL)").fill(f"{newsroom['site']}/deliberation?utm_medium=x")
    volunteer.get_by_label("Média ou source").fill("Le Canard Local")
    volunteer.get_by_label("Date de publication").fill("2021-10-20")
    volunteer.get_by_label("Nature").select_option("council_deliberation")
    volunteer.get_by_label("va dans le sens d'un engagement rompu").check()
    volunteer.get_by_label("Titre").fill("Délibération prolongeant les caméras")
    volunteer.get_by_role("button", name="Proposer cette preuve").click()
    volunteer.wait_for_url(f"{base}/volunteer/contributions")
    table = volunteer.locator("table.work-table").inner_text()
    assert table.count("En attente de relecture") == 2

    # 5. An editor publishes both.
    editor = new_context(locale="fr-FR").new_page()
    login(editor, base, *EDITOR)
    editor.goto(f"{base}/admin/moderation")
    ids = editor.locator("article.submission").evaluate_all("rows => rows.map(r => r.id)")
    assert len(ids) == 2
    for row_id in ids:
        row = editor.locator(f"#{row_id}")
        row.get_by_role("button", name="Publier").click()
        row.locator(".outcome").wait_for()
    assert editor.locator("article.submission .outcome").count() == 2

    # 6. ... and rules the pledge broken, citing the hand-added evidence.
    editor.goto(f"{base}/admin/pledges/{pledge_id}/ruling")
    editor.get_by_label("Rompu").check()
    editor.get_by_label("Date d'effet").fill(TODAY)
    editor.get_by_label("Justification (Markdown)").fill(
        "La délibération **prolonge** le dispositif malgré le moratoire."
    )
    editor.get_by_label("Délibération prolongeant les caméras", exact=False).check()
    editor.get_by_role("button", name="Enregistrer la décision").click()
    editor.wait_for_url(f"{base}/admin/pledges/{pledge_id}")
    assert "Décision enregistrée" in editor.content()

    # 7. The public page and the API show it at once, to an anonymous visitor.
    visitor = new_context(locale="fr-FR").new_page()
    visitor.goto(f"{base}/pledges/{pledge_id}")
    text = visitor.locator("main").inner_text()
    assert "Rompu" in text
    assert "prolonge" in text
    assert "Délibération prolongeant les caméras" in text
    assert "vidéosurveillance « intelligente » maintenue" in text
    assert visitor.context.cookies() == []
    api = httpx.get(f"{base}/api/v1/pledges/{pledge_id}").json()
    assert api["status"] == "broken"
    assert api["history"][-1]["to"] == "broken"
    urls = {e["url"] for e in api["evidence"]}
    assert f"{newsroom['site']}/deliberation" in urls
    assert f"{newsroom['site']}/article-1" in urls

    # 8. The volunteer sees the outcome of both contributions.
    volunteer.goto(f"{base}/volunteer/contributions")
    assert volunteer.locator("table.work-table").inner_text().count("Publiée") == 2

    assert recorder.dialogs == []
    assert recorder.console_errors == []
    assert_only_loopback(recorder.requests)


AXE_OPTIONS = {
    "resultTypes": ["violations"],
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    },
}


def test_logged_in_pages_are_accessible(live_server, newsroom, new_context):
    """axe-core on the volunteer and editor pages, forms with errors included."""
    from axe_playwright_python.sync_playwright import Axe

    base, pledge_id = live_server.url, newsroom["pledge_id"]
    axe = Axe()
    page = new_context(locale="fr-FR").new_page()
    login(page, base, *ADMIN)
    problems = []

    def check(label):
        for violation in axe.run(page, options=AXE_OPTIONS).response["violations"]:
            if violation["impact"] in {"serious", "critical"}:
                targets = [node["target"] for node in violation["nodes"]][:3]
                problems.append(f"{label}: {violation['id']} {targets}")

    for path in [
        "/volunteer/",
        "/volunteer/pledges",
        f"/volunteer/pledges/{pledge_id}/evidence",
        "/volunteer/contributions",
        "/admin/",
        "/admin/moderation",
        "/admin/pledges",
        f"/admin/pledges/{pledge_id}",
        f"/admin/pledges/{pledge_id}/edit",
        f"/admin/pledges/{pledge_id}/ruling",
        "/admin/elections",
        "/admin/feeds",
        "/admin/import",
        "/admin/audit",
        "/admin/users",
        "/admin/settings",
        "/auth/password",
    ]:
        page.goto(base + path)
        check(path)
    # A form showing its errors.
    page.goto(f"{base}/volunteer/pledges/{pledge_id}/evidence")
    page.get_by_role("button", name="Proposer cette preuve").click()
    page.wait_for_load_state()
    assert page.locator("ul.errors").count() >= 3
    check("evidence form with errors")
    assert problems == []


def test_review_works_without_javascript(live_server, newsroom, new_context):
    base = live_server.url
    page = new_context(locale="fr-FR", java_script_enabled=False).new_page()
    login(page, base, *EDITOR)
    page.goto(f"{base}/volunteer/")
    row = page.locator("li.suggestion")
    row.get_by_role("button", name="Sans rapport").click()
    page.wait_for_url(re.compile(rf"^{re.escape(base)}/volunteer/\?undo=\d+$"))  # offers to undo
    assert "Suggestion écartée." in page.content()
    assert page.locator("li.suggestion").count() == 0
