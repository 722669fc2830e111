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
        unmanage = bed.playbook("unmanage", "--check", "-e", json.dumps({"acs_unmanage_vms": ["nope"],
                                                                          "acs_unmanage_zone": "zone1"}))
        assert unmanage.rc != 0 and "nope" in unmanage.output  # a VM that does not exist is named
        assert _snapshot(bed) == before
    finally:
        bed.sim.stop()
