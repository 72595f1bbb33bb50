"""Shared benchmark plumbing: a database built by the CLI, gunicorn on a free loopback
port, a static file of matching size, and a load generator (wrk, else a Python client).

Every figure is a ratio measured in the same run on the same server, so it says
how the app compares to serving a file, whatever the machine.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bench_env(database_url: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY="bench-only-secret",
        FLASK_APP="app",
        SITE_URL="http://127.0.0.1",
    )
    env.update(extra)
    return env


def build_database(candidates: int, pledges: int, evidence: int) -> tuple[str, Path]:
    """A fresh SQLite database, migrated and filled by `flask demo generate`."""
    folder = Path(tempfile.mkdtemp(prefix="pledge-bench-"))
    url = f"sqlite:///{folder / 'bench.db'}"
    fill_database(url, candidates, pledges, evidence)
    return url, folder


def migrate(database_url: str, env: dict[str, str] | None = None) -> None:
    subprocess.run(
        [BIN / "alembic", "upgrade", "head"],
        cwd=ROOT,
        env=env or bench_env(database_url),
        check=True,
        capture_output=True,
        timeout=300,
    )


def fill_database(database_url: str, candidates: int, pledges: int, evidence: int) -> None:
    """Migrate the database and fill it with `flask demo generate`."""
    migrate(database_url)
    started = time.perf_counter()
    subprocess.run(
        [
            BIN / "flask",
            "demo",
            "generate",
            "--candidates",
            str(candidates),
            "--pledges",
            str(pledges),
            "--evidence",
            str(evidence),
        ],
        cwd=ROOT,
        env=bench_env(database_url),
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=900,
    )
    print(f"generated {candidates}×{pledges}×{evidence} in {time.perf_counter() - started:.1f}s")


@contextmanager
def gunicorn(
    database_url: str,
    workers: int = 2,
    *,
    log: Path | None = None,
    args: Sequence[str] = (),
    **extra_env: str,
) -> Iterator[str]:
    """Serve the app with gunicorn on 127.0.0.1:<free port>; yields the base URL.

    `log`: a file for its stderr (the app's JSON request lines), else a temporary file
    named on the terminal (thousands of request lines would bury the figures).
    """
    port = free_port()
    env = bench_env(database_url, **extra_env)
    if log is None:
        log = Path(tempfile.mkdtemp(prefix="pledge-bench-log-")) / "gunicorn.log"
        print(f"gunicorn's log: {log}", file=sys.stderr)
    stderr = log.open("ab")
    proc = subprocess.Popen(
        [
            BIN / "gunicorn",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            *args,
            "app:create_app()",
        ],
        cwd=ROOT,
        env=env,
        stderr=stderr,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                status, _, _ = get(base, "/static/css/site.css")
                if status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        if stderr is not None:
            stderr.close()


def get(base: str, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict, bytes]:
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    conn.request("GET", path, headers=headers or {})
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, dict(resp.getheaders()), body


@contextmanager
def static_twin(size: int) -> Iterator[str]:
    """A file of `size` bytes under static/, served by the same gunicorn; removed afterwards."""
    path = ROOT / "static" / f"bench-{size}.html"
    path.write_bytes(b"x" * size)
    try:
        yield f"/static/{path.name}"
    finally:
        path.unlink(missing_ok=True)


def rate(
    base: str,
    path: str,
    *,
    seconds: float = 5,
    connections: int = 8,
    headers: dict[str, str] | None = None,
    expect: int = 200,
    client: str = "auto",
) -> float:
    """Requests per second for GET path, after checking it answers `expect`.

    client "auto" uses wrk when installed, "wrk" always (or fails), "python" the Python client
    (wrk stalls on gunicorn's body-less 304 + "Connection: close" answers).
    """
    status, _, _ = get(base, path, headers)
    if status != expect:
        raise RuntimeError(f"{path} answered {status}, expected {expect}")
    if client == "wrk" and not shutil.which("wrk"):
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    if client in ("auto", "wrk") and shutil.which("wrk"):
        return _wrk(base + path, seconds, connections, headers or {})
    return _python_client(base, path, seconds, connections, headers or {})


def _wrk(url: str, seconds: float, connections: int, headers: dict[str, str]) -> float:
    cmd = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{max(1, round(seconds))}s"]
    for name, value in headers.items():
        cmd += ["-H", f"{name}: {value}"]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    if "Non-2xx or 3xx responses" in out:
        raise RuntimeError(f"errors while loading {url}:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def _python_client(
    base: str, path: str, seconds: float, connections: int, headers: dict[str, str]
) -> float:
    """Fallback load: keep-alive connections in threads, bounded by time."""
    host, port = base.removeprefix("http://").split(":")
    deadline = time.monotonic() + seconds

    def worker() -> int:
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        done = 0
        while time.monotonic() < deadline:
            conn.request("GET", path, headers=headers)
            conn.getresponse().read()
            done += 1
        conn.close()
        return done

    started = time.monotonic()
    with ThreadPoolExecutor(connections) as pool:
        total = sum(pool.map(lambda _: worker(), range(connections)))
    return total / (time.monotonic() - started)


def interleaved_rates(
    base: str,
    targets: dict[str, tuple[str, dict[str, str], int]],
    *,
    seconds: float,
    rounds: int = 3,
    client: str = "auto",
) -> dict[str, float]:
    """Median rate of each (path, headers, expected status), measured in alternating rounds.

    Alternating the static file and the app within each round, and taking the
    median, keeps a burst of load from elsewhere on the machine from landing on
    one side of a ratio only.
    """
    samples: dict[str, list[float]] = {name: [] for name in targets}
    for _ in range(rounds):
        for name, (path, headers, expect) in targets.items():
            samples[name].append(
                rate(base, path, seconds=seconds, headers=headers, expect=expect, client=client)
            )
    return {name: statistics.median(values) for name, values in samples.items()}


def report(name: str, value: float, static: float, target: float | None = None) -> str:
    ratio = value / static if static else 0.0
    verdict = (
        "" if target is None else ("  ok" if ratio >= target else f"  BELOW target {target:.0%}")
    )
    line = f"{name:<38} {value:9.1f} req/s   {ratio:6.1%} of static{verdict}"
    print(line)
    return line
