# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""Network discovery: every network an unmanaged VM is attached to, across CloudStack clusters, external KVM hosts
and plain libvirt URIs, and the CloudStack network carrying its VLAN in the zone (or none).

Sources, like the inventory plugin's:
- ``clusters``: the KVM hosts of CloudStack clusters (``listHosts``), read over libvirt at a URI made from
  ``host_uri`` (``{name}``/``{ipaddress}`` filled in; ``host_uris`` overrides per host). Domains CloudStack
  manages (any VM of the zone, by instance name) are left out. With no URI for a host, CloudStack's own
  view (``listUnmanagedInstances``) is used: MACs, models and the agent's VLAN, no bridges.
- ``external_hosts``: ``qemu+tcp://<host>/system`` as CloudStack reads them, with the SSH login CloudStack
  uses (username/password) for the host facts.
- ``libvirt_uris``: any URI, optionally in a zone.
One unreachable host is reported (``hosts[].error``) and the rest still discovered; only when every host fails
does the run fail. Nothing is changed anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.client import CloudStackClient
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.lookup import find_cluster, find_zone
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.networks import fetch_zone_networking
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import AcsIngestError, InputError
from ansible_collections.acs.ingest.plugins.module_utils._libvirt.vlan import HostNetFacts
from ansible_collections.acs.ingest.plugins.module_utils._planner.network_plan import nic_rows, plan_rows
from ansible_collections.acs.ingest.plugins.module_utils._planner.network_report import (
    group_networks,
    missing_networks,
    vlan_summary,
)
from ansible_collections.acs.ingest.plugins.module_utils._services.network_hosts import (
    HostReading,
    HostTarget,
    SshLogin,
    cloudstack_view_records,
    read_host,
    read_host_facts,
)

DEFAULT_HOST_URI = "qemu+ssh://root@{ipaddress}/system"


def _login(raw: Mapping[str, Any] | None, field: str) -> SshLogin | None:
    if not raw:
        return None
    if not raw.get("username"):
        raise InputError(
            f"{field}.username", "an SSH login needs a username", "set username (and password or key_file)"
        )
    return SshLogin(
        username=str(raw["username"]),
        password=raw.get("password"),
        key_file=raw.get("key_file"),
        port=int(raw.get("port") or 22),
        root=str(raw.get("root") or ""),
    )


class Discovery:
    def __init__(self, client_factory: Callable[[], CloudStackClient], options: Mapping[str, Any]) -> None:
        self._client_factory = client_factory
        self._client: CloudStackClient | None = None
        self.options = options
        self.zones: dict[str, dict[str, Any]] = {}
        self.managed: dict[str, set[str]] = {}
        self.warnings: list[str] = []
        pattern = options.get("name_filter")
        try:
            compiled = re.compile(pattern) if pattern else None
        except re.error as exc:
            raise InputError(
                "name_filter", f"'{pattern}' is not a regular expression ({exc})", "fix the pattern"
            ) from None
        self.name_filter: Callable[[str], bool] | None = None
        if compiled is not None:
            self.name_filter = lambda name: compiled.search(name) is not None

    @property
    def client(self) -> CloudStackClient:
        if self._client is None:
            self._client = self._client_factory()
        return self._client

    def zone(self, wanted: str, field: str) -> dict[str, Any]:
        zone = find_zone(self.client, wanted, field=field)
        self.zones[str(zone["id"])] = zone
        return zone

    def managed_names(self, zone_id: str) -> set[str]:
        """Instance names of every VM CloudStack manages in the zone (stopped ones may still be defined)."""
        if zone_id not in self.managed:
            vms = self.client.list_all("listVirtualMachines", zoneid=zone_id, listall=True)
            self.managed[zone_id] = {str(vm.get("instancename") or vm.get("name")) for vm in vms}
        return self.managed[zone_id]

    # --- the hosts to read ------------------------------------------------------------------------
    def targets(self) -> list[HostTarget]:
        o = self.options
        found: list[HostTarget] = []
        for index, wanted in enumerate(o.get("clusters") or []):
            found += self.cluster_targets(str(wanted), f"clusters[{index}]")
        for index, raw in enumerate(o.get("external_hosts") or []):
            field = f"external_hosts[{index}]"
            if not raw.get("host") or not raw.get("zone"):
                raise InputError(field, "an external host needs host and zone", "give host (its address) and zone")
            login = _login({**raw, "port": raw.get("ssh_port")}, field) if raw.get("username") else None
            found.append(
                HostTarget(
                    name=str(raw["host"]),
                    uri=raw.get("uri") or f"qemu+tcp://{raw['host']}/system",
                    source="external",
                    address=str(raw["host"]),
                    zone=self.zone(str(raw["zone"]), f"{field}.zone"),
                    ssh=login,
                    local_root=None,
                )
            )
        for index, raw in enumerate(o.get("libvirt_uris") or []):
            field = f"libvirt_uris[{index}]"
            raw = {"uri": raw} if isinstance(raw, str) else dict(raw)
            if not raw.get("uri"):
                raise InputError(field, "no uri", "give the libvirt URI, e.g. qemu:///system")
            zone = self.zone(str(raw["zone"]), f"{field}.zone") if raw.get("zone") else {}
            found.append(
                HostTarget(
                    name=str(raw.get("name") or raw["uri"]),
                    uri=str(raw["uri"]),
                    source="libvirt",
                    address=raw.get("address"),
                    zone=zone,
                    ssh=_login(raw.get("ssh"), f"{field}.ssh"),
                    local_root=raw.get("vlan_root") or o.get("vlan_root") or "/",
                    skip=self.managed_names(str(zone["id"])).__contains__ if zone else None,
                )
            )
        if not found:
            raise InputError(
                "clusters", "nothing to discover", "give clusters, external_hosts or libvirt_uris (at least one)"
            )
        return found

    def cluster_targets(self, wanted: str, field: str) -> list[HostTarget]:
        cluster = find_cluster(self.client, wanted, field=field)
        zone = self.zone(str(cluster["zoneid"]), f"{field}.zone")
        managed = self.managed_names(str(zone["id"]))
        template = self.options.get("host_uri")
        template = DEFAULT_HOST_URI if template is None else str(template)
        overrides = dict(self.options.get("host_uris") or {})
        targets = []
        for host in self.client.list_all("listHosts", clusterid=cluster["id"], type="Routing"):
            if str(host.get("state")) != "Up":
                self.warnings.append(
                    f"host {host.get('name')} of cluster {cluster.get('name')} is {host.get('state')}; skipped"
                )
                continue
            values = {"name": host.get("name"), "ipaddress": host.get("ipaddress")}
            uri = overrides.get(str(host.get("name"))) or overrides.get(str(host.get("ipaddress")))
            if uri is None and template:
                uri = template.format(**values)
            targets.append(
                HostTarget(
                    name=str(host.get("name")),
                    uri=uri or None,
                    source="cloudstack",
                    address=host.get("ipaddress"),
                    host_id=host.get("id"),
                    zone=zone,
                    cluster=cluster,
                    ssh=_login(self.options.get("ssh"), "ssh"),
                    local_root=self.options.get("vlan_root") or "/",
                    skip=managed.__contains__,
                )
            )
        return targets

    # --- reading ---------------------------------------------------------------------------------
    def read(self, target: HostTarget) -> HostReading:
        if target.uri:
            return read_host(target, name_filter=self.name_filter, addresses=bool(self.options.get("addresses", True)))
        # No libvirt access to this cluster host: CloudStack's agent view, bridges from host facts if any.
        listed = self.client.list_all("listUnmanagedInstances", clusterid=target.cluster.get("id"))
        listed = [i for i in listed if not self.name_filter or self.name_filter(str(i.get("name")))]
        host: dict[str, Any] = {**target.base(), "facts": "none", "error": None}
        try:
            facts = read_host_facts(target)
            host["facts"] = facts.source
        except AcsIngestError as error:
            facts, host["error"] = HostNetFacts(), f"host facts: {error}"
        records = cloudstack_view_records(target, listed, facts)
        host.update(domains=len({r["vm"] for r in records}), nics=len(records))
        return HostReading(records, host)

    def run(self) -> dict[str, Any]:
        targets = self.targets()
        records: list[dict[str, Any]] = []
        hosts = []
        unreachable = []
        for target in targets:
            try:
                reading = self.read(target)
            except AcsIngestError as error:
                hosts.append({**target.base(), "facts": "none", "domains": 0, "nics": 0, "error": str(error)})
                unreachable.append(f"{target.name}: {error}")
                self.warnings.append(f"host {target.name} ({target.uri}) was not discovered: {error}")
                continue
            records += reading.records
            hosts.append(reading.host)
            if reading.host.get("error"):
                self.warnings.append(f"host {target.name}: {reading.host['error']}")
        if len(unreachable) == len(targets):
            raise AcsIngestError(
                "no host could be discovered: " + "; ".join(unreachable),
                field="clusters" if self.options.get("clusters") else "libvirt_uris",
                fix="check the libvirt URIs (host_uri, host_uris, uri) and that this controller can reach them",
            )
        zone_networks = {
            zone_id: fetch_zone_networking(self.client, zone, with_catalogue=False).networks
            for zone_id, zone in self.zones.items()
        }
        networks = group_networks(records, zone_networks)
        summary = vlan_summary(networks)
        return {
            "changed": False,
            "networks": networks,
            "vlans": summary,
            "missing": missing_networks(summary),
            "networks_plan": plan_rows(summary),
            "nic_report": nic_rows(networks),
            "hosts": hosts,
            "count": {"hosts": len(hosts), "networks": len(networks), "vlans": len(summary), "nics": len(records)},
            "warnings": self.warnings,
        }


def discover_networks(client_factory: Callable[[], CloudStackClient], options: Mapping[str, Any]) -> dict[str, Any]:
    """The network_discovery_info module's one call. ``client_factory`` is only called when CloudStack is needed."""
    return Discovery(client_factory, options).run()
