"""Candidates' programmes, archived like evidence, and pledges made from their passages.

An editor registers a programme by URL (archived through the guarded fetcher,
`pledges.archive.archive_url`) or by upload (a PDF or an HTML file, checked by
its content and archived as a WARC resource record, `archive_bytes`). Its text
is the snapshot's, by page (`pages_of`) and, within a page, by paragraph (one
non-blank line of the extracted text).

A pledge made from a passage quotes exactly the snapshot's text between two
character offsets of one page: `read_passage` recomputes that text from the
snapshot and refuses bad pages, bad offsets and a snapshot whose hash is not
the one the editor read (never text a browser sent). The anchor (programme,
snapshot, page, offsets, sha256) is a ProgrammePassage row beside the pledge.
No Flask here; each write flushes and logs, never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

import httpx
import lxml.html
from lxml import etree
from sqlalchemy import Select, bindparam
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from models import Candidate, Pledge, Programme, ProgrammePassage, Snapshot
from models.db import id_of, table_of, utc_now
from pledges import content
from pledges.archive import ArchiveSettings, Refusal, archive_bytes, archive_url, pages_of
from pledges.archive.warc import remove_warc
from pledges.audit import Actor, AuditAction, log_change
from pledges.editing import _text, _url
from pledges.errors import ProgrammeError

MAX_PROGRAMMES = 100  # listed per candidate
MAX_PASSAGES = 1000  # pledges listed per programme
MAX_PARAGRAPHS = 2000  # offered per page (a page of a PDF has a few dozen lines)
MAX_PASSAGE_CHARS = 10_000  # a pledge's quote (pledges.content.create_pledge's limit)
MAX_TITLE = 300
PDF = "application/pdf"
HTML = "text/html"
# Why a fetch failed, grouped into what the editor can do about it (the archive's
# stable refusal codes are in pledges.archive.REFUSAL_CODES).
_REFUSALS = {
    "unsafe_url": "programme_unsafe_url",
    "too_large": "programme_too_large",
    "not_found": "programme_not_found",
    "http_403": "programme_refused",
    "paywall": "programme_refused",
    "noarchive": "programme_refused",
}


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of a page: its number on the page (from 1) and its offsets."""

    number: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Passage:
    """A verified passage: exactly `text == pages_of(snapshot.text)[page - 1][start:end]`."""

    programme: Programme
    snapshot: Snapshot
    page: int
    start: int
    end: int
    text: str


# --- Reading ------------------------------------------------------------------------


def page_texts(snapshot: Snapshot) -> list[str]:
    """The snapshot's text per page (page 1 first); an HTML page is one page."""
    return pages_of(snapshot.text)


def paragraphs(page_text: str) -> list[Paragraph]:
    """The page's non-blank lines, each with its offsets in the page (whitespace trimmed)."""
    found: list[Paragraph] = []
    position = 0
    for line in page_text.split("\n"):
        stripped = line.strip()
        if stripped:
            start = position + (len(line) - len(line.lstrip()))
            found.append(Paragraph(len(found) + 1, start, start + len(stripped), stripped))
            if len(found) >= MAX_PARAGRAPHS:
                break
        position += len(line) + 1
    return found


def get_programme(session: Session, programme_id: int) -> tuple[Programme, Snapshot] | None:
    """A programme and its snapshot (one query), or None."""
    row = session.exec(
        select(Programme, Snapshot)
        .join(Snapshot, col(Snapshot.id) == col(Programme.snapshot_id))
        .where(col(Programme.id) == programme_id)
    ).first()
    return (row[0], row[1]) if row is not None else None


def list_programmes(session: Session, candidate_id: int) -> list[tuple[Programme, Snapshot]]:
    """A candidate's programmes, newest first, with their snapshots (bounded)."""
    rows = session.exec(
        select(Programme, Snapshot)
        .join(Snapshot, col(Snapshot.id) == col(Programme.snapshot_id))
        .where(col(Programme.candidate_id) == candidate_id)
        .order_by(col(Programme.created_at).desc(), col(Programme.id).desc())
        .limit(MAX_PROGRAMMES)
    )
    return [(p, s) for p, s in rows]


def list_passages(session: Session, programme_id: int) -> list[tuple[ProgrammePassage, Pledge]]:
    """The pledges made from a programme, in the order of their passages (bounded)."""
    rows = session.exec(
        select(ProgrammePassage, Pledge)
        .join(Pledge, col(Pledge.id) == col(ProgrammePassage.pledge_id))
        .where(col(ProgrammePassage.programme_id) == programme_id)
        .order_by(
            col(ProgrammePassage.page), col(ProgrammePassage.start), col(ProgrammePassage.pledge_id)
        )
        .limit(MAX_PASSAGES)
    )
    return [(a, p) for a, p in rows]


def passage_of(session: Session, pledge_id: int) -> tuple[ProgrammePassage, Programme] | None:
    """Where a pledge's quote comes from, with its programme, or None (one query)."""
    row = session.execute(_passage_statement(), {"pledge_id": pledge_id}).first()
    return (row[0], row[1]) if row is not None else None


class PassageAnchor(NamedTuple):
    """Where a pledge page links for its quote's source: a programme's page."""

    programme_id: int
    page: int


def passage_anchor(session: Session, pledge_id: int) -> PassageAnchor | None:
    """passage_of for the pledge page, which links to the page only: a plain row of the
    two columns it shows (one query, no ORM objects)."""
    row = session.connection().execute(_anchor_statement(), {"pledge_id": pledge_id}).first()
    return PassageAnchor(row[0], row[1]) if row is not None else None


@cache
def _anchor_statement() -> Select[Any]:
    passages = table_of(ProgrammePassage)
    return sa_select(passages.c.programme_id, passages.c.page).where(
        passages.c.pledge_id == bindparam("pledge_id")
    )


@cache
def _passage_statement() -> Select[ProgrammePassage, Programme]:
    """passage_of's statement, built once (every pledge page binds its id)."""
    return (
        sa_select(ProgrammePassage, Programme)
        .join(Programme, col(Programme.id) == col(ProgrammePassage.programme_id))
        .where(col(ProgrammePassage.pledge_id) == bindparam("pledge_id"))
    )


def read_passage(
    programme: Programme, snapshot: Snapshot, *, page: int, start: int, end: int, sha256: str
) -> Passage:
    """The passage between `start` and `end` of page `page`, recomputed from the snapshot.

    Refused (ProgrammeError): another snapshot than the programme's, a hash that
    is not the snapshot's (the archive read is not this one), a page or offsets
    outside the page, an empty or too long passage. Surrounding whitespace is
    trimmed: the offsets kept are those of the text quoted.
    """
    if snapshot.id != programme.snapshot_id or sha256 != snapshot.sha256:
        raise ProgrammeError(
            "The archived copy is not the one the passage was chosen from.",
            code="passage_hash_mismatch",
        )
    pages = page_texts(snapshot)
    if not 1 <= page <= len(pages):
        raise ProgrammeError("No such page.", code="passage_bad_page", field="page")
    text = pages[page - 1]
    if not 0 <= start < end <= len(text):
        raise ProgrammeError(
            "The offsets are outside the page.", code="passage_bad_offsets", field="start"
        )
    chosen = text[start:end]
    start += len(chosen) - len(chosen.lstrip())
    end -= len(chosen) - len(chosen.rstrip())
    if start >= end:
        raise ProgrammeError("The passage is empty.", code="passage_empty", field="start")
    if end - start > MAX_PASSAGE_CHARS:
        raise ProgrammeError("The passage is too long.", code="passage_too_long", field="end")
    return Passage(programme, snapshot, page, start, end, text[start:end])


# --- Registering ----------------------------------------------------------------------


def register_url(
    session: Session,
    candidate: Candidate,
    url: str,
    settings: ArchiveSettings,
    *,
    title: str = "",
    actor: Actor,
    client: httpx.Client | None = None,
    now: datetime | None = None,
) -> Programme:
    """Archive the programme at `url` (guarded fetch) and register it for the candidate."""
    url = _url(url, field="url")
    if not url:
        raise ProgrammeError("The address is required.", code="required", field="url")
    found = archive_url(session, url, settings, client=client, now=now)
    if isinstance(found, Refusal):
        raise ProgrammeError(
            f"Not archived: {found.code} {found.message}",
            code=_REFUSALS.get(found.code, "programme_unreachable"),
            field="url",
        )
    return _register_or_remove(
        session, candidate, found, title, settings, actor=actor, now=now, field="url"
    )


def upload_type(body: bytes) -> str | None:
    """PDF or HTML by the content itself (never the name or the browser's type), else None."""
    if body.startswith(b"%PDF-"):
        return PDF
    head = body[:1024].removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    if b"\x00" in body or not head.startswith((b"<!doctype html", b"<html")):
        return None
    try:
        lxml.html.document_fromstring(body)
    except (ValueError, etree.ParserError):
        return None
    return HTML


def register_upload(
    session: Session,
    candidate: Candidate,
    body: bytes,
    settings: ArchiveSettings,
    *,
    filename: str = "",
    title: str = "",
    max_bytes: int,
    actor: Actor,
    now: datetime | None = None,
) -> Programme:
    """Archive an uploaded PDF or HTML file (a WARC resource record) and register it."""
    if not body:
        raise ProgrammeError("The file is empty.", code="programme_empty_file", field="file")
    if len(body) > max_bytes:
        raise ProgrammeError("The file is too large.", code="programme_too_large", field="file")
    kind = upload_type(body)
    if kind is None:
        raise ProgrammeError("Neither PDF nor HTML.", code="programme_bad_file", field="file")
    name = "".join(c for c in filename if c.isprintable() and c not in "/\\")[-200:]
    snapshot = archive_bytes(session, body, kind, settings, filename=name or "programme", now=now)
    return _register_or_remove(
        session, candidate, snapshot, title or name, settings, actor=actor, now=now, field="file"
    )


def _register_or_remove(
    session: Session,
    candidate: Candidate,
    snapshot: Snapshot,
    title: str,
    settings: ArchiveSettings,
    **options: Any,
) -> Programme:
    """_register; a refusal (no text to quote, a title too long) removes the WARC just
    written, whose row goes with the refused transaction: nothing is left on disk."""
    try:
        return _register(session, candidate, snapshot, title, **options)
    except BaseException:
        remove_warc(settings.archive_dir, snapshot.warc_path)
        raise


def _register(
    session: Session,
    candidate: Candidate,
    snapshot: Snapshot,
    title: str,
    *,
    actor: Actor,
    now: datetime | None,
    field: str,
) -> Programme:
    if not snapshot.text.strip():
        # A scanned PDF (images only) or an empty page: nothing to quote from.
        raise ProgrammeError("No text could be read.", code="programme_no_text", field=field)
    now = now or utc_now()
    title = _text(title, field="title", limit=MAX_TITLE) or snapshot.title[:MAX_TITLE]
    programme = Programme(
        candidate_id=id_of(candidate), snapshot_id=id_of(snapshot), title=title, created_at=now
    )
    session.add(programme)
    session.flush()
    log_change(
        session,
        actor=actor,
        action=AuditAction.PROGRAMME_CREATE,
        object_type="programme",
        object_id=programme.id,
        after={
            "title": programme.title,
            "candidate_id": programme.candidate_id,
            "url": snapshot.url,
            "sha256": snapshot.sha256,
        },
        now=now,
    )
    return programme


# --- Pledges from passages ------------------------------------------------------------


def create_pledge_from_passage(
    session: Session,
    passage: Passage,
    *,
    actor: Actor,
    now: datetime | None = None,
    **fields: Any,
) -> Pledge:
    """A new pledge of the programme's candidate quoting the passage, anchored to it.

    `fields` are pledges.content.create_pledge's (title, body, theme, made_on,
    source_url, deadline, keywords_include, keywords_exclude); the quote is the
    passage's, whatever `fields` say.
    """
    now = now or utc_now()
    candidate = session.get(Candidate, passage.programme.candidate_id)
    if candidate is None:  # the foreign key forbids it
        raise ProgrammeError("The programme has no candidate.", code="unknown")
    fields["quote"] = passage.text
    pledge = content.create_pledge(session, candidate, actor=actor, now=now, **fields)
    anchor = ProgrammePassage(
        pledge_id=id_of(pledge),
        programme_id=id_of(passage.programme),
        snapshot_id=id_of(passage.snapshot),
        page=passage.page,
        start=passage.start,
        end=passage.end,
        sha256=passage.snapshot.sha256,
        created_at=now,
    )
    session.add(anchor)
    session.flush()
    log_change(
        session,
        actor=actor,
        action=AuditAction.PLEDGE_FROM_PASSAGE,
        object_type="pledge",
        object_id=pledge.id,
        pledge_id=pledge.id,
        after={
            "programme_id": anchor.programme_id,
            "snapshot_id": anchor.snapshot_id,
            "page": anchor.page,
            "start": anchor.start,
            "end": anchor.end,
            "sha256": anchor.sha256,
        },
        now=now,
    )
    return pledge


def highlighted(page_text: str, start: int, end: int) -> tuple[str, str, str]:
    """The page's text before, within and after a passage (for <mark>); bounds clamped."""
    start = max(0, min(start, len(page_text)))
    end = max(start, min(end, len(page_text)))
    return page_text[:start], page_text[start:end], page_text[end:]
