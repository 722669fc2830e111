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

from ansible_collections.acs.ingest.plugins.module_utils._rules import agent_disks as dsk
from ansible_collections.acs.ingest.plugins.module_utils._rules import agent_domain as dom_rules
from ansible_collections.acs.ingest.plugins.module_utils._rules.agent_parse_devices import (
    parse_channels,
    parse_interface,
    parse_rngs,
    parse_watchdogs,
)
from ansible_collections.acs.ingest.plugins.module_utils._rules.agent_parsed import (
    ParsedDisk,
    ParsedDomain,
    ParsedNic,
    Walk,
)
from ansible_collections.acs.ingest.plugins.module_utils._rules.catalogue import Finding
from ansible_collections.acs.ingest.plugins.module_utils._rules.dom import (
    Element,
    attr_value,
    enum_name,
    java_int,
    java_is_blank,
    java_long,
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
ENCRYPT_FORMATS = ("LUKS", "AES")
IOTUNE_VALUES = tuple(
    f"{direction}_{what}_sec{suffix}"
    for what in ("bytes", "iops")
    for direction in ("read", "write")
    for suffix in ("", "_max", "_max_length")
)


def parse_domain(root: Element, version: Version, subject: str = "") -> tuple[ParsedDomain, list[Finding]]:
    walk = Walk(version, subject)
    parsed = ParsedDomain()
    # LibvirtDomainXMLParser.parseDomainXML: description, name, then <devices> (first anywhere).
    parsed.description = walk.text(root, "description", dom_rules.DESCRIPTION_EMPTY_ELEMENT, "description")
    parsed.name = walk.text(root, "name", dom_rules.NAME_EMPTY_ELEMENT, "name")
    devices = root.first("devices")
    if devices is None:
        walk.hit(dom_rules.DEVICES_MISSING, "devices", "the domain has no <devices> element")
    else:
        for position, disk in enumerate(devices.all("disk")):
            parsed.disks.append(_disk(walk, disk, position))
        for position, nic in enumerate(devices.all("interface")):
            mac, target = attr_value(nic, "mac", "address"), attr_value(nic, "target", "dev")
            record = ParsedNic(position, net_type=nic.attribute("type"), mac=mac, dev=target)
            parsed.nics.append(parse_interface(walk, nic, position, record))
        parse_channels(walk, devices)
        graphics = devices.first("graphics")
        if graphics is not None:
            parsed.vnc_password = graphics.attribute("passwd")
        parse_rngs(walk, devices)
        parse_watchdogs(walk, devices)
    _cputune(walk, root, parsed)
    _cpu(walk, root, parsed)
    if version in IN_20_2_AND_22:
        _boot(root, parsed)
    return parsed, walk.findings


def _bus(walk: Walk, bus: str | None, where: str) -> str | None:
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


def _format(walk: Walk, fmt: str | None, where: str) -> None:
    # DiskDef.DiskFmtType.valueOf, guarded only by "!= null".
    if fmt is None:
        return
    if fmt == "":
        walk.hit(dsk.DISK_FORMAT_BLANK, f"{where}.driver.type", f"{where} has a <driver> without type")
    elif enum_name(fmt, DISK_FORMATS) is None:
        walk.hit(dsk.DISK_FORMAT_UNKNOWN, f"{where}.driver.type", f"{where} is in format '{fmt}'", value=fmt.upper())


def _disk(walk: Walk, disk: Element, position: int) -> ParsedDisk:
    before = len(walk.findings)
    parsed = _disk_kind(walk, disk, position)
    parsed.failed = len(walk.findings) > before
    return parsed


def _disk_kind(walk: Walk, disk: Element, position: int) -> ParsedDisk:
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


def _cputune(walk: Walk, root: Element, parsed: ParsedDomain) -> None:
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


def _cpu(walk: Walk, root: Element, parsed: ParsedDomain) -> None:
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
