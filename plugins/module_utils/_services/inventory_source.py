# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""What the ``acs.ingest.unmanaged`` inventory plugin does: find the importable VMs and plan them.

The plugin only reads its options, handles the cache and fills the inventory. Everything here
returns plain data (records), which is what the cache stores. CloudStack is contacted only
when the source needs it: a source that lists only libvirt URIs without zone or cluster makes
no API call and needs no credentials. Errors name the inventory's own options and
environment variables, since an inventory file or an AWX inventory source is what the user
has to change.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.catalog import (
    fetch_network_usage,
    fetch_owner_accounts,
    fetch_owner_projects,
    fetch_zone_catalog,
    planned_network_ids,
)
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import AcsIngestError, InputError, ProblemsError
from ansible_collections.acs.ingest.plugins.module_utils._planner.build import build_import_plan
from ansible_collections.acs.ingest.plugins.module_utils._planner.plan_file import (
    PlanFileError,
    load_plan,
    validate_rows,
    wishes,
)
from ansible_collections.acs.ingest.plugins.module_utils._planner.wishes import Wishes
from ansible_collections.acs.ingest.plugins.module_utils._rules.versions import parse_version

if TYPE_CHECKING:  # the client (cs, requests) is imported only when a source needs CloudStack
    from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.client import CloudStackClient

CONNECTION_OPTIONS = ("api_url", "api_key", "api_secret", "api_timeout", "validate_certs", "api_ca_file")
CONNECTION_ENV = {"api_url": "CLOUDSTACK_ENDPOINT", "api_key": "CLOUDSTACK_KEY", "api_secret": "CLOUDSTACK_SECRET"}

Record = dict[str, Any]
PlanRows = dict[tuple[str, str], dict[str, Any]]


@dataclass
class SourceOptions:
    """The inventory file's options that say what to list and how to plan it."""

    connection: dict[str, Any]
    clusters: list[str] = field(default_factory=list)
    # None: list every KVM cluster unless the source names external hosts or libvirt URIs
    all_kvm_clusters: bool | None = None
    external_hosts: list[Any] = field(default_factory=list)
    libvirt_uris: list[Any] = field(default_factory=list)
    name_filter: str | None = None
    plan_defaults: dict[str, Any] = field(default_factory=dict)
    plan_file: str | None = None
    # relative plan_file paths are relative to the inventory file's directory
    source_dir: str = "."

    def lists_clusters(self) -> bool:
        if self.clusters:
            return True
        if self.all_kvm_clusters is None:
            return not self.external_hosts and not self.libvirt_uris
        return self.all_kvm_clusters

    def needs_cloudstack(self) -> str | None:
        """Why this source must talk to CloudStack (the option that makes it), or None."""
        if self.lists_clusters():
            return "clusters" if self.clusters else "all_kvm_clusters"
        if self.external_hosts:
            return "external_hosts"
        for entry in self.libvirt_uris:
            if isinstance(entry, dict) and (entry.get("zone") or entry.get("cluster")):
                return "libvirt_uris (zone/cluster)"
        return None


def connect(options: SourceOptions, reason: str) -> CloudStackClient:
    """A client for the source's connection options, or one error that says what to set where."""
    # Imported here: cs and requests cost ~0.4 s to import, which a cached or libvirt-only
    # inventory run never needs.
    from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.client import (
        HAS_CS,
        CloudStackClient,
        ConnectionSettings,
    )

    if not HAS_CS:
        raise AcsIngestError("the Python library 'cs' is missing", fix="pip install cs on the controller")
    missing = [name for name in ("api_url", "api_key", "api_secret") if not options.connection.get(name)]
    if missing:
        raise InputError(
            missing[0],
            f"{', '.join(missing)} not set; this source needs CloudStack because of {reason}",
            fix="set "
            + ", ".join(missing)
            + " in the inventory file, or the environment variables "
            + ", ".join(CONNECTION_ENV[name] for name in missing)
            + " (AWX: attach a CloudStack credential to the inventory source)",
        )
    return CloudStackClient(ConnectionSettings.from_params(options.connection))


def find_by_id_or_name(items: list[dict[str, Any]], wanted: str, kind: str) -> dict[str, Any]:
    """The item whose id or (case-insensitive) name is `wanted`; a clear error otherwise."""
    for item in items:
        if item.get("id") == wanted:
            return item
    named = [item for item in items if str(item.get("name", "")).lower() == wanted.lower()]
    if len(named) == 1:
        return named[0]
    known = ", ".join(sorted(str(item.get("name")) for item in items)) or "none"
    state = "is ambiguous" if named else "not found"
    raise InputError(kind, f"{kind} '{wanted}' {state}; known: {known}", fix=f"use the {kind} id")


def record(
    source: str, instance: dict[str, Any], cluster: dict[str, Any] | None, zone_id: Any, location: Any
) -> Record:
    return {
        "name": str(instance.get("name", "")),
        "source": source,
        "zone_id": zone_id or (cluster or {}).get("zoneid"),
        "cluster_id": (cluster or {}).get("id"),
        "cluster_name": (cluster or {}).get("name"),
        "location": str(location or ""),
        "instance": instance,
    }


def discover(options: SourceOptions, warn: Callable[[str], None]) -> list[Record]:
    """Every importable VM of the source, planned, plus plan rows whose VM is not listed any more."""
    reason = options.needs_cloudstack()
    client = connect(options, reason) if reason else None
    clusters: list[dict[str, Any]] = client.list_all("listClusters") if client else []
    zones: list[dict[str, Any]] = client.list_all("listZones") if client else []
    found: list[Record] = []
    if client and options.lists_clusters():
        for cluster in _selected_clusters(options, clusters):
            for instance in client.list_all("listUnmanagedInstances", clusterid=cluster["id"]):
                found.append(record("cloudstack", instance, cluster, cluster.get("zoneid"), instance.get("hostname")))
    for entry in options.external_hosts:
        if client is not None:  # always: needs_cloudstack() asks for a client when external_hosts is set
            found.extend(_external(client, entry, zones, clusters))
    for entry in options.libvirt_uris:
        found.extend(_libvirt(entry, zones, clusters))
    if options.name_filter:
        try:
            regex = re.compile(options.name_filter)
        except re.error as exc:
            raise InputError(
                "name_filter", f"not a regular expression ({exc})", fix="use Python re syntax, e.g. '^web-'"
            ) from None
        found = [r for r in found if regex.search(r["name"])]
    overrides = plan_rows(options, warn)
    plan_all(client, found, overrides, options.plan_defaults)
    found.extend(not_listed(found, overrides))
    return found


def _selected_clusters(options: SourceOptions, clusters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if options.clusters:
        return [find_by_id_or_name(clusters, str(name), "cluster") for name in options.clusters]
    return [c for c in clusters if str(c.get("hypervisortype", "")).lower() == "kvm"]


def _external(
    client: CloudStackClient, entry: Any, zones: list[dict[str, Any]], clusters: list[dict[str, Any]]
) -> list[Record]:
    if not isinstance(entry, dict) or not entry.get("host") or not entry.get("zone"):
        raise InputError(
            "external_hosts",
            "each entry needs host and zone (and cluster for importVm)",
            fix="write entries as {host: 10.0.0.5, zone: zone1, cluster: cluster1}",
        )
    zone = find_by_id_or_name(zones, str(entry["zone"]), "zone")
    cluster = find_by_id_or_name(clusters, str(entry["cluster"]), "cluster") if entry.get("cluster") else None
    listed = client.list_all(
        "listVmsForImport",
        zoneid=zone["id"],
        host=entry["host"],
        hypervisor="KVM",
        username=entry.get("username"),
        password=entry.get("password"),
    )
    return [record("external", vm, cluster, zone["id"], entry["host"]) for vm in listed]


def _libvirt(entry: Any, zones: list[dict[str, Any]], clusters: list[dict[str, Any]]) -> list[Record]:
    spec = entry if isinstance(entry, dict) else {"uri": entry}
    uri = str(spec.get("uri") or "")
    if not uri:
        raise InputError("libvirt_uris", "entry without uri", fix="write a URI or {uri: ..., zone: ...}")
    try:  # the shared reader: the same instance shape as listUnmanagedInstances
        from ansible_collections.acs.ingest.plugins.module_utils._services.instance_info import libvirt_instances
    except ImportError as exc:
        raise InputError(
            "libvirt_uris",
            f"reading libvirt URIs needs libvirt-python ({exc})",
            fix="install python3-libvirt / libvirt-python on the controller (or in the execution environment)",
        ) from None
    zone = find_by_id_or_name(zones, str(spec["zone"]), "zone") if spec.get("zone") else None
    cluster = find_by_id_or_name(clusters, str(spec["cluster"]), "cluster") if spec.get("cluster") else None
    zone_id = zone["id"] if zone else (cluster or {}).get("zoneid")
    agent = spec.get("agent_version")
    try:  # the CloudStack agent whose listing rules the domains are judged by (default: the newest)
        agent_version = parse_version(agent, "agent_version") if agent not in (None, "") else None
    except InputError as exc:
        raise InputError("libvirt_uris", f"{uri}: agent_version {exc.msg}", exc.fix) from None
    listed = libvirt_instances(uri, vlan_root=str(spec.get("vlan_root") or "/"), agent_version=agent_version)
    return [record("libvirt", vm, cluster, zone_id, uri) for vm in listed]


def not_listed(found: list[Record], overrides: PlanRows) -> list[Record]:
    """Plan rows to import whose VM is no longer listed (imported by an earlier run, or gone).

    They stay in the inventory so a rerun of the import reports them ("already managed",
    or a clear error if the VM vanished) instead of silently dropping them from the report.
    """
    listed = {(r["cluster_id"] or r["location"], r["name"]) for r in found}
    missing = []
    for key, row in overrides.items():
        if not key[0] or key in listed or not row.get("import", True):
            continue
        missing.append(
            {
                "name": row["vm"],
                "source": row.get("source") or "cloudstack",
                "zone_id": row.get("zone") or None,
                "cluster_id": row.get("cluster") or None,
                "cluster_name": None,
                "location": row.get("host") or "",
                "instance": {"name": row["vm"]},
                "listed": False,
                "wave": row.get("wave", 1),
                "import": True,
                "plan_file_problems": row.get("problems", []),
                "plan": {"vm": row["vm"], "command": "", "ok": True, "params": {}, "problems": [], "notes": []},
            }
        )
    return missing


def plan_all(
    client: CloudStackClient | None, records: list[Record], overrides: PlanRows, defaults: dict[str, Any]
) -> None:
    """Attach the import plan to every record: one catalog fetch per zone, then one usage lookup per
    network the plans use (MACs, IPs and VM names; a Shared network's IP ranges) and, when anything is
    on those networks, a second pass judged by the MAC, IP and hostname rules."""
    catalogs: dict[str, dict[str, Any]] = {}
    for rec in records:
        zone_id = str(rec["zone_id"] or "")
        if zone_id and zone_id not in catalogs and client is not None:
            catalogs[zone_id] = fetch_zone_catalog(client, zone_id).as_planner_input()
    owners = [Wishes.from_mapping({**defaults, **wishes(row)}) for row in [{}, *overrides.values()]]
    accounts = sorted({(owner.account, owner.domainid) for owner in owners if owner.account})
    projects = {owner.projectid for owner in owners if owner.projectid}
    if (accounts or projects) and client is not None:  # their state judges owner_account_inactive, project_inactive
        rows = {"accounts": fetch_owner_accounts(client, accounts), "projects": fetch_owner_projects(client, projects)}
        for catalog in catalogs.values():
            catalog.update(rows)
    used: dict[str, list[str]] = {}
    for second_pass in (False, True):
        for rec in records:
            row = overrides.get((rec["cluster_id"] or rec["location"], rec["name"])) or overrides.get(("", rec["name"]))
            row = row or {}
            rec["wave"], rec["import"] = row.get("wave", 1), row.get("import", True)
            rec["plan_file_problems"] = row.get("problems", [])
            zone_id = str(rec["zone_id"] or "")
            plan = build_import_plan(
                rec["instance"],
                Wishes.from_mapping({**defaults, **wishes(row)}),
                catalogs.get(zone_id, {}),
                cluster_id=rec["cluster_id"],
                zone_id=zone_id or None,
                for_import_vm=rec["source"] != "cloudstack",
            )
            rec["plan"] = plan.to_dict()
            if not second_pass:
                used.setdefault(zone_id, []).extend(planned_network_ids(plan.params))
        if second_pass or client is None or not any(used.values()):
            return
        taken = False
        for zone_id, network_ids in used.items():
            if zone_id in catalogs:
                catalogs[zone_id].update(fetch_network_usage(client, network_ids, catalogs[zone_id]["networks"]))
                usage = ("macs_in_use", "ips_in_use", "names_on_network", "ip_ranges")
                taken = taken or any(any(catalogs[zone_id][key].values()) for key in usage)
        if not taken:  # nothing is on those networks yet: no MAC, IP or name rule can apply
            return


def plan_rows(options: SourceOptions, warn: Callable[[str], None]) -> PlanRows:
    """The plan file's rows by (cluster or host, VM) and by ("", VM); each row carries its problems."""
    if not options.plan_file:
        return {}
    path = os.path.join(options.source_dir, os.path.expanduser(options.plan_file))
    if not os.path.exists(path):
        # The first discover run has no plan yet; it plans from plan_defaults and writes one.
        warn(f"acs.ingest.unmanaged: plan_file {path} does not exist yet; using plan_defaults only")
        return {}
    try:
        with open(path, encoding="utf-8") as handle:
            raws = load_plan(handle.read(), os.path.splitext(path)[1])
    except PlanFileError as exc:
        raise ProblemsError([exc.problem], summary=f"cannot use {path}", field="plan_file") from None
    except (OSError, ValueError) as exc:
        raise InputError(
            "plan_file", f"cannot read {path}: {exc}", fix="point plan_file at a plan written by the discover playbook"
        ) from None
    rows, problems = validate_rows(raws)
    # Bad cells do not stop the inventory: the validate playbook must be able to show every
    # problem of every row, so each row carries its own problems as a hostvar.
    by_vm: dict[str, list[str]] = {}
    for problem in problems:
        by_vm.setdefault(problem.vm, []).append(problem.line())
    plan: PlanRows = {}
    for row in rows:
        row["problems"] = by_vm.get(row["vm"], [])
        plan[(row["cluster"] or row["host"], row["vm"])] = row
        plan.setdefault(("", row["vm"]), row)
    return plan
