"""acs.ingest.post_import through ansible-playbook on real QEMU domains imported into the simulator:
a config-drive network and a live import (restart opt-in), secondary IPs, a NIC for a NIC-less VM."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import libvirt
import pytest
import test_import_unmanaged_support as support
from acs_simulator.fixtures import embedded_seed
from infra.domains import DiskSpec
from test_import_unmanaged_support import commands, run_module, sim_env, store_rows

installed_collection = support.installed_collection
kvm_domains = support.kvm_domains

pytestmark = [pytest.mark.libvirt, pytest.mark.slow]
ACPI_OS = "<os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os><features><acpi/></features>"


def first_id(sim: Any, command: str, key: str, wanted: str, **params: Any) -> str:
    return next(item["id"] for item in sim.call(command, **params)[key] if item["name"] == wanted)


def import_vm(sim: Any, name: str, nics: dict[str, tuple[str, str | None]]) -> dict[str, Any]:
    """The import itself (the setup here, not the subject): NIC id → (network name, address or None)."""
    params: dict[str, Any] = {
        "clusterid": first_id(sim, "listClusters", "cluster", "cluster1"),
        "name": name,
        "serviceofferingid": first_id(sim, "listServiceOfferings", "serviceoffering", "tiny-1c-64m"),
        "templateid": first_id(sim, "listTemplates", "template", "kvm-template", templatefilter="all"),
    }
    for index, (nic, (network, address)) in enumerate(nics.items()):
        params[f"nicnetworklist[{index}].nic"] = nic
        params[f"nicnetworklist[{index}].network"] = first_id(sim, "listNetworks", "network", network)
        if address:
            params[f"nicipaddresslist[{index}].nic"] = nic
            params[f"nicipaddresslist[{index}].ip4Address"] = address
    job = sim.run("importUnmanagedInstance", timeout=300, **params)
    assert job["jobstatus"] == 1, job
    return job["jobresult"]["virtualmachine"]


def args(name: str, **extra: Any) -> dict[str, Any]:
    return {"zone": "zone1", "instance_name": name, "poll_interval": 0.2, "poll_max_interval": 1.0, **extra}


def domain_uuid_and_state(name: str) -> tuple[str, int]:
    conn = libvirt.open("qemu:///system")
    try:
        dom = conn.lookupByName(name)
        return dom.UUIDString(), dom.state()[0]
    finally:
        conn.close()


def test_config_drive_and_console_restart_is_opt_in(acs_sim_factory, kvm_domains, installed_collection, tmp_path):
    sim = acs_sim_factory(profile="4.22", knobs={"job_duration": 0.3})
    env = sim_env(sim, tmp_path / "journal", installed_collection)
    made = run_module(tmp_path, "guest_network", {"zone": "zone1", "vlan": 210, "config_drive": True}, env)
    assert made["outcome"] == "created" and made["network"]["config_drive"], made.get("msg")
    dom = kvm_domains("picd", bridges=("breth1-200",))
    vm = import_vm(sim, dom.name, {"0": ("l2-vlan210", None)})

    reported = run_module(tmp_path, "post_import", args(dom.name), env)
    assert not reported.get("failed"), reported.get("msg")
    assert reported["needs_restart"] == ["config_drive", "console"] and not reported["changed"]
    assert "Set restart: true to do it (downtime)" in reported["_stdout"]

    before_db = store_rows(sim, "vm", "nic", "tag")
    preview = run_module(tmp_path, "post_import", args(dom.name, restart=True), env, check=True, diff=True)
    assert preview["changed"] and [a["action"] for a in preview["actions"]] == ["tag", "stop", "start", "tag", "tag"]
    assert store_rows(sim, "vm", "nic", "tag") == before_db
    assert domain_uuid_and_state(dom.name)[1] == libvirt.VIR_DOMAIN_RUNNING
    assert not {"stopVirtualMachine", "startVirtualMachine"} & set(commands(preview))

    done = run_module(tmp_path, "post_import", args(dom.name, restart=True), env, diff=True)
    assert not done.get("failed"), done.get("msg")
    assert done["changed"] and done["restarted"] and "downtime" in done["_stdout"]
    assert commands(done).count("stopVirtualMachine") == 1 and commands(done).count("startVirtualMachine") == 1
    listed = sim.call("listVirtualMachines", id=vm["id"])["virtualmachine"][0]
    assert listed["state"] == "Running" and listed["details"] == {"configDriveLocation": "SECONDARY"}
    assert {t["key"]: t["value"] for t in listed["tags"]}["acs.ingest.restarted"] == "config_drive,console"
    assert domain_uuid_and_state(dom.name)[1] == libvirt.VIR_DOMAIN_RUNNING
    assert done["diff"]["before"]["config_drive"] is False and done["diff"]["after"]["config_drive"] is True

    again = run_module(tmp_path, "post_import", args(dom.name, restart=True), env)
    assert not again["changed"] and again["needs_restart"] == [] and again["actions"] == []


def test_a_restart_whose_start_failed_is_finished_by_the_next_run(
    acs_sim_factory, kvm_domains, installed_collection, tmp_path
):
    sim = acs_sim_factory(profile="4.22", knobs={"job_duration": 0.3})
    env = sim_env(sim, tmp_path / "journal", installed_collection)
    dom = kvm_domains("pihalf", bridges=("breth1-100",))
    vm = import_vm(sim, dom.name, {"0": ("l2-vlan100", None)})
    sim.set_knobs(faults={"startVirtualMachine": {"error_5xx": 1.0}})
    broken = run_module(tmp_path, "post_import", args(dom.name, restart=True), env)
    assert broken.get("failed") and "startVirtualMachine" in broken["msg"]
    listed = sim.call("listVirtualMachines", id=vm["id"])["virtualmachine"][0]
    assert listed["state"] == "Stopped"
    assert {t["key"]: t["value"] for t in listed["tags"]}["acs.ingest.restarted"] == "pending:console"

    sim.set_knobs(faults={})
    resumed = run_module(tmp_path, "post_import", args(dom.name), env)  # no restart=true needed to finish it
    assert not resumed.get("failed"), resumed.get("msg")
    assert resumed["restarted"] and commands(resumed).count("startVirtualMachine") == 1
    listed = sim.call("listVirtualMachines", id=vm["id"])["virtualmachine"][0]
    assert listed["state"] == "Running" and domain_uuid_and_state(dom.name)[1] == libvirt.VIR_DOMAIN_RUNNING
    assert {t["key"]: t["value"] for t in listed["tags"]}["acs.ingest.restarted"] == "console"
    assert not run_module(tmp_path, "post_import", args(dom.name, restart=True), env)["changed"]


def test_secondary_ips_from_the_plan(acs_sim_factory, kvm_domains, installed_collection, tmp_path):
    sim = acs_sim_factory(profile="4.22", knobs={"job_duration": 0.3})
    env = sim_env(sim, tmp_path / "journal", installed_collection)
    dom = kvm_domains("piip", bridges=("breth1-100",))
    import_vm(sim, dom.name, {"0": ("shared-vlan300", "10.30.0.50")})
    wanted = args(dom.name, nic_ips={"0": "10.30.0.50,10.30.0.51,10.30.0.52"}, imported_live=False)
    done = run_module(tmp_path, "post_import", wanted, env)
    assert not done.get("failed"), done.get("msg")
    assert [a["api_call"]["params"]["ipaddress"] for a in done["actions"]] == ["10.30.0.51", "10.30.0.52"]
    nic = sim.call("listVirtualMachines", name=dom.name)["virtualmachine"][0]["nic"][0]
    assert nic["ipaddress"] == "10.30.0.50" and [s["ipaddress"] for s in nic["secondaryip"]] == [
        "10.30.0.51",
        "10.30.0.52",
    ]
    again = run_module(tmp_path, "post_import", wanted, env)
    assert not again["changed"] and "addIpToNic" not in commands(again)

    outside = run_module(tmp_path, "post_import", args(dom.name, nic_ips={"0": "10.30.0.50,10.30.0.250"}), env)
    assert outside.get("failed") and outside["msg"].startswith(f"{dom.name}: nic_ips[0]: 10.30.0.250 for NIC 0")
    assert "Fix: give an address inside the network's IP range" in outside["msg"]


def test_a_nic_for_a_running_nic_less_vm(acs_sim_factory, test_domains, installed_collection, tmp_path):
    seed = embedded_seed()
    seed["zones"][0]["storagepools"].append(
        {"name": "pi-pool", "path": str(test_domains.image_dir), "type": "Filesystem", "cluster": "cluster1"}
    )
    test_domains.image_dir.mkdir(parents=True, exist_ok=True)
    sim = acs_sim_factory(seed=seed, profile="4.22", knobs={"job_duration": 0.3})
    env = sim_env(sim, tmp_path / "journal", installed_collection)
    dom = test_domains.create("bare", nics=[], disks=[DiskSpec(size_mib=16)], os_xml=ACPI_OS, cputune_shares=500)
    vm = import_vm(sim, dom.name, {})
    assert vm["nic"] == []

    done = run_module(
        tmp_path, "post_import", args(dom.name, add_nic={"network": "l2-vlan200"}, imported_live=False), env
    )
    assert not done.get("failed"), done.get("msg")
    assert [a["action"] for a in done["actions"]] == ["add_nic"] and commands(done).count("addNicToVirtualMachine") == 1
    (nic,) = sim.call("listVirtualMachines", id=vm["id"])["virtualmachine"][0]["nic"]
    assert nic["isdefault"] and nic["networkname"] == "l2-vlan200"
    live = dom.domain.XMLDesc(0)
    assert nic["macaddress"] in live and "breth1-200" in live  # hot-plugged into the running domain

    again = run_module(
        tmp_path, "post_import", args(dom.name, add_nic={"network": "l2-vlan200"}, imported_live=False), env
    )
    assert not again["changed"] and "addNicToVirtualMachine" not in commands(again)
    unknown = run_module(tmp_path, "post_import", args(dom.name, add_nic={"network": "l2-vlan999"}), env)
    assert unknown.get("failed") and unknown["msg"].startswith("add_nic.network: network 'l2-vlan999' not found")


def test_bad_input(acs_sim_factory, installed_collection, tmp_path: Path):
    sim = acs_sim_factory(profile="4.22")
    env = sim_env(sim, tmp_path / "journal", installed_collection)
    missing = run_module(tmp_path, "post_import", args("nobody"), env)
    assert missing.get("failed") and missing["msg"].startswith("instance_name: no VM with instance name nobody")
    no_zone = run_module(tmp_path, "post_import", {"instance_name": "x"}, env)
    assert no_zone.get("failed") and no_zone["msg"].startswith("zone: a VM name is unique only within a zone")
