# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""What the ``unmanage_vm`` module does: find the VM, check facts §2.5 up front, unmanage once.

CloudStack reports every unmanage failure as job error 530 after the job ran (facts §1.4),
so the preconditions are checked here first and all failing ones are reported together,
each with its fix. Versions matter (facts §2.6): 4.22 accepts ``hostid``/``forced`` and
defines the domain persistently on a host; older versions leave a running VM's domain
transient (the unmanage playbook then runs ``persist_domain_xml`` on ``host``) and leave a
stopped VM's domain nowhere at all, which we refuse because it would lose the VM.

The job goes through the one job reconciler (``_cloudstack/jobs.py``): its id is journaled
before it is sent, a journaled job is awaited and never sent twice, polls ride out transient
errors, and a timeout returns ``state=pending`` with the job id.

A ``name`` is matched against the VM's CloudStack name and its instance name (the libvirt
domain name an operator sees in ``virsh list``, which an import keeps); the result says which
one matched (``matched_by``).
"""

from __future__ import annotations

from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.client import wire_params
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.jobs import JobTicket, JobWindow, look_up
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.journal import JobJournal
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.lookup import find_host, find_zone, is_uuid
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.vms import (
    find_managed_by_instance_name,
    find_unmanaged,
    summarize_vm,
)
from ansible_collections.acs.ingest.plugins.module_utils._core.context import RunContext
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import (
    CloudStackApiError,
    InputError,
    ProblemsError,
)
from ansible_collections.acs.ingest.plugins.module_utils._core.parse import parse_bool
from ansible_collections.acs.ingest.plugins.module_utils._core.problems import Problem
from ansible_collections.acs.ingest.plugins.module_utils._core.protocols import CloudStackApi
from ansible_collections.acs.ingest.plugins.module_utils._rules.unmanage_rules import unmanage_findings
from ansible_collections.acs.ingest.plugins.module_utils._rules.versions import parse_version
from ansible_collections.acs.ingest.plugins.module_utils._services.unmanage_options import (
    JOURNAL_OPERATION,
    DoneOnClearSlot,
    UnmanageOptions,
)

COMMAND = "unmanageVirtualMachine"
PERSISTS_DOMAIN = (4, 22)  # hostid/forced parameters and domain persistence arrived together
PRESERVE_NICS = "unmanage.vm.preserve.nics"
CONFIG_DRIVE_DETAIL = "configDriveLocation"


def version_text(version: tuple[int, ...]) -> str:
    return ".".join(str(part) for part in version)


def run_unmanage(client: CloudStackApi, options: UnmanageOptions, ctx: RunContext) -> dict[str, Any]:
    """The module's one call."""
    return UnmanageRun(client, options, ctx).run()


class UnmanageRun:
    def __init__(self, client: CloudStackApi, options: UnmanageOptions, ctx: RunContext) -> None:
        self.client = client
        self.options = options
        self.ctx = ctx
        self.journal = JobJournal(options.job_journal, client.endpoint)
        self.zone: dict[str, Any] | None = None
        self.warnings: list[str] = []
        self.matched_by: str | None = None

    @property
    def persists_domain(self) -> bool:
        return self.client.version[:2] >= PERSISTS_DOMAIN

    def zone_id(self) -> str | None:
        wanted = self.options.zone or ""
        if not wanted:
            return None
        if is_uuid(wanted):
            return wanted
        if self.zone is None:
            self.zone = find_zone(self.client, wanted)
        return str(self.zone["id"])

    # --- finding the VM -----------------------------------------------------------------------
    def find_vm(self) -> dict[str, Any] | None:
        o = self.options
        if o.id:
            try:
                vms = self.client.list_all("listVirtualMachines", id=o.id, listall=True)
            except CloudStackApiError as error:
                if error.errorcode != 431:  # an unknown (e.g. removed) VM id is a 431 parameter error
                    raise
                vms = []
            self.matched_by = "id" if vms else None
            return vms[0] if vms else None
        zoneid = self.zone_id()
        if o.instance_name:
            vm = find_managed_by_instance_name(self.client, o.instance_name, zoneid)
            self.matched_by = "instancename" if vm else None
            return vm
        return self.find_by_name(str(o.name), zoneid)

    def find_by_name(self, name: str, zoneid: str | None) -> dict[str, Any] | None:
        """The VM whose CloudStack name, or else whose instance name, is ``name``.

        One keyword search covers both (for root admins it matches name, display name and
        instance name); a server whose keyword skips the instance name is covered by a zone scan,
        paid only when nothing matched.
        """
        vms = self.client.list_all("listVirtualMachines", keyword=name, zoneid=zoneid, listall=True)
        if not any(name in (vm.get("name"), vm.get("instancename")) for vm in vms):
            vms = self.client.list_all("listVirtualMachines", zoneid=zoneid, listall=True)
        by_name = [vm for vm in vms if vm.get("name") == name]
        by_instance = [vm for vm in vms if vm.get("instancename") == name]
        if len(by_name) > 1:
            raise InputError(
                "name",
                f"{len(by_name)} VMs are named '{name}' in the zone: "
                + ", ".join(f"{vm.get('id')} ({vm.get('account')})" for vm in by_name),
                "identify the VM by id or instance_name",
            )
        if by_name and by_instance and by_instance[0].get("id") != by_name[0].get("id"):
            raise InputError(
                "name",
                f"'{name}' is the name of VM {by_name[0].get('id')} and the instance name of VM "
                f"{by_instance[0].get('id')}",
                "identify the VM by id, or use instance_name for the libvirt domain name",
            )
        if by_name:
            self.matched_by = "name"
            return by_name[0]
        if by_instance:
            self.matched_by = "instancename"
            return by_instance[0]
        return None

    def instance_name_hint(self) -> str | None:
        """The hypervisor name to look for when the VM is no longer managed."""
        o = self.options
        if o.instance_name:
            return o.instance_name
        entry = self.journal.get(JOURNAL_OPERATION, o.journal_key)
        if entry and entry.get("instancename"):
            return str(entry["instancename"])
        return o.name  # a domain name, or a CloudStack name that an import kept equal to it

    def already_unmanaged(self) -> dict[str, Any]:
        """Idempotency: the VM is gone from CloudStack; ok only if a host lists it as unmanaged."""
        o = self.options
        instance_name = self.instance_name_hint()
        entry = self.journal.get(JOURNAL_OPERATION, o.journal_key) or {}
        zoneid = entry.get("zoneid") or self.zone_id()
        if not instance_name or not zoneid:
            raise InputError(
                "id",
                f"no managed VM with id {o.identity}",
                "if it was unmanaged already, identify it by instance_name and zone so the module can find its domain",
            )
        clusters = self.client.list_all("listClusters", zoneid=zoneid, hypervisor="KVM")
        for cluster in clusters:
            instance = find_unmanaged(self.client, str(cluster["id"]), instance_name)
            if instance is not None:
                self.matched_by = "instancename"
                return self.result(
                    False,
                    "unmanaged",
                    instance_name=instance_name,
                    host={"id": instance.get("hostid"), "name": instance.get("hostname")},
                    zoneid=zoneid,
                )
        raise InputError(
            o.field,
            f"'{o.identity}' is neither a managed VM nor an unmanaged instance ('{instance_name}') on a KVM host "
            "of the zone",
            "check the VM's id, name or instance name and the zone",
        )

    def reconcile_earlier_job(self) -> dict[str, Any] | None:
        """A job an earlier run submitted and did not see finish: await it, never submit twice."""
        slot = DoneOnClearSlot(self.journal, self.options.journal_key)
        entry = slot.read()
        if not entry or entry.get("done"):
            return None
        jobid = str(entry["jobid"])
        status = look_up(self.client, COMMAND, jobid)
        if status.state == "running":
            if self.ctx.check_mode or not self.options.timing.wait:
                return self.result(False, "pending", jobid=jobid)
            ticket = JobTicket(jobid, COMMAND, {}, slot, self.options.timing, jobid=jobid, earlier=True)
            outcome = JobWindow(self.client, self.ctx).run_one(ticket)
            if outcome.state == "pending":
                self.warnings.append(f"unmanage job {jobid} from an earlier run is still running; rerun to check")
                return self.result(False, "pending", jobid=jobid)
            if outcome.state == "failed":
                text = getattr(outcome.error, "errortext", None) or str(outcome.error)
                self.warnings.append(f"unmanage job {jobid} from an earlier run failed: {text}")
        elif status.state == "failed" and status.error is not None:
            self.warnings.append(f"unmanage job {jobid} from an earlier run failed: {status.error.errortext}")
        # Finished, or never arrived: keep instance name and zone (an id cannot be looked up once
        # the VM is gone) and look at the VM as it is now.
        slot.clear()
        return None

    # --- preconditions (facts §2.5) ----------------------------------------------------------
    def problems(self, vm: dict[str, Any]) -> list[Problem]:
        """unmanageVirtualMachine's preconditions for this server's version (``_rules.unmanage_rules``).

        What CloudStack would refuse becomes a Problem (code, reason, fix); what it would silently do
        becomes a warning (the result reports domain_persisted and preserve_nics itself). acs.ingest
        itself unmanages KVM VMs only.
        """
        found = unmanage_findings(
            parse_version(self.client.version, "CloudStack version"),
            vm,
            hostid=self.options.host or "",
            forced=bool(self.options.forced),
            volume_snapshots=self.volume_snapshots(vm),
        )
        problems = [finding.as_problem() for finding in found if finding.blocks]
        # the result says domain_persisted; the unmanage playbook persists the domain itself
        self.warnings.extend(
            finding.message
            for finding in found
            if not finding.blocks and finding.code != "unmanage_domain_not_persisted"
        )
        hypervisor = str(vm.get("hypervisor") or "KVM")
        if hypervisor.upper() != "KVM" and not any(p.code == "unmanage_hypervisor_unsupported" for p in problems):
            problems.append(
                Problem("hypervisor_not_kvm", "id", f"the VM runs on {hypervisor}", "acs.ingest unmanages KVM VMs only")
            )
        return problems

    def volume_snapshots(self, vm: dict[str, Any]) -> list[dict[str, Any]]:
        # listSnapshots has no VM filter (and ignores unknown parameters), so go volume by volume.
        volumes = self.client.list_all("listVolumes", virtualmachineid=vm["id"], listall=True)
        snapshots: list[dict[str, Any]] = []
        for volume in volumes:
            for snapshot in self.client.list_all("listSnapshots", volumeid=volume["id"], listall=True):
                # hasVolumeSnapshotsPriorToUnmanageVM: any snapshot not Destroyed (Destroying too) blocks
                if str(snapshot.get("state", "")).lower() != "destroyed":
                    snapshots.append(snapshot)
        return snapshots

    # --- the run ------------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        o = self.options
        for option, value in (("host", o.host), ("forced", o.forced)):
            if value and not self.persists_domain:
                raise InputError(
                    option,
                    f"needs CloudStack 4.22 or later; this one is {version_text(self.client.version)}",
                    f"drop {option}",
                )
        pending = self.reconcile_earlier_job()
        if pending is not None:
            return pending
        vm = self.find_vm()
        if vm is None:
            return self.already_unmanaged()
        problems = self.problems(vm)
        if problems:
            raise ProblemsError(
                problems, summary=f"{len(problems)} precondition(s) prevent unmanaging {vm.get('instancename')}"
            )
        call_params: dict[str, Any] = {"id": vm["id"]}
        target = None
        if o.host:
            target = find_host(self.client, o.host, zoneid=vm.get("zoneid"))
            call_params["hostid"] = target["id"]
        if o.forced:
            call_params["forced"] = True
        call = {"command": COMMAND, "params": wire_params(call_params)}
        preserve = self.preserve_nics(str(vm.get("zoneid")))
        before = {"state": "managed", "vm": summarize_vm(vm)}
        if self.ctx.check_mode:
            after: dict[str, Any] = {"state": "unmanaged", "unmanage_call": call}
            host = target or self.vm_host(vm)
            return self.result(
                True, "would_unmanage", vm=vm, host=host, api_call=call, preserve=preserve, diff=(before, after)
            )
        slot = DoneOnClearSlot(
            self.journal, o.journal_key, instancename=vm.get("instancename"), zoneid=vm.get("zoneid")
        )
        outcome = JobWindow(self.client, self.ctx).run_one(JobTicket(vm["id"], COMMAND, call_params, slot, o.timing))
        if outcome.state == "pending":
            if o.timing.wait:
                self.warnings.append(
                    f"unmanage job {outcome.jobid} was still running after {o.timing.timeout:g}s; rerun to check"
                )
            return self.result(True, "pending", vm=vm, api_call=call, jobid=outcome.jobid, preserve=preserve)
        if outcome.error is not None:
            raise outcome.error
        answer = outcome.result
        response = answer.get("unmanagevirtualmachineresponse", answer)
        hostid = response.get("hostid") or call_params.get("hostid") or vm.get("hostid")
        host = target if target and target.get("id") == hostid else self.host_by_id(hostid, vm)
        after = {"state": "unmanaged", "host": host}
        return self.result(
            True,
            "unmanaged",
            vm=vm,
            host=host,
            api_call=call,
            preserve=preserve,
            diff=(before, after),
            instance_name=vm.get("instancename"),
            zoneid=vm.get("zoneid"),
        )

    def vm_host(self, vm: dict[str, Any]) -> dict[str, Any] | None:
        if not vm.get("hostid"):
            return None
        return {"id": vm.get("hostid"), "name": vm.get("hostname")}

    def host_by_id(self, hostid: str | None, vm: dict[str, Any]) -> dict[str, Any] | None:
        if not hostid:
            return None
        if hostid == vm.get("hostid") and vm.get("hostname"):
            return {"id": hostid, "name": vm.get("hostname")}
        hosts = self.client.list_all("listHosts", id=hostid)
        return {"id": hostid, "name": hosts[0].get("name") if hosts else None}

    def preserve_nics(self, zoneid: str) -> bool | None:
        rows = self.client.list_all("listConfigurations", name=PRESERVE_NICS, zoneid=zoneid)
        values = [row.get("value") for row in rows if row.get("name") == PRESERVE_NICS]
        # updateConfiguration stores a Boolean setting as "true" or "false" only (ConfigurationManagerImpl
        # .validateValueType); whatever else a database holds could not be read: None, as documented.
        return parse_bool(values[0]) if values else None

    def result(
        self,
        changed: bool,
        state: str,
        *,
        vm: dict[str, Any] | None = None,
        host: dict[str, Any] | None = None,
        api_call: dict[str, Any] | None = None,
        jobid: str | None = None,
        preserve: bool | None = None,
        diff: tuple[dict[str, Any], dict[str, Any]] | None = None,
        instance_name: str | None = None,
        zoneid: str | None = None,
    ) -> dict[str, Any]:
        if state == "unmanaged" and changed and vm:
            # Kept after success: a rerun needs the instance name and zone to confirm the VM is
            # unmanaged, and CloudStack forgets the id (and name) once the VM is gone. Recorded
            # under every way a rerun may name the VM.
            zone_given = self.options.zone
            keys = {self.options.journal_key, str(vm.get("id"))}
            for label in (vm.get("instancename"), vm.get("name")):
                keys.update({f"{zone_given}/{label}", f"{vm.get('zoneid')}/{label}", f"{vm.get('zonename')}/{label}"})
            for key in keys:
                self.journal.mark_done(
                    JOURNAL_OPERATION, key, instancename=vm.get("instancename"), zoneid=vm.get("zoneid")
                )
        result: dict[str, Any] = {
            "changed": changed,
            "state": state,
            "vm": vm,
            "instance_name": instance_name or (vm or {}).get("instancename"),
            "zoneid": zoneid or (vm or {}).get("zoneid"),
            "host": host,
            "hostid": (host or {}).get("id"),
            "hostname": (host or {}).get("name"),
            "domain_persisted": self.persists_domain,
            "preserve_nics": preserve,
            "api_call": api_call,
        }
        if jobid:
            result["jobid"] = jobid
        if self.matched_by:
            result["matched_by"] = self.matched_by
        if diff and self.ctx.diff_mode:
            result["diff"] = {"before": diff[0], "after": diff[1]}
        for warning in self.warnings:
            self.ctx.warn(warning)
        return result
