"""The AWX flow through ansible-runner, against the simulator (hack/test.sh stage ansible-runner).

Each step gets its own private data directory laid out as AWX lays out a job's: ``project/``
(a copy of the example project docs/awx/project, as AWX copies the project checkout),
``inventory/hosts`` (for jobs: a script printing the inventory AWX stored at the last sync),
``env/envvars`` (what the credential type docs/awx/credential_type.yml injects),
``env/extravars`` and ``env/settings``. An inventory sync runs ``ansible-inventory --list
--export`` on the project's inventory file with AWX's ANSIBLE_INVENTORY_UNPARSED_FAILED=true.
The operator's plan edits go back into the project (plans/plan.csv), as a commit would.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ansible_runner
import jinja2.sandbox
import pytest
import yaml
from test_playbooks_bed import Bed, make_bed, vm_name

pytestmark = [pytest.mark.slow, pytest.mark.awx_runner]

REPO = Path(__file__).resolve().parents[2]
CREDENTIAL_TYPE = REPO / "docs" / "awx" / "credential_type.yml"
EXAMPLE_PROJECT = REPO / "docs" / "awx" / "project"
VMS = 6


@dataclass
class Step:
    """One ansible-runner run: its private data directory, exit code, stdout and artifacts."""

    pdd: Path
    rc: int
    status: str
    stdout: str
    stats: dict[str, Any]
    artifact_data: dict[str, Any]

    def changed(self) -> int:
        return sum((self.stats.get("changed") or {}).values())


def injected_env(api_url: str, api_key: str, api_secret: str) -> dict[str, str]:
    """The environment AWX gives a job or a sync with a credential of our credential type."""
    spec = yaml.safe_load(CREDENTIAL_TYPE.read_text())
    inputs = {"api_url": api_url, "api_key": api_key, "api_secret": api_secret}
    sandbox = jinja2.sandbox.SandboxedEnvironment(undefined=jinja2.StrictUndefined)
    return {name: sandbox.from_string(template).render(**inputs) for name, template in spec["injectors"]["env"].items()}


def unsafe_unwrapped(value: Any) -> Any:
    """ansible-inventory marks API strings as unsafe ({'__ansible_unsafe': ...}); AWX stores values."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {k: unsafe_unwrapped(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unsafe_unwrapped(v) for v in value]
    return value


class Awx:
    """Just enough of AWX: a project in SCM, an inventory source with its last sync, job runs."""

    def __init__(self, base: Path, bed: Bed) -> None:
        self.base = base
        self.bed = bed
        self.scm = base / "scm"
        shutil.copytree(EXAMPLE_PROJECT, self.scm)
        source = yaml.safe_load((self.scm / "cloud.unmanaged.yml").read_text())
        # the bed's offerings need a CPU speed; everything else is the example's
        source["plan_defaults"]["details"] = {"cpuSpeed": 500}
        source["plan_defaults"].pop("disk_offering_policy", None)
        (self.scm / "cloud.unmanaged.yml").write_text(yaml.safe_dump(source))
        self.launcher = base / "launcher"  # the launching process's directory ($PWD)
        self.launcher.mkdir()
        self.credential = injected_env(bed.sim.endpoint, bed.sim.api_key, bed.sim.api_secret)
        self.inventory: dict[str, Any] = {}
        self.steps = 0
        self.project_files: dict[Path, dict[str, bytes]] = {}

    def _pdd(self, kind: str, env: dict[str, str], extravars: dict[str, Any] | None = None) -> Path:
        self.steps += 1
        pdd = self.base / f"{self.steps:02d}-{kind}"
        shutil.copytree(self.scm, pdd / "project")
        self.project_files[pdd] = project_files(pdd / "project")
        (pdd / "env").mkdir(parents=True)
        envvars = {
            **env,
            "PWD": str(self.launcher),
            "ANSIBLE_COLLECTIONS_PATH": os.environ["ANSIBLE_COLLECTIONS_PATH"],
            "ANSIBLE_NOCOLOR": "1",
        }
        (pdd / "env" / "envvars").write_text(json.dumps(envvars))
        (pdd / "env" / "extravars").write_text(json.dumps(extravars or {}))
        (pdd / "env" / "settings").write_text(json.dumps({"idle_timeout": 300, "job_timeout": 600}))
        return pdd

    @staticmethod
    def _step(pdd: Path, runner: Any) -> Step:
        stats_events = [e for e in runner.events if e.get("event") == "playbook_on_stats"]
        artifact_data = (stats_events[-1]["event_data"].get("artifact_data") or {}) if stats_events else {}
        stdout = runner.stdout.read() if runner.stdout else ""
        return Step(pdd, runner.rc, runner.status, stdout, runner.stats or {}, artifact_data)

    def sync(self, credential: dict[str, str] | None = None) -> Step:
        """An inventory update from the project source; on success AWX stores the result."""
        pdd = self._pdd("sync", {**(self.credential if credential is None else credential),
                                 "ANSIBLE_INVENTORY_UNPARSED_FAILED": "True"})  # fmt: skip
        output = pdd / "inventory.json"
        stdout, stderr, rc = ansible_runner.run_command(
            executable_cmd="ansible-inventory",
            cmdline_args=[
                "-i",
                str(pdd / "project" / "cloud.unmanaged.yml"),
                "--playbook-dir",
                str(pdd / "project"),
                "--list",
                "--export",
                "--output",
                str(output),
            ],  # fmt: skip
            private_data_dir=str(pdd),
            ident="sync",
            quiet=True,
        )
        if rc == 0:
            self.inventory = unsafe_unwrapped(json.loads(output.read_text()))
        return Step(pdd, rc, "successful" if rc == 0 else "failed", stdout + stderr, {}, {})

    def job(self, playbook: str, extravars: dict[str, Any] | None = None, keep_hosts: int | None = None) -> Step:
        """A job template run: the stored inventory as AWX's script, the credential injected."""
        pdd = self._pdd(playbook, self.credential, extravars)
        inventory = json.loads(json.dumps(self.inventory))
        if keep_hosts is not None:  # a job slice: AWX hands it part of the hosts
            kept = sorted(inventory["_meta"]["hostvars"])[:keep_hosts]
            inventory["_meta"]["hostvars"] = {h: inventory["_meta"]["hostvars"][h] for h in kept}
            for group in inventory.values():
                if isinstance(group, dict) and "hosts" in group:
                    group["hosts"] = [h for h in group["hosts"] if h in kept]
        script = pdd / "inventory" / "hosts"
        script.parent.mkdir()
        script.write_text(f"#!/usr/bin/env python3\nimport sys\nsys.stdout.write({json.dumps(inventory)!r})\n")
        script.chmod(0o700)
        runner = ansible_runner.run(
            private_data_dir=str(pdd),
            playbook=f"{playbook}.yml",
            inventory=str(script),
            ident="job",
            quiet=True,
        )
        return self._step(pdd, runner)


def project_files(project: Path) -> dict[str, bytes]:
    return {str(p.relative_to(project)): p.read_bytes() for p in project.rglob("*") if p.is_file()}


def secrets_outside_command(pdd: Path, secret: str) -> list[str]:
    """Files of the run's artifacts that hold the secret, apart from ansible-runner's own `command`.

    ansible-runner always writes artifacts/<ident>/command with the whole environment of the
    run (mode 0600); AWX keeps it inside the job's private data directory, which it deletes.
    """
    found = []
    for path in (pdd / "artifacts").rglob("*"):
        if path.is_file() and path.name != "command" and secret.encode() in path.read_bytes():
            found.append(str(path.relative_to(pdd)))
    return found


@pytest.fixture
def awx(tmp_path: Path) -> Awx:
    bed = make_bed(tmp_path / "bed", VMS)
    yield Awx(tmp_path / "awx", bed)
    bed.sim.stop()


def test_discover_validate_import_rerun_fixups_as_awx_jobs(awx: Awx) -> None:
    secret = awx.bed.sim.api_secret
    names = [vm_name(i) for i in range(VMS)]

    first_sync = awx.sync()
    assert first_sync.rc == 0, first_sync.stdout[-3000:]
    assert sorted(awx.inventory["_meta"]["hostvars"]) == names

    discover = awx.job("discover")
    assert discover.rc == 0 and discover.status == "successful", discover.stdout[-3000:]
    plan = discover.artifact_data["acs_plan"]
    assert plan["vms"] == VMS and plan["to_import"] == VMS and plan["need_edits"] == 0 and plan["problems"] == []
    # AWX's default: beside the job's inventory script, inside the job's private data directory
    assert plan["file"] == str(discover.pdd / "inventory" / "acs-plan" / "plan.csv")
    assert (discover.pdd / "inventory" / "acs-plan" / "plan.csv").read_text() == plan["csv"]

    # The operator takes the plan from the job's artifacts, moves half the VMs to wave 2 and
    # commits it to the project; the next sync reads it (plan_file: plans/plan.csv).
    rows = list(csv.DictReader(io.StringIO(plan["csv"])))
    assert sorted(row["vm"] for row in rows) == names
    for row in rows[VMS // 2 :]:
        row["wave"] = "2"
    edited = io.StringIO()
    writer = csv.DictWriter(edited, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    (awx.scm / "plans").mkdir()
    (awx.scm / "plans" / "plan.csv").write_text(edited.getvalue())
    assert awx.sync().rc == 0
    waves = {h: v["acs_wave"] for h, v in awx.inventory["_meta"]["hostvars"].items()}
    assert waves == {row["vm"]: int(row["wave"]) for row in rows}

    validate = awx.job("validate")
    assert validate.rc == 0 and validate.changed() == 0, validate.stdout[-3000:]
    assert validate.artifact_data["acs_validate"] == {"ok": True, "vms": VMS, "problems": []}

    imported = awx.job("import", {"acs_import_concurrency": 4})
    assert imported.rc == 0, imported.stdout[-4000:]
    report = imported.artifact_data["acs_import_report"]
    assert report["not_ok"] == 0 and report["summary"][0].startswith(f"{VMS} VMs: {VMS} imported")
    assert [(vm["vm"], vm["wave"], vm["outcome"]) for vm in report["vms"]] == [
        (row["vm"], int(row["wave"]), "imported") for row in rows
    ]
    managed = {vm["instancename"]: vm["id"] for vm in awx.bed.managed()}
    assert {vm["vm"]: vm["id"] for vm in report["vms"]} == managed
    report_dir = imported.pdd / "inventory" / "acs-report"
    assert json.loads((report_dir / "import-report.json").read_text())["totals"] == {"imported": VMS}

    # The VMs are managed now; the plan keeps them in the inventory, so the rerun reports them.
    assert awx.sync().rc == 0
    rerun = awx.job("import", {"acs_import_concurrency": 4})
    assert rerun.rc == 0 and rerun.changed() == 0, rerun.stdout[-3000:]
    assert {vm["outcome"] for vm in rerun.artifact_data["acs_import_report"]["vms"]} == {"already managed"}
    assert len(awx.bed.managed()) == VMS

    # fix-ups read the committed plan from the job's project checkout (/runner/project in AWX)
    checkout = awx.base / f"{awx.steps + 1:02d}-fixups" / "project"
    fixups = awx.job("fixups", {"acs_fixups_plan": str(checkout / "plans" / "plan.csv")})
    assert fixups.rc == 0, fixups.stdout[-3000:]
    outcomes = fixups.artifact_data["acs_fixups"]  # "ok": nothing to fix, restart offered (not done)
    assert sorted(o["vm"] for o in outcomes) == names
    assert {(o["outcome"], o["needs_restart"], o["restarted"]) for o in outcomes} == {("ok", "console", False)}

    for step in (first_sync, discover, validate, imported, rerun, fixups):
        assert secrets_outside_command(step.pdd, secret) == [], step.pdd
        command = step.pdd / "artifacts" / ("sync" if "sync" in step.pdd.name else "job") / "command"
        assert stat.S_IMODE(command.stat().st_mode) == 0o600
        # nothing written into the project checkout, nothing where the launcher stood
        assert project_files(step.pdd / "project") == awx.project_files[step.pdd]
    assert list(awx.launcher.iterdir()) == []


def test_failures_end_with_one_clear_message(awx: Awx) -> None:
    bad = dict(awx.credential, CLOUDSTACK_SECRET="not-the-secret")
    failed_sync = awx.sync(credential=bad)
    assert failed_sync.rc != 0
    assert "acs.ingest.unmanaged" in failed_sync.stdout and "CLOUDSTACK_SECRET" in failed_sync.stdout
    assert "Traceback" not in failed_sync.stdout and "not-the-secret" not in failed_sync.stdout

    assert awx.sync().rc == 0
    sliced = awx.job("import", keep_hosts=VMS // 2)
    assert sliced.rc != 0
    assert f"job slicing: this run sees {VMS // 2} of the {VMS} VMs" in sliced.stdout
    assert "job_slice_count" in sliced.stdout and sliced.stdout.count("FAILED!") == 1
    assert awx.bed.managed() == []
