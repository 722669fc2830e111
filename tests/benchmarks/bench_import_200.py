"""Benchmark: import 200 VMs through the import playbook vs. the documented serial `cs` loop.

The playbook imports each wave with one acs.ingest.import_unmanaged run in batch mode (one
module process, a sliding window of jobs), so forks no longer matter. It runs at the
playbook's DEFAULT settings unless --concurrency/--poll/--poll-max/--forks are given.

Prints figures; asserts nothing about time (CI machines differ). Set-up: the simulator with
5 s async jobs and at most 20 jobs running at once, one KVM host backed by libvirt's test
driver holding the VMs. The lower bound is ceil(200/20) × 5 s = 50 s: no client can import
faster than the server runs jobs.

    python tests/benchmarks/bench_import_200.py [--vms 200] [--baseline-rows 5]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from test_playbooks_bed import Bed, make_bed  # noqa: E402

JOB_SECONDS = 5.0
SERVER_CONCURRENCY = 20
IMPORT_TASK = "Import the VMs of each wave"


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def api_calls(bed: Bed) -> dict[str, int]:
    return dict(bed.sim.stats()["calls"])


def mark_baseline_rows(bed: Bed, baseline: int) -> list[dict[str, str]]:
    """Exclude the last `baseline` VMs from the playbook's plan; they are the baseline's rows."""
    path = bed.directory / "acs-plan" / "plan.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    for row in rows[len(rows) - baseline :]:
        row["import"] = "no"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue())
    return rows[len(rows) - baseline :]


def phases(events_file: Path, launched: float, wall: float, engine: float) -> list[tuple[str, float]]:
    """Where the playbook's wall time went, from the bench_phases callback's task times (time.monotonic)."""
    events = [json.loads(line) for line in events_file.read_text().splitlines()]
    started = next(e["t"] for e in events if e["event"] == "playbook_start")
    task = [e["t"] for e in events if e["name"] == IMPORT_TASK and e["event"] in ("task_start", "task_end")]
    stats = next(e["t"] for e in events if e["event"] == "stats")
    return [
        ("start-up (python, ansible, inventory plugin)", started - launched),
        ("tasks before the import task", task[0] - started),
        ("import task: module start, result handling", task[-1] - task[0] - engine),
        ("import task: engine, first call to last VM done", engine),
        ("tasks after the import task (report)", stats - task[-1]),
        ("exit", launched + wall - stats),
    ]


def run_baseline(bed: Bed, rows: list[dict[str, str]]) -> float:
    """The admin guide's loop: one blocking `cs importUnmanagedInstance` per CSV row."""
    started = time.monotonic()
    for row in rows:
        network = row["nic_networks"].split("=", 1)[1]
        cmd = [
            "cs", "importUnmanagedInstance", f"clusterid={row['cluster']}", f"name={row['vm']}",
            f"serviceofferingid={row['service_offering']}", f"templateid={row['template']}",
            "nicnetworklist[0].nic=0", f"nicnetworklist[0].network={network}",
            f"details[0].cpuNumber={row['cpus']}", f"details[0].memory={row['memory_mb']}",
            "details[0].cpuSpeed=500",
        ]  # fmt: skip
        proc = subprocess.run(cmd, env=bed.env, capture_output=True, text=True, timeout=120)
        if proc.returncode != 0 or '"errortext"' in proc.stdout:
            raise SystemExit(f"baseline row {row['vm']} failed: {proc.stdout[-500:]} {proc.stderr[-500:]}")
    return time.monotonic() - started


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--vms", type=int, default=200)
    # None: the playbook's (and ansible-playbook's) own defaults, which is what the figure is about.
    ap.add_argument("--forks", type=int, default=None)
    ap.add_argument("--concurrency", type=int, default=None, help="acs_import_concurrency (jobs in flight)")
    ap.add_argument("--poll", type=float, default=None, help="acs_poll_interval (first poll, seconds)")
    ap.add_argument("--poll-max", type=float, default=None, help="acs_poll_max_interval")
    # The serial loop costs the same per row (one CLI start plus one 5 s job, ~6.2 s): 5 rows give the same
    # per-row figure as 20 did (31.0 s / 5 vs 124.8 s / 20) and save ~95 s of every CI run.
    ap.add_argument("--baseline-rows", type=int, default=5)
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--playbook", default="import", help="playbook name or path (for experiments)")
    ap.add_argument("--strategy", default="", help="ANSIBLE_STRATEGY for the import run, e.g. free")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="h6-bench-"))
    knobs = {"job_duration": JOB_SECONDS, "max_concurrent_jobs": SERVER_CONCURRENCY}
    bed = make_bed(work / "bed", args.vms + args.baseline_rows, knobs)
    try:
        discover = bed.playbook("discover")
        if discover.rc != 0:
            raise SystemExit(f"discover failed:\n{discover.output[-3000:]}")
        baseline_rows = mark_baseline_rows(bed, args.baseline_rows)
        bed.sim.set_knobs()  # health check only
        requests_before = api_calls(bed)
        cpu_before = children_cpu()
        if args.strategy:
            os.environ["ANSIBLE_STRATEGY"] = args.strategy
        overrides: list[str] = []
        if args.forks is not None:
            overrides += ["-f", str(args.forks)]
        for var, value in (
            ("acs_import_concurrency", args.concurrency),
            ("acs_poll_interval", args.poll),
            ("acs_poll_max_interval", args.poll_max),
        ):
            if value is not None:
                overrides += ["-e", f"{var}={value}"]
        events_file = work / "phases.jsonl"
        os.environ.update(
            ANSIBLE_CALLBACK_PLUGINS=str(Path(__file__).resolve().parent / "callback_plugins"),
            ANSIBLE_CALLBACKS_ENABLED="bench_phases",
            BENCH_PHASES_FILE=str(events_file),
        )
        launched = time.monotonic()
        run = bed.playbook(args.playbook, *overrides, timeout=1800)  # fmt: skip
        cpu = children_cpu() - cpu_before
        requests_after = api_calls(bed)
        if run.rc != 0:
            summary = (bed.directory / "acs-report" / "import-summary.txt").read_text().splitlines()
            bad = [line for line in summary[1:] if " imported " not in line]
            raise SystemExit(f"import failed: {summary[0]}\n" + "\n".join(bad[:20]))
        report = bed.report()
        totals = report["totals"]
        # duration_s: from the engine's start to the VM's result
        engine = max((float(vm.get("duration_s") or 0.0) for vm in report.get("vms", [])), default=0.0)
        breakdown = phases(events_file, launched, run.seconds, engine)
        calls = {k: requests_after.get(k, 0) - requests_before.get(k, 0) for k in requests_after}
        # Job status polls: a query per job, or one job listing per round for many jobs in flight.
        queries = calls.pop("queryAsyncJobResult", 0)
        listings = calls.pop("listAsyncJobs", 0)
        baseline = run_baseline(bed, baseline_rows) if args.baseline_rows else float("nan")
    finally:
        bed.sim.stop()
        if not args.keep:
            subprocess.run(["rm", "-rf", str(work)], check=False)

    n = args.vms
    bound = math.ceil(n / SERVER_CONCURRENCY) * JOB_SECONDS
    scaled = baseline / max(args.baseline_rows, 1) * n
    print(f"VMs imported:                 {totals}")
    settings = "playbook defaults" if overrides == [] else " ".join(overrides)
    print(f"wall time (import playbook):  {run.seconds:.1f} s   (batch mode, {settings})")
    ratio = run.seconds / bound
    print(f"lower bound ceil({n}/{SERVER_CONCURRENCY})x{JOB_SECONDS:g}s: {bound:.0f} s   ratio {ratio:.2f} (<= 1.10?)")
    if args.baseline_rows:
        print(f"baseline serial cs loop:      {baseline:.1f} s for {args.baseline_rows} rows -> {scaled:.0f} s for {n}")
        print(f"speed-up over baseline:       {scaled / run.seconds:.1f}x")
    print(f"API calls per VM (no polls):  {sum(calls.values()) / n:.2f}  {dict(sorted(calls.items()))}")
    print(
        f"polls per VM:                 {(queries + listings) / n:.2f}  (queryAsyncJobResult {queries}, "
        f"listAsyncJobs {listings})"
    )
    print(f"controller CPU per VM:        {cpu / n:.3f} s  ({cpu:.1f} s total, ansible-playbook and its forks)")
    print("where the wall time went:")
    for label, seconds in breakdown:
        print(f"  {label:<48} {seconds:5.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
