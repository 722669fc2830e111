# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""Server rules about the hostname, NICs, networks, IP addresses and MAC addresses.

Before the VM record exists ``UnmanagedVMsManagerImpl`` checks each listed NIC against its network
(``getUnmanagedNicNetworkMap``, ``checkUnmanagedNicAndNetworkForImport``,
``checkUnmanagedNicIpAndNetworkForImport``, ``checkUnmanagedNicAndNetworkHostnameForImport``);
after the volumes ``NetworkOrchestrator.importNic`` picks the IP and checks the MAC, and a failure
there removes the half-imported VM again.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._rules.catalogue import (
    IMPORT_EXTERNAL,
    IMPORT_UNMANAGED,
    IMPORT_VM,
    MANAGER,
    NET_UTILS,
    NETWORK_MODEL,
    NETWORK_ORCHESTRATOR,
    SERVER_REJECTION,
    VM_INSTANCE_DAO,
    WARNING,
    Finding,
    Rule,
    Source,
    find,
)
from ansible_collections.acs.ingest.plugins.module_utils._rules.versions import (
    BEFORE_FIX_19_2_20_1,
    IN_20_2_AND_22,
    Version,
    before,
    spans,
)

NIC_APIS = (IMPORT_UNMANAGED, IMPORT_EXTERNAL)
IMPORT_NIC = Source(NETWORK_ORCHESTRATOR, "NetworkOrchestrator.importNic")
_HOSTNAME = re.compile(r"[a-zA-Z0-9-]+")
_OLD_HOSTNAME = re.compile(r"[a-z0-9-]*")
_MAC = re.compile(r"^(?:[0-9a-f]{1,2}([-:.]))(?:[0-9a-f]{1,2}\1){4}[0-9a-f]{1,2}$", re.IGNORECASE)

HOSTNAME_INVALID = Rule(
    code="hostname_invalid",
    kind=SERVER_REJECTION,
    title="the hostname is not a DNS label (1-63 ASCII letters, digits, '-', not starting with a digit or '-')",
    apis=(IMPORT_UNMANAGED, *IMPORT_VM),
    sources=(
        Source(MANAGER, "UnmanagedVMsManagerImpl.getHostNameForImportInstance"),
        Source(NET_UTILS, "NetUtils.verifyDomainNameLabel"),
    ),
    cloudstack_text="Invalid VM hostname. VM hostname can contain ASCII letters 'a' through 'z', the digits '0' "
    "through '9', and the hyphen ('-'), must be between 1 and 63 characters long, and can't start or end with \"-\" "
    "and can't start with digit",
    fix="give a valid hostname (the planner derives one from the VM name and says so)",
    note="Without hostname, importUnmanagedInstance uses the display name and importVm the VM name, with the text "
    "'Please provide a valid hostname for the VM...'.",
)
HOSTNAME_IN_USE_ON_NETWORK = Rule(
    code="hostname_in_use_on_network",
    kind=SERVER_REJECTION,
    title="another VM (any state short of expunged, routers too) on a NIC's network has this name",
    apis=NIC_APIS,
    sources=(
        Source(MANAGER, "UnmanagedVMsManagerImpl.checkUnmanagedNicAndNetworkHostnameForImport"),
        Source(VM_INSTANCE_DAO, "VMInstanceDaoImpl.listDistinctHostNames"),
    ),
    cloudstack_text="VM with Name [%s] already exists in the network [%s] domain [%s]. Cannot import another VM with "
    "the same name. Please try again with a different name.",
    fix="pick another hostname, or expunge the old VM",
)
NIC_ADAPTERS_MIXED = Rule(
    code="nic_adapters_mixed",
    kind=SERVER_REJECTION,
    title="the listed NICs do not all have the same adapter type",
    apis=NIC_APIS,
    sources=(Source(MANAGER, "UnmanagedVMsManagerImpl.getUnmanagedNicNetworkMap"),),
    cloudstack_text="Multiple network adapter of different type (%s) are not supported for import. Please make sure "
    "that all network adapters are of the same type",
    fix="give every interface the same <model type> (e.g. virtio)",
)
NIC_NETWORK_UNMAPPED = Rule(
    code="nic_network_unmapped",
    kind=SERVER_REJECTION,
    title="a NIC without a network in nicnetworklist and without a VLAN is not auto-mapped",
    apis=NIC_APIS,
    sources=(Source(MANAGER, "UnmanagedVMsManagerImpl.getUnmanagedNicNetworkMap"),),
    cloudstack_text="Suitable network for nic(ID: %s) not found during VM import",
    fix="map the NIC to a network explicitly (nic_networks)",
    note="With a VLAN (even -1) CloudStack maps the NIC to the first permitted network of the zone, whatever its "
    "VLAN: the planner therefore always sends an explicit nicnetworklist.",
)
NETWORK_OTHER_ZONE = Rule(
    code="network_other_zone",
    kind=SERVER_REJECTION,
    title="a NIC is mapped to a network of another zone",
    apis=NIC_APIS,
    sources=(Source(MANAGER, "UnmanagedVMsManagerImpl.checkUnmanagedNicAndNetworkForImport"),),
    cloudstack_text="Network(ID: %s) for nic(ID: %s) belongs to a different zone than VM to be imported",
    fix="map the NIC to a network of the VM's zone",
)
NIC_VLAN_NOT_CHECKED_KVM = Rule(
    code="nic_vlan_not_checked_kvm",
    kind=WARNING,
    title="on KVM the mapped network's VLAN is not compared with the NIC's: the VM moves to it on its next start",
    apis=NIC_APIS,
    sources=(Source(MANAGER, "UnmanagedVMsManagerImpl.checksOnlyNeededForVmware"),),
    cloudstack_text="",
    fix="map each NIC to the network carrying its VLAN",
)
IP_REQUIRED_NON_L2 = Rule(
    code="ip_required_non_l2",
    kind=SERVER_REJECTION,
    title="a NIC on an Isolated or Shared network needs an entry in nicipaddresslist",
    apis=NIC_APIS,
    sources=(Source(MANAGER, "UnmanagedVMsManagerImpl.checkUnmanagedNicIpAndNetworkForImport"),),
    cloudstack_text="NIC(ID: %s) needs a valid IP address for it to be associated with network(ID: %s). "
    "nicipaddresslist parameter of API can be used for this",
    fix="give the NIC an address or 'auto' (the planner sends 'auto' when none is given)",
)
IP_NOT_AVAILABLE = Rule(
    code="ip_outside_cidr",
    kind=SERVER_REJECTION,
    title="the requested IP is not a host address of the network's CIDR, or is its gateway",
    apis=NIC_APIS,
    sources=(
        Source(MANAGER, "UnmanagedVMsManagerImpl.checkUnmanagedNicIpAndNetworkForImport"),
        Source(NETWORK_MODEL, "NetworkModelImpl.getAvailableIps"),
        Source(NET_UTILS, "NetUtils.getAllIpsFromCidr"),
    ),
    cloudstack_text="IP address %s for NIC(ID: %s) is not available in network(ID: %s)",
    fix="give a free address inside the network's CIDR (not its gateway), or 'auto'",
)
IP_IN_USE = Rule(
    code="ip_in_use",
    kind=SERVER_REJECTION,
    title="the requested IP is used by a NIC (VM, router, preserved NIC) of the network",
    apis=NIC_APIS,
    sources=(
        Source(NETWORK_MODEL, "NetworkModelImpl.getAvailableIps"),
        Source(NETWORK_MODEL, "NetworkModelImpl.getUsedIpsInNetwork"),
    ),
    cloudstack_text="IP address %s for NIC(ID: %s) is not available in network(ID: %s)",
    fix="give a free address, or 'auto'",
    note="Preserved NICs of unmanaged VMs and internal load-balancer IPs are not visible to list APIs.",
)
IP_OUTSIDE_RANGE = Rule(
    code="ip_outside_range",
    kind=SERVER_REJECTION,
    title="on a Shared network the IP must be a free address of one of the network's IP ranges",
    apis=(IMPORT_UNMANAGED, *IMPORT_VM),
    sources=(IMPORT_NIC, Source(NETWORK_ORCHESTRATOR, "NetworkOrchestrator.getSelectedIpForNicImportOnSharedNetwork")),
    cloudstack_text="Failed to import NICs while importing vm: %s. Cannot find a free IP to assign to VM NIC on "
    "network %s",
    fix="give a free address inside one of the network's IP ranges (listVlanIpRanges), or extend a range",
    versions=IN_20_2_AND_22,
    note="4.20.2 and 4.22 (86cad79c15); 4.19-4.21.0 check the CIDR only.",
)
IP_RANGE_NOT_ENFORCED = Rule(
    code="ip_range_not_enforced",
    kind=WARNING,
    title="on a Shared network CloudStack accepts an IP outside its ranges and does not reserve the range entry",
    apis=(IMPORT_UNMANAGED, *IMPORT_VM),
    sources=(Source(NETWORK_ORCHESTRATOR, "NetworkOrchestrator.getSelectedIpForNicImport"),),
    cloudstack_text="",
    fix="give concrete addresses from the network's IP ranges, or upgrade to 4.20.2/4.22",
    versions=spans(((0, 0, 0), (4, 20, 2)), ((4, 21, 0), (4, 22, 0))),
)
MAC_INVALID = Rule(
    code="mac_invalid",
    kind=SERVER_REJECTION,
    title="the NIC's MAC address is missing or not a MAC",
    apis=NIC_APIS,
    sources=(IMPORT_NIC, Source(NET_UTILS, "NetUtils.isValidMac")),
    cloudstack_text="Failed to import NICs while importing vm: %s. Invalid mac address: %s",
    fix="give the interface a valid <mac address=...>",
    versions=(spans(((4, 19, 1), None))),
    note="4.19.0 stores whatever the agent reported.",
)
MAC_IN_USE_NOT_FORCED = Rule(
    code="mac_in_use_not_forced",
    kind=SERVER_REJECTION,
    title="a NIC on the same network already has this MAC and forced is not set",
    apis=(IMPORT_UNMANAGED,),
    sources=(IMPORT_NIC, Source(NETWORK_ORCHESTRATOR, "NetworkOrchestrator.generateNewMacAddressIfForced")),
    cloudstack_text="NIC with MAC address %s exists on network %s and forced flag is disabled",
    texts=(
        (before((4, 19, 1)), "NIC with MAC address = %s exists on network with ID = %s and forced flag is disabled"),
        (before((4, 20, 1)), "NIC with MAC address %s exists on network with ID %s and forced flag is disabled"),
    ),
    fix="free the MAC on that network, or set forced: true (CloudStack then gives the NIC a new MAC)",
)
MAC_REGENERATED_FORCED = Rule(
    code="mac_regenerated_forced",
    kind=WARNING,
    title="the NIC gets a new MAC (forced, or importVm which always forces); the guest sees it on its next start",
    apis=(IMPORT_UNMANAGED, *IMPORT_VM),
    sources=(Source(NETWORK_ORCHESTRATOR, "NetworkOrchestrator.generateNewMacAddressIfForced"),),
    cloudstack_text="",
    fix="update guest network configuration bound to the old MAC, or free the MAC first",
)

RULES = (
    HOSTNAME_INVALID,
    HOSTNAME_IN_USE_ON_NETWORK,
    NIC_ADAPTERS_MIXED,
    NIC_NETWORK_UNMAPPED,
    NETWORK_OTHER_ZONE,
    NIC_VLAN_NOT_CHECKED_KVM,
    IP_REQUIRED_NON_L2,
    IP_NOT_AVAILABLE,
    IP_IN_USE,
    IP_OUTSIDE_RANGE,
    IP_RANGE_NOT_ENFORCED,
    MAC_INVALID,
    MAC_IN_USE_NOT_FORCED,
    MAC_REGENERATED_FORCED,
)


def is_valid_hostname(name: str, version: Version | None = None) -> bool:
    """``NetUtils.verifyDomainNameLabel(name, true)`` (4.19.2+/4.20.1+ ASCII pattern; older lower-case first)."""
    length = len(name.encode("utf-16-le")) // 2
    # utils/src/main/java/com/cloud/utils/net/NetUtils.java NetUtils.verifyDomainNameLabel: up to 4.19.1 and in
    # 4.20.0 the label is lower-cased before the [a-z0-9-]* match (188eacd9eb replaced that with an ASCII
    # pattern), so a character whose lower case is ASCII passes there: the Kelvin sign U+212A is 'k'.
    # (Found by tests/integration/differential against the simulator's checks.valid_label.)
    lowered_first = version is not None and version in BEFORE_FIX_19_2_20_1
    return (
        1 <= length <= 63
        and bool(_OLD_HOSTNAME.fullmatch(name.lower()) if lowered_first else _HOSTNAME.fullmatch(name))
        and not name.startswith("-")
        and not name.endswith("-")
        and not name[:1].isdigit()
    )


def is_valid_mac(mac: str) -> bool:
    """``NetUtils.isValidMac``: six groups of one or two hex digits, one separator (":", "-" or ".")."""
    return bool(_MAC.match(mac.strip()))


def hostname_findings(version: Version, hostname: str, *, subject: str = "") -> list[Finding]:
    if is_valid_hostname(hostname, version):
        return []
    return [find(HOSTNAME_INVALID, "hostname", f"'{hostname}' is not a valid hostname", version, subject=subject)]


def hostname_in_use_findings(
    version: Version, hostname: str, network: Mapping[str, Any], names_on_network: Iterable[str], subject: str = ""
) -> list[Finding]:
    # listDistinctHostNames: the VM name column, compared exactly.
    if hostname not in set(names_on_network):
        return []
    name = network.get("name") or network.get("id")
    detail = f"a VM named '{hostname}' is already on network {name}"
    return [find(HOSTNAME_IN_USE_ON_NETWORK, "hostname", detail, version, subject=subject, value=hostname)]


def adapters_findings(version: Version, nics: Sequence[Mapping[str, Any]], subject: str = "") -> list[Finding]:
    types = sorted({str(nic.get("adaptertype")) for nic in nics if nic.get("adaptertype")})
    if len(types) <= 1:
        return []
    detail = f"the NICs use models {', '.join(types)}"
    return [find(NIC_ADAPTERS_MIXED, "nic", detail, version, subject=subject, value=", ".join(types))]


def cidr_hosts(cidr: str) -> tuple[int, int] | None:
    """First and last host address of a CIDR as integers (``NetUtils.getAllIpsFromCidr``: none for /31, /32)."""
    try:
        net = ipaddress.IPv4Network(cidr, strict=False)
    except ValueError:
        return None
    if net.prefixlen >= 31:
        return None
    return int(net.network_address) + 1, int(net.broadcast_address) - 1


def _in_ranges(address: int, ranges: Sequence[tuple[str, str]]) -> bool:
    for start, end in ranges:
        try:
            if int(ipaddress.IPv4Address(start)) <= address <= int(ipaddress.IPv4Address(end)):
                return True
        except ValueError:
            continue
    return False


def ip_findings(
    version: Version,
    *,
    nic_id: str,
    network: Mapping[str, Any],
    ip: str | None,
    used: Iterable[str] = (),
    ranges: Sequence[tuple[str, str]] | None = None,
    subject: str = "",
) -> list[Finding]:
    """One NIC's IP against its network: required off L2, inside the CIDR, not the gateway, free, in a range."""
    kind = str(network.get("type") or network.get("guestiptype") or "").lower()
    name = network.get("name") or network.get("id")
    field = f"nic_ips[{nic_id}]"

    def hit(rule: Rule, detail: str, **extra: Any) -> list[Finding]:
        return [find(rule, field, detail, version, subject=subject, **extra)]

    if kind == "l2":
        return []
    if not ip:
        return hit(IP_REQUIRED_NON_L2, f"NIC {nic_id} on {kind or 'non-L2'} network {name} has no IP")
    shared = kind == "shared"
    if ip == "auto":
        if shared and ranges is not None and IP_RANGE_NOT_ENFORCED.applies(version):
            return hit(IP_RANGE_NOT_ENFORCED, f"NIC {nic_id}: 'auto' may pick any free address of {name}'s CIDR")
        return []
    try:
        address = int(ipaddress.IPv4Address(ip))
    except ValueError:
        return hit(IP_NOT_AVAILABLE, f"'{ip}' for NIC {nic_id} is not an IPv4 address", value=ip)
    hosts = cidr_hosts(str(network.get("cidr") or ""))
    if hosts is None or not hosts[0] <= address <= hosts[1] or ip == str(network.get("gateway") or ""):
        why = (
            "its gateway" if ip == network.get("gateway") else f"outside {network.get('cidr') or 'its (missing) CIDR'}"
        )
        return hit(IP_NOT_AVAILABLE, f"{ip} for NIC {nic_id} is {why} of network {name}", value=ip)
    if ip in set(used):
        return hit(IP_IN_USE, f"{ip} for NIC {nic_id} is used on network {name}", value=ip)
    if shared and ranges is not None and not _in_ranges(address, ranges):
        shown = ", ".join(f"{a}-{b}" for a, b in ranges) or "no range"
        detail = f"{ip} for NIC {nic_id} is outside the IP ranges of network {name} ({shown})"
        if IP_OUTSIDE_RANGE.applies(version):
            return hit(IP_OUTSIDE_RANGE, detail)
        return hit(IP_RANGE_NOT_ENFORCED, detail)
    return []


def mac_findings(
    version: Version,
    *,
    api: str,
    nic: Mapping[str, Any],
    network: Mapping[str, Any] | None,
    macs_in_use: Iterable[str] = (),
    forced: bool = False,
    subject: str = "",
) -> list[Finding]:
    """importNic: the MAC must be valid (4.19.1+) and, unless forced (importVm always forces), free on the network."""
    mac = str(nic.get("macaddress") or "").strip()
    field = f"nic[{nic.get('id')}].macaddress"
    if not mac or not is_valid_mac(mac):
        if MAC_INVALID.applies(version):
            return [
                find(MAC_INVALID, field, f"NIC {nic.get('id')} has MAC '{mac}'", version, subject=subject, value=mac)
            ]
        return []
    if network is None or mac.lower() not in {str(m).lower() for m in macs_in_use}:
        return []
    name = network.get("name") or network.get("id")
    detail = f"MAC {mac} of NIC {nic.get('id')} is in use on network {name}"
    if forced or api in IMPORT_VM:
        return [find(MAC_REGENERATED_FORCED, "forced", detail, version, subject=subject)]
    return [find(MAC_IN_USE_NOT_FORCED, "forced", detail, version, subject=subject, value=mac)]


def _vlan(value: Any) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def nic_network_findings(
    version: Version,
    *,
    nic: Mapping[str, Any],
    network: Mapping[str, Any] | None,
    network_vlan: int | None = None,
    zoneid: str = "",
    field: str = "",
    subject: str = "",
) -> list[Finding]:
    """One NIC's network: mapped (CloudStack's auto-mapping is never relied on), in the zone, on the NIC's VLAN."""
    nic_id = str(nic.get("id"))
    field = field or f"nic_networks[{nic_id}]"
    label = f"NIC {nic_id} ({nic.get('macaddress')})"
    if network is None:
        listed = _vlan(nic.get("vlanid")) or nic.get("vlanid")
        if listed in (None, 0, "0", ""):
            detail = f"{label} has no network and no VLAN (listed vlanid {nic.get('vlanid')!r})"
        else:
            detail = (
                f"{label} has no network; with vlanid {nic.get('vlanid')!r} CloudStack would put it on the first "
                "permitted network of the zone, whatever its VLAN"
            )
        return [find(NIC_NETWORK_UNMAPPED, field, detail, version, subject=subject, value=nic_id)]
    name = network.get("name") or network.get("id")
    zone = str(network.get("zoneid") or "")
    if zoneid and zone and zone.lower() != zoneid.lower():
        detail = f"{label} is mapped to network {name} of zone {zone}, the VM is in zone {zoneid}"
        return [find(NETWORK_OTHER_ZONE, field, detail, version, subject=subject, value=network.get("id"))]
    nic_vlan = _vlan(nic.get("vlan", nic.get("vlanid")))
    if nic_vlan and network_vlan and nic_vlan != network_vlan:
        detail = f"{label} is on VLAN {nic_vlan}, network {name} on VLAN {network_vlan}"
        return [find(NIC_VLAN_NOT_CHECKED_KVM, field, detail, version, subject=subject)]
    return []
