"""Test cases of the management-server rules (import and unmanage): (code, version, check call, fires).

Each case calls one pure check function of ``_rules`` with CloudStack-shaped data (list API rows)
and says whether the rule must be among its findings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._rules import (
    import_disks,
    import_network,
    import_offering,
    import_owner,
    import_pools,
    unmanage_rules,
)
from ansible_collections.acs.ingest.plugins.module_utils._rules.catalogue import IMPORT_EXTERNAL, IMPORT_UNMANAGED

V19_0, V19_1, V19_2, V20_0, V20_1, V20_2, V21, V22 = (
    (4, 19, 0),
    (4, 19, 1),
    (4, 19, 2),
    (4, 20, 0),
    (4, 20, 1),
    (4, 20, 2),
    (4, 21, 0),
    (4, 22, 0),
)
GIB = 1024**3


@dataclass(frozen=True)
class ServerCase:
    code: str
    version: tuple[int, int, int]
    check: Callable[..., list[Any]]
    kwargs: dict[str, Any] = field(default_factory=dict)
    fires: bool = True

    @property
    def id(self) -> str:
        return f"{self.code}-{'.'.join(map(str, self.version))}-{'fires' if self.fires else 'not'}"

    def run(self) -> list[Any]:
        return self.check(self.version, **self.kwargs)


FIXED = {"id": "so1", "name": "small", "cpunumber": 2, "cpuspeed": 1000, "memory": 2048}
CUSTOM = {"id": "so2", "name": "custom", "iscustomized": True}
RUNNING_VM = {"name": "web01", "cpunumber": 2, "memory": 2048, "cpuspeed": 1000, "powerstate": "PowerOn"}
OFF_VM = {**RUNNING_VM, "powerstate": "PowerOff"}
DISK = {
    "id": "0",
    "label": "vda",
    "capacity": 10 * GIB,
    "controller": "virtio",
    "datastoretype": "file",
    "datastorehost": "10.0.0.5",
    "datastorepath": "/export/primary",
    "datastorename": "/export/primary",
    "imagepath": "/mnt/5c1a/web01.qcow2",
}
NFS = {
    "id": "5c1a",
    "name": "nfs1",
    "type": "NetworkFilesystem",
    "ipaddress": "10.0.0.5",
    "path": "/export/primary",
    "zoneid": "z1",
    "clusterid": "c1",
    "scope": "CLUSTER",
    "state": "Up",
}
LOCAL = {**NFS, "id": "l1", "name": "local1", "type": "Filesystem", "ipaddress": "10.0.0.11",
         "path": "/var/lib/libvirt/images", "scope": "HOST"}  # fmt: skip
IMAGES = "/var/lib/libvirt/images"
LOCAL_DISK = {**DISK, "datastorehost": None, "datastorepath": IMAGES, "datastorename": IMAGES,
              "imagepath": f"{IMAGES}/web01.qcow2"}  # fmt: skip
ISOLATED = {
    "id": "n1",
    "name": "tier1",
    "type": "Isolated",
    "cidr": "10.1.1.0/24",
    "gateway": "10.1.1.1",
    "zoneid": "z1",
}
SHARED = {**ISOLATED, "id": "n2", "name": "shared1", "type": "Shared"}
L2 = {"id": "n3", "name": "l2", "type": "L2", "zoneid": "z1"}
RANGES = [("10.1.1.100", "10.1.1.199")]
VM = {"id": "vm1", "instancename": "i-2-17-VM", "state": "Running", "hypervisor": "KVM"}


def storage(version: Any, **kwargs: Any) -> list[Any]:
    return import_pools.storage_findings(version, kwargs.pop("disks", [DISK]), kwargs.pop("pools", [NFS]), **kwargs)


def offering(version: Any, **kwargs: Any) -> list[Any]:
    kwargs.setdefault("api", IMPORT_UNMANAGED)
    kwargs.setdefault("vm", RUNNING_VM)
    kwargs.setdefault("details", {})
    return import_offering.offering_findings(version, **kwargs)


def ip(version: Any, **kwargs: Any) -> list[Any]:
    kwargs.setdefault("nic_id", "0")
    return import_network.ip_findings(version, **kwargs)


def mac(version: Any, **kwargs: Any) -> list[Any]:
    kwargs.setdefault("api", IMPORT_UNMANAGED)
    kwargs.setdefault("nic", {"id": "0", "macaddress": "52:54:00:aa:bb:01"})
    kwargs.setdefault("network", ISOLATED)
    return import_network.mac_findings(version, **kwargs)


def unmanage(version: Any, **kwargs: Any) -> list[Any]:
    return unmanage_rules.unmanage_findings(version, kwargs.pop("vm", VM), **kwargs)


def template(version: Any, **kwargs: Any) -> list[Any]:
    kwargs.setdefault("api", IMPORT_UNMANAGED)
    return import_owner.template_findings(version, **kwargs)


def owner(version: Any, **kwargs: Any) -> list[Any]:
    return import_owner.owner_findings(version, **kwargs)


def local(version: Any, **kwargs: Any) -> list[Any]:
    base = {"source": "shared", "diskpath": "web01.qcow2", "networkid": "n1", "storageid": "5c1a"}
    return import_disks.local_shared_findings(version, **{**base, **kwargs})


TAGGED_DATA = {"disks": [DISK, {**DISK, "id": "1", "label": "vdb"}], "offering_tags": {"1": ["ssd"]}}

SERVER_CASES = [
    # --- owner, template, cluster, external -------------------------------------------------------
    ServerCase("account_without_domain", V22, owner, {"account": "ops"}),
    ServerCase("account_without_domain", V22, owner, {"account": "ops", "domainid": "d1"}, False),
    ServerCase("domain_without_account", V22, owner, {"domainid": "d1"}),
    ServerCase("account_overrides_project", V22, owner, {"account": "ops", "domainid": "d1", "projectid": "p1"}),
    ServerCase(
        "owner_account_inactive",
        V22,
        owner,
        {"account": "ops", "domainid": "d1", "account_row": {"id": "a1", "state": "disabled"}},
    ),
    ServerCase(
        "owner_account_not_found", V22, owner, {"account": "ops", "domainid": "d1", "account_row": {"id": None}}
    ),
    ServerCase(
        "owner_account_not_found",
        V19_0,
        owner,
        {"account": "ops", "domainid": "d1", "account_row": {"id": "a1", "state": "enabled"}},
        False,
    ),
    ServerCase(
        "owner_account_inactive",
        V22,
        owner,
        {"account": "ops", "domainid": "d1", "account_row": {"id": "a1", "state": "enabled"}},
        False,
    ),
    ServerCase("project_inactive", V22, owner, {"projectid": "p1", "project_row": {"name": "p", "state": "Suspended"}}),
    ServerCase("template_required_kvm", V22, template, {"templateid": ""}),
    ServerCase("template_required_kvm", V19_0, template, {"templateid": ""}),
    ServerCase("template_required_kvm", V22, template, {"templateid": "t1"}, False),
    ServerCase(
        "root_disk_smaller_than_template",
        V22,
        template,
        {"templateid": "t1", "template_size": 20 * GIB, "root_capacity": 10 * GIB},
    ),
    ServerCase(
        "root_disk_smaller_than_template",
        V22,
        template,
        {"templateid": "t1", "template_size": 10 * GIB, "root_capacity": 10 * GIB - 1},
        False,
    ),
    ServerCase("external_template_ignored", V21, template, {"api": IMPORT_EXTERNAL, "templateid": "t1"}),
    ServerCase("external_template_ignored", V20_2, template, {"api": IMPORT_EXTERNAL, "templateid": "t1"}, False),
    ServerCase(
        "cluster_not_enabled",
        V20_1,
        import_owner.cluster_findings,
        {"cluster": {"name": "c1", "allocationstate": "Disabled"}},
    ),
    ServerCase(
        "cluster_not_enabled",
        V20_0,
        import_owner.cluster_findings,
        {"cluster": {"name": "c1", "allocationstate": "Disabled"}},
        False,
    ),
    ServerCase("external_username_missing", V22, import_owner.external_findings, {"username": ""}),
    ServerCase("remote_username_required", V19_0, import_owner.external_findings, {"username": "", "listing": True}),
    ServerCase(
        "remote_username_required", V19_1, import_owner.external_findings, {"username": "", "listing": True}, False
    ),
    ServerCase(
        "external_no_kvm_host_in_zone", V22, import_owner.external_findings, {"username": "u", "kvm_hosts_up": 0}
    ),
    ServerCase(
        "uefi_not_preserved",
        V21,
        import_owner.uefi_findings,
        {"agent_version": V21, "api": IMPORT_UNMANAGED, "boot_mode": "SECURE", "details": {}},
    ),
    ServerCase(
        "uefi_not_preserved",
        V22,
        import_owner.uefi_findings,
        {"agent_version": V22, "api": IMPORT_UNMANAGED, "boot_mode": "SECURE", "details": {}},
        False,
    ),
    ServerCase(
        "uefi_not_preserved",
        V22,
        import_owner.uefi_findings,
        {"agent_version": V22, "api": IMPORT_EXTERNAL, "boot_mode": "LEGACY", "details": {}},
    ),
    # --- offering -----------------------------------------------------------------------------
    ServerCase("vm_cpu_or_memory_zero", V22, offering, {"offering": FIXED, "vm": {**RUNNING_VM, "cpunumber": 0}}),
    ServerCase("offering_cpu_mismatch_running", V22, offering, {"offering": {**FIXED, "cpunumber": 4}}),
    ServerCase(
        "offering_cpu_mismatch_running", V22, offering, {"offering": {**FIXED, "cpunumber": 4}, "vm": OFF_VM}, False
    ),
    ServerCase(
        "offering_memory_mismatch_running",
        V22,
        offering,
        {"offering": {**FIXED, "memory": 4096}, "vm": {**RUNNING_VM, "powerstate": "PowerUnknown"}},
    ),
    ServerCase(
        "offering_overrides_powered_off_vm", V22, offering, {"offering": {**FIXED, "memory": 4096}, "vm": OFF_VM}
    ),
    ServerCase(
        "custom_offering_cpu_out_of_range",
        V22,
        offering,
        {"offering": {**CUSTOM, "serviceofferingdetails": {"maxcpunumber": "1"}}},
    ),
    ServerCase("custom_offering_cpu_out_of_range", V22, offering, {"offering": CUSTOM, "global_max": {"cpu": 1}}),
    ServerCase(
        "custom_offering_cpu_out_of_range",
        V22,
        offering,
        {"offering": {**CUSTOM, "serviceofferingdetails": {"maxcpunumber": "2"}}},
        False,
    ),
    ServerCase(
        "custom_offering_memory_out_of_range",
        V22,
        offering,
        {"offering": {**CUSTOM, "serviceofferingdetails": {"minmemory": "4096"}}},
    ),
    ServerCase("custom_offering_partly_fixed", V22, offering, {"offering": {**CUSTOM, "cpunumber": 2}}),
    ServerCase(
        "custom_offering_cpuspeed_missing", V22, offering, {"offering": CUSTOM, "vm": {**RUNNING_VM, "cpuspeed": None}}
    ),
    ServerCase(
        "custom_offering_cpuspeed_missing",
        V22,
        offering,
        {"offering": CUSTOM, "vm": {**RUNNING_VM, "cpuspeed": None}, "details": {"cpuSpeed": "1500"}},
        False,
    ),
    ServerCase(
        "custom_offering_cpuspeed_missing",
        V22,
        offering,
        {"offering": CUSTOM, "vm": {**RUNNING_VM, "cpuspeed": 0}, "details": {"cpuSpeed": "2 GHz"}},
    ),
    ServerCase(  # getUnmanagedInstanceServiceOffering looks up the exact key "cpuSpeed" only
        "custom_offering_cpuspeed_missing",
        V22,
        offering,
        {"offering": CUSTOM, "vm": {**RUNNING_VM, "cpuspeed": 0}, "details": {"cpuspeed": "1500"}},
    ),
    ServerCase("details_numeric_malformed", V22, offering, {"offering": FIXED, "details": {"cpuspeed": " 2000"}}),
    ServerCase(
        "details_numeric_malformed",
        V22,
        offering,
        {"offering": CUSTOM, "details": {"cpuSpeed": "fast", "memory": "2G"}},
        False,
    ),
    ServerCase(
        "details_numeric_malformed", V22, offering, {"offering": FIXED, "details": {"cpuSpeed": "+2000"}}, False
    ),
    ServerCase(
        "external_custom_offering_details",
        V19_0,
        offering,
        {
            "api": IMPORT_EXTERNAL,
            "offering": CUSTOM,
            "details": {"cpuNumber": "2", "memory": "2048", "cpuSpeed": "1000"},
        },
    ),
    ServerCase(
        "external_custom_offering_details",
        V19_1,
        offering,
        {
            "api": IMPORT_EXTERNAL,
            "offering": CUSTOM,
            "details": {"cpuNumber": "2", "memory": "2048", "cpuSpeed": "1000"},
        },
        False,
    ),
    ServerCase(
        "external_custom_offering_details",
        V22,
        offering,
        {"api": IMPORT_EXTERNAL, "offering": CUSTOM, "details": {"cpuNumber": "2"}},
    ),
    ServerCase(
        "host_tags_incompatible",
        V19_2,
        import_offering.host_tag_findings,
        {"offering": {"hosttags": "gpu"}, "host": {"name": "kvm1", "hosttags": "ssd"}},
    ),
    ServerCase(
        "host_tags_incompatible",
        V19_2,
        import_offering.host_tag_findings,
        {"offering": {"hosttags": "gpu"}, "host": {"hosttags": "ssd"}, "migrate_allowed": True},
        False,
    ),
    ServerCase(
        "host_tags_incompatible",
        V20_0,
        import_offering.host_tag_findings,
        {"offering": {"hosttags": "gpu"}, "host": {"hosttags": "ssd"}},
        False,
    ),
    ServerCase(
        "host_tags_incompatible",
        V22,
        import_offering.host_tag_findings,
        {"offering": {"hosttags": "gpu"}, "host": {"hosttags": "ssd"}, "strict_tags": ["gpu"]},
    ),
    # --- disks and pools ----------------------------------------------------------------------
    ServerCase("disk_outside_storage_pools", V22, storage, {"disks": [LOCAL_DISK], "zoneid": "z1", "clusterid": "c1"}),
    ServerCase("disk_outside_storage_pools", V22, storage, {"zoneid": "z1", "clusterid": "c1"}, False),
    ServerCase("disk_outside_storage_pools", V22, storage, {"zoneid": "z1", "clusterid": "c1", **TAGGED_DATA}),
    ServerCase("disk_outside_storage_pools", V20_0, storage, {"zoneid": "z1", "clusterid": "c1", **TAGGED_DATA}, False),
    ServerCase("storage_tags_incompatible", V20_0, storage, {"zoneid": "z1", "clusterid": "c1", **TAGGED_DATA}),
    ServerCase(
        "storage_tags_incompatible",
        V20_0,
        storage,
        {"zoneid": "z1", "clusterid": "c1", "migrate_allowed": True, **TAGGED_DATA},
        False,
    ),
    ServerCase("storage_tags_incompatible", V20_1, storage, {"zoneid": "z1", "clusterid": "c1", **TAGGED_DATA}, False),
    ServerCase(
        "disk_pool_wrong_match",
        V22,
        storage,
        {"disks": [LOCAL_DISK], "pools": [LOCAL, {**LOCAL, "id": "l2"}], "zoneid": "z1", "clusterid": "c1"},
    ),
    ServerCase(
        "disk_not_in_pool_root",
        V22,
        storage,
        {"disks": [{**DISK, "datastorepath": "/export"}], "zoneid": "z1", "clusterid": "c1"},
    ),
    ServerCase("disk_not_in_pool_root", V22, storage, {"zoneid": "z1", "clusterid": "c1"}, False),
    ServerCase(
        "pool_type_unsupported_external",
        V22,
        import_pools.pool_type_findings,
        {"source": "external", "pools": [{**NFS, "type": "RBD"}]},
    ),
    ServerCase(
        "pool_type_unsupported_external",
        V22,
        import_pools.pool_type_findings,
        {"source": "external", "pools": [NFS, {**NFS, "type": "RBD"}]},
        False,
    ),
    ServerCase(
        "pool_type_unsupported_local_shared",
        V22,
        import_pools.pool_type_findings,
        {"source": "shared", "pools": [], "storage_pool": {**NFS, "type": "SharedMountPoint"}},
    ),
    ServerCase(
        "pool_offering_tags_incompatible_local_shared",
        V22,
        import_pools.pool_type_findings,
        {"source": "shared", "pools": [], "storage_pool": NFS, "service_offering_tags": ["ssd"]},
    ),
    ServerCase("no_disks", V22, import_disks.no_disks_findings, {"disks": []}),
    ServerCase("no_disks", V22, import_disks.no_disks_findings, {"disks": [DISK]}, False),
    ServerCase(
        "root_disk_controller_missing", V22, import_disks.root_disk_findings, {"disk": {**DISK, "controller": ""}}
    ),
    ServerCase("disk_size_invalid", V22, import_disks.root_disk_findings, {"disk": {**DISK, "capacity": 0}}),
    ServerCase(
        "disk_size_invalid",
        V22,
        import_disks.root_disk_findings,
        {"disk": {**DISK, "capacity": 0}, "offering_root_size": True},
        False,
    ),
    ServerCase(
        "datadisk_mapping_count_mismatch",
        V22,
        lambda v, **k: [import_disks.unmapped_disk_finding(v, DISK, 2, 0, "disk_offerings[1]")],
    ),
    ServerCase(
        "data_disk_offering_fixed_size_zero",
        V22,
        import_disks.data_disk_findings,
        {"disk": DISK, "offering": {"id": "d1", "disksize": 0}, "field": "f"},
    ),
    ServerCase(
        "data_disk_offering_too_small",
        V22,
        import_disks.data_disk_findings,
        {"disk": DISK, "offering": {"id": "d1", "disksize": 5}, "field": "f"},
    ),
    ServerCase(
        "data_disk_offering_too_small",
        V22,
        import_disks.data_disk_findings,
        {"disk": DISK, "offering": {"id": "d1", "disksize": 10}, "field": "f"},
        False,
    ),
    ServerCase(
        "data_disk_offering_too_small",
        V22,
        import_disks.data_disk_findings,
        {"disk": DISK, "offering": {"id": "d1", "iscustomized": True}, "field": "f"},
        False,
    ),
    ServerCase(
        "data_disk_controllers_mixed",
        V22,
        import_disks.data_controllers_findings,
        {"data_disks": [DISK, {**DISK, "controller": "scsi"}]},
    ),
    ServerCase(
        "nic_network_unmapped",
        V22,
        import_network.nic_network_findings,
        {"nic": {"id": "0", "vlanid": None}, "network": None},
    ),
    ServerCase(
        "network_other_zone",
        V22,
        import_network.nic_network_findings,
        {"nic": {"id": "0"}, "network": {**L2, "zoneid": "z2"}, "zoneid": "z1"},
    ),
    ServerCase(
        "network_other_zone",
        V22,
        import_network.nic_network_findings,
        {"nic": {"id": "0"}, "network": L2, "zoneid": "z1"},
        False,
    ),
    ServerCase(
        "nic_vlan_not_checked_kvm",
        V22,
        import_network.nic_network_findings,
        {"nic": {"id": "0", "vlanid": 100}, "network": L2, "network_vlan": 200},
    ),
    ServerCase("local_shared_required_params", V22, local, {"networkid": ""}),
    ServerCase("local_shared_required_params", V22, local, {"source": "local"}),
    ServerCase("local_shared_required_params", V22, local, {"source": "local", "hostid": "h1"}, False),
    ServerCase("disk_image_in_use", V22, local, {"volume_paths_on_pool": ["web01.qcow2"]}),
    ServerCase("local_shared_disk_path_invalid", V22, local, {"diskpath": "vms/web01.qcow2"}),
    ServerCase("qcow2_backing_file", V20_2, import_disks.volume_findings, {"info": {"backing-filename": "base.qcow2"}}),
    ServerCase(
        "qcow2_backing_file", V20_1, import_disks.volume_findings, {"info": {"backing-filename": "base.qcow2"}}, False
    ),
    ServerCase("volume_encrypted", V21, import_disks.volume_findings, {"info": {"encrypted": True}}),
    ServerCase("volume_encrypted", V19_2, import_disks.volume_findings, {"info": {"encrypted": True}}, False),
    ServerCase("volume_locked", V22, import_disks.volume_findings, {"info": {"locked": True}}),
    ServerCase("volume_locked", V20_0, import_disks.volume_findings, {"info": {"locked": True}}, False),
    # --- network ------------------------------------------------------------------------------
    ServerCase("hostname_invalid", V22, import_network.hostname_findings, {"hostname": "web_01"}),
    ServerCase("hostname_invalid", V22, import_network.hostname_findings, {"hostname": "01-web"}),
    ServerCase("hostname_invalid", V22, import_network.hostname_findings, {"hostname": "Web-01"}, False),
    # the Kelvin sign lower-cases to ASCII 'k': valid where verifyDomainNameLabel lower-cases first (<4.19.2, 4.20.0)
    ServerCase("hostname_invalid", V22, import_network.hostname_findings, {"hostname": "web\u212a"}),
    ServerCase("hostname_invalid", V20_1, import_network.hostname_findings, {"hostname": "web\u212a"}),
    ServerCase("hostname_invalid", V19_1, import_network.hostname_findings, {"hostname": "web\u212a"}, False),
    ServerCase("hostname_invalid", V20_0, import_network.hostname_findings, {"hostname": "web\u212a"}, False),
    ServerCase("hostname_invalid", V19_1, import_network.hostname_findings, {"hostname": "web_01"}),
    ServerCase(
        "hostname_in_use_on_network",
        V22,
        import_network.hostname_in_use_findings,
        {"hostname": "web01", "network": ISOLATED, "names_on_network": ["web01", "r-4-VM"]},
    ),
    ServerCase(
        "hostname_in_use_on_network",
        V22,
        import_network.hostname_in_use_findings,
        {"hostname": "web01", "network": ISOLATED, "names_on_network": ["Web01"]},
        False,
    ),
    ServerCase(
        "nic_adapters_mixed",
        V22,
        import_network.adapters_findings,
        {"nics": [{"adaptertype": "virtio"}, {"adaptertype": "e1000"}]},
    ),
    ServerCase("ip_required_non_l2", V22, ip, {"network": ISOLATED, "ip": None}),
    ServerCase("ip_required_non_l2", V22, ip, {"network": L2, "ip": None}, False),
    ServerCase("ip_outside_cidr", V22, ip, {"network": ISOLATED, "ip": "10.1.2.5"}),
    ServerCase("ip_outside_cidr", V22, ip, {"network": ISOLATED, "ip": "10.1.1.1"}),
    ServerCase("ip_outside_cidr", V22, ip, {"network": ISOLATED, "ip": "10.1.1.255"}),
    ServerCase("ip_outside_cidr", V22, ip, {"network": ISOLATED, "ip": "10.1.1.254"}, False),
    ServerCase("ip_in_use", V22, ip, {"network": ISOLATED, "ip": "10.1.1.20", "used": ["10.1.1.20"]}),
    ServerCase("ip_outside_range", V22, ip, {"network": SHARED, "ip": "10.1.1.20", "ranges": RANGES}),
    ServerCase("ip_outside_range", V20_2, ip, {"network": SHARED, "ip": "10.1.1.120", "ranges": RANGES}, False),
    ServerCase("ip_outside_range", V21, ip, {"network": SHARED, "ip": "10.1.1.20", "ranges": RANGES}, False),
    ServerCase("ip_range_not_enforced", V21, ip, {"network": SHARED, "ip": "10.1.1.20", "ranges": RANGES}),
    ServerCase("ip_range_not_enforced", V22, ip, {"network": SHARED, "ip": "auto", "ranges": RANGES}, False),
    ServerCase("mac_invalid", V19_1, mac, {"nic": {"id": "0", "macaddress": "52:54:00:aa:bb"}}),
    ServerCase("mac_invalid", V19_0, mac, {"nic": {"id": "0", "macaddress": "52:54:00:aa:bb"}}, False),
    ServerCase("mac_invalid", V22, mac, {"nic": {"id": "0", "macaddress": "52-54-00-AA-BB-01"}}, False),
    ServerCase("mac_in_use_not_forced", V22, mac, {"macs_in_use": ["52:54:00:AA:BB:01"]}),
    ServerCase("mac_in_use_not_forced", V22, mac, {"macs_in_use": ["52:54:00:AA:BB:01"], "forced": True}, False),
    ServerCase("mac_regenerated_forced", V22, mac, {"macs_in_use": ["52:54:00:aa:bb:01"], "api": IMPORT_EXTERNAL}),
    # --- unmanage -----------------------------------------------------------------------------
    ServerCase("unmanage_state_invalid", V22, unmanage, {"vm": {**VM, "state": "Migrating"}}),
    ServerCase("unmanage_hypervisor_unsupported", V22, unmanage, {"vm": {**VM, "hypervisor": "XenServer"}}),
    ServerCase("unmanage_volume_snapshots", V22, unmanage, {"volume_snapshots": [{"name": "s1", "state": "BackedUp"}]}),
    ServerCase(
        "unmanage_volume_snapshots", V22, unmanage, {"volume_snapshots": [{"name": "s1", "state": "Destroyed"}]}, False
    ),
    ServerCase("unmanage_iso_attached", V22, unmanage, {"vm": {**VM, "isoid": "iso1"}}),
    ServerCase(
        "unmanage_config_drive_not_forced", V22, unmanage, {"vm": {**VM, "details": {"configDriveLocation": "primary"}}}
    ),
    ServerCase(
        "unmanage_config_drive_not_forced",
        V22,
        unmanage,
        {"vm": {**VM, "details": {"configDriveLocation": "primary"}}, "forced": True},
        False,
    ),
    ServerCase(
        "unmanage_config_drive_not_forced",
        V21,
        unmanage,
        {"vm": {**VM, "details": {"configDriveLocation": "primary"}}},
        False,
    ),
    ServerCase("unmanage_hostid_not_applicable", V22, unmanage, {"hostid": "h1"}),
    ServerCase("unmanage_hostid_not_applicable", V21, unmanage, {"hostid": "h1"}, False),
    ServerCase("unmanage_stopped_vm_not_on_hypervisor", V21, unmanage, {"vm": {**VM, "state": "Stopped"}}),
    ServerCase("unmanage_stopped_vm_not_on_hypervisor", V22, unmanage, {"vm": {**VM, "state": "Stopped"}}, False),
    ServerCase("unmanage_sharedfs_vm", V20_0, unmanage, {"sharedfs": True}),
    ServerCase("unmanage_sharedfs_vm", V19_2, unmanage, {"sharedfs": True}, False),
    ServerCase("unmanage_params_ignored_pre422", V21, unmanage, {"forced": True}),
    ServerCase("unmanage_params_ignored_pre422", V22, unmanage, {"forced": True}, False),
    ServerCase("unmanage_domain_not_persisted", V21, unmanage, {}),
    ServerCase("unmanage_domain_not_persisted", V22, unmanage, {}, False),
    ServerCase("unmanage_vm_snapshots_dropped", V22, unmanage, {"vm_snapshots": 2}),
    ServerCase("unmanage_nics_preserved", V22, unmanage, {"preserve_nics": True}),
]
