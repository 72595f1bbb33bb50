"""Link checks: is each cited page still there, moved, gone or changed since archived?

`check_links` re-fetches due published evidence politely: one request at a time
(so at most one per host), LINKCHECK_HOST_DELAY seconds between two requests to
the same host, conditional requests (ETag / Last-Modified). Each LinkCheck row
records the verdict:

- ok: the page answers (304, or 200 with about the same text);
- moved: it redirects to another page (not a mere http→https or www. change);
- gone: 404, 410 or no such host three checks in a row;
- changed: the extracted text differs from the last snapshot's by more than
  LINKCHECK_CHANGE_THRESHOLD of its words; a new snapshot is made, the old one
  kept, and `changed_at` says since when. "changed" stays until the page moves
  or goes: what was cited is no longer what the page says.

Other answers (403, 5xx, timeouts) change no verdict: they prove nothing.
"""

from __future__ import annotations

import difflib
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import httpx
from sqlalchemy import func, or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models import Evidence, LinkCheck, Snapshot
from models.db import utc_now
from models.enums import EvidenceState
from pledges.archive.fetching import ArchiveSettings, Refusal, host_of
from pledges.archive.jobs import STORE_FAILED, not_demo
from pledges.archive.snapshots import Capture, capture, store
from pledges.archive.warc import remove_warc

OK, MOVED, GONE, CHANGED = "ok", "moved", "gone", "changed"
LINK_STATUSES = (OK, MOVED, GONE, CHANGED)
GONE_AFTER = 3  # consecutive "not there" answers
GONE_CODES = frozenset({"not_found", "dns_failure"})
MAX_CHECKS = 5000  # per run
MAX_WORDS = 20_000  # compared per text (longer texts: their start)
# The public diff page: lines compared first, then words inside each changed block.
MAX_DIFF_LINES = 20_000
MAX_BLOCK_WORDS = 2_000  # per side of one changed block
MAX_DIFF_WORDS = 20_000  # compared word by word in all
TOO_LONG = "too_long"  # a changed block shown whole, too long to compare word by word


@dataclass
class CheckReport:
    evidence_id: int
    url: str
    status: str | None  # the verdict after this check
    detail: str = ""  # HTTP status or refusal code
    snapshot_id: int | None = None  # a new snapshot (changed)
    warc_path: str = ""  # its WARC (removed if the check cannot be committed)


def due_checks(
    session: Session, *, now: datetime, check_all: bool = False, limit: int = MAX_CHECKS
) -> list[tuple[int, str]]:
    """(evidence id, url) of the published items due for a check, least recently checked first."""
    query = (
        select(Evidence.id, Evidence.url)
        .outerjoin(LinkCheck, col(LinkCheck.evidence_id) == col(Evidence.id))
        .where(col(Evidence.state) == EvidenceState.PUBLISHED, not_demo())
    )
    if not check_all:
        query = query.where(
            or_(col(LinkCheck.next_check_at).is_(None), col(LinkCheck.next_check_at) <= now)
        )
    rows = session.exec(
        query.order_by(col(LinkCheck.checked_at).is_not(None), col(LinkCheck.checked_at))
        .order_by(col(Evidence.id))
        .limit(limit)
    ).all()
    return [(item_id, url) for item_id, url in rows if item_id is not None]


def polite_order(items: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Interleave hosts (a, b, c, a, b, a …) so the per-host delay rarely makes us wait."""
    by_host: dict[str, list[tuple[int, str]]] = {}
    for item in items:
        by_host.setdefault(host_of(item[1]), []).append(item)
    ordered: list[tuple[int, str]] = []
    queues = list(by_host.values())
    while queues:
        ordered += [queue.pop(0) for queue in queues]
        queues = [queue for queue in queues if queue]
    return ordered


def same_page(a: str, b: str) -> bool:
    """Whether two URLs name the same page (scheme, www. and a trailing slash aside)."""

    def key(url: str) -> tuple[str, str, str]:
        try:
            parts = urlsplit(url)
            host = (parts.hostname or "").lower().removeprefix("www.")
        except ValueError:
            return (url, "", "")
        return (host, parts.path.rstrip("/") or "/", parts.query)

    return key(a) == key(b)


def changed_share(old: str, new: str) -> float:
    """The share of words that differ between two texts (0: same, 1: nothing in common).

    Words are compared as multisets (a Counter each), so the cost is linear in the
    texts' length whatever they repeat; a mere reordering of the same words is no change.
    """
    a, b = old.split()[:MAX_WORDS], new.split()[:MAX_WORDS]
    if a == b:
        return 0.0
    common = sum((Counter(a) & Counter(b)).values())
    return 1.0 - 2.0 * common / (len(a) + len(b))


def word_diff(
    old: str,
    new: str,
    *,
    block_words: int = MAX_BLOCK_WORDS,
    total_words: int = MAX_DIFF_WORDS,
    max_lines: int = MAX_DIFF_LINES,
) -> list[tuple[str, str]]:
    """A diff of two texts: (op, words) with op "equal", "delete", "insert" or TOO_LONG, in order.

    The texts are compared line by line (their paragraphs) first, then word by word
    only inside the changed lines, at most block_words words a side per changed
    block and total_words in all: beyond, the block is shown whole (deleted then
    inserted) after a (TOO_LONG, "") mark. Bounded whatever the texts repeat.
    """
    all_a, all_b = _lines(old), _lines(new)
    a_lines, b_lines = all_a[:max_lines], all_b[:max_lines]
    out: list[tuple[str, str]] = []
    budget = total_words
    # autojunk: a line repeated all over (a running header) cannot make this quadratic.
    lines = difflib.SequenceMatcher(None, a_lines, b_lines)
    for op, i1, i2, j1, j2 in lines.get_opcodes():
        if op == "equal":
            out.append(("equal", " ".join(a_lines[i1:i2])))
            continue
        a, b = " ".join(a_lines[i1:i2]).split(), " ".join(b_lines[j1:j2]).split()
        if max(len(a), len(b)) > block_words or len(a) + len(b) > budget:
            out.append((TOO_LONG, ""))
            out += [
                (kind, " ".join(words)) for kind, words in (("delete", a), ("insert", b)) if words
            ]
            continue
        budget -= len(a) + len(b)
        out += _words_diff(a, b)
    if max(len(all_a), len(all_b)) > max_lines:
        out.append((TOO_LONG, ""))  # the rest is not compared
    return out


def _lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def _words_diff(a: list[str], b: list[str]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op in {"delete", "replace"}:
            out.append(("delete", " ".join(a[i1:i2])))
        if op in {"insert", "replace"}:
            out.append(("insert", " ".join(b[j1:j2])))
        if op == "equal":
            out.append(("equal", " ".join(a[i1:i2])))
    return out


def last_snapshot(session: Session, evidence_id: int, url: str) -> Snapshot | None:
    """The item's newest copy of `url`: a copy of an address it had before an editor
    corrected it is another page, never the baseline of the current one."""
    return session.exec(
        select(Snapshot)
        .where(col(Snapshot.evidence_id) == evidence_id, col(Snapshot.url) == url)
        .order_by(col(Snapshot.retrieved_at).desc(), col(Snapshot.id).desc())
        .limit(1)
    ).first()


def record_check(
    session: Session,
    evidence_id: int,
    url: str,
    outcome: Capture | Refusal,
    settings: ArchiveSettings,
    *,
    now: datetime,
) -> CheckReport:
    """Store one check's verdict (and a new snapshot when the text changed). Flushes."""
    check = session.get(LinkCheck, evidence_id) or LinkCheck(evidence_id=evidence_id)
    session.add(check)
    check.checked_at = now
    check.next_check_at = now + settings.check_interval
    report = CheckReport(evidence_id, url, check.status)
    if isinstance(outcome, Refusal):
        report.detail = check.message = f"{outcome.code} {outcome.message}".strip()[:500]
        check.http_status = outcome.http_status
        if outcome.code in GONE_CODES:
            check.failures += 1
            if check.failures >= GONE_AFTER:
                check.status = GONE
        elif outcome.http_status == 200:  # there, but refuses archiving: still a live link
            check.failures = 0
            _moved_or(check, url, outcome.final_url, check.status or OK)
        report.status = check.status
        session.flush()
        return report
    result = outcome.result
    check.failures = 0
    check.http_status = result.status_code
    check.message = ""
    report.detail = str(result.status_code)
    if "etag" in result.headers:
        check.etag = result.headers["etag"][:500]
    if "last-modified" in result.headers:
        check.last_modified = result.headers["last-modified"][:200]
    if result.status_code == 304:
        check.status = check.status if check.status in {CHANGED, MOVED} else OK
    else:
        previous = last_snapshot(session, evidence_id, url)
        # "changed" was found for this URL only if it has a copy made by a check (the
        # job's is the first): a verdict about a corrected, previous address is not kept.
        verdict = (
            check.status
            if check.status == CHANGED and _copies(session, evidence_id, url) > 1
            else OK
        )
        # The first snapshot is the archive job's; a check only adds the changed ones.
        if (
            previous is not None
            and changed_share(previous.text, outcome.extracted.text) > settings.change_threshold
        ):
            snapshot = store(session, outcome, settings, evidence_id=evidence_id)
            report.snapshot_id, report.warc_path = snapshot.id, snapshot.warc_path
            verdict = CHANGED
            check.changed_at = now
        _moved_or(check, url, result.final_url, verdict)
    report.status = check.status
    session.flush()
    return report


def _copies(session: Session, evidence_id: int, url: str) -> int:
    """How many copies of `url` the item has."""
    return session.exec(
        select(func.count())
        .select_from(Snapshot)
        .where(col(Snapshot.evidence_id) == evidence_id, col(Snapshot.url) == url)
    ).one()


def _moved_or(check: LinkCheck, url: str, final_url: str, otherwise: str) -> None:
    if final_url and not same_page(url, final_url):
        check.status, check.moved_to = MOVED, final_url[:2000]
    else:
        check.status, check.moved_to = otherwise, ""


def check_links(
    engine: Engine,
    settings: ArchiveSettings,
    *,
    check_all: bool = False,
    clock: Callable[[], datetime] = utc_now,
    sleep: Callable[[float], None] = time.sleep,
    max_seconds: float | None = None,
    client: httpx.Client | None = None,
) -> Iterator[CheckReport]:
    """Check every due link (all with check_all), one at a time, each stored in its own
    transaction; stops early once max_seconds have passed (the rest stay due)."""
    started = time.monotonic()
    with Session(engine) as session:
        items = polite_order(due_checks(session, now=clock(), check_all=check_all))
        validators = {
            row.evidence_id: (row.etag, row.last_modified)
            for row in session.exec(
                select(LinkCheck).where(col(LinkCheck.evidence_id).in_([i for i, _ in items]))
            )
        }
    with settings.client_or(client) as http:
        last_hit: dict[str, float] = {}
        for evidence_id, url in items:
            if max_seconds is not None and time.monotonic() - started > max_seconds:
                return
            host = host_of(url)
            wait = last_hit.get(host, -1e9) + settings.host_delay - time.monotonic()
            if wait > 0:
                sleep(wait)
            etag, last_modified = validators.get(evidence_id, (None, None))
            try:
                outcome: Capture | Refusal = capture(
                    url, settings, client=http, now=clock(), etag=etag, last_modified=last_modified
                )
            except Exception as exc:  # one odd page never stops the others
                outcome = Refusal("unreachable", f"unexpected error: {exc!r}"[:500])
            last_hit[host] = time.monotonic()
            yield _record(engine, evidence_id, url, outcome, settings, now=clock())


def _still_cited(session: Session, evidence_id: int, url: str) -> bool:
    """Whether the item still cites `url`, its row locked until the check is stored (on
    PostgreSQL; SQLite has one writer). An editor who corrected the URL during the run
    deleted its check (pledges.evidence.update_evidence): the old address's verdict,
    failures and validators must not come back with it."""
    cited = session.exec(
        select(Evidence.url).where(col(Evidence.id) == evidence_id).with_for_update()
    ).first()
    return cited == url


def _discarded(evidence_id: int, url: str) -> CheckReport:
    return CheckReport(evidence_id, url, None, detail="not stored: the item's URL was corrected")


def _record(
    engine: Engine,
    evidence_id: int,
    url: str,
    outcome: Capture | Refusal,
    settings: ArchiveSettings,
    *,
    now: datetime,
) -> CheckReport:
    """record_check in its own transaction; if it cannot be stored (a new snapshot the
    database refuses), the check is still counted (store_failed, verdict unchanged, next
    check in LINKCHECK_INTERVAL) so the run and the next days go on with the other links."""
    with Session(engine, expire_on_commit=False) as session:
        report: CheckReport | None = None
        try:
            if not _still_cited(session, evidence_id, url):
                return _discarded(evidence_id, url)
            report = record_check(session, evidence_id, url, outcome, settings, now=now)
            session.commit()
            return report
        except Exception as exc:  # one page that cannot be stored never stops the others
            session.rollback()
            if report is not None and report.warc_path:
                remove_warc(settings.archive_dir, report.warc_path)
            error = exc
    failed = Refusal(STORE_FAILED, f"could not be stored: {type(error).__name__}")
    with Session(engine, expire_on_commit=False) as session:
        if not _still_cited(session, evidence_id, url):
            return _discarded(evidence_id, url)
        check = session.get(LinkCheck, evidence_id) or LinkCheck(evidence_id=evidence_id)
        session.add(check)
        check.checked_at, check.next_check_at = now, now + settings.check_interval
        check.message = f"{failed.code} {failed.message}"[:500]
        session.commit()
        return CheckReport(evidence_id, url, check.status, detail=check.message)
