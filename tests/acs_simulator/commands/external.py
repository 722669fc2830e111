"""listVmsForImport and importVm (facts §1.5, §1.6, §2.3, §2.4, §3.2, §3.5)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from ..agent import AgentError
from ..errors import ApiError, invalid_value, runtime_error, server_error
from ..params import Param, Parsed
from ..registry import AsyncWork, command
from ..remote import DiskError, check_volume, copy_remote_disk
from . import checks
from .importing import IMPORT_PARAMS, cleanup_vm, do_import, register_volume, split_disks
from .vm import vm_view

if TYPE_CHECKING:
    from ..sim import Simulator

SOURCES = ("UNMANAGED", "VMWARE", "EXTERNAL", "SHARED", "LOCAL")


def _kvm_host(sim: Simulator, zone_id: str) -> dict[str, Any] | None:
    for host in sim.store.find("host", zoneid=zone_id):
        if host.get("hypervisor") == "KVM" and host.get("state") == "Up" and host.get("resourcestate") == "Enabled":
            return host
    return None


def _remote_vms(sim: Simulator, zone: dict[str, Any], remote: str) -> list[dict[str, Any]]:
    if _kvm_host(sim, zone["id"]) is None:
        raise runtime_error(f"No hosts available to list VMs on remote host {remote}")
    try:
        return sim.agent.remote_instances(remote)
    except AgentError as exc:
        raise runtime_error(f"Failed to list VMs, due to: {exc}") from None


def _view(sim: Simulator, inst: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in inst.items() if not k.startswith("_")}
    out["disk"] = [{k: v for k, v in d.items() if not k.startswith("_") and v is not None} for d in inst["disk"]]
    if sim.has("unmanaged_boot"):
        out.update(bootmode=inst["_bootmode"], boottype=inst["_boottype"])
    return out


@command(
    "listVmsForImport",
    list_key="unmanagedinstance",
    paginate=False,
    since="4.19",
    params={
        "zoneid": Param("uuid", "zone", required=True),
        "username": Param(),
        "password": Param(),
        "host": Param(required=True),
        "hypervisor": Param(required=True),
    },
)
def list_vms_for_import(sim: Simulator, caller: dict[str, Any], p: Parsed) -> list[dict[str, Any]]:
    if p.get("hypervisor").upper() != "KVM":
        raise invalid_value(f"VM Import is currently not supported for hypervisor: {p.get('hypervisor')}")
    keyword = (p.get("keyword") or "").lower()
    vms = _remote_vms(sim, p.entities["zoneid"], p.get("host"))
    return [_view(sim, v) for v in vms if not keyword or keyword in v["name"].lower()]


@command(
    "importVm",
    is_async=True,
    since="4.19",
    java_class="org.apache.cloudstack.api.command.admin.vm.ImportVmCmd",
    params={
        **IMPORT_PARAMS,
        "zoneid": Param("uuid", "zone", required=True),
        "username": Param(),
        "password": Param(),
        "host": Param(),
        "hypervisor": Param(required=True),
        "diskpath": Param(),
        "importsource": Param(required=True),
        "networkid": Param("uuid", "network"),
        "hostid": Param("uuid", "host"),
        "storageid": Param("uuid", "storagepool"),
        "temppath": Param(),
    },
)
def import_vm(sim: Simulator, caller: dict[str, Any], p: Parsed) -> AsyncWork:
    owner = checks.owner_for(sim, caller, p)

    def body() -> tuple[str, dict[str, Any]]:
        source = p.get("importsource").upper()
        if source not in SOURCES:
            raise runtime_error(f"No enum constant org.apache.cloudstack.vm.VmImportService.ImportSource.{source}")
        if source in ("UNMANAGED", "VMWARE"):
            # ImportVmCmd's branch of baseImportInstance only converts VMware guests: nothing is imported here.
            checks.basic(p)
            raise server_error(
                f"Failed to find unmanaged vm with name: {p.get('name')} in cluster: {p.get('clusterid')}"
            )
        return _import_kvm(sim, owner, p, source)

    return AsyncWork(body, "VirtualMachine", None)


def _import_kvm(sim: Simulator, owner: dict[str, Any], p: Parsed, source: str) -> tuple[str, dict[str, Any]]:
    zone = p.entities["zoneid"]
    if p.get("hypervisor").upper() != "KVM":
        raise invalid_value(f"VM import is currently not supported for hypervisor: {p.get('hypervisor')}")
    checks.basic(p)
    template = checks.template_for(sim, p)
    hostname = checks.hostname_for(p, p.get("name"), external=True)
    checks.check_kvm_template(template)
    if source == "EXTERNAL":
        return _external(sim, owner, p, zone, template, hostname)
    return _shared_or_local(sim, owner, p, zone, template, hostname, source)


def _new_vm(
    sim: Simulator,
    owner: dict[str, Any],
    p: Parsed,
    zone: dict[str, Any],
    host: dict[str, Any],
    template: dict[str, Any],
    hostname: str,
    details: dict[str, Any],
) -> dict[str, Any]:
    offering = p.entities["serviceofferingid"]
    extra = (p.get("details") or [{}])[0]
    sizing = {
        "cpunumber": offering.get("cpunumber") or int(extra.get("cpuNumber", 1)),
        "memory": offering.get("memory") or int(extra.get("memory", 64)),
        "cpuspeed": offering.get("cpuspeed") or int(extra.get("cpuSpeed", 0) or 0),
    }
    from .importing import register_vm

    vm = register_vm(sim, owner, p, {}, zone, host, template, sizing, hostname, "Stopped", "pending", details)
    acct_seq = sim.store.get("account", owner["id"])["_seq"]
    vm["instancename"] = f"i-{acct_seq}-{vm['_seq']}-VM"  # a fresh CloudStack name, unlike same-host imports
    return sim.store.put("vm", vm)


def _dest_pool(sim: Simulator, zone: dict[str, Any], host: dict[str, Any]) -> dict[str, Any]:
    pools = [
        s
        for s in sim.store.find("storagepool", zoneid=zone["id"])
        if s.get("clusterid") in (None, host["clusterid"]) and s.get("scope") != "HOST"
    ]
    if not pools:
        raise server_error(f"Import failed for Vm: {p_name(host)}. Suitable deployment destination not found")
    pool = pools[0]
    if pool["type"] not in ("Filesystem", "NetworkFilesystem"):
        raise runtime_error(f"Unsupported storage pool type: {pool['type']}, only local and NFS pools are supported")
    return pool


def p_name(host: dict[str, Any]) -> str:
    return host.get("name", "")


def _external(
    sim: Simulator, owner: dict[str, Any], p: Parsed, zone: dict[str, Any], template: dict[str, Any], hostname: str
) -> tuple[str, dict[str, Any]]:
    if not p.get("username"):
        raise invalid_value("Username need to be provided.")
    remote = p.get("host") or ""
    found = [v for v in _remote_vms(sim, zone, remote) if v["name"] == p.get("name")]
    if not found:
        raise server_error(f"VM with name: {p.get('name')} not found on remote host {remote}")
    inst = found[0]
    data_map = checks.disk_offering_map(sim, p)
    root, data = split_disks(inst, data_map) if inst["disk"] else (None, [])
    if root is None:
        raise server_error(f"No attached disks found for the unmanaged VM: {p.get('name')}")
    explicit, ips = checks.nic_network_map(sim, p), checks.nic_ip_map(p)
    nets = checks.map_nics(sim, inst["nic"], explicit, ips, zone["id"], hostname)
    host = _kvm_host(sim, zone["id"])
    if host is None:
        raise server_error(f"Import failed for Vm: {p.get('name')}. Suitable deployment destination not found")
    pool = _dest_pool(sim, zone, host)
    temppath = p.get("temppath") or "/tmp/"
    if not temppath.endswith("/"):
        temppath += "/"
    timeout = int(sim.config("remote.kvm.instance.disks.copy.timeout", "30") or 30) * 60
    with sim.lock:
        vm = _new_vm(sim, owner, p, zone, host, template, hostname, {"rootDiskController": root.get("controller")})
    try:
        for n, disk in enumerate([root, *data]):
            try:
                name = copy_remote_disk(
                    remote,
                    p.get("username"),
                    p.get("password") or "",
                    disk.get("datastorepath") or disk.get("imagepath"),
                    temppath,
                    pool["path"],
                    timeout,
                )
            except DiskError:
                raise runtime_error("Unable to copy volume of remote instance") from None
            try:
                size = check_volume(os.path.join(pool["path"], name))
            except DiskError as exc:
                os.unlink(os.path.join(pool["path"], name))
                raise runtime_error(str(exc)) from None
            disk = dict(disk, capacity=size)
            with sim.lock:
                if n == 0:
                    register_volume(sim, vm, disk, pool, "ROOT", f"ROOT-{vm['_seq']}", None, 0, name)
                else:
                    register_volume(
                        sim,
                        vm,
                        disk,
                        pool,
                        "DATADISK",
                        f"DATA-{vm['_seq']}-{disk['id']}",
                        data_map[disk["id"]],
                        n,
                        name,
                    )
    except ApiError as err:
        with sim.lock:
            cleanup_vm(sim, vm)
        raise server_error(f"Failed to import volumes while importing vm: {p.get('name')}. {err.text}") from None
    with sim.lock:
        try:
            checks.register_nics(sim, vm, inst["nic"], nets, ips, forced=True)  # EXTERNAL always regenerates MACs
        except ApiError as err:
            cleanup_vm(sim, vm)
            raise server_error(f"Failed to import NICs while importing vm: {p.get('name')}. {err.text}") from None
        return "virtualmachine", vm_view(sim, vm)


def _shared_or_local(
    sim: Simulator,
    owner: dict[str, Any],
    p: Parsed,
    zone: dict[str, Any],
    template: dict[str, Any],
    hostname: str,
    source: str,
) -> tuple[str, dict[str, Any]]:
    if not p.get("diskpath"):
        raise invalid_value("Disk Path is required for Import from shared/local storage")
    if not p.get("networkid"):
        raise invalid_value("Network is required for Import from shared/local storage")
    if not p.get("storageid"):
        raise invalid_value("Storage Pool is required for Import from shared/local storage")
    pool = p.entities.get("storageid")
    if pool is None:
        raise invalid_value("Storage Pool not found")
    host = None
    if source == "LOCAL":
        if not p.get("hostid"):
            raise invalid_value("Host is required for Import from local storage")
        host = p.entities.get("hostid")
        if host is None:
            raise invalid_value("Host not found")
        if pool.get("scope") != "HOST" or pool.get("hostid") != host["id"]:
            raise invalid_value("Specified Local Storage Pool not found on Host")
    network = p.entities["networkid"]
    if network["zoneid"] != zone["id"]:
        raise invalid_value(f"Network id={network['id']} doesn't belong to zone {zone['id']}")
    with sim.lock:
        if any(
            v.get("storageid") == pool["id"] and v.get("path") == p.get("diskpath") and not v.get("removed")
            for v in sim.store.all("volume")
        ):
            raise invalid_value("Disk image is already in use")
        try:
            size = check_volume(os.path.join(pool["path"], p.get("diskpath")))
        except DiskError as exc:
            raise runtime_error(str(exc)) from None
        host = host or _kvm_host(sim, zone["id"])
        if host is None:
            raise server_error(f"Failed to import Vm with name: {p.get('name')} ")
        vm = _new_vm(sim, owner, p, zone, host, template, hostname, {})
        register_volume(sim, vm, {"capacity": size}, pool, "ROOT", f"ROOT-{vm['_seq']}", None, 0, p.get("diskpath"))
        nic = {"id": "0", "macaddress": "", "adaptertype": "virtio"}
        try:
            nic["macaddress"] = _free_mac(sim, network["id"])
            checks.register_nics(sim, vm, [nic], {"0": network}, {"0": "auto"}, forced=True)
        except ApiError as err:
            cleanup_vm(sim, vm)
            raise server_error(f"Failed to import Vm with name: {p.get('name')} ") from err
        return "virtualmachine", vm_view(sim, vm)


def _free_mac(sim: Simulator, network_id: str) -> str:
    used = {n.get("macaddress") for n in sim.store.find("nic", networkid=network_id)}
    for i in range(1, 1 << 16):
        mac = f"02:01:00:00:{i >> 8:02x}:{i & 0xFF:02x}"
        if mac not in used:
            return mac
    raise runtime_error(f"Could not generate a new mac address on network {network_id}")


__all__ = ["do_import"]
