# ruff: noqa: E501  (a table of domain XML: one case per line reads better than wrapped strings)
"""Domain XML cases for the agent-side rules, with what CloudStack's agent does with each, per release.

Written from the CloudStack source (``LibvirtDomainXMLParser``, ``LibvirtVMDef``, the two listing wrappers) and
``agent-rules.md``, independently of the simulator's code: ``drops`` lists the releases whose agent leaves the
domain out of listUnmanagedInstances, ``code`` the rule that does it. A case runs as
- ``qemu``: a real ``<domain type='qemu'>`` on qemu:///system, started, then paused (no CPU), or
- ``test``: a domain of libvirt's test driver (node XML), for devices QEMU TCG cannot run here, or
- ``parser``: XML libvirt itself refuses or rewrites, fed to the agent layer directly (no libvirt domain can
  carry it, so no listing can show it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

RELEASES = ("4.19.0", "4.19.1", "4.19.2", "4.19.3", "4.20.0", "4.20.1", "4.20.2", "4.21.0", "4.22.0")
ALL = frozenset(RELEASES)
NONE: frozenset[str] = frozenset()
ONLY_4190 = frozenset({"4.19.0"})
# no <cputune> guard in the unmanaged wrapper: 4.19.0, 4.19.1, 4.20.0 (3337f425ff came with 4.19.2/4.20.1)
UNGUARDED_CPUTUNE = frozenset({"4.19.0", "4.19.1", "4.20.0"})
# every type='block' disk defined as a disk: same three releases (d54b105a03)
BLOCK_AS_DISK = UNGUARDED_CPUTUNE
# WatchDogModel without NONE: before 7e295ec4e1 (4.20.1, 4.21.0)
NO_WATCHDOG_NONE = frozenset({"4.19.0", "4.19.1", "4.19.2", "4.19.3", "4.20.0"})
# extractBootDef and the wrapper's boot fields: 4.20.2 and 4.22 only (9349b69b7e)
BOOT_DETECTION = frozenset({"4.20.2", "4.22.0"})
BRIDGE_VLAN = BOOT_DETECTION  # e64e94ad3f
THREADS_NEEDED = frozenset({"4.20.0", "4.20.1", "4.20.2", "4.21.0", "4.22.0"})  # 27124c1031

QEMU_NIC = "<interface type='bridge'><source bridge='cloudbr0'/><model type='virtio'/></interface>"
TEST_NIC = (
    "<interface type='bridge'><mac address='52:54:00:11:22:33'/><source bridge='cloudbr0'/><model type='virtio'/>"
    "<address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/></interface>"
)
PCI = "<address type='pci' domain='0x0000' bus='0x00' slot='0x0{}' function='0x0'/>"
RBD = "<source protocol='rbd' name='pool/img'><host name='mon1' port='6789'/><host name='mon2'/></source>"


@dataclass(frozen=True)
class Case:
    code: str
    label: str
    driver: str  # qemu | test | parser
    devices: str = ""
    top: str = ""  # elements after <vcpu> (metadata, description, cputune replacement...)
    cputune: bool = True
    os_xml: str = ""
    vcpus: int = 1
    memory_mib: int = 16
    drops: frozenset[str] = NONE
    codes: dict[str, str] = field(default_factory=dict)  # release → code when not ``code``
    check: Callable[[dict[str, Any], str], None] | None = None  # asserts on the listed instance
    disks: int = 0  # qcow2 files the case's devices refer to as {disk0}, {disk1}
    running: bool = True
    listing: str = "unmanaged"  # or "remote" (listVmsForImport: a shut-off domain on another host)

    @property
    def ident(self) -> str:
        return f"{self.code}-{self.label}"

    def code_for(self, release: str) -> str:
        return self.codes.get(release, self.code)


def _eq(key: str, want: dict[str, Any]) -> Callable[[dict[str, Any], str], None]:
    """Check one field of the listed instance per release ("*" = every other release; "absent" = no key)."""

    def check(inst: dict[str, Any], release: str) -> None:
        expected = want.get(release, want.get("*"))
        if expected == "absent":
            assert key not in inst, (key, inst.get(key))
        else:
            assert inst.get(key) == expected, (key, inst.get(key), expected)

    return check


def _nic(key: str, want: dict[str, Any], index: int = 0) -> Callable[[dict[str, Any], str], None]:
    def check(inst: dict[str, Any], release: str) -> None:
        _eq(key, want)(inst["nic"][index], release)

    return check


def _disks(fn: Callable[[list[dict[str, Any]], str], None]) -> Callable[[dict[str, Any], str], None]:
    return lambda inst, release: fn(inst["disk"], release)


def _file_disk(i: int, extra: str = "", driver: str = "<driver name='qemu' type='qcow2'/>", bus: str = "virtio") -> str:
    dev = {"virtio": "vd", "scsi": "sd", "sata": "sd", "ide": "hd"}[bus] + "abcdef"[i]
    return f"<disk type='file' device='disk'>{driver}<source file='{{disk{i}}}'/><target dev='{dev}' bus='{bus}'/>{extra}</disk>"


def _boot_check(boottype: str, bootmode: str) -> Callable[[dict[str, Any], str], None]:
    def check(inst: dict[str, Any], release: str) -> None:
        if release in BOOT_DETECTION:
            assert (inst.get("boottype"), inst.get("bootmode")) == (boottype, bootmode), inst
        else:  # boot_fields_absent: the agent never sets them (4.19, 4.20.0/4.20.1, 4.21.0)
            assert "boottype" not in inst and "bootmode" not in inst, inst

    return check


CASES: tuple[Case, ...] = (
    # --- NICs ---------------------------------------------------------------------------------------------
    Case(
        "nic_model_unknown",
        "e1000e",
        "qemu",
        devices="<interface type='bridge'><source bridge='cloudbr0'/><model type='e1000e'/></interface>",
        drops=ALL,
    ),
    Case(
        "nic_model_unknown",
        "ne2k_pci",
        "qemu",
        devices="<interface type='bridge'><source bridge='cloudbr0'/><model type='ne2k_pci'/></interface>",
        drops=ALL,
    ),
    # libvirt lower-cases the model itself; the enum lookup is case-insensitive anyway (toUpperCase)
    Case(
        "nic_model_unknown",
        "uppercase-E1000-listed",
        "parser",
        devices=TEST_NIC.replace("virtio", "E1000"),
        check=_nic("adaptertype", {"*": "e1000"}),
    ),
    Case(
        "nic_model_unknown",
        "vmxnet3-listed",
        "qemu",
        devices=QEMU_NIC.replace("virtio", "vmxnet3"),
        check=_nic("adaptertype", {"*": "vmxnet3"}),
    ),
    Case(
        "nic_model_not_parsed",
        "user",
        "qemu",
        devices="<interface type='user'><model type='virtio'/></interface>",
        drops=ALL,
    ),
    Case(
        "nic_model_not_parsed",
        "direct",
        "test",
        devices="<interface type='direct'><mac address='52:54:00:11:22:34'/><source dev='eth0' mode='bridge'/><model type='virtio'/>"
        + PCI.format(4)
        + "</interface>",
        drops=ALL,
    ),
    Case(
        "nic_model_not_parsed",
        "hostdev",
        "test",
        devices="<interface type='hostdev' managed='yes'><mac address='52:54:00:11:22:35'/><source><address type='pci' domain='0x0000' bus='0x03' slot='0x00' function='0x1'/></source>"
        + PCI.format(5)
        + "</interface>",
        drops=ALL,
    ),
    Case(
        "nic_model_not_parsed",
        "vhostuser",
        "test",
        devices="<interface type='vhostuser'><mac address='52:54:00:11:22:36'/><source type='unix' path='/tmp/vhost.sock' mode='client'/><model type='virtio'/>"
        + PCI.format(6)
        + "</interface>",
        drops=ALL,
    ),
    Case("nic_model_missing", "no-model", "parser", devices=TEST_NIC.replace("<model type='virtio'/>", ""), drops=ALL),
    Case(
        "nic_model_blank",
        "empty-model",
        "parser",
        devices=TEST_NIC.replace("<model type='virtio'/>", "<model type=''/>"),
        drops=ALL,
    ),
    Case(
        "nic_pci_slot_missing", "test-driver-no-address", "test", devices=TEST_NIC.replace(PCI.format(3), ""), drops=ALL
    ),
    Case(
        "nic_pci_slot_missing",
        "ccw-address",
        "parser",
        devices=TEST_NIC.replace(PCI.format(3), "<address type='ccw' cssid='0xfe' ssid='0x0' devno='0x0001'/>"),
        drops=ALL,
    ),
    Case(
        "nic_pci_slot_invalid",
        "uppercase-0X",
        "parser",
        devices=TEST_NIC.replace("slot='0x03'", "slot='0X03'"),
        drops=ALL,
    ),
    Case(
        "nic_bandwidth_incomplete",
        "inbound-only",
        "test",
        devices=TEST_NIC.replace(
            "<model type='virtio'/>", "<model type='virtio'/><bandwidth><inbound average='1000'/></bandwidth>"
        ),
        drops=ALL,
    ),
    Case(
        "nic_bandwidth_incomplete",
        "both-directions-listed",
        "test",
        devices=TEST_NIC.replace(
            "<model type='virtio'/>",
            "<model type='virtio'/><bandwidth><inbound average='1000'/><outbound average='500'/></bandwidth>",
        ),
    ),
    Case(
        "nic_driver_queues_invalid",
        "queues-auto",
        "parser",
        devices=TEST_NIC.replace(
            "<model type='virtio'/>", "<model type='virtio'/><driver name='vhost' queues='auto'/>"
        ),
        drops=ALL,
    ),
    Case(
        "nic_vlan_not_parsed",
        "vlan-tag-42",
        "test",
        devices=TEST_NIC.replace("<model type='virtio'/>", "<model type='virtio'/><vlan><tag id='42'/></vlan>"),
        check=_nic("vlanid", {**dict.fromkeys(BRIDGE_VLAN, "absent"), "*": -1}),
    ),
    Case(
        "nic_vlan_from_bridge",
        "bridge-with-vlan-port",
        "qemu",
        devices=QEMU_NIC.replace("cloudbr0", "cloudbr1"),
        check=_nic("vlanid", {**dict.fromkeys(BRIDGE_VLAN, 77), "*": -1}),
    ),
    Case(
        "nic_networkname_is_target_dev",
        "running-tap",
        "qemu",
        devices=QEMU_NIC,
        check=lambda inst, r: _assert(inst["nic"][0]["networkname"].startswith("vnet"), inst),
    ),
    # --- disks --------------------------------------------------------------------------------------------
    Case(
        "disk_bus_unknown",
        "bus-sd",
        "test",
        devices="<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='/var/lib/x/a.img'/><target dev='sda' bus='sd'/></disk>",
        drops=ALL,
    ),
    Case(
        "disk_bus_unknown",
        "scsi-listed",
        "qemu",
        disks=1,
        devices=_file_disk(0, bus="scsi"),
        check=_disks(lambda d, r: _assert(d[0]["controller"] == "scsi", d)),
    ),
    Case(
        "disk_bus_blank",
        "target-without-bus",
        "parser",
        devices="<disk type='file' device='disk'><source file='/i/a.qcow2'/><target dev='vda'/></disk>",
        drops=ALL,
    ),
    Case(
        "disk_target_missing",
        "no-target",
        "parser",
        devices="<disk type='file' device='disk'><source file='/i/a.qcow2'/></disk>",
        drops=ALL,
    ),
    Case(
        "disk_format_unknown",
        "vmdk-file",
        "test",
        devices="<disk type='file' device='disk'><driver name='qemu' type='vmdk'/><source file='/var/lib/x/a.vmdk'/><target dev='vda' bus='virtio'/></disk>",
        drops=ALL,
    ),
    Case(
        "disk_format_unknown",
        "vmdk-block-listed",
        "test",
        devices="<disk type='block' device='disk'><driver name='qemu' type='vmdk'/><source dev='/dev/vg/x'/><target dev='vda' bus='virtio'/></disk>",
        check=_disks(lambda d, r: _assert(d[0]["datastoretype"] == "block", d)),
    ),
    Case(
        "disk_format_blank",
        "driver-without-type",
        "parser",
        devices="<disk type='file' device='disk'><driver name='qemu' cache='none'/><source file='/i/a.qcow2'/><target dev='vda' bus='virtio'/></disk>",
        drops=ALL,
    ),
    Case(
        "disk_cache_unknown",
        "unsafe-disk",
        "qemu",
        disks=1,
        devices=_file_disk(0, driver="<driver name='qemu' type='qcow2' cache='unsafe'/>"),
        drops=ALL,
    ),
    Case(
        "disk_cache_unknown",
        "directsync-cdrom",
        "qemu",
        devices="<disk type='file' device='cdrom'><driver name='qemu' type='raw' cache='directsync'/><target dev='hdc' bus='ide'/><readonly/></disk>",
        drops=ALL,
    ),
    Case(
        "disk_cache_unknown",
        "cdrom-no-cache-listed",
        "qemu",
        devices="<disk type='file' device='cdrom'><driver name='qemu' type='raw'/><target dev='hdc' bus='ide'/><readonly/></disk>",
        check=_disks(lambda d, r: _assert(d == [], d)),
    ),
    Case(
        "network_disk_cache_blank",
        "rbd-no-cache",
        "test",
        devices=f"<disk type='network' device='disk'><driver name='qemu' type='raw'/>{RBD}<target dev='vdb' bus='virtio'/></disk>",
        drops=ALL,
    ),
    Case(
        "network_disk_cache_blank",
        "rbd-cache-none-listed",
        "test",
        devices=f"<disk type='network' device='disk'><driver name='qemu' type='raw' cache='none'/>{RBD}<target dev='vdb' bus='virtio'/></disk>",
        check=_disks(
            lambda d, r: _assert(
                (d[0]["datastoretype"], d[0]["imagepath"], d[0]["datastorepath"], d[0]["datastorehost"])
                == ("network", "pool/img", "pool", "mon1,mon2"),
                d,
            )
        ),
    ),
    Case(
        "network_disk_source_missing",
        "no-source",
        "parser",
        devices="<disk type='network' device='cdrom'><driver name='qemu' type='raw' cache='none'/><target dev='sdb' bus='sata'/></disk>",
        drops=ALL,
    ),
    Case(
        "network_disk_protocol_unknown",
        "iscsi",
        "test",
        devices="<disk type='network' device='disk'><driver name='qemu' type='raw' cache='none'/><source protocol='iscsi' name='iqn.2024-01.x:t/1'><host name='10.0.0.1' port='3260'/></source><target dev='vdb' bus='virtio'/></disk>",
        drops=ALL,
    ),
    Case(
        "network_disk_host_port_invalid",
        "port-above-int",
        "parser",
        devices=f"<disk type='network' device='disk'><driver name='qemu' type='raw' cache='none'/>{RBD.replace('6789', '2147483648')}<target dev='vdb' bus='virtio'/></disk>",
        drops=ALL,
    ),
    Case(
        "disk_iotune_value_invalid",
        "iops-above-long",
        "test",
        devices="<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='/var/lib/x/a.img'/><target dev='vda' bus='virtio'/><iotune><read_iops_sec>18446744073709551615</read_iops_sec></iotune></disk>",
        drops=ALL,
    ),
    Case(
        "disk_iotune_value_invalid",
        "total-not-read-listed",
        "test",
        devices="<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='/var/lib/x/a.img'/><target dev='vda' bus='virtio'/><iotune><total_iops_sec>18446744073709551615</total_iops_sec></iotune></disk>",
    ),
    Case(
        "disk_iotune_value_empty",
        "empty-read-bytes",
        "parser",
        devices="<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='/i/a.img'/><target dev='vda' bus='virtio'/><iotune><read_bytes_sec/></iotune></disk>",
        drops=ONLY_4190,
    ),
    Case(
        "disk_encryption_format_unknown",
        "qcow-encryption",
        "test",
        devices="<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/var/lib/x/a.qcow2'><encryption format='qcow'><secret type='passphrase' uuid='0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f'/></encryption></source><target dev='vda' bus='virtio'/></disk>",
        drops=ALL,
    ),
    Case(
        "disk_encryption_format_unknown",
        "luks-listed",
        "test",
        devices="<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/var/lib/x/a.qcow2'><encryption format='luks'><secret type='passphrase' uuid='0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f'/></encryption></source><target dev='vda' bus='virtio'/></disk>",
    ),
    # libvirt 9.0 rewrites an empty block cdrom as type='file', so only hand-made XML reaches the old agents
    Case(
        "disk_source_missing",
        "empty-block-cdrom",
        "parser",
        devices="<disk type='block' device='cdrom'><driver name='qemu' type='raw'/><target dev='hdc' bus='ide'/><readonly/></disk>",
        drops=BLOCK_AS_DISK,
    ),
    Case(
        "disk_source_missing",
        "file-disk-without-source",
        "parser",
        devices="<disk type='file' device='disk'><driver name='qemu' type='raw'/><target dev='vda' bus='virtio'/></disk>",
        drops=ALL,
    ),
    Case(
        "disk_type_not_listed",
        "volume-disk",
        "test",
        devices="<disk type='volume' device='disk'><driver name='qemu' type='raw'/><source pool='default-pool' volume='a.img'/><target dev='vdb' bus='virtio'/></disk>",
        check=_disks(lambda d, r: _assert(d == [], d)),
    ),
    Case(
        "disk_device_not_listed",
        "cdrom-before-disk",
        "qemu",
        disks=1,
        devices="<disk type='file' device='cdrom'><driver name='qemu' type='raw'/><target dev='hdc' bus='ide'/><readonly/></disk>"
        + _file_disk(0),
        check=_disks(lambda d, r: _assert([(x["id"], x["label"]) for x in d] == [("0", "vda")], d)),
    ),
    Case(
        "block_non_disk_listed_as_disk",
        "block-cdrom-with-medium",
        "test",
        devices="<disk type='block' device='cdrom'><driver name='qemu' type='raw'/><source dev='/dev/sr0'/><target dev='hdc' bus='ide'/><readonly/></disk>",
        check=_disks(lambda d, r: _assert(len(d) == (1 if r in BLOCK_AS_DISK else 0), d)),
    ),
    Case(
        "network_disk_any_device_listed",
        "rbd-cdrom",
        "test",
        devices="<disk type='network' device='cdrom'><driver name='qemu' type='raw' cache='none'/><source protocol='rbd' name='isos/x.iso'><host name='mon1'/></source><target dev='hdc' bus='ide'/><readonly/></disk>",
        check=_disks(lambda d, r: _assert(len(d) == 1 and d[0]["datastoretype"] == "network", d)),
    ),
    Case(
        "disk_label_empty_omitted",
        "empty-target-dev-remote",
        "parser",
        listing="remote",
        devices="<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='/i/a.img'/><target dev='' bus='virtio'/></disk>",
        check=_disks(lambda d, r: _assert("label" not in d[0] and d[0]["datastorepath"] == "/i/a.img", d)),
    ),
    Case(
        "disk_capacity_unreadable",
        "empty-target-dev",
        "parser",
        devices="<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='/i/a.img'/><target dev='' bus='virtio'/></disk>",
        drops=ALL,
    ),
    # --- channels, graphics, rng, watchdog ----------------------------------------------------------------
    Case(
        "channel_type_unsupported",
        "pty",
        "qemu",
        devices="<channel type='pty'><target type='virtio' name='org.example.pty'/></channel>",
        drops=ALL,
    ),
    Case(
        "channel_type_unsupported",
        "unix-guest-agent-listed",
        "qemu",
        devices="<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>",
    ),
    Case(
        "graphics_channel_untyped",
        "spice-channel",
        "test",
        devices="<graphics type='spice' autoport='yes'><listen type='address'/><channel name='main' mode='insecure'/></graphics>",
        drops=ALL,
    ),
    Case(
        "channel_state_unknown",
        "state-unknown",
        "parser",
        devices="<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0' state='unknown'/></channel>",
        drops=ALL,
    ),
    Case(
        "vnc_password_too_long",
        "24-chars",
        "test",
        devices="<graphics type='vnc' port='-1' autoport='yes' passwd='ThisPasswordIsTooLong123'/>",
        drops=ALL,
    ),
    Case(
        "vnc_password_too_long",
        "22-chars-listed",
        "test",
        devices="<graphics type='vnc' port='-1' autoport='yes' passwd='ExactlyTwentyTwoChars1'/>",
    ),
    Case(
        "rng_backend_model_unsupported",
        "builtin",
        "qemu",
        devices="<rng model='virtio'><backend model='builtin'/></rng>",
        drops=ALL,
        codes={"4.19.0": "rng_backend_empty"},
    ),
    Case(
        "rng_rate_incomplete",
        "bytes-without-period",
        "qemu",
        devices="<rng model='virtio'><rate bytes='1024'/><backend model='random'>/dev/urandom</backend></rng>",
        drops=ALL,
    ),
    Case(
        "rng_rate_incomplete",
        "rate-complete-listed",
        "qemu",
        devices="<rng model='virtio'><rate bytes='1024' period='1000'/><backend model='random'>/dev/urandom</backend></rng>",
    ),
    Case(
        "rng_backend_empty",
        "random-without-path",
        "parser",
        devices="<rng model='virtio'><backend model='random'/></rng>",
        drops=ONLY_4190,
    ),
    Case(
        "watchdog_model_unsupported",
        "itco-q35",
        "parser",
        os_xml="<os><type arch='x86_64' machine='q35'>hvm</type></os>",
        devices="<watchdog model='itco' action='reset'/>",
        drops=ONLY_4190,
    ),
    Case("watchdog_model_unsupported", "none", "parser", devices="<watchdog model='none'/>", drops=NO_WATCHDOG_NONE),
    Case(
        "watchdog_model_unsupported", "i6300esb-listed", "qemu", devices="<watchdog model='i6300esb' action='reset'/>"
    ),
    Case(
        "watchdog_action_unsupported",
        "inject-nmi",
        "qemu",
        devices="<watchdog model='i6300esb' action='inject-nmi'/>",
        drops=ALL,
    ),
    # --- document level -----------------------------------------------------------------------------------
    Case("devices_missing", "no-devices", "parser", drops=ALL),
    Case(
        "description_empty_element",
        "empty-description-in-metadata",
        "qemu",
        top="<metadata><d:x xmlns:d='urn:d'/><info xmlns='urn:info'><description/></info></metadata>",
        drops=ONLY_4190,
    ),
    Case(
        "metadata_shadows_element",
        "os-loader-in-metadata",
        "qemu",
        top="<metadata><app xmlns='urn:a'><os><loader type='pflash'/></os></app></metadata>",
        check=_boot_check("UEFI", "LEGACY"),
    ),
    Case(
        "metadata_shadows_element",
        "devices-in-metadata",
        "qemu",
        disks=1,
        top="<metadata><app xmlns='urn:a'><devices/></app></metadata>",
        devices=_file_disk(0) + QEMU_NIC,
        check=lambda inst, r: _assert(inst["disk"] == [] and inst["nic"] == [], inst),
    ),
    Case("name_empty_element", "empty-name", "parser", drops=ONLY_4190),
    # --- CPU, memory, boot --------------------------------------------------------------------------------
    Case(
        "cputune_missing",
        "no-cputune",
        "qemu",
        cputune=False,
        drops=UNGUARDED_CPUTUNE,
        check=_eq("cpuspeed", {"*": "absent"}),
    ),
    Case(
        "cputune_value_invalid",
        "quota-above-int",
        "test",
        top="<cputune><shares>2000</shares><quota>4294967296</quota></cputune>",
        cputune=False,
        drops=ALL,
    ),
    Case(
        "cputune_value_empty",
        "empty-shares",
        "parser",
        top="<cputune><shares/></cputune>",
        cputune=False,
        drops=ONLY_4190,
    ),
    Case(
        "cpu_topology_value_invalid",
        "cores-two",
        "parser",
        top="<cpu><topology sockets='1' cores='two' threads='1'/></cpu>",
        drops=ALL,
    ),
    # libvirt 9.0 drops the empty <model>; older libvirt wrote it for host-model CPUs
    Case(
        "cpu_model_empty_element",
        "host-model-fallback",
        "parser",
        top="<cpu mode='host-model'><model fallback='allow'/></cpu>",
        drops=ONLY_4190,
    ),
    Case(
        "cpucorepersocket_from_topology",
        "two-cores",
        "qemu",
        vcpus=2,
        top="<cpu><topology sockets='1' cores='2' threads='1'/></cpu>",
        check=_eq("cpucorepersocket", {"*": 2}),
    ),
    Case(
        "cpucorepersocket_from_topology",
        "no-threads",
        "parser",
        vcpus=2,
        top="<cpu><topology sockets='1' cores='2'/></cpu>",
        check=_eq("cpucorepersocket", {**dict.fromkeys(THREADS_NEEDED, -1), "*": 2}),
    ),
    Case(
        "cpuspeed_from_shares",
        "2001-over-2-vcpus",
        "qemu",
        vcpus=2,
        cputune=False,
        top="<cputune><shares>2001</shares></cputune>",
        check=_eq("cpuspeed", {"*": 1000}),
    ),
    Case("cpuspeed_zero_running_vcpus", "no-online-vcpu", "parser", drops=ALL),
    Case("memory_int_overflow", "3-tib", "test", memory_mib=3 * 1024 * 1024, check=_eq("memory", {"*": -1048576})),
    Case(
        "boot_detection_loader_only",
        "pflash-secure",
        "test",
        os_xml="<os><type arch='x86_64'>hvm</type><loader readonly='yes' secure='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE.secboot.fd</loader></os>",
        check=_boot_check("UEFI", "SECURE"),
    ),
    Case(
        "boot_detection_loader_only",
        "rom-named-uefi",
        "test",
        os_xml="<os><type arch='x86_64'>hvm</type><loader type='rom'>/x/uefi.bin</loader></os>",
        check=_boot_check("UEFI", "LEGACY"),
    ),
    Case("boot_fields_absent", "bios-baseline", "qemu", check=_boot_check("BIOS", "LEGACY")),
    Case("domain_not_running", "shut-off", "qemu", running=False, drops=ALL),
)


def _assert(ok: bool, context: Any) -> None:
    assert ok, context
