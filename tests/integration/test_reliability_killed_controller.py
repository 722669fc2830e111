"""The controller killed mid-wave, then ONE rerun: 0 failed, 0 duplicate, 0 lost.

Three ways to die:
- ``playbook``: kill -9 of ansible-playbook and its process group. Ansible's workers run in their own
  session, so the module importing the wave lives on and keeps submitting; the rerun must not race it.
- ``controller``: the whole process tree dies at once (a machine or container gone), journal kept.
- ``controller-journal-lost``: the same, and the job journal is gone too (an ephemeral AWX container);
  the rerun finds the jobs still in progress with listAsyncJobs.

The simulator runs in its racy import mode: two overlapping imports of one domain both succeed, as
on a real CloudStack, so a rerun that submitted a job a second time would show up as a duplicate VM
instead of failing harmlessly. Bounded: 60 test-driver VMs, 3 s jobs, each run capped in time.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
from test_playbooks_bed import PLAYBOOKS, Bed, make_bed, vm_name

pytestmark = [pytest.mark.slow]

VMS = 60
KILL_AT = 25  # import jobs submitted when the controller dies
KNOBS = {"job_duration": 3.0, "max_concurrent_jobs": 10, "racy_imports": True}


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (whatever its session), from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = [], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        found.extend(children)
        frontier = children
    return found


def _kill_mid_wave(bed: Bed, how: str) -> dict[str, int]:
    """Start import.yml in its own session; once KILL_AT imports were sent, SIGKILL it (``playbook``:
    its process group, as kill -9 does; otherwise the whole tree, frozen first so nothing runs on)."""
    cmd = ["ansible-playbook", "-i", str(bed.inventory), str(PLAYBOOKS / "import.yml")]
    proc = subprocess.Popen(cmd, cwd=bed.directory, env=bed.env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if bed.sim.stats()["calls"].get("importUnmanagedInstance", 0) >= KILL_AT:
                break
            time.sleep(0.05)
        assert proc.poll() is None, "import.yml ended before the kill"
        tree = [] if how == "playbook" else _descendants(proc.pid)
        for pid in tree:
            os.kill(pid, signal.SIGSTOP)
        os.killpg(proc.pid, signal.SIGKILL)
        for pid in tree:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    finally:
        proc.wait(30)
    stats = bed.sim.stats()
    return {"submitted": stats["calls"].get("importUnmanagedInstance", 0), "in_flight": stats["pending_jobs"]}


def _assert_converged(bed: Bed, rerun_rc: int, output: str) -> None:
    summary = (bed.directory / "acs-report" / "import-summary.txt").read_text()
    assert rerun_rc == 0, f"the first rerun did not finish cleanly:\n{summary}\n{output[-2000:]}"
    totals = bed.report()["totals"]
    assert sum(totals.values()) == VMS and set(totals) <= {"imported", "already managed"}, totals  # 0 failed
    managed = Counter(vm["instancename"] for vm in bed.managed())
    assert [name for name, count in managed.items() if count > 1] == []  # 0 duplicates
    assert set(managed) == {vm_name(i) for i in range(VMS)} and bed.unmanaged() == []  # 0 lost
    # Every VM was submitted exactly once, across both runs: nothing in flight was sent again.
    assert bed.sim.stats()["calls"]["importUnmanagedInstance"] == VMS


@pytest.mark.parametrize("how", ["playbook", "controller", "controller-journal-lost"])
def test_kill_9_mid_wave_then_one_rerun_imports_everything_once(tmp_path: Path, how: str) -> None:
    """``playbook``: the rerun waits for the VMs the surviving module still holds, then finds them done.
    ``controller``: the rerun finds every job id in the journal (written before each submit) and awaits it.
    ``controller-journal-lost``: the rerun finds the jobs still in progress with listAsyncJobs and awaits
    them before it imports anything."""
    bed = make_bed(tmp_path / "bed", VMS, KNOBS)
    try:
        assert bed.playbook("discover").rc == 0
        killed = _kill_mid_wave(bed, how)
        assert KILL_AT <= killed["submitted"] < VMS and killed["in_flight"] > 0, killed
        if how == "controller-journal-lost":
            shutil.rmtree(bed.directory / "acs-report" / "import-jobs")
        rerun = bed.playbook("import", timeout=600)
        print(f"{how}: killed with {killed['submitted']} submitted, {killed['in_flight']} in flight; "
              f"rerun rc={rerun.rc} in {rerun.seconds:.1f} s, totals {bed.report()['totals']}")  # fmt: skip
        _assert_converged(bed, rerun.rc, rerun.output)
    finally:
        bed.sim.stop()
