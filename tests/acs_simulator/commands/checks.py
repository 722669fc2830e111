"""Import checks shared by importUnmanagedInstance and importVm (facts §2.1, §2.2, §2.4).

Codes follow UnmanagedVMsManagerImpl: InvalidParameterValueException → 431, ServerApiException → its
own code (mostly 530); inside jobs only errorcode and errortext reach the client.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import random
import re
from typing import TYPE_CHECKING, Any

from ..errors import ApiError, invalid_value, server_error
from ..params import Parsed

if TYPE_CHECKING:
    from ..sim import Simulator

DUMMY_ISO = "system-default-vm-import-dummy-template.iso"
DUMMY_KVM = "kvm-default-vm-import-dummy-template"
_MAC = re.compile(r"^([0-9a-f]{2}:){5}[0-9a-f]{2}$")
_LABEL = re.compile(r"^[a-zA-Z0-9-]+$")


def now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S%z")


def valid_label(name: str | None) -> bool:
    """NetUtils.verifyDomainNameLabel(name, true)."""
    if not name or len(name) > 63 or not _LABEL.match(name):
        return False
    return not name.endswith("-") and not re.match(r"^[0-9-]", name)


INVALID_HOSTNAME = (
    "Invalid VM hostname. VM hostname can contain ASCII letters 'a' through 'z', the digits '0' "
    "through '9', and the hyphen ('-'), must be between 1 and 63 characters long, and can't start "
    'or end with "-" and can\'t start with digit'
)


def hostname_for(p: Parsed, default: str, external: bool) -> str:
    hostname = p.get("hostname")
    if not hostname:
        hostname = default
        if not valid_label(hostname):
            if external:
                raise invalid_value(
                    "Please provide hostname for the VM. VM name contains unsupported characters "
                    "for it to be used as hostname"
                )
            raise invalid_value(
                "Please provide a valid hostname for the VM. VM name contains unsupported characters "
                "that cannot be used as hostname."
            )
    if not valid_label(hostname):
        raise invalid_value(INVALID_HOSTNAME)
    return hostname


def basic(p: Parsed) -> None:
    if not p.get("name"):
        raise invalid_value("Instance name cannot be empty")
    if p.get("domainid") and not p.get("account"):
        raise invalid_value("domainid parameter must be specified with account parameter")


def template_for(sim: Simulator, p: Parsed) -> dict[str, Any]:
    """§2.1 step 4; without templateid the profiles differ (4.22 creates the KVM dummy, older ones the .iso)."""
    if p.get("templateid"):
        return p.entities["templateid"]
    found = sim.store.first("template", name=DUMMY_ISO)
    if found is None:
        name = DUMMY_KVM if sim.profile["name"] == "4.22" else DUMMY_ISO
        found = sim.store.first("template", name=name) or sim.store.put(
            "template",
            {
                "name": name,
                "displaytext": name,
                "hypervisor": "KVM",
                "format": "ISO" if name == DUMMY_ISO else "QCOW2",
                "isready": True,
                "templatetype": "SYSTEM",
                "ispublic": False,
            },
        )
    return found


def check_kvm_template(template: dict[str, Any]) -> None:
    if template["name"] == DUMMY_ISO:
        raise server_error("Template is needed and unable to use default template for hypervisor KVM")


def nic_network_map(sim: Simulator, p: Parsed) -> dict[str, dict[str, Any]]:
    out = {}
    for entry in p.get("nicnetworklist") or []:
        nic, net = entry.get("nic", ""), entry.get("network", "")
        network = sim.store.get("network", net) if net else None
        if not nic or network is None:
            raise invalid_value(f"Network ID: {net} for NIC ID: {nic} is invalid")
        out[nic] = network
    return out


def nic_ip_map(p: Parsed) -> dict[str, str]:
    out = {}
    for entry in p.get("nicipaddresslist") or []:
        nic, ip = entry.get("nic", ""), entry.get("ip4Address", "")
        if not nic:
            raise invalid_value(f"NIC ID: '{nic}' is invalid for IP address mapping")
        if not ip:
            raise invalid_value(f"Empty address for NIC ID: {nic} is invalid")
        if ip != "auto":
            try:
                ipaddress.IPv4Address(ip)
            except ValueError:
                raise invalid_value(f"IP address '{ip}' for NIC ID: {nic} is invalid") from None
        out[nic] = ip
    return out


def disk_offering_map(sim: Simulator, p: Parsed) -> dict[str, dict[str, Any]]:
    out = {}
    for entry in p.get("datadiskofferinglist") or []:
        disk, off = entry.get("disk", ""), entry.get("diskOffering", "")
        offering = sim.store.get("diskoffering", off) if off else None
        if not disk or offering is None:
            raise invalid_value(f"Disk offering ID: {off} for disk ID: {disk} is invalid")
        out[disk] = offering
    return out


def _used_ips(sim: Simulator, network_id: str) -> set[str]:
    return {
        n["ipaddress"]
        for n in sim.store.find("nic", networkid=network_id)
        if n.get("ipaddress") and not n.get("removed")
    }


def ip_available(sim: Simulator, network: dict[str, Any], ip: str) -> bool:
    start, end = ipaddress.IPv4Address(network["startip"]), ipaddress.IPv4Address(network["endip"])
    return start <= ipaddress.IPv4Address(ip) <= end and ip not in _used_ips(sim, network["id"])


def allocate_ip(sim: Simulator, network: dict[str, Any]) -> str | None:
    used = _used_ips(sim, network["id"])
    cur, end = ipaddress.IPv4Address(network["startip"]), ipaddress.IPv4Address(network["endip"])
    while cur <= end:
        if str(cur) not in used:
            return str(cur)
        cur += 1
    return None


def _check_ip(sim: Simulator, nic_id: str, network: dict[str, Any], ip: str | None) -> None:
    if network["type"] != "L2" and not ip:
        raise server_error(
            f"NIC(ID: {nic_id}) needs a valid IP address for it to be associated with network(ID: "
            f"{network['id']}). nicipaddresslist parameter of API can be used for this"
        )
    if network["type"] != "L2" and ip and ip != "auto" and not ip_available(sim, network, ip):
        raise server_error(f"IP address {ip} for NIC(ID: {nic_id}) is not available in network(ID: {network['id']})")


def _check_hostname_in_network(sim: Simulator, network: dict[str, Any], hostname: str) -> None:
    vm_ids = {n["virtualmachineid"] for n in sim.store.find("nic", networkid=network["id"]) if not n.get("removed")}
    for vm in sim.store.all("vm"):
        if vm["id"] in vm_ids and not vm.get("removed") and vm.get("name") == hostname:
            raise invalid_value(
                f"VM with Name [{hostname}] already exists in the network [{network['name']}] domain "
                f"[{network.get('networkdomain')}]. Cannot import another VM with the same name. "
                "Please try again with a different name."
            )


def map_nics(
    sim: Simulator,
    nics: list[dict[str, Any]],
    explicit: dict[str, dict[str, Any]],
    ips: dict[str, str],
    zone_id: str,
    hostname: str,
) -> dict[str, dict[str, Any]]:
    """getUnmanagedNicNetworkMap with KVM rules: explicit mapping, else the zone's first permitted network."""
    result: dict[str, dict[str, Any]] = {}
    adapter = None
    for nic in nics:
        if adapter is None:
            adapter = nic.get("adaptertype")
        elif adapter != nic.get("adaptertype"):
            raise server_error(
                f"Multiple network adapter of different type ({adapter}, {nic.get('adaptertype')}) are "
                "not supported for import. Please make sure that all network adapters are of the same type"
            )
        network = None
        if nic["id"] not in explicit:
            vlan = nic.get("vlanid")
            if vlan is not None and vlan != 0:
                for candidate in sim.store.all("network"):
                    if candidate.get("traffictype") != "Guest":
                        continue
                    if candidate["zoneid"] == zone_id:  # KVM: no VLAN comparison, the first one wins
                        network = candidate
                        _check_hostname_in_network(sim, network, hostname)
                        _check_ip(sim, nic["id"], network, ips.get(nic["id"]))
                        break
        else:
            network = explicit[nic["id"]]
            if network["zoneid"] != zone_id:
                raise server_error(
                    f"Network(ID: {network['id']}) for nic(ID: {nic['id']}) belongs to a different "
                    "zone than VM to be imported"
                )
            _check_hostname_in_network(sim, network, hostname)
            _check_ip(sim, nic["id"], network, ips.get(nic["id"]))
        if network is None:
            raise server_error(f"Suitable network for nic(ID: {nic['id']}) not found during VM import")
        result[nic["id"]] = network
    return result


def _mac_taken(sim: Simulator, network_id: str, mac: str) -> bool:
    return any(n.get("macaddress") == mac for n in sim.store.find("nic", networkid=network_id) if not n.get("removed"))


def check_macs(
    sim: Simulator, vm_name: str, nics: list[dict[str, Any]], nets: dict[str, dict[str, Any]], forced: bool
) -> None:
    """The MAC-in-use check of NetworkOrchestrator.importNic on its own (racy import mode), same text."""
    for nic in nics:
        mac = (nic.get("macaddress") or "").lower()
        network = nets[nic["id"]]
        if mac and not forced and _mac_taken(sim, network["id"], mac):
            raise server_error(
                f"Failed to import NICs while importing vm: {vm_name}. NIC with MAC address {mac} exists on "
                f"network {network['id']} and forced flag is disabled"
            )


def register_nics(
    sim: Simulator,
    vm: dict[str, Any],
    nics: list[dict[str, Any]],
    nets: dict[str, dict[str, Any]],
    ips: dict[str, str],
    forced: bool,
    check_taken: bool = True,
) -> None:
    """NetworkOrchestrator.importNic per NIC; raises with the inner message (caller wraps it).

    ``check_taken`` False: the MAC conflicts were checked earlier (racy import mode, check_macs)."""
    for index, nic in enumerate(nics):
        network = nets[nic["id"]]
        mac = (nic.get("macaddress") or "").lower()
        if not mac:
            raise ApiError(530, "Mac address not specified")
        if not _MAC.match(mac):
            raise ApiError(530, f"Invalid mac address: {mac}")
        if check_taken and _mac_taken(sim, network["id"], mac):
            if not forced:
                raise ApiError(
                    530, f"NIC with MAC address {mac} exists on network {network['id']} and forced flag is disabled"
                )
            for _ in range(100):
                mac = "02:00:" + ":".join(f"{random.randrange(256):02x}" for _ in range(4))
                if not _mac_taken(sim, network["id"], mac):
                    break
            else:
                raise ApiError(530, f"Could not generate a new mac address on network {network['id']}")
        doc: dict[str, Any] = {
            "virtualmachineid": vm["id"],
            "networkid": network["id"],
            "networkname": network["name"],
            "macaddress": mac,
            "deviceid": str(index),
            "isdefault": index == 0,
            "traffictype": "Guest",
            "type": network["type"],
        }
        if network.get("broadcasturi"):
            doc["broadcasturi"] = network["broadcasturi"]
            doc["isolationuri"] = network["broadcasturi"]
        if network["type"] != "L2":
            wanted = ips.get(nic["id"], "auto")
            ip = allocate_ip(sim, network) if wanted == "auto" else wanted
            if ip is None:
                raise ApiError(530, f"Unable to acquire Guest IP  address for network {network['id']}")
            doc.update(ipaddress=ip, gateway=network["gateway"], netmask=network["netmask"])
        sim.store.put("nic", doc)


def owner_for(sim: Simulator, caller: dict[str, Any], p: Parsed) -> dict[str, Any]:
    """getEntityOwnerId, evaluated before the job is queued."""
    if p.get("account") and p.get("domainid"):
        acct = sim.store.first("account", name=p.get("account"), domainid=p.get("domainid"))
        if acct is None:
            raise invalid_value(f"Unable to find account {p.get('account')} in domain id={p.get('domainid')}")
        return acct
    acct = sim.store.get("account", caller["accountid"])
    assert acct is not None
    return acct
