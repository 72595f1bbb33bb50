"""`PORT=<port> make run`, as a newcomer types it: every absolute link the site emits
(API `url` fields, oEmbed, the "Intégrer" snippets, Atom links, an invitation link)
points at the address actually served, and the poller runs beside the web server.

The make target itself runs (install is a no-op in an installed checkout; migrate
and the demo data on a fresh SQLite file in a temporary directory), on a free
loopback port; Ctrl-C (SIGINT to honcho) stops both processes.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
ABSOLUTE = re.compile(r"https?://(?:127\.0\.0\.1|localhost)(?::\d+)?[^\s\"'<>]*")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _token(html: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'name="csrf-token" content="([^"]+)"', html
    )
    assert found, "no CSRF token on the page"
    return found.group(1)


@pytest.fixture
def served(tmp_path):
    if not (ROOT / ".venv" / "bin" / "honcho").exists():
        pytest.skip("make install has not run here")
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "SITE_URL"))},
        "PORT": str(port),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}",
    }
    env.pop("TEST_DATABASE_URL", None)
    process = subprocess.Popen(
        ["make", "--no-print-directory", "run", f"PORT={port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code in (200, 503):
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                output = process.stdout.read() if process.stdout else ""
                pytest.fail(f"make run did not serve {base}:\n{output[-3000:]}")
            time.sleep(0.5)
        yield base, env
    finally:
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C
        try:
            output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
        sys.stdout.write(output[-2000:])


def test_make_run_serves_and_polls_and_every_link_names_the_port(served):
    base, env = served
    with httpx.Client(base_url=base, timeout=10) as client:
        emitted: list[str] = []
        pledges = client.get("/api/v1/pledges").json()
        assert pledges["items"], "the demo data was loaded"
        emitted += [item["url"] for item in pledges["items"]]
        first = pledges["items"][0]["url"]
        emitted += ABSOLUTE.findall(client.get("/oembed", params={"url": first}).text)
        pledge_page = client.get(first.removeprefix(base)).text
        emitted += ABSOLUTE.findall(pledge_page)  # the "Intégrer" snippets among them
        assert "<iframe" in pledge_page or "&lt;iframe" in pledge_page
        emitted += ABSOLUTE.findall(client.get("/api/v1/feeds/status-changes.atom").text)

        # An invitation link, made by an admin created from the CLI.
        subprocess.run(
            [".venv/bin/flask", "--app", "app", "users", "create", "admin@example.org",
             "--role", "admin", "--password", "a long enough password"],
            cwd=ROOT, env=env, check=True, capture_output=True,
        )  # fmt: skip
        login = client.get("/auth/login").text
        response = client.post(
            "/auth/login",
            data={
                "email": "admin@example.org",
                "password": "a long enough password",
                "csrf_token": _token(login),
            },
        )
        assert response.status_code == 302
        users = client.get("/admin/users").text
        response = client.post(
            "/admin/invitations",
            data={"email": "new@example.org", "role": "volunteer", "csrf_token": _token(users)},
            follow_redirects=True,
        )
        invitation = re.findall(r'class="invitation-anchor">([^<]+)<', response.text)
        assert invitation, "the invitation link is shown to hand over"
        emitted += invitation

    ours = [link for link in emitted if "/api/" in link or "/pledges/" in link or "/auth/" in link]
    assert len(ours) >= 5
    wrong = [link for link in emitted if not link.startswith(base + "/")]
    assert wrong == []
