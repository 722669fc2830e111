"""NICs → networks and IPs (facts §2.2 "NICs and networks")."""

from __future__ import annotations

from typing import Any

import pytest
from ansible_collections.acs.ingest.plugins.module_utils._planner.inputs import parse_catalog
from ansible_collections.acs.ingest.plugins.module_utils._planner.nics import network_vlan, nic_vlan, plan_nics
from ansible_collections.acs.ingest.plugins.module_utils._planner.types import Findings
from ansible_collections.acs.ingest.plugins.module_utils._planner.wishes import Wishes

ZONE = "zone-1"
MAC0, MAC1 = "52:54:00:00:00:10", "52:54:00:00:00:11"


def net(ident: str, kind: str, vlan: Any, *, zone: str = ZONE, **extra: Any) -> dict[str, Any]:
    return {"id": ident, "name": f"net-{ident}", "type": kind, "vlan": vlan, "zoneid": zone, **extra}


NETWORKS = [
    net("l2-100", "L2", "100"),
    net("sh-200", "Shared", None, broadcasturi="vlan://200", cidr="10.2.0.0/24"),
    net("iso-300", "Isolated", "vlan://300", cidr="10.3.0.0/24"),
    net("l2-other-zone", "L2", "400", zone="zone-2"),
]


def nic(ident: str, mac: str, vlan: Any, adapter: str = "virtio") -> dict[str, Any]:
    return {"id": ident, "macaddress": mac, "vlanid": vlan, "adaptertype": adapter, "networkname": f"vnet{ident}"}


def run(
    nics: list[dict[str, Any]],
    wishes: dict[str, Any] | None = None,
    networks: list[dict[str, Any]] | None = None,
    macs: dict[str, Any] | None = None,
    *,
    for_import_vm: bool = False,
) -> tuple[list[dict[str, str]], list[dict[str, str]], Findings]:
    findings = Findings()
    parsed = Wishes.from_mapping(wishes or {})
    findings.problems.extend(parsed.problems)
    catalog = parse_catalog({"networks": NETWORKS if networks is None else networks, "macs_in_use": macs or {}})
    network_list, ip_list = plan_nics(
        {"name": "vm", "nic": nics}, parsed, catalog, findings, zone_id=ZONE, for_import_vm=for_import_vm
    )
    return network_list, ip_list, findings


def codes(findings: Findings) -> list[str]:
    return [problem.code for problem in findings.problems]


@pytest.mark.parametrize(
    ("network", "expected"),
    [
        ({"vlan": "100"}, 100),
        ({"vlan": 100}, 100),
        ({"vlan": "vlan://101"}, 101),
        ({"broadcasturi": "vlan://102"}, 102),
        ({"broadcasturi": "pvlan://103-i205"}, 103),
        ({"vlan": "untagged"}, None),
        ({"broadcasturi": "vxlan://5000"}, None),
        ({}, None),
        ({"vlan": "0"}, None),
    ],
)
def test_network_vlan_parsing(network: dict[str, Any], expected: int | None) -> None:
    assert network_vlan(network) == expected


@pytest.mark.parametrize(("value", "expected"), [(-1, None), (0, None), (None, None), ("12", 12), (7, 7)])
def test_nic_vlan_unknown_values(value: Any, expected: int | None) -> None:
    assert nic_vlan({"vlanid": value}) == expected


def test_vlan_match_picks_the_l2_and_shared_networks_and_auto_ip_only_for_shared() -> None:
    networks, ips, findings = run([nic("0", MAC0, 100), nic("1", MAC1, 200)])
    assert networks == [{"nic": "0", "network": "l2-100"}, {"nic": "1", "network": "sh-200"}]
    assert ips == [{"nic": "1", "ip4Address": "auto"}]
    assert findings.problems == []
    assert [n.field for n in findings.notes] == ["nic_ips[1]"]
    assert "auto" in findings.notes[0].message


def test_isolated_network_is_matched_by_vlan_only_as_a_fallback_with_a_note() -> None:
    networks, ips, findings = run([nic("0", MAC0, 300)])
    assert networks == [{"nic": "0", "network": "iso-300"}]
    assert ips == [{"nic": "0", "ip4Address": "auto"}]
    assert any("no L2 or Shared network carries VLAN 300" in n.message for n in findings.notes)


def test_l2_is_preferred_over_isolated_on_the_same_vlan() -> None:
    nets = [net("iso", "Isolated", "100"), net("l2", "L2", "100")]
    networks, _ignored, findings = run([nic("0", MAC0, 100)], networks=nets)
    assert networks == [{"nic": "0", "network": "l2"}]
    assert findings.problems == []


def test_no_match_names_nic_mac_vlan_and_candidates() -> None:
    networks, _ignored, findings = run([nic("0", MAC0, 999)])
    assert networks == []
    assert codes(findings) == ["nic_vlan_no_match"]
    problem = findings.problems[0]
    assert problem.field == "nic_networks[0]"
    for fragment in ("NIC 0", MAC0, "VLAN 999", "net-l2-100", "net-sh-200", "VLAN 100"):
        assert fragment in problem.message
    assert "nic_networks" in problem.fix


def test_more_than_one_network_on_the_vlan_is_ambiguous() -> None:
    nets = [net("a", "L2", "100"), net("b", "Shared", "vlan://100")]
    networks, _ignored, findings = run([nic("0", MAC0, 100)], networks=nets)
    assert networks == []
    assert codes(findings) == ["nic_vlan_ambiguous"]
    assert "net-a (a)" in findings.problems[0].message and "net-b (b)" in findings.problems[0].message


def test_network_in_another_zone_is_not_auto_matched() -> None:
    _ignored, _ignored, findings = run([nic("0", MAC0, 400)])
    assert codes(findings) == ["nic_vlan_no_match"]


@pytest.mark.parametrize("vlan", [-1, 0, None])
def test_unknown_vlan_without_mapping_asks_for_a_map(vlan: Any) -> None:
    networks, _ignored, findings = run([nic("0", MAC0, vlan)])
    assert networks == []
    assert codes(findings) == ["nic_network_unmapped"]
    expected = "first permitted network" if vlan == -1 else "no VLAN"
    assert expected in findings.problems[0].message
    assert "nic_networks" in findings.problems[0].fix


@pytest.mark.parametrize(
    "key",
    ["1", 1, MAC1, MAC1.upper(), MAC1.replace(":", "-")],
)
def test_explicit_map_by_id_index_or_mac(key: Any) -> None:
    networks, _ignored, findings = run([nic("0", MAC0, 100), nic("1", MAC1, -1)], {"nic_networks": {key: "NET-L2-100"}})
    assert networks == [{"nic": "0", "network": "l2-100"}, {"nic": "1", "network": "l2-100"}]
    assert findings.problems == []


def test_explicit_map_as_cloudstack_list_and_as_csv_string() -> None:
    for value in ([{"nic": "0", "network": "l2-100"}], "0=l2-100"):
        networks, _ignored, findings = run([nic("0", MAC0, -1)], {"nic_networks": value})
        assert networks == [{"nic": "0", "network": "l2-100"}]
        assert findings.problems == []


def test_explicit_map_overrides_vlan_and_notes_the_mismatch() -> None:
    networks, ips, findings = run(
        [nic("0", MAC0, 100)], {"nic_networks": {"0": "sh-200"}, "nic_ips": {"0": "10.2.0.5"}}
    )
    assert networks == [{"nic": "0", "network": "sh-200"}]
    assert ips == [{"nic": "0", "ip4Address": "10.2.0.5"}]
    assert findings.problems == []
    assert any("VLAN 100" in n.message and "VLAN 200" in n.message for n in findings.notes)


def test_unknown_network_and_unknown_nic_key_are_both_reported() -> None:
    _ignored, _ignored, findings = run([nic("0", MAC0, 100)], {"nic_networks": {"0": "nope", "7": "l2-100"}})
    assert sorted(codes(findings)) == ["not_found", "unknown_key"]
    unknown = next(p for p in findings.problems if p.code == "unknown_key")
    assert unknown.field == "nic_networks[7]" and MAC0 in unknown.message


def test_ambiguous_network_name_is_an_error() -> None:
    nets = [net("a", "L2", "100"), {**net("b", "L2", "101"), "name": "net-a"}]
    _ignored, _ignored, findings = run([nic("0", MAC0, 100)], {"nic_networks": {"0": "NET-A"}}, networks=nets)
    assert codes(findings) == ["ambiguous"]


def test_two_keys_for_one_nic_must_agree() -> None:
    _ignored, _ignored, ok = run([nic("0", MAC0, -1)], {"nic_networks": {"0": "l2-100", MAC0: "L2-100"}})
    assert ok.problems == []
    _ignored, _ignored, clash = run([nic("0", MAC0, -1)], {"nic_networks": {"0": "l2-100", MAC0: "sh-200"}})
    assert codes(clash) == ["duplicate_key"]


def test_explicit_network_in_another_zone_is_an_error() -> None:
    _ignored, _ignored, findings = run([nic("0", MAC0, 400)], {"nic_networks": {"0": "l2-other-zone"}})
    assert codes(findings) == ["network_other_zone"]


@pytest.mark.parametrize(
    ("ip", "code"),
    [("10.2.0.300", "ip_invalid"), ("fe80::1", "ip_invalid"), ("10.9.0.1", "ip_outside_cidr")],
)
def test_bad_explicit_ips(ip: str, code: str) -> None:
    _ignored, ips, findings = run([nic("0", MAC0, 200)], {"nic_ips": {"0": ip}})
    assert ips == []
    assert codes(findings) == [code]


def test_auto_in_any_case_and_l2_ip_is_ignored_with_a_note() -> None:
    _ignored, ips, findings = run(
        [nic("0", MAC0, 200), nic("1", MAC1, 100)], {"nic_ips": {"0": "AUTO", "1": "10.0.0.1"}}
    )
    assert ips == [{"nic": "0", "ip4Address": "auto"}]
    assert findings.problems == []
    assert any("ignored" in n.message and n.field == "nic_ips[1]" for n in findings.notes)


def test_auto_for_an_l2_network_is_dropped_silently() -> None:
    _ignored, ips, findings = run([nic("0", MAC0, 100)], {"nic_ips": {"0": "auto"}})
    assert ips == [] and findings.problems == [] and findings.notes == []


def test_same_explicit_ip_on_two_nics_of_one_network() -> None:
    nets = [net("sh", "Shared", "200", cidr="10.2.0.0/24")]
    _ignored, _ignored, findings = run(
        [nic("0", MAC0, 200), nic("1", MAC1, 200)], {"nic_ips": {"0": "10.2.0.9", "1": "10.2.0.9"}}, networks=nets
    )
    assert codes(findings) == ["ip_duplicate"]


def test_mac_in_use_is_an_error_that_explains_forced() -> None:
    _ignored, _ignored, findings = run([nic("0", MAC0, 100)], macs={"L2-100": [MAC0.upper()]})
    assert codes(findings) == ["mac_in_use_not_forced"]
    problem = findings.problems[0]
    assert problem.field == "forced" and MAC0 in problem.message
    assert "forced: true" in problem.fix and "new MAC" in problem.fix


def test_mac_in_use_with_forced_is_a_note() -> None:
    _ignored, _ignored, findings = run(
        [nic("0", MAC0, 100)], {"forced": "yes"}, macs={"l2-100": [{"macaddress": MAC0}]}
    )
    assert findings.problems == []
    assert any(n.field == "forced" and "new MAC" in n.message for n in findings.notes)


def test_mac_in_use_for_import_vm_is_a_note_because_it_always_regenerates() -> None:
    _ignored, _ignored, findings = run([nic("0", MAC0, 100)], macs={"l2-100": [MAC0]}, for_import_vm=True)
    assert findings.problems == []
    assert any("importVm" in n.message for n in findings.notes)


def test_mac_in_use_on_another_network_is_fine() -> None:
    _ignored, _ignored, findings = run([nic("0", MAC0, 100)], macs={"sh-200": [MAC0]})
    assert findings.problems == []


def test_mixed_adapter_types_are_one_problem_naming_the_nics() -> None:
    _ignored, _ignored, findings = run([nic("0", MAC0, 100, "virtio"), nic("1", MAC1, 100, "e1000")])
    assert codes(findings) == ["nic_adapters_mixed"]
    assert "virtio" in findings.problems[0].message and "e1000" in findings.problems[0].message


def test_invalid_mac_is_reported() -> None:
    _ignored, _ignored, findings = run([nic("0", "not-a-mac", 100)])
    assert codes(findings) == ["mac_invalid"]


def test_system_and_non_guest_networks_are_never_matched() -> None:
    nets = [net("pub", "Shared", "100", traffictype="Public"), net("sys", "L2", "100", issystem=True)]
    _ignored, _ignored, findings = run([nic("0", MAC0, 100)], networks=nets)
    assert codes(findings) == ["nic_vlan_no_match"]


def test_every_nic_problem_is_reported_in_one_pass() -> None:
    nics = [nic("0", MAC0, 999), nic("1", MAC1, -1, "e1000"), nic("2", "52:54:00:00:00:12", 100)]
    _ignored, _ignored, findings = run(nics, {"nic_ips": {"2": "x"}}, macs={"l2-100": ["52:54:00:00:00:12"]})
    assert sorted(codes(findings)) == [
        "mac_in_use_not_forced",
        "nic_adapters_mixed",
        "nic_network_unmapped",
        "nic_vlan_no_match",
    ]
