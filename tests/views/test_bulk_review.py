"""The queue by article and bulk decisions: PRG and flash without JavaScript, counters out of
band with htmx, a forged selection refused with a 4xx."""

import pytest
from bs4 import BeautifulSoup
from sqlmodel import select

from models import AuditEntry, Evidence, Suggestion
from models.enums import Role, SuggestionState
from pledges.feeds import review
from tests.factories import make_pledge, make_suggestion, make_user

HX = {"HX-Request": "true"}


def _soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


@pytest.fixture
def article(app_session):
    """One article matching two pledges, and another article."""
    p1 = make_pledge(app_session, title="Caméras")
    p2 = make_pledge(app_session, title="Vélos")
    first = make_suggestion(app_session, p1, title="Conseil municipal")
    second = Suggestion(
        feed_item_id=first.feed_item_id, pledge_id=p2.id, item_date=first.item_date,
        matched_terms=["vélo"],
    )  # fmt: skip
    app_session.add(second)
    other = make_suggestion(app_session, p2, title="Autre article")
    app_session.commit()
    return {"first": first, "second": second, "other": other, "p1": p1, "p2": p2}


def _bulk(auth, client, ids, action, *, headers=None, query=""):
    return client.post(
        f"/volunteer/suggestions/bulk{query}",
        data={"ids": [str(i) for i in ids], "action": action, "csrf_token": auth.csrf_token()},
        headers=headers or {},
    )


def test_one_card_per_article_with_a_row_and_checkbox_per_pledge(auth, client, article):
    auth.login_as(Role.VOLUNTEER)
    soup = _soup(client.get("/volunteer/"))
    cards = soup.select("article.suggestion-card")
    card = next(c for c in cards if "Conseil municipal" in c.find("h2").text)
    rows = card.select("li.suggestion")
    assert [r["id"] for r in rows] == [
        f"suggestion-{article['first'].id}",
        f"suggestion-{article['second'].id}",
    ]
    for row in rows:
        box = row.find("input", type="checkbox")
        assert box["form"] == "bulk-form"
        assert box["name"] == "ids"
        labels = [b.get_text(" ", strip=True) for b in row.select("form.quick-form button")]
        assert labels[0].startswith("Retenir")
        assert labels[1].startswith("Sans rapport")
    bulk = soup.find("form", id="bulk-form")
    assert bulk["action"].startswith("/volunteer/suggestions/bulk")
    assert {b["value"] for b in bulk.find_all("button")} == {"accept", "dismiss"}


def test_bulk_accept_without_javascript_redirects_with_a_flash(auth, client, app_session, article):
    user = auth.login_as(Role.VOLUNTEER)
    ids = [article["first"].id, article["second"].id]
    response = _bulk(auth, client, ids, "accept", query=f"?pledge={article['p2'].id}")
    assert response.status_code in (302, 303)
    assert response.headers["Location"].endswith(f"/volunteer/?pledge={article['p2'].id}")
    page = client.get(response.headers["Location"])
    assert "2 suggestions retenues" in page.get_data(as_text=True)
    evidence = app_session.exec(select(Evidence)).all()
    assert len(evidence) == 2
    assert all(e.submitted_by_id == user.id for e in evidence)
    logged = app_session.exec(
        select(AuditEntry.object_id).where(AuditEntry.object_type == "suggestion")
    ).all()
    assert sorted(logged) == sorted(ids)


def test_bulk_skips_and_reports_what_someone_else_decided(auth, client, app_session, article):
    other = make_user(app_session)
    review.dismiss_suggestion(
        app_session, review.get_suggestion(app_session, article["first"].id), actor=other
    )
    app_session.commit()
    auth.login_as(Role.VOLUNTEER)
    response = _bulk(auth, client, [article["first"].id, article["other"].id], "dismiss")
    assert response.status_code in (302, 303)
    text = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 suggestion écartée" in text
    assert "1 suggestion déjà traitée par quelqu" in text
    app_session.refresh(article["other"])
    assert article["other"].state == SuggestionState.DISMISSED


def test_bulk_with_htmx_swaps_the_list_and_the_counters_out_of_band(auth, client, article):
    auth.login_as(Role.VOLUNTEER)
    response = _bulk(auth, client, [article["other"].id], "dismiss", headers=HX)
    assert response.status_code == 200
    soup = _soup(response)
    assert soup.find("html") is None
    assert soup.find(id="suggestion-list").has_attr("data-focus-first")
    assert f"suggestion-{article['other'].id}" not in str(soup.find(id="suggestion-list"))
    oob = {el["id"]: el for el in soup.select("[data-hx-swap-oob]")}
    assert set(oob) == {"queue-count", "pledge-filter", "queue-announce"}
    assert "2 suggestions à relire" in oob["queue-count"].text
    assert "1 suggestion écartée" in oob["queue-announce"].text
    assert "2 restantes." in oob["queue-announce"].text
    options = [o.text for o in oob["pledge-filter"].find_all("option")]
    assert any("Vélos (1)" in o for o in options)


def test_a_single_decision_with_htmx_updates_counters_and_moves_focus(auth, client, article):
    auth.login_as(Role.VOLUNTEER)
    sid = article["first"].id
    response = client.post(
        f"/volunteer/suggestions/{sid}",
        data={f"s{sid}-decision": "dismiss", "csrf_token": auth.csrf_token()},
        headers=HX,
    )
    soup = _soup(response)
    row = soup.find("li", id=f"suggestion-{sid}")
    assert row.has_attr("data-focus-next")
    assert row.find("form", class_="undo-form") is not None  # "Annuler" stays
    announce = soup.find(id="queue-announce")
    assert announce["data-hx-swap-oob"] == "innerHTML"
    assert announce.text.strip() == "Suggestion écartée. 2 restantes."
    assert "2 suggestions à relire" in soup.find(id="queue-count").text


def test_an_empty_selection_is_422_on_a_url_a_reload_keeps(auth, client, article):
    auth.login_as(Role.VOLUNTEER)
    response = _bulk(auth, client, [], "accept")
    assert response.status_code == 422
    assert "Cochez au moins une suggestion." in _soup(response).select_one(".form-errors").text
    reload = client.get("/volunteer/suggestions/bulk?lang=en")
    assert reload.status_code == 200
    assert _soup(reload).find(id="bulk-form") is not None


@pytest.mark.parametrize(
    ("ids", "action"),
    [
        (list(range(1, review.MAX_BULK + 2)), "accept"),  # over the bound
        (["1", "x"], "dismiss"),  # not an id
        (["1"], "publish"),  # not an action
    ],
)
def test_a_forged_selection_is_400(auth, client, app_session, article, ids, action):
    auth.login_as(Role.VOLUNTEER)
    response = _bulk(auth, client, ids, action)
    assert response.status_code == 400
    app_session.refresh(article["first"])
    assert article["first"].state == SuggestionState.NEW


def test_english_bulk_flash(auth, client, article):
    auth.login_as(Role.VOLUNTEER)
    response = _bulk(auth, client, [article["other"].id], "dismiss", query="?lang=en")
    page = client.get(response.headers["Location"] + "?lang=en")
    assert "1 suggestion dismissed" in page.get_data(as_text=True)
