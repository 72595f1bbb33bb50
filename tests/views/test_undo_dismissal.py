"""Undoing "Sans rapport": with htmx, without JavaScript, from the list of dismissed suggestions."""

from datetime import UTC

import pytest
from bs4 import BeautifulSoup
from sqlmodel import select

from models import AuditEntry
from models.enums import Role, SuggestionState
from pledges.audit import AuditAction
from pledges.feeds import review
from tests.factories import make_pledge, make_suggestion, make_user

HX = {"HX-Request": "true"}


def _soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _dismiss(auth, client, suggestion, headers=None):
    return client.post(
        f"/volunteer/suggestions/{suggestion.id}",
        data={f"s{suggestion.id}-decision": "dismiss", "csrf_token": auth.csrf_token()},
        headers=headers,
    )


def _state(app_session, suggestion):
    app_session.refresh(suggestion)
    return suggestion.state


def test_without_javascript_the_queue_offers_to_undo(auth, client, app_session):
    suggestion = make_suggestion(app_session, make_pledge(app_session), title="Hors sujet")
    app_session.commit()
    auth.login_as(Role.VOLUNTEER)
    response = _dismiss(auth, client, suggestion)
    page = _soup(client.get(response.headers["Location"]))
    notice = page.select_one(".undo-notice")
    assert "Hors sujet" in notice.text
    form = notice.find("form")
    undone = client.post(form["action"], data={"csrf_token": auth.csrf_token()})
    assert undone.status_code == 302
    assert _state(app_session, suggestion) == SuggestionState.NEW
    assert f"suggestion-{suggestion.id}" in client.get("/volunteer/").get_data(as_text=True)
    entry = app_session.exec(
        select(AuditEntry).where(AuditEntry.action == AuditAction.SUGGESTION_RESTORE)
    ).one()
    assert entry.object_id == suggestion.id
    assert entry.before["state"] == "dismissed"


def test_with_htmx_the_row_offers_annuler_and_comes_back(auth, client, app_session):
    suggestion = make_suggestion(app_session, make_pledge(app_session))
    app_session.commit()
    auth.login_as(Role.VOLUNTEER)
    row = _soup(_dismiss(auth, client, suggestion, headers=HX))
    form = row.select_one("form.undo-form")
    assert "Annuler" in form.text
    back = client.post(
        form["data-hx-post"], data={"csrf_token": auth.csrf_token()},
        headers={**HX, "HX-Target": f"suggestion-{suggestion.id}"},
    )  # fmt: skip
    assert back.status_code == 200
    article = _soup(back).find("li", class_="suggestion")
    assert article["id"] == f"suggestion-{suggestion.id}"
    assert article.select_one("form.review-form") is not None
    assert "remise dans la file" in article.text
    assert _state(app_session, suggestion) == SuggestionState.NEW


def test_the_dismissed_list_puts_one_back(auth, client, app_session):
    pledge = make_pledge(app_session)
    suggestion = make_suggestion(app_session, pledge, title="Écartée par erreur")
    app_session.commit()
    auth.login_as(Role.VOLUNTEER)
    _dismiss(auth, client, suggestion)
    page = _soup(client.get("/volunteer/suggestions/dismissed"))
    row = page.find(id=f"dismissed-{suggestion.id}")
    assert "Écartée par erreur" in row.text
    form = row.find("form")
    htmx = client.post(
        form["data-hx-post"], data={"csrf_token": auth.csrf_token()},
        headers={**HX, "HX-Target": f"dismissed-{suggestion.id}"},
    )  # fmt: skip
    assert htmx.status_code == 200
    assert "remise dans la file" in _soup(htmx).find("li").text
    assert _state(app_session, suggestion) == SuggestionState.NEW
    # Without JavaScript, a second undo is refused with a 422 and says why.
    again = client.post(form["action"], data={"csrf_token": auth.csrf_token()})
    assert again.status_code == 422
    assert "n'est plus écartée" in _soup(again).select_one(".form-errors").text


def test_no_javascript_undo_from_the_list_redirects_to_the_list(auth, client, app_session):
    suggestion = make_suggestion(app_session, make_pledge(app_session))
    app_session.commit()
    auth.login_as(Role.VOLUNTEER)
    _dismiss(auth, client, suggestion)
    response = client.post(
        f"/volunteer/suggestions/{suggestion.id}/restore?from=dismissed",
        data={"csrf_token": auth.csrf_token()},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/volunteer/suggestions/dismissed"


def test_a_volunteer_undoes_only_their_own_dismissals(auth, client, app_session):
    pledge = make_pledge(app_session)
    suggestion = make_suggestion(app_session, pledge, title="Par un autre")
    other = make_user(app_session, Role.VOLUNTEER)
    row = review.get_suggestion(app_session, suggestion.id)
    review.dismiss_suggestion(app_session, row, actor=other)
    app_session.commit()
    auth.login_as(Role.VOLUNTEER)
    assert "Par un autre" not in client.get("/volunteer/suggestions/dismissed").get_data(
        as_text=True
    )
    refused = client.post(
        f"/volunteer/suggestions/{suggestion.id}/restore", data={"csrf_token": auth.csrf_token()}
    )
    assert refused.status_code == 422
    assert _state(app_session, suggestion) == SuggestionState.DISMISSED
    auth.logout()
    auth.login_as(Role.EDITOR)
    assert "Par un autre" in client.get("/volunteer/suggestions/dismissed").get_data(as_text=True)
    done = client.post(
        f"/volunteer/suggestions/{suggestion.id}/restore", data={"csrf_token": auth.csrf_token()}
    )
    assert done.status_code == 302
    assert _state(app_session, suggestion) == SuggestionState.NEW


def test_an_accepted_suggestion_cannot_be_put_back(session):
    pledge = make_pledge(session)
    suggestion = make_suggestion(session, pledge)
    row = review.get_suggestion(session, suggestion.id)
    review.accept_suggestion(session, row, stance="kept", actor="t", zone=UTC)
    with pytest.raises(review.ReviewError) as caught:
        review.restore_suggestion(session, row, actor="t")
    assert caught.value.code == "not_dismissed"
