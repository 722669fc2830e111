"""Rediscovery after the networks step: a NIC the operator did not map gets the network that now carries its VLAN."""

from __future__ import annotations

from ansible_collections.acs.ingest.plugins.module_utils._planner.plan_file import merge_rows

NICS = "0=52:54:00:00:00:01/vlan100;1=52:54:00:00:00:02/vlan400"


def row(**cells: object) -> dict[str, object]:
    return {"vm": "web01", "source": "cloudstack", "cluster": "c1", "nics": NICS, **cells}


def test_a_newly_matched_nic_is_filled_in_and_edits_stay() -> None:
    before = [row(nic_networks={"0": "net100"}, nic_ips={}, service_offering="edited")]
    after_networks_step = [
        row(nic_networks={"0": "net100", "1": "net400"}, nic_ips={"1": "auto"}, service_offering="x")
    ]
    (merged,) = merge_rows(before, after_networks_step)
    assert merged["nic_networks"] == {"0": "net100", "1": "net400"}
    assert merged["nic_ips"] == {"1": "auto"}
    assert merged["service_offering"] == "edited"


def test_the_operators_mapping_wins_by_id_or_mac() -> None:
    before = [row(nic_networks={"0": "mine", "52:54:00:00:00:02": "also-mine"})]
    (merged,) = merge_rows(before, [row(nic_networks={"0": "net100", "1": "net400"})])
    assert merged["nic_networks"] == {"0": "mine", "52:54:00:00:00:02": "also-mine"}
