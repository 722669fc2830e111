# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""Rules for the fix-ups after an import: a NIC for a NIC-less VM, secondary IPs, and what needs a restart.

- ``addNicToVirtualMachine``: ``UserVmManagerImpl.addNicToVirtualMachine`` refuses a second NIC on the same
  network, a network of another zone and a hostname the network already has (4.19-4.22 alike).
- ``addIpToNic``: ``AddIpToVmNicCmd.create`` → ``NetworkServiceImpl.allocateSecondaryGuestIP`` runs before the
  job is queued: a NIC on an L2 network, or an address that is not free (outside a Shared network's IP ranges or
  the Isolated CIDR, the gateway, already used), answers 530 'Failed to assign secondary ip to nic'; more than
  ``vm.network.nic.max.secondary.ipaddresses`` (default 10) answers 431.
- What an import leaves for a restart: a config drive exists only after CloudStack starts the VM
  (``ConfigDriveNetworkElement.addPasswordAndUserdata``), and a VM imported while running keeps the console
  (VNC) set-up of a domain CloudStack did not define until CloudStack starts it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._rules.catalogue import (
    ADD_IP,
    ADD_NIC,
    IMPORT_UNMANAGED,
    IMPORT_VM,
    MANAGER,
    SERVER_REJECTION,
    USER_VM_MANAGER,
    WARNING,
    Finding,
    Rule,
    Source,
    find,
)
from ansible_collections.acs.ingest.plugins.module_utils._rules.network_choice import uses_config_drive
from ansible_collections.acs.ingest.plugins.module_utils._rules.network_sources import NETWORK_SERVICE
from ansible_collections.acs.ingest.plugins.module_utils._rules.versions import Version

ADD_IP_CMD = "api/src/main/java/org/apache/cloudstack/api/command/user/vm/AddIpToVmNicCmd.java"
IP_MANAGER = "server/src/main/java/com/cloud/network/IpAddressManagerImpl.java"
CONFIG_DRIVE_ELEMENT = "server/src/main/java/com/cloud/network/element/ConfigDriveNetworkElement.java"
_ADD_NIC = Source(USER_VM_MANAGER, "UserVmManagerImpl.addNicToVirtualMachine")
_ALLOCATE = Source(NETWORK_SERVICE, "NetworkServiceImpl.allocateSecondaryGuestIP")
CONFIG_DRIVE_DETAIL = "configDriveLocation"
DEFAULT_SECONDARY_LIMIT = 10

NIC_ON_NETWORK_ALREADY = Rule(
    "nic_on_network_already",
    SERVER_REJECTION,
    "the VM already has a NIC on that network",
    (ADD_NIC,),
    (_ADD_NIC, Source(USER_VM_MANAGER, "UserVmManagerImpl.checkIfNetExistsForVM")),
    "A NIC already exists for VM:%s in network: %s",
    "the VM is on that network already; nothing to add",
)
NIC_NETWORK_OTHER_ZONE = Rule(
    "nic_network_other_zone",
    SERVER_REJECTION,
    "the network is in another zone than the VM",
    (ADD_NIC,),
    (_ADD_NIC,),
    "%s is in zone: %s but %s is in zone: %s",
    "choose a network of the VM's zone",
)
NIC_HOSTNAME_ON_NETWORK = Rule(
    "nic_hostname_on_network",
    SERVER_REJECTION,
    "another VM on the network has the VM's hostname",
    (ADD_NIC,),
    (
        _ADD_NIC,
        Source(
            "engine/schema/src/main/java/com/cloud/vm/dao/VMInstanceDaoImpl.java",
            "VMInstanceDaoImpl.listDistinctHostNames",
        ),
    ),
    "Network %s already has a vm with host name: %s",
    "rename one of the VMs, or choose another network",
)
SECONDARY_IP_ON_L2 = Rule(
    "secondary_ip_on_l2_network",
    SERVER_REJECTION,
    "an L2 network has no IP management, so a NIC on it takes no secondary IP",
    (ADD_IP,),
    (Source(ADD_IP_CMD, "AddIpToVmNicCmd.create"), _ALLOCATE),
    "Failed to assign secondary ip to nic",
    "map the NIC to a Shared (or Isolated) network, or leave the further addresses out",
)
SECONDARY_IP_NOT_FREE = Rule(
    "secondary_ip_not_free",
    SERVER_REJECTION,
    "the address is not free on the NIC's network (outside its IP ranges or CIDR, the gateway, or in use)",
    (ADD_IP,),
    (
        _ALLOCATE,
        Source(IP_MANAGER, "IpAddressManagerImpl.allocatePublicIpForGuestNic"),
        Source(IP_MANAGER, "IpAddressManagerImpl.acquireGuestIpAddress"),
    ),
    "Failed to assign secondary ip to nic",
    "give an address inside the network's IP range that no NIC uses, or extend the range",
)
SECONDARY_IP_LIMIT = Rule(
    "secondary_ip_limit",
    SERVER_REJECTION,
    "the NIC would have more secondary IPs than vm.network.nic.max.secondary.ipaddresses allows",
    (ADD_IP,),
    (_ALLOCATE,),
    "Allocating guest ip for nic failed : Maximum Number of Ips per Nic has been crossed.",
    "raise vm.network.nic.max.secondary.ipaddresses, or add fewer addresses",
)
CONFIG_DRIVE_AT_START = Rule(
    "config_drive_at_start",
    WARNING,
    "a config drive is built when CloudStack starts the VM; an imported VM that keeps running has none",
    (IMPORT_UNMANAGED, *IMPORT_VM),
    (
        Source(CONFIG_DRIVE_ELEMENT, "ConfigDriveNetworkElement.addPasswordAndUserdata"),
        Source(CONFIG_DRIVE_ELEMENT, "ConfigDriveNetworkElement.updateConfigDriveLocationInVMDetails"),
    ),
    "",
    "stop and start the VM through CloudStack (downtime) when its user data is needed: post_import restart=true",
)
CONSOLE_AFTER_LIVE_IMPORT = Rule(
    "console_after_live_import",
    WARNING,
    "a VM imported while running keeps the domain (and VNC set-up) CloudStack did not define; CloudStack's "
    "console works once CloudStack has started the VM itself",
    (IMPORT_UNMANAGED,),
    (Source(MANAGER, "UnmanagedVMsManagerImpl.importVirtualMachineInternal"),),
    "",
    "stop and start the VM through CloudStack (downtime) for console access: post_import restart=true",
    note="importVirtualMachineInternal only records the domain's VNC password (kvm.vnc.password); the domain "
    "keeps its own graphics definition until CloudStack defines it at a start.",
)
RULES = (
    NIC_ON_NETWORK_ALREADY,
    NIC_NETWORK_OTHER_ZONE,
    NIC_HOSTNAME_ON_NETWORK,
    SECONDARY_IP_ON_L2,
    SECONDARY_IP_NOT_FREE,
    SECONDARY_IP_LIMIT,
    CONFIG_DRIVE_AT_START,
    CONSOLE_AFTER_LIVE_IMPORT,
)


def _kind(network: Mapping[str, Any]) -> str:
    return str(network.get("type") or network.get("guestiptype") or "").lower()


def add_nic_findings(
    version: Version, vm: Mapping[str, Any], network: Mapping[str, Any], hostnames_on_network: Iterable[str]
) -> list[Finding]:
    """Why addNicToVirtualMachine would refuse to put ``vm`` on ``network``."""
    found: list[Finding] = []
    field, subject = "add_nic.network", str(vm.get("instancename") or vm.get("name") or "")
    if any(str(n.get("networkid")) == str(network.get("id")) for n in vm.get("nic") or []):
        detail = f"the VM already has a NIC on network {network.get('name')}"
        found.append(find(NIC_ON_NETWORK_ALREADY, field, detail, version, subject=subject))
    if str(network.get("zoneid")) != str(vm.get("zoneid")):
        detail = f"network {network.get('name')} is in zone {network.get('zonename')}, the VM in {vm.get('zonename')}"
        found.append(find(NIC_NETWORK_OTHER_ZONE, field, detail, version, subject=subject))
    elif vm.get("name") in set(hostnames_on_network) and not found:
        detail = f"network {network.get('name')} already has a VM named {vm.get('name')}"
        found.append(find(NIC_HOSTNAME_ON_NETWORK, field, detail, version, subject=subject))
    return found


def secondary_ip_findings(
    version: Version,
    nic: Mapping[str, Any],
    network: Mapping[str, Any],
    address: str,
    *,
    ranges: Sequence[tuple[str, str]] = (),
    used: Iterable[str] = (),
    secondary_count: int = 0,
    limit: int = DEFAULT_SECONDARY_LIMIT,
    field: str = "nic_ips",
) -> list[Finding]:
    """Why addIpToNic would refuse ``address`` for ``nic`` (what CloudStack can be asked beforehand)."""
    label = f"NIC {nic.get('deviceid')} ({nic.get('macaddress')})"
    if _kind(network) == "l2":
        detail = f"{label} is on L2 network {network.get('name')}, which takes no secondary IP {address}"
        return [find(SECONDARY_IP_ON_L2, field, detail, version)]
    if secondary_count >= limit:
        detail = f"{label} has {secondary_count} secondary IPs, the limit is {limit}"
        return [find(SECONDARY_IP_LIMIT, field, detail, version)]
    try:
        wanted = ipaddress.IPv4Address(address)
    except ValueError:
        return [find(SECONDARY_IP_NOT_FREE, field, f"{address!r} for {label} is not an IPv4 address", version)]
    why = ""
    if _kind(network) == "shared" and ranges:
        if not any(ipaddress.IPv4Address(lo) <= wanted <= ipaddress.IPv4Address(hi) for lo, hi in ranges):
            why = f"outside the IP ranges {', '.join(f'{lo}-{hi}' for lo, hi in ranges)} of {network.get('name')}"
    elif network.get("cidr"):
        cidr = ipaddress.IPv4Network(str(network["cidr"]).split(",", maxsplit=1)[0], strict=False)
        if wanted not in cidr or wanted in (cidr.network_address, cidr.broadcast_address):
            why = f"outside {cidr}"
    if not why and address == str(network.get("gateway")):
        why = "the network's gateway"
    if not why and address in set(used):
        why = f"already in use on {network.get('name')}"
    return [find(SECONDARY_IP_NOT_FREE, field, f"{address} for {label} is {why}", version)] if why else []


def restart_findings(
    version: Version, vm: Mapping[str, Any], networks: Mapping[str, Mapping[str, Any]], *, imported_live: bool
) -> list[Finding]:
    """What a restart through CloudStack would fix for a running imported VM (nothing for a stopped one:
    CloudStack's next start does it)."""
    if str(vm.get("state")) != "Running":
        return []
    subject, found = str(vm.get("instancename") or vm.get("name") or ""), []
    drive_networks = [
        str(networks[str(n.get("networkid"))].get("name"))
        for n in vm.get("nic") or []
        if str(n.get("networkid")) in networks and uses_config_drive(dict(networks[str(n.get("networkid"))]))
    ]
    if drive_networks and not (vm.get("details") or {}).get(CONFIG_DRIVE_DETAIL):
        detail = f"the VM is running on config-drive network(s) {', '.join(drive_networks)} without a config drive"
        found.append(find(CONFIG_DRIVE_AT_START, "restart", detail, version, subject=subject))
    if imported_live:
        detail = "the VM was imported while running and CloudStack has not started it since"
        found.append(find(CONSOLE_AFTER_LIVE_IMPORT, "restart", detail, version, subject=subject))
    return found


def restart_reason(finding: Finding) -> str:
    return {CONFIG_DRIVE_AT_START.code: "config_drive", CONSOLE_AFTER_LIVE_IMPORT.code: "console"}[finding.code]
