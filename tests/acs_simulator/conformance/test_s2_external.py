"""Facts §1.5/§1.6/§2.3/§2.4/§3.2/§3.5: listVmsForImport and importVm against the external libvirtd + sshd."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest
from infra.external_host import DiskSpec

from acs_simulator.fixtures import SimApiError, SimHandle

from .helpers import ids, job_error

pytestmark = [pytest.mark.libvirt, pytest.mark.external_host, pytest.mark.ssh]

POOL = Path("/var/lib/acs-ingest-sim/pool1")
LOCAL_POOL = Path("/var/lib/acs-ingest-sim/local-kvm1")


def _base(i: dict, name: str, source: str, **extra: str) -> dict:
    params = {
        "zoneid": i["zone"],
        "clusterid": i["cluster"],
        "name": name,
        "serviceofferingid": i["tiny-1c-64m"],
        "templateid": i["template"],
        "hypervisor": "KVM",
        "importsource": source,
    }
    params.update(extra)
    return params


def test_list_vms_for_import_shape(acs_sim: SimHandle, external_kvm_host, external_domain_factory) -> None:
    off = external_domain_factory("h3off")
    on = external_domain_factory("h3on", disks=(), running=True)
    i = ids(acs_sim)
    found = acs_sim.call(
        "listVmsForImport",
        zoneid=i["zone"],
        host=external_kvm_host.address,
        hypervisor="kvm",
        username="ignored",
        password="ignored",
    )["unmanagedinstance"]
    names = {x["name"] for x in found}
    assert off.name in names and on.name not in names  # running external VMs are never listed
    inst = next(x for x in found if x["name"] == off.name)
    assert inst["powerstate"] == "PowerOff" and inst["memory"] == 64 and "cpunumber" not in inst
    assert inst["cpuspeed"] == 1000 and inst["cpucorepersocket"] == 1
    assert [d["datastorepath"] for d in inst["disk"]] == [str(p) for p in off.disks]
    assert all("imagepath" not in d for d in inst["disk"])
    assert [n["vlanid"] for n in inst["nic"]] == [-1] and inst["nic"][0]["macaddress"] == off.macs[0]


def test_list_vms_for_import_errors(acs_sim: SimHandle) -> None:
    i = ids(acs_sim)
    with pytest.raises(SimApiError) as err:
        acs_sim.call("listVmsForImport", zoneid=i["zone"], host="127.0.0.9", hypervisor="KVM")
    assert err.value.status == 530
    assert err.value.errortext == (
        "Failed to list VMs, due to: Unable to connect to remote host 127.0.0.9, please "
        "check the libvirtd tcp connectivity and retry"
    )


def test_import_external_copies_disks(acs_sim: SimHandle, external_kvm_host, external_domain_factory) -> None:
    dom = external_domain_factory("h3ext")
    i = ids(acs_sim)
    # pytest's tmp_path sits under a root-only directory; the SSH user needs to write the converted copy.
    temp = Path(tempfile.mkdtemp(prefix="h3sim-temppath-", dir="/tmp"))
    temp.chmod(0o1777)
    params = _base(
        i,
        dom.name,
        "external",
        host=external_kvm_host.address,
        username=external_kvm_host.ssh_user,
        password=external_kvm_host.ssh_password,
        temppath=str(temp),
        **{
            "nicnetworklist[0].nic": "0",
            "nicnetworklist[0].network": i["l2-vlan200"],
            "datadiskofferinglist[0].disk": "1",
            "datadiskofferinglist[0].diskOffering": i["custom-size"],
        },
    )
    job = acs_sim.run("importVm", timeout=180, **params)
    assert job["jobstatus"] == 1, job
    vm = job["jobresult"]["virtualmachine"]
    assert vm["state"] == "Stopped" and vm["instancename"].startswith("i-") and vm["instancename"].endswith("-VM")
    assert vm["nic"][0]["networkid"] == i["l2-vlan200"]
    vols = acs_sim.call("listVolumes", virtualmachineid=vm["id"])["volume"]
    assert sorted(v["type"] for v in vols) == ["DATADISK", "ROOT"]
    for vol in vols:
        copied = POOL / vol["path"]
        info = json.loads(
            subprocess.run(
                ["qemu-img", "info", "--output=json", str(copied)], capture_output=True, text=True, check=True
            ).stdout
        )
        assert info["format"] == "qcow2"
        copied.unlink()
    leftovers = list(temp.iterdir())
    shutil.rmtree(temp)
    assert len(leftovers) == 2  # CloudStack leaves the converted temporary copies behind


def test_import_external_checks(acs_sim: SimHandle, external_kvm_host, external_domain_factory) -> None:
    dom = external_domain_factory("h3chk", disks=())
    i = ids(acs_sim)
    base = _base(i, dom.name, "EXTERNAL", host=external_kvm_host.address)
    assert job_error(acs_sim.run("importVm", **base)) == (431, "Username need to be provided.")
    missing = dict(base, name="h3sim-nothere", username="acsimport")
    assert job_error(acs_sim.run("importVm", **missing)) == (
        530,
        f"VM with name: h3sim-nothere not found on remote host {external_kvm_host.address}",
    )


def test_import_vm_source_rules(acs_sim: SimHandle) -> None:
    i = ids(acs_sim)
    with pytest.raises(SimApiError) as err:
        acs_sim.call("importVm", **{k: v for k, v in _base(i, "x", "external").items() if k != "clusterid"})
    assert err.value.errortext == "Unable to execute API command importvm due to missing parameter clusterid"
    code, text = job_error(acs_sim.run("importVm", **_base(i, "x", "nfs")))
    assert (code, text) == (530, "No enum constant org.apache.cloudstack.vm.VmImportService.ImportSource.NFS")
    code, text = job_error(acs_sim.run("importVm", **_base(i, "x", "unmanaged")))
    assert text == f"Failed to find unmanaged vm with name: x in cluster: {i['cluster']}"


def _qcow2(path: Path, backing: Path | None = None) -> None:
    cmd = ["qemu-img", "create", "-q", "-f", "qcow2"]
    if backing:
        cmd += ["-b", str(backing), "-F", "qcow2"]
    subprocess.run([*cmd, str(path), "64M"], check=True)


def test_import_shared_and_local(acs_sim: SimHandle) -> None:
    i = ids(acs_sim)
    pools = {p["name"]: p["id"] for p in acs_sim.call("listStoragePools")["storagepool"]}
    tag = uuid.uuid4().hex[:6]
    disk = POOL / f"h3sim-shared-{tag}.qcow2"
    overlay = POOL / f"h3sim-overlay-{tag}.qcow2"
    local = LOCAL_POOL / f"h3sim-local-{tag}.qcow2"
    LOCAL_POOL.mkdir(parents=True, exist_ok=True)
    try:
        _qcow2(disk)
        _qcow2(overlay, backing=disk)
        _qcow2(local)
        shared = _base(
            i, f"h3shared{tag}", "shared", diskpath=disk.name, networkid=i["shared-vlan300"], storageid=pools["pool1"]
        )
        job = acs_sim.run("importVm", **shared)
        assert job["jobstatus"] == 1, job
        vm = job["jobresult"]["virtualmachine"]
        assert vm["state"] == "Stopped" and vm["nic"][0]["ipaddress"].startswith("10.30.0.")
        assert job_error(acs_sim.run("importVm", **dict(shared, name=f"h3again{tag}"))) == (
            431,
            "Disk image is already in use",
        )
        back = dict(shared, name=f"h3back{tag}", diskpath=overlay.name)
        assert job_error(acs_sim.run("importVm", **back)) == (
            530,
            "Volume with backing file cannot be imported or unmanaged.",
        )
        assert job_error(acs_sim.run("importVm", **dict(shared, diskpath="", name="h3nopath"))) == (
            431,
            "Disk Path is required for Import from shared/local storage",
        )
        loc = _base(
            i, f"h3local{tag}", "local", diskpath=local.name, networkid=i["l2-vlan100"], storageid=pools["local-kvm1"]
        )
        assert job_error(acs_sim.run("importVm", **loc)) == (431, "Host is required for Import from local storage")
        # pool1 is cluster-wide, so storage_pool_host_ref links it to kvm1: the link check passes and the
        # CheckVolumeCommand then looks the file up in pool1, where it is not (StoragePoolHostDao.findByPoolHost).
        assert job_error(acs_sim.run("importVm", **dict(loc, storageid=pools["pool1"], hostid=i["host"]))) == (
            530,
            "Disk not found or is invalid",
        )
        assert acs_sim.run("importVm", **dict(loc, hostid=i["host"]))["jobstatus"] == 1
    finally:
        for path in (disk, overlay, local):
            path.unlink(missing_ok=True)


def test_import_external_auto_maps_nic_to_first_network(
    acs_sim: SimHandle, external_kvm_host, external_domain_factory
) -> None:
    dom = external_domain_factory("h3auto", disks=(DiskSpec("qcow2"),))
    i = ids(acs_sim)
    temp = Path(tempfile.mkdtemp(prefix="h3sim-temppath-", dir="/tmp"))
    temp.chmod(0o1777)
    try:
        job = acs_sim.run(
            "importVm",
            timeout=180,
            **_base(
                i,
                dom.name,
                "external",
                host=external_kvm_host.address,
                username=external_kvm_host.ssh_user,
                password=external_kvm_host.ssh_password,
                temppath=str(temp),
            ),
        )
    finally:
        shutil.rmtree(temp)
    assert job["jobstatus"] == 1, job
    vm = job["jobresult"]["virtualmachine"]
    # Remote NICs report vlanid -1, which counts as "has a VLAN": KVM takes the zone's first network.
    assert vm["nic"][0]["networkid"] == acs_sim.call("listNetworks")["network"][0]["id"]
    for vol in acs_sim.call("listVolumes", virtualmachineid=vm["id"])["volume"]:
        (POOL / vol["path"]).unlink()
