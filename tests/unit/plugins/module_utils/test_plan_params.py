"""Wire form of the plan parameters and one-line problem rendering."""

from __future__ import annotations

from ansible_collections.acs.ingest.plugins.module_utils._planner.build import (
    ImportPlan,
    Problem,
    flatten_params,
    render_problems,
    wire_lines,
)


def test_maps_become_indexed_keys_in_exact_sub_key_case() -> None:
    params = {
        "clusterid": "c-1",
        "name": "web01",
        "nicnetworklist": [{"nic": "0", "network": "n-a"}, {"nic": "1", "network": "n-b"}],
        "nicipaddresslist": [{"nic": "0", "ip4Address": "auto"}],
        "datadiskofferinglist": [{"disk": "1", "diskOffering": "do-1"}],
        "details": [{"cpuNumber": "2", "memory": "2048", "cpuSpeed": "1000"}],
        "migrateallowed": True,
        "forced": False,
    }
    assert flatten_params(params) == {
        "clusterid": "c-1",
        "name": "web01",
        "nicnetworklist[0].nic": "0",
        "nicnetworklist[0].network": "n-a",
        "nicnetworklist[1].nic": "1",
        "nicnetworklist[1].network": "n-b",
        "nicipaddresslist[0].nic": "0",
        "nicipaddresslist[0].ip4Address": "auto",
        "datadiskofferinglist[0].disk": "1",
        "datadiskofferinglist[0].diskOffering": "do-1",
        "details[0].cpuNumber": "2",
        "details[0].memory": "2048",
        "details[0].cpuSpeed": "1000",
        "migrateallowed": "true",
        "forced": "false",
    }


def test_none_and_empty_values_are_dropped_and_a_dict_is_one_entry() -> None:
    flat = flatten_params({"a": None, "b": [], "c": {}, "details": {"cpuNumber": 4}, "ids": ["x", "y"], "n": 5})
    assert flat == {"details[0].cpuNumber": "4", "ids": "x,y", "n": "5"}


def test_wire_lines_start_with_the_command() -> None:
    lines = wire_lines("importUnmanagedInstance", {"name": "vm", "nicnetworklist": [{"nic": "0", "network": "u"}]})
    assert lines == [
        "command=importUnmanagedInstance",
        "name=vm",
        "nicnetworklist[0].nic=0",
        "nicnetworklist[0].network=u",
    ]


def test_problem_lines_have_vm_field_message_and_fix() -> None:
    problems = [
        Problem("template_missing", "template", "no template given.", "set template"),
        Problem("nic_vlan_unknown", "nic_networks[0]", "NIC 0 has no VLAN", "map it."),
    ]
    assert render_problems("web01", problems) == [
        "web01: template: no template given. Fix: set template",
        "web01: nic_networks[0]: NIC 0 has no VLAN. Fix: map it",
    ]
    plan = ImportPlan(vm="web01", command="importUnmanagedInstance", problems=problems)
    assert plan.problem_lines() == render_problems("web01", problems)
    assert not plan.ok
    assert ImportPlan(vm="x", command="importVm").ok
