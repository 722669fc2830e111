"""Discovery's report: NIC records → networks → VLANs per zone → the networks plan (CSV/YAML, edits kept)."""

from __future__ import annotations

from typing import Any

import pytest
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import ProblemsError
from ansible_collections.acs.ingest.plugins.module_utils._planner.network_plan import (
    NETWORK_COLUMN_NAMES,
    NIC_COLUMNS,
    creation_tasks,
    dump_csv,
    dump_yaml,
    load_plan,
    load_yaml,
    merge_rows,
    nic_rows,
    plan_rows,
)
from ansible_collections.acs.ingest.plugins.module_utils._planner.network_report import (
    group_networks,
    match_network,
    missing_networks,
    vlan_summary,
)

Z = {"zone": "zone1", "zoneid": "z1"}
NETWORKS = {
    "z1": [
        {"id": "n100", "name": "l2-vlan100", "type": "L2", "vlan": "100", "broadcasturi": "vlan://100"},
        {"id": "n300", "name": "shared-vlan300", "type": "Shared", "broadcasturi": "vlan://300"},
        {"id": "i300", "name": "iso", "type": "Isolated", "broadcasturi": "vlan://300"},
        {"id": "a", "name": "a", "type": "L2", "broadcasturi": "vlan://600"},
        {"id": "b", "name": "b", "type": "Shared", "broadcasturi": "vlan://600"},
        {"id": "u", "name": "flat", "type": "Shared", "broadcasturi": "vlan://untagged"},
    ]
}


def nic(vm: str, n: str, vlan: Any, bridge: str, host: str = "kvm1", **extra: Any) -> dict[str, Any]:
    return {
        **Z,
        "host": host,
        "source": "cloudstack",
        "interface_type": "bridge",
        "bridge": bridge,
        "vlan": vlan,
        "vlan_source": extra.pop("vlan_source", "vlan-subinterface"),
        "physical_interface": "eth1",
        "vm": vm,
        "vm_state": "running",
        "nic": n,
        "mac": f"52:54:00:00:{vm[-1]}:0{n}",
        "model": "virtio",
        "ips": extra.pop("ips", []),
        **extra,
    }


RECORDS = [
    nic("web1", "0", 100, "breth1-100"),
    nic("web2", "0", 100, "breth1-100", ips=["10.1.0.5", "10.1.0.6"]),
    nic("web2", "1", 400, "breth1-400"),
    nic("db1", "0", 400, "breth1-400", host="kvm2"),
    nic("db1", "1", 300, "breth1-300", host="kvm2"),
    nic("app1", "0", 600, "breth1-600"),
    nic("app1", "1", "untagged", "cloudbr0", vlan_source="untagged"),
    nic("app2", "0", None, "virbr9", vlan_source="unknown"),
]


def test_match_prefers_l2_and_shared() -> None:
    assert match_network(100, NETWORKS["z1"])[0] == "exists"
    status, found = match_network(300, NETWORKS["z1"])
    assert status == "exists" and found[0]["name"] == "shared-vlan300"  # Shared beats Isolated
    assert match_network(600, NETWORKS["z1"])[0] == "ambiguous"
    assert match_network(400, NETWORKS["z1"]) == ("missing", [])
    assert match_network("untagged", NETWORKS["z1"])[0] == "exists"
    assert match_network("untagged", []) == ("untagged", [])
    assert match_network(None, NETWORKS["z1"]) == ("unknown", [])


def test_networks_vlans_and_missing() -> None:
    networks = group_networks(RECORDS, NETWORKS)
    by_key = {(n["host"], n["bridge"]): n for n in networks}
    assert [vm["name"] for vm in by_key[("kvm1", "breth1-100")]["vms"]] == ["web1", "web2"]
    assert by_key[("kvm1", "breth1-100")]["cloudstack_network"] == {"id": "n100", "name": "l2-vlan100", "type": "L2"}
    assert by_key[("kvm1", "breth1-400")]["status"] == "missing"
    assert [c["id"] for c in by_key[("kvm1", "breth1-600")]["candidates"]] == ["a", "b"]
    summary = vlan_summary(networks)
    assert [(s["vlan"], s["status"]) for s in summary] == [
        (100, "exists"),
        (300, "exists"),
        (400, "missing"),
        (600, "ambiguous"),
        (None, "unknown"),
        ("untagged", "exists"),
    ]
    v400 = next(s for s in summary if s["vlan"] == 400)
    assert v400["hosts"] == ["kvm1", "kvm2"] and v400["vms"] == ["db1", "web2"]
    assert next(s for s in summary if s["vlan"] == 100)["observed_ips"] == ["10.1.0.5", "10.1.0.6"]
    assert missing_networks(summary) == [
        {"zone": "zone1", "zoneid": "z1", "vlan": 400, "hosts": ["kvm1", "kvm2"], "vms": ["db1", "web2"]}
    ]


def test_a_uri_without_zone_is_not_matched() -> None:
    (net,) = group_networks([nic("x1", "0", 100, "breth1-100", zone=None, zoneid=None)], NETWORKS)
    assert net["status"] == "no_zone" and net["cloudstack_network"] is None


def test_plan_rows_propose_creation_only_for_missing_vlans() -> None:
    rows = plan_rows(vlan_summary(group_networks(RECORDS, NETWORKS)))
    assert [(r["vlan"], r["create"]) for r in rows] == [
        ("100", False),
        ("300", False),
        ("400", True),
        ("600", False),
        ("", False),
        ("untagged", False),
    ]
    assert set(rows[0]) == set(NETWORK_COLUMN_NAMES)


def test_csv_and_yaml_round_trip_and_edits_survive_rediscovery() -> None:
    rows = plan_rows(vlan_summary(group_networks(RECORDS, NETWORKS)))
    for fmt, text in (("csv", dump_csv(rows)), ("yml", dump_yaml(rows))):
        back = load_plan(text, fmt)
        assert [str(r["vlan"]) for r in back] == [r["vlan"] for r in rows]
        assert back[2]["hosts"] == ["kvm1", "kvm2"]
        edited = [dict(r) for r in back]
        edited[2].update(
            type="Shared", gateway="10.4.0.1", netmask="255.255.255.0", start_ip="10.4.0.10", end_ip="10.4.0.99"
        )
        merged = merge_rows(edited, rows)
        assert (merged[2]["type"], merged[2]["start_ip"]) == ("Shared", "10.4.0.10")
        assert merged[2]["hosts"] == ["kvm1", "kvm2"]  # facts from the new discovery
        assert dump_csv(merge_rows(load_plan(dump_csv(merged), "csv"), rows)) == dump_csv(merged)  # stable


def test_creation_tasks_from_the_plan() -> None:
    rows = [
        {"zone": "zone1", "vlan": "400", "create": "yes", "type": "L2"},
        {
            "zone": "zone1",
            "vlan": "500",
            "create": "yes",
            "type": "shared",
            "gateway": "10.5.0.1",
            "netmask": "255.255.255.0",
            "start_ip": "10.5.0.10",
            "end_ip": "10.5.0.99",
            "name": "dmz",
        },  # fmt: skip
        {"zone": "zone1", "vlan": "100", "create": "no"},
    ]
    tasks, problems = creation_tasks(rows)
    assert problems == []
    assert tasks == [
        {"zone": "zone1", "vlan": 400, "type": "L2"},
        {
            "zone": "zone1",
            "vlan": 500,
            "type": "Shared",
            "name": "dmz",
            "gateway": "10.5.0.1",
            "netmask": "255.255.255.0",
            "start_ip": "10.5.0.10",
            "end_ip": "10.5.0.99",
        },  # fmt: skip
    ]


@pytest.mark.parametrize(
    ("row", "field", "words"),
    [
        ({"vlan": "400", "create": "maybe"}, "create", "is not yes/no"),
        ({"vlan": "untagged", "create": "yes"}, "vlan", "is not a VLAN id"),
        ({"vlan": "400", "create": "yes", "type": "Isolated"}, "type", "unknown type"),
        ({"vlan": "400", "create": "yes", "type": "Shared"}, "gateway", "needs gateway and netmask"),
        ({"vlan": "400", "create": "yes", "gateway": "10.0.0.1"}, "gateway", "given for an L2 network"),
        (
            {
                "vlan": "400",
                "create": "yes",
                "type": "Shared",
                "gateway": "10.0.0.1",
                "netmask": "255.255.255.0",
                "start_ip": "10.0.0.10",
                "end_ip": "10.0.1.9",
            },  # fmt: skip
            "end_ip",
            "outside 10.0.0.0/24",
        ),
    ],
)
def test_creation_problems_name_row_field_and_fix(row: dict[str, Any], field: str, words: str) -> None:
    tasks, problems = creation_tasks([{"zone": "zone1", **row}])
    assert tasks == [] and problems
    line = problems[0].line()
    assert problems[0].field == field and words in line and "Fix:" in line
    assert line.startswith("row 1 (zone zone1, VLAN")


def test_nic_report_rows() -> None:
    rows = nic_rows(group_networks(RECORDS, NETWORKS))
    assert len(rows) == len(RECORDS)
    web2 = next(r for r in rows if r["vm"] == "web2" and r["nic"] == "0")
    assert web2["ips"] == "10.1.0.5;10.1.0.6" and web2["cloudstack_network"] == "l2-vlan100 (n100)"
    assert dump_csv(rows, NIC_COLUMNS).splitlines()[0] == ",".join(NIC_COLUMNS)


@pytest.mark.parametrize(
    ("text", "fmt", "code", "words"),
    [
        ("networks: [zone: z1\n", "yml", "networks_plan_yaml_invalid", "is not valid YAML ("),
        ("zone: z1\n", "yml", "networks_plan_networks_missing", "has no 'networks' list"),
        ("- 1\n", "yaml", "networks_plan_entry_invalid", "networks[0]: is a int, not a mapping"),
        ("{}", ".json", "networks_plan_format_unknown", "format 'json' is unknown"),
        ("zone,vlan\n" + "x" * 200_000 + ",400\n", "csv", "networks_plan_csv_invalid", "is not a readable CSV"),
    ],
)
def test_an_unusable_networks_plan_is_one_problem_with_the_fix(text: str, fmt: str, code: str, words: str) -> None:
    with pytest.raises(ProblemsError) as err:
        load_plan(text, fmt)
    assert [p.code for p in err.value.problems] == [code]
    rendered = str(err.value)
    assert rendered.startswith("networks_plan: ") and words in rendered
    assert rendered.count("Fix: ") == 1 and not rendered.rstrip().endswith("Fix:")
    assert err.value.to_result()["field"] == "networks_plan"


def test_every_unreadable_yaml_entry_is_named() -> None:
    with pytest.raises(ProblemsError) as err:
        load_yaml("networks:\n  - zone1\n  - {zone: zone1, vlan: 400}\n  - [a, b]\n")
    assert [(p.field, p.code) for p in err.value.problems] == [
        ("networks[0]", "networks_plan_entry_invalid"),
        ("networks[2]", "networks_plan_entry_invalid"),
    ]


def test_list_cells_are_read_by_the_one_list_reader() -> None:
    """A list column typed as text in the YAML plan reads like the CSV cell (not as single characters)."""
    (row,) = load_yaml("networks:\n  - {zone: zone1, vlan: 400, hosts: 'kvm1; kvm2', vms: [web1, '', db1]}\n")
    assert (row["hosts"], row["vms"], row["bridges"]) == (["kvm1", "kvm2"], ["web1", "db1"], [])
    assert "  - kvm1\n  - kvm2\n" in dump_yaml([{"zone": "zone1", "vlan": "400", "hosts": "kvm1;kvm2"}])
    (back,) = load_plan(dump_csv([row]), "csv")
    assert back["hosts"] == ["kvm1", "kvm2"]
