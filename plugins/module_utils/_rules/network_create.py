# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""Rules for creating an L2 or Shared guest network with a VLAN (``createNetwork`` as a root admin).

CloudStack checks a request in ``CreateNetworkCmd.getPhysicalNetworkId``, then
``NetworkServiceImpl.createGuestNetwork`` (offering, addresses, Shared range) and ``commitNetwork``, then
``NetworkOrchestrator.createGuestNetwork`` (offering and physical network state, the VLAN against the
physical network's guest range and the zone's networks), and for a Shared range
``ConfigurationManagerImpl.createVlanAndPublicIpRange``. The same rules hold from 4.19.0 to 4.22 except
where ``versions`` says otherwise; 4.19/4.20 print the zone's database id where 4.21+ print the zone.
The ``warning`` rules are what CloudStack accepts although the network would not serve the import.
Field names are guest_network's options.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._rules.catalogue import (
    NETWORK_MODEL,
    WARNING,
    Finding,
    Source,
    find,
)
from ansible_collections.acs.ingest.plugins.module_utils._rules.network_addresses import (
    GATEWAY_INVALID,
    IP_INVALID,
    NETMASK_INVALID,
    RANGE_HOLDS_GATEWAY,
    RANGE_OUTSIDE_SUBNET,
    RANGE_REVERSED,
    SHARED_GATEWAY_REQUIRED,
    SHARED_RANGE_REQUIRED,
)
from ansible_collections.acs.ingest.plugins.module_utils._rules.network_choice import SHARED, vlan_ranges
from ansible_collections.acs.ingest.plugins.module_utils._rules.network_sources import (
    CREATE,
    CREATE_CMD,
    NETWORK_SERVICE,
    ORCHESTRATE,
    RANGE,
    VNET_DAO,
    rule,
)
from ansible_collections.acs.ingest.plugins.module_utils._rules.versions import Version, before

OFFERING_NOT_GUEST = rule(
    "network_offering_not_guest",
    "the offering is system-only (or for another traffic type)",
    (Source(NETWORK_SERVICE, "NetworkServiceImpl.getAndValidateNetworkOffering"),),
    "Unable to find network offering by specified id",
    "name a guest network offering (listNetworkOfferings lists them)",
)
OFFERING_NOT_ENABLED = rule(
    "network_offering_not_enabled",
    "the offering is not Enabled",
    (ORCHESTRATE,),
    "Can't use specified network offering id as its state is not Enabled",
    "enable the offering (updateNetworkOffering state=Enabled) or name an enabled one",
)
OFFERING_FOR_VPC = rule(
    "network_offering_for_vpc",
    "the offering is for VPC tiers",
    (Source(NETWORK_SERVICE, "NetworkServiceImpl.commitNetwork"),),
    "Network offering can be used for VPC networks only",
    "name an offering with forvpc=false",
)
OFFERING_WITHOUT_SPECIFYVLAN = rule(
    "network_offering_without_specifyvlan",
    "the offering takes no VLAN (specifyvlan=false)",
    (ORCHESTRATE, CREATE),
    "Can't specify vlan; corresponding offering says specifyVlan=false",
    "name an offering with specifyvlan=true, e.g. DefaultL2NetworkOfferingVlan or DefaultSharedNetworkOffering",
    note="For a Shared offering NetworkServiceImpl answers first: 'Cannot specify vlanId when create a network "
    "from network offering with specifyvlan=false'.",
)
OFFERING_WITHOUT_IP_RANGES = rule(
    "network_offering_without_ip_ranges",
    "a Shared network's offering takes no IP range (specifyipranges=false)",
    (CREATE,),
    "Network offering with specified id doesn't support adding multiple ip ranges",
    "name a Shared offering with specifyipranges=true, e.g. DefaultSharedNetworkOffering",
    note="4.19.3+, 4.20.1+ and 4.21+ also refuse it without a range: 'The 'specifyipranges' parameter should be "
    "true for Shared Networks' (530).",
)
OFFERING_TYPE_DIFFERS = rule(
    "network_offering_type_differs",
    "CloudStack creates a network of the offering's guest type, whatever type was meant",
    (CREATE,),
    "",
    "name an offering of the requested type, or change type",
    kind=WARNING,
)
PHYSICAL_NETWORK_AMBIGUOUS = rule(
    "physical_network_ambiguous",
    "no physical network was named and CloudStack cannot pick one",
    (
        Source(CREATE_CMD, "CreateNetworkCmd.getPhysicalNetworkId"),
        Source(NETWORK_MODEL, "NetworkModelImpl.findPhysicalNetworkId"),
    ),
    "There is more than 1 physical network with empty tag in the zone %s",
    "name the physical network that carries the VMs' VLANs (physical_network)",
    note="With no Guest physical network: 'Unable to find physical network in zone id=%d'; with offering tags no "
    "physical network carries: 'Unable to find physical network which match the tags %s'.",
)
PHYSICAL_NETWORK_NOT_ENABLED = rule(
    "physical_network_not_enabled",
    "the physical network is not Enabled",
    (ORCHESTRATE,),
    "Specified physical network id is in incorrect state:%s",
    "enable the physical network (updatePhysicalNetwork state=Enabled) or name another",
)
PHYSICAL_NETWORK_OTHER_ZONE = rule(
    "physical_network_other_zone",
    "CloudStack takes the zone as given and never compares it with the physical network's",
    (Source(NETWORK_SERVICE, "NetworkServiceImpl.getAndValidateZone"),),
    "",
    "name a physical network of the zone",
    kind=WARNING,
)
PHYSICAL_NETWORK_WITHOUT_GUEST = rule(
    "physical_network_without_guest_traffic",
    "CloudStack accepts a named physical network that carries no Guest traffic (it picks only Guest ones itself)",
    (Source(NETWORK_MODEL, "NetworkModelImpl.findPhysicalNetworkId"),),
    "",
    "name a physical network with the Guest traffic type (listTrafficTypes)",
    kind=WARNING,
)
VLAN_IN_GUEST_RANGE = rule(
    "network_vlan_in_guest_range",
    "the VLAN lies in the physical network's guest VLAN range, which CloudStack keeps for Isolated networks",
    (ORCHESTRATE, Source(VNET_DAO, "DataCenterVnetDaoImpl.findOverlappingVnets"), RANGE),
    "The VLAN tag to use for new guest network, %s is already being used for dynamic vlan allocation for the "
    "guest network in zone %s",
    "shrink the physical network's guest VLAN range (updatePhysicalNetwork vlan=...) so it excludes the VLAN, or "
    "use another physical network",
)
VLAN_IN_USE = rule(
    "network_vlan_in_use",
    "another network of the zone already carries the VLAN",
    (ORCHESTRATE,),
    'Network with vlan %s already exists or overlaps with other network vlans in zone Zone {"id": ...}',
    "use the existing network (guest_network reuses it) or another VLAN",
    texts=(
        (before((4, 21, 0)), "Network with vlan %s already exists or overlaps with other network vlans in zone <id>"),
    ),
)
RULES = (
    OFFERING_NOT_GUEST,
    OFFERING_NOT_ENABLED,
    OFFERING_FOR_VPC,
    OFFERING_WITHOUT_SPECIFYVLAN,
    OFFERING_WITHOUT_IP_RANGES,
    OFFERING_TYPE_DIFFERS,
    PHYSICAL_NETWORK_AMBIGUOUS,
    PHYSICAL_NETWORK_NOT_ENABLED,
    PHYSICAL_NETWORK_OTHER_ZONE,
    PHYSICAL_NETWORK_WITHOUT_GUEST,
    VLAN_IN_GUEST_RANGE,
    VLAN_IN_USE,
)


def _flag(item: dict[str, Any], key: str) -> bool:
    value = item.get(key)
    return value is True or str(value).lower() == "true"


def _name(item: dict[str, Any]) -> str:
    return f"{item.get('name') or '?'} ({item.get('id') or '?'})"


def offering_findings(version: Version, offering: dict[str, Any], net_type: str) -> list[Finding]:
    """What CloudStack refuses (or silently changes) about ``offering`` for a ``net_type`` network with a VLAN."""
    name, field = _name(offering), "network_offering"
    found: list[Finding] = []
    if str(offering.get("traffictype") or "Guest") != "Guest" or _flag(offering, "issystem"):
        found.append(find(OFFERING_NOT_GUEST, field, f"offering {name} is not a guest network offering", version))
    gtype = str(offering.get("guestiptype") or "?")
    if gtype.lower() != net_type.lower():
        found.append(
            find(OFFERING_TYPE_DIFFERS, field, f"offering {name} makes {gtype} networks, not {net_type}", version)
        )
    if str(offering.get("state") or "Enabled") != "Enabled":
        found.append(find(OFFERING_NOT_ENABLED, field, f"offering {name} is {offering.get('state')}", version))
    if _flag(offering, "forvpc"):
        found.append(find(OFFERING_FOR_VPC, field, f"offering {name} is for VPC tiers only", version))
    if not _flag(offering, "specifyvlan"):
        found.append(find(OFFERING_WITHOUT_SPECIFYVLAN, field, f"offering {name} has specifyvlan=false", version))
    if net_type == SHARED and not _flag(offering, "specifyipranges"):
        found.append(find(OFFERING_WITHOUT_IP_RANGES, field, f"offering {name} has specifyipranges=false", version))
    return found


def physical_network_findings(
    version: Version, physnet: dict[str, Any], zone: dict[str, Any], guest_ids: Iterable[str], vlan: int
) -> list[Finding]:
    """The named (or chosen) physical network against the zone, its traffic types, state and guest range."""
    name, field = _name(physnet), "physical_network"
    found: list[Finding] = []
    if str(physnet.get("zoneid") or zone.get("id")).lower() != str(zone.get("id")).lower():
        detail = f"physical network {name} is in zone {physnet.get('zonename') or physnet.get('zoneid')}"
        found.append(find(PHYSICAL_NETWORK_OTHER_ZONE, field, detail, version))
    if str(physnet.get("id")) not in set(guest_ids):
        found.append(
            find(PHYSICAL_NETWORK_WITHOUT_GUEST, field, f"physical network {name} carries no Guest traffic", version)
        )
    if str(physnet.get("state") or "Enabled") != "Enabled":
        detail = f"physical network {name} is {physnet.get('state')}"
        found.append(find(PHYSICAL_NETWORK_NOT_ENABLED, field, detail, version, value=physnet.get("state")))
    for low, high in vlan_ranges(physnet):
        if low <= vlan <= high:
            detail = f"VLAN {vlan} is inside the guest VLAN range {low}-{high} of physical network {name}"
            found.append(find(VLAN_IN_GUEST_RANGE, "vlan", detail, version, value=vlan))
    return found


def vlan_in_use_findings(version: Version, vlan: int, holders: Sequence[dict[str, Any]]) -> list[Finding]:
    """CloudStack's refusal of a second L2/Shared network with ``vlan`` (guest_network reuses the holder instead)."""
    if not holders:
        return []
    detail = f"VLAN {vlan} is carried by {', '.join(_name(n) for n in holders)}"
    return [find(VLAN_IN_USE, "vlan", detail, version, value=vlan)]


def physical_network_choice_findings(
    version: Version, guest: Sequence[dict[str, Any]], tag: str | None
) -> list[Finding]:
    """Why CloudStack cannot pick the physical network itself (empty when it can)."""
    names = ", ".join(sorted(str(p.get("name")) for p in guest)) or "none"
    if not guest:
        detail = "the zone has no physical network with Guest traffic"
    elif tag:
        if any(tag in str(p.get("tags") or "").split(",") for p in guest):
            return []
        detail = f"no Guest physical network ({names}) carries the offering's tag {tag!r}"
    elif len(guest) == 1 or len([p for p in guest if not p.get("tags")]) == 1:
        return []
    else:
        detail = f"the zone has {len(guest)} Guest physical networks ({names}) and none or several are untagged"
    return [find(PHYSICAL_NETWORK_AMBIGUOUS, "physical_network", detail, version)]


# Distinctive beginnings of CloudStack's answers, to name the option a refused createNetwork is about.
_ANSWERS = (
    ("The VLAN tag ", VLAN_IN_GUEST_RANGE),
    ("Network with vlan", VLAN_IN_USE),
    ("Can't specify vlan", OFFERING_WITHOUT_SPECIFYVLAN),
    ("Cannot specify vlanId", OFFERING_WITHOUT_SPECIFYVLAN),
    ("Network offering with specified id doesn't support adding multiple ip ranges", OFFERING_WITHOUT_IP_RANGES),
    ("The 'specifyipranges' parameter", OFFERING_WITHOUT_IP_RANGES),
    ("Can't use specified network offering", OFFERING_NOT_ENABLED),
    ("Network offering can be used for VPC", OFFERING_FOR_VPC),
    ("Unable to find network offering", OFFERING_NOT_GUEST),
    ("Specified physical network id is", PHYSICAL_NETWORK_NOT_ENABLED),
    ("There is more than 1 physical network", PHYSICAL_NETWORK_AMBIGUOUS),
    ("Unable to find physical network", PHYSICAL_NETWORK_AMBIGUOUS),
    ("Gateway/netmask are required", SHARED_GATEWAY_REQUIRED),
    ("IPv4 address range needs to be provided", SHARED_RANGE_REQUIRED),
    ("Gateway parameter is invalid", GATEWAY_INVALID),
    ("Invalid gateway", GATEWAY_INVALID),
    ("Invalid netmask", NETMASK_INVALID),
    ("Invalid format for the", IP_INVALID),
    ("Please specify a valid IP range or valid netmask", RANGE_OUTSIDE_SUBNET),
    ("Please specify a valid IP range.", RANGE_REVERSED),
    ("The gateway ip should not be", RANGE_HOLDS_GATEWAY),
)
_FIELDS = {
    VLAN_IN_GUEST_RANGE.code: "vlan",
    VLAN_IN_USE.code: "vlan",
    PHYSICAL_NETWORK_NOT_ENABLED.code: "physical_network",
    PHYSICAL_NETWORK_AMBIGUOUS.code: "physical_network",
    SHARED_GATEWAY_REQUIRED.code: "gateway",
    SHARED_RANGE_REQUIRED.code: "start_ip",
    GATEWAY_INVALID.code: "gateway",
    NETMASK_INVALID.code: "netmask",
    IP_INVALID.code: "start_ip",
    RANGE_OUTSIDE_SUBNET.code: "start_ip",
    RANGE_REVERSED.code: "end_ip",
    RANGE_HOLDS_GATEWAY.code: "start_ip",
}


def answer_finding(version: Version, errortext: str) -> Finding | None:
    """The rule a createNetwork error answer comes from, so the error names the option and the fix."""
    for prefix, answered in _ANSWERS:
        if errortext.startswith(prefix):
            field = _FIELDS.get(answered.code, "network_offering")
            return find(answered, field, "CloudStack refused createNetwork", version, text=errortext)
    return None
