"""The external KVM host for tests: a second real libvirtd on 127.0.0.2 (see external_host.sh).

Fixtures exported to tests/conftest.py:

- ``external_kvm_host`` (session): starts the second libvirtd if needed and returns an
  :class:`ExternalKvmHost` (uri ``qemu+tcp://127.0.0.2/system``, address, SSH user/password,
  disk directory).
- ``external_domain_factory`` (function): creates shut-off (or running) QEMU domains with qcow2
  and raw disks on that host and removes them, and their disk files, afterwards.
- ``external_test_domains`` (function): the shared ``infra.domains.DomainFactory`` pointed at the
  external host (disk images under its disk directory, readable by the SSH user), for tests that
  want that factory's richer specs (buses, NIC models, backing files) on the external host.

Plain helpers (usable outside pytest): :func:`ensure_external_host`, :func:`create_external_domain`,
:func:`remove_external_domain`.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().with_name("external_host.sh")
ADDRESS = os.environ.get("ACS_EXTHOST_ADDRESS", "127.0.0.2")
ROOT = Path(os.environ.get("ACS_EXTHOST_ROOT", "/var/lib/acs-exthost"))
# Domains created by these helpers carry this prefix, so cleanup never touches anyone else's.
NAME_PREFIX = "exth-"

__all__ = [
    "CreatedDomain",
    "DiskSpec",
    "ExternalKvmHost",
    "create_external_domain",
    "ensure_external_host",
    "external_domain_factory",
    "external_test_domains",
    "external_kvm_host",
    "remove_external_domain",
]


@dataclass(frozen=True)
class ExternalKvmHost:
    uri: str
    address: str
    ssh_user: str
    ssh_password: str
    disk_dir: Path
    state_root: Path
    script: Path = SCRIPT

    def connect(self):  # -> libvirt.virConnect; import kept local so collection needs no libvirt at import
        import libvirt

        return libvirt.open(self.uri)

    def run_in_namespace(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run a command inside the external host's mount namespace (sees its /etc/libvirt etc.)."""
        return subprocess.run(
            ["bash", str(self.script), "exec", *argv], capture_output=True, text=True, check=check, timeout=120
        )


@dataclass(frozen=True)
class DiskSpec:
    """One disk of a test domain. ``backing`` makes a qcow2 overlay on that file (CloudStack rejects it)."""

    fmt: str = "qcow2"  # "qcow2" or "raw"
    size_mib: int = 64
    backing: Path | None = None
    target: str | None = None  # vda, vdb, ... by position when None


@dataclass
class CreatedDomain:
    name: str
    uuid: str
    disks: list[Path] = field(default_factory=list)
    macs: list[str] = field(default_factory=list)


def ensure_external_host() -> ExternalKvmHost:
    """Start the external libvirtd (idempotent) and describe it."""
    result = subprocess.run(["bash", str(SCRIPT), "start"], capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"external KVM host did not start: {result.stderr.strip()}")
    return ExternalKvmHost(
        uri=f"qemu+tcp://{ADDRESS}/system",
        address=ADDRESS,
        ssh_user=os.environ.get("ACS_INGEST_SSH_USER", "acsimport"),
        ssh_password=os.environ.get("ACS_INGEST_SSH_PASSWORD", "acs-import-test-pw"),
        disk_dir=ROOT / "disks",
        state_root=ROOT,
    )


def _make_disk(path: Path, spec: DiskSpec) -> None:
    cmd = ["qemu-img", "create", "-q", "-f", spec.fmt]
    if spec.backing is not None:
        if spec.fmt != "qcow2":
            raise ValueError("DiskSpec.backing needs fmt='qcow2'")
        cmd += ["-b", str(spec.backing), "-F", _image_format(spec.backing)]
    cmd += [str(path), f"{spec.size_mib}M"]
    subprocess.run(cmd, check=True, capture_output=True, timeout=60)
    # The SSH user must read it (qemu-img convert over SSH, as CloudStack does).
    path.chmod(0o644)


def _image_format(path: Path) -> str:
    out = subprocess.run(
        ["qemu-img", "info", "--output=json", "-U", str(path)], capture_output=True, text=True, check=True, timeout=30
    ).stdout
    import json

    return str(json.loads(out)["format"])


def _domain_xml(
    name: str, dom_uuid: str, disks: Sequence[tuple[Path, str, str]], macs: Sequence[str], memory_mib: int, bridge: str
) -> str:
    disk_xml = "".join(
        f"<disk type='file' device='disk'><driver name='qemu' type='{fmt}'/>"
        f"<source file='{path}'/><target dev='{target}' bus='virtio'/></disk>"
        for path, fmt, target in disks
    )
    nic_xml = "".join(
        f"<interface type='bridge'><mac address='{mac}'/><source bridge='{bridge}'/><model type='virtio'/></interface>"
        for mac in macs
    )
    return (
        f"<domain type='qemu'><name>{name}</name><uuid>{dom_uuid}</uuid>"
        f"<memory unit='MiB'>{memory_mib}</memory><vcpu>1</vcpu>"
        "<cputune><shares>1000</shares></cputune><cpu><topology sockets='1' cores='1' threads='1'/></cpu>"
        "<os><type arch='x86_64' machine='pc'>hvm</type></os>"
        f"<devices>{disk_xml}{nic_xml}<graphics type='vnc' port='-1' listen='127.0.0.1'/></devices></domain>"
    )


def create_external_domain(
    host: ExternalKvmHost,
    name: str,
    disks: Sequence[DiskSpec] = (DiskSpec("qcow2"), DiskSpec("raw")),
    *,
    nics: int = 1,
    running: bool = False,
    memory_mib: int = 64,
    bridge: str = "cloudbr0",
) -> CreatedDomain:
    """Define a real QEMU domain on the external host; shut off unless ``running``.

    ``name`` gets the ``exth-`` prefix if it lacks it. Disk files go to ``host.disk_dir``.
    """
    if not name.startswith(NAME_PREFIX):
        name = NAME_PREFIX + name
    dom_uuid = str(uuid.uuid4())
    made: list[tuple[Path, str, str]] = []
    for index, spec in enumerate(disks):
        path = host.disk_dir / f"{name}-{index}.{spec.fmt}"
        _make_disk(path, spec)
        made.append((path, spec.fmt, spec.target or f"vd{chr(ord('a') + index)}"))
    # Locally administered MACs derived from the UUID: unique per domain, stable in assertions.
    macs = [f"52:54:00:{dom_uuid[0:2]}:{dom_uuid[2:4]}:{index:02x}" for index in range(nics)]
    conn = host.connect()
    try:
        dom = conn.defineXML(_domain_xml(name, dom_uuid, made, macs, memory_mib, bridge))
        if running:
            dom.create()
    finally:
        conn.close()
    return CreatedDomain(name=name, uuid=dom_uuid, disks=[p for p, _, _ in made], macs=macs)


def remove_external_domain(host: ExternalKvmHost, created: CreatedDomain) -> None:
    """Destroy and undefine the domain (if still there) and delete its disk files."""
    import libvirt

    conn = host.connect()
    try:
        try:
            dom = conn.lookupByName(created.name)
        except libvirt.libvirtError:
            dom = None
        if dom is not None:
            if dom.isActive():
                dom.destroy()
            if dom.isPersistent():
                dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_NVRAM)
    finally:
        conn.close()
    for path in created.disks:
        path.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def external_kvm_host() -> ExternalKvmHost:
    """The second libvirtd on 127.0.0.2 (started if needed; left running for other sessions)."""
    return ensure_external_host()


@pytest.fixture
def external_domain_factory(external_kvm_host: ExternalKvmHost) -> Iterator:
    """Call it like :func:`create_external_domain` without the host; everything made is removed after."""
    created: list[CreatedDomain] = []

    def make(name: str, disks: Sequence[DiskSpec] = (DiskSpec("qcow2"), DiskSpec("raw")), **kwargs) -> CreatedDomain:
        unique = f"{name}-{uuid.uuid4().hex[:6]}"
        dom = create_external_domain(external_kvm_host, unique, disks, **kwargs)
        created.append(dom)
        return dom

    yield make
    for dom in reversed(created):
        remove_external_domain(external_kvm_host, dom)


@pytest.fixture
def external_test_domains(external_kvm_host: ExternalKvmHost) -> Iterator:
    """infra.domains.DomainFactory on qemu+tcp://127.0.0.2/system; everything it made is removed after."""
    from infra.domains import DomainFactory

    # The main libvirtd's image root is hidden from the external host (its /var/lib/libvirt is
    # private), so images go to the external host's disk directory, visible from both sides.
    factory = DomainFactory(
        uri=external_kvm_host.uri, image_root=external_kvm_host.disk_dir, prefix=f"{NAME_PREFIX}{uuid.uuid4().hex[:6]}-"
    )
    try:
        yield factory
    finally:
        factory.close()
