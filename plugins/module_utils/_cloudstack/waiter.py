# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""Waiting for CloudStack async jobs, with one overall deadline.

CloudStack answers import/unmanage with a ``jobid`` and runs the work in the background
(facts §5.2). We poll ``queryAsyncJobResult`` with exponential backoff and give up at an
explicit overall timeout, handing back the jobid so that a rerun can reconcile instead of
repeating the work.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._core.errors import JobFailedError, JobTimeoutError

JOB_IN_PROGRESS = 0
JOB_SUCCEEDED = 1
JOB_FAILED = 2
JOB_CANCELLED = 3


@dataclass(frozen=True)
class Backoff:
    """Poll schedule: ``initial`` seconds, multiplied by ``factor`` up to ``maximum``."""

    initial: float = 0.5
    factor: float = 1.5
    maximum: float = 5.0

    def intervals(self) -> Iterator[float]:
        interval = self.initial
        while True:
            yield interval
            interval = min(interval * self.factor, self.maximum)


DEFAULT_BACKOFF = Backoff()


def job_outcome(command: str, job: dict[str, Any]) -> dict[str, Any] | None:
    """Interpret one queryAsyncJobResult answer.

    Returns the ``jobresult`` of a finished job, ``None`` while it runs, and raises
    ``JobFailedError`` for a failed or cancelled job.
    """
    status = int(job.get("jobstatus", JOB_IN_PROGRESS))
    if status == JOB_IN_PROGRESS:
        return None
    result = job.get("jobresult") or {}
    if status == JOB_SUCCEEDED and not job.get("jobresultcode"):
        return result
    errortext = result.get("errortext") if isinstance(result, dict) else None
    if status == JOB_CANCELLED and not errortext:
        errortext = "the job was cancelled"
    raise JobFailedError(
        command,
        errortext or str(result),
        errorcode=result.get("errorcode") if isinstance(result, dict) else job.get("jobresultcode"),
        jobid=job.get("jobid"),
    )


def wait_for_job(
    query: Callable[[str], dict[str, Any]],
    command: str,
    jobid: str,
    *,
    timeout: float,
    backoff: Backoff = DEFAULT_BACKOFF,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Poll ``query(jobid)`` until the job finishes or ``timeout`` seconds have passed.

    ``query`` returns the body of queryAsyncJobResult. Returns the job's ``jobresult``.
    """
    deadline = clock() + timeout
    for interval in backoff.intervals():
        outcome = job_outcome(command, query(jobid))
        if outcome is not None:
            return outcome
        remaining = deadline - clock()
        if remaining <= 0:
            break
        sleep(min(interval, remaining))
    raise JobTimeoutError(command, jobid, timeout)
