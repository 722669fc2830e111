# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""What CloudStack knows about a zone's guest networking: networks, offerings, physical networks, IP ranges.

One fetch per zone and module run (every call is a list, retried on 5xx answers), shaped for the pure
rules in ``_rules.networks`` and for the discovery report. ``listall=true`` makes a root admin see the
networks of every account, which is what "is there already a network with this VLAN in the zone" needs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.client import CloudStackClient
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.lookup import resolve_one
from ansible_collections.acs.ingest.plugins.module_utils._rules.network_choice import network_vlan


@dataclass
class ZoneNetworking:
    zone: dict[str, Any]
    networks: list[dict[str, Any]] = field(default_factory=list)
    offerings: list[dict[str, Any]] = field(default_factory=list)
    physical_networks: list[dict[str, Any]] = field(default_factory=list)
    guest_physical_ids: set[str] = field(default_factory=set)
    ip_ranges: list[dict[str, Any]] = field(default_factory=list)

    @property
    def zone_id(self) -> str:
        return str(self.zone.get("id"))

    def with_vlan(self, vlan: int | str) -> list[dict[str, Any]]:
        """Guest networks of the zone carrying ``vlan`` (an id, or ``"untagged"``)."""
        return [net for net in self.networks if network_vlan(net) == vlan]

    def ranges_of(self, network_id: str) -> list[dict[str, Any]]:
        return [r for r in self.ip_ranges if str(r.get("networkid")) == str(network_id)]

    @property
    def security_groups(self) -> bool:
        return bool(self.zone.get("securitygroupsenabled"))


def _guest(networks: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [n for n in networks if str(n.get("traffictype", "Guest")).lower() == "guest" and not n.get("issystem")]


def fetch_zone_networking(
    client: CloudStackClient, zone: dict[str, Any], *, with_catalogue: bool = True
) -> ZoneNetworking:
    """The zone's guest networks; with ``with_catalogue`` also offerings, physical networks, traffic and ranges."""
    zone_id = str(zone["id"])
    found = ZoneNetworking(zone=zone, networks=_guest(client.list_all("listNetworks", zoneid=zone_id, listall=True)))
    if not with_catalogue:
        return found
    found.offerings = client.list_all("listNetworkOfferings", zoneid=zone_id)
    found.physical_networks = client.list_all("listPhysicalNetworks", zoneid=zone_id)
    for physnet in found.physical_networks:
        traffic = client.list_all("listTrafficTypes", physicalnetworkid=physnet["id"])
        if any(str(t.get("traffictype")).lower() == "guest" for t in traffic):
            found.guest_physical_ids.add(str(physnet["id"]))
    found.ip_ranges = client.list_all("listVlanIpRanges", zoneid=zone_id)
    return found


def find_offering(
    client: CloudStackClient, wanted: str, zone_id: str, field_name: str = "network_offering"
) -> dict[str, Any]:
    return resolve_one(
        client, "listNetworkOfferings", wanted, kind="network offering", field=field_name, zoneid=zone_id
    )


def find_physical_network(
    client: CloudStackClient, wanted: str, zone_id: str, field_name: str = "physical_network"
) -> dict[str, Any]:
    return resolve_one(
        client, "listPhysicalNetworks", wanted, kind="physical network", field=field_name, zoneid=zone_id
    )
