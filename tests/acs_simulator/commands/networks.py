"""Guest networking catalogue: network offerings, physical networks and their traffic types, VLAN IP ranges.

Responses carry the keys CloudStack's response objects serialise (NetworkOfferingResponse,
PhysicalNetworkResponse, TrafficTypeResponse, VlanIpRangeResponse); list parameters are the ones the
command classes declare.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..netseed import services_view
from ..params import Param, Parsed
from ..registry import command, public

if TYPE_CHECKING:
    from ..sim import Simulator


def offering_view(offering: dict[str, Any]) -> dict[str, Any]:
    out = public(offering)
    out["service"] = services_view(offering.get("_services") or {})
    return out


def _bool_filter(items: list[dict[str, Any]], p: Parsed, name: str) -> list[dict[str, Any]]:
    if p.get(name) is None:
        return items
    return [i for i in items if bool(i.get(name)) == p.get(name)]


@command(
    "listNetworkOfferings",
    list_key="networkoffering",
    admin_only=False,
    params={
        "id": Param("uuid", "networkoffering"),
        "name": Param(),
        "guestiptype": Param(),
        "state": Param(),
        "specifyvlan": Param("boolean"),
        "specifyipranges": Param("boolean"),
        "forvpc": Param("boolean"),
        "isdefault": Param("boolean"),
        "traffictype": Param(),
        "zoneid": Param("uuid", "zone"),
        "supportedservices": Param("list"),
    },
)
def list_network_offerings(sim: Simulator, caller: dict[str, Any], p: Parsed) -> list[dict[str, Any]]:
    # ConfigurationManagerImpl.searchForNetworkOfferings: system-only offerings are not listed unless asked for
    # (issystem); every filter below is an exact match except the name, which is an equality on the name too.
    items = [o for o in sim.store.all("networkoffering") if not o.get("_issystem")]
    if p.get("id"):
        items = [o for o in items if o["id"] == p.get("id")]
    if p.get("name"):
        items = [o for o in items if o["name"] == p.get("name")]
    for key in ("guestiptype", "state", "traffictype"):
        if p.get(key):
            items = [o for o in items if str(o.get(key, "")).lower() == p.get(key).lower()]
    for key in ("specifyvlan", "specifyipranges", "forvpc", "isdefault"):
        items = _bool_filter(items, p, key)
    for service in p.get("supportedservices") or []:
        items = [o for o in items if service.lower() in {s.lower() for s in o.get("_services") or {}}]
    kw = (p.get("keyword") or "").lower()
    if kw:
        items = [o for o in items if kw in o["name"].lower() or kw in o.get("displaytext", "").lower()]
    return [offering_view(o) for o in items]


@command(
    "listPhysicalNetworks",
    list_key="physicalnetwork",
    params={"id": Param("uuid", "physicalnetwork"), "zoneid": Param("uuid", "zone"), "name": Param()},
)
def list_physical_networks(sim: Simulator, caller: dict[str, Any], p: Parsed) -> list[dict[str, Any]]:
    items = sim.store.all("physicalnetwork")
    for key in ("id", "zoneid"):
        if p.get(key):
            items = [n for n in items if n.get(key) == p.get(key)]
    if p.get("name"):  # a LIKE search in PhysicalNetworkDaoImpl.search
        items = [n for n in items if p.get("name").lower() in n["name"].lower()]
    kw = (p.get("keyword") or "").lower()
    if kw:
        items = [n for n in items if kw in n["name"].lower()]
    return [public(n) for n in items]


@command(
    "listTrafficTypes",
    list_key="traffictype",
    params={"physicalnetworkid": Param("uuid", "physicalnetwork", required=True)},
)
def list_traffic_types(sim: Simulator, caller: dict[str, Any], p: Parsed) -> list[dict[str, Any]]:
    return [public(t) for t in sim.store.find("traffictype", physicalnetworkid=p.get("physicalnetworkid"))]


@command(
    "listVlanIpRanges",
    list_key="vlaniprange",
    params={
        "id": Param("uuid", "vlaniprange"),
        "zoneid": Param("uuid", "zone"),
        "networkid": Param("uuid", "network"),
        "physicalnetworkid": Param("uuid", "physicalnetwork"),
        "vlan": Param(),
        "forvirtualnetwork": Param("boolean"),
    },
)
def list_vlan_ip_ranges(sim: Simulator, caller: dict[str, Any], p: Parsed) -> list[dict[str, Any]]:
    items = sim.store.all("vlaniprange")
    for key in ("id", "zoneid", "networkid", "physicalnetworkid"):
        if p.get(key):
            items = [r for r in items if r.get(key) == p.get(key)]
    if p.get("vlan"):
        wanted = p.get("vlan").removeprefix("vlan://")
        items = [r for r in items if str(r.get("vlan", "")).removeprefix("vlan://") == wanted]
    items = _bool_filter(items, p, "forvirtualnetwork")
    return [public(r) for r in items]
