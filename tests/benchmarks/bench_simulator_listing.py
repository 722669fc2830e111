"""Benchmark: listUnmanagedInstances over a 1,000-domain libvirt test-driver host. Prints figures only.

source hack/env.sh && python tests/benchmarks/bench_simulator_listing.py [--count 1000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from acs_simulator.fixtures import SimHandle  # noqa: E402
from acs_simulator.scale import scale_seed  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="h3sim-bench-") as tmp:
        seed, expected = scale_seed(Path(tmp) / "node.xml", args.count)
        sim = SimHandle(Path(tmp) / "sim", seed, "4.22")
        try:
            cluster = next(c for c in sim.call("listClusters")["cluster"] if c["name"] == "scale-cluster")
            times = []
            for _ in range(args.rounds):
                started = time.perf_counter()
                resp = sim.raw("listUnmanagedInstances", clusterid=cluster["id"])
                times.append(time.perf_counter() - started)
                body = resp.json()["listunmanagedinstancesresponse"]
            size = len(resp.content)
        finally:
            sim.stop()
    print(
        f"domains={expected['domains']} listed={body.get('count', 0)} (expected {expected['listed']}) "
        f"response_bytes={size}"
    )
    print(
        f"listUnmanagedInstances seconds: first={times[0]:.3f} median={statistics.median(times):.3f} "
        f"min={min(times):.3f} max={max(times):.3f} rounds={args.rounds}"
    )


if __name__ == "__main__":
    main()
