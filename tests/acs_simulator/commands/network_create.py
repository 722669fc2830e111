"""createNetwork (CreateNetworkCmdByAdmin, synchronous) for L2, Shared and Isolated guest networks.

The checks follow the order CloudStack runs them in, read from its source (4.19.0 - 4.22):
``CreateNetworkCmd.getPhysicalNetworkId`` → ``NetworkServiceImpl.createGuestNetwork`` → ``commitNetwork`` →
``NetworkOrchestrator.createGuestNetwork`` → (Shared) ``ConfigurationManagerImpl.createVlanAndPublicIpRange``.
``InvalidParameterValueException`` answers 431 (cserrorcode 4350), ``CloudRuntimeException`` 530 (4250).
A failure leaves nothing behind: the network row and its IP range are written in one transaction, as
CloudStack's ``commitNetwork`` does.

Not simulated: projects, VPCs, IPv6, private VLANs, NSX/Netris/Tungsten providers, the RFC 1918 check of
Isolated CIDRs, domain/zone-restricted offerings, account-dedicated guest VLAN ranges,
``allow.duplicate.networkname=false``, persistent offerings.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from ..errors import invalid_value, runtime_error
from ..netseed import services_view
from ..params import Param, Parsed
from ..registry import command, public
from .checks import now

if TYPE_CHECKING:
    from ..sim import Simulator


def _version(sim: Simulator) -> tuple[int, ...]:
    return tuple(int(x) for x in sim.profile["cloudstackversion"].split(".")[:3])


def _zone_text(sim: Simulator, zone: dict[str, Any]) -> str:
    # 4.19/4.20 print the zone's database id in these messages; 4.21+ print the zone object (DataCenterVO.toString).
    if _version(sim) < (4, 21):
        return str(zone["_seq"])
    return f'Zone {{"id": "{zone["_seq"]}", "name": "{zone["name"]}", "uuid": "{zone["id"]}"}}'


def _shared_range_enforced(sim: Simulator) -> bool:
    """Commit 53d3d19606 (#10704, NetworkServiceImpl.createGuestNetwork): 4.19.3+, 4.20.1+ and 4.21+ insist on
    specifyipranges and an IPv4 range for Shared networks; older releases create one without a range."""
    version = _version(sim)
    return version >= (4, 20, 1) or (4, 19, 3) <= version < (4, 20, 0)


def _ipv4(text: str | None) -> ipaddress.IPv4Address | None:
    try:
        return ipaddress.IPv4Address(text) if text else None
    except ValueError:
        return None


def _netmask_ok(text: str | None) -> bool:
    """NetUtils.isValidIp4Netmask: a valid address whose bits are contiguous ones then zeros."""
    mask = _ipv4(text)
    if mask is None:
        return False
    bits = int(mask)
    inverted = (~bits) & 0xFFFFFFFF
    return bits != 0 and (inverted & (inverted + 1)) == 0


def vlan_number(value: str | None) -> int | None:
    """The VLAN id in ``300`` or ``vlan://300``; None for untagged or anything else."""
    text = str(value or "").strip().lower().removeprefix("vlan://")
    return int(text) if text.isdigit() else None


def in_vnet_range(physnet: dict[str, Any], vlan: int) -> bool:
    """DataCenterVnetDaoImpl.findOverlappingVnets: op_dc_vnet_alloc holds one row per VLAN of the physical
    network's ranges ("1000-1099,2000-2010"), allocated or not."""
    for part in str(physnet.get("vlan") or "").split(","):
        low, _, high = part.strip().partition("-")
        if low.isdigit() and int(low) <= vlan <= int(high if high.isdigit() else low):
            return True
    return False


def _physical_network(sim: Simulator, p: Parsed, offering: dict[str, Any], zone_id: str) -> dict[str, Any]:
    """CreateNetworkCmd.getPhysicalNetworkId, then NetworkModelImpl.findPhysicalNetworkId when none was given."""
    if p.get("physicalnetworkid"):
        if offering["guestiptype"] not in ("Shared", "L2"):
            raise invalid_value("Physical network ID can be specified for networks of guest IP type Shared or L2 only.")
        return p.entities["physicalnetworkid"]
    guest = [
        n
        for n in sim.store.find("physicalnetwork", zoneid=zone_id)
        if sim.store.first("traffictype", physicalnetworkid=n["id"], traffictype=offering.get("traffictype", "Guest"))
    ]
    zone = sim.store.get("zone", zone_id) or {}
    if not guest:
        raise invalid_value(f"Unable to find physical network in zone id={zone.get('_seq')}")
    if len(guest) == 1:
        return guest[0]
    tag = offering.get("tags")
    untagged = [n for n in guest if not n.get("tags")]
    if tag is None:
        if len(untagged) > 1:
            raise runtime_error(
                f"There is more than 1 physical network with empty tag in the zone {_zone_text(sim, zone)}"
            )
        if untagged:
            return untagged[0]
    else:
        for n in guest:
            if tag in str(n.get("tags") or "").split(","):
                return n
    raise invalid_value(f"Unable to find physical network which match the tags {tag}")


def _ipv4_parameters(p: Parsed) -> tuple[str | None, str | None]:
    """NetworkServiceImpl.createGuestNetwork: gateway/netmask/startip/endip → (cidr, endip)."""
    gateway, netmask, start, end = p.get("gateway"), p.get("netmask"), p.get("startip"), p.get("endip")
    ipv4 = bool(gateway and netmask)
    if gateway is not None:
        if _ipv4(gateway) is None and ":" not in gateway:
            raise invalid_value("Gateway parameter is invalid")  # InetAddress.getByName fails
        ipv4 = ipv4 or ":" not in gateway
    if not ipv4:
        return None, end
    if start is not None:
        if _ipv4(start) is None:
            raise invalid_value("Invalid format for the startIp parameter")
        if end is None:
            end = start  # the end of the range defaults to its start
        elif _ipv4(end) is None:
            raise invalid_value("Invalid format for the endIp parameter")
        if not (gateway and netmask):
            raise invalid_value("gateway and netmask should be defined when startIP/endIP are passed in")
    if gateway and netmask:
        if _netmask_ok(netmask) and _ipv4(gateway):
            net = ipaddress.IPv4Network(f"{gateway}/{netmask}", strict=False)
            if net.prefixlen < 31 and str(gateway) in (str(net.network_address), str(net.broadcast_address)):
                raise invalid_value("Invalid gateway IP provided. Either the IP is broadcast or network IP.")
        if _ipv4(gateway) is None:
            raise invalid_value("Invalid gateway")
        if not _netmask_ok(netmask):
            raise invalid_value("Invalid netmask")
        return str(ipaddress.IPv4Network(f"{gateway}/{netmask}", strict=False)), end
    return None, end


def _check_vlan(
    sim: Simulator, offering: dict[str, Any], physnet: dict[str, Any], zone: dict[str, Any], vlan: str
) -> None:
    """NetworkOrchestrator.createGuestNetwork, the "vlanSpecified" block (no bypassvlanoverlapcheck)."""
    number = vlan_number(vlan)
    if number is not None and in_vnet_range(physnet, number):
        raise invalid_value(
            f"The VLAN tag to use for new guest network, {vlan} is already being used for dynamic vlan allocation "
            f"for the guest network in zone {zone['name']}"
        )
    uri = f"vlan://{vlan.lower().removeprefix('vlan://')}"
    taken = [
        n
        for n in sim.store.find("network", zoneid=zone["id"])
        if not n.get("removed") and str(n.get("broadcasturi") or "").lower() == uri
    ]
    if taken:
        raise invalid_value(
            f"Network with vlan {vlan} already exists or overlaps with other network vlans in zone "
            f"{_zone_text(sim, zone)}"
        )


def _check_ip_range(
    sim: Simulator, zone: dict[str, Any], vlan: str | None, gateway: str, netmask: str, start: str, end: str
) -> None:
    """ConfigurationManagerImpl.createVlanAndPublicIpRange + checkPublicIpRangeErrors (IPv4, all versions)."""
    cidr = ipaddress.IPv4Network(f"{gateway}/{netmask}", strict=False)
    if not all(_ipv4(a) in cidr for a in (gateway, start, end)):
        raise invalid_value("Please specify a valid IP range or valid netmask or valid gateway")
    first, last = _ipv4(start), _ipv4(end)
    assert first is not None and last is not None
    if first > last:
        raise invalid_value("Please specify a valid IP range.")
    if cidr.prefixlen != 31 and first <= _ipv4(gateway) <= last:  # type: ignore[operator]
        raise invalid_value("The gateway ip should not be the part of the ip range being added.")
    # checkZoneVlanIpOverlap: a range of the same VLAN whose subnet overlaps must extend it exactly.
    number = vlan_number(vlan)
    for other in sim.store.find("vlaniprange", zoneid=zone["id"]):
        other_net = ipaddress.IPv4Network(f"{other['gateway']}/{other['netmask']}", strict=False)
        if not cidr.overlaps(other_net) or vlan_number(other.get("vlan")) != number:
            continue
        if other["gateway"] != gateway or other["netmask"] != netmask:
            raise invalid_value(
                f"The IP range has already been added with gateway {other['gateway']} ,and netmask {other['netmask']}, "
                "Please specify the gateway/netmask if you want to extend ip range"
            )
        if first <= _ipv4(other["endip"]) and _ipv4(other["startip"]) <= last:  # type: ignore[operator]
            raise invalid_value(
                "The IP range already has IPs that overlap with the new range. "
                "Please specify a different start IP/end IP."
            )


@command(
    "createNetwork",
    admin_only=False,
    params={
        "name": Param(required=True),
        "displaytext": Param(),
        "networkofferingid": Param("uuid", "networkoffering", required=True),
        "zoneid": Param("uuid", "zone", required=True),
        "physicalnetworkid": Param("uuid", "physicalnetwork"),
        "vlan": Param(),
        "gateway": Param(),
        "netmask": Param(),
        "startip": Param(),
        "endip": Param(),
        "networkdomain": Param(),
        "acltype": Param(),
        "account": Param(),
        "domainid": Param("uuid", "domain"),
        "bypassvlanoverlapcheck": Param("boolean"),
    },
)
def create_network(sim: Simulator, caller: dict[str, Any], p: Parsed) -> dict[str, Any]:
    offering, zone = p.entities["networkofferingid"], p.entities["zoneid"]
    is_admin = caller["accounttype"] == 1
    vlan = p.get("vlan") if is_admin else None  # only CreateNetworkCmdByAdmin has the vlan parameter
    physnet = _physical_network(sim, p, offering, zone["id"])
    if offering.get("_issystem"):
        raise invalid_value("Unable to find network offering by specified id")
    gtype = offering["guestiptype"]
    if p.get("acltype") and p.get("acltype").lower() not in ("account", "domain"):
        raise invalid_value("Incorrect aclType specified. Check the API documentation for supported types")
    acl = (p.get("acltype") or ("Domain" if gtype == "Shared" and is_admin else "Account")).capitalize()
    if acl == "Domain" and gtype != "Shared":
        raise invalid_value("Only Shared networks can have aclType=Domain")
    cidr, end = _ipv4_parameters(p)
    start = p.get("startip")
    if gtype == "Shared" and not offering["specifyvlan"] and vlan is not None:
        raise invalid_value("Cannot specify vlanId when create a network from network offering with specifyvlan=false")
    if not is_admin and (offering["specifyvlan"] or vlan is not None):
        raise invalid_value("Only ROOT admin is allowed to specify vlanId or bypass vlan overlap check")
    create_range = start is not None and end is not None and gtype == "Shared"
    if create_range and not offering["specifyipranges"]:
        raise invalid_value("Network offering with specified id doesn't support adding multiple ip ranges")
    if gtype == "Shared" and _shared_range_enforced(sim):
        if not offering["specifyipranges"]:
            raise runtime_error("The 'specifyipranges' parameter should be true for Shared Networks")
        if cidr is not None and start is None:
            raise runtime_error("IPv4 address range needs to be provided")
    if offering.get("forvpc"):
        raise invalid_value("Network offering can be used for VPC networks only")
    if offering.get("state") != "Enabled":
        raise invalid_value("Can't use specified network offering id as its state is not Enabled")
    if physnet.get("state") != "Enabled":
        raise invalid_value(f"Specified physical network id is in incorrect state:{physnet.get('state')}")
    if (vlan is not None) != bool(offering["specifyvlan"]):
        if vlan is not None and not (gtype == "Shared" and not offering["specifyvlan"]):
            raise invalid_value("Can't specify vlan; corresponding offering says specifyVlan=false")
        if vlan is None:
            raise invalid_value("Vlan has to be specified; corresponding offering says specifyVlan=true")
    if vlan is not None:
        _check_vlan(sim, offering, physnet, zone, vlan)
    if cidr is None and gtype == "Shared":
        raise invalid_value("Gateway/netmask are required when creating Shared networks.")
    if create_range:
        _check_ip_range(sim, zone, vlan, p.get("gateway"), p.get("netmask"), start, end)
    return {"network": public(_commit(sim, caller, p, offering, physnet, zone, vlan, cidr, acl, end))}


def _commit(
    sim: Simulator,
    caller: dict[str, Any],
    p: Parsed,
    offering: dict[str, Any],
    physnet: dict[str, Any],
    zone: dict[str, Any],
    vlan: str | None,
    cidr: str | None,
    acl: str,
    end: str | None,
) -> dict[str, Any]:
    gtype = offering["guestiptype"]
    doc: dict[str, Any] = {
        "name": p.get("name"),
        "displaytext": p.get("displaytext") or p.get("name"),  # CreateNetworkCmd.getDisplayText
        "zoneid": zone["id"],
        "zonename": zone["name"],
        "type": gtype,
        "guestiptype": gtype,
        "traffictype": "Guest",
        "state": "Setup" if vlan is not None else "Allocated",
        "acltype": acl,
        "networkofferingid": offering["id"],
        "networkofferingname": offering["name"],
        "networkofferingdisplaytext": offering["displaytext"],
        "physicalnetworkid": physnet["id"],
        "specifyipranges": offering["specifyipranges"],
        "service": services_view(offering.get("_services") or {}),
        "networkdomain": p.get("networkdomain") or "cs1cloud.internal",
        "created": now(),
        "canusefordeploy": True,
    }
    if acl == "Domain":
        doc.update(domainid=p.get("domainid") or caller["domainid"], domain="ROOT", subdomainaccess=True)
    else:
        doc.update(account=caller["account"], domainid=caller["domainid"])
    if vlan is not None:
        number = str(vlan).lower().removeprefix("vlan://")
        doc.update(vlan=number, broadcasturi=f"vlan://{number}", isolationuri=f"vlan://{number}")
    if cidr is not None:
        net = ipaddress.IPv4Network(cidr)
        doc.update(cidr=cidr, gateway=p.get("gateway"), netmask=str(net.netmask))
        if gtype == "Shared":
            # the simulator's import checks read the range from the network document too (see seed.py)
            doc.update(startip=p.get("startip"), endip=end)
    with sim.store.transaction():
        network = sim.store.put("network", doc)
        if gtype == "Shared" and p.get("startip"):
            sim.store.put(
                "vlaniprange",
                {
                    "zoneid": zone["id"],
                    "networkid": network["id"],
                    "physicalnetworkid": physnet["id"],
                    "vlan": vlan or "untagged",
                    "gateway": p.get("gateway"),
                    "netmask": doc["netmask"],
                    "cidr": cidr,
                    "startip": p.get("startip"),
                    "endip": end,
                    "forvirtualnetwork": False,
                    "forsystemvms": False,
                    "domainid": doc["domainid"],
                    "domain": "ROOT",
                },
            )
    return network
