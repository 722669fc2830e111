# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""Batch mode of ``import_unmanaged``: many VMs in one module process, a sliding window of jobs.

Why: one module process per VM costs ~0.5 CPU-s on the controller, which made a 200-VM import
CPU-bound on a small controller. Here one process imports every VM of a wave, keeping at most
``concurrency`` import jobs in flight and polling each job with its own backoff.

Per VM the guarantees of single mode hold, at lower cost:
- an earlier run's journaled (or given) job is looked at first; a job still running joins the
  window and is awaited, never submitted again;
- one listUnmanagedInstances per cluster (not per VM) tells "not imported yet"; VMs missing
  from it are looked up among managed VMs with one listVirtualMachines (ok, changed=false);
- check mode stops before importUnmanagedInstance and reports the exact call;
- the job id is journaled the moment CloudStack returns it.
One VM failing (plan, submit, job) never stops the others. Polls that hit a connection error
or a 5xx are retried at the next interval instead of failing the VM, because a restarting
management server must not turn a whole wave into failures.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.client import (
    RETRYABLE_STATUS,
    ApiCall,
    wire_params,
)
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.lookup import find_cluster, is_uuid
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.vms import (
    find_unmanaged,
    summarize_instance,
    summarize_vm,
)
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.waiter import job_outcome
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import (
    AcsIngestError,
    CloudStackApiError,
    CloudStackConnectionError,
    InputError,
    JobFailedError,
)
from ansible_collections.acs.ingest.plugins.module_utils._services.import_inputs import PLANNING_OPTIONS
from ansible_collections.acs.ingest.plugins.module_utils._services.import_single import (
    JOURNAL_OPERATION,
    RESULT_KEY,
    ImportRun,
    check_timing_options,
    failure_fix,
)

# Keys one entry of ``instances`` may carry besides the planning options.
ENTRY_KEYS = frozenset({"name", "cluster", "plan", "jobid", "key", "forced", "migrate_allowed", *PLANNING_OPTIONS})
OUTCOMES = {"imported": "imported", "present": "already managed", "would_import": "would import", "pending": "pending"}


RESUBMITTED = "resubmitted"  # marks a VM's second submit in this run


class _Warnings:
    """Stands in for AnsibleModule.warn in one VM's ImportRun: the batch reports the VM's
    warnings itself (in its result, and prefixed with the VM name)."""

    def warn(self, text: str) -> None:
        return None


@dataclass
class _VmModule:
    """What ImportRun reads from its module, for one VM of the batch (shared client)."""

    params: dict[str, Any]
    client: Any
    check_mode: bool
    diff_mode: bool
    module: _Warnings = field(default_factory=_Warnings)


@dataclass
class _Flight:
    """One import job in the window."""

    vm: ImportRun
    jobid: str
    deadline: float
    intervals: Iterator[float]
    next_poll: float
    record: ApiCall
    extra: dict[str, Any] = field(default_factory=dict)


class BatchRun:
    """One batch module run; ``mod`` is an ``AcsModule``."""

    def __init__(
        self,
        mod: Any,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.mod = mod
        self.client = mod.client
        self.clock = clock
        self.sleep = sleep
        self.concurrency = int(mod.params["concurrency"])
        self.started = clock()
        self.keys: dict[str, str] = {}
        self.clusters: dict[str, dict[str, Any]] = {}
        self.vms = [self._vm(index, entry) for index, entry in enumerate(mod.params["instances"])]
        self.results: dict[str, dict[str, Any]] = {}
        self.finished_at: dict[str, float] = {}
        # VMs whose job failed for no known reason and that go round once more (see _resubmittable)
        self.resubmissions: deque[tuple[ImportRun, dict[str, Any]]] = deque()

    # --- input ------------------------------------------------------------------------------
    def _vm(self, index: int, entry: Any) -> ImportRun:
        where = f"instances[{index}]"
        if not isinstance(entry, dict):
            raise InputError(where, "must be a mapping", "give name, cluster and plan (or planning options) per VM")
        unknown = sorted(set(entry) - ENTRY_KEYS)
        if unknown:
            raise InputError(f"{where}.{unknown[0]}", "is not an option of a batch entry", f"use {sorted(ENTRY_KEYS)}")
        for key in ("name", "cluster"):
            if not str(entry.get(key) or "").strip():
                raise InputError(f"{where}.{key}", "is missing", "give the libvirt domain name and the cluster id")
        # Module-level options are defaults for every VM; the entry's own values win.
        params = dict(self.mod.params, instances=None, **{k: v for k, v in entry.items() if k != "key"})
        given = [name for name in PLANNING_OPTIONS if params.get(name) not in (None, "", {}, [])]
        if params.get("plan") and given:
            raise InputError(f"{where}.plan", f"is given together with {', '.join(given)}", "drop one of them")
        vm = ImportRun(_VmModule(params, self.client, self.mod.check_mode, self.mod.diff_mode))
        self.keys[vm.name] = str(entry.get("key") or vm.name)
        return vm

    def _cluster_id(self, vm: ImportRun) -> str:
        """The cluster id, looked up once per distinct cluster (not per VM) when needed."""
        wanted = str(vm.params["cluster"]).strip()
        if is_uuid(wanted) and vm.params.get("plan"):
            return wanted  # a precomputed plan needs neither the name nor the zone of the cluster
        if wanted not in self.clusters:
            self.clusters[wanted] = find_cluster(self.client, wanted)
        vm.cluster = self.clusters[wanted]
        return str(vm.cluster["id"])

    # --- the run ----------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        names = [vm.name for vm in self.vms]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise InputError("instances", f"lists {', '.join(twice)} more than once", "list each VM once")
        flights = [flight for vm in self.vms if (flight := self._adopt_earlier_job(vm)) is not None]
        waiting = {flight.vm.name for flight in flights}
        ready = self._preflight([vm for vm in self.vms if vm.name not in self.results and vm.name not in waiting])
        if not self.mod.check_mode:
            self._window(deque(ready), flights)
        else:
            for flight in flights:  # check mode never waits: the earlier job is still running
                self._done(
                    flight.vm,
                    flight.vm.pending_result(flight.jobid, "the import job of an earlier run is still running"),
                )
        return self._summary()

    def _adopt_earlier_job(self, vm: ImportRun) -> _Flight | None:
        """A journaled job still running joins the window; a finished one is settled like single mode."""
        entry = vm.journal.get(JOURNAL_OPERATION, vm.name)
        jobid = vm.params.get("jobid") or (entry or {}).get("jobid")
        if not jobid:
            return None
        try:
            job = self.client.call("queryAsyncJobResult", retry=True, jobid=jobid)
        except CloudStackApiError as error:
            if error.errorcode != 431:
                self._fail(vm, error)
                return None
            vm.warnings.append(f"job {jobid} from an earlier run is unknown to CloudStack; checking the VM instead")
            vm.journal.drop(JOURNAL_OPERATION, vm.name)
            return None
        except AcsIngestError as error:
            self._fail(vm, error)
            return None
        vm.earlier_job = {"jobid": jobid, "jobstatus": job.get("jobstatus")}
        if int(job.get("jobstatus", 0)) == 0:
            return self._flight(vm, jobid, ApiCall("queryAsyncJobResult", {"jobid": jobid}, jobid=jobid), {})
        if int(job.get("jobstatus", 0)) != 1:
            errortext = (job.get("jobresult") or {}).get("errortext", "no error text")
            vm.warnings.append(f"import job {jobid} from an earlier run failed: {errortext}; planning it again")
        vm.journal.drop(JOURNAL_OPERATION, vm.name)
        return None

    def _preflight(self, vms: list[ImportRun]) -> list[tuple[ImportRun, dict[str, Any]]]:
        """Unmanaged listing per cluster, managed lookup for the rest, then each VM's plan."""
        listings: dict[str, dict[str, dict[str, Any]]] = {}
        ready: list[tuple[ImportRun, dict[str, Any]]] = []
        missing: list[tuple[ImportRun, str]] = []
        for vm in vms:
            try:
                clusterid = self._cluster_id(vm)
                if clusterid not in listings:
                    found = self.client.list_all("listUnmanagedInstances", clusterid=clusterid)
                    listings[clusterid] = {str(item.get("name")): item for item in found}
            except AcsIngestError as error:
                self._fail(vm, error)
                continue
            instance = listings[clusterid].get(vm.name)
            if instance is None:
                missing.append((vm, clusterid))
                continue
            try:
                plan = vm.make_plan(instance, clusterid)
            except AcsIngestError as error:
                self._fail(vm, error)
                continue
            call = {"command": plan.command, "params": wire_params(plan.params)}
            before = {"state": "unmanaged", "instance": summarize_instance(instance)}
            if self.mod.check_mode:
                after = {"state": "managed", "import_call": call}
                self._done(
                    vm,
                    vm.result(True, "would_import", instance=instance, plan=plan, api_call=call, diff=(before, after)),
                )
            else:
                ready.append((vm, {"instance": instance, "plan": plan, "api_call": call, "before": before}))
        if missing:
            self._settle_missing(missing, listings)
        return ready

    def _settle_missing(self, missing: list[tuple[ImportRun, str]], listings: dict[str, dict[str, Any]]) -> None:
        """VMs not listed as unmanaged: managed already (ok), or a wrong name (error with candidates)."""
        try:
            managed = {
                str(vm.get("instancename")): vm for vm in self.client.list_all("listVirtualMachines", listall=True)
            }
        except AcsIngestError as error:
            for vm, _clusterid in missing:
                self._fail(vm, error)
            return
        for vm, clusterid in missing:
            if vm.name in managed:
                self._done(vm, vm.result(False, "imported" if vm.earlier_job else "present", vm=managed[vm.name]))
                continue
            names = sorted(listings[clusterid])
            shown = ", ".join(names[:15]) + (f" and {len(names) - 15} more" if len(names) > 15 else "") or "none"
            self._fail(
                vm,
                InputError(
                    "name",
                    f"no unmanaged instance '{vm.name}' in cluster {vm.params['cluster']}, "
                    f"and no managed VM with that instance name; unmanaged instances there: {shown}",
                    "use the libvirt domain name exactly as acs.ingest.unmanaged_instance_info lists it",
                ),
            )

    # --- the window -------------------------------------------------------------------------
    def _window(self, queue: deque[tuple[ImportRun, dict[str, Any]]], flights: list[_Flight]) -> None:
        inflight = list(flights)

        def top_up() -> None:
            while (self.resubmissions or queue) and len(inflight) < self.concurrency:
                vm, extra = (self.resubmissions or queue).popleft()
                flight = self._submit(vm, extra)
                if flight is not None:
                    inflight.append(flight)

        top_up()
        while inflight:
            # Oldest first: CloudStack runs jobs in submission order, so they finish first. A
            # freed slot is refilled at once, not after the whole sweep: with dozens of jobs in
            # flight a sweep takes a while, and the server should not wait for it.
            for flight in [f for f in inflight if f.next_poll <= self.clock()]:  # in submission order
                if self._poll(flight):
                    inflight.remove(flight)
                    top_up()
            if inflight:  # sleep until the next poll is due
                wait = min(f.next_poll for f in inflight) - self.clock()
                if wait > 0:
                    self.sleep(wait)

    def _flight(self, vm: ImportRun, jobid: str, record: ApiCall, extra: dict[str, Any]) -> _Flight:
        self.client.calls.append(record)
        intervals = vm.backoff().intervals()
        now = self.clock()
        return _Flight(vm, jobid, now + float(vm.params["timeout"]), intervals, now + next(intervals), record, extra)

    def _submit(self, vm: ImportRun, extra: dict[str, Any]) -> _Flight | None:
        plan = extra["plan"]
        try:
            body = self.client.call(plan.command, **plan.params)
        except AcsIngestError as error:
            self._fail(vm, error)
            return None
        jobid = body.get("jobid")
        if not jobid:  # answered synchronously
            self._imported(vm, body.get(RESULT_KEY) or body, extra)
            return None
        self.client.calls[-1].jobid = jobid
        vm.journal.put(JOURNAL_OPERATION, vm.name, jobid, clusterid=plan.params.get("clusterid"))
        return self._flight(vm, jobid, ApiCall("queryAsyncJobResult", {"jobid": jobid}, jobid=jobid), extra)

    def _poll(self, flight: _Flight) -> bool:
        """One poll; True when the flight left the window (finished, failed or timed out)."""
        vm = flight.vm
        flight.record.polls += 1
        try:
            job = self.client.call("queryAsyncJobResult", record=False, jobid=flight.jobid)
            outcome = job_outcome("importUnmanagedInstance", job)
        except JobFailedError as error:
            flight.record.outcome = "error"
            vm.journal.drop(JOURNAL_OPERATION, vm.name)
            if self._resubmittable(flight, error):
                vm.warnings.append(f"import job {flight.jobid} failed ({error.errortext}); submitted once more")
                self.resubmissions.append((vm, {**flight.extra, RESUBMITTED: True}))
                return True
            self._fail(
                vm,
                JobFailedError(
                    error.command,
                    error.errortext,
                    errorcode=error.errorcode,
                    jobid=flight.jobid,
                    fix=failure_fix(error),
                ),
                jobid=flight.jobid,
            )
            return True
        except (CloudStackConnectionError, CloudStackApiError) as error:
            transient = isinstance(error, CloudStackConnectionError) or error.errorcode in RETRYABLE_STATUS
            if not transient:
                flight.record.outcome = "error"
                self._fail(vm, error, jobid=flight.jobid)  # journal kept: a rerun looks at the job again
                return True
            outcome = None
        if outcome is not None:
            vm.journal.drop(JOURNAL_OPERATION, vm.name)
            self._imported(vm, outcome.get(RESULT_KEY) or outcome, flight.extra)
            return True
        if self.clock() >= flight.deadline:
            self._done(
                vm,
                vm.pending_result(
                    flight.jobid,
                    f"import job {flight.jobid} was still running after {vm.params['timeout']}s; it keeps running in "
                    "CloudStack and a rerun awaits it instead of importing again",
                    changed=bool(flight.extra),
                    **{k: flight.extra[k] for k in ("instance", "plan", "api_call") if k in flight.extra},
                ),
            )
            return True
        flight.next_poll = self.clock() + next(flight.intervals)
        return False

    def _resubmittable(self, flight: _Flight, error: JobFailedError) -> bool:
        """Whether a failed job is worth one more try in this run.

        Only a 530 with no cause we recognise (for example a job cancelled by a management-server
        restart), only once per VM, and only while the VM is still listed as unmanaged: a failed
        import leaves nothing registered (facts §2.2 cleans up on failure), so a second submit
        cannot import twice. Known causes (MAC in use, hostname taken, ...) would fail again.
        """
        if error.errorcode != 530 or failure_fix(error) or flight.extra.get(RESUBMITTED) or "plan" not in flight.extra:
            return False
        clusterid = flight.extra["plan"].params.get("clusterid")
        try:
            return find_unmanaged(self.client, str(clusterid), flight.vm.name) is not None
        except AcsIngestError:
            return False

    # --- results ----------------------------------------------------------------------------
    def _imported(self, vm: ImportRun, result_vm: dict[str, Any], extra: dict[str, Any]) -> None:
        after = {"state": "managed", "vm": summarize_vm(result_vm)}
        diff = (extra["before"], after) if extra else None
        kept = {k: extra[k] for k in ("instance", "plan", "api_call") if k in extra}
        self._done(vm, vm.result(True, "imported", vm=result_vm, diff=diff, **kept))

    def _done(self, vm: ImportRun, result: dict[str, Any]) -> None:
        result["outcome"] = OUTCOMES.get(result["state"], result["state"])
        self.results[vm.name] = result
        self.finished_at[vm.name] = self.clock()

    def _fail(self, vm: ImportRun, error: AcsIngestError, jobid: str | None = None) -> None:
        result: dict[str, Any] = {"changed": False, "state": "failed", "name": vm.name, "error": str(error)}
        result.update({k: v for k, v in error.to_result().items() if k in ("field", "fix", "problems", "notes")})
        if jobid:
            result["jobid"] = jobid
        if vm.earlier_job:
            result["earlier_job"] = vm.earlier_job
        self._done(vm, result)

    def _summary(self) -> dict[str, Any]:
        results: list[dict[str, Any]] = []
        diff: dict[str, dict[str, Any]] = {"before": {}, "after": {}}
        for vm in self.vms:
            result = self.results[vm.name]
            if "diff" in result:
                diff["before"][vm.name] = result["diff"]["before"]
                diff["after"][vm.name] = result["diff"]["after"]
            # Lean per-VM results: 200 full instances and plans would make a megabyte of output
            # for the controller to parse; the inventory already holds both.
            for bulky in ("diff", "instance", "plan"):
                result.pop(bulky, None)
            result["vm"] = summarize_vm(result.get("vm"))
            result.update(
                key=self.keys[vm.name],
                id=(result["vm"] or {}).get("id") or "",
                duration_s=round(self.finished_at[vm.name] - self.started, 1),
                warnings=list(dict.fromkeys(vm.warnings)),
            )
            result.setdefault("error", "")
            results.append(result)
        totals: dict[str, int] = {}
        for result in results:
            totals[result["outcome"]] = totals.get(result["outcome"], 0) + 1
        summary: dict[str, Any] = {
            "changed": any(r["changed"] for r in results),
            "vms": results,
            "totals": dict(sorted(totals.items())),
        }
        if diff["after"]:
            summary["diff"] = diff
        failed = [r for r in results if r["outcome"] == "failed"]
        if failed:
            lines = "\n".join(f"{r['name']}: {r['error']}" for r in failed)
            raise AcsIngestError(
                f"{len(failed)} of {len(results)} VM(s) failed, the others went on:\n{lines}", **summary
            )
        for result in results:
            for warning in result["warnings"]:
                self.mod.module.warn(f"{result['name']}: {warning}")
        return summary


def run_batch(mod: Any) -> dict[str, Any]:
    """Entry point for the module's batch mode (``instances`` given)."""
    check_timing_options(mod.params)
    if int(mod.params["concurrency"]) < 1:
        raise InputError("concurrency", f"must be at least 1, got {mod.params['concurrency']}", "raise it")
    if not mod.params["instances"]:
        raise InputError("instances", "is empty", "list at least one VM, or use name and cluster for one VM")
    if mod.params.get("plan"):
        raise InputError("plan", "is per VM in batch mode", "put each VM's plan into its instances entry")
    return BatchRun(mod).run()
