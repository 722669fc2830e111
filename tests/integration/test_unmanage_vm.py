"""acs.ingest.unmanage_vm via ansible-playbook against the simulator (4.19, 4.22) and real QEMU domains."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import test_import_unmanaged_support as support
from acs_simulator.fixtures import SimHandle
from test_import_unmanaged_support import (
    commands,
    domain_state,
    run_module,
    run_module_cases,
    sim_env,
    store_rows,
    vlan_root,
)

installed_collection = support.installed_collection
kvm_domains = support.kvm_domains

pytestmark = [pytest.mark.libvirt, pytest.mark.slow]


def start_sim(factory: Any, tmp_path: Path, profile: str) -> Any:
    root = vlan_root(tmp_path / "vroot", {"breth1-100": 100})
    return factory(profile=profile, proc_root=str(root), knobs={"job_duration": 0.3})


def import_directly(sim: Any, name: str) -> dict[str, Any]:
    """Put the domain under management straight through the API: the setup, not the subject."""

    def first_id(command: str, key: str, wanted: str, **params: Any) -> str:
        return next(item["id"] for item in sim.call(command, **params)[key] if item["name"] == wanted)

    job = sim.run(
        "importUnmanagedInstance",
        timeout=300,
        clusterid=first_id("listClusters", "cluster", "cluster1"),
        name=name,
        serviceofferingid=first_id("listServiceOfferings", "serviceoffering", "tiny-1c-64m"),
        templateid=first_id("listTemplates", "template", "kvm-template", templatefilter="all"),
        **{
            "nicnetworklist[0].nic": "0",
            "nicnetworklist[0].network": first_id("listNetworks", "network", "l2-vlan100"),
        },
    )
    assert job["jobstatus"] == 1, job
    return job["jobresult"]["virtualmachine"]


def args(**extra: Any) -> dict[str, Any]:
    return {"zone": "zone1", "poll_interval": 0.2, "poll_max_interval": 1.0, **extra}


def still_managed(sim: Any, vm_id: str) -> bool:
    store = sim.store()
    try:
        vm = store.get("vm", vm_id)
        return bool(vm) and not vm.get("removed")
    finally:
        store.close()


def test_unmanage_on_422_persists_domain_and_is_idempotent(
    acs_sim_factory, kvm_domains, installed_collection, tmp_path
):
    sim = start_sim(acs_sim_factory, tmp_path, "4.22")
    env = sim_env(sim, tmp_path / "journal", installed_collection)
    dom = kvm_domains("u422", persistent=False)
    vm = import_directly(sim, dom.name)
    before_db = store_rows(sim, "vm", "nic", "volume")
    before_dom = domain_state(dom.name)

    preview = run_module(tmp_path, "unmanage_vm", args(instance_name=dom.name), env, check=True, diff=True)
    assert not preview.get("failed"), preview.get("msg")
    assert preview["changed"] and preview["state"] == "would_unmanage"
    assert preview["api_call"] == {"command": "unmanageVirtualMachine", "params": {"id": vm["id"]}}
    assert store_rows(sim, "vm", "nic", "volume") == before_db
    assert domain_state(dom.name) == before_dom
    assert "unmanageVirtualMachine" not in commands(preview)

    done = run_module(tmp_path, "unmanage_vm", args(instance_name=dom.name), env, diff=True)
    assert not done.get("failed"), done.get("msg")
    assert done["changed"] and done["state"] == "unmanaged"
    assert done["domain_persisted"] is True
    assert done["hostname"] == "kvm1" and done["host"]["name"] == "kvm1"
    assert done["preserve_nics"] is False
    assert done["diff"]["before"]["vm"]["id"] == vm["id"] and done["diff"]["after"]["state"] == "unmanaged"
    assert not still_managed(sim, vm["id"])
    active, persistent, _xml = domain_state(dom.name)
    assert active and persistent, "CloudStack 4.22 must leave the running domain defined on the host"

    for how in ({"instance_name": dom.name}, {"id": vm["id"]}, {"name": vm["name"]}):
        again = run_module(tmp_path, "unmanage_vm", args(**how), env)
        assert not again.get("failed"), (how, again.get("msg"))
        assert again["changed"] is False and again["state"] == "unmanaged", how
        assert again["hostname"] == "kvm1"
        assert "unmanageVirtualMachine" not in commands(again)


def test_unmanage_on_419_reports_transient_domain_and_refuses_422_options(
    acs_sim_factory, kvm_domains, installed_collection, tmp_path
):
    sim = start_sim(acs_sim_factory, tmp_path, "4.19")
    env = sim_env(sim, tmp_path / "journal", installed_collection)
    dom = kvm_domains("u419", persistent=False)
    vm = import_directly(sim, dom.name)

    for option in ({"host": "kvm1"}, {"forced": True}):
        refused = run_module(tmp_path, "unmanage_vm", args(id=vm["id"], **option), env)
        assert refused.get("failed")
        assert "needs CloudStack 4.22 or later; this one is 4.19" in refused["msg"]
        assert refused["field"] == next(iter(option))
    assert still_managed(sim, vm["id"])

    done = run_module(tmp_path, "unmanage_vm", args(id=vm["id"]), env)
    assert not done.get("failed"), done.get("msg")
    assert done["changed"] and done["domain_persisted"] is False
    assert done["hostname"] == "kvm1" and done["instance_name"] == dom.name
    active, persistent, _xml = domain_state(dom.name)
    # Before 4.22 the domain stays transient: the unmanage playbook runs persist_domain_xml here.
    assert active and not persistent


def test_stopped_vm_on_419_is_refused_with_the_fix(acs_sim_factory, kvm_domains, installed_collection, tmp_path):
    sim = start_sim(acs_sim_factory, tmp_path, "4.19")
    env = sim_env(sim, tmp_path / "journal", installed_collection)
    dom = kvm_domains("s419")
    vm = import_directly(sim, dom.name)
    assert sim.run("stopVirtualMachine", id=vm["id"], forced=True, timeout=300)["jobstatus"] == 1
    refused = run_module(tmp_path, "unmanage_vm", args(name=vm["name"]), env)
    assert refused.get("failed")
    assert [p["code"] for p in refused["problems"]] == ["unmanage_stopped_vm_not_on_hypervisor"]
    assert "is not found in the hypervisor" in refused["msg"] and "Fix: start the VM first" in refused["msg"]
    assert still_managed(sim, vm["id"])


def test_stopped_vm_on_422_is_defined_on_the_chosen_host(acs_sim_factory, kvm_domains, installed_collection, tmp_path):
    sim = start_sim(acs_sim_factory, tmp_path, "4.22")
    env = sim_env(sim, tmp_path / "journal", installed_collection)
    dom = kvm_domains("s422", persistent=False)
    vm = import_directly(sim, dom.name)

    running = run_module(tmp_path, "unmanage_vm", args(id=vm["id"], host="kvm1"), env)
    assert running.get("failed") and "only supported for KVM hypervisor for stopped Instances" in running["msg"]
    assert [p["code"] for p in running["problems"]] == ["unmanage_hostid_not_applicable"]

    assert sim.run("stopVirtualMachine", id=vm["id"], forced=True, timeout=300)["jobstatus"] == 1
    done = run_module(tmp_path, "unmanage_vm", args(id=vm["id"], host="kvm1"), env)
    assert not done.get("failed"), done.get("msg")
    assert done["api_call"]["params"]["hostid"] == done["hostid"]
    assert done["hostname"] == "kvm1" and done["domain_persisted"] is True
    active, persistent, _xml = domain_state(dom.name)
    assert persistent and not active, "the stopped VM must come back as a defined, shut-off domain"


def test_preconditions_are_checked_up_front_and_reported_together(
    acs_sim_factory, kvm_domains, installed_collection, tmp_path
):
    sim = start_sim(acs_sim_factory, tmp_path, "4.22")
    env = sim_env(sim, tmp_path / "journal", installed_collection)
    dom = kvm_domains("pre", persistent=False)
    vm = import_directly(sim, dom.name)
    template_id = vm["templateid"]
    assert sim.run("attachIso", id=template_id, virtualmachineid=vm["id"], timeout=300)["jobstatus"] == 1
    volume = sim.call("listVolumes", virtualmachineid=vm["id"])["volume"][0]
    sim.admin_put("snapshot", {"name": "nightly", "volumeid": volume["id"], "state": "BackedUp"})
    store = sim.store()
    stored = store.get("vm", vm["id"])
    store.close()
    stored["details"] = dict(stored.get("details") or {}, configDriveLocation="primary")
    sim.admin_put("vm", stored)

    refused = run_module(tmp_path, "unmanage_vm", args(instance_name=dom.name), env)
    assert refused.get("failed")
    assert "Traceback" not in refused["_stdout"]
    fields = {problem["field"] for problem in refused["problems"]}
    assert fields == {"iso", "snapshots", "forced"}
    codes = {problem["code"] for problem in refused["problems"]}
    assert codes == {"unmanage_iso_attached", "unmanage_volume_snapshots", "unmanage_config_drive_not_forced"}
    assert "detach the ISO" in refused["msg"] and "nightly" in refused["msg"] and "set forced: true" in refused["msg"]
    assert "Config drive is attached to Instance" in refused["msg"]  # CloudStack's own text
    assert "unmanageVirtualMachine" not in commands(refused)
    assert still_managed(sim, vm["id"])


BAD_INPUT = [
    ({"name": "x", "zone": None}, "name: name is only unique within a zone"),
    ({"id": "9b8e7f00-0000-4000-8000-000000000000"}, "no managed VM with id"),
    ({"instance_name": "h5a-nowhere"}, "neither a managed VM nor an unmanaged instance"),
    ({"instance_name": "x", "zone": "zone9"}, "zone: zone 'zone9' not found; available: zone1"),
]


@pytest.fixture(scope="module")
def refused(installed_collection, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[dict[str, Any]]]:
    """Every BAD_INPUT case as one task of one playbook run against one simulator (each is a failed
    lookup or a refused option: nothing is written, so the cases cannot affect each other)."""
    work = tmp_path_factory.mktemp("unmanage-bad-input")
    sim = SimHandle(work / "sim", None, "4.22")
    try:
        tasks = [{key: value for key, value in args(**given).items() if value is not None} for given, _ in BAD_INPUT]
        yield run_module_cases(work, "unmanage_vm", tasks, sim_env(sim, work / "journal", installed_collection))
    finally:
        sim.stop()


@pytest.mark.parametrize("case", range(len(BAD_INPUT)), ids=[words for _, words in BAD_INPUT])
def test_bad_input_is_one_clear_error(refused: list[dict[str, Any]], case: int) -> None:
    result, words = refused[case], BAD_INPUT[case][1]
    assert result.get("failed")
    assert words in result["msg"]
    assert "Traceback" not in result["_stdout"]


def test_unmanage_job_timeout_then_rerun_awaits_the_same_job(
    acs_sim_factory, kvm_domains, installed_collection, tmp_path
):
    sim = start_sim(acs_sim_factory, tmp_path, "4.22")
    env = sim_env(sim, tmp_path / "journal", installed_collection)
    dom = kvm_domains("uslow", persistent=False)
    vm = import_directly(sim, dom.name)
    sim.set_knobs(job_duration=10)
    first = run_module(tmp_path, "unmanage_vm", args(id=vm["id"], timeout=1), env)
    assert not first.get("failed"), first.get("msg")
    assert first["state"] == "pending" and first["jobid"] and first["changed"] is True

    second = run_module(tmp_path, "unmanage_vm", args(id=vm["id"], timeout=300), env)
    assert not second.get("failed"), second.get("msg")
    assert second["state"] == "unmanaged" and second["changed"] is False
    assert "unmanageVirtualMachine" not in commands(second), "the rerun submitted a second unmanage"
    assert sim.stats()["calls"].get("unmanageVirtualMachine") == 1
    assert not still_managed(sim, vm["id"])
