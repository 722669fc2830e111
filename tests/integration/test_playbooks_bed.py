"""Test bed for the inventory/playbook/reliability tests and the 200-VM benchmark (no tests here).

A simulator whose one KVM host is backed by libvirt's test driver (``test:///<dir>/node.xml``)
holding N small domains, so hundreds of VMs cost no QEMU. The host's NICs sit on bridge
``breth1-100``; a fake /proc + /sys root gives that bridge VLAN 100, which the seed's L2
network ``l2-vlan100`` carries, so the planner's VLAN matching has exactly one candidate.
Every name starts with ``h6`` so cleanup never touches another engineer's objects.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from acs_simulator.fixtures import EMBEDDED_SEED, SimApiError, SimHandle

REPO = Path(__file__).resolve().parents[2]
PLAYBOOKS = REPO / "playbooks"
PREFIX = "h6vm"
RECAP = re.compile(
    r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)"
    r"\s+rescued=(\d+)\s+ignored=(\d+)",
    re.M,
)


def vm_name(index: int) -> str:
    return f"{PREFIX}{index:03d}"


def write_test_host(directory: Path, count: int) -> Path:
    """node.xml with `count` running 1-vCPU/64 MiB domains (one qcow2 disk, one NIC each)."""
    pool = directory / "pool1"
    pool.mkdir(parents=True, exist_ok=True)
    domains = []
    for i in range(count):
        domains.append(
            f"<domain type='test'><name>{vm_name(i)}</name><uuid>6a6a6a6a-0000-4000-8000-{i:012d}</uuid>"
            "<memory unit='MiB'>64</memory><vcpu>1</vcpu><cputune><shares>500</shares></cputune>"
            "<os><type arch='x86_64'>hvm</type></os><devices>"
            "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
            f"<source file='{pool}/{vm_name(i)}.qcow2'/><target dev='vda' bus='virtio'/></disk>"
            f"<interface type='bridge'><mac address='52:54:00:6a:{i // 256:02x}:{i % 256:02x}'/>"
            "<source bridge='breth1-100'/><model type='virtio'/>"
            # libvirt's test driver assigns no PCI address; CloudStack's agent drops a NIC without one
            "<address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/></interface></devices></domain>"
        )
    node = directory / "node.xml"
    node.write_text("<node>\n" + "\n".join(domains) + "\n</node>\n")
    # The agent reads a bridge's VLAN from /sys/class/net/<br>/brif and /proc/net/vlan (facts §3.1).
    port = directory / "root/sys/class/net/breth1-100/brif/eth1.100"
    port.mkdir(parents=True, exist_ok=True)
    vlan = directory / "root/proc/net/vlan"
    vlan.mkdir(parents=True, exist_ok=True)
    (vlan / "eth1.100").write_text("eth1.100  VID: 100\t REORDER_HDR: 1\n")
    return node


def bed_seed(directory: Path, node: Path) -> dict[str, Any]:
    seed = yaml.safe_load(EMBEDDED_SEED.read_text())
    zone = seed["zones"][0]
    zone["clusters"][0]["hosts"] = [
        {"name": "h6-testhost", "uri": f"test://{node}", "ipaddress": "127.0.0.1", "vlan_root": str(directory / "root")}
    ]
    for pool in zone["storagepools"]:
        pool["path"] = str(directory / "pool1")
    return seed


@dataclass
class Bed:
    directory: Path
    sim: SimHandle
    count: int
    inventory: Path = field(init=False)

    def __post_init__(self) -> None:
        self.inventory = self.directory / "lab.unmanaged.yml"
        self.write_inventory()

    def write_inventory(self, **extra: Any) -> None:
        config = {
            "plugin": "acs.ingest.unmanaged",
            "plan_defaults": {
                "service_offering": "custom-unconstrained",
                "template": "kvm-template",
                "details": {"cpuSpeed": 500},
            },
            "plan_file": str(self.directory / "acs-plan" / "plan.csv"),
            **extra,
        }
        self.inventory.write_text(yaml.safe_dump(config))

    @property
    def env(self) -> dict[str, str]:
        return dict(
            os.environ,
            CLOUDSTACK_ENDPOINT=self.sim.endpoint,
            CLOUDSTACK_KEY=self.sim.api_key,
            CLOUDSTACK_SECRET=self.sim.api_secret,
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_FORCE_COLOR="0",
            ANSIBLE_PIPELINING="1",
        )

    def playbook(self, name: str, *args: str, timeout: float = 600) -> Run:
        path = Path(name) if name.endswith(".yml") else PLAYBOOKS / f"{name}.yml"  # a path, for experiments
        cmd = ["ansible-playbook", "-i", str(self.inventory), str(path), *args]
        started = time.monotonic()
        proc = subprocess.run(cmd, cwd=self.directory, env=self.env, capture_output=True, text=True, timeout=timeout)
        return Run(proc.returncode, proc.stdout + proc.stderr, time.monotonic() - started)

    def read(self, command: str, **params: Any) -> dict[str, Any]:
        """A list call for the test's own checks, retried through injected 5xx faults."""
        for _ in range(50):
            try:
                return self.sim.call(command, **params)
            except SimApiError as error:
                if error.status < 500:
                    raise
                time.sleep(0.05)
        raise AssertionError(f"{command} kept failing with 5xx")

    def managed(self) -> list[dict[str, Any]]:
        return self.read("listVirtualMachines", listall="true").get("virtualmachine", [])

    def unmanaged(self) -> list[dict[str, Any]]:
        cluster = self.read("listClusters")["cluster"][0]
        return self.read("listUnmanagedInstances", clusterid=cluster["id"]).get("unmanagedinstance", [])

    def report(self) -> dict[str, Any]:
        return json.loads((self.directory / "acs-report" / "import-report.json").read_text())


@dataclass
class Run:
    rc: int
    output: str
    seconds: float

    def recap(self) -> dict[str, dict[str, int]]:
        keys = ("ok", "changed", "unreachable", "failed", "skipped", "rescued", "ignored")
        return {m[0]: dict(zip(keys, map(int, m[1:]), strict=True)) for m in RECAP.findall(self.output)}

    def changed(self) -> int:
        return sum(host["changed"] for host in self.recap().values())


def make_bed(directory: Path, count: int, knobs: dict[str, Any] | None = None, profile: str = "4.22") -> Bed:
    directory.mkdir(parents=True, exist_ok=True)
    node = write_test_host(directory, count)
    sim = SimHandle(directory / "sim", bed_seed(directory, node), profile, knobs)
    return Bed(directory, sim, count)
