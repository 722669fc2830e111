# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""Fetch from CloudStack what the import planner needs to know about one zone.

The planner (``_planner.build.build_import_plan``) is pure: it gets the zone's networks, offerings
and templates as plain lists plus the MACs already in use per network. This module makes
those calls, once per module run, and shapes the answers the way ``_planner.inputs.parse_catalog``
reads them. Everything read here is a list call, so it is retried on 5xx answers.

The rules catalogue (``_rules``) needs more of the zone: its primary storage pools (every disk must
lie in one, ``UnmanagedVMsManagerImpl.getStoragePool``), its KVM hosts (agent version, host tags),
the management server's version, and, for the networks a plan uses, the IPs and VM names already
on them and a Shared network's IP ranges.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.lookup import is_uuid
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import CloudStackApiError

# Shared (Domain ACL) and L2 networks of every account are candidates; listall=true is what
# makes a root admin see networks of other accounts (CloudStack lists only the caller's
# own networks otherwise).
NETWORK_QUERY = {"listall": True}
# "executable" hides templates that are not Ready, which cannot back an import anyway;
# root admins see every account's executable templates with it.
TEMPLATE_QUERY = {"templatefilter": "executable", "hypervisor": "KVM"}


@dataclass
class ZoneCatalog:
    """The planner's view of a zone, plus what was fetched (for messages and tests)."""

    zoneid: str
    networks: list[dict[str, Any]] = field(default_factory=list)
    service_offerings: list[dict[str, Any]] = field(default_factory=list)
    disk_offerings: list[dict[str, Any]] = field(default_factory=list)
    templates: list[dict[str, Any]] = field(default_factory=list)
    macs_in_use: dict[str, list[str]] = field(default_factory=dict)
    storage_pools: list[dict[str, Any]] = field(default_factory=list)
    hosts: list[dict[str, Any]] = field(default_factory=list)
    clusters: list[dict[str, Any]] = field(default_factory=list)
    cloudstack_version: str = ""

    def as_planner_input(self) -> dict[str, Any]:
        """The mapping ``build_import_plan(..., catalog=...)`` accepts."""
        return {
            "networks": self.networks,
            "service_offerings": self.service_offerings,
            "disk_offerings": self.disk_offerings,
            "templates": self.templates,
            "macs_in_use": {net: sorted(macs) for net, macs in self.macs_in_use.items()},
            "storage_pools": self.storage_pools,
            "hosts": self.hosts,
            "clusters": self.clusters,
            "cloudstack_version": self.cloudstack_version,
        }


def fetch_zone_catalog(client: Any, zoneid: str) -> ZoneCatalog:
    """Networks, offerings, templates, storage pools, KVM hosts, clusters and the version for ``zoneid``.

    The eight list calls do not depend on each other, so they go out together: one round trip
    instead of eight before the first VM can be planned (the inventory plans every VM at
    ansible-playbook start-up, a single import plans before it submits). Their order in
    ``api_calls`` is the order they were answered in.
    """
    fetches: dict[str, Callable[[], Any]] = {
        "networks": lambda: client.list_all("listNetworks", zoneid=zoneid, **NETWORK_QUERY),
        "service_offerings": lambda: client.list_all("listServiceOfferings"),
        "disk_offerings": lambda: client.list_all("listDiskOfferings"),
        "templates": lambda: client.list_all("listTemplates", zoneid=zoneid, **TEMPLATE_QUERY),
        "storage_pools": lambda: client.list_all("listStoragePools", zoneid=zoneid),
        "hosts": lambda: client.list_all("listHosts", zoneid=zoneid, type="Routing"),
        "clusters": lambda: client.list_all("listClusters", zoneid=zoneid),
        "version": lambda: client.version,
    }
    with ThreadPoolExecutor(max_workers=len(fetches), thread_name_prefix="acs-catalog") as pool:
        futures = {name: pool.submit(fetch) for name, fetch in fetches.items()}
        got = {name: future.result() for name, future in futures.items()}  # the first error is raised
    return ZoneCatalog(
        zoneid=zoneid,
        networks=[n for n in got["networks"] if str(n.get("traffictype", "Guest")).lower() == "guest"],
        service_offerings=[o for o in got["service_offerings"] if not o.get("issystem") and not o.get("systemvmtype")],
        disk_offerings=got["disk_offerings"],
        templates=_unique_templates(got["templates"]),
        storage_pools=[_pool(pool) for pool in got["storage_pools"]],
        hosts=[_host(host) for host in got["hosts"]],
        clusters=[_cluster(cluster) for cluster in got["clusters"]],
        cloudstack_version=".".join(str(part) for part in got["version"]),
    )


def _pool(pool: dict[str, Any]) -> dict[str, Any]:
    """What ``_rules.import_pools`` matches disks against (listStoragePools keys)."""
    keys = ("id", "name", "ipaddress", "path", "type", "scope", "clusterid", "zoneid", "tags", "istagarule", "state")
    return {key: pool.get(key) for key in keys}


def _host(host: dict[str, Any]) -> dict[str, Any]:
    """Agent version and host tags of a KVM host (listHosts keys)."""
    keys = ("id", "name", "version", "hosttags", "istagarule", "state", "resourcestate", "clusterid", "hypervisor")
    return {key: host.get(key) for key in keys}


def fetch_owner_accounts(client: Any, owners: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
    """The rows of the owner accounts plans name, as ``(account name, domain id)`` pairs: one
    listAccounts call per distinct pair. A domain given by name is resolved elsewhere; here only an id
    can be sent (CloudStack refuses a name as domainid), so such a pair is skipped, not guessed. An
    account that is not there is a row without an id, so the planner can say so.
    """
    rows: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for name, domain_id in owners:
        key = (str(name or "").strip(), str(domain_id or "").strip())
        if not key[0] or not is_uuid(key[1]) or (key[0].lower(), key[1].lower()) in seen:
            continue
        seen.add((key[0].lower(), key[1].lower()))
        # listAccounts matches the name exactly (QueryManagerImpl.searchForAccountsInternal, Op.EQ) but the
        # database collation may ignore case; keep the rows whose name is the one asked for
        found = client.list_all("listAccounts", name=key[0], domainid=key[1], listall=True)
        # a project's own account (accounttype 5) is not an owner finalyzeAccountId accepts by name
        named = [
            _account(row)
            for row in found
            if str(row.get("name", "")).lower() == key[0].lower() and str(row.get("accounttype")) != "5"
        ]
        rows += named or [{"id": None, "name": key[0], "domainid": key[1], "state": None}]
    return rows


def fetch_owner_projects(client: Any, project_ids: Iterable[str]) -> list[dict[str, Any]]:
    """The rows (id, name, state) of the projects plans name by id: one listProjects call per project.
    A project name was already turned into an id by the lookup that found it."""
    rows: list[dict[str, Any]] = []
    for project_id in sorted({str(p).strip().lower() for p in project_ids if is_uuid(str(p).strip())}):
        found = client.list_all("listProjects", id=project_id, listall=True)
        rows += [{key: row.get(key) for key in ("id", "name", "state")} for row in found]
    return rows


def _account(account: dict[str, Any]) -> dict[str, Any]:
    """An account's state (listAccounts keys): imports for an account that is not enabled are refused."""
    keys = ("id", "name", "domainid", "state")
    return {key: account.get(key) for key in keys}


def _cluster(cluster: dict[str, Any]) -> dict[str, Any]:
    """A cluster's allocation state (listClusters keys): importUnmanagedInstance refuses a disabled one."""
    keys = ("id", "name", "allocationstate", "hypervisortype")
    return {key: cluster.get(key) for key in keys}


def _unique_templates(templates: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """listTemplates returns one row per zone a template is in; keep one row per id."""
    seen: set[str] = set()
    unique = []
    for template in templates:
        ident = str(template.get("id", ""))
        if ident in seen:
            continue
        seen.add(ident)
        unique.append(template)
    return unique


def fetch_macs_in_use(client: Any, network_ids: Iterable[str]) -> dict[str, list[str]]:
    """MAC addresses CloudStack already gave out on each network.

    There is no list-NICs-by-network call for admins (listNics needs a VM id), so we list the
    VMs on each network and keep their NICs that sit on it: one call per network, only for
    networks the plan actually uses.
    """
    result: dict[str, list[str]] = {}
    for network_id in dict.fromkeys(str(n) for n in network_ids if n):
        macs: set[str] = set()
        for vm in client.list_all("listVirtualMachines", networkid=network_id, listall=True):
            for nic in vm.get("nic") or []:
                if str(nic.get("networkid", "")).lower() == network_id.lower() and nic.get("macaddress"):
                    macs.add(str(nic["macaddress"]).lower())
        result[network_id.lower()] = sorted(macs)
    return result


def fetch_network_usage(
    client: Any, network_ids: Iterable[str], networks: Iterable[dict[str, Any]] = ()
) -> dict[str, Any]:
    """What is already on each network a plan uses, for the planner's MAC, IP and hostname rules.

    One listVirtualMachines per network (as ``fetch_macs_in_use``) gives the MACs, IPv4 addresses and
    VM names; a Shared network (its type read from ``networks``, the catalog's rows) also gets its IP
    ranges (listVlanIpRanges), which importNic enforces from 4.20.2 on. Returns planner-input keys to
    merge into ``ZoneCatalog.as_planner_input()``.
    """
    macs: dict[str, list[str]] = {}
    ips: dict[str, list[str]] = {}
    names: dict[str, list[str]] = {}
    ranges: dict[str, list[list[str]]] = {}
    rows = {str(n.get("id")).lower(): n for n in networks if n.get("id")}
    for network_id in dict.fromkeys(str(n) for n in network_ids if n):
        network = rows.get(network_id.lower(), {"id": network_id})
        found_macs, found_ips, found_names = set(), set(), set()
        for vm in client.list_all("listVirtualMachines", networkid=network_id, listall=True):
            found_names.add(str(vm.get("name")))
            for nic in vm.get("nic") or []:
                if str(nic.get("networkid", "")).lower() != network_id.lower():
                    continue
                if nic.get("macaddress"):
                    found_macs.add(str(nic["macaddress"]).lower())
                for address in [nic.get("ipaddress"), *[s.get("ipaddress") for s in nic.get("secondaryip") or []]]:
                    if address:
                        found_ips.add(str(address))
        key = network_id.lower()
        macs[key], ips[key], names[key] = sorted(found_macs), sorted(found_ips), sorted(found_names)
        if str(network.get("type") or network.get("guestiptype") or "").lower() == "shared":
            try:
                vlan_ranges = client.list_all("listVlanIpRanges", networkid=network_id)
            except CloudStackApiError:
                continue  # not answered (older API, restricted caller): the range rule is skipped
            ranges[key] = [[str(r.get("startip")), str(r.get("endip"))] for r in vlan_ranges if r.get("startip")]
    return {"macs_in_use": macs, "ips_in_use": ips, "names_on_network": names, "ip_ranges": ranges}


def planned_network_ids(params: dict[str, Any]) -> list[str]:
    """Network ids named in a plan's ``nicnetworklist`` (list of ``{"nic", "network"}``)."""
    entries = params.get("nicnetworklist") or []
    if isinstance(entries, dict):
        entries = [entries]
    return [str(entry.get("network")) for entry in entries if isinstance(entry, dict) and entry.get("network")]
