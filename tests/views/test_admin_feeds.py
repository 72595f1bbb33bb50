"""A feed's page in the admin: read now, its items and their suggestions, warnings and errors in
the reader's language, pause/resume/delete, a web page's advertised feeds; the keywords preview."""

import pytest
from bs4 import BeautifulSoup
from sqlmodel import select

from models import AuditEntry, Feed, FeedFetch, FeedItem, Suggestion
from models.enums import Role, SuggestionState
from tests.factories import make_pledge, make_suggestion
from tests.pledges.feed_server import Reply, sample, serving

HX = {"HX-Request": "true", "HX-Target": "keywords-preview"}

PAGE_WITH_FEEDS = b"""<!doctype html><html lang="fr"><head><title>Journal</title>
<link rel="alternate" type="application/rss+xml" title="Toute l'actu" href="/rss.xml">
<link rel="alternate" type="application/atom+xml" title="Atom" href="https://other.example/atom">
<link rel="stylesheet" href="/s.css"></head><body><p>Bienvenue</p></body></html>"""


@pytest.fixture
def app_overrides():
    return {"FEEDS_ALLOW_PRIVATE": True, "FEEDS_READ_TIMEOUT": 1, "FEEDS_DEADLINE_SECONDS": 5}


@pytest.fixture
def server():
    with serving() as state:
        yield state


def _soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _add(client, auth, url, name=""):
    response = client.post(
        "/admin/feeds",
        data={"csrf_token": auth.csrf_token(), "url": url, "name": name, "interval_minutes": "60"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def _read_now(client, auth, feed_page, lang="fr"):
    response = client.post(f"{feed_page}/read?lang={lang}", data={"csrf_token": auth.csrf_token()})
    assert response.status_code == 302
    assert response.headers["Location"].split("?")[0].endswith(feed_page)
    return client.get(f"{feed_page}?lang={lang}")


def test_read_now_stores_items_and_lists_them_with_their_pledges(auth, client, app_session, server):
    pledge = make_pledge(
        app_session, title="Moratoire caméras", keywords_include=["caméras", "vidéoprotection"]
    )
    app_session.commit()
    server.routes["/rss.xml"] = Reply(
        200, sample("rss20.xml"), {"Content-Type": "application/rss+xml"}
    )
    auth.login_as(Role.EDITOR)
    feed_page = _add(client, auth, server.url("/rss.xml"), "Journal fictif")
    assert server.hits("/rss.xml") == 0  # adding does not fetch

    page = _read_now(client, auth, feed_page)
    assert server.hits("/rss.xml") == 1
    soup = _soup(page)
    assert "Flux lu : 2 nouvel(s) article(s), 1 suggestion(s)." in soup.text
    rows = soup.find_all("table")[1].find("tbody").find_all("tr")
    # Newest first: the 11:00 portrait, then the 10:00 cameras article with its pledge.
    assert "Le caméraman du festival" in rows[0].th.text
    assert "Vidéoprotection : 50 nouvelles caméras" in rows[1].th.text
    link = rows[1].find("a", string="Moratoire caméras")["href"]
    assert link.split("?")[0] == f"/admin/pledges/{pledge.id}"
    assert "à relire" in rows[1].text
    history = soup.find_all("table")[0].find("tbody").find_all("tr")
    assert len(history) == 1
    assert "OK" in history[0].text

    # Read again: the server answers the same document; nothing new, no new suggestion.
    page = _read_now(client, auth, feed_page, lang="en")
    assert "Feed read: 0 new article(s), 0 suggestion(s)." in _soup(page).text
    assert len(app_session.exec(select(Suggestion)).all()) == 1


def test_read_now_paginates_items(auth, client, app_session, server):
    entries = "".join(
        f"<item><title>Article {n}</title><link>https://n.example/{n}</link><guid>g{n}</guid>"
        f"<pubDate>Mon, {n:02d} Mar 2026 10:00:00 +0100</pubDate></item>"
        for n in range(1, 26)
    )
    body = f'<?xml version="1.0"?><rss version="2.0"><channel>{entries}</channel></rss>'
    server.routes["/many.xml"] = Reply(200, body.encode())
    auth.login_as(Role.EDITOR)
    feed_page = _add(client, auth, server.url("/many.xml"))
    first = _soup(_read_now(client, auth, feed_page))
    titles = [row.th.text for row in first.find_all("table")[1].tbody.find_all("tr")]
    assert titles[0] == "Article 25"
    assert len(titles) == 20
    second = _soup(client.get(f"{feed_page}?page=2"))
    titles = [row.th.text for row in second.find_all("table")[1].tbody.find_all("tr")]
    assert titles == [f"Article {n}" for n in range(5, 0, -1)]
    assert client.get(f"{feed_page}?page=abc").status_code == 200
    assert client.get(f"{feed_page}?page=99").status_code == 200


@pytest.mark.parametrize(
    ("lang", "label", "message"),
    [("fr", "Avertissement", "Le flux était tronqué"), ("en", "Warning", "The feed was cut off")],
)
def test_a_truncated_feed_shows_a_warning_not_ok(
    auth, client, app_session, server, lang, label, message
):
    server.routes["/cut.xml"] = Reply(200, sample("truncated.xml"))
    auth.login_as(Role.EDITOR)
    feed_page = _add(client, auth, server.url("/cut.xml"))
    soup = _soup(_read_now(client, auth, feed_page, lang=lang))
    for shown in (soup.find("dl").text, soup.find(class_="flashes").text):
        assert label in shown
        assert message in shown
    listing = _soup(client.get(f"/admin/feeds?lang={lang}")).find("tbody").text
    assert label in listing
    assert message in listing
    assert "OK" not in listing
    fetch = app_session.exec(select(FeedFetch)).one()
    assert (fetch.outcome, fetch.code, fetch.new_items) == ("warning", "feed_truncated", 2)


def test_errors_are_kept_in_a_bounded_history(auth, client, app_session, server):
    server.routes["/broken.xml"] = Reply(500, b"oops")
    auth.login_as(Role.EDITOR)
    feed_page = _add(client, auth, server.url("/broken.xml"))
    for _ in range(22):
        response = client.post(f"{feed_page}/read", data={"csrf_token": auth.csrf_token()})
        assert response.status_code == 302
    soup = _soup(client.get(f"{feed_page}?lang=en"))
    assert "Error: The feed's site answered with an error." in soup.find("dl").text
    history = soup.find_all("table")[0].tbody.find_all("tr")
    assert len(history) == 20
    assert "HTTP 500 Internal Server Error" in history[0].text
    assert len(app_session.exec(select(FeedFetch)).all()) == 20


def test_a_web_page_offers_the_feeds_it_advertises(auth, client, app_session, server):
    server.routes["/"] = Reply(200, PAGE_WITH_FEEDS, {"Content-Type": "text/html; charset=utf-8"})
    server.routes["/rss.xml"] = Reply(200, sample("rss20.xml"))
    auth.login_as(Role.EDITOR)
    feed_page = _add(client, auth, server.url("/"))
    soup = _soup(_read_now(client, auth, feed_page, lang="en"))
    assert "This address is a web page, not an RSS or Atom feed." in soup.find("dl").text
    section = soup.find("section", attrs={"aria-labelledby": "alternates-heading"})
    offered = [i["value"] for i in section.find_all("input", attrs={"name": "url"})]
    assert offered == [server.url("/rss.xml"), "https://other.example/atom"]
    form = section.find("form")
    data = {i["name"]: i["value"] for i in form.find_all("input")}
    response = client.post(form["action"], data=data)
    assert response.status_code == 302
    added = app_session.exec(select(Feed).where(Feed.url == server.url("/rss.xml"))).one()
    assert added.name == "Toute l'actu"


def test_pause_resume_and_delete(auth, client, app_session, server):
    server.routes["/rss.xml"] = Reply(200, sample("rss20.xml"))
    make_pledge(app_session, keywords_include=["caméras", "caméraman"])
    app_session.commit()
    auth.login_as(Role.EDITOR)
    feed_page = _add(client, auth, server.url("/rss.xml"))
    _read_now(client, auth, feed_page)
    feed = app_session.exec(select(Feed)).one()

    assert (
        client.post(f"{feed_page}/pause", data={"csrf_token": auth.csrf_token()}).status_code == 302
    )
    app_session.refresh(feed)
    assert feed.active is False
    soup = _soup(client.get(feed_page))
    assert "En pause" in soup.find("dl").text
    assert soup.find("button", string="Lire maintenant") is None
    # A paused feed is not read, even when asked directly.
    client.post(f"{feed_page}/read", data={"csrf_token": auth.csrf_token()})
    assert server.hits("/rss.xml") == 1

    assert (
        client.post(f"{feed_page}/resume", data={"csrf_token": auth.csrf_token()}).status_code
        == 302
    )
    app_session.refresh(feed)
    assert feed.active is True

    # One suggestion decided (dismissed), one still waiting.
    waiting, decided = app_session.exec(select(Suggestion).order_by(Suggestion.id)).all()
    decided.state = SuggestionState.DISMISSED
    app_session.add(decided)
    app_session.commit()
    response = client.post(f"{feed_page}/delete", data={"csrf_token": auth.csrf_token()})
    assert response.headers["Location"].endswith("/admin/feeds")
    assert client.get(feed_page).status_code == 404
    assert "rss.xml" not in _soup(client.get("/admin/feeds")).find("tbody").text
    app_session.expire_all()
    assert len(app_session.exec(select(FeedItem)).all()) == 2  # kept for evidence
    remaining = app_session.exec(select(Suggestion)).all()
    assert [s.state for s in remaining] == [SuggestionState.DISMISSED]
    actions = [e.action for e in app_session.exec(select(AuditEntry)).all()]
    assert {"feed.paused", "feed.resumed", "feed.deleted"} <= set(actions)

    # Added again: the same feed comes back with its items, nothing duplicated.
    assert _add(client, auth, server.url("/rss.xml")) == feed_page
    _read_now(client, auth, feed_page)
    assert len(app_session.exec(select(FeedItem)).all()) == 2


def test_feed_actions_404_and_need_csrf(auth, client):
    auth.login_as(Role.EDITOR)
    token = auth.csrf_token()
    for action in ("read", "pause", "resume", "delete"):
        assert (
            client.post(f"/admin/feeds/999/{action}", data={"csrf_token": token}).status_code == 404
        )
    assert client.get("/admin/feeds/999").status_code == 404


def test_keywords_preview_highlights_matched_words(auth, client, app_session):
    pledge = make_pledge(app_session, keywords_include=["tramway"])
    make_suggestion(
        app_session,
        title="Les caméras de la Plaine",
        summary_html="<p>Trois <b>caméras</b> près du marché ; la vidéosurveillance s'étend.</p>",
    )
    make_suggestion(app_session, title="Budget du tramway", summary_html="")
    app_session.commit()
    auth.login_as(Role.EDITOR)
    url = f"/admin/pledges/{pledge.id}/keywords-preview"

    token = auth.csrf_token()
    page = client.post(
        url, data={"csrf_token": token, "keywords_include": "caméra\nvidéosurveillance"}
    )
    assert page.status_code == 200
    assert "HX-Request" in page.headers["Vary"]
    soup = _soup(page)
    assert soup.find("h1")  # a full page without htmx
    section = soup.find(id="keywords-preview")
    assert [m.text for m in section.find_all("mark")] == ["caméras", "caméras", "vidéosurveillance"]
    assert "Budget du tramway" not in section.text

    fragment = client.post(
        url,
        data={"csrf_token": token, "keywords_include": "caméras", "keywords_exclude": "marché"},
        headers=HX,
    )
    soup = _soup(fragment)
    assert soup.find("h1") is None
    assert soup.section["id"] == "keywords-preview"
    assert "Aucun article enregistré ne correspond." in soup.text

    # Without parameters: the pledge's saved keywords.
    saved = _soup(client.get(url)).find(id="keywords-preview")
    assert [m.text for m in saved.find_all("mark")] == ["tramway"]
    assert client.get("/admin/pledges/999/keywords-preview").status_code == 404


def test_edit_form_preview_button_posts_the_keywords_without_javascript(auth, client, app_session):
    pledge = make_pledge(app_session)
    make_suggestion(app_session, title="Un moratoire voté", summary_html="")
    app_session.commit()
    auth.login_as(Role.EDITOR)
    form = _soup(client.get(f"/admin/pledges/{pledge.id}/edit")).find("form", class_="work-form")
    button = form.find("button", string="Prévisualiser les articles")
    assert button["formaction"] == f"/admin/pledges/{pledge.id}/keywords-preview"
    data = {i["name"]: i.get("value", "") for i in form.find_all("input") if i.get("name")}
    data.update(title=pledge.title, keywords_include="moratoire", keywords_exclude="")
    response = client.post(button["formaction"], data=data)
    assert response.status_code == 200
    assert [m.text for m in _soup(response).find_all("mark")] == ["moratoire"]
    app_session.refresh(pledge)
    assert pledge.keywords_include == []  # previewing saves nothing
