# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""createNetwork rules about a Shared network's gateway, netmask and IPv4 range (and an L2 network's lack of them).

``NetworkServiceImpl.createGuestNetwork`` parses the gateway, netmask and range, ``NetworkOrchestrator``
requires a CIDR for Shared networks, and ``ConfigurationManagerImpl.createVlanAndPublicIpRange`` checks the
range against the subnet. All versions alike (IPv4), except the range itself: commit 53d3d19606 (#10704)
made 4.19.3, 4.20.1 and 4.21+ refuse a Shared network without one.
"""

from __future__ import annotations

import ipaddress

from ansible_collections.acs.ingest.plugins.module_utils._rules.catalogue import (
    WARNING,
    Finding,
    find,
)
from ansible_collections.acs.ingest.plugins.module_utils._rules.network_choice import L2
from ansible_collections.acs.ingest.plugins.module_utils._rules.network_sources import (
    CREATE,
    ORCHESTRATE,
    RANGE,
    RANGE_ERRORS,
    rule,
)
from ansible_collections.acs.ingest.plugins.module_utils._rules.versions import Version, spans

RANGE_ENFORCED = spans(((4, 19, 3), (4, 20, 0)), ((4, 20, 1), None))
RANGE_NOT_ENFORCED = spans(((0, 0, 0), (4, 19, 3)), ((4, 20, 0), (4, 20, 1)))

SHARED_GATEWAY_REQUIRED = rule(
    "shared_network_gateway_required",
    "a Shared network needs gateway and netmask",
    (ORCHESTRATE,),
    "Gateway/netmask are required when creating Shared networks.",
    "give gateway and netmask for a Shared network",
)
SHARED_RANGE_REQUIRED = rule(
    "shared_network_ip_range_required",
    "a Shared network needs an IPv4 range",
    (CREATE,),
    "IPv4 address range needs to be provided",
    "give start_ip and end_ip",
    versions=RANGE_ENFORCED,
)
SHARED_WITHOUT_RANGE = rule(
    "shared_network_without_ip_range",
    "CloudStack creates a Shared network without an IP range, which 4.20.2+/4.22 imports cannot take addresses from",
    (CREATE,),
    "",
    "give start_ip and end_ip",
    kind=WARNING,
    versions=RANGE_NOT_ENFORCED,
)
L2_WITH_ADDRESSES = rule(
    "l2_network_with_addresses",
    "an L2 network has no IP management; CloudStack would keep a CIDR it never uses",
    (CREATE,),
    "",
    "drop gateway, netmask, start_ip and end_ip, or use type Shared",
    kind=WARNING,
)
GATEWAY_INVALID = rule(
    "network_gateway_invalid",
    "the gateway is not a usable address of the subnet",
    (CREATE,),
    "Invalid gateway IP provided. Either the IP is broadcast or network IP.",
    "give the subnet's gateway, neither its network nor its broadcast address",
)
NETMASK_INVALID = rule(
    "network_netmask_invalid",
    "the netmask is not a contiguous dotted netmask",
    (CREATE,),
    "Invalid netmask",
    "give a dotted netmask such as 255.255.255.0",
)
IP_INVALID = rule(
    "network_ip_invalid",
    "an address is not IPv4",
    (CREATE,),
    "Invalid format for the startIp parameter",
    "give IPv4 addresses",
    note="Also 'Invalid format for the endIp parameter', and 'Gateway parameter is invalid' for the gateway.",
)
RANGE_OUTSIDE_SUBNET = rule(
    "network_ip_range_outside_subnet",
    "the IP range leaves the gateway's subnet",
    (RANGE,),
    "Please specify a valid IP range or valid netmask or valid gateway",
    "keep start_ip and end_ip inside the gateway's subnet",
)
RANGE_REVERSED = rule(
    "network_ip_range_reversed",
    "the IP range ends before it starts",
    (RANGE_ERRORS,),
    "Please specify a valid IP range.",
    "give an end_ip not lower than start_ip",
)
RANGE_HOLDS_GATEWAY = rule(
    "network_ip_range_holds_gateway",
    "the IP range contains the gateway",
    (RANGE_ERRORS,),
    "The gateway ip should not be the part of the ip range being added.",
    "start the range after the gateway or end it before",
)


RULES = (
    SHARED_GATEWAY_REQUIRED,
    SHARED_RANGE_REQUIRED,
    SHARED_WITHOUT_RANGE,
    L2_WITH_ADDRESSES,
    GATEWAY_INVALID,
    NETMASK_INVALID,
    IP_INVALID,
    RANGE_OUTSIDE_SUBNET,
    RANGE_REVERSED,
    RANGE_HOLDS_GATEWAY,
)


def _address(version: Version | None, value: str, field: str, found: list[Finding]) -> ipaddress.IPv4Address | None:
    try:
        return ipaddress.IPv4Address(value.strip())
    except ValueError:
        found.append(find(IP_INVALID, field, f"{field} {value!r} is not an IPv4 address", version))
        return None


def _netmask(version: Version | None, value: str, found: list[Finding]) -> ipaddress.IPv4Address | None:
    try:
        mask = ipaddress.IPv4Address(value.strip())
    except ValueError:
        mask = None
    inverted = (~int(mask)) & 0xFFFFFFFF if mask is not None else 1
    if mask is None or int(mask) == 0 or inverted & (inverted + 1):
        found.append(find(NETMASK_INVALID, "netmask", f"netmask {value!r} is not a contiguous dotted netmask", version))
        return None
    return mask


def address_findings(
    version: Version | None,
    net_type: str,
    gateway: str | None,
    netmask: str | None,
    start_ip: str | None,
    end_ip: str | None,
) -> list[Finding]:
    """Gateway, netmask and IP range of the request as CloudStack checks them (IPv4 only).

    ``version`` None judges for every release (the request is checked before CloudStack is asked).
    """
    given = [
        k for k, v in (("gateway", gateway), ("netmask", netmask), ("start_ip", start_ip), ("end_ip", end_ip)) if v
    ]
    if net_type == L2:
        return (
            [find(L2_WITH_ADDRESSES, given[0], f"{', '.join(given)} given for an L2 network", version)] if given else []
        )
    found: list[Finding] = []
    for missing in (k for k, v in (("gateway", gateway), ("netmask", netmask)) if not v):
        found.append(
            find(
                SHARED_GATEWAY_REQUIRED,
                missing,
                f"a Shared network needs gateway and netmask; {missing} is missing",
                version,
            )
        )
    for missing in (k for k, v in (("start_ip", start_ip), ("end_ip", end_ip)) if not v):
        old = version is not None and version not in SHARED_RANGE_REQUIRED.versions
        rule = SHARED_WITHOUT_RANGE if old else SHARED_RANGE_REQUIRED
        found.append(find(rule, missing, f"a Shared network needs an IP range; {missing} is missing", version))
    if found or not (gateway and netmask and start_ip and end_ip):
        return found
    gw = _address(version, gateway, "gateway", found)
    mask = _netmask(version, netmask, found)
    first = _address(version, start_ip, "start_ip", found)
    last = _address(version, end_ip, "end_ip", found)
    if gw is None or mask is None or first is None or last is None:
        return found
    subnet = ipaddress.IPv4Network(f"{gw}/{mask}", strict=False)
    if subnet.prefixlen < 31 and gw in (subnet.network_address, subnet.broadcast_address):
        found.append(
            find(GATEWAY_INVALID, "gateway", f"gateway {gw} is the network or broadcast address of {subnet}", version)
        )
    outside = [(field, str(a)) for field, a in (("start_ip", first), ("end_ip", last)) if a not in subnet]
    if outside:
        detail = f"{' and '.join(a for _f, a in outside)} outside {subnet} (gateway {gw}, netmask {mask})"
        found.append(find(RANGE_OUTSIDE_SUBNET, outside[0][0], detail, version))
    if first > last:
        found.append(find(RANGE_REVERSED, "end_ip", f"the range {first}-{last} ends before it starts", version))
    elif subnet.prefixlen != 31 and first <= gw <= last:
        found.append(
            find(RANGE_HOLDS_GATEWAY, "start_ip", f"the range {first}-{last} contains the gateway {gw}", version)
        )
    return found
