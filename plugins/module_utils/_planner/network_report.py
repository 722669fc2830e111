# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""From NIC observations to the network discovery report: networks per host, VLANs per zone, and what is missing.

Discovery observes one record per unmanaged VM's NIC (host, attachment, VLAN and where the VLAN came from,
physical interface, MAC, model, addresses). This groups them into networks (one per host, attachment and
VLAN), matches each to the CloudStack guest network carrying that VLAN in the zone the way the import
planner does (an L2 or Shared network first, any guest network carrying the VLAN otherwise), and rolls
them up per zone and VLAN: the rows of the networks plan, which say what guest_network must create.

Pure: plain dicts in and out, sorted so reruns produce identical reports.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._rules.network_choice import UNTAGGED, network_vlan

# Where a VLAN came from, most direct first.
VLAN_SOURCES = (
    "xml-tag",  # <vlan><tag id=...> on the interface
    "libvirt-network",  # the libvirt network's (or port group's) <vlan>
    "ovs-port-tag",  # the OVS port's tag
    "ovs-fake-bridge",  # an OVS fake bridge (parent + VLAN), as CloudStack's OVS bridges are made
    "vlan-subinterface",  # the Linux bridge's uplink is an 802.1Q device (/proc/net/vlan)
    "bridge-name",  # CloudStack's bridge naming br<pif>-<vlan> (or cloudVirBr<vlan>)
    "cloudstack-agent",  # what CloudStack's KVM agent reported (listUnmanagedInstances), no host access
    "xml-trunk",  # a trunk of several VLANs: no single network can carry it
    "untagged",  # the bridge exists and its uplink carries no VLAN
    "unknown",  # no host facts and nothing in the XML or the name
)
EXISTS, MISSING, AMBIGUOUS, UNTAGGED_MISSING, UNKNOWN, NO_ZONE = (
    "exists",
    "missing",
    "ambiguous",
    "untagged",
    "unknown",
    "no_zone",
)
ATTACHMENT_KEYS = ("interface_type", "bridge", "libvirt_network", "ovs_bridge", "device")
HOST_KEYS = ("zone", "zoneid", "cluster", "clusterid", "host", "host_address", "uri", "source")


def _guest(network: Mapping[str, Any]) -> bool:
    return str(network.get("traffictype") or "Guest").lower() == "guest" and not network.get("issystem")


def _kind(network: Mapping[str, Any]) -> str:
    return str(network.get("type") or network.get("guestiptype") or "").lower()


def match_network(vlan: Any, networks: Sequence[Mapping[str, Any]]) -> tuple[str, list[Mapping[str, Any]]]:
    """(status, candidates) for a VLAN in a zone: the network(s) carrying it, L2/Shared ones first."""
    if vlan is None:
        return UNKNOWN, []
    carrying = [n for n in networks if _guest(n) and network_vlan(dict(n)) == vlan]
    preferred = [n for n in carrying if _kind(n) in ("l2", "shared")] or carrying
    if len(preferred) == 1:
        return EXISTS, preferred
    if preferred:
        return AMBIGUOUS, preferred
    return (UNTAGGED_MISSING if vlan == UNTAGGED else MISSING), []


def _net_ref(network: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": network.get("id"),
        "name": network.get("name"),
        "type": network.get("type") or network.get("guestiptype"),
    }


def _vm_entry(nic: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "name": nic.get("vm"),
        "state": nic.get("vm_state"),
        "nic": nic.get("nic"),
        "mac": nic.get("mac"),
        "model": nic.get("model"),
        "port": nic.get("port"),
        "ips": list(nic.get("ips") or []),
    }


def group_networks(
    nics: Iterable[Mapping[str, Any]], zone_networks: Mapping[str, Sequence[Mapping[str, Any]]]
) -> list[dict[str, Any]]:
    """One row per (host, attachment, VLAN) with its VMs and the CloudStack network carrying the VLAN."""
    rows: dict[tuple[Any, ...], dict[str, Any]] = {}
    for nic in nics:
        key = tuple(str(nic.get(k) or "") for k in (*HOST_KEYS, *ATTACHMENT_KEYS, "vlan"))
        row = rows.get(key)
        if row is None:
            row = {k: nic.get(k) for k in (*HOST_KEYS, *ATTACHMENT_KEYS)}
            row.update(
                vlan=nic.get("vlan"),
                vlan_source=nic.get("vlan_source"),
                vlan_tags=list(nic.get("vlan_tags") or []),
                uplink=nic.get("uplink"),
                physical_interface=nic.get("physical_interface"),
                vms=[],
            )
            zoneid = str(nic.get("zoneid") or "")
            candidates: list[Mapping[str, Any]]
            if not zoneid:
                status, candidates = NO_ZONE, []
            else:
                status, candidates = match_network(nic.get("vlan"), zone_networks.get(zoneid, []))
            row["status"] = status
            row["cloudstack_network"] = _net_ref(candidates[0]) if status == EXISTS else None
            row["candidates"] = [_net_ref(n) for n in candidates] if status == AMBIGUOUS else []
            rows[key] = row
        row["vms"].append(_vm_entry(nic))
    for row in rows.values():
        row["vms"].sort(key=lambda vm: (str(vm["name"]), str(vm["nic"])))
    return sorted(rows.values(), key=lambda r: tuple(str(r.get(k) or "") for k in ("zone", "host", "bridge", "vlan")))


def vlan_summary(networks: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One row per (zone, VLAN): what CloudStack has for it, where it is seen, and the VMs on it."""
    summary: dict[tuple[str, str], dict[str, Any]] = {}
    for net in networks:
        key = (str(net.get("zoneid") or ""), str(net.get("vlan")))
        row = summary.setdefault(
            key,
            {
                "zone": net.get("zone"),
                "zoneid": net.get("zoneid"),
                "vlan": net.get("vlan"),
                "status": net.get("status"),
                "cloudstack_network": net.get("cloudstack_network"),
                "candidates": net.get("candidates") or [],
                "vlan_sources": [],
                "hosts": [],
                "bridges": [],
                "physical_interfaces": [],
                "vms": [],
                "observed_ips": [],
            },
        )
        for field, value in (
            ("vlan_sources", net.get("vlan_source")),
            ("hosts", net.get("host")),
            ("bridges", net.get("bridge") or net.get("libvirt_network") or net.get("device")),
            ("physical_interfaces", net.get("physical_interface")),
        ):
            if value and value not in row[field]:
                row[field].append(value)
        for vm in net.get("vms") or []:
            if vm["name"] not in row["vms"]:
                row["vms"].append(vm["name"])
            row["observed_ips"].extend(ip for ip in vm.get("ips") or [] if ip not in row["observed_ips"])
    for row in summary.values():
        for field in ("vlan_sources", "hosts", "bridges", "physical_interfaces", "vms", "observed_ips"):
            row[field] = sorted(row[field], key=str)
    return sorted(summary.values(), key=lambda r: (str(r["zone"] or ""), _vlan_order(r["vlan"])))


def _vlan_order(vlan: Any) -> tuple[int, str]:
    return (0, f"{vlan:05d}") if isinstance(vlan, int) else (1, str(vlan))


def missing_networks(summary: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The VLANs guest_network has to create: a VLAN id seen on a host, no CloudStack network carrying it."""
    return [
        {"zone": r["zone"], "zoneid": r["zoneid"], "vlan": r["vlan"], "hosts": r["hosts"], "vms": r["vms"]}
        for r in summary
        if r["status"] == MISSING and isinstance(r["vlan"], int)
    ]
