# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""CloudStack's rules for creating an L2 or Shared guest network with a VLAN (``createNetwork``), by version.

Every rule names the option it concerns, the CloudStack releases it holds for, the Java source it was read
from (``path/File.java Class.method``, paths inside apache/cloudstack; releases 4.19.0-4.22 read at the
commits listed in COORDINATION.md), CloudStack's own answer, and the fix. Rules marked "ours" are checks
CloudStack does not make but whose absence would create a network imports cannot use.

Pure: plain dicts in (CloudStack's list responses), lists of ``Problem`` out. No I/O.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._core.problems import Problem

ORCHESTRATOR = "engine/orchestration/src/main/java/org/apache/cloudstack/engine/orchestration/NetworkOrchestrator.java"
SERVICE = "server/src/main/java/com/cloud/network/NetworkServiceImpl.java"
MODEL = "server/src/main/java/com/cloud/network/NetworkModelImpl.java"
CONFIG = "server/src/main/java/com/cloud/configuration/ConfigurationManagerImpl.java"
VNET_DAO = "engine/schema/src/main/java/com/cloud/dc/dao/DataCenterVnetDaoImpl.java"
CMD = "api/src/main/java/org/apache/cloudstack/api/command/user/network/CreateNetworkCmd.java"

L2, SHARED = "L2", "Shared"
NETWORK_TYPES = (L2, SHARED)
ALL = "all (4.19-4.22)"


@dataclass(frozen=True)
class Rule:
    code: str
    field: str
    versions: str
    source: str
    cloudstack_text: str
    fix: str


RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in (
        Rule(
            "offering_system_only",
            "network_offering",
            ALL,
            f"{SERVICE} NetworkServiceImpl.getAndValidateNetworkOffering",
            "431 Unable to find network offering by specified id",
            "name a guest network offering (listNetworkOfferings lists them)",
        ),
        Rule(
            "offering_not_enabled",
            "network_offering",
            ALL,
            f"{ORCHESTRATOR} NetworkOrchestrator.createGuestNetwork",
            "431 Can't use specified network offering id as its state is not Enabled",
            "enable the offering (updateNetworkOffering state=Enabled) or name an enabled one",
        ),
        Rule(
            "offering_for_vpc",
            "network_offering",
            ALL,
            f"{SERVICE} NetworkServiceImpl.commitNetwork",
            "431 Network offering can be used for VPC networks only",
            "name an offering with forvpc=false",
        ),
        Rule(
            "offering_type_mismatch",
            "network_offering",
            "ours (CloudStack creates whatever type the offering has)",
            f"{SERVICE} NetworkServiceImpl.createGuestNetwork (the guest type comes from the offering)",
            "",
            "name an offering of the requested type, or change type",
        ),
        Rule(
            "offering_without_specifyvlan",
            "network_offering",
            ALL,
            f"{ORCHESTRATOR} NetworkOrchestrator.createGuestNetwork; {SERVICE} NetworkServiceImpl.createGuestNetwork",
            "431 Can't specify vlan; corresponding offering says specifyVlan=false (L2) / Cannot specify vlanId when "
            "create a network from network offering with specifyvlan=false (Shared)",
            "name an offering with specifyvlan=true, e.g. DefaultL2NetworkOfferingVlan or DefaultSharedNetworkOffering",
        ),
        Rule(
            "offering_without_ip_ranges",
            "network_offering",
            "all: 431 'doesn't support adding multiple ip ranges'; 4.19.3+, 4.20.1+, 4.21+ also 530",
            f"{SERVICE} NetworkServiceImpl.createGuestNetwork (commit 53d3d19606 for the 530)",
            "431 Network offering with specified id doesn't support adding multiple ip ranges / 530 The "
            "'specifyipranges' parameter should be true for Shared Networks",
            "name a Shared offering with specifyipranges=true, e.g. DefaultSharedNetworkOffering",
        ),
        Rule(
            "offering_security_groups",
            "network_offering",
            "ours",
            f"{ORCHESTRATOR} NetworkOrchestrator.createGuestNetwork (security groups belong to SG-enabled zones)",
            "",
            "name an offering without the SecurityGroup service for a zone without security groups",
        ),
        Rule(
            "physical_network_ambiguous",
            "physical_network",
            ALL,
            f"{MODEL} NetworkModelImpl.findPhysicalNetworkId / getPhysicalNetworkId; {CMD} getPhysicalNetworkId",
            "530 There is more than 1 physical network with empty tag in the zone %s / 431 Unable to find physical "
            "network which match the tags %s / 431 Unable to find physical network in zone id=%d",
            "name the physical network (physical_network) that carries the VMs' VLANs",
        ),
        Rule(
            "physical_network_not_enabled",
            "physical_network",
            ALL,
            f"{ORCHESTRATOR} NetworkOrchestrator.createGuestNetwork",
            "431 Specified physical network id is in incorrect state:%s",
            "enable the physical network (updatePhysicalNetwork state=Enabled) or name another",
        ),
        Rule(
            "physical_network_other_zone",
            "physical_network",
            "ours (CloudStack does not compare them: NetworkServiceImpl.getAndValidateZone takes zoneid as given)",
            f"{SERVICE} NetworkServiceImpl.getAndValidateZone",
            "",
            "name a physical network of the zone",
        ),
        Rule(
            "physical_network_no_guest_traffic",
            "physical_network",
            "ours (CloudStack picks only Guest physical networks itself: NetworkModelImpl.findPhysicalNetworkId)",
            f"{MODEL} NetworkModelImpl.findPhysicalNetworkId",
            "",
            "name a physical network with the Guest traffic type (listTrafficTypes)",
        ),
        Rule(
            "vlan_in_dynamic_range",
            "vlan",
            ALL,
            f"{ORCHESTRATOR} NetworkOrchestrator.createGuestNetwork → {VNET_DAO} DataCenterVnetDaoImpl.findVnet; "
            f"{CONFIG} ConfigurationManagerImpl.createVlanAndPublicIpRange (Shared)",
            "431 The VLAN tag to use for new guest network, %s is already being used for dynamic vlan allocation "
            "for the guest network in zone %s",
            "the VLAN lies in the physical network's guest VLAN range, which CloudStack keeps for Isolated networks: "
            "shrink that range (updatePhysicalNetwork vlan=...) so it excludes the VLAN, or use another "
            "physical network",
        ),
        Rule(
            "vlan_in_use",
            "vlan",
            "all (4.19/4.20 print the zone's database id, 4.21+ the zone object)",
            f"{ORCHESTRATOR} NetworkOrchestrator.createGuestNetwork (listByZoneAndUriAndGuestType)",
            "431 Network with vlan %s already exists or overlaps with other network vlans in zone %s",
            "use the existing network (this module reuses it) or another VLAN",
        ),
        Rule(
            "vlan_invalid",
            "vlan",
            "ours (CloudStack stores any text as vlan://<text>)",
            f"{ORCHESTRATOR} NetworkOrchestrator.encodeVlanIdIntoBroadcastUri",
            "",
            "give an 802.1Q VLAN id between 1 and 4094",
        ),
        Rule(
            "shared_gateway_required",
            "gateway",
            ALL,
            f"{ORCHESTRATOR} NetworkOrchestrator.createGuestNetwork (cidrRequired)",
            "431 Gateway/netmask are required when creating Shared networks.",
            "give gateway and netmask for a Shared network",
        ),
        Rule(
            "shared_ip_range_required",
            "start_ip",
            "4.19.3+, 4.20.1+, 4.21+ refuse; ours for older releases",
            f"{SERVICE} NetworkServiceImpl.createGuestNetwork (commit 53d3d19606, #10704)",
            "530 IPv4 address range needs to be provided",
            "give start_ip and end_ip: without a range, 4.20.2+/4.22 cannot allocate import addresses",
        ),
        Rule(
            "l2_takes_no_addresses",
            "gateway",
            "ours (an L2 network has no IP management)",
            f"{SERVICE} NetworkServiceImpl.createGuestNetwork",
            "",
            "drop gateway, netmask, start_ip and end_ip, or use type Shared",
        ),
        Rule(
            "gateway_invalid",
            "gateway",
            ALL,
            f"{SERVICE} NetworkServiceImpl.createGuestNetwork",
            "431 Gateway parameter is invalid / Invalid gateway / Invalid gateway IP provided. Either the IP is "
            "broadcast or network IP.",
            "give the subnet's gateway as an IPv4 address that is neither its network nor its broadcast address",
        ),
        Rule(
            "netmask_invalid",
            "netmask",
            ALL,
            f"{SERVICE} NetworkServiceImpl.createGuestNetwork (NetUtils.isValidIp4Netmask)",
            "431 Invalid netmask",
            "give a dotted netmask such as 255.255.255.0",
        ),
        Rule(
            "ip_invalid",
            "start_ip",
            ALL,
            f"{SERVICE} NetworkServiceImpl.createGuestNetwork",
            "431 Invalid format for the startIp parameter / Invalid format for the endIp parameter",
            "give IPv4 addresses",
        ),
        Rule(
            "ip_range_outside_subnet",
            "start_ip",
            ALL,
            f"{CONFIG} ConfigurationManagerImpl.createVlanAndPublicIpRange",
            "431 Please specify a valid IP range or valid netmask or valid gateway",
            "keep start_ip and end_ip inside the gateway's subnet",
        ),
        Rule(
            "ip_range_reversed",
            "end_ip",
            ALL,
            f"{CONFIG} ConfigurationManagerImpl.checkPublicIpRangeErrors (NetUtils.validIpRange)",
            "431 Please specify a valid IP range.",
            "give an end_ip not lower than start_ip",
        ),
        Rule(
            "ip_range_holds_gateway",
            "start_ip",
            ALL,
            f"{CONFIG} ConfigurationManagerImpl.checkPublicIpRangeErrors",
            "431 The gateway ip should not be the part of the ip range being added.",
            "start the range after the gateway or end it before",
        ),
    )
}


def violation(code: str, message: str, field: str | None = None, fix: str | None = None) -> Problem:
    """The problem a request has with rule ``code``, naming the option (the rule's unless given)."""
    rule = RULES[code]
    return Problem(code, field or rule.field, message, fix or rule.fix)


def offering_services(offering: dict[str, Any]) -> dict[str, set[str]]:
    """Service name → provider names, from a network offering or network response's ``service`` list."""
    services: dict[str, set[str]] = {}
    for service in offering.get("service") or []:
        if isinstance(service, dict) and service.get("name"):
            providers = {str(p.get("name")) for p in service.get("provider") or [] if isinstance(p, dict)}
            services[str(service["name"])] = providers
    return services


def uses_config_drive(network_or_offering: dict[str, Any]) -> bool:
    """UserData provided by ConfigDrive: CloudStack attaches the config-drive ISO when it starts the VM."""
    return "ConfigDrive" in offering_services(network_or_offering).get("UserData", set())


def _flag(item: dict[str, Any], key: str) -> bool:
    value = item.get(key)
    return value is True or str(value).lower() == "true"


def check_offering(offering: dict[str, Any], net_type: str) -> list[Problem]:
    """What CloudStack refuses about the offering for an ``net_type`` network with a VLAN."""
    name = f"{offering.get('name')} ({offering.get('id')})"
    found: list[Problem] = []
    gtype = str(offering.get("guestiptype") or "")
    if str(offering.get("traffictype") or "Guest") != "Guest" or _flag(offering, "issystem"):
        found.append(violation("offering_system_only", f"offering {name} is not a guest network offering"))
    if gtype.lower() != net_type.lower():
        found.append(
            violation("offering_type_mismatch", f"offering {name} creates {gtype or '?'} networks, not {net_type}")
        )
    if str(offering.get("state") or "Enabled") != "Enabled":
        found.append(violation("offering_not_enabled", f"offering {name} is {offering.get('state')}"))
    if _flag(offering, "forvpc"):
        found.append(violation("offering_for_vpc", f"offering {name} is for VPC tiers only"))
    if not _flag(offering, "specifyvlan"):
        found.append(
            violation("offering_without_specifyvlan", f"offering {name} has specifyvlan=false, so it takes no VLAN")
        )
    if net_type == SHARED and not _flag(offering, "specifyipranges"):
        found.append(
            violation("offering_without_ip_ranges", f"offering {name} has specifyipranges=false, so it takes no range")
        )
    return found


def choose_offering(
    offerings: Iterable[dict[str, Any]], net_type: str, *, security_groups: bool = False, config_drive: bool = False
) -> tuple[dict[str, Any] | None, str]:
    """The offering a ``net_type`` network with a VLAN is best made from, found by capability.

    Usable: a guest offering of that type, Enabled, not for VPC, with specifyvlan (and specifyipranges for
    Shared); SecurityGroup only in security-group zones. Preferred: config drive exactly when asked; for
    Shared a DHCP service (guests that use DHCP keep working), for L2 no service at all; then CloudStack's
    own defaults (isdefault); then the name, so the choice is stable. Returns (offering, why) or (None, why).
    """
    usable = []
    for offering in offerings:
        if check_offering(offering, net_type):
            continue
        if ("SecurityGroup" in offering_services(offering)) != security_groups:
            continue
        usable.append(offering)
    if not usable:
        return None, (
            f"no usable {net_type} offering: it must be Enabled, for guest traffic, not for VPC, with specifyvlan=true"
            + (" and specifyipranges=true" if net_type == SHARED else "")
        )

    def rank(offering: dict[str, Any]) -> tuple[int, int, int, str]:
        services = offering_services(offering)
        drive = uses_config_drive(offering)
        fit = 0 if drive == config_drive else 1
        if net_type == SHARED:
            shape = 0 if "Dhcp" in services else 1
        else:
            shape = len(set(services) - ({"UserData"} if config_drive else set()))
        return (fit, shape, 0 if _flag(offering, "isdefault") else 1, str(offering.get("name")))

    chosen = sorted(usable, key=rank)[0]
    why = f"chosen by capability among {len(usable)} usable {net_type} offering(s)"
    if config_drive and not uses_config_drive(chosen):
        why += "; none provides UserData by ConfigDrive"
    return chosen, why


def vlan_ranges(physnet: dict[str, Any]) -> list[tuple[int, int]]:
    """A physical network's guest VLAN ranges (``vlan: "1000-1099,2000-2010"``)."""
    ranges = []
    for part in str(physnet.get("vlan") or "").split(","):
        low, _sep, high = part.strip().partition("-")
        if low.strip().isdigit():
            ranges.append((int(low), int(high) if high.strip().isdigit() else int(low)))
    return ranges


def choose_physical_network(
    physnets: Sequence[dict[str, Any]], guest_ids: set[str], offering_tags: str | None
) -> tuple[dict[str, Any] | None, Problem | None]:
    """The physical network CloudStack itself would pick (NetworkModelImpl.findPhysicalNetworkId): the only
    Guest one, else the only untagged one (offering without tags), else the one carrying the offering's tag."""
    guest = [p for p in physnets if str(p.get("id")) in guest_ids]
    if len(guest) == 1:
        return guest[0], None
    names = ", ".join(sorted(str(p.get("name")) for p in guest)) or "none"
    if not guest:
        return None, violation("physical_network_ambiguous", "the zone has no physical network with Guest traffic")
    if offering_tags:
        tagged = [p for p in guest if offering_tags in str(p.get("tags") or "").split(",")]
        if tagged:
            return tagged[0], None
        return None, violation(
            "physical_network_ambiguous", f"no Guest physical network carries the offering's tag {offering_tags!r}"
        )
    untagged = [p for p in guest if not p.get("tags")]
    if len(untagged) == 1:
        return untagged[0], None
    return None, violation(
        "physical_network_ambiguous",
        f"the zone has {len(guest)} Guest physical networks ({names}) and CloudStack cannot choose among them",
    )


def check_physical_network(physnet: dict[str, Any], zone_id: str, guest_ids: set[str], vlan: int) -> list[Problem]:
    name = f"{physnet.get('name')} ({physnet.get('id')})"
    found: list[Problem] = []
    if str(physnet.get("zoneid") or zone_id).lower() != zone_id.lower():
        found.append(violation("physical_network_other_zone", f"physical network {name} is in another zone"))
    if str(physnet.get("id")) not in guest_ids:
        found.append(
            violation("physical_network_no_guest_traffic", f"physical network {name} carries no Guest traffic")
        )
    if str(physnet.get("state") or "Enabled") != "Enabled":
        found.append(violation("physical_network_not_enabled", f"physical network {name} is {physnet.get('state')}"))
    for low, high in vlan_ranges(physnet):
        if low <= vlan <= high:
            found.append(
                violation(
                    "vlan_in_dynamic_range",
                    f"VLAN {vlan} is inside the guest VLAN range {low}-{high} of physical network {name}; CloudStack "
                    "refuses it ('already being used for dynamic vlan allocation')",
                )
            )
    return found


def _address(value: str | None, field: str, what: str, found: list[Problem]) -> ipaddress.IPv4Address | None:
    try:
        return ipaddress.IPv4Address(str(value).strip())
    except ValueError:
        found.append(violation("ip_invalid", f"{what} {value!r} is not an IPv4 address", field=field))
        return None


def check_addresses(
    net_type: str, gateway: str | None, netmask: str | None, start_ip: str | None, end_ip: str | None
) -> list[Problem]:
    """The gateway, netmask and IP range of the request, as CloudStack checks them (IPv4)."""
    given = {
        k: v for k, v in (("gateway", gateway), ("netmask", netmask), ("start_ip", start_ip), ("end_ip", end_ip)) if v
    }
    if net_type == L2:
        if given:
            return [
                violation(
                    "l2_takes_no_addresses", f"{', '.join(given)} given for an L2 network", field=next(iter(given))
                )
            ]
        return []
    found: list[Problem] = []
    if not gateway or not netmask:
        missing = "gateway" if not gateway else "netmask"
        found.append(
            violation(
                "shared_gateway_required",
                f"a Shared network needs gateway and netmask; {missing} is missing",
                field=missing,
            )
        )
    if not start_ip or not end_ip:
        missing = "start_ip" if not start_ip else "end_ip"
        found.append(
            violation(
                "shared_ip_range_required", f"a Shared network needs an IP range; {missing} is missing", field=missing
            )
        )
    if found:
        return found
    gw = _address(gateway, "gateway", "gateway", found)
    try:
        mask = ipaddress.IPv4Address(str(netmask).strip())
        bits = int(mask)
        inverted = (~bits) & 0xFFFFFFFF
        if bits == 0 or inverted & (inverted + 1):
            raise ValueError
    except ValueError:
        found.append(violation("netmask_invalid", f"netmask {netmask!r} is not a contiguous dotted netmask"))
        mask = None
    first = _address(start_ip, "start_ip", "start_ip", found)
    last = _address(end_ip, "end_ip", "end_ip", found)
    if found or gw is None or mask is None or first is None or last is None:
        return found
    subnet = ipaddress.IPv4Network(f"{gw}/{mask}", strict=False)
    if subnet.prefixlen < 31 and gw in (subnet.network_address, subnet.broadcast_address):
        found.append(violation("gateway_invalid", f"gateway {gw} is the network or broadcast address of {subnet}"))
    outside = [(name, str(a)) for name, a in (("start_ip", first), ("end_ip", last)) if a not in subnet]
    if outside:
        found.append(
            violation(
                "ip_range_outside_subnet",
                f"{' and '.join(a for _n, a in outside)} outside {subnet} (gateway {gw}, netmask {mask})",
                field=outside[0][0],
            )
        )
    if first > last:
        found.append(violation("ip_range_reversed", f"the range {first}-{last} ends before it starts"))
    elif subnet.prefixlen != 31 and first <= gw <= last:
        found.append(violation("ip_range_holds_gateway", f"the range {first}-{last} contains the gateway {gw}"))
    return found


def parse_vlan(value: Any) -> int | None:
    """``400``, ``"400"`` or ``"vlan://400"`` → 400; None for anything that is not a VLAN id 1-4094."""
    text = str(value if value is not None else "").strip().lower().removeprefix("vlan://")
    if not text.isdigit():
        return None
    number = int(text)
    return number if 1 <= number <= 4094 else None


def network_vlan(network: dict[str, Any]) -> int | str | None:
    """The VLAN a CloudStack network carries: its id, ``"untagged"``, or None (no VLAN, e.g. VXLAN or unset).

    ``vlan`` is what listNetworks shows root admins (``100``); ``broadcasturi`` is ``vlan://100``,
    ``vlan://untagged`` or ``pvlan://100-i200`` (a private VLAN: its primary VLAN counts).
    """
    for raw in (network.get("broadcasturi"), network.get("vlan")):
        text = str(raw or "").strip().lower()
        for scheme in ("vlan://", "pvlan://"):
            text = text.removeprefix(scheme)
        if text == "untagged":
            return "untagged"
        head = text.split("-", 1)[0]
        if head.isdigit() and 0 < int(head) < 4095:
            return int(head)
    return None


# Distinctive beginnings of CloudStack's answers, to name the option an API error is about.
_TEXT_TO_RULE = (
    ("The VLAN tag to use for new guest network", "vlan_in_dynamic_range"),
    ("The VLAN tag ", "vlan_in_dynamic_range"),
    ("Network with vlan", "vlan_in_use"),
    ("Can't specify vlan", "offering_without_specifyvlan"),
    ("Cannot specify vlanId", "offering_without_specifyvlan"),
    ("Network offering with specified id doesn't support adding multiple ip ranges", "offering_without_ip_ranges"),
    ("The 'specifyipranges' parameter", "offering_without_ip_ranges"),
    ("Can't use specified network offering", "offering_not_enabled"),
    ("Network offering can be used for VPC", "offering_for_vpc"),
    ("Unable to find network offering", "offering_system_only"),
    ("Specified physical network id is", "physical_network_not_enabled"),
    ("There is more than 1 physical network", "physical_network_ambiguous"),
    ("Unable to find physical network", "physical_network_ambiguous"),
    ("Gateway/netmask are required", "shared_gateway_required"),
    ("IPv4 address range needs to be provided", "shared_ip_range_required"),
    ("Gateway parameter is invalid", "gateway_invalid"),
    ("Invalid gateway", "gateway_invalid"),
    ("Invalid netmask", "netmask_invalid"),
    ("Invalid format for the", "ip_invalid"),
    ("Please specify a valid IP range or valid netmask", "ip_range_outside_subnet"),
    ("Please specify a valid IP range.", "ip_range_reversed"),
    ("The gateway ip should not be", "ip_range_holds_gateway"),
)


def rule_for_errortext(errortext: str) -> Rule | None:
    """The rule a createNetwork error answer comes from, so the error can name the option and the fix."""
    for prefix, code in _TEXT_TO_RULE:
        if errortext.startswith(prefix):
            return RULES[code]
    return None
