"""unmanageVirtualMachine: preconditions, the hypervisor check, and (4.22) persisting the KVM domain.

Sources: ``server/src/main/java/org/apache/cloudstack/vm/UnmanagedVMsManagerImpl.java`` ``unmanageVMInstance``,
``performUnmanageVMInstancePrechecks``, ``findSuitableHostId``, ``existsVMToUnmanage``;
``server/src/main/java/com/cloud/vm/UserVmManagerImpl.java`` ``unmanageUserVM``;
``engine/orchestration/src/main/java/com/cloud/vm/VirtualMachineManagerImpl.java`` ``unmanage``,
``persistDomainForKVM`` (4.22), ``findClusterAndHostIdForVm``. ``UnmanageVMInstanceCmd.execute`` turns every
failure into 530 with the original message (4.19.0–4.22.0).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import libvirt

from ..domxml import strip_config_drive
from ..errors import ApiError, server_error
from ..params import Param, Parsed
from ..registry import AsyncWork, command
from . import checks

if TYPE_CHECKING:
    from ..sim import Simulator

UNMANAGE_CLASS = "org.apache.cloudstack.api.command.admin.vm.UnmanageVMInstanceCmd"
_MAINTENANCE = ("Maintenance", "ErrorInMaintenance", "PrepareForMaintenance", "ErrorInPrepareForMaintenance")


@command(
    "unmanageVirtualMachine",
    is_async=True,
    since="4.15",
    java_class=UNMANAGE_CLASS,
    params={
        "id": Param("uuid", "vm", required=True),
        "hostid": Param("uuid", "host", since="4.22"),  # older servers ignore both (undeclared parameters)
        "forced": Param("boolean", since="4.22"),
    },
)
def unmanage_virtual_machine(sim: Simulator, caller: dict[str, Any], p: Parsed) -> AsyncWork:
    def body() -> tuple[str, dict[str, Any]]:
        try:
            return _unmanage(sim, p)
        except ApiError as err:
            raise server_error(err.text) from None  # UnmanageVMInstanceCmd.execute wraps everything as 530

    return AsyncWork(body, "VirtualMachine", p.get("id"))


def _fail(text: str) -> ApiError:
    return server_error(text)


def _unmanage(sim: Simulator, p: Parsed) -> tuple[str, dict[str, Any]]:
    persist = sim.has("unmanage_kvm_persist")  # 4.22: hostid, forced, config drive, stopped KVM VMs, persisting
    with sim.lock:
        vm = sim.store.get("vm", p.get("id"))
        if vm is None or vm.get("removed"):
            raise _fail("Could not find VM to unmanage, it is either removed or not existing VM")
        if vm["state"] not in ("Running", "Stopped"):
            raise _fail(f"VM with id = {vm['id']} must be running or stopped to be unmanaged")
        kvm = vm.get("hypervisor", "KVM") == "KVM"
        if vm.get("hypervisor", "KVM") not in ("KVM", "VMware"):
            raise _fail(f"Unmanage VM is currently not allowed for hypervisor {vm['hypervisor']}")
        if vm.get("vmtype", "User") != "User":
            raise _fail("Unmanage VM is currently allowed for guest VMs only")
        config_drive = (vm.get("details") or {}).get("configDriveLocation")
        if persist:
            if p.get("hostid") and (not kvm or vm["state"] != "Stopped"):
                raise _fail("Param hostid is only supported for KVM hypervisor for stopped Instances.")
            if not p.get("forced") and kvm and config_drive:
                raise _fail("Config drive is attached to Instance, use forced param true from API to unmanage it.")
        if sim.has("unmanage_sharedfs_check") and vm.get("uservmtype") == "sharedfsvm":
            raise _fail("Operation not supported on Shared FileSystem Instance")
        _prechecks(sim, vm)
        stopped_kvm = persist and kvm and vm["state"] == "Stopped"
        dom = None
        if not stopped_kvm:
            host = _suitable_host(sim, vm)
            dom = _domain_on(sim, host, vm["instancename"])
            if dom is None:
                if sim.has("object_strings"):
                    raise _fail(f"VM {checks.vm_str(vm, sim)} is not found in the hypervisor")
                raise _fail(f"VM with id = {vm['id']} is not found in the hypervisor")
        _pending_jobs(sim, vm)
        target = None
        if persist and kvm:
            target = _persist(sim, vm, p, dom, bool(config_drive))
        _forget(sim, vm)
        result: dict[str, Any] = {"success": True, "details": "VM unmanaged successfully"}
        if persist and target is not None:
            result["hostid"] = target["id"]
        return "unmanagevirtualmachineresponse", result


def _prechecks(sim: Simulator, vm: dict[str, Any]) -> None:
    """performUnmanageVMInstancePrechecks: volume snapshots (not Destroyed), then an attached ISO."""
    volume_ids = {v["id"] for v in sim.store.find("volume", virtualmachineid=vm["id"]) if not v.get("removed")}
    if any(
        s.get("volumeid") in volume_ids and s.get("state") != "Destroyed" and not s.get("removed")
        for s in sim.store.all("snapshot")
    ):
        raise _fail(
            f"Cannot unmanage VM with id = {vm['id']} as there are volume snapshots for its "
            "volume(s). Please remove snapshots before unmanaging."
        )
    if vm.get("isoid"):
        raise _fail(
            f"Cannot unmanage VM with id = {vm['id']} as there is an ISO attached. Please detach ISO before unmanaging."
        )


def _suitable_host(sim: Simulator, vm: dict[str, Any]) -> dict[str, Any]:
    """findSuitableHostId: the VM's host, else the zone's first Up KVM host not in maintenance."""
    host = sim.store.get("host", vm.get("hostid"))
    if host is not None:
        return host
    for candidate in sim.store.find("host", zoneid=vm["zoneid"]):
        if (
            candidate.get("hypervisor") == vm.get("hypervisor", "KVM")
            and candidate.get("state") == "Up"
            and (candidate.get("resourcestate") not in _MAINTENANCE)
        ):
            return candidate
    raise _fail(f"Cannot find a host to verify if the VM [{vm['id']}] exists. Thus we are unable to unmanage it.")


def _domain_on(sim: Simulator, host: dict[str, Any], name: str) -> Any:
    """PrepareUnmanageVMInstanceCommand: the agent looks the domain up by instance name (defined ones too)."""
    try:
        return sim.agent.connect(host["uri"]).lookupByName(name)
    except libvirt.libvirtError:
        return None


def _pending_jobs(sim: Simulator, vm: dict[str, Any]) -> None:
    """VirtualMachineManagerImpl.unmanage: VM work jobs still pending (other in-progress jobs on this VM)."""
    for job in sim.store.find("job", jobinstanceid=vm["id"]):
        if job.get("jobstatus") == 0 and job.get("cmd") != UNMANAGE_CLASS:
            who = f"VM: {checks.vm_str(vm, sim)}" if sim.has("object_strings") else f"VM with id: {vm['_seq']}"
            raise _fail(f"There are pending jobs or HA tasks working on the {who}, can't unmanage the VM.")


def _persist(sim: Simulator, vm: dict[str, Any], p: Parsed, dom: Any, config_drive: bool) -> dict[str, Any]:
    """persistDomainForKVM: running → the live XML (config drive removed); stopped → the stored spec on a host."""
    name = vm["instancename"]
    if vm["state"] == "Stopped":
        host = p.entities.get("hostid") if p.get("hostid") else _host_for_stopped(sim, vm)
        if host is None:
            raise _fail(f"No available host to persist domain XML for Instance: {vm['name']}")
    else:
        host = sim.store.get("host", vm.get("hostid"))
        assert host is not None
    try:
        conn = sim.agent.connect(host["uri"])
        if dom is not None:
            xml = dom.XMLDesc(libvirt.VIR_DOMAIN_XML_SECURE)
            if config_drive:
                xml = strip_config_drive(xml, name)
        else:
            xml = vm.get("domainxml")
            if not xml:
                raise _fail(f"Failed to persist domain XML for Instance: {vm['name']} on host ID: {host['_seq']}")
        conn.defineXML(xml)
    except libvirt.libvirtError:
        raise _fail(f"Failed to persist domain XML for Instance: {vm['name']} on host ID: {host['_seq']}") from None
    return host


def _host_for_stopped(sim: Simulator, vm: dict[str, Any]) -> dict[str, Any] | None:
    """findClusterAndHostIdForVm: last host, else a host of the cluster of the VM's first cluster-scoped pool."""
    host = sim.store.get("host", vm.get("lasthostid"))
    if host is not None:
        return host
    for vol in sim.store.find("volume", virtualmachineid=vm["id"]):
        pool = sim.store.get("storagepool", vol.get("storageid"))
        if pool and pool.get("scope") == "CLUSTER":
            hosts = sim.store.find("host", clusterid=pool["clusterid"])
            return hosts[0] if hosts else None
    return None


def _forget(sim: Simulator, vm: dict[str, Any]) -> None:
    """unmanageVMSnapshots / unmanageVMNics (unmanage.vm.preserve.nics keeps them) / unmanageVMVolumes."""
    preserve = sim.config("unmanage.vm.preserve.nics", "false")
    zone_conf = sim.store.first("configuration", name="unmanage.vm.preserve.nics")
    if zone_conf:
        preserve = (zone_conf.get("zonevalues") or {}).get(vm["zoneid"], zone_conf["value"])
    for vol in sim.store.find("volume", virtualmachineid=vm["id"]):
        vol.update(removed=checks.now(), state="Destroy")
        sim.store.put("volume", vol)
    for nic in sim.store.find("nic", virtualmachineid=vm["id"]):
        if preserve.lower() == "true":
            continue  # kept allocated so their MACs and IPs stay in use on the network
        nic["removed"] = checks.now()
        sim.store.put("nic", nic)
    for tag in sim.store.find("tag", resourceid=vm["id"]):
        sim.store.delete("tag", tag["id"])
    for snap in sim.store.find("vmsnapshot", virtualmachineid=vm["id"]):
        sim.store.delete("vmsnapshot", snap["id"])  # deleted from the database only
    vm.update(state="Expunging", removed=checks.now())
    sim.store.put("vm", vm)
