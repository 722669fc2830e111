"""The createNetwork and post-import rules (cases in rules_cases_network/_post_import) and the network helpers."""

from __future__ import annotations

from typing import Any

import pytest
from ansible_collections.acs.ingest.plugins.module_utils._rules.catalogue import Finding
from ansible_collections.acs.ingest.plugins.module_utils._rules.network_choice import (
    choose_offering,
    choose_physical_network,
    network_vlan,
    parse_vlan,
    uses_config_drive,
    vlan_ranges,
)
from ansible_collections.acs.ingest.plugins.module_utils._rules.network_create import answer_finding
from ansible_collections.acs.ingest.plugins.module_utils._rules.registry import CATALOGUE
from rules_cases_network import NETWORK_CASES, PHYSNET
from rules_cases_post_import import POST_IMPORT_CASES
from rules_cases_server import ServerCase

OPTIONS = {
    "vlan", "network_offering", "physical_network", "gateway", "netmask", "start_ip", "end_ip",  # guest_network
    "add_nic.network", "nic_ips", "restart",  # post_import
}  # fmt: skip


@pytest.mark.parametrize("case", [*NETWORK_CASES, *POST_IMPORT_CASES], ids=lambda c: c.id)
def test_network_rule(case: ServerCase) -> None:
    findings = case.run()
    assert all(isinstance(f, Finding) for f in findings)
    codes = [f.code for f in findings]
    if case.fires:
        assert case.code in codes, [f.line() for f in findings]
        finding = next(f for f in findings if f.code == case.code)
        assert finding.rule is CATALOGUE[case.code]
        assert finding.field in OPTIONS and finding.message and finding.fix
        assert finding.version == case.version
        problem = finding.as_problem()
        prefix = f"{problem.subject}: {finding.field}: " if problem.subject else f"{finding.field}: "
        assert problem.line().startswith(prefix) and "Fix:" in problem.line()
    else:
        assert case.code not in codes, [f.line() for f in findings]


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


CATALOGUE_ROWS = [
    offering("DefaultL2NetworkOffering", vlan=False),
    offering("DefaultL2NetworkOfferingVlan"),
    offering("DefaultL2NetworkOfferingConfigDriveVlan", services={"UserData": "ConfigDrive"}),
    offering("QuickCloudNoServices", "Shared", ranges=True),
    offering("DefaultSharedNetworkOffering", "Shared", ranges=True, services={"Dhcp": "VirtualRouter"}),
    offering(
        "DefaultSharedNetworkOfferingWithSGService",
        "Shared",
        ranges=True,
        services={"Dhcp": "VirtualRouter", "SecurityGroup": "SecurityGroupProvider"},
    ),
    offering("custom-l2-disabled", state="Disabled"),
]


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
    chosen, why = choose_offering(CATALOGUE_ROWS, net_type, **kwargs)
    assert chosen is not None and chosen["name"] == expected, why


def test_no_usable_offering_says_what_is_needed() -> None:
    chosen, why = choose_offering([offering("DefaultL2NetworkOffering", vlan=False)], "L2")
    assert chosen is None and "specifyvlan=true" in why


def test_physical_network_choice_follows_cloudstack() -> None:
    other = {**PHYSNET, "id": "p2", "name": "storage"}
    assert choose_physical_network([PHYSNET, other], {"p1"}, None) == PHYSNET
    assert choose_physical_network([PHYSNET, other], {"p1", "p2"}, None) is None
    tagged = {**PHYSNET, "tags": "fast"}
    assert choose_physical_network([tagged, other], {"p1", "p2"}, "fast") == tagged
    assert choose_physical_network([tagged, other], {"p1", "p2"}, None) == other  # the only untagged one


def test_helpers() -> None:
    assert vlan_ranges({"vlan": "1000-1099,2000"}) == [(1000, 1099), (2000, 2000)]
    assert uses_config_drive(CATALOGUE_ROWS[2]) and not uses_config_drive(CATALOGUE_ROWS[4])
    assert [parse_vlan(v) for v in (400, "400", "vlan://400", " 7 ")] == [400, 400, 400, 7]
    assert [parse_vlan(v) for v in (0, 4095, "x", None, "-3", "untagged")] == [None] * 6
    assert network_vlan({"vlan": "100", "broadcasturi": "vlan://100"}) == 100
    assert network_vlan({"broadcasturi": "vlan://untagged"}) == "untagged"
    assert network_vlan({"broadcasturi": "pvlan://300-i301"}) == 300
    assert network_vlan({"type": "Isolated"}) is None


def test_cloudstack_answers_name_the_option() -> None:
    text = "The VLAN tag to use for new guest network, 1050 is already being used for dynamic vlan allocation"
    finding = answer_finding((4, 22, 0), text)
    assert finding is not None and finding.field == "vlan" and finding.code == "network_vlan_in_guest_range"
    assert text in finding.message
    reversed_range = answer_finding((4, 22, 0), "Please specify a valid IP range.")
    assert reversed_range is not None and reversed_range.field == "end_ip"
    assert answer_finding((4, 22, 0), "something else entirely") is None
