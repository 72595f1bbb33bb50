"""Link hygiene: tracking parameters go, broken URLs are refused without crashing."""

import pytest

from pledges.links import clean_url, is_http_url
from pledges.search import slugify


def test_tracking_parameters_are_removed():
    url = "https://Journal.example/a?utm_source=x&id=3&fbclid=y&mtm_campaign=z"
    assert clean_url(url) == "https://journal.example/a?id=3"


@pytest.mark.parametrize(
    "url", ["http://[::1", "http://[oops/x", "http://a.org:99999/", "ftp://a.org/"]
)
def test_broken_or_foreign_urls_are_refused_not_raised(url):
    assert clean_url(url) == url
    assert not is_http_url(url)


def test_slugify_folds_accents_and_spaces():
    assert slugify("  Sécurité publique / Vidéo ") == "securite-publique-video"


def test_finding_6_the_length_is_checked_once_cleaned():
    from pledges.links import MAX_URL_LENGTH, url_problem

    raw = "https://journal.example/a?q=" + "é" * 1963  # 1,991 characters as typed
    assert len(raw) <= MAX_URL_LENGTH
    cleaned = clean_url(raw)
    assert len(cleaned) > MAX_URL_LENGTH  # re-encoding lengthened it
    assert url_problem(cleaned) == "url_too_long"
    assert url_problem(clean_url("https://journal.example/a?q=" + "é" * 100)) is None
    assert url_problem("ftp://a.org/") == "bad_url"
