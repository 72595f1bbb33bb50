"""Catch-up matching benchmark: 10,000 stored feed items matched again against one pledge.

Builds a SQLite database with N stored items (titles and HTML summaries of news
length, one in twenty about cameras), one pledge whose keywords the poller has not seen,
then times `pledges.feeds.rematch.catch_up` as the poller runs it: read the items
of the last FEEDS_REMATCH_DAYS days, match them, check existing suggestions,
insert the new ones, record the fingerprint. Target: under one second.
Run: .venv/bin/python bench/rematch.py [--items 10000]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402
from sqlmodel import Session, SQLModel  # noqa: E402

import models  # noqa: E402, F401  (every table in the metadata)
from models import Candidate, Election, Feed, FeedItem, Pledge  # noqa: E402
from models.db import make_engine  # noqa: E402
from pledges.feeds.rematch import catch_up  # noqa: E402

TARGET_SECONDS = 1.0
WORDS = [
    "la",
    "ville",
    "annonce",
    "un",
    "nouveau",
    "plan",
    "pour",
    "les",
    "quartiers",
    "nord",
    "le",
    "conseil",
    "municipal",
    "a",
    "voté",
    "hier",
    "soir",
    "une",
    "délibération",
    "sur",
    "le",
    "budget",
    "des",
    "écoles",
    "et",
    "des",
    "crèches",
    "tandis",
    "que",
    "l'opposition",
    "dénonce",
    "le",
    "retard",
    "des",
    "travaux",
    "du",
    "tramway",
    "et",
    "la",
    "hausse",
    "des",
    "loyers",
]
# About one article in twenty is on the pledge's subject, as in a city's general news.
ON_SUBJECT = ["caméras de vidéosurveillance", "vidéoprotection", "l'audit des caméras"]
OTHER = ["tramway", "piscine", "logement", "crèches", "budget", "propreté", "caméraman"]
ON_SUBJECT_SHARE = 0.05


def _text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def build(session: Session, items: int, now: datetime) -> Pledge:
    rng = random.Random(7)
    election = Election(slug="e", name="Élection", territory="Ville", date=date(2026, 3, 15))
    session.add(election)
    session.flush()
    candidate = Candidate(slug="c", name="Liste", election_id=election.id)
    session.add(candidate)
    session.flush()
    feed = Feed(url="https://news.example/rss", name="News")
    session.add(feed)
    session.flush()
    rows = []
    for n in range(items):
        topic = rng.choice(ON_SUBJECT if rng.random() < ON_SUBJECT_SHARE else OTHER)
        rows.append(
            {
                "feed_id": feed.id,
                "dedup_key": f"k{n}",
                "link": f"https://news.example/{n}",
                "title": f"{_text(rng, 5)} {topic} {_text(rng, 3)}".capitalize(),
                "summary_html": f"<p>{_text(rng, 30)} <b>{topic}</b> {_text(rng, 25)}</p>",
                "published_at": now - timedelta(minutes=n),
                "first_seen_at": now - timedelta(minutes=n),
            }
        )
    session.execute(insert(FeedItem), rows)
    pledge = Pledge(
        election_id=election.id,
        candidate_id=candidate.id,
        slug="p",
        title="Moratoire sur la vidéosurveillance",
        keywords_include=["vidéosurveillance", "vidéoprotection", "caméras", '"audit des caméras"'],
        keywords_exclude=["caméraman"],
    )
    session.add(pledge)
    session.commit()
    return pledge


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    args = parser.parse_args()
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        SQLModel.metadata.create_all(engine)
        with Session(engine) as session:
            build(session, args.items, now)
        with Session(engine) as session:
            start, cpu = time.perf_counter(), time.process_time()
            report = catch_up(session, now=now, days=365, max_items=max(args.items, 20_000))
            session.commit()
            elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        engine.dispose()
    verdict = "OK" if elapsed < TARGET_SECONDS else "SLOWER THAN TARGET"
    print(
        f"catch-up of 1 pledge over {report.items_scanned} stored items: {elapsed:.3f} s "
        f"(CPU {cpu:.3f} s; {report.suggestions} suggestions made; "
        f"target < {TARGET_SECONDS:.1f} s: {verdict})"
    )
    return 0 if elapsed < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
