# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""importVm for KVM sources: external hosts, and qcow2 files on local or shared pools.

Order matters. A rerun first looks for the VM by its source tag (so a decommissioned source
host does not break an idempotent rerun), then for a job a previous run left unfinished, then
runs the whole pre-flight, plans the parameters, and only then starts the copy.

Job reconciliation: when the job is submitted, a small marker with the job id and the temppath
listing is written next to the copies (``<temppath>.acs-ingest-<hash>.json``) on the external
host. A rerun after a job timeout or a lost controller reads it, waits for that job instead of
starting a second copy, tags the VM and still removes only the copies it can prove are its own.
"""

from __future__ import annotations

import time
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.catalog import fetch_zone_catalog
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.lookup import (
    find_host,
    find_zone,
    resolve_one,
)
from ansible_collections.acs.ingest.plugins.module_utils._core.diff import DifferenceTracker
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import (
    AcsIngestError,
    CloudStackApiError,
    InputError,
    JobTimeoutError,
    SshError,
)
from ansible_collections.acs.ingest.plugins.module_utils._libvirt.external_domain import (
    PreflightReport,
    instance_from_report,
    normalize_temppath,
)
from ansible_collections.acs.ingest.plugins.module_utils._planner.build import build_import_plan
from ansible_collections.acs.ingest.plugins.module_utils._remote.ssh import SshSession
from ansible_collections.acs.ingest.plugins.module_utils._services.external_local import local_instance
from ansible_collections.acs.ingest.plugins.module_utils._services.external_preflight import run_external_preflight
from ansible_collections.acs.ingest.plugins.module_utils._services.external_support import (
    SOURCE_TAG,
    SOURCE_UUID_TAG,
    derive_cluster,
    find_tagged,
    marker_path,
    proven_copies,
    read_remote_json,
    source_tag,
    write_marker,
)
from ansible_collections.acs.ingest.plugins.module_utils._services.import_inputs import wishes_from_params


def _vm_summary(vm: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "name", "displayname", "instancename", "state", "zoneid", "serviceofferingid", "templateid")
    return {key: vm.get(key) for key in keys if vm.get(key) is not None}


class ExternalImport:
    def __init__(self, acs: Any) -> None:
        self.acs = acs
        self.p = acs.params
        self.client = acs.client
        self.result: dict[str, Any] = {"changed": False}
        # Where the time went (pre-flight, planning, the copy job, tagging, cleanup), in seconds.
        self.seconds: dict[str, float] = {}
        self.result["seconds"] = self.seconds
        self._mark = time.monotonic()

    def _lap(self, name: str) -> None:
        now = time.monotonic()
        self.seconds[name] = round(self.seconds.get(name, 0.0) + now - self._mark, 3)
        self._mark = now

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
        tag = source_tag(p, pool["id"] if pool else None)
        self.result["source"] = tag
        existing = find_tagged(self.client, zone["id"], tag)
        if existing:
            self.result.update(vm=_vm_summary(existing), msg=f"already imported as {existing.get('name')}")
            return self.result
        if pool is None:  # importsource external: no storage pool is involved
            return self._external(zone, tag)
        return self._local_or_shared(zone, host, pool, tag)

    # -- external ----------------------------------------------------------------------------
    def _external(self, zone: dict[str, Any], tag: str) -> dict[str, Any]:
        p = self.p
        temppath = normalize_temppath(p.get("temppath"))
        marker = marker_path(temppath, p["name"])
        ssh_error: SshError | None = None
        pending = None
        try:
            with SshSession(p["host"], p["username"], p.get("password")) as ssh:
                pending = read_remote_json(ssh, marker)
        except SshError as error:
            # Reported by the pre-flight after the libvirt checks, so each failure keeps its own message.
            ssh_error = error
        if pending and pending.get("jobid"):
            return self._reconcile(zone, tag, pending, marker, temppath)
        report = run_external_preflight(
            host=p["host"],
            domain=p["name"],
            username=p["username"],
            password=p.get("password"),
            temppath=temppath,
            shutdown=p["shutdown"],
            shutdown_timeout=p["shutdown_timeout"],
            check_mode=self.acs.check_mode,
            ssh_error=ssh_error,
        )
        self.result["preflight"] = report.as_dict()
        if report.shutdown == "done":
            self.result["changed"] = True
        self._lap("preflight")
        instance = self._listed_instance(zone, report)
        params = self._plan(instance, zone, None, None)
        self._lap("plan")
        params.update(
            importsource="external",
            host=p["host"],
            username=p["username"],
            password=p.get("password"),
            temppath=temppath,
        )
        if self.acs.check_mode:
            return self._would(params, tag)
        with SshSession(p["host"], p["username"], p.get("password")) as ssh:
            before = ssh.list_files(temppath)
        state = {
            "jobid": "",
            "before": sorted(before),
            "started": time.time(),
            "tag": tag,
            "uuid": report.uuid,
            "sizes": sorted({d.virtual_size for d in report.disks}),
        }

        def remember(jobid: str) -> None:
            state["jobid"] = jobid
            with SshSession(p["host"], p["username"], p.get("password")) as ssh:
                write_marker(ssh, marker, state)

        try:
            self._mark = time.monotonic()
            body = self.client.run_job("importVm", timeout=p["timeout"], on_submitted=remember, **params)
            self._lap("import_job")
        except JobTimeoutError:
            raise
        except CloudStackApiError:
            self._forget(marker)
            raise
        return self._finish(body, state, marker, temppath, params)

    def _listed_instance(self, zone: dict[str, Any], report: PreflightReport) -> dict[str, Any]:
        """The VM as CloudStack's listVmsForImport sees it, so the plan matches what importVm will see."""
        p = self.p
        if report.shutdown == "would shut down":
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
        raise AcsIngestError(
            f"CloudStack does not list {p['name']} on {p['host']} (listVmsForImport) "
            "although libvirt shows it shut off",
            field="name",
            fix="make qemu+tcp://<host>/system reachable from the zone's KVM hosts "
            "(role acs.ingest.libvirt_listen_tcp), and check the domain XML for devices "
            "CloudStack cannot parse (disk bus, NIC model, cache mode)",
        )

    def _plan(
        self, instance: dict[str, Any], zone: dict[str, Any], host: dict[str, Any] | None, pool: dict[str, Any] | None
    ) -> dict[str, Any]:
        wishes = wishes_from_params(self.client, self.p)
        catalog = fetch_zone_catalog(self.client, zone["id"]).as_planner_input()
        cluster = derive_cluster(self.client, self.p, zone, host, pool)
        plan = build_import_plan(instance, wishes, catalog, cluster_id=cluster, zone_id=zone["id"], for_import_vm=True)
        self.result["notes"] = plan.note_lines()
        plan.raise_for_problems()
        return dict(plan.params)

    def _would(self, params: dict[str, Any], tag: str) -> dict[str, Any]:
        shown = {key: ("********" if key == "password" else value) for key, value in params.items()}
        self.result.update(changed=True, params=shown)
        self._diff(None, {"source": tag, "name": params.get("name"), "importsource": params.get("importsource")})
        return self.result

    def _finish(
        self, body: dict[str, Any], state: dict[str, Any], marker: str | None, temppath: str, params: dict[str, Any]
    ) -> dict[str, Any]:
        vm = body.get("virtualmachine") or body
        tags = [{"key": SOURCE_TAG, "value": state["tag"]}]
        if state.get("uuid"):
            tags.append({"key": SOURCE_UUID_TAG, "value": state["uuid"]})
        self._mark = time.monotonic()
        self.client.run_job("createTags", timeout=300, resourceids=vm["id"], resourcetype="userVm", tags=tags)
        self._lap("tag")
        self.result.update(changed=True, vm=_vm_summary(vm))
        if marker is not None:
            self._cleanup(state, temppath)
            self._forget(marker)
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

    def _forget(self, marker: str) -> None:
        p = self.p
        with SshSession(p["host"], p["username"], p.get("password")) as ssh:
            ssh.remove_files([marker])

    def _reconcile(
        self, zone: dict[str, Any], tag: str, pending: dict[str, Any], marker: str, temppath: str
    ) -> dict[str, Any]:
        """A previous run submitted a job and did not see it end: wait for that job, never start another."""
        jobid = str(pending["jobid"])
        self.result["reconciled_jobid"] = jobid
        if self.acs.check_mode:
            self.result.update(changed=True, msg=f"would wait for the unfinished import job {jobid}")
            return self.result
        try:
            body = self.client.wait("importVm", jobid, timeout=self.p["timeout"])
        except JobTimeoutError:
            raise
        except CloudStackApiError:
            self._forget(marker)  # that attempt failed for good: the next run starts a fresh import
            raise
        return self._finish(body, pending, marker, temppath, {"importsource": "external"})

    # -- local / shared ----------------------------------------------------------------------
    def _local_or_shared(
        self, zone: dict[str, Any], host: dict[str, Any] | None, pool: dict[str, Any], tag: str
    ) -> dict[str, Any]:
        p = self.p
        if p["importsource"] == "local" and host is None:
            raise InputError(
                "destination_host", "importsource=local needs the KVM host that has the pool", "set destination_host"
            )
        network = resolve_one(
            self.client, "listNetworks", p["network"], kind="network", field="network", zoneid=zone["id"], listall=True
        )
        instance, checks = local_instance(p, pool, host)
        self.result["preflight"] = {"checks": checks}
        params = self._plan(instance, zone, host, pool)
        params.pop("nicnetworklist", None)
        params.pop("nicipaddresslist", None)
        params.update(
            importsource=p["importsource"], diskpath=p["diskpath"], storageid=pool["id"], networkid=network["id"]
        )
        if host is not None:
            params["hostid"] = host["id"]
        if self.acs.check_mode:
            return self._would(params, tag)
        body = self.client.run_job("importVm", timeout=p["timeout"], **params)
        return self._finish(body, {"tag": tag}, None, "", params)

    def _diff(self, before: dict[str, Any] | None, after: dict[str, Any]) -> None:
        if self.acs.diff_mode:
            tracker = DifferenceTracker()
            tracker.add_state(before, after)
            self.result["diff"] = tracker.get_before_after()


def run_import(acs: Any) -> dict[str, Any]:
    return ExternalImport(acs).run()
