"""The batch import filters: inventory hosts → waves of entries → report lines / problem lines."""

from __future__ import annotations

from typing import Any

from ansible_collections.acs.ingest.plugins.filter.batch import (
    SKIPPED_ERROR,
    batch_outcomes,
    batch_problem_lines,
    import_waves,
)


def host(name: str, wave: int, source: str = "cloudstack", **extra: Any) -> dict[str, Any]:
    return {
        "acs_wave": wave,
        "acs_source": source,
        "acs_instance": {"name": f"dom-{name}"},
        "acs_cluster_id": "c1",
        "acs_plan": {"ok": True, "params": {"name": f"dom-{name}"}},
        **extra,
    }


HOSTVARS = {
    "a": host("a", 1),
    "b": host("b", 1),
    "x": host("x", 1, "external"),
    "c": host("c", 2, acs_plan={"ok": False, "problems": [{"field": "template"}]}),
    "d": host("d", 1),
}


def test_waves_follow_inventory_order_and_skip_other_sources() -> None:
    waves = import_waves(["a", "b", "x", "c", "d"], HOSTVARS)
    assert [w["wave"] for w in waves] == [1, 2, 1]  # wave 1 seen again later is a new batch
    assert [e["key"] for e in waves[0]["instances"]] == ["a", "b"] and waves[0]["hosts"] == ["a", "b", "x"]
    assert waves[0]["instances"][0] == {"name": "dom-a", "cluster": "c1", "plan": HOSTVARS["a"]["acs_plan"], "key": "a"}
    assert [e["key"] for e in waves[1]["instances"]] == ["c"]
    assert import_waves(["c"], HOSTVARS, ready_only=True)[0]["instances"] == []  # its plan has problems


def test_outcomes_from_results_whole_wave_failures_and_stored_outcomes() -> None:
    waves = import_waves(
        ["a", "b", "x", "c"], {**HOSTVARS, "x": {**HOSTVARS["x"], "acs_outcome": {"vm": "x", "outcome": "imported"}}}
    )
    results = [
        {"changed": True, "vms": [
            {"key": "a", "outcome": "imported", "id": "id-a", "duration_s": 5.2, "jobid": "j1", "error": ""},
            {"key": "b", "outcome": "failed", "id": "", "duration_s": 1.0, "error": "CloudStack  said\nno"},
        ]},
        {"failed": True, "msg": "cannot reach CloudStack"},
    ]  # fmt: skip
    hostvars = {**HOSTVARS, "x": {**HOSTVARS["x"], "acs_outcome": {"vm": "x", "outcome": "imported"}}}
    outcomes = {o["vm"]: o for o in batch_outcomes(results, waves, hostvars)}
    assert outcomes["a"] == {"vm": "a", "wave": 1, "outcome": "imported", "id": "id-a", "duration_s": 5.2,
                             "jobid": "j1", "error": ""}  # fmt: skip
    assert outcomes["b"]["outcome"] == "failed" and outcomes["b"]["error"] == "CloudStack said no"
    assert outcomes["x"] == {"vm": "x", "outcome": "imported"}  # stored by the external play
    assert outcomes["c"]["outcome"] == "failed" and outcomes["c"]["error"] == "cannot reach CloudStack"
    skipped = batch_outcomes([results[0]], waves[:1], HOSTVARS)
    assert [o for o in skipped if o["vm"] == "x"][0]["error"] == SKIPPED_ERROR


def test_problem_lines_name_each_failed_vm() -> None:
    results = [
        {"skipped": True},
        {"failed": True, "vms": [
            {"key": "a", "outcome": "would import"},
            {"key": "b", "outcome": "failed", "error": "plan: stale"},
        ]},
        {"failed": True, "msg": "api_url: unreachable"},
    ]  # fmt: skip
    external = [{"vm": "x", "outcome": "failed", "error": "ssh: denied"}, {"vm": "y", "outcome": "would import"}]
    assert batch_problem_lines(results, external) == ["b: plan: stale", "api_url: unreachable", "x: ssh: denied"]
