"""A cited page archived, then changed, another gone: the pledge page marks both; the archived
copy and the word diff open from there, in the site's look, accessible and valid. French with
JavaScript, English without. The publisher's server sees no request from our pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe

from pledges.archive import ArchiveSettings
from pledges.archive.jobs import run_archiver, run_enqueue
from pledges.archive.links import check_links
from tests.archive_pages import ARTICLE_PARAGRAPHS, article_html
from tests.browser.conftest import assert_only_loopback
from tests.browser.test_archiving import check_accessible
from tests.browser.test_html_validity import html_problems
from tests.factories import make_evidence, make_pledge
from tests.pledges.feed_server import Reply, serving

HTML = {"Content-Type": "text/html; charset=utf-8"}
T0 = datetime(2026, 3, 11, 9, 0, tzinfo=UTC)
NEW_TEXT = "La majorité renonce finalement au service de nuit, faute de conducteurs disponibles."
WORDS = {
    "fr": {
        "copy": "copie archivée le",
        "dead": "lien mort — voir la copie archivée",
        "changed": "modifié depuis le",
        "diff_title": "Modifications de la page citée",
        "gone_notice": "La page d'origine n'existe plus",
    },
    "en": {
        "copy": "archived copy of",
        "dead": "dead link — see the archived copy",
        "changed": "changed since",
        "diff_title": "Changes to the cited page",
        "gone_notice": "The original page no longer exists",
    },
}


@pytest.fixture
def live_overrides(tmp_path):
    return {
        "FEEDS_ALLOW_PRIVATE": True,
        "ARCHIVE_DIR": str(tmp_path / "archive"),
        "LINKCHECK_HOST_DELAY": 0.0,
        "ARCHIVE_DEADLINE_SECONDS": 2.0,
    }


@pytest.fixture
def publisher():
    with serving() as state:
        yield state


@pytest.fixture
def site(live_server, publisher):
    publisher.routes["/changing"] = Reply(body=article_html(), headers=HTML)
    publisher.routes["/vanishing"] = Reply(
        body=article_html(title="Le budget des transports voté"), headers=HTML
    )
    with live_server.session() as session:
        pledge = make_pledge(session, title="Un tramway pour les quartiers nord")
        changing = make_evidence(session, pledge, url=publisher.url("/changing"))
        vanishing = make_evidence(session, pledge, url=publisher.url("/vanishing"))
    settings = ArchiveSettings.from_config(live_server.app.config)
    engine = live_server.engine
    run_enqueue(engine, now=T0)
    assert [r.outcome for r in run_archiver(engine, settings, owner="t", clock=lambda: T0)] == [
        "archived",
        "archived",
    ]
    publisher.routes["/changing"] = Reply(
        body=article_html((ARTICLE_PARAGRAPHS[0], NEW_TEXT)), headers=HTML
    )
    publisher.routes["/vanishing"] = Reply(404, b"not found")
    for day in (1, 2, 3):
        now = T0 + timedelta(days=day)
        list(check_links(engine, settings, clock=lambda at=now: at, sleep=lambda s: None))
    return {"pledge": pledge.id, "changing": changing.id, "vanishing": vanishing.id}


@pytest.mark.parametrize(
    ("lang", "javascript"), [("fr", True), ("en", False)], ids=["fr-js", "en-nojs"]
)
def test_archived_copy_dead_link_and_diff(
    live_server, site, publisher, new_context, recorder, tmp_path, lang, javascript
):
    base, words = live_server.url, WORDS[lang]
    axe = Axe() if javascript else None
    problems: list[str] = []
    pages: dict[str, str] = {}
    publisher_hits = len(publisher.requests)
    page = new_context(
        locale="fr-FR" if lang == "fr" else "en-GB", java_script_enabled=javascript
    ).new_page()

    page.goto(f"{base}/pledges/{site['pledge']}")
    timeline = page.locator("#timeline").inner_text()
    assert words["dead"] in timeline
    assert words["changed"] in timeline
    check_accessible(page, axe, "pledge", problems)
    pages["pledge"] = page.content()

    # The dead link leads to our copy: the text we extracted, in the site's look.
    page.get_by_role("link", name=words["dead"]).click()
    page.wait_for_load_state()
    assert f"/evidence/{site['vanishing']}/archives/" in page.url
    main = page.locator("main").inner_text()
    assert words["gone_notice"] in main
    assert ARTICLE_PARAGRAPHS[0] in main
    assert page.locator("header, nav").count() > 0  # the site's own layout
    check_accessible(page, axe, "copy", problems)
    pages["copy"] = page.content()

    # The changed one leads to the word diff between its two copies.
    page.goto(f"{base}/pledges/{site['pledge']}")
    page.get_by_role("link", name=words["changed"]).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == words["diff_title"]
    inserted = " ".join(page.locator(".word-diff ins").all_inner_texts())
    deleted = " ".join(page.locator(".word-diff del").all_inner_texts())
    assert "conducteurs" in inserted
    assert "associations" in deleted
    check_accessible(page, axe, "diff", problems)
    pages["diff"] = page.content()

    assert problems == []
    assert html_problems(pages, tmp_path) == []
    # Our pages never load anything from the publisher (nor from anywhere else).
    assert len(publisher.requests) == publisher_hits
    assert_only_loopback(recorder.requests)
    assert not any(publisher.base in url for url in recorder.requests)
    assert recorder.console_errors == []
