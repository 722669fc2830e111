# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""The one job reconciler: every async command acs.ingest sends goes through ``JobWindow``.

Rules, the same for import (one VM or many), unmanage and external import:

- **Journal first, then submit.** The job id is chosen here (a lower-case UUID4) and written to
  the operation's journal slot *before* the command is sent with it as ``customjobid``. A
  controller killed at any moment leaves either no entry (nothing was sent) or the id of a job
  that may exist; a rerun asks CloudStack about that id (``look_up``) instead of guessing.
  CloudStack uses a given ``customjobid`` as the job's id after checking that it is a lower-case
  UUID no job has yet, else 431 synchronously (``BaseAsyncCmd`` declares it,
  ``ApiServer.queueCommand`` checks it with ``UUIDManagerImpl.checkUuidSimple``; 4.19-4.22).
- **Journaled jobs are awaited, never resubmitted.** A ticket carrying a ``jobid`` joins the
  window as a flight without a submit.
- **Polls survive transient errors** (connection errors, HTTP 5xx) until the flight's deadline.
- **A timeout is not a failure**: the flight ends ``pending`` with its job id, the journal entry
  stays, and the next run awaits the job.
- **A failed job goes round once more** only when its ticket's ``retry_once`` says so (import: an
  unexplained 530 while the VM is still unmanaged), with a fresh id.
- **Cheap polling at scale.** With several flights of one command in the air, one listAsyncJobs
  per poll round replaces a queryAsyncJobResult per flight, on a schedule that expects the next
  completions (``job_sweep.py``).
"""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.job_sweep import (
    JobSweep,
    jobs_in_flight,
    transient,
)
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.waiter import JOB_IN_PROGRESS, Backoff, job_outcome
from ansible_collections.acs.ingest.plugins.module_utils._core.context import RunContext
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import (
    AcsIngestError,
    CloudStackApiError,
    CloudStackConnectionError,
    JobFailedError,
)
from ansible_collections.acs.ingest.plugins.module_utils._core.protocols import CallRecord, CloudStackApi, JournalSlot

Item = TypeVar("Item")
Result = TypeVar("Result")


def new_job_id() -> str:
    """A job id CloudStack accepts as ``customjobid``: lower-case UUID (UUIDManagerImpl.IsUuidFormat)."""
    return str(uuid.uuid4())


class NoSlot:
    """A journal slot that keeps nothing: for jobs this run only watches (submitted elsewhere)."""

    def read(self) -> dict[str, Any] | None:
        return None

    def write(self, entry: dict[str, Any]) -> None:
        return None

    def clear(self) -> None:
        return None


@dataclass(frozen=True)
class JobTiming:
    timeout: float
    backoff: Backoff
    wait: bool = True


@dataclass
class JobTicket:
    """One unit of work for the window: a command to submit, or (``jobid``) a job to await."""

    key: str
    command: str
    params: dict[str, Any]
    slot: JournalSlot
    timing: JobTiming
    jobid: str | None = None
    retry_once: Callable[[JobFailedError], bool] | None = None
    resubmitted: bool = False
    earlier: bool = False  # the job came from an earlier run (journal or the jobid option)
    warnings: list[str] = field(default_factory=list)


@dataclass
class JobOutcome:
    """How a ticket ended: ``succeeded`` (``result`` = jobresult), ``failed`` (``error``) or ``pending``."""

    ticket: JobTicket
    state: str
    jobid: str | None
    finished_at: float
    result: dict[str, Any] = field(default_factory=dict)
    error: AcsIngestError | None = None


@dataclass(frozen=True)
class JobStatus:
    """What CloudStack says about one job id: ``running``, ``succeeded``, ``failed`` or ``unknown``."""

    jobid: str
    state: str
    result: dict[str, Any] = field(default_factory=dict)
    error: JobFailedError | None = None


def look_up(client: CloudStackApi, command: str, jobid: str) -> JobStatus:
    """Ask CloudStack about a job an earlier run may have submitted.

    ``unknown``: queryAsyncJobResult answers 431 for an id no job has (the submit never arrived,
    or the job expired after ``job.expire.minutes``); the caller then checks the object itself.
    """
    try:
        job = client.call("queryAsyncJobResult", retry=True, jobid=jobid)
    except CloudStackApiError as error:
        if error.errorcode == 431:
            return JobStatus(jobid, "unknown")
        raise
    if int(job.get("jobstatus", JOB_IN_PROGRESS)) == JOB_IN_PROGRESS:
        return JobStatus(jobid, "running")
    try:
        result = job_outcome(command, job)
    except JobFailedError as error:
        return JobStatus(jobid, "failed", error=error)
    return JobStatus(jobid, "succeeded", result or {})


@dataclass
class _Flight:
    ticket: JobTicket
    jobid: str
    deadline: float
    intervals: Iterator[float]
    next_poll: float
    record: CallRecord


class JobWindow:
    """At most ``concurrency`` jobs in flight; each polled on its own backoff up to its deadline."""

    def __init__(self, client: CloudStackApi, ctx: RunContext, *, concurrency: int = 1, parallel: int = 1) -> None:
        self.client = client
        self.clock = ctx.clock
        self.sleep = ctx.sleep
        self.concurrency = max(1, concurrency)
        # Independent calls of one round (submits for freed slots, results of finished jobs) go out
        # ``parallel`` at a time: at 50 ms per call, 20 one after the other would keep 20 of
        # CloudStack's job slots waiting a second.
        self.parallel = max(1, parallel)
        self._pool: ThreadPoolExecutor | None = None
        self.sweep = JobSweep(client)

    @property
    def sweeps_work(self) -> bool:
        return self.sweep.works

    def run_one(self, ticket: JobTicket) -> JobOutcome:
        return self.run([ticket])[0]

    def run(
        self,
        tickets: Iterable[JobTicket],
        on_outcome: Callable[[JobOutcome], Iterable[JobTicket]] | None = None,
    ) -> list[JobOutcome]:
        """Run every ticket; ``on_outcome`` may hand back follow-up tickets (they join the queue)."""
        queue: deque[JobTicket] = deque(sorted(tickets, key=lambda t: t.jobid is None))  # awaited jobs first
        inflight: list[_Flight] = []
        outcomes: list[JobOutcome] = []

        def settle(outcome: JobOutcome) -> None:
            again = self._second_try(outcome)
            if again is not None:
                queue.appendleft(again)
                return
            outcomes.append(outcome)
            if on_outcome is not None:
                queue.extend(on_outcome(outcome))

        def top_up() -> None:
            while queue and len(inflight) < self.concurrency:
                room = min(len(queue), self.concurrency - len(inflight))
                batch = [queue.popleft() for _slot in range(room)]
                for started in self._each(self._start, batch):
                    if isinstance(started, _Flight):
                        inflight.append(started)
                    else:
                        settle(started)

        try:
            top_up()
            while inflight or queue:
                if inflight and self._wake(inflight) <= self.clock():
                    for flight, outcome in self._check(inflight):
                        inflight.remove(flight)
                        settle(outcome)
                    # Freed slots are refilled at once: CloudStack should not wait for our next round.
                    top_up()
                top_up()
                if inflight:
                    wait = self._wake(inflight) - self.clock()
                    if wait > 0:
                        self.sleep(wait)
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
                self._pool = None
        return outcomes

    def _each(self, action: Callable[[Item], Result], items: list[Item]) -> list[Result]:
        """``action`` on every item, ``parallel`` at a time, results in item order."""
        if self.parallel == 1 or len(items) < 2:
            return [action(item) for item in items]
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=self.parallel, thread_name_prefix="acs-jobs")
        return list(self._pool.map(action, items))

    def _sweep_keyword(self, inflight: list[_Flight]) -> str | None:
        return self.sweep.keyword({f.ticket.command for f in inflight}, len(inflight))

    def _wake(self, inflight: list[_Flight]) -> float:
        """When the next poll round is due: the sweep's cadence, or the earliest flight's own schedule."""
        if self._sweep_keyword(inflight) is None:
            self.sweep.next_due = None
            return min(f.next_poll for f in inflight)
        if self.sweep.next_due is None:
            self.sweep.next_due = min(f.next_poll for f in inflight)
        return min(self.sweep.next_due, min(f.deadline for f in inflight))

    # --- starting ---------------------------------------------------------------------------
    def _start(self, ticket: JobTicket) -> _Flight | JobOutcome:
        if ticket.jobid:
            return self._flight(ticket, ticket.jobid)
        jobid = new_job_id()
        ticket.slot.write({"jobid": jobid, "command": ticket.command})  # before sending: see the module doc
        try:
            body = self.client.submit(ticket.command, customjobid=jobid, **ticket.params)
        except CloudStackConnectionError as error:
            # The request may have reached CloudStack or not; the id we chose tells which.
            return self._after_lost_answer(ticket, jobid, error)
        except CloudStackApiError as error:
            if error.errorcode == 431 and jobid in str(error.errortext) and "already exists" in str(error.errortext):
                return self._flight(ticket, jobid)  # an earlier send of this very id got through
            ticket.slot.clear()
            return self._outcome(ticket, "failed", None, error=error)
        returned = body.get("jobid")
        if not returned:  # answered synchronously (some commands, some versions)
            ticket.slot.clear()
            return self._outcome(ticket, "succeeded", None, result=body)
        if str(returned) != jobid:  # a server (or proxy) that ignored customjobid: note the real id now
            ticket.slot.write({"jobid": str(returned), "command": ticket.command})
        if not ticket.timing.wait:
            return self._outcome(ticket, "pending", str(returned))
        return self._flight(ticket, str(returned))

    def _after_lost_answer(self, ticket: JobTicket, jobid: str, error: AcsIngestError) -> _Flight | JobOutcome:
        try:
            status = look_up(self.client, ticket.command, jobid)
        except AcsIngestError:
            return self._outcome(ticket, "failed", jobid, error=error)  # entry kept: a rerun asks again
        if status.state == "unknown":
            ticket.slot.clear()
            return self._outcome(ticket, "failed", None, error=error)
        return self._flight(ticket, jobid)

    def _flight(self, ticket: JobTicket, jobid: str) -> _Flight:
        intervals = ticket.timing.backoff.intervals()
        now = self.clock()
        deadline = now + float(ticket.timing.timeout)
        record = self.client.poll_record("queryAsyncJobResult", jobid=jobid)
        return _Flight(ticket, jobid, deadline, intervals, min(now + next(intervals), deadline), record)

    # --- polling ----------------------------------------------------------------------------
    def _check(self, inflight: list[_Flight]) -> list[tuple[_Flight, JobOutcome]]:
        """One poll round: a listAsyncJobs sweep over every flight, or a query per due flight."""
        keyword = self._sweep_keyword(inflight)
        if keyword is None:
            now = self.clock()
            due = [f for f in inflight if f.next_poll <= now]
            return [(f, o) for f, o in zip(due, self._each(self._poll, due), strict=True) if o is not None]
        sent = self.clock()
        running = self.sweep.running(keyword)
        now = self.clock()
        done: list[tuple[_Flight, JobOutcome]] = []
        gone = [] if running is None else [f for f in inflight if f.jobid not in running]
        for flight in inflight:
            if flight not in gone and now >= flight.deadline:  # running, or no answer this round
                done.append((flight, self._outcome(flight.ticket, "pending", flight.jobid)))
        for flight, outcome in zip(gone, self._each(self._poll, gone), strict=True):
            if outcome is None or outcome.state == "pending":
                # Not listed, yet running: the listing does not show our jobs; stop trusting it.
                self.sweep.works = False
            if outcome is not None:
                done.append((flight, outcome))
        # Timed from the listing, not from the queries after it: a round that ended is bracketed by
        # the listing that saw it running (sent) and the one that saw it gone (answered).
        self.sweep.schedule(sent, now, inflight[0].ticket.timing.backoff, restart=bool(done), gone=bool(gone))
        return done

    def _poll(self, flight: _Flight) -> JobOutcome | None:
        """One queryAsyncJobResult; an outcome when the flight is over, else None (polled again later)."""
        flight.record.polls += 1
        ticket = flight.ticket
        try:
            job = self.client.call("queryAsyncJobResult", record=False, jobid=flight.jobid)
            result = job_outcome(ticket.command, job)
        except JobFailedError as error:
            flight.record.outcome = "error"
            ticket.slot.clear()
            return self._outcome(ticket, "failed", flight.jobid, error=replace_jobid(error, flight.jobid))
        except AcsIngestError as error:
            if not transient(error):
                flight.record.outcome = "error"
                return self._outcome(ticket, "failed", flight.jobid, error=error)  # entry kept for a rerun
            result = None
        if result is not None:
            ticket.slot.clear()
            return self._outcome(ticket, "succeeded", flight.jobid, result=result)
        return self._tick(flight)

    def _tick(self, flight: _Flight) -> JobOutcome | None:
        """A flight seen running: pending at its deadline, else its next poll is scheduled."""
        now = self.clock()
        if now >= flight.deadline:
            return self._outcome(flight.ticket, "pending", flight.jobid)
        flight.next_poll = min(now + next(flight.intervals), flight.deadline)
        return None

    # --- outcomes ---------------------------------------------------------------------------
    def _outcome(self, ticket: JobTicket, state: str, jobid: str | None, **extra: Any) -> JobOutcome:
        return JobOutcome(ticket, state, jobid, self.clock(), **extra)

    def _second_try(self, outcome: JobOutcome) -> JobTicket | None:
        ticket, error = outcome.ticket, outcome.error
        if outcome.state != "failed" or ticket.resubmitted or ticket.jobid or not isinstance(error, JobFailedError):
            return None
        if ticket.retry_once is None or not ticket.retry_once(error):
            return None
        ticket.warnings.append(f"job {outcome.jobid} failed ({error.errortext}); submitted once more")
        return replace(ticket, resubmitted=True)


def replace_jobid(error: JobFailedError, jobid: str) -> JobFailedError:
    """The failure with the job id we polled (job answers do not always repeat it)."""
    if error.jobid:
        return error
    return JobFailedError(error.command, error.errortext, errorcode=error.errorcode, jobid=jobid, fix=error.fix)


__all__ = [
    "JobOutcome",
    "JobStatus",
    "JobTicket",
    "JobTiming",
    "JobWindow",
    "NoSlot",
    "jobs_in_flight",
    "look_up",
    "new_job_id",
    "transient",
]
