"""oEmbed: rich type with the iframe snippet, maxwidth/maxheight, 404/501, and discovery links."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup

from tests.views.partner_data import seed

SITE = "https://suivi.example.org"


@pytest.fixture
def app_overrides():
    return {"SITE_URL": SITE}


@pytest.fixture
def data(app_session):
    return seed(app_session)


def oembed(client, url, **args):
    return client.get("/oembed", query_string={"url": url, **args})


def test_pledge_page_gives_a_rich_iframe(client, data):
    response = oembed(client, f"{SITE}/pledges/{data.kept.id}", format="json")
    assert response.status_code == 200
    body = response.get_json()
    assert body["version"] == "1.0"
    assert body["type"] == "rich"
    assert body["title"] == data.kept.title
    assert body["provider_url"] == f"{SITE}/"
    frame = BeautifulSoup(body["html"], "html.parser").iframe
    assert frame["src"] == f"{SITE}/embed/pledges/{data.kept.id}"
    assert frame["title"]
    assert (int(frame["width"]), int(frame["height"])) == (body["width"], body["height"])
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Set-Cookie" not in response.headers


def test_candidate_page_and_language(client, data):
    body = oembed(client, f"{SITE}/elections/marseille-2020/liste-alpha?lang=en").get_json()
    frame = BeautifulSoup(body["html"], "html.parser").iframe
    assert frame["src"] == f"{SITE}/embed/candidates/marseille-2020/liste-alpha?lang=en"
    assert body["title"] == data.alice.name


def test_maxwidth_and_maxheight_are_honoured(client, data):
    url = f"{SITE}/pledges/{data.kept.id}"
    default = oembed(client, url).get_json()
    small = oembed(client, url, maxwidth=320, maxheight=200).get_json()
    assert (small["width"], small["height"]) == (320, 200)
    frame = BeautifulSoup(small["html"], "html.parser").iframe
    assert (frame["width"], frame["height"]) == ("320", "200")
    large = oembed(client, url, maxwidth=5000, maxheight=5000).get_json()
    assert (large["width"], large["height"]) == (default["width"], default["height"])
    assert oembed(client, url, maxwidth=50).status_code == 404  # nothing fits
    assert oembed(client, url, maxwidth="abc").status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        "https://elsewhere.example/pledges/1",
        f"{SITE}/themes/",
        f"{SITE}/no/such/page",
        f"{SITE}/pledges/99999",
        f"{SITE}/elections/marseille-2020/nobody",
        "javascript:alert(1)",
    ],
)
def test_unknown_urls_are_404(client, data, url):
    assert oembed(client, url).status_code == 404


def test_xml_is_not_implemented_and_url_is_required(client, data):
    assert oembed(client, f"{SITE}/pledges/{data.kept.id}", format="xml").status_code == 501
    assert client.get("/oembed").status_code == 400


@pytest.mark.parametrize("kind", ["candidate", "pledge"])
def test_pages_announce_oembed_and_the_link_works(client, data, kind):
    path = (
        "/elections/marseille-2020/liste-alpha"
        if kind == "candidate"
        else f"/pledges/{data.kept.id}"
    )
    page = BeautifulSoup(client.get(path).get_data(as_text=True), "html.parser")
    link = page.find("link", attrs={"type": "application/json+oembed"})
    assert link["rel"] == ["alternate"]
    href = urlsplit(link["href"])
    assert f"{href.scheme}://{href.netloc}" == SITE
    response = client.get(f"{href.path}?{href.query}")
    assert response.status_code == 200
    assert response.get_json()["type"] == "rich"
