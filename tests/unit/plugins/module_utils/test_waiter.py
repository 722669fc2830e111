"""The async-job waiter: outcomes, backoff schedule and the overall deadline (no I/O)."""

from __future__ import annotations

import pytest
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.waiter import Backoff, job_outcome, wait_for_job
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import JobFailedError, JobTimeoutError


class FakeClock:
    """A clock that only moves when the waiter sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def jobs(*answers: dict) -> tuple[list[str], object]:
    asked: list[str] = []
    queue = list(answers)

    def query(jobid: str) -> dict:
        asked.append(jobid)
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return asked, query


def test_backoff_grows_to_its_cap():
    schedule = Backoff(initial=0.5, factor=2, maximum=3).intervals()
    assert [next(schedule) for _ignored in range(5)] == [0.5, 1.0, 2.0, 3, 3]


def test_success_returns_jobresult_after_polling():
    clock = FakeClock()
    asked, query = jobs(
        {"jobstatus": 0},
        {"jobstatus": 0},
        {"jobstatus": 1, "jobresultcode": 0, "jobresult": {"virtualmachine": {"id": "vm-1"}}},
    )
    result = wait_for_job(query, "importUnmanagedInstance", "job-1", timeout=60, clock=clock, sleep=clock.sleep)
    assert result == {"virtualmachine": {"id": "vm-1"}}
    assert asked == ["job-1"] * 3
    assert clock.sleeps == [0.5, 0.75]


def test_failed_job_carries_code_and_text():
    clock = FakeClock()
    _ignored, query = jobs(
        {
            "jobid": "job-2",
            "jobstatus": 2,
            "jobresultcode": 530,
            "jobresult": {"errorcode": 530, "errortext": "Failed to find unmanaged vm with name: x in cluster: c"},
        }
    )
    with pytest.raises(JobFailedError) as err:
        wait_for_job(query, "importUnmanagedInstance", "job-2", timeout=60, clock=clock, sleep=clock.sleep)
    assert err.value.errorcode == 530
    assert err.value.jobid == "job-2"
    assert "Failed to find unmanaged vm" in str(err.value)


def test_timeout_names_the_job_and_stops_at_the_deadline():
    clock = FakeClock()
    asked, query = jobs({"jobstatus": 0})
    with pytest.raises(JobTimeoutError) as err:
        wait_for_job(
            query,
            "unmanageVirtualMachine",
            "job-3",
            timeout=10,
            backoff=Backoff(1, 2, 4),
            clock=clock,
            sleep=clock.sleep,
        )
    assert err.value.jobid == "job-3"
    assert "rerun" in str(err.value)
    # never sleeps past the deadline, and asks one last time at it
    assert sum(clock.sleeps) == pytest.approx(10)
    assert clock.sleeps == [1, 2, 4, 3]
    assert len(asked) == 5


def test_cancelled_job_is_a_failure():
    with pytest.raises(JobFailedError, match="cancelled"):
        job_outcome("importVm", {"jobstatus": 3, "jobresult": {}})


def test_success_with_error_code_is_a_failure():
    with pytest.raises(JobFailedError):
        job_outcome("importVm", {"jobstatus": 1, "jobresultcode": 530, "jobresult": {"errortext": "boom"}})
