"""The archive queue: one job per evidence item, claimed like feeds, retried with backoff.

The poller (and `flask evidence archive`) enqueues every submitted or published
item that has no job yet (`enqueue_missing`: whatever wrote the evidence, by hand,
from a feed item or by import, it is caught up), then claims due jobs one at a
time (`claim_next_job`: FOR UPDATE SKIP LOCKED on PostgreSQL, one conditional
UPDATE on SQLite, a lease either way), fetches and extracts outside any
transaction, and stores the outcome in a short one: a Snapshot (done), a refusal
(refused: the publisher said no, or the page can never be archived) or a
temporary failure, tried again after 5 min, 10, 20, … until ARCHIVE_MAX_ATTEMPTS
(then failed). The WARC is written only once the job is known to be still ours.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import ColumnElement, exists, or_, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from models import ArchiveJob, Election, Evidence, Pledge
from models.db import utc_now
from models.enums import EvidenceState
from pledges.archive.fetching import ArchiveSettings, Refusal, host_of
from pledges.archive.snapshots import Capture, capture, store
from pledges.archive.warc import remove_warc
from pledges.leases import claim_one

PENDING, DONE, REFUSED, FAILED = "pending", "done", "refused", "failed"
STORE_FAILED = "store_failed"
ARCHIVED_STATES = (EvidenceState.SUBMITTED, EvidenceState.PUBLISHED)


def not_demo() -> ColumnElement[bool]:
    """SQL condition on Evidence: not under a demonstration election. The demo data's
    sources are illustrations (and `make run` loads them): never fetched, never checked."""
    demo_pledges = (
        select(col(Pledge.id))
        .join(Election, col(Election.id) == col(Pledge.election_id))
        .where(col(Election.is_demo).is_(True))
    )
    return col(Evidence.pledge_id).not_in(demo_pledges)


MAX_ENQUEUE = 500  # new jobs per round
MAX_BACKOFF = timedelta(days=1)


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    evidence_id: int | None
    url: str


@dataclass
class JobReport:
    job_id: int
    evidence_id: int | None
    outcome: str  # archived, refused, retry, failed, lost (another worker took it over)
    code: str = ""
    message: str = ""
    snapshot_id: int | None = None
    fetch_seconds: float = 0.0
    extract_seconds: float = 0.0
    store_seconds: float = 0.0


def enqueue_missing(
    session: Session, *, now: datetime, limit: int | None = None, evidence_id: int | None = None
) -> int:
    """Add a pending job for each submitted or published item without one, and make
    a job due again when its item's URL was corrected since; how many. Flushes.

    Two pollers racing add the same job: the unique evidence_id refuses the
    second, whose caller rolls back (`run_enqueue`) and finds nothing next time.
    """
    has_job = exists().where(col(ArchiveJob.evidence_id) == col(Evidence.id))
    query = select(Evidence.id, Evidence.url).where(
        col(Evidence.state).in_(ARCHIVED_STATES), ~has_job, not_demo()
    )
    if evidence_id is not None:
        query = query.where(col(Evidence.id) == evidence_id)
    limit = limit or MAX_ENQUEUE
    rows = session.exec(query.order_by(col(Evidence.id)).limit(limit)).all()
    for item_id, url in rows:
        session.add(
            ArchiveJob(
                evidence_id=item_id,
                url=url,
                host=host_of(url)[:255],
                next_attempt_at=now,
                created_at=now,
            )
        )
    moved = session.exec(
        select(ArchiveJob, Evidence.url)
        .join(Evidence, col(Evidence.id) == col(ArchiveJob.evidence_id))
        .where(col(Evidence.state).in_(ARCHIVED_STATES), col(Evidence.url) != ArchiveJob.url)
        .limit(limit)
    ).all()
    for job, url in moved:
        job.url, job.host = url, host_of(url)[:255]
        job.state, job.attempts, job.next_attempt_at, job.finished_at = PENDING, 0, now, None
        job.reason_code = job.reason = ""
    session.flush()
    return len(rows) + len(moved)


def run_enqueue(
    engine: Engine, *, now: datetime, evidence_id: int | None = None, rounds: int = 1
) -> int:
    """enqueue_missing in its own transaction, up to `rounds` times while it finds some
    (MAX_ENQUEUE each); stops when another process enqueued them first. How many."""
    total = 0
    for _round in range(rounds):
        with Session(engine) as session:
            try:
                added = enqueue_missing(session, now=now, evidence_id=evidence_id)
                session.commit()
            except IntegrityError:
                session.rollback()
                return total
        total += added
        if added < MAX_ENQUEUE:
            break
    return total


def reopen(
    session: Session, *, now: datetime, evidence_id: int | None = None, unarchived: bool = False
) -> int:
    """Make jobs due again now, for an archive on demand; how many. Flushes.

    evidence_id: that item's job, whatever its state (done: archived again, the
    old snapshot kept). unarchived: every refused or failed job (pending ones are
    taken now anyway by ignore_schedule).
    """
    conditions = []
    if evidence_id is not None:
        conditions.append(col(ArchiveJob.evidence_id) == evidence_id)
    if unarchived:
        conditions.append(col(ArchiveJob.state).in_((REFUSED, FAILED)))
    if not conditions:
        return 0
    result = session.exec(
        update(ArchiveJob)
        .where(*conditions)
        .values(state=PENDING, attempts=0, next_attempt_at=now, finished_at=None)
    )
    session.flush()
    return int(result.rowcount or 0)


def _due(now: datetime, ignore_schedule: bool) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        col(ArchiveJob.state) == PENDING,
        or_(col(ArchiveJob.lease_expires_at).is_(None), col(ArchiveJob.lease_expires_at) < now),
    ]
    if not ignore_schedule:
        conditions.append(col(ArchiveJob.next_attempt_at) <= now)
    return conditions


def claim_next_job(
    session: Session,
    *,
    owner: str,
    now: datetime,
    lease: timedelta,
    ignore_schedule: bool = False,
    skip_ids: Collection[int] = (),
    only_evidence: Collection[int] | None = None,
) -> ClaimedJob | None:
    """Claim one due job for `owner` until now + lease; None when none is left. Flushes.

    The feeds' pattern (pledges.leases.claim_one): SKIP LOCKED on PostgreSQL,
    one conditional UPDATE on SQLite, so two workers never take the same job.
    The caller commits the lease before fetching. Only jobs of items still submitted or
    published are taken.
    """
    conditions = _due(now, ignore_schedule)
    # The item may have been rejected or withdrawn since it was queued: never fetched then
    # (its job stays pending, taken again if the item ever comes back).
    conditions.append(
        exists().where(
            col(Evidence.id) == col(ArchiveJob.evidence_id),
            col(Evidence.state).in_(ARCHIVED_STATES),
        )
    )
    if skip_ids:
        conditions.append(col(ArchiveJob.id).not_in(sorted(skip_ids)))
    if only_evidence is not None:
        conditions.append(col(ArchiveJob.evidence_id).in_(sorted(only_evidence)))
    job_id = claim_one(
        session,
        ArchiveJob,
        conditions=conditions,
        order=(col(ArchiveJob.next_attempt_at), col(ArchiveJob.id)),
        owner=owner,
        expires=now + lease,
    )
    if job_id is None:
        return None
    job = session.get(ArchiveJob, job_id, populate_existing=True)
    assert job is not None
    return ClaimedJob(id=job_id, evidence_id=job.evidence_id, url=job.url)


def backoff(settings: ArchiveSettings, attempts: int) -> timedelta:
    """Wait before attempt n + 1: retry_base, doubled each time, at most a day."""
    return min(settings.retry_base * (2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def run_archiver(
    engine: Engine,
    settings: ArchiveSettings,
    *,
    owner: str,
    clock: Callable[[], datetime] = utc_now,
    ignore_schedule: bool = False,
    only_evidence: Collection[int] | None = None,
    max_jobs: int | None = None,
    max_seconds: float | None = None,
    client: httpx.Client | None = None,
) -> Iterator[JobReport]:
    """Archive due jobs one by one (each job once per run), each stored in its own transaction.

    Stops when none is due, after max_jobs or once max_seconds have passed (a
    poller's round gives archiving a budget and comes back).
    """
    with settings.client_or(client) as http:
        started = time.monotonic()
        done: set[int] = set()
        count = 0
        while max_jobs is None or count < max_jobs:
            if max_seconds is not None and time.monotonic() - started > max_seconds:
                return
            with Session(engine, expire_on_commit=False) as session:
                claimed = claim_next_job(
                    session,
                    owner=owner,
                    now=clock(),
                    lease=settings.lease,
                    ignore_schedule=ignore_schedule,
                    # Jobs left pending are due later (backoff), so a scheduled run never
                    # meets them again; only an on-demand run must skip what it did.
                    skip_ids=done if ignore_schedule else (),
                    only_evidence=only_evidence,
                )
                session.commit()
            if claimed is None:
                return
            done.add(claimed.id)
            count += 1
            try:
                captured = capture(claimed.url, settings, client=http, now=clock())
            except Exception as exc:  # one odd page never stops the others
                captured = Refusal("unreachable", f"unexpected error: {exc!r}"[:500])
            yield _finish(engine, claimed, captured, settings, owner=owner, clock=clock)


def _finish(
    engine: Engine,
    claimed: ClaimedJob,
    captured: Capture | Refusal,
    settings: ArchiveSettings,
    *,
    owner: str,
    clock: Callable[[], datetime],
) -> JobReport:
    started = time.perf_counter()
    report = JobReport(claimed.id, claimed.evidence_id, "lost")
    if isinstance(captured, Capture):
        report.fetch_seconds = captured.fetch_seconds
        report.extract_seconds = captured.extract_seconds
    written = ""  # the WARC of a snapshot not yet committed
    with Session(engine, expire_on_commit=False) as session:
        try:
            job = session.get(ArchiveJob, claimed.id, with_for_update=True)
            if job is None or job.lease_owner != owner or job.state != PENDING:
                return report  # our lease ran out and another worker took the job
            now = clock()
            job.attempts += 1
            job.lease_owner = None
            job.lease_expires_at = None
            if isinstance(captured, Capture):
                snapshot = store(session, captured, settings, evidence_id=claimed.evidence_id)
                written = snapshot.warc_path
                job.state, job.snapshot_id, job.finished_at = DONE, snapshot.id, now
                job.reason_code, job.reason = "", ""
                report.outcome, report.snapshot_id = "archived", snapshot.id
            else:
                _refused(job, captured, settings, report, now=now)
            session.commit()
        except Exception as exc:  # one page that cannot be stored never stops the others
            session.rollback()
            if written:
                remove_warc(settings.archive_dir, written)
            report.outcome, report.snapshot_id = "lost", None
            _store_failed(engine, claimed, exc, settings, report, owner=owner, now=clock())
    report.store_seconds = time.perf_counter() - started
    return report


def _refused(
    job: ArchiveJob,
    refusal: Refusal,
    settings: ArchiveSettings,
    report: JobReport,
    *,
    now: datetime,
) -> None:
    """Count a refusal or failure on the job: refused, failed, or tried again later."""
    job.reason_code, job.reason = refusal.code, refusal.message[:500]
    report.code, report.message = refusal.code, refusal.message
    if not refusal.temporary and refusal.code != STORE_FAILED:
        job.state, job.finished_at, report.outcome = REFUSED, now, "refused"
    elif job.attempts >= settings.max_attempts:
        job.state, job.finished_at, report.outcome = FAILED, now, "failed"
    else:
        job.next_attempt_at = now + backoff(settings, job.attempts)
        report.outcome = "retry"


def _store_failed(
    engine: Engine,
    claimed: ClaimedJob,
    error: Exception,
    settings: ArchiveSettings,
    report: JobReport,
    *,
    owner: str,
    now: datetime,
) -> None:
    """The capture could not be stored: count the attempt (store_failed) in a new
    transaction, release the lease, and try again later like a temporary failure."""
    with Session(engine, expire_on_commit=False) as session:
        job = session.get(ArchiveJob, claimed.id, with_for_update=True)
        if job is None or job.lease_owner != owner or job.state != PENDING:
            return
        job.attempts += 1
        job.lease_owner = None
        job.lease_expires_at = None
        refusal = Refusal(STORE_FAILED, f"could not be stored: {type(error).__name__}")
        _refused(job, refusal, settings, report, now=now)
        session.commit()
