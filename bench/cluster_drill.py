"""The client side of bench/cluster.sh: a slow feed server, an SMTP server, and the checks.

Run by bench/cluster.sh inside its client network namespace; not meant to be run by
hand (it expects the two hosts, the database and the feed server the script built).

`serve-feeds` serves RSS files like `python -m http.server`, one second per answer
so that two pollers are busy at once, and logs each request with the client's
address. `check` prints one PASS/FAIL line per check with its figures and exits 1
when one fails:
  pages  a ruling recorded through host B's forms shows on host C's next answer;
  feeds  across both pollers, each due feed is fetched once per due period;
  logins wrong passwords spread over B and C meet the configured limit once, in total.
`serve-mail` is an SMTP server logging each recipient with the sending host's address,
`prepare-digests` gives many editors a digest to receive, and `check-digests` says
whether `mail send-digests`, run on B and C at once, mailed each of them exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import html.parser
import http.server
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
from aiosmtpd.controller import Controller

INTERVAL_SECONDS = 60  # bench/cluster.sh adds the feeds with --interval 1 (minute)
FEED_REQUEST = re.compile(r'^(\S+) .* "GET /feed-(\d+)\.xml HTTP/[\d.]+" (\d+)')
RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Drill feed {n}</title><link>http://drill.invalid/</link>
<description>bench/cluster.sh</description>
<item><title>Article {n} du flux de l'exercice</title><link>http://drill.invalid/{n}</link>
<guid>drill-{n}</guid><pubDate>Mon, 02 Jun 2025 08:00:00 GMT</pubDate>
<description>Un article sans rapport avec les engagements.</description></item>
</channel></rss>
"""


# --- The feed server ------------------------------------------------------------------------


class SlowFeedHandler(http.server.SimpleHTTPRequestHandler):
    """Files from the feed folder, each answer held one second: fetches overlap."""

    delay = 1.0

    def do_GET(self) -> None:
        time.sleep(self.delay)
        super().do_GET()

    def log_message(self, fmt: str, *args: object) -> None:
        super().log_message(fmt, *args)
        sys.stderr.flush()


def serve_feeds(args: argparse.Namespace) -> None:
    folder = Path(args.folder)
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(1, args.feeds + 1):
        (folder / f"feed-{n}.xml").write_text(RSS.format(n=n), encoding="utf-8")
    handler = functools.partial(SlowFeedHandler, directory=str(folder))
    with http.server.ThreadingHTTPServer((args.bind, args.port), handler) as server:
        server.serve_forever()


# --- The mail server (check 4) -----------------------------------------------------------------


class MailLog:
    """aiosmtpd handler: one line per recipient, "<client address> <recipient>", each
    message held a moment so that two senders' rounds overlap."""

    def __init__(self, path: Path) -> None:
        self.path = path

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802
        await asyncio.sleep(0.2)
        peer = session.peer[0]  # type: ignore[attr-defined]  # aiosmtpd's Session
        with self.path.open("a", encoding="utf-8") as log:
            for recipient in envelope.rcpt_tos:  # type: ignore[attr-defined]
                log.write(f"{peer} {recipient}\n")
        return "250 OK"


def serve_mail(args: argparse.Namespace) -> None:
    controller = Controller(MailLog(Path(args.log)), hostname=args.bind, port=args.port)
    controller.start()
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


def prepare_digests(args: argparse.Namespace) -> None:
    """Editors hear of submissions waiting for review: add editors and one submission."""
    url = args.database_url.replace("+psycopg", "")
    with psycopg.connect(url, connect_timeout=10) as conn:
        conn.execute(
            """INSERT INTO "user" (email, display_name, password_hash, role, active, created_at,
                   session_generation, language, digest_opt_out)
               SELECT 'digest-' || g || '@drill.example.org', 'Relecteur ' || g, '', 'editor',
                   true, now(), 0, 'fr', false
               FROM generate_series(1, %s) AS g""",
            (args.count,),
        )
        # A copy of a demo evidence item, waiting for review (every column, whatever they are).
        conn.execute("CREATE TEMP TABLE waiting AS SELECT * FROM evidence LIMIT 1")
        conn.execute(
            """UPDATE waiting SET id = nextval(pg_get_serial_sequence('evidence', 'id')),
                   url = url || '#exercice', state = 'submitted', reviewed_by_id = NULL,
                   reviewed_at = NULL"""
        )
        conn.execute("INSERT INTO evidence SELECT * FROM waiting")


def check_digests(args: argparse.Namespace) -> int:
    report = Report()
    lines = [line.split() for line in Path(args.mail_log).read_text().splitlines() if line]
    per_person = Counter(recipient for _, recipient in lines)
    by_host = Counter(args.hosts.get(peer, peer) for peer, _ in lines) if lines else Counter()
    url = args.database_url.replace("+psycopg", "")
    with psycopg.connect(url, connect_timeout=10) as conn:
        editors = conn.execute(
            """SELECT email, last_digest_at IS NOT NULL FROM "user"
               WHERE role IN ('editor', 'admin') AND active"""
        ).fetchall()
    expected = {email for email, _ in editors}
    report.check(
        "digests",
        set(per_person) == expected
        and set(per_person.values()) == {1}
        and all(done for _, done in editors),
        f"`mail send-digests` run on B and C at once for {len(expected)} editors: "
        f"{sum(per_person.values())} mails, {len(per_person)} people, "
        f"most to one person: {max(per_person.values(), default=0)}; by host: "
        + ", ".join(f"{h} {n}" for h, n in sorted(by_host.items())),
    )
    return 1 if report.failures else 0


# --- A visitor behind the load balancer -----------------------------------------------------


class FormInputs(html.parser.HTMLParser):
    """name -> value of a page's text, hidden and date inputs (enough for our forms)."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "input" and found.get("name") and found.get("type") not in {"radio", "checkbox"}:
            self.values[str(found["name"])] = found.get("value") or ""


def form_inputs(page: str) -> dict[str, str]:
    parser = FormInputs()
    parser.feed(page)
    return parser.values


class Browser:
    """One visitor: the host it talks to changes per request, as behind a load balancer,
    but its cookies are the site's (one Host header, SITE_URL's), so they follow it."""

    def __init__(self, site_host: str) -> None:
        self.site_host = site_host
        self.cookies: dict[str, str] = {}
        self.client = httpx.Client(timeout=30, follow_redirects=False)

    def request(
        self,
        base: str,
        method: str,
        path: str,
        *,
        data: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        sent = {"Host": self.site_host, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = self.client.request(method, base + path, data=data, headers=sent)
        self.cookies.update(response.cookies.items())
        return response


@dataclass
class Report:
    failures: list[str] = field(default_factory=list)

    def check(self, name: str, ok: bool, figures: str) -> None:
        print(f"{'PASS' if ok else 'FAIL'}  {name}: {figures}", flush=True)
        if not ok:
            self.failures.append(name)


# --- Check 1: a write through B shows on C ----------------------------------------------------


def pick_pledge(visitor: Browser, host: str) -> int:
    """A pledge with a verdict: ruling it back to pending needs no evidence."""
    for status in ("kept", "broken"):
        found = visitor.request(host, "GET", f"/api/v1/pledges?status={status}&per_page=1")
        found.raise_for_status()
        if found.json()["items"]:
            return int(found.json()["items"][0]["id"])
    raise SystemExit("no pledge with a verdict in the demo data")


def log_in(editor: Browser, host: str, email: str, password: str) -> httpx.Response:
    token = form_inputs(editor.request(host, "GET", "/auth/login").text)["csrf_token"]
    return editor.request(
        host,
        "POST",
        "/auth/login",
        data={"csrf_token": token, "email": email, "password": password},
    )


def check_pages(args: argparse.Namespace, report: Report) -> None:
    b, c = args.host_b, args.host_c
    anonymous = Browser(args.site_host)  # never logged in: gets no cookie, as promised
    pledge_id = pick_pledge(anonymous, c)
    path = f"/pledges/{pledge_id}"
    marker = f"exercice-multi-machines-{int(time.time())}"
    # Fill every worker's page cache on both hosts (two workers each: a few requests).
    before = [anonymous.request(h, "GET", path) for h in (b, c) for _ in range(6)]
    etags = {r.headers.get("ETag", "") for r in before}
    etag = before[-1].headers.get("ETag", "")
    editor = Browser(args.site_host)
    login = log_in(editor, b, args.email, args.password)
    form_page = editor.request(b, "GET", f"/admin/pledges/{pledge_id}/ruling")
    fields = form_inputs(form_page.text)
    saved = editor.request(
        b,
        "POST",
        f"/admin/pledges/{pledge_id}/ruling",
        data={
            "csrf_token": fields.get("csrf_token", ""),
            "version": fields.get("version", ""),
            "effective_on": fields.get("effective_on", ""),
            "status": "pending",
            "rationale": f"Décision de l'exercice {marker}.",
        },
    )
    written = time.monotonic()
    after = [anonymous.request(c, "GET", path)]  # host C's next request
    first_after_ms = (time.monotonic() - written) * 1000
    after += [anonymous.request(c, "GET", path) for _ in range(5)]
    revalidated = anonymous.request(c, "GET", path, headers={"If-None-Match": etag})
    shown = sum(marker in r.text for r in after)
    report.check(
        "pages",
        login.status_code == 302
        and saved.status_code in {302, 303}
        and not any(marker in r.text for r in before)
        and all(r.status_code == 200 for r in before + after)
        and shown == len(after)
        and len(etags) == 1
        and revalidated.status_code == 200
        and marker in revalidated.text
        and not anonymous.cookies,
        f"/pledges/{pledge_id}: before the write, {len(before)} anonymous answers from B and C "
        f"(both workers' page caches filled), {len(etags)} distinct ETag, ruling shown on "
        f"{sum(marker in r.text for r in before)}; editor login on B {login.status_code}, ruling "
        f"posted on B {saved.status_code}; host C's next answer ({first_after_ms:.0f} ms after "
        f"the write) showed it, and {shown}/{len(after)} of its answers did; If-None-Match "
        f"with the old ETag on C: {revalidated.status_code}; cookies given to the anonymous "
        f"visitor: {len(anonymous.cookies)}",
    )


# --- Check 3: the login limit is shared --------------------------------------------------------


def check_logins(args: argparse.Namespace, report: Report) -> None:
    """The per account-and-address limit, with attempts alternating between B and C."""
    limit = int(re.match(r"\s*(\d+)", args.login_limit).group(1))  # type: ignore[union-attr]
    guesser = Browser(args.site_host)
    # One CSRF token from B, used on C too: both hosts sign with the same SECRET_KEY.
    token = form_inputs(guesser.request(args.host_b, "GET", "/auth/login").text)["csrf_token"]
    statuses: list[tuple[str, int]] = []
    for attempt in range(2 * limit + 2):
        name, host = ("B", args.host_b) if attempt % 2 == 0 else ("C", args.host_c)
        answer = guesser.request(
            host,
            "POST",
            "/auth/login",
            data={"csrf_token": token, "email": args.email, "password": "not-the-password"},
        )
        statuses.append((name, answer.status_code))
    refused = [i for i, (_, s) in enumerate(statuses) if s == 429]
    wrong = Counter(name for name, s in statuses if s == 401)
    expected = [401] * limit + [429] * (len(statuses) - limit)
    refusals = f"429 from attempt {refused[0] + 1} on" if refused else "never refused"
    report.check(
        "logins",
        [s for _, s in statuses] == expected,
        f"limit {args.login_limit!r} (expected {limit} wrong-password answers in all): "
        f"{sum(wrong.values())} answered 401 (B {wrong['B']}, C {wrong['C']}), {refusals}; "
        f"{len(statuses)} attempts alternating B/C: " + " ".join(f"{n}{s}" for n, s in statuses),
    )


# --- Check 2: each due feed fetched once across both pollers ----------------------------------


def feed_log(path: Path) -> list[tuple[str, int, str]]:
    """(client address, feed number, HTTP status) of each feed request the server logged."""
    rows = []
    for line in path.read_text(errors="replace").splitlines():
        found = FEED_REQUEST.match(line)
        if found:
            rows.append((found.group(1), int(found.group(2)), found.group(3)))
    return rows


def feed_rows(database_url: str, prefix: str) -> dict[str, tuple[int, int, float]]:
    """url -> (feedfetch rows, fetch_count, smallest gap in seconds between two fetches)."""
    query = """
        SELECT f.url, count(ff.id), f.fetch_count,
               coalesce(extract(epoch FROM max(ff.at) - min(ff.at)), 0)
        FROM feed f LEFT JOIN feedfetch ff ON ff.feed_id = f.id
        WHERE f.url LIKE %s GROUP BY f.id ORDER BY f.id
    """
    with psycopg.connect(database_url.replace("+psycopg", ""), connect_timeout=10) as conn:
        rows = conn.execute(query, (prefix + "%",)).fetchall()
    return {url: (int(n), int(count), float(gap)) for url, n, count, gap in rows}


def wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(1)
    return condition()


@dataclass
class FeedWatch:
    log: Path
    database_url: str
    prefix: str
    feeds: int
    hosts: dict[str, str]  # address -> host name

    def per_feed(self) -> Counter[int]:
        return Counter(n for _, n, _ in feed_log(self.log))

    def all_at(self, rounds: int) -> bool:
        counts = self.per_feed()
        rows = feed_rows(self.database_url, self.prefix)
        return (
            all(counts[n] >= rounds for n in range(1, self.feeds + 1))
            and len(rows) == self.feeds
            and all(n >= rounds for n, _, _ in rows.values())
        )

    def summary(self, rounds: int, report: Report, name: str, settle: float) -> None:
        time.sleep(settle)  # both pollers look every second: a second fetch would show
        counts = self.per_feed()
        rows = feed_rows(self.database_url, self.prefix)
        logged = feed_log(self.log)
        by_host = Counter(self.hosts.get(addr, addr) for addr, _, _ in logged)
        answers = Counter(status for _, _, status in logged)
        gaps = [gap for n, _, gap in rows.values() if n > 1]
        ok = (
            sorted(counts) == list(range(1, self.feeds + 1))
            and set(counts.values()) == {rounds}
            and len(rows) == self.feeds
            and {(n, c) for n, c, _ in rows.values()} == {(rounds, rounds)}
            # Never twice in one due period: a feed's fetches are an interval apart.
            and all(gap >= INTERVAL_SECONDS for gap in gaps)
        )
        figures = (
            f"{self.feeds} feeds due, {sum(counts.values())} requests in the feed server's log "
            f"(per feed: {sorted(set(counts.values()))}; by host: "
            + ", ".join(f"{h} {n}" for h, n in sorted(by_host.items()))
            + "; answers: "
            + ", ".join(f"{status} x{n}" for status, n in sorted(answers.items()))
            + f"), feedfetch rows per feed: {sorted({n for n, _, _ in rows.values()})}, "
            f"Feed.fetch_count: {sorted({c for _, c, _ in rows.values()})}"
        )
        if gaps:
            figures += (
                f"; shortest gap between a feed's two fetches: {min(gaps):.1f} s "
                f"(interval {INTERVAL_SECONDS} s)"
            )
        report.check(name, ok, figures)


def check(args: argparse.Namespace) -> int:
    report = Report()
    watch = FeedWatch(
        Path(args.feed_log),
        args.database_url,
        args.feed_prefix,
        args.feeds,
        {args.address_b: "B", args.address_c: "C"},
    )
    started = time.monotonic()
    reached = wait_for(lambda: watch.all_at(1), 60)
    print(f"      (first round of fetches done in {time.monotonic() - started:.0f} s)", flush=True)
    watch.summary(1, report, "feeds, first due period", settle=3 if reached else 0)
    # The second due period comes one interval (a minute) later: meanwhile, the other checks.
    check_pages(args, report)
    check_logins(args, report)
    reached = wait_for(lambda: watch.all_at(2), 100)
    print(f"      (second round done {time.monotonic() - started:.0f} s after the start)")
    watch.summary(2, report, "feeds, second due period", settle=5 if reached else 0)
    return 1 if report.failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve-feeds")
    serve.add_argument("--bind", required=True)
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--folder", required=True)
    serve.add_argument("--feeds", type=int, required=True)
    run = commands.add_parser("check")
    for name in (
        "host-b",
        "host-c",
        "address-b",
        "address-c",
        "site-host",
        "email",
        "password",
        "login-limit",
        "database-url",
        "feed-log",
        "feed-prefix",
    ):
        run.add_argument(f"--{name}", required=True)
    run.add_argument("--feeds", type=int, required=True)
    mail = commands.add_parser("serve-mail")
    mail.add_argument("--bind", required=True)
    mail.add_argument("--port", type=int, default=2525)
    mail.add_argument("--log", required=True)
    prepare = commands.add_parser("prepare-digests")
    prepare.add_argument("--database-url", required=True)
    prepare.add_argument("--count", type=int, required=True)
    digests = commands.add_parser("check-digests")
    digests.add_argument("--database-url", required=True)
    digests.add_argument("--mail-log", required=True)
    digests.add_argument("--address-b", required=True)
    digests.add_argument("--address-c", required=True)
    args = parser.parse_args()
    if args.command == "serve-feeds":
        serve_feeds(args)
    elif args.command == "serve-mail":
        serve_mail(args)
    elif args.command == "prepare-digests":
        prepare_digests(args)
    elif args.command == "check-digests":
        args.hosts = {args.address_b: "B", args.address_c: "C"}
        return check_digests(args)
    else:
        return check(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
