"""Shared set-up for the external_vm_import tests: a private simulator and an ansible runner.

The simulator gets its own seed (pool directories under the test's tmp dir) and database, so the
tests never see or touch other engineers' simulator state. The module runs through
ansible-playbook against the source tree (``.cache/src-collections``), exactly as a user runs it.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "tests" / "acs_simulator" / "seeds" / "embedded.yaml"
SSH_USER = os.environ.get("ACS_INGEST_SSH_USER", "acsimport")
SSH_PASSWORD = os.environ.get("ACS_INGEST_SSH_PASSWORD", "acs-import-test-pw")
API_KEY = "acs-sim-admin-apikey"
API_SECRET = "acs-sim-admin-secretkey"

PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: run external_vm_import
      acs.ingest.external_vm_import: "{{ modargs }}"
      register: result
      ignore_errors: true
    - name: keep the result for the test
      ansible.builtin.copy:
        content: "{{ result | to_json }}"
        dest: "{{ result_file }}"
      check_mode: false
      diff: false
"""


@dataclass
class Simulator:
    url: str
    pool_dir: Path
    local_pool_dir: Path
    process: subprocess.Popen

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_simulator(workdir: Path) -> Simulator:
    workdir.mkdir(parents=True, exist_ok=True)
    seed = yaml.safe_load(SEED.read_text())
    pool_dir, local_dir = workdir / "pool1", workdir / "local-kvm1"
    for pool in seed["zones"][0]["storagepools"]:
        pool["path"] = str(pool_dir if pool["name"] == "pool1" else local_dir)
    seed_file = workdir / "seed.yaml"
    seed_file.write_text(yaml.safe_dump(seed))
    port = _free_port()
    log = (workdir / "simulator.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "acs_simulator",
            "--seed",
            str(seed_file),
            "--db",
            str(workdir / "sim.sqlite"),
            "--listen",
            f"127.0.0.1:{port}",
        ],
        cwd=REPO / "tests",
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONPATH": str(REPO / "tests")},
    )
    url = f"http://127.0.0.1:{port}/client/api"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"simulator exited: {(workdir / 'simulator.log').read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return Simulator(url, pool_dir, local_dir, process)
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("simulator did not listen within 60s")


def run_module(
    workdir: Path, sim: Simulator, args: dict[str, Any], *, check: bool = False, diff: bool = False
) -> dict[str, Any]:
    """Run the module once through ansible-playbook; returns the registered result."""
    playbook = workdir / "play.yml"
    playbook.write_text(PLAYBOOK)
    result_file = workdir / "result.json"
    result_file.unlink(missing_ok=True)
    modargs = {"api_url": sim.url, "api_key": API_KEY, "api_secret": API_SECRET, **args}
    extra = workdir / "vars.json"
    extra.write_text(
        json.dumps({"modargs": modargs, "result_file": str(result_file), "ansible_python_interpreter": sys.executable})
    )
    cmd = ["ansible-playbook", "-i", "localhost,", "-c", "local", str(playbook), "-e", f"@{extra}"]
    if check:
        cmd.append("--check")
    if diff:
        cmd.append("--diff")
    env = {
        **os.environ,
        "ANSIBLE_COLLECTIONS_PATH": str(REPO / ".cache" / "src-collections"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_STDOUT_CALLBACK": "default",
    }
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900, check=False)
    if not result_file.exists():
        raise AssertionError(f"ansible-playbook produced no result:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    result = json.loads(result_file.read_text())
    result["_stdout"] = proc.stdout
    return result


def base_args(domain: str, **extra: Any) -> dict[str, Any]:
    args = {
        "zone": "zone1",
        "host": "127.0.0.2",
        "username": SSH_USER,
        "password": SSH_PASSWORD,
        "name": domain,
        "template": "kvm-template",
        "service_offering": "tiny-1c-64m",
        "nic_networks": {"0": "l2-vlan100"},
    }
    args.update(extra)
    return args


def uuid_files(directory: str) -> set[str]:
    import re

    pattern = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
    return {name for name in os.listdir(directory) if pattern.match(name)}


def user_temp_dir(root: Path, name: str) -> Path:
    """A temppath the SSH user can write, inside the test's own directory tree."""
    path = root / name
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["chown", f"{SSH_USER}:{SSH_USER}", str(path)], check=True)
    for parent in [root, *root.parents]:
        if parent == Path("/"):
            break
        os.chmod(parent, os.stat(parent).st_mode | 0o011)  # traversable by the SSH user
    return path


@contextlib.contextmanager
def small_tmpfs(path: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` at ``path`` owned by the SSH user; unmounted afterwards."""
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path)], check=True)
    try:
        subprocess.run(["chown", f"{SSH_USER}:{SSH_USER}", str(path)], check=True)
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def set_knobs(sim: Simulator, **knobs: Any) -> None:
    import urllib.request

    base = sim.url.rsplit("/client/api", 1)[0]
    request = urllib.request.Request(
        f"{base}/admin/knobs",
        data=json.dumps(knobs).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        answer.read()
