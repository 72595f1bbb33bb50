"""Public pages: scoreboard (page and htmx fragment), theme, candidate and pledge pages, errors."""

import re
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from sqlmodel import select

from models import Pledge
from models.enums import EvidenceKind, EvidenceState, PledgeStatus, Stance
from pledges import scoreboard as reads
from pledges.demo import load_demo
from pledges.status import record_status_change
from tests.factories import make_candidate, make_election, make_evidence, make_pledge

FRAGMENT = {"HX-Request": "true", "HX-Target": "pledge-list"}
BOARD = "/elections/ville-2020"  # the election's board: what the home page was
HOSTILE_BODY = (
    "Texte **important**.\n\n"
    "<script>alert('x')</script>"
    '<a href="javascript:alert(1)" onclick="alert(2)" hx-get="/admin" style="color:red">piège</a>'
    '<p onmouseover="alert(3)" hx-trigger="load" hx-post="/x">para</p>'
)


@pytest.fixture
def site(app_session):
    s = app_session
    election = make_election(
        s, slug="ville-2020", name="Municipales de Ville-Fictive", is_demo=True
    )
    alice = make_candidate(
        s, election, slug="alice", name="Alice Fictive", list_name="Ville Claire"
    )
    bruno = make_candidate(s, election, slug="bruno", name="Bruno Fictif")
    moratorium = make_pledge(
        s,
        alice,
        title="Moratoire sur la vidéosurveillance",
        theme="video-surveillance",
        body=HOSTILE_BODY,
        made_on=date(2020, 3, 1),
        source_url="https://programme.example/p1",
        quote="Nous suspendrons toute nouvelle caméra.",
    )
    deliberation = make_evidence(
        s,
        moratorium,
        kind=EvidenceKind.COUNCIL_DELIBERATION,
        published_on=date(2021, 10, 5),
        title="Délibération sur les caméras",
        outlet="Conseil municipal",
        stance=Stance.BROKEN,
    )
    article = make_evidence(
        s,
        moratorium,
        kind=EvidenceKind.PRESS_ARTICLE,
        published_on=date(2021, 11, 20),
        title="Les caméras restent allumées",
        outlet="Le Journal Fictif",
    )
    make_evidence(s, moratorium, state=EvidenceState.SUBMITTED, title="Non publiée encore")
    record_status_change(
        s,
        moratorium,
        to=PledgeStatus.BROKEN,
        effective_on=date(2021, 12, 1),
        rationale="Le parc de caméras a **augmenté**.",
        cites=[deliberation, article],
        actor="test",
    )
    late = make_pledge(
        s,
        alice,
        title="Audit des caméras publié",
        theme="video-surveillance",
        deadline=date.today() - timedelta(days=30),
    )
    schools = make_pledge(s, bruno, title="Écoles rénovées", theme="ecoles")
    s.commit()
    return {
        "election": election,
        "alice": alice,
        "bruno": bruno,
        "moratorium": moratorium,
        "late": late,
        "schools": schools,
    }


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def list_titles(page: BeautifulSoup) -> list[str]:
    return [h.get_text(strip=True) for h in page.select("#pledge-list li h3")]


# --- scoreboard: page and fragment -------------------------------------------------------


def test_scoreboard_full_page(client, site):
    response = client.get(BOARD)
    assert response.status_code == 200
    page = soup(response)
    assert page.html["lang"] == "fr"
    assert page.find("main", id="main")
    assert page.select_one("a.skip-link[href='#main']")
    assert page.h1.get_text(strip=True) == "Municipales de Ville-Fictive"
    assert page.select_one("section#candidate-board table caption").get_text(strip=True) == (
        "2 candidats"
    )
    alice_row = [r for r in page.select("#candidate-board tbody tr") if "Alice" in r.get_text()][0]
    text = " ".join(alice_row.get_text(" ", strip=True).split())
    assert "Tenu : 0" in text
    assert "Rompu : 1" in text
    assert "En attente : 1" in text
    assert "dont en retard : 1" in text
    assert alice_row.select_one("svg.bar")["aria-hidden"] == "true"
    assert set(list_titles(page)) == {
        "Moratoire sur la vidéosurveillance",
        "Audit des caméras publié",
        "Écoles rénovées",
    }
    assert "HX-Request" in response.headers["Vary"]


def test_filter_form_is_a_plain_get_form_enhanced_by_htmx(client, site):
    form = soup(client.get(BOARD)).select_one("form#filters")
    assert form["method"] == "get"
    assert form["action"] == BOARD
    assert form["data-hx-get"] == BOARD
    assert form["data-hx-target"] == "#pledge-list"
    assert form["data-hx-push-url"] == "true"
    assert "change" in form["data-hx-trigger"]
    assert "keyup" in form["data-hx-trigger"]
    assert "delay" in form["data-hx-trigger"]
    assert form.select_one("button[type=submit]")
    for field in form.select("input:not([type=hidden]), select"):
        assert form.select_one(f"label[for={field['id']}]"), field["name"]
    assert {f["name"] for f in form.select("input, select")} >= {
        "q",
        "candidate",
        "theme",
        "status",
        "overdue",
    }


def test_fragment_for_htmx_with_out_of_band_counts(client, site):
    response = client.get(f"{BOARD}?status=broken", headers=FRAGMENT)
    assert response.status_code == 200
    page = soup(response)
    assert page.find("html") is None
    roots = [el for el in page.children if getattr(el, "name", None)]
    assert [(r.name, r["id"]) for r in roots] == [
        ("section", "pledge-list"),
        ("section", "candidate-board"),
    ]
    assert roots[1]["data-hx-swap-oob"] == "true"
    assert list_titles(page) == ["Moratoire sur la vidéosurveillance"]
    assert "HX-Request" in response.headers["Vary"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HX-Request": "true", "HX-Target": "pledge-list", "HX-History-Restore-Request": "true"},
        {"HX-Request": "true", "HX-Target": "pledge-list", "HX-Boosted": "true"},
        {"HX-Request": "true", "HX-Target": "main"},
    ],
)
def test_full_page_for_reload_history_restore_and_boost(client, site, headers):
    response = client.get(f"{BOARD}?status=broken", headers=headers)
    page = soup(response)
    assert page.find("html") is not None
    assert page.select_one("form#filters")
    assert list_titles(page) == ["Moratoire sur la vidéosurveillance"]
    assert page.select_one("#candidate-board").get("data-hx-swap-oob") is None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=kept", []),
        ("status=pending", ["Audit des caméras publié", "Écoles rénovées"]),
        ("candidate=bruno", ["Écoles rénovées"]),
        ("theme=video-surveillance&status=pending", ["Audit des caméras publié"]),
        ("overdue=1", ["Audit des caméras publié"]),
        ("q=VIDEO", ["Moratoire sur la vidéosurveillance"]),
        # The title first, then the pledge found by its published evidence's title.
        ("q=camera", ["Audit des caméras publié", "Moratoire sur la vidéosurveillance"]),
        ("q=encore", []),  # the title of submitted evidence: not public
        ("q=%C3%A9coles", ["Écoles rénovées"]),
    ],
)
def test_scoreboard_filters(client, site, query, expected):
    assert list_titles(soup(client.get(f"{BOARD}?{query}"))) == expected


def test_counts_follow_theme_filter(client, site):
    page = soup(client.get(f"{BOARD}?theme=ecoles", headers=FRAGMENT))
    rows = {
        r.th.a.get_text(): " ".join(r.td.get_text(" ", strip=True).split())
        for r in page.select("#candidate-board tbody tr")
    }
    assert "Rompu : 0" in rows["Alice Fictive"]
    assert "En attente : 1" in rows["Bruno Fictif"]


@pytest.mark.parametrize(
    "query",
    [
        "status=zzz",
        "page=abc",
        "page=-3",
        "page=0",
        "page=999999",
        "overdue=maybe",
        "candidate=nobody",
        "q=" + "x" * 5000,
        "status=kept&status=broken",
        "election=nope",
        "page=1e9",
    ],
)
def test_unknown_filter_values_never_crash(client, site, query):
    response = client.get(f"{BOARD}?{query}")
    assert response.status_code in {200, 400}
    assert soup(response).select_one("#pledge-list") is not None


@pytest.mark.parametrize("query", ["theme=%00", "q=%00", "candidate=a%00b"])
def test_nul_in_a_filter_is_a_400_page_not_a_crash(client, site, query):
    # NUL is refused for every query argument in one place (views.security).
    response = client.get(f"{BOARD}?{query}")
    assert response.status_code == 400
    assert soup(response).select_one("main h1") is not None


def test_unknown_status_is_ignored(client, site):
    assert len(list_titles(soup(client.get(f"{BOARD}?status=zzz")))) == 3


def test_pagination_works_with_and_without_htmx(app, client, site):
    app.config["PAGE_SIZE"] = 2
    page = soup(client.get(f"{BOARD}?theme=video-surveillance"))
    assert len(list_titles(page)) == 2
    page = soup(client.get(BOARD))
    next_link = page.select_one("#pledge-list nav.pagination a[rel=next]")
    assert next_link["href"] == f"{BOARD}?page=2"
    assert next_link["data-hx-get"] == next_link["href"]
    assert next_link["data-hx-target"] == "#pledge-list"
    assert next_link["data-hx-push-url"] == "true"
    second = soup(client.get(next_link["href"]))
    assert list_titles(second) == ["Écoles rénovées"]
    filtered = soup(client.get(f"{BOARD}?status=pending&q=e", headers=FRAGMENT))
    assert filtered.select_one("a[rel=next]") is None
    app.config["PAGE_SIZE"] = 1
    link = soup(client.get(f"{BOARD}?status=pending")).select_one("a[rel=next]")["href"]
    assert parse_qs(urlsplit(link).query) == {"status": ["pending"], "page": ["2"]}
    fragment = soup(client.get(link, headers=FRAGMENT))
    assert list_titles(fragment) == ["Écoles rénovées"]


# --- theme, candidate and pledge pages -----------------------------------------------------


def test_theme_page_sets_candidates_side_by_side(client, site):
    page = soup(client.get("/themes/video-surveillance"))
    columns = {
        col.h3.get_text(strip=True): col.get_text(" ", strip=True)
        for col in page.select("article.column")
    }
    assert set(columns) == {"Alice Fictive", "Bruno Fictif"}
    assert "Moratoire sur la vidéosurveillance" in columns["Alice Fictive"]
    assert "Rompu" in columns["Alice Fictive"]
    assert "Échéance dépassée" in columns["Alice Fictive"]
    assert "Aucun engagement sur ce thème" in columns["Bruno Fictif"]
    assert client.get("/themes/inconnu").status_code == 404
    themes = soup(client.get("/themes/"))
    assert [a["href"] for a in themes.select("main ul.themes a")] == [
        "/themes/ecoles",
        "/themes/video-surveillance",
    ]


def test_candidate_page(client, site):
    response = client.get("/elections/ville-2020/alice")
    page = soup(response)
    assert page.h1.get_text(strip=True) == "Alice Fictive"
    assert "Ville Claire" in page.select_one("p.meta").get_text()
    assert set(list_titles(page)) == {
        "Moratoire sur la vidéosurveillance",
        "Audit des caméras publié",
    }
    assert "Rompu : 1" in " ".join(page.select_one(".candidate-summary").get_text(" ").split())
    fragment = soup(client.get("/elections/ville-2020/alice", headers=FRAGMENT))
    assert fragment.find("html") is None
    assert fragment.select_one("section#pledge-list")
    assert client.get("/elections/ville-2020/nobody").status_code == 404
    assert client.get("/elections/nope/alice").status_code == 404


def test_pledge_page_shows_status_origin_and_sanitised_body(client, site):
    pledge = site["moratorium"]
    page = soup(client.get(f"/pledges/{pledge.id}"))
    assert page.h1.get_text(strip=True) == "Moratoire sur la vidéosurveillance"
    status = page.select_one(".current-status")
    badge = status.select_one(".status.status-broken")
    assert badge.get_text(strip=True) == "Rompu"
    assert badge.img["alt"] == ""
    assert badge.img["src"].endswith("status-broken.svg")
    assert status.select_one(".since time")["datetime"] == "2021-12-01"
    assert status.select_one(".rationale strong").get_text() == "augmenté"
    strongest = " ".join(status.select_one(".strongest").get_text(" ", strip=True).split())
    assert "délibération du conseil municipal" in strongest
    made = page.select_one(".promise")
    assert made.select_one("time")["datetime"] == "2020-03-01"
    assert made.select_one("a[href='https://programme.example/p1']")
    assert "Nous suspendrons" in made.blockquote.get_text()
    body = page.select_one(".promise .body")
    assert body.strong.get_text() == "important"
    html = str(body)
    for bad in (
        "<script",
        "javascript:",
        "onclick",
        "onmouseover",
        "hx-get",
        "hx-post",
        "hx-trigger",
        "style=",
    ):
        assert bad not in html


def test_pledge_timeline_merges_published_evidence_and_changes(client, site):
    page = soup(client.get(f"/pledges/{site['moratorium'].id}"))
    entries = page.select("section#timeline li.timeline-entry")
    assert [e["class"][1] for e in entries] == [
        "timeline-made",
        "timeline-evidence",
        "timeline-evidence",
        "timeline-status",
    ]
    dates = [e.select_one(".when time")["datetime"] for e in entries]
    assert dates == sorted(dates)
    assert "Non publiée encore" not in page.get_text()
    change = entries[-1]
    assert change.select_one(".status-pending")
    assert change.select_one(".status-broken")
    assert len(change.select(".cites a")) == 2
    evidence = entries[1].get_text(" ", strip=True)
    assert "Conseil municipal" in evidence
    assert "délibération du conseil municipal" in evidence


def test_overdue_mark_is_beside_the_status(client, site):
    page = soup(client.get(f"/pledges/{site['late'].id}"))
    line = page.select_one(".current-status .status-line")
    assert line.select_one(".status-pending").get_text(strip=True) == "En attente"
    assert "Échéance dépassée" in line.select_one(".overdue").get_text()


def test_unknown_pledge_is_404_in_the_site_look(client, site):
    response = client.get("/pledges/999999")
    assert response.status_code == 404
    page = soup(response)
    assert page.h1.get_text(strip=True) == "Page introuvable"
    assert page.select_one("header.site-header nav")
    assert page.select_one("footer.site-footer")
    assert client.get("/pledges/abc").status_code == 404


def test_demo_notice_on_pages_showing_demo_data(client, site, app_session):
    for path in (
        "/",
        "/themes/",
        "/themes/video-surveillance",
        "/elections/ville-2020/alice",
        f"/pledges/{site['moratorium'].id}",
    ):
        notice = soup(client.get(path)).select_one(".demo-notice")
        assert notice is not None, path
        assert "Données de démonstration" in notice.get_text()
    site["election"].is_demo = False
    app_session.add(site["election"])
    app_session.commit()
    assert soup(client.get(BOARD)).select_one(".demo-notice") is None


# --- languages -----------------------------------------------------------------------------


def test_english_status_labels_and_language_switch(client, site):
    page = soup(client.get(f"/pledges/{site['moratorium'].id}?lang=en"))
    assert page.html["lang"] == "en"
    assert page.select_one(".current-status .status").get_text(strip=True) == "Broken"
    switch = {a["hreflang"]: a for a in page.select(".language-switch a")}
    assert switch["fr"]["href"] == f"/pledges/{site['moratorium'].id}?lang=fr"
    assert switch["en"]["aria-current"] == "true"
    # Links on an English page keep the language without any cookie.
    assert page.select_one("a.brand")["href"] == "/?lang=en"
    accept = soup(
        client.get(f"{BOARD}?status=pending", headers={"Accept-Language": "en-GB,en;q=0.8"})
    )
    assert {s.get_text(strip=True) for s in accept.select("#pledge-list .status")} == {"Pending"}
    french = soup(client.get(f"{BOARD}?status=pending"))
    assert {s.get_text(strip=True) for s in french.select("#pledge-list .status")} == {"En attente"}


@pytest.mark.parametrize(("lang", "label"), [("fr", "Langue"), ("en", "Language")])
def test_language_switch_is_labelled_and_escaped(client, site, lang, label):
    """The header's switch (views.urls.language_switch): a list labelled in the page's
    language, each language named in itself, the current one marked, the links' `&`
    escaped in the HTML."""
    html = client.get(f"{BOARD}?status=broken&theme=video-surveillance&lang={lang}").get_data(
        as_text=True
    )
    switch = BeautifulSoup(html, "html.parser").select_one("ul.language-switch")
    assert switch["aria-label"] == label
    links = switch.select("li > a")
    assert [(a["lang"], a["hreflang"], a.get_text()) for a in links] == [
        ("fr", "fr", "Français"),
        ("en", "en", "English"),
    ]
    assert [a.get("aria-current") for a in links] == [
        "true" if lang == "fr" else None,
        "true" if lang == "en" else None,
    ]
    assert "status=broken&amp;" in html
    assert "status=broken&theme" not in html


def test_language_switch_keeps_filters(client, site):
    page = soup(client.get(f"{BOARD}?status=broken&theme=video-surveillance"))
    href = page.select_one(".language-switch a[hreflang=en]")["href"]
    assert href.startswith(f"{BOARD}?")
    assert "status=broken" in href
    assert "lang=en" in href
    assert "Broken" in soup(client.get(href)).select_one("#pledge-list .status").get_text()


# --- errors --------------------------------------------------------------------------------


def test_500_page_in_the_site_look(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def boom():
        raise RuntimeError("secret detail")

    app.add_url_rule("/boom", "boom", boom)
    app.add_url_rule("/api/v1/boom", "api_boom", boom)
    response = client.get("/boom")
    assert response.status_code == 500
    page = soup(response)
    assert page.h1.get_text(strip=True) == "Erreur du serveur"
    assert "secret detail" not in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers
    api = client.get("/api/v1/boom")
    assert api.status_code == 500
    assert api.is_json
    assert api.json["error"]


def test_demo_moratorium_shows_as_strongest_evidence_an_item_its_ruling_cites(client, app_session):
    """The ruling cites three items; the April-fool text it leaves out is not shown."""
    load_demo(app_session)
    app_session.commit()
    pledge = app_session.exec(
        select(Pledge).where(Pledge.slug == "moratoire-videosurveillance")
    ).one()
    page = soup(client.get(f"/pledges/{pledge.id}"))
    strongest = page.select_one(".strongest")
    cited = {e.url for e in reads.current_change(pledge).cites}
    assert strongest.a["href"] in cited
    assert "poisson" not in strongest.get_text().lower()


def test_pledge_page_shows_the_html_rendered_at_write_time(client, app_session):
    """Body, evidence notes and rationales come from the stored HTML, byte for byte what
    render_markdown gives, still sanitised; a row left without HTML is rendered on the read."""
    from pledges.text import render_markdown

    s = app_session
    pledge = make_pledge(s, body=HOSTILE_BODY)
    note = "Note **en gras** <img src=https://tiers.example/pixel.png> [x](javascript:alert(1))"
    cited = make_evidence(s, pledge, note=note, stance=Stance.BROKEN)
    make_evidence(s, pledge, note="Autre *note*", stance=Stance.CONTEXT)
    rationale = "Motif <script>alert(3)</script> _souligné_"
    record_status_change(
        s, pledge, to=PledgeStatus.BROKEN, effective_on=date(2021, 12, 1), rationale=rationale,
        cites=[cited], actor="test",
    )  # fmt: skip
    s.commit()
    assert pledge.body_html
    assert cited.note_html
    html = client.get(f"/pledges/{pledge.id}").get_data(as_text=True)
    for text in (HOSTILE_BODY, note, "Autre *note*", rationale):
        assert str(render_markdown(text)) in html
    assert html.count(str(render_markdown(rationale))) == 2  # current status and timeline
    assert "<script>alert" not in html
    assert "javascript:" not in html
    assert "tiers.example" not in html

    # Written by a path that skipped the ORM (bulk SQL): rendered when read, same output.
    s.execute(Pledge.__table__.update().values(body_html=""))
    s.commit()
    html = client.get(f"/pledges/{pledge.id}?again=1").get_data(as_text=True)
    assert str(render_markdown(HOSTILE_BODY)) in html


@pytest.mark.parametrize(("lang", "colon"), [("fr", "\u00a0:"), ("en", ":")])
def test_timeline_labels_take_each_languages_colon(client, app_session, lang, colon):
    """ "Preuve (article, …) :", "Changement de statut :" and "Preuves citées :" are
    written as each language writes a colon: no space before it in English."""
    pledge = make_pledge(app_session)
    item = make_evidence(app_session, pledge, stance=Stance.BROKEN)
    app_session.commit()
    record_status_change(
        app_session, pledge, to=PledgeStatus.BROKEN, effective_on=date.today(),
        rationale="r", cites=[item], actor="test",
    )  # fmt: skip
    app_session.commit()
    html = client.get(f"/pledges/{pledge.id}?lang={lang}").get_data(as_text=True)
    timeline = BeautifulSoup(html, "html.parser").find(id="timeline")
    assert timeline is not None
    # Runs of ASCII white space only: the French colon's no-break space must stay.
    lines = [re.sub(r"[ \t\n]+", " ", p.get_text()).strip() for p in timeline.find_all("p")]
    starts = (
        "Preuve (",
        "Evidence (",
        "Changement",
        "Status change",
        "Preuves cit",
        "Evidence cit",
    )
    labelled = [line for line in lines if line.startswith(starts)]
    assert len(labelled) == 3, lines
    for line in labelled:
        assert colon in line, line
        if lang == "en":
            assert " :" not in line, line
