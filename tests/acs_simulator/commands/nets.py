"""NICs of an imported VM: which network, which IP, which MAC (and listVlanIpRanges).

Sources: ``server/src/main/java/org/apache/cloudstack/vm/UnmanagedVMsManagerImpl.java``
``getUnmanagedNicNetworkMap``, ``checkUnmanagedNicAndNetworkForImport``,
``checkUnmanagedNicAndNetworkHostnameForImport``,
``checkUnmanagedNicIpAndNetworkForImport``; ``server/src/main/java/com/cloud/network/NetworkModelImpl.java``
``getAvailableIps``, ``getUsedIpsInNetwork``, ``checkNetworkPermissions``;
``server/src/main/java/com/cloud/network/IpAddressManagerImpl.java`` ``acquireGuestIpAddress``;
``engine/orchestration/src/main/java/org/apache/cloudstack/engine/orchestration/NetworkOrchestrator.java``
``importNic``, ``getSelectedIpForNicImport``, ``getSelectedIpForNicImportOnSharedNetwork`` (4.20.2, 4.22),
``generateNewMacAddressIfForced``. 4.19.0–4.22.0.
"""

from __future__ import annotations

import ipaddress
import random
import re
from typing import TYPE_CHECKING, Any

from ..errors import ApiError, invalid_value, runtime_error, server_error
from . import checks

if TYPE_CHECKING:
    from ..sim import Simulator

# NetUtils.isValidMac: six groups of 1-2 hex digits, one separator kind, case-insensitive
_MAC = re.compile(r"^(?:[0-9a-f]{1,2}([-:.]))(?:[0-9a-f]{1,2}\1){4}[0-9a-f]{1,2}$", re.I)
_SYSTEM_TRAFFIC = ("None", "Management", "Control", "Storage")  # TrafficType.None + isSystemNetwork
_rng = random.Random()


# --- IP addresses ----------------------------------------------------------------------------------------
def used_ips(sim: Simulator, network_id: str) -> set[str]:
    """getUsedIpsInNetwork: IPv4 of every non-removed NIC on the network (preserved NICs of unmanaged VMs too)."""
    return {
        n["ipaddress"]
        for n in sim.store.find("nic", networkid=network_id)
        if n.get("ipaddress") and not n.get("removed")
    }


def available_ips(sim: Simulator, network: dict[str, Any], requested: str | None) -> list[str]:
    """NetworkModelImpl.getAvailableIps: CIDR hosts minus used addresses minus the gateway (IP ranges ignored)."""
    if not network.get("cidr"):
        return []
    used = used_ips(sim, network["id"])
    if requested is not None and requested in used:
        return []
    net = ipaddress.IPv4Network(network["cidr"], strict=False)
    if net.prefixlen >= 31:
        return []  # NetUtils.getAllIpsFromCidr leaves out network and broadcast addresses
    return [str(h) for h in net.hosts() if str(h) not in used and str(h) != network.get("gateway")]


def ranges_of(sim: Simulator, network_id: str) -> list[dict[str, Any]]:
    return [r for r in sim.store.find("vlaniprange", networkid=network_id) if not r.get("removed")]


def free_range_ips(sim: Simulator, network: dict[str, Any]) -> list[str]:
    """The user_ip_address records of a shared network's IP ranges that are still Free."""
    allocated = {
        a["address"] for a in sim.store.find("ipaddress", networkid=network["id"]) if a["state"] == "Allocated"
    }
    allocated |= {s["ipaddress"] for s in sim.store.find("nicsecondaryip", networkid=network["id"])}
    if sim.has("shared_ip_from_range"):  # NICs made since (addNicToVirtualMachine, imports) hold theirs
        allocated |= used_ips(sim, network["id"])
    out = []
    for rng in ranges_of(sim, network["id"]):
        cur, end = ipaddress.IPv4Address(rng["startip"]), ipaddress.IPv4Address(rng["endip"])
        while cur <= end:
            if str(cur) not in allocated:
                out.append(str(cur))
            cur += 1
    return out


def _in_ranges(sim: Simulator, network: dict[str, Any], ip: str) -> bool:
    addr = ipaddress.IPv4Address(ip)
    return any(
        ipaddress.IPv4Address(r["startip"]) <= addr <= ipaddress.IPv4Address(r["endip"])
        for r in ranges_of(sim, network["id"])
    )


def has_services(network: dict[str, Any]) -> bool:
    """listNetworkOfferingServices(network offering) is not empty."""
    if "service" in network:
        return bool(network["service"])
    return network["type"] != "L2"


def select_ip(sim: Simulator, network: dict[str, Any], requested: str | None) -> str | None:
    """getSelectedIpForNicImport: shared networks use their IP ranges from 4.20.2/4.22, else the CIDR allocator."""
    if network["type"] == "L2":
        return None
    if network["type"] == "Shared" and sim.has("shared_ip_from_range"):
        free = free_range_ips(sim, network)
        ip = (free[0] if free else None) if requested is None else (requested if requested in free else None)
        if ip is None:
            raise runtime_error(f"Cannot find a free IP to assign to VM NIC on network {network['name']}")
        return ip
    # IpAddressManagerImpl.acquireGuestIpAddress
    if requested is not None and requested == network.get("gateway"):
        return None
    available = available_ips(sim, network, requested)
    if not available:
        return None
    if requested is not None:
        net = ipaddress.IPv4Network(network["cidr"], strict=False)
        addr = ipaddress.IPv4Address(requested)
        return requested if addr in net and addr not in (net.network_address, net.broadcast_address) else None
    return _rng.choice(available)  # a random free CIDR address, possibly outside the shared IP ranges


# --- mapping NICs to networks ----------------------------------------------------------------------------
def check_permission(sim: Simulator, owner: dict[str, Any], network: dict[str, Any]) -> None:
    """NetworkModelImpl.checkNetworkPermissions (skipped for root admins with admin.is.allowed.to.deploy.anywhere)."""
    if checks.is_root_admin(owner) and sim.config("admin.is.allowed.to.deploy.anywhere", "false").lower() == "true":
        return
    if network["type"] != "Shared" or network.get("acltype") == "Account":
        mine = network.get("accountid") == owner["id"] or (
            network.get("account") == owner["name"] and network.get("domainid") == owner["domainid"]
        )
        if not mine:
            raise runtime_error(f"Unable to use network with id= {network['id']}, permission denied")
        return
    net_domain = sim.store.get("domain", network.get("domainid"))
    own_domain = sim.store.get("domain", owner["domainid"])
    assert own_domain is not None
    ok = net_domain is not None and (
        own_domain["path"] == net_domain["path"]
        or (network.get("subdomainaccess", True) and own_domain["path"].startswith(net_domain["path"] + "/"))
    )
    if not ok:
        raise runtime_error(f"Shared network id={network['id']} is not available in domain id={own_domain['id']}")


def _check_network(
    sim: Simulator, owner: dict[str, Any], nic: dict[str, Any], network: dict[str, Any], zone_id: str
) -> None:
    """checkUnmanagedNicAndNetworkForImport (the VLAN comparison is VMware only)."""
    if network["zoneid"] != zone_id:
        raise server_error(
            f"Network(ID: {network['id']}) for nic(ID: {nic['id']}) belongs to a different zone than VM to be imported"
        )
    check_permission(sim, owner, network)


def _check_hostname(sim: Simulator, network: dict[str, Any], hostname: str) -> None:
    """VMInstanceDaoImpl.listDistinctHostNames: names of non-removed VMs with a NIC on the network."""
    vm_ids = {n["virtualmachineid"] for n in sim.store.find("nic", networkid=network["id"]) if not n.get("removed")}
    for vm in sim.store.all("vm"):
        if vm["id"] in vm_ids and not vm.get("removed") and vm.get("name") == hostname:
            raise invalid_value(
                f"VM with Name [{hostname}] already exists in the network [{checks.network_str(network)}] domain "
                f"[{network.get('networkdomain')}]. Cannot import another VM with the same name. "
                "Please try again with a different name."
            )


def _check_ip(sim: Simulator, nic_id: str, network: dict[str, Any], ip: str | None) -> None:
    """checkUnmanagedNicIpAndNetworkForImport: non-L2 needs an address; a concrete one must be free in the CIDR."""
    if network["type"] == "L2":
        return
    if not ip:
        raise server_error(
            f"NIC(ID: {nic_id}) needs a valid IP address for it to be associated with network(ID: "
            f"{network['id']}). nicipaddresslist parameter of API can be used for this"
        )
    if ip != "auto" and ip not in available_ips(sim, network, ip):
        raise server_error(f"IP address {ip} for NIC(ID: {nic_id}) is not available in network(ID: {network['id']})")


def map_nics(
    sim: Simulator,
    owner: dict[str, Any],
    nics: list[dict[str, Any]],
    explicit: dict[str, dict[str, Any]],
    ips: dict[str, str],
    zone_id: str,
    hostname: str,
) -> dict[str, dict[str, Any]]:
    """getUnmanagedNicNetworkMap (KVM): explicit mapping, else the zone's first usable network when vlanid is set."""
    result: dict[str, dict[str, Any]] = {}
    adapter = None
    for nic in nics:
        if not adapter:
            adapter = nic.get("adaptertype")
        elif adapter != nic.get("adaptertype"):
            raise server_error(
                f"Multiple network adapter of different type ({adapter}, {nic.get('adaptertype')}) are "
                "not supported for import. Please make sure that all network adapters are of the same type"
            )
        network = None
        ip = ips.get(nic["id"])
        if nic["id"] not in explicit:
            vlan = nic.get("vlanid")
            if vlan is not None and vlan != 0:  # no VLAN (null) or VLAN 0: no auto-mapping at all
                for candidate in sorted(sim.store.find("network", zoneid=zone_id), key=lambda n: n["_seq"]):
                    if candidate.get("removed") or candidate.get("traffictype") in _SYSTEM_TRAFFIC:
                        continue
                    try:
                        _check_network(sim, owner, nic, candidate, zone_id)
                    except ApiError:
                        continue  # logged, next network
                    network = candidate
                    _check_hostname(sim, network, hostname)
                    _check_ip(sim, nic["id"], network, ip)
                    break
        else:
            network = explicit[nic["id"]]
            _check_network(sim, owner, nic, network, zone_id)
            _check_hostname(sim, network, hostname)
            _check_ip(sim, nic["id"], network, ip)
        if network is None:
            raise server_error(f"Suitable network for nic(ID: {nic['id']}) not found during VM import")
        result[nic["id"]] = network
    return result


# --- NetworkOrchestrator.importNic -----------------------------------------------------------------------
def _mac_taken(sim: Simulator, network_id: str, mac: str) -> bool:
    return any(
        (n.get("macaddress") or "").lower() == mac.lower()
        for n in sim.store.find("nic", networkid=network_id)
        if not n.get("removed")
    )


def _mac_clash_text(sim: Simulator, mac: str, network: dict[str, Any]) -> str:
    """generateNewMacAddressIfForced without forced; the network is printed three ways over the releases."""
    if sim.version == "4.19.0":
        return f"NIC with MAC address = {mac} exists on network with ID = {network['_seq']} and forced flag is disabled"
    where = (
        f"network {checks.network_str(network)}" if sim.has("object_strings") else f"network with ID {network['id']}"
    )
    return f"NIC with MAC address {mac} exists on {where} and forced flag is disabled"


def check_macs(
    sim: Simulator, vm_name: str, nics: list[dict[str, Any]], nets: dict[str, dict[str, Any]], forced: bool
) -> None:
    """The MAC-in-use check of importNic on its own (racy import mode), with importVirtualMachineInternal's wrapper."""
    for nic in nics:
        mac = (nic.get("macaddress") or "").strip()
        if mac and not forced and _mac_taken(sim, nets[nic["id"]]["id"], mac):
            raise server_error(
                f"Failed to import NICs while importing vm: {vm_name}. {_mac_clash_text(sim, mac, nets[nic['id']])}"
            )


def next_free_mac(sim: Simulator, network_id: str) -> str:
    """NetworkModel.getNextAvailableMacAddressInNetwork (the network's own MAC sequence)."""
    for i in range(1, 1 << 16):
        seq = _seq_of(sim, network_id)
        mac = f"02:00:{(seq >> 8) & 0xFF:02x}:{seq & 0xFF:02x}:{i >> 8:02x}:{i & 0xFF:02x}"
        if not _mac_taken(sim, network_id, mac):
            return mac
    raise runtime_error(f"Could not generate a new mac address on network {network_id}")


def _seq_of(sim: Simulator, network_id: str) -> int:
    net = sim.store.get("network", network_id)
    return int(net["_seq"]) if net else 0


def import_nic(
    sim: Simulator,
    vm: dict[str, Any],
    nic: dict[str, Any],
    network: dict[str, Any],
    ip: str | None,
    device_id: int,
    forced: bool,
    check_taken: bool = True,
) -> dict[str, Any]:
    """importNic: IP first, then the MAC (validated from 4.19.1), a clash needs forced; returns the NIC row.

    ``check_taken`` False: the MAC conflicts were checked earlier (racy import mode, ``check_macs``)."""
    selected = None
    if ip:
        selected = select_ip(sim, network, None if ip == "auto" else ip)
        if selected is None and network["type"] != "L2" and has_services(network):
            raise runtime_error(f"Unable to acquire Guest IP  address for network {checks.network_str(network)}")
    mac = nic.get("macaddress") or ""
    if sim.has("nic_mac_validated"):
        if not mac.strip():
            raise runtime_error("Mac address not specified")
        mac = mac.strip()
        if not _MAC.match(mac):
            raise runtime_error(f"Invalid mac address: {mac}")
    if check_taken and _mac_taken(sim, network["id"], mac):
        if not forced:
            raise runtime_error(_mac_clash_text(sim, mac, network))
        mac = next_free_mac(sim, network["id"])
    doc: dict[str, Any] = {
        "virtualmachineid": vm["id"],
        "networkid": network["id"],
        "networkname": network["name"],
        "macaddress": mac,
        "deviceid": str(device_id),
        "isdefault": device_id == 0,
        "traffictype": "Guest",
        "type": network["type"],
    }
    if network.get("broadcasturi"):
        doc["broadcasturi"] = network["broadcasturi"]
        doc["isolationuri"] = network["broadcasturi"]
    if selected and network.get("gateway"):
        doc.update(ipaddress=selected, gateway=network["gateway"], netmask=network.get("netmask"))
    if (
        selected
        and network["type"] == "Shared"
        and sim.has("shared_ip_from_range")
        and _in_ranges(sim, network, selected)
    ):
        sim.store.put("ipaddress", {"networkid": network["id"], "address": selected, "state": "Allocated"})
    return sim.store.put("nic", doc)
