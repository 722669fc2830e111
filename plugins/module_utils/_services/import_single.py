# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""What the ``import_unmanaged`` module does: pre-flight, plan, import once, reconcile reruns.

Order of work, cheapest first, so a bulk run with precomputed plans costs two API calls per
VM beyond polling (listUnmanagedInstances + importUnmanagedInstance):

1. A job id from an earlier run (``jobid`` option or the job journal) is looked at first: a
   job still running is awaited, never submitted again.
2. listUnmanagedInstances(name=): the agent skips domains CloudStack manages, so a hit
   means "not imported yet". A miss means imported already (found by listVirtualMachines
   keyword + exact instance name: ok, changed=false) or a wrong name (error with candidates).
3. The plan: the ``plan`` option as given (inventory hostvars), or catalog + planner. Every
   planner problem is reported at once, one line each with field and fix.
4. Check mode stops here and returns the exact call in wire form.
5. importUnmanagedInstance; the job id is journaled before waiting.

Job timeout: the task does not fail. It returns ``state=pending``, changed=true and the
``jobid`` with a warning, like ``wait=false`` does: the import was accepted and runs on, and
failing the host would drop it from the rest of the play. A rerun awaits that job.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.catalog import (
    fetch_macs_in_use,
    fetch_zone_catalog,
    planned_network_ids,
)
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.client import wire_params
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.journal import JobJournal
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.lookup import find_cluster, is_uuid
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.vms import (
    find_managed_by_instance_name,
    find_unmanaged,
    summarize_instance,
    summarize_vm,
    unmanaged_names,
)
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.waiter import Backoff
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import (
    CloudStackApiError,
    InputError,
    JobFailedError,
    JobTimeoutError,
)
from ansible_collections.acs.ingest.plugins.module_utils._planner.build import build_import_plan
from ansible_collections.acs.ingest.plugins.module_utils._planner.types import ImportPlan
from ansible_collections.acs.ingest.plugins.module_utils._services.import_inputs import (
    PLANNING_OPTIONS,
    check_precomputed_plan,
    wishes_from_params,
)

COMMAND = "importUnmanagedInstance"
JOURNAL_OPERATION = "import"
RESULT_KEY = "virtualmachine"


class ImportRun:
    """One module run; ``mod`` is an ``AcsModule``."""

    def __init__(self, mod: Any) -> None:
        self.mod = mod
        self.params: dict[str, Any] = mod.params
        self.client = mod.client
        self.name: str = self.params["name"].strip()
        self.journal = JobJournal(self.params.get("job_journal"), self.client.settings.endpoint)
        self.cluster: dict[str, Any] | None = None
        self.warnings: list[str] = []
        self.earlier_job: dict[str, Any] | None = None

    # --- cluster ----------------------------------------------------------------------------
    def cluster_id(self) -> str:
        """The cluster id without a lookup when the option already is one (bulk runs pass ids)."""
        wanted = str(self.params["cluster"]).strip()
        return wanted if is_uuid(wanted) else str(self.full_cluster()["id"])

    def full_cluster(self) -> dict[str, Any]:
        if self.cluster is None:
            self.cluster = find_cluster(self.client, str(self.params["cluster"]).strip())
        return self.cluster

    def zone_id(self) -> str | None:
        return str(self.full_cluster().get("zoneid") or "") or None

    # --- the run ----------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        pending = self.reconcile_earlier_job()
        if pending is not None:
            return pending
        clusterid = self.cluster_id()
        instance = find_unmanaged(self.client, clusterid, self.name)
        if instance is None:
            return self.already_managed_or_missing(clusterid)
        plan = self.make_plan(instance, clusterid)
        call = {"command": plan.command, "params": wire_params(plan.params)}
        before = {"state": "unmanaged", "instance": summarize_instance(instance)}
        if self.mod.check_mode:
            after = {"state": "managed", "import_call": call}
            return self.result(True, "would_import", instance=instance, plan=plan, api_call=call, diff=(before, after))
        return self.submit(instance, plan, call, before)

    def reconcile_earlier_job(self) -> dict[str, Any] | None:
        """Await a job an earlier run started; returns a result only while it still runs."""
        entry = self.journal.get(JOURNAL_OPERATION, self.name)
        jobid = self.params.get("jobid") or (entry or {}).get("jobid")
        if not jobid:
            return None
        try:
            job = self.client.call("queryAsyncJobResult", retry=True, jobid=jobid)
        except CloudStackApiError as error:
            if error.errorcode != 431:
                raise
            self.warnings.append(f"job {jobid} from an earlier run is unknown to CloudStack; checking the VM instead")
            self.journal.drop(JOURNAL_OPERATION, self.name)
            return None
        self.earlier_job = {"jobid": jobid, "jobstatus": job.get("jobstatus")}
        if int(job.get("jobstatus", 0)) == 0:
            if self.mod.check_mode or not self.params["wait"]:
                return self.pending_result(jobid, f"import job {jobid} from an earlier run is still running")
            try:
                self.client.wait(COMMAND, jobid, timeout=self.params["timeout"], backoff=self.backoff())
            except JobTimeoutError:
                return self.pending_result(jobid, f"import job {jobid} from an earlier run is still running")
            except JobFailedError as error:
                self.warnings.append(f"import job {jobid} from an earlier run failed: {error.errortext}")
        elif int(job.get("jobstatus", 0)) != 1:
            errortext = (job.get("jobresult") or {}).get("errortext", "no error text")
            self.warnings.append(f"import job {jobid} from an earlier run failed: {errortext}; planning it again")
        # Finished either way: fall through to the normal checks, which find the VM managed
        # (ok, changed=false) or still unmanaged (import it), whatever happened meanwhile.
        self.journal.drop(JOURNAL_OPERATION, self.name)
        return None

    def already_managed_or_missing(self, clusterid: str) -> dict[str, Any]:
        zoneid = (self.cluster or {}).get("zoneid")  # narrows the search only when already known
        vm = find_managed_by_instance_name(self.client, self.name, zoneid)
        if vm is not None:
            state = "imported" if self.earlier_job else "present"
            return self.result(False, state, vm=vm)
        names = unmanaged_names(self.client, clusterid)
        shown = ", ".join(names[:15]) + (f" and {len(names) - 15} more" if len(names) > 15 else "") if names else "none"
        raise InputError(
            "name",
            f"no unmanaged instance '{self.name}' in cluster {self.params['cluster']}, and no managed VM with that "
            f"instance name; unmanaged instances there: {shown}",
            "use the libvirt domain name exactly as acs.ingest.unmanaged_instance_info lists it; domains with "
            "devices CloudStack cannot parse (e.g. e1000e NICs, nvme disks) are not listed at all",
        )

    # --- planning ---------------------------------------------------------------------------
    def make_plan(self, instance: dict[str, Any], clusterid: str) -> ImportPlan:
        if self.params.get("plan"):
            return check_precomputed_plan(self.params, instance, clusterid)
        zoneid = self.zone_id()
        catalog = fetch_zone_catalog(self.client, zoneid or "")
        wishes = wishes_from_params(self.client, self.params)
        plan = build_import_plan(instance, wishes, catalog.as_planner_input(), cluster_id=clusterid, zone_id=zoneid)
        if plan.ok and not self.params.get("forced"):
            # MACs are only worth fetching for the networks the plan chose (one call each).
            catalog.macs_in_use = fetch_macs_in_use(self.client, planned_network_ids(plan.params))
            if any(catalog.macs_in_use.values()):
                plan = build_import_plan(
                    instance, wishes, catalog.as_planner_input(), cluster_id=clusterid, zone_id=zoneid
                )
        plan.raise_for_problems(notes=plan.note_lines())
        return plan

    # --- submitting -------------------------------------------------------------------------
    def backoff(self) -> Backoff:
        return Backoff(
            initial=float(self.params["poll_interval"]),
            factor=1.5,
            maximum=max(float(self.params["poll_max_interval"]), float(self.params["poll_interval"])),
        )

    def submit(
        self, instance: dict[str, Any], plan: ImportPlan, call: dict[str, Any], before: dict[str, Any]
    ) -> dict[str, Any]:
        def remember(jobid: str) -> None:
            self.journal.put(JOURNAL_OPERATION, self.name, jobid, clusterid=plan.params.get("clusterid"))

        if not self.params["wait"]:
            body = self.client.call(plan.command, **plan.params)
            jobid = body.get("jobid")
            if jobid:
                self.client.calls[-1].jobid = jobid
                remember(jobid)
                return self.pending_result(jobid, None, changed=True, instance=instance, plan=plan, api_call=call)
            vm = body.get(RESULT_KEY) or body
        else:
            try:
                result = self.client.run_job(
                    plan.command,
                    timeout=float(self.params["timeout"]),
                    backoff=self.backoff(),
                    on_submitted=remember,
                    **plan.params,
                )
            except JobTimeoutError as error:
                return self.pending_result(
                    error.jobid,
                    f"import job {error.jobid} was still running after {self.params['timeout']}s; it keeps running "
                    "in CloudStack and a rerun of this task awaits it instead of importing again",
                    changed=True,
                    instance=instance,
                    plan=plan,
                    api_call=call,
                )
            except JobFailedError as error:
                self.journal.drop(JOURNAL_OPERATION, self.name)
                raise JobFailedError(
                    plan.command, error.errortext, errorcode=error.errorcode, jobid=error.jobid, fix=failure_fix(error)
                ) from None
            self.journal.drop(JOURNAL_OPERATION, self.name)
            vm = result.get(RESULT_KEY) or result
        after = {"state": "managed", "vm": summarize_vm(vm)}
        return self.result(True, "imported", vm=vm, instance=instance, plan=plan, api_call=call, diff=(before, after))

    # --- results ----------------------------------------------------------------------------
    def pending_result(self, jobid: str, warning: str | None, *, changed: bool = False, **extra: Any) -> dict[str, Any]:
        if warning:
            self.warnings.append(warning)
        return self.result(changed, "pending", jobid=jobid, **extra)

    def result(
        self,
        changed: bool,
        state: str,
        *,
        vm: dict[str, Any] | None = None,
        instance: dict[str, Any] | None = None,
        plan: ImportPlan | None = None,
        api_call: dict[str, Any] | None = None,
        jobid: str | None = None,
        diff: tuple[dict[str, Any], dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        result: dict[str, Any] = {
            "changed": changed,
            "state": state,
            "name": self.name,
            "vm": vm,
            "instance": instance,
            "plan": plan.to_dict() if plan else None,
            "notes": plan.note_lines() if plan else [],
            "api_call": api_call,
        }
        if jobid:
            result["jobid"] = jobid
        if self.earlier_job:
            result["earlier_job"] = self.earlier_job
        if diff and self.mod.diff_mode:
            result["diff"] = {"before": diff[0], "after": diff[1]}
        for warning in self.warnings:
            self.mod.module.warn(warning)
        return result


def failure_fix(error: JobFailedError) -> str | None:
    """A next step for the import failures operators hit most (facts §2.1, §2.2)."""
    text = str(error.errortext)
    if "forced flag is disabled" in text:
        return "another VM on that network uses this MAC; set forced=true to let CloudStack give the NIC a new MAC"
    if "already exists in the network" in text:
        return "set hostname to a name no other VM on that network uses"
    if "Failed to find unmanaged vm" in text:
        return "the domain is no longer unmanaged in that cluster (imported meanwhile, or moved): rerun to check"
    if "service offering" in text and "not compatible" in text:
        return "use a custom service offering, or one matching the VM's CPU and memory, or power the VM off"
    return error.fix


def check_timing_options(params: dict[str, Any]) -> None:
    """Shared by single and batch mode."""
    for option in ("timeout", "poll_interval", "poll_max_interval"):
        if params[option] is not None and params[option] <= 0:
            raise InputError(option, f"must be a positive number of seconds, got {params[option]}", "raise it")


def run_import(mod: Any) -> dict[str, Any]:
    """Entry point for the module: ``AcsModule.run(run_import)``."""
    check_timing_options(mod.params)
    if not str(mod.params["name"]).strip():
        raise InputError("name", "is empty", "give the libvirt domain name of the instance")
    given = [name for name in PLANNING_OPTIONS if mod.params.get(name) not in (None, "", {}, [])]
    if mod.params.get("plan") and given:
        raise InputError(
            "plan",
            f"plan is given together with {', '.join(given)}, which it already decides",
            "drop those options, or drop plan and let the module plan the import",
        )
    return ImportRun(mod).run()
