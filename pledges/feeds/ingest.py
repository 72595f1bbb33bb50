"""Storing parsed feed entries: dedup, dates policy, sanitised summaries, clean links, suggestions.

`ingest()` writes one feed's new items and their suggestions into the session
and flushes; the caller commits (one transaction per feed). Both are capped: at
most `max_items` new items per fetch and MAX_SUGGESTIONS_PER_ITEM suggestions
per item, so one huge feed cannot flood the volunteers' queue (issue 9).
Nothing here fetches.
"""

from __future__ import annotations

import hashlib
import html
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import nh3
from sqlalchemy import insert
from sqlmodel import Session, col, func, select

from models import Feed, FeedItem, Pledge, Suggestion
from models.enums import SuggestionState
from pledges.archiving import visible_pledges
from pledges.audit import Actor, AuditAction, log_change
from pledges.feeds.dates import parse_feed_date
from pledges.feeds.matching import KeywordIndex
from pledges.feeds.parsing import ParsedFeed, RawEntry
from pledges.links import clean_url, is_http_url
from pledges.search import fold
from pledges.text import ALLOWED_ATTRIBUTES, sanitise_html

# A small subset for news summaries: text structure and links, no images (they
# would make every reader's browser call the news site), no tables, no media.
SUMMARY_TAGS = {
    "p", "br", "em", "strong", "b", "i", "a", "ul", "ol", "li", "blockquote", "q", "abbr",
}  # fmt: skip
MAX_SUMMARY_CHARS = 20_000  # of source HTML; news summaries are a few paragraphs
FUTURE_TOLERANCE = timedelta(days=1)
IN_CHUNK = 500  # bound parameters per IN (...) query
DEFAULT_MAX_ITEMS = 200  # new items stored per fetch (FEEDS_MAX_ITEMS)
# An article matching more pledges than this says little about any of them; the
# ones matching the most terms are kept.
MAX_SUGGESTIONS_PER_ITEM = 10

# FeedItem.date_flag values
UNDATED = "undated"  # no date in the feed: first-seen time
UNPARSED = "unparsed"  # a date we could not read for sure: first-seen time
FUTURE_CLAMPED = "future_clamped"  # more than a day ahead: first-seen time


@dataclass
class IngestReport:
    new_items: int = 0
    duplicates: int = 0
    skipped: int = 0  # entries with nothing to identify them (no guid, link or title)
    over_limit: int = 0  # new entries left for a later fetch: past max_items
    suggestions: int = 0


def build_keyword_index(session: Session) -> KeywordIndex:
    """The combined keyword index of every pledge that has include terms (archived
    pledges, or those of an archived candidate or election, are matched no more)."""
    rows = session.exec(
        select(col(Pledge.id), col(Pledge.keywords_include), col(Pledge.keywords_exclude)).where(
            visible_pledges()
        )
    ).all()
    return KeywordIndex.build(
        (pid, inc or [], exc or []) for pid, inc, exc in rows if pid is not None and inc
    )


def ingest(
    session: Session,
    feed: Feed,
    parsed: ParsedFeed,
    *,
    index: KeywordIndex,
    now: datetime,
    actor: Actor = "feeds",
    max_items: int = DEFAULT_MAX_ITEMS,
) -> IngestReport:
    """Store the entries not seen before for this feed, and their suggestions; flush.

    Identity: the guid, unless several entries of this document share it with
    different links (a home page used as guid); then the tracking-free link;
    else the title with the raw date. The same entry is stored once across fetches.
    At most `max_items` new entries are stored, the first ones of the document
    (feeds put their newest first); the rest are counted in `over_limit` and
    stored by a later fetch if the feed still lists them.
    """
    report = IngestReport()
    prepared = [_prepare(entry) for entry in parsed.entries]
    links_by_guid: dict[str, set[str]] = defaultdict(set)
    for entry in prepared:
        if entry.guid:
            links_by_guid[entry.guid].add(entry.link)
    unreliable = {guid for guid, links in links_by_guid.items() if len(links) > 1}

    keyed: dict[str, _Entry] = {}
    for entry in prepared:
        key = _dedup_key(entry, unreliable)
        if key is None:
            report.skipped += 1
        elif key in keyed:
            report.duplicates += 1
        else:
            keyed[key] = entry
    existing = _existing_keys(session, feed.id, keyed)
    report.duplicates += len(existing)

    rows: list[dict] = []
    for key, entry in keyed.items():
        if key in existing:
            continue
        if len(rows) >= max_items:
            report.over_limit += 1
            continue
        published_at, raw, flag = _dates(entry.raw, now)
        rows.append(
            {
                "feed_id": feed.id,
                "dedup_key": key,
                "guid": entry.guid[:2000] or None,
                "link": entry.link,
                "title": entry.title,
                "summary_html": _clean_summary(entry.raw.summary),
                "published_at": published_at,
                "published_raw": raw[:200],
                "date_flag": flag,
                "first_seen_at": now,
            }
        )
    if not rows:
        return report
    # Bulk INSERT ... RETURNING (ORM-enabled, batched): building thousands of
    # model instances would cost more than parsing the feed (bench/feeds.py).
    ids = session.scalars(
        insert(FeedItem).returning(col(FeedItem.id), sort_by_parameter_order=True), rows
    ).all()
    report.new_items = len(ids)

    suggestions = [
        {
            "feed_item_id": item_id,
            "pledge_id": pledge_id,
            "matched_terms": terms,
            "state": SuggestionState.NEW,
            "item_date": row["published_at"],
            "created_at": now,
        }
        for item_id, row in zip(ids, rows, strict=True)
        for pledge_id, terms in _strongest(index.match(row["title"], row["summary_html"]))
    ]
    if suggestions:
        session.execute(insert(Suggestion), suggestions)
    report.suggestions = len(suggestions)
    log_change(
        session,
        actor=actor,
        action=AuditAction.FEED_ITEMS_STORED,
        object_type="feed",
        object_id=feed.id,
        after={
            "new_items": report.new_items,
            "suggestions": report.suggestions,
            "over_limit": report.over_limit,
        },
        now=now,
    )
    session.flush()
    return report


def _strongest(matches: dict[int, list[str]]) -> list[tuple[int, list[str]]]:
    """At most MAX_SUGGESTIONS_PER_ITEM matches: most terms found first, then pledge id."""
    ranked = sorted(matches.items(), key=lambda match: (-len(match[1]), match[0]))
    return ranked[:MAX_SUGGESTIONS_PER_ITEM]


@dataclass
class _Entry:
    raw: RawEntry
    guid: str
    link: str
    title: str


def _prepare(raw: RawEntry) -> _Entry:
    link = clean_url(raw.link) if raw.link and is_http_url(raw.link) else ""
    return _Entry(raw=raw, guid=raw.guid.strip(), link=link[:2000], title=plain_text(raw.title))


def plain_text(markup: str) -> str:
    """Titles are text: tags stripped, entities decoded, whitespace collapsed, bounded."""
    text = (
        html.unescape(nh3.clean(markup, tags=set())) if "<" in markup or "&" in markup else markup
    )
    return " ".join(text.split())[:1000]


def _dedup_key(entry: _Entry, unreliable_guids: set[str]) -> str | None:
    if entry.guid and entry.guid not in unreliable_guids:
        return "g:" + _digest(entry.guid)
    if entry.link:
        return "l:" + _digest(entry.link)
    if entry.title:
        raw_date = entry.raw.published_raw or entry.raw.updated_raw
        return "t:" + _digest(f"{fold(entry.title)}|{raw_date}")
    return None


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _existing_keys(session: Session, feed_id: int | None, keys: Iterable[str]) -> set[str]:
    keys = list(keys)
    found: set[str] = set()
    for start in range(0, len(keys), IN_CHUNK):
        chunk = keys[start : start + IN_CHUNK]
        found.update(
            session.exec(
                select(FeedItem.dedup_key).where(
                    FeedItem.feed_id == feed_id, col(FeedItem.dedup_key).in_(chunk)
                )
            ).all()
        )
    return found


def _dates(raw: RawEntry, now: datetime) -> tuple[datetime, str, str]:
    """(published_at, raw string kept, flag): published, else updated, else first seen."""
    for candidate in (raw.published_raw, raw.updated_raw):
        parsed = parse_feed_date(candidate)
        if parsed is not None:
            if parsed > now + FUTURE_TOLERANCE:
                return now, candidate, FUTURE_CLAMPED
            return parsed, candidate, ""
    given = raw.published_raw or raw.updated_raw
    return now, given, UNPARSED if given else UNDATED


def _clean_summary(summary: str) -> str:
    """Summary HTML safe by itself: link targets cleaned first, sanitised last.

    Cleaning a URL after sanitising could turn an accepted value into a
    dangerous one (clean_url's strip() removes U+00A0, so "&#xa0;javascript:…"
    passed nh3 as a relative link and came out as javascript:). Here every href
    is cleaned and kept only if it is then an absolute http(s) URL, and the
    final nh3 pass judges the HTML exactly as it is stored.
    """
    if not summary:
        return ""
    summary = summary[:MAX_SUMMARY_CHARS]
    if "href" not in summary.lower():  # no link to clean: the last pass alone
        return sanitise_html(summary, tags=SUMMARY_TAGS).strip()
    links_cleaned = nh3.clean(
        summary,
        tags=SUMMARY_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_clean_link_attribute,
        strip_comments=True,
    )
    return sanitise_html(links_cleaned, tags=SUMMARY_TAGS).strip()


def _clean_link_attribute(tag: str, attribute: str, value: str) -> str | None:
    if attribute != "href":
        return value
    url = clean_url(value)
    return url if is_http_url(url) else None  # None: nh3 drops the attribute


def list_feed_items(session: Session, feed_id: int, *, limit: int | None = None) -> list[FeedItem]:
    """A feed's stored items, newest first (one query)."""
    query = (
        select(FeedItem)
        .where(FeedItem.feed_id == feed_id)
        .order_by(col(FeedItem.published_at).desc(), col(FeedItem.id).desc())
    )
    if limit:
        query = query.limit(limit)
    return list(session.exec(query).all())


@dataclass
class ItemRow:
    item: FeedItem
    suggestions: list[tuple[Suggestion, Pledge]]


def count_feed_items(session: Session, feed_id: int) -> int:
    """How many items are stored for a feed."""
    return session.exec(
        select(func.count()).select_from(FeedItem).where(FeedItem.feed_id == feed_id)
    ).one()


def list_feed_page(session: Session, feed_id: int, *, page: int, per_page: int) -> list[ItemRow]:
    """One page of a feed's items, newest first, each with the pledges it was matched to
    and the suggestion's state (two queries)."""
    items = list(
        session.exec(
            select(FeedItem)
            .where(FeedItem.feed_id == feed_id)
            .order_by(col(FeedItem.published_at).desc(), col(FeedItem.id).desc())
            .offset((max(page, 1) - 1) * per_page)
            .limit(per_page)
        ).all()
    )
    by_item: dict[int | None, list[tuple[Suggestion, Pledge]]] = defaultdict(list)
    if items:
        for suggestion, pledge in session.exec(
            select(Suggestion, Pledge)
            .join(Pledge, col(Pledge.id) == col(Suggestion.pledge_id))
            .where(col(Suggestion.feed_item_id).in_([item.id for item in items]))
            .order_by(col(Suggestion.id))
        ).all():
            by_item[suggestion.feed_item_id].append((suggestion, pledge))
    return [ItemRow(item, by_item.get(item.id, [])) for item in items]
