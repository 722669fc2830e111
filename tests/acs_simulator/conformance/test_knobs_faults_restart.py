"""Knobs, injected faults, call counters and restarts (issue 3 "Knobs, for benchmarks and fault tests")."""

from __future__ import annotations

import time

import pytest
import requests

from acs_simulator.fixtures import SimHandle
from acs_simulator.jobs import RESTART_TEXT

from .helpers import ids, job_error


def _doomed_import(sim: SimHandle, i: dict) -> str:
    return sim.call(
        "importUnmanagedInstance", clusterid=i["cluster"], name="h3sim-absent", serviceofferingid=i["tiny-1c-64m"]
    )["jobid"]


def test_call_counters_and_knob_round_trip(acs_sim: SimHandle) -> None:
    acs_sim.call("listZones")
    acs_sim.call("listZones")
    acs_sim.call("listHosts")
    stats = acs_sim.stats()
    assert stats["calls"]["listZones"] == 2 and stats["calls"]["listHosts"] == 1
    assert acs_sim.set_knobs(job_duration=1.5)["job_duration"] == 1.5
    resp = requests.post(f"{acs_sim.base}/admin/knobs", json={"no_such_knob": 1}, timeout=5)
    assert resp.status_code == 400 and "no_such_knob" in resp.json()["error"]


def test_latency_knob_delays_calls(acs_sim: SimHandle) -> None:
    acs_sim.set_knobs(latency=0.4)
    started = time.monotonic()
    acs_sim.call("listZones")
    assert time.monotonic() - started >= 0.4  # the knob sleeps before answering; a lower bound cannot flake


def test_injected_5xx_and_resets_per_command(acs_sim: SimHandle) -> None:
    acs_sim.set_knobs(faults={"listZones": {"error_5xx": 1.0}, "listHosts": {"reset": 1.0}})
    resp = acs_sim.raw("listZones")
    assert resp.status_code == 503 and resp.json()["listzonesresponse"]["errorcode"] == 503
    with pytest.raises(requests.ConnectionError):
        acs_sim.raw("listHosts")
    assert acs_sim.raw("listClusters").status_code == 200  # other commands are untouched
    acs_sim.set_knobs(faults={"*": {"error_5xx": 0.5}}, random_seed=7)
    statuses = [acs_sim.raw("listClusters").status_code for _ in range(40)]
    assert 0 < statuses.count(503) < 40 and set(statuses) == {200, 503}
    injected = acs_sim.stats()["injected"]
    assert injected["reset"] == 1 and injected["error_5xx"] == 1 + statuses.count(503)


def test_failed_job_fraction(acs_sim: SimHandle) -> None:
    acs_sim.set_knobs(job_fail_fraction=1.0, job_duration=0)
    i = ids(acs_sim)
    code, text = job_error(acs_sim.wait_job(_doomed_import(acs_sim, i)))
    assert code == 530 and text == "Simulated job failure (knob job_fail_fraction)"


def test_max_concurrent_jobs_queues_the_rest(acs_sim: SimHandle) -> None:
    acs_sim.set_knobs(max_concurrent_jobs=1, job_duration=0.5)
    i = ids(acs_sim)
    jobs = [_doomed_import(acs_sim, i) for _ in range(3)]
    seen_running = set()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        stats = acs_sim.stats()
        seen_running.add(stats["running_jobs"])
        if stats["pending_jobs"] == 0:
            break
        time.sleep(0.05)
    assert max(seen_running) == 1
    assert all(acs_sim.wait_job(j)["jobstatus"] == 2 for j in jobs)


def test_restart_keeps_state_and_fails_in_flight_jobs(acs_sim: SimHandle) -> None:
    i = ids(acs_sim)
    acs_sim.call("updateConfiguration", name="unmanage.vm.preserve.nics", value="true", zoneid=i["zone"])
    acs_sim.set_knobs(job_duration=30)
    jobid = _doomed_import(acs_sim, i)
    assert acs_sim.call("queryAsyncJobResult", jobid=jobid)["jobstatus"] == 0
    acs_sim.restart(hard=True)  # SIGKILL mid-job, then a fresh process on the same SQLite file
    job = acs_sim.call("queryAsyncJobResult", jobid=jobid)
    assert job["jobstatus"] == 2 and job["jobresultcode"] == 530
    assert job["jobresult"] == {"errorcode": 530, "errortext": RESTART_TEXT}
    conf = acs_sim.call("listConfigurations", zoneid=i["zone"], name="unmanage.vm.preserve.nics")["configuration"]
    assert conf[0]["value"] == "true"
    assert acs_sim.stats()["calls"] == {"queryAsyncJobResult": 1, "listConfigurations": 1}  # counters are per process


def test_restart_after_calls_knob_reexecs_mid_run(acs_sim: SimHandle) -> None:
    i = ids(acs_sim)
    pid = acs_sim.proc.pid
    acs_sim.set_knobs(job_duration=30, restart_after_calls=2)
    jobid = _doomed_import(acs_sim, i)  # call 1
    acs_sim.call("listZones")  # call 2: answered, then the process re-executes itself
    deadline = time.monotonic() + 30
    job = None
    while time.monotonic() < deadline:
        try:
            job = acs_sim.call("queryAsyncJobResult", jobid=jobid)
            if job["jobstatus"] != 0:
                break
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    assert job is not None and job["jobresult"] == {"errorcode": 530, "errortext": RESTART_TEXT}
    assert acs_sim.proc.pid == pid and acs_sim.proc.poll() is None
    assert acs_sim.set_knobs()["restart_after_calls"] == 0  # admin-set knobs do not survive the restart
