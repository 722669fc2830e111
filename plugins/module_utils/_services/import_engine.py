# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""The import engine: what ``import_unmanaged`` does, for one VM (a batch of one) or many.

Order of work per run, cheapest first, so a precomputed plan costs about one API call per VM
beyond polling in a batch (one listing per cluster, one job listing, one import each):

1. **Earlier jobs.** A job id from an earlier run (``jobid`` or the journal) is looked up
   first. A job still running is awaited in the window, never submitted again; one that ended
   (or that CloudStack does not know: its submit never arrived) leaves the VM to step 2.
2. **Pre-flight.** listUnmanagedInstances per cluster (by name for a single VM): the agent
   skips domains CloudStack manages, so a hit means "not imported yet". A miss is a VM managed
   already (ok, changed=false) or a wrong name (an error with the candidates).
3. **Plan.** The ``plan`` as given (inventory hostvars), or catalog + planner; every planner
   problem is reported at once. Check mode stops here with the exact call in wire form.
4. **Jobs nobody journaled.** Before the first submit, listAsyncJobs: an import job of this
   account still in progress that no journal entry knows (submitted by a controller whose
   journal is gone, e.g. an ephemeral AWX container) could be importing one of our VMs. They
   are awaited and the pre-flight is repeated, so no VM is imported twice.
5. **The window** (``_cloudstack/jobs.py``): at most ``concurrency`` jobs in flight, each id
   journaled before it is sent. An import that fails with an unexplained 530 goes round once
   more while the VM is still unmanaged (a failed import leaves nothing registered, facts §2.2,
   so a second submit cannot import twice). A job outliving ``timeout`` ends ``pending`` with its
   job id: the import was accepted and runs on, and failing the host would drop it from the
   rest of the play; a rerun awaits it.

One VM failing never stops the others.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.catalog import (
    ZoneCatalog,
    fetch_network_usage,
    fetch_zone_catalog,
    planned_network_ids,
)
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.client import wire_params
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.jobs import (
    JobOutcome,
    JobTicket,
    JobWindow,
    NoSlot,
    jobs_in_flight,
    look_up,
)
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.journal import JobJournal
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.lookup import find_cluster, is_uuid
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.vms import (
    find_managed_by_instance_name,
    find_unmanaged,
    summarize_instance,
    summarize_vm,
    unmanaged_names,
)
from ansible_collections.acs.ingest.plugins.module_utils._core.context import RunContext
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import AcsIngestError, InputError, JobFailedError
from ansible_collections.acs.ingest.plugins.module_utils._core.protocols import CloudStackApi
from ansible_collections.acs.ingest.plugins.module_utils._planner.build import build_import_plan
from ansible_collections.acs.ingest.plugins.module_utils._planner.types import ImportPlan
from ansible_collections.acs.ingest.plugins.module_utils._services.import_inputs import (
    OwnerRows,
    check_precomputed_plan,
    wishes_from_params,
)
from ansible_collections.acs.ingest.plugins.module_utils._services.import_options import ImportOptions
from ansible_collections.acs.ingest.plugins.module_utils._services.import_results import (
    VmRun,
    batch_summary,
    failure_fix,
    job_failure,
    single_result,
)

COMMAND = "importUnmanagedInstance"
JOURNAL_OPERATION = "import"
RESULT_KEY = "virtualmachine"
JOB_STATES = {"running": 0, "succeeded": 1, "failed": 2}
PARALLEL_CALLS = 8  # API calls of one poll round sent at once (submits, results of finished jobs)


def run_import(client: CloudStackApi, options: ImportOptions, ctx: RunContext) -> dict[str, Any]:
    """The module's one call: import every VM of ``options``; the result in single or batch shape."""
    engine = ImportEngine(client, options, ctx)
    try:
        runs = engine.run()
    finally:
        engine.release()
    if options.batch:
        return batch_summary(runs, engine.started, ctx)
    return single_result(runs[0], ctx)


class ImportEngine:
    def __init__(self, client: CloudStackApi, options: ImportOptions, ctx: RunContext) -> None:
        self.client = client
        self.options = options
        self.ctx = ctx
        self.started = ctx.clock()
        self.journal = JobJournal(options.job_journal, client.endpoint)
        self.runs = [VmRun(vm, self.journal.slot(JOURNAL_OPERATION, vm.name)) for vm in options.vms]
        self.by_name = {run.name: run for run in self.runs}
        self.clusters: dict[str, dict[str, Any]] = {}
        self.catalogs: dict[str, ZoneCatalog] = {}
        self.owners = OwnerRows(self.client)
        self.locks: list[int] = []

    def run(self) -> list[VmRun]:
        if not self.ctx.check_mode:
            self._claim()
        awaited = [ticket for run in self.runs if not run.done and (ticket := self._earlier_job(run)) is not None]
        waiting = {ticket.key for ticket in awaited}
        ready = self._preflight([run for run in self.runs if not run.done and run.name not in waiting])
        if self.ctx.check_mode:
            for run in ready:
                after = {"state": "managed", "import_call": run.api_call}
                self._done(run, run.report(True, "would_import", after=after, planned=True))
            return self.runs
        ready = self._after_unknown_jobs(ready)
        concurrency = self.options.concurrency
        JobWindow(self.client, self.ctx, concurrency=concurrency, parallel=min(PARALLEL_CALLS, concurrency)).run(
            [*awaited, *(self._ticket(run) for run in ready)], self._settle
        )
        return self.runs

    # --- 0. one run per VM ----------------------------------------------------------------------
    def _claim(self) -> None:
        """Lock every VM of this run in the journal, waiting (up to ``timeout``) for VMs another live
        run holds: typically the module a killed ansible-playbook left behind (Ansible's workers run
        in their own session, so killing the playbook does not stop them), which goes on importing
        its wave. Working on the same VMs at the same time would send a second import."""
        timing = self.options.timing

        def busy(count: int) -> None:
            self.ctx.warn(
                f"{count} VM(s) are being imported by another run on this job journal (for example a module left "
                "running by a killed ansible-playbook); waiting for it to end"
            )

        self.locks, still = self.journal.lock_all(
            JOURNAL_OPERATION, [run.name for run in self.runs], self.ctx, timing.timeout, timing.backoff.initial, busy
        )
        for name in still:
            self._pending(self.by_name[name], None, "another run on this job journal was still importing it after "
                          f"{timing.timeout:g}s; rerun when it ended", False)  # fmt: skip

    def release(self) -> None:
        for lock in self.locks:
            self.journal.unlock(lock)
        self.locks.clear()

    # --- 1. earlier jobs ----------------------------------------------------------------------
    def _earlier_job(self, run: VmRun) -> JobTicket | None:
        """Look at a job an earlier run started: a ticket to await it while it runs, else None."""
        jobid = run.req.jobid or (run.slot.read() or {}).get("jobid")
        if not jobid:
            return None
        try:
            status = look_up(self.client, COMMAND, str(jobid))
        except AcsIngestError as error:
            self._fail(run, error)
            return None
        if status.state == "unknown":
            run.warnings.append(
                f"job {jobid} from an earlier run is unknown to CloudStack (never submitted, or expired); "
                "checking the VM instead"
            )
            run.slot.clear()
            return None
        run.earlier_job = {"jobid": jobid, "jobstatus": JOB_STATES[status.state]}
        if status.state == "running":
            if self.ctx.check_mode or not self.options.timing.wait:
                self._pending(run, str(jobid), f"import job {jobid} from an earlier run is still running", False)
                return None
            return JobTicket(run.name, COMMAND, {}, run.slot, self.options.timing, jobid=str(jobid), earlier=True)
        if status.error is not None:
            text = status.error.errortext
            run.warnings.append(f"import job {jobid} from an earlier run failed: {text}; planning it again")
        # Finished either way: the pre-flight finds the VM managed (ok, changed=false) or still
        # unmanaged (import it), whatever happened meanwhile.
        run.slot.clear()
        return None

    # --- 2./3. pre-flight and plan ------------------------------------------------------------
    def _preflight(self, runs: list[VmRun]) -> list[VmRun]:
        """Listing per cluster, then each VM's plan; returns the VMs ready to submit."""
        groups: dict[str, list[VmRun]] = {}
        for run in runs:
            try:
                run.clusterid = self._cluster_id(run)
            except AcsIngestError as error:
                self._fail(run, error)
                continue
            groups.setdefault(run.clusterid, []).append(run)
        ready: list[VmRun] = []
        missing: list[tuple[VmRun, dict[str, dict[str, Any]] | None]] = []
        for clusterid, group in groups.items():
            try:
                listing = self._unmanaged(clusterid, group)
            except AcsIngestError as error:
                for run in group:
                    self._fail(run, error)
                continue
            for run in group:
                instance = listing.get(run.name)
                if instance is None:
                    missing.append((run, listing if len(group) > 1 else None))
                elif self._plan(run, instance):
                    ready.append(run)
        if missing:
            self._settle_missing(missing)
        return [run for run in self.runs if run in ready]  # input order

    def _unmanaged(self, clusterid: str, group: list[VmRun]) -> dict[str, dict[str, Any]]:
        if len(group) == 1:  # one VM: the agent filters by name, the answer stays small
            found = find_unmanaged(self.client, clusterid, group[0].name)
            return {group[0].name: found} if found else {}
        listed = self.client.list_all("listUnmanagedInstances", clusterid=clusterid)
        return {str(item.get("name")): item for item in listed}

    def _cluster_id(self, run: VmRun) -> str:
        """The cluster id without a lookup when the option already is one (bulk runs pass ids)."""
        wanted = run.req.cluster
        return wanted if is_uuid(wanted) else str(self._cluster(wanted)["id"])

    def _cluster(self, wanted: str) -> dict[str, Any]:
        if wanted not in self.clusters:
            self.clusters[wanted] = find_cluster(self.client, wanted)
        return self.clusters[wanted]

    def _plan(self, run: VmRun, instance: dict[str, Any]) -> bool:
        try:
            run.plan = self._make_plan(run, instance)
        except AcsIngestError as error:
            self._fail(run, error)
            return False
        run.instance = instance
        run.api_call = {"command": run.plan.command, "params": wire_params(run.plan.params)}
        run.before = {"state": "unmanaged", "instance": summarize_instance(instance)}
        run.slot = self.journal.slot(JOURNAL_OPERATION, run.name, clusterid=run.plan.params.get("clusterid"))
        return True

    def _make_plan(self, run: VmRun, instance: dict[str, Any]) -> ImportPlan:
        params = run.req.params
        clusterid = str(run.clusterid)
        if params.get("plan"):
            return check_precomputed_plan(params, instance, clusterid)
        zoneid = str(self._cluster(run.req.cluster).get("zoneid") or "") or None
        if str(zoneid) not in self.catalogs:  # one catalog per zone and run, however many VMs plan in it
            self.catalogs[str(zoneid)] = fetch_zone_catalog(self.client, zoneid or "")
        catalog = self.catalogs[str(zoneid)]
        wishes = wishes_from_params(self.client, params)
        planner_catalog = {**catalog.as_planner_input(), **self.owners.rows_for(wishes)}
        plan = build_import_plan(instance, wishes, planner_catalog, cluster_id=clusterid, zone_id=zoneid)
        if plan.ok:
            # What is on the networks the plan chose (one call each): MACs, IPs and names in use, and a Shared
            # network's IP ranges, for the rules of importNic and checkUnmanagedNicAndNetworkHostnameForImport.
            usage = fetch_network_usage(self.client, planned_network_ids(plan.params), catalog.networks)
            if any(any(values.values()) for values in usage.values()):
                with_usage = {**planner_catalog, **usage}
                plan = build_import_plan(instance, wishes, with_usage, cluster_id=clusterid, zone_id=zoneid)
        plan.raise_for_problems(notes=plan.note_lines())
        return plan

    def _settle_missing(self, missing: list[tuple[VmRun, dict[str, dict[str, Any]] | None]]) -> None:
        """VMs not listed as unmanaged: managed already (ok), or a wrong name (error with candidates)."""
        try:
            if len(missing) == 1:  # one keyword search instead of listing every VM
                run = missing[0][0]
                zoneid = self.clusters.get(run.req.cluster, {}).get("zoneid")  # narrows only when known
                found = find_managed_by_instance_name(self.client, run.name, zoneid)
                managed = {run.name: found} if found else {}
            else:
                vms = self.client.list_all("listVirtualMachines", listall=True)
                managed = {str(vm.get("instancename")): vm for vm in vms}
        except AcsIngestError as error:
            for run, _listing in missing:
                self._fail(run, error)
            return
        for run, listing in missing:
            if run.name in managed:
                self._done(run, run.report(False, "imported" if run.earlier_job else "present", vm=managed[run.name]))
                continue
            try:
                names = sorted(listing) if listing is not None else unmanaged_names(self.client, str(run.clusterid))
            except AcsIngestError as error:
                self._fail(run, error)
                continue
            shown = ", ".join(names[:15]) + (f" and {len(names) - 15} more" if len(names) > 15 else "") or "none"
            self._fail(
                run,
                InputError(
                    "name",
                    f"no unmanaged instance '{run.name}' in cluster {run.req.cluster}, and no managed VM with that "
                    f"instance name; unmanaged instances there: {shown}",
                    "use the libvirt domain name exactly as acs.ingest.unmanaged_instance_info lists it; domains with "
                    "devices CloudStack cannot parse (e.g. e1000e NICs, nvme disks) are not listed at all",
                ),
            )

    # --- 4. jobs no journal knows -------------------------------------------------------------
    def _after_unknown_jobs(self, ready: list[VmRun]) -> list[VmRun]:
        """Await import jobs in progress that no journal entry knows, then look at the VMs again."""
        if not ready:
            return ready
        in_flight = jobs_in_flight(self.client, COMMAND) or []
        known = self.journal.known_jobids(JOURNAL_OPERATION)
        known.update(str(run.earlier_job["jobid"]) for run in self.runs if run.earlier_job)
        unknown = [str(job.get("jobid")) for job in in_flight if str(job.get("jobid")) not in known]
        if not unknown:
            return ready
        self.ctx.warn(
            f"{len(unknown)} import job(s) of this account that this job journal does not know are still running "
            f"in CloudStack ({', '.join(unknown[:5])}{' ...' if len(unknown) > 5 else ''}); waiting for them before "
            "importing, because any of them may be importing one of these VMs"
        )
        timing = self.options.timing
        tickets = [JobTicket(f"job {jobid}", COMMAND, {}, NoSlot(), timing, jobid=jobid) for jobid in unknown]
        outcomes = JobWindow(self.client, self.ctx, concurrency=len(tickets)).run(tickets)
        still = [str(outcome.jobid) for outcome in outcomes if outcome.state == "pending"]
        if still:
            for run in ready:
                self._pending(run, None, f"{len(still)} import job(s) unknown to this journal still run after "
                              f"{self.options.timing.timeout:g}s ({', '.join(still[:5])}); rerun when they finished",
                              False)  # fmt: skip
            return []
        return self._preflight(ready)  # some of them may be managed now

    # --- 5. the window --------------------------------------------------------------------------
    def _ticket(self, run: VmRun) -> JobTicket:
        plan = run.plan
        if plan is None:
            raise AssertionError(f"{run.name}: a ticket for a VM without a plan")
        return JobTicket(
            run.name,
            plan.command,
            dict(plan.params),
            run.slot,
            self.options.timing,
            retry_once=lambda error: self._resubmittable(run, error),
        )

    def _resubmittable(self, run: VmRun, error: JobFailedError) -> bool:
        """Only a 530 with no cause we recognise (for example a job cancelled by a management-server
        restart), and only while the VM is still listed as unmanaged. Known causes (MAC in use,
        hostname taken, ...) would fail again."""
        if error.errorcode != 530 or failure_fix(error):
            return False
        try:
            return find_unmanaged(self.client, str(run.clusterid), run.name) is not None
        except AcsIngestError:
            return False

    def _settle(self, outcome: JobOutcome) -> Iterable[JobTicket]:
        """A ticket's outcome becomes the VM's result; an awaited earlier job that failed sends the
        VM through the pre-flight again (returned as a follow-up ticket)."""
        run = self.by_name[outcome.ticket.key]
        run.warnings.extend(outcome.ticket.warnings)
        earlier = outcome.ticket.earlier
        if earlier and run.earlier_job and outcome.state != "pending":
            run.earlier_job["jobstatus"] = JOB_STATES["succeeded" if outcome.state == "succeeded" else "failed"]
        if outcome.state == "succeeded":
            vm = outcome.result.get(RESULT_KEY) or outcome.result
            if earlier:
                self._done(run, run.report(False, "imported", vm=vm))
            else:
                self._done(run, run.report(True, "imported", vm=vm, after={"state": "managed", "vm": summarize_vm(vm)},
                                           planned=True))  # fmt: skip
        elif outcome.state == "pending":
            if earlier:
                text = f"import job {outcome.jobid} from an earlier run is still running"
            elif self.options.timing.wait:
                text = (
                    f"import job {outcome.jobid} was still running after {self.options.timing.timeout:g}s; it keeps "
                    "running in CloudStack and a rerun awaits it instead of importing again"
                )
            else:
                text = None
            self._pending(run, outcome.jobid, text, not earlier)
        elif earlier and isinstance(outcome.error, JobFailedError):
            run.warnings.append(f"import job {outcome.jobid} from an earlier run failed: {outcome.error.errortext}")
            return [self._ticket(again) for again in self._preflight([run])]
        else:
            self._fail(run, job_failure(outcome.error or AcsIngestError("the job failed"), outcome.jobid))
        return []

    # --- results ------------------------------------------------------------------------------
    def _pending(self, run: VmRun, jobid: str | None, warning: str | None, changed: bool) -> None:
        if warning:
            run.warnings.append(warning)
        self._done(run, run.report(changed, "pending", jobid=jobid, planned=changed))

    def _done(self, run: VmRun, result: dict[str, Any]) -> None:
        run.result = result
        run.error = None
        run.finished_at = self.ctx.clock()

    def _fail(self, run: VmRun, error: AcsIngestError) -> None:
        run.error = error
        run.result = None
        run.finished_at = self.ctx.clock()
