"""Volunteers' room: review queue (htmx rows, no-JS posts), hand-added evidence, contributions."""

import time
from datetime import UTC, date, datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from sqlmodel import select

from models import Evidence
from models.enums import EvidenceState, Origin, Role, Stance, SuggestionState
from pledges import evidence as evidence_ops
from pledges.feeds import review
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
    rows = soup.select("article.suggestion-card li.suggestion")
    assert [r["id"] for r in rows] == [
        f"suggestion-{queue_data['new'].id}",
        f"suggestion-{queue_data['old'].id}",
    ]
    first = rows[0]
    assert first["data-hx-target"] == "this"
    assert first["data-hx-swap"] == "outerHTML"
    # The article is the card's; the pledge is the row's.
    card = first.find_parent("article")
    assert "Article récent" in card.find("h2").text
    assert "Le Journal Fictif" in card.text
    assert "Piscines" in first.text
    assert card.find("script") is None
    assert card.find("strong").text == "gras"
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
    assert [a["id"] for a in soup.select("article.suggestion-card li.suggestion")] == [
        f"suggestion-{queue_data['old'].id}"
    ]
    fragment = client.get(url, headers={**HX, "HX-Target": "suggestion-list"})
    soup = _soup(fragment)
    assert soup.find("html") is None
    assert soup.find(id="suggestion-list") is not None
    assert len(soup.select("li.suggestion")) == 1


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
    row = soup.find("li")
    assert row["id"] == f"suggestion-{suggestion.id}"
    assert row["data-hx-target"] == "this"
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
    # Back to the queue, which offers to undo the dismissal.
    assert response.headers["Location"] == (
        f"/volunteer/?pledge={queue_data['p1'].id}&undo={suggestion.id}"
    )
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
    row = _soup(htmx).find("li")
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
    row = _soup(response).find("li")
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


def _bulk_suggestions(session, pledges, count, *, start):
    """`count` items and one suggestion each, spread over `pledges`, inserted in bulk."""
    from sqlalchemy import insert

    from models import FeedItem, Suggestion
    from tests.factories import make_feed

    feed = make_feed(session)
    base = datetime(2024, 1, 1, tzinfo=UTC)
    items = [
        {
            "feed_id": feed.id,
            "dedup_key": f"bulk-{start + n}",
            "link": f"https://journal-fictif.example/bulk-{start + n}",
            "title": f"Article {start + n}",
            "summary_html": "",
            "published_at": base + timedelta(minutes=start + n),
            "published_raw": "",
            "date_flag": "",
            "first_seen_at": base,
        }
        for n in range(count)
    ]
    # Core executemany (no RETURNING): thousands of rows in a fraction of a second.
    session.execute(insert(FeedItem.__table__), items)
    ids = session.scalars(
        select(FeedItem.id).where(FeedItem.feed_id == feed.id).order_by(FeedItem.id)
    ).all()
    session.execute(
        insert(Suggestion.__table__),
        [
            {
                "feed_item_id": item_id,
                "pledge_id": pledges[n % len(pledges)].id,
                "matched_terms": ["caméras"],
                "state": SuggestionState.NEW,
                "item_date": row["published_at"],
                "created_at": base,
            }
            for n, (item_id, row) in enumerate(zip(ids, items, strict=True))
        ],
    )
    session.commit()


def _timed(client, count_queries, url):
    """(statements, best of five times, response) for one GET."""
    best = float("inf")
    for _ in range(5):
        count_queries.reset()
        started = time.perf_counter()
        response = client.get(url)
        best = min(best, time.perf_counter() - started)
        assert response.status_code == 200
    return count_queries.count, best, response


def _queue_reads(session, after=None):
    """Best of five times for the queue's reads alone (no template rendering)."""
    best = float("inf")
    for _ in range(5):
        session.expunge_all()
        started = time.perf_counter()
        review.list_suggestions(session, after=after, limit=21)
        review.count_suggestions(session)
        review.list_pledges_with_suggestions(session)
        best = min(best, time.perf_counter() - started)
    return best


def test_finding_8_queue_cost_does_not_grow_with_its_length(
    auth, client, app_session, count_queries
):
    auth.login_as(Role.VOLUNTEER)
    candidate = make_candidate(app_session, name="Liste Fictive")
    pledges = [make_pledge(app_session, candidate, title=f"Engagement {n}") for n in range(3)]
    app_session.commit()
    _bulk_suggestions(app_session, pledges, 45, start=0)
    small_first = _timed(client, count_queries, "/volunteer/")
    older = _soup(small_first[2]).find("a", rel="next")["href"]
    small_later = _timed(client, count_queries, older)
    small_reads = _queue_reads(app_session)

    _bulk_suggestions(app_session, pledges, 12_000, start=1_000)
    big_first = _timed(client, count_queries, "/volunteer/")
    soup = _soup(big_first[2])
    # Counts stop at the cap instead of reading the whole queue.
    assert "Plus de" in soup.select_one("#suggestion-list .count").text
    assert all("+)" in o.text for o in soup.select("#pledge-filter option")[1:])
    # Keyset pages: the next page starts after the last row, without overlap.
    first_ids = [a["id"] for a in soup.select("li.suggestion")]
    older = soup.find("a", rel="next")["href"]
    big_later = _timed(client, count_queries, older)
    later_ids = [a["id"] for a in _soup(big_later[2]).select("li.suggestion")]
    assert len(first_ids) == len(later_ids) == 20
    assert not set(first_ids) & set(later_ids)
    # The same statements, and about the same time, with 12 045 suggestions as with 45.
    assert big_first[0] == small_first[0]
    assert big_later[0] == small_later[0]
    assert big_first[1] < small_first[1] * 3 + 0.05, (small_first[1], big_first[1])
    assert big_later[1] < small_later[1] * 3 + 0.05, (small_later[1], big_later[1])
    big_reads = _queue_reads(app_session)
    assert big_reads < small_reads * 4 + 0.01, (small_reads, big_reads)
    if app_session.get_bind().dialect.name == "sqlite":
        # The page query walks ix_suggestion_queue: no sort of the whole queue.
        compiled = _compiled_sql(review.list_suggestions_query(after=None, limit=21))
        plan = " ".join(
            str(row[-1])
            for row in app_session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + compiled)
        )
        assert "ix_suggestion_queue" in plan
        assert "TEMP B-TREE" not in plan


def _compiled_sql(query):
    from sqlalchemy.dialects import sqlite

    return str(query.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))


def test_finding_8_queue_pages_follow_the_documented_order(auth, client, app_session):
    auth.login_as(Role.VOLUNTEER)
    pledge = make_pledge(app_session)
    app_session.commit()
    _bulk_suggestions(app_session, [pledge], 45, start=0)
    seen, url = [], "/volunteer/"
    while url:
        soup = _soup(client.get(url))
        seen += [a.find("h2").text.strip() for a in soup.select("article.suggestion-card")]
        link = soup.find("a", rel="next")
        url = link["href"] if link else None
    # Newest news first, every suggestion once, over three pages.
    assert seen == [f"Article {n}" for n in reversed(range(45))]
    assert client.get("/volunteer/?after=not-a-key").status_code == 200  # starts over


@pytest.mark.parametrize(
    "after",
    [
        "2020-01-01T00:00:00+00:00~2147483648",
        "2020-01-01T00:00:00+00:00~9223372036854775808",
        "0001-01-01T00:00:00+14:00~1",
        "9999-12-31T23:59:59-14:00~1",
    ],
)
def test_a_forged_queue_position_starts_the_queue_over(auth, client, app_session, after):
    make_suggestion(app_session)
    app_session.commit()
    auth.login_as(Role.VOLUNTEER)
    response = client.get("/volunteer/", query_string={"after": after})
    assert response.status_code == 200
    assert "suggestion-list" in response.get_data(as_text=True)
