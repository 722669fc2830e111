"""A host on libvirt's test driver for the management-server rule tests: many running domains, no CPU.

Server rules are about the request and CloudStack's database, not about what QEMU runs, so the domains live
in one test-driver node XML (running, listable, importable); their disks are paths under ``pool1`` that
nobody reads. The fake host root gives ``cloudbr1`` a VLAN-77 port for the 4.20.2/4.22 agents' lookup.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from acs_simulator.fixtures import SimApiError, SimHandle, embedded_seed

POOL = "/var/lib/acs-ingest-sim/pool1"
NODE_CPU = (
    "<cpu><nodes>1</nodes><sockets>1</sockets><cores>2</cores><threads>1</threads>"
    "<active>2</active><mhz>2000</mhz><model>i686</model></cpu><memory>16777216</memory>"
)


@dataclass
class Dom:
    """One test-driver domain; ``disks`` are (path, size GiB, bus) and ``nics`` (mac, bridge, model)."""

    name: str
    disks: tuple[tuple[str, int, str], ...] = ()
    nics: tuple[tuple[str, str, str], ...] = ()
    vcpus: int = 1
    memory_mib: int = 64
    shares: int | None = 500
    os_xml: str = "<os><type arch='x86_64'>hvm</type></os>"

    def xml(self) -> str:
        devs = []
        for n, (path, _size, bus) in enumerate(self.disks):
            dev = {"virtio": "vd", "scsi": "sd", "sata": "sd", "ide": "hd"}[bus] + "abcdefgh"[n]
            kind, attr = ("block", "dev") if "/blk/" in path else ("file", "file")  # a path under blk/: a block device
            devs.append(
                f"<disk type='{kind}' device='disk'><driver name='qemu' type='qcow2'/><source {attr}='{path}'/>"
                f"<target dev='{dev}' bus='{bus}'/></disk>"
            )
        for n, (mac, bridge, model) in enumerate(self.nics):
            devs.append(
                f"<interface type='bridge'><mac address='{mac}'/><source bridge='{bridge}'/>"
                f"<model type='{model}'/><address type='pci' domain='0x0000' bus='0x00' slot='0x{3 + n:02x}' "
                "function='0x0'/></interface>"
            )
        tune = f"<cputune><shares>{self.shares}</shares></cputune>" if self.shares is not None else ""
        return (
            f"<domain type='test'><name>{self.name}</name><memory unit='MiB'>{self.memory_mib}</memory>"
            f"<vcpu>{self.vcpus}</vcpu>{tune}{self.os_xml}<devices>{''.join(devs)}</devices></domain>"
        )


def dom(name: str, nics: int = 1, disks: int = 1, **kw: Any) -> Dom:
    """A domain with ``disks`` 1-GiB disks in pool1 and ``nics`` virtio NICs on cloudbr0 (MACs from the name)."""
    seed = sum(name.encode()) % 200
    return Dom(
        name,
        disks=kw.pop("disk_specs", tuple((f"{POOL}/{name}-{i}.qcow2", 1, "virtio") for i in range(disks))),
        nics=kw.pop(
            "nic_specs",
            tuple((f"52:54:00:{seed:02x}:{len(name):02x}:{i:02x}", "cloudbr0", "virtio") for i in range(nics)),
        ),
        **kw,
    )


@dataclass
class ServerBed:
    """Simulators on one test-driver node; ``sim(version)`` starts one per call with the given seed changes."""

    work: Path
    domains: list[Dom]
    handles: list[SimHandle] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.node = self.work / "node.xml"
        self.node.write_text(f"<node>{NODE_CPU}{''.join(d.xml() for d in self.domains)}</node>")
        self.root = self.work / "root"
        (self.root / "sys/devices/virtual/net/cloudbr1/brif/eth1.77").mkdir(parents=True, exist_ok=True)
        (self.root / "sys/devices/virtual/net/cloudbr0/brif/eno1").mkdir(parents=True, exist_ok=True)
        (self.root / "proc/net/vlan").mkdir(parents=True, exist_ok=True)
        (self.root / "proc/net/vlan/eth1.77").write_text("eth1.77  VID: 77\t REORDER_HDR: 1\n")

    def seed(self) -> dict[str, Any]:
        seed = embedded_seed()
        seed["zones"][0]["clusters"][0]["hosts"] = [
            {"name": "td1", "uri": f"test://{self.node}", "ipaddress": "127.0.0.1", "vlan_root": str(self.root)}
        ]
        return seed

    def sim(
        self, version: str = "4.22", tweak: Callable[[dict[str, Any]], None] | None = None, agent: str | None = None
    ) -> SimHandle:
        seed = self.seed()
        if tweak is not None:
            tweak(seed)
        handle = SimHandle(self.work / f"sim{len(self.handles)}", seed, version, agent_version=agent)
        self.handles.append(handle)
        return handle

    def stop(self) -> None:
        for handle in self.handles:
            handle.stop()


@pytest.fixture(scope="module")
def server_bed_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[list[Dom]], ServerBed]]:
    beds: list[ServerBed] = []

    def make(domains: list[Dom]) -> ServerBed:
        bed = ServerBed(tmp_path_factory.mktemp("server-bed"), domains)
        beds.append(bed)
        return bed

    yield make
    for bed in beds:
        bed.stop()


def fail(sim: SimHandle, command: str, **p: Any) -> tuple[int, str]:
    """The job's (errorcode, errortext), or the synchronous error's; asserts that it failed."""
    try:
        job = sim.run(command, **p)
    except SimApiError as err:
        return err.status, str(err.errortext)
    assert job["jobstatus"] == 2, job
    return job["jobresult"]["errorcode"], job["jobresult"]["errortext"]


def ok(sim: SimHandle, command: str, **p: Any) -> dict[str, Any]:
    job = sim.run(command, **p)
    assert job["jobstatus"] == 1, job
    result = job["jobresult"]
    if len(result) == 1 and isinstance(next(iter(result.values())), dict):
        result = next(iter(result.values()))  # {"virtualmachine": {...}} or {"<command>response": {...}}
    return dict(result)


def seq(sim: SimHandle, kind: str, obj_id: str) -> int:
    return int(next(o for o in sim.store().all(kind) if o["id"] == obj_id)["_seq"])
