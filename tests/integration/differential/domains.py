"""A seeded generator of libvirt domain XML for the agent differential test.

A domain is a valid base (listed by every agent release) changed by *triggers*. Each trigger is named by the
agent rule code it aims at and rewrites one part of the domain (a disk, a NIC, <cputune>, ...) to the shape
CloudStack's parser or listing wrapper trips over (drop rules) or derives a field from in a notable way (field
rules). The generator emits every trigger alone, then random combinations of 2-4 triggers over random bases
(more disks, NICs, devices), all from one ``random.Random(seed)``: the same seed gives the same documents.
Which code each side actually reports is for the judges to say; the trigger names are only the aim.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from xml.sax.saxutils import quoteattr

PCI = "<address type='pci' domain='0x0000' bus='0x00' slot='{slot}' function='0x0'/>"


def _disk(
    kind: str = "file",
    device: str = "disk",
    driver: str | None = "<driver name='qemu' type='qcow2'/>",
    source: str | None = None,
    target: str | None = "<target dev='vda' bus='virtio'/>",
    extra: str = "",
) -> str:
    if source is None:
        source = {
            "file": "<source file='/var/lib/libvirt/images/d{n}.qcow2'/>",
            "block": "<source dev='/dev/vg0/lv{n}'/>",
            "network": "<source protocol='rbd' name='pool/img{n}'><host name='mon1' port='6789'/></source>",
        }.get(kind, "")
    return f"<disk type='{kind}' device='{device}'>{driver or ''}{source}{target or ''}{extra}</disk>"


def _nic(
    kind: str = "bridge",
    model: str | None = "virtio",
    mac: str | None = "52:54:00:00:00:{n:02x}",
    slot: str | None = "0x0{s}",
    source: str = "<source bridge='cloudbr0'/>",
    extra: str = "",
) -> str:
    parts = [f"<interface type='{kind}'>"]
    if mac is not None:
        parts.append(f"<mac address='{mac}'/>")
    parts.append(source)
    parts.append("<target dev='vnet{n}'/>")
    if model is not None:
        parts.append(f"<model type={quoteattr(model)}/>")
    parts.append(extra)
    if slot is not None:
        parts.append(PCI.replace("'{slot}'", quoteattr(slot)))
    parts.append("</interface>")
    return "".join(parts)


@dataclass
class Spec:
    """The parts of one domain; ``render`` numbers disks/NICs (targets, MACs, PCI slots) in order."""

    triggers: list[str] = field(default_factory=list)
    name: str = "<name>{name}</name>"
    top: list[str] = field(default_factory=list)  # <description>, <metadata>
    memory: str = "<memory unit='KiB'>1048576</memory>"
    vcpu: str = "<vcpu placement='static'>2</vcpu>"
    cputune: str = "<cputune><shares>1024</shares></cputune>"
    cpu: str = ""
    os: str = "<os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type><boot dev='hd'/></os>"
    devices: bool = True
    disks: list[str] = field(default_factory=lambda: [_disk()])
    nics: list[str] = field(default_factory=lambda: [_nic()])
    other: list[str] = field(default_factory=list)  # channels, graphics, rng, watchdog
    # runtime facts asked from libvirt rather than read from the XML
    vcpus: int = 2
    memory_kib: int = 1048576
    vlan: int | None = None
    active: bool = True

    def render(self, name: str) -> str:
        disks = []
        for n, disk in enumerate(self.disks):
            letter = "abcdefgh"[n]
            disk = disk.replace("'vda'", f"'vd{letter}'").replace("'sda'", f"'sd{letter}'")
            disks.append(disk.replace("{n}", str(n)))
        nics = [
            nic.replace("{n:02x}", f"{n + 1:02x}").replace("{s}", str(n + 3)).replace("{n}", str(n))
            for n, nic in enumerate(self.nics)
        ]
        body = "".join(disks + nics + self.other)
        devices = f"<devices><emulator>/usr/bin/qemu-system-x86_64</emulator>{body}</devices>" if self.devices else ""
        parts = [self.name.replace("{name}", name), *self.top, self.memory, self.vcpu, self.cputune, self.cpu]
        return f"<domain type='kvm'>{''.join(parts)}{self.os}{devices}</domain>"


Trigger = Callable[[Spec, random.Random], None]


def _set_disk(**kw: str | None) -> Trigger:
    def apply(spec: Spec, rng: random.Random) -> None:
        spec.disks[rng.randrange(len(spec.disks))] = _disk(**kw)  # type: ignore[arg-type]

    return apply


def _add_disk(**kw: str | None) -> Trigger:
    return lambda spec, rng: spec.disks.append(_disk(**kw))  # type: ignore[arg-type]


def _set_nic(**kw: str | None) -> Trigger:
    def apply(spec: Spec, rng: random.Random) -> None:
        if not spec.nics:
            spec.nics.append(_nic())
        spec.nics[rng.randrange(len(spec.nics))] = _nic(**kw)  # type: ignore[arg-type]

    return apply


def _other(xml: str) -> Trigger:
    return lambda spec, rng: spec.other.append(xml)


def _attr(name: str, value: object) -> Trigger:
    return lambda spec, rng: setattr(spec, name, value)


def _top(xml: str) -> Trigger:
    return lambda spec, rng: spec.top.append(xml)


IOTUNE = "<iotune><total_bytes_sec>1000</total_bytes_sec><read_bytes_sec>{v}</read_bytes_sec></iotune>"
RBD_SOURCE = "<source protocol='rbd' name='pool/img{{n}}'><host name='mon1'{port}/><host name='mon2'/></source>"
SPICE = "<graphics type='spice' autoport='yes'>{inner}</graphics>"

# Every agent rule that XML or libvirt's answers can trigger, with one or more shapes that aim at it.
TRIGGERS: dict[str, tuple[Trigger, ...]] = {
    "description_empty_element": (_top("<description/>"),),
    "name_empty_element": (_attr("name", "<name/>"),),
    "devices_missing": (_attr("devices", False),),
    "metadata_shadows_element": (
        _top("<metadata><app xmlns='urn:example:app'><cputune><shares>7</shares></cputune></app></metadata>"),
        _top("<metadata><app xmlns='urn:example:app'><os><loader type='pflash'>/x</loader></os></app></metadata>"),
        # the first <devices> anywhere is the metadata's: the real disks and NICs are never read
        _top("<metadata><app xmlns='urn:example:app'><devices><disk type='file'/></devices></app></metadata>"),
        # a prefixed element is not <cpu> to a DOM that is not namespace-aware (the qualified name is app:cpu)
        _top("<metadata><app:cpu xmlns:app='urn:example:app'><app:topology sockets='x'/></app:cpu></metadata>"),
    ),
    "cputune_missing": (_attr("cputune", ""),),
    "cputune_value_empty": (_attr("cputune", "<cputune><shares/></cputune>"),),
    "cputune_value_invalid": (
        _attr("cputune", "<cputune><shares>abc</shares></cputune>"),
        _attr("cputune", "<cputune><shares>1024</shares><period>99999999999</period></cputune>"),
        _attr("cputune", "<cputune><shares><!-- tuned -->1024</shares></cputune>"),  # the comment is the first child
        _attr("cputune", "<cputune><shares> 1024</shares></cputune>"),  # Integer.parseInt does not trim
    ),
    "cpuspeed_from_shares": (
        _attr("cputune", "<cputune><shares>333</shares><quota>-1</quota></cputune>"),
        _attr("cputune", "<cputune><shares><![CDATA[512]]></shares></cputune>"),
        _attr("cputune", "<cputune><shares>+0777</shares></cputune>"),
    ),
    "cpuspeed_zero_running_vcpus": (_attr("vcpus", 0),),
    "domain_not_running": (_attr("active", False),),
    "memory_int_overflow": (_attr("memory_kib", 2**31 + 4096), _attr("memory_kib", 2**32 + 1048576)),
    "cpu_model_empty_element": (_attr("cpu", "<cpu mode='custom'><model/></cpu>"),),
    "cpu_topology_value_invalid": (
        _attr("cpu", "<cpu><topology sockets='1' dies='1' cores='x' threads='1'/></cpu>"),
        _attr("cpu", "<cpu><topology sockets='1' cores='2' threads='+1'/></cpu>"),
    ),
    "cpucorepersocket_from_topology": (
        _attr("cpu", "<cpu mode='host-passthrough'><topology sockets='2' cores='4' threads='1'/></cpu>"),
        _attr("cpu", "<cpu><topology sockets='1' cores='2'/></cpu>"),  # no threads: 4.20+ needs all three
        _attr("cpu", "<cpu mode='host-model'/>"),
    ),
    "boot_fields_absent": (
        _attr("os", "<os firmware='efi'><type arch='x86_64' machine='q35'>hvm</type></os>"),
        _attr(
            "os",
            "<os><type>hvm</type><loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE.fd</loader>"
            "<nvram>/var/lib/libvirt/qemu/nvram/x_VARS.fd</nvram></os>",
        ),
        _attr(
            "os",
            "<os><type>hvm</type><loader readonly='yes' secure='yes' type='pflash'>/x/OVMF_CODE.secboot.fd"
            "</loader></os>",
        ),
    ),
    "boot_detection_loader_only": (
        _attr("os", "<os firmware='efi'><type>hvm</type><loader type='rom'>/usr/share/ovmf/x.fd</loader></os>"),
        _attr("os", "<os><type>hvm</type><loader type='rom'>/usr/share/qemu/uefi-rom.bin</loader></os>"),
    ),
    # --- disks ---
    "disk_target_missing": (_set_disk(target=None),),
    "disk_bus_blank": (_set_disk(target="<target dev='vda' bus=''/>"),),
    "disk_bus_unknown": (
        _set_disk(target="<target dev='vda' bus='nvme'/>"),
        _set_disk(target="<target dev='vda' bus='virtio-blk'/>"),
        _set_disk(target="<target dev='vda'/>"),
    ),
    "disk_format_blank": (_set_disk(driver="<driver name='qemu' type=''/>"),),
    "disk_format_unknown": (_set_disk(driver="<driver name='qemu' type='vmdk'/>"),),
    "disk_cache_unknown": (
        _set_disk(driver="<driver name='qemu' type='qcow2' cache='unsafe'/>"),
        _set_disk(driver="<driver name='qemu' type='raw' cache='directsync'/>", kind="block"),
    ),
    "disk_source_missing": (_set_disk(source=""), _set_disk(kind="block", source="<source/>")),
    "disk_capacity_unreadable": (
        _set_disk(target="<target dev='' bus='virtio'/>"),
        _add_disk(kind="volume", source="<source pool='default' volume='v1'/>"),
        _add_disk(kind="dir", source="<source dir='/srv/fat'/>", target="<target dev='hdz' bus='ide'/>"),
    ),
    "disk_iotune_value_empty": (_set_disk(extra="<iotune><read_bytes_sec/></iotune>"),),
    "disk_iotune_value_invalid": (_set_disk(extra=IOTUNE.format(v="1e6")), _set_disk(extra=IOTUNE.format(v="-"))),
    "disk_encryption_format_unknown": (
        _set_disk(extra="<encryption format='qcow'><secret type='passphrase' uuid='0a81f5b2-8403'/></encryption>"),
    ),
    "disk_label_empty_omitted": (_add_disk(target="<target dev='' bus='scsi'/>"),),
    "disk_device_not_listed": (
        _add_disk(
            device="cdrom",
            driver="<driver name='qemu' type='raw'/>",
            source="<source file='/iso/x.iso'/>",
            target="<target dev='sda' bus='sata'/><readonly/>",
        ),
        _add_disk(device="floppy", driver=None, source="", target="<target dev='fda' bus='fdc'/>"),
    ),
    "disk_type_not_listed": (
        _add_disk(
            kind="volume", source="<source pool='default' volume='v1'/>", target="<target dev='vdc' bus='virtio'/>"
        ),
    ),
    "block_non_disk_listed_as_disk": (
        _add_disk(
            kind="block",
            device="cdrom",
            driver="<driver name='qemu' type='raw'/>",
            source="<source dev='/dev/sr0'/>",
            target="<target dev='sda' bus='sata'/>",
        ),
        _add_disk(
            kind="block",
            device="lun",
            driver="<driver name='qemu' type='raw'/>",
            source="<source dev='/dev/sdz'/>",
            target="<target dev='sda' bus='scsi'/>",
        ),
    ),
    "network_disk_source_missing": (
        _set_disk(kind="network", source="", driver="<driver name='qemu' type='raw' cache='none'/>"),
    ),
    "network_disk_protocol_unknown": (
        _set_disk(
            kind="network", source="<source name='pool/x'/>", driver="<driver name='qemu' type='raw' cache='none'/>"
        ),
        _set_disk(
            kind="network",
            driver="<driver name='qemu' type='raw' cache='none'/>",
            source="<source protocol='nbd' name='x'><host name='h' port='10809'/></source>",
        ),
        _set_disk(
            kind="network",
            driver="<driver name='qemu' type='raw' cache='none'/>",
            source="<source protocol='iscsi' name='iqn.x/1'><host name='h'/></source>",
        ),
    ),
    "network_disk_cache_blank": (
        _set_disk(kind="network", driver="<driver name='qemu' type='raw'/>", source=RBD_SOURCE.format(port="")),
        _set_disk(
            kind="network", driver="<driver name='qemu' type='raw' cache=''/>", source=RBD_SOURCE.format(port="")
        ),
    ),
    "network_disk_host_port_invalid": (
        _set_disk(
            kind="network",
            driver="<driver name='qemu' type='raw' cache='writeback'/>",
            source=RBD_SOURCE.format(port=" port='x'"),
        ),
    ),
    "network_disk_any_device_listed": (
        _add_disk(
            kind="network",
            device="cdrom",
            driver="<driver name='qemu' type='raw' cache='none'/>",
            source=RBD_SOURCE.format(port=" port='6789'"),
            target="<target dev='sdb' bus='scsi'/>",
        ),
        _add_disk(
            kind="network",
            driver="<driver name='qemu' type='raw' cache='writethrough'/>",
            source="<source protocol='gluster' name='vol/img'><host name='g1' port='24007'/></source>",
            target="<target dev='vdd' bus='virtio'/>",
        ),
    ),
    # --- NICs ---
    "nic_model_unknown": (_set_nic(model="e1000e"), _set_nic(model="ne2k_pci"), _set_nic(model="VMXNET3")),
    "nic_model_missing": (_set_nic(model=None),),
    "nic_model_blank": (_set_nic(model=""),),
    "nic_model_not_parsed": (
        _set_nic(kind="user", source=""),
        _set_nic(kind="direct", source="<source dev='eth0' mode='bridge'/>"),
        _set_nic(kind="vhostuser", source="<source type='unix' path='/run/vhost.sock' mode='client'/>"),
        _set_nic(kind="vhostuser", source="<source type='unix' path='vhost.sock' mode='client'/>"),
    ),
    "nic_pci_slot_missing": (_set_nic(slot=None),),
    "nic_pci_slot_invalid": (_set_nic(slot="0X03"), _set_nic(slot="0xzz")),
    "nic_bandwidth_incomplete": (_set_nic(extra="<bandwidth><inbound average='1000'/></bandwidth>"),),
    "nic_driver_queues_invalid": (_set_nic(extra="<driver name='vhost' queues='four'/>"),),
    "nic_networkname_is_target_dev": (
        _set_nic(kind="network", source="<source network='default'/>"),
        _set_nic(kind="ethernet", source=""),
    ),
    "nic_vlan_not_parsed": (_set_nic(extra="<vlan><tag id='42'/></vlan>"),),
    "nic_vlan_from_bridge": (_attr("vlan", 77),),
    # --- other devices ---
    "channel_type_unsupported": (_other("<channel type='pty'><target type='virtio' name='org.x.0'/></channel>"),),
    "channel_state_unknown": (
        _other(
            "<channel type='unix'><source mode='bind'/><target type='virtio' name='org.qemu.guest_agent.0' "
            "state='bogus'/></channel>"
        ),
    ),
    "graphics_channel_untyped": (_other(SPICE.format(inner="<channel name='main' mode='secure'/>")),),
    "vnc_password_too_long": (_other("<graphics type='vnc' port='-1' passwd='abcdefghijklmnopqrstuvwxyz'/>"),),
    "rng_backend_empty": (_other("<rng model='virtio'><backend model='random'/></rng>"),),
    "rng_backend_model_unsupported": (_other("<rng model='virtio'><backend model='builtin'>x</backend></rng>"),),
    "rng_rate_incomplete": (
        _other("<rng model='virtio'><rate bytes='1024'/><backend model='random'>/dev/urandom</backend></rng>"),
    ),
    "watchdog_model_unsupported": (
        _other("<watchdog model='itco' action='reset'/>"),
        _other("<watchdog model='bogus' action='reset'/>"),
    ),
    "watchdog_action_unsupported": (_other("<watchdog model='i6300esb' action='inject-nmi'/>"),),
}

# harmless variety for the random bases (every one listed by every release on its own)
_EXTRA_DISKS = (
    _disk(driver="<driver name='qemu' type='raw' cache='none'/>", target="<target dev='sda' bus='scsi'/>"),
    _disk(kind="block", driver="<driver name='qemu' type='raw' cache='none' io='native'/>"),
    _disk(kind="network", driver="<driver name='qemu' type='raw' cache='writeback'/>"),
    _disk(device="cdrom", driver="<driver name='qemu' type='raw'/>", source="", target="<target dev='hdc' bus='ide'/>"),
)
_EXTRA_NICS = (
    _nic(model="e1000", mac="52:54:00:AB:CD:{n:02x}"),
    _nic(kind="network", source="<source network='default'/>", model="rtl8139"),
    _nic(
        source="<source bridge='breth1-100'/>",
        extra="<bandwidth><inbound average='10'/><outbound average='5'/></bandwidth><driver name='vhost' queues='2'/>",
    ),
)
_EXTRA_OTHER = (
    "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0' state='connected'/></channel>",
    "<channel type='spicevmc'><target type='virtio' name='com.redhat.spice.0'/></channel>",
    "<graphics type='vnc' port='-1' autoport='yes' passwd='short'/>",
    "<rng model='virtio'><rate bytes='1024' period='1000'/><backend model='random'>/dev/urandom</backend></rng>",
    "<watchdog model='i6300esb' action='reset'/>",
    "<watchdog model='none' action='poweroff'/>",
)


def _random_base(rng: random.Random) -> Spec:
    spec = Spec()
    spec.disks += rng.sample(_EXTRA_DISKS, rng.randrange(3))
    spec.nics += rng.sample(_EXTRA_NICS, rng.randrange(3))
    if rng.random() < 0.2:
        spec.nics = []
    spec.other += rng.sample(_EXTRA_OTHER, rng.randrange(4))
    spec.vcpus = rng.choice((1, 2, 4))
    spec.memory_kib = rng.choice((262144, 1048576, 4194304))
    spec.vlan = rng.choice((None, None, 100))
    if rng.random() < 0.3:
        spec.cpu = "<cpu mode='host-passthrough'><topology sockets='1' dies='1' cores='2' threads='1'/></cpu>"
    return spec


# aims that leave the domain listed (field derivations): half of the mixes use only these, so that listed
# fields get compared on varied domains and not only on the few that survive 2-4 drop triggers
FIELD_AIMS = (
    "block_non_disk_listed_as_disk",
    "boot_detection_loader_only",
    "boot_fields_absent",
    "cpucorepersocket_from_topology",
    "cpuspeed_from_shares",
    "disk_device_not_listed",
    "disk_label_empty_omitted",
    "disk_type_not_listed",
    "memory_int_overflow",
    "metadata_shadows_element",
    "network_disk_any_device_listed",
    "nic_networkname_is_target_dev",
    "nic_vlan_from_bridge",
    "nic_vlan_not_parsed",
)


def generate(seed: int, combinations: int) -> list[tuple[str, Spec]]:
    """(name, spec) for every trigger shape alone, then ``combinations`` random mixes of 2-4 triggers
    (every other one of field aims only)."""
    rng = random.Random(seed)
    out: list[tuple[str, Spec]] = [("base", Spec())]
    for code, shapes in TRIGGERS.items():
        for index, shape in enumerate(shapes):
            spec = Spec(triggers=[code])
            shape(spec, rng)
            out.append((f"{code}-{index}", spec))
    codes = sorted(TRIGGERS)
    for n in range(combinations):
        spec = _random_base(rng)
        for code in rng.sample(codes if n % 2 else FIELD_AIMS, rng.randint(2, 4)):
            rng.choice(TRIGGERS[code])(spec, rng)
            spec.triggers.append(code)
        out.append((f"mix{n:03d}-{'+'.join(spec.triggers)}", spec))
    return out
