"""Feeds in the admin, in Chromium: a feed served from 127.0.0.1 added and read with "Lire
maintenant", its articles and matched pledges listed, paused; a web page's advertised feed added;
the keywords preview live (htmx) and without JavaScript. French with JavaScript, English without.
"""

from __future__ import annotations

from datetime import date

import pytest
from axe_playwright_python.sync_playwright import Axe

from models import Candidate, Election, Pledge
from models.enums import Role
from pledges import accounts
from tests.browser.conftest import serve
from tests.browser.test_accessibility import AXE_OPTIONS
from tests.browser.test_html_validity import run_vnu

EDITOR = ("editrice@example.org", "mot de passe éditrice")


@pytest.fixture
def live_overrides():
    return {"FEEDS_ALLOW_PRIVATE": True, "FEEDS_DEADLINE_SECONDS": 10}


def news_site(environ, start_response):
    """A local news site: a home page advertising its feed, and the feed."""
    base = f"http://{environ['HTTP_HOST']}"
    if environ["PATH_INFO"] == "/rss.xml":
        body = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Le Canard Local</title><link>{base}/</link>
<description>Actualités</description>
<item><guid>{base}/a1</guid><title>La vidéosurveillance « intelligente » maintenue</title>
<link>{base}/a1</link><pubDate>Mon, 04 Oct 2021 08:00:00 GMT</pubDate>
<description>Les expérimentations continuent malgré le moratoire.</description></item>
<item><guid>{base}/a2</guid><title>Fête du quartier</title>
<link>{base}/a2</link><pubDate>Tue, 05 Oct 2021 08:00:00 GMT</pubDate>
<description>Une fête réussie.</description></item>
</channel></rss>""".encode()
        start_response("200 OK", [("Content-Type", "application/rss+xml; charset=utf-8")])
        return [body]
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
    return [
        b'<!doctype html><html lang="fr"><head><title>Le Canard Local</title>'
        b'<link rel="alternate" type="application/rss+xml" title="Le Canard (RSS)" '
        b'href="/rss.xml"></head><body><p>Accueil</p></body></html>'
    ]


@pytest.fixture
def newsroom(live_server):
    with live_server.session() as s:
        election = Election(
            slug="municipales", name="Municipales", territory="Ville", date=date(2020, 6, 28)
        )
        s.add(election)
        s.flush()
        candidate = Candidate(election_id=election.id, slug="liste", name="Liste Fictive")
        s.add(candidate)
        s.flush()
        title = "Moratoire sur la vidéosurveillance"
        pledge = Pledge(
            election_id=election.id,
            candidate_id=candidate.id,
            slug="moratoire",
            title=title,
            theme="video-surveillance",
            keywords_include=["vidéosurveillance"],
        )
        s.add(pledge)
        accounts.create_user(
            s,
            email=EDITOR[0],
            role=Role.EDITOR,
            password=EDITOR[1],
            display_name="Éditrice",
            actor="test",
        )
        s.flush()
        pledge_id = pledge.id
    with serve(news_site) as site:
        yield {"pledge_id": pledge_id, "site": site}


LOGIN_LABELS = {
    "fr": ("Adresse e-mail", "Mot de passe", "Se connecter"),
    "en": ("Email address", "Password", "Log in"),
}


def login(page, base, lang="fr"):
    email, password, button = LOGIN_LABELS[lang]
    page.goto(f"{base}/auth/login?lang={lang}")
    page.get_by_label(email).fill(EDITOR[0])
    page.get_by_label(password).fill(EDITOR[1])
    page.get_by_role("button", name=button).click()
    page.wait_for_load_state()


def add_feed(page, base, url, lang="fr"):
    page.goto(f"{base}/admin/feeds?lang={lang}")
    form = page.locator("form.work-form")
    form.locator("input[name=url]").fill(url)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_french_with_javascript_read_now_pause_and_live_preview(live_server, newsroom, new_context):
    base, site = live_server.url, newsroom["site"]
    page = new_context(locale="fr-FR").new_page()
    login(page, base)
    add_feed(page, base, f"{site}/rss.xml")
    assert "/admin/feeds/" in page.url
    assert "Jamais lu" in page.locator("dl").inner_text()

    page.get_by_role("button", name="Lire maintenant").click()
    page.wait_for_load_state()
    assert (
        "Flux lu : 2 nouvel(s) article(s), 1 suggestion(s)."
        in page.locator(".flashes").inner_text()
    )
    assert "OK" in page.locator("dl").inner_text()
    article = page.locator("tr", has_text="La vidéosurveillance « intelligente » maintenue")
    assert "Moratoire sur la vidéosurveillance" in article.inner_text()
    assert "à relire" in article.inner_text()
    violations = Axe().run(page, options=AXE_OPTIONS).response["violations"]
    serious = [v["id"] for v in violations if v["impact"] in {"serious", "critical"}]
    assert serious == []

    page.get_by_role("button", name="Mettre en pause").click()
    page.wait_for_load_state()
    assert "En pause" in page.locator("dl").inner_text()
    assert page.get_by_role("button", name="Lire maintenant").count() == 0
    page.get_by_role("button", name="Reprendre").click()
    page.wait_for_load_state()
    assert page.get_by_role("button", name="Lire maintenant").count() == 1

    # The pledge's keywords: the stored articles they would match appear as one types.
    page.goto(f"{base}/admin/pledges/{newsroom['pledge_id']}/edit")
    preview = page.locator("#keywords-preview")
    preview.locator("mark").first.wait_for()  # loaded with the saved keywords
    assert preview.locator("mark").all_inner_texts() == ["vidéosurveillance"]
    page.locator("#keywords_include").fill("fête")
    preview.locator("mark", has_text="fête").first.wait_for()
    assert page.locator("#keywords-preview mark").all_inner_texts() == ["Fête", "fête"]
    assert "vidéosurveillance" not in page.locator("#keywords-preview").inner_text()


def test_english_without_javascript_page_alternates_and_preview(
    live_server, newsroom, new_context, tmp_path
):
    base, site = live_server.url, newsroom["site"]
    page = new_context(locale="en-GB", java_script_enabled=False).new_page()
    login(page, base, "en")
    add_feed(page, base, f"{site}/", lang="en")
    page.get_by_role("button", name="Read now").click()
    page.wait_for_load_state()
    assert "This address is a web page, not an RSS or Atom feed." in page.locator("dl").inner_text()
    offered = page.locator("section", has_text="Feeds this page advertises")
    assert f"{site}/rss.xml" in offered.inner_text()
    offered.get_by_role("button", name="Add this feed").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Le Canard (RSS)"
    page.get_by_role("button", name="Read now").click()
    page.wait_for_load_state()
    assert "Feed read: 2 new article(s), 1 suggestion(s)." in page.locator(".flashes").inner_text()
    pages = {"feed": page.content()}

    page.goto(f"{base}/admin/pledges/{newsroom['pledge_id']}/edit?lang=en")
    page.locator("#keywords_include").fill("moratoire")
    page.get_by_role("button", name="Preview articles").click()
    page.wait_for_load_state()
    assert "/keywords-preview" in page.url
    assert page.locator("h1").inner_text() == "Preview keywords"
    assert page.locator("#keywords-preview mark").all_inner_texts() == ["moratoire"]
    pages["preview"] = page.content()
    page.goto(f"{base}/admin/feeds?lang=en")
    pages["feeds"] = page.content()

    # The Nu Html Checker on what the server sent (no script ran: no JavaScript here).
    files = []
    for name, html in pages.items():
        files.append(tmp_path / f"{name}.html")
        files[-1].write_text(html, encoding="utf-8")
    assert run_vnu(files) == []
