# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""importVm for KVM sources: external hosts, and qcow2 files on local or shared pools.

Order matters. A rerun first looks for the VM by its source tag (so a decommissioned source
host does not break an idempotent rerun), then for a job a previous run left unfinished, then
runs the whole pre-flight, plans the parameters, and only then starts the copy.

The job goes through the one job reconciler (``_cloudstack/jobs.py``). Its id is journaled
before it is sent: for an external source in a marker next to the copies on the external host
(``<temppath>.acs-ingest-<hash>.json``, with the temppath listing the cleanup needs), for
local/shared in the controller's job journal. A rerun after a timeout or a lost controller
awaits that job instead of starting a second copy, tags the VM and still removes only the
copies it can prove are its own. A job outliving ``timeout`` returns ``state=pending`` and its
``jobid``, like the other modules.

listVmsForImport reports no vCPU count (facts §1.8, §2.4) while importVm with a custom
offering needs ``details`` cpuNumber and memory: they are taken from the domain the pre-flight
read over libvirt, and RV(sizing) says where each value came from.
"""

from __future__ import annotations

import time
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.catalog import fetch_zone_catalog
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.jobs import (
    JobOutcome,
    JobTicket,
    JobTiming,
    JobWindow,
    NoSlot,
    look_up,
)
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.journal import JobJournal
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.lookup import (
    find_host,
    find_zone,
    resolve_one,
)
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.waiter import Backoff
from ansible_collections.acs.ingest.plugins.module_utils._core.context import RunContext
from ansible_collections.acs.ingest.plugins.module_utils._core.diff import DifferenceTracker
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import (
    AcsIngestError,
    InputError,
    ProblemsError,
    SshError,
)
from ansible_collections.acs.ingest.plugins.module_utils._core.protocols import CloudStackApi
from ansible_collections.acs.ingest.plugins.module_utils._libvirt.external_domain import (
    PreflightReport,
    instance_from_report,
    normalize_temppath,
)
from ansible_collections.acs.ingest.plugins.module_utils._planner.build import build_import_plan
from ansible_collections.acs.ingest.plugins.module_utils._remote.ssh import SshSession
from ansible_collections.acs.ingest.plugins.module_utils._rules.catalogue import AGENT_DROP, Finding
from ansible_collections.acs.ingest.plugins.module_utils._rules.preflight import (
    external_source_findings,
    local_shared_preflight,
)
from ansible_collections.acs.ingest.plugins.module_utils._rules.versions import Version, parse_version
from ansible_collections.acs.ingest.plugins.module_utils._services.external_local import local_instance
from ansible_collections.acs.ingest.plugins.module_utils._services.external_options import (
    ExternalImportOptions,
    KeptSlot,
    MarkerSlot,
)
from ansible_collections.acs.ingest.plugins.module_utils._services.external_preflight import run_external_preflight
from ansible_collections.acs.ingest.plugins.module_utils._services.external_support import (
    SOURCE_TAG,
    SOURCE_UUID_TAG,
    derive_cluster,
    find_tagged,
    marker_path,
    proven_copies,
    source_tag,
)
from ansible_collections.acs.ingest.plugins.module_utils._services.import_inputs import wishes_from_params

COMMAND = "importVm"
TAG_TIMING = JobTiming(timeout=300, backoff=Backoff(initial=0.5, factor=1.5, maximum=5.0))


def _vm_summary(vm: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "name", "displayname", "instancename", "state", "zoneid", "serviceofferingid", "templateid")
    return {key: vm.get(key) for key in keys if vm.get(key) is not None}


def run_import(client: CloudStackApi, options: ExternalImportOptions, ctx: RunContext) -> dict[str, Any]:
    """The module's one call."""
    return ExternalImport(client, options, ctx).run()


class ExternalImport:
    def __init__(self, client: CloudStackApi, options: ExternalImportOptions, ctx: RunContext) -> None:
        self.client = client
        self.p = options
        self.ctx = ctx
        self.result: dict[str, Any] = {"changed": False}
        # Where the time went (pre-flight, planning, the copy job, tagging, cleanup), in seconds.
        self.seconds: dict[str, float] = {}
        self.result["seconds"] = self.seconds
        self._mark = ctx.clock()

    def _lap(self, name: str) -> None:
        now = self.ctx.clock()
        self.seconds[name] = round(self.seconds.get(name, 0.0) + now - self._mark, 3)
        self._mark = now

    def _ssh(self) -> SshSession:
        p = self.p
        return SshSession(p["host"], p["username"], p.get("password"))

    # -- entry point -------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        p = self.p
        zone = find_zone(self.client, p["zone"])
        host: dict[str, Any] | None = None
        pool: dict[str, Any] | None = None
        if p["importsource"] != "external":
            pool = resolve_one(
                self.client,
                "listStoragePools",
                p["storage_pool"],
                kind="storage pool",
                field="storage_pool",
                zoneid=zone["id"],
            )
            if p.get("destination_host"):
                host = find_host(self.client, p["destination_host"], field="destination_host", zoneid=zone["id"])
        tag = source_tag(p.params, pool["id"] if pool else None)
        self.result["source"] = tag
        existing = find_tagged(self.client, zone["id"], tag)
        if existing:
            self.result.update(
                state="present", vm=_vm_summary(existing), msg=f"already imported as {existing.get('name')}"
            )
            return self.result
        if pool is None:  # importsource external: no storage pool is involved
            return self._external(zone, tag)
        return self._local_or_shared(zone, host, pool, tag)

    # -- external ----------------------------------------------------------------------------
    def _external(self, zone: dict[str, Any], tag: str) -> dict[str, Any]:
        p = self.p
        temppath = normalize_temppath(p.get("temppath"))
        marker = MarkerSlot(self._ssh, marker_path(temppath, p["name"]), {})
        ssh_error: SshError | None = None
        pending = None
        try:
            pending = marker.read()
        except SshError as error:
            # Reported by the pre-flight after the libvirt checks, so each failure keeps its own message.
            ssh_error = error
        if pending and pending.get("jobid"):
            marker.state.update(pending)
            done = self._reconcile(marker, temppath, {"importsource": "external"})
            if done is not None:
                return done
        report = run_external_preflight(
            host=p["host"],
            domain=p["name"],
            username=p["username"],
            password=p.get("password"),
            temppath=temppath,
            shutdown=p["shutdown"],
            shutdown_timeout=p["shutdown_timeout"],
            check_mode=self.ctx.check_mode,
            ssh_error=ssh_error,
        )
        self.result["preflight"] = report.as_dict()
        if report.shutdown == "done":
            self.result["changed"] = True
        self._lap("preflight")
        instance = self._listed_instance(zone, report)
        sources = self._sizing_sources(instance, report)
        params = self._plan(instance, zone, None, None)
        self._report_sizing(params, sources)
        self._lap("plan")
        params.update(
            importsource="external",
            host=p["host"],
            username=p["username"],
            password=p.get("password"),
            temppath=temppath,
        )
        if self.ctx.check_mode:
            return self._would(params, tag)
        with self._ssh() as ssh:
            before = ssh.list_files(temppath)
        marker.state = {
            "before": sorted(before),
            "started": time.time(),  # wall clock: compared with the copies' mtimes
            "tag": tag,
            "uuid": report.uuid,
            "sizes": sorted({d.virtual_size for d in report.disks}),
        }
        return self._submit(params, marker, temppath)

    def _listed_instance(self, zone: dict[str, Any], report: PreflightReport) -> dict[str, Any]:
        """The VM as CloudStack's listVmsForImport sees it, so the plan matches what importVm will see."""
        p = self.p
        if report.shutdown == "would shut down":
            # Not shut off yet, so not listed yet: predict whether the zone's agents will list it.
            self._raise_agent_drops(zone, report, "once shut off, CloudStack would not list")
            return instance_from_report(report)
        listed = self.client.list_all(
            "listVmsForImport",
            retry=True,
            zoneid=zone["id"],
            host=p["host"],
            hypervisor="KVM",
            username=p["username"],
            password=p.get("password"),
            keyword=p["name"],
        )
        for vm in listed:
            if vm.get("name") == p["name"]:
                return vm
        self._raise_agent_drops(zone, report, "CloudStack does not list")
        raise AcsIngestError(
            f"CloudStack does not list {p['name']} on {p['host']} (listVmsForImport) "
            "although libvirt shows it shut off",
            field="name",
            fix="make qemu+tcp://<host>/system reachable from the zone's KVM hosts "
            "(role acs.ingest.libvirt_listen_tcp), and check the domain XML for devices "
            "CloudStack cannot parse (disk bus, NIC model, cache mode)",
        )

    def _raise_agent_drops(self, zone: dict[str, Any], report: PreflightReport, what: str) -> None:
        """The agent rules (``_rules.preflight.external_source_findings``) for the domain's XML: listVmsForImport
        asks the zone's first Up KVM host (``UnmanagedVMsManagerImpl.getRemoteVmsOnKVMHost``), so the domain is
        judged by the version of every such host; a ProblemsError names each rule that drops it."""
        if not report.xml:
            return
        server = parse_version(self.client.version, "CloudStack version")
        hosts = self.client.list_all("listHosts", zoneid=zone["id"], type="Routing", hypervisor="KVM", state="Up")
        agents: set[Version] = set()
        for host in hosts:
            try:
                agents.add(parse_version(host.get("version")))
            except InputError:
                continue
        found: dict[str, Finding] = {}
        for agent in sorted(agents) or [server]:
            for finding in external_source_findings(
                server,
                agent,
                report.xml,
                name=report.domain,
                state=5,  # shut off: how the agent will see it
                username=str(self.p["username"]),
                max_memory_kib=report.max_memory_kib or None,
            ):
                if finding.rule.kind == AGENT_DROP:
                    found.setdefault(finding.code, finding)
        if found:
            problems = [finding.as_problem() for finding in found.values()]
            raise ProblemsError(problems, summary=f"{what} {report.domain} on {report.host} (listVmsForImport)")

    def _sizing_sources(self, instance: dict[str, Any], report: PreflightReport) -> dict[str, str]:
        """Fill the vCPUs and memory listVmsForImport leaves out from the domain libvirt showed
        (unless ``details`` gives them); returns where each value comes from."""
        given = self.p.get("details") or {}
        sources: dict[str, str] = {}
        for key, detail, from_domain, element in (
            ("cpunumber", "cpuNumber", report.vcpus, "vcpu"),
            ("memory", "memory", report.memory_mib, "memory"),
        ):
            if instance.get(key):
                sources[detail] = "listVmsForImport"
            elif isinstance(given, dict) and given.get(detail) not in (None, ""):
                sources[detail] = f"details.{detail} as given"
            elif from_domain:
                instance[key] = from_domain
                sources[detail] = f"the domain's <{element}> on {report.host}, read over libvirt"
        return sources

    def _report_sizing(self, params: dict[str, Any], sources: dict[str, str]) -> None:
        details = (params.get("details") or [{}])[0]
        self.result["sizing"] = {
            detail: {"value": details[detail], "source": source}
            for detail, source in sources.items()
            if details.get(detail) not in (None, "")
        }

    def _plan(
        self, instance: dict[str, Any], zone: dict[str, Any], host: dict[str, Any] | None, pool: dict[str, Any] | None
    ) -> dict[str, Any]:
        wishes = wishes_from_params(self.client, self.p.params)
        catalog = fetch_zone_catalog(self.client, zone["id"]).as_planner_input()
        cluster = derive_cluster(self.client, self.p.params, zone, host, pool)
        plan = build_import_plan(instance, wishes, catalog, cluster_id=cluster, zone_id=zone["id"], for_import_vm=True)
        self.result["notes"] = plan.note_lines()
        plan.raise_for_problems()
        return dict(plan.params)

    def _would(self, params: dict[str, Any], tag: str) -> dict[str, Any]:
        shown = {key: ("********" if key == "password" else value) for key, value in params.items()}
        self.result.update(changed=True, state="would_import", params=shown)
        self._diff(None, {"source": tag, "name": params.get("name"), "importsource": params.get("importsource")})
        return self.result

    # -- the job -----------------------------------------------------------------------------
    def _submit(self, params: dict[str, Any], slot: MarkerSlot | KeptSlot, temppath: str) -> dict[str, Any]:
        self._mark = self.ctx.clock()
        ticket = JobTicket(str(params.get("name")), COMMAND, params, slot, self.p.timing)
        outcome = JobWindow(self.client, self.ctx).run_one(ticket)
        self._lap("import_job")
        return self._after(outcome, slot, temppath, params, changed=True)

    def _reconcile(self, slot: MarkerSlot | KeptSlot, temppath: str, params: dict[str, Any]) -> dict[str, Any] | None:
        """A previous run submitted a job and did not see it through: finish that job, never start
        another. None when there is nothing to finish (it failed, or never reached CloudStack)."""
        entry = slot.read() or {}
        jobid = str(entry["jobid"])
        self.result["reconciled_jobid"] = jobid
        if self.ctx.check_mode:
            self.result.update(changed=True, state="pending", jobid=jobid,
                               msg=f"would wait for the unfinished import job {jobid}")  # fmt: skip
            return self.result
        status = look_up(self.client, COMMAND, jobid)
        if status.state == "running":
            self._mark = self.ctx.clock()
            ticket = JobTicket(jobid, COMMAND, {}, slot, self.p.timing, jobid=jobid, earlier=True)
            outcome = JobWindow(self.client, self.ctx).run_one(ticket)
            self._lap("import_job")
            return self._after(outcome, slot, temppath, params, changed=False)
        if status.state == "succeeded":
            return self._finish(status.result, entry, slot, temppath, params)
        if status.error is not None:
            self.ctx.warn(f"import job {jobid} from an earlier run failed ({status.error.errortext}); importing again")
        slot.forget()  # failed for good, or never arrived: this run starts a fresh import
        self.result.pop("reconciled_jobid", None)
        return None

    def _after(
        self, outcome: JobOutcome, slot: MarkerSlot | KeptSlot, temppath: str, params: dict[str, Any], changed: bool
    ) -> dict[str, Any]:
        if outcome.state == "pending":
            if self.p.timing.wait:
                self.ctx.warn(
                    f"import job {outcome.jobid} was still running after {self.p.timing.timeout:g}s; it keeps "
                    "copying in CloudStack and a rerun awaits it instead of starting another copy"
                )
            self.result.update(changed=changed or self.result["changed"], state="pending", jobid=outcome.jobid)
            return self.result
        if outcome.error is not None:
            slot.forget()  # that attempt failed for good: the next run starts a fresh import
            raise outcome.error
        state = slot.state if isinstance(slot, MarkerSlot) else {"tag": self.result["source"]}
        return self._finish(outcome.result, state, slot, temppath, params)

    def _finish(
        self,
        body: dict[str, Any],
        state: dict[str, Any],
        slot: MarkerSlot | KeptSlot,
        temppath: str,
        params: dict[str, Any],
    ) -> dict[str, Any]:
        vm = body.get("virtualmachine") or body
        tags = [{"key": SOURCE_TAG, "value": state["tag"]}]
        if state.get("uuid"):
            tags.append({"key": SOURCE_UUID_TAG, "value": state["uuid"]})
        self._mark = self.ctx.clock()
        tagging = JobTicket(vm["id"], "createTags", {"resourceids": vm["id"], "resourcetype": "userVm", "tags": tags},
                            NoSlot(), TAG_TIMING)  # fmt: skip
        tagged = JobWindow(self.client, self.ctx).run_one(tagging)
        if tagged.error is not None:
            raise tagged.error  # the entry stays: a rerun finds the finished job and tags again
        self._lap("tag")
        self.result.update(changed=True, state="imported", vm=_vm_summary(vm))
        if isinstance(slot, MarkerSlot):
            self._cleanup(state, temppath)
        slot.forget()
        self._lap("cleanup")
        self._diff(
            None,
            {
                "source": state["tag"],
                "name": vm.get("name"),
                "id": vm.get("id"),
                "importsource": params.get("importsource"),
            },
        )
        return self.result

    def _cleanup(self, state: dict[str, Any], temppath: str) -> None:
        p = self.p
        with SshSession(p["host"], p["username"], p.get("password")) as ssh:
            copies = proven_copies(ssh, temppath, set(state["before"]), set(state["sizes"]), state["started"])
            if p["remove_temp_copies"]:
                ssh.remove_files(copies)
                self.result["removed_temp_copies"] = copies
            else:
                self.result["temp_copies"] = copies

    # -- local / shared ----------------------------------------------------------------------
    def _local_or_shared(
        self, zone: dict[str, Any], host: dict[str, Any] | None, pool: dict[str, Any], tag: str
    ) -> dict[str, Any]:
        p = self.p
        if p["importsource"] == "local" and host is None:
            raise InputError(
                "destination_host", "importsource=local needs the KVM host that has the pool", "set destination_host"
            )
        journal = JobJournal(p.job_journal, self.client.endpoint)
        slot = KeptSlot(journal.slot("import_vm", tag, tag=tag))
        if (slot.read() or {}).get("jobid"):
            done = self._reconcile(slot, "", {"importsource": p["importsource"]})
            if done is not None:
                return done
        network = resolve_one(
            self.client, "listNetworks", p["network"], kind="network", field="network", zoneid=zone["id"], listall=True
        )
        server = parse_version(self.client.version, "CloudStack version")
        instance, checks = local_instance(p.params, pool, host, server)
        self.result["preflight"] = {"checks": checks}
        params = self._plan(instance, zone, host, pool)
        self._local_shared_rules(server, params, pool, host, network)
        params.pop("nicnetworklist", None)
        params.pop("nicipaddresslist", None)
        params.update(
            importsource=p["importsource"], diskpath=p["diskpath"], storageid=pool["id"], networkid=network["id"]
        )
        if host is not None:
            params["hostid"] = host["id"]
        if self.ctx.check_mode:
            return self._would(params, tag)
        return self._submit(params, slot, "")

    def _local_shared_rules(
        self,
        server: Version,
        params: dict[str, Any],
        pool: dict[str, Any],
        host: dict[str, Any] | None,
        network: dict[str, Any],
    ) -> None:
        """importKvmInstance's own checks (``_rules.preflight.local_shared_preflight``): the file is no
        CloudStack volume's path on the pool yet, a name in the pool's top directory, and the pool's
        type and storage tags suit the import source and the service offering."""
        p = self.p
        offering = None
        if params.get("serviceofferingid"):
            rows = self.client.list_all("listServiceOfferings", id=params["serviceofferingid"])
            offering = rows[0] if rows else None
        volumes = self.client.list_all("listVolumes", storageid=pool["id"], listall=True)
        found = local_shared_preflight(
            server,
            source=p["importsource"],
            diskpath=p["diskpath"],
            networkid=str(network.get("id") or ""),
            storage_pool=pool,
            hostid=str((host or {}).get("id") or ""),
            service_offering=offering,
            volume_paths_on_pool=[str(volume.get("path") or "") for volume in volumes],
            subject=p["name"],
        )
        blocking = [finding.as_problem() for finding in found if finding.blocks]
        if blocking:
            raise ProblemsError(blocking, summary=f"CloudStack {'.'.join(map(str, server))} would refuse this import")
        notes = [finding.line() for finding in found]
        if notes:
            self.result["notes"] = [*self.result.get("notes", []), *notes]

    def _diff(self, before: dict[str, Any] | None, after: dict[str, Any]) -> None:
        if self.ctx.diff_mode:
            tracker = DifferenceTracker()
            tracker.add_state(before, after)
            self.result["diff"] = tracker.get_before_after()
