"""SVG badges: valid, escaped, status in words, cacheable, cookie-free, embeddable as images."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from models.enums import PledgeStatus
from pledges.badges import render_badge, status_badge, text_width
from pledges.status import record_status_change
from tests.factories import make_evidence
from tests.views.partner_data import NOW, seed

SVG_NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def data(app_session):
    return seed(app_session)


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # noqa: S314  (our own output, parsed to prove it is well-formed)
    assert root.tag == f"{SVG_NS}svg"
    return root


def texts(root: ET.Element) -> list[str]:
    return [t.text for t in root.iter(f"{SVG_NS}text") if t.get("aria-hidden") != "true"]


@pytest.mark.parametrize(
    ("pledge", "words"),
    [("kept", "✓ Tenu"), ("broken", "✗ Rompu"), ("overdue", "… En attente")],
)
def test_pledge_badge_says_the_status_in_words(client, data, pledge, words):
    response = client.get(f"/badge/pledges/{getattr(data, pledge).id}.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    root = parse(response.get_data(as_text=True))
    assert texts(root) == ["engagement", words]
    assert root.get("role") == "img"
    assert words in root.find(f"{SVG_NS}title").text


def test_pledge_badge_in_english(client, data):
    root = parse(client.get(f"/badge/pledges/{data.kept.id}.svg?lang=en").get_data(as_text=True))
    assert texts(root)[1].startswith("✓ ")


def test_candidate_badge_escapes_the_name_and_gives_counts(client, data):
    response = client.get("/badge/candidates/marseille-2020/liste-alpha.svg")
    svg = response.get_data(as_text=True)
    assert "<b>" not in svg
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in svg
    label, message = texts(parse(svg))
    assert label == "Liste Alpha <b>&</b>"
    assert message == "✓ 1 tenu · ✗ 1 rompu · … 1 en attente"


def test_badges_are_cacheable_cookie_free_images_for_any_site(client, data, count_queries):
    url = f"/badge/pledges/{data.kept.id}.svg"
    response = client.get(url)
    assert "Set-Cookie" not in response.headers
    assert "Vary" not in response.headers
    assert response.headers["Cache-Control"] == "public, max-age=300, stale-while-revalidate=3600"
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    etag = response.headers["ETag"]
    assert not etag.startswith("W/")
    count_queries.reset()
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert count_queries.count == 1


def test_badge_etag_changes_with_the_status(client, app_session, data):
    url = f"/badge/pledges/{data.overdue.id}.svg"
    before = client.get(url).headers["ETag"]
    evidence = make_evidence(app_session, data.overdue)
    record_status_change(
        app_session,
        data.overdue,
        to=PledgeStatus.BROKEN,
        effective_on=evidence.published_on,
        rationale="",
        cites=[evidence],
        actor="test",
        now=NOW,
    )
    app_session.commit()
    response = client.get(url, headers={"If-None-Match": before})
    assert response.status_code == 200
    assert texts(parse(response.get_data(as_text=True)))[1] == "✗ Rompu"


def test_unknown_badges_are_404(client, data):
    assert client.get("/badge/pledges/9999.svg").status_code == 404
    assert client.get("/badge/candidates/marseille-2020/nobody.svg").status_code == 404


def test_render_badge_is_well_formed_whatever_the_text():
    nasty = 'a"b<c>&d\x00\x1fé' + "x" * 200
    root = parse(render_badge(nasty, "ok ' \"", "#123456"))
    label, message = texts(root)
    assert label.startswith('a"b<c>&dé')
    assert label.endswith("…")
    assert len(label) == 60
    assert message == "ok ' \""


def test_badge_is_wide_enough_for_its_text():
    short = parse(status_badge("engagement", PledgeStatus.KEPT, "Tenu"))
    long = parse(status_badge("engagement", PledgeStatus.PENDING, "En attente depuis longtemps"))
    assert int(long.get("width")) > int(short.get("width"))
    assert int(short.get("width")) >= text_width("engagement") + text_width("✓ Tenu")
