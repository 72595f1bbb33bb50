"""Issue 12 benchmark ("fast without the cache"): the public pages against a static file.

Data from `flask demo generate` (200 candidates × 20 pledges × 5 evidence by
default), gunicorn with 2 workers, one run. Each page is measured against a
static file of the same size served by the same gunicorn, in alternating
rounds (median of three), first with the rendered-output cache off
(PAGE_CACHE_SIZE=0: every request loads and renders), then on, then the
widget's 304 revalidation. Every ratio is printed against its target; the
exit status is 1 when one is missed.

    page cache off: election board ≥ 10%, pledge page ≥ 25%,
                    /api/v1/pledges ≥ 25%, candidate widget ≥ 40%
    page cache on:  election board ≥ 50%, the others ≥ 60%, widget 304 ≥ 80%

`--profile N` instead renders each page N times in-process (Flask test client,
cache off) under cProfile and prints where the time goes: the share of each
library, then the functions with the most time of their own.

`--requests N` times and profiles whole WSGI requests in-process (app.wsgi_app
called with a built environ, as gunicorn calls it, logs included): the static
twin, each page with the cache off and on, and the widget's 304, so the fixed
cost of every answer can be compared with the static file's.

Run: .venv/bin/python bench/pages.py [--seconds 10] [--client wrk] [--page widget]
     [--profile 50] [--requests 2000]
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import os
import pstats
import shutil
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (  # noqa: E402
    ROOT,
    bench_env,
    build_database,
    get,
    gunicorn,
    interleaved_rates,
    report,
    static_twin,
)

UNCACHED = {"election board": 0.10, "pledge page": 0.25, "api pledges": 0.25, "widget": 0.40}
CACHED = {"election board": 0.50, "pledge page": 0.60, "api pledges": 0.60, "widget": 0.60}
WIDGET_304 = 0.80


def pages(get_json: Callable[[str], Any]) -> dict[str, str]:
    """The measured paths in the generated data: its election's board, its first pledge
    (with a ruling and evidence), /api/v1/pledges and its first candidate's widget."""
    election = get_json("/api/v1/elections?per_page=1")["items"][0]["slug"]
    candidate = get_json(f"/api/v1/elections/{election}")["candidates"][0]["slug"]
    pledge = get_json("/api/v1/pledges?per_page=1")["items"][0]["id"]
    return {
        "election board": f"/elections/{election}",
        "pledge page": f"/pledges/{pledge}",
        "api pledges": "/api/v1/pledges",
        "widget": f"/embed/candidates/{election}/{candidate}",
    }


def measure(
    database_url: str, seconds: float, *, cache: bool, client: str, only: list[str] | None = None
) -> list[bool]:
    env = {} if cache else {"PAGE_CACHE_SIZE": "0"}
    targets = CACHED if cache else UNCACHED
    print(f"\n-- page cache {'on' if cache else 'off (PAGE_CACHE_SIZE=0)'}")
    verdicts = []
    with gunicorn(database_url, workers=2, **env) as base:
        paths = pages(lambda path: json.loads(get(base, path)[2]))
        for name, path in paths.items():
            if only and name not in only:
                continue
            status, headers, body = get(base, path)
            if status != 200:
                raise RuntimeError(f"{path} answered {status}")
            measured = {"static": ("", {}, 200), "app": (path, {}, 200)}
            revalidate = name == "widget" and cache
            if revalidate:
                measured["304"] = (path, {"If-None-Match": headers["ETag"]}, 304)
            with static_twin(len(body)) as static_path:
                measured["static"] = (static_path, {}, 200)
                # One client on both sides keeps the ratio about the server. The Python
                # client by default (wrk stalls on body-less 304 answers); `--client wrk`
                # loads the 200 pages with wrk, whose higher static rate makes every
                # ratio stricter, and the 304 with the Python client on both sides.
                if client == "python":
                    rates = interleaved_rates(base, measured, seconds=seconds / 3, client=client)
                else:
                    two = {k: v for k, v in measured.items() if k != "304"}
                    rates = interleaved_rates(base, two, seconds=seconds / 3, client=client)
                if revalidate and client != "python":
                    only = {k: measured[k] for k in ("static", "304")}
                    python = interleaved_rates(base, only, seconds=seconds / 3, client="python")
                    # Reported as its ratio to the static file under the same client.
                    rates["304"] = python["304"] * rates["static"] / python["static"]
            size = f"{len(body) / 1024:.1f} KiB"
            report(f"{name} ({size})", rates["app"], rates["static"], targets[name])
            verdicts.append(rates["app"] / rates["static"] >= targets[name])
            if revalidate:
                report(f"{name}: 304", rates["304"], rates["static"], WIDGET_304)
                verdicts.append(rates["304"] / rates["static"] >= WIDGET_304)
    return verdicts


def profile(database_url: str, renders: int, top: int, cumulative: int) -> None:
    """cProfile over `renders` uncached renders of each page, in this process (after
    timing as many without the profiler, which slows Python calls down)."""
    os.environ.update(bench_env(database_url, PAGE_CACHE_SIZE="0"))
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    from app import create_app

    # SITE_URL names 127.0.0.1: the only host this app answers outside development.
    app = create_app()
    client = app.test_client()

    def fetch(path: str) -> Any:
        return client.get(path, base_url="http://127.0.0.1")

    paths = pages(lambda path: fetch(path).get_json())
    for name, path in paths.items():
        for _ in range(3):  # warm up: templates compiled, statements cached
            assert fetch(path).status_code == 200, path
        timings = []
        for _ in range(renders):
            started = time.perf_counter()
            fetch(path)
            timings.append(time.perf_counter() - started)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(renders):
            fetch(path)
        profiler.disable()
        fastest, median = min(timings) * 1000, statistics.median(timings) * 1000
        print(f"\n== {name} {path}: {median:.1f} ms per render (fastest {fastest:.1f})")
        stats = pstats.Stats(profiler)
        print("own time under cProfile by library:", _by_library(stats))
        print(f"-- top {top} functions by own time")
        stats.sort_stats("tottime").print_stats(top)
        if cumulative:
            stats.sort_stats("cumulative").print_stats(cumulative)


def profile_requests(database_url: str, requests: int, top: int) -> None:
    """Whole WSGI requests, in this process: median and fastest of `requests` calls,
    then the functions with the most own time under cProfile (`top` of them).
    The request log lines are written, to /dev/null."""
    from werkzeug.test import EnvironBuilder

    os.environ.update(bench_env(database_url))
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    from app import create_app

    def environ(path: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
        builder = EnvironBuilder(
            path=path, base_url="http://127.0.0.1", headers=list((headers or {}).items())
        )
        try:
            return builder.get_environ()
        finally:
            builder.close()

    for cache in ("0", "2000"):
        os.environ["PAGE_CACHE_SIZE"] = cache
        app = create_app()

        def call(env: dict[str, Any], app: Any = app) -> tuple[str, dict[str, str], bytes]:
            answer: list[Any] = []
            body = app.wsgi_app(dict(env), lambda s, h, _e=None: answer.extend((s, dict(h))))
            data = b"".join(body)
            getattr(body, "close", lambda: None)()
            return answer[0], answer[1], data

        print(f"\n-- whole requests, page cache {'off' if cache == '0' else 'on'}")
        with open(os.devnull, "w") as devnull, contextlib.redirect_stderr(devnull):
            paths = pages(lambda path: json.loads(call(environ(path))[2]))
            cases = {name: environ(path) for name, path in paths.items()}
            _, headers, body = call(cases["widget"])
            if cache != "0":
                cases["widget 304"] = environ(paths["widget"], {"If-None-Match": headers["ETag"]})
            with static_twin(len(body)) as static_path:
                cases = {"static twin": environ(static_path), **cases}
                for name, env in cases.items():
                    _time_and_profile(name, partial(call, env), requests, top)


def _time_and_profile(name: str, request: Callable[[], Any], requests: int, top: int) -> None:
    for _ in range(5):
        status = request()[0]
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        request()
        timings.append(time.perf_counter() - started)
    median, fastest = statistics.median(timings) * 1000, min(timings) * 1000
    print(f"{name:<16} {status:<18} {median:7.3f} ms median, fastest {fastest:.3f}")
    if top:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(requests):
            request()
        profiler.disable()
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(top)


LIBRARIES = (
    "markdown", "nh3", "sqlalchemy", "sqlmodel", "pydantic", "jinja2", "babel",
    "flask_babel", "werkzeug", "flask", "sqlite3", "psycopg", "json", "views", "pledges",
    "models",
)  # fmt: skip


def _by_library(stats: pstats.Stats) -> str:
    """Each library's share of the total own time (the callers' frames excluded)."""
    own: dict[str, float] = defaultdict(float)
    total = 0.0
    for (filename, _, function), (_, _, tottime, _, _) in stats.stats.items():  # type: ignore[attr-defined]  # pstats keeps its table untyped
        total += tottime
        parts = Path(filename).parts
        if filename.endswith(".html"):  # compiled template code
            library: str | None = "templates"
        else:
            library = next((p for p in LIBRARIES if p in parts), None)
        if library is None and "_sqlite3" in function:
            library = "sqlite3"
        own[library or "builtins/other"] += tottime
    shares = sorted(own.items(), key=lambda kv: -kv[1])
    return "   ".join(
        f"{name} {value / total:.0%}" for name, value in shares if value / total >= 0.02
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10, help="per page and mode (3 rounds)")
    parser.add_argument(
        "--client",
        choices=("python", "wrk"),
        default="python",
        help="load generator for the 200 pages (wrk must be installed)",
    )
    parser.add_argument(
        "--page",
        action="append",
        choices=list(UNCACHED),
        help="measure only this page (repeatable); every page by default",
    )
    parser.add_argument("--candidates", type=int, default=200)
    parser.add_argument("--pledges", type=int, default=20)
    parser.add_argument("--evidence", type=int, default=5)
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="profile N renders")
    parser.add_argument(
        "--requests", type=int, default=0, metavar="N", help="time and profile N whole requests"
    )
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--cumulative", type=int, default=0, metavar="N", help="and N by total")
    args = parser.parse_args()
    url, folder = build_database(args.candidates, args.pledges, args.evidence)
    try:
        if args.profile:
            profile(url, args.profile, args.top, args.cumulative)
            return
        if args.requests:
            profile_requests(url, args.requests, args.top)
            return
        verdicts = [
            verdict
            for cache in (False, True)
            for verdict in measure(
                url, args.seconds, cache=cache, client=args.client, only=args.page
            )
        ]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    missed = verdicts.count(False)
    print(f"\n{len(verdicts) - missed}/{len(verdicts)} targets met")
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
