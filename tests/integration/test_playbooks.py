"""The bulk workflow end to end: discover → edit → validate → import → report, and unmanage.

Real ansible-playbook runs against the simulator; the VMs live in libvirt's test driver.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest
from test_playbooks_bed import Bed, make_bed, vm_name

pytestmark = [pytest.mark.slow]


@pytest.fixture
def bed(tmp_path: Path) -> Bed:
    made = make_bed(tmp_path / "bed", 6)
    yield made
    made.sim.stop()


def _plan(bed: Bed) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((bed.directory / "acs-plan" / "plan.csv").read_text())))


def _write_plan(bed: Bed, rows: list[dict[str, str]]) -> None:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    (bed.directory / "acs-plan" / "plan.csv").write_text(out.getvalue())


def _db_snapshot(bed: Bed) -> dict[str, list]:
    store = bed.sim.store()
    try:
        return {kind: sorted(map(json.dumps, store.all(kind))) for kind in ("vm", "nic", "volume", "job")}
    finally:
        store.close()


def test_discover_writes_one_row_per_vm_and_a_rerun_changes_nothing(bed: Bed) -> None:
    first = bed.playbook("discover")
    assert first.rc == 0, first.output[-3000:]
    rows = _plan(bed)
    assert sorted(row["vm"] for row in rows) == [vm_name(i) for i in range(6)]
    network = bed.sim.first("listNetworks", "network", name="l2-vlan100")["id"]
    assert {row["nic_networks"] for row in rows} == {f"0={network}"}  # matched by VLAN 100
    assert all(row["import"] == "yes" and row["wave"] == "1" for row in rows)
    yaml_text = (bed.directory / "acs-plan" / "plan.yml").read_text()
    assert yaml_text.count("- vm: h6vm") == 6
    second = bed.playbook("discover")
    assert second.rc == 0 and second.changed() == 0, second.output[-3000:]


def test_validate_lists_every_problem_of_every_vm_and_changes_nothing(bed: Bed) -> None:
    assert bed.playbook("discover").rc == 0
    rows = _plan(bed)
    rows[0]["service_offering"] = "no-such-offering"
    rows[1]["wave"] = "soon"
    rows[1]["forced"] = "maybe"
    rows[2]["nic_networks"] = "7=l2-vlan100"
    rows[3]["service_offering"] = "small-1c-128m"  # fixed 128 MiB, the running VM has 64
    _write_plan(bed, rows)
    before = _db_snapshot(bed)
    run = bed.playbook("validate")
    # a CloudStack rule names its code, what breaks it, CloudStack's text and the fix
    line = next(
        line for line in run.output.splitlines() if f"{rows[3]['vm']}: [offering_memory_mismatch_running]" in line
    )
    assert "has 128 MiB, the VM 64 (PowerOn)" in line and "memory does not match VM memory" in line
    assert "Fix: use a custom offering" in line
    assert run.rc != 0
    # every planner problem starts with its code: a rule of docs/rules.md, or one of the plan (not_found)
    assert f"{rows[0]['vm']}: [not_found] service_offering" in run.output and "no-such-offering" in run.output
    assert f"{rows[1]['vm']}: wave" in run.output and f"{rows[1]['vm']}: forced" in run.output
    assert f"{rows[2]['vm']}: [unknown_key] nic_networks[7]" in run.output
    assert "Fix: " in run.output
    assert _db_snapshot(bed) == before
    assert len(bed.unmanaged()) == 6


def test_import_runs_waves_reports_and_is_idempotent(bed: Bed) -> None:
    # check mode first (changes nothing), then the import, then a rerun that changes nothing
    assert bed.playbook("discover").rc == 0
    rows = _plan(bed)
    for row in rows[3:]:
        row["wave"] = "2"
    rows[5]["import"] = "no"
    _write_plan(bed, rows)
    valid = bed.playbook("validate")
    assert valid.rc == 0 and valid.changed() == 0, valid.output[-3000:]

    before = _db_snapshot(bed)
    checked = bed.playbook("import", "--check")
    assert checked.rc == 0, checked.output[-3000:]
    assert bed.report()["totals"] == {"would import": 5}
    assert _db_snapshot(bed) == before
    assert sorted(u["name"] for u in bed.unmanaged()) == [vm_name(i) for i in range(6)]

    run = bed.playbook("import", "-f", "10", "-e", "acs_import_concurrency=3")
    assert run.rc == 0, run.output[-4000:]
    assert run.recap().keys() == {"localhost"}  # one batch per wave on the controller, no per-VM hosts
    report = bed.report()
    assert report["totals"] == {"imported": 5}
    assert [(vm["vm"], vm["wave"]) for vm in report["vms"]] == [(rows[i]["vm"], 1 if i < 3 else 2) for i in range(5)]
    managed = {vm["instancename"]: vm for vm in bed.managed()}
    for entry in report["vms"]:
        assert managed[entry["vm"]]["id"] == entry["id"]
    # waves in order: every wave-1 VM was created before any wave-2 VM
    created = {name: vm["created"] for name, vm in managed.items()}
    assert max(created[r["vm"]] for r in rows[:3]) <= min(created[r["vm"]] for r in rows[3:5])
    assert rows[5]["vm"] not in managed and [u["name"] for u in bed.unmanaged()] == [rows[5]["vm"]]
    summary = (bed.directory / "acs-report" / "import-summary.txt").read_text()
    assert summary.startswith("5 VMs: 5 imported")
    report_csv = (bed.directory / "acs-report" / "import-report.csv").read_text().splitlines()
    assert report_csv[0] == "vm,wave,outcome,id,duration_s,jobid,error" and len(report_csv) == 6

    again = bed.playbook("import", "-f", "10")
    assert again.rc == 0 and again.changed() == 0, again.output[-3000:]
    assert bed.report()["totals"] == {"already managed": 5}
    assert len(bed.managed()) == 5


def test_import_reports_a_failing_vm_and_keeps_going(bed: Bed) -> None:
    assert bed.playbook("discover").rc == 0
    rows = _plan(bed)
    rows[1]["hostname"] = rows[0]["hostname"]  # CloudStack refuses a second VM with that name on the network
    _write_plan(bed, rows)
    run = bed.playbook("import", "-f", "6")
    assert run.rc != 0
    report = {vm["vm"]: vm for vm in bed.report()["vms"]}
    failed = [vm for vm in report.values() if vm["outcome"] == "failed"]
    assert len(failed) == 1 and failed[0]["vm"] in (rows[0]["vm"], rows[1]["vm"])
    assert "already exists" in failed[0]["error"]
    assert sum(vm["outcome"] == "imported" for vm in report.values()) == 5
    assert failed[0]["vm"] in {u["name"] for u in bed.unmanaged()}
    summary = (bed.directory / "acs-report" / "import-summary.txt").read_text()
    assert summary.startswith("6 VMs: 1 failed, 5 imported") and failed[0]["error"][:40] in summary


def test_unmanage_releases_vms_and_a_rerun_changes_nothing(bed: Bed) -> None:
    assert bed.playbook("discover").rc == 0
    assert bed.playbook("import", "-f", "6").rc == 0
    names = [vm_name(0), vm_name(1)]
    extra = json.dumps({"acs_unmanage_vms": names, "acs_unmanage_zone": "zone1"})
    run = bed.playbook("unmanage", "-e", extra)
    assert run.rc == 0, run.output[-3000:]
    assert run.changed() >= 1
    assert not {vm["instancename"] for vm in bed.managed()} & set(names)
    assert set(names) <= {u["name"] for u in bed.unmanaged()}
    again = bed.playbook("unmanage", "-e", extra)
    assert again.rc == 0 and again.changed() == 0, again.output[-3000:]


def test_unmanage_before_422_runs_persist_domain_xml_on_the_kvm_host(tmp_path: Path) -> None:
    # 4.20.2: its agents read a bridge's VLAN (the bed maps NICs by it; 4.20.0 agents report -1), and its
    # unmanage still leaves the domain transient (persisting came with 4.22)
    bed = make_bed(tmp_path / "bed420", 2, profile="4.20.2")
    try:
        assert bed.playbook("discover").rc == 0
        assert bed.playbook("import", "-f", "2").rc == 0
        # the CloudStack host h6-testhost is this machine; the role talks to its test-driver URI
        hosts = bed.directory / "kvm-hosts.ini"
        hosts.write_text(f"h6-testhost ansible_connection=local ansible_python_interpreter={sys.executable}\n")
        extra = {"acs_unmanage_vms": [vm_name(0)], "acs_unmanage_zone": "zone1",
                 "acs_persist_uri": f"test://{bed.directory / 'node.xml'}"}  # fmt: skip
        run = bed.playbook("unmanage", "-i", str(hosts), "-e", json.dumps(extra))
        assert run.rc == 0, run.output[-3000:]
        assert "Persist the domains CloudStack left transient on this host" in run.output
        assert "[h6-testhost]" in run.output and vm_name(0) in run.output
        assert vm_name(0) in {u["name"] for u in bed.unmanaged()}
        assert {vm["instancename"] for vm in bed.managed()} == {vm_name(1)}
    finally:
        bed.sim.stop()
