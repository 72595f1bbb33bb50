"""Parsing fetched feed bytes with feedparser: bytes and headers in, plain entries out.

feedparser only ever receives the bytes, wrapped in a file object: given a
string it fetches URLs (`file://` included) itself, and given bare bytes it first
tries `open(bytes)`, so a body reading "/etc/passwd" would be read from disk.
Documents that declare entities are refused whole; a truncated document never
yields the entry that was cut. No database and no network here.
"""

from __future__ import annotations

import io
import re
import xml.sax
from collections.abc import Mapping
from dataclasses import dataclass, field

import feedparser

from pledges.errors import DomainError

# Entries whose closing tag is in the document (namespace prefixes allowed).
_CLOSING_TAG = re.compile(r"</(?:[\w.-]+:)?(?:item|entry)\s*>", re.I)
_ROOT_START = re.compile(r"<[A-Za-z_]")
_ENTITY_DECL = re.compile(r"<!ENTITY", re.I)


class FeedParseError(DomainError):
    """The bytes are not a feed we will store anything from."""


@dataclass
class RawEntry:
    """One entry as the feed gave it: untrusted text, not yet cleaned."""

    guid: str = ""
    link: str = ""
    title: str = ""
    summary: str = ""  # HTML, untrusted
    published_raw: str = ""
    updated_raw: str = ""


@dataclass
class ParsedFeed:
    version: str
    title: str = ""
    entries: list[RawEntry] = field(default_factory=list)
    # What was wrong but recoverable (wrong Content-Type, undeclared HTML entity,
    # malformed XML); recorded on the feed, never a reason to refuse.
    warning: str = ""
    dropped: int = 0  # entries left out because the document was cut inside them


def parse(content: bytes, headers: Mapping[str, str] | None = None) -> ParsedFeed:
    """The entries of a feed document; FeedParseError when it is hostile or not a feed."""
    if not isinstance(content, bytes | bytearray):
        # A str would make feedparser open it as a URL or a file.
        raise TypeError("parse() takes the fetched bytes, never a URL or a path")
    content = bytes(content)
    if not content.strip():
        raise FeedParseError("empty document: not a feed")
    if declares_entities(content):
        raise FeedParseError(
            "refused: the document declares XML entities (possible XXE or entity expansion)"
        )
    response_headers = {k.lower(): v for k, v in (headers or {}).items()}
    # BytesIO, not bytes: feedparser tries open() on bytes before parsing them as data.
    # Its own sanitiser is off because ingest cleans every summary with nh3.
    result = feedparser.parse(
        io.BytesIO(content), response_headers=response_headers, sanitize_html=False
    )
    if not result.get("version"):
        if result.entries:
            raise FeedParseError("not a feed: no RSS or Atom root element")
        raise FeedParseError("not a feed: the document is not RSS or Atom (an HTML page?)")
    parsed = ParsedFeed(version=result.version, title=str(result.feed.get("title", "")))
    entries = list(result.entries)
    problem = result.get("bozo_exception") if result.get("bozo") else None
    # A missing or wrong Content-Type says nothing about what we read: not recorded.
    if problem is not None and not isinstance(problem, feedparser.NonXMLContentType):
        parsed.warning = f"{type(problem).__name__}: {problem}"[:500]
    if isinstance(problem, xml.sax.SAXException):
        # Not well-formed: feedparser's loose parser returns what it read, the cut
        # entry included. Keep only the entries whose closing tag was received.
        text = _decode(content, result.get("encoding") or "utf-8")
        closed = len(_CLOSING_TAG.findall(text))
        parsed.dropped = max(0, len(entries) - closed)
        entries = entries[:closed]
    parsed.entries = [_raw_entry(e) for e in entries]
    return parsed


def declares_entities(content: bytes) -> bool:
    """True when an <!ENTITY declaration comes before the root element."""
    text = _decode_prolog(content[: 1024 * 1024])
    root = _ROOT_START.search(text)
    prolog = text[: root.start()] if root else text
    return bool(_ENTITY_DECL.search(prolog))


def _decode_prolog(content: bytes) -> str:
    # Markup is ASCII in every encoding feedparser accepts except UTF-16/32.
    head = content[:4]
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return content.decode("utf-32", errors="replace")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return content.decode("utf-16", errors="replace")
    if head[:2] == b"<\x00":
        return content.decode("utf-16-le", errors="replace")
    if head[:2] == b"\x00<":
        return content.decode("utf-16-be", errors="replace")
    return content.decode("latin-1")


def _decode(content: bytes, encoding: str) -> str:
    try:
        return content.decode(encoding, errors="replace")
    except LookupError:
        return content.decode("utf-8", errors="replace")


def _raw_entry(entry: Mapping) -> RawEntry:
    summary = entry.get("summary") or ""
    if not summary and entry.get("content"):
        summary = entry["content"][0].get("value", "")
    return RawEntry(
        guid=str(entry.get("id") or "").strip(),
        link=str(entry.get("link") or "").strip(),
        title=str(entry.get("title") or ""),
        summary=str(summary),
        published_raw=str(entry.get("published") or "").strip(),
        # dict.get: feedparser's own get() maps a missing "updated" to "published"
        # with a DeprecationWarning; we want the updated date only when there is one.
        updated_raw=str(dict.get(entry, "updated") or "").strip(),
    )
