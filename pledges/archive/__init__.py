"""Archived copies of cited pages (issue 13): snapshots, archive jobs, link checks. No Flask.

The domain API, for evidence and for any other owner of snapshots (programmes):

- `archive_url(session, url, settings, *, client=None, evidence_id=None, now=None)`
  → `Snapshot | Refusal`: fetch url with the feeds' guarded fetcher (SSRF rules on
  every hop, size and time limits, no cookies), extract its text, write a WARC
  (request + response records) under `settings.archive_dir` and add a flushed
  Snapshot row. A Refusal carries a stable `code` (see `REFUSAL_CODES`; views
  translate them) and says whether it is `temporary`.
- `capture(url, settings, *, client)` then `store(session, capture, settings)`:
  the same in two steps, so a worker fetches outside any transaction.
- `archive_bytes(session, body, content_type, settings, *, source_url=None,
  filename=None, evidence_id=None)` → `Snapshot`: a body we hold (an uploaded PDF
  or HTML file), archived as a WARC `resource` record, extracted the same way.
- A Snapshot's `text` keeps a PDF's pages: joined by `PAGE_BREAK` ("\\f");
  `pages_of(snapshot.text)[n - 1]` is page n, and `page_count` says how many.
  Anchor a passage by page number and character offset within that page.
- `warc_file(settings.archive_dir, snapshot.warc_path)` is the WARC on disk;
  `read_records(path)` reads it back with warcio's digest check.
- `ArchiveSettings.from_config(app.config)`: ARCHIVE_DIR, ARCHIVE_MAX_BYTES, … .

Snapshot rows are generic: `Snapshot.evidence_id` is nullable, so another owner
links its snapshots its own way. Jobs (`pledges.archive.jobs`) archive evidence
in the poller's background, claimed like feeds; link checks live in
`pledges.archive.links`.
"""

from pledges.archive.extract import PAGE_BREAK, Extracted, extract, pages_of
from pledges.archive.fetching import (
    REFUSAL_CODES,
    TEMPORARY_CODES,
    ArchiveSettings,
    Refusal,
)
from pledges.archive.snapshots import Capture, archive_bytes, archive_url, capture, store
from pledges.archive.warc import read_records, warc_file

__all__ = [
    "PAGE_BREAK",
    "REFUSAL_CODES",
    "TEMPORARY_CODES",
    "ArchiveSettings",
    "Capture",
    "Extracted",
    "Refusal",
    "archive_bytes",
    "archive_url",
    "capture",
    "extract",
    "pages_of",
    "read_records",
    "store",
    "warc_file",
]
