"""Benchmark: the acs.ingest.unmanaged inventory at scale, beside its two lower bounds.

Four figures from one run, same data (one simulator, one KVM host backed by libvirt's test
driver holding N importable VMs):

- raw fetch: the same API calls the plugin makes, with the ``cs`` library and nothing else
  (clusters, zones, unmanaged instances, the zone catalog, VMs per planned network);
- Ansible floor: ``ansible-inventory --list`` of an inventory script that prints the plugin's
  own output (same hosts, groups and host variables) as plain JSON: what Ansible costs to take
  in and print that inventory, whatever produced it;
- uncached: ``ansible-inventory --list`` of the plugin, cache off;
- cached: the same with ``cache: true`` (jsonfile), after a run that filled the cache.

Targets (issue 11): uncached <= 1.3 x (raw fetch + floor), cached <= 1.1 x floor. Prints
figures and the ratios; asserts nothing about time (machines differ). Each figure is the
median of --repeat runs (for uncached, the first of them also checks the host count).

    python tests/benchmarks/bench_inventory.py [--vms 4400] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cs import CloudStack  # noqa: E402
from test_playbooks_bed import Bed, make_bed  # noqa: E402

TIMEOUT = 600


def raw_fetch(bed: Bed) -> int:
    """The plugin's API calls, straight through `cs` (paged like the plugin). Returns the VM count."""
    api = CloudStack(endpoint=bed.sim.endpoint, key=bed.sim.api_key, secret=bed.sim.api_secret, timeout=60)
    clusters = api.listClusters(fetch_list=True)
    zones = api.listZones(fetch_list=True)
    instances = []
    for cluster in clusters:
        if str(cluster.get("hypervisortype", "")).lower() == "kvm":
            instances += api.listUnmanagedInstances(clusterid=cluster["id"], fetch_list=True)
    for zone in zones:
        networks = api.listNetworks(zoneid=zone["id"], listall=True, fetch_list=True)
        api.listServiceOfferings(fetch_list=True)
        api.listDiskOfferings(fetch_list=True)
        api.listTemplates(zoneid=zone["id"], templatefilter="executable", hypervisor="KVM", fetch_list=True)
        for network in networks:  # the plans use the VLAN-matched network; list its VMs' MACs
            if network.get("vlan") or network.get("broadcasturi"):
                api.listVirtualMachines(networkid=network["id"], listall=True, fetch_list=True)
    return len(instances)


def plain(value: Any) -> Any:
    """ansible-inventory wraps API strings as {'__ansible_unsafe': ...}; a script prints plain JSON."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


CPU: dict[str, list[float]] = {}


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def inventory_list(bed: Bed, source: Path, env: dict[str, str] | None = None) -> tuple[float, str]:
    """Wall seconds and stdout of `ansible-inventory --list`; its CPU seconds go to CPU[source]."""
    started, cpu = time.monotonic(), children_cpu()
    proc = subprocess.run(
        ["ansible-inventory", "-i", str(source), "--list"],
        env=env or bed.env, capture_output=True, text=True, timeout=TIMEOUT, check=False,
    )  # fmt: skip
    seconds = time.monotonic() - started
    CPU.setdefault(source.name, []).append(children_cpu() - cpu)
    if proc.returncode != 0:
        raise SystemExit(f"ansible-inventory -i {source} failed:\n{proc.stderr[-3000:]}")
    return seconds, proc.stdout


def timed(repeat: int, run) -> float:  # type: ignore[no-untyped-def]
    return statistics.median(run() for _ in range(repeat))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vms", type=int, default=int(os.environ.get("ACS_INGEST_BENCH_INVENTORY_VMS", "4400")))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="acs-bench-inventory-") as tmp:
        work = Path(tmp)
        print(f"setting up {args.vms} VMs (libvirt test driver behind the simulator) ...", flush=True)
        bed = make_bed(work / "bed", args.vms)
        try:
            bed.write_inventory()  # plan_defaults as the playbook tests use; no plan file yet
            cache_dir = work / "cache"
            cached_source = work / "cached.unmanaged.yml"
            config = dict(
                __import__("yaml").safe_load(bed.inventory.read_text()),
                cache=True, cache_plugin="ansible.builtin.jsonfile", cache_connection=str(cache_dir),
                cache_timeout=3600,
            )  # fmt: skip
            cached_source.write_text(json.dumps(config))

            count = raw_fetch(bed)  # warm the simulator's own caches once, like any first call
            if count != args.vms:
                raise SystemExit(f"raw fetch found {count} VMs, expected {args.vms}")
            raw = timed(args.repeat, lambda: _seconds(lambda: raw_fetch(bed)))

            seconds, output = inventory_list(bed, bed.inventory)
            hosts = len(json.loads(output)["_meta"]["hostvars"])
            if hosts != args.vms:
                raise SystemExit(f"the plugin listed {hosts} hosts, expected {args.vms}")
            # the run that checked the count is one of the samples: the simulator was warmed by raw_fetch
            uncached = statistics.median(
                [seconds] + [inventory_list(bed, bed.inventory)[0] for _ in range(args.repeat - 1)]
            )

            script = work / "floor.py"
            (work / "floor.json").write_text(json.dumps(plain(json.loads(output))))
            script.write_text(
                "#!/usr/bin/env python3\nimport sys\n"
                f"sys.stdout.write(open({str(work / 'floor.json')!r}, encoding='utf-8').read())\n"
            )
            script.chmod(0o755)
            floor = timed(args.repeat, lambda: inventory_list(bed, script)[0])

            inventory_list(bed, cached_source)  # fills the cache
            CPU.pop(cached_source.name)
            cached = timed(args.repeat, lambda: inventory_list(bed, cached_source)[0])
        finally:
            bed.sim.stop()

    print()
    print(f"inventory of {args.vms} importable VMs, median of {args.repeat} runs each")
    print(f"  {'raw fetch':>12}  {'floor':>8}  {'uncached':>9}  {'cached':>8}")
    print(f"  {raw:>11.2f}s  {floor:>7.2f}s  {uncached:>8.2f}s  {cached:>7.2f}s   wall")
    cpu = {name: statistics.median(values) for name, values in CPU.items()}
    floor_cpu, uncached_cpu, cached_cpu = cpu["floor.py"], cpu[bed.inventory.name], cpu["cached.unmanaged.yml"]
    print(f"  {'':>12}  {floor_cpu:>7.2f}s  {uncached_cpu:>8.2f}s  {cached_cpu:>7.2f}s   CPU of ansible-inventory")
    print("  (CPU: user+sys of the ansible-inventory process; wall also holds the wait for the simulator")
    print("   and, on a shared machine, for a CPU)")
    print(f"  cached / floor in CPU     = {cached_cpu / floor_cpu:.2f}")
    for label, figure, bound, limit in (
        ("uncached / (raw + floor)", uncached, raw + floor, 1.3),
        ("cached / floor          ", cached, floor, 1.1),
    ):
        verdict = "met" if figure <= limit * bound else "NOT met"
        target = f"target <= {limit:.2f}: {figure:.2f}s vs {limit * bound:.2f}s, {verdict}"
        print(f"  {label} = {figure / bound:.2f}  ({target})")
    return 0


def _seconds(run) -> float:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    run()
    return time.monotonic() - started


if __name__ == "__main__":
    sys.exit(main())
