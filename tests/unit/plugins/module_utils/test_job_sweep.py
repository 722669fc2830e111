"""The sweep's completion-aware schedule (``_cloudstack/job_sweep.py``), on a fake clock."""

from __future__ import annotations

from pathlib import Path

from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.job_sweep import SweepCadence
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.jobs import JobTicket, JobTiming, JobWindow
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.journal import JobJournal
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.waiter import Backoff
from fake_cloudstack import CLUSTER, FakeCloudStack

BACKOFF = Backoff(initial=1.0, factor=1.5, maximum=2.0)  # the import playbook's defaults


def run_window(tmp_path: Path, names: list[str], slots: int, concurrency: int) -> tuple[FakeCloudStack, list]:
    journal = JobJournal(str(tmp_path / "journal"), "http://fake.invalid/client/api")
    cloud = FakeCloudStack(job_seconds=5.0, slots=slots, unmanaged=set(names))
    ctx, _warnings = cloud.context()
    timing = JobTiming(timeout=600, backoff=BACKOFF)
    tickets = [
        JobTicket(n, "importUnmanagedInstance", {"name": n, "clusterid": CLUSTER}, journal.slot("import", n), timing)
        for n in names
    ]
    return cloud, JobWindow(cloud, ctx, concurrency=concurrency).run(tickets)


def test_the_last_round_of_jobs_is_noticed_within_a_step_of_its_end(tmp_path: Path) -> None:
    """Jobs end in rounds 5 s apart (4 slots, 8 in flight): the schedule learns the period, so the last
    round, which the whole run waits for, is seen within a quarter of poll_interval, not poll_max_interval."""
    names = [f"vm{i:02d}" for i in range(24)]
    cloud, outcomes = run_window(tmp_path, names, slots=4, concurrency=8)
    assert [o.state for o in outcomes] == ["succeeded"] * 24
    last_end = max(job.started + cloud.job_seconds for job in cloud.jobs.values() if job.started is not None)
    noticed = max(o.finished_at for o in outcomes)
    step = SweepCadence(BACKOFF).step
    assert step == 0.25
    assert last_end <= noticed <= last_end + step + 1e-9
    # Cheap: about two listings per round beyond the backoff's (6 rounds of 5 s), never one per job.
    assert cloud.count("listAsyncJobs") <= 6 * 7
    assert cloud.count("queryAsyncJobResult") == 24


def test_a_steady_stream_of_completions_keeps_the_backoff_cadence() -> None:
    """Jobs ending at every sweep are no rounds: the schedule predicts nothing and polls on the backoff."""
    cadence = SweepCadence(BACKOFF)
    now, due = 100.0, []
    for _sweep in range(10):
        due.append(cadence.next_due(now, now, restart=True, gone=True) - now)
        now += 1.0
    assert cadence.expected() is None and due == [1.0] * 10


def test_rounds_bound_the_period_and_the_window_narrows_as_rounds_are_seen() -> None:
    cadence = SweepCadence(BACKOFF)
    cadence.next_due(100.0, 100.0, restart=False, gone=False)
    cadence.next_due(101.0, 101.0, restart=True, gone=True)  # round 1 ended in (100, 101]
    for now in (102.0, 103.5, 105.5):
        cadence.next_due(now, now, restart=False, gone=False)
    # round 2 in (105.5, 106]: the period lies in (4.5, 6)
    assert cadence.next_due(106.0, 106.0, restart=True, gone=True) == 107.0
    assert cadence.period() == (4.5, 6.0)
    start, end = cadence.expected() or (0.0, 0.0)
    assert (start, end) == (105.5 + 4.5, 106.0 + 6.0 + 0.25)
    # Before the window: the backoff's sweeps, the one that would overshoot moved up to the window's start.
    assert cadence.next_due(107.0, 107.0, restart=False, gone=False) == 108.5
    assert cadence.next_due(108.5, 108.5, restart=False, gone=False) == start
    # Inside it: sweeps an eighth of the window apart (never closer than a step) until the round is seen.
    assert cadence.next_due(start, start, restart=False, gone=False) == start + (end - start) / 8
    cadence.next_due(111.0, 111.0, restart=True, gone=True)  # round 3 in (110, 111]: (4, 5.5) from rounds 2-3
    assert cadence.period() == (4.5, 5.5)  # what both pairs of rounds agree with
