"""The networks playbook's filters: plan rows to CSV/YAML and back, merge, creation tasks, NIC report."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.acs.ingest.plugins.filter.fixups import fixup_args, fixup_outcomes, fixup_report_csv
from ansible_collections.acs.ingest.plugins.filter.networks import (
    FilterModule,
    network_plan_csv,
    network_plan_load,
    network_plan_merge,
    network_plan_tasks,
    network_plan_yaml,
    network_report_csv,
    network_sources_from_hostvars,
)

ROWS = [
    {"zone": "zone1", "vlan": "100", "status": "exists", "hosts": ["kvm1"], "create": False, "type": "L2"},
    {"zone": "zone1", "vlan": "400", "status": "missing", "hosts": ["kvm1", "kvm2"], "create": True, "type": "L2"},
]


def test_filters_are_registered() -> None:
    assert set(FilterModule().filters()) == {
        "network_plan_csv",
        "network_plan_yaml",
        "network_plan_load",
        "network_plan_merge",
        "network_plan_tasks",
        "network_report_csv",
        "network_sources_from_hostvars",
    }


def test_round_trip_and_tasks() -> None:
    for text, fmt in ((network_plan_csv(ROWS), "csv"), (network_plan_yaml(ROWS), "yml")):
        back = network_plan_load(text, fmt)
        assert back[1]["hosts"] == ["kvm1", "kvm2"]
        back[1]["type"] = "Shared"
        merged = network_plan_merge(back, ROWS)
        assert merged[1]["type"] == "Shared" and merged[1]["hosts"] == ["kvm1", "kvm2"]
    result = network_plan_tasks(network_plan_load(network_plan_csv(ROWS), "csv"))
    assert result == {"tasks": [{"zone": "zone1", "vlan": 400, "type": "L2"}], "problems": [], "lines": []}
    bad = network_plan_tasks([{"zone": "zone1", "vlan": "400", "create": "yes", "type": "Shared"}])
    assert bad["tasks"] == [] and bad["problems"][0]["field"] == "gateway" and "Fix:" in bad["lines"][0]


def test_bad_input_is_a_filter_error() -> None:
    with pytest.raises(AnsibleFilterError, match=r"^networks_plan: format 'json' is unknown\. Fix: use a \.csv"):
        network_plan_load("{}", "json")
    # Broken YAML was a yaml.YAMLError traceback before: now one line with the field and the fix.
    with pytest.raises(
        AnsibleFilterError, match=r"^networks_plan: is not valid YAML \(.*\)\. Fix: correct the syntax$"
    ):
        network_plan_load("networks: [zone: z1\n", "yml")
    with pytest.raises(AnsibleFilterError, match="expected a list of rows"):
        network_plan_csv("not rows")


def test_nic_report_csv_header() -> None:
    text = network_report_csv([{"vm": "web", "nic": "0", "vlan": 100, "ips": "10.0.0.5"}])
    assert text.splitlines()[0].startswith("zone,cluster,host,source,vm,")
    assert ",web," in text.splitlines()[1]


def test_sources_from_the_inventory() -> None:
    hosts = [
        {"acs_source": "cloudstack", "acs_cluster_id": "c1", "acs_cluster_name": "cluster1", "acs_zone_id": "z1"},
        {"acs_source": "cloudstack", "acs_cluster_id": "c1", "acs_cluster_name": "cluster1", "acs_zone_id": "z1"},
        {"acs_source": "external", "acs_location": "192.0.2.10", "acs_zone_id": "z1"},
        {"acs_source": "libvirt", "acs_location": "qemu+ssh://root@kvm9/system", "acs_zone_id": None},
    ]
    assert network_sources_from_hostvars(hosts) == {
        "clusters": ["cluster1"],
        "external_hosts": [{"host": "192.0.2.10", "zone": "z1"}],
        "libvirt_uris": [{"uri": "qemu+ssh://root@kvm9/system"}],
    }


def test_fixup_args_and_outcomes() -> None:
    row = {"vm": "web01", "source": "cloudstack", "zone": "z1", "nic_ips": {"0": "10.0.0.5,10.0.0.6"}}
    assert fixup_args(row, {"web01": "l2-vlan400"}, True, ["console"]) == {
        "zone": "z1",
        "nic_ips": {"0": "10.0.0.5,10.0.0.6"},
        "instance_name": "web01",
        "add_nic": {"network": "l2-vlan400"},
        "restart": True,
        "restart_for": ["console"],
    }
    external = fixup_args({"vm": "legacy", "source": "external", "zone": "z1", "hostname": "legacy-db"})
    assert external["name"] == "legacy-db" and external["imported_live"] is False and "instance_name" not in external
    results = {
        "results": [
            {"item": {"vm": "a"}, "changed": True, "actions": [{"what": "add 10.0.0.6 to NIC 0"}], "needs_restart": []},
            {"item": {"vm": "b"}, "changed": False, "needs_restart": ["console"]},
            {"item": {"vm": "c"}, "failed": True, "msg": "instance_name: no VM"},
        ]
    }
    outcomes = fixup_outcomes(results)
    assert [(o["vm"], o["outcome"]) for o in outcomes] == [("a", "fixed"), ("b", "ok"), ("c", "failed")]
    assert fixup_outcomes(results, True)[0]["outcome"] == "would_fix"
    assert fixup_report_csv(outcomes).splitlines()[2] == "b,ok,,console,no,"
