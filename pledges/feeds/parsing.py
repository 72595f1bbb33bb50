"""Parsing fetched feed bytes with feedparser: bytes and headers in, plain entries out.

feedparser only ever receives the bytes, wrapped in a file object: given a
string it fetches URLs (`file://` included) itself, and given bare bytes it first
tries `open(bytes)`, so a body reading "/etc/passwd" would be read from disk.
The bytes are decoded once (feedparser's own rules) and converted to UTF-8; an
expat parser then reads that very text up to the root element (and again as
feedparser's own prolog rewriting leaves it), and a document with a DOCTYPE
internal subset or any entity declaration is refused whole (feeds never need
one). A prolog expat cannot read is refused too: what the guard cannot check is
not parsed. A truncated document never yields the entry that was cut.
No database and no network here.
"""

from __future__ import annotations

import io
import re
import xml.sax
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat

import feedparser
from feedparser.encodings import convert_to_utf8
from feedparser.sanitizer import replace_doctype

from pledges.errors import FeedParseError

__all__ = ["FeedParseError", "ParsedFeed", "RawEntry", "declares_entities", "parse"]

# Entries whose closing tag is in the document (namespace prefixes allowed).
_CLOSING_TAG = re.compile(r"</(?:[\w.-]+:)?(?:item|entry)\s*>", re.I)
_GUARD_CHUNK = 64 * 1024
ENTITIES_REFUSED = "refused: the document declares XML entities (possible XXE or entity expansion)"


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
        raise FeedParseError("empty document: not a feed", code="feed_empty")
    response_headers = {k.lower(): v for k, v in (headers or {}).items()}
    utf8, decoding = to_utf8(content, response_headers)
    check_prolog(utf8)
    # feedparser rewrites the prolog before its XML parser reads it: it lifts
    # lines reading <!ENTITY ...> out of the head (even out of a comment) and,
    # when there is a DOCTYPE, rebuilds them as an internal subset. The guard
    # therefore also reads the document exactly as feedparser's parser will.
    check_prolog(replace_doctype(utf8)[1])
    # feedparser gets the same UTF-8 bytes the guard read, and is told so: it
    # decodes them as UTF-8 and nothing else. Its own sanitiser is off because
    # ingest cleans every summary with nh3. BytesIO, not bytes: feedparser tries
    # open() on bytes before parsing them as data.
    response_headers["content-type"] = "application/xml; charset=utf-8"
    result = feedparser.parse(
        io.BytesIO(utf8), response_headers=response_headers, sanitize_html=False
    )
    if not result.get("version"):
        if result.entries:
            raise FeedParseError("not a feed: no RSS or Atom root element", code="feed_not_a_feed")
        raise FeedParseError(
            "not a feed: the document is not RSS or Atom (an HTML page?)", code="feed_not_a_feed"
        )
    parsed = ParsedFeed(version=result.version, title=str(result.feed.get("title", "")))
    entries = list(result.entries)
    problem = result.get("bozo_exception") if result.get("bozo") else None
    if problem is None and decoding.get("bozo"):
        problem = decoding.get("bozo_exception")  # e.g. declared us-ascii, read as UTF-8
    # A missing or wrong Content-Type says nothing about what we read: not recorded.
    if problem is not None and not isinstance(problem, feedparser.NonXMLContentType):
        parsed.warning = f"{type(problem).__name__}: {problem}"[:500]
    if isinstance(problem, xml.sax.SAXException):
        # Not well-formed: feedparser's loose parser returns what it read, the cut
        # entry included. Keep only the entries whose closing tag was received.
        closed = len(_CLOSING_TAG.findall(utf8.decode("utf-8", errors="replace")))
        parsed.dropped = max(0, len(entries) - closed)
        entries = entries[:closed]
    parsed.entries = [_raw_entry(e) for e in entries]
    return parsed


def to_utf8(content: bytes, headers: Mapping[str, str]) -> tuple[bytes, dict[str, Any]]:
    """The document decoded once by feedparser's rules (BOM, XML declaration sniffing
    in UTF-16/32 and EBCDIC, HTTP charset) and re-encoded as UTF-8, its declaration
    rewritten to say so; with what feedparser noted while decoding."""
    noted: dict[str, Any] = {}
    utf8 = convert_to_utf8(dict(headers), content, noted)
    if not isinstance(utf8, bytes) or not noted.get("encoding"):
        # convert_to_utf8 returns the input untouched when no encoding worked.
        raise FeedParseError(
            "not a feed: the character encoding cannot be determined", code="feed_bad_encoding"
        )
    return utf8, noted


class _RootReached(Exception):
    """The prolog is over: nothing after the root element's start can declare entities."""


class _Refused(Exception):
    pass


def check_prolog(utf8: bytes) -> None:
    """Refuse a DOCTYPE internal subset or entity declaration, as expat reads the prolog.

    Expat, not a pattern: comments, processing instructions and quoted system
    literals are read as the XML parser reads them, so "<x" inside a comment is
    not taken for the root element. Stops at the root's start tag; fails closed
    when the prolog is not well-formed or the document has no root element.
    """
    parser = expat.ParserCreate(encoding="utf-8")

    def doctype(_name: str, _system: str | None, _public: str | None, internal: int) -> None:
        if internal:
            raise _Refused

    def entity(*_args: object) -> None:
        raise _Refused

    def root(*_args: object) -> None:
        raise _RootReached

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.UnparsedEntityDeclHandler = entity
    parser.StartElementHandler = root
    try:
        for start in range(0, len(utf8), _GUARD_CHUNK):
            parser.Parse(utf8[start : start + _GUARD_CHUNK], False)
        parser.Parse(b"", True)
    except _RootReached:
        return
    except _Refused:
        raise FeedParseError(ENTITIES_REFUSED, code="feed_entities_refused") from None
    except expat.ExpatError as exc:
        raise FeedParseError(
            f"not a feed: the XML prolog cannot be read, so it cannot be checked ({exc})",
            code="feed_not_a_feed",
        ) from None
    raise FeedParseError("not a feed: no root element", code="feed_not_a_feed")


def declares_entities(content: bytes, headers: Mapping[str, str] | None = None) -> bool:
    """True when the guard refuses the document: an entity declaration, a DOCTYPE
    internal subset, or a prolog it cannot read (fail closed)."""
    try:
        utf8 = to_utf8(content, {k.lower(): v for k, v in (headers or {}).items()})[0]
        check_prolog(utf8)
        check_prolog(replace_doctype(utf8)[1])
    except FeedParseError:
        return True
    return False


def _raw_entry(entry: dict[str, Any]) -> RawEntry:
    """One feedparser entry (a FeedParserDict, a dict subclass) as plain strings."""
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
