"""Real QEMU test domains on a libvirt URI, and the pytest fixture that cleans them up.

Every name this factory creates starts with a per-factory prefix (``acsit-<token>-``) so that
cleanup can never touch domains made by other tests or other people on the same libvirtd.
Disk images live in ``<image_root>/<prefix>/`` and are deleted with the domains.

Domains are ``<domain type='qemu'>`` (TCG; the test bed has no KVM). They boot nothing: the
disks are blank, so a running domain just sits in the BIOS, which is all the tests need.

Test-bed note: libvirt refuses ``<vlan><tag>`` on a plain Linux bridge when the domain *starts*
("vlan tag not supported for this connection type"), so a NIC with ``vlan=`` only works on a
defined, shut-off domain. ``create`` raises ValueError up front rather than letting libvirt fail.

Usage::

    def test_something(test_domains):
        dom = test_domains.create("web", disks=[DiskSpec(size_mib=32)], nics=[NicSpec("cloudbr0")])
        dom.name      # "acsit-1a2b3c-web"
        dom.disks[0].path, dom.nics[0].mac
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import quoteattr

import libvirt
import pytest

DEFAULT_URI = os.environ.get("ACS_INGEST_TEST_LIBVIRT_URI", "qemu:///system")
# Under /var/lib/libvirt/images so the qemu user can reach the files through the 0711 parents.
DEFAULT_IMAGE_ROOT = Path(os.environ.get("ACS_INGEST_TEST_IMAGE_ROOT", "/var/lib/libvirt/images/acs-ingest-tests"))
TEST_BRIDGES = ("cloudbr0", "cloudbr1", "breth1-100", "breth1-200", "breth1-400")

# libvirt-python prints every error to stderr by default, even the ones we expect and catch
# (e.g. a transient domain vanishing on destroy); the exceptions still carry the message.
libvirt.registerErrorHandler(lambda _ctx, _err: None, None)

_DEV_PREFIX = {"virtio": "vd", "scsi": "sd", "sata": "sd", "usb": "sd", "ide": "hd", "xen": "xvd"}


@dataclass
class DiskSpec:
    """One disk. ``backing`` is a path to an existing image, or ``True`` to make a qcow2 base first."""

    size_mib: int = 16
    format: str = "qcow2"  # "qcow2" or "raw"; made with qemu-img
    bus: str = "virtio"
    backing: str | bool | None = None
    cache: str | None = None  # driver cache mode, e.g. "none"
    device: str = "disk"  # "disk" or "cdrom" (a cdrom gets no image, just an empty drive)
    target: str | None = None  # override the target dev name (vda, sdb, ...)


@dataclass
class NicSpec:
    bridge: str = "cloudbr0"
    mac: str | None = None  # generated (52:54:00:xx:xx:xx) when None
    model: str | None = "virtio"  # None leaves out <model>, which CloudStack's agent cannot parse
    vlan: int | None = None  # <vlan><tag id=...>: defined-only domains, see module docstring


@dataclass
class CreatedDisk:
    path: str | None
    format: str
    bus: str
    target: str
    size_bytes: int
    device: str
    backing_path: str | None = None


@dataclass
class CreatedNic:
    mac: str
    bridge: str
    model: str | None
    vlan: int | None


@dataclass
class TestDomain:
    __test__ = False  # not a pytest test class despite the name

    name: str
    uuid: str
    running: bool
    persistent: bool
    vcpus: int
    memory_mib: int
    disks: list[CreatedDisk]
    nics: list[CreatedNic]
    xml: str  # the XML we handed to libvirt
    domain: libvirt.virDomain = field(repr=False)


def _as_spec(item: DiskSpec | NicSpec | dict, cls: type) -> DiskSpec | NicSpec:
    return item if isinstance(item, cls) else cls(**item)


def _qemu_img(*args: str) -> None:
    subprocess.run(["qemu-img", *args], check=True, capture_output=True, text=True)


def _target_name(bus: str, counters: dict[str, int]) -> str:
    prefix = _DEV_PREFIX.get(bus, "sd")
    index = counters.get(prefix, 0)
    counters[prefix] = index + 1
    return prefix + "abcdefghijklmnopqrstuvwxyz"[index]


class DomainFactory:
    """Creates domains on one libvirt URI and remembers everything it made."""

    def __init__(self, uri: str = DEFAULT_URI, image_root: Path = DEFAULT_IMAGE_ROOT, prefix: str | None = None):
        self.uri = uri
        self.prefix = prefix or f"acsit-{secrets.token_hex(3)}-"
        self.image_dir = Path(image_root) / self.prefix.rstrip("-")
        self.conn = libvirt.open(uri)
        self.created: list[TestDomain] = []
        self._mac_counter = 0

    # -- building blocks -------------------------------------------------------------------

    def _next_mac(self) -> str:
        # Derived from the prefix so that parallel factories don't hand out the same MAC.
        self._mac_counter += 1
        token = hashlib.sha256(self.prefix.encode()).hexdigest()[:4]
        return f"52:54:{token[0:2]}:{token[2:4]}:{(self._mac_counter >> 8) & 0xFF:02x}:{self._mac_counter & 0xFF:02x}"

    def make_image(self, filename: str, size_mib: int, fmt: str = "qcow2", backing: str | None = None) -> str:
        """Create an image in this factory's directory; returns its path."""
        self.image_dir.mkdir(parents=True, exist_ok=True)
        path = str(self.image_dir / filename)
        if backing:
            backing_fmt = _probe_format(backing)
            _qemu_img("create", "-f", fmt, "-b", backing, "-F", backing_fmt, path, f"{size_mib}M")
        else:
            _qemu_img("create", "-f", fmt, path, f"{size_mib}M")
        return path

    def _disk_xml(self, name: str, index: int, spec: DiskSpec, counters: dict[str, int]) -> tuple[str, CreatedDisk]:
        target = spec.target or _target_name(spec.bus, counters)
        cache = f" cache={quoteattr(spec.cache)}" if spec.cache else ""
        if spec.device == "cdrom":
            xml = (
                f"<disk type='file' device='cdrom'><driver name='qemu' type='raw'{cache}/>"
                f"<target dev={quoteattr(target)} bus={quoteattr(spec.bus)}/><readonly/></disk>"
            )
            return xml, CreatedDisk(None, "raw", spec.bus, target, 0, "cdrom")
        backing_path = None
        if spec.backing is True:
            backing_path = self.make_image(f"{name}-disk{index}-base.qcow2", spec.size_mib, "qcow2")
        elif isinstance(spec.backing, str):
            backing_path = spec.backing
        ext = "qcow2" if spec.format == "qcow2" else "img"
        path = self.make_image(f"{name}-disk{index}.{ext}", spec.size_mib, spec.format, backing_path)
        xml = (
            f"<disk type='file' device='disk'><driver name='qemu' type={quoteattr(spec.format)}{cache}/>"
            f"<source file={quoteattr(path)}/><target dev={quoteattr(target)} bus={quoteattr(spec.bus)}/></disk>"
        )
        return xml, CreatedDisk(path, spec.format, spec.bus, target, spec.size_mib * 1024 * 1024, "disk", backing_path)

    def _nic_xml(self, spec: NicSpec) -> tuple[str, CreatedNic]:
        mac = (spec.mac or self._next_mac()).lower()
        model = f"<model type={quoteattr(spec.model)}/>" if spec.model else ""
        vlan = f"<vlan><tag id='{int(spec.vlan)}'/></vlan>" if spec.vlan is not None else ""
        xml = (
            f"<interface type='bridge'><mac address={quoteattr(mac)}/>"
            f"<source bridge={quoteattr(spec.bridge)}/>{model}{vlan}</interface>"
        )
        return xml, CreatedNic(mac, spec.bridge, spec.model, spec.vlan)

    # -- the public API --------------------------------------------------------------------

    def create(
        self,
        name: str,
        running: bool = True,
        persistent: bool = True,
        vcpus: int = 1,
        memory_mib: int = 64,
        disks: Sequence[DiskSpec | dict] = (DiskSpec(),),
        nics: Sequence[NicSpec | dict] = (NicSpec(),),
        cputune_shares: int | None = None,
        cpu_topology: tuple[int, int, int] | dict | None = None,
        extra_devices_xml: str = "",
        os_xml: str | None = None,
    ) -> TestDomain:
        """Define and/or start a domain named ``<prefix><name>``.

        ``running=True, persistent=False`` makes a transient domain (virDomainCreateXML);
        ``persistent=True`` defines it first and then starts it if ``running``.
        ``cpu_topology`` is (sockets, cores, threads) or a dict with those keys.
        ``os_xml`` replaces the default ``<os>`` element (e.g. a UEFI loader).
        """
        if not running and not persistent:
            raise ValueError("a transient domain cannot be shut off: use persistent=True or running=True")
        disk_specs = [_as_spec(d, DiskSpec) for d in disks]
        nic_specs = [_as_spec(n, NicSpec) for n in nics]
        if running and any(n.vlan is not None for n in nic_specs):
            raise ValueError("libvirt cannot start a domain with <vlan><tag> on a Linux bridge: use running=False")
        full_name = self.prefix + name
        counters: dict[str, int] = {}
        disk_parts = [self._disk_xml(full_name, i, s, counters) for i, s in enumerate(disk_specs)]
        nic_parts = [self._nic_xml(s) for s in nic_specs]
        cputune = f"<cputune><shares>{int(cputune_shares)}</shares></cputune>" if cputune_shares is not None else ""
        cpu = ""
        if cpu_topology is not None:
            topo = (
                cpu_topology
                if isinstance(cpu_topology, dict)
                else dict(zip(("sockets", "cores", "threads"), cpu_topology, strict=True))
            )
            cpu = (
                f"<cpu><topology sockets='{int(topo['sockets'])}' cores='{int(topo['cores'])}' "
                f"threads='{int(topo['threads'])}'/></cpu>"
            )
        os_part = os_xml or "<os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>"
        xml = (
            f"<domain type='qemu'><name>{full_name}</name>"
            f"<memory unit='MiB'>{int(memory_mib)}</memory><vcpu>{int(vcpus)}</vcpu>"
            f"{cputune}{os_part}{cpu}<devices>"
            + "".join(x for x, _ in disk_parts)
            + "".join(x for x, _ in nic_parts)
            + extra_devices_xml
            + "</devices></domain>"
        )
        if persistent:
            dom = self.conn.defineXML(xml)
            self._remember(full_name, dom, running, persistent, vcpus, memory_mib, disk_parts, nic_parts, xml)
            if running:
                dom.create()
        else:
            dom = self.conn.createXML(xml, 0)
            self._remember(full_name, dom, running, persistent, vcpus, memory_mib, disk_parts, nic_parts, xml)
        return self.created[-1]

    def _remember(self, name, dom, running, persistent, vcpus, memory_mib, disk_parts, nic_parts, xml) -> None:
        self.created.append(
            TestDomain(
                name=name,
                uuid=dom.UUIDString(),
                running=running,
                persistent=persistent,
                vcpus=vcpus,
                memory_mib=memory_mib,
                disks=[d for _, d in disk_parts],
                nics=[n for _, n in nic_parts],
                xml=xml,
                domain=dom,
            )
        )

    def cleanup(self) -> None:
        """Destroy and undefine every domain carrying this prefix, then delete the image dir."""
        with contextlib.suppress(libvirt.libvirtError):
            for dom in self.conn.listAllDomains(0):
                if not dom.name().startswith(self.prefix):
                    continue
                with contextlib.suppress(libvirt.libvirtError):
                    if dom.isActive():
                        dom.destroy()
                with contextlib.suppress(libvirt.libvirtError):
                    if dom.isPersistent():
                        # NVRAM flag: UEFI domains refuse a plain undefine.
                        dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_NVRAM)
        shutil.rmtree(self.image_dir, ignore_errors=True)
        self.created.clear()

    def close(self) -> None:
        self.cleanup()
        with contextlib.suppress(libvirt.libvirtError):
            self.conn.close()


def _probe_format(path: str) -> str:
    out = subprocess.run(["qemu-img", "info", "--output=json", path], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)["format"]


@contextlib.contextmanager
def domain_factory(uri: str = DEFAULT_URI, prefix: str | None = None) -> Iterator[DomainFactory]:
    """Context-manager form for module- or session-scoped fixtures and scripts."""
    factory = DomainFactory(uri=uri, prefix=prefix)
    try:
        yield factory
    finally:
        factory.close()


@pytest.fixture
def test_domains() -> Iterator[DomainFactory]:
    """Per-test factory; everything it created is removed when the test ends."""
    with domain_factory() as factory:
        yield factory
