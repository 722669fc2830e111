# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""What CloudStack's ``LibvirtDomainXMLParser.parseDomainXML`` makes of a domain, by agent version.

We walk the document in the parser's order and, where the Java code would throw, record a finding
of the matching rule and carry on (the pre-flight reports *every* reason, CloudStack stops at the
first). The result holds what the listing wrappers read afterwards: the disks the parser defined,
the interfaces, the VNC password, cputune shares, cores per socket and the boot loader.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ansible_collections.acs.ingest.plugins.module_utils._rules import agent_devices as dev
from ansible_collections.acs.ingest.plugins.module_utils._rules import agent_disks as dsk
from ansible_collections.acs.ingest.plugins.module_utils._rules import agent_domain as dom_rules
from ansible_collections.acs.ingest.plugins.module_utils._rules.catalogue import Finding, Rule, find
from ansible_collections.acs.ingest.plugins.module_utils._rules.dom import (
    EMPTY_ELEMENT,
    Element,
    attr_value,
    enum_name,
    java_int,
    java_is_blank,
    java_long,
    tag_value,
)
from ansible_collections.acs.ingest.plugins.module_utils._rules.versions import (
    BEFORE_FIX_19_2_20_1,
    IN_20_2_AND_22,
    Version,
)

# Enum constants (LibvirtVMDef), matched against the upper-cased XML value. Constants no libvirt value can
# reach are left out: DiskBus.VIRTIOBLK (4.21+; "virtio-blk" upper-cases to VIRTIO-BLK) and
# DiskCacheMode.HYPERVISOR_DEFAULT (4.22; "default" upper-cases to DEFAULT).
DISK_BUSES = ("IDE", "SCSI", "VIRTIO", "XEN", "USB", "UML", "FDC", "SATA")
DISK_FORMATS = ("RAW", "QCOW2")
CACHE_MODES = ("NONE", "WRITEBACK", "WRITETHROUGH")
PROTOCOLS = ("RBD", "SHEEPDOG", "GLUSTER")
NIC_MODELS = ("E1000", "VIRTIO", "RTL8139", "NE2KPCI", "VMXNET3")
NIC_MODEL_STRINGS = {"E1000": "e1000", "VIRTIO": "virtio", "RTL8139": "rtl8139", "NE2KPCI": "ne2k_pci"}
CHANNEL_TYPES = ("UNIX", "SERIAL", "SPICEVMC")
CHANNEL_STATES = ("DISCONNECTED", "CONNECTED")
RNG_BACKENDS = ("RANDOM", "EGD")
WATCHDOG_ACTIONS = ("RESET", "SHUTDOWN", "POWEROFF", "PAUSE", "NONE", "DUMP")  # + INJECT_NMI, unreachable
ENCRYPT_FORMATS = ("LUKS", "AES")
IOTUNE_VALUES = tuple(
    f"{direction}_{what}_sec{suffix}"
    for what in ("bytes", "iops")
    for direction in ("read", "write")
    for suffix in ("", "_max", "_max_length")
)
PARSED_NIC_TYPES = ("network", "bridge", "ethernet")  # compared case-insensitively


def watchdog_models(version: Version) -> tuple[str, ...]:
    """``WatchDogDef.WatchDogModel``: ITCO from 4.19.1 (672206c312), NONE from 4.20.1 (7e295ec4e1)."""
    models = ["I6300ESB", "IB700", "DIAG288"]
    if version >= (4, 19, 1):
        models.append("ITCO")
    if version >= (4, 20, 1):
        models.append("NONE")
    return tuple(models)


@dataclass
class ParsedDisk:
    position: int  # index among all <disk> elements
    disk_type: str | None = None  # file | block | network; None: not defined (volume, dir, ...)
    device_type: str | None = None  # disk | cdrom; only "disk" is listed
    label: str | None = None
    bus: str | None = None  # lower-case enum string
    source_path: str | None = None
    source_host: str | None = None
    port: int = 0
    xml_type: str = ""
    xml_device: str = ""
    failed: bool = False  # the parser already threw on this disk: the wrapper never sees it


@dataclass
class ParsedNic:
    position: int
    net_type: str = ""  # as written
    model: str | None = None  # lower-case enum string, None when never parsed
    mac: str | None = None
    dev: str | None = None
    bridge: str | None = None
    slot: int | None = None


@dataclass
class ParsedDomain:
    disks: list[ParsedDisk] = field(default_factory=list)
    nics: list[ParsedNic] = field(default_factory=list)
    vnc_password: str | None = None
    has_cputune: bool = False
    shares: int = 0
    has_cpu: bool = False
    cores_per_socket: int = -1
    boot_type: str = "BIOS"
    boot_mode: str = "LEGACY"
    name: str | None = None
    description: str | None = None


class _Walk:
    """One pass over the document, collecting findings (``subject`` is the domain name)."""

    def __init__(self, version: Version, subject: str) -> None:
        self.version = version
        self.subject = subject
        self.findings: list[Finding] = []

    def hit(
        self, rule: Rule, field_name: str, detail: str, fix: str = "", value: object = None, text: str = ""
    ) -> None:
        """``value`` fills the %s of CloudStack's text: the upper-cased enum value or the number as written."""
        found = find(rule, field_name, detail, self.version, subject=self.subject, fix=fix, value=value, text=text)
        self.findings.append(found)

    def text(self, scope: Element | None, tag: str, rule: Rule, field_name: str) -> str | None:
        """``getTagValue``: an empty element is None, except on 4.19.0 where it throws (``rule``)."""
        value = tag_value(scope, tag)
        if value is EMPTY_ELEMENT:
            if self.version < (4, 19, 1):
                self.hit(rule, field_name, f"<{tag}/> is an empty element")
            return None
        return value if isinstance(value, str) else None


def parse_domain(root: Element, version: Version, subject: str = "") -> tuple[ParsedDomain, list[Finding]]:
    walk = _Walk(version, subject)
    parsed = ParsedDomain()
    # LibvirtDomainXMLParser.parseDomainXML: description, name, then <devices> (first anywhere).
    parsed.description = walk.text(root, "description", dom_rules.DESCRIPTION_EMPTY_ELEMENT, "description")
    parsed.name = walk.text(root, "name", dom_rules.DESCRIPTION_EMPTY_ELEMENT, "name")
    devices = root.first("devices")
    if devices is None:
        walk.hit(dom_rules.DEVICES_MISSING, "devices", "the domain has no <devices> element")
    else:
        for position, disk in enumerate(devices.all("disk")):
            parsed.disks.append(_disk(walk, disk, position))
        for position, nic in enumerate(devices.all("interface")):
            parsed.nics.append(_interface(walk, nic, position))
        _channels(walk, devices)
        graphics = devices.first("graphics")
        if graphics is not None:
            parsed.vnc_password = graphics.attribute("passwd")
        _rngs(walk, devices)
        _watchdogs(walk, devices)
    _cputune(walk, root, parsed)
    _cpu(walk, root, parsed)
    if version in IN_20_2_AND_22:
        _boot(root, parsed)
    return parsed, walk.findings


def _bus(walk: _Walk, bus: str | None, where: str) -> str | None:
    # DiskDef.DiskBus.valueOf(bus.toUpperCase()) in parseDomainXML / parseDiskBlock.
    if bus is None:
        walk.hit(dsk.DISK_TARGET_MISSING, f"{where}.target", f"{where} has no <target>")
        return None
    constant = enum_name(bus, DISK_BUSES)
    if bus == "":
        walk.hit(dsk.DISK_BUS_BLANK, f"{where}.target.bus", f"{where} has no bus on its <target>")
    elif constant is None:
        walk.hit(dsk.DISK_BUS_UNKNOWN, f"{where}.target.bus", f"{where} is on bus '{bus}'", value=bus.upper())
    return bus.lower() if constant else None


def _format(walk: _Walk, fmt: str | None, where: str) -> None:
    # DiskDef.DiskFmtType.valueOf, guarded only by "!= null".
    if fmt is None:
        return
    if fmt == "":
        walk.hit(dsk.DISK_FORMAT_BLANK, f"{where}.driver.type", f"{where} has a <driver> without type")
    elif enum_name(fmt, DISK_FORMATS) is None:
        walk.hit(dsk.DISK_FORMAT_UNKNOWN, f"{where}.driver.type", f"{where} is in format '{fmt}'", value=fmt.upper())


def _disk(walk: _Walk, disk: Element, position: int) -> ParsedDisk:
    before = len(walk.findings)
    parsed = _disk_kind(walk, disk, position)
    parsed.failed = len(walk.findings) > before
    return parsed


def _disk_kind(walk: _Walk, disk: Element, position: int) -> ParsedDisk:
    xml_type = disk.attribute("type")
    label = attr_value(disk, "target", "dev")
    where = f"disk {label or position}"
    parsed = ParsedDisk(position, label=label, xml_type=xml_type, xml_device=disk.attribute("device"))
    cache = attr_value(disk, "driver", "cache")
    bus = attr_value(disk, "target", "bus")
    if xml_type.lower() == "network":
        fmt = attr_value(disk, "driver", "type")
        protocol = attr_value(disk, "source", "protocol")
        port = attr_value(disk, "host", "port")
        if not java_is_blank(port) and java_int(port) is None:
            walk.hit(
                dsk.NETWORK_DISK_HOST_PORT_INVALID,
                f"{where}.source.host.port",
                f"{where} has host port '{port}'",
                value=port,
            )
        _format(walk, fmt, where)
        parsed.bus = _bus(walk, bus, where)
        if protocol is None:
            walk.hit(dsk.NETWORK_DISK_SOURCE_MISSING, f"{where}.source", f"network {where} has no <source>")
        elif enum_name(protocol, PROTOCOLS) is None:
            walk.hit(
                dsk.NETWORK_DISK_PROTOCOL_UNKNOWN,
                f"{where}.source.protocol",
                f"{where} uses protocol '{protocol}'",
                value=protocol.upper(),
            )
        # DiskDef.defNetworkBasedDisk: always device DISK, whatever <disk device> says.
        parsed.disk_type, parsed.device_type = "network", "disk"
        parsed.source_path = attr_value(disk, "source", "name")
        parsed.source_host = ",".join(host.attribute("name") for host in disk.all("host"))
        parsed.port = (java_int(port) or 0) if not java_is_blank(port) else 0
        # The cache mode of a network disk is parsed unconditionally (null -> NPE, "" -> no constant).
        if java_is_blank(cache) or enum_name(cache or "", CACHE_MODES) is None:
            rule = dsk.NETWORK_DISK_CACHE_BLANK if java_is_blank(cache) else dsk.DISK_CACHE_UNKNOWN
            shown = "no cache mode" if java_is_blank(cache) else f"cache='{cache}'"
            walk.hit(rule, f"{where}.driver.cache", f"network {where} has {shown}", value=(cache or "").upper())
    else:
        device = disk.attribute("device")
        if xml_type.lower() == "file":
            if device.lower() == "disk":
                _format(walk, attr_value(disk, "driver", "type"), where)
                parsed.bus = _bus(walk, bus, where)
                parsed.disk_type, parsed.device_type = "file", "disk"
                parsed.source_path = attr_value(disk, "source", "file")
            elif device.lower() == "cdrom":
                parsed.disk_type, parsed.device_type = "file", "cdrom"
        elif xml_type.lower() == "block":
            # 4.19.2+/4.20.1+ (d54b105a03, parseDiskBlock): only device='disk' is a disk. Before: every block device.
            if walk.version not in BEFORE_FIX_19_2_20_1 and device.lower() != "disk":
                if device.lower() == "cdrom":
                    parsed.disk_type, parsed.device_type = "block", "cdrom"
            else:
                parsed.bus = _bus(walk, bus, where)
                parsed.disk_type, parsed.device_type = "block", "disk"
                parsed.source_path = attr_value(disk, "source", "dev")
        if not java_is_blank(cache) and enum_name(cache or "", CACHE_MODES) is None:
            walk.hit(
                dsk.DISK_CACHE_UNKNOWN,
                f"{where}.driver.cache",
                f"{where} has cache='{cache}'",
                value=(cache or "").upper(),
            )
    iotune = disk.first("iotune")
    if iotune is not None:
        for name in IOTUNE_VALUES:
            value = walk.text(iotune, name, dsk.DISK_IOTUNE_VALUE_EMPTY, f"{where}.iotune.{name}")
            if value is not None and java_long(value) is None:
                walk.hit(
                    dsk.DISK_IOTUNE_VALUE_INVALID,
                    f"{where}.iotune.{name}",
                    f"{where} has {name} '{value}'",
                    value=value,
                )
    encryption = disk.first("encryption")
    if encryption is not None:
        # QemuObject.EncryptFormat.enumValue: blank means LUKS.
        fmt = encryption.attribute("format")
        if not java_is_blank(fmt) and enum_name(fmt, ENCRYPT_FORMATS) is None:
            walk.hit(
                dsk.DISK_ENCRYPTION_FORMAT_UNKNOWN,
                f"{where}.encryption",
                f"{where} is encrypted as '{fmt}'",
                value=fmt.upper(),
            )
    return parsed


def _interface(walk: _Walk, nic: Element, position: int) -> ParsedNic:
    net_type = nic.attribute("type")
    mac = attr_value(nic, "mac", "address")
    where = f"NIC {position} ({mac or 'no MAC'})"
    parsed = ParsedNic(position, net_type=net_type, mac=mac, dev=attr_value(nic, "target", "dev"))
    model = attr_value(nic, "model", "type")
    bandwidth = nic.first("bandwidth")
    if bandwidth is not None:
        # Integer.valueOf on both averages of the first <bandwidth>, for every interface type.
        for direction in ("inbound", "outbound"):
            average = attr_value(bandwidth, direction, "average")
            if java_int(average) is None:
                shown = f"no <{direction}>" if average is None else f"{direction} average '{average}'"
                walk.hit(
                    dev.NIC_BANDWIDTH_INCOMPLETE,
                    f"nic[{position}].bandwidth",
                    f"{where} has {shown}",
                    value=average,
                    text="Cannot parse null string: null" if average is None else "",
                )
    if net_type.lower() in PARSED_NIC_TYPES:
        if model is None:
            walk.hit(dev.NIC_MODEL_MISSING, f"nic[{position}].model", f"{where} has no <model>")
        elif model == "":
            walk.hit(dev.NIC_MODEL_BLANK, f"nic[{position}].model", f"{where} has a <model> without type")
        elif enum_name(model, NIC_MODELS) is None:
            walk.hit(
                dev.NIC_MODEL_UNKNOWN, f"nic[{position}].model", f"{where} has model '{model}'", value=model.upper()
            )
        else:
            constant = enum_name(model, NIC_MODELS) or ""
            parsed.model = NIC_MODEL_STRINGS.get(constant, constant.lower())
        if net_type.lower() == "bridge":
            parsed.bridge = attr_value(nic, "source", "bridge")
    else:
        # vhostuser gets DPDK fields but no model; other types are not parsed at all. The wrapper's
        # getModel().toString() then throws for every one of them.
        walk.hit(
            dev.NIC_MODEL_NOT_PARSED,
            f"nic[{position}].type",
            f"{where} is of type '{net_type or 'none'}'",
            fix=f"attach {where} to a bridge (type='bridge') or a libvirt network with <model type='virtio'/>",
        )
    queues = attr_value(nic, "driver", "queues")
    if not java_is_blank(queues) and java_int(queues) is None:
        walk.hit(
            dev.NIC_DRIVER_QUEUES_INVALID,
            f"nic[{position}].driver.queues",
            f"{where} has queues '{queues}'",
            value=queues,
        )
    slot = attr_value(nic, "address", "slot")
    if slot is not None and slot.startswith("0x"):  # StringUtils.removeStart(slot, "0x")
        slot = slot[2:]
    if java_is_blank(slot):
        walk.hit(dev.NIC_PCI_SLOT_MISSING, f"nic[{position}].address", f"{where} has no PCI slot")
    elif java_int(slot, 16) is None:
        walk.hit(
            dev.NIC_PCI_SLOT_INVALID, f"nic[{position}].address.slot", f"{where} has PCI slot '{slot}'", value=slot
        )
    else:
        parsed.slot = java_int(slot, 16)
    return parsed


def _channels(walk: _Walk, devices: Element) -> None:
    for position, channel in enumerate(devices.all("channel")):
        kind = channel.attribute("type")
        constant = enum_name(kind, CHANNEL_TYPES)
        if constant is None:
            inside_graphics = kind == "" and any(
                channel is child for graphics in devices.all("graphics") for child in graphics.all("channel")
            )
            if inside_graphics:
                walk.hit(dev.GRAPHICS_CHANNEL_UNTYPED, "graphics.channel", "<graphics> has a <channel> child")
            else:
                walk.hit(
                    dev.CHANNEL_TYPE_UNSUPPORTED,
                    f"channel[{position}].type",
                    f"<channel type='{kind}'> is present",
                    value=kind.upper(),
                )
            continue
        if constant == "SPICEVMC":
            continue
        state = attr_value(channel, "target", "state")
        if not java_is_blank(state) and enum_name(state or "", CHANNEL_STATES) is None:
            walk.hit(
                dev.CHANNEL_STATE_UNKNOWN,
                f"channel[{position}].target.state",
                f"a channel has state '{state}'",
                value=(state or "").upper(),
            )


def _rngs(walk: _Walk, devices: Element) -> None:
    for position, rng in enumerate(devices.all("rng")):
        backend = attr_value(rng, "backend", "model")
        walk.text(rng, "backend", dev.RNG_BACKEND_EMPTY, f"rng[{position}].backend")
        if backend and enum_name(backend, RNG_BACKENDS) is None:
            walk.hit(
                dev.RNG_BACKEND_MODEL_UNSUPPORTED,
                f"rng[{position}].backend",
                f"rng backend model '{backend}'",
                value=backend.upper(),
            )
        # Integer.parseInt on rate bytes and period; a missing <rate> becomes "0", a missing attribute "".
        for name in ("bytes", "period"):
            value = attr_value(rng, "rate", name)
            if value is not None and java_int(value) is None:
                walk.hit(
                    dev.RNG_RATE_INCOMPLETE, f"rng[{position}].rate.{name}", f"rng <rate> {name}='{value}'", value=value
                )


def _watchdogs(walk: _Walk, devices: Element) -> None:
    for position, watchdog in enumerate(devices.all("watchdog")):
        model, action = watchdog.attribute("model"), watchdog.attribute("action")
        if model == "":
            continue
        if action != "" and enum_name(action, WATCHDOG_ACTIONS) is None:
            walk.hit(
                dev.WATCHDOG_ACTION_UNSUPPORTED,
                f"watchdog[{position}].action",
                f"watchdog action '{action}'",
                value=action.upper(),
            )
        if enum_name(model, watchdog_models(walk.version)) is None:
            walk.hit(
                dev.WATCHDOG_MODEL_UNSUPPORTED,
                f"watchdog[{position}].model",
                f"watchdog model '{model}'",
                value=model.upper(),
            )


def _cputune(walk: _Walk, root: Element, parsed: ParsedDomain) -> None:
    # LibvirtDomainXMLParser.extractCpuTuneDef: the first <cputune> anywhere.
    cputune = root.first("cputune")
    if cputune is None:
        return
    parsed.has_cputune = True
    for name in ("shares", "quota", "period"):
        value = walk.text(cputune, name, dom_rules.CPUTUNE_VALUE_EMPTY, f"cputune.{name}")
        if java_is_blank(value):
            continue
        number = java_int(value)
        if number is None:
            walk.hit(dom_rules.CPUTUNE_VALUE_INVALID, f"cputune.{name}", f"<cputune><{name}> is '{value}'", value=value)
        elif name == "shares":
            parsed.shares = number


def _cpu(walk: _Walk, root: Element, parsed: ParsedDomain) -> None:
    # LibvirtDomainXMLParser.extractCpuModeDef: the first <cpu> anywhere.
    cpu = root.first("cpu")
    if cpu is None:
        return
    parsed.has_cpu = True
    walk.text(cpu, "model", dom_rules.CPU_MODEL_EMPTY_ELEMENT, "cpu.model")
    names = (
        ("sockets", "cores", "threads") if walk.version in dom_rules.TOPOLOGY_NEEDS_THREADS else ("sockets", "cores")
    )
    values = {name: attr_value(cpu, "topology", name) for name in names}
    if any(java_is_blank(value) for value in values.values()):
        return
    bad = {name: value for name, value in values.items() if java_int(value) is None}
    if bad:
        name, value = next(iter(bad.items()))
        walk.hit(
            dom_rules.CPU_TOPOLOGY_VALUE_INVALID, f"cpu.topology.{name}", f"<topology {name}='{value}'>", value=value
        )
        return
    parsed.cores_per_socket = java_int(values["cores"]) or 0


def _boot(root: Element, parsed: ParsedDomain) -> None:
    # LibvirtDomainXMLParser.extractBootDef (4.20.2, 4.22): the first <loader> of the first <os> anywhere.
    os_element = root.first("os")
    loader = os_element.first("loader") if os_element is not None else None
    if loader is None:
        return
    if loader.attribute("type").lower() == "pflash" or "uefi" in loader.text_content().lower():
        parsed.boot_type = "UEFI"
    if loader.attribute("secure").lower() == "yes":
        parsed.boot_mode = "SECURE"
