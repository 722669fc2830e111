# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""The pure parts of waiting for CloudStack async jobs: the poll schedule and one job answer.

CloudStack answers import/unmanage with a ``jobid`` and runs the work in the background
(facts §5.2). The job reconciler (``jobs.py``) polls ``queryAsyncJobResult`` on a ``Backoff``
up to an overall deadline and reads each answer with ``job_outcome``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._core.errors import JobFailedError

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
