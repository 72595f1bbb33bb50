"""Fragments that read no data (views.fragments): rendered once per language and link
shape, never one language's or one site root's fragment on another's page."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from tests.factories import make_candidate, make_election, make_pledge
from views import fragments
from views.fragments import demo_notice, fixed_fragment

SITE = "https://suivi.example.org"


@pytest.fixture
def app_overrides():
    return {"SITE_URL": SITE}


@pytest.fixture
def pledges(app_session):
    demo = make_election(app_session, slug="demo-2026", name="Démo", is_demo=True)
    real = make_election(app_session, slug="marseille-2020", name="Marseille")
    found = {}
    for election in (demo, real):
        candidate = make_candidate(app_session, election, slug=f"liste-{election.slug}")
        found[election.slug] = make_pledge(app_session, candidate, slug="p", title="Un engagement")
    app_session.commit()
    return found


def page(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_footer_follows_each_pages_language(client, pledges):
    """Asked in turn, the same worker gives each page the footer of its language, its
    links carrying the visitor's explicit `?lang=` only when there is one."""
    pledge = pledges["marseille-2020"]
    for lang, text, suffix in (
        ("fr", "Données ouvertes (JSON)", "?lang=fr"),
        ("en", "Open data (JSON)", "?lang=en"),
        (None, "Données ouvertes (JSON)", ""),
        ("en", "Open data (JSON)", "?lang=en"),
    ):
        path = f"/pledges/{pledge.id}" + (f"?lang={lang}" if lang else "")
        footer = page(client, path).select_one("footer.site-footer")
        links = {a.get_text(): a["href"] for a in footer.find_all("a")}
        assert links[text] == f"/api/v1/pledges{suffix}", path


def test_embed_block_names_its_own_pledge_in_either_language(client, pledges):
    """The "embed" block is kept per pledge and language: each page shows its own
    pledge's snippets, in its language."""
    demo, real = pledges["demo-2026"], pledges["marseille-2020"]
    for lang, heading in (("fr", "Intégrer"), ("en", "Embed")):
        for pledge in (demo, real, demo):
            block = page(client, f"/pledges/{pledge.id}?lang={lang}").select_one("#embed-snippets")
            assert block.h2.get_text() == heading
            preview = block.find("a")["href"]
            assert preview.startswith(f"{SITE}/embed/pledges/{pledge.id}")
            assert ("lang=en" in preview) is (lang == "en")
            assert f'data-pledge-tracker="pledges/{pledge.id}"' in block.find("textarea").get_text()


@pytest.mark.parametrize(
    ("lang", "words"), [("fr", "Données de démonstration"), ("en", "Demonstration data")]
)
def test_demo_notice_only_on_demonstration_data(client, pledges, lang, words):
    demo, real = pledges["demo-2026"], pledges["marseille-2020"]
    notice = page(client, f"/pledges/{demo.id}?lang={lang}").select_one(".demo-notice")
    assert notice is not None
    assert notice.strong.get_text() == words
    assert notice.code.get_text() == "flask --app app demo unload"  # markup, not escaped
    assert page(client, f"/pledges/{real.id}?lang={lang}").select_one(".demo-notice") is None


def test_a_fragment_is_rendered_once_per_key_and_the_store_is_bounded(app, monkeypatch):
    rendered = []
    real_render = fragments.render_template

    def counting(name, **values):
        rendered.append((name, values))
        return real_render(name, **values)

    monkeypatch.setattr(fragments, "render_template", counting)
    monkeypatch.setattr(fragments, "KEPT_AT_MOST", 2)
    with app.test_request_context("/"):
        first = fixed_fragment("_footer.html")
        assert fixed_fragment("_footer.html") is first
        assert len(rendered) == 1
        assert demo_notice([]) == ""
        notice = demo_notice([type("Election", (), {"is_demo": True})()])
        assert "demo-notice" in notice
        assert len(rendered) == 2
    with app.test_request_context("/?lang=en"):
        app.preprocess_request()
        english = fixed_fragment("_footer.html")
        assert english != first
        assert len(rendered) == 3
    store = app.extensions["fixed_fragments"]
    assert len(store.rendered) <= 2


@pytest.mark.parametrize("anonymous_first", [True, False])
def test_account_links_are_kept_for_anonymous_visitors_only(
    app, client, auth, pledges, anonymous_first
):
    """The header's account links: an anonymous visitor's are kept per language
    (base.html), never shown to someone logged in, nor theirs to an anonymous one."""
    path = f"/pledges/{pledges['marseille-2020'].id}"
    anonymous = app.test_client()

    def anonymous_links():
        response = anonymous.get(path)
        assert "Set-Cookie" not in response.headers
        nav = BeautifulSoup(response.get_data(as_text=True), "html.parser").select_one("#nav")
        return [a.get_text() for a in nav.find_all("a")]

    if anonymous_first:
        assert anonymous_links() == ["Connexion"]
    auth.login_as(display_name="Camille Bénévole")
    nav = page(client, path).select_one("#nav")
    assert "Camille Bénévole" in nav.get_text()
    assert nav.find("form", action="/auth/logout") is not None
    assert anonymous_links() == ["Connexion"]
    english = BeautifulSoup(anonymous.get(path + "?lang=en").get_data(as_text=True), "html.parser")
    assert [a.get_text() for a in english.select("#nav a")] == ["Log in"]


# What each fixed fragment may read besides the values passed in: translations, URL
# building, the colon, the config. Never the session, the visitor or the request.
FIXED_FRAGMENTS = {
    "_footer.html": set(),
    "_demo_notice.html": set(),
    "public/_embed_snippets.html": {"snippets"},
    # Kept for anonymous visitors only (base.html tests who is logged in first).
    "auth/_nav.html": {"current_user", "csrf_token"},
}
SAFE_GLOBALS = {"_", "url_for", "colon"}


@pytest.mark.parametrize("name", sorted(FIXED_FRAGMENTS))
def test_fixed_fragments_read_nothing_but_their_values(app, name):
    from jinja2 import meta

    source = app.jinja_loader.get_source(app.jinja_env, name)[0]
    read = meta.find_undeclared_variables(app.jinja_env.parse(source))
    assert read <= SAFE_GLOBALS | FIXED_FRAGMENTS[name], read - SAFE_GLOBALS


def test_fixed_fragments_are_kept_per_language_and_script_root(client, pledges):
    """The language chosen by Accept-Language alone, and the script root the site is
    mounted under, each get their own fragments."""
    path = f"/pledges/{pledges['marseille-2020'].id}"

    def footer(**kw):
        response = client.get(path, **kw)
        assert response.status_code == 200
        html = BeautifulSoup(response.get_data(as_text=True), "html.parser")
        return html.select_one("footer.site-footer")

    assert "Données ouvertes" in footer().get_text()
    english = footer(headers={"Accept-Language": "en"})
    assert "Open data" in english.get_text()
    assert english.a["href"] == "/themes/"  # no ?lang=: the visitor did not ask in the URL
    mounted = footer(base_url="http://localhost/sous-dossier/")
    assert mounted.a["href"] == "/sous-dossier/themes/"
    assert footer().a["href"] == "/themes/"
