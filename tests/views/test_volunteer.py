"""Volunteers' room: review queue (htmx rows, no-JS posts), hand-added evidence, contributions."""

from datetime import UTC, date, datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from sqlmodel import select

from models import Evidence
from models.enums import EvidenceState, Origin, Role, Stance, SuggestionState
from pledges import evidence as evidence_ops
from tests.factories import make_candidate, make_evidence, make_pledge, make_suggestion, make_user

HX = {"HX-Request": "true"}


@pytest.fixture
def queue_data(app_session):
    candidate = make_candidate(app_session, name="Liste Fictive")
    p1 = make_pledge(app_session, candidate, title="Moratoire caméras")
    p2 = make_pledge(app_session, candidate, title="Piscines")
    old = make_suggestion(
        app_session, p1, title="Vieux article", published_at=datetime(2021, 1, 1, tzinfo=UTC)
    )
    new = make_suggestion(
        app_session,
        p2,
        title="Article récent",
        published_at=datetime(2022, 3, 1, tzinfo=UTC),
        summary_html="<p>Résumé <script>alert(1)</script><strong>gras</strong></p>",
    )
    app_session.commit()
    return {"p1": p1, "p2": p2, "old": old, "new": new}


def _soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_queue_newest_first_with_item_and_pledge(auth, client, queue_data):
    auth.login_as(Role.VOLUNTEER)
    response = client.get("/volunteer/")
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    soup = _soup(response)
    rows = soup.select("article.suggestion")
    assert [r["id"] for r in rows] == [
        f"suggestion-{queue_data['new'].id}",
        f"suggestion-{queue_data['old'].id}",
    ]
    first = rows[0]
    assert first["hx-target"] == "this"
    assert first["hx-swap"] == "outerHTML"
    assert "Article récent" in first.text
    assert "Le Journal Fictif" in first.text
    assert "Piscines" in first.text
    assert first.find("script") is None
    assert first.find("strong").text == "gras"
    form = first.find("form")
    assert form["method"] == "post"
    assert form["action"].startswith("/volunteer/suggestions/")
    assert form.find("input", {"name": f"s{queue_data['new'].id}-csrf_token", "type": "hidden"})


def test_queue_filter_by_pledge_page_and_fragment(auth, client, queue_data):
    auth.login_as(Role.VOLUNTEER)
    url = f"/volunteer/?pledge={queue_data['p1'].id}"
    page = client.get(url)
    soup = _soup(page)
    assert soup.find("html") is not None
    assert [a["id"] for a in soup.select("article.suggestion")] == [
        f"suggestion-{queue_data['old'].id}"
    ]
    fragment = client.get(url, headers={**HX, "HX-Target": "suggestion-list"})
    soup = _soup(fragment)
    assert soup.find("html") is None
    assert soup.find(id="suggestion-list") is not None
    assert len(soup.select("article.suggestion")) == 1


def _decide(client, suggestion, decision, *, htmx, token, **extra):
    prefix = f"s{suggestion.id}-"
    data = {f"{prefix}decision": decision, "csrf_token": token}
    data.update({prefix + k: v for k, v in extra.items()})
    return client.post(
        f"/volunteer/suggestions/{suggestion.id}", data=data, headers=HX if htmx else {}
    )


def test_accept_with_htmx_updates_the_row_in_place(auth, client, app_session, queue_data):
    user = auth.login_as(Role.VOLUNTEER)
    suggestion = queue_data["new"]
    response = _decide(
        client,
        suggestion,
        "broken",
        htmx=True,
        token=auth.csrf_token(),
        quote="« maintenues »",
        note="*Vu* en conseil",
    )
    assert response.status_code == 200
    soup = _soup(response)
    assert soup.find("html") is None
    row = soup.find("article")
    assert row["id"] == f"suggestion-{suggestion.id}"
    assert row["hx-target"] == "this"
    assert "attend la relecture" in row.text
    assert row.find("form") is None
    evidence = app_session.exec(select(Evidence)).one()
    assert (evidence.stance, evidence.state, evidence.origin) == (
        Stance.BROKEN,
        EvidenceState.SUBMITTED,
        Origin.FEED_ITEM,
    )
    assert evidence.quote == "« maintenues »"
    assert evidence.submitted_by_id == user.id
    app_session.refresh(suggestion)
    assert suggestion.state == SuggestionState.ACCEPTED
    assert f"suggestion-{suggestion.id}" not in client.get("/volunteer/").get_data(as_text=True)


def test_without_javascript_a_post_redirects_back_to_the_queue(
    auth, client, app_session, queue_data
):
    auth.login_as(Role.VOLUNTEER)
    suggestion = queue_data["old"]
    response = client.post(
        f"/volunteer/suggestions/{suggestion.id}?pledge={queue_data['p1'].id}",
        data={f"s{suggestion.id}-decision": "dismiss", "csrf_token": auth.csrf_token()},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/volunteer/?pledge={queue_data['p1'].id}"
    app_session.refresh(suggestion)
    assert suggestion.state == SuggestionState.DISMISSED
    follow = client.get(response.headers["Location"])
    assert "Suggestion écartée." in follow.get_data(as_text=True)


def test_missing_decision_shows_an_error_in_the_row(auth, client, queue_data):
    auth.login_as(Role.VOLUNTEER)
    suggestion = queue_data["new"]
    token = auth.csrf_token()
    htmx = client.post(
        f"/volunteer/suggestions/{suggestion.id}", data={"csrf_token": token}, headers=HX
    )
    assert htmx.status_code == 200  # htmx swaps only 2xx
    row = _soup(htmx).find("article")
    assert "Choisissez une option." in row.text
    assert row.find("form")
    plain = client.post(f"/volunteer/suggestions/{suggestion.id}", data={"csrf_token": token})
    assert plain.status_code == 422
    assert _soup(plain).find("html") is not None
    assert "Choisissez une option." in plain.get_data(as_text=True)


def test_accepting_an_already_cited_link_links_to_the_existing_evidence(auth, client, app_session):
    pledge = make_pledge(app_session)
    existing = make_evidence(app_session, pledge, url="https://journal.example/deja")
    suggestion = make_suggestion(app_session, pledge, link="https://journal.example/deja?utm_x=1")
    app_session.commit()
    auth.login_as(Role.VOLUNTEER)
    response = _decide(client, suggestion, "kept", htmx=True, token=auth.csrf_token())
    row = _soup(response).find("article")
    assert "déjà cité" in row.text
    assert row.find("a", href=f"/volunteer/evidence/{existing.id}")
    app_session.refresh(suggestion)
    assert suggestion.state == SuggestionState.NEW


def _evidence_form(**kw):
    data = {
        "url": "https://journal.example/article?id=7&utm_source=newsletter&fbclid=xyz",
        "outlet": "Le Journal Fictif",
        "published_on": "2021-10-12",
        "kind": "press_article",
        "stance": "broken",
        "title": "Les caméras restent",
        "quote": "",
        "note": "Voir **page 3**.",
    }
    data.update(kw)
    return data


def test_add_evidence_by_hand(auth, client, app_session):
    pledge = make_pledge(app_session)
    app_session.commit()
    user = auth.login_as(Role.VOLUNTEER)
    page = client.get(f"/volunteer/pledges/{pledge.id}/evidence")
    assert page.status_code == 200
    response = client.post(
        f"/volunteer/pledges/{pledge.id}/evidence",
        data=_evidence_form(csrf_token=auth.csrf_token()),
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/volunteer/contributions"
    evidence = app_session.exec(select(Evidence)).one()
    assert evidence.url == "https://journal.example/article?id=7"
    assert evidence.published_on == date(2021, 10, 12)
    assert evidence.submitted_by_id == user.id
    assert evidence.state == EvidenceState.SUBMITTED


def test_add_evidence_errors_are_next_to_their_fields(auth, client, app_session):
    pledge = make_pledge(app_session)
    app_session.commit()
    auth.login_as(Role.VOLUNTEER)
    future = (date.today() + timedelta(days=10)).isoformat()
    response = client.post(
        f"/volunteer/pledges/{pledge.id}/evidence",
        data=_evidence_form(
            url="javascript:alert(1)",
            outlet="",
            published_on=future,
            stance="",
            csrf_token=auth.csrf_token(),
        ),
    )
    assert response.status_code == 422
    soup = _soup(response)
    errors = {ul["id"]: ul.text.strip() for ul in soup.select("ul.errors")}
    assert "http://" in errors["url-errors"]
    assert "obligatoire" in errors["outlet-errors"]
    assert "futur" in errors["published_on-errors"]
    assert "Choisissez" in errors["stance-errors"]
    url_input = soup.find("input", {"name": "url"})
    assert url_input["aria-invalid"] == "true"
    assert "url-errors" in url_input["aria-describedby"]
    assert app_session.exec(select(Evidence)).all() == []


def test_duplicate_url_is_refused_with_a_link_to_the_existing_evidence(auth, client, app_session):
    pledge = make_pledge(app_session)
    existing = make_evidence(app_session, pledge, url="https://journal.example/article?id=7")
    app_session.commit()
    auth.login_as(Role.VOLUNTEER)
    response = client.post(
        f"/volunteer/pledges/{pledge.id}/evidence",
        data=_evidence_form(csrf_token=auth.csrf_token()),
    )
    assert response.status_code == 422
    errors = _soup(response).find(id="url-errors")
    assert "déjà cité" in errors.text
    link = errors.find("a")
    assert link["href"] == f"/volunteer/evidence/{existing.id}"
    assert client.get(link["href"]).status_code == 200


def test_my_contributions_show_state_and_rejection_reason(auth, client, app_session):
    pledge = make_pledge(app_session, title="Moratoire")
    user = auth.login_as(Role.VOLUNTEER)
    user = app_session.merge(user)
    editor = make_user(app_session, Role.EDITOR)
    a = evidence_ops.submit_evidence(
        app_session,
        pledge,
        url="https://a.example/1",
        outlet="A",
        published_on=date(2021, 1, 1),
        stance=Stance.KEPT,
        title="Premier",
        actor=user,
    )
    b = evidence_ops.submit_evidence(
        app_session,
        pledge,
        url="https://a.example/2",
        outlet="B",
        published_on=date(2021, 1, 2),
        stance=Stance.BROKEN,
        title="Second",
        actor=user,
    )
    make_evidence(app_session, pledge, title="Pas le mien")
    evidence_ops.publish_evidence(app_session, a, actor=editor)
    evidence_ops.reject_evidence(app_session, b, reason="Article hors sujet", actor=editor)
    app_session.commit()
    html = client.get("/volunteer/contributions").get_data(as_text=True)
    assert "Premier" in html
    assert "Second" in html
    assert "Pas le mien" not in html
    assert "Publiée" in html
    assert "Refusée" in html
    assert "Article hors sujet" in html


def test_another_volunteer_sees_cited_evidence_but_not_who_or_why_rejected(
    auth, client, app_session
):
    pledge = make_pledge(app_session, title="Moratoire")
    author = make_user(app_session, Role.VOLUNTEER, email="auteur@example.org", display_name="")
    editor = make_user(app_session, Role.EDITOR)
    submitted = evidence_ops.submit_evidence(
        app_session,
        pledge,
        url="https://a.example/hors-sujet",
        outlet="A",
        published_on=date(2021, 1, 1),
        stance=Stance.KEPT,
        title="Proposition refusée",
        actor=author,
    )
    evidence_ops.reject_evidence(app_session, submitted, reason="Motif confidentiel", actor=editor)
    app_session.commit()
    published = evidence_ops.submit_evidence(
        app_session,
        pledge,
        url="https://a.example/publiee",
        outlet="A",
        published_on=date(2021, 1, 1),
        stance=Stance.KEPT,
        title="Proposition publiée",
        actor=author,
    )
    evidence_ops.publish_evidence(app_session, published, actor=editor)
    app_session.commit()
    auth.login_as(Role.VOLUNTEER)
    html = client.get(f"/volunteer/evidence/{published.id}").get_data(as_text=True)
    assert "Proposition publiée" in html
    assert "auteur@example.org" not in html
    # Someone else's rejected submission is not shown at all (hardening: only once published).
    response = client.get(f"/volunteer/evidence/{submitted.id}")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Motif confidentiel" not in html
    assert "auteur@example.org" not in html
