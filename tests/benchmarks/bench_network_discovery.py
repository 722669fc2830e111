"""Benchmark: network discovery over a few hundred domains on a libvirt test-driver host. Prints figures only.

source hack/env.sh && python tests/benchmarks/bench_network_discovery.py [--counts 100,300,600] [--rounds 3]

Each generated domain has one to three NICs spread over VLAN bridges (an 802.1Q uplink in a prepared
/sys + /proc tree), a CloudStack-named bridge, an interface with a <vlan> tag, an Open vSwitch port and an
untagged bridge; every third domain runs (the test driver answers guest-address queries for those). The
simulator (HTTP, embedded seed) provides zone1's networks. Timed: the discovery service end to end
(libvirt read, host facts, CloudStack calls, grouping, report rows), and once the module through
ansible-playbook for the middle count.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TESTS))

import conftest  # noqa: E402,F401 - makes the source tree importable as ansible_collections.acs.ingest
from acs_simulator.fixtures import SimHandle  # noqa: E402
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.client import (  # noqa: E402
    CloudStackClient,
    ConnectionSettings,
)
from ansible_collections.acs.ingest.plugins.module_utils._services.network_discovery import (  # noqa: E402
    discover_networks,
)

TEST_NS = "http://libvirt.org/schemas/domain/test/1.0"
# (bridge, extra interface XML): VLAN 100/200 bridges with a VLAN uplink, a CloudStack-named bridge,
# a tagged NIC, an OVS port, an untagged bridge.
ATTACHMENTS = (
    ("breth1-100", ""),
    ("breth1-200", ""),
    ("breth1-777", ""),
    ("cloudbr1", "<vlan><tag id='{vlan}'/></vlan>"),
    ("cloudbr0", "<virtualport type='openvswitch'/>"),
    ("cloudbr2", ""),
)


def node_xml(count: int) -> str:
    parts = [
        "<node><cpu><nodes>1</nodes><sockets>1</sockets><cores>2</cores><threads>1</threads>"
        "<active>2</active><mhz>2000</mhz><model>i686</model></cpu><memory>16777216</memory>"
    ]
    for i in range(count):
        nics = []
        for n in range(1 + i % 3):
            bridge, extra = ATTACHMENTS[(i + n) % len(ATTACHMENTS)]
            mac = f"52:54:02:{(i >> 8) & 0xFF:02x}:{i & 0xFF:02x}:{n:02x}"
            nics.append(
                f"<interface type='bridge'><mac address='{mac}'/><source bridge='{bridge}'/>"
                f"{extra.format(vlan=500 + i % 20)}<model type='virtio'/></interface>"
            )
        state = "" if i % 3 == 0 else "<test:runstate>5</test:runstate>"
        parts.append(
            f"<domain type='test' xmlns:test='{TEST_NS}'><name>bench-{i:05d}</name><memory unit='MiB'>64</memory>"
            f"<vcpu>1</vcpu><os><type>hvm</type></os><devices>{''.join(nics)}</devices>{state}</domain>"
        )
    parts.append("</node>")
    return "".join(parts)


def host_root(base: Path) -> Path:
    for bridge, uplink, vlan in (("breth1-100", "eth1.100", 100), ("breth1-200", "eth1.200", 200)):
        (base / "sys/class/net" / bridge / "brif" / uplink).mkdir(parents=True)
        (base / "proc/net/vlan").mkdir(parents=True, exist_ok=True)
        (base / "proc/net/vlan" / uplink).write_text(f"{uplink}  VID: {vlan}\nDevice: eth1\n")
    for bridge, uplink in (("cloudbr2", "eth2"), ("cloudbr1", "eth1")):
        (base / "sys/class/net" / bridge / "brif" / uplink).mkdir(parents=True)
    return base


def run_service(sim: SimHandle, uri: str, root: Path) -> tuple[dict, float, int]:
    client = CloudStackClient(ConnectionSettings(sim.endpoint, sim.api_key, sim.api_secret))
    started = time.perf_counter()
    result = discover_networks(
        lambda: client, {"libvirt_uris": [{"uri": uri, "zone": "zone1", "vlan_root": str(root)}]}
    )
    return result, time.perf_counter() - started, len(client.calls)


def run_module(sim: SimHandle, uri: str | None, root: Path, work: Path) -> float:
    """Wall time of ansible-playbook running the module (or, with ``uri`` None, only the copy task: the floor)."""
    play = [
        {
            "hosts": "localhost",
            "gather_facts": False,
            "tasks": [
                {
                    "acs.ingest.network_discovery_info": {
                        "libvirt_uris": [{"uri": uri, "zone": "zone1", "vlan_root": str(root)}]
                    },
                    "register": "found",
                },
                {"ansible.builtin.copy": {"content": "{{ found.count | to_json }}", "dest": str(work / "count.json")}},
            ],
        }
    ]
    if uri is None:
        play[0]["tasks"] = [{"ansible.builtin.copy": {"content": "{}", "dest": str(work / "count.json")}}]
    (work / "play.yml").write_text(json.dumps(play))
    env = dict(
        os.environ,
        CLOUDSTACK_ENDPOINT=sim.endpoint,
        CLOUDSTACK_KEY=sim.api_key,
        CLOUDSTACK_SECRET=sim.api_secret,
        ANSIBLE_COLLECTIONS_PATH=str(TESTS.parent / ".cache" / "src-collections"),
        ANSIBLE_LOCALHOST_WARNING="false",
    )
    started = time.perf_counter()
    proc = subprocess.run(
        ["ansible-playbook", "-i", "localhost,", "-c", "local", str(work / "play.yml")],
        env=env,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"ansible-playbook failed: {proc.stdout[-2000:]}")
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--counts", default="100,300,600")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    counts = [int(c) for c in args.counts.split(",")]
    with tempfile.TemporaryDirectory(prefix="acs-nd-bench-") as tmp:
        work = Path(tmp)
        root = host_root(work / "root")
        sim = SimHandle(work / "sim", None, "4.22")
        try:
            print(f"{'domains':>8} {'nics':>6} {'running':>8} {'networks':>9} {'vlans':>6} {'missing':>8} "
                  f"{'api':>4} {'first_s':>8} {'median_s':>9} {'ms/domain':>10}")  # fmt: skip
            for count in counts:
                node = work / f"node-{count}.xml"
                node.write_text(node_xml(count))
                uri = f"test://{node}"
                times = []
                for _ in range(args.rounds):
                    result, elapsed, api = run_service(sim, uri, root)
                    times.append(elapsed)
                nics = result["count"]["nics"]
                running = sum(1 for i in range(count) if i % 3 == 0)
                sources: dict[str, int] = {}
                for net in result["networks"]:
                    sources[net["vlan_source"]] = sources.get(net["vlan_source"], 0) + len(net["vms"])
                print(
                    f"{count:>8} {nics:>6} {running:>8} {result['count']['networks']:>9} {result['count']['vlans']:>6} "
                    f"{len(result['missing']):>8} {api:>4} {times[0]:>8.3f} {statistics.median(times):>9.3f} "
                    f"{1000 * statistics.median(times) / count:>10.2f}"
                )
                print(f"{'':>8} NICs by VLAN source: {json.dumps(sources, sort_keys=True)}")
            middle = counts[len(counts) // 2]
            wall = run_module(sim, f"test://{work / f'node-{middle}.xml'}", root, work)
            floor = run_module(sim, None, root, work)
            print(
                f"module through ansible-playbook, {middle} domains: {wall:.2f}s wall; the same playbook without the "
                f"discovery task: {floor:.2f}s (Ansible's own start-up on this machine now); load average "
                f"{Path('/proc/loadavg').read_text().split()[0]}"
            )
        finally:
            sim.stop()


if __name__ == "__main__":
    main()
