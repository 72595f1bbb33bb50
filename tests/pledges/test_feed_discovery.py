"""A web page's advertised feeds: its <link rel="alternate">, resolved, cleaned, bounded."""

from pledges.feeds.discovery import MAX_ALTERNATES, find_alternates, looks_like_html


def test_alternates_are_resolved_against_the_page_and_its_base():
    page = b"""<!doctype html><html><head>
    <base href="https://site.example/news/">
    <LINK REL="Alternate" TYPE="application/rss+xml; charset=utf-8" TITLE=" Tout  " HREF="rss">
    <link rel="alternate" type="application/atom+xml" href="/atom.xml?utm_source=x">
    <link rel="alternate" type="text/html" hreflang="en" href="/en/">
    <link rel="stylesheet" type="application/rss+xml" href="/not-alternate">
    <link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
    <link rel="alternate" type="application/rss+xml" href="rss">
    </head><body></body></html>"""
    assert find_alternates(page, "https://site.example/") == [
        {"url": "https://site.example/news/rss", "title": "Tout"},
        {"url": "https://site.example/atom.xml", "title": ""},
    ]


def test_alternates_are_bounded_and_a_broken_page_is_no_error():
    links = "".join(
        f'<link rel="alternate" type="application/rss+xml" href="/f{n}.xml">' for n in range(50)
    )
    found = find_alternates(links.encode(), "http://127.0.0.1:8000/")
    assert len(found) == MAX_ALTERNATES
    assert found[0]["url"] == "http://127.0.0.1:8000/f0.xml"
    assert find_alternates(b"<html><head><link rel=alternate", "https://x.example/") == []
    assert find_alternates(b"\xff\xfe\x00garbage", "https://x.example/") == []


def test_a_page_is_told_from_a_feed():
    assert looks_like_html(b"<!DOCTYPE html><html>", "")
    assert looks_like_html(b"anything", "text/html; charset=utf-8")
    assert not looks_like_html(b'<?xml version="1.0"?><rss version="2.0"/>', "application/xml")
