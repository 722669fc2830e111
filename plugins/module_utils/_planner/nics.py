# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE: NICs → networks and IPs for an import (facts §2.2 "NICs and networks").

CloudStack's KVM code maps an unmapped NIC to the *first permitted* zone network, whatever
its VLAN; that silently puts VMs on the wrong network. So we always send an explicit
`nicnetworklist`: the user's map where given, else the one L2/Shared network carrying the
NIC's VLAN.

IP decision: a non-L2 network needs `nicipaddresslist`; when the user gives no IP we send
`auto` (CloudStack allocates a free address, as the §4.2 smoke tests do) and say so in a
note, because the guest keeps its own static configuration until it is changed.
L2 networks have no IP management: an IP given for one is ignored, with a note.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import replace
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._core.parse import text
from ansible_collections.acs.ingest.plugins.module_utils._planner.inputs import Catalog, normalize_mac
from ansible_collections.acs.ingest.plugins.module_utils._planner.resolve import device_label, map_device_keys, resolve
from ansible_collections.acs.ingest.plugins.module_utils._planner.types import Findings, describe, short_list, to_int
from ansible_collections.acs.ingest.plugins.module_utils._planner.wishes import Wishes
from ansible_collections.acs.ingest.plugins.module_utils._rules.catalogue import IMPORT_EXTERNAL, IMPORT_UNMANAGED
from ansible_collections.acs.ingest.plugins.module_utils._rules.import_network import (
    adapters_findings,
    ip_findings,
    is_valid_mac,
    mac_findings,
    nic_network_findings,
)

_BROADCAST_VLAN = re.compile(r"^(?:vlan|pvlan)://(\d+)", re.IGNORECASE)
AUTO = "auto"


def network_vlan(network: dict[str, Any]) -> int | None:
    """VLAN id of a network from `vlan` (`100` or `vlan://100`) or `broadcasturi`; pvlan → primary."""
    for raw in (network.get("vlan"), network.get("broadcasturi")):
        number = to_int(raw)
        if number is not None and number > 0:
            return number
        match = _BROADCAST_VLAN.match(text(raw))
        if match:
            return int(match.group(1))
    return None


def network_type(network: dict[str, Any]) -> str:
    """Guest type lower-cased: `l2`, `shared`, `isolated` or '' when the catalog does not say."""
    return text(network.get("type") or network.get("guestiptype")).lower()


def nic_vlan(nic: dict[str, Any]) -> int | None:
    """The NIC's VLAN: ours (``vlan``, from <vlan><tag>, the host bridge or its name) when we could tell,
    else CloudStack's ``vlanid``; -1, 0 and None all mean unknown (the agent never reads <vlan>)."""
    vlan = to_int(nic.get("vlan"))
    if vlan is None or vlan <= 0:
        vlan = to_int(nic.get("vlanid"))
    return vlan if vlan is not None and vlan > 0 else None


def _is_guest(network: dict[str, Any]) -> bool:
    traffic = text(network.get("traffictype")).lower()
    return traffic in ("", "guest") and not network.get("issystem")


def _in_zone(network: dict[str, Any], zone_id: str | None) -> bool:
    zone = text(network.get("zoneid")).lower()
    return not zone_id or not zone or zone == zone_id.lower()


def _with_vlan(network: dict[str, Any]) -> str:
    vlan = network_vlan(network)
    return f"{describe(network)} [{network_type(network) or '?'}, VLAN {vlan if vlan else 'none'}]"


def _nic_id(nic: dict[str, Any], index: int) -> str:
    return text(nic.get("id")) or str(index)


def _match_by_vlan(
    nic: dict[str, Any], nic_id: str, networks: list[dict[str, Any]], findings: Findings
) -> dict[str, Any] | None:
    label = device_label(nic, "NIC")
    field = f"nic_networks[{nic_id}]"
    vlan = nic_vlan(nic)
    map_fix = f"map it explicitly, e.g. nic_networks: {{'{nic_id}': '<network id or name>'}}"
    if vlan is None:
        # getUnmanagedNicNetworkMap: an unmapped NIC without a VLAN is refused; with -1 CloudStack would pick
        # the first permitted network, whatever its VLAN. We never leave a NIC unmapped.
        unmapped = nic_network_findings(findings.server, nic=nic, network=None, field=field)
        findings.rules(replace(f, specific_fix=map_fix) for f in unmapped)
        return None
    same_vlan = [net for net in networks if network_vlan(net) == vlan]
    preferred = [net for net in same_vlan if network_type(net) in ("l2", "shared")]
    # Isolated networks get their VLAN from the zone range when implemented; the smoke
    # tests (facts §4.2) still match them by VLAN, so accept one when no L2/Shared fits.
    candidates = preferred or same_vlan
    if len(candidates) == 1:
        chosen = candidates[0]
        if not preferred:
            findings.note(
                field,
                f"{label} on VLAN {vlan} matched {network_type(chosen) or 'untyped'} network "
                f"{describe(chosen)} (no L2 or Shared network carries VLAN {vlan})",
            )
        return chosen
    if candidates:
        findings.problem(
            "nic_vlan_ambiguous",
            field,
            f"{label} is on VLAN {vlan}, which more than one network carries: "
            f"{short_list(_with_vlan(net) for net in candidates)}",
            f"choose one: {map_fix}",
        )
        return None
    shown = [net for net in networks if network_type(net) in ("l2", "shared")] or networks
    findings.problem(
        "nic_vlan_no_match",
        field,
        f"{label} is on VLAN {vlan}, but no L2 or Shared network in the zone carries it; candidates: "
        f"{short_list(_with_vlan(net) for net in shown)}",
        f"create an L2 or Shared network with VLAN {vlan}, or {map_fix}",
    )
    return None


def _ip_for(
    nic_id: str,
    label: str,
    network: dict[str, Any],
    wanted: tuple[str, str] | None,
    catalog: Catalog,
    findings: Findings,
) -> str | None:
    """The ip4Address to send for one NIC, or None when nothing is sent."""
    kind = network_type(network)
    field = f"nic_ips[{wanted[0] if wanted else nic_id}]"
    if kind == "l2":
        if wanted and wanted[1] and wanted[1].lower() != AUTO:
            findings.note(
                field, f"{label}: IP '{wanted[1]}' ignored, L2 network {describe(network)} has no IP management"
            )
        return None
    if not wanted or not wanted[1]:
        findings.note(
            field,
            f"{label}: no IP given for {kind or 'non-L2'} network {describe(network)}; "
            "sending ip4Address=auto (CloudStack allocates a free address)",
        )
        return AUTO
    value = wanted[1]
    several = [part for part in re.split(r"[\s,]+", value) if part]
    if len(several) > 1:
        # CloudStack imports one address per NIC; the others are the NIC's secondary IPs, added after the
        # import by the post_import fix-up (addIpToNic).
        value = several[0]
        findings.note(
            field,
            f"{label}: importing {value}; {', '.join(several[1:])} are added afterwards as secondary IPs "
            "(post_import, addIpToNic)",
        )
    if value.lower() == AUTO:
        if network_type(network) == "shared":
            found = ip_findings(
                findings.server,
                nic_id=nic_id,
                network=network,
                ip=AUTO,
                ranges=catalog.ranges_of(text(network.get("id"))),
            )
            findings.rules(replace(f, field=field) for f in found)
        return AUTO
    try:
        address = ipaddress.IPv4Address(value)
    except ValueError:
        findings.problem(
            "ip_invalid",
            field,
            f"IP address '{value}' for {label} is not an IPv4 address",
            "give an IPv4 address or 'auto'",
        )
        return None
    # checkUnmanagedNicIpAndNetworkForImport (CIDR, gateway, used) and importNic (Shared: the IP ranges)
    network_id = text(network.get("id")).lower()
    found = ip_findings(
        findings.server,
        nic_id=nic_id,
        network=network,
        ip=str(address),
        used=catalog.ips_in_use.get(network_id, ()),
        ranges=catalog.ranges_of(network_id),
    )
    if not findings.rules(replace(f, field=field) for f in found):
        return None
    return str(address)


def plan_nics(
    instance: dict[str, Any],
    wishes: Wishes,
    catalog: Catalog,
    findings: Findings,
    *,
    zone_id: str | None = None,
    for_import_vm: bool = False,
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """(`nicnetworklist`, `nicipaddresslist`) for the instance; problems go to `findings`."""
    raw_nics = instance.get("nic")
    nics = [nic for nic in raw_nics if isinstance(nic, dict)] if isinstance(raw_nics, list) else []
    networks = [net for net in catalog.networks if _is_guest(net)]
    zone_networks = [net for net in networks if _in_zone(net, zone_id)]

    def by_id(key: str, nic: dict[str, Any]) -> bool:
        return text(nic.get("id")) == key

    def by_mac(key: str, nic: dict[str, Any]) -> bool:
        return bool(normalize_mac(key)) and normalize_mac(key) == normalize_mac(nic.get("macaddress"))

    matchers = (by_id, by_mac)
    net_wishes = map_device_keys(
        wishes.nic_networks, nics, matchers, kind="NIC", field="nic_networks", findings=findings
    )
    ip_wishes = map_device_keys(wishes.nic_ips, nics, matchers, kind="NIC", field="nic_ips", findings=findings)

    network_list: list[dict[str, str]] = []
    ip_list: list[dict[str, str]] = []
    explicit_ips: dict[tuple[str, str], str] = {}
    for index, nic in enumerate(nics):
        nic_id = _nic_id(nic, index)
        label = device_label(nic, "NIC")
        # importNic: a valid MAC (4.19.1+); a MAC in use on the network is checked below
        api = IMPORT_EXTERNAL if for_import_vm else IMPORT_UNMANAGED
        findings.rules(mac_findings(findings.server, api=api, nic=nic, network=None))
        if index in net_wishes:
            key, wanted = net_wishes[index]
            network = resolve(wanted, networks, kind="network", field=f"nic_networks[{key}]", findings=findings)
            if network is not None:
                # checkUnmanagedNicAndNetworkForImport (zone) and checksOnlyNeededForVmware (VLAN: not on KVM)
                found = nic_network_findings(
                    findings.server,
                    nic={**nic, "vlan": nic_vlan(nic)},
                    network=network,
                    network_vlan=network_vlan(network),
                    zoneid=zone_id or "",
                    field=f"nic_networks[{key}]",
                )
                if not findings.rules(found):
                    network = None
        else:
            network = _match_by_vlan(nic, nic_id, zone_networks, findings)
        if network is None:
            continue
        network_id = text(network.get("id"))
        network_list.append({"nic": nic_id, "network": network_id})
        ip = _ip_for(nic_id, label, network, ip_wishes.get(index), catalog, findings)
        if ip is not None:
            ip_list.append({"nic": nic_id, "ip4Address": ip})
            if ip != AUTO:
                other = explicit_ips.setdefault((network_id.lower(), ip), nic_id)
                if other != nic_id:
                    findings.problem(
                        "ip_duplicate",
                        f"nic_ips[{nic_id}]",
                        f"IP {ip} is given to NIC {other} and NIC {nic_id} on network {describe(network)}",
                        "give each NIC its own address or 'auto'",
                    )
        if not is_valid_mac(text(nic.get("macaddress"))):
            continue  # reported above
        findings.rules(
            mac_findings(
                findings.server,
                api=IMPORT_EXTERNAL if for_import_vm else IMPORT_UNMANAGED,
                nic=nic,
                network=network,
                macs_in_use=catalog.macs_on(network_id),
                forced=wishes.forced,
            )
        )
    # getUnmanagedNicNetworkMap: one adapter type for all NICs
    findings.rules(adapters_findings(findings.server, nics))
    return network_list, ip_list
