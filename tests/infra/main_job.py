"""The README's main job on the embedded default: real QEMU domains on the local libvirtd,
managed by the CloudStack simulator, taken through the whole acs.ingest workflow.

Run it with ``bash hack/main-job.sh`` (which installs and starts everything first). Every step
is a real ``ansible``/``ansible-playbook`` run against the installed collection; this script
only sets the stage, runs the steps in order and prints what happened.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import libvirt
import yaml
from acs_simulator.fixtures import EMBEDDED_SEED, SimHandle

from infra.domains import DiskSpec, DomainFactory, NicSpec

REPO = Path(__file__).resolve().parents[2]
WORKDIR = Path(os.environ.get("ACS_INGEST_MAIN_JOB_DIR", REPO / ".cache" / "main-job"))
PREFIX = "acsdemo-"
URI = "qemu:///system"


def banner(text: str) -> None:
    print(f"\n=== {text} " + "=" * max(0, 76 - len(text)), flush=True)


def remove_old_demo_domains() -> None:
    """A rerun starts from the same state: drop the previous run's demo domains."""
    conn = libvirt.open(URI)
    try:
        for dom in conn.listAllDomains():
            if dom.name().startswith(PREFIX):
                if dom.isActive():
                    dom.destroy()
                if dom.isPersistent():
                    dom.undefine()
    finally:
        conn.close()


def create_demo_domains(factory: DomainFactory) -> None:
    shares = 500  # CloudStack-created domains carry <cputune><shares>; cpuspeed = shares / vCPUs
    factory.create("web01", cputune_shares=shares, nics=[NicSpec("breth1-100"), NicSpec("breth1-200")])
    factory.create(
        "db01",
        cputune_shares=shares,
        disks=[DiskSpec(size_mib=32), DiskSpec(size_mib=64)],
        nics=[NicSpec("breth1-100")],
    )
    factory.create("cache01", cputune_shares=shares, persistent=False, nics=[NicSpec("breth1-200")])
    factory.create("old01", running=False, nics=[NicSpec("breth1-100")])
    # VLAN 400: no CloudStack network carries it until the networks step creates one
    factory.create("app01", cputune_shares=shares, nics=[NicSpec("breth1-400")])


def demo_seed(image_dir: Path) -> dict:
    """The embedded seed, plus what a real KVM host would have: VLAN sub-interfaces under the
    bridges. This kernel has no 802.1Q, so the simulated agent reads a prepared /proc + /sys root
    (the same files CloudStack's agent reads, facts §3.1)."""
    root = WORKDIR / "kvm1-root"
    for bridge, vlan in (("breth1-100", 100), ("breth1-200", 200), ("breth1-400", 400)):
        port = f"eth1.{vlan}"
        (root / "sys/class/net" / bridge / "brif" / port).mkdir(parents=True, exist_ok=True)
        (root / "proc/net/vlan").mkdir(parents=True, exist_ok=True)
        (root / "proc/net/vlan" / port).write_text(f"{port}  VID: {vlan}\t REORDER_HDR: 1\n")
    seed = yaml.safe_load(EMBEDDED_SEED.read_text())
    zone = seed["zones"][0]
    zone["clusters"][0]["hosts"][0]["vlan_root"] = str(root)
    # The demo disks live in the factory's image directory: make it a primary storage pool of the
    # cluster, as the directory of an unmanaged VM's disks must be for CloudStack to import it.
    pool = {"name": "demo-pool", "path": str(image_dir), "type": "Filesystem", "cluster": "cluster1"}
    zone["storagepools"].append(pool)
    return seed


def network_discovery_vars() -> str:
    """How the networks step reads kvm1: its libvirt is this machine's, its /sys and /proc the prepared root."""
    return json.dumps(
        {
            "acs_network_discovery": {
                "host_uris": {"kvm1": URI},
                "vlan_root": str(WORKDIR / "kvm1-root"),
                "name_filter": f"^{PREFIX}",
            }
        }
    )


def edit_csv(path: Path, key: str, wanted: str, changes: dict[str, str]) -> None:
    """What the operator does in a spreadsheet: change cells of the row whose ``key`` column is ``wanted``."""
    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    for row in rows:
        if row[key] == wanted:
            row.update(changes)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue())
    print(f"  edited {path.name}, row {key}={wanted}: " + ", ".join(f"{k}={v}" for k, v in changes.items()))


def write_inventory() -> Path:
    inventory = WORKDIR / "demo.unmanaged.yml"
    inventory.write_text(
        yaml.safe_dump(
            {
                "plugin": "acs.ingest.unmanaged",
                "clusters": ["cluster1"],
                "name_filter": f"^{PREFIX}",
                "plan_defaults": {
                    "service_offering": "custom-constrained",
                    "template": "kvm-template",
                    "disk_offering_policy": "custom",
                },
                "plan_file": str(WORKDIR / "acs-plan" / "plan.csv"),
            }
        )
    )
    return inventory


def playbook(title: str, inventory: Path, name: str, env: dict[str, str], *extra: str) -> None:
    run(title, ["ansible-playbook", "-i", str(inventory), str(REPO / "playbooks" / f"{name}.yml"), *extra], env)


def run(
    title: str, argv: list[str], env: dict[str, str], *, check: bool = True, show: bool = True
) -> subprocess.CompletedProcess[str]:
    banner(title)
    print("$ " + " ".join(argv), flush=True)
    started = time.monotonic()
    proc = subprocess.run(argv, env=env, cwd=WORKDIR, text=True, capture_output=True, check=False)
    out = proc.stdout + proc.stderr
    if show or proc.returncode != 0:
        print(textwrap.indent(out.strip()[-6000:], "  "))
    print(f"  -> exit {proc.returncode} in {time.monotonic() - started:.1f}s", flush=True)
    if check and proc.returncode != 0:
        raise SystemExit(f"main job step failed: {title}")
    return proc


def print_instances(result_json: str, title: str) -> None:
    data = json.loads(result_json[result_json.index("{") :])
    banner(title)
    print(f"  {'name':24} {'power':9} {'vcpu':>4} {'MiB':>5} {'disks':>5} {'nics':>4}  importable / blockers")
    for inst in data.get("instances", []):
        blockers = "; ".join(inst.get("import_blockers") or []) or "-"
        print(
            f"  {inst['name']:24} {inst.get('powerstate') or '?':9} {inst.get('cpunumber') or '-':>4} "
            f"{inst.get('memory') or '-':>5} {len(inst.get('disk') or []):>5} {len(inst.get('nic') or []):>4}  "
            f"{'yes' if inst.get('importable') else 'no'} / {blockers}"
        )
        for nic in inst.get("nic") or []:
            print(
                f"      nic {nic.get('id')}: {nic.get('macaddress')} {nic.get('adaptertype')} vlan={nic.get('vlanid')}"
            )
        for disk in inst.get("disk") or []:
            print(
                f"      disk {disk.get('id')}: {disk.get('label')} {disk.get('controller')} "
                f"{disk.get('capacity')} bytes {disk.get('imagepath')}"
            )


def main() -> int:
    if WORKDIR.exists():
        shutil.rmtree(WORKDIR)
    WORKDIR.mkdir(parents=True)
    remove_old_demo_domains()
    banner("creating demo domains on qemu:///system (QEMU TCG)")
    factory = DomainFactory(uri=URI, prefix=PREFIX)
    create_demo_domains(factory)
    for dom in factory.created:
        state = "running" if dom.running else "shut off"
        print(
            f"  {dom.name}: {state}, {'persistent' if dom.persistent else 'transient'}, "
            f"{len(dom.disks)} disk(s), {len(dom.nics)} NIC(s) on {', '.join(n.bridge for n in dom.nics)}"
        )

    banner("starting the CloudStack simulator (embedded seed, profile 4.22)")
    sim = SimHandle(WORKDIR / "simulator", demo_seed(factory.image_dir), "4.22")
    print(f"  endpoint {sim.endpoint}  (state {sim.db_path})")
    env = dict(
        os.environ,
        CLOUDSTACK_ENDPOINT=sim.endpoint,
        CLOUDSTACK_KEY=sim.api_key,
        CLOUDSTACK_SECRET=sim.api_secret,
        ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
        ANSIBLE_STDOUT_CALLBACK="minimal",
    )
    try:
        libvirt_view = run(
            "pre-flight view straight from libvirt (no CloudStack)",
            [
                "ansible",
                "localhost",
                "-o",
                "-m",
                "acs.ingest.unmanaged_instance_info",
                "-a",
                f"source=libvirt uri={URI} regex=^{PREFIX}",
            ],
            env,
        )
        print_instances(libvirt_view.stdout, "what libvirt has, and what CloudStack would hide")
        cloud_view = run(
            "what CloudStack lists as importable (listUnmanagedInstances)",
            [
                "ansible",
                "localhost",
                "-o",
                "-m",
                "acs.ingest.unmanaged_instance_info",
                "-a",
                f"source=cloudstack cluster=cluster1 regex=^{PREFIX}",
            ],
            env,
        )
        print_instances(cloud_view.stdout, "importable according to CloudStack")
        env.pop("ANSIBLE_STDOUT_CALLBACK")
        inventory = write_inventory()
        discovery = network_discovery_vars()
        playbook("networks: every network the unmanaged VMs use, and the missing ones", inventory, "networks", env,
                 "-e", discovery)  # fmt: skip
        print(textwrap.indent((WORKDIR / "acs-plan" / "network-report.csv").read_text(), "  | "))
        print(textwrap.indent((WORKDIR / "acs-plan" / "networks.csv").read_text(), "  | "))
        banner("edit: VLAN 400 becomes a Shared network with an address range")
        edit_csv(
            WORKDIR / "acs-plan" / "networks.csv",
            "vlan",
            "400",
            {
                "type": "Shared",
                "gateway": "10.44.0.1",
                "netmask": "255.255.255.0",
                "start_ip": "10.44.0.10",
                "end_ip": "10.44.0.99",
            },  # fmt: skip
        )
        create = ["-e", discovery, "-e", "acs_networks_create=true"]
        playbook("networks: create, in check mode first", inventory, "networks", env, *create, "--check", "--diff")
        playbook("networks: create the missing networks", inventory, "networks", env, *create)
        playbook("networks: create again (changed=0)", inventory, "networks", env, *create)
        playbook("discover: write the editable plan (CSV + YAML)", inventory, "discover", env)
        print(textwrap.indent((WORKDIR / "acs-plan" / "plan.csv").read_text(), "  | "))
        banner("edit: app01 keeps its two addresses (the first is imported, the second added afterwards)")
        edit_csv(WORKDIR / "acs-plan" / "plan.csv", "vm", f"{PREFIX}app01", {"nic_ips": "0=10.44.0.20,10.44.0.21"})
        playbook("validate: check mode over the whole plan", inventory, "validate", env)
        playbook("import: wave by wave, with a report", inventory, "import", env)
        playbook("import again: already managed VMs are skipped (changed=0)", inventory, "import", env)
        playbook("fix-ups: secondary IPs added, restarts reported", inventory, "fixups", env)
        playbook(
            "fix-ups with the opt-in restart (downtime) for console access", inventory, "fixups", env,
            "-e", "acs_fixups_restart=true",
        )  # fmt: skip
        playbook("fix-ups again (changed=0)", inventory, "fixups", env, "-e", "acs_fixups_restart=true")
        print(textwrap.indent((WORKDIR / "acs-report" / "fixups-report.csv").read_text(), "  | "))
        playbook(
            "unmanage one VM: CloudStack 4.22 persists its domain",
            inventory,
            "unmanage",
            env,
            "-e",
            json.dumps({"acs_unmanage_vms": [f"{PREFIX}web01"], "acs_unmanage_zone": "zone1"}),
        )
        run("the released domain stays on its host", ["virsh", "dominfo", f"{PREFIX}web01"], env)
        banner("report of the last import run")
        print(textwrap.indent((WORKDIR / "acs-report" / "import-summary.txt").read_text(), "  "))
    finally:
        sim.stop()
        factory.close()
    banner("done")
    print(f"  work directory: {WORKDIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
