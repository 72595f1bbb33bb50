"""Atom feeds of status changes and newly published evidence, parsed back with feedparser."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import feedparser
import pytest
from bs4 import BeautifulSoup

from tests.factories import make_evidence
from tests.views.partner_data import seed

SITE = "https://suivi.example.org"


@pytest.fixture
def app_overrides():
    return {"SITE_URL": SITE}


@pytest.fixture
def data(app_session):
    return seed(app_session)


def feed(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.mimetype == "application/atom+xml"
    assert "Set-Cookie" not in response.headers
    parsed = feedparser.parse(response.get_data())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def assert_valid_atom(parsed, self_url):
    f = parsed.feed
    assert f.id.startswith("tag:suivi.example.org,2024-01-01:feed/")
    assert f.title
    assert f.updated_parsed
    assert f.author == "Suivi des engagements"
    links = {link.rel: link.href for link in f.links}
    assert links["self"] == SITE + self_url
    assert links["alternate"].startswith(SITE)
    ids = [e.id for e in parsed.entries]
    assert len(ids) == len(set(ids))
    for entry in parsed.entries:
        assert entry.id.startswith("tag:suivi.example.org,2024-01-01:")
        assert entry.title
        assert entry.updated_parsed
        assert entry.link.startswith(f"{SITE}/pledges/")


SCOPES = [
    "/api/v1/feeds/{kind}.atom",
    "/api/v1/feeds/elections/marseille-2020/{kind}.atom",
    "/api/v1/feeds/candidates/marseille-2020/liste-alpha/{kind}.atom",
    "/api/v1/feeds/pledges/{broken}/{kind}.atom",
]


@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("kind", ["status-changes", "evidence"])
def test_every_feed_is_valid_atom(client, data, scope, kind):
    url = scope.format(kind=kind, broken=data.broken.id)
    parsed = feed(client, url)
    assert_valid_atom(parsed, url)
    assert parsed.entries


def test_status_change_entries(client, data):
    parsed = feed(client, "/api/v1/feeds/status-changes.atom")
    assert len(parsed.entries) == 2
    titles = [e.title for e in parsed.entries]
    assert f"{data.broken.title} : Rompu" in titles
    assert f"{data.kept.title} : Tenu" in titles
    entry = parsed.entries[0]
    assert "<strong>preuve</strong>" in entry.summary  # rationale rendered from Markdown
    assert entry.tags[0].term in {"kept", "broken"}


def test_evidence_entries_newest_first_published_only(client, app_session, data):
    newer = make_evidence(app_session, data.kept, outlet="Le Canard Fictif")
    newer.reviewed_at = datetime(2030, 1, 1, tzinfo=UTC)
    app_session.commit()
    parsed = feed(client, "/api/v1/feeds/evidence.atom")
    outlets = [e.title.split(",")[0] for e in parsed.entries]
    assert outlets[0] == "Le Canard Fictif"
    assert "Rumeur" not in outlets
    assert len(outlets) == 3
    assert parsed.feed.updated.startswith("2030-01-01")
    related = [link.href for link in parsed.entries[0].links if link.rel == "related"]
    assert related == [newer.url]


def test_text_is_escaped_not_injected(client, app_session, data):
    make_evidence(
        app_session, data.quiet, outlet="<b>Gazette</b> & Cie", quote="<script>alert(1)</script>ok"
    )
    app_session.commit()
    raw = client.get(f"/api/v1/feeds/pledges/{data.quiet.id}/evidence.atom").get_data(as_text=True)
    assert "<script" not in raw
    assert "<b>" not in raw
    assert "&lt;b&gt;Gazette&lt;/b&gt; &amp; Cie" in raw
    parsed = feed(client, f"/api/v1/feeds/pledges/{data.quiet.id}/evidence.atom")
    assert parsed.entries[0].title.startswith("<b>Gazette</b> & Cie")
    assert "alert" not in parsed.entries[0].summary  # nh3 drops scripts with their content


def test_scopes_narrow_the_entries(client, data):
    assert (
        len(feed(client, f"/api/v1/feeds/pledges/{data.kept.id}/status-changes.atom").entries) == 1
    )
    beta = feed(client, "/api/v1/feeds/candidates/marseille-2020/liste-beta/status-changes.atom")
    assert beta.entries == []
    assert beta.feed.updated_parsed


def test_unknown_scopes_are_404(client, data):
    for url in (
        "/api/v1/feeds/pledges/99999/evidence.atom",
        "/api/v1/feeds/elections/nowhere/evidence.atom",
        "/api/v1/feeds/candidates/marseille-2020/nobody/status-changes.atom",
        "/api/v1/feeds/other.atom",
    ):
        assert client.get(url).status_code == 404


@pytest.mark.parametrize("kind", ["candidate", "pledge"])
def test_pages_link_their_feeds(client, data, kind):
    path = (
        "/elections/marseille-2020/liste-alpha"
        if kind == "candidate"
        else f"/pledges/{data.kept.id}"
    )
    page = BeautifulSoup(client.get(path).get_data(as_text=True), "html.parser")
    links = page.find_all("link", attrs={"type": "application/atom+xml"})
    assert len(links) == 2
    for link in links:
        parsed = feed(client, link["href"])
        assert parsed.entries


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_public_page_links_the_feeds_of_its_scope(client, data, lang):
    """<head> links (views.embed.alternate_links): each page's Atom feeds are those of
    its scope, titled in the page's language; oEmbed discovery only on the pages a
    partner can embed (pledge, candidate, election), its query escaped in the HTML."""
    pledge_path = f"/pledges/{data.kept.id}"
    scopes = {
        "/": "/api/v1/feeds/",
        "/pledges/": "/api/v1/feeds/",
        "/elections/marseille-2020": "/api/v1/feeds/elections/marseille-2020/",
        "/elections/marseille-2020/liste-alpha": (
            "/api/v1/feeds/candidates/marseille-2020/liste-alpha/"
        ),
        pledge_path: f"/api/v1/feeds/pledges/{data.kept.id}/",
    }
    titles = {
        "fr": ["Changements de statut (Atom)", "Nouvelles preuves publiées (Atom)"],
        "en": ["Status changes (Atom)", "Newly published evidence (Atom)"],
    }[lang]
    for path, prefix in scopes.items():
        html = client.get(f"{path}?lang={lang}").get_data(as_text=True)
        head = BeautifulSoup(html, "html.parser").head
        links = head.find_all("link", attrs={"type": "application/atom+xml"})
        assert [link["title"] for link in links] == titles, path
        hrefs = [urlsplit(link["href"]) for link in links]
        assert [h.path for h in hrefs] == [f"{prefix}status-changes.atom", f"{prefix}evidence.atom"]
        for href in hrefs:
            assert feed(client, f"{href.path}?{href.query}").entries is not None
        oembed = head.find("link", attrs={"type": "application/json+oembed"})
        if prefix == "/api/v1/feeds/":
            assert oembed is None, path
            continue
        query = parse_qs(urlsplit(oembed["href"]).query)
        assert query == {"url": [f"{SITE}{path}?lang={lang}"], "format": ["json"]}
        assert "&amp;format=json" in html  # the & is escaped in the attribute
