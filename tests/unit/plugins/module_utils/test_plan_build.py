"""build_import_plan end to end: the §4.2 smoke-test mapping, importVm, every problem at once."""

from __future__ import annotations

import json
from typing import Any

import pytest
from ansible_collections.acs.ingest.plugins.module_utils._planner.build import (
    build_import_plan,
    flatten_params,
    parse_catalog,
    wire_lines,
)
from ansible_collections.acs.ingest.plugins.module_utils._planner.types import GIB
from ansible_collections.acs.ingest.plugins.module_utils._planner.wishes import Wishes

ZONE, CLUSTER = "zone-uuid", "cluster-uuid"

# The fixtures of test_vm_lifecycle_unmanage_kvm_import.py (facts §4.2): "Small Instance", two L2
# networks and one isolated network, a VM deployed with three NICs, one per network.
SMOKE_CATALOG: dict[str, Any] = {
    "networks": [
        {"id": "l2-a", "name": "Test L2 Network", "type": "L2", "vlan": "1001", "zoneid": ZONE},
        {"id": "l2-b", "name": "Test L2 Network1", "type": "L2", "vlan": "1002", "zoneid": ZONE},
        {
            "id": "iso",
            "name": "Isolated Network",
            "type": "Isolated",
            "vlan": "vlan://1003",
            "zoneid": ZONE,
            "cidr": "10.1.1.0/24",
        },
    ],
    "service_offerings": [{"id": "so-small", "name": "Small Instance", "cpunumber": 1, "cpuspeed": 100, "memory": 256}],
    "disk_offerings": [],
    # listTemplates returns one row per zone for the same template.
    "templates": [
        {"id": "tmpl", "name": "CentOS 5.6 (64-bit)", "hypervisor": "KVM", "zoneid": ZONE},
        {"id": "tmpl", "name": "CentOS 5.6 (64-bit)", "hypervisor": "KVM", "zoneid": "zone-2"},
    ],
    "macs_in_use": {},
}


def smoke_instance(power: str = "PowerOn") -> dict[str, Any]:
    return {
        "name": "i-2-6-VM",
        "clusterid": CLUSTER,
        "hostid": "host-uuid",
        "powerstate": power,
        "cpunumber": 1,
        "cpucorepersocket": 1,
        "cpuspeed": 100,
        "memory": 256,
        "disk": [
            {
                "id": "0",
                "label": "vda",
                "capacity": 5 * GIB,
                "controller": "virtio",
                "position": 0,
                "imagepath": "/mnt/pool/6b7c.qcow2",
            }
        ],
        "nic": [
            {
                "id": "0",
                "macaddress": "02:00:4c:5f:00:01",
                "adaptertype": "virtio",
                "vlanid": 1001,
                "networkname": "vnet0",
            },
            {
                "id": "1",
                "macaddress": "02:00:4c:5f:00:02",
                "adaptertype": "virtio",
                "vlanid": 1003,
                "networkname": "vnet1",
            },
            {
                "id": "2",
                "macaddress": "02:00:4c:5f:00:03",
                "adaptertype": "virtio",
                "vlanid": 1002,
                "networkname": "vnet2",
            },
        ],
    }


SMOKE_WISHES = {"template": "tmpl", "service_offering": "so-small"}


def test_smoke_test_mapping_vlan_match_and_auto_ip_for_isolated() -> None:
    plan = build_import_plan(smoke_instance(), Wishes.from_mapping(SMOKE_WISHES), SMOKE_CATALOG, zone_id=ZONE)
    assert plan.ok, plan.problem_lines()
    assert plan.command == "importUnmanagedInstance"
    assert plan.params == {
        "clusterid": CLUSTER,
        "name": "i-2-6-VM",
        "hostname": "i-2-6-VM",
        "templateid": "tmpl",
        "serviceofferingid": "so-small",
        "nicnetworklist": [
            {"nic": "0", "network": "l2-a"},
            {"nic": "1", "network": "iso"},
            {"nic": "2", "network": "l2-b"},
        ],
        "nicipaddresslist": [{"nic": "1", "ip4Address": "auto"}],
    }
    assert flatten_params(plan.params)["nicipaddresslist[0].ip4Address"] == "auto"


def test_smoke_mapping_by_names_gives_the_same_plan() -> None:
    by_name = {
        "template": "centos 5.6 (64-BIT)",
        "service_offering": "small instance",
        "nic_networks": {"0": "Test L2 Network", "02:00:4C:5F:00:02": "Isolated Network", 2: "TEST L2 NETWORK1"},
    }
    plan = build_import_plan(smoke_instance(), Wishes.from_mapping(by_name), SMOKE_CATALOG, zone_id=ZONE)
    reference = build_import_plan(smoke_instance(), Wishes.from_mapping(SMOKE_WISHES), SMOKE_CATALOG, zone_id=ZONE)
    assert plan.ok and plan.params == reference.params


def test_catalog_accepts_cloudstack_response_keys() -> None:
    raw = {
        "network": SMOKE_CATALOG["networks"],
        "serviceoffering": SMOKE_CATALOG["service_offerings"],
        "template": SMOKE_CATALOG["templates"],
    }
    plan = build_import_plan(smoke_instance(), Wishes.from_mapping(SMOKE_WISHES), raw, zone_id=ZONE)
    assert plan.ok, plan.problem_lines()


def test_every_problem_of_a_vm_is_reported_in_one_run() -> None:
    instance = smoke_instance()
    instance["name"] = "01_bad.vm"
    instance["cpunumber"] = 2
    instance["nic"][0]["vlanid"] = -1
    instance["nic"][1]["adaptertype"] = "e1000"
    instance["disk"].append({"id": "1", "label": "vdb", "capacity": 3 * GIB, "controller": "virtio"})
    catalog = {**SMOKE_CATALOG, "macs_in_use": {"l2-b": ["02:00:4c:5f:00:03"]}}
    wishes = {"service_offering": "Small Instance", "nic_ips": {"1": "10.9.9.9"}, "forced": "maybe"}
    plan = build_import_plan(instance, Wishes.from_mapping(wishes), catalog, zone_id=ZONE)
    assert not plan.ok
    assert sorted(p.code for p in plan.problems) == sorted(
        [
            "invalid_input",
            "template_required_kvm",
            "offering_cpu_mismatch_running",
            "nic_network_unmapped",
            "ip_outside_cidr",
            "mac_in_use_not_forced",
            "nic_adapters_mixed",
            "datadisk_mapping_count_mismatch",
        ]
    )
    lines = plan.problem_lines()
    assert len(lines) == len(plan.problems)
    for line in lines:
        assert line.startswith("01_bad.vm: ")
        assert ". Fix: " in line and "\n" not in line
    assert any(n.field == "hostname" and "'vm-01-bad-vm'" in n.message for n in plan.notes)
    assert plan.params["hostname"] == "vm-01-bad-vm"


@pytest.mark.parametrize(
    ("templates", "wanted", "code"),
    [
        ([], "tmpl", "not_found"),
        ([{"id": "v", "name": "Win", "hypervisor": "VMware"}], "Win", "template_hypervisor"),
        (
            [{"id": "a", "name": "Deb", "hypervisor": "KVM"}, {"id": "b", "name": "deb", "hypervisor": "KVM"}],
            "DEB",
            "ambiguous",
        ),
    ],
)
def test_template_problems(templates: list[dict[str, Any]], wanted: str, code: str) -> None:
    catalog = {**SMOKE_CATALOG, "templates": templates}
    plan = build_import_plan(
        smoke_instance(), Wishes.from_mapping({**SMOKE_WISHES, "template": wanted}), catalog, zone_id=ZONE
    )
    assert [p.code for p in plan.problems] == [code]
    assert plan.problems[0].field == "template"


def test_template_name_shared_with_another_hypervisor_prefers_kvm() -> None:
    templates = [
        {"id": "vm", "name": "Ubuntu", "hypervisor": "VMware"},
        {"id": "kvm", "name": "Ubuntu", "hypervisor": "KVM"},
    ]
    plan = build_import_plan(
        smoke_instance(),
        Wishes.from_mapping({**SMOKE_WISHES, "template": "ubuntu"}),
        {**SMOKE_CATALOG, "templates": templates},
        zone_id=ZONE,
    )
    assert plan.ok and plan.params["templateid"] == "kvm"


def test_powered_off_vm_with_other_size_imports_with_a_note() -> None:
    instance = smoke_instance("PowerOff")
    instance["cpunumber"], instance["memory"] = 4, 4096
    plan = build_import_plan(instance, Wishes.from_mapping(SMOKE_WISHES), SMOKE_CATALOG, zone_id=ZONE)
    assert plan.ok
    assert any(n.field == "service_offering" for n in plan.notes)


def test_optional_parameters_are_passed_through() -> None:
    wishes = {
        **SMOKE_WISHES,
        "displayname": "Web 1",
        "hostname": "web1",
        "account": "acct",
        "domainid": "dom",
        "migrate_allowed": "true",
        "forced": True,
        "details": [{"rootDiskController": "virtio"}],
    }
    plan = build_import_plan(
        smoke_instance(), Wishes.from_mapping(wishes), SMOKE_CATALOG, cluster_id="other-cluster", zone_id=ZONE
    )
    assert plan.ok, plan.problem_lines()
    params = plan.params
    assert params["clusterid"] == "other-cluster"
    assert params["displayname"] == "Web 1" and params["hostname"] == "web1"
    assert params["account"] == "acct" and params["domainid"] == "dom"
    assert params["migrateallowed"] is True and params["forced"] is True
    assert params["details"] == [{"rootDiskController": "virtio"}]
    flat = flatten_params(params)
    assert flat["migrateallowed"] == "true" and flat["details[0].rootDiskController"] == "virtio"


def test_domainid_without_account_is_a_problem() -> None:
    plan = build_import_plan(
        smoke_instance(), Wishes.from_mapping({**SMOKE_WISHES, "domainid": "dom"}), SMOKE_CATALOG, zone_id=ZONE
    )
    assert [p.code for p in plan.problems] == ["domain_without_account"]


def test_import_vm_plan() -> None:
    external = smoke_instance("PowerOff")
    del external["clusterid"], external["cpunumber"]
    for nic in external["nic"]:
        nic["vlanid"] = -1  # listVmsForImport never reports a VLAN (facts §3.2)
    external["name"] = "ext_web"
    wishes = {**SMOKE_WISHES, "displayname": "Shown Name", "nic_networks": {"0": "l2-a", "1": "l2-a", "2": "l2-a"}}
    plan = build_import_plan(
        external, Wishes.from_mapping(wishes), SMOKE_CATALOG, cluster_id=CLUSTER, zone_id=ZONE, for_import_vm=True
    )
    assert plan.ok, plan.problem_lines()
    assert plan.command == "importVm"
    assert plan.params["zoneid"] == ZONE and plan.params["hypervisor"] == "KVM"
    assert plan.params["clusterid"] == CLUSTER  # the framework requires it (facts §1.6)
    assert plan.params["hostname"] == "ext-web"  # from the VM name, not the display name
    assert wire_lines(plan.command, plan.params)[0] == "command=importVm"


def test_import_vm_needs_cluster_and_zone() -> None:
    external = smoke_instance("PowerOff")
    del external["clusterid"]
    plan = build_import_plan(external, Wishes.from_mapping(SMOKE_WISHES), SMOKE_CATALOG, for_import_vm=True)
    assert {"cluster_missing", "zone_missing"} <= {p.code for p in plan.problems}


@pytest.mark.parametrize(
    "wishes",
    [
        None,
        "not a mapping",
        {"nic_networks": 5, "nic_ips": ["x"], "disk_offerings": "garbage", "details": 3.5},
        {"disk_offering_policy": "largest", "forced": "perhaps", "migrate_allowed": []},
        {"template": {"id": "x"}, "service_offering": ["so-small"]},
    ],
)
def test_bad_wishes_become_problems_never_exceptions(wishes: Any) -> None:
    plan = build_import_plan(smoke_instance(), Wishes.from_mapping(wishes), SMOKE_CATALOG, zone_id=ZONE)
    assert not plan.ok
    assert all(p.field and p.message and p.fix for p in plan.problems)


@pytest.mark.parametrize(
    "instance",
    [{}, {"name": "x", "nic": "eth0", "disk": 5}, {"name": "x", "nic": [None, 3], "disk": [{}]}, "junk"],
)
def test_bad_instances_become_problems_never_exceptions(instance: Any) -> None:
    plan = build_import_plan(instance, Wishes.from_mapping(SMOKE_WISHES), SMOKE_CATALOG, zone_id=ZONE)
    assert not plan.ok
    assert plan.problem_lines()


def test_plan_dict_is_json_serialisable() -> None:
    plan = build_import_plan(smoke_instance(), Wishes.from_mapping(SMOKE_WISHES), SMOKE_CATALOG, zone_id=ZONE)
    data = json.loads(json.dumps(plan.to_dict()))
    assert data["ok"] is True and data["params"]["templateid"] == "tmpl" and data["command"] == plan.command


def test_a_catalog_parsed_once_plans_like_the_raw_mapping() -> None:
    raw = {**SMOKE_CATALOG, "macs_in_use": {"L2-A": ["02-00-4C-5F-00-01"]}}
    parsed = parse_catalog(raw)
    assert parse_catalog(parsed) is parsed
    for catalog in (raw, parsed, parsed):
        plan = build_import_plan(smoke_instance(), Wishes.from_mapping(SMOKE_WISHES), catalog, zone_id=ZONE)
        assert [p.code for p in plan.problems] == ["mac_in_use_not_forced"]
