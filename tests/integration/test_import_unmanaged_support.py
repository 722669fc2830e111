"""Shared helpers for the import_unmanaged / unmanage_vm integration tests (no tests in here).

- real QEMU domains on the local libvirtd (``<domain type='qemu'>``), named ``h5a-...`` so that
  cleanup can never touch another engineer's domains, with qcow2 disks in the simulator's pool;
- a fake /proc + /sys root that gives bridge ``breth1-100`` VLAN 100 (the kernel here has no
  802.1Q, see DEVELOPERS.md), handed to the simulator as ``--proc-root``;
- ``run_module``: runs one task of a real module through ``ansible-playbook`` with the json
  callback and returns that task's result, exactly as a playbook would see it.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
POOL_DIR = Path("/var/lib/acs-ingest-sim/pool1")  # the embedded seed's pool1
PREFIX = "h5a-"
URI = "qemu:///system"


@dataclass
class TestDomain:
    __test__ = False  # a helper record, not a pytest test class

    name: str
    macs: list[str]
    disks: list[Path]


def vlan_root(base: Path, vlans: dict[str, int]) -> Path:
    """A directory laid out like / for the agent's bridge → VLAN lookup (facts §3.1)."""
    for bridge, vlan in vlans.items():
        port = f"eth1.{vlan}"
        (base / "sys/class/net" / bridge / "brif" / port).mkdir(parents=True, exist_ok=True)
        (base / "proc/net/vlan").mkdir(parents=True, exist_ok=True)
        (base / "proc/net/vlan" / port).write_text(f"{port}  VID: {vlan}\t REORDER_HDR: 1  dev->priv_flags: 1\n")
    return base


def domain_xml(name: str, disks: list[Path], nics: list[tuple[str, str]], memory_mb: int, vcpus: int) -> str:
    disk_xml = "".join(
        f"""<disk type='file' device='disk'><driver name='qemu' type='qcow2' cache='none'/>
        <source file='{path}'/><target dev='vd{chr(ord("a") + i)}' bus='virtio'/></disk>"""
        for i, path in enumerate(disks)
    )
    nic_xml = "".join(
        f"""<interface type='bridge'><mac address='{mac}'/><source bridge='{bridge}'/>
        <model type='virtio'/></interface>"""
        for mac, bridge in nics
    )
    return f"""<domain type='qemu'><name>{name}</name><memory unit='MiB'>{memory_mb}</memory>
      <vcpu>{vcpus}</vcpu><os><type arch='x86_64' machine='pc'>hvm</type></os>
      <cputune><shares>{500 * vcpus}</shares></cputune>
      <devices>{disk_xml}{nic_xml}</devices></domain>"""


def random_mac() -> str:
    raw = uuid.uuid4().bytes
    return "52:54:00:" + ":".join(f"{b:02x}" for b in raw[:3])


def remove_domain(name: str) -> None:
    import libvirt

    assert name.startswith(PREFIX), name  # never touch anything we did not create
    conn = libvirt.open(URI)
    try:
        try:
            dom = conn.lookupByName(name)
        except libvirt.libvirtError:
            return
        if dom.isActive():
            dom.destroy()
        try:
            if dom.isPersistent():
                dom.undefine()
        except libvirt.libvirtError:
            pass  # a transient domain disappears with destroy()
    finally:
        conn.close()


@pytest.fixture
def kvm_domains() -> Iterator[Callable[..., TestDomain]]:
    """Factory for running QEMU domains; every domain and disk it made is removed afterwards."""
    with making_domains() as make:
        yield make


@contextlib.contextmanager
def making_domains() -> Iterator[Callable[..., TestDomain]]:
    """What ``kvm_domains`` gives, for fixtures of a wider scope."""
    import libvirt

    made: list[TestDomain] = []

    def make(
        tag: str,
        *,
        bridges: tuple[str, ...] = ("breth1-100",),
        macs: list[str] | None = None,
        data_disks: int = 0,
        memory_mb: int = 64,
        vcpus: int = 1,
        start: bool = True,
        persistent: bool = True,
    ) -> TestDomain:
        name = f"{PREFIX}{tag}-{uuid.uuid4().hex[:6]}"
        POOL_DIR.mkdir(parents=True, exist_ok=True)
        disks = [POOL_DIR / f"{name}-{i}.qcow2" for i in range(1 + data_disks)]
        for path in disks:
            subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(path), "16M"], check=True)
        nic_macs = macs or [random_mac() for _ in bridges]
        dom_info = TestDomain(name, nic_macs, disks)
        made.append(dom_info)
        conn = libvirt.open(URI)
        try:
            xml = domain_xml(name, disks, list(zip(nic_macs, bridges, strict=True)), memory_mb, vcpus)
            if not persistent:  # how CloudStack runs the VMs it manages: transient domains
                conn.createXML(xml, 0)
            else:
                dom = conn.defineXML(xml)
                if start:
                    dom.create()
        finally:
            conn.close()
        return dom_info

    try:
        yield make
    finally:
        for dom_info in made:
            remove_domain(dom_info.name)
            for path in dom_info.disks:
                path.unlink(missing_ok=True)


def domain_state(name: str) -> tuple[bool, bool, str]:
    """(active, persistent, inactive XML or live XML) of a domain, to prove nothing changed."""
    import libvirt

    conn = libvirt.open(URI)
    try:
        dom = conn.lookupByName(name)
        return bool(dom.isActive()), bool(dom.isPersistent()), dom.XMLDesc(0)
    finally:
        conn.close()


# --- the collection as Ansible sees it -------------------------------------------------------------
# Each test module binds this fixture under its own name, and pytest keeps one cache per binding, so
# "session" alone would still build the collection once per module; this keeps it once per session.
_INSTALLED: dict[str, Path] = {}


@pytest.fixture(scope="session")
def installed_collection(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The collection built from this tree and installed the way hack/install-collection.sh does,
    but into a private directory: other test runs reinstall the shared one at any moment, and a
    half-installed collection makes ansible-playbook fail with "cannot resolve" in the middle.
    """
    if "target" in _INSTALLED:
        return _INSTALLED["target"]
    work = tmp_path_factory.mktemp("h5a-collection")
    subprocess.run(
        ["ansible-galaxy", "collection", "build", "--force", "--output-path", str(work / "build")],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    tarball = next((work / "build").glob("acs-ingest-*.tar.gz"))
    target = work / "collections"
    subprocess.run(
        ["ansible-galaxy", "collection", "install", "--force", "-p", str(target), str(tarball)],
        check=True,
        capture_output=True,
    )
    _INSTALLED["target"] = target
    return target


def sim_env(sim: Any, journal: Path, collections: Path) -> dict[str, str]:
    return {
        "ANSIBLE_COLLECTIONS_PATH": str(collections),
        "CLOUDSTACK_ENDPOINT": sim.endpoint,
        "CLOUDSTACK_KEY": sim.api_key,
        "CLOUDSTACK_SECRET": sim.api_secret,
        "ACS_INGEST_JOB_JOURNAL": str(journal),
    }


def run_module(
    workdir: Path,
    module: str,
    args: dict[str, Any],
    env: dict[str, str],
    *,
    check: bool = False,
    diff: bool = False,
    timeout: float = 420,
) -> dict[str, Any]:
    """One task of ``acs.ingest.<module>`` via ansible-playbook; returns its registered result."""
    workdir.mkdir(parents=True, exist_ok=True)
    tag = uuid.uuid4().hex[:8]
    playbook, out = workdir / f"play-{tag}.yml", workdir / f"result-{tag}.json"
    task = {"name": "under test", f"acs.ingest.{module}": args, "ignore_errors": True, "register": "under_test"}
    # The registered result is written by a second task that runs even in check mode.
    dump = {
        "name": "dump result",
        "ansible.builtin.copy": {"content": "{{ under_test | to_json }}", "dest": str(out)},
        "check_mode": False,
        "diff": False,
    }
    play = [{"hosts": "localhost", "connection": "local", "gather_facts": False, "tasks": [task, dump]}]
    playbook.write_text(yaml.safe_dump(play))
    cmd = ["ansible-playbook", "-i", "localhost,", str(playbook)]
    if check:
        cmd.append("--check")
    if diff:
        cmd.append("--diff")
    full_env = dict(os.environ, ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_NOCOLOR="1")
    full_env.update(env)
    proc = subprocess.run(cmd, env=full_env, capture_output=True, text=True, timeout=timeout)
    if not out.exists():
        raise AssertionError(f"ansible-playbook wrote no result: {proc.stdout[-3000:]} {proc.stderr[-2000:]}")
    result = json.loads(out.read_text())
    result["_stdout"] = proc.stdout + proc.stderr
    return result


def run_module_cases(
    workdir: Path, module: str, cases: list[dict[str, Any]], env: dict[str, str], *, timeout: float = 420
) -> list[dict[str, Any]]:
    """Several tasks of ``acs.ingest.<module>`` in one ansible-playbook run, one registered result each.

    For cases that change nothing (bad input refused before any write): they then pay for one Ansible
    start-up instead of one each. Every result's ``_stdout`` is the whole run's output.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    tag = uuid.uuid4().hex[:8]
    playbook, out = workdir / f"play-{tag}.yml", workdir / f"results-{tag}.json"
    tasks: list[dict[str, Any]] = [
        {"name": f"case {i}", f"acs.ingest.{module}": args, "ignore_errors": True, "register": f"case_{i}"}
        for i, args in enumerate(cases)
    ]
    names = ", ".join(f"case_{i}" for i in range(len(cases)))
    tasks.append(
        {
            "name": "dump results",
            "ansible.builtin.copy": {"content": f"{{{{ [{names}] | to_json }}}}", "dest": str(out)},
        }
    )
    playbook.write_text(
        yaml.safe_dump([{"hosts": "localhost", "connection": "local", "gather_facts": False, "tasks": tasks}])
    )
    full_env = dict(os.environ, ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_NOCOLOR="1")
    full_env.update(env)
    proc = subprocess.run(
        ["ansible-playbook", "-i", "localhost,", str(playbook)],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if not out.exists():
        raise AssertionError(f"ansible-playbook wrote no results: {proc.stdout[-3000:]} {proc.stderr[-2000:]}")
    results: list[dict[str, Any]] = json.loads(out.read_text())
    for result in results:
        result["_stdout"] = proc.stdout + proc.stderr
    return results


def commands(result: dict[str, Any]) -> list[str]:
    return [call["command"] for call in result.get("api_calls", [])]


def store_rows(sim: Any, *kinds: str) -> dict[str, list[str]]:
    """Every stored row of the kinds, serialised, to prove check mode wrote nothing."""
    store = sim.store()
    try:
        return {kind: sorted(json.dumps(row, sort_keys=True) for row in store.all(kind)) for kind in kinds}
    finally:
        store.close()
