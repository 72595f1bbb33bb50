"""Finding the feeds a web page advertises (`<link rel="alternate" type="application/rss+xml">`).

When an editor gives a site's page instead of its feed, the fetch fails as "not
a feed"; the page's own head usually names its feeds, which are then offered as
choices. Bounded: only the first MAX_SCAN bytes are read, at most MAX_ALTERNATES
kept. The standard library's tolerant HTML parser; no network, no database.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin

from pledges.links import clean_url, is_http_url

MAX_SCAN = 256 * 1024  # bytes of the page read: feeds are announced in <head>
MAX_ALTERNATES = 10
FEED_TYPES = {"application/rss+xml", "application/atom+xml"}


class _AlternateLinks(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []
        self.base: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name.lower(): (value or "") for name, value in attrs}
        if tag == "base" and self.base is None and values.get("href"):
            self.base = values["href"]
        if tag != "link" or len(self.found) >= MAX_ALTERNATES:
            return
        rels = values.get("rel", "").lower().split()
        kind = values.get("type", "").lower().split(";")[0].strip()
        if "alternate" in rels and kind in FEED_TYPES and values.get("href"):
            self.found.append((values["href"].strip(), " ".join(values.get("title", "").split())))

    handle_startendtag = handle_starttag


def find_alternates(content: bytes, page_url: str) -> list[dict[str, str]]:
    """The http(s) feeds a page advertises, absolute and cleaned, in page order, no repeats."""
    text = content[:MAX_SCAN].decode("utf-8", errors="replace")
    parser = _AlternateLinks()
    try:
        parser.feed(text)
        parser.close()
    except (AssertionError, ValueError):  # html.parser's rare hard failures: keep what was read
        pass
    base = urljoin(page_url, parser.base) if parser.base else page_url
    result: list[dict[str, str]] = []
    seen: set[str] = set()
    for href, title in parser.found:
        url = clean_url(urljoin(base, href))
        if not is_http_url(url) or url in seen or len(url) > 2000:
            continue
        seen.add(url)
        result.append({"url": url, "title": title[:200]})
    return result


def looks_like_html(content: bytes, content_type: str = "") -> bool:
    """A page rather than a feed: said so by its Content-Type or its first bytes."""
    if "html" in content_type.lower():
        return True
    head = content[:2048].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<head" in head
