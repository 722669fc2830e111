"""acs.ingest.import_unmanaged in batch mode (``instances``) through ansible-playbook against the simulator.

The VMs live in libvirt's test driver (test_playbooks_bed), so a batch costs no QEMU.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from test_import_unmanaged_support import commands, run_module
from test_playbooks_bed import Bed, make_bed, vm_name

pytestmark = [pytest.mark.slow]

VMS = 6


@pytest.fixture
def bed(tmp_path: Path) -> Bed:
    made = make_bed(tmp_path / "bed", VMS, {"job_duration": 1.0, "max_concurrent_jobs": 20})
    yield made
    made.sim.stop()


def entry(index: int, **extra: Any) -> dict[str, Any]:
    """A batch entry that lets the module plan the VM (cluster by name, offering, template)."""
    return {
        "name": vm_name(index),
        "cluster": "cluster1",
        "template": "kvm-template",
        "service_offering": "custom-unconstrained",
        "details": {"cpuSpeed": 500},
        "key": f"host-{index}",
        **extra,
    }


def batch(bed: Bed, instances: list[dict[str, Any]], *, check: bool = False, **options: Any) -> dict[str, Any]:
    args = {
        "instances": instances,
        "concurrency": 2,
        "poll_interval": 0.2,
        "poll_max_interval": 0.5,
        "job_journal": str(bed.directory / "journal"),
        **options,
    }
    return run_module(bed.directory / "runs", "import_unmanaged", args, bed.env, check=check, diff=True)


def snapshot(bed: Bed) -> dict[str, list[str]]:
    store = bed.sim.store()
    try:
        db = {kind: sorted(map(json.dumps, store.all(kind))) for kind in ("vm", "nic", "volume", "job")}
    finally:
        store.close()
    db["unmanaged"] = sorted(u["name"] for u in bed.unmanaged())
    return db


def unfinished_jobs(bed: Bed) -> int:
    store = bed.sim.store()
    try:
        return sum(1 for job in store.all("job") if int(job.get("jobstatus", 0)) == 0)
    finally:
        store.close()


def test_check_mode_reports_exact_calls_and_changes_nothing(bed: Bed) -> None:
    before = snapshot(bed)
    result = batch(bed, [entry(i) for i in range(3)], check=True)
    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is True and result["totals"] == {"would import": 3}
    assert "importUnmanagedInstance" not in commands(result)
    for i, vm in enumerate(result["vms"]):
        assert vm["key"] == f"host-{i}" and vm["outcome"] == "would import"
        assert vm["api_call"]["command"] == "importUnmanagedInstance"
        assert vm["api_call"]["params"]["name"] == vm_name(i)
        assert vm["api_call"]["params"]["nicnetworklist[0].nic"] == "0"
    assert set(result["diff"]["after"]) == {vm_name(i) for i in range(3)}
    # one listing for the cluster, not one per VM
    assert commands(result).count("listUnmanagedInstances") == 1
    assert bed.sim.api_secret not in json.dumps(result)  # secrets never reach the result
    assert snapshot(bed) == before


def test_batch_imports_with_a_bounded_window_and_a_rerun_changes_nothing(bed: Bed) -> None:
    peak: list[int] = []
    stop = threading.Event()

    def watch() -> None:  # the most jobs CloudStack had unfinished at once, sampled
        while not stop.is_set():
            peak.append(unfinished_jobs(bed))
            stop.wait(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        result = batch(bed, [entry(i) for i in range(VMS)])
    finally:
        stop.set()
        watcher.join()
    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is True and result["totals"] == {"imported": VMS}
    assert max(peak) == 2  # concurrency 2: never more, and the window was used
    managed = {vm["instancename"]: vm for vm in bed.managed()}
    for vm in result["vms"]:
        assert managed[vm["name"]]["id"] == vm["id"]
        assert vm["duration_s"] > 0 and vm["error"] == ""
    assert commands(result).count("importUnmanagedInstance") == VMS
    assert all(call.get("polls", 0) >= 1 for call in result["api_calls"] if call["command"] == "queryAsyncJobResult")
    assert not list((bed.directory / "journal").glob("import-*.json"))  # finished jobs leave no entry

    again = batch(bed, [entry(i) for i in range(VMS)])
    assert not again.get("failed"), again.get("msg")
    assert again["changed"] is False and again["totals"] == {"already managed": VMS}
    assert "importUnmanagedInstance" not in commands(again)
    assert len(bed.managed()) == VMS


def test_one_failing_vm_does_not_stop_the_others(bed: Bed) -> None:
    # Two VMs asking for the same host name on one network: CloudStack refuses the second.
    instances = [entry(i) for i in range(4)]
    instances[0]["hostname"] = instances[1]["hostname"] = "same-name"
    instances.append(entry(9))  # a VM that does not exist: a clear error naming it, the rest go on
    result = batch(bed, instances)
    assert result.get("failed")
    by_name = {vm["name"]: vm for vm in result["vms"]}
    failed = sorted(name for name, vm in by_name.items() if vm["outcome"] == "failed")
    assert len(failed) == 2 and vm_name(9) in failed
    clash = next(name for name in failed if name != vm_name(9))
    assert "already exists" in by_name[clash]["error"] and clash in result["msg"]
    assert "no unmanaged instance 'h6vm009'" in by_name[vm_name(9)]["error"] and vm_name(9) in result["msg"]
    assert result["msg"].startswith("2 of 5 VM(s) failed")
    assert sum(vm["outcome"] == "imported" for vm in by_name.values()) == 3
    assert clash in {u["name"] for u in bed.unmanaged()}  # the failed VM is still on its host


def test_a_timed_out_job_is_awaited_by_the_rerun_not_submitted_again(bed: Bed) -> None:
    bed.sim.set_knobs(job_duration=3.0)
    first = batch(bed, [entry(0), entry(1)], timeout=1)
    assert not first.get("failed"), first.get("msg")
    assert first["totals"] == {"pending": 2} and all(vm["jobid"] for vm in first["vms"])
    assert len(list((bed.directory / "journal").glob("import-*.json"))) == 2
    second = batch(bed, [entry(0), entry(1)], timeout=60)
    assert not second.get("failed"), second.get("msg")
    assert "importUnmanagedInstance" not in commands(second)
    assert second["totals"] == {"imported": 2}
    assert {vm["earlier_job"]["jobid"] for vm in second["vms"]} == {vm["jobid"] for vm in first["vms"]}
    names = [vm["instancename"] for vm in bed.managed()]
    assert sorted(names) == [vm_name(0), vm_name(1)]  # each imported once


def test_bad_batch_input_is_one_clear_error(bed: Bed) -> None:
    result = batch(bed, [{"name": vm_name(0)}])
    assert result.get("failed") and "instances[0].cluster: is missing" in result["msg"]
    result = batch(bed, [entry(0, colour="blue")])
    assert result.get("failed") and "instances[0].colour" in result["msg"]
    assert "Traceback" not in result["_stdout"]


# import.yml's check mode, import and rerun at the playbook level: test_playbooks.py
# test_import_runs_waves_reports_and_is_idempotent (one discover + import scenario, not two).
