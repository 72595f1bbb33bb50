"""Load drill (issue 12): gunicorn on PostgreSQL under 200 readers while an editor rules.

Starts its own PostgreSQL cluster and redis-server (temporary folder, free loopback
ports; never the machine's shared ones), fills the database with `flask demo
generate`, creates an editor with `flask users create`, serves the app with
gunicorn, then runs bench/locustfile.py with locust in headless mode for a fixed
time: `--users` readers across election boards, candidate pages, pledge pages, the
widget and the API, and one editor recording a ruling every second through the
real login and ruling forms. Prints p50/p95/p99 per page, the rulings recorded and
checked in the database, and the consistency checks; exits 1 on any error.

Run: .venv/bin/python bench/load.py [--users 200] [--seconds 300] [--workers 4]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import BIN, ROOT, bench_env, fill_database, gunicorn  # noqa: E402
from services import RedisServer, drill_folder, flask, own_services  # noqa: E402

EDITOR_EMAIL = "editor@bench.invalid"
EDITOR_PASSWORD = "bench editor password 1234"  # noqa: S105  # a throwaway database
GUNICORN_ARGS = ("--timeout", "60", "--graceful-timeout", "10")


@dataclass
class Drill:
    """Where a drill's run lives and what it found."""

    folder: Path
    database_url: str
    problems: list[str] = field(default_factory=list)

    def check(self, ok: bool, line: str) -> None:
        print(f"  {'ok  ' if ok else 'FAIL'} {line}")
        if not ok:
            self.problems.append(line)


def prepare(folder: Path, database_url: str, candidates: int, pledges: int, evidence: int) -> Path:
    """Data, an editor, and the readers' and editor's targets (written to a JSON file)."""
    fill_database(database_url, candidates, pledges, evidence)
    flask(
        database_url,
        "users",
        "create",
        EDITOR_EMAIL,
        "--role",
        "editor",
        "--password",
        EDITOR_PASSWORD,
    )
    with psycopg.connect(plain_url(database_url)) as conn:
        pledge_ids = [r[0] for r in conn.execute("SELECT id FROM pledge ORDER BY id")]
        candidates_rows = conn.execute(
            "SELECT e.slug, c.slug FROM candidate c JOIN election e ON e.id = c.election_id"
        ).fetchall()
        elections = [r[0] for r in conn.execute("SELECT slug FROM election")]
    # The editor works on every other pledge (shuffled, each at most once a run); readers
    # read them all, ruled on or not.
    editor = pledge_ids[::2]
    random.Random(12).shuffle(editor)
    targets = folder / "targets.json"
    targets.write_text(
        json.dumps(
            {
                "pledges": pledge_ids,
                "candidates": [list(r) for r in candidates_rows],
                "elections": elections,
                "editor_pledges": editor,
            }
        )
    )
    return targets


def plain_url(database_url: str) -> str:
    return database_url.replace("postgresql+psycopg://", "postgresql://")


def run_locust(
    base: str,
    folder: Path,
    targets: Path,
    *,
    users: int,
    seconds: int,
    wait: float,
    run: str,
    during: Callable[[float], None] | None = None,
) -> Path:
    """Run the locustfile headless for `seconds`; `during(started)` runs meanwhile (faults)."""
    env = bench_env(
        "unused",
        BENCH_TARGETS=str(targets),
        BENCH_EVENTS=str(folder / "events.jsonl"),
        BENCH_WAIT=str(wait),
        BENCH_RUN=run,
        BENCH_EDITOR_EMAIL=EDITOR_EMAIL,
        BENCH_EDITOR_PASSWORD=EDITOR_PASSWORD,
    )
    prefix = folder / "locust"
    log = (folder / "locust.log").open("wb")
    proc = subprocess.Popen(
        [
            BIN / "locust",
            "-f",
            ROOT / "bench" / "locustfile.py",
            "--headless",
            "--users",
            str(users + 1),  # + the editor (fixed_count=1)
            "--spawn-rate",
            str(max(10, users // 5)),
            "--run-time",
            f"{seconds}s",
            "--stop-timeout",
            "10",
            "--host",
            base,
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
            "--exit-code-on-error",
            "0",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    started = time.time()
    try:
        if during is not None:
            during(started)
        proc.wait(seconds + 120)
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        log.close()
    if proc.returncode not in (0, None):
        print((folder / "locust.log").read_text()[-3000:])
        raise RuntimeError(f"locust exited with {proc.returncode}")
    return prefix


def load_under_gunicorn(
    drill: Drill,
    folder: Path,
    redis: RedisServer,
    args: argparse.Namespace,
    *,
    run: str,
    during: Callable[[float], None] | None = None,
) -> Path:
    """gunicorn (its stderr to folder/gunicorn.log, limits in our Redis) under the locust load."""
    targets = prepare(folder, drill.database_url, args.candidates, args.pledges, args.evidence)
    with gunicorn(
        drill.database_url,
        workers=args.workers,
        log=folder / "gunicorn.log",
        args=GUNICORN_ARGS,
        RATELIMIT_STORAGE_URI=redis.url,
    ) as base:
        return run_locust(
            base,
            folder,
            targets,
            users=args.users,
            seconds=args.seconds,
            wait=args.wait,
            run=run,
            during=during,
        )


def read_stats(prefix: Path) -> list[dict[str, str]]:
    with open(f"{prefix}_stats.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def print_stats(rows: list[dict[str, str]], seconds: int) -> tuple[int, int]:
    """p50/p95/p99 per page; returns (requests, failures) of the HTTP requests."""
    print(
        f"\n  {'page':<24} {'requests':>9} {'errors':>7} {'req/s':>7} "
        f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7}"
    )
    requests = failures = 0
    for row in rows:
        if row["Name"] == "Aggregated" or row["Type"] == "CHECK":
            continue
        count, failed = int(row["Request Count"]), int(row["Failure Count"])
        requests += count
        failures += failed
        print(
            f"  {row['Name']:<24} {count:>9} {failed:>7} {count / seconds:>7.1f} "
            f"{row['50%']:>7} {row['95%']:>7} {row['99%']:>7} "
            f"{float(row['Max Response Time']):>7.0f}"
        )
    print(f"  {'all HTTP requests':<24} {requests:>9} {failures:>7} {requests / seconds:>7.1f}")
    return requests, failures


def read_events(folder: Path) -> list[dict]:
    path = folder / "events.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def stored_rulings(database_url: str, run: str) -> Counter[str]:
    """How many times each of this run's rulings (by its token) is in the database."""
    with psycopg.connect(plain_url(database_url)) as conn:
        rows = conn.execute(
            "SELECT substring(rationale from '\\((bench-[^)]*)\\)') FROM statuschange "
            "WHERE rationale LIKE %s",
            (f"%(bench-{run}-%",),
        ).fetchall()
    return Counter(r[0] for r in rows)


def check_rulings(drill: Drill, events: list[dict], run: str) -> None:
    """Every ruling answered as stored is in the database once; none is there twice."""
    rulings = [e for e in events if e["kind"] == "ruling"]
    final: dict[str, dict] = {}
    for event in rulings:
        final[event["token"]] = event  # the last attempt of each ruling
    outcomes = Counter(e["outcome"] for e in final.values())
    in_db = stored_rulings(drill.database_url, run)
    confirmed = {t for t, e in final.items() if e["outcome"] in {"stored", "stored_before"}}
    lost = sorted(t for t in confirmed if in_db[t] == 0)
    doubled = sorted(t for t, n in in_db.items() if n > 1)
    unknown = sorted(t for t in in_db if t not in final)
    retried = sum(1 for e in final.values() if e["tries"] > 1)
    print(
        f"\n  rulings: {len(final)} sent ({retried} sent again after a failed answer), "
        f"outcomes {dict(outcomes)}, {sum(in_db.values())} rows in the database"
    )
    drill.check(not lost, f"no ruling answered as stored is missing ({len(lost)} missing)")
    drill.check(not doubled, f"no ruling stored twice ({len(doubled)} doubled)")
    drill.check(not unknown, f"no row the editor did not send ({len(unknown)})")
    drill.check(
        outcomes.get("failed", 0) == 0,
        f"every ruling finally stored ({outcomes.get('failed', 0)} still failing at the end)",
    )


def check_consistency(drill: Drill, events: list[dict]) -> None:
    kinds = Counter(e["kind"] for e in events)
    failed = [e for e in events if e["kind"] == "check_failed"]
    with_history = sum(1 for e in events if e["kind"] == "compared" and e.get("history"))
    print(
        f"\n  consistency: {kinds['compared']} pledge pages ({with_history} with rulings in "
        f"their history) compared with the API at the same "
        f"data version ({kinds['not_comparable']} pairs straddled a ruling: versions differed); "
        f"every page checked against its own history"
    )
    for event in failed[:10]:
        print(f"    {event['name']}: {event['message']}")
    drill.check(not failed, f"no page disagrees with its history or the API ({len(failed)} did)")
    drill.check(with_history > 0, "pages with rulings were compared with the API")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=200, help="concurrent readers")
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    # A reader spends ~10 s (5 to 15) on a page before the next: 200 readers ask ~20
    # pages a second (plus the API check of each pledge page). --wait 1 saturates a
    # 2-core machine (the editor then records far fewer than a ruling a second).
    parser.add_argument("--wait", type=float, default=10.0, help="readers' mean think time (s)")
    parser.add_argument("--candidates", type=int, default=200)
    parser.add_argument("--pledges", type=int, default=20)
    parser.add_argument("--evidence", type=int, default=5)
    args = parser.parse_args()
    run = uuid.uuid4().hex[:8]
    with drill_folder("pledge-load-") as folder, own_services(folder) as (cluster, redis):
        drill = Drill(folder, cluster.url())
        print(
            f"load: {args.users} readers (think time ~{args.wait:g}s) + 1 editor (a ruling a "
            f"second) for {args.seconds}s, gunicorn {args.workers} workers on PostgreSQL"
        )
        prefix = load_under_gunicorn(drill, folder, redis, args, run=run)
        requests, failures = print_stats(read_stats(prefix), args.seconds)
        drill.check(failures == 0, f"0 HTTP errors ({failures} of {requests})")
        events = read_events(folder)
        check_rulings(drill, events, run)
        stored = sum(1 for e in events if e["kind"] == "ruling" and e["outcome"] == "stored")
        drill.check(
            stored >= 0.8 * args.seconds,
            f"the editor kept its pace: {stored / args.seconds:.2f} rulings a second (≥ 0.8)",
        )
        check_consistency(drill, events)
        server_errors = gunicorn_errors(folder / "gunicorn.log")
        drill.check(not server_errors, f"no error logged by the app ({len(server_errors)})")
        for line in server_errors[:5]:
            print(f"    {line[-1500:]}")
    sys.exit(1 if drill.problems else 0)


def gunicorn_errors(log: Path) -> list[str]:
    """Lines of gunicorn's stderr that are not the app's info-level request lines."""
    errors = []
    for line in log.read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            if line.strip():
                errors.append(line)
            continue
        if entry.get("level") not in {"info", "debug"}:
            errors.append(line)
    return errors


if __name__ == "__main__":
    main()
