"""Generate a libvirt test-driver node XML (``test:///path/node.xml``) with many domains, for scale runs.

python -m acs_simulator.gen_testdriver --count 1000 --out /tmp/node.xml [--shutoff-every 10] [--unsupported-every 25]

Every ``shutoff_every``-th domain is shut off and every ``unsupported_every``-th has an e1000e NIC, so a
listing shows CloudStack's quirks at scale: both kinds are left out of listUnmanagedInstances.
"""

from __future__ import annotations

import argparse
from pathlib import Path

TEST_NS = "http://libvirt.org/schemas/domain/test/1.0"
SHUTOFF = 5


def domain(index: int, prefix: str, shutoff: bool, unsupported: bool) -> str:
    name = f"{prefix}{index:05d}"
    mac = f"52:54:01:{(index >> 16) & 0xFF:02x}:{(index >> 8) & 0xFF:02x}:{index & 0xFF:02x}"
    model = "e1000e" if unsupported else "virtio"
    state = f"<test:runstate>{SHUTOFF}</test:runstate>" if shutoff else ""
    return (
        f"<domain type='test' xmlns:test='{TEST_NS}'><name>{name}</name><memory unit='MiB'>64</memory>"
        "<vcpu>1</vcpu><cputune><shares>1024</shares></cputune><os><type>hvm</type></os>"
        "<cpu><topology sockets='1' cores='1' threads='1'/></cpu><devices>"
        f"<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
        f"<source file='/var/lib/acs-ingest-sim/scale/{name}.qcow2'/><target dev='vda' bus='virtio'/></disk>"
        f"<interface type='bridge'><mac address='{mac}'/><source bridge='cloudbr0'/><model type='{model}'/>"
        # the test driver assigns no PCI addresses; CloudStack's agent needs one per NIC (nic_pci_slot_missing)
        "<address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>"
        f"</interface></devices>{state}</domain>"
    )


def generate(
    count: int, out: Path, prefix: str = "scale-", shutoff_every: int = 10, unsupported_every: int = 25
) -> dict[str, int]:
    """Write the node XML; returns how many domains a CloudStack listing should report."""
    parts = [
        "<node><cpu><nodes>1</nodes><sockets>1</sockets><cores>2</cores><threads>1</threads>"
        "<active>2</active><mhz>2000</mhz><model>i686</model></cpu><memory>16777216</memory>"
    ]
    listed = 0
    for i in range(count):
        shutoff = shutoff_every > 0 and i % shutoff_every == shutoff_every - 1
        unsupported = not shutoff and unsupported_every > 0 and i % unsupported_every == unsupported_every - 1
        listed += not (shutoff or unsupported)
        parts.append(domain(i, prefix, shutoff, unsupported))
    parts.append("</node>")
    out.write_text("".join(parts))
    return {"domains": count, "listed": listed}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--prefix", default="scale-")
    ap.add_argument("--shutoff-every", type=int, default=10)
    ap.add_argument("--unsupported-every", type=int, default=25)
    args = ap.parse_args()
    print(generate(args.count, args.out, args.prefix, args.shutoff_every, args.unsupported_every))


if __name__ == "__main__":
    main()
