"""Async-job plumbing a rerun relies on: ``customjobid`` and ``listAsyncJobs`` (CloudStack source, 4.19-4.22),
and the opt-in racy import mode (two overlapping imports of one domain both proceed).

Sources: ``ApiServer.queueCommand`` + ``UUIDManagerImpl.checkUuidSimple`` (customjobid: lower-case UUID, unused,
else 431 synchronously); ``ListAsyncJobsCmd`` + ``QueryManagerImpl.searchForAsyncJobsInternal`` (only jobs
still in progress, the caller's account, ``keyword`` matched against the command class).
"""

from __future__ import annotations

import time
import uuid

import pytest

from acs_simulator.fixtures import SimApiError, SimHandle
from acs_simulator.testbed import DomainFactory

from .helpers import ids, import_params

IMPORT_CLASS = "org.apache.cloudstack.api.command.admin.vm.ImportUnmanagedInstanceCmd"


def _doomed_import(sim: SimHandle, i: dict, **extra: str) -> str:
    """An import job that runs job_duration and then fails (no such domain): cheap, needs no libvirt."""
    return sim.call(
        "importUnmanagedInstance", clusterid=i["cluster"], name="h3sim-absent", serviceofferingid=i["tiny-1c-64m"],
        **extra,
    )["jobid"]  # fmt: skip


def test_customjobid_becomes_the_job_id_and_is_checked_synchronously(acs_sim: SimHandle) -> None:
    acs_sim.set_knobs(job_duration=0)
    i = ids(acs_sim)
    wanted = str(uuid.uuid4())
    assert _doomed_import(acs_sim, i, customjobid=wanted) == wanted
    assert acs_sim.wait_job(wanted)["jobid"] == wanted
    with pytest.raises(SimApiError) as again:
        _doomed_import(acs_sim, i, customjobid=wanted)
    assert again.value.status == 431
    assert again.value.body["importunmanagedinstanceresponse"]["errortext"] == (
        f"UUID: {wanted} already exists so can't create/update with custom id"
    )
    upper = str(uuid.uuid4()).upper()
    with pytest.raises(SimApiError) as malformed:
        _doomed_import(acs_sim, i, customjobid=upper)
    assert malformed.value.status == 431 and malformed.value.body["importunmanagedinstanceresponse"]["errortext"] == (
        f"UUID: {upper} doesn't follow the UUID format"
    )
    # An id never used is unknown to queryAsyncJobResult: a client learns its submit never arrived.
    with pytest.raises(SimApiError) as unknown:
        acs_sim.call("queryAsyncJobResult", jobid=str(uuid.uuid4()))
    assert unknown.value.status == 431


def test_list_async_jobs_shows_only_jobs_in_progress(acs_sim: SimHandle) -> None:
    acs_sim.set_knobs(job_duration=1.5, max_concurrent_jobs=1)
    i = ids(acs_sim)
    first, second = _doomed_import(acs_sim, i), _doomed_import(acs_sim, i)
    listed = acs_sim.call("listAsyncJobs", keyword="ImportUnmanagedInstanceCmd")
    assert [job["jobid"] for job in listed["asyncjobs"]] == [first, second] and listed["count"] == 2
    job = listed["asyncjobs"][0]
    assert job["cmd"] == IMPORT_CLASS and job["jobstatus"] == 0 and job["account"] == "admin"
    assert "jobinstancetype" not in job and "jobinstanceid" not in job and "jobresult" not in job
    assert acs_sim.call("listAsyncJobs", keyword="ImportVmCmd") == {}  # another command class
    assert acs_sim.call("listAsyncJobs", keyword="import_nmanaged")["count"] == 2  # LIKE: '_' is a wildcard
    acs_sim.wait_job(second, timeout=30)
    assert acs_sim.call("listAsyncJobs") == {}  # finished jobs drop out


def test_racy_mode_lets_two_overlapping_imports_of_one_domain_both_proceed(
    acs_sim: SimHandle, sim_domains: DomainFactory
) -> None:
    dom = sim_domains.create("race")
    i = ids(acs_sim)
    params = import_params(i, dom.name, offering="custom-unconstrained", **{"details[0].cpuSpeed": "500"})
    acs_sim.set_knobs(job_duration=1.0, max_concurrent_jobs=4, racy_imports=True)
    jobs = [acs_sim.call("importUnmanagedInstance", **params)["jobid"] for _ in range(2)]
    results = [acs_sim.wait_job(job, timeout=30) for job in jobs]
    assert [r["jobstatus"] for r in results] == [1, 1], results
    twins = [vm for vm in acs_sim.call("listVirtualMachines")["virtualmachine"] if vm["instancename"] == dom.name]
    assert len(twins) == 2  # one domain, two VMs: what a client must never cause


def test_default_mode_fails_the_second_overlapping_import(acs_sim: SimHandle, sim_domains: DomainFactory) -> None:
    dom = sim_domains.create("norace")
    i = ids(acs_sim)
    params = import_params(i, dom.name, offering="custom-unconstrained", **{"details[0].cpuSpeed": "500"})
    acs_sim.set_knobs(job_duration=1.0, max_concurrent_jobs=4)
    jobs = [acs_sim.call("importUnmanagedInstance", **params)["jobid"] for _ in range(2)]
    started = time.monotonic()
    results = [acs_sim.wait_job(job, timeout=30) for job in jobs]
    assert time.monotonic() - started < 30
    assert sorted(r["jobstatus"] for r in results) == [1, 2]
    failed = next(r for r in results if r["jobstatus"] == 2)
    assert failed["jobresult"]["errortext"].startswith(f"Failed to find unmanaged vm with name: {dom.name}")
