"""The createNetwork rules catalogue: every rule cited, and the pure checks behind guest_network."""

from __future__ import annotations

import re
from typing import Any

import pytest
from ansible_collections.acs.ingest.plugins.module_utils._rules.networks import (
    RULES,
    check_addresses,
    check_offering,
    check_physical_network,
    choose_offering,
    choose_physical_network,
    network_vlan,
    parse_vlan,
    rule_for_errortext,
    uses_config_drive,
    vlan_ranges,
)

OPTIONS = {"zone", "vlan", "type", "network_offering", "physical_network", "gateway", "netmask", "start_ip", "end_ip"}


def offering(name: str, gtype: str = "L2", vlan: bool = True, ranges: bool = False, **extra: Any) -> dict[str, Any]:
    services = extra.pop("services", {})
    return {
        "id": f"id-{name}",
        "name": name,
        "guestiptype": gtype,
        "traffictype": "Guest",
        "state": "Enabled",
        "specifyvlan": vlan,
        "specifyipranges": ranges,
        "forvpc": False,
        "isdefault": True,
        "service": [{"name": s, "provider": [{"name": p}]} for s, p in services.items()],
        **extra,
    }


CATALOGUE = [
    offering("DefaultL2NetworkOffering", vlan=False),
    offering("DefaultL2NetworkOfferingVlan"),
    offering("DefaultL2NetworkOfferingConfigDriveVlan", services={"UserData": "ConfigDrive"}),
    offering("QuickCloudNoServices", "Shared", ranges=True),
    offering(
        "DefaultSharedNetworkOffering",
        "Shared",
        ranges=True,
        services={"Dhcp": "VirtualRouter", "Dns": "VirtualRouter", "UserData": "VirtualRouter"},
    ),
    offering(
        "DefaultSharedNetworkOfferingWithSGService",
        "Shared",
        ranges=True,
        services={"Dhcp": "VirtualRouter", "SecurityGroup": "SecurityGroupProvider"},
    ),
    offering("custom-l2-disabled", state="Disabled"),
]


def test_every_rule_is_cited_and_names_an_option() -> None:
    for code, rule in RULES.items():
        assert rule.code == code
        assert rule.field in OPTIONS, code
        assert re.search(r"\.java \w+\.\w+", rule.source), f"{code}: cite path/File.java Class.method"
        assert rule.versions and rule.fix, code
        # a rule CloudStack enforces quotes its answer; "ours" rules say so in their versions
        assert rule.cloudstack_text or rule.versions.startswith("ours"), code


@pytest.mark.parametrize(
    ("net_type", "kwargs", "expected"),
    [
        ("L2", {}, "DefaultL2NetworkOfferingVlan"),
        ("L2", {"config_drive": True}, "DefaultL2NetworkOfferingConfigDriveVlan"),
        ("Shared", {}, "DefaultSharedNetworkOffering"),  # DHCP beats the service-less QuickCloud offering
        ("Shared", {"security_groups": True}, "DefaultSharedNetworkOfferingWithSGService"),
    ],
)
def test_offering_chosen_by_capability(net_type: str, kwargs: dict[str, Any], expected: str) -> None:
    chosen, why = choose_offering(CATALOGUE, net_type, **kwargs)
    assert chosen is not None and chosen["name"] == expected, why


def test_no_usable_offering_says_what_is_needed() -> None:
    chosen, why = choose_offering([offering("DefaultL2NetworkOffering", vlan=False)], "L2")
    assert chosen is None and "specifyvlan=true" in why


def test_offering_checks() -> None:
    assert check_offering(offering("DefaultL2NetworkOfferingVlan"), "L2") == []
    codes = {v.code for v in check_offering(offering("x", vlan=False, state="Disabled", forvpc=True), "Shared")}
    assert codes == {
        "offering_type_mismatch",
        "offering_not_enabled",
        "offering_for_vpc",
        "offering_without_specifyvlan",
        "offering_without_ip_ranges",
    }
    assert [v.code for v in check_offering(offering("s", "Shared"), "Shared")] == ["offering_without_ip_ranges"]


def test_config_drive_detection() -> None:
    assert uses_config_drive(CATALOGUE[2]) and not uses_config_drive(CATALOGUE[4])


PHYSNETS = [
    {"id": "p1", "name": "physnet1", "zoneid": "z1", "state": "Enabled", "vlan": "1000-1099,2000"},
    {"id": "p2", "name": "storage", "zoneid": "z1", "state": "Enabled", "vlan": None},
]


def test_physical_network_choice_follows_cloudstack() -> None:
    assert choose_physical_network(PHYSNETS, {"p1"}, None) == (PHYSNETS[0], None)
    chosen, problem = choose_physical_network(PHYSNETS, {"p1", "p2"}, None)
    assert chosen is None and problem is not None and problem.code == "physical_network_ambiguous"
    tagged = [dict(PHYSNETS[0], tags="fast"), PHYSNETS[1]]
    assert choose_physical_network(tagged, {"p1", "p2"}, "fast")[0] == tagged[0]
    assert choose_physical_network(PHYSNETS, set(), None)[1] is not None


def test_vlan_inside_the_guest_range_is_refused() -> None:
    assert vlan_ranges(PHYSNETS[0]) == [(1000, 1099), (2000, 2000)]
    for vlan in (1000, 1050, 1099, 2000):
        found = check_physical_network(PHYSNETS[0], "z1", {"p1"}, vlan)
        assert [v.code for v in found] == ["vlan_in_dynamic_range"] and found[0].field == "vlan"
        assert "1000-1099" in found[0].message or "2000-2000" in found[0].message
    assert check_physical_network(PHYSNETS[0], "z1", {"p1"}, 1100) == []


def test_physical_network_state_zone_and_traffic() -> None:
    found = check_physical_network(dict(PHYSNETS[1], state="Disabled", zoneid="z2"), "z1", {"p1"}, 400)
    assert {v.code for v in found} == {
        "physical_network_other_zone",
        "physical_network_no_guest_traffic",
        "physical_network_not_enabled",
    }


@pytest.mark.parametrize(
    ("args", "codes", "field"),
    [
        (("L2", None, None, None, None), [], None),
        (("L2", "10.0.0.1", None, None, None), ["l2_takes_no_addresses"], "gateway"),
        (("Shared", "10.0.0.1", "255.255.255.0", "10.0.0.10", "10.0.0.20"), [], None),
        (("Shared", None, "255.255.255.0", "10.0.0.10", "10.0.0.20"), ["shared_gateway_required"], "gateway"),
        (("Shared", "10.0.0.1", "255.255.255.0", None, None), ["shared_ip_range_required"], "start_ip"),
        (("Shared", "10.0.0.1", "255.255.255.0", "10.0.0.10", None), ["shared_ip_range_required"], "end_ip"),
        (("Shared", "10.0.0.1", "255.0.255.0", "10.0.0.10", "10.0.0.20"), ["netmask_invalid"], "netmask"),
        (("Shared", "10.0.0.1", "255.255.255.0", "10.0.0.300", "10.0.0.20"), ["ip_invalid"], "start_ip"),
        (("Shared", "gw", "255.255.255.0", "10.0.0.10", "10.0.0.20"), ["ip_invalid"], "gateway"),
        (("Shared", "10.0.0.0", "255.255.255.0", "10.0.0.10", "10.0.0.20"), ["gateway_invalid"], "gateway"),
        (("Shared", "10.0.0.1", "255.255.255.0", "10.0.0.10", "10.0.1.20"), ["ip_range_outside_subnet"], "end_ip"),
        (("Shared", "10.0.0.1", "255.255.255.0", "10.0.0.30", "10.0.0.20"), ["ip_range_reversed"], "end_ip"),
        (("Shared", "10.0.0.15", "255.255.255.0", "10.0.0.10", "10.0.0.20"), ["ip_range_holds_gateway"], "start_ip"),
        (("Shared", "10.0.0.0", "255.255.255.254", "10.0.0.0", "10.0.0.1"), [], None),  # RFC 3021 /31
    ],
)
def test_address_checks(args: tuple[Any, ...], codes: list[str], field: str | None) -> None:
    found = check_addresses(*args)
    assert [v.code for v in found] == codes
    if field:
        assert found[0].field == field
        assert "Fix:" in found[0].line() and found[0].line().startswith(f"{field}: ")


def test_vlan_parsing() -> None:
    assert [parse_vlan(v) for v in (400, "400", "vlan://400", " 7 ")] == [400, 400, 400, 7]
    assert [parse_vlan(v) for v in (0, 4095, "x", None, "-3", "untagged")] == [None] * 6
    assert network_vlan({"vlan": "100", "broadcasturi": "vlan://100"}) == 100
    assert network_vlan({"broadcasturi": "vlan://untagged"}) == "untagged"
    assert network_vlan({"broadcasturi": "pvlan://300-i301"}) == 300
    assert network_vlan({"type": "Isolated"}) is None


def test_cloudstack_answers_map_to_rules() -> None:
    text = "The VLAN tag to use for new guest network, 1050 is already being used for dynamic vlan allocation"
    rule = rule_for_errortext(text)
    assert rule is not None and rule.field == "vlan" and rule.code == "vlan_in_dynamic_range"
    assert rule_for_errortext("Please specify a valid IP range.").code == "ip_range_reversed"  # type: ignore[union-attr]
    assert rule_for_errortext("something else entirely") is None
