"""Reliability of the import playbook under injected faults, restarts and reruns.

10 % of reads answer 5xx, 5 % of jobs fail, and the simulator is killed and restarted in the
middle of a 100-VM wave. Rerunning the same command must converge within two reruns, with
no VM imported twice and every VM either managed or still unmanaged on its host. Bounded:
100 test-driver VMs, short jobs, each run capped in time.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from test_playbooks_bed import Bed, make_bed, vm_name

pytestmark = [pytest.mark.slow]

READS = (
    "listUnmanagedInstances", "listVirtualMachines", "queryAsyncJobResult", "listClusters", "listZones",
    "listNetworks", "listServiceOfferings", "listDiskOfferings", "listTemplates", "listCapabilities",
)  # fmt: skip
VMS = 100


def _state(bed: Bed) -> tuple[Counter[str], set[str]]:
    managed = Counter(vm["instancename"] for vm in bed.managed())
    return managed, {u["name"] for u in bed.unmanaged()}


def _snapshot(bed: Bed) -> dict[str, list[str]]:
    store = bed.sim.store()
    try:
        db = {kind: sorted(map(json.dumps, store.all(kind))) for kind in ("vm", "nic", "volume", "job")}
    finally:
        store.close()
    db["libvirt"] = sorted(json.dumps(u, sort_keys=True) for u in bed.unmanaged())
    return db


def test_faults_and_a_restart_mid_wave_converge_within_two_reruns(tmp_path: Path) -> None:
    knobs = {
        "job_duration": 1.0,
        "max_concurrent_jobs": 20,
        "random_seed": 4,
        "job_fail_fraction": 0.05,
        "faults": {command: {"error_5xx": 0.10} for command in READS},
    }
    bed = make_bed(tmp_path / "bed", VMS, knobs)
    try:
        assert bed.playbook("discover").rc == 0
        args = ("-f", "20", "-e", "acs_import_timeout=60", "-e", "acs_poll_max_interval=1")
        first: list = []
        runner = threading.Thread(target=lambda: first.append(bed.playbook("import", *args, timeout=600)))
        runner.start()
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and runner.is_alive():
            if len(bed.managed()) >= 30:
                break
            time.sleep(0.5)
        restarted_with = len(_state(bed)[0])
        bed.sim.restart(hard=True)  # a crash: jobs in flight are cancelled on start-up
        runner.join(600)
        assert not runner.is_alive()
        assert 0 < restarted_with < VMS, "the restart must hit the middle of the wave"
        runs = [first[0]]
        while runs[-1].rc != 0 and len(runs) < 3:
            runs.append(bed.playbook("import", *args, timeout=600))
        summary = (bed.directory / "acs-report" / "import-summary.txt").read_text()
        assert runs[-1].rc == 0, f"not converged after {len(runs) - 1} reruns:\n{summary}\n{runs[-1].output[-1500:]}"
        stats = bed.sim.stats()["injected"]
        print(f"converged after {len(runs) - 1} rerun(s); injected since the restart: {stats}")
        assert stats["error_5xx"] > 0  # faults were really injected (counted since the restart)
        managed, unmanaged = _state(bed)
        names = {vm_name(i) for i in range(VMS)}
        assert [name for name, count in managed.items() if count > 1] == []  # no duplicate imports
        assert set(managed) | unmanaged == names and not set(managed) & unmanaged
        assert set(managed) == names  # converged: everything imported
        totals = bed.report()["totals"]
        assert sum(totals.values()) == VMS and set(totals) <= {"imported", "already managed"}
        final = bed.playbook("import", *args, timeout=600)
        failed = [vm for vm in bed.report()["vms"] if vm["outcome"] != "already managed"]
        assert final.rc == 0 and final.changed() == 0, failed
    finally:
        bed.sim.stop()


def _import_call(bed: Bed, clusterid: str) -> dict[str, str]:
    """importUnmanagedInstance parameters for any bed VM (what the planner chooses for them)."""

    def named(items: list[dict], name: str) -> str:
        return next(item["id"] for item in items if item["name"] == name)

    return {
        "clusterid": clusterid,
        "serviceofferingid": named(bed.read("listServiceOfferings")["serviceoffering"], "custom-unconstrained"),
        "templateid": named(bed.read("listTemplates", templatefilter="all")["template"], "kvm-template"),
        "nicnetworklist[0].nic": "0",
        "nicnetworklist[0].network": named(bed.read("listNetworks")["network"], "l2-vlan100"),
        "details[0].cpuSpeed": "500",
    }


@pytest.mark.parametrize("kill_after", [0.2, 0.5, 0.9])
def test_a_crash_with_import_jobs_in_flight_leaves_each_vm_imported_whole_or_importable(
    tmp_path: Path, kill_after: float
) -> None:
    """A SIGKILL while 20 import jobs run: no half-imported VM, no VM both managed and unmanaged;
    jobs of VMs left unmanaged are failed with 530 after the restart; importing those again
    completes the set with no duplicate."""
    count = 20
    bed = make_bed(tmp_path / "bed", count, {"job_duration": 0.3, "max_concurrent_jobs": 20})
    try:
        clusterid = bed.read("listClusters")["cluster"][0]["id"]
        call = _import_call(bed, clusterid)
        jobs = {vm_name(i): bed.sim.call("importUnmanagedInstance", name=vm_name(i), **call)["jobid"]
                for i in range(count)}  # fmt: skip
        time.sleep(kill_after)
        bed.sim.restart(hard=True)
        managed, unmanaged = _state(bed)
        assert not set(managed) & unmanaged and set(managed) | unmanaged == set(jobs)
        store = bed.sim.store()
        try:
            nics = Counter(n["virtualmachineid"] for n in store.all("nic"))
            volumes = Counter(v["virtualmachineid"] for v in store.all("volume"))
            rows = store.all("vm")
        finally:
            store.close()
        assert all(nics[vm["id"]] == 1 and volumes[vm["id"]] == 1 for vm in rows)  # imported whole, or not at all
        for name, jobid in jobs.items():
            job = bed.read("queryAsyncJobResult", jobid=jobid)
            assert job["jobstatus"] in (1, 2)  # nothing stays "in progress" after the restart
            if name in unmanaged:
                assert job["jobstatus"] == 2 and job["jobresult"]["errorcode"] == 530
        for name in sorted(unmanaged):
            assert bed.sim.run("importUnmanagedInstance", name=name, **call)["jobstatus"] == 1
        managed, unmanaged = _state(bed)
        assert unmanaged == set() and sorted(managed) == sorted(jobs) and set(managed.values()) == {1}
    finally:
        bed.sim.stop()


def test_check_mode_changes_neither_the_database_nor_libvirt(tmp_path: Path) -> None:
    bed = make_bed(tmp_path / "bed", 8)
    try:
        assert bed.playbook("discover").rc == 0
        before = _snapshot(bed)
        checked = bed.playbook("import", "--check", "-f", "8")
        assert checked.rc == 0, checked.output[-3000:]
        assert bed.report()["totals"] == {"would import": 8}
        validated = bed.playbook("validate")
        assert validated.rc == 0 and validated.changed() == 0
        unmanage = bed.playbook(
            "unmanage", "--check", "-e", json.dumps({"acs_unmanage_vms": ["nope"], "acs_unmanage_zone": "zone1"})
        )
        assert unmanage.rc != 0 and "nope" in unmanage.output  # a VM that does not exist is named
        assert _snapshot(bed) == before
    finally:
        bed.sim.stop()
