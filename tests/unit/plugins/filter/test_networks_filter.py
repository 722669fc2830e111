"""The networks playbook's filters: plan rows to CSV/YAML and back, merge, creation tasks, NIC report."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.acs.ingest.plugins.filter.networks import (
    FilterModule,
    network_plan_csv,
    network_plan_load,
    network_plan_merge,
    network_plan_tasks,
    network_plan_yaml,
    network_report_csv,
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
    with pytest.raises(AnsibleFilterError, match="format 'json' is unknown"):
        network_plan_load("{}", "json")
    with pytest.raises(AnsibleFilterError, match="expected a list of rows"):
        network_plan_csv("not rows")


def test_nic_report_csv_header() -> None:
    text = network_report_csv([{"vm": "web", "nic": "0", "vlan": 100, "ips": "10.0.0.5"}])
    assert text.splitlines()[0].startswith("zone,cluster,host,source,vm,")
    assert ",web," in text.splitlines()[1]
