"""Wishes: one type for what the operator asks, one constructor for options and plan rows."""

from __future__ import annotations

from typing import Any

import pytest
from ansible_collections.acs.ingest.plugins.module_utils._planner import plan_file as pf
from ansible_collections.acs.ingest.plugins.module_utils._planner.wishes import PLANNING_KEYS, WISH_KEYS, Wishes
from ansible_collections.acs.ingest.plugins.module_utils._services.import_inputs import PLANNING_OPTIONS

OPTIONS: dict[str, Any] = {
    # as AnsibleModule hands them over: every option present, unset ones None
    "name": "web01",
    "cluster": "cluster1",
    "displayname": "Web 01",
    "hostname": None,
    "template": "kvm-template",
    "service_offering": "Small",
    "nic_networks": {"0": "l2-vlan100", 1: "l2-vlan200"},
    "nic_ips": None,
    "disk_offerings": {"1": "fixed-1g"},
    "disk_offering_policy": "smallest_fit",
    "root_disk": None,
    "details": {"cpuSpeed": 1000},
    "account": None,
    "domain": None,
    "project": None,
    "forced": True,
    "migrate_allowed": None,
    "timeout": 600,
}


def test_module_options_and_a_plan_row_make_the_same_wishes() -> None:
    row = {
        "vm": "web01",
        "source": "cloudstack",
        "cluster": "cluster1",
        "displayname": "Web 01",
        "template": "kvm-template",
        "service_offering": "Small",
        "nic_networks": "0=l2-vlan100;1=l2-vlan200",
        "disk_offerings": "1=fixed-1g",
        "disk_offering_policy": "smallest_fit",
        "details": "cpuSpeed=1000",
        "forced": "yes",
        "migrate_allowed": "",
    }
    rows, problems = pf.validate_rows([row])
    assert problems == []
    from_row = Wishes.from_mapping(pf.wishes(rows[0]))
    from_options = Wishes.from_mapping(OPTIONS)
    assert from_row == from_options
    assert from_options.nic_networks == {"0": "l2-vlan100", "1": "l2-vlan200"}
    assert from_options.details == {"cpuSpeed": "1000"}
    assert from_options.forced is True and from_options.migrate_allowed is None
    assert from_options.problems == ()


def test_what_cannot_be_read_is_carried_as_problems() -> None:
    wishes = Wishes.from_mapping(
        {
            "nic_networks": "0=a;oops",
            "nic_ips": 7,
            "disk_offering_policy": "largest",
            "forced": "perhaps",
            "migrate_allowed": [],
            "details": [{"cpuSpeed": "1000"}],  # CloudStack's own details shape is fine
        }
    )
    assert [(p.code, p.field) for p in wishes.problems] == [
        ("invalid_input", "nic_networks"),
        ("invalid_input", "nic_ips"),
        ("invalid_input", "disk_offering_policy"),
        ("invalid_input", "forced"),
        ("invalid_input", "migrate_allowed"),
    ]
    assert all(p.fix for p in wishes.problems)
    assert wishes.nic_networks == {"0": "a"} and wishes.details == {"cpuSpeed": "1000"}
    assert wishes.disk_offering_policy == "" and wishes.forced is False and wishes.migrate_allowed is None


@pytest.mark.parametrize("raw", [None, "not a mapping", 5, []])
def test_anything_that_is_not_a_mapping_means_no_wishes(raw: Any) -> None:
    assert Wishes.from_mapping(raw) == Wishes()


def test_owner_ids_resolved_by_the_services_layer_replace_only_what_was_resolved() -> None:
    wishes = Wishes.from_mapping({"account": "acc", "domain_id": "d-1"})
    assert (wishes.account, wishes.domainid, wishes.projectid) == ("acc", "d-1", "")
    assert wishes.with_owner(domainid="d-2").domainid == "d-2"
    assert wishes.with_owner().domainid == "d-1"
    assert wishes.with_owner(projectid="p-1").projectid == "p-1"


def test_the_one_key_list_serves_options_and_plan_columns() -> None:
    # The option list the import modules refuse next to a precomputed plan, in the order they name them.
    assert PLANNING_OPTIONS == (
        "displayname", "hostname", "template", "service_offering", "nic_networks", "nic_ips", "disk_offerings",
        "disk_offering_policy", "root_disk", "details", "account", "domain", "project",
    )  # fmt: skip
    assert set(WISH_KEYS) - set(PLANNING_KEYS) == {"forced", "migrate_allowed"}
    # every editable plan column but import/wave is a wish; root_disk has no column (it is rarely needed)
    assert pf.EDITABLE - {"import", "wave"} == set(WISH_KEYS) - {"root_disk"}


def test_plan_row_wishes_leave_defaults_alone_where_cells_are_empty() -> None:
    rows, _ignored = pf.validate_rows([{"vm": "v", "cluster": "c", "template": "t", "forced": "no"}])
    assert pf.wishes(rows[0]) == {"template": "t"}
    merged = Wishes.from_mapping({"service_offering": "Small", "forced": True, **pf.wishes(rows[0])})
    assert (merged.service_offering, merged.template, merged.forced) == ("Small", "t", True)
