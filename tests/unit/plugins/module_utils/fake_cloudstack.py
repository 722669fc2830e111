"""A small in-memory CloudStack for the service unit tests, driven by a fake clock.

It implements the ``CloudStackApi`` protocol the services use (call, list_all, submit,
poll_record, endpoint, version) over a handful of commands: the unmanaged and managed VM
listings, importUnmanagedInstance / unmanageVirtualMachine jobs, queryAsyncJobResult and
listAsyncJobs. Jobs run ``job_seconds`` of fake time each, at most ``slots`` at once, in
submission order, and change state only when the clock passes their end, so tests are exact
and never wait. Time moves only when the code under test sleeps.

Faults are scripted: ``faults[command]`` is a list of exceptions raised by the next calls of
that command; ``job_failures[name]`` a list of (code, text) the next import jobs of that VM
fail with; ``racy`` lets two overlapping imports of one domain both succeed (as on CloudStack).
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.client import ApiCall
from ansible_collections.acs.ingest.plugins.module_utils._core.context import RunContext
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import CloudStackApiError

CLUSTER = "c0c0c0c0-0000-4000-8000-000000000001"
ZONE = "20202020-0000-4000-8000-000000000001"
NETWORK = "a1a1a1a1-0000-4000-8000-000000000001"
OFFERING = "50505050-0000-4000-8000-000000000001"
POOL = "b0b0b0b0-0000-4000-8000-000000000001"
TEMPLATE = "d0d0d0d0-0000-4000-8000-000000000001"
LISTED = {  # what the plain list commands answer (filtered by id or name)
    "listZones": ("zone", [{"id": ZONE, "name": "zone1"}]),
    "listStoragePools": ("storagepool", [{"id": POOL, "name": "pool1", "path": "/nonexistent/acs-pool1",
                                          "clusterid": CLUSTER, "zoneid": ZONE, "type": "NetworkFilesystem"}]),
    "listNetworks": ("network", [{"id": NETWORK, "name": "l2-vlan100", "type": "L2", "vlan": "100", "zoneid": ZONE,
                                  "traffictype": "Guest"}]),
    "listServiceOfferings": ("serviceoffering", [{"id": OFFERING, "name": "tiny", "cpunumber": 1, "memory": 64,
                                                  "cpuspeed": 500, "iscustomized": False, "rootdisksize": 8}]),
    "listDiskOfferings": ("diskoffering", []),
    "listHosts": ("host", [{"id": "h1", "name": "kvm1", "clusterid": CLUSTER, "zoneid": ZONE, "hypervisor": "KVM",
                            "type": "Routing", "state": "Up"}]),
    "listTemplates": ("template", [{"id": TEMPLATE, "name": "kvm-template", "hypervisor": "KVM", "zoneid": ZONE}]),
}  # fmt: skip
IMPORT_CLASS = "org.apache.cloudstack.api.command.admin.vm.ImportUnmanagedInstanceCmd"
UNMANAGE_CLASS = "org.apache.cloudstack.api.command.admin.vm.UnmanageVMInstanceCmd"
LOWER_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class ControllerKilled(BaseException):
    """The controller died (SIGKILL) at this point: nothing of ours runs any further."""


class FakeClock:
    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0, seconds
        self.sleeps.append(seconds)
        self.now += seconds


@dataclass
class Job:
    jobid: str
    command: str
    params: dict[str, Any]
    submitted: float
    started: float | None = None
    status: int = 0  # 0 running or queued, 1 succeeded, 2 failed
    result: dict[str, Any] = field(default_factory=dict)
    seen_unmanaged: bool = False  # racy mode: what the job saw when it started


@dataclass
class FakeCloudStack:
    clock: FakeClock = field(default_factory=FakeClock)
    job_seconds: float = 5.0
    slots: int = 100
    racy: bool = False
    unmanaged: set[str] = field(default_factory=set)
    managed: dict[str, dict[str, Any]] = field(default_factory=dict)
    jobs: dict[str, Job] = field(default_factory=dict)
    faults: dict[str, list[BaseException]] = field(default_factory=dict)
    job_failures: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    kill_after_submit: bool = False  # the next import is accepted, then the controller dies
    log: list[tuple[float, str, dict[str, Any]]] = field(default_factory=list)
    calls: list[ApiCall] = field(default_factory=list)
    max_unfinished: int = 0
    on_submit: Callable[[str, dict[str, Any]], None] | None = None
    lock: threading.RLock = field(default_factory=threading.RLock)
    settings: dict[str, Any] = field(default_factory=dict)  # listConfigurations values by name ("false" if unset)

    # --- the CloudStackApi protocol ---------------------------------------------------------
    @property
    def endpoint(self) -> str:
        return "http://fake.invalid/client/api"

    @property
    def version(self) -> tuple[int, ...]:
        return (4, 22, 0, 0)

    def call(self, command: str, *, retry: bool = False, record: bool = True, **params: Any) -> dict[str, Any]:
        with self.lock:  # the job window may send several calls at once
            return self._call(command, record, params)

    def _call(self, command: str, record: bool, params: dict[str, Any]) -> dict[str, Any]:
        params = {k: v for k, v in params.items() if v is not None}
        if record:
            self.calls.append(ApiCall(command, dict(params)))
        self._advance()
        self.log.append((self.clock.now, command, params))
        pending = self.faults.get(command)
        if pending:
            raise pending.pop(0)
        return getattr(self, f"_{command}")(**params)

    def list_all(self, command: str, *, retry: bool = True, **params: Any) -> list[dict[str, Any]]:
        body = self.call(command, retry=retry, **params)
        keys = [key for key in body if key != "count"]
        return list(body[keys[0]]) if keys else []

    def submit(self, command: str, **params: Any) -> dict[str, Any]:
        with self.lock:
            body = self.call(command, **params)
            if body.get("jobid"):
                self.calls[-1].jobid = body["jobid"]
            return body

    def poll_record(self, command: str, jobid: str | None = None, **params: Any) -> ApiCall:
        record = ApiCall(command, {"jobid": jobid, **params} if jobid else params, jobid=jobid)
        with self.lock:
            self.calls.append(record)
        return record

    # --- helpers for tests ------------------------------------------------------------------
    def context(self, *, check_mode: bool = False, diff_mode: bool = False) -> tuple[RunContext, list[str]]:
        warnings: list[str] = []
        ctx = RunContext(self.clock, self.clock.sleep, warnings.append, check_mode=check_mode, diff_mode=diff_mode)
        return ctx, warnings

    def count(self, command: str) -> int:
        return sum(1 for _when, name, _params in self.log if name == command)

    def instances_of(self, name: str) -> int:
        return sum(1 for vm in self.managed.values() if vm["instancename"] == name)

    def submit_job(self, command: str, params: dict[str, Any], jobid: str | None = None) -> str:
        """Queue a job the way a second controller would (no journal of ours knows it)."""
        job = Job(jobid or str(uuid.uuid4()), command, dict(params), self.clock.now)
        self.jobs[job.jobid] = job
        self._advance()
        return job.jobid

    # --- job engine -------------------------------------------------------------------------
    def _advance(self) -> None:
        """Run the server up to now: jobs end job_seconds after they start, slots refill at once."""
        while True:
            self._start_queued(self.clock.now)
            running = [j for j in self.jobs.values() if j.status == 0 and j.started is not None]
            ending = [j for j in running if j.started + self.job_seconds <= self.clock.now]
            if not ending:
                return
            job = min(ending, key=lambda j: j.started or 0.0)
            end = (job.started or 0.0) + self.job_seconds
            self._finish(job)
            self._start_queued(end)

    def _start_queued(self, when: float) -> None:
        running = sum(1 for j in self.jobs.values() if j.status == 0 and j.started is not None)
        for job in self.jobs.values():  # submission order
            if running >= self.slots:
                break
            if job.status == 0 and job.started is None:
                job.started = max(when, job.submitted)
                job.seen_unmanaged = job.params.get("name") in self.unmanaged
                running += 1
        unfinished = sum(1 for j in self.jobs.values() if j.status == 0)
        self.max_unfinished = max(self.max_unfinished, unfinished)

    def _finish(self, job: Job) -> None:
        if job.command == "createTags":
            vm = self.managed[job.params["resourceids"]]
            vm["tags"] = [*vm.get("tags", []), *job.params["tags"]]
            job.status, job.result = 1, {"success": True}
            return None
        if job.command == "importVm":
            vm = {"id": str(uuid.uuid4()), "name": job.params["name"], "instancename": f"i-2-{len(self.jobs)}-VM",
                  "state": "Stopped", "zoneid": ZONE, "tags": []}  # fmt: skip
            self.managed[vm["id"]] = vm
            job.status, job.result = 1, {"virtualmachine": dict(vm)}
            return None
        if job.command == "unmanageVirtualMachine":
            vm = self.managed.pop(job.params["id"], None)
            if vm is None:
                return self._fail(job, 530, "Could not find VM to unmanage, it is either removed or not existing VM")
            self.unmanaged.add(vm["instancename"])
            job.status, job.result = 1, {"unmanagevirtualmachineresponse": {"success": True, "hostid": "h1"}}
            return None
        name = job.params["name"]
        scripted = self.job_failures.get(name)
        if scripted:
            return self._fail(job, *scripted.pop(0))
        present = job.seen_unmanaged if self.racy else name in self.unmanaged
        if not present:
            return self._fail(job, 530, f"Failed to find unmanaged vm with name: {name} in cluster: {CLUSTER}")
        self.unmanaged.discard(name)
        vm = {"id": str(uuid.uuid4()), "name": name, "instancename": name, "state": "Running", "zoneid": ZONE}
        self.managed[vm["id"]] = vm
        job.status, job.result = 1, {"virtualmachine": dict(vm)}
        return None

    def _fail(self, job: Job, code: int, text: str) -> None:
        job.status, job.result = 2, {"errorcode": code, "errortext": text}

    def _job_body(self, job: Job) -> dict[str, Any]:
        body: dict[str, Any] = {"jobid": job.jobid, "jobstatus": job.status, "cmd": self._class(job.command)}
        if job.status:
            body.update(jobresultcode=0 if job.status == 1 else job.result["errorcode"], jobresult=job.result)
        return body

    @staticmethod
    def _class(command: str) -> str:
        classes = {
            "unmanageVirtualMachine": UNMANAGE_CLASS,
            "importVm": "org.apache.cloudstack.api.command.admin.vm.ImportVmCmd",
            "createTags": "org.apache.cloudstack.api.command.user.tag.CreateTagsCmd",
        }
        return classes.get(command, IMPORT_CLASS)  # fmt: skip

    # --- commands ---------------------------------------------------------------------------
    def _listUnmanagedInstances(self, clusterid: str, name: str | None = None, **_: Any) -> dict[str, Any]:
        names = sorted(n for n in self.unmanaged if name in (None, n))
        items = [{"name": n, "clusterid": clusterid, "powerstate": "PowerOn", "nic": [{"id": "0"}],
                  "disk": [{"id": "0"}]} for n in names]  # fmt: skip
        return {"count": len(items), "unmanagedinstance": items} if items else {}

    def _listVirtualMachines(
        self, keyword: str | None = None, id: str | None = None, tags: list[dict[str, str]] | None = None, **_: Any
    ) -> dict[str, Any]:
        items = [dict(vm) for vm in self.managed.values()]
        for tag in tags or []:
            items = [vm for vm in items if tag in vm.get("tags", [])]
        if keyword:
            items = [vm for vm in items if keyword in vm["instancename"] or keyword in vm["name"]]
        if id:
            items = [vm for vm in items if vm["id"] == id]
        return {"count": len(items), "virtualmachine": items} if items else {}

    def _queue(self, command: str, params: dict[str, Any]) -> dict[str, Any]:
        custom = params.pop("customjobid", None)
        if custom is not None:
            if not LOWER_UUID.match(custom):
                raise CloudStackApiError(command, f"UUID: {custom} doesn't follow the UUID format", errorcode=431)
            if custom in self.jobs:
                raise CloudStackApiError(
                    command, f"UUID: {custom} already exists so can't create/update with custom id", errorcode=431
                )
        if self.on_submit is not None:
            self.on_submit(command, params)
        jobid = self.submit_job(command, params, custom)
        if self.kill_after_submit:
            self.kill_after_submit = False
            raise ControllerKilled(jobid)
        return {"jobid": jobid}

    def _importUnmanagedInstance(self, **params: Any) -> dict[str, Any]:
        return self._queue("importUnmanagedInstance", params)

    def _importVm(self, **params: Any) -> dict[str, Any]:
        return self._queue("importVm", params)

    def _createTags(self, **params: Any) -> dict[str, Any]:
        return self._queue("createTags", params)

    def __getattr__(self, name: str) -> Any:
        command = name.removeprefix("_")
        if command not in LISTED:
            raise AttributeError(name)
        key, items = LISTED[command]

        def listed(id: str | None = None, name: str | None = None, **_: Any) -> dict[str, Any]:
            found = [dict(i) for i in items if id in (None, i["id"]) and name in (None, i["name"])]
            return {"count": len(found), key: found} if found else {}

        return listed

    def _unmanageVirtualMachine(self, **params: Any) -> dict[str, Any]:
        return self._queue("unmanageVirtualMachine", params)

    def _queryAsyncJobResult(self, jobid: str) -> dict[str, Any]:
        job = self.jobs.get(jobid)
        if job is None:
            raise CloudStackApiError(
                "queryAsyncJobResult", f"Unable to execute API command queryasyncjobresult due to invalid value. "
                f"Invalid parameter jobid value={jobid}", errorcode=431,
            )  # fmt: skip
        return self._job_body(job)

    def _listAsyncJobs(self, keyword: str | None = None, **_: Any) -> dict[str, Any]:
        items = [self._job_body(j) for j in self.jobs.values() if j.status == 0]
        if keyword:
            items = [item for item in items if keyword.lower() in item["cmd"].lower()]
        return {"count": len(items), "asyncjobs": items} if items else {}

    def _listClusters(self, **_: Any) -> dict[str, Any]:  # one KVM cluster
        return {"count": 1, "cluster": [{"id": CLUSTER, "name": "cluster1", "zoneid": ZONE}]}

    def _listVolumes(self, **_: Any) -> dict[str, Any]:
        return {}

    def _listSnapshots(self, **_: Any) -> dict[str, Any]:
        return {}

    def _listConfigurations(self, name: str = "", **_: Any) -> dict[str, Any]:
        return {"count": 1, "configuration": [{"name": name, "value": self.settings.get(name, "false")}]}

    def add_managed(self, name: str, instancename: str) -> dict[str, Any]:
        vm = {"id": str(uuid.uuid4()), "name": name, "instancename": instancename, "state": "Running",
              "zoneid": ZONE, "hostid": "h1", "hostname": "kvm1", "hypervisor": "KVM"}  # fmt: skip
        self.managed[vm["id"]] = vm
        return vm
