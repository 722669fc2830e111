# ruff: noqa: E501  (CloudStack's messages are compared verbatim; splitting them would hide what is expected)
"""importVm (external, local, shared) and listVmsForImport: the management server's rules per release.

External imports talk to the second libvirtd (127.0.0.2) and its sshd; local/shared ones adopt files in the
simulator's pools. Texts and codes are CloudStack's (UnmanagedVMsManagerImpl.importKvmInstance and friends).
"""

from __future__ import annotations

import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from acs_simulator.fixtures import SimApiError, SimHandle, embedded_seed

from .helpers import ids
from .server_bed import fail, ok

rule = pytest.mark.rule
POOL = Path("/var/lib/acs-ingest-sim/pool1")
LOCAL_POOL = Path("/var/lib/acs-ingest-sim/local-kvm1")


def base(i: dict[str, Any], name: str, source: str, **extra: Any) -> dict[str, Any]:
    out = {"zoneid": i["zone"], "clusterid": i["cluster"], "name": name, "serviceofferingid": i["tiny-1c-64m"],
           "templateid": i["template"], "hypervisor": "KVM", "importsource": source}  # fmt: skip
    out.update(extra)
    return {k: v for k, v in out.items() if v is not None}


@pytest.fixture
def sims(acs_sim_factory) -> Any:  # type: ignore[no-untyped-def]
    def make(version: str = "4.22", tweak: Any = None, **kw: Any) -> SimHandle:
        seed = embedded_seed()
        seed["serviceofferings"].append({"name": "custom-open", "customized": True})
        seed["diskofferings"].append({"name": "big", "disksize": 100})
        seed["serviceofferings"].append(
            {"name": "ssd-tiny", "cpunumber": 1, "cpuspeed": 500, "memory": 64, "storagetags": "ssd"}
        )
        if tweak is not None:
            tweak(seed)
        return acs_sim_factory(seed=seed, profile=version, **kw)  # type: ignore[no-any-return]

    return make


@pytest.fixture
def files() -> Iterator[Any]:
    made: list[Path] = []

    def make(directory: Path, kind: str = "qcow2", backing: Path | None = None, name: str | None = None) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / (name or f"h3vm-{uuid.uuid4().hex[:8]}.{kind}")
        cmd = ["qemu-img", "create", "-q", "-f", "qcow2" if kind == "qcow2" else "raw"]
        if backing is not None:
            cmd += ["-b", str(backing), "-F", "qcow2"]
        subprocess.run([*cmd, str(path), "16M"], check=True)
        made.append(path)
        return path

    yield make
    for path in made:
        path.unlink(missing_ok=True)


# --- generic importVm checks --------------------------------------------------------------------------------
@rule("importvm_zone_invalid", "importvm_hypervisor_not_kvm", "importsource_invalid", "importvm_unmanaged_source_kvm")
def test_generic_checks(sims) -> None:
    sim = sims()
    i = ids(sim)
    with pytest.raises(SimApiError) as err:
        sim.call("importVm", **base(i, "x", "external", zoneid="00000000-0000-0000-0000-0000000000ff"))
    assert err.value.status == 431 and "Invalid parameter zoneid value=" in err.value.errortext
    assert fail(sim, "importVm", **base(i, "x", "external", hypervisor="VMware")) == (
        431,
        "VM import is currently not supported for hypervisor: VMware",
    )
    assert fail(sim, "importVm", **base(i, "x", "nfs")) == (
        530,
        "No enum constant org.apache.cloudstack.vm.VmImportService.ImportSource.NFS",
    )
    assert fail(sim, "importVm", **base(i, "x", "unmanaged")) == (
        530,
        f"Failed to find unmanaged vm with name: x in cluster: {i['cluster']}",
    )


# --- external -----------------------------------------------------------------------------------------------
@rule(
    "external_username_missing", "external_remote_list_failed", "external_no_kvm_host_in_zone", "remote_listing_failed"
)
def test_external_listing_failures(sims) -> None:
    sim = sims()
    i = ids(sim)
    assert fail(sim, "importVm", **base(i, "x", "external", host="127.0.0.9")) == (431, "Username need to be provided.")
    assert fail(sim, "importVm", **base(i, "x", "external", host="127.0.0.9", username="u")) == (
        530,
        "Failed to list VMs, due to: Unable to connect to remote host 127.0.0.9, please check the libvirtd tcp "
        "connectivity and retry",
    )
    host = sim.store().all("host")[0]
    sim.admin_put("host", dict(host, state="Down"))
    assert fail(sim, "importVm", **base(i, "x", "external", host="127.0.0.9", username="u")) == (
        530,
        "No hosts available to list VMs on remote host 127.0.0.9",
    )


@rule("remote_username_required")
@pytest.mark.parametrize("version", ["4.19", "4.19.1"])
def test_list_vms_for_import_username(sims, version: str) -> None:
    sim = sims(version)
    i = ids(sim)
    request = {"zoneid": i["zone"], "host": "127.0.0.9", "hypervisor": "KVM"}
    with pytest.raises(SimApiError) as err:
        sim.call("listVmsForImport", **request)
    if version == "4.19":  # 4.19.0 only (df5c546559 dropped the check)
        assert (err.value.status, err.value.errortext) == (431, "Username need to be provided.")
    else:
        assert err.value.status == 530 and err.value.errortext.startswith("Failed to list VMs, due to:")


@pytest.mark.external_host
@pytest.mark.ssh
@rule("external_vm_not_found_or_running", "remote_domain_not_shut_off", "external_template", "external_nics",
      "external_uefi_lost", "external_no_size_or_tag_checks", "cpuspeed_from_shares")  # fmt: skip
@pytest.mark.parametrize("version", ["4.21", "4.22"])
def test_external_import(sims, version: str, external_kvm_host, external_domain_factory) -> None:  # type: ignore[no-untyped-def]
    sim = sims(version)
    i = ids(sim)
    running = external_domain_factory("h3run", disks=(), running=True)
    dom = external_domain_factory("h3ext")
    login = {
        "host": external_kvm_host.address,
        "username": external_kvm_host.ssh_user,
        "password": external_kvm_host.ssh_password,
    }
    listed = {
        v["name"]: v
        for v in sim.call("listVmsForImport", zoneid=i["zone"], hypervisor="KVM", **login)["unmanagedinstance"]
    }
    assert running.name not in listed and "bootmode" not in listed[dom.name]
    assert listed[dom.name]["cpuspeed"] == 1000  # the remote listing reports the raw shares, not shares / vCPUs
    assert fail(sim, "importVm", **base(i, running.name, "external", **login)) == (
        530,
        f"VM with name: {running.name} not found on remote host {external_kvm_host.address}",
    )
    # a VM already using the domain's MAC on the network: external imports are always forced
    sim.admin_put("nic", {"networkid": i["l2-vlan100"], "macaddress": dom.macs[0], "virtualmachineid": "other"})
    temp = Path(tempfile.mkdtemp(prefix="h3sim-temppath-", dir="/tmp"))
    temp.chmod(0o1777)
    try:
        request = base(i, dom.name, "external", temppath=str(temp), **login,
                       **{"nicnetworklist[0].nic": "0", "nicnetworklist[0].network": i["l2-vlan100"],
                          "datadiskofferinglist[0].disk": "1", "datadiskofferinglist[0].diskOffering": i["fixed-1g"]})  # fmt: skip
        vm = ok(sim, "importVm", timeout=180, **request)
    finally:
        subprocess.run(["rm", "-rf", str(temp)], check=False)
    # 4.21 ignores templateid (the KVM dummy template); 4.20.2/4.22 honour it
    assert vm["templatename"] == ("kvm-default-vm-import-dummy-template" if version == "4.21" else "kvm-template")
    assert vm["nic"][0]["macaddress"] != dom.macs[0]
    stored = next(v for v in sim.store().all("vm") if v["id"] == vm["id"])
    assert "UEFI" not in stored["details"]
    for vol in sim.call("listVolumes", virtualmachineid=vm["id"])["volume"]:
        (POOL / vol["path"]).unlink(missing_ok=True)


@pytest.mark.external_host
@pytest.mark.ssh
@rule("external_custom_offering_details", "external_no_deployment_destination", "pool_type_unsupported_external",
      "external_copy_failed")  # fmt: skip
def test_external_failures(sims, external_kvm_host, external_domain_factory) -> None:  # type: ignore[no-untyped-def]
    dom = external_domain_factory("h3fail")
    login = {
        "host": external_kvm_host.address,
        "username": external_kvm_host.ssh_user,
        "password": external_kvm_host.ssh_password,
    }
    nic = {"nicnetworklist[0].nic": "0", "nicnetworklist[0].network": None, "datadiskofferinglist[0].disk": "1"}
    old = sims("4.19")
    i = ids(old)
    nic["nicnetworklist[0].network"] = i["l2-vlan100"]
    nic["datadiskofferinglist[0].diskOffering"] = i["custom-size"]
    # 4.19.0 writes the custom offering's unset values as "null" into the details; commitUserVm cannot parse them
    assert fail(
        old, "importVm", **base(i, dom.name, "external", serviceofferingid=i["custom-open"], **login, **nic)
    ) == (
        530,
        'For input string: "null"',
    )
    sim = sims("4.22")
    i = ids(sim)
    nic["nicnetworklist[0].network"] = i["l2-vlan100"]
    code, text = fail(
        sim, "importVm", **base(i, dom.name, "external", serviceofferingid=i["custom-open"], **login, **nic)
    )
    assert (
        code == 530
        and text.startswith("Import failed for Vm: i-")
        and text.endswith(" while finding deployment destination")
    )
    # no pool carries the offering's storage tag: the planner finds no destination
    code, text = fail(sim, "importVm", **base(i, dom.name, "external", serviceofferingid=i["ssd-tiny"], **login, **nic))
    assert text.endswith(". Suitable deployment destination not found")
    leftover = text.split("Import failed for Vm: ")[1].split(".")[0]
    assert leftover in {v["instancename"] for v in sim.call("listVirtualMachines")["virtualmachine"]}  # no clean-up
    pool = next(p for p in sim.store().all("storagepool") if p["name"] == "pool1")
    sim.admin_put("storagepool", dict(pool, type="SharedMountPoint"))
    assert fail(sim, "importVm", **base(i, dom.name, "external", **login, **nic))[1] == (
        f"Failed to import volumes while importing vm: {dom.name}. Error while copying volume of remote instance: "
        "Unsupported storage pool type: SharedMountPoint, only local and NFS pools are supported"
    )
    sim.admin_put("storagepool", pool)
    code, text = fail(sim, "importVm", **base(i, dom.name, "external", **dict(login, password="wrong"), **nic))
    assert code == 530 and text.startswith(
        f"Failed to import volumes while importing vm: {dom.name}. Error while copying volume of remote instance: "
        "Failed to copy volume due to: "
    )


# --- local / shared -----------------------------------------------------------------------------------------
def _shared(i: dict[str, Any], name: str, disk: Path, **extra: Any) -> dict[str, Any]:
    request = {"diskpath": disk.name, "networkid": i["l2-vlan100"], "storageid": i["pool1"], **extra}
    return base(i, name, "shared", **request)


@rule("local_shared_required_params", "disk_image_in_use", "pool_offering_tags_incompatible_local_shared",
      "local_shared_network_invalid")  # fmt: skip
def test_local_shared_parameters(sims, files) -> None:
    def tweak(seed: dict[str, Any]) -> None:
        seed["serviceofferings"].append(
            {"name": "ssd-1c-64m", "cpunumber": 1, "cpuspeed": 500, "memory": 64, "storagetags": "ssd"}
        )
        seed["zones"].append({"name": "zone2", "networks": [{"name": "l2-z2", "type": "L2", "vlan": 901}]})

    sim = sims("4.22", tweak)
    i = ids(sim)
    disk = files(POOL)
    assert fail(sim, "importVm", **base(i, "h3a", "shared", networkid=i["l2-vlan100"], storageid=i["pool1"])) == (
        431,
        "Disk Path is required for Import from shared/local storage",
    )
    assert fail(sim, "importVm", **base(i, "h3a", "shared", diskpath=disk.name, storageid=i["pool1"])) == (
        431,
        "Network is required for Import from shared/local storage",
    )
    assert fail(
        sim,
        "importVm",
        **base(i, "h3a", "local", diskpath=disk.name, networkid=i["l2-vlan100"], storageid=i["local-kvm1"]),
    ) == (
        431,
        "Host is required for Import from local storage",
    )
    assert fail(sim, "importVm", **_shared(i, "h3a", disk, serviceofferingid=i["ssd-1c-64m"])) == (
        431,
        f"Service offering: {i['ssd-1c-64m']} storage tags are not compatible with selected storage pool: {i['pool1']}",
    )
    net = next(n for n in sim.store().all("network") if n["name"] == "l2-z2")
    zone = next(z for z in sim.store().all("zone") if z["id"] == i["zone"])
    assert fail(sim, "importVm", **_shared(i, "h3a", disk, networkid=net["id"])) == (
        431,
        f"Network id={net['_seq']} doesn't belong to zone {zone['_seq']}",
    )
    ok(sim, "importVm", **_shared(i, "h3a", disk))
    assert fail(sim, "importVm", **_shared(i, "h3b", disk)) == (431, "Disk image is already in use")


@rule("local_shared_disk_not_found_or_invalid", "pool_type_unsupported_local_shared", "qcow2_backing_file",
      "volume_encrypted", "volume_locked")  # fmt: skip
@pytest.mark.parametrize("version", ["4.20", "4.22"])
def test_check_volume(sims, files, version: str, sim_domains) -> None:  # type: ignore[no-untyped-def]
    sim = sims(version)
    i = ids(sim)
    plain = files(POOL)
    overlay = files(POOL, backing=plain)
    fake = files(POOL, kind="raw", name=f"h3vm-fake-{uuid.uuid4().hex[:6]}.qcow2")  # raw bytes named *.qcow2
    subdir = files(POOL / "sub")
    assert fail(sim, "importVm", **_shared(i, "h3s", subdir, diskpath=f"sub/{subdir.name}")) == (
        530,
        "Disk not found or is invalid",
    )
    running = sim_domains.create("lock")  # a running QEMU holds its disk's lock
    locked = running.disks[0]
    new = version == "4.22"  # 75a2b3cc54 (4.20.2, 4.21+): header check for *.qcow2, lock, encryption, backing file
    for disk, refusal in (
        (fake, "Disk not found or is invalid"),
        (overlay, "Volume with backing file cannot be imported or unmanaged."),
        (locked, "Locked volume cannot be imported or unmanaged."),
    ):
        request = _shared(i, f"h3c-{disk.stem[-6:]}", disk)
        if new:
            assert fail(sim, "importVm", **request) == (530, refusal)
        else:
            ok(sim, "importVm", **request)
    encrypted = POOL / f"h3vm-enc-{uuid.uuid4().hex[:6]}.qcow2"
    _make_luks_image(encrypted)
    try:
        request = _shared(i, "h3enc", encrypted)
        if new:
            assert fail(sim, "importVm", **request) == (530, "Encrypted volume cannot be imported or unmanaged.")
        else:
            ok(sim, "importVm", **request)
    finally:
        encrypted.unlink()
    pool = next(p for p in sim.store().all("storagepool") if p["name"] == "pool1")
    sim.admin_put("storagepool", dict(pool, type="SharedMountPoint"))
    assert fail(sim, "importVm", **_shared(i, "h3smp", plain)) == (530, "Disk not found or is invalid")


def _make_luks_image(path: Path) -> None:
    """A small LUKS-encrypted qcow2. Key slots with a 10 ms PBKDF target instead of qemu-img's 2 s: the image
    only has to be encrypted. qemu-img first measures the PBKDF speed from the thread's CPU time and gives up
    with "Unable to get accurate CPU usage" when that reads 0, which a preempted thread on a loaded machine
    can see; that measurement is not what the test is about, so it is tried again (three times at most)."""
    command = ["qemu-img", "create", "-q", "--object", "secret,id=s0,data=abc", "-f", "qcow2", "-o",
               "encrypt.format=luks,encrypt.key-secret=s0,encrypt.iter-time=10", str(path), "16M"]  # fmt: skip
    for attempt in range(3):
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode == 0:
            return
        if "Unable to get accurate CPU usage" not in done.stderr or attempt == 2:
            raise AssertionError(f"qemu-img create failed: {done.stderr.strip()}")


@rule("local_shared_ip_and_mac", "local_shared_nic_failure_leftover", "local_volume_on_first_local_pool",
      "local_shared_custom_offering_details", "local_shared_no_deployment_destination")  # fmt: skip
@pytest.mark.parametrize("version", ["4.19", "4.21", "4.22"])
def test_local_shared_outcomes(sims, files, version: str) -> None:
    def tweak(seed: dict[str, Any]) -> None:
        seed["zones"][0]["networks"].append(
            {"name": "iso-tiny", "type": "Isolated", "gateway": "10.41.0.1", "netmask": "255.255.255.252"}
        )

    sim = sims(version, tweak)
    i = ids(sim)
    if version == "4.19":  # 4.19.0: a custom offering's unset values go into the details as "null"
        assert fail(sim, "importVm", **_shared(i, "h3n", files(POOL), serviceofferingid=i["custom-open"])) == (
            530,
            'For input string: "null"',
        )
        return
    vm = ok(sim, "importVm", **_shared(i, "h3sh", files(POOL), networkid=i["shared-vlan300"]))
    ip = vm["nic"][0]["ipaddress"]
    if version == "4.22":
        assert ip == "10.30.0.10"  # the first Free address of the range
    else:
        assert ip.startswith("10.30.0.") and ip != "10.30.0.1"  # a random free CIDR address, range or not
    # LOCAL with a cluster-wide pool linked to the host: CheckVolume looks in pool1, the volume is recorded on
    # the host's first local pool
    vm = ok(sim, "importVm", **base(i, "h3loc", "local", diskpath=files(POOL).name, networkid=i["l2-vlan100"],
                                      storageid=i["pool1"], hostid=i["host"]))  # fmt: skip
    [vol] = sim.call("listVolumes", virtualmachineid=vm["id"])["volume"]
    assert vol["storageid"] == i["local-kvm1"]
    # the NIC fails after the VM and its ROOT volume exist: both stay, and the file is then "in use"
    tiny = next(n["id"] for n in sim.call("listNetworks")["network"] if n["name"] == "iso-tiny")
    ok(sim, "importVm", **_shared(i, "h3t1", files(POOL), networkid=tiny))
    disk = files(POOL)
    if version == "4.22":
        code, text = fail(sim, "importVm", **_shared(i, "h3t2", disk, networkid=tiny))
        assert code == 530 and text.startswith(
            "com.cloud.exception.InsufficientVirtualNetworkCapacityException: Unable to acquire Guest IP  address for network "
        )
        assert "h3t2" in {v["name"] for v in sim.call("listVirtualMachines")["virtualmachine"]}
        assert fail(sim, "importVm", **_shared(i, "h3t3", disk, networkid=tiny)) == (
            431,
            "Disk image is already in use",
        )
    else:  # ≤4.21 pick the address before the VM exists: none left → a NIC without IPv4, silently
        vm = ok(sim, "importVm", **_shared(i, "h3t2b", files(POOL), networkid=tiny))
        assert "ipaddress" not in vm["nic"][0]
    host = sim.store().all("host")[0]
    sim.admin_put("host", dict(host, state="Down"))
    code, text = fail(sim, "importVm", **_shared(i, "h3down", files(POOL)))
    assert code == 530 and text.endswith(". Suitable deployment destination not found")
