"""acs.ingest.import_unmanaged through ansible-playbook against the simulator and real QEMU domains."""

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
    making_domains,
    run_module,
    run_module_cases,
    sim_env,
    store_rows,
    vlan_root,
)

# Fixtures shared with test_unmanage_vm.py, bound here so pytest finds them in this module.
installed_collection = support.installed_collection
kvm_domains = support.kvm_domains

pytestmark = [pytest.mark.libvirt, pytest.mark.slow]

WRITABLE_KINDS = ("vm", "nic", "volume", "job")


@pytest.fixture
def sim(acs_sim_factory: Any, tmp_path: Path) -> Any:
    root = vlan_root(tmp_path / "vroot", {"breth1-100": 100, "breth1-200": 200})
    return acs_sim_factory(proc_root=str(root), knobs={"job_duration": 0.5})


@pytest.fixture
def env(sim: Any, tmp_path: Path, installed_collection: Path) -> dict[str, str]:
    return sim_env(sim, tmp_path / "journal", installed_collection)


def ids(sim: Any, command: str, key: str, **params: Any) -> dict[str, str]:
    return {item["name"]: item["id"] for item in sim.call(command, **params)[key]}


def basic_args(name: str, **extra: Any) -> dict[str, Any]:
    args = {
        "cluster": "cluster1",
        "name": name,
        "template": "kvm-template",
        "service_offering": "tiny-1c-64m",
        "poll_interval": 0.2,
        "poll_max_interval": 1.0,
    }
    args.update(extra)
    return args


def managed_vms(sim: Any, instance_name: str) -> list[dict[str, Any]]:
    store = sim.store()
    try:
        return [vm for vm in store.all("vm") if vm["instancename"] == instance_name and not vm.get("removed")]
    finally:
        store.close()


def test_check_mode_then_import_then_rerun_is_ok(sim, env, kvm_domains, tmp_path) -> None:
    dom = kvm_domains("imp")
    networks = ids(sim, "listNetworks", "network")
    before_db = store_rows(sim, *WRITABLE_KINDS)
    before_dom = domain_state(dom.name)

    preview = run_module(tmp_path, "import_unmanaged", basic_args(dom.name), env, check=True, diff=True)
    assert not preview.get("failed"), preview.get("msg")
    assert preview["changed"] is True and preview["state"] == "would_import"
    wire = preview["api_call"]["params"]
    assert preview["api_call"]["command"] == "importUnmanagedInstance"
    # NIC 0 sits on bridge breth1-100 (VLAN 100) and must go to the L2 network with VLAN 100.
    assert wire["nicnetworklist[0].nic"] == "0"
    assert wire["nicnetworklist[0].network"] == networks["l2-vlan100"]
    assert wire["name"] == dom.name and wire["hostname"] == dom.name
    assert preview["diff"]["before"]["state"] == "unmanaged"
    assert preview["diff"]["before"]["instance"]["nics"][0]["macaddress"] == dom.macs[0]
    assert "importUnmanagedInstance" not in commands(preview)
    assert store_rows(sim, *WRITABLE_KINDS) == before_db, "check mode wrote to the simulator database"
    assert domain_state(dom.name) == before_dom, "check mode changed the libvirt domain"

    done = run_module(tmp_path, "import_unmanaged", basic_args(dom.name), env, diff=True)
    assert not done.get("failed"), done.get("msg")
    assert done["changed"] is True and done["state"] == "imported"
    assert done["vm"]["instancename"] == dom.name and done["vm"]["state"] == "Running"
    assert done["vm"]["nic"][0]["networkid"] == networks["l2-vlan100"]
    assert done["vm"]["nic"][0]["macaddress"] == dom.macs[0]
    assert done["diff"]["after"]["state"] == "managed" and done["diff"]["after"]["vm"]["id"] == done["vm"]["id"]
    assert len(managed_vms(sim, dom.name)) == 1
    secret = env["CLOUDSTACK_SECRET"]
    assert secret not in done["_stdout"], "the API secret leaked into the result"

    again = run_module(tmp_path, "import_unmanaged", basic_args(dom.name), env, diff=True)
    assert not again.get("failed"), again.get("msg")
    assert again["changed"] is False and again["state"] == "present"
    assert again["vm"]["id"] == done["vm"]["id"]
    assert "importUnmanagedInstance" not in commands(again)
    assert len(managed_vms(sim, dom.name)) == 1


def test_every_planner_problem_is_reported_at_once(sim, env, kvm_domains, tmp_path) -> None:
    dom = kvm_domains("bad", memory_mb=96)
    args = basic_args(dom.name, template="no-such-template", nic_networks={"7": "l2-vlan200"}, nic_ips={"0": "1.2.3"})
    result = run_module(tmp_path, "import_unmanaged", args, env)
    assert result.get("failed")
    msg = result["msg"]
    assert "Traceback" not in result["_stdout"]
    # Three independent mistakes, each named with its field and a fix, in one failure.
    assert "template: template 'no-such-template' not found" in msg and "kvm-template" in msg
    assert "nic_networks[7]" in msg
    # A fixed offering with 64 MiB does not fit a running 96 MiB VM.
    assert "service_offering" in msg
    assert msg.count("Fix:") >= 3
    assert {p["field"] for p in result["problems"]} >= {"template", "nic_networks[7]", "service_offering"}
    # each problem once: one "Fix:" per problem, every problem with its stable code and the VM
    assert msg.count("Fix:") == len(result["problems"])
    assert all(p["code"] and p["subject"] == dom.name for p in result["problems"])
    assert "importUnmanagedInstance" not in commands(result)
    assert managed_vms(sim, dom.name) == []


BAD_INPUT = [
    ({"cluster": "no-such-cluster"}, "cluster", "available: cluster1"),
    ({"name": "h5a-does-not-exist"}, "name", "no unmanaged instance 'h5a-does-not-exist'"),
    ({"timeout": 0}, "timeout", "must be a positive number"),
    ({"disk_offering_policy": "largest"}, "disk_offering_policy", "value of disk_offering_policy must be one of"),
]


@pytest.fixture(scope="module")
def refused(installed_collection, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[dict[str, Any]]]:
    """Every BAD_INPUT case as one task of one playbook run, one simulator and one domain: each is
    refused before anything is submitted, so the cases cannot affect each other."""
    work = tmp_path_factory.mktemp("import-bad-input")
    root = vlan_root(work / "vroot", {"breth1-100": 100, "breth1-200": 200})
    sim = SimHandle(work / "sim", None, "4.22", knobs={"job_duration": 0.5}, proc_root=str(root))
    try:
        with making_domains() as kvm_domains:
            dom = kvm_domains("input")
            cases = [dict(basic_args(dom.name), **given) for given, _, _ in BAD_INPUT]
            yield run_module_cases(
                work, "import_unmanaged", cases, sim_env(sim, work / "journal", installed_collection)
            )
    finally:
        sim.stop()


@pytest.mark.parametrize("case", range(len(BAD_INPUT)), ids=[field for _, field, _ in BAD_INPUT])
def test_bad_input_is_one_clear_error(refused: list[dict[str, Any]], case: int) -> None:
    result, (_, field, words) = refused[case], BAD_INPUT[case]
    assert result.get("failed")
    assert words in result["msg"]
    assert "Traceback" not in result["_stdout"]
    assert "importUnmanagedInstance" not in commands(result)
    if result.get("field"):
        assert result["field"] == field


def test_job_timeout_returns_jobid_and_rerun_awaits_it(sim, env, kvm_domains, tmp_path) -> None:
    dom = kvm_domains("slow")
    sim.set_knobs(job_duration=12)
    first = run_module(tmp_path, "import_unmanaged", basic_args(dom.name, timeout=2), env)
    assert not first.get("failed"), first.get("msg")
    assert first["changed"] is True and first["state"] == "pending"
    jobid = first["jobid"]
    assert any(jobid in warning for warning in first.get("warnings", []))
    assert list(Path(env["ACS_INGEST_JOB_JOURNAL"]).glob("import-*.json")), "the job id was not journaled"

    second = run_module(tmp_path, "import_unmanaged", basic_args(dom.name, timeout=300), env)
    assert not second.get("failed"), second.get("msg")
    assert second["state"] == "imported" and second["changed"] is False
    assert second["earlier_job"]["jobid"] == jobid
    assert "importUnmanagedInstance" not in commands(second), "the rerun submitted the import again"
    assert len(managed_vms(sim, dom.name)) == 1
    assert sim.stats()["calls"].get("importUnmanagedInstance") == 1
    assert not list(Path(env["ACS_INGEST_JOB_JOURNAL"]).glob("import-*.json"))


def test_wait_false_and_explicit_jobid(sim, env, kvm_domains, tmp_path) -> None:
    dom = kvm_domains("nowait")
    sim.set_knobs(job_duration=3)
    started = run_module(tmp_path, "import_unmanaged", basic_args(dom.name, wait=False), env)
    assert started["changed"] is True and started["state"] == "pending" and started["jobid"]
    # Another controller (empty journal) that was handed the job id awaits it too.
    other_env = dict(env, ACS_INGEST_JOB_JOURNAL=str(tmp_path / "other-journal"))
    awaited = run_module(tmp_path, "import_unmanaged", basic_args(dom.name, jobid=started["jobid"]), other_env)
    assert not awaited.get("failed"), awaited.get("msg")
    assert awaited["state"] == "imported" and awaited["earlier_job"]["jobid"] == started["jobid"]
    assert len(managed_vms(sim, dom.name)) == 1
    assert sim.stats()["calls"].get("importUnmanagedInstance") == 1


def test_precomputed_plan_needs_three_calls_and_stale_plans_are_refused(sim, env, kvm_domains, tmp_path) -> None:
    dom = kvm_domains("plan")
    preview = run_module(tmp_path, "import_unmanaged", basic_args(dom.name), env, check=True)
    assert not preview.get("failed"), preview.get("msg")
    plan = preview["plan"]
    cluster_id = plan["params"]["clusterid"]
    bulk_args = {"cluster": cluster_id, "name": dom.name, "plan": plan, "poll_interval": 0.2}

    stale = dict(plan, params=dict(plan["params"], nicnetworklist=[{"nic": "3", "network": "x"}]))
    refused = run_module(tmp_path, "import_unmanaged", dict(bulk_args, plan=stale), env)
    assert refused.get("failed")
    assert "plan.nicnetworklist" in refused["msg"] and "NIC 3" in refused["msg"] and "NIC 0" in refused["msg"]

    mixed = run_module(tmp_path, "import_unmanaged", dict(bulk_args, template="kvm-template"), env)
    assert mixed.get("failed") and "plan: plan is given together with template" in mixed["msg"]

    done = run_module(tmp_path, "import_unmanaged", bulk_args, env)
    assert not done.get("failed"), done.get("msg")
    assert done["state"] == "imported"
    beyond_polling = [c for c in commands(done) if c != "queryAsyncJobResult"]
    # the instance, this account's import jobs in progress (none unknown to the journal), the import
    assert beyond_polling == ["listUnmanagedInstances", "listAsyncJobs", "importUnmanagedInstance"]
    assert len(managed_vms(sim, dom.name)) == 1


def test_mac_conflict_is_found_up_front_and_forced_imports(sim, env, kvm_domains, tmp_path) -> None:
    first = kvm_domains("mac1")
    twin = kvm_domains("mac2", macs=list(first.macs))
    imported = run_module(tmp_path, "import_unmanaged", basic_args(first.name), env)
    assert not imported.get("failed"), imported.get("msg")
    assert imported["state"] == "imported"

    blocked = run_module(tmp_path, "import_unmanaged", basic_args(twin.name), env)
    assert blocked.get("failed")
    assert first.macs[0] in blocked["msg"] and "forced" in blocked["msg"]
    assert "importUnmanagedInstance" not in commands(blocked)

    forced = run_module(tmp_path, "import_unmanaged", basic_args(twin.name, forced=True), env)
    assert not forced.get("failed"), forced.get("msg")
    assert forced["api_call"]["params"]["forced"] == "true"
    assert forced["vm"]["nic"][0]["macaddress"] != first.macs[0]
