"""Data disks → disk offerings (facts §2.2 "Disks")."""

from __future__ import annotations

from typing import Any

import pytest
from ansible_collections.acs.ingest.plugins.module_utils._planner.disks import offering_bytes, plan_disks
from ansible_collections.acs.ingest.plugins.module_utils._planner.inputs import parse_catalog
from ansible_collections.acs.ingest.plugins.module_utils._planner.types import GIB, Findings
from ansible_collections.acs.ingest.plugins.module_utils._planner.wishes import Wishes

OFFERINGS = [
    {"id": "do-5", "name": "Small", "disksize": 5, "iscustomized": False},
    {"id": "do-20", "name": "Medium", "disksize": 20, "iscustomized": False},
    {"id": "do-100", "name": "Large", "disksize": 100, "iscustomized": False},
    {"id": "do-custom", "name": "Custom", "disksize": 0, "iscustomized": True},
]


def disk(ident: str, gib: float | None, label: str | None = None, controller: str = "virtio") -> dict[str, Any]:
    capacity = None if gib is None else int(gib * GIB)
    return {
        "id": ident,
        "label": label or f"vd{chr(ord('a') + int(ident))}",
        "capacity": capacity,
        "controller": controller,
        "position": int(ident),
        "imagepath": f"/var/lib/libvirt/images/d{ident}.qcow2",
    }


def run(
    disks: list[dict[str, Any]],
    wishes: dict[str, Any] | None = None,
    offerings: list[dict[str, Any]] | None = None,
    *,
    root_size_fallback: bool = False,
) -> tuple[list[dict[str, str]], Findings]:
    findings = Findings()
    parsed = Wishes.from_mapping(wishes or {})
    findings.problems.extend(parsed.problems)
    catalog = parse_catalog({"disk_offerings": OFFERINGS if offerings is None else offerings})
    result = plan_disks({"name": "vm", "disk": disks}, parsed, catalog, findings, root_size_fallback=root_size_fallback)
    return result, findings


def codes(findings: Findings) -> list[str]:
    return [problem.code for problem in findings.problems]


def test_single_root_disk_needs_no_offering() -> None:
    result, findings = run([disk("0", 10)])
    assert result == [] and findings.problems == []


def test_no_disks_is_an_error() -> None:
    assert codes(run([])[1]) == ["no_disks"]


def test_explicit_map_by_id_and_label() -> None:
    result, findings = run(
        [disk("0", 10), disk("1", 4), disk("2", 20)], {"disk_offerings": {"1": "small", "VDC": "do-20"}}
    )
    assert result == [{"disk": "1", "diskOffering": "do-5"}, {"disk": "2", "diskOffering": "do-20"}]
    assert findings.problems == []


def test_unmapped_data_disk_names_the_disk_and_both_fixes() -> None:
    result, findings = run([disk("0", 10), disk("1", 4), disk("2", 8)], {"disk_offerings": {"1": "Small"}})
    assert result == [{"disk": "1", "diskOffering": "do-5"}]
    assert codes(findings) == ["datadisk_mapping_count_mismatch"]
    problem = findings.problems[0]
    assert problem.field == "disk_offerings[2]"
    assert "disk 2 (vdc)" in problem.message and "disk 0 (vda)" in problem.message
    assert "disk_offering_policy" in problem.fix


def test_mapping_the_root_disk_is_an_error() -> None:
    _ignored, findings = run([disk("0", 10), disk("1", 4)], {"disk_offerings": {"0": "Medium", "1": "Small"}})
    assert codes(findings) == ["disk_root_mapped"]


def test_root_disk_can_be_chosen() -> None:
    result, findings = run([disk("0", 4), disk("1", 10)], {"root_disk": "vdb", "disk_offerings": {"0": "Small"}})
    assert result == [{"disk": "0", "diskOffering": "do-5"}]
    assert findings.problems == []


def test_unknown_root_disk_still_reports_the_other_problems() -> None:
    _ignored, findings = run([disk("0", 10), disk("1", 4)], {"root_disk": "sdz"})
    assert sorted(codes(findings)) == ["datadisk_mapping_count_mismatch", "unknown_key"]


@pytest.mark.parametrize(
    ("gib", "expected"),
    [
        (1, "do-5"),
        (5, "do-5"),  # exactly 5 GiB fits a 5 GiB offering (byte comparison)
        (5 + 1 / GIB, "do-20"),  # one byte more does not
        (20, "do-20"),
        (99.5, "do-100"),
    ],
)
def test_smallest_fit_uses_cloudstacks_byte_comparison(gib: float, expected: str) -> None:
    result, findings = run([disk("0", 10), disk("1", gib)], {"disk_offering_policy": "smallest_fit"})
    assert result == [{"disk": "1", "diskOffering": expected}]
    assert findings.problems == []


def test_smallest_fit_with_nothing_large_enough() -> None:
    result, findings = run([disk("0", 10), disk("1", 150)], {"disk_offering_policy": "smallest_fit"})
    assert result == []
    assert codes(findings) == ["disk_no_fit"]
    assert "Large (do-100) with 100 GiB" in findings.problems[0].message
    assert "custom" in findings.problems[0].fix


def test_smallest_fit_tie_is_ambiguous() -> None:
    offerings = OFFERINGS + [{"id": "do-20b", "name": "Medium SSD", "disksize": 20}]
    _ignored, findings = run([disk("0", 10), disk("1", 10)], {"disk_offering_policy": "smallest_fit"}, offerings)
    assert codes(findings) == ["disk_fit_ambiguous"]


def test_custom_policy_uses_the_single_custom_offering() -> None:
    result, findings = run([disk("0", 10), disk("1", 500), disk("2", 1)], {"disk_offering_policy": "custom"})
    assert result == [{"disk": "1", "diskOffering": "do-custom"}, {"disk": "2", "diskOffering": "do-custom"}]
    assert findings.problems == []


@pytest.mark.parametrize("customs", [0, 2])
def test_custom_policy_needs_exactly_one_custom_offering(customs: int) -> None:
    fixed = [o for o in OFFERINGS if not o["iscustomized"]]
    extra = [{"id": f"c{i}", "name": f"C{i}", "iscustomized": "true"} for i in range(customs)]
    _ignored, findings = run([disk("0", 10), disk("1", 5)], {"disk_offering_policy": "custom"}, fixed + extra)
    assert codes(findings) == ["disk_policy_custom"]


def test_default_key_maps_every_other_data_disk() -> None:
    result, findings = run(
        [disk("0", 10), disk("1", 4), disk("2", 90)], {"disk_offerings": {"*": "Large", "1": "Small"}}
    )
    assert result == [{"disk": "1", "diskOffering": "do-5"}, {"disk": "2", "diskOffering": "do-100"}]
    assert findings.problems == []


def test_explicit_fixed_offering_smaller_than_disk_quotes_cloudstack_sizes() -> None:
    _ignored, findings = run([disk("0", 10), disk("1", 20 + 1 / GIB)], {"disk_offerings": {"1": "Medium"}})
    assert codes(findings) == ["data_disk_offering_too_small"]
    problem = findings.problems[0]
    # CloudStack floors both sizes in its message, so it reads "20GB ... 20GB".
    assert "(ID: do-20) 20GB is found less than the size of disk(ID: 1) 20GB" in problem.message
    assert "at least 21 GiB" in problem.fix


def test_custom_offering_skips_the_size_comparison() -> None:
    result, findings = run([disk("0", 10), disk("1", 4000)], {"disk_offerings": {"1": "Custom"}})
    assert result == [{"disk": "1", "diskOffering": "do-custom"}]
    assert findings.problems == []


def test_fixed_offering_of_size_zero_is_invalid() -> None:
    offerings = [{"id": "z", "name": "Zero", "disksize": 0, "iscustomized": False}]
    _ignored, findings = run([disk("0", 10), disk("1", 1)], {"disk_offerings": {"1": "Zero"}}, offerings)
    assert codes(findings) == ["data_disk_offering_fixed_size_zero"]


@pytest.mark.parametrize("gib", [None, 0])
def test_data_disk_without_capacity(gib: float | None) -> None:
    _ignored, findings = run([disk("0", 10), disk("1", gib)], {"disk_offerings": {"1": "Custom"}})
    assert codes(findings) == ["disk_size_invalid"]


def test_root_without_capacity_is_fine_only_with_an_offering_root_size() -> None:
    assert codes(run([disk("0", None)])[1]) == ["disk_size_invalid"]
    assert run([disk("0", None)], root_size_fallback=True)[1].problems == []


def test_root_without_controller() -> None:
    root = disk("0", 10)
    root["controller"] = ""
    assert codes(run([root])[1]) == ["root_disk_controller_missing"]


def test_data_disks_on_different_controllers() -> None:
    disks = [disk("0", 10, controller="ide"), disk("1", 1, controller="virtio"), disk("2", 1, "sda", "scsi")]
    _ignored, findings = run(disks, {"disk_offering_policy": "custom"})
    assert codes(findings) == ["data_disk_controllers_mixed"]
    message = findings.problems[0].message
    assert "disk 2 (sda): scsi" in message and "disk 1 (vdb): virtio" in message


def test_root_on_another_controller_than_data_disks_is_allowed() -> None:
    disks = [disk("0", 10, controller="ide"), disk("1", 1), disk("2", 1)]
    assert run(disks, {"disk_offering_policy": "custom"})[1].problems == []


def test_unknown_disk_key_and_unknown_offering_are_both_reported() -> None:
    _ignored, findings = run([disk("0", 10), disk("1", 1)], {"disk_offerings": {"1": "Huge", "vdq": "Small"}})
    assert sorted(codes(findings)) == ["not_found", "unknown_key"]


def test_offering_bytes_reads_gib() -> None:
    assert offering_bytes({"disksize": 20}) == 20 * GIB
    assert offering_bytes({"disksize": "3"}) == 3 * GIB
    assert offering_bytes({}) == 0
