"""external_vm_import through ansible-playbook against the simulator and the real external KVM host.

The simulator performs importVm external the way CloudStack does (paramiko, qemu-img convert into
<temppath><uuid> on the external host, copy into the pool directory); the external host is the
second real libvirtd on 127.0.0.2 with sshd for the test user.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import infra.external_host as exthost
import libvirt
import pytest
from acs_simulator.store import Store
from infra.external_host import DiskSpec
from test_external_vm_import_lib import (
    SSH_PASSWORD,
    SSH_USER,
    Simulator,
    base_args,
    run_module,
    set_knobs,
    small_tmpfs,
    start_simulator,
    user_temp_dir,
    uuid_files,
)

WORK_BASE = Path("/var/tmp/acs-ingest-extimp-tests")
# The external host's fixtures, in case tests/conftest.py does not register them.
external_kvm_host = exthost.external_kvm_host
external_domain_factory = exthost.external_domain_factory

pytestmark = [pytest.mark.external_host, pytest.mark.libvirt, pytest.mark.ssh, pytest.mark.slow]


@pytest.fixture(scope="module")
def workroot() -> Iterator[Path]:
    # Not pytest's tmp_path: other sessions' pytest runs prune /tmp/pytest-of-root/pytest-N
    # directories, which would pull the temppath out from under a running import.
    path = WORK_BASE / uuid.uuid4().hex[:8]
    path.mkdir(parents=True)
    yield path
    subprocess.run(["rm", "-rf", "--one-file-system", str(path)], check=False)


@pytest.fixture(scope="module")
def sim(workroot: Path) -> Iterator[Simulator]:
    simulator = start_simulator(workroot / "sim")
    yield simulator
    simulator.stop()


@pytest.fixture
def work(workroot: Path) -> Path:
    path = workroot / f"run-{uuid.uuid4().hex[:6]}"
    path.mkdir()
    return path


def _state(name: str) -> int:
    conn = libvirt.open("qemu+tcp://127.0.0.2/system")
    try:
        return conn.lookupByName(name).state()[0]
    finally:
        conn.close()


def _qemu_format(path: Path) -> str:
    out = subprocess.run(["qemu-img", "info", "-U", str(path)], capture_output=True, text=True, check=True)
    return next(line.split(":", 1)[1].strip() for line in out.stdout.splitlines() if line.startswith("file format"))


def test_import_end_to_end_cleanup_and_rerun(sim: Simulator, external_domain_factory, workroot, work) -> None:
    dom = external_domain_factory("extimp-e2e", [DiskSpec("qcow2", 32), DiskSpec("raw", 16)])
    temp = user_temp_dir(workroot, f"temp-{uuid.uuid4().hex[:6]}")
    # A file that looks exactly like a CloudStack copy but predates the import: must survive cleanup.
    decoy = temp / str(uuid.uuid4())
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(decoy), "32M"], check=True)
    subprocess.run(["chown", f"{SSH_USER}:{SSH_USER}", str(decoy)], check=True)
    args = base_args(dom.name, temppath=str(temp), disk_offerings={"1": "custom-size"})
    pool_before = set(os.listdir(sim.pool_dir))

    check = run_module(work, sim, args, check=True, diff=True)
    assert not check.get("failed"), check.get("msg")
    assert check["changed"] is True
    sent = check["params"]
    assert sent["importsource"] == "external" and sent["hypervisor"] == "KVM"
    assert sent["clusterid"] and sent["zoneid"] and sent["serviceofferingid"] and sent["templateid"]
    assert sent["password"] == "********"
    assert [step for step in check["preflight"]["checks"] if step.startswith("temppath")]
    assert check["diff"]["after"]["source"] == f"external:127.0.0.2/{dom.name}"
    assert "importVm" not in [c["command"] for c in check["api_calls"]]
    assert set(os.listdir(sim.pool_dir)) == pool_before, "check mode must not copy anything"

    first = run_module(work, sim, args, diff=True)
    assert not first.get("failed"), first.get("msg")
    assert first["changed"] is True
    vm = first["vm"]
    assert vm["id"] and vm["instancename"].startswith("i-")
    new_files = set(os.listdir(sim.pool_dir)) - pool_before
    assert len(new_files) == 2
    assert {_qemu_format(sim.pool_dir / name) for name in new_files} == {"qcow2"}
    # Cleanup: exactly CloudStack's two copies removed, the decoy kept, no marker left behind.
    assert len(first["removed_temp_copies"]) == 2
    assert uuid_files(str(temp)) == {decoy.name}
    assert not [name for name in os.listdir(temp) if name.startswith(".acs-ingest-")]
    commands = [c["command"] for c in first["api_calls"]]
    assert "importVm" in commands and "createTags" in commands
    assert SSH_PASSWORD not in first["_stdout"] and SSH_PASSWORD not in str(first["api_calls"])

    again = run_module(work, sim, args)
    assert not again.get("failed"), again.get("msg")
    assert again["changed"] is False
    assert again["vm"]["id"] == vm["id"]
    assert "importVm" not in [c["command"] for c in again["api_calls"]]
    assert set(os.listdir(sim.pool_dir)) - pool_before == new_files


def test_wrong_password_names_the_fix(sim: Simulator, external_domain_factory, work) -> None:
    dom = external_domain_factory("extimp-pw", [DiskSpec("qcow2", 16)])
    result = run_module(work, sim, base_args(dom.name, password="not-the-password"))
    assert result.get("failed")
    assert "SSH login" in result["msg"] and "Fix:" in result["msg"]
    assert result["field"] == "password"
    assert "not-the-password" not in result["_stdout"]
    assert "importVm" not in [c["command"] for c in result["api_calls"]]


def test_running_vm_without_shutdown_fails(sim: Simulator, external_domain_factory, work) -> None:
    dom = external_domain_factory("extimp-run", [DiskSpec("qcow2", 16)], running=True)
    result = run_module(work, sim, base_args(dom.name))
    assert result.get("failed")
    assert "is running" in result["msg"] and "shutdown=true" in result["msg"]
    assert _state(dom.name) == libvirt.VIR_DOMAIN_RUNNING


def test_running_vm_with_shutdown(sim: Simulator, external_domain_factory, work) -> None:
    """The test guest has no OS, so it ignores ACPI: check mode predicts the shutdown, a real run
    asks, waits shutdown_timeout, reports it and never forces the VM off."""
    dom = external_domain_factory("extimp-shut", [DiskSpec("qcow2", 16)], running=True)
    args = base_args(dom.name, shutdown=True, shutdown_timeout=5)
    check = run_module(work, sim, args, check=True)
    assert not check.get("failed"), check.get("msg")
    assert check["preflight"]["shutdown"] == "would shut down"
    assert _state(dom.name) == libvirt.VIR_DOMAIN_RUNNING

    real = run_module(work, sim, args)
    assert real.get("failed")
    assert "still running after 5s" in real["msg"] and "shutdown_timeout" in real["msg"]
    assert _state(dom.name) == libvirt.VIR_DOMAIN_RUNNING
    assert "importVm" not in [c["command"] for c in real["api_calls"]]


def test_a_running_vm_the_agent_would_not_list_is_refused_before_the_shutdown(
    sim: Simulator, external_domain_factory, external_kvm_host, work
) -> None:
    """Check mode predicts listVmsForImport with the catalogue's agent rules: a watchdog whose action
    the agent has no constant for (inject-nmi) drops the domain, so no shutdown is worth asking for."""
    dom = external_domain_factory("extimp-wdog", [DiskSpec("qcow2", 16)])
    conn = external_kvm_host.connect()
    try:
        xml = conn.lookupByName(dom.name).XMLDesc(0)
        watchdog = "<watchdog model='i6300esb' action='inject-nmi'/></devices>"
        conn.defineXML(xml.replace("</devices>", watchdog)).create()
    finally:
        conn.close()
    check = run_module(work, sim, base_args(dom.name, shutdown=True, shutdown_timeout=5), check=True)
    assert check.get("failed") and [p["code"] for p in check["problems"]] == ["watchdog_action_unsupported"]
    assert "once shut off, CloudStack would not list" in check["msg"] and check["problems"][0]["fix"]
    assert _state(dom.name) == libvirt.VIR_DOMAIN_RUNNING


def test_too_little_space_in_temppath(sim: Simulator, external_domain_factory, workroot, work) -> None:
    dom = external_domain_factory("extimp-space", [DiskSpec("raw", 16)])
    # Real data, so the converted qcow2 needs ~8 MiB; the temppath below holds 2 MiB.
    subprocess.run(
        ["dd", "if=/dev/urandom", f"of={dom.disks[0]}", "bs=1M", "count=8", "conv=notrunc"],
        check=True,
        capture_output=True,
    )
    user_temp_dir(workroot, "mnt")
    with small_tmpfs(workroot / "mnt" / f"small-{uuid.uuid4().hex[:6]}", "2M") as temp:
        result = run_module(work, sim, base_args(dom.name, temppath=str(temp)))
        assert result.get("failed")
        assert result["field"] == "temppath"
        assert "need" in result["msg"] and "Fix:" in result["msg"]
        assert os.listdir(temp) == []


def test_disk_with_backing_file(sim: Simulator, external_domain_factory, external_kvm_host, work) -> None:
    base = external_kvm_host.disk_dir / f"exth-extimp-base-{uuid.uuid4().hex[:6]}.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(base), "16M"], check=True)
    base.chmod(0o644)
    try:
        dom = external_domain_factory("extimp-back", [DiskSpec("qcow2", 16, backing=base)])
        result = run_module(work, sim, base_args(dom.name))
        assert result.get("failed")
        assert "backing file" in result["msg"] and "blockpull" in result["msg"]
    finally:
        base.unlink(missing_ok=True)


def test_unreachable_libvirtd(sim: Simulator, work) -> None:
    # sshd answers on every loopback address, libvirtd only on 127.0.0.2.
    result = run_module(work, sim, base_args("exth-nowhere", host="127.0.0.3"))
    assert result.get("failed")
    assert "qemu+tcp://127.0.0.3/system" in result["msg"]
    assert "acs.ingest.libvirt_listen_tcp" in result["msg"]


def test_unknown_domain_lists_what_is_there(sim: Simulator, work) -> None:
    result = run_module(work, sim, base_args("exth-does-not-exist"))
    assert result.get("failed")
    assert "no domain named 'exth-does-not-exist'" in result["msg"]


def test_job_timeout_is_reconciled_on_rerun(sim: Simulator, external_domain_factory, workroot, work) -> None:
    dom = external_domain_factory("extimp-slow", [DiskSpec("qcow2", 16)])
    temp = user_temp_dir(workroot, f"temp-{uuid.uuid4().hex[:6]}")
    args = base_args(dom.name, temppath=str(temp))
    set_knobs(sim, job_duration=15)
    try:
        first = run_module(work, sim, {**args, "timeout": 2})
    finally:
        set_knobs(sim, job_duration=0.2)
    # Like the other modules: a timeout is no failure but state=pending with the job id.
    assert not first.get("failed"), first.get("msg")
    assert first["state"] == "pending" and first["jobid"] and first["changed"] is True
    assert any(first["jobid"] in warning and "rerun" in warning for warning in first.get("warnings", []))
    markers = [name for name in os.listdir(temp) if name.startswith(".acs-ingest-")]
    assert len(markers) == 1

    second = run_module(work, sim, args)
    assert not second.get("failed"), second.get("msg")
    assert second["changed"] is True and second["state"] == "imported"
    assert second["reconciled_jobid"] == first["jobid"]
    assert "importVm" not in [c["command"] for c in second["api_calls"]]
    assert len(second["removed_temp_copies"]) == 1
    assert not os.listdir(temp)

    third = run_module(work, sim, args)
    assert third["changed"] is False and third["vm"]["id"] == second["vm"]["id"]


def test_shared_pool_import_and_rerun(sim: Simulator, work) -> None:
    name = f"extimp-shared-{uuid.uuid4().hex[:6]}"
    disk = sim.pool_dir / f"{name}.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(disk), "16M"], check=True)
    args = {
        "importsource": "shared",
        "zone": "zone1",
        "name": name,
        "diskpath": disk.name,
        "storage_pool": "pool1",
        "network": "l2-vlan200",
        "template": "kvm-template",
        "service_offering": "tiny-1c-64m",
    }
    check = run_module(work, sim, args, check=True)
    assert not check.get("failed"), check.get("msg")
    assert check["params"]["storageid"] and check["params"]["diskpath"] == disk.name
    assert any("plain qcow2" in step for step in check["preflight"]["checks"])
    first = run_module(work, sim, args)
    assert not first.get("failed"), first.get("msg")
    assert first["changed"] is True and first["source"].startswith("shared:")
    again = run_module(work, sim, args)
    assert again["changed"] is False and again["vm"]["id"] == first["vm"]["id"]


def test_shared_pool_disk_with_backing_file_fails_before_import(sim: Simulator, work) -> None:
    name = f"extimp-sharedb-{uuid.uuid4().hex[:6]}"
    base, top = sim.pool_dir / f"{name}-base.qcow2", sim.pool_dir / f"{name}.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(base), "16M"], check=True)
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-b", str(base), "-F", "qcow2", str(top)], check=True)
    args = {
        "importsource": "shared",
        "zone": "zone1",
        "name": name,
        "diskpath": top.name,
        "storage_pool": "pool1",
        "network": "l2-vlan200",
        "template": "kvm-template",
        "service_offering": "tiny-1c-64m",
    }
    result = run_module(work, sim, args)
    assert result.get("failed") and result["field"] == "diskpath"
    assert "backing file" in result["msg"]
    # The simulator speaks 4.22: the catalogue's rule for 4.20.2+, with CloudStack's own text and a fix.
    assert [p["code"] for p in result["problems"]] == ["qcow2_backing_file"]
    assert result["problems"][0]["fix"]
    assert "importVm" not in [c["command"] for c in result["api_calls"]]


def test_local_pool_import_needs_the_host_and_is_idempotent(sim: Simulator, work) -> None:
    name = f"extimp-local-{uuid.uuid4().hex[:6]}"
    disk = sim.local_pool_dir / f"{name}.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(disk), "16M"], check=True)
    args = {
        "importsource": "local",
        "zone": "zone1",
        "name": name,
        "diskpath": disk.name,
        "storage_pool": "local-kvm1",
        "destination_host": "kvm1",
        "network": "l2-vlan200",
        "template": "kvm-template",
        "service_offering": "tiny-1c-64m",
    }
    missing = run_module(work, sim, {k: v for k, v in args.items() if k != "destination_host"})
    assert missing.get("failed") and "destination_host" in missing["msg"]
    first = run_module(work, sim, args)
    assert not first.get("failed"), first.get("msg")
    assert first["changed"] is True and first["source"].startswith("local:")
    sent = next(c for c in first["api_calls"] if c["command"] == "importVm")["params"]
    assert sent["hostid"] and sent["storageid"] and sent["clusterid"] and sent["importsource"] == "local"
    again = run_module(work, sim, args)
    assert again["changed"] is False and again["vm"]["id"] == first["vm"]["id"]


def test_custom_offering_takes_cpu_and_memory_from_the_domain(sim: Simulator, external_domain_factory, work) -> None:
    """listVmsForImport has no vCPU count; the pre-flight read the domain over libvirt, so no
    details.cpuNumber is needed, and the result says where each value came from."""
    dom = external_domain_factory("extimp-cpu", [DiskSpec("qcow2", 16)], memory_mib=96)
    args = base_args(dom.name, service_offering="custom-constrained")
    check = run_module(work, sim, args, check=True)
    assert not check.get("failed"), check.get("msg")
    sizing = check["sizing"]
    assert sizing["cpuNumber"]["value"] == "1" and "<vcpu> on 127.0.0.2" in sizing["cpuNumber"]["source"]
    assert sizing["memory"] == {"value": "96", "source": "listVmsForImport"}
    given = run_module(work, sim, {**args, "details": {"cpuNumber": 2}}, check=True)
    assert given["sizing"]["cpuNumber"] == {"value": "2", "source": "details.cpuNumber as given"}

    done = run_module(work, sim, args)
    assert not done.get("failed"), done.get("msg")
    assert done["state"] == "imported" and done["sizing"] == sizing
    store = Store(sim.pool_dir.parent / "sim.sqlite")  # the simulator's own record of the new VM
    try:
        vm = store.get("vm", done["vm"]["id"])
    finally:
        store.close()
    assert vm is not None and vm["cpunumber"] == 1 and vm["memory"] == 96
