"""Domain XML read the way LibvirtDomainXMLParser reads it (facts §3.6), quirks included.

``parse`` raises ``Unsupported`` for every enum value the Java parser cannot map; the agent then drops
the domain silently, as CloudStack does.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

DISK_FORMATS = {"raw", "qcow2"}
DISK_BUSES = {"ide", "scsi", "virtio", "xen", "usb", "uml", "fdc", "sata"}
NET_PROTOCOLS = {"rbd", "sheepdog", "gluster"}
CACHE_MODES = {"none", "writeback", "writethrough"}
NIC_MODELS = {"e1000", "virtio", "rtl8139", "ne2k_pci", "vmxnet3"}
CHANNEL_TYPES = {"unix", "serial", "spicevmc"}


class Unsupported(ValueError):
    """A value the KVM agent's enums cannot hold: the domain is left out of listings."""


@dataclass
class Disk:
    type: str
    device: str
    fmt: str
    bus: str
    dev: str
    source: str
    host: str | None


@dataclass
class Nic:
    type: str
    mac: str
    model: str
    dev: str | None
    bridge: str | None
    network: str | None


@dataclass
class DomainFacts:
    name: str
    disks: list[Disk] = field(default_factory=list)
    nics: list[Nic] = field(default_factory=list)
    shares: int | None = None  # None when <cputune> is absent
    cores_per_socket: int | None = None  # -1 when <cpu> has no complete <topology>
    vnc_password: str | None = None
    boottype: str = "BIOS"
    bootmode: str = "LEGACY"


def _attr(el: ET.Element | None, path: str, name: str) -> str:
    """getAttrValue: attribute of the first descendant, "" when missing (DOM semantics)."""
    if el is None:
        return ""
    found = el.find(f".//{path}")
    return (found.get(name) or "") if found is not None else ""


def parse(xml: str) -> DomainFacts:
    root = ET.fromstring(xml)
    facts = DomainFacts(name=(root.findtext(".//name") or "").strip())
    devices = root.find(".//devices")
    if devices is None:
        raise Unsupported("domain has no <devices>")  # the Java parser hits a NullPointerException
    for disk in devices.iter("disk"):
        facts.disks.append(_disk(disk))
    for iface in devices.iter("interface"):
        facts.nics.append(_nic(iface))
    for chan in devices.iter("channel"):
        if (chan.get("type") or "") not in CHANNEL_TYPES:
            raise Unsupported(f"channel type {chan.get('type')}")
    wd = devices.find(".//watchdog")
    if wd is not None and (wd.get("action") or "").replace("-", "_") == "inject_nmi":
        raise Unsupported("watchdog action inject-nmi")
    cputune = root.find(".//cputune")
    if cputune is not None:
        text = cputune.findtext(".//shares")
        facts.shares = int(text) if text and text.strip().isdigit() else 0
    cpu = root.find(".//cpu")
    if cpu is not None:
        topo = cpu.find(".//topology")
        if topo is not None and all(topo.get(k) for k in ("sockets", "cores", "threads")):
            facts.cores_per_socket = int(topo.get("cores") or 0)
        else:
            facts.cores_per_socket = -1
    graphics = devices.find(".//graphics")
    if graphics is not None and graphics.get("passwd"):
        facts.vnc_password = graphics.get("passwd")
    facts.boottype, facts.bootmode = boot(root)
    return facts


def boot(root: ET.Element) -> tuple[str, str]:
    """(boottype, bootmode) from <os><loader> (the agent's extractBootDef, 4.20+)."""
    loader = root.find(".//os/loader")
    if loader is not None and (loader.get("type") == "pflash" or "uefi" in (loader.text or "").lower()):
        return "UEFI", "SECURE" if loader.get("secure") == "yes" else "LEGACY"
    return "BIOS", "LEGACY"


def _disk(disk: ET.Element) -> Disk:
    dtype, device = disk.get("type") or "", disk.get("device") or "disk"
    fmt = _attr(disk, "driver", "type")
    cache = _attr(disk, "driver", "cache")
    bus = _attr(disk, "target", "bus")
    if cache and cache not in CACHE_MODES:
        raise Unsupported(f"disk cache {cache}")
    if dtype == "network":
        proto = _attr(disk, "source", "protocol")
        if proto not in NET_PROTOCOLS:
            raise Unsupported(f"network disk protocol {proto}")
    if device == "disk":
        if fmt and fmt not in DISK_FORMATS:
            raise Unsupported(f"disk format {fmt}")
        if bus and bus not in DISK_BUSES:
            raise Unsupported(f"disk bus {bus}")
    source = _attr(disk, "source", "file") or _attr(disk, "source", "dev") or _attr(disk, "source", "name")
    host = _attr(disk, "host", "name") or None
    return Disk(dtype, device, fmt, bus, _attr(disk, "target", "dev"), source, host)


def _nic(iface: ET.Element) -> Nic:
    model = iface.find(".//model")
    if model is None or (model.get("type") or "") not in NIC_MODELS:
        raise Unsupported(f"NIC model {None if model is None else model.get('type')}")
    return Nic(
        iface.get("type") or "",
        _attr(iface, "mac", "address"),
        model.get("type") or "",
        _attr(iface, "target", "dev") or None,
        _attr(iface, "source", "bridge") or None,
        _attr(iface, "source", "network") or None,
    )


def strip_config_drive(xml: str, instance: str) -> str:
    """cleanupConfigDrive (facts §3.4): drop every cdrom whose source file contains /<instance>.iso."""
    root = ET.fromstring(xml)
    needle = f"/{instance}.iso"
    for devices in root.iter("devices"):
        for disk in list(devices.findall("disk")):
            src = disk.find("source")
            if disk.get("device") == "cdrom" and src is not None and needle in (src.get("file") or ""):
                devices.remove(disk)
    return ET.tostring(root, encoding="unicode")
