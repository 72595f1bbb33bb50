"""The load drill's users, run by bench/load.py and bench/faults.py with locust (headless).

Readers (anonymous, no cookie) load election boards, candidate pages, pledge pages,
the widget and the API. Each pledge page is checked: the status it shows must be
the status of the newest effective entry of its own history, and the API's answer
for the same pledge, when it carries the same X-Data-Version, must agree with both.
A disagreement is a failure named "check: ...".

One editor logs in through the real login form (CSRF) and records a ruling every
second through the real admin ruling form, citing published evidence and
alternating statuses; each ruling carries a unique token in its rationale so the
drill can count afterwards that none was lost or stored twice. A ruling whose
answer failed (a fault drill's outage) is sent again, same form and same version:
the version check refuses it (409) if the first attempt was stored after all.

Settings come from the environment (BENCH_*), written by the driver.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from locust import between, constant_pacing, events, task
from locust.contrib.fasthttp import FastHttpUser

TARGETS = json.loads(open(os.environ["BENCH_TARGETS"]).read())  # noqa: SIM115
EVENTS = open(os.environ["BENCH_EVENTS"], "a", buffering=1)  # noqa: SIM115  # one line per event
WAIT = float(os.environ.get("BENCH_WAIT", "1.0"))
ZONE = ZoneInfo(os.environ.get("BENCH_TZ", "Europe/Paris"))
RUN = os.environ.get("BENCH_RUN", "run")
MAX_RETRIES = 30

SUMMARY_STATUS = re.compile(
    r'class="status-summary"><span class="status-line"><span class="status status-(\w+)"'
)
BADGE = re.compile(r'class="status status-(\w+)"')


def record(kind: str, **fields: object) -> None:
    EVENTS.write(json.dumps({"t": time.time(), "kind": kind, **fields}) + "\n")


@events.request.add_listener
def _failed_request(request_type, name, exception=None, **_kw) -> None:
    """Every failed HTTP request, with its time: the fault drills count those outside an outage."""
    if exception is not None and request_type != "CHECK":
        record("http_failed", name=name, error=str(exception)[:200])


def check_failed(name: str, message: str, **fields: object) -> None:
    events.request.fire(
        request_type="CHECK",
        name=f"check: {name}",
        response_time=0,
        response_length=0,
        exception=AssertionError(message),
        context={},
    )
    record("check_failed", name=name, message=message, **fields)


def page_statuses(html: str) -> tuple[str | None, str | None]:
    """(status shown at the top, to-status of the timeline's last ruling not struck through)."""
    shown = SUMMARY_STATUS.search(html)
    newest = None
    for chunk in html.split('<li class="timeline-entry timeline-status">')[1:]:
        entry = chunk.split("</li>", 1)[0]
        if '<del class="corrected-ruling">' in entry:
            continue
        ruling = entry.split('<p id="ruling-', 1)[-1].split("</p>", 1)[0]
        badges = BADGE.findall(ruling)
        if badges:
            newest = badges[-1]
    return (shown.group(1) if shown else None), newest


def api_statuses(data: dict) -> tuple[str, str | None]:
    """(status, to-status of the newest entry that no other corrects) from /api/v1/pledges/<id>."""
    effective = [h for h in data["history"] if h.get("corrected_by") is None]
    # The timeline's order: effective date, then the original entry's id.
    effective.sort(key=lambda h: (h["effective_on"], h.get("corrects") or h["id"]))
    return data["status"], (effective[-1]["to"] if effective else None)


class Reader(FastHttpUser):
    """An anonymous visitor: boards, pledge pages (checked), the widget, the API."""

    weight = 1
    wait_time = between(WAIT / 2, WAIT * 1.5)

    def pledge(self) -> int:
        return random.choice(TARGETS["pledges"])

    @task(2)
    def election_board(self) -> None:
        self.client.get(f"/elections/{random.choice(TARGETS['elections'])}", name="board: election")

    @task(2)
    def candidate_board(self) -> None:
        election, candidate = random.choice(TARGETS["candidates"])
        self.client.get(f"/elections/{election}/{candidate}", name="board: candidate")

    @task(6)
    def pledge_page_checked(self) -> None:
        pledge = self.pledge()
        with self.client.get(f"/pledges/{pledge}", name="pledge page", catch_response=True) as page:
            if page.status_code != 200:
                page.failure(f"HTTP {page.status_code}")
                return
            version = page.headers.get("X-Data-Version")
            shown, newest = page_statuses(page.text or "")
            if shown is None or version is None:
                page.failure("no status or no X-Data-Version on the pledge page")
                return
        if newest is not None and shown != newest:
            check_failed(
                "page vs its history",
                f"pledge {pledge} shows {shown}, its history ends with {newest} (v{version})",
                pledge=pledge,
            )
        with self.client.get(
            f"/api/v1/pledges/{pledge}", name="api: pledge", catch_response=True
        ) as api:
            if api.status_code != 200:
                api.failure(f"HTTP {api.status_code}")
                return
            api_version = api.headers.get("X-Data-Version")
            status, api_newest = api_statuses(json.loads(api.text or "{}"))
        if api_newest is not None and status != api_newest:
            check_failed(
                "api vs its history",
                f"pledge {pledge}: API status {status}, its history ends with {api_newest}",
                pledge=pledge,
            )
        if api_version == version:
            record("compared", pledge=pledge, history=newest is not None)
            if status != shown:
                check_failed(
                    "page vs api",
                    f"pledge {pledge} at v{version}: page {shown}, API {status}",
                    pledge=pledge,
                )
        else:
            record("not_comparable", pledge=pledge)

    @task(2)
    def pledge_widget(self) -> None:
        self.client.get(f"/embed/pledges/{self.pledge()}", name="widget: pledge")

    @task(1)
    def candidate_widget(self) -> None:
        election, candidate = random.choice(TARGETS["candidates"])
        self.client.get(f"/embed/candidates/{election}/{candidate}", name="widget: candidate")

    @task(2)
    def api_list(self) -> None:
        election, candidate = random.choice(TARGETS["candidates"])
        self.client.get(
            f"/api/v1/pledges?election={election}&candidate={candidate}", name="api: pledges list"
        )


def field(html: str, name: str) -> str | None:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html)
    return match.group(1) if match else None


class Editor(FastHttpUser):
    """One editor recording a ruling a second through the admin's ruling form."""

    fixed_count = 1
    weight = 0
    wait_time = constant_pacing(1.0)

    def on_start(self) -> None:
        self.queue = iter(TARGETS["editor_pledges"])
        self.counter = itertools.count(1)
        self.pending: dict | None = None  # a ruling whose answer failed, to send again
        self.logged_in = False

    def login(self) -> bool:
        with self.client.get("/auth/login", name="editor: login form", catch_response=True) as r:
            token = field(r.text or "", "csrf_token") if r.status_code == 200 else None
            if token is None:
                r.failure(f"login form: HTTP {r.status_code}")
                return False
        body = urlencode(
            {
                "email": os.environ["BENCH_EDITOR_EMAIL"],
                "password": os.environ["BENCH_EDITOR_PASSWORD"],
                "csrf_token": token,
            }
        )
        with self.client.post(
            "/auth/login",
            data=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            allow_redirects=False,
            name="editor: login",
            catch_response=True,
        ) as r:
            if r.status_code != 302:
                r.failure(f"login: HTTP {r.status_code}")
                return False
        self.logged_in = True
        return True

    def plan(self) -> dict | None:
        """The next pledge that can take a ruling (a few tries), or None."""
        for _ in range(10):
            pledge = next(self.queue, None)
            if pledge is None:
                return None
            planned = self.plan_for(pledge)
            if planned is not None:
                return planned
        return None

    def plan_for(self, pledge: int) -> dict | None:
        """A status other than the pledge's own, citing published evidence that says so."""
        n = next(self.counter)
        with self.client.get(
            f"/api/v1/pledges/{pledge}", name="editor: api pledge", catch_response=True
        ) as r:
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code}")
                return None
            data = json.loads(r.text or "{}")
        verdicts = ["kept", "broken"] if n % 2 else ["broken", "kept"]  # alternate
        for status in [*verdicts, "pending"]:
            cites = [e["id"] for e in data["evidence"] if e["stance"] == status]
            if status != data["status"] and (status == "pending" or cites):
                break
        else:
            return None
        return {
            "pledge": pledge,
            "token": f"bench-{RUN}-{n}",
            "status": status,
            "cites": cites,
            "form": None,
            "tries": 0,
        }

    def open_form(self, plan: dict) -> bool:
        with self.client.get(
            f"/admin/pledges/{plan['pledge']}/ruling",
            name="editor: ruling form",
            catch_response=True,
            allow_redirects=False,
        ) as r:
            html = r.text or ""
            token, version = field(html, "csrf_token"), field(html, "version")
            if r.status_code != 200 or token is None or version is None:
                r.failure(f"ruling form: HTTP {r.status_code}")
                if r.status_code in {302, 401}:
                    self.logged_in = False
                return False
        pairs = [
            ("csrf_token", token),
            ("version", version),
            ("status", plan["status"]),
            ("effective_on", datetime.now(ZONE).date().isoformat()),
            ("rationale", f"Décision enregistrée par l'exercice de charge ({plan['token']})."),
            *[("cites", str(i)) for i in plan["cites"]],
        ]
        plan["form"] = urlencode(pairs)
        return True

    @task
    def rule(self) -> None:
        if not self.logged_in and not self.login():
            return
        plan = self.pending or self.plan()
        if plan is None:
            return
        if plan["form"] is None and not self.open_form(plan):
            self.pending = plan
            return
        plan["tries"] += 1
        with self.client.post(
            f"/admin/pledges/{plan['pledge']}/ruling",
            data=plan["form"],
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            allow_redirects=False,
            name="editor: ruling post",
            catch_response=True,
        ) as r:
            code = r.status_code
            if code == 302:
                outcome = "stored"
            elif code == 409 and plan["tries"] > 1:
                r.success()  # sent again after a failed answer: the first one was stored
                outcome = "stored_before"
            else:
                r.failure(f"ruling: HTTP {code}")
                outcome = "failed"
        record(
            "ruling",
            token=plan["token"],
            pledge=plan["pledge"],
            status=plan["status"],
            outcome=outcome,
            http=code,
            tries=plan["tries"],
        )
        if outcome == "failed" and plan["tries"] < MAX_RETRIES:
            self.pending = plan
        else:
            self.pending = None
