"""listVmsForImport and importVm (importsource external / local / shared; unmanaged and vmware refused on KVM).

Source: ``server/src/main/java/org/apache/cloudstack/vm/UnmanagedVMsManagerImpl.java`` ``listVmsForImport``,
``getRemoteVmsOnKVMHost``, ``importVm``, ``importKvmInstance``, ``importExternalKvmVirtualMachine``,
``importExternalDisk``, ``importKvmVirtualMachineFromDisk``, ``checkVolume`` (4.19.0–4.22.0). The deployment
planner is reduced to: the zone's first Up and Enabled KVM host (``hostid`` for local), and the first Up pool
it reaches whose tags fit the offering (README "not modelled").
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from ..agent import AgentError
from ..errors import ApiError, invalid_value, runtime_error, server_error
from ..params import Param, Parsed
from ..registry import AsyncWork, command, public
from ..remote import DiskError, copy_remote_disk, inspect_volume, refuse_details
from . import checks, limits, nets, offerings, pools
from .importing import IMPORT_PARAMS, cleanup_vm, do_import, register_vm, register_volume
from .vm import vm_view

if TYPE_CHECKING:
    from ..sim import Simulator

SOURCES = ("UNMANAGED", "VMWARE", "EXTERNAL", "SHARED", "LOCAL")  # VmImportService.ImportSource
COPYABLE_POOLS = ("Filesystem", "NetworkFilesystem")  # LibvirtCopyRemoteVolume / LibvirtCheckVolume wrappers


def _kvm_host(sim: Simulator, zone_id: str) -> dict[str, Any] | None:
    """listAllUpAndEnabledHostsInOneZoneByHypervisor(KVM, zone).get(0)."""
    for host in sim.store.find("host", zoneid=zone_id):
        if host.get("hypervisor") == "KVM" and host.get("state") == "Up" and host.get("resourcestate") == "Enabled":
            return host
    return None


def _remote_vms(sim: Simulator, zone: dict[str, Any], remote: str) -> list[dict[str, Any]]:
    """getRemoteVmsOnKVMHost: the first Up KVM host of the zone lists the remote libvirt's shut-off domains."""
    host = _kvm_host(sim, zone["id"])
    if host is None:
        if sim.has("remote_list_username_optional"):
            raise runtime_error(f"No hosts available to list VMs on remote host {remote}")
        raise runtime_error("No hosts available for Vm Import")
    try:
        return sim.agent.remote_instances(remote, sim.agent.version_of(host))
    except AgentError as exc:
        if not sim.has("remote_list_username_optional"):
            raise runtime_error("Error while listing remote Vms") from None
        raise runtime_error(f"Failed to list VMs, due to: {exc}") from None


def _view(inst: dict[str, Any]) -> dict[str, Any]:
    """UnmanagedVMsManagerImpl's private createUnmanagedInstanceResponse (no cluster, no boot keys)."""
    out = public(inst, "disk", "nic")
    out["disk"] = [public(d) for d in inst["disk"]]
    out["nic"] = [public(n) for n in inst["nic"]]
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
    if not sim.has("remote_list_username_optional") and not (p.get("username") or "").strip():
        raise invalid_value("Username need to be provided.")  # 4.19.0 only (df5c546559)
    keyword = (p.get("keyword") or "").lower()
    vms = _remote_vms(sim, p.entities["zoneid"], p.get("host"))
    return [_view(v) for v in vms if not keyword or keyword in v["name"].lower()]


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
        if source not in SOURCES:  # Enum.valueOf → IllegalArgumentException → 530
            raise runtime_error(f"No enum constant org.apache.cloudstack.vm.VmImportService.ImportSource.{source}")
        if source in ("UNMANAGED", "VMWARE"):
            return _base_import_refused(sim, owner, p)
        return _import_kvm(sim, owner, p, source)

    return AsyncWork(body, "VirtualMachine", None)


def _base_import_refused(sim: Simulator, owner: dict[str, Any], p: Parsed) -> tuple[str, dict[str, Any]]:
    """baseImportInstance for an ImportVmCmd: only VMware sources are converted, so KVM ends without a VM."""
    checks.basic(p)
    cluster = p.entities["clusterid"]
    if cluster["hypervisortype"] not in ("KVM", "VMware"):
        raise invalid_value(f"VM import is currently not supported for hypervisor [{cluster['hypervisortype']}].")
    if sim.has("cluster_enabled_check") and cluster.get("allocationstate") != "Enabled":
        raise invalid_value(f"Cluster [{checks.cluster_str(cluster)}] is not enabled.")
    checks.template_for(sim, p, kvm_dummy=sim.has("importvm_templateid"))
    checks.service_offering_for(sim, owner, p, cluster["zoneid"])
    checks.hostname_for(sim, p, p.get("displayname") or p.get("name"), external=False)
    raise server_error(f"Failed to find unmanaged vm with name: {p.get('name')} in cluster: {cluster['id']}")


def _import_kvm(sim: Simulator, owner: dict[str, Any], p: Parsed, source: str) -> tuple[str, dict[str, Any]]:
    """importKvmInstance: generic checks, then the source-specific ones, in CloudStack's order."""
    zone = p.entities["zoneid"]
    if p.get("hypervisor").upper() != "KVM":
        raise invalid_value(f"VM import is currently not supported for hypervisor: {p.get('hypervisor')}")
    checks.basic(p)
    if sim.has("importvm_templateid"):
        template = checks.template_for(sim, p, kvm_dummy=True)
    else:
        template = checks.kvm_dummy_template(sim)  # templateid is ignored before 4.20.2
    offering = p.entities["serviceofferingid"]
    if offering.get("removed"):
        raise invalid_value(f"Service offering ID: {offering['_seq']} cannot be found")
    checks.check_offering_access(sim, owner, offering, zone["id"])
    try:
        limits.check(sim, owner, "user_vm", 1)
    except limits.LimitExceeded as exc:
        raise server_error(f"VM resource allocation error for account: {owner['id']}. {exc.text}") from None
    hostname = checks.hostname_for(sim, p, p.get("name"), external=True)
    explicit, ips = checks.nic_network_map(sim, p), checks.nic_ip_map(p)
    data_map = checks.disk_offering_map(sim, p)
    details = checks.first_details(p)
    inst = None
    if source == "EXTERNAL":
        if not (p.get("username") or "").strip():
            raise invalid_value("Username need to be provided.")
        remote = p.get("host") or ""
        found = [v for v in _remote_vms(sim, zone, remote) if v["name"] == p.get("name")]
        if not found:
            if not sim.has("remote_list_username_optional"):
                raise server_error(f"Vm with name: {p.get('name')} not found on remote host")
            raise server_error(f"VM with name: {p.get('name')} not found on remote host {remote}")
        inst = found[0]
    pool, host = None, None
    if source in ("SHARED", "LOCAL"):
        pool, host = _local_shared_params(sim, p, offering, source)
    vm_details = _offering_details(sim, offering, details)
    if source == "EXTERNAL":
        assert inst is not None
        return _external(sim, owner, p, inst, zone, template, hostname, explicit, ips, data_map, vm_details)
    assert pool is not None
    return _from_disk(sim, owner, p, source, zone, template, hostname, pool, host, vm_details)


def _local_shared_params(
    sim: Simulator, p: Parsed, offering: dict[str, Any], source: str
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    if p.get("diskpath") is None:
        raise invalid_value("Disk Path is required for Import from shared/local storage")
    if not p.get("networkid"):
        raise invalid_value("Network is required for Import from shared/local storage")
    if not p.get("storageid"):
        raise invalid_value("Storage Pool is required for Import from shared/local storage")
    pool = p.entities.get("storageid")
    if pool is None or pool.get("removed"):
        raise invalid_value("Storage Pool not found")
    if any(
        v.get("storageid") == pool["id"] and v.get("path") == p.get("diskpath") and not v.get("removed")
        for v in sim.store.all("volume")
    ):
        raise invalid_value("Disk image is already in use")
    if not pools.pool_fits(pool, offering.get("storagetags")):
        raise invalid_value(
            f"Service offering: {offering['id']} storage tags are not compatible with selected storage pool: "
            f"{pool['id']}"
        )
    host = None
    if source == "LOCAL":
        if not p.get("hostid"):
            raise invalid_value("Host is required for Import from local storage")
        host = p.entities.get("hostid")
        if host is None:
            raise invalid_value("Host not found")
        if not _pool_reaches_host(pool, host):  # StoragePoolHostDao.findByPoolHost
            raise invalid_value("Specified Local Storage Pool not found on Host")
    return pool, host


def _pool_reaches_host(pool: dict[str, Any], host: dict[str, Any]) -> bool:
    if pool.get("scope") == "HOST":
        return bool(pool.get("hostid") == host["id"])
    if pool.get("scope") == "CLUSTER":
        return bool(pool.get("clusterid") == host["clusterid"])
    return bool(pool.get("zoneid") == host["zoneid"])


def _offering_details(sim: Simulator, offering: dict[str, Any], details: dict[str, str]) -> dict[str, str]:
    """4.19.0 wrote a custom offering's unset CPU/speed/memory as "null" into the details (fixed by c24c1a5c00)."""
    out = dict(details)
    if not sim.has("custom_offering_null_details_fixed") and offerings.is_dynamic(offering):
        for key, field in (("cpuNumber", "cpunumber"), ("memory", "memory"), ("cpuSpeed", "cpuspeed")):
            out[key] = str(offering.get(field)) if offering.get(field) is not None else "null"
    return out


def _sizing(offering: dict[str, Any], details: dict[str, str]) -> dict[str, Any]:
    """ServiceOfferingDaoImpl.findById(vmId, offeringId): a custom offering takes the (unvalidated) details."""

    def pick(field: str, key: str) -> int | None:
        if offering.get(field) is not None:
            return int(offering[field])
        try:
            return int(details[key]) if key in details else None
        except ValueError:
            return None

    return {"cpunumber": pick("cpunumber", "cpuNumber"), "memory": pick("memory", "memory"),
            "cpuspeed": pick("cpuspeed", "cpuSpeed")}  # fmt: skip


def _new_vm(
    sim: Simulator, owner: dict[str, Any], p: Parsed, zone: dict[str, Any], template: dict[str, Any], hostname: str,
    details: dict[str, str],
) -> dict[str, Any]:  # fmt: skip
    """UserVmManagerImpl.importVM → commitUserVm: the numeric details must parse; a fresh i-<acct>-<id>-VM name."""
    committed = offerings.committed_details(details)
    vm = register_vm(sim, owner, p, {}, zone, None, template, _sizing(p.entities["serviceofferingid"], committed),
                     hostname, "Stopped", "pending", committed)  # fmt: skip
    acct = sim.store.get("account", owner["id"])
    assert acct is not None
    vm["instancename"] = f"i-{acct['_seq']}-{vm['_seq']}-VM"
    return sim.store.put("vm", vm)


def _destination(
    sim: Simulator, zone: dict[str, Any], offering: dict[str, Any], host: dict[str, Any] | None, pool_id: str | None,
    vm: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, Any]]:  # fmt: skip
    """DeploymentPlanningManager.planDeployment, reduced: a host, and a pool it reaches that fits the tags."""
    if None in (
        _sizing(offering, vm.get("details") or {})["cpunumber"],
        _sizing(offering, vm.get("details") or {})["memory"],
    ):
        cleanup_vm(sim, vm)  # the planner throws on an offering without CPU/memory
        raise server_error(f"Import failed for Vm: {vm['instancename']} while finding deployment destination")
    host = host or _kvm_host(sim, zone["id"])
    candidates = [
        s for s in sim.store.find("storagepool", zoneid=zone["id"])
        if not s.get("removed") and s.get("state", "Up") == "Up" and (pool_id is None or s["id"] == pool_id)
        and host is not None and _pool_reaches_host(s, host) and pools.pool_fits(s, offering.get("storagetags"))
        and (pool_id is not None or (s.get("scope") == "HOST") == (offering.get("storagetype") == "local"))
    ]  # fmt: skip
    if host is None or not candidates:
        # no clean-up on this branch: the VM record and its allocated volumes stay (all versions)
        raise server_error(f"Import failed for Vm: {vm['instancename']}. Suitable deployment destination not found")
    return host, candidates[0]


def _external(
    sim: Simulator, owner: dict[str, Any], p: Parsed, inst: dict[str, Any], zone: dict[str, Any],
    template: dict[str, Any], hostname: str, explicit: dict[str, dict[str, Any]], ips: dict[str, str],
    data_map: dict[str, dict[str, Any]], details: dict[str, str],
) -> tuple[str, dict[str, Any]]:  # fmt: skip
    """importExternalKvmVirtualMachine: no size or host-tag checks; copies each disk, NICs always forced."""
    name = p.get("name")
    if not inst["disk"]:
        raise server_error(f"No attached disks found for the unmanaged VM: {name}")
    root, data = pools.root_and_data_disks(inst, data_map)
    if not root.get("controller"):
        raise server_error(f"VM import failed. Unable to retrieve root disk details for VM: {name} ")
    details = dict(details, rootDiskController=root["controller"])
    nets_map = nets.map_nics(sim, owner, inst["nic"], explicit, ips, zone["id"], hostname)
    if inst["nic"]:
        details["nicAdapter"] = inst["nic"][0]["adaptertype"]
    offering = p.entities["serviceofferingid"]
    with sim.lock:
        vm = _new_vm(sim, owner, p, zone, template, hostname, details)
        for disk in data:
            if not disk.get("capacity"):
                raise invalid_value(f"Disk ID: {disk['id']} size is invalid")  # the VM record stays behind
        host, pool = _destination(sim, zone, offering, None, None, vm)
    temppath = p.get("temppath") or "/tmp/"
    if not temppath.endswith("/"):
        temppath += "/"
    timeout = int(sim.config("remote.kvm.instance.disks.copy.timeout", "30") or 30)
    timeout = (timeout if timeout > 0 else 30) * 60
    try:
        if not root.get("capacity"):
            raise invalid_value(f"Root disk ID: {root['id']} size is invalid")
        for n, disk in enumerate([root, *data]):
            size, file_name = _copy_disk(sim, p, disk, pool, temppath, timeout)
            with sim.lock:
                if n == 0:
                    register_volume(
                        sim, vm, dict(disk, capacity=size), pool, "ROOT", f"ROOT-{vm['_seq']}", None, 0, file_name
                    )
                else:
                    name_ = f"DATA-{vm['_seq']}-{disk['id']}"
                    register_volume(sim, vm, dict(disk, capacity=size), pool, "DATADISK", name_,
                                    data_map[disk["id"]], n, file_name)  # fmt: skip
    except ApiError as err:
        with sim.lock:
            cleanup_vm(sim, vm)
        raise server_error(f"Failed to import volumes while importing vm: {name}. {err.text}") from None
    with sim.lock:
        try:
            for index, nic in enumerate(inst["nic"]):
                nets.import_nic(sim, vm, nic, nets_map[nic["id"]], ips.get(nic["id"]), index, forced=True)
        except ApiError as err:
            cleanup_vm(sim, vm)
            raise server_error(f"Failed to import NICs while importing vm: {name}. {err.text}") from None
        vm.update(hostid=None, lasthostid=host["id"])
        return "virtualmachine", vm_view(sim, sim.store.put("vm", vm))


def _copy_disk(
    sim: Simulator, p: Parsed, disk: dict[str, Any], pool: dict[str, Any], temppath: str, timeout: int
) -> tuple[int, str]:
    """importExternalDisk: CopyRemoteVolumeCommand (qemu-img convert over SSH), then checkVolume on the copy."""
    old = not sim.has("remote_list_username_optional")
    if pool["type"] not in COPYABLE_POOLS:
        reason = "" if old else (
            f": Unsupported storage pool type: {pool['type']}, only local and NFS pools are supported")  # fmt: skip
        raise runtime_error(f"Error while copying volume of remote instance{reason}")
    source = disk.get("datastorepath") or disk.get("imagepath")
    try:
        file_name = copy_remote_disk(p.get("host") or "", p.get("username"), p.get("password") or "", source,
                                     temppath, pool["path"], timeout)  # fmt: skip
    except DiskError as exc:
        raise runtime_error(
            "Error while copying volume of remote instance" + ("" if old else f": Failed to copy volume due to: {exc}")
        ) from None
    path = os.path.join(pool["path"], file_name)
    check = inspect_volume(path, with_details=sim.has("volume_checks"))
    try:
        refuse_details(check)
    except DiskError as exc:
        os.unlink(path)
        raise runtime_error(str(exc)) from None
    if not check.ok:
        os.unlink(path)
        raise runtime_error("Unable to copy volume of remote instance")
    return check.size, file_name


def _from_disk(
    sim: Simulator, owner: dict[str, Any], p: Parsed, source: str, zone: dict[str, Any], template: dict[str, Any],
    hostname: str, pool: dict[str, Any], host: dict[str, Any] | None, details: dict[str, str],
) -> tuple[str, dict[str, Any]]:  # fmt: skip
    """importKvmVirtualMachineFromDisk: one ROOT volume from ``diskpath`` and one NIC on ``networkid``."""
    network = p.entities["networkid"]
    offering = p.entities["serviceofferingid"]
    with sim.lock:
        try:
            nets.check_permission(sim, owner, network)
        except ApiError as err:
            raise runtime_error(err.text) from None
        if network.get("issystem"):
            raise invalid_value(f"Network id={network['_seq']} is system only and can't be used for vm deployment")
        if network["zoneid"] != zone["id"] and not network.get("strechedl2subnet"):
            raise invalid_value(f"Network id={network['_seq']} doesn't belong to zone {zone['_seq']}")
        mac = nets.next_free_mac(sim, network["id"])
        # 4.20.2/4.22 ask importNic for "auto"; older releases pick an address before the VM exists
        early_ip = None
        if network["type"] != "L2" and not sim.has("shared_ip_from_range"):
            early_ip = nets.select_ip(sim, network, None)  # may be None: the NIC then has no IPv4 (silent)
        vm = _new_vm(sim, owner, p, zone, template, hostname, details)
        dest_host, _dest_pool = _destination(sim, zone, offering, host, pool["id"], vm)
    check = None
    if pool["type"] in COPYABLE_POOLS and "/" not in p.get(
        "diskpath"
    ):  # libvirt volume lookup in the pool's top directory
        path = os.path.join(pool["path"], p.get("diskpath"))
        if os.path.isfile(path):
            check = inspect_volume(path, with_details=sim.has("volume_checks"))
    with sim.lock:
        if check is None:
            cleanup_vm(sim, vm)
            raise runtime_error("Disk not found or is invalid")
        try:
            refuse_details(check)
        except DiskError as exc:
            cleanup_vm(sim, vm)
            raise runtime_error(str(exc)) from None
        if not check.ok:
            cleanup_vm(sim, vm)
            raise runtime_error("Disk not found or is invalid")
        target = pool
        if source == "LOCAL":  # importKVMLocalDisk: the host's first local pool, whatever storageid said
            assert host is not None
            local = [s for s in sim.store.find("storagepool", hostid=host["id"]) if s.get("scope") == "HOST"]
            if not local:
                cleanup_vm(sim, vm)
                raise server_error(
                    f"Failed to import volumes while importing vm: {p.get('name')}. Local Storage not found for host"
                )
            target = local[0]
        register_volume(
            sim, vm, {"capacity": check.size}, target, "ROOT", f"ROOT-{vm['_seq']}", None, 0, p.get("diskpath")
        )
        nic = {"id": "0", "macaddress": mac, "adaptertype": "virtio"}
        ip = None if network["type"] == "L2" else ("auto" if sim.has("shared_ip_from_range") else early_ip)
        try:  # outside CloudStack's clean-up block: a failure leaves the VM and its ROOT volume behind
            if ip is None and network["type"] != "L2":
                nets.import_nic(sim, vm, nic, network, None, 0, forced=True)
            else:
                nets.import_nic(sim, vm, nic, network, ip, 0, forced=True)
        except ApiError as err:
            text = err.text
            if text.startswith(
                "Unable to acquire Guest IP"
            ):  # InsufficientCapacityException wrapped in RuntimeException
                text = f"com.cloud.exception.InsufficientVirtualNetworkCapacityException: {text}"
            raise runtime_error(text) from None
        vm.update(lasthostid=dest_host["id"])
        return "virtualmachine", vm_view(sim, sim.store.put("vm", vm))


__all__ = ["do_import"]
