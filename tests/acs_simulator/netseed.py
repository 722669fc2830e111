"""Seeding the guest-network side of a zone: physical networks, their traffic types, network offerings and
the IP ranges of Shared networks.

CloudStack creates its default network offerings at installation (ConfigurationServerImpl
``createDefaultNetworkOfferings``, NetworkOfferingDaoImpl ``persistDefaultL2NetworkOfferings``), so every
simulator database gets them, whatever the seed says; a seed can add more under ``networkofferings:``.
A zone without ``physicalnetworks:`` gets one physical network carrying every traffic type, with the guest
VLAN range ``1000-1099`` (the range CloudStack hands out to Isolated networks and refuses for explicit VLANs).
"""

from __future__ import annotations

from typing import Any

from .store import Store, stable_uuid

DEFAULT_GUEST_RANGE = "1000-1099"
TRAFFIC_TYPES = ("Guest", "Management", "Public", "Storage")

# (name, display text, guest type, specifyvlan, specifyipranges, services {service: provider}, forvpc)
DEFAULT_OFFERINGS: tuple[tuple[str, str, str, bool, bool, dict[str, str], bool], ...] = (
    ("DefaultL2NetworkOffering", "Offering for L2 networks", "L2", False, False, {}, False),
    ("DefaultL2NetworkOfferingVlan", "Offering for L2 networks VLAN", "L2", True, False, {}, False),
    (
        "DefaultL2NetworkOfferingConfigDrive",
        "Offering for L2 networks with config drive user data",
        "L2",
        False,
        False,
        {"UserData": "ConfigDrive"},
        False,
    ),
    (
        "DefaultL2NetworkOfferingConfigDriveVlan",
        "Offering for L2 networks with config drive user data VLAN",
        "L2",
        True,
        False,
        {"UserData": "ConfigDrive"},
        False,
    ),
    (
        "DefaultSharedNetworkOffering",
        "Offering for Shared networks",
        "Shared",
        True,
        True,
        {"Dhcp": "VirtualRouter", "Dns": "VirtualRouter", "UserData": "VirtualRouter"},
        False,
    ),
    (
        "DefaultSharedNetworkOfferingWithSGService",
        "Offering for Shared Security group enabled networks",
        "Shared",
        True,
        True,
        {
            "Dhcp": "VirtualRouter",
            "Dns": "VirtualRouter",
            "UserData": "VirtualRouter",
            "SecurityGroup": "SecurityGroupProvider",
        },
        False,
    ),
    ("QuickCloudNoServices", "Offering for QuickCloud with no services", "Shared", True, True, {}, False),
    (
        "DefaultIsolatedNetworkOfferingWithSourceNatService",
        "Offering for Isolated networks with Source Nat service enabled",
        "Isolated",
        False,
        False,
        {"Dhcp": "VirtualRouter", "Dns": "VirtualRouter", "SourceNat": "VirtualRouter", "Gateway": "VirtualRouter"},
        False,
    ),
    (
        "DefaultIsolatedNetworkOfferingForVpcNetworks",
        "Offering for Isolated VPC networks with Source Nat service enabled",
        "Isolated",
        False,
        False,
        {"Dhcp": "VpcVirtualRouter", "Dns": "VpcVirtualRouter", "SourceNat": "VpcVirtualRouter"},
        True,
    ),
)
# What the seed's networks are created from, by guest type.
OFFERING_FOR_TYPE = {
    "L2": "DefaultL2NetworkOfferingVlan",
    "Shared": "DefaultSharedNetworkOffering",
    "Isolated": "DefaultIsolatedNetworkOfferingWithSourceNatService",
}


def services_view(services: dict[str, str]) -> list[dict[str, Any]]:
    """The ``service`` array of offering and network responses: name plus its provider."""
    return [{"name": name, "provider": [{"name": provider}]} for name, provider in sorted(services.items())]


def seed_offerings(store: Store, extra: list[dict[str, Any]]) -> None:
    rows = [
        {
            "name": name,
            "displaytext": text,
            "guestiptype": gtype,
            "specifyvlan": vlan,
            "specifyipranges": ranges,
            "services": services,
            "forvpc": vpc,
            "isdefault": True,
        }
        for name, text, gtype, vlan, ranges, services, vpc in DEFAULT_OFFERINGS
    ]
    rows += [dict(item, isdefault=bool(item.get("isdefault", False))) for item in extra]
    for item in rows:
        name = item["name"]
        store.put(
            "networkoffering",
            {
                "id": item.get("id") or stable_uuid("networkoffering", name),
                "name": name,
                "displaytext": item.get("displaytext", name),
                "traffictype": item.get("traffictype", "Guest"),
                "guestiptype": item.get("guestiptype", "L2"),
                "specifyvlan": bool(item.get("specifyvlan", False)),
                "specifyipranges": bool(item.get("specifyipranges", False)),
                "isdefault": bool(item.get("isdefault")),
                "forvpc": bool(item.get("forvpc", False)),
                "ispersistent": bool(item.get("ispersistent", False)),
                "state": item.get("state", "Enabled"),
                "availability": item.get("availability", "Optional"),
                "conservemode": True,
                "egressdefaultpolicy": False,
                "tags": item.get("tags"),
                "_issystem": bool(item.get("issystem", False)),
                "_services": dict(item.get("services") or {}),
            },
        )


def seed_physical_networks(store: Store, zone: dict[str, Any], items: list[dict[str, Any]] | None) -> None:
    if not items:
        items = [{"name": f"{zone['name']}-physnet1", "vlan": DEFAULT_GUEST_RANGE}]
    for item in items:
        name = item["name"]
        physnet = store.put(
            "physicalnetwork",
            {
                "id": item.get("id") or stable_uuid("physicalnetwork", name),
                "name": name,
                "zoneid": zone["id"],
                "zonename": zone["name"],
                "state": item.get("state", "Enabled"),
                "vlan": item.get("vlan"),
                "isolationmethods": item.get("isolationmethods", "VLAN"),
                "broadcastdomainrange": "ZONE",
                "tags": item.get("tags"),
            },
        )
        labels = item.get("traffictypes") or {t: None for t in TRAFFIC_TYPES}
        for traffic, label in labels.items():
            store.put(
                "traffictype",
                {
                    "id": stable_uuid("traffictype", f"{name}/{traffic}"),
                    "traffictype": traffic,
                    "physicalnetworkid": physnet["id"],
                    "kvmnetworklabel": label,
                },
            )


def guest_physical_network(store: Store, zone_id: str) -> dict[str, Any] | None:
    for physnet in store.find("physicalnetwork", zoneid=zone_id):
        if store.first("traffictype", physicalnetworkid=physnet["id"], traffictype="Guest"):
            return physnet
    return None


def network_links(store: Store, zone_id: str, kind: str, offering_name: str | None) -> dict[str, Any]:
    """Offering and physical network fields of a seeded network."""
    offering = store.first("networkoffering", name=offering_name or OFFERING_FOR_TYPE[kind])
    physnet = guest_physical_network(store, zone_id)
    out: dict[str, Any] = {"physicalnetworkid": physnet["id"] if physnet else None}
    if offering is not None:
        out.update(
            networkofferingid=offering["id"],
            networkofferingname=offering["name"],
            networkofferingdisplaytext=offering["displaytext"],
            specifyipranges=offering["specifyipranges"],
            service=services_view(offering["_services"]),
        )
    return out


def seed_ip_range(store: Store, network: dict[str, Any]) -> None:
    """A Shared network's IP range as its own row (what listVlanIpRanges lists)."""
    store.put(
        "vlaniprange",
        {
            "id": stable_uuid("vlaniprange", network["name"]),
            "zoneid": network["zoneid"],
            "networkid": network["id"],
            "physicalnetworkid": network.get("physicalnetworkid"),
            "vlan": network.get("vlan") or "untagged",
            "gateway": network["gateway"],
            "netmask": network["netmask"],
            "cidr": network["cidr"],
            "startip": network["startip"],
            "endip": network["endip"],
            "forvirtualnetwork": False,
            "forsystemvms": False,
            "domainid": stable_uuid("domain", "ROOT"),
            "domain": "ROOT",
        },
    )
