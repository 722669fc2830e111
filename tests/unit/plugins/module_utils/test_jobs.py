"""The job reconciler (``_cloudstack/jobs.py``) against the in-memory CloudStack, on a fake clock."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.jobs import (
    JobTicket,
    JobTiming,
    JobWindow,
    NoSlot,
    jobs_in_flight,
    look_up,
)
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.journal import JobJournal
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.waiter import Backoff
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import (
    CloudStackApiError,
    CloudStackConnectionError,
    JobFailedError,
)
from fake_cloudstack import CLUSTER, ControllerKilled, FakeCloudStack

TIMING = JobTiming(timeout=60, backoff=Backoff(initial=0.5, factor=1.5, maximum=2.0))


def ticket(journal: JobJournal, name: str, **extra) -> JobTicket:
    return JobTicket(
        name, "importUnmanagedInstance", {"name": name, "clusterid": CLUSTER}, journal.slot("import", name), **extra
    )


@pytest.fixture
def journal(tmp_path: Path) -> JobJournal:
    return JobJournal(str(tmp_path / "journal"), "http://fake.invalid/client/api")


def test_a_job_is_journaled_before_it_is_sent_and_awaited_on_its_backoff(journal: JobJournal) -> None:
    cloud = FakeCloudStack(job_seconds=2.0, unmanaged={"web01"})
    seen_in_journal: list[str | None] = []
    cloud.on_submit = lambda command, params: seen_in_journal.append(
        (journal.get("import", "web01") or {}).get("jobid")
    )
    ctx, _warnings = cloud.context()
    [outcome] = JobWindow(cloud, ctx).run([ticket(journal, "web01", timing=TIMING)])
    assert outcome.state == "succeeded" and outcome.result["virtualmachine"]["instancename"] == "web01"
    assert seen_in_journal == [outcome.jobid]  # the id was on disk when CloudStack got the command
    assert cloud.clock.sleeps == [0.5, 0.75, 1.125]  # polls at 0.5, 1.25, 2.375 s: done after 2 s
    assert journal.get("import", "web01") is None  # a finished job leaves no entry
    [record] = [c for c in cloud.calls if c.command == "queryAsyncJobResult"]
    assert record.polls == 3 and record.jobid == outcome.jobid


def test_a_failed_job_carries_its_code_and_text_and_leaves_no_entry(journal: JobJournal) -> None:
    cloud = FakeCloudStack(job_seconds=1.0, unmanaged={"web01"}, job_failures={"web01": [(530, "disk gone")]})
    ctx, _warnings = cloud.context()
    [outcome] = JobWindow(cloud, ctx).run([ticket(journal, "web01", timing=TIMING)])
    assert outcome.state == "failed" and isinstance(outcome.error, JobFailedError)
    assert outcome.error.errorcode == 530 and outcome.error.errortext == "disk gone"
    assert outcome.error.jobid == outcome.jobid
    assert journal.get("import", "web01") is None


def test_polls_survive_transient_errors_until_the_deadline(journal: JobJournal) -> None:
    cloud = FakeCloudStack(job_seconds=3.0, unmanaged={"web01"})
    lost = CloudStackConnectionError("cannot reach CloudStack")
    busy = CloudStackApiError("queryAsyncJobResult", "Service Unavailable", errorcode=503)
    cloud.faults["queryAsyncJobResult"] = [lost, busy, lost, busy, lost]
    ctx, _warnings = cloud.context()
    [outcome] = JobWindow(cloud, ctx).run([ticket(journal, "web01", timing=TIMING)])
    assert outcome.state == "succeeded"
    assert cloud.count("queryAsyncJobResult") == 6  # five transient answers, then the result


def test_a_job_outliving_its_timeout_is_pending_with_its_id_and_stays_journaled(journal: JobJournal) -> None:
    cloud = FakeCloudStack(job_seconds=100.0, unmanaged={"web01"})
    ctx, _warnings = cloud.context()
    timing = JobTiming(timeout=10, backoff=Backoff(initial=1, factor=2, maximum=4))
    [outcome] = JobWindow(cloud, ctx).run([ticket(journal, "web01", timing=timing)])
    assert outcome.state == "pending" and outcome.jobid
    assert outcome.finished_at == pytest.approx(1010.0)  # the last poll is at the deadline, not after it
    assert cloud.clock.sleeps == [1, 2, 4, 3] and cloud.count("queryAsyncJobResult") == 4
    assert journal.get("import", "web01")["jobid"] == outcome.jobid
    again = look_up(cloud, "importUnmanagedInstance", outcome.jobid)
    assert again.state == "running"


def test_wait_false_returns_pending_right_after_the_submit(journal: JobJournal) -> None:
    cloud = FakeCloudStack(unmanaged={"web01"})
    ctx, _warnings = cloud.context()
    no_wait = JobTiming(timeout=60, backoff=TIMING.backoff, wait=False)
    [outcome] = JobWindow(cloud, ctx).run([ticket(journal, "web01", timing=no_wait)])
    assert outcome.state == "pending" and cloud.count("queryAsyncJobResult") == 0
    assert journal.get("import", "web01")["jobid"] == outcome.jobid


def test_a_journaled_job_is_awaited_never_submitted_again(journal: JobJournal) -> None:
    cloud = FakeCloudStack(job_seconds=4.0, unmanaged={"web01"})
    earlier = cloud.submit_job("importUnmanagedInstance", {"name": "web01"})
    ctx, _warnings = cloud.context()
    [outcome] = JobWindow(cloud, ctx).run([ticket(journal, "web01", timing=TIMING, jobid=earlier)])
    assert outcome.state == "succeeded" and outcome.jobid == earlier
    assert cloud.count("importUnmanagedInstance") == 0 and cloud.instances_of("web01") == 1


def test_an_unexplained_failure_goes_round_once_more_with_a_fresh_id(journal: JobJournal) -> None:
    cloud = FakeCloudStack(job_seconds=1.0, unmanaged={"web01", "web02"})
    cloud.job_failures = {"web01": [(530, "job cancelled")], "web02": [(530, "job cancelled"), (530, "again")]}
    ctx, _warnings = cloud.context()
    window = JobWindow(cloud, ctx, concurrency=2)
    outcomes = window.run(
        [ticket(journal, name, timing=TIMING, retry_once=lambda _e: True) for name in ("web01", "web02")]
    )
    by_name = {o.ticket.key: o for o in outcomes}
    assert by_name["web01"].state == "succeeded" and "submitted once more" in by_name["web01"].ticket.warnings[0]
    assert by_name["web02"].state == "failed" and by_name["web02"].error.errortext == "again"  # only once more
    ids = [params["customjobid"] for _t, command, params in cloud.log if command == "importUnmanagedInstance"]
    assert len(ids) == 4 and len(set(ids)) == 4


def test_a_lost_answer_is_resolved_through_the_id_we_chose(journal: JobJournal) -> None:
    """The submit reached CloudStack but its answer was lost: the chosen id finds the job."""
    cloud = FakeCloudStack(job_seconds=1.0, unmanaged={"web01", "web02"})
    real_queue = cloud._queue

    def reached_then_lost(command: str, params: dict) -> dict:
        real_queue(command, params)
        raise CloudStackConnectionError("read timed out")

    cloud._queue = reached_then_lost  # type: ignore[method-assign]
    ctx, _warnings = cloud.context()
    [outcome] = JobWindow(cloud, ctx).run([ticket(journal, "web01", timing=TIMING)])
    assert outcome.state == "succeeded" and cloud.instances_of("web01") == 1

    # The request never arrived: CloudStack does not know the id, so the entry goes and the error stays.
    def refused(command: str, params: dict) -> dict:
        raise CloudStackConnectionError("refused")

    cloud._queue = refused  # type: ignore[method-assign]
    [outcome] = JobWindow(cloud, ctx).run([ticket(journal, "web02", timing=TIMING)])
    assert outcome.state == "failed" and isinstance(outcome.error, CloudStackConnectionError)
    assert journal.get("import", "web02") is None


def test_a_killed_controller_leaves_the_id_of_the_job_it_sent(journal: JobJournal) -> None:
    cloud = FakeCloudStack(job_seconds=1.0, unmanaged={"web01"}, kill_after_submit=True)
    ctx, _warnings = cloud.context()
    with pytest.raises(ControllerKilled) as killed:
        JobWindow(cloud, ctx).run([ticket(journal, "web01", timing=TIMING)])
    entry = json.loads(next(Path(journal.directory).glob("import-*.json")).read_text())
    assert entry["jobid"] == str(killed.value)  # written before the command went out
    assert look_up(cloud, "importUnmanagedInstance", entry["jobid"]).state == "running"


@pytest.mark.parametrize("parallel", [1, 4])
def test_many_flights_are_polled_with_one_job_listing_per_round(journal: JobJournal, parallel: int) -> None:
    """``parallel``: the submits and result queries of one round go out several at once; same outcome."""
    names = [f"vm{i:02d}" for i in range(12)]
    cloud = FakeCloudStack(job_seconds=5.0, slots=4, unmanaged=set(names))
    ctx, _warnings = cloud.context()
    window = JobWindow(cloud, ctx, concurrency=8, parallel=parallel)
    outcomes = window.run([ticket(journal, n, timing=TIMING) for n in names])
    assert sorted(o.ticket.key for o in outcomes) == names
    assert [o.state for o in outcomes] == ["succeeded"] * 12 and cloud.count("importUnmanagedInstance") == 12
    assert cloud.max_unfinished == 8  # the window, not the server's 4 slots, bounds what is in flight
    # One query per job to fetch its result; the rounds in between are job listings.
    assert cloud.count("queryAsyncJobResult") == 12
    assert 0 < cloud.count("listAsyncJobs") < 40
    [sweeps] = [c for c in cloud.calls if c.command == "listAsyncJobs"]
    assert sweeps.polls == cloud.count("listAsyncJobs")
    submits = [c for c in cloud.calls if c.command == "importUnmanagedInstance"]
    assert sorted(c.jobid for c in submits) == sorted(o.jobid for o in outcomes)  # each record keeps its own job


def test_a_job_listing_that_hides_running_jobs_is_not_trusted(journal: JobJournal) -> None:
    names = [f"vm{i:02d}" for i in range(6)]
    cloud = FakeCloudStack(job_seconds=5.0, unmanaged=set(names))
    cloud._listAsyncJobs = lambda **_: {}  # type: ignore[method-assign]  # e.g. jobs of another account
    ctx, _warnings = cloud.context()
    window = JobWindow(cloud, ctx, concurrency=6)
    outcomes = window.run([ticket(journal, n, timing=TIMING) for n in names])
    assert [o.state for o in outcomes] == ["succeeded"] * 6
    assert window.sweeps_work is False and cloud.count("listAsyncJobs") == 1


def test_jobs_in_flight_lists_only_unfinished_jobs_of_the_command() -> None:
    cloud = FakeCloudStack(job_seconds=5.0, unmanaged={"web01"})
    running = cloud.submit_job("importUnmanagedInstance", {"name": "web01"})
    cloud.submit_job("unmanageVirtualMachine", {"id": "x"})
    assert [job["jobid"] for job in jobs_in_flight(cloud, "importUnmanagedInstance")] == [running]
    cloud.clock.sleep(6)
    assert jobs_in_flight(cloud, "importUnmanagedInstance") == []
    assert jobs_in_flight(cloud, "createTags") is None  # no command class known: cannot tell


def test_watching_a_job_submitted_elsewhere_keeps_no_journal(tmp_path: Path) -> None:
    cloud = FakeCloudStack(job_seconds=2.0, unmanaged={"web01"})
    other = cloud.submit_job("importUnmanagedInstance", {"name": "web01"})
    ctx, _warnings = cloud.context()
    watch = JobTicket("other", "importUnmanagedInstance", {}, NoSlot(), TIMING, jobid=other)
    [outcome] = JobWindow(cloud, ctx).run([watch])
    assert outcome.state == "succeeded" and not list(tmp_path.iterdir())
