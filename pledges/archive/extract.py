"""The readable text and facts of an archived body: trafilatura for HTML, pypdf for PDF.

Nothing here fetches or stores. A PDF's text keeps its pages: the pages' texts
are joined by PAGE_BREAK (a form feed, which neither extractor emits), so page n
is `text.split(PAGE_BREAK)[n - 1]` and a passage is anchored by page number and
character offset within that page (`pages_of`).
"""

from __future__ import annotations

import io
import json
import logging
import re
from dataclasses import dataclass
from datetime import date

import lxml.html
import trafilatura
from pypdf import PdfReader
from pypdf.errors import PyPdfError

PAGE_BREAK = "\f"
MAX_PDF_PAGES = 2000
MAX_TEXT_CHARS = 2_000_000  # stored text per snapshot
HTML_TYPES = {"text/html", "application/xhtml+xml"}
PDF_TYPES = {"application/pdf", "application/x-pdf"}
_NOARCHIVE = re.compile(r"\b(noarchive|none)\b", re.IGNORECASE)

# pypdf and trafilatura log warnings about odd documents: they are the
# publishers' problems, not ours, and the tests run with warnings as errors.
logging.getLogger("pypdf").setLevel(logging.ERROR)
logging.getLogger("trafilatura").setLevel(logging.ERROR)


@dataclass
class Extracted:
    text: str = ""
    title: str = ""
    author: str = ""
    published_on: date | None = None
    page_count: int | None = None  # PDFs only
    noarchive: bool = False  # <meta name="robots" content="noarchive">
    paywalled: bool = False  # schema.org isAccessibleForFree: false


def media_type(content_type: str) -> str:
    """ "text/html; charset=utf-8" → "text/html"."""
    return content_type.split(";", 1)[0].strip().lower()


def sniff_type(content_type: str, body: bytes) -> str:
    """The media type, trusting the body's magic over a missing or generic header."""
    declared = media_type(content_type)
    if body.startswith(b"%PDF-"):
        return "application/pdf"
    if declared in {"", "application/octet-stream", "binary/octet-stream"}:
        head = body[:512].lstrip().lower()
        if head.startswith((b"<!doctype html", b"<html")):
            return "text/html"
    return declared


def extract(body: bytes, content_type: str, *, url: str | None = None) -> Extracted:
    """Text and facts of a body of the given Content-Type (empty for other types)."""
    kind = sniff_type(content_type, body)
    if kind in PDF_TYPES:
        return extract_pdf(body)
    if kind in HTML_TYPES:
        return extract_html(body, url=url)
    if kind == "text/plain":
        return Extracted(text=_clean(body.decode("utf-8", "replace")))
    return Extracted()


def extract_html(body: bytes, *, url: str | None = None) -> Extracted:
    result = Extracted()
    try:
        tree = lxml.html.fromstring(body)
    except (ValueError, lxml.etree.ParserError):
        return result
    result.noarchive = _robots_noarchive(tree)
    result.paywalled = _paywalled(tree)
    document = trafilatura.bare_extraction(
        tree, url=url, with_metadata=True, include_comments=False, include_tables=True
    )
    if document is None:
        return result
    result.text = _clean(getattr(document, "text", None) or "")
    result.title = _line(getattr(document, "title", None), 500)
    result.author = _line(getattr(document, "author", None), 300)
    result.published_on = _date(getattr(document, "date", None))
    return result


def extract_pdf(body: bytes) -> Extracted:
    """Each page's text, joined by PAGE_BREAK; title, author and date from the metadata."""
    try:
        reader = PdfReader(io.BytesIO(body))
        pages = [_clean(page.extract_text() or "") for page in reader.pages[:MAX_PDF_PAGES]]
        meta = reader.metadata
    except (PyPdfError, ValueError, KeyError, TypeError, OSError):
        return Extracted()
    result = Extracted(text=PAGE_BREAK.join(pages)[:MAX_TEXT_CHARS], page_count=len(pages))
    if meta is not None:
        result.title = _line(meta.title, 500)
        result.author = _line(meta.author, 300)
        try:
            created = meta.creation_date
        except (ValueError, TypeError):
            created = None
        result.published_on = created.date() if created is not None else None
    return result


def pages_of(text: str) -> list[str]:
    """A PDF snapshot's text per page (page 1 first); any other text is one page."""
    return text.split(PAGE_BREAK)


def header_noarchive(x_robots_tag: str) -> bool:
    """An X-Robots-Tag header that forbids archiving (noarchive or none)."""
    return bool(_NOARCHIVE.search(x_robots_tag))


def _robots_noarchive(tree: lxml.html.HtmlElement) -> bool:
    for meta in tree.iter("meta"):
        name = (meta.get("name") or "").strip().lower()
        if name in {"robots", "archiver"} and _NOARCHIVE.search(meta.get("content") or ""):
            return True
    return False


def _paywalled(tree: lxml.html.HtmlElement) -> bool:
    """schema.org's paywall mark, which publishers set for search engines."""
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        for item in data if isinstance(data, list) else [data]:
            if isinstance(item, dict) and str(item.get("isAccessibleForFree", "")).lower() in {
                "false",
                "no",
            }:
                return True
    return False


# C0 control characters but tab, newline, form feed and carriage return: PostgreSQL
# refuses NUL in text, and none of them is text anyway.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _clean(text: str) -> str:
    text = _CONTROLS.sub("", text.replace(PAGE_BREAK, " ").replace("\r\n", "\n"))
    return text.strip()[:MAX_TEXT_CHARS]


def _line(value: object, limit: int) -> str:
    """A metadata field (title, author) as one clean line of at most limit characters."""
    return " ".join(_CONTROLS.sub("", str(value or "")).split())[:limit]


def _date(value: object) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(_CONTROLS.sub("", value)[:10])
    except ValueError:
        return None
