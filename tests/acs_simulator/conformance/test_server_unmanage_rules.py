"""unmanageVirtualMachine: preconditions and outcomes per release (every failure is job error 530).

VMs come from imports of test-driver domains (server_bed); rows are then edited through /admin/objects to put
a VM in the state a rule needs. Texts are CloudStack's (UnmanagedVMsManagerImpl.unmanageVMInstance,
UserVmManagerImpl.unmanageUserVM, VirtualMachineManagerImpl.unmanage / persistDomainForKVM).
"""

from __future__ import annotations

from typing import Any

import pytest

from acs_simulator.fixtures import SimHandle

from .helpers import ids, import_params
from .server_bed import dom, fail, ok

rule = pytest.mark.rule
NAMES = [f"h3u-{n:02d}" for n in range(24)]


@pytest.fixture(scope="module")
def bed(server_bed_factory):  # type: ignore[no-untyped-def]
    return server_bed_factory([dom(name) for name in NAMES])


class Pool:
    """Hands out the bed's domains, one per imported VM."""

    def __init__(self) -> None:
        self.free = list(NAMES)

    def vm(self, sim: SimHandle) -> dict[str, Any]:
        return ok(sim, "importUnmanagedInstance", **import_params(ids(sim), self.free.pop(0)))


@pytest.fixture(scope="module")
def pool() -> Pool:
    return Pool()


def _edit(sim: SimHandle, vm: dict[str, Any], **changes: Any) -> None:
    row = next(v for v in sim.store().all("vm") if v["id"] == vm["id"])
    sim.admin_put("vm", dict(row, **changes))


def _unmanage(sim: SimHandle, vm: dict[str, Any], **extra: Any) -> tuple[int, str]:
    return fail(sim, "unmanageVirtualMachine", id=vm["id"], **extra)


@rule("unmanage_vm_not_found", "unmanage_state_invalid", "unmanage_hypervisor_unsupported", "unmanage_not_user_vm")
def test_basic_preconditions(bed, pool) -> None:  # type: ignore[no-untyped-def]
    sim = bed.sim("4.22")
    vm = pool.vm(sim)
    _edit(sim, vm, state="Starting")
    assert _unmanage(sim, vm) == (530, f"VM with id = {vm['id']} must be running or stopped to be unmanaged")
    _edit(sim, vm, state="Running", hypervisor="XenServer")
    assert _unmanage(sim, vm) == (530, "Unmanage VM is currently not allowed for hypervisor XenServer")
    _edit(sim, vm, hypervisor="KVM", vmtype="DomainRouter")
    assert _unmanage(sim, vm) == (530, "Unmanage VM is currently allowed for guest VMs only")
    _edit(sim, vm, vmtype="User", removed="2025-01-01T00:00:00+0000")
    assert _unmanage(sim, vm) == (530, "Could not find VM to unmanage, it is either removed or not existing VM")


@rule("unmanage_hostid_not_applicable", "unmanage_config_drive_not_forced", "unmanage_params_ignored_pre422")
@pytest.mark.parametrize("version", ["4.21", "4.22"])
def test_422_parameters(bed, pool, version: str) -> None:  # type: ignore[no-untyped-def]
    sim = bed.sim(version)
    i = ids(sim)
    vm = pool.vm(sim)
    _edit(sim, vm, details={"configDriveLocation": "primary"})
    if version == "4.21":  # hostid and forced are not declared before 4.22: silently ignored
        assert ok(sim, "unmanageVirtualMachine", id=vm["id"], hostid=i["host"], forced="false")["success"] is True
        return
    assert _unmanage(sim, vm, hostid=i["host"]) == (
        530,
        "Param hostid is only supported for KVM hypervisor for stopped Instances.",
    )
    assert _unmanage(sim, vm) == (
        530,
        "Config drive is attached to Instance, use forced param true from API to unmanage it.",
    )
    assert ok(sim, "unmanageVirtualMachine", id=vm["id"], forced="true")["hostid"] == i["host"]


@rule("unmanage_sharedfs_vm")
@pytest.mark.parametrize("version", ["4.19", "4.20"])
def test_shared_filesystem_vm(bed, pool, version: str) -> None:  # type: ignore[no-untyped-def]
    sim = bed.sim(version)
    vm = pool.vm(sim)
    _edit(sim, vm, uservmtype="sharedfsvm")
    if version == "4.19":  # the check came with 605534b417 (4.20)
        assert ok(sim, "unmanageVirtualMachine", id=vm["id"])["success"] is True
    else:
        assert _unmanage(sim, vm) == (530, "Operation not supported on Shared FileSystem Instance")


@rule("unmanage_volume_snapshots", "unmanage_iso_attached", "unmanage_pending_jobs")
@pytest.mark.parametrize("version", ["4.20", "4.22"])
def test_snapshots_iso_jobs(bed, pool, version: str) -> None:  # type: ignore[no-untyped-def]
    sim = bed.sim(version)
    vm = pool.vm(sim)
    [vol] = sim.call("listVolumes", virtualmachineid=vm["id"])["volume"]
    snap = sim.admin_put("snapshot", {"volumeid": vol["id"], "state": "BackedUp"})
    assert _unmanage(sim, vm) == (
        530,
        f"Cannot unmanage VM with id = {vm['id']} as there are volume snapshots for its volume(s). Please remove "
        "snapshots before unmanaging.",
    )
    sim.admin_put("snapshot", dict(snap, state="Destroyed"))
    _edit(sim, vm, isoid="some-iso")
    assert _unmanage(sim, vm) == (
        530,
        f"Cannot unmanage VM with id = {vm['id']} as there is an ISO attached. Please detach ISO before unmanaging.",
    )
    _edit(sim, vm, isoid=None)
    sim.admin_put(
        "job",
        {"jobinstanceid": vm["id"], "jobstatus": 0, "cmd": "org.apache.cloudstack.api.command.admin.vm.StopVMCmd"},
    )
    code, text = _unmanage(sim, vm)
    seq_ = next(v for v in sim.store().all("vm") if v["id"] == vm["id"])["_seq"]
    if version == "4.20":
        assert (code, text) == (
            530,
            f"There are pending jobs or HA tasks working on the VM with id: {seq_}, can't unmanage the VM.",
        )
    else:
        assert code == 530 and text.startswith(
            'There are pending jobs or HA tasks working on the VM: VM instance {"id":'
        )


@rule(
    "unmanage_vm_not_on_hypervisor", "unmanage_no_host_to_verify", "unmanage_persist_no_host", "unmanage_persist_failed"
)
@pytest.mark.parametrize("version", ["4.20", "4.21", "4.22"])
def test_stopped_vm(bed, pool, version: str) -> None:  # type: ignore[no-untyped-def]
    sim = bed.sim(version)
    vm = pool.vm(sim)
    # a stopped CloudStack VM: its (test-driver) domain is gone from the host's point of view
    _edit(sim, vm, state="Stopped", hostid=None, instancename=f"{vm['instancename']}-gone")
    if version in ("4.20", "4.21"):  # the existence check on the zone's first Up host fails for stopped KVM VMs
        code, text = _unmanage(sim, vm)
        expected = (
            f"VM with id = {vm['id']} is not found in the hypervisor" if version == "4.20" else "VM VM instance {"
        )
        assert code == 530 and text.startswith(expected) and text.endswith(" is not found in the hypervisor")
        host = sim.store().all("host")[0]
        sim.admin_put("host", dict(host, state="Down"))
        assert _unmanage(sim, vm) == (
            530,
            f"Cannot find a host to verify if the VM [{vm['id']}] exists. Thus we are unable to unmanage it.",
        )
        return
    # 4.22: no existence check; the domain is defined on the last host from CloudStack's view of the VM
    _edit(sim, vm, lasthostid=None, domainxml="<domain>not a domain</domain>")
    for volume in sim.store().all("volume"):
        if volume.get("virtualmachineid") == vm["id"]:
            pool_row = next(p for p in sim.store().all("storagepool") if p["id"] == volume["storageid"])
            sim.admin_put("storagepool", dict(pool_row, scope="ZONE", clusterid=None))
    assert _unmanage(sim, vm) == (530, f"No available host to persist domain XML for Instance: {vm['name']}")
    host = sim.store().all("host")[0]
    assert _unmanage(sim, vm, hostid=host["id"]) == (
        530,
        f"Failed to persist domain XML for Instance: {vm['name']} on host ID: {host['_seq']}",
    )


@rule("unmanage_domain_not_persisted", "unmanage_vm_snapshots_dropped", "unmanage_nics_preserved")
def test_outcomes(bed, pool) -> None:  # type: ignore[no-untyped-def]
    def tweak(seed: dict[str, Any]) -> None:
        conf = next(c for c in seed["configurations"] if c["name"] == "unmanage.vm.preserve.nics")
        conf["value"] = "true"

    sim = bed.sim("4.21", tweak)
    i = ids(sim)
    vm = pool.vm(sim)
    sim.admin_put("vmsnapshot", {"virtualmachineid": vm["id"], "name": "s1"})
    result = ok(sim, "unmanageVirtualMachine", id=vm["id"])
    assert result == {"success": True, "details": "VM unmanaged successfully"}  # no hostid: nothing persisted
    assert not [s for s in sim.store().all("vmsnapshot") if s["virtualmachineid"] == vm["id"]]
    nic = next(n for n in sim.store().all("nic") if n["virtualmachineid"] == vm["id"])
    assert not nic.get("removed")  # kept allocated: its MAC still clashes on a re-import without forced
    code, text = fail(sim, "importUnmanagedInstance", **import_params(i, vm["instancename"]))
    assert code == 530 and "and forced flag is disabled" in text
