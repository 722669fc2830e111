"""Reusing earlier work without CloudStack: precomputed plans, the job journal, failure hints."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.journal import JobJournal
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import AcsIngestError, JobFailedError
from ansible_collections.acs.ingest.plugins.module_utils._planner.build import build_import_plan
from ansible_collections.acs.ingest.plugins.module_utils._planner.wishes import Wishes
from ansible_collections.acs.ingest.plugins.module_utils._services.import_inputs import check_precomputed_plan
from ansible_collections.acs.ingest.plugins.module_utils._services.import_results import failure_fix

CLUSTER = "25c9c849-a4c2-5fc4-a707-c36104b13298"
INSTANCE: dict[str, Any] = {
    "name": "db01",
    "clusterid": CLUSTER,
    "powerstate": "PowerOn",
    "cpunumber": 1,
    "memory": 64,
    "nic": [
        {"id": "0", "macaddress": "52:54:00:00:00:01", "vlanid": 100, "adaptertype": "virtio"},
        {"id": "1", "macaddress": "52:54:00:00:00:02", "vlanid": 200, "adaptertype": "virtio"},
    ],
    "disk": [
        {"id": "0", "label": "vda", "capacity": 2**30, "controller": "virtio"},
        {"id": "1", "label": "vdb", "capacity": 2**29, "controller": "virtio"},
    ],
}
CATALOG = {
    "networks": [
        {"id": "n100", "name": "l2-100", "type": "L2", "vlan": "100"},
        {"id": "n200", "name": "l2-200", "type": "L2", "vlan": "200"},
    ],
    "service_offerings": [{"id": "so1", "name": "tiny", "cpunumber": 1, "memory": 64, "iscustomized": False}],
    "disk_offerings": [{"id": "do1", "name": "fixed-1g", "disksize": 1, "iscustomized": False}],
    "templates": [{"id": "t1", "name": "kvm", "hypervisor": "KVM"}],
}
WISHES = {"template": "kvm", "service_offering": "tiny", "disk_offerings": {"vdb": "fixed-1g"}}


def planned() -> dict[str, Any]:
    plan = build_import_plan(INSTANCE, Wishes.from_mapping(WISHES), CATALOG)
    assert plan.ok, plan.problem_lines()
    return plan.to_dict()


def options(plan: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"name": "db01", "plan": plan, "forced": False, "migrate_allowed": None, **extra}


def test_a_fresh_plan_is_accepted_as_is_and_options_only_add_flags() -> None:
    plan = planned()
    checked = check_precomputed_plan(options(plan, forced=True), INSTANCE, CLUSTER)
    assert checked.ok
    assert checked.params["nicnetworklist"] == plan["params"]["nicnetworklist"]
    assert checked.params["datadiskofferinglist"] == [{"disk": "1", "diskOffering": "do1"}]
    assert checked.params["forced"] is True and checked.params["clusterid"] == CLUSTER
    # Bare parameters (an edited plan file) work as well.
    assert check_precomputed_plan(options(plan["params"]), INSTANCE, CLUSTER).params["name"] == "db01"


def test_a_stale_plan_names_every_mismatch() -> None:
    plan = planned()
    stale_instance = dict(INSTANCE, nic=INSTANCE["nic"] + [{"id": "2", "macaddress": "52:54:00:00:00:03"}])
    stale_instance["disk"] = INSTANCE["disk"] + [{"id": "2", "label": "vdc", "capacity": 1, "controller": "virtio"}]
    with pytest.raises(AcsIngestError) as err:
        check_precomputed_plan(options(plan), stale_instance, "another-cluster")
    text = str(err.value)
    assert "NIC 2 of the VM has no network in the plan" in text
    assert "the VM has 3 disk(s) and the plan maps 1" in text
    assert "the plan is for cluster" in text
    assert err.value.field == "plan"


def test_a_plan_with_problems_or_for_another_vm_is_refused() -> None:
    with pytest.raises(AcsIngestError) as problems:
        check_precomputed_plan(
            options({"params": {}, "problems": [{"field": "template", "message": "missing", "fix": "set it"}]}),
            INSTANCE,
            CLUSTER,
        )
    assert "template: missing. Fix: set it" in str(problems.value)
    with pytest.raises(AcsIngestError) as other:
        check_precomputed_plan(
            options(dict(planned(), params=dict(planned()["params"], name="web9"))), INSTANCE, CLUSTER
        )
    assert "the plan is for instance 'web9', not 'db01'" in str(other.value)


def test_journal_round_trip_done_records_and_corrupt_files(tmp_path: Path) -> None:
    journal = JobJournal(str(tmp_path / "j"), "http://cs/client/api")
    other_cloud = JobJournal(str(tmp_path / "j"), "http://other/client/api")
    assert journal.get("import", "db01") is None
    journal.put("import", "db01", "job-1", clusterid=CLUSTER)
    assert journal.get("import", "db01")["jobid"] == "job-1"
    assert other_cloud.get("import", "db01") is None, "entries are per CloudStack endpoint"
    journal.mark_done("import", "db01", instancename="db01")
    entry = journal.get("import", "db01")
    assert entry["done"] is True and entry["jobid"] == "job-1" and entry["clusterid"] == CLUSTER
    journal.drop("import", "db01")
    journal.drop("import", "db01")  # dropping twice is fine
    assert journal.get("import", "db01") is None
    journal.put("unmanage", "x", "job-2")
    path = next((tmp_path / "j").glob("unmanage-*.json"))
    path.write_text("{not json")
    assert journal.get("unmanage", "x") is None
    path.write_text(json.dumps({"no": "jobid"}))
    assert journal.get("unmanage", "x") is None


@pytest.mark.parametrize(
    ("errortext", "words"),
    [
        (
            "Failed to import NICs while importing vm: a. NIC with MAC address x exists on network n and forced flag "
            "is disabled",
            "set forced=true",
        ),
        ("VM with Name [a] already exists in the network [n] domain [d].", "set hostname"),
        ("Failed to find unmanaged vm with name: a in cluster: c", "rerun to check"),
    ],
)
def test_failure_hints(errortext: str, words: str) -> None:
    assert words in (failure_fix(JobFailedError("importUnmanagedInstance", errortext, errorcode=530)) or "")
    assert failure_fix(JobFailedError("importUnmanagedInstance", "something else")) is None
