"""Test cases of the KVM agent rules: (code, version, listing, domain XML, whether the rule fires).

Every case changes one thing in a baseline domain that every agent version lists, so a case that
expects a rule to fire also proves nothing else does (``test_rules_agent`` checks the drop codes
exactly), and a "neighbour" case (fires=False) pins the edge of the rule. ``rules_cases_index``
checks that every rule of the catalogue has cases here, at each version where it differs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

U, R = "unmanaged", "remote"
V19_0, V19_1, V19_2, V19_3, V20_0, V20_1, V20_2, V21, V22 = (
    (4, 19, 0),
    (4, 19, 1),
    (4, 19, 2),
    (4, 19, 3),
    (4, 20, 0),
    (4, 20, 1),
    (4, 20, 2),
    (4, 21, 0),
    (4, 22, 0),
)

DISK = (
    "<disk type='file' device='disk'><driver name='qemu' type='qcow2' cache='none'/>"
    "<source file='/var/lib/libvirt/images/web01.qcow2'/><target dev='vda' bus='virtio'/></disk>"
)
NIC = (
    "<interface type='bridge'><mac address='52:54:00:aa:bb:01'/><source bridge='br0'/><model type='virtio'/>"
    "<address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/></interface>"
)
HEAD = (
    "<name>web01</name><memory unit='KiB'>2097152</memory><vcpu placement='static'>2</vcpu>"
    "<cputune><shares>2000</shares></cputune><os><type arch='x86_64' machine='q35'>hvm</type></os>"
    "<cpu mode='host-passthrough'><topology sockets='1' cores='2' threads='1'/></cpu>"
)
RBD = (
    "<disk type='network' device='disk'><driver name='qemu' type='raw' cache='none'/>"
    "<source protocol='rbd' name='pool/img'><host name='mon1' port='6789'/></source>"
    "<target dev='vdb' bus='virtio'/></disk>"
)


def domain(devices: str = DISK + NIC, head: str = HEAD, tail: str = "") -> str:
    return f"<domain type='kvm'>{head}<devices>{devices}</devices>{tail}</domain>"


def with_disk(old: str, new: str, extra: str = "") -> str:
    return domain(DISK.replace(old, new) + extra + NIC)


def with_nic(old: str, new: str) -> str:
    return domain(DISK + NIC.replace(old, new))


def with_device(device: str) -> str:
    return domain(DISK + NIC + device)


@dataclass(frozen=True)
class AgentCase:
    code: str
    version: tuple[int, int, int]
    xml: str
    fires: bool = True
    listing: str = U
    runtime: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.code}-{'.'.join(map(str, self.version))}-{self.listing}-{'fires' if self.fires else 'not'}"


@dataclass(frozen=True)
class FieldCase:
    """A field rule: the listed value at ``path`` (e.g. ``cpuspeed`` or ``nic.0.vlanid``)."""

    code: str
    version: tuple[int, int, int]
    xml: str
    path: str
    expected: Any
    listing: str = U
    runtime: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.code}-{'.'.join(map(str, self.version))}-{self.listing}-{self.path}={self.expected}"


BASELINE = domain()
NO_CPUTUNE = HEAD.replace("<cputune><shares>2000</shares></cputune>", "")
UEFI_OS = (
    "<os><type arch='x86_64' machine='q35'>hvm</type>"
    "<loader readonly='yes' secure='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE.secboot.fd</loader></os>"
)
EFI_FIRMWARE_OS = "<os firmware='efi'><type arch='x86_64' machine='q35'>hvm</type></os>"
SHADOW = "<metadata><app xmlns='urn:a'><os><loader type='pflash'/></os></app></metadata>"
PREFIXED = "<metadata><app:app xmlns:app='urn:a'><app:os><app:loader type='pflash'/></app:os></app:app></metadata>"
BLOCK_CDROM = "<disk type='block' device='cdrom'><source dev='/dev/sr0'/><target dev='sda' bus='sata'/></disk>"
VOLUME_DISK = (
    "<disk type='volume' device='disk'><source pool='default' volume='a.qcow2'/><target dev='vdb' bus='virtio'/></disk>"
)
EMPTY_BLOCK_CDROM = (
    "<disk type='block' device='cdrom'><driver name='qemu' type='raw'/><target dev='sdb' bus='sata'/></disk>"
)

AGENT_CASES = [
    # --- domain state and host ------------------------------------------------------------------
    AgentCase("domain_not_running", V22, BASELINE, runtime={"state": 5}),
    AgentCase("domain_not_running", V22, BASELINE, False, runtime={"state": 3, "running_vcpus": 2}),
    AgentCase("remote_domain_not_shut_off", V22, BASELINE, listing=R, runtime={"state": 1}),
    AgentCase("remote_domain_not_shut_off", V22, BASELINE, False, listing=R, runtime={"state": 4}),
    # --- document -----------------------------------------------------------------------------
    AgentCase("devices_missing", V22, "<domain><name>x</name></domain>"),
    AgentCase("devices_missing", V22, "<domain><name>x</name><devices/></domain>", False),
    AgentCase("description_empty_element", V19_0, domain(head="<description/>" + HEAD)),
    AgentCase("description_empty_element", V19_1, domain(head="<description/>" + HEAD), False),
    AgentCase("description_empty_element", V19_0, domain(head="<description>web</description>" + HEAD), False),
    AgentCase("name_empty_element", V19_0, domain(head=HEAD.replace("<name>web01</name>", "<name/>"))),
    AgentCase("name_empty_element", V19_1, domain(head=HEAD.replace("<name>web01</name>", "<name/>")), False),
    # --- disks --------------------------------------------------------------------------------
    AgentCase("disk_target_missing", V22, with_disk("<target dev='vda' bus='virtio'/>", "")),
    AgentCase("disk_bus_blank", V22, with_disk(" bus='virtio'", "")),
    AgentCase("disk_bus_unknown", V22, with_disk("bus='virtio'", "bus='sd'")),
    AgentCase("disk_bus_unknown", V22, with_disk("bus='virtio'", "bus='SATA'"), False),
    AgentCase("disk_bus_unknown", V20_0, domain(DISK + BLOCK_CDROM.replace("sata", "sd") + NIC)),
    AgentCase("disk_bus_unknown", V20_1, domain(DISK + BLOCK_CDROM.replace("sata", "sd") + NIC), False),
    AgentCase("disk_format_blank", V22, with_disk(" type='qcow2'", "")),
    AgentCase("disk_format_blank", V22, with_disk("<driver name='qemu' type='qcow2' cache='none'/>", ""), False),
    AgentCase("disk_format_unknown", V22, with_disk("type='qcow2'", "type='vmdk'")),
    AgentCase(
        "disk_format_unknown",
        V22,
        domain(
            DISK + "<disk type='block' device='disk'><driver name='qemu' type='vmdk'/><source dev='/dev/vg/x'/>"
            "<target dev='vdb' bus='virtio'/></disk>" + NIC
        ),
        False,
    ),
    AgentCase("disk_cache_unknown", V22, with_disk("cache='none'", "cache='directsync'")),
    AgentCase("disk_cache_unknown", V22, with_disk("cache='none'", "cache='default'")),
    AgentCase(
        "disk_cache_unknown",
        V22,
        with_device("<disk type='file' device='cdrom'><driver name='qemu' type='raw' cache='unsafe'/></disk>"),
    ),
    AgentCase("disk_cache_unknown", V22, with_disk("cache='none'", "cache='WriteBack'"), False),
    AgentCase("network_disk_cache_blank", V22, domain(DISK + RBD.replace(" cache='none'", "") + NIC)),
    AgentCase("network_disk_cache_blank", V22, domain(DISK + RBD + NIC), False),
    AgentCase(
        "network_disk_source_missing",
        V22,
        domain(DISK + RBD.replace(RBD[RBD.index("<source") : RBD.index("<target")], "") + NIC),
    ),
    AgentCase("network_disk_protocol_unknown", V22, domain(DISK + RBD.replace("rbd", "iscsi") + NIC)),
    AgentCase("network_disk_protocol_unknown", V22, domain(DISK + RBD.replace("rbd", "Gluster") + NIC), False),
    AgentCase("network_disk_host_port_invalid", V22, domain(DISK + RBD.replace("6789", "6789x") + NIC)),
    AgentCase("network_disk_host_port_invalid", V22, domain(DISK + RBD.replace(" port='6789'", "") + NIC), False),
    AgentCase(
        "disk_iotune_value_invalid",
        V22,
        with_disk("</disk>", "<iotune><read_iops_sec>18446744073709551615</read_iops_sec></iotune></disk>"),
    ),
    AgentCase(
        "disk_iotune_value_invalid",
        V22,
        with_disk("</disk>", "<iotune><total_iops_sec>18446744073709551615</total_iops_sec></iotune></disk>"),
        False,
    ),
    AgentCase("disk_iotune_value_empty", V19_0, with_disk("</disk>", "<iotune><read_bytes_sec/></iotune></disk>")),
    AgentCase(
        "disk_iotune_value_empty", V19_1, with_disk("</disk>", "<iotune><read_bytes_sec/></iotune></disk>"), False
    ),
    AgentCase(
        "disk_encryption_format_unknown",
        V22,
        with_disk("web01.qcow2'/>", "web01.qcow2'><encryption format='qcow'/></source>"),
    ),
    AgentCase(
        "disk_encryption_format_unknown",
        V22,
        with_disk("web01.qcow2'/>", "web01.qcow2'><encryption format='luks'/></source>"),
        False,
    ),
    AgentCase("disk_source_missing", V22, with_disk("<source file='/var/lib/libvirt/images/web01.qcow2'/>", "")),
    AgentCase("disk_source_missing", V20_0, domain(DISK + EMPTY_BLOCK_CDROM + NIC)),
    AgentCase("disk_source_missing", V21, domain(DISK + EMPTY_BLOCK_CDROM + NIC), False),
    AgentCase("disk_capacity_unreadable", V22, with_disk("dev='vda'", "dev=''")),
    AgentCase("disk_capacity_unreadable", V22, domain(DISK + RBD + NIC), listing=R, runtime={"state": 5}),
    AgentCase("disk_capacity_unreadable", V22, BASELINE, runtime={"state": 1, "running_vcpus": 2, "block_info": {}}),
    AgentCase(
        "disk_capacity_unreadable",
        V22,
        BASELINE,
        False,
        runtime={"state": 1, "running_vcpus": 2, "block_info": {"vda": 1 << 30}},
    ),
    # --- NICs ---------------------------------------------------------------------------------
    AgentCase("nic_model_not_parsed", V22, with_nic("type='bridge'", "type='direct'")),
    AgentCase("nic_model_not_parsed", V22, with_nic("type='bridge'", "type='vhostuser'")),
    AgentCase("nic_model_not_parsed", V22, with_nic("type='bridge'", "type='network'"), False),
    AgentCase("nic_model_missing", V22, with_nic("<model type='virtio'/>", "")),
    AgentCase("nic_model_blank", V22, with_nic("<model type='virtio'/>", "<model/>")),
    AgentCase("nic_model_unknown", V22, with_nic("virtio", "e1000e")),
    AgentCase("nic_model_unknown", V22, with_nic("virtio", "ne2k_pci")),
    AgentCase("nic_model_unknown", V22, with_nic("virtio", "E1000"), False),
    AgentCase("nic_pci_slot_missing", V22, with_nic(NIC[NIC.index("<address") : NIC.index("</interface>")], "")),
    AgentCase(
        "nic_pci_slot_missing",
        V22,
        with_nic("type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'", "type='ccw' cssid='0xfe'"),
    ),
    AgentCase("nic_pci_slot_invalid", V22, with_nic("slot='0x00'", "slot='0X03'")),
    AgentCase("nic_pci_slot_invalid", V22, with_nic("slot='0x00'", "slot='3'"), False),
    AgentCase(
        "nic_bandwidth_incomplete",
        V22,
        with_nic("</interface>", "<bandwidth><inbound average='1000'/></bandwidth></interface>"),
    ),
    AgentCase(
        "nic_bandwidth_incomplete",
        V22,
        with_nic(
            "</interface>", "<bandwidth><inbound average='1000'/><outbound average='500'/></bandwidth></interface>"
        ),
        False,
    ),
    AgentCase(
        "nic_driver_queues_invalid", V22, with_nic("</interface>", "<driver name='vhost' queues='auto'/></interface>")
    ),
    AgentCase(
        "nic_driver_queues_invalid",
        V22,
        with_nic("</interface>", "<driver name='vhost' queues='4'/></interface>"),
        False,
    ),
    # --- channels, graphics, rng, watchdog ------------------------------------------------------
    AgentCase(
        "channel_type_unsupported", V22, with_device("<channel type='pty'><target type='virtio' name='x'/></channel>")
    ),
    AgentCase(
        "channel_type_unsupported",
        V22,
        with_device("<channel type='spicevmc'><target type='virtio' name='com.redhat.spice.0'/></channel>"),
        False,
    ),
    AgentCase(
        "graphics_channel_untyped",
        V22,
        with_device("<graphics type='spice' autoport='yes'><channel name='main' mode='secure'/></graphics>"),
    ),
    AgentCase(
        "graphics_channel_untyped",
        V22,
        with_device("<graphics type='spice' autoport='yes'><image compression='off'/></graphics>"),
        False,
    ),
    AgentCase(
        "channel_state_unknown",
        V22,
        with_device(
            "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0' state='unknown'/></channel>"
        ),
    ),
    AgentCase(
        "channel_state_unknown",
        V22,
        with_device(
            "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0' state='connected'/></channel>"
        ),
        False,
    ),
    AgentCase(
        "vnc_password_too_long", V22, with_device("<graphics type='vnc' port='-1' passwd='ThisPasswordIsTooLong123'/>")
    ),
    AgentCase(
        "vnc_password_too_long",
        V22,
        with_device("<graphics type='vnc' port='-1' passwd='ThisPasswordIsTooLong123'/>"),
        False,
        listing=R,
    ),
    AgentCase(
        "vnc_password_too_long",
        V22,
        with_device("<graphics type='vnc' port='-1' passwd='ExactlyTwentyTwoChars!'/>"),
        False,
    ),
    AgentCase(
        "rng_backend_model_unsupported", V22, with_device("<rng model='virtio'><backend model='builtin'/></rng>")
    ),
    AgentCase(
        "rng_rate_incomplete",
        V22,
        with_device("<rng model='virtio'><rate bytes='1024'/><backend model='random'>/dev/urandom</backend></rng>"),
    ),
    AgentCase(
        "rng_rate_incomplete",
        V22,
        with_device(
            "<rng model='virtio'><rate bytes='1024' period='1000'/><backend model='random'>/dev/urandom</backend></rng>"
        ),
        False,
    ),
    AgentCase("rng_backend_empty", V19_0, with_device("<rng model='virtio'><backend model='random'/></rng>")),
    AgentCase("rng_backend_empty", V19_1, with_device("<rng model='virtio'><backend model='random'/></rng>"), False),
    AgentCase("watchdog_model_unsupported", V19_0, with_device("<watchdog model='itco' action='reset'/>")),
    AgentCase("watchdog_model_unsupported", V19_1, with_device("<watchdog model='itco' action='reset'/>"), False),
    AgentCase("watchdog_model_unsupported", V20_0, with_device("<watchdog model='none'/>")),
    AgentCase("watchdog_model_unsupported", V20_1, with_device("<watchdog model='none'/>"), False),
    AgentCase("watchdog_model_unsupported", V22, with_device("<watchdog model='virtio'/>")),
    AgentCase("watchdog_action_unsupported", V22, with_device("<watchdog model='i6300esb' action='inject-nmi'/>")),
    AgentCase("watchdog_action_unsupported", V22, with_device("<watchdog model='i6300esb'/>"), False),
    # --- CPU ----------------------------------------------------------------------------------
    AgentCase("cputune_missing", V19_1, domain(head=NO_CPUTUNE)),
    AgentCase("cputune_missing", V20_0, domain(head=NO_CPUTUNE)),
    AgentCase("cputune_missing", V19_2, domain(head=NO_CPUTUNE), False),
    AgentCase("cputune_missing", V20_1, domain(head=NO_CPUTUNE), False),
    AgentCase("cputune_missing", V20_0, domain(head=NO_CPUTUNE), False, listing=R),
    AgentCase(
        "cputune_value_invalid", V22, domain(head=HEAD.replace("</cputune>", "<quota>4294967296</quota></cputune>"))
    ),
    AgentCase(
        "cputune_value_invalid", V22, domain(head=HEAD.replace("</cputune>", "<quota>-1</quota></cputune>")), False
    ),
    AgentCase("cputune_value_empty", V19_0, domain(head=HEAD.replace("2000", ""))),
    AgentCase("cputune_value_empty", V19_1, domain(head=HEAD.replace("2000", "")), False),
    AgentCase("cpu_topology_value_invalid", V22, domain(head=HEAD.replace("cores='2'", "cores='two'"))),
    AgentCase(
        "cpu_topology_value_invalid", V22, domain(head=HEAD.replace(" threads='1'", "").replace("'2'", "'x'")), False
    ),
    AgentCase(
        "cpu_topology_value_invalid",
        V19_3,
        domain(head=HEAD.replace(" threads='1'", "").replace("cores='2'", "cores='x'")),
    ),
    AgentCase(
        "cpu_model_empty_element", V19_0, domain(head=HEAD.replace("<topology", "<model fallback='allow'/><topology"))
    ),
    AgentCase(
        "cpu_model_empty_element",
        V19_1,
        domain(head=HEAD.replace("<topology", "<model fallback='allow'/><topology")),
        False,
    ),
    AgentCase("cpuspeed_zero_running_vcpus", V22, BASELINE, runtime={"state": 1, "running_vcpus": 0}),
    AgentCase(
        "cpuspeed_zero_running_vcpus", V22, domain(head=NO_CPUTUNE), False, runtime={"state": 1, "running_vcpus": 0}
    ),
    AgentCase("managed_instance_name", V22, BASELINE, runtime={"managed_names": ["web01"]}),
    AgentCase("managed_instance_name", V22, BASELINE, False, runtime={"managed_names": ["WEB01", "i-2-17-VM"]}),
    AgentCase(
        "host_not_up_or_in_maintenance",
        V22,
        BASELINE,
        runtime={"host": {"state": "Up", "resourcestate": "PrepareForMaintenance"}},
    ),
    AgentCase(
        "host_not_up_or_in_maintenance",
        V22,
        BASELINE,
        runtime={"host": {"state": "Disconnected", "resourcestate": "Enabled"}},
    ),
    AgentCase(
        "host_not_up_or_in_maintenance",
        V22,
        BASELINE,
        False,
        runtime={"host": {"state": "Up", "resourcestate": "Enabled"}},
    ),
    # field rules that also warn
    AgentCase(
        "disk_type_not_listed",
        V22,
        with_device(VOLUME_DISK),
    ),
    AgentCase("block_non_disk_listed_as_disk", V20_0, domain(DISK + BLOCK_CDROM + NIC)),
    AgentCase("block_non_disk_listed_as_disk", V19_2, domain(DISK + BLOCK_CDROM + NIC), False),
    AgentCase(
        "network_disk_any_device_listed", V22, domain(DISK + RBD.replace("device='disk'", "device='cdrom'") + NIC)
    ),
    AgentCase(
        "boot_fields_absent",
        V21,
        domain(head=HEAD.replace(HEAD[HEAD.index("<os>") : HEAD.index("</os>") + 5], UEFI_OS)),
    ),
    AgentCase(
        "boot_fields_absent",
        V20_2,
        domain(head=HEAD.replace(HEAD[HEAD.index("<os>") : HEAD.index("</os>") + 5], UEFI_OS)),
        False,
    ),
    AgentCase(
        "boot_detection_loader_only",
        V22,
        domain(head=HEAD.replace(HEAD[HEAD.index("<os>") : HEAD.index("</os>") + 5], EFI_FIRMWARE_OS)),
    ),
    AgentCase(
        "boot_detection_loader_only",
        V22,
        domain(head=HEAD.replace(HEAD[HEAD.index("<os>") : HEAD.index("</os>") + 5], UEFI_OS)),
        False,
    ),
    AgentCase("nic_vlan_not_parsed", V22, with_nic("</interface>", "<vlan><tag id='42'/></vlan></interface>")),
    AgentCase("memory_int_overflow", V22, domain(head=HEAD.replace("2097152", "3221225472"))),
    AgentCase("metadata_shadows_element", V22, domain(head=HEAD.replace("<os>", SHADOW + "<os>"))),
    AgentCase("metadata_shadows_element", V22, domain(head=HEAD.replace("<os>", PREFIXED + "<os>")), False),
]


def _os(os_xml: str) -> str:
    return HEAD.replace(HEAD[HEAD.index("<os>") : HEAD.index("</os>") + 5], os_xml)


RUNNING2 = {"state": 1, "running_vcpus": 2}
SHUT_OFF = {"state": 5}
FIELD_CASES = [
    FieldCase("cpuspeed_from_shares", V22, BASELINE, "cpuspeed", 1000, runtime=RUNNING2),
    FieldCase(
        "cpuspeed_from_shares", V22, domain(head=HEAD.replace("2000", "2001")), "cpuspeed", 1000, runtime=RUNNING2
    ),
    FieldCase("cpuspeed_from_shares", V22, domain(head=HEAD.replace("2000", "2001")), "cpuspeed", 2001, R, SHUT_OFF),
    FieldCase("cpuspeed_from_shares", V22, domain(head=NO_CPUTUNE), "cpuspeed", None, runtime=RUNNING2),
    FieldCase("cpucorepersocket_from_topology", V22, BASELINE, "cpucorepersocket", 2),
    FieldCase(
        "cpucorepersocket_from_topology", V20_0, domain(head=HEAD.replace(" threads='1'", "")), "cpucorepersocket", -1
    ),
    FieldCase(
        "cpucorepersocket_from_topology", V19_3, domain(head=HEAD.replace(" threads='1'", "")), "cpucorepersocket", 2
    ),
    FieldCase("cpucorepersocket_from_topology", V22, domain(head=HEAD[: HEAD.index("<cpu")]), "cpucorepersocket", None),
    FieldCase(
        "memory_int_overflow", V22, BASELINE, "memory", -1048576, runtime={**RUNNING2, "max_memory_kib": 3221225472}
    ),
    FieldCase("memory_int_overflow", V22, BASELINE, "memory", 1048576, runtime={**RUNNING2, "max_memory_kib": 1 << 30}),
    FieldCase("boot_fields_absent", V21, domain(head=_os(UEFI_OS)), "boottype", None),
    FieldCase("boot_fields_absent", V20_2, domain(head=_os(UEFI_OS)), "boottype", "UEFI"),
    FieldCase("boot_fields_absent", V22, domain(head=_os(UEFI_OS)), "boottype", None, R, SHUT_OFF),
    FieldCase("boot_detection_loader_only", V22, domain(head=_os(UEFI_OS)), "bootmode", "SECURE"),
    FieldCase("boot_detection_loader_only", V22, domain(head=_os(EFI_FIRMWARE_OS)), "boottype", "BIOS"),
    FieldCase("boot_detection_loader_only", V21, domain(head=_os(UEFI_OS)), "bootmode", None),
    FieldCase(
        "boot_detection_loader_only", V22, domain(head=_os(UEFI_OS.replace("pflash", "rom"))), "bootmode", "SECURE"
    ),
    FieldCase(
        "nic_vlan_not_parsed",
        V21,
        with_nic("</interface>", "<vlan><tag id='42'/></vlan></interface>"),
        "nic.0.vlanid",
        -1,
    ),
    FieldCase("nic_vlan_not_parsed", V22, BASELINE, "nic.0.vlanid", -1, R, SHUT_OFF),
    FieldCase(
        "nic_vlan_from_bridge", V22, BASELINE, "nic.0.vlanid", 100, runtime={**RUNNING2, "bridge_vlans": {"br0": 100}}
    ),
    FieldCase("nic_vlan_from_bridge", V20_2, BASELINE, "nic.0.vlanid", None, runtime={**RUNNING2, "bridge_vlans": {}}),
    FieldCase(
        "nic_vlan_from_bridge", V21, BASELINE, "nic.0.vlanid", -1, runtime={**RUNNING2, "bridge_vlans": {"br0": 100}}
    ),
    FieldCase(
        "nic_vlan_from_bridge",
        V22,
        with_nic("type='bridge'", "type='network'").replace("bridge='br0'", "network='default'"),
        "nic.0.vlanid",
        -1,
    ),
    FieldCase(
        "nic_networkname_is_target_dev",
        V22,
        with_nic("</interface>", "<target dev='vnet3'/></interface>"),
        "nic.0.networkname",
        "vnet3",
    ),
    FieldCase("nic_networkname_is_target_dev", V22, BASELINE, "nic.0.networkname", None),
    FieldCase("disk_label_empty_omitted", V22, with_disk("dev='vda'", "dev=''"), "disk.0.label", None, R, SHUT_OFF),
    FieldCase(
        "disk_type_not_listed",
        V22,
        with_device(VOLUME_DISK),
        "disk.count",
        1,
    ),
    FieldCase(
        "disk_device_not_listed",
        V22,
        domain("<disk type='file' device='cdrom'><target dev='sda' bus='sata'/></disk>" + DISK + NIC),
        "disk.0.label",
        "vda",
    ),
    FieldCase("block_non_disk_listed_as_disk", V20_0, domain(DISK + BLOCK_CDROM + NIC), "disk.count", 2),
    FieldCase("block_non_disk_listed_as_disk", V20_1, domain(DISK + BLOCK_CDROM + NIC), "disk.count", 1),
    FieldCase(
        "network_disk_any_device_listed",
        V22,
        domain(DISK + RBD.replace("device='disk'", "device='lun'") + NIC),
        "disk.count",
        2,
    ),
    FieldCase("metadata_shadows_element", V22, domain(head=HEAD.replace("<os>", SHADOW + "<os>")), "boottype", "UEFI"),
]
