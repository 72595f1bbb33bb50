"""Issue 13 benchmark: archiving loopback pages against bare fetch + extract of the same pages.

1,000 distinct article pages (about 10 KB each) served on 127.0.0.1; two worker
processes each time, as two pollers would be. First the bare work: the guarded
fetch and trafilatura's extraction, nothing stored. Then the real thing: 1,000
evidence items enqueued and archived by two `run_archiver` processes (claim
with a lease, fetch, extract, WARC file written and renamed, snapshot row and
job committed), into SQLite (or --database-url). Prints items per second for
both, the share of the archivers' time spent outside fetching, and the overhead
over the bare run. Target: overhead ≤ 30% of the bare fetch + extract time.
Run: .venv/bin/python bench/archive.py [--pages 1000] [--workers 2] [--no-fsync]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing import Process, Queue
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlmodel import Session, SQLModel, select  # noqa: E402

import models  # noqa: E402, F401  (every table in the metadata)
from models import Candidate, Election, Evidence, Pledge, Snapshot  # noqa: E402
from models.db import make_engine  # noqa: E402
from models.enums import EvidenceState, Stance  # noqa: E402
from pledges.archive import ArchiveSettings, Refusal, capture  # noqa: E402
from pledges.archive.jobs import JobReport, run_archiver, run_enqueue  # noqa: E402

TARGET = 0.30
WORDS = [
    *("tramway", "ligne", "quartiers", "nord", "conseil", "municipal", "budget", "travaux"),
    *("associations", "usagers", "fréquence", "rames", "service", "nuit", "engagement"),
    *("campagne", "maire", "port", "vote", "délibération", "marché", "public", "piste"),
    *("cyclable", "école", "cantine", "logement", "loyer", "propreté", "déchets", "parc"),
]


def article(n: int) -> bytes:
    rng = random.Random(n)
    paragraphs = [
        " ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 90))).capitalize() + "."
        for _ in range(20)
    ]
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!doctype html><html lang="fr"><head><meta charset="utf-8">
<title>Article {n} – La Gazette</title><meta name="author" content="Rédaction">
<meta property="article:published_time" content="2026-03-{1 + n % 28:02d}T08:00:00+01:00">
</head><body><nav><a href="/">Accueil</a></nav><main><article><h1>Article numéro {n}</h1>
{body}</article></main><footer>© La Gazette</footer></body></html>""".encode()


def serve(pages: dict[str, bytes]) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            body = pages.get(self.path, b"")
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


def _bare_worker(urls: list[str], settings: ArchiveSettings, out: Queue) -> None:
    with settings.client() as client:
        for url in urls:
            outcome = capture(url, settings, client=client)
            assert not isinstance(outcome, Refusal), outcome
    out.put(None)


def bare(urls: list[str], settings: ArchiveSettings, workers: int) -> float:
    """Fetch and extract every URL with `workers` processes; the wall time."""
    out: Queue = Queue()
    procs = [
        Process(target=_bare_worker, args=(urls[i::workers], settings, out)) for i in range(workers)
    ]
    started = time.perf_counter()
    for proc in procs:
        proc.start()
    for _proc in procs:
        out.get()
    elapsed = time.perf_counter() - started
    for proc in procs:
        proc.join()
    return elapsed


def seed(engine: object, urls: list[str]) -> None:
    with Session(engine) as session:  # type: ignore[arg-type]
        election = Election(slug="bench", name="Bench", territory="Ville", date=date(2026, 3, 15))
        session.add(election)
        session.flush()
        candidate = Candidate(election_id=election.id, slug="c", name="C", list_name="C")
        session.add(candidate)
        session.flush()
        pledge = Pledge(
            election_id=election.id, candidate_id=candidate.id, slug="p", title="P", body=""
        )
        session.add(pledge)
        session.flush()
        for url in urls:
            session.add(
                Evidence(
                    pledge_id=pledge.id,
                    url=url,
                    outlet="La Gazette",
                    published_on=date(2026, 3, 1),
                    stance=Stance.CONTEXT,
                    state=EvidenceState.PUBLISHED,
                )
            )
        session.commit()


def _archive_worker(url: str, settings: ArchiveSettings, n: int, now: datetime, out: Queue) -> None:
    engine = make_engine(url)  # each archiver process has its own connections
    reports = list(run_archiver(engine, settings, owner=f"bench-{n}", clock=lambda: now))
    engine.dispose()
    out.put(reports)


def archive(url: str, settings: ArchiveSettings, workers: int) -> tuple[float, list[JobReport]]:
    """Enqueue every item, then archive them with `workers` processes; wall time, reports."""
    now = datetime.now(UTC)
    out: Queue = Queue()
    procs = [
        Process(target=_archive_worker, args=(url, settings, n, now, out)) for n in range(workers)
    ]
    started = time.perf_counter()
    engine = make_engine(url)
    run_enqueue(engine, now=now, rounds=1000)
    engine.dispose()
    for proc in procs:
        proc.start()
    reports: list[JobReport] = []
    for _proc in procs:
        reports.extend(out.get())
    elapsed = time.perf_counter() - started
    for proc in procs:
        proc.join()
    return elapsed, reports


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", default="")
    parser.add_argument(
        "--no-fsync", action="store_true", help="ARCHIVE_FSYNC=0: no fsync of each WARC file"
    )
    args = parser.parse_args()

    pages = {f"/article/{n}": article(n) for n in range(args.pages)}
    httpd, base = serve(pages)
    urls = [base + path for path in pages]
    with tempfile.TemporaryDirectory() as tmp:
        settings = ArchiveSettings(
            archive_dir=Path(tmp) / "archive", allow_private=True, fsync=not args.no_fsync
        )
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        engine = make_engine(url)
        SQLModel.metadata.drop_all(engine)
        SQLModel.metadata.create_all(engine)
        seed(engine, urls)

        bare(urls[:20], settings, args.workers)  # warm up (imports, caches)
        bare_seconds = bare(urls, settings, args.workers)
        engine.dispose()  # no connection crosses the fork
        full_seconds, reports = archive(url, settings, args.workers)
        with Session(engine) as session:
            stored = len(session.exec(select(Snapshot.id)).all())
        SQLModel.metadata.drop_all(engine)
        engine.dispose()
    httpd.shutdown()

    archived = sum(1 for r in reports if r.outcome == "archived")
    assert archived == stored == args.pages, (archived, stored, args.pages)
    fetch = sum(r.fetch_seconds for r in reports)
    extract = sum(r.extract_seconds for r in reports)
    busy = full_seconds * args.workers
    overhead = full_seconds / bare_seconds - 1
    size = sum(len(p) for p in pages.values()) / len(pages)
    print(
        f"{args.pages} pages of {size / 1024:.1f} KB on 127.0.0.1, {args.workers} workers, "
        f"{engine.dialect.name}, fsync {'off' if args.no_fsync else 'on'}"
    )
    print(f"bare fetch + extract : {args.pages / bare_seconds:7.1f} items/s ({bare_seconds:.2f} s)")
    print(f"archiving            : {args.pages / full_seconds:7.1f} items/s ({full_seconds:.2f} s)")
    print(
        f"archivers' time: fetching {fetch / busy:.0%}, extracting {extract / busy:.0%}, "
        f"outside fetching {1 - fetch / busy:.0%} (storing: WARC, rows, claims)"
    )
    verdict = "ok" if overhead <= TARGET else "MISSED"
    print(
        f"archiving overhead over bare fetch + extract: {overhead:.0%} "
        f"(target ≤ {TARGET:.0%}) {verdict}"
    )
    return 0 if overhead <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
