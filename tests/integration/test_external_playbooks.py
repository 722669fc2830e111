"""import.yml and validate.yml with VMs on an external KVM host (127.0.0.2 libvirtd + sshd).

The static inventory is shaped like the acs.ingest.unmanaged inventory's hostvars; the
playbooks run their external-source plays (tasks/external_sources.yml and
tasks/external_import_vm.yml) and report those VMs next to the CloudStack-host waves.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import infra.external_host as exthost
import pytest
import yaml
from infra.external_host import DiskSpec
from test_external_vm_import_lib import API_KEY, API_SECRET, REPO, SSH_PASSWORD, Simulator, start_simulator
from test_external_vm_import_playbook import _inventory
from test_playbooks_bed import Run

external_kvm_host = exthost.external_kvm_host
external_domain_factory = exthost.external_domain_factory
pytestmark = [pytest.mark.external_host, pytest.mark.libvirt, pytest.mark.ssh, pytest.mark.slow]
WORK_BASE = Path("/var/tmp/acs-ingest-h7-extpb-tests")


@pytest.fixture(scope="module")
def env() -> Iterator[tuple[Path, Simulator]]:
    work = WORK_BASE / f"pb-{uuid.uuid4().hex[:8]}"
    work.mkdir(parents=True)
    sim = start_simulator(work / "sim")
    yield work, sim
    sim.stop()
    subprocess.run(["rm", "-rf", "--one-file-system", str(work)], check=False)


def _playbook(work: Path, sim: Simulator, names: list[str], playbook: str, *args: str) -> Run:
    inventory = _inventory(names)
    # the playbooks check that the acs.ingest.unmanaged inventory loaded (its group exists)
    inventory["all"]["children"]["acs_unmanaged"] = {"hosts": dict.fromkeys(names)}
    (work / "inventory.yml").write_text(yaml.safe_dump(inventory))
    env = {**os.environ, "ANSIBLE_COLLECTIONS_PATH": str(REPO / ".cache" / "src-collections"),
           "CLOUDSTACK_ENDPOINT": sim.url, "CLOUDSTACK_KEY": API_KEY, "CLOUDSTACK_SECRET": API_SECRET,
           "ANSIBLE_NOCOLOR": "1"}  # fmt: skip
    cmd = ["ansible-playbook", "-i", str(work / "inventory.yml"), str(REPO / "playbooks" / f"{playbook}.yml"), *args]
    proc = subprocess.run(cmd, cwd=work, capture_output=True, text=True, env=env, timeout=900, check=False)
    output = proc.stdout + proc.stderr
    assert SSH_PASSWORD not in output
    return Run(proc.returncode, output, 0.0)


def _report(work: Path) -> dict:
    return json.loads((work / "acs-report" / "import-report.json").read_text())


def test_external_vms_through_validate_import_and_rerun(env, external_domain_factory) -> None:
    work, sim = env
    names = [external_domain_factory(f"h7-extpb{i}", [DiskSpec("qcow2", 16)]).name for i in range(2)]
    validate = _playbook(work, sim, names, "validate")
    assert validate.rc == 0 and "plan OK: 2 VMs ready" in validate.output, validate.output[-3000:]
    assert "Check the VMs of this source host (check mode)" in validate.output
    first = _playbook(work, sim, names, "import")
    assert first.rc == 0, first.output[-3000:]
    report = _report(work)
    assert report["totals"] == {"imported": 2} and all(vm["id"] for vm in report["vms"])
    again = _playbook(work, sim, names, "import")
    assert again.rc == 0 and again.changed() == 0, again.output[-3000:]
    assert _report(work)["totals"] == {"already managed": 2}
    assert [vm["id"] for vm in _report(work)["vms"]] == [vm["id"] for vm in report["vms"]]


def test_validate_names_an_external_vm_that_cannot_be_imported(env, external_domain_factory) -> None:
    work, sim = env
    name = external_domain_factory("h7-extpb-bad", [DiskSpec("qcow2", 16)]).name
    missing = "h7-extpb-missing"  # not defined on the external host
    validate = _playbook(work, sim, [name, missing], "validate")
    assert validate.rc != 0
    assert f"{missing}: " in validate.output and "1 problem(s) in the plan" in validate.output, validate.output[-3000:]
