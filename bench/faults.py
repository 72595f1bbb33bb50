"""Fault drills (issue 12), each on the drill's own PostgreSQL and Redis (never the shared ones).

1. PostgreSQL restarted during the load: readers and the editor of bench/load.py run
   while the cluster is stopped (fast shutdown) for --outage seconds and started
   again. The app must recover by itself (pool pre-ping): errors only during the
   outage (counted and printed), every ruling the editor was told was stored is in
   the database once, none twice (a ruling whose answer failed is sent again with the
   same form version: stored then, or refused as already stored).
2. Redis stopped while the login limits use it: logins still work and are still
   limited, counted in each worker's memory (so at most workers × the limit of wrong
   passwords get through), never a 500; once Redis is back, counting returns to it.
3. The feed poller killed (kill -9) mid-feed: the drill serves a slow feed on
   127.0.0.1; the first poller is killed while reading it; a second poller leaves the
   feed alone while the lease holds, takes it once the lease expires, and no item is
   stored twice.

Prints what it checked and the figures; exits 1 when a check fails.
Run: .venv/bin/python bench/faults.py [--users 100] [--seconds 60] [--outage 5]
     [--only pg|redis|poller]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import psycopg
import redis as redis_client

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import BIN, ROOT, bench_env, gunicorn, migrate  # noqa: E402
from load import (  # noqa: E402
    GUNICORN_ARGS,
    Drill,
    check_rulings,
    load_under_gunicorn,
    plain_url,
    print_stats,
    read_events,
    read_stats,
)
from services import PostgresCluster, RedisServer, drill_folder, flask, own_services  # noqa: E402

GRACE_SECONDS = 3.0  # requests already waiting when PostgreSQL came back may still fail


def postgres_restart(drill: Drill, cluster: PostgresCluster, redis: RedisServer, args) -> None:
    print(f"\n== 1. PostgreSQL restarted under load ({args.users} readers + 1 editor)")
    folder = drill.folder / "pg"
    folder.mkdir()
    run = uuid.uuid4().hex[:8]
    window: dict[str, float] = {}

    def outage(started: float) -> None:
        time.sleep(max(0.0, started + args.seconds / 3 - time.time()))
        window["down"] = time.time()
        cluster.stop("fast")
        window["stopped"] = time.time()
        time.sleep(args.outage)
        cluster.start()
        window["up"] = time.time()
        print(
            f"  PostgreSQL stopped at +{window['down'] - started:.1f}s (fast shutdown took "
            f"{window['stopped'] - window['down']:.1f}s), back at +{window['up'] - started:.1f}s"
        )

    prefix = load_under_gunicorn(drill, folder, redis, args, run=run, during=outage)
    requests, failures = print_stats(read_stats(prefix), args.seconds)
    events = read_events(folder)
    failed = [e for e in events if e["kind"] == "http_failed"]
    start, end = window["down"], window["up"] + GRACE_SECONDS
    inside = [e for e in failed if start <= e["t"] <= end]
    outside = [e for e in failed if not start <= e["t"] <= end]
    if inside:
        last = max(e["t"] for e in inside) - window["up"]
        print(
            f"  errors during the outage: {len(inside)} of {requests} requests "
            f"(last one {last:+.1f}s after PostgreSQL was back)"
        )
    for event in outside[:5]:
        print(f"    outside the outage: {event['name']}: {event['error']}")
    drill.check(not outside, f"no error outside the outage ({len(outside)})")
    drill.check(
        len(failed) == failures, f"every error seen with its time ({len(failed)} of {failures})"
    )
    check_rulings(drill, events, run)
    checks = [e for e in events if e["kind"] == "check_failed"]
    drill.check(not checks, f"no page disagrees with its history or the API ({len(checks)})")


def _login_attempt(client: httpx.Client, email: str, password: str) -> int:
    page = client.get("/auth/login")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]*)"', page.text)
    if page.status_code != 200 or token is None:
        return page.status_code
    answer = client.post(
        "/auth/login", data={"email": email, "password": password, "csrf_token": token.group(1)}
    )
    return answer.status_code


def redis_stopped(drill: Drill, cluster: PostgresCluster, redis: RedisServer, args) -> None:
    print("\n== 2. Redis stopped while the login limits use it")
    folder = drill.folder / "redis"
    folder.mkdir()
    url = cluster.url("redisdrill")
    cluster.createdb("redisdrill")
    migrate(url)
    for who in ("owner", "other"):
        flask(
            url,
            "users",
            "create",
            f"{who}@bench.invalid",
            "--role",
            "editor",
            "--password",
            "right password 1234",
        )
    store = redis_client.Redis(port=redis.port)
    workers = args.workers
    with gunicorn(
        url,
        workers=workers,
        log=folder / "gunicorn.log",
        args=GUNICORN_ARGS,
        RATELIMIT_STORAGE_URI=redis.url,
        LOGIN_LIMIT_ACCOUNT_ADDRESS="5 per minute",
    ) as base:
        with httpx.Client(base_url=base, timeout=30) as client:
            up = [_login_attempt(client, "owner@bench.invalid", "wrong") for _ in range(7)]
        print(f"  Redis up: 7 wrong passwords answered {up}; keys in Redis: {store.dbsize()}")
        drill.check(up == [401] * 5 + [429] * 2, "with Redis, the 6th wrong password is refused")
        redis.stop()
        attempts = 5 * workers + 10
        with httpx.Client(base_url=base, timeout=30) as client:
            down = [_login_attempt(client, "other@bench.invalid", "wrong") for _ in range(attempts)]
            right = _login_attempt(
                httpx.Client(base_url=base, timeout=30),
                "owner@bench.invalid",
                "right password 1234",
            )
            page = client.get("/").status_code
        let_through = down.count(401)
        print(
            f"  Redis down: {attempts} wrong passwords answered 401×{let_through}, "
            f"429×{down.count(429)}, other {sorted(set(down) - {401, 429})}"
        )
        drill.check(set(down) <= {401, 429}, "no 500 while Redis is down")
        drill.check(
            0 < let_through <= 5 * workers and down[-1] == 429,
            f"still limited, per process: {let_through} ≤ {workers} workers × 5 got through",
        )
        drill.check(right in {302, 429}, f"a login answers ({right}) and pages serve ({page})")
        redis.start()  # same port: the workers' URI still points at it
        time.sleep(6)  # LimitCounters.RECHECK_SECONDS
        store = redis_client.Redis(port=redis.port)
        with httpx.Client(base_url=base, timeout=30) as client:
            again = [
                _login_attempt(client, "owner@bench.invalid", "wrong") for _ in range(2 * workers)
            ]
        print(f"  Redis back: answers {again}; keys in Redis: {store.dbsize()}")
        drill.check(store.dbsize() > 0, "counting is back in Redis once it answers")
    errors = [
        line
        for line in (folder / "gunicorn.log").read_text().splitlines()
        if '"level": "error"' in line
    ]
    drill.check(not errors, f"no error logged by the app ({len(errors)})")


FEED_ITEMS = 40


def _feed_body() -> bytes:
    items = "".join(
        f"<item><title>Vidéoprotection, article {n}</title><link>https://news.invalid/{n}</link>"
        f"<guid>drill-{n}</guid><pubDate>Mon, 01 Jun 2026 10:{n:02d}:00 GMT</pubDate>"
        f"<description>{'texte ' * 200}</description></item>"
        for n in range(FEED_ITEMS)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Drill</title><link>https://news.invalid/</link>{items}</channel></rss>"
    ).encode()


class SlowFeed(BaseHTTPRequestHandler):
    """The first request gets half the feed, then waits (the poller is killed meanwhile);
    later ones get it at once."""

    requests: list[float] = []
    halfway = threading.Event()
    release = threading.Event()

    def do_GET(self) -> None:  # noqa: N802  # http.server's naming
        body = _feed_body()
        type(self).requests.append(time.time())
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if len(type(self).requests) == 1:
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            type(self).halfway.set()
            type(self).release.wait(30)
            with contextlib.suppress(OSError):  # the poller was killed: nobody reads
                self.wfile.write(body[len(body) // 2 :])
            return
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


def _feed_state(url: str) -> tuple[str | None, int, int]:
    with psycopg.connect(plain_url(url)) as conn:
        owner = conn.execute("SELECT lease_owner FROM feed").fetchone()
        items, distinct = conn.execute(
            "SELECT count(*), count(DISTINCT guid) FROM feeditem"
        ).fetchone()
    return (owner[0] if owner else None), items, distinct


def poller_killed(drill: Drill, cluster: PostgresCluster, _redis: RedisServer, args) -> None:
    print(f"\n== 3. The feed poller killed mid-feed (lease {args.lease}s)")
    url = cluster.url("pollerdrill")
    cluster.createdb("pollerdrill")
    env = bench_env(
        url, FEEDS_ALLOW_PRIVATE="1", FLASK_DEBUG="1", FEEDS_LEASE_SECONDS=str(args.lease)
    )
    migrate(url, env)
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowFeed)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    feed_url = f"http://127.0.0.1:{server.server_address[1]}/feed.xml"
    pollers: list[subprocess.Popen] = []

    def poller(name: str) -> subprocess.Popen:
        log = (drill.folder / f"poller-{name}.log").open("wb")
        proc = subprocess.Popen(
            [BIN / "flask", "feeds", "watch", "--max-sleep", "1"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        pollers.append(proc)
        return proc

    try:
        flask(url, "feeds", "add", feed_url, "--name", "Drill", env=env)
        first = poller("A")
        drill.check(SlowFeed.halfway.wait(60), "poller A is reading the slow feed")
        owner, items, _ = _feed_state(url)
        first.kill()  # kill -9, mid-feed
        first.wait(10)
        killed_at = time.time()
        print(f"  poller A (pid {first.pid}) killed with SIGKILL mid-feed; lease held by {owner}")
        drill.check(
            owner is not None and items == 0, f"the feed is leased, nothing stored ({items})"
        )
        second = poller("B")
        deadline = time.time() + args.lease + 60
        while time.time() < deadline and _feed_state(url)[1] < FEED_ITEMS:
            time.sleep(0.5)
        taken = SlowFeed.requests[1] - killed_at if len(SlowFeed.requests) > 1 else None
        owner, items, distinct = _feed_state(url)
        print(
            f"  poller B fetched the feed {taken:.1f}s after the kill (lease {args.lease}s): "
            f"{items} items stored, {distinct} distinct"
            if taken is not None
            else "  poller B never fetched the feed"
        )
        drill.check(
            taken is not None and taken >= args.lease - 2, "B waited for the lease to expire"
        )
        drill.check(items == FEED_ITEMS, f"every item stored ({items} of {FEED_ITEMS})")
        drill.check(items == distinct, "no item stored twice")
        # Read it once more (everything already seen): still no double.
        flask(url, "feeds", "fetch", "--all", env=env)
        _, items_after, distinct_after = _feed_state(url)
        drill.check(
            items_after == distinct_after == FEED_ITEMS,
            f"a second full read stores nothing new ({items_after} items)",
        )
        second.terminate()
        second.wait(15)
    finally:
        SlowFeed.release.set()
        for proc in pollers:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
        server.shutdown()


DRILLS = {"pg": postgres_restart, "redis": redis_stopped, "poller": poller_killed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--users", type=int, default=100, help="readers during the PostgreSQL drill"
    )
    parser.add_argument("--seconds", type=int, default=60, help="length of the PostgreSQL drill")
    parser.add_argument("--outage", type=float, default=5.0, help="seconds PostgreSQL stays down")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--wait", type=float, default=10.0, help="readers' mean think time (s)")
    parser.add_argument(
        "--lease", type=int, default=10, help="FEEDS_LEASE_SECONDS for the poller drill"
    )
    parser.add_argument("--candidates", type=int, default=200)
    parser.add_argument("--pledges", type=int, default=20)
    parser.add_argument("--evidence", type=int, default=5)
    parser.add_argument("--only", choices=sorted(DRILLS), action="append")
    args = parser.parse_args()
    with drill_folder("pledge-faults-") as folder, own_services(folder) as (cluster, redis):
        drill = Drill(folder, cluster.url())
        for name, run in DRILLS.items():
            if not args.only or name in args.only:
                run(drill, cluster, redis, args)
    verdict = json.dumps(drill.problems, ensure_ascii=False)
    print(f"\n{'all checks passed' if not drill.problems else 'FAILED: ' + verdict}")
    sys.exit(1 if drill.problems else 0)


if __name__ == "__main__":
    main()
