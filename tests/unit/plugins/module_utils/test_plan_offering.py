"""Service offering vs the VM's CPU and memory (facts §2.2)."""

from __future__ import annotations

from typing import Any

import pytest
from ansible_collections.acs.ingest.plugins.module_utils._planner.inputs import parse_catalog
from ansible_collections.acs.ingest.plugins.module_utils._planner.offering import plan_offering
from ansible_collections.acs.ingest.plugins.module_utils._planner.types import Findings
from ansible_collections.acs.ingest.plugins.module_utils._planner.wishes import Wishes

OFFERINGS = [
    {"id": "so-small", "name": "Small Instance", "cpunumber": 1, "cpuspeed": 100, "memory": 256},
    {"id": "so-2x2", "name": "Medium", "cpunumber": 2, "cpuspeed": 1000, "memory": 2048},
    {"id": "so-2x2b", "name": "Medium HA", "cpunumber": 2, "cpuspeed": 1000, "memory": 2048},
    {"id": "so-free", "name": "Custom", "iscustomized": True},
    {
        "id": "so-box",
        "name": "Custom Constrained",
        "iscustomized": "true",
        "cpuspeed": 2000,
        "serviceofferingdetails": {"mincpunumber": "1", "maxcpunumber": "4", "minmemory": "512", "maxmemory": "8192"},
    },
]


def vm(cpu: Any = 2, memory: Any = 2048, speed: Any = 500, power: str = "PowerOn") -> dict[str, Any]:
    return {"name": "web01", "cpunumber": cpu, "memory": memory, "cpuspeed": speed, "powerstate": power}


def run(
    instance: dict[str, Any], wishes: dict[str, Any], *, for_import_vm: bool = False
) -> tuple[dict[str, Any] | None, dict[str, str], Findings]:
    findings = Findings()
    parsed = Wishes.from_mapping(wishes)
    findings.problems.extend(parsed.problems)
    offering, details = plan_offering(
        instance, parsed, parse_catalog({"service_offerings": OFFERINGS}), findings, for_import_vm=for_import_vm
    )
    return offering, details, findings


def codes(findings: Findings) -> list[str]:
    return [problem.code for problem in findings.problems]


def test_fixed_offering_matching_exactly() -> None:
    offering, details, findings = run(vm(), {"service_offering": "medium"})
    assert offering is not None and offering["id"] == "so-2x2"
    # the VM's cpuspeed (500) differs from the offering's (1000): KVM never compares speeds
    assert details == {} and findings.problems == [] and findings.notes == []


@pytest.mark.parametrize(
    ("cpu", "memory", "fragments"),
    [
        (4, 2048, {"offering_cpu_mismatch_running": "Medium has 2 vCPUs, the VM 4 (PowerOn)"}),
        (2, 4096, {"offering_memory_mismatch_running": "Medium has 2048 MiB, the VM 4096 (PowerOn)"}),
        (
            1,
            512,
            {
                "offering_cpu_mismatch_running": "the VM 1 (PowerOn)",
                "offering_memory_mismatch_running": "the VM 512 (PowerOn)",
            },
        ),
    ],
)
def test_fixed_offering_mismatch_on_running_vm(cpu: int, memory: int, fragments: dict[str, str]) -> None:
    _ignored, _ignored, findings = run(vm(cpu, memory), {"service_offering": "so-2x2"})
    assert codes(findings) == list(fragments)
    for problem in findings.problems:
        assert fragments[problem.code] in problem.message
        assert "not in powered off state" in problem.message  # CloudStack's text
        assert "custom offering" in problem.fix and "shut the VM off" in problem.fix
        assert "Custom (so-free)" in problem.fix


def test_mismatch_fix_lists_fixed_offerings_that_do_match() -> None:
    _ignored, _ignored, findings = run(vm(1, 256), {"service_offering": "Medium"})
    assert "Small Instance (so-small)" in findings.problems[0].fix


@pytest.mark.parametrize("power", ["PowerUnknown", ""])
def test_unknown_power_state_counts_as_not_off(power: str) -> None:
    _ignored, _ignored, findings = run(vm(4, 4096, power=power), {"service_offering": "Medium"})
    assert codes(findings) == ["offering_cpu_mismatch_running", "offering_memory_mismatch_running"]


@pytest.mark.parametrize("power", ["PowerOff", "poweroff"])
def test_fixed_offering_mismatch_on_powered_off_vm_is_a_note(power: str) -> None:
    _ignored, details, findings = run(vm(4, 4096, power=power), {"service_offering": "Medium"})
    assert findings.problems == [] and details == {}
    note = findings.notes[0].message
    assert "powered off" in note and "2 vCPUs/2048 MiB" in note and "offering_overrides_powered_off_vm" in note


def test_custom_unconstrained_takes_cpu_memory_and_speed_from_the_vm() -> None:
    _ignored, details, findings = run(vm(3, 3072, 700), {"service_offering": "custom"})
    assert details == {"cpuNumber": "3", "memory": "3072", "cpuSpeed": "700"}
    assert findings.problems == []


def test_custom_unconstrained_user_cpu_speed_wins_over_the_vm() -> None:
    _ignored, details, _ignored = run(vm(), {"service_offering": "Custom", "details": {"cpuSpeed": "1500"}})
    assert details["cpuSpeed"] == "1500"


@pytest.mark.parametrize("speed", [0, None, -1])
def test_custom_unconstrained_without_any_speed_is_an_error(speed: Any) -> None:
    _ignored, details, findings = run(vm(speed=speed), {"service_offering": "Custom"})
    assert codes(findings) == ["custom_offering_cpuspeed_missing"]
    assert "cpuSpeed" not in details
    assert "details cpuSpeed" in findings.problems[0].fix


def test_custom_constrained_within_range_sends_no_speed() -> None:
    _ignored, details, findings = run(vm(4, 8192), {"service_offering": "Custom Constrained"})
    assert details == {"cpuNumber": "4", "memory": "8192"}
    assert findings.problems == []


@pytest.mark.parametrize(("cpu", "memory", "count"), [(8, 2048, 1), (2, 256, 1), (16, 16384, 2)])
def test_custom_constrained_out_of_range(cpu: int, memory: int, count: int) -> None:
    _ignored, _ignored, findings = run(vm(cpu, memory), {"service_offering": "so-box"})
    expected = [
        code
        for code, bad in (
            ("custom_offering_cpu_out_of_range", cpu > 4),
            ("custom_offering_memory_out_of_range", not 512 <= memory <= 8192),
        )
        if bad
    ]
    assert codes(findings) == expected and len(expected) == count


def test_constraints_are_also_read_from_top_level_keys() -> None:
    findings = Findings()
    catalog = parse_catalog(
        {"service_offerings": [{"id": "x", "name": "X", "iscustomized": True, "cpuspeed": 1, "maxcpunumber": 2}]}
    )
    plan_offering(vm(4), Wishes.from_mapping({"service_offering": "x"}), catalog, findings)
    assert codes(findings) == ["custom_offering_cpu_out_of_range"]


def test_user_cpu_number_is_overridden_by_the_vm_with_a_note() -> None:
    _ignored, details, findings = run(
        vm(2), {"service_offering": "Custom", "details": {"cpuNumber": "8", "foo": "bar"}}
    )
    assert details == {"cpuNumber": "2", "memory": "2048", "cpuSpeed": "500", "foo": "bar"}
    assert any(n.field == "details.cpuNumber" for n in findings.notes)


@pytest.mark.parametrize(
    ("cpu", "memory", "expected"),
    [
        (0, 2048, ["vm_cpu_or_memory_zero"]),
        (None, 2048, ["vm_cpu_or_memory_zero"]),
        (2, 0, ["vm_cpu_or_memory_zero"]),
        (None, None, ["vm_cpu_or_memory_zero", "vm_cpu_or_memory_zero"]),
    ],
)
def test_zero_cpu_or_memory_uses_cloudstack_texts(cpu: Any, memory: Any, expected: list[str]) -> None:
    _ignored, _ignored, findings = run(vm(cpu, memory), {"service_offering": "Custom"})
    assert codes(findings) == expected
    assert any("is not valid for importing VM [web01]" in p.message for p in findings.problems)


def test_missing_and_unknown_and_ambiguous_offering() -> None:
    assert codes(run(vm(), {})[2]) == ["missing"]
    assert codes(run(vm(), {"service_offering": "Jumbo"})[2]) == ["not_found"]
    catalog = parse_catalog({"service_offerings": OFFERINGS + [{"id": "dup", "name": "MEDIUM", "cpunumber": 2}]})
    findings = Findings()
    plan_offering(vm(), Wishes.from_mapping({"service_offering": "medium"}), catalog, findings)
    assert codes(findings) == ["ambiguous"]


def test_import_vm_without_cpunumber_and_fixed_offering_compares_nothing() -> None:
    external = {"name": "ext1", "memory": 1024, "cpucorepersocket": 1, "powerstate": "PowerOff"}
    _ignored, details, findings = run(external, {"service_offering": "Medium"}, for_import_vm=True)
    assert findings.problems == [] and details == {}


def test_import_vm_with_custom_offering_needs_cpu_from_details() -> None:
    external = {"name": "ext1", "memory": 1024, "cpuspeed": 1024, "powerstate": "PowerOff"}
    _ignored, _ignored, findings = run(external, {"service_offering": "Custom"}, for_import_vm=True)
    assert codes(findings) == ["external_custom_offering_details"]
    assert findings.problems[0].field == "details" and "cpuNumber" in findings.problems[0].message
    _ignored, details, findings = run(
        external, {"service_offering": "Custom", "details": {"cpuNumber": 2}}, for_import_vm=True
    )
    assert findings.problems == []
    assert details == {"cpuNumber": "2", "memory": "1024", "cpuSpeed": "1024"}
