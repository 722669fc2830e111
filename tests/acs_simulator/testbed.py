"""Small real QEMU domains for the simulator's own tests (until/unless tests/infra/domains.py is used).

Every name starts with ``h3sim-`` so cleanup can never touch another engineer's domains.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import libvirt
import pytest

PREFIX = "h3sim-"
POOL_DIR = Path("/var/lib/acs-ingest-sim/pool1")
URI = "qemu:///system"


@dataclass
class SimDomain:
    name: str
    macs: list[str]
    disks: list[Path]
    extra_xml: str = ""
    xml: str = field(default="", repr=False)


def _mac() -> str:
    raw = uuid.uuid4().bytes
    return "52:54:00:" + ":".join(f"{b:02x}" for b in raw[:3])


def domain_xml(
    name: str,
    disks: list[Path],
    macs: list[str],
    bridges: list[str],
    nic_model: str = "virtio",
    extra_devices: str = "",
    cputune: bool = True,
    acpi: bool = False,
) -> str:
    disk_xml = "".join(
        f"<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='{p}'/>"
        f"<target dev='vd{chr(ord('a') + i)}' bus='virtio'/></disk>"
        for i, p in enumerate(disks)
    )
    nic_xml = "".join(
        f"<interface type='bridge'><mac address='{m}'/><source bridge='{b}'/><model type='{nic_model}'/></interface>"
        for m, b in zip(macs, bridges, strict=True)
    )
    tune = "<cputune><shares>1024</shares></cputune>" if cputune else ""
    features = "<features><acpi/></features>" if acpi else ""  # ACPI: PCI hotplug (addNicToVirtualMachine live)
    return (
        f"<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>{tune}{features}"
        "<os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>"
        "<cpu><topology sockets='1' cores='1' threads='1'/></cpu>"
        f"<devices><emulator>/usr/bin/qemu-system-x86_64</emulator>{disk_xml}{nic_xml}{extra_devices}"
        "</devices></domain>"
    )


def remove_domain(conn: libvirt.virConnect, name: str) -> None:
    """Stop and undefine a test domain; one that is already gone (or half gone) is fine."""
    try:
        dom = conn.lookupByName(name)
        if dom.isActive():
            dom.destroy()
        if dom.isPersistent():
            dom.undefine()
    except libvirt.libvirtError:
        pass


class DomainFactory:
    def __init__(self) -> None:
        self.conn = libvirt.open(URI)
        self.created: list[SimDomain] = []
        POOL_DIR.mkdir(parents=True, exist_ok=True)

    def create(
        self,
        suffix: str,
        *,
        running: bool = True,
        persistent: bool = True,
        data_disks: int = 0,
        bridges: tuple[str, ...] = ("cloudbr0",),
        macs: list[str] | None = None,
        nic_model: str = "virtio",
        extra_devices: str = "",
        cputune: bool = True,
        acpi: bool = False,
    ) -> SimDomain:
        name = f"{PREFIX}{suffix}-{uuid.uuid4().hex[:6]}"
        disks = []
        for i in range(1 + data_disks):
            path = POOL_DIR / f"{name}-{i}.qcow2"
            subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(path), "64M"], check=True)
            disks.append(path)
        macs = macs or [_mac() for _ in bridges]
        xml = domain_xml(name, disks, macs, list(bridges), nic_model, extra_devices, cputune, acpi)
        dom_info = SimDomain(name, macs, disks, xml=xml)
        self.created.append(dom_info)
        if persistent:
            dom = self.conn.defineXML(xml)
            if running:
                dom.create()
        elif running:
            self.conn.createXML(xml, 0)
        return dom_info

    def lookup(self, name: str) -> libvirt.virDomain:
        return self.conn.lookupByName(name)

    def cleanup(self) -> None:
        for d in self.created:
            remove_domain(self.conn, d.name)
            for path in d.disks:
                path.unlink(missing_ok=True)
        self.conn.close()


@pytest.fixture
def sim_domains() -> Iterator[DomainFactory]:
    factory = DomainFactory()
    yield factory
    factory.cleanup()
