"""Unit tests of the plan file format (CSV/YAML round trip, validation, merge, waves)."""

from __future__ import annotations

import pytest
from ansible_collections.acs.ingest.plugins.module_utils._planner import plan_file as pf

ROW = {
    "vm": "i-2-10-VM",
    "source": "cloudstack",
    "zone": "z1",
    "cluster": "c1",
    "host": "kvm1",
    "power_state": "PowerOn",
    "cpus": "1",
    "memory_mb": "64",
    "import": True,
    "wave": 2,
    "service_offering": "tiny",
    "template": "kvm-template",
    "nic_networks": {"0": "l2-vlan100", "52:54:00:00:00:02": "shared-vlan300"},
    "nic_ips": {"52:54:00:00:00:02": "10.30.0.20"},
    "disk_offerings": {"1": "fixed-1g"},
}


def test_csv_round_trip_keeps_maps_bools_and_wave() -> None:
    text = pf.dump_csv([ROW])
    assert text.splitlines()[0].split(",") == list(pf.COLUMN_NAMES)
    assert "0=l2-vlan100;52:54:00:00:00:02=shared-vlan300" in text
    rows, problems = pf.validate_rows(pf.load_plan(text, "csv"))
    assert problems == []
    assert rows[0]["nic_networks"] == ROW["nic_networks"]
    assert rows[0]["wave"] == 2 and rows[0]["import"] is True and rows[0]["forced"] is False


def test_yaml_round_trip_equals_csv_round_trip() -> None:
    from_yaml, p1 = pf.validate_rows(pf.load_plan(pf.dump_yaml([ROW]), "yaml"))
    from_csv, p2 = pf.validate_rows(pf.load_plan(pf.dump_csv([ROW]), "csv"))
    assert p1 == p2 == []
    assert from_yaml == from_csv


def test_every_problem_of_every_row_is_reported() -> None:
    bad = [
        {**pf.to_csv_cells(ROW), "wave": "zero", "forced": "maybe", "nic_ips": "0:auto"},
        {**pf.to_csv_cells(ROW), "vm": "other", "account": "acc", "colour": "red"},
        pf.to_csv_cells(ROW),
        pf.to_csv_cells(ROW),
    ]
    _ignored, problems = pf.validate_rows(bad)
    fields = [(p.row, p.problem.field) for p in problems]
    assert (1, "wave") in fields and (1, "forced") in fields and (1, "nic_ips") in fields
    assert (2, "colour") in fields and (2, "account") in fields
    assert (4, "vm") in fields  # duplicate of row 3 (row 1 is the same VM too)
    for problem in problems:
        assert "Fix: " in problem.line() and problem.problem.field in problem.line()
        assert problem.line().startswith(f"row {problem.row} ")
        assert problem.as_dict()["row"] == problem.row and problem.as_dict()["code"].startswith(("plan_", "owner_"))


def test_unusable_documents_raise_value_error_with_fix() -> None:
    with pytest.raises(ValueError, match="Fix: "):
        pf.load_plan("vms: [", "yaml")
    with pytest.raises(ValueError, match="no 'vms' list"):
        pf.load_plan("plan_version: 1\n", "yaml")
    with pytest.raises(ValueError, match="format 'json'"):
        pf.load_plan("{}", "json")


def test_merge_keeps_edits_refreshes_facts_and_drops_vanished_vms() -> None:
    edited = {**ROW, "service_offering": "small", "power_state": "PowerOn"}
    gone = {**ROW, "vm": "i-2-11-VM"}
    fresh = {**ROW, "service_offering": "", "power_state": "PowerOff"}
    merged = pf.merge_rows([edited, gone], [fresh])
    assert [r["vm"] for r in merged] == ["i-2-10-VM"]
    assert merged[0]["service_offering"] == "small" and merged[0]["power_state"] == "PowerOff"


def test_waves_skip_rows_not_to_import_and_sort() -> None:
    rows = [{**ROW, "vm": "a", "wave": 3}, {**ROW, "vm": "b", "wave": 1}, {**ROW, "vm": "c", "import": False}]
    assert pf.waves(rows) == [{"wave": 1, "vms": ["b"]}, {"wave": 3, "vms": ["a"]}]


def test_wishes_drop_empty_cells() -> None:
    rows, _ignored = pf.validate_rows([pf.to_csv_cells(ROW)])
    wishes = pf.wishes(rows[0])
    assert wishes["disk_offerings"] == {"1": "fixed-1g"}
    assert "account" not in wishes and "forced" not in wishes
