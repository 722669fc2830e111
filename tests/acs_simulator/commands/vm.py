"""Managed VMs: listing, start/stop on the real domain, tags, ISO attach (for unmanage preconditions)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import libvirt

from ..errors import invalid_value, runtime_error
from ..params import Param, Parsed
from ..registry import AsyncWork, command, public

if TYPE_CHECKING:
    from ..sim import Simulator

VM_HIDDEN = ("details", "removed", "domainxml", "uri")
TAGGABLE = {"uservm": "vm", "virtualmachine": "vm", "volume": "volume"}  # matched case-insensitively


def vm_view(sim: Simulator, vm: dict[str, Any]) -> dict[str, Any]:
    out = public(vm, *VM_HIDDEN)
    nics = sorted(sim.store.find("nic", virtualmachineid=vm["id"]), key=lambda n: n["deviceid"])
    out["nic"] = [_nic_view(sim, n) for n in nics if not n.get("removed")]
    out["tags"] = [public(t) for t in sim.store.find("tag", resourceid=vm["id"])]
    if (vm.get("details") or {}).get("configDriveLocation"):
        out["details"] = {"configDriveLocation": vm["details"]["configDriveLocation"]}
    return out


def _nic_view(sim: Simulator, nic: dict[str, Any]) -> dict[str, Any]:
    view = public(nic, "virtualmachineid", "removed")
    secondary = sim.store.find("nicsecondaryip", nicid=nic["id"])
    if secondary:  # NicResponse.secondaryip: NicSecondaryIpResponse id + ipaddress
        view["secondaryip"] = [{"id": s["id"], "ipaddress": s["ipaddress"]} for s in secondary]
    return view


def bridge_for(sim: Simulator, host: dict[str, Any], network: dict[str, Any]) -> str:
    """The bridge CloudStack's KVM agent plugs a NIC of ``network`` into: br<pif>-<vlan> for a VLAN network
    (the host's ``guest_bridge`` pattern, default ``breth1-{vlan}``), else the host's ``untagged_bridge``."""
    vlan = str(network.get("vlan") or "")
    if vlan.isdigit():
        return str(host.get("guest_bridge") or "breth1-{vlan}").format(vlan=vlan)
    return str(host.get("untagged_bridge") or "cloudbr1")


def _nics_not_in(sim: Simulator, vm: dict[str, Any], xml: str) -> list[str]:
    """<interface> elements for the VM's NICs (in CloudStack's database) that the domain XML lacks: a NIC added
    while the VM was stopped (addNicToVirtualMachine) appears when CloudStack starts it."""
    host = sim.store.get("host", vm.get("hostid") or vm.get("lasthostid")) or {}
    model = (vm.get("details") or {}).get("nicAdapter") or "virtio"
    out = []
    for nic in sim.store.find("nic", virtualmachineid=vm["id"]):
        if nic.get("removed") or nic["macaddress"].lower() in xml.lower():
            continue
        network = sim.store.get("network", nic["networkid"]) or {}
        out.append(
            f"<interface type='bridge'><mac address='{nic['macaddress']}'/>"
            f"<source bridge='{bridge_for(sim, host, network)}'/><model type='{model}'/></interface>"
        )
    return out


def _config_drive(sim: Simulator, vm: dict[str, Any]) -> bool:
    """A NIC on a network whose UserData service is provided by ConfigDrive (ConfigDriveNetworkElement)."""
    for nic in sim.store.find("nic", virtualmachineid=vm["id"]):
        network = sim.store.get("network", nic.get("networkid")) or {}
        for service in network.get("service") or []:
            if service.get("name") == "UserData" and {"name": "ConfigDrive"} in service.get("provider", []):
                return True
    return False


def _tag_filters(p: Parsed) -> list[tuple[str, str]]:
    return [(t.get("key", ""), t.get("value", "")) for t in p.get("tags") or []]


@command(
    "listVirtualMachines",
    list_key="virtualmachine",
    admin_only=False,
    params={
        "id": Param("uuid", "vm"),
        "ids": Param("list"),
        "name": Param(),
        "zoneid": Param("uuid", "zone"),
        "hostid": Param("uuid", "host"),
        "state": Param(),
        "tags": Param("map"),
        "storageid": Param("uuid", "storagepool"),
        "networkid": Param("uuid", "network"),
        "details": Param(),
    },
)
def list_virtual_machines(sim: Simulator, caller: dict[str, Any], p: Parsed) -> list[dict[str, Any]]:
    # listVirtualMachines has no clusterid parameter (ListVMsCmdByAdmin: hostid, podid, storageid):
    # a clusterid sent by a client is ignored, as CloudStack ignores unknown parameters.
    items = [v for v in sim.store.all("vm") if not v.get("removed")]
    for key in ("id", "zoneid", "hostid"):
        if p.get(key):
            items = [v for v in items if v.get(key) == p.get(key)]
    if p.get("ids"):
        items = [v for v in items if v["id"] in p.get("ids")]
    if p.get("state"):
        items = [v for v in items if v["state"].lower() == p.get("state").lower()]
    if p.get("name"):  # a substring match, like CloudStack's LIKE %name%
        items = [v for v in items if p.get("name").lower() in v["name"].lower()]
    kw = (p.get("keyword") or "").lower()
    if kw:
        items = [v for v in items if any(kw in str(v.get(k) or "").lower() for k in ("name", "displayname", "state"))]
    for key, value in _tag_filters(p):
        tagged = {t["resourceid"] for t in sim.store.find("tag", key=key, value=value)}
        items = [v for v in items if v["id"] in tagged]
    if p.get("storageid"):
        vols = {v["virtualmachineid"] for v in sim.store.find("volume", storageid=p.get("storageid"))}
        items = [v for v in items if v["id"] in vols]
    if p.get("networkid"):  # VMs with a NIC on the network (ListVMsCmd networkid)
        nics = sim.store.find("nic", networkid=p.get("networkid"))
        on = {n["virtualmachineid"] for n in nics if not n.get("removed")}
        items = [v for v in items if v["id"] in on]
    return [vm_view(sim, v) for v in items]


def _domain(sim: Simulator, vm: dict[str, Any]) -> tuple[libvirt.virConnect, libvirt.virDomain | None]:
    host = sim.store.get("host", vm.get("hostid") or vm.get("lasthostid"))
    if host is None:
        raise runtime_error(f"Unable to find a host for VM {vm['instancename']}")
    conn = sim.agent.connect(host["uri"])
    try:
        return conn, conn.lookupByName(vm["instancename"])
    except libvirt.libvirtError:
        return conn, None


def _running_vm(sim: Simulator, vm_id: str) -> dict[str, Any]:
    vm = sim.store.get("vm", vm_id)
    if vm is None or vm.get("removed"):
        raise invalid_value(f"unable to find a virtual machine with id {vm_id}")
    return vm


@command(
    "startVirtualMachine",
    is_async=True,
    admin_only=False,
    java_class="org.apache.cloudstack.api.command.admin.vm.StartVMCmdByAdmin",
    params={"id": Param("uuid", "vm", required=True), "hostid": Param("uuid", "host")},
)
def start_virtual_machine(sim: Simulator, caller: dict[str, Any], p: Parsed) -> AsyncWork:
    def body() -> tuple[str, dict[str, Any]]:
        with sim.lock:
            vm = _running_vm(sim, p.get("id"))
            if vm["state"] == "Running":
                return "virtualmachine", vm_view(sim, vm)  # CloudStack treats a start of a running VM as done
            conn, dom = _domain(sim, vm)
            try:
                if dom is not None:
                    if not dom.isActive():
                        for iface in _nics_not_in(sim, vm, dom.XMLDesc(0)):
                            dom.attachDeviceFlags(iface, libvirt.VIR_DOMAIN_AFFECT_CONFIG)
                        dom.create()
                elif vm.get("domainxml"):
                    xml = vm["domainxml"]
                    added = "".join(_nics_not_in(sim, vm, xml))
                    # CloudStack starts its VMs as transient domains, with every NIC its database has
                    conn.createXML(xml.replace("</devices>", f"{added}</devices>", 1) if added else xml, 0)
                else:
                    raise runtime_error(f"Unable to start VM {vm['instancename']}: no domain definition")
            except libvirt.libvirtError as exc:
                raise runtime_error(f"Unable to start VM {vm['instancename']} due to {exc}") from None
            vm.update(state="Running", hostid=vm.get("hostid") or vm.get("lasthostid"))
            if _config_drive(sim, vm):
                # ConfigDriveNetworkElement.addPasswordAndUserdata builds the ISO when CloudStack starts the VM and
                # updateConfigDriveLocationInVMDetails records where (NetworkElement.Location: SECONDARY unless
                # vm.configdrive.primarypool.enabled / the host cache is used).
                vm.setdefault("details", {})["configDriveLocation"] = "SECONDARY"
            return "virtualmachine", vm_view(sim, sim.store.put("vm", vm))

    return AsyncWork(body, "VirtualMachine", p.get("id"))


@command(
    "stopVirtualMachine",
    is_async=True,
    admin_only=False,
    java_class="org.apache.cloudstack.api.command.admin.vm.StopVMCmdByAdmin",
    params={"id": Param("uuid", "vm", required=True), "forced": Param("boolean")},
)
def stop_virtual_machine(sim: Simulator, caller: dict[str, Any], p: Parsed) -> AsyncWork:
    def body() -> tuple[str, dict[str, Any]]:
        with sim.lock:
            vm = _running_vm(sim, p.get("id"))
            if vm["state"] == "Stopped":
                return "virtualmachine", vm_view(sim, vm)
            _conn, dom = _domain(sim, vm)
            if dom is not None and dom.isActive():
                vm["domainxml"] = dom.XMLDesc(libvirt.VIR_DOMAIN_XML_SECURE)  # the "VM spec" used to start it again
                try:
                    if not p.get("forced"):
                        dom.shutdown()
                        deadline = time.monotonic() + 2.0  # test guests have no ACPI handler worth waiting for
                        while dom.isActive() and time.monotonic() < deadline:
                            time.sleep(0.1)
                    if dom.isActive():
                        dom.destroy()
                except libvirt.libvirtError as exc:
                    raise runtime_error(f"Unable to stop VM {vm['instancename']} due to {exc}") from None
            vm.update(state="Stopped", lasthostid=vm.get("hostid") or vm.get("lasthostid"), hostid=None)
            return "virtualmachine", vm_view(sim, sim.store.put("vm", vm))

    return AsyncWork(body, "VirtualMachine", p.get("id"))


def _resource(sim: Simulator, rtype: str, rid: str) -> dict[str, Any]:
    kind = TAGGABLE.get(rtype.lower())
    if kind is None:
        raise invalid_value(f"Invalid resource type {rtype}")
    obj = sim.store.get(kind, rid)
    if obj is None or obj.get("removed"):
        raise invalid_value(f"Unable to find resource by id {rid} and type {rtype}")
    return obj


@command(
    "createTags",
    is_async=True,
    admin_only=False,
    java_class="org.apache.cloudstack.api.command.user.tag.CreateTagsCmd",
    params={
        "resourceids": Param("list", required=True),
        "resourcetype": Param(required=True),
        "tags": Param("map", required=True),
    },
)
def create_tags(sim: Simulator, caller: dict[str, Any], p: Parsed) -> AsyncWork:
    rtype = p.get("resourcetype")
    objs = [_resource(sim, rtype, rid) for rid in p.get("resourceids")]  # resolved before queueing

    def body() -> tuple[str, dict[str, Any]]:
        with sim.lock:
            for obj in objs:
                for tag in p.get("tags"):
                    key = tag.get("key", "")
                    if sim.store.first("tag", resourceid=obj["id"], key=key):
                        raise invalid_value(f"tag {key} already on UserVm with id {obj['id']}")
                    sim.store.put(
                        "tag",
                        {
                            "key": key,
                            "value": tag.get("value", ""),
                            "resourceid": obj["id"],
                            "resourcetype": "UserVm" if TAGGABLE[rtype.lower()] == "vm" else "Volume",
                            "account": caller["account"],
                            "domainid": caller["domainid"],
                        },
                    )
            return "", {"success": True}

    return AsyncWork(body)


@command(
    "deleteTags",
    is_async=True,
    admin_only=False,
    java_class="org.apache.cloudstack.api.command.user.tag.DeleteTagsCmd",
    params={"resourceids": Param("list", required=True), "resourcetype": Param(required=True), "tags": Param("map")},
)
def delete_tags(sim: Simulator, caller: dict[str, Any], p: Parsed) -> AsyncWork:
    objs = [_resource(sim, p.get("resourcetype"), rid) for rid in p.get("resourceids")]

    def body() -> tuple[str, dict[str, Any]]:
        with sim.lock:
            wanted = {(t.get("key"), t.get("value")) for t in p.get("tags") or []}
            for obj in objs:
                for tag in sim.store.find("tag", resourceid=obj["id"]):
                    if not wanted or (tag["key"], tag["value"]) in wanted or (tag["key"], None) in wanted:
                        sim.store.delete("tag", tag["id"])
            return "", {"success": True}

    return AsyncWork(body)


@command(
    "attachIso",
    is_async=True,
    admin_only=False,
    java_class="org.apache.cloudstack.api.command.user.iso.AttachIsoCmd",
    params={"id": Param("uuid", "template", required=True), "virtualmachineid": Param("uuid", "vm", required=True)},
)
def attach_iso(sim: Simulator, caller: dict[str, Any], p: Parsed) -> AsyncWork:
    # Only the database side: enough for the unmanage precondition "there is an ISO attached".
    def body() -> tuple[str, dict[str, Any]]:
        with sim.lock:
            vm = _running_vm(sim, p.get("virtualmachineid"))
            vm["isoid"] = p.get("id")
            return "virtualmachine", vm_view(sim, sim.store.put("vm", vm))

    return AsyncWork(body, "VirtualMachine", p.get("virtualmachineid"))


@command(
    "detachIso",
    is_async=True,
    admin_only=False,
    java_class="org.apache.cloudstack.api.command.user.iso.DetachIsoCmd",
    params={"virtualmachineid": Param("uuid", "vm", required=True)},
)
def detach_iso(sim: Simulator, caller: dict[str, Any], p: Parsed) -> AsyncWork:
    def body() -> tuple[str, dict[str, Any]]:
        with sim.lock:
            vm = _running_vm(sim, p.get("virtualmachineid"))
            vm.pop("isoid", None)
            return "virtualmachine", vm_view(sim, sim.store.put("vm", vm))

    return AsyncWork(body, "VirtualMachine", p.get("virtualmachineid"))
