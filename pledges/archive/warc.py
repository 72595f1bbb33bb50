"""WARC files with warcio: request + response records of a fetch, or one resource record
for an uploaded file; gzipped, written to a temporary file then renamed into place.

A file's path under ARCHIVE_DIR is `ab/cd/<sha256 of the file>.warc.gz`: two
levels of 256 folders keep any folder small for millions of files, and the name
is the file's own hash, so a copy can be checked and two archives never clash.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import BinaryIO
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

SOFTWARE = "PledgeTracker-Archiver/1.0 (warcio)"


@dataclass(frozen=True)
class HttpExchange:
    """One HTTP request and the response to it, as sent and received."""

    url: str
    request_headers: Sequence[tuple[str, str]]
    http_version: str
    status: int
    reason: str
    response_headers: Sequence[tuple[str, str]]
    body: bytes  # as received (still compressed if Content-Encoding says so)


def warc_date(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_exchange(
    archive_dir: Path, exchange: HttpExchange, *, retrieved_at: datetime, durable: bool = True
) -> str:
    """A WARC of the request and the response; returns its path relative to archive_dir.

    durable: the file reaches the disk (fsync) before it is renamed into place.
    """

    def records(writer: WARCWriter) -> Iterator[object]:
        date = warc_date(retrieved_at)
        parts = urlsplit(exchange.url)
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        request = writer.create_warc_record(
            exchange.url,
            "request",
            payload=io.BytesIO(b""),
            length=0,
            warc_headers_dict={"WARC-Date": date},
            http_headers=StatusAndHeaders(
                f"GET {target} {exchange.http_version}",
                list(exchange.request_headers),
                is_http_request=True,
            ),
        )
        response = writer.create_warc_record(
            exchange.url,
            "response",
            payload=io.BytesIO(exchange.body),
            length=len(exchange.body),
            warc_headers_dict={"WARC-Date": date},
            http_headers=StatusAndHeaders(
                f"{exchange.status} {exchange.reason}".strip(),
                _without_framing(exchange.response_headers, len(exchange.body)),
                protocol=exchange.http_version,
            ),
        )
        # The request names the response it led to (WARC 1.1, WARC-Concurrent-To).
        request.rec_headers.add_header(
            "WARC-Concurrent-To", response.rec_headers.get_header("WARC-Record-ID")
        )
        yield response
        yield request

    return _write(archive_dir, records, durable=durable)


def write_resource(
    archive_dir: Path,
    body: bytes,
    *,
    uri: str,
    content_type: str,
    retrieved_at: datetime,
    durable: bool = True,
) -> str:
    """A WARC holding one resource record (an uploaded file); its relative path."""

    def records(writer: WARCWriter) -> Iterator[object]:
        yield writer.create_warc_record(
            uri,
            "resource",
            payload=io.BytesIO(body),
            length=len(body),
            warc_content_type=content_type or "application/octet-stream",
            warc_headers_dict={"WARC-Date": warc_date(retrieved_at)},
        )

    return _write(archive_dir, records, durable=durable)


def _without_framing(headers: Sequence[tuple[str, str]], length: int) -> list[tuple[str, str]]:
    """The response headers, with Transfer-Encoding dropped: the body is stored de-chunked
    (as every crawler does), so a replay must not try to de-chunk it again."""
    kept = [(n, v) for n, v in headers if n.lower() not in {"transfer-encoding", "content-length"}]
    kept.append(("Content-Length", str(length)))
    return kept


class _Hashing:
    """A file that hashes what is written to it (the name is the file's hash)."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.digest = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        return self.raw.write(data)

    def flush(self) -> None:
        self.raw.flush()


def _write(archive_dir: Path, records: object, *, durable: bool) -> str:
    tmp_dir = archive_dir / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=tmp_dir, suffix=".warc.gz")
    try:
        with os.fdopen(fd, "wb") as raw:
            out = _Hashing(raw)
            writer = WARCWriter(out, gzip=True, warc_version="1.1")
            writer.write_record(
                writer.create_warcinfo_record(
                    f"{uuid.uuid4().hex}.warc.gz", {"software": SOFTWARE, "format": "WARC 1.1"}
                )
            )
            for record in records(writer):  # type: ignore[operator]
                writer.write_record(record)
            raw.flush()
            if durable:
                os.fsync(raw.fileno())
        name = out.digest.hexdigest()
        relative = PurePosixPath(name[:2], name[2:4], f"{name}.warc.gz")
        final = archive_dir / relative
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp_name, final)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return str(relative)


def warc_file(archive_dir: Path, relative: str) -> Path | None:
    """The file of a stored relative path, or None if the path is not one of ours."""
    parts = PurePosixPath(relative).parts
    if (
        len(parts) != 3
        or not all(p.isalnum() for p in parts[:2])
        or not parts[2].endswith(".warc.gz")
        or not parts[2][: -len(".warc.gz")].isalnum()
    ):
        return None
    return archive_dir.joinpath(*parts)


def remove_warc(archive_dir: Path, relative: str) -> None:
    """Delete a stored WARC (its row was never committed, or was deleted). A file's name is
    its own hash and each file holds a random warcinfo id: no two rows share a file."""
    path = warc_file(archive_dir, relative)
    if path is not None:
        path.unlink(missing_ok=True)


def read_records(path: Path) -> list[dict[str, object]]:
    """Every record of a WARC (type, target URI, payload), read back with warcio and its
    digest check (raises warcio's ArchiveLoadFailed on a bad digest)."""
    found: list[dict[str, object]] = []
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream, check_digests="raise"):
            found.append(
                {
                    "type": record.rec_type,
                    "uri": record.rec_headers.get_header("WARC-Target-URI"),
                    "status": record.http_headers.get_statuscode() if record.http_headers else None,
                    "payload": record.content_stream().read(),
                }
            )
    return found
