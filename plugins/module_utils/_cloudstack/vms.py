# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""Find one VM, managed or unmanaged, by its hypervisor (instance) name with as few calls as possible.

listVirtualMachines has no ``instancename`` filter. Its ``keyword`` does match the instance
name for root admins (next to name and display name, as a substring), so one keyword call
plus an exact comparison finds the VM; the import APIs are root-admin only anyway.
listUnmanagedInstances takes ``name`` and the agent matches it exactly, skipping domains
CloudStack already manages.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._core.errors import CloudStackApiError, InputError


def find_managed_by_instance_name(client: Any, instance_name: str, zoneid: str | None = None) -> dict[str, Any] | None:
    """The managed VM whose ``instancename`` is exactly ``instance_name`` (None when there is none)."""
    vms = client.list_all("listVirtualMachines", keyword=instance_name, listall=True, zoneid=zoneid)
    matches = [vm for vm in vms if vm.get("instancename") == instance_name]
    if not matches:
        # Some API servers (and versions) match keyword on name and display name only; a VM
        # imported with another hostname and display name is then found by scanning the zone.
        # Only the "not found by keyword" path pays for this.
        vms = client.list_all("listVirtualMachines", listall=True, zoneid=zoneid)
        matches = [vm for vm in vms if vm.get("instancename") == instance_name]
    return matches[0] if matches else None


def find_unmanaged(client: Any, clusterid: str, name: str, field: str = "cluster") -> dict[str, Any] | None:
    """The unmanaged instance ``name`` in the cluster, or None (also when CloudStack manages it)."""
    try:
        found = client.list_all("listUnmanagedInstances", clusterid=clusterid, name=name)
    except CloudStackApiError as error:
        if error.errorcode == 431 and "clusterid" in str(error.errortext):
            raise InputError(
                field, f"CloudStack does not know cluster id {clusterid}", "use the id or name of an existing cluster"
            ) from None
        raise
    matches = [item for item in found if item.get("name") == name]
    return matches[0] if matches else None


def unmanaged_names(client: Any, clusterid: str) -> list[str]:
    """Every unmanaged instance name in the cluster, for 'did you mean' messages."""
    return sorted(str(item.get("name")) for item in client.list_all("listUnmanagedInstances", clusterid=clusterid))


def summarize_instance(instance: dict[str, Any] | None) -> dict[str, Any] | None:
    """The parts of an unmanaged instance an operator compares in a diff."""
    if not instance:
        return None
    return {
        "name": instance.get("name"),
        "powerstate": instance.get("powerstate"),
        "host": instance.get("hostname"),
        "hostid": instance.get("hostid"),
        "clusterid": instance.get("clusterid"),
        "cpunumber": instance.get("cpunumber"),
        "memory": instance.get("memory"),
        "nics": [
            {"id": nic.get("id"), "macaddress": nic.get("macaddress"), "vlanid": nic.get("vlanid")}
            for nic in instance.get("nic") or []
        ],
        "disks": [
            {"id": disk.get("id"), "label": disk.get("label"), "capacity": disk.get("capacity")}
            for disk in instance.get("disk") or []
        ],
    }


def summarize_vm(vm: dict[str, Any] | None) -> dict[str, Any] | None:
    """The parts of a managed VM an operator compares in a diff."""
    if not vm:
        return None
    return {
        "id": vm.get("id"),
        "name": vm.get("name"),
        "displayname": vm.get("displayname"),
        "instancename": vm.get("instancename"),
        "state": vm.get("state"),
        "zoneid": vm.get("zoneid"),
        "hostid": vm.get("hostid"),
        "host": vm.get("hostname"),
        "serviceoffering": vm.get("serviceofferingname") or vm.get("serviceofferingid"),
        "template": vm.get("templatename") or vm.get("templateid"),
        "account": vm.get("account"),
        "nics": [
            {
                "deviceid": nic.get("deviceid"),
                "networkid": nic.get("networkid"),
                "network": nic.get("networkname"),
                "macaddress": nic.get("macaddress"),
                "ipaddress": nic.get("ipaddress"),
            }
            for nic in vm.get("nic") or []
        ],
    }
