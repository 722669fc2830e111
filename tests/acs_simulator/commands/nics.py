"""addNicToVirtualMachine and addIpToNic: the post-import fix-ups (a NIC for a NIC-less VM, secondary IPs).

addNicToVirtualMachine (AddNicToVMCmd, async) follows UserVmManagerImpl.addNicToVirtualMachine (4.19-4.22
alike): the VM must not have a NIC on that network already, the MAC (given or generated) must be free on
the network, the IP must parse, network and VM share a zone, the hostname must be unique on the network;
the first NIC of a NIC-less VM becomes its default; a running VM's NIC is plugged into the real domain
(VirtualMachineManagerImpl.addVmToNetwork → PlugNicCommand) on the host's bridge for the network's VLAN.

addIpToNic (AddIpToVmNicCmd, a BaseAsyncCreateCmd) allocates in ``create()``, before the job is queued,
so its refusals are synchronous (NetworkServiceImpl.allocateSecondaryGuestIP): more than
``vm.network.nic.max.secondary.ipaddresses`` → 431; an L2 network, or an address that is not free → 530
"Failed to assign secondary ip to nic". A Shared network allocates from its IP ranges
(IpAddressManagerImpl.allocatePublicIpForGuestNic: the address must be a Free record of a range), an
Isolated one from its CIDR minus the gateway and the used addresses (acquireGuestIpAddress).
"""

from __future__ import annotations

import ipaddress
import os
import random
import re
from typing import TYPE_CHECKING, Any

import libvirt

from ..errors import invalid_value, runtime_error, server_error
from ..params import Param, Parsed
from ..registry import AsyncWork, command, public
from .vm import _domain, bridge_for, vm_view

if TYPE_CHECKING:
    from ..sim import Simulator

# NetUtils.isValidMac (UserVmManagerImpl.validateOrReplaceMacAddress): one separator kind throughout, as
# importNic's check in nets.py (a mixed "52:54:00-aa:bb:cc" is replaced, not kept)
_MAC = re.compile(r"^(?:[0-9a-f]{1,2}([-:.]))(?:[0-9a-f]{1,2}\1){4}[0-9a-f]{1,2}$", re.IGNORECASE)


def _nics_on(sim: Simulator, network_id: str) -> list[dict[str, Any]]:
    return [n for n in sim.store.find("nic", networkid=network_id) if not n.get("removed")]


def _secondary_on(sim: Simulator, network_id: str) -> list[dict[str, Any]]:
    return sim.store.find("nicsecondaryip", networkid=network_id)


def _allocated(sim: Simulator, network: dict[str, Any]) -> set[str]:
    """Addresses no longer Free. Secondary IPs always; the NICs' own addresses on Isolated networks (CIDR-based
    allocation), and on Shared networks only where the import marks the range record Allocated (4.20.2/4.22,
    commit 86cad79c15; before, an imported NIC's address stays Free in the range)."""
    used = {s["ipaddress"] for s in _secondary_on(sim, network["id"])}
    if network["type"] != "Shared" or sim.has("shared_ip_from_range"):
        used |= {n["ipaddress"] for n in _nics_on(sim, network["id"]) if n.get("ipaddress")}
    return used


def _ranges(sim: Simulator, network: dict[str, Any]) -> list[tuple[ipaddress.IPv4Address, ipaddress.IPv4Address]]:
    rows = sim.store.find("vlaniprange", networkid=network["id"])
    return [(ipaddress.IPv4Address(r["startip"]), ipaddress.IPv4Address(r["endip"])) for r in rows]


def _free_addresses(sim: Simulator, network: dict[str, Any]) -> list[ipaddress.IPv4Address]:
    used = _allocated(sim, network)
    if network["type"] == "Shared":
        pool = [a for lo, hi in _ranges(sim, network) for a in _span(lo, hi)]
    else:
        cidr = ipaddress.IPv4Network(network["cidr"])
        pool = [a for a in cidr.hosts() if str(a) != network.get("gateway")]
    return [a for a in pool if str(a) not in used]


def _span(low: ipaddress.IPv4Address, high: ipaddress.IPv4Address) -> list[ipaddress.IPv4Address]:
    return [ipaddress.IPv4Address(n) for n in range(int(low), int(high) + 1)]


def _pick(sim: Simulator, network: dict[str, Any], wanted: str | None) -> str | None:
    free = _free_addresses(sim, network)
    if wanted is None:
        return str(free[0]) if free else None
    try:
        return wanted if ipaddress.IPv4Address(wanted) in free else None
    except ValueError:
        return None


@command(
    "addIpToNic",
    is_async=True,
    admin_only=False,
    java_class="org.apache.cloudstack.api.command.user.vm.AddIpToVmNicCmd",
    response_name="addiptovmnicresponse",
    params={"nicid": Param("uuid", "nic", required=True), "ipaddress": Param()},
)
def add_ip_to_nic(sim: Simulator, caller: dict[str, Any], p: Parsed) -> AsyncWork:
    nic = p.entities["nicid"]
    vm = sim.store.get("vm", nic["virtualmachineid"])
    if vm is None or vm.get("removed"):
        raise invalid_value(f"There is no VM with the NIC [{nic['id']}]")
    network = sim.store.get("network", nic["networkid"])
    if network is None:
        raise invalid_value("Invalid network id is given")
    limit = int(sim.config("vm.network.nic.max.secondary.ipaddresses", "10") or 10)
    if len(sim.store.find("nicsecondaryip", nicid=nic["id"])) >= limit:
        raise invalid_value("Allocating guest ip for nic failed : Maximum Number of Ips per Nic has been crossed.")
    if network["type"] not in ("Shared", "Isolated"):
        raise server_error("Failed to assign secondary ip to nic")  # "AddIpToVMNic is not supported in this network"
    with sim.lock:
        address = _pick(sim, network, p.get("ipaddress"))
        if address is None:
            raise server_error("Failed to assign secondary ip to nic")
        row = sim.store.put(
            "nicsecondaryip",
            {
                "ipaddress": address,
                "nicid": nic["id"],
                "networkid": network["id"],
                "virtualmachineid": vm["id"],
            },
        )

    def body() -> tuple[str, dict[str, Any]]:
        return "nicsecondaryip", public(row)

    return AsyncWork(body, "IpAddress", row["id"], created_id=row["id"])


def _plug(sim: Simulator, vm: dict[str, Any], network: dict[str, Any], mac: str, model: str) -> None:
    host = sim.store.get("host", vm.get("hostid"))
    if host is None:
        return
    bridge = bridge_for(sim, host, network)
    if not os.path.isdir(f"/sys/class/net/{bridge}"):
        raise runtime_error(
            f"Unable to add NIC to VM instance {vm['instancename']}: bridge {bridge} is missing on the host"
        )
    _conn, dom = _domain(sim, vm)
    if dom is None or not dom.isActive():
        return
    xml = (
        f"<interface type='bridge'><mac address='{mac}'/><source bridge='{bridge}'/><model type='{model}'/></interface>"
    )
    flags = libvirt.VIR_DOMAIN_AFFECT_LIVE | (libvirt.VIR_DOMAIN_AFFECT_CONFIG if dom.isPersistent() else 0)
    try:
        dom.attachDeviceFlags(xml, flags)
    except libvirt.libvirtError as exc:
        raise runtime_error(f"Unable to add NIC to VM instance {vm['instancename']}: {exc}") from None


def _new_mac(sim: Simulator, network_id: str) -> str:
    taken = {n.get("macaddress") for n in _nics_on(sim, network_id)}
    for _ in range(1000):
        mac = "02:00:" + ":".join(f"{random.randrange(256):02x}" for _ in range(4))
        if mac not in taken:
            return mac
    raise runtime_error("A MAC address cannot be generated for this NIC in the network")


@command(
    "addNicToVirtualMachine",
    is_async=True,
    admin_only=False,
    java_class="org.apache.cloudstack.api.command.user.vm.AddNicToVMCmd",
    params={
        "virtualmachineid": Param("uuid", "vm", required=True),
        "networkid": Param("uuid", "network", required=True),
        "ipaddress": Param(),
        "macaddress": Param(),
    },
)
def add_nic_to_virtual_machine(sim: Simulator, caller: dict[str, Any], p: Parsed) -> AsyncWork:
    def body() -> tuple[str, dict[str, Any]]:
        with sim.lock:
            vm = sim.store.get("vm", p.get("virtualmachineid"))
            if vm is None or vm.get("removed"):
                raise invalid_value(f"unable to find a virtual machine with id {p.get('virtualmachineid')}")
            network = sim.store.get("network", p.get("networkid"))
            assert network is not None
            nics = [n for n in sim.store.find("nic", virtualmachineid=vm["id"]) if not n.get("removed")]
            if any(n["networkid"] == network["id"] for n in nics):
                raise runtime_error(f"A NIC already exists for VM:{vm['instancename']} in network: {network['id']}")
            mac = (p.get("macaddress") or "").strip().lower()
            if not _MAC.match(mac):
                mac = _new_mac(sim, network["id"])  # validateOrReplaceMacAddress
            if any(n.get("macaddress") == mac for n in _nics_on(sim, network["id"])):
                raise runtime_error(f"A NIC with this MAC address exists for network: {network['id']}")
            wanted = p.get("ipaddress")
            if wanted is not None:
                try:
                    ipaddress.ip_address(wanted)
                except ValueError:
                    raise invalid_value(f"Invalid format for IP address parameter: {wanted}") from None
            if network["zoneid"] != vm["zoneid"]:
                raise runtime_error(
                    f"VM instance {vm['instancename']} is in zone: {vm['zonename']} but Network {network['name']} is "
                    f"in zone: {network['zonename']}"
                )
            on_network = {n["virtualmachineid"] for n in _nics_on(sim, network["id"])}
            names = {v.get("name") for v in sim.store.all("vm") if v["id"] in on_network and not v.get("removed")}
            if vm.get("name") in names:
                raise runtime_error(f"Network {network['name']} already has a vm with host name: {vm['name']}")
            doc: dict[str, Any] = {
                "virtualmachineid": vm["id"],
                "networkid": network["id"],
                "networkname": network["name"],
                "macaddress": mac,
                "deviceid": str(max([int(n["deviceid"]) for n in nics] or [-1]) + 1),
                "isdefault": not any(n.get("isdefault") for n in nics),  # setNicAsDefaultIfNeeded
                "traffictype": "Guest",
                "type": network["type"],
            }
            if network.get("broadcasturi"):
                doc.update(broadcasturi=network["broadcasturi"], isolationuri=network["broadcasturi"])
            if network["type"] != "L2":
                address = _pick(sim, network, wanted)
                if address is None:
                    raise runtime_error(f"Insufficient capacity when adding NIC to VM instance {vm['instancename']}")
                doc.update(ipaddress=address, gateway=network.get("gateway"), netmask=network.get("netmask"))
            if vm["state"] == "Running":
                _plug(sim, vm, network, mac, (vm.get("details") or {}).get("nicAdapter") or "virtio")
            sim.store.put("nic", doc)
            return "virtualmachine", vm_view(sim, sim.store.get("vm", vm["id"]) or vm)

    return AsyncWork(body, "VirtualMachine", p.get("virtualmachineid"))
