"""The drills' own services: a PostgreSQL cluster and a redis-server of their own, on free
loopback ports in a temporary folder, that the drills may stop and restart at will
(never the machine's shared ones), and the cleanup of everything on exit or Ctrl-C.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import BIN, ROOT, bench_env, free_port  # noqa: E402

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def _as_postgres() -> list[str]:
    """initdb refuses to run as root: run the cluster as the postgres account then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--"]
    return []


class PostgresCluster:
    """initdb into `folder`, trust auth, listening on 127.0.0.1:<free port> only."""

    def __init__(self, folder: Path, max_connections: int = 100) -> None:
        self.folder = folder
        self.data = folder / "pgdata"
        self.log = folder / "postgres.log"
        self.port = free_port()
        self.max_connections = max_connections
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(folder, owner.pw_uid, owner.pw_gid)
        subprocess.run(
            [
                *_as_postgres(),
                PG_BIN / "initdb",
                "-D",
                self.data,
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=120,
        )

    def url(self, database: str = "bench") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _ctl(self, *args: str, check: bool = True) -> None:
        subprocess.run(
            [*_as_postgres(), PG_BIN / "pg_ctl", "-D", self.data, "-w", "-t", "60", *args],
            check=check,
            stdout=subprocess.DEVNULL,
            timeout=90,
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 "
            f"-c unix_socket_directories={self.folder} -c max_connections={self.max_connections}"
        )
        self._ctl("-l", str(self.log), "-o", options, "start")

    def stop(self, mode: str = "fast") -> None:
        """Signal the postmaster as `pg_ctl -m MODE stop` does (fast: SIGINT, immediate:
        SIGQUIT) and wait for it to go; no child process, so it also works mid-Ctrl-C."""
        pid_file = self.data / "postmaster.pid"
        try:
            pid = int(pid_file.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return  # not running
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGQUIT if mode == "immediate" else signal.SIGINT)
        deadline = time.monotonic() + 60
        while pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)

    def createdb(self, name: str = "bench") -> None:
        subprocess.run(
            [
                *_as_postgres(),
                PG_BIN / "createdb",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                name,
            ],
            check=True,
            timeout=60,
        )


class RedisServer:
    """redis-server on 127.0.0.1:<free port>, nothing saved to disk."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.proc = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                import socket

                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None


def flask(database_url: str, *args: str, env: dict[str, str] | None = None, **kw) -> str:
    """Run `flask ARGS` on the drill's database; returns its stdout."""
    result = subprocess.run(
        [BIN / "flask", *args],
        cwd=ROOT,
        env=env or bench_env(database_url),
        check=True,
        capture_output=True,
        text=True,
        timeout=kw.get("timeout", 900),
        input=kw.get("input"),
    )
    return result.stdout


def _raise_interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


@contextmanager
def drill_folder(prefix: str) -> Iterator[Path]:
    """A temporary folder removed on exit; SIGTERM/SIGHUP unwind like Ctrl-C, so every
    `finally` (gunicorn, redis, pg_ctl stop) runs."""
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _raise_interrupt)
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def own_services(
    folder: Path, *, max_connections: int = 100
) -> Iterator[tuple[PostgresCluster, RedisServer]]:
    """Start our own PostgreSQL and Redis; stop both whatever happens."""
    cluster = PostgresCluster(folder, max_connections=max_connections)
    redis = RedisServer(folder)
    try:
        cluster.start()
        cluster.createdb()
        redis.start()
        print(
            f"own PostgreSQL on 127.0.0.1:{cluster.port} (max_connections={max_connections}), "
            f"own Redis on 127.0.0.1:{redis.port}"
        )
        yield cluster, redis
    finally:
        redis.stop()
        cluster.stop("immediate")
