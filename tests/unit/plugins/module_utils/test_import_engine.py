"""The import engine (single mode = a batch of one) against the in-memory CloudStack, on a fake clock."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.journal import JobJournal
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import AcsIngestError, InputError, JobFailedError
from ansible_collections.acs.ingest.plugins.module_utils._services.import_engine import run_import
from ansible_collections.acs.ingest.plugins.module_utils._services.import_options import ImportOptions
from fake_cloudstack import CLUSTER, NETWORK, OFFERING, ControllerKilled, FakeCloudStack


def plan(name: str) -> dict[str, Any]:
    params = {"name": name, "clusterid": CLUSTER, "serviceofferingid": OFFERING,
              "nicnetworklist": [{"nic": "0", "network": NETWORK}]}  # fmt: skip
    return {"command": "importUnmanagedInstance", "params": params, "problems": [], "notes": []}


def batch_params(journal: Path, names: list[str], **extra: Any) -> dict[str, Any]:
    params = {
        "instances": [{"name": n, "cluster": CLUSTER, "plan": plan(n), "key": f"host-{n}"} for n in names],
        "concurrency": 3,
        "wait": True,
        "timeout": 300,
        "poll_interval": 1.0,
        "poll_max_interval": 2.0,
        "job_journal": str(journal),
    }
    params.update(extra)
    return params


def single_params(journal: Path, name: str, **extra: Any) -> dict[str, Any]:
    params = {"name": name, "cluster": CLUSTER, "plan": plan(name), "wait": True, "timeout": 300,
              "poll_interval": 1.0, "poll_max_interval": 2.0, "job_journal": str(journal)}  # fmt: skip
    params.update(extra)
    return params


def run(cloud: FakeCloudStack, params: dict[str, Any], **mode: bool) -> tuple[dict[str, Any], list[str]]:
    ctx, warnings = cloud.context(**mode)
    return run_import(cloud, ImportOptions.from_params(params), ctx), warnings


NAMES = [f"vm{i:02d}" for i in range(10)]


def test_the_window_bounds_jobs_in_flight_and_keeps_the_server_busy(tmp_path: Path) -> None:
    cloud = FakeCloudStack(job_seconds=5.0, slots=2, unmanaged=set(NAMES))
    result, _warnings = run(cloud, batch_params(tmp_path, NAMES, concurrency=4))
    assert result["totals"] == {"imported": 10} and result["changed"] is True
    assert cloud.max_unfinished == 4  # the window's bound, twice the server's 2 slots
    # The server's own bound is ceil(10/2) x 5 s = 25 s. Twice its slots in flight means a queued
    # job takes each freed slot at once, so only the detection of the last jobs is added.
    assert cloud.clock.now - 1000.0 <= 25.0 + 2.0
    assert [vm["key"] for vm in result["vms"]] == [f"host-{n}" for n in NAMES]
    assert all(vm["outcome"] == "imported" and vm["id"] for vm in result["vms"])
    assert cloud.count("importUnmanagedInstance") == 10 and cloud.count("listUnmanagedInstances") == 1
    assert not list(tmp_path.glob("import-*.json"))
    listings = cloud.count("listAsyncJobs")
    again, _warnings = run(cloud, batch_params(tmp_path, NAMES))
    assert again["totals"] == {"already managed": 10} and again["changed"] is False
    # Nothing left to submit: no import, and no look for unknown jobs either.
    assert cloud.count("importUnmanagedInstance") == 10 and cloud.count("listAsyncJobs") == listings


def test_a_controller_killed_after_a_submit_is_followed_by_a_rerun_that_awaits_it(tmp_path: Path) -> None:
    """The window between CloudStack accepting a job and the controller hearing of it: the job id
    was journaled before the submit, so the rerun awaits that job and never sends a second one."""
    cloud = FakeCloudStack(job_seconds=5.0, racy=True, unmanaged=set(NAMES[:4]), kill_after_submit=False)
    submitted = 0

    def die_on_the_third(command: str, params: dict[str, Any]) -> None:
        nonlocal submitted
        submitted += 1
        cloud.kill_after_submit = submitted == 3

    cloud.on_submit = die_on_the_third
    with pytest.raises(ControllerKilled):
        run(cloud, batch_params(tmp_path, NAMES[:4]))
    assert cloud.count("importUnmanagedInstance") == 3
    cloud.on_submit = None
    result, _warnings = run(cloud, batch_params(tmp_path, NAMES[:4]))
    assert result["totals"] == {"imported": 4}
    assert cloud.count("importUnmanagedInstance") == 4  # only the VM never sent is sent now
    assert all(cloud.instances_of(name) == 1 for name in NAMES[:4])  # racy server: a resend would duplicate
    awaited = [vm for vm in result["vms"] if vm.get("earlier_job")]
    assert len(awaited) == 3 and all(vm["changed"] is False for vm in awaited)


def test_import_jobs_no_journal_knows_are_awaited_before_anything_is_submitted(tmp_path: Path) -> None:
    cloud = FakeCloudStack(job_seconds=5.0, racy=True, unmanaged=set(NAMES[:3]))
    other = cloud.submit_job("importUnmanagedInstance", {"name": NAMES[0]})  # e.g. from a lost AWX container
    result, warnings = run(cloud, batch_params(tmp_path, NAMES[:3]))
    assert result["totals"] == {"already managed": 1, "imported": 2}
    assert cloud.instances_of(NAMES[0]) == 1 and cloud.count("importUnmanagedInstance") == 2
    assert any(other in warning and "waiting for them" in warning for warning in warnings)
    submits = [when for when, command, _p in cloud.log if command == "importUnmanagedInstance"]
    assert min(submits) >= 1005.0  # nothing was sent before the unknown job ended


def test_unknown_jobs_still_running_at_the_deadline_leave_every_vm_pending(tmp_path: Path) -> None:
    cloud = FakeCloudStack(job_seconds=500.0, unmanaged=set(NAMES[:2]))
    cloud.submit_job("importUnmanagedInstance", {"name": "elsewhere"})
    result, _warnings = run(cloud, batch_params(tmp_path, NAMES[:2], timeout=20))
    assert result["totals"] == {"pending": 2} and result["changed"] is False
    assert cloud.count("importUnmanagedInstance") == 0
    assert "rerun when they finished" in result["vms"][0]["warnings"][0]


def test_an_awaited_earlier_job_that_fails_sends_the_vm_through_the_preflight_again(tmp_path: Path) -> None:
    cloud = FakeCloudStack(job_seconds=5.0, unmanaged={"web01"}, job_failures={"web01": [(530, "disk copy failed")]})
    first, _warnings = run(cloud, single_params(tmp_path, "web01", wait=False))
    assert first["state"] == "pending" and first["changed"] is True
    second, warnings = run(cloud, single_params(tmp_path, "web01"))
    assert second["state"] == "imported" and second["changed"] is True
    assert second["earlier_job"] == {"jobid": first["jobid"], "jobstatus": 2}
    assert any("from an earlier run failed: disk copy failed" in w for w in warnings)
    assert cloud.instances_of("web01") == 1 and cloud.count("importUnmanagedInstance") == 2


def test_single_mode_is_a_batch_of_one(tmp_path: Path) -> None:
    cloud = FakeCloudStack(job_seconds=3.0, unmanaged={"web01"})
    result, warnings = run(cloud, single_params(tmp_path, "web01"), diff_mode=True)
    assert result["state"] == "imported" and result["changed"] is True and warnings == []
    assert result["api_call"]["params"]["name"] == "web01" and result["plan"]["params"]["clusterid"] == CLUSTER
    assert result["diff"]["before"]["state"] == "unmanaged" and result["diff"]["after"]["state"] == "managed"
    beyond_polls = [c.command for c in cloud.calls if c.command not in ("queryAsyncJobResult",)]
    assert beyond_polls == ["listUnmanagedInstances", "listAsyncJobs", "importUnmanagedInstance"]
    again, _warnings = run(cloud, single_params(tmp_path, "web01"))
    assert again["state"] == "present" and again["changed"] is False and again["vm"]["instancename"] == "web01"


def test_single_mode_timeout_is_pending_and_the_rerun_awaits_the_same_job(tmp_path: Path) -> None:
    cloud = FakeCloudStack(job_seconds=30.0, unmanaged={"web01"})
    first, warnings = run(cloud, single_params(tmp_path, "web01", timeout=5))
    assert first["state"] == "pending" and first["changed"] is True and first["jobid"]
    assert any(first["jobid"] in w and "rerun awaits it" in w for w in warnings)
    second, _warnings = run(cloud, single_params(tmp_path, "web01"))
    assert second["state"] == "imported" and second["changed"] is False
    assert second["earlier_job"]["jobid"] == first["jobid"] and cloud.count("importUnmanagedInstance") == 1


def test_single_mode_failures_are_the_module_failure(tmp_path: Path) -> None:
    taken = (530, "NIC with MAC address x exists on network y and forced flag is disabled")
    cloud = FakeCloudStack(job_seconds=1.0, unmanaged={"web01"}, job_failures={"web01": [taken]})
    with pytest.raises(JobFailedError) as failed:
        run(cloud, single_params(tmp_path, "web01"))
    assert failed.value.jobid and "forced=true" in str(failed.value.fix)
    assert cloud.count("importUnmanagedInstance") == 1  # a known cause is not sent again
    with pytest.raises(InputError) as missing:
        run(cloud, single_params(tmp_path, "nope"))
    assert missing.value.field == "name" and "no unmanaged instance 'nope'" in str(missing.value)


def test_check_mode_submits_nothing_and_lists_no_jobs(tmp_path: Path) -> None:
    cloud = FakeCloudStack(unmanaged=set(NAMES[:3]))
    result, _warnings = run(cloud, batch_params(tmp_path, NAMES[:3]), check_mode=True, diff_mode=True)
    assert result["totals"] == {"would import": 3} and set(result["diff"]["after"]) == set(NAMES[:3])
    assert cloud.count("importUnmanagedInstance") == 0 and cloud.count("listAsyncJobs") == 0


def test_one_failing_vm_does_not_stop_the_others(tmp_path: Path) -> None:
    cloud = FakeCloudStack(job_seconds=2.0, unmanaged=set(NAMES[:4]))
    cloud.job_failures = {NAMES[1]: [(431, "hostname already exists in the network")]}
    with pytest.raises(AcsIngestError) as failed:
        run(cloud, batch_params(tmp_path, [*NAMES[:4], "ghost"]))
    details = failed.value.details
    assert str(failed.value).startswith("2 of 5 VM(s) failed")
    assert details["totals"] == {"failed": 2, "imported": 3}
    by_name = {vm["name"]: vm for vm in details["vms"]}
    assert "set hostname" in by_name[NAMES[1]]["fix"] and by_name[NAMES[1]]["jobid"]
    assert by_name["ghost"]["field"] == "name"


def test_bad_input_is_refused_before_any_call() -> None:
    with pytest.raises(InputError, match="instances\\[0\\].cluster"):
        ImportOptions.from_params({"instances": [{"name": "a"}], "timeout": 10})
    with pytest.raises(InputError, match="more than once"):
        ImportOptions.from_params({"instances": [{"name": "a", "cluster": "c"}] * 2, "timeout": 10})
    with pytest.raises(InputError, match="poll_interval"):
        ImportOptions.from_params({"name": "a", "cluster": "c", "timeout": 10, "poll_interval": 0})


def test_a_vm_another_live_run_holds_is_left_to_it_until_it_ends(tmp_path: Path) -> None:
    """A killed ansible-playbook leaves its module running (Ansible's workers have their own session):
    the rerun waits for that run's VMs instead of importing them a second time alongside it."""
    cloud = FakeCloudStack(job_seconds=2.0, unmanaged={"web01", "web02"})
    journal = JobJournal(str(tmp_path), cloud.endpoint)
    held = journal.try_lock("import", "web01")
    assert held is not None and journal.try_lock("import", "web01") is None
    real_sleep = cloud.clock.sleep

    def other_run_finishes(seconds: float) -> None:
        real_sleep(seconds)
        if cloud.clock.now >= 1003.0 and "web01" in cloud.unmanaged:
            cloud.unmanaged.discard("web01")
            cloud.add_managed("web01", "web01")
            journal.unlock(held)

    cloud.clock.sleep = other_run_finishes  # type: ignore[method-assign]
    result, warnings = run(cloud, batch_params(tmp_path, ["web01", "web02"]))
    assert result["totals"] == {"already managed": 1, "imported": 1}
    assert cloud.count("importUnmanagedInstance") == 1 and cloud.instances_of("web01") == 1
    assert any("another run on this job journal" in w for w in warnings)
    assert journal.try_lock("import", "web02") is not None  # released when the run ended


def test_a_vm_held_past_the_timeout_is_pending(tmp_path: Path) -> None:
    cloud = FakeCloudStack(unmanaged={"web01"})
    journal = JobJournal(str(tmp_path), cloud.endpoint)
    assert journal.try_lock("import", "web01") is not None
    result, _warnings = run(cloud, single_params(tmp_path, "web01", timeout=5))
    assert result["state"] == "pending" and result["changed"] is False
    assert cloud.count("importUnmanagedInstance") == 0 and cloud.count("listUnmanagedInstances") == 0
