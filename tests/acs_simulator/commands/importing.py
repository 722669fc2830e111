"""listUnmanagedInstances and importUnmanagedInstance (facts §1.2, §1.3, §2.1, §2.2)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import ApiError, invalid_value, server_error
from ..params import Param, Parsed
from ..registry import AsyncWork, command
from . import checks
from .vm import vm_view

if TYPE_CHECKING:
    from ..sim import Simulator

GIB = 1024**3

IMPORT_PARAMS = {
    "clusterid": Param("uuid", "cluster", required=True),
    "name": Param(required=True),
    "displayname": Param(),
    "hostname": Param(),
    "account": Param(),
    "domainid": Param("uuid", "domain"),
    "projectid": Param("uuid", "project"),
    "templateid": Param("uuid", "template"),
    "serviceofferingid": Param("uuid", "serviceoffering", required=True),
    "nicnetworklist": Param("map"),
    "nicipaddresslist": Param("map"),
    "datadiskofferinglist": Param("map"),
    "details": Param("map"),
    "migrateallowed": Param("boolean"),
    "forced": Param("boolean"),
}


def managed_names(sim: Simulator) -> set[str]:
    return {v["instancename"] for v in sim.store.all("vm") if not v.get("removed")}


def up_hosts(sim: Simulator, cluster_id: str) -> list[dict[str, Any]]:
    return [
        h
        for h in sim.store.find("host", clusterid=cluster_id)
        if h.get("state") == "Up" and "Maintenance" not in (h.get("resourcestate") or "")
    ]


def cluster_checks(sim: Simulator, p: Parsed) -> dict[str, Any]:
    cluster = p.entities["clusterid"]
    if cluster["hypervisortype"] not in ("KVM", "VMware"):
        raise invalid_value(f"VM import is currently not supported for hypervisor [{cluster['hypervisortype']}].")
    return cluster


def _view(sim: Simulator, inst: dict[str, Any], cluster: dict[str, Any], host: dict[str, Any]) -> dict[str, Any]:
    out = {"name": inst["name"], "clusterid": cluster["id"]}
    if sim.has("unmanaged_clustername"):
        out["clustername"] = cluster["name"]
    out.update(hostid=host["id"], hostname=host["name"])
    out.update({k: v for k, v in inst.items() if not k.startswith("_") and k != "name"})
    out["disk"] = [{k: v for k, v in d.items() if not k.startswith("_") and v is not None} for d in inst["disk"]]
    if sim.has("unmanaged_boot"):
        out.update(bootmode=inst["_bootmode"], boottype=inst["_boottype"])
    return out


@command(
    "listUnmanagedInstances",
    list_key="unmanagedinstance",
    paginate=False,
    params={"clusterid": Param("uuid", "cluster", required=True), "name": Param()},
)
def list_unmanaged_instances(sim: Simulator, caller: dict[str, Any], p: Parsed) -> list[dict[str, Any]]:
    cluster = cluster_checks(sim, p)
    managed = managed_names(sim)
    keyword = (p.get("keyword") or "").lower()
    out = []
    for host in up_hosts(sim, cluster["id"]):
        for inst in sim.agent.unmanaged_instances(host, managed, p.get("name")):
            if keyword and keyword not in inst["name"].lower():
                continue
            out.append(_view(sim, inst, cluster, host))
    return out


def check_offering(
    sim: Simulator, inst: dict[str, Any], offering: dict[str, Any], details: dict[str, str]
) -> dict[str, Any]:
    """getUnmanagedInstanceServiceOffering; returns the effective cpu/speed/memory."""
    cpu, mem, power = inst.get("cpunumber"), inst.get("memory"), inst["powerstate"]
    speed = inst.get("cpuspeed") or 0
    if not cpu:
        raise server_error(f"CPU cores [{cpu}] is not valid for importing VM [{inst['name']}].")
    if not mem:
        raise server_error(f"Memory [{mem}] is not valid for importing VM [{inst['name']}].")
    if offering["iscustomized"]:
        if details.get("cpuSpeed", "").isdigit():
            speed = int(details["cpuSpeed"])
        lo_cpu, hi_cpu = offering.get("mincpunumber"), offering.get("maxcpunumber")
        lo_mem, hi_mem = offering.get("minmemory"), offering.get("maxmemory")
        if lo_cpu is not None and hi_cpu is not None and not lo_cpu <= cpu <= hi_cpu:
            raise invalid_value(f"Invalid cpu cores value, specify a value between {lo_cpu} and {hi_cpu}")
        if lo_mem is not None and hi_mem is not None and not lo_mem <= mem <= hi_mem:
            raise invalid_value(f"Invalid memory value, specify a value between {lo_mem} and {hi_mem}")
        return {"cpunumber": cpu, "memory": mem, "cpuspeed": offering.get("cpuspeed") or speed}
    if cpu != offering["cpunumber"] and power != "PowerOff":
        raise server_error(
            f"Service offering ({offering['id']}) {offering['cpunumber']} CPU cores do not match VM "
            f"CPU cores {cpu} and VM is not in powered off state (Power state: {power})"
        )
    if mem != offering["memory"] and power != "PowerOff":
        raise server_error(
            f"Service offering ({offering['id']}) {offering['memory']}MB memory does not match VM "
            f"memory {mem}MB and VM is not in powered off state (Power state: {power})"
        )
    return {"cpunumber": offering["cpunumber"], "memory": offering["memory"], "cpuspeed": offering["cpuspeed"]}


def split_disks(inst: dict[str, Any], data_map: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    disks = inst["disk"]
    if len(data_map) != len(disks) - 1:
        raise server_error(
            f"VM has total {len(disks)} disks for which {len(data_map)} disk offering mappings "
            f"provided. {len(disks) - 1} disks need a disk offering for import"
        )
    unmapped = [d for d in disks if d["id"] not in data_map]
    if len(unmapped) != 1:
        raise server_error(
            f"VM has total {len(disks)} disks, disk offering mapping not provided for "
            f"{len(unmapped) - 1} disks. Disk IDs that may need a disk offering - "
            f"{', '.join(d['id'] for d in unmapped)}"
        )
    return unmapped[0], [d for d in disks if d["id"] in data_map]


def find_pool(sim: Simulator, disk: dict[str, Any], zone_id: str, cluster_id: str) -> dict[str, Any]:
    pools = [
        s for s in sim.store.all("storagepool") if s["zoneid"] == zone_id and s.get("clusterid") in (None, cluster_id)
    ]
    for pool in pools:
        if pool.get("ipaddress") == disk.get("datastorehost") and pool["path"] == disk.get("datastorepath"):
            return pool
    needle = disk.get("datastorepath") or disk.get("datastorename")
    for pool in pools:
        if needle and needle in pool["path"]:
            return pool
    raise server_error(
        f"Storage pool for disk {disk.get('label')}({disk['id']}) with datastore: "
        f"{disk.get('datastorename', 'null')} not found in zone ID: {zone_id}"
    )


def check_disk(
    sim: Simulator, disk: dict[str, Any], offering: dict[str, Any] | None, zone_id: str, cluster_id: str
) -> dict[str, Any]:
    if not disk.get("capacity"):
        raise server_error(f"Size of disk(ID: {disk['id']}) is found invalid during VM import")
    if offering is not None and not offering["iscustomized"]:
        size = offering["disksize"] * GIB
        if size == 0:
            raise server_error(f"Size of fixed disk offering(ID: {offering['id']}) is found invalid during VM import")
        if size < disk["capacity"]:
            raise server_error(
                f"Size of disk offering(ID: {offering['id']}) {offering['disksize']}GB is found less "
                f"than the size of disk(ID: {disk['id']}) {disk['capacity'] // GIB}GB during VM import"
            )
    return find_pool(sim, disk, zone_id, cluster_id)


def register_vm(
    sim: Simulator,
    owner: dict[str, Any],
    p: Parsed,
    inst: dict[str, Any],
    zone: dict[str, Any],
    host: dict[str, Any] | None,
    template: dict[str, Any],
    sizing: dict[str, Any],
    hostname: str,
    state: str,
    instancename: str,
    details: dict[str, Any],
) -> dict[str, Any]:
    offering = p.entities["serviceofferingid"]
    ostype = sim.store.get("ostype", template.get("ostypeid") or "")
    return sim.store.put(
        "vm",
        {
            "name": hostname,
            "displayname": p.get("displayname") or p.get("name"),
            "instancename": instancename,
            "state": state,
            "account": owner["name"],
            "domainid": owner["domainid"],
            "domain": owner["domain"],
            "zoneid": zone["id"],
            "zonename": zone["name"],
            "hostid": host["id"] if host and state == "Running" else None,
            "hostname": host["name"] if host and state == "Running" else None,
            "lasthostid": host["id"] if host else None,
            "hypervisor": "KVM",
            "serviceofferingid": offering["id"],
            "serviceofferingname": offering["name"],
            "templateid": template["id"],
            "templatename": template["name"],
            "guestosid": template.get("ostypeid"),
            "ostypeid": template.get("ostypeid"),
            "osdisplayname": ostype["description"] if ostype else None,
            "created": checks.now(),
            "cpunumber": sizing["cpunumber"],
            "cpuspeed": sizing["cpuspeed"],
            "memory": sizing["memory"],
            "details": details,
            "domainxml": inst.get("_xml"),
        },
    )


def register_volume(
    sim: Simulator,
    vm: dict[str, Any],
    disk: dict[str, Any],
    pool: dict[str, Any],
    vtype: str,
    name: str,
    offering: dict[str, Any] | None,
    deviceid: int,
    path: str,
) -> None:
    sim.store.put(
        "volume",
        {
            "name": name,
            "type": vtype,
            "virtualmachineid": vm["id"],
            "vmname": vm["name"],
            "zoneid": vm["zoneid"],
            "storageid": pool["id"],
            "storage": pool["name"],
            "path": path,
            "size": disk["capacity"],
            "deviceid": deviceid,
            "state": "Ready",
            "diskofferingid": offering["id"] if offering else None,
            "created": checks.now(),
        },
    )


def cleanup_vm(sim: Simulator, vm: dict[str, Any]) -> None:
    """cleanupFailedImportVM: nothing of a failed import stays behind."""
    for kind in ("volume", "nic"):
        for row in sim.store.find(kind, virtualmachineid=vm["id"]):
            sim.store.delete(kind, row["id"])
    sim.store.delete("vm", vm["id"])


@command(
    "importUnmanagedInstance",
    is_async=True,
    params=IMPORT_PARAMS,
    java_class="org.apache.cloudstack.api.command.admin.vm.ImportUnmanagedInstanceCmd",
)
def import_unmanaged_instance(sim: Simulator, caller: dict[str, Any], p: Parsed) -> AsyncWork:
    owner = checks.owner_for(sim, caller, p)
    if not sim.knobs.get("racy_imports"):
        return AsyncWork(lambda: do_import(sim, owner, p), "VirtualMachine", None)
    # Racy mode (knob): every check runs when the job starts and nothing is looked at again before
    # the VM is registered job_duration later, so a second job for the same domain that starts
    # meanwhile passes the same checks and imports the domain a second time.
    checked: list[Checked] = []

    def check_at_start() -> None:
        with sim.lock:
            checked.append(check_import(sim, owner, p, check_macs=True))

    def register_later() -> tuple[str, dict[str, Any]]:
        with sim.lock, sim.store.transaction():
            return register(sim, checked[0], check_macs=False)

    return AsyncWork(register_later, "VirtualMachine", None, start=check_at_start)


def do_import(sim: Simulator, owner: dict[str, Any], p: Parsed) -> tuple[str, dict[str, Any]]:
    """Checks and registration as one step: no other import of the domain can slip in between."""
    with sim.lock:
        found = check_import(sim, owner, p)
        # One transaction for the VM, its volumes and NICs: a request thread never lists the VM as
        # managed while its NICs are missing (or while a failing import is being cleaned up), and
        # a crash in between leaves nothing behind: the VM is then simply importable again.
        with sim.store.transaction():
            return register(sim, found)


@dataclass
class Checked:
    """Everything an import decided before it registers the VM."""

    owner: dict[str, Any]
    p: Parsed
    inst: dict[str, Any]
    zone: dict[str, Any]
    host: dict[str, Any]
    template: dict[str, Any]
    sizing: dict[str, Any]
    hostname: str
    state: str
    vm_details: dict[str, Any]
    parts: tuple[Any, ...]


def find_instance(sim: Simulator, cluster: dict[str, Any], name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(host, unmanaged instance) of the domain ``name`` in the cluster, or the job's 530."""
    for host in up_hosts(sim, cluster["id"]):
        insts = sim.agent.unmanaged_instances(host, managed_names(sim), name)
        if insts:
            return host, insts[0]
    raise server_error(f"Failed to find unmanaged vm with name: {name} in cluster: {cluster['id']}")


def check_import(sim: Simulator, owner: dict[str, Any], p: Parsed, check_macs: bool = False) -> Checked:
    """Every check of importUnmanagedInstance before it writes anything (``check_macs``: the NICs'
    MAC conflicts too, which the atomic mode leaves to the NIC registration)."""
    checks.basic(p)
    cluster = cluster_checks(sim, p)
    if cluster.get("allocationstate") != "Enabled":
        raise invalid_value(f"Cluster [{cluster['name']}] is not enabled.")
    zone = sim.store.get("zone", cluster["zoneid"])
    assert zone is not None
    template = checks.template_for(sim, p)
    display = p.get("displayname") or p.get("name")
    hostname = checks.hostname_for(p, display, external=False)
    explicit, ips = checks.nic_network_map(sim, p), checks.nic_ip_map(p)
    data_map = checks.disk_offering_map(sim, p)
    details = (p.get("details") or [{}])[0]
    host, inst = find_instance(sim, cluster, p.get("name"))
    checks.check_kvm_template(template)
    offering = p.entities["serviceofferingid"]
    try:
        sizing = check_offering(sim, inst, offering, details)
    except ApiError as err:
        raise server_error(
            f"Failed to import Unmanaged VM [{inst['name']}] because the service offering "
            f"[{offering['id']}] is not compatible due to [{err.text}]."
        ) from None
    host_tags = set((host.get("hosttags") or "").split(",")) - {""}
    wanted = set((offering.get("hosttags") or "").split(",")) - {""}
    if not p.get("migrateallowed") and not wanted <= host_tags:
        raise invalid_value(
            f"Service offering: {offering['id']} or template: {template['id']} is not compatible "
            f"with host: {host['id']} of unmanaged VM: {p.get('name')}"
        )
    if not inst["disk"]:
        raise server_error(f"No attached disks found for the unmanaged VM: {p.get('name')}")
    root, data = split_disks(inst, data_map)
    if not root.get("controller"):
        raise server_error(f"VM import failed. Unable to retrieve root disk details for VM: {p.get('name')} ")
    pools = {root["id"]: check_disk(sim, root, None, zone["id"], cluster["id"])}
    controller = None
    for disk in data:
        if controller and controller != disk.get("controller"):
            raise server_error(
                f"Multiple data disk controllers of different type ({controller}, "
                f"{disk.get('controller')}) are not supported for import. Please make sure that "
                "all data disk controllers are of the same type"
            )
        controller = disk.get("controller")
        pools[disk["id"]] = check_disk(sim, disk, data_map[disk["id"]], zone["id"], cluster["id"])
    nets = checks.map_nics(sim, inst["nic"], explicit, ips, zone["id"], hostname)
    if check_macs:
        checks.check_macs(sim, p.get("name"), inst["nic"], nets, bool(p.get("forced")))
    vm_details: dict[str, Any] = {
        "rootDiskController": root["controller"],
        "rootdisksize": str(math.ceil(root["capacity"] / GIB)),
    }
    if data:
        vm_details["dataDiskController"] = data[0]["controller"]
    if inst["nic"]:
        vm_details["nicAdapter"] = inst["nic"][0]["adaptertype"]
    if inst.get("_vncpassword"):
        vm_details["kvm.vnc.password"] = inst["_vncpassword"]
    if inst["_boottype"] == "UEFI":
        vm_details["UEFI"] = inst["_bootmode"]
    state = "Running" if inst["powerstate"] == "PowerOn" else "Stopped"
    parts = (root, data, pools, data_map, nets, ips)
    return Checked(owner, p, inst, zone, host, template, sizing, hostname, state, vm_details, parts)


def register(sim: Simulator, c: Checked, check_macs: bool = True) -> tuple[str, dict[str, Any]]:
    return _register(sim, c.owner, c.p, c.inst, c.zone, c.host, c.template, c.sizing, c.hostname, c.state,
                     c.vm_details, c.parts, check_macs)  # fmt: skip


def _register(
    sim: Simulator,
    owner: dict[str, Any],
    p: Parsed,
    inst: dict[str, Any],
    zone: dict[str, Any],
    host: dict[str, Any],
    template: dict[str, Any],
    sizing: dict[str, Any],
    hostname: str,
    state: str,
    vm_details: dict[str, Any],
    parts: tuple[Any, ...],
    check_macs: bool = True,
) -> tuple[str, dict[str, Any]]:
    root, data, pools, data_map, nets, ips = parts
    vm = register_vm(sim, owner, p, inst, zone, host, template, sizing, hostname, state, inst["name"], vm_details)
    try:
        register_volume(
            sim,
            vm,
            root,
            pools[root["id"]],
            "ROOT",
            f"ROOT-{vm['_seq']}",
            None,
            0,
            root.get("_filebasename") or root.get("imagepath"),
        )
        for n, disk in enumerate(data, start=1):
            register_volume(
                sim,
                vm,
                disk,
                pools[disk["id"]],
                "DATADISK",
                f"DATA-{vm['_seq']}-{disk['id']}",
                data_map[disk["id"]],
                n,
                disk.get("_filebasename") or disk.get("imagepath"),
            )
    except ApiError as err:
        cleanup_vm(sim, vm)
        raise server_error(f"Failed to import volumes while importing vm: {p.get('name')}. {err.text}") from None
    try:
        checks.register_nics(sim, vm, inst["nic"], nets, ips, bool(p.get("forced")), check_taken=check_macs)
    except ApiError as err:
        cleanup_vm(sim, vm)
        raise server_error(f"Failed to import NICs while importing vm: {p.get('name')}. {err.text}") from None
    return "virtualmachine", vm_view(sim, vm)
