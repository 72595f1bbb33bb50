"""Archiving one URL or one uploaded body: a WARC on disk, a Snapshot row in the session.

`capture` fetches and extracts (no database, no disk: a worker does it outside
any transaction); `store` writes the WARC and adds the row; `archive_url` does
both. `archive_bytes` archives a body we already hold (an uploaded PDF or HTML
file) the same way, as a WARC `resource` record.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import datetime

import httpx
from sqlmodel import Session

from models import Snapshot
from models.db import utc_now
from pledges.archive.extract import Extracted, extract, header_noarchive
from pledges.archive.fetching import ArchiveSettings, Refusal, get, refusal_for_status
from pledges.archive.warc import HttpExchange, remove_warc, write_exchange, write_resource
from pledges.feeds.fetch import FetchResult


@dataclass
class Capture:
    """A page fetched and read, not yet stored."""

    url: str
    result: FetchResult
    extracted: Extracted
    retrieved_at: datetime
    fetch_seconds: float = 0.0
    extract_seconds: float = 0.0

    @property
    def content_type(self) -> str:
        return self.result.headers.get("content-type", "")[:200]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.result.raw_content).hexdigest()


def capture(
    url: str,
    settings: ArchiveSettings,
    *,
    client: httpx.Client,
    now: datetime | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
) -> Capture | Refusal:
    """Fetch url and extract its text; a Refusal when the publisher or our limits say no.

    A 304 (with etag/last_modified) comes back as a Capture with an empty body:
    the caller (the link check) knows nothing changed.
    """
    retrieved_at = now or utc_now()
    started = time.perf_counter()
    result = get(url, client, settings, etag=etag, last_modified=last_modified)
    fetched = time.perf_counter()
    if isinstance(result, Refusal):
        return result
    if result.status_code == 304:
        return Capture(url, result, Extracted(), retrieved_at, fetched - started)
    refusal = refusal_for_status(result)
    if refusal is not None:
        return refusal
    if header_noarchive(result.headers.get("x-robots-tag", "")):
        return Refusal("noarchive", "X-Robots-Tag", 200, result.final_url)
    extracted = extract(
        result.content, result.headers.get("content-type", ""), url=result.final_url
    )
    if extracted.noarchive:
        return Refusal("noarchive", "robots meta noarchive", 200, result.final_url)
    if extracted.paywalled:
        return Refusal("paywall", "isAccessibleForFree: false", 200, result.final_url)
    return Capture(
        url,
        result,
        extracted,
        retrieved_at,
        fetch_seconds=fetched - started,
        extract_seconds=time.perf_counter() - fetched,
    )


def store(
    session: Session,
    captured: Capture,
    settings: ArchiveSettings,
    *,
    evidence_id: int | None = None,
) -> Snapshot:
    """Write the capture's WARC under ARCHIVE_DIR and add its Snapshot (flushed).

    If the row cannot be added, the WARC is removed before the error goes on; if the
    caller's commit fails, it removes the snapshot's `warc_path` (`remove_warc`)."""
    result = captured.result
    path = write_exchange(
        settings.archive_dir,
        HttpExchange(
            url=result.final_url,
            request_headers=result.request_headers,
            http_version=result.http_version,
            status=result.status_code,
            reason=result.reason_phrase,
            response_headers=result.raw_headers,
            body=result.raw_content,
        ),
        retrieved_at=captured.retrieved_at,
        durable=settings.fsync,
    )
    return _add(
        session,
        settings,
        Snapshot(
            evidence_id=evidence_id,
            url=captured.url[:2000],
            final_url=result.final_url[:2000],
            http_status=result.status_code,
            content_type=captured.content_type,
            retrieved_at=captured.retrieved_at,
            sha256=captured.sha256,
            size=len(result.raw_content),
            warc_path=path,
        ),
        captured.extracted,
    )


def archive_url(
    session: Session,
    url: str,
    settings: ArchiveSettings,
    *,
    client: httpx.Client | None = None,
    evidence_id: int | None = None,
    now: datetime | None = None,
) -> Snapshot | Refusal:
    """Fetch, extract and store url: its Snapshot (flushed), or why it was not archived."""
    with settings.client_or(client) as http:
        captured = capture(url, settings, client=http, now=now)
    if isinstance(captured, Refusal):
        return captured
    return store(session, captured, settings, evidence_id=evidence_id)


def archive_bytes(
    session: Session,
    body: bytes,
    content_type: str,
    settings: ArchiveSettings,
    *,
    source_url: str | None = None,
    filename: str | None = None,
    evidence_id: int | None = None,
    now: datetime | None = None,
) -> Snapshot:
    """Archive a body we hold (an uploaded file): a WARC resource record and a Snapshot.

    Its URL is source_url when the file came from one, else "upload:<filename>";
    http_status is None. The caller bounds the body's size (MAX_UPLOAD_BYTES).
    """
    retrieved_at = now or utc_now()
    uri = source_url or f"upload:{filename or 'file'}"
    extracted = extract(body, content_type, url=source_url)
    path = write_resource(
        settings.archive_dir,
        body,
        uri=uri,
        content_type=content_type,
        retrieved_at=retrieved_at,
        durable=settings.fsync,
    )
    return _add(
        session,
        settings,
        Snapshot(
            evidence_id=evidence_id,
            url=uri[:2000],
            final_url=(source_url or "")[:2000],
            http_status=None,
            content_type=content_type[:200],
            retrieved_at=retrieved_at,
            sha256=hashlib.sha256(body).hexdigest(),
            size=len(body),
            warc_path=path,
        ),
        extracted,
    )


def _add(
    session: Session, settings: ArchiveSettings, snapshot: Snapshot, extracted: Extracted
) -> Snapshot:
    """Add the row of a WARC just written; the WARC is removed if the row cannot be."""
    snapshot.title = extracted.title
    snapshot.author = extracted.author
    snapshot.published_on = extracted.published_on
    snapshot.text = extracted.text
    snapshot.page_count = extracted.page_count
    try:
        session.add(snapshot)
        session.flush()
    except BaseException:
        remove_warc(settings.archive_dir, snapshot.warc_path)
        raise
    return snapshot
