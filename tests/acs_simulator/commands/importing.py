"""listUnmanagedInstances and importUnmanagedInstance.

Source: ``server/src/main/java/org/apache/cloudstack/vm/UnmanagedVMsManagerImpl.java`` ``listUnmanagedInstances``,
``baseImportInstance``, ``importUnmanagedInstanceFromHypervisor``, ``importVirtualMachineInternal`` (4.19.0–4.22.0);
the rules themselves live in ``checks``, ``offerings``, ``pools``, ``nets`` and ``limits``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import ApiError, invalid_value, server_error
from ..params import Param, Parsed
from ..registry import AsyncWork, command, public
from . import checks, limits, nets, offerings, pools
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
_MAINTENANCE = ("Maintenance", "ErrorInMaintenance", "PrepareForMaintenance", "ErrorInPrepareForMaintenance")


def up_hosts(sim: Simulator, cluster_id: str) -> list[dict[str, Any]]:
    """ResourceManager.listHostsInClusterByStatus(cluster, Up)."""
    return [h for h in sim.store.find("host", clusterid=cluster_id) if h.get("state") == "Up"]


def asked_hosts(hosts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """getUnmanagedInstancesForHost answers nothing for a host in a maintenance state."""
    return [h for h in hosts if h.get("resourcestate") not in _MAINTENANCE]


def managed_names(sim: Simulator, hosts: list[dict[str, Any]] | None = None) -> set[str]:
    """getHostsManagedVms → VMInstanceDaoImpl.listByHostOrLastHostOrHostPod: instance names the agent must hide.

    Every non-removed VM whose host or last host is one of the cluster's Up hosts, or which has no host and
    sits in the pod of the first of them. Without ``hosts`` (callers outside a cluster): every live VM.
    """
    vms = [v for v in sim.store.all("vm") if not v.get("removed")]
    if hosts is None:
        return {v["instancename"] for v in vms}
    if not hosts:
        return set()
    ids = {h["id"] for h in hosts}
    pod = hosts[0].get("podid")
    return {
        v["instancename"]
        for v in vms
        if v.get("hostid") in ids or v.get("lasthostid") in ids or (v.get("hostid") is None and v.get("podid") == pod)
    }


def cluster_checks(sim: Simulator, p: Parsed) -> dict[str, Any]:
    """basicAccessChecks: KVM and VMware clusters only (431)."""
    cluster = p.entities["clusterid"]
    if cluster["hypervisortype"] not in ("KVM", "VMware"):
        raise invalid_value(f"VM import is currently not supported for hypervisor [{cluster['hypervisortype']}].")
    return cluster


def _view(sim: Simulator, inst: dict[str, Any], cluster: dict[str, Any], host: dict[str, Any]) -> dict[str, Any]:
    """ApiResponseHelper.createUnmanagedInstanceResponse: nulls omitted, "_" keys are agent-only."""
    out = {"name": inst["name"], "clusterid": cluster["id"], "clustername": cluster["name"]}
    out.update(hostid=host["id"], hostname=host["name"])
    out.update(public(inst, "disk", "nic"))
    out["disk"] = [public(d) for d in inst["disk"]]
    out["nic"] = [public(n) for n in inst["nic"]]
    if not sim.has("unmanaged_boot_keys"):  # the response class has no boot fields before 4.19.3/4.20.1
        out.pop("bootmode", None)
        out.pop("boottype", None)
    return out


@command(
    "listUnmanagedInstances",
    list_key="unmanagedinstance",
    paginate=False,
    params={"clusterid": Param("uuid", "cluster", required=True), "name": Param()},
)
def list_unmanaged_instances(sim: Simulator, caller: dict[str, Any], p: Parsed) -> list[dict[str, Any]]:
    cluster = cluster_checks(sim, p)
    hosts = up_hosts(sim, cluster["id"])
    managed = managed_names(sim, hosts)
    keyword = (p.get("keyword") or "").lower()
    out = []
    for host in asked_hosts(hosts):
        for inst in sim.agent.unmanaged_instances(host, managed, p.get("name")):
            if keyword and keyword not in inst["name"].lower():
                continue
            out.append(_view(sim, inst, cluster, host))
    return out


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
            "podid": host.get("podid") if host else None,
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
            "format": "QCOW2",  # VolumeOrchestrator.importVolume records the cluster's format, whatever the file is
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
    hostname: str
    plan: dict[str, Any]


def find_instance(sim: Simulator, cluster: dict[str, Any], name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(host, unmanaged instance) of the domain ``name`` in the cluster, or the job's 530."""
    hosts = up_hosts(sim, cluster["id"])
    managed = managed_names(sim, hosts)
    for host in asked_hosts(hosts):
        match = [i for i in sim.agent.unmanaged_instances(host, managed, name) if i["name"] == name]
        if match:
            return host, match[0]
    raise server_error(f"Failed to find unmanaged vm with name: {name} in cluster: {cluster['id']}")


def check_import(sim: Simulator, owner: dict[str, Any], p: Parsed, check_macs: bool = False) -> Checked:
    """baseImportInstance → importUnmanagedInstanceFromHypervisor → importVirtualMachineInternal up to the VM
    record (``check_macs``: the NICs' MAC conflicts too, which the atomic mode leaves to importNic)."""
    checks.basic(p)
    cluster = cluster_checks(sim, p)
    if sim.has("cluster_enabled_check") and cluster.get("allocationstate") != "Enabled":
        raise invalid_value(f"Cluster [{checks.cluster_str(cluster)}] is not enabled.")
    zone = sim.store.get("zone", cluster["zoneid"])
    assert zone is not None
    template = checks.template_for(sim, p, kvm_dummy=sim.has("importvm_templateid"))
    offering = checks.service_offering_for(sim, owner, p, zone["id"])
    _limit(sim, owner, "user_vm", 1, "VM resource allocation error for account")
    display = p.get("displayname") or p.get("name")
    hostname = checks.hostname_for(sim, p, display, external=False)
    explicit, ips = checks.nic_network_map(sim, p), checks.nic_ip_map(p)
    data_map = checks.disk_offering_map(sim, p)
    details = checks.first_details(p)
    host, inst = find_instance(sim, cluster, p.get("name"))
    checks.check_kvm_template(template)
    plan = _plan(
        sim, owner, p, inst, zone, cluster, host, template, offering, details, hostname, explicit, ips, data_map
    )
    if check_macs:
        nets.check_macs(sim, display, inst["nic"], plan["nets"], bool(p.get("forced")))
    return Checked(owner, p, inst, zone, host, template, hostname, plan)


def register(sim: Simulator, c: Checked, check_macs: bool = True) -> tuple[str, dict[str, Any]]:
    return _register(sim, c.owner, c.p, c.inst, c.zone, c.host, c.template, c.hostname, c.plan, check_macs)


def _limit(sim: Simulator, owner: dict[str, Any], kind: str, amount: int, prefix: str) -> None:
    try:
        limits.check(sim, owner, kind, amount)
    except limits.LimitExceeded as exc:
        raise server_error(f"{prefix}: {owner['id']}. {exc.text}") from None


def _plan(
    sim: Simulator,
    owner: dict[str, Any],
    p: Parsed,
    inst: dict[str, Any],
    zone: dict[str, Any],
    cluster: dict[str, Any],
    host: dict[str, Any],
    template: dict[str, Any],
    offering: dict[str, Any],
    details: dict[str, str],
    hostname: str,
    explicit: dict[str, dict[str, Any]],
    ips: dict[str, str],
    data_map: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """importVirtualMachineInternal up to the VM record: offering, host tags, disks, pools, NICs, details."""
    display = p.get("displayname") or p.get("name")
    try:
        sizing = offerings.offering_for_vm(sim, inst, offering, details)
        if not sim.has("granular_limits"):  # 4.19: CPU and memory limits checked with the offering
            limits.check(sim, owner, "cpu", sizing["cpunumber"])
            limits.check(sim, owner, "memory", sizing["memory"])
    except ApiError as err:
        raise server_error(
            f"Failed to import Unmanaged VM [{checks.instance_str(inst, host, sim)}] because the service offering "
            f"[{checks.offering_str(offering) if sim.has('object_strings') else offering['id']}] is not compatible "
            f"due to [{err.text}]."
        ) from None
    all_details = dict(details)
    if offerings.is_dynamic(offering):
        all_details.update(cpuNumber=str(sizing["cpunumber"]), memory=str(sizing["memory"]))
        if offering.get("cpuspeed") is None:
            all_details["cpuSpeed"] = str(sizing["cpuspeed"])
    migrate = bool(p.get("migrateallowed"))
    if not migrate and not _host_fits(sim, host, offering, template):
        raise invalid_value(_host_tag_text(sim, offering, template, host, display))
    if not inst["disk"]:
        raise server_error(f"No attached disks found for the unmanaged VM: {display}")
    root, data = pools.root_and_data_disks(inst, data_map)
    if not root.get("controller"):
        raise server_error(f"VM import failed. Unable to retrieve root disk details for VM: {display} ")
    if not root.get("capacity") or root["capacity"] <= 0:
        root["capacity"] = int(offering.get("rootdisksize") or 0) * GIB  # the root disk offering's size
    all_details["rootDiskController"] = root["controller"]
    all_details["rootdisksize"] = str(math.ceil(root["capacity"] / GIB))
    disk_pools = {root["id"]: pools.check_disk(sim, owner, root, None, offering, zone, cluster, migrate)}
    if data:
        disk_pools.update(pools.check_data_disks(sim, owner, data, data_map, zone, cluster, migrate))
        all_details["dataDiskController"] = data[0]["controller"]
    if sim.has("granular_limits"):  # checkUnmanagedDiskLimits (4.20+)
        _limit(sim, owner, "volume", 1 + len(data), "Volume resource allocation error for owner")
        total = root["capacity"] + sum(d["capacity"] for d in data)
        _limit(sim, owner, "primary_storage", total, "Volume resource allocation error for owner")
    nets_map = nets.map_nics(sim, owner, inst["nic"], explicit, ips, zone["id"], hostname)
    if inst["nic"]:
        all_details["nicAdapter"] = inst["nic"][0]["adaptertype"]
    if inst.get("_vncpassword"):
        all_details["kvm.vnc.password"] = inst["_vncpassword"]
    if sim.has("uefi_detail") and inst.get("boottype") == "UEFI" and inst.get("bootmode"):
        all_details["UEFI"] = inst["bootmode"]  # addImportingVMBootTypeAndModeDetails
    # UserVmManagerImpl.importVM → commitUserVm: template lookup for the root disk size, then the details
    if template.get("removed"):
        raise invalid_value(f"Unable to look up template by id {template['_seq']}")
    offerings.check_root_disk_size(sim, template, int(all_details["rootdisksize"]))
    all_details = offerings.committed_details(all_details)
    return {"sizing": sizing, "details": all_details, "root": root, "data": data, "pools": disk_pools,
            "data_map": data_map, "nets": nets_map, "ips": ips, "migrate": migrate}  # fmt: skip


def _host_fits(sim: Simulator, host: dict[str, Any], offering: dict[str, Any], template: dict[str, Any]) -> bool:
    """HostVO.checkHostServiceOfferingTags (4.19) / checkHostServiceOfferingAndTemplateTags (4.20+, strict tags)."""
    host_tags = {t for t in (host.get("hosttags") or "").split(",") if t}
    wanted = {t for t in (offering.get("hosttags") or "").split(",") if t}
    if not sim.has("strict_host_tags"):
        return wanted <= host_tags  # tag rules on hosts (istagarule) are not evaluated
    if template.get("templatetag"):
        wanted.add(template["templatetag"])
    strict = {t for t in sim.config("vm.strict.host.tags", "").split(",") if t}
    if sim.config("vm.strict.resource.limit.host.tag.check", "true").lower() == "true":
        strict |= {t for t in sim.config("resource.limit.host.tags", "").split(",") if t}
    return (wanted & strict) <= host_tags


def _host_tag_text(
    sim: Simulator, offering: dict[str, Any], template: dict[str, Any], host: dict[str, Any], name: str
) -> str:
    if not sim.has("strict_host_tags"):
        return f"Service offering: {offering['id']} is not compatible with host: {host['id']} of unmanaged VM: {name}"
    return (
        f"Service offering: {offering['id']} or template: {template['id']} is not compatible with host: "
        f"{host['id']} of unmanaged VM: {name}"
    )


def _register(
    sim: Simulator,
    owner: dict[str, Any],
    p: Parsed,
    inst: dict[str, Any],
    zone: dict[str, Any],
    host: dict[str, Any],
    template: dict[str, Any],
    hostname: str,
    plan: dict[str, Any],
    check_macs: bool = True,
) -> tuple[str, dict[str, Any]]:
    """The VM record, then importDisk per disk, then importNic per NIC; a failure removes the VM again."""
    display = p.get("displayname") or p.get("name")
    state = "Running" if inst["powerstate"] == "PowerOn" else "Stopped"
    vm = register_vm(sim, owner, p, inst, zone, host, template, plan["sizing"], hostname, state, inst["name"],
                     plan["details"])  # fmt: skip
    root, data, data_map = plan["root"], plan["data"], plan["data_map"]
    try:
        offerings.check_iops(checks.first_details(p))
        register_volume(sim, vm, root, plan["pools"][root["id"]], "ROOT", f"ROOT-{vm['_seq']}", None, 0,
                        root.get("_filebasename") or root.get("imagepath"))  # fmt: skip
        for n, disk in enumerate(data, start=1):
            register_volume(sim, vm, disk, plan["pools"][disk["id"]], "DATADISK", f"DATA-{vm['_seq']}-{disk['id']}",
                            data_map[disk["id"]], n, disk.get("_filebasename") or disk.get("imagepath"))  # fmt: skip
    except ApiError as err:
        cleanup_vm(sim, vm)
        raise server_error(f"Failed to import volumes while importing vm: {display}. {err.text}") from None
    try:
        for index, nic in enumerate(inst["nic"]):
            network, ip = plan["nets"][nic["id"]], plan["ips"].get(nic["id"])
            nets.import_nic(sim, vm, nic, network, ip, index, bool(p.get("forced")), check_taken=check_macs)
    except ApiError as err:
        cleanup_vm(sim, vm)
        raise server_error(f"Failed to import NICs while importing vm: {display}. {err.text}") from None
    if plan["migrate"] and not _host_fits(sim, host, p.entities["serviceofferingid"], template):
        _migrate(sim, vm, host, p.entities["serviceofferingid"], template)
    return "virtualmachine", vm_view(sim, vm)


def _migrate(
    sim: Simulator, vm: dict[str, Any], source: dict[str, Any], offering: dict[str, Any], template: dict[str, Any]
) -> None:
    """migrateImportedVM for a host-tag misfit: another Up host of the cluster that fits the tags.

    A stopped VM is re-pointed to it; a running one would be live-migrated, which the simulator does not do.
    """
    others = [
        h
        for h in up_hosts(sim, source["clusterid"])
        if h["id"] != source["id"] and _host_fits(sim, h, offering, template)
    ]
    if not others:
        cleanup_vm(sim, vm)
        raise server_error(
            f"VM import failed for unmanaged vm: {vm['instancename']} during vm migration, "
            "no deployment destination found"
        )
    if vm["state"] == "Stopped":
        vm.update(hostid=None, hostname=None, lasthostid=others[0]["id"])
        sim.store.put("vm", vm)
        return
    cleanup_vm(sim, vm)
    raise server_error(
        f"VM import failed for Unmanaged VM [{checks.vm_str(vm, sim)}] during VM migration due to "
        "[the simulator does not live-migrate domains]."
    )
