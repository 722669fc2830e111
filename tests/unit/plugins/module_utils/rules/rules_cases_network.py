"""Test cases of the createNetwork rules (guest_network): (code, version, check call, fires).

Each case calls one pure check of ``_rules.network_create`` / ``_rules.network_addresses`` with
CloudStack-shaped data (list API rows) and says whether the rule must be among its findings.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._rules import network_addresses, network_create
from rules_cases_server import V19_0, V19_2, V20_0, V20_1, V21, V22, ServerCase

V19_3 = (4, 19, 3)
L2_VLAN = {
    "id": "o1",
    "name": "DefaultL2NetworkOfferingVlan",
    "guestiptype": "L2",
    "traffictype": "Guest",
    "state": "Enabled",
    "specifyvlan": True,
    "specifyipranges": False,
    "forvpc": False,
}
SHARED_OFFERING = {**L2_VLAN, "id": "o2", "name": "DefaultSharedNetworkOffering", "guestiptype": "Shared",
                   "specifyipranges": True}  # fmt: skip
PHYSNET = {"id": "p1", "name": "physnet1", "zoneid": "z1", "state": "Enabled", "vlan": "1000-1099"}
ZONE = {"id": "z1", "name": "zone1"}
SHARED = {"gateway": "10.5.0.1", "netmask": "255.255.255.0", "start_ip": "10.5.0.10", "end_ip": "10.5.0.99"}


def offering(version: Any, **kwargs: Any) -> list[Any]:
    return network_create.offering_findings(version, kwargs.pop("offering", L2_VLAN), kwargs.pop("net_type", "L2"))


def physnet(version: Any, **kwargs: Any) -> list[Any]:
    row = {**PHYSNET, **kwargs.pop("changes", {})}
    return network_create.physical_network_findings(
        version, row, ZONE, kwargs.pop("guest", {"p1"}), kwargs.pop("vlan", 400)
    )


def choice(version: Any, **kwargs: Any) -> list[Any]:
    return network_create.physical_network_choice_findings(version, kwargs.pop("guest"), kwargs.pop("tag", None))


def in_use(version: Any, **kwargs: Any) -> list[Any]:
    return network_create.vlan_in_use_findings(version, 100, kwargs.pop("holders"))


def addresses(version: Any, **kwargs: Any) -> list[Any]:
    net_type = kwargs.pop("net_type", "Shared")
    values = {**SHARED, **kwargs} if net_type == "Shared" else kwargs
    return network_addresses.address_findings(version, net_type, *(values.get(k) for k in SHARED))


NETWORK_CASES = [
    # --- offering --------------------------------------------------------------------------------------
    ServerCase("network_offering_not_guest", V22, offering, {"offering": {**L2_VLAN, "traffictype": "Public"}}),
    ServerCase("network_offering_not_guest", V22, offering, {}, False),
    ServerCase("network_offering_not_enabled", V22, offering, {"offering": {**L2_VLAN, "state": "Disabled"}}),
    ServerCase("network_offering_not_enabled", V19_0, offering, {}, False),
    ServerCase("network_offering_for_vpc", V21, offering, {"offering": {**L2_VLAN, "forvpc": True}}),
    ServerCase(
        "network_offering_without_specifyvlan", V20_0, offering, {"offering": {**L2_VLAN, "specifyvlan": False}}
    ),
    ServerCase("network_offering_without_specifyvlan", V20_0, offering, {}, False),
    ServerCase(
        "network_offering_without_ip_ranges",
        V22,
        offering,
        {"offering": {**SHARED_OFFERING, "specifyipranges": False}, "net_type": "Shared"},
    ),
    ServerCase(
        "network_offering_without_ip_ranges", V22, offering, {"offering": SHARED_OFFERING, "net_type": "Shared"}, False
    ),
    ServerCase("network_offering_type_differs", V22, offering, {"offering": SHARED_OFFERING}),
    ServerCase(
        "network_offering_type_differs", V22, offering, {"offering": SHARED_OFFERING, "net_type": "Shared"}, False
    ),
    # --- physical network and VLAN -------------------------------------------------------------------------
    ServerCase("physical_network_ambiguous", V22, choice, {"guest": [PHYSNET, {**PHYSNET, "id": "p2", "name": "b"}]}),
    ServerCase("physical_network_ambiguous", V22, choice, {"guest": []}),
    ServerCase(
        "physical_network_ambiguous", V22, choice, {"guest": [PHYSNET, {**PHYSNET, "id": "p2", "tags": "x"}]}, False
    ),
    ServerCase("physical_network_ambiguous", V22, choice, {"guest": [PHYSNET], "tag": "fast"}),
    ServerCase("physical_network_not_enabled", V22, physnet, {"changes": {"state": "Disabled"}}),
    ServerCase("physical_network_not_enabled", V22, physnet, {}, False),
    ServerCase("physical_network_other_zone", V22, physnet, {"changes": {"zoneid": "z2"}}),
    ServerCase("physical_network_without_guest_traffic", V22, physnet, {"guest": set()}),
    ServerCase("physical_network_without_guest_traffic", V22, physnet, {}, False),
    ServerCase("network_vlan_in_guest_range", V19_0, physnet, {"vlan": 1000}),
    ServerCase("network_vlan_in_guest_range", V22, physnet, {"vlan": 1099}),
    ServerCase("network_vlan_in_guest_range", V22, physnet, {"vlan": 1100}, False),
    ServerCase("network_vlan_in_use", V20_1, in_use, {"holders": [{"id": "n1", "name": "l2-vlan100"}]}),
    ServerCase("network_vlan_in_use", V22, in_use, {"holders": []}, False),
    # --- addresses -------------------------------------------------------------------------------------
    ServerCase("shared_network_gateway_required", V22, addresses, {"gateway": None}),
    ServerCase("shared_network_gateway_required", V22, addresses, {}, False),
    ServerCase("shared_network_ip_range_required", V19_3, addresses, {"start_ip": None}),
    ServerCase("shared_network_ip_range_required", V20_1, addresses, {"end_ip": None}),
    ServerCase("shared_network_ip_range_required", V19_2, addresses, {"start_ip": None}, False),
    ServerCase("shared_network_ip_range_required", V20_0, addresses, {"start_ip": None}, False),
    ServerCase("shared_network_without_ip_range", V19_2, addresses, {"start_ip": None}),
    ServerCase("shared_network_without_ip_range", V20_0, addresses, {"end_ip": None}),
    ServerCase("shared_network_without_ip_range", V22, addresses, {"start_ip": None}, False),
    ServerCase("l2_network_with_addresses", V22, addresses, {"net_type": "L2", "gateway": "10.5.0.1"}),
    ServerCase("l2_network_with_addresses", V22, addresses, {"net_type": "L2"}, False),
    ServerCase("network_gateway_invalid", V22, addresses, {"gateway": "10.5.0.0"}),
    ServerCase(
        "network_gateway_invalid",
        V22,
        addresses,
        {"gateway": "10.5.0.0", "netmask": "255.255.255.254", "start_ip": "10.5.0.0", "end_ip": "10.5.0.1"},
        False,
    ),  # fmt: skip
    ServerCase("network_netmask_invalid", V22, addresses, {"netmask": "255.0.255.0"}),
    ServerCase("network_netmask_invalid", V22, addresses, {"netmask": "0.0.0.0"}),
    ServerCase("network_ip_invalid", V22, addresses, {"start_ip": "10.5.0.256"}),
    ServerCase("network_ip_invalid", V22, addresses, {"gateway": "gw"}),
    ServerCase("network_ip_range_outside_subnet", V22, addresses, {"end_ip": "10.6.0.9"}),
    ServerCase("network_ip_range_outside_subnet", V22, addresses, {}, False),
    ServerCase("network_ip_range_reversed", V22, addresses, {"start_ip": "10.5.0.100"}),
    ServerCase("network_ip_range_holds_gateway", V22, addresses, {"gateway": "10.5.0.50"}),
    ServerCase("network_ip_range_holds_gateway", V22, addresses, {"gateway": "10.5.0.254"}, False),
]
