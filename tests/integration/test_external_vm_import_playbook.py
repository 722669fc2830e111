"""The playbook task files for external sources, with a static inventory shaped like the
acs.ingest.unmanaged inventory's hostvars (two VMs on one external host)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import infra.external_host as exthost
import pytest
import yaml
from infra.external_host import DiskSpec
from test_external_vm_import_lib import API_KEY, API_SECRET, REPO, SSH_PASSWORD, SSH_USER, Simulator, start_simulator

external_kvm_host = exthost.external_kvm_host
external_domain_factory = exthost.external_domain_factory
pytestmark = [pytest.mark.external_host, pytest.mark.libvirt, pytest.mark.ssh, pytest.mark.slow]
WORK_BASE = Path("/var/tmp/acs-ingest-extimp-tests")

SITE = """
- name: External sources, one pseudo-host per source KVM host
  hosts: localhost
  gather_facts: false
  tasks:
    - ansible.builtin.include_tasks: {tasks}/external_sources.yml

- name: Import from external KVM hosts
  hosts: acs_external_sources
  gather_facts: false
  tasks:
    - ansible.builtin.include_tasks: {tasks}/external_import_vm.yml

- name: Collect outcomes
  hosts: localhost
  gather_facts: false
  tasks:
    - ansible.builtin.copy:
        content: "{{{{ groups['acs_import'] | map('extract', hostvars, 'acs_outcome') | list | to_json }}}}"
        dest: {out}
      check_mode: false
"""


@pytest.fixture(scope="module")
def env() -> Iterator[tuple[Path, Simulator]]:
    work = WORK_BASE / f"pb-{uuid.uuid4().hex[:8]}"
    work.mkdir(parents=True)
    sim = start_simulator(work / "sim")
    yield work, sim
    sim.stop()
    subprocess.run(["rm", "-rf", "--one-file-system", str(work)], check=False)


def _inventory(names: list[str]) -> dict:
    hosts = {}
    for wave, name in enumerate(names, start=1):
        hosts[name] = {
            "acs_source": "external",
            "acs_location": "127.0.0.2",
            "acs_zone_id": "zone1",
            "acs_cluster_id": "cluster1",
            "acs_wave": wave,
            "acs_instance": {"name": name},
            "acs_import_params": {
                "templateid": "kvm-template",
                "serviceofferingid": "tiny-1c-64m",
                "nicnetworklist": [{"nic": "0", "network": "l2-vlan100"}],
            },
        }
    groups = {"acs_source_external": {"hosts": hosts}, "acs_import": {"hosts": dict.fromkeys(hosts)}}
    return {
        "all": {
            "children": groups,
            "vars": {
                "ansible_connection": "local",
                "ansible_python_interpreter": sys.executable,
                "acs_external_username": SSH_USER,
                "acs_external_password": SSH_PASSWORD,
            },
        }
    }


def _run(work: Path, sim: Simulator, names: list[str], *check: str) -> list[dict]:
    out = work / f"outcomes-{uuid.uuid4().hex[:6]}.json"
    (work / "site.yml").write_text(SITE.format(tasks=REPO / "playbooks" / "tasks", out=out))
    (work / "inventory.yml").write_text(yaml.safe_dump(_inventory(names)))
    env = {
        **os.environ,
        "ANSIBLE_COLLECTIONS_PATH": str(REPO / ".cache" / "src-collections"),
        "CLOUDSTACK_ENDPOINT": sim.url,
        "CLOUDSTACK_KEY": API_KEY,
        "CLOUDSTACK_SECRET": API_SECRET,
    }
    proc = subprocess.run(
        ["ansible-playbook", "-i", str(work / "inventory.yml"), str(work / "site.yml"), *check],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
        check=False,
    )
    assert out.exists(), proc.stdout[-3000:] + proc.stderr[-2000:]
    assert SSH_PASSWORD not in proc.stdout
    return sorted(json.loads(out.read_text()), key=lambda o: o["vm"])


def test_task_files_in_check_mode_say_would_import(env, external_domain_factory) -> None:
    # The import and its rerun through these task files ("imported", then "already managed" with the same
    # ids) run in test_external_playbooks.py, where import.yml includes them: one real import, not two.
    work, sim = env
    names = [external_domain_factory(f"extimp-pb{i}", [DiskSpec("qcow2", 16)]).name for i in range(2)]
    pool_before = set(os.listdir(sim.pool_dir))
    validate = _run(work, sim, names, "--check")
    assert [o["outcome"] for o in validate] == ["would import", "would import"], validate
    assert [o["vm"] for o in validate] == sorted(names)
    assert set(os.listdir(sim.pool_dir)) == pool_before, "check mode copied a disk into the pool"
