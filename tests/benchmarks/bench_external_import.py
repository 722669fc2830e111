"""Benchmark: external_vm_import of a 1 GiB sparse qcow2, against a plain convert + copy.

Prints, for one shut-off domain on the external KVM host (127.0.0.2) with a 1 GiB sparse
qcow2 disk:
  - the pre-flight time (libvirt + SSH checks, as the module runs them),
  - the end-to-end time of the module through ansible-playbook (pre-flight, planning, importVm
    with qemu-img convert over SSH and the copy into the pool, tagging, temp-copy cleanup),
  - a plain `qemu-img convert -O qcow2` into a temp dir plus a copy into a pool dir of the
    same disk, in the same run, as the floor the import cannot beat.
Nothing is asserted; run with: python tests/benchmarks/bench_external_import.py
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
for extra in (REPO / "tests", REPO / "tests" / "integration", REPO / ".cache" / "src-collections"):
    sys.path.insert(0, str(extra))
src_link = REPO / ".cache" / "src-collections" / "ansible_collections" / "acs" / "ingest"
if not src_link.exists():
    src_link.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(REPO, src_link)

from ansible_collections.acs.ingest.plugins.module_utils._services.external_preflight import run_external_preflight  # noqa: E402
from infra.external_host import (  # noqa: E402
    DiskSpec,
    create_external_domain,
    ensure_external_host,
    remove_external_domain,
)
from test_external_vm_import_lib import (  # noqa: E402
    SSH_PASSWORD,
    SSH_USER,
    base_args,
    run_module,
    start_simulator,
    user_temp_dir,
)

ROUNDS = 3


def run_direct(work: Path, sim, args: dict) -> float:
    """The module file run as Ansible runs it on the target, minus ansible-playbook's start-up."""
    args_file = work / "direct-args.json"
    modargs = {"api_url": sim.url, "api_key": "acs-sim-admin-apikey", "api_secret": "acs-sim-admin-secretkey", **args}
    args_file.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": modargs}))
    env = {**os.environ, "PYTHONPATH": str(REPO / ".cache" / "src-collections")}
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, str(REPO / "plugins/modules/external_vm_import.py"), str(args_file)],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
        check=False,
    )
    elapsed = time.monotonic() - started
    answer = json.loads(proc.stdout)
    if answer.get("failed"):
        raise SystemExit(f"direct import failed: {answer.get('msg')}")
    polls = sum(call.get("polls", 0) for call in answer["api_calls"])
    print(f"  module alone, phases: {answer['seconds']} ({len(answer['api_calls'])} API calls, {polls} job polls)")
    return elapsed


def main() -> int:
    host = ensure_external_host()
    work = Path("/var/tmp/acs-ingest-extimp-tests") / f"bench-{uuid.uuid4().hex[:8]}"
    work.mkdir(parents=True)
    sim = start_simulator(work / "sim")
    dom = create_external_domain(host, f"extimp-bench-{uuid.uuid4().hex[:6]}", [DiskSpec("qcow2", 1024)])
    direct_dom = create_external_domain(host, f"extimp-benchd-{uuid.uuid4().hex[:6]}", [DiskSpec("qcow2", 1024)])
    try:
        temp = user_temp_dir(work, "temp")
        preflight = []
        for _ in range(ROUNDS):
            started = time.monotonic()
            run_external_preflight(
                host=host.address, domain=dom.name, username=SSH_USER, password=SSH_PASSWORD, temppath=str(temp)
            )
            preflight.append(time.monotonic() - started)

        plain = []
        for _ in range(ROUNDS):
            with tempfile.TemporaryDirectory(dir=work) as scratch:
                started = time.monotonic()
                converted = Path(scratch) / "converted.qcow2"
                subprocess.run(["qemu-img", "convert", "-O", "qcow2", str(dom.disks[0]), str(converted)], check=True)
                shutil.copyfile(converted, Path(scratch) / "in-pool.qcow2")
                plain.append(time.monotonic() - started)

        started = time.monotonic()
        result = run_module(work, sim, base_args(dom.name, temppath=str(temp)))
        module_total = time.monotonic() - started
        if result.get("failed"):
            print(f"import failed: {result.get('msg')}")
            return 1
        # A second run only finds the tag: the floor of a rerun, including ansible start-up.
        started = time.monotonic()
        rerun = run_module(work, sim, base_args(dom.name, temppath=str(temp)))
        rerun_total = time.monotonic() - started

        direct_total = run_direct(work, sim, base_args(direct_dom.name, temppath=str(temp)))

        def fmt(values: list[float]) -> str:
            return f"min {min(values):.2f}s, median {sorted(values)[len(values) // 2]:.2f}s over {len(values)}"

        print("external_vm_import benchmark, 1 GiB sparse qcow2 on the external host (127.0.0.2)")
        print(f"  pre-flight (libvirt + SSH checks)            : {fmt(preflight)}")
        print(f"  pre-flight as reported inside the import run  : {result['preflight']['seconds']:.2f}s")
        print(
            f"  end-to-end module run (ansible-playbook)      : {module_total:.2f}s "
            f"(changed={result['changed']}, removed temp copies={len(result.get('removed_temp_copies', []))})"
        )
        print(f"  same import, module process alone (no ansible): {direct_total:.2f}s")
        print(f"  plain qemu-img convert + copy, same disk      : {fmt(plain)}")
        print(f"  overhead of the import over the plain copy    : {module_total - min(plain):.2f}s")
        print(f"  rerun (finds the tag, changed={rerun['changed']})          : {rerun_total:.2f}s")
        return 0
    finally:
        remove_external_domain(host, dom)
        remove_external_domain(host, direct_dom)
        sim.stop()
        subprocess.run(["rm", "-rf", "--one-file-system", str(work)], check=False)


if __name__ == "__main__":
    sys.exit(main())
