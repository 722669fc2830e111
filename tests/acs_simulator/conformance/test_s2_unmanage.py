"""Facts §1.4/§2.5/§2.6/§3.4/§4.2: unmanageVirtualMachine preconditions, profiles, and the KVM smoke cycle."""

from __future__ import annotations

import subprocess
import time
from typing import Any

import pytest

from acs_simulator.fixtures import SimHandle
from acs_simulator.testbed import DomainFactory

from .helpers import ids, import_params, job_error, unmanaged

pytestmark = pytest.mark.libvirt


def _imported(sim: SimHandle, factory: DomainFactory, suffix: str, persistent: bool = False) -> tuple[Any, dict]:
    dom = factory.create(suffix, persistent=persistent)
    job = sim.run("importUnmanagedInstance", **import_params(ids(sim), dom.name))
    assert job["jobstatus"] == 1, job
    return dom, job["jobresult"]["virtualmachine"]


def _virsh(*args: str) -> str:
    return subprocess.run(
        ["virsh", "-c", "qemu:///system", *args], capture_output=True, text=True, check=True, timeout=60
    ).stdout


def test_kvm_smoke_cycle_422(acs_sim: SimHandle, sim_domains: DomainFactory) -> None:
    """§4.2 test_01: import → unmanage running VM → persistent → destroy → start → import again."""
    dom, vm = _imported(acs_sim, sim_domains, "smoke", persistent=False)
    assert not sim_domains.lookup(dom.name).isPersistent()
    job = acs_sim.run("unmanageVirtualMachine", id=vm["id"])
    assert job["jobstatus"] == 1, job
    assert job["jobinstancetype"] == "VirtualMachine" and job["jobinstanceid"] == vm["id"]
    assert job["jobresult"] == {
        "unmanagevirtualmachineresponse": {
            "success": True,
            "details": "VM unmanaged successfully",
            "hostid": ids(acs_sim)["host"],
        }
    }
    assert acs_sim.call("listVirtualMachines", id=vm["id"]) == {}
    [inst] = unmanaged(acs_sim, ids(acs_sim)["cluster"], dom.name)
    assert inst["powerstate"] == "PowerOn"
    assert "Persistent:     yes" in _virsh("dominfo", dom.name)
    _virsh("destroy", dom.name)
    assert "shut off" in _virsh("list", "--all")
    _virsh("start", dom.name)
    time.sleep(1)
    job = acs_sim.run("importUnmanagedInstance", **import_params(ids(acs_sim), dom.name))
    assert job["jobstatus"] == 1 and job["jobresult"]["virtualmachine"]["state"] == "Running"


def test_unmanage_before_422_leaves_domain_transient(acs_sim_factory, sim_domains: DomainFactory) -> None:
    sim = acs_sim_factory(profile="4.20")
    dom, vm = _imported(sim, sim_domains, "old", persistent=False)
    job = sim.run("unmanageVirtualMachine", id=vm["id"], hostid=ids(sim)["host"], forced="true")
    # hostid/forced do not exist before 4.22, so they are ignored like any unknown parameter.
    assert job["jobresult"] == {
        "unmanagevirtualmachineresponse": {"success": True, "details": "VM unmanaged successfully"}
    }
    assert not sim_domains.lookup(dom.name).isPersistent()


def test_unmanage_preconditions(acs_sim: SimHandle, sim_domains: DomainFactory) -> None:
    dom, vm = _imported(acs_sim, sim_domains, "pre")
    host = ids(acs_sim)["host"]
    code, text = job_error(acs_sim.run("unmanageVirtualMachine", id=vm["id"], hostid=host))
    assert (code, text) == (530, "Param hostid is only supported for KVM hypervisor for stopped Instances.")

    acs_sim.admin_put("vm", {**_stored_vm(acs_sim, vm["id"]), "details": {"configDriveLocation": "primary"}})
    code, text = job_error(acs_sim.run("unmanageVirtualMachine", id=vm["id"]))
    assert text == "Config drive is attached to Instance, use forced param true from API to unmanage it."

    vol = acs_sim.call("listVolumes", virtualmachineid=vm["id"], type="ROOT")["volume"][0]
    snap = acs_sim.admin_put("snapshot", {"volumeid": vol["id"], "virtualmachineid": vm["id"], "state": "BackedUp"})
    code, text = job_error(acs_sim.run("unmanageVirtualMachine", id=vm["id"], forced="true"))
    assert (code, text) == (
        530,
        f"Cannot unmanage VM with id = {vm['id']} as there are volume snapshots for its "
        "volume(s). Please remove snapshots before unmanaging.",
    )
    acs_sim.admin_put("snapshot", {**snap, "state": "Destroyed"})

    assert acs_sim.run("attachIso", id=ids(acs_sim)["template"], virtualmachineid=vm["id"])["jobstatus"] == 1
    code, text = job_error(acs_sim.run("unmanageVirtualMachine", id=vm["id"], forced="true"))
    assert text == (
        f"Cannot unmanage VM with id = {vm['id']} as there is an ISO attached. Please detach ISO before unmanaging."
    )
    assert acs_sim.run("detachIso", virtualmachineid=vm["id"])["jobstatus"] == 1
    assert acs_sim.run("unmanageVirtualMachine", id=vm["id"], forced="true")["jobstatus"] == 1
    code, text = job_error(acs_sim.run("unmanageVirtualMachine", id=vm["id"]))
    assert (code, text) == (530, "Could not find VM to unmanage, it is either removed or not existing VM")


def _stored_vm(sim: SimHandle, vm_id: str) -> dict:
    return next(v for v in sim.store().all("vm") if v["id"] == vm_id)


def test_running_vm_missing_on_hypervisor(acs_sim: SimHandle, sim_domains: DomainFactory) -> None:
    dom, vm = _imported(acs_sim, sim_domains, "gone", persistent=False)
    sim_domains.lookup(dom.name).destroy()  # transient: gone from libvirt, CloudStack still thinks Running
    code, text = job_error(acs_sim.run("unmanageVirtualMachine", id=vm["id"]))
    # 4.21+: "VM %s" with VMInstanceVO.toString, which itself starts with "VM instance"
    assert code == 530 and text.startswith('VM VM instance {"id":') and f'"instanceName":"{dom.name}"' in text
    assert text.endswith(" is not found in the hypervisor")


def test_stop_start_and_stopped_unmanage_defines_domain(acs_sim: SimHandle, sim_domains: DomainFactory) -> None:
    """§4.2 test_02: stop → unmanage (no hostid) → shut-off defined domain → start → import with auto NIC mapping."""
    dom, vm = _imported(acs_sim, sim_domains, "stop", persistent=False)
    job = acs_sim.run("stopVirtualMachine", id=vm["id"], forced="true")
    assert job["jobresult"]["virtualmachine"]["state"] == "Stopped"
    assert dom.name not in _virsh("list", "--all")  # a transient domain disappears when stopped
    job = acs_sim.run("startVirtualMachine", id=vm["id"])
    assert job["jobresult"]["virtualmachine"]["state"] == "Running" and sim_domains.lookup(dom.name).isActive()
    acs_sim.run("stopVirtualMachine", id=vm["id"], forced="true")
    job = acs_sim.run("unmanageVirtualMachine", id=vm["id"], hostid=ids(acs_sim)["host"])
    assert job["jobstatus"] == 1, job
    line = next(x for x in _virsh("list", "--all").splitlines() if dom.name in x)
    assert "shut off" in line
    _virsh("start", dom.name)
    assert [x["name"] for x in unmanaged(acs_sim, ids(acs_sim)["cluster"], dom.name)] == [dom.name]


def test_preserve_nics_keeps_macs_reserved(acs_sim: SimHandle, sim_domains: DomainFactory) -> None:
    i = ids(acs_sim)
    acs_sim.call("updateConfiguration", name="unmanage.vm.preserve.nics", value="true", zoneid=i["zone"])
    dom, vm = _imported(acs_sim, sim_domains, "keep")
    assert acs_sim.run("unmanageVirtualMachine", id=vm["id"])["jobstatus"] == 1
    code, text = job_error(acs_sim.run("importUnmanagedInstance", **import_params(i, dom.name)))
    assert "NIC with MAC address" in text and code == 530
