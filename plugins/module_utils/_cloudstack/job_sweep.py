# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""Polling many jobs at once: one listAsyncJobs per round (a sweep), on a completion-aware schedule.

The job window (``jobs.py``) uses a sweep when several flights of one command are in the air:
listAsyncJobs lists only the jobs still in progress (the view hides jobs whose ``removed`` is
set, which ``AsyncJobManagerImpl.completeAsyncJob`` sets on completion;
``QueryManagerImpl.searchForAsyncJobsInternal``, 4.19-4.22), so a flight missing from it is done
and one query fetches its result.

**When to sweep.** The poll backoff, started again whenever jobs ended, so a stream of
completions is noticed within ``poll_interval``. On top of it, the schedule learns when the next
completions are due: a server running as many jobs as it has slots refills a freed slot at once,
so jobs end in rounds one job duration apart. Each sweep that finds jobs gone brackets the
round between the previous sweep and this one; two rounds give the period, and the next round is
expected one period after the last one's bracket. Inside that window the sweep runs every
``step`` (a quarter of ``poll_interval``), which also narrows the next bracket. That matters most
for the last round: nothing is queued behind it, so every moment between its end and our noticing
it is a moment the whole run waits (on the 200-VM benchmark, up to ``poll_max_interval``).
Rounds closer together than two ``poll_interval``s are no rounds: that is a steady stream, which
the backoff already follows.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.client import RETRYABLE_STATUS
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.waiter import JOB_IN_PROGRESS, Backoff
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import (
    AcsIngestError,
    CloudStackApiError,
    CloudStackConnectionError,
)
from ansible_collections.acs.ingest.plugins.module_utils._core.protocols import CallRecord, CloudStackApi

# The command class CloudStack records as a job's ``cmd`` (ApiServer.queueCommand stores
# cmdObj.getClass().getName()); listAsyncJobs' keyword is matched against it with LIKE.
JOB_CLASSES = {
    "importUnmanagedInstance": "ImportUnmanagedInstanceCmd",
    "importVm": "ImportVmCmd",
    "unmanageVirtualMachine": "UnmanageVMInstanceCmd",
}
SWEEP_FROM = 4  # flights of one command from which a listAsyncJobs sweep is cheaper than a query each
PAGE_SIZE = 500


def transient(error: AcsIngestError) -> bool:
    """Worth asking again later: the server was unreachable or answered 5xx."""
    if isinstance(error, CloudStackConnectionError):
        return True
    return isinstance(error, CloudStackApiError) and error.errorcode in RETRYABLE_STATUS


def list_jobs(client: CloudStackApi, keyword: str, *, record: bool) -> list[dict[str, Any]]:
    """Every job listAsyncJobs returns for ``keyword``, page by page."""
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        body = client.call("listAsyncJobs", record=record, keyword=keyword, page=page, pagesize=PAGE_SIZE)
        chunk = list(body.get("asyncjobs") or [])
        items.extend(chunk)
        if len(chunk) < PAGE_SIZE or len(items) >= int(body.get("count", len(items))):
            return items
        page += 1


def jobs_in_flight(client: CloudStackApi, command: str) -> list[dict[str, Any]] | None:
    """This account's jobs of ``command`` still in progress (listAsyncJobs); None if it cannot tell."""
    keyword = JOB_CLASSES.get(command)
    if keyword is None:
        return None
    try:
        jobs = list_jobs(client, keyword, record=True)
    except AcsIngestError:
        return None
    return [job for job in jobs if int(job.get("jobstatus", 0)) == JOB_IN_PROGRESS]


class SweepCadence:
    """When the next sweep is due: the backoff, plus the window where the next round of completions is expected."""

    def __init__(self, backoff: Backoff) -> None:
        self.backoff = backoff
        self.step = max(0.05, backoff.initial / 4)
        self._intervals: Iterator[float] | None = None
        self._previous: float | None = None  # when the last sweep was sent
        self._rounds: list[tuple[float, float]] = []  # (sent: still running, answered: gone), the last four

    def next_due(self, sent: float, answered: float, *, restart: bool, gone: bool) -> float:
        """The sweep sent at ``sent`` was answered at ``answered``; ``gone``: it found jobs ended;
        ``restart``: start the backoff again. Returns when the next sweep is due."""
        if restart or self._intervals is None:
            self._intervals = self.backoff.intervals()
        regular = answered + next(self._intervals)
        if gone and self._previous is not None:
            self._observe(self._previous, answered)
        self._previous = sent
        window = self.expected()
        if window is None:
            return regular
        start, end = window
        if answered < start:
            return start if regular > start - self.step else regular  # no backoff sweep just before it
        if answered < end:
            # A wide window (the period is still vague) is covered in at most 8 sweeps; each round
            # seen narrows the period, until the window is a step or two wide.
            return min(regular, answered + max(self.step, (end - start) / 8))
        return regular

    def expected(self) -> tuple[float, float] | None:
        """(start, end) of the window in which the next round should end; None while unknown."""
        period = self.period()
        if period is None:
            return None
        before, seen = self._rounds[-1]
        return before + period[0], seen + period[1] + self.step

    def period(self) -> tuple[float, float] | None:
        """Bounds of the time between rounds that every recent pair of rounds agrees with."""
        low, high = None, None
        pairs = [(self._rounds[i], self._rounds[i + 1]) for i in range(len(self._rounds) - 1)]
        for (before0, seen0), (before1, seen1) in reversed(pairs):
            lo, hi = before1 - seen0, seen1 - before0
            lo, hi = (lo, hi) if low is None or high is None else (max(low, lo), min(high, hi))
            if lo >= hi:
                break  # older rounds disagree (job durations changed): trust the recent ones
            low, high = lo, hi
        return None if low is None or high is None else (low, high)

    def _observe(self, before: float, seen: float) -> None:
        if self._rounds and before - self._rounds[-1][1] < 2 * self.backoff.initial:
            # Right after the last one: the same round caught over two sweeps, or a steady stream.
            self._rounds[-1] = (self._rounds[-1][0], seen)
            return
        self._rounds = [*self._rounds[-3:], (before, seen)]


class JobSweep:
    """One listAsyncJobs per poll round for every flight of one command, while CloudStack's listing can be trusted."""

    def __init__(self, client: CloudStackApi) -> None:
        self.client = client
        self.works = True  # until listAsyncJobs fails for good or misses a running job
        self._record: CallRecord | None = None
        self.cadence: SweepCadence | None = None
        self.next_due: float | None = None

    def keyword(self, commands: set[str], flights: int) -> str | None:
        """The listAsyncJobs keyword when one sweep should poll every flight, else None."""
        if not self.works or flights < SWEEP_FROM or len(commands) != 1:
            return None
        return JOB_CLASSES.get(next(iter(commands)))

    def running(self, keyword: str) -> set[str] | None:
        """Ids of this account's jobs still in progress; None when the listing failed this round."""
        if self._record is None:
            self._record = self.client.poll_record("listAsyncJobs", keyword=keyword)
        self._record.polls += 1
        try:
            jobs = list_jobs(self.client, keyword, record=False)  # counted on the sweep record
        except AcsIngestError as error:
            if not transient(error):
                self.works = False  # e.g. an API server that does not offer the command
            return None
        return {str(job.get("jobid")) for job in jobs if int(job.get("jobstatus", 0)) == JOB_IN_PROGRESS}

    def schedule(self, sent: float, answered: float, backoff: Backoff, *, restart: bool, gone: bool) -> None:
        if self.cadence is None:
            self.cadence = SweepCadence(backoff)
        self.next_due = self.cadence.next_due(sent, answered, restart=restart, gone=gone)
