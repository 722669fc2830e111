"""The pure parts of waiting for a job: the backoff schedule and reading one job answer (no I/O).

Polling itself, with its deadline, is the job reconciler's (test_jobs.py)."""

from __future__ import annotations

import pytest
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.waiter import Backoff, job_outcome
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import JobFailedError


def test_backoff_grows_to_its_cap():
    schedule = Backoff(initial=0.5, factor=2, maximum=3).intervals()
    assert [next(schedule) for _ignored in range(5)] == [0.5, 1.0, 2.0, 3, 3]


def test_cancelled_job_is_a_failure():
    with pytest.raises(JobFailedError, match="cancelled"):
        job_outcome("importVm", {"jobstatus": 3, "jobresult": {}})


def test_success_with_error_code_is_a_failure():
    with pytest.raises(JobFailedError):
        job_outcome("importVm", {"jobstatus": 1, "jobresultcode": 530, "jobresult": {"errortext": "boom"}})
