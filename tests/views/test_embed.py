"""The partner widget (/embed): content, links, headers, cookies, ETag/304 and query counts."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

from models.enums import PledgeStatus, Stance
from pledges.status import record_status_change
from tests.factories import make_evidence, make_pledge
from tests.views.partner_data import NOW, seed

SITE = "https://suivi.example.org"
CACHE_CONTROL = "public, max-age=300, stale-while-revalidate=3600"


@pytest.fixture
def app_overrides():
    return {"SITE_URL": SITE}


@pytest.fixture
def data(app_session):
    return seed(app_session)


def candidate_url(**args):
    query = "&".join(f"{k}={v}" for k, v in args.items())
    return "/embed/candidates/marseille-2020/liste-alpha" + (f"?{query}" if query else "")


def soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def count_of(page, status):
    """The number in the widget's count for `status` (the wording is the site macro's)."""
    text = page.select_one(f".widget-counts .count-{status}").get_text()
    return int(re.search(r"\d+", text).group())


def assert_cookie_free(response):
    assert "Set-Cookie" not in response.headers
    assert "cookie" not in response.headers.get("Vary", "").lower()


def test_candidate_widget_shows_counts_and_every_pledge_with_status_text(client, data):
    response = client.get(candidate_url())
    assert response.status_code == 200
    page = soup(response)
    assert page.html["lang"] == "fr"
    assert page.find("h1").get_text(strip=True) == "Liste Alpha <b>&</b>"  # escaped, not markup
    assert count_of(page, "kept") == count_of(page, "broken") == count_of(page, "pending") == 1
    rows = page.select(".widget-pledges li")
    assert [r.a.get_text(strip=True) for r in rows] == [
        data.kept.title,
        data.broken.title,
        data.overdue.title,
    ]
    statuses = [r.select_one(".status").get_text(strip=True) for r in rows]
    assert statuses == ["Tenu", "Rompu", "En attente"]
    # Status by text and icon, never colour alone.
    assert all(r.select_one(".status img.status-icon") for r in rows)
    assert rows[2].select_one(".overdue")
    assert "Liste Bêta" not in response.get_data(as_text=True)
    assert page.select_one(".demo")  # demo data is marked as such


def test_every_link_opens_our_full_page_in_a_new_tab(client, data):
    for url in (candidate_url(), f"/embed/pledges/{data.broken.id}"):
        links = soup(client.get(url)).find_all("a")
        assert links
        for link in links:
            assert link["target"] == "_blank"
            assert "noopener" in link["rel"]
            assert link["href"].startswith(SITE)
    hrefs = {a["href"] for a in soup(client.get(candidate_url())).find_all("a")}
    assert f"{SITE}/elections/marseille-2020/liste-alpha" in hrefs
    assert f"{SITE}/pledges/{data.kept.id}" in hrefs


def test_pledge_widget_shows_status_date_and_latest_published_evidence(client, app_session, data):
    later = make_evidence(app_session, data.broken, outlet="Le Canard Fictif", title="Suite")
    later.published_on = later.published_on.replace(year=2022)
    app_session.commit()
    page = soup(client.get(f"/embed/pledges/{data.broken.id}"))
    assert page.find("h1").get_text(strip=True) == data.broken.title
    status = page.select_one(".widget-status")
    assert "Rompu" in status.get_text()
    assert status.find("time")["datetime"] == "2021-10-15"
    evidence = page.select_one(".widget-evidence").get_text(" ", strip=True)
    assert "Le Canard Fictif" in evidence
    assert "Rumeur" not in page.get_text()  # submitted evidence is not public


def test_pledge_widget_escapes_evidence_text(client, data):
    html = client.get(f"/embed/pledges/{data.broken.id}").get_data(as_text=True)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_pledge_without_evidence_says_so(client, data):
    page = soup(client.get(f"/embed/pledges/{data.quiet.id}"))
    assert "Aucune preuve publiée" in page.get_text()


def test_options_language_theme_and_compact(client, data):
    page = soup(client.get(candidate_url(lang="en", theme="dark", compact="1")))
    assert page.html["lang"] == "en"
    assert "theme-dark" in page.html["class"]
    assert "compact" in page.html["class"]
    assert not page.select(".widget-pledges li")  # compact: counts and a link only
    assert page.select_one(".widget-more a")["href"].endswith("liste-alpha?lang=en")
    # Unknown values fall back to the defaults instead of failing.
    page = soup(client.get(candidate_url(lang="xx", theme="neon", compact="no")))
    assert page.html["lang"] == "fr"
    assert "theme-light" in page.html["class"]
    assert len(page.select(".widget-pledges li")) == 3


def test_language_comes_from_the_url_only(client, data):
    response = client.get(candidate_url(), headers={"Accept-Language": "en"})
    assert soup(response).html["lang"] == "fr"
    assert "Vary" not in response.headers  # one URL, one answer: caches need no Vary


def test_unknown_widget_is_a_bare_404(client, data):
    for url in ("/embed/candidates/marseille-2020/nobody", "/embed/pledges/99999"):
        response = client.get(url)
        assert response.status_code == 404
        assert_cookie_free(response)
        assert soup(response).select_one("main.widget")


def test_embed_headers_allow_framing_and_forbid_cookies(client, data):
    response = client.get(candidate_url())
    assert_cookie_free(response)
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors *" in csp
    assert "script-src 'self'" in csp
    assert "X-Frame-Options" not in response.headers
    assert response.headers["Cache-Control"] == CACHE_CONTROL
    etag = response.headers["ETag"]
    assert etag.startswith('"')
    assert not etag.startswith("W/")


def test_embed_ignores_a_session_cookie(client, data):
    client.set_cookie("session", "not-a-valid-session")
    response = client.get(candidate_url())
    assert response.status_code == 200
    assert_cookie_free(response)


def test_other_routes_keep_frame_ancestors_none(client, data):
    response = client.get("/elections/marseille-2020/liste-alpha")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


class TestAllowedOrigins:
    @pytest.fixture
    def app_overrides(self):
        return {"SITE_URL": SITE, "EMBED_ALLOWED_ORIGINS": "https://a.example https://b.example"}

    def test_frame_ancestors_lists_the_configured_origins(self, client, data):
        csp = client.get(candidate_url()).headers["Content-Security-Policy"]
        assert "frame-ancestors https://a.example https://b.example" in csp


def test_matching_etag_gets_304_from_one_query_without_rendering(
    client, data, count_queries, monkeypatch
):
    first = client.get(candidate_url())
    etag = first.headers["ETag"]

    def no_render(*args, **kwargs):
        raise AssertionError("a 304 must not render")

    monkeypatch.setattr("views.embed.render_template", no_render)
    count_queries.reset()
    response = client.get(candidate_url(), headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.get_data() == b""
    assert response.headers["ETag"] == etag
    assert response.headers["Cache-Control"] == CACHE_CONTROL
    assert count_queries.count == 1  # the data version
    assert_cookie_free(response)


def test_etag_follows_the_data_and_the_options(client, app_session, data):
    def etag(url):
        return client.get(url).headers["ETag"]

    base = etag(candidate_url())
    assert etag(candidate_url()) == base
    variants = {
        etag(candidate_url(lang="en")),
        etag(candidate_url(theme="dark")),
        etag(candidate_url(compact="1")),
        base,
    }
    assert len(variants) == 4
    evidence = make_evidence(app_session, data.overdue, stance=Stance.KEPT)
    record_status_change(
        app_session,
        data.overdue,
        to=PledgeStatus.KEPT,
        effective_on=evidence.published_on,
        rationale="",
        cites=[evidence],
        actor="test",
        now=NOW,
    )
    app_session.commit()
    response = client.get(candidate_url(), headers={"If-None-Match": base})
    assert response.status_code == 200  # stale ETag: the new data is rendered
    assert response.headers["ETag"] != base
    assert count_of(soup(response), "kept") == 2


def test_query_count_does_not_grow_with_pledges(client, app_session, data, count_queries):
    def queries(url):
        count_queries.reset()
        assert client.get(url).status_code == 200
        return count_queries.count

    few_candidate, few_pledge = queries(candidate_url()), queries(f"/embed/pledges/{data.kept.id}")
    for n in range(20):
        pledge = make_pledge(app_session, data.alice, title=f"Engagement {n}")
        make_evidence(app_session, pledge)
        make_evidence(app_session, data.kept)
    app_session.commit()
    assert queries(candidate_url()) == few_candidate
    assert queries(f"/embed/pledges/{data.kept.id}") == few_pledge


def test_candidate_and_pledge_pages_offer_both_snippets(client, data):
    for url, kind, src in (
        (
            "/elections/marseille-2020/liste-alpha",
            "candidate",
            f"{SITE}/embed/candidates/marseille-2020/liste-alpha",
        ),
        (f"/pledges/{data.kept.id}", "pledge", f"{SITE}/embed/pledges/{data.kept.id}"),
    ):
        block = soup(client.get(url)).select_one("#embed-snippets")
        assert block is not None, url
        script = block.select_one(f"#embed-script-{kind}")
        iframe = block.select_one(f"#embed-iframe-{kind}")
        assert script.has_attr("readonly")
        assert iframe.has_attr("readonly")
        snippet = BeautifulSoup(script.get_text(), "html.parser")
        assert snippet.div["data-pledge-tracker"] == src.split("/embed/", 1)[1]
        assert snippet.script["src"] == f"{SITE}/static/embed.js"
        assert snippet.script.has_attr("async")
        frame = BeautifulSoup(iframe.get_text(), "html.parser").iframe
        assert frame["src"] == src
        assert frame["title"]
        assert client.get(frame["src"].removeprefix(SITE)).status_code == 200


def test_static_scripts_exist_and_check_origin_and_source(client):
    def text(url):
        with client.get(url) as response:  # static files: close them (ResourceWarning)
            assert response.status_code == 200
            return response.get_data(as_text=True)

    embed = text("/static/embed.js")
    assert "document.currentScript" in embed
    assert "event.origin !== origin" in embed
    assert "contentWindow === event.source" in embed
    widget = text("/static/js/widget.js")
    assert "ResizeObserver" in widget
    assert "postMessage" in widget


@pytest.mark.parametrize(
    ("lang", "statuses"),
    [("fr", ["Tenu", "Rompu", "En attente"]), ("en", ["Kept", "Broken", "Pending"])],
)
def test_candidate_widget_rows_escape_titles_in_either_language(
    client, app_session, data, lang, statuses
):
    """The widget's rows (views.embed.pledge_items): a title is text, never markup, in
    the link and nowhere else; each row links its pledge's page in the widget's language
    and carries its status line, overdue mark beside the status."""
    data.kept.title = 'Caméras <script>alert("x")</script> & "quotes"'
    app_session.add(data.kept)
    app_session.commit()
    response = client.get(candidate_url(lang=lang))
    html = response.get_data(as_text=True)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;quotes&#34;" in html
    rows = soup(response).select("ol.widget-pledges > li")
    assert rows[0].a.get_text() == data.kept.title
    suffix = "?lang=en" if lang == "en" else ""
    assert [r.a["href"] for r in rows] == [
        f"{SITE}/pledges/{p.id}{suffix}" for p in (data.kept, data.broken, data.overdue)
    ]
    assert [r.select_one(".status").get_text(strip=True) for r in rows] == statuses
    assert [bool(r.select_one(".status-line .overdue")) for r in rows] == [False, False, True]
    assert [len(r.find_all(recursive=False)) for r in rows] == [2, 2, 2]  # link, status line
