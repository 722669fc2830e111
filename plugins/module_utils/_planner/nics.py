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
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._core.parse import text
from ansible_collections.acs.ingest.plugins.module_utils._planner.inputs import Catalog, normalize_mac
from ansible_collections.acs.ingest.plugins.module_utils._planner.resolve import device_label, map_device_keys, resolve
from ansible_collections.acs.ingest.plugins.module_utils._planner.types import Findings, describe, short_list, to_int
from ansible_collections.acs.ingest.plugins.module_utils._planner.wishes import Wishes

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
    """The NIC's VLAN; -1, 0 and None all mean unknown (facts §3.1: the parser never reads it)."""
    vlan = to_int(nic.get("vlanid", nic.get("vlan")))
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
        findings.problem(
            "nic_vlan_unknown",
            field,
            f"{label} has no known VLAN (vlanid {nic.get('vlanid', nic.get('vlan'))!r}), so it cannot be matched "
            "to a network; CloudStack's own KVM fallback would pick the first permitted network",
            map_fix,
        )
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
    nic_id: str, label: str, network: dict[str, Any], wanted: tuple[str, str] | None, findings: Findings
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
    cidr = text(network.get("cidr"))
    try:
        subnet = ipaddress.IPv4Network(cidr, strict=False) if cidr else None
    except ValueError:
        subnet = None
    if subnet is not None and address not in subnet:
        findings.problem(
            "ip_outside_cidr",
            field,
            f"IP address {value} for {label} is outside {cidr} of network {describe(network)}",
            f"give an address inside {cidr} or 'auto'",
        )
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
        mac = normalize_mac(nic.get("macaddress"))
        if not mac:
            findings.problem(
                "nic_mac_invalid",
                f"nic[{nic_id}].macaddress",
                f"{label} has no valid MAC address ({text(nic.get('macaddress')) or 'none'})",
                "give the NIC a MAC address in the domain XML",
            )
        if index in net_wishes:
            key, wanted = net_wishes[index]
            network = resolve(wanted, networks, kind="network", field=f"nic_networks[{key}]", findings=findings)
            if network is not None and not _in_zone(network, zone_id):
                findings.problem(
                    "network_other_zone",
                    f"nic_networks[{key}]",
                    f"network {describe(network)} for {label} is in zone {network.get('zoneid')}, "
                    f"not in the VM's zone {zone_id}",
                    "map the NIC to a network of the VM's zone",
                )
                network = None
            if (
                network is not None
                and nic_vlan(nic)
                and network_vlan(network)
                and nic_vlan(nic) != network_vlan(network)
            ):
                findings.note(
                    f"nic_networks[{key}]",
                    f"{label} is on VLAN {nic_vlan(nic)} but is mapped to "
                    f"{_with_vlan(network)} as requested; check the guest's "
                    "connectivity after import",
                )
        else:
            network = _match_by_vlan(nic, nic_id, zone_networks, findings)
        if network is None:
            continue
        network_id = text(network.get("id"))
        network_list.append({"nic": nic_id, "network": network_id})
        ip = _ip_for(nic_id, label, network, ip_wishes.get(index), findings)
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
        _check_mac_in_use(mac, label, network, catalog, wishes.forced or for_import_vm, for_import_vm, findings)
    _check_adapters(nics, findings)
    return network_list, ip_list


def _check_mac_in_use(
    mac: str,
    label: str,
    network: dict[str, Any],
    catalog: Catalog,
    forced: bool,
    for_import_vm: bool,
    findings: Findings,
) -> None:
    if not mac or mac not in catalog.macs_on(text(network.get("id"))):
        return
    what = f"MAC {mac} of {label} is already in use on network {describe(network)}"
    if forced:
        why = "importVm always regenerates conflicting MACs" if for_import_vm else "forced is true"
        findings.note(
            "forced",
            f"{what}; {why}, so CloudStack gives the NIC a new MAC (guest network "
            "configuration bound to the old MAC must be updated)",
        )
        return
    findings.problem(
        "mac_in_use",
        "forced",
        f"{what}; CloudStack would fail with 'NIC with MAC address {mac} exists on network ... and forced flag "
        "is disabled'",
        "free that MAC on the network, or set forced: true to let CloudStack generate a new MAC for this NIC "
        "(then update guest network configuration bound to the old MAC)",
    )


def _check_adapters(nics: list[dict[str, Any]], findings: Findings) -> None:
    """Facts §2.2: all NICs must share one adapter type."""
    types = {text(nic.get("adaptertype")).lower() for nic in nics} - {""}
    if len(types) <= 1:
        return
    listing = short_list(f"{device_label(nic, 'NIC')}: {text(nic.get('adaptertype')) or '?'}" for nic in nics)
    findings.problem(
        "nic_adapter_mixed",
        "nic",
        f"network adapters of different types ({listing}); CloudStack refuses 'Multiple network adapter of "
        "different type'",
        "give all interfaces the same <model type> (e.g. virtio) in the domain XML and restart the VM",
    )
