"""The workflow with its network and fix-up steps, as real ansible-playbook runs against the simulator:
networks (report, edit, create in check mode, create, rerun) → discover → import → fixups (report, restart).

The VMs live in libvirt's test driver: three on breth1-100 (VLAN 100, network l2-vlan100 exists), two on
breth1-500 (VLAN 500, no network until the networks step creates it); a prepared /sys + /proc root gives
the bridges their VLAN uplinks, for the simulator's agent and for network discovery alike.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from acs_simulator.fixtures import SimHandle
from test_playbooks_bed import Bed, bed_seed, vm_name

pytestmark = [pytest.mark.slow]
BRIDGES = ["breth1-100"] * 3 + ["breth1-500"] * 2


def write_host(directory: Path) -> Path:
    pool = directory / "pool1"
    pool.mkdir(parents=True, exist_ok=True)
    domains = [
        f"<domain type='test'><name>{vm_name(i)}</name><uuid>6b6b6b6b-0000-4000-8000-{i:012d}</uuid>"
        "<memory unit='MiB'>64</memory><vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os><devices>"
        "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
        f"<source file='{pool}/{vm_name(i)}.qcow2'/><target dev='vda' bus='virtio'/></disk>"
        f"<interface type='bridge'><mac address='52:54:00:6b:00:{i:02x}'/><source bridge='{bridge}'/>"
        # the test driver assigns no PCI address; CloudStack's agent drops a NIC without one (nic_pci_slot_missing)
        "<model type='virtio'/><address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>"
        "</interface></devices></domain>"
        for i, bridge in enumerate(BRIDGES)
    ]
    node = directory / "node.xml"
    node.write_text("<node>\n" + "\n".join(domains) + "\n</node>\n")
    for vlan in (100, 500):
        (directory / f"root/sys/class/net/breth1-{vlan}/brif/eth1.{vlan}").mkdir(parents=True, exist_ok=True)
        (directory / "root/proc/net/vlan").mkdir(parents=True, exist_ok=True)
        (directory / f"root/proc/net/vlan/eth1.{vlan}").write_text(f"eth1.{vlan}  VID: {vlan}\nDevice: eth1\n")
    return node


@pytest.fixture
def bed(tmp_path: Path) -> Bed:
    directory = tmp_path / "bed"
    directory.mkdir()
    node = write_host(directory)
    made = Bed(directory, SimHandle(directory / "sim", bed_seed(directory, node), "4.22", {"job_duration": 0.1}), 5)
    made.discovery = json.dumps(  # type: ignore[attr-defined]
        {
            "acs_network_discovery": {
                "host_uris": {"h6-testhost": f"test://{node}"},
                "vlan_root": str(directory / "root"),
            }
        }
    )
    yield made
    made.sim.stop()


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text())))


def edit_csv(path: Path, key: str, wanted: str, **changes: str) -> None:
    rows = read_csv(path)
    for row in rows:
        if row[key] == wanted:
            row.update(changes)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue())


def networks_named(bed: Bed) -> dict[str, dict]:
    return {n["name"]: n for n in bed.read("listNetworks", listall="true")["network"]}


SHARED = {
    "type": "Shared",
    "gateway": "10.55.0.1",
    "netmask": "255.255.255.0",
    "start_ip": "10.55.0.10",
    "end_ip": "10.55.0.99",
}


def test_networks_step_then_import_and_fixups(bed: Bed) -> None:
    plan_dir = bed.directory / "acs-plan"
    report = bed.playbook("networks", "-e", bed.discovery)
    assert report.rc == 0, report.output[-3000:]
    rows = {row["vlan"]: row for row in read_csv(plan_dir / "networks.csv")}
    assert (rows["100"]["status"], rows["100"]["create"]) == ("exists", "no")
    assert (rows["500"]["status"], rows["500"]["create"], rows["500"]["vlan_sources"]) == (
        "missing",
        "yes",
        "vlan-subinterface",
    )
    assert rows["500"]["vms"] == f"{vm_name(3)};{vm_name(4)}"
    nic_report = read_csv(plan_dir / "network-report.csv")
    assert sorted(r["vm"] for r in nic_report) == [vm_name(i) for i in range(5)]
    assert {r["physical_interface"] for r in nic_report} == {"eth1"}
    assert bed.playbook("networks", "-e", bed.discovery).changed() == 0  # a rerun writes identical files

    # the operator makes VLAN 500 a Shared network, then checks and creates
    edit_csv(plan_dir / "networks.csv", "vlan", "500", **SHARED)
    before = set(networks_named(bed))
    create = ["-e", bed.discovery, "-e", "acs_networks_create=true"]
    preview = bed.playbook("networks", *create, "--check", "--diff")
    assert preview.rc == 0 and "create_call" in preview.output, preview.output[-3000:]  # the diff: the promised call
    assert set(networks_named(bed)) == before
    made = bed.playbook("networks", *create)
    assert made.rc == 0, made.output[-3000:]
    shared = networks_named(bed)["shared-vlan500"]
    assert (shared["type"], shared["vlan"], shared["cidr"]) == ("Shared", "500", "10.55.0.0/24")
    assert {row["vlan"]: row["status"] for row in read_csv(plan_dir / "networks.csv")}["500"] == "exists"
    assert bed.playbook("networks", *create).changed() == 0

    # rediscovering the VM plan maps the VLAN 500 NICs to the new network without any edit
    rediscover = bed.playbook("discover")
    assert rediscover.rc == 0, rediscover.output[-3000:]
    plan = {row["vm"]: row for row in read_csv(plan_dir / "plan.csv")}
    assert plan[vm_name(3)]["nic_networks"] == f"0={shared['id']}" and plan[vm_name(3)]["nic_ips"] == "0=auto"
    edit_csv(plan_dir / "plan.csv", "vm", vm_name(3), nic_ips="0=10.55.0.20,10.55.0.21")
    imported = bed.playbook("import")
    assert imported.rc == 0, imported.output[-3000:]
    vm3 = next(v for v in bed.managed() if v["instancename"] == vm_name(3))
    assert vm3["nic"][0]["ipaddress"] == "10.55.0.20"

    fixups = bed.playbook("fixups")
    assert fixups.rc == 0, fixups.output[-3000:]
    vm3 = next(v for v in bed.managed() if v["instancename"] == vm_name(3))
    assert [s["ipaddress"] for s in vm3["nic"][0]["secondaryip"]] == ["10.55.0.21"]
    outcomes = {row["vm"]: row for row in read_csv(bed.directory / "acs-report" / "fixups-report.csv")}
    assert outcomes[vm_name(3)]["outcome"] == "fixed" and outcomes[vm_name(0)]["outcome"] == "ok"
    assert all(row["needs_restart"] == "console" and row["restarted"] == "no" for row in outcomes.values())
    assert "needs a stop and start through CloudStack for console" in fixups.output
    assert bed.playbook("fixups").changed() == 0

    restarted = bed.playbook("fixups", "-e", "acs_fixups_restart=true")
    assert restarted.rc == 0 and "STOPPED and started" in restarted.output, restarted.output[-3000:]
    outcomes = {row["vm"]: row for row in read_csv(bed.directory / "acs-report" / "fixups-report.csv")}
    assert all(row["restarted"] == "yes" for row in outcomes.values())
    assert all(v["state"] == "Running" for v in bed.managed())
    again = bed.playbook("fixups", "-e", "acs_fixups_restart=true")
    assert again.rc == 0 and again.changed() == 0


def test_a_bad_networks_plan_is_refused_with_every_problem(bed: Bed) -> None:
    assert bed.playbook("networks", "-e", bed.discovery).rc == 0
    plan_dir = bed.directory / "acs-plan"
    edit_csv(plan_dir / "networks.csv", "vlan", "500", type="Shared", gateway="10.55.0.1", start_ip="10.55.1.300")
    before = set(networks_named(bed))
    run = bed.playbook("networks", "-e", bed.discovery, "-e", "acs_networks_create=true")
    assert run.rc != 0
    assert "VLAN 500): netmask: a Shared network needs gateway and netmask" in run.output
    assert "VLAN 500): end_ip: a Shared network needs an IP range" in run.output
    assert set(networks_named(bed)) == before


def test_networks_plan_from_a_project_and_as_job_artifacts(bed: Bed, monkeypatch: pytest.MonkeyPatch) -> None:
    """AWX: the edits come from a networks plan committed to the project (acs_existing_networks), which
    stays untouched, and the refreshed plan comes back as a job artifact (set_stats) to edit and commit."""
    plan_dir = bed.directory / "acs-plan"
    assert bed.playbook("networks", "-e", bed.discovery).rc == 0
    committed = bed.directory / "project" / "plans" / "networks.csv"
    committed.parent.mkdir(parents=True)
    committed.write_text((plan_dir / "networks.csv").read_text())
    edit_csv(committed, "vlan", "500", **SHARED)
    (plan_dir / "networks.csv").unlink()  # the job's own directory starts empty, as in AWX
    before = committed.read_bytes()

    monkeypatch.setenv("ANSIBLE_SHOW_CUSTOM_STATS", "true")  # the default callback prints them as JSON
    run = bed.playbook("networks", "-e", bed.discovery, "-e", f"acs_existing_networks={committed}")
    assert run.rc == 0, run.output[-3000:]
    custom = run.output[run.output.index("\tRUN: ") + len("\tRUN: ") :]
    stats = json.JSONDecoder().raw_decode(custom)[0]["acs_networks"]
    assert stats["csv"] == (plan_dir / "networks.csv").read_text()
    row = next(r for r in csv.DictReader(io.StringIO(stats["csv"])) if r["vlan"] == "500")
    assert (row["type"], row["gateway"], row["start_ip"], row["create"]) == ("Shared", "10.55.0.1", "10.55.0.10", "yes")
    assert committed.read_bytes() == before

    missing = bed.playbook("networks", "-e", bed.discovery, "-e", f"acs_existing_networks={committed}.gone")
    assert missing.rc != 0
    assert f"acs_existing_networks: {committed}.gone does not exist. Fix: give the path" in missing.output
