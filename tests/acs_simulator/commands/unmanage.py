"""unmanageVirtualMachine (facts §1.4, §2.5, §2.6, §3.4): every failure is job error 530."""

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


@command(
    "unmanageVirtualMachine",
    is_async=True,
    since="4.15",
    java_class="org.apache.cloudstack.api.command.admin.vm.UnmanageVMInstanceCmd",
    params={
        "id": Param("uuid", "vm", required=True),
        "hostid": Param("uuid", "host", since="4.22"),
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


def _unmanage(sim: Simulator, p: Parsed) -> tuple[str, dict[str, Any]]:
    with sim.lock:
        vm = sim.store.get("vm", p.get("id"))
        if vm is None or vm.get("removed"):
            raise server_error("Could not find VM to unmanage, it is either removed or not existing VM")
        if vm["state"] not in ("Running", "Stopped"):
            raise server_error(f"VM with id = {vm['id']} must be running or stopped to be unmanaged")
        if p.get("hostid") and vm["state"] != "Stopped":
            raise server_error("Param hostid is only supported for KVM hypervisor for stopped Instances.")
        config_drive = (vm.get("details") or {}).get("configDriveLocation")
        if sim.has("unmanage_hostid_forced") and not p.get("forced") and config_drive:
            raise server_error("Config drive is attached to Instance, use forced param true from API to unmanage it.")
        volume_ids = {v["id"] for v in sim.store.find("volume", virtualmachineid=vm["id"]) if not v.get("removed")}
        if any(
            s.get("volumeid") in volume_ids and s.get("state") != "Destroyed" and not s.get("removed")
            for s in sim.store.all("snapshot")
        ):
            raise server_error(
                f"Cannot unmanage VM with id = {vm['id']} as there are volume snapshots for its "
                "volume(s). Please remove snapshots before unmanaging."
            )
        if vm.get("isoid"):
            raise server_error(
                f"Cannot unmanage VM with id = {vm['id']} as there is an ISO attached. Please detach "
                "ISO before unmanaging."
            )
        host = sim.store.get("host", vm.get("hostid") or vm.get("lasthostid"))
        dom = None
        if vm["state"] == "Running":
            if host is None:
                raise server_error(
                    f"Cannot find a host to verify if the VM [{vm['instancename']}] exists. Thus we "
                    "are unable to unmanage it."
                )
            try:
                dom = sim.agent.connect(host["uri"]).lookupByName(vm["instancename"])
            except libvirt.libvirtError:
                raise server_error(f"VM {vm['instancename']} is not found in the hypervisor") from None
        target = host
        if sim.has("unmanage_persists_domain"):
            if vm["state"] == "Stopped" and p.get("hostid"):
                target = p.entities["hostid"]
            if target is None:
                raise server_error(f"No available host to persist domain XML for Instance: {vm['instancename']}")
            _persist(sim, vm, target, dom, bool(config_drive))
        preserve = sim.config("unmanage.vm.preserve.nics", "false")
        zone_conf = sim.store.first("configuration", name="unmanage.vm.preserve.nics")
        if zone_conf:
            preserve = (zone_conf.get("zonevalues") or {}).get(vm["zoneid"], zone_conf["value"])
        for vol in sim.store.find("volume", virtualmachineid=vm["id"]):
            vol.update(removed=checks.now(), state="Destroy")
            sim.store.put("volume", vol)
        for nic in sim.store.find("nic", virtualmachineid=vm["id"]):
            if preserve.lower() == "true":
                continue  # kept allocated so the MACs are not handed out again
            nic["removed"] = checks.now()
            sim.store.put("nic", nic)
        for tag in sim.store.find("tag", resourceid=vm["id"]):
            sim.store.delete("tag", tag["id"])
        vm.update(state="Expunging", removed=checks.now())
        sim.store.put("vm", vm)
        result: dict[str, Any] = {"success": True, "details": "VM unmanaged successfully"}
        if sim.has("unmanage_hostid_forced") and target is not None:
            result["hostid"] = target["id"]
        return "unmanagevirtualmachineresponse", result


def _persist(sim: Simulator, vm: dict[str, Any], host: dict[str, Any], dom: Any, config_drive: bool) -> None:
    """persistDomainForKVM: running → live XML (config drive stripped); stopped → the stored spec."""
    name = vm["instancename"]
    try:
        conn = sim.agent.connect(host["uri"])
        if dom is not None:
            xml = dom.XMLDesc(libvirt.VIR_DOMAIN_XML_SECURE)
            if config_drive:
                xml = strip_config_drive(xml, name)
        else:
            xml = vm.get("domainxml")
            if not xml:
                raise server_error(f"Failed to persist domain XML for Instance: {name} on host ID: {host['id']}")
        conn.defineXML(xml)
    except libvirt.libvirtError:
        raise server_error(f"Failed to persist domain XML for Instance: {name} on host ID: {host['id']}") from None
