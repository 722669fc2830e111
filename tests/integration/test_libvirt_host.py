"""_libvirt_host and the libvirt source of _instances against the real local libvirtd (QEMU TCG)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import LibvirtHostError
from ansible_collections.acs.ingest.plugins.module_utils._libvirt.host import (
    is_local_uri,
    list_domains,
    qemu_img_virtual_size,
)
from ansible_collections.acs.ingest.plugins.module_utils._services.instance_info import INSTANCE_KEYS, libvirt_instances
from infra.domains import DiskSpec, DomainFactory, NicSpec, domain_factory

pytestmark = [pytest.mark.libvirt]
MIB = 1024 * 1024


@pytest.fixture(scope="module")
def bed() -> Iterator[DomainFactory]:
    """Three domains, made once: running persistent, running transient, shut off persistent."""
    with domain_factory() as factory:
        factory.create(
            "run",
            vcpus=2,
            memory_mib=96,
            disks=[DiskSpec(32), DiskSpec(16), DiskSpec(8, backing=True)],
            nics=[NicSpec("cloudbr0"), NicSpec("breth1-100"), NicSpec("cloudbr1")],
            cputune_shares=2000,
            cpu_topology=(1, 2, 1),
        )
        factory.create(
            "tr", persistent=False, disks=[DiskSpec(24, format="raw", bus="sata")], nics=[NicSpec(model="e1000")]
        )
        factory.create(
            "off",
            running=False,
            disks=[DiskSpec(20), DiskSpec(12, bus="scsi")],
            nics=[NicSpec("cloudbr1", vlan=300, model="e1000e"), NicSpec("breth1-200")],
        )
        yield factory


def by_name(items: list, prefix: str) -> dict:
    return {
        getattr(i, "name", None) or i["name"]: i
        for i in items
        if (getattr(i, "name", None) or i["name"]).startswith(prefix)
    }


def test_list_domains_reads_state_persistence_vcpus_memory_capacity(bed: DomainFactory) -> None:
    records = by_name(list_domains("qemu:///system"), bed.prefix)
    assert set(records) == {d.name for d in bed.created}
    run, tr, off = (records[bed.prefix + n] for n in ("run", "tr", "off"))
    assert (run.active, run.runtime.persistent, run.runtime.state) == (True, True, 1)
    assert (tr.active, tr.runtime.persistent) == (True, False)
    assert (off.active, off.runtime.persistent, off.runtime.state) == (False, True, 5)
    assert run.runtime.running_vcpus == 2
    assert off.runtime.running_vcpus is None  # libvirt can't answer for an inactive domain
    assert run.runtime.max_memory_kib == 96 * 1024
    assert run.runtime.disk_capacity == {"vda": 32 * MIB, "vdb": 16 * MIB, "vdc": 8 * MIB}
    assert tr.runtime.disk_capacity == {"sda": 24 * MIB}
    # Shut off: block info or the qemu-img fallback still gives exact bytes.
    assert off.runtime.disk_capacity == {"vda": 20 * MIB, "sda": 12 * MIB}


def test_qemu_img_fallback_measures_bytes(bed: DomainFactory) -> None:
    disk = bed.created[0].disks[1]
    assert qemu_img_virtual_size(disk.path) == 16 * MIB
    assert qemu_img_virtual_size("/nonexistent/acsit.qcow2") is None


def test_libvirt_instances_shape_vlans_and_blockers(bed: DomainFactory) -> None:
    found = by_name(libvirt_instances("qemu:///system"), bed.prefix)
    run, tr, off = (found[bed.prefix + n] for n in ("run", "tr", "off"))
    for inst in (run, tr, off):
        assert tuple(inst) == INSTANCE_KEYS and inst["source"] == "libvirt"
    made = bed.created[0]
    assert (run["cpunumber"], run["memory"], run["cpucorepersocket"], run["cpuspeed"]) == (2, 96, 2, 1000)
    assert [d["capacity"] for d in run["disk"]] == [32 * MIB, 16 * MIB, 8 * MIB]
    assert [d["imagepath"] for d in run["disk"]] == [d.path for d in made.disks]
    assert [d["controller"] for d in run["disk"]] == ["virtio"] * 3
    assert run["disk"][2]["backingfile"] == made.disks[2].backing_path
    assert [n["macaddress"] for n in run["nic"]] == [n.mac for n in made.nics]
    assert [n["adaptertype"] for n in run["nic"]] == ["virtio"] * 3
    assert [n["networkname"] for n in run["nic"]] != [None] * 3  # running: tap devices assigned
    # vlanid is what CloudStack's 4.22 agent lists: getVlanIdForBridge finds no /proc/net/vlan entry for an
    # uplink of these bridges (this kernel has no 802.1Q), so null for every bridge NIC. vlan/vlan_source are
    # our own inference: CloudStack's bridge naming (breth1-100) tells 100.
    assert [n["vlanid"] for n in run["nic"]] == [None, None, None]
    assert [(n["vlan"], n["vlan_source"]) for n in run["nic"]] == [(None, None), (100, "bridge-name"), (None, None)]
    assert run["importable"] is True, run["import_blockers"]
    assert run["persistent"] is True and run["powerstate"] == "PowerOn"

    assert tr["persistent"] is False and tr["disk"][0]["controller"] == "sata" and tr["disk"][0]["format"] == "raw"
    assert tr["nic"][0]["adaptertype"] == "e1000"

    assert off["powerstate"] == "PowerOff" and off["cpunumber"] is None and off["memory"] == 64
    assert [(n["vlan"], n["vlan_source"]) for n in off["nic"]] == [(300, "xml"), (200, "bridge-name")]
    assert off["importable"] is False
    # The agent drops it twice over (an e1000e NIC it cannot parse, no vCPUs of a shut-off domain); the server
    # never sees its NICs, so no "mixed adapter types" rule, and no server rule about the vCPUs it cannot list.
    assert [(p["code"], p["severity"]) for p in off["import_problems"]] == [
        ("nic_model_unknown", "blocker"),
        ("domain_not_running", "blocker"),
        ("nic_vlan_not_parsed", "warning"),
    ]
    text = " | ".join(off["import_blockers"])
    assert "model 'e1000e'" in text and "domain is not running" in text


def test_vlanid_follows_the_agent_version(bed: DomainFactory) -> None:
    """4.19, 4.20.0/4.20.1 and 4.21 agents list -1 for every NIC; only 4.20.2 and 4.22 ask the host's bridge."""
    for version, expected in (("4.21.0", -1), ("4.20.2", None), ("4.19.0", -1)):
        found = by_name(libvirt_instances("qemu:///system", agent_version=version), bed.prefix)
        run = found[bed.prefix + "run"]
        assert run["agent_version"] == version
        assert [n["vlanid"] for n in run["nic"]] == [expected] * 3, version
        assert [n["vlan"] for n in run["nic"]] == [None, 100, None]


def test_external_import_path_wants_shut_off(bed: DomainFactory) -> None:
    found = by_name(libvirt_instances("qemu:///system", target="external"), bed.prefix)
    run, off = found[bed.prefix + "run"], found[bed.prefix + "off"]
    # LibvirtGetRemoteVmsCommandWrapper lists only shut-off domains; a running one is dropped for that alone.
    assert [p["code"] for p in run["import_problems"]] == ["remote_domain_not_shut_off"]
    assert "leaves the domain out of listVmsForImport" in run["import_blockers"][0]
    # Shut off is what listVmsForImport wants: only its unparseable NIC model remains.
    assert [p["code"] for p in off["import_problems"] if p["severity"] == "blocker"] == ["nic_model_unknown"]
    # The remote wrapper never asks the host for a bridge's VLAN: -1 for every NIC, whatever the agent version.
    assert [n["vlanid"] for n in run["nic"]] == [-1, -1, -1]


def test_test_driver_uri() -> None:
    instances = libvirt_instances("test:///default")
    assert [i["name"] for i in instances] == ["test"]
    assert instances[0]["powerstate"] == "PowerOn" and instances[0]["memory"] == 8192
    # Its NIC has no <model>: LibvirtDomainXMLParser upper-cases a null model and the agent drops the domain.
    # Its disk has no <driver> element at all, which the parser accepts (format null): not a blocker.
    assert [p["code"] for p in instances[0]["import_problems"]] == ["nic_model_missing"]
    assert len(instances[0]["import_blockers"]) == 1 and "has no <model>" in instances[0]["import_blockers"][0]
    assert instances[0]["cpunumber"] == 2


@pytest.mark.parametrize(
    ("uri", "needle"),
    [
        ("qemu+tcp://127.0.0.9/system", "Connection refused"),
        ("nonsense", "is not a libvirt URI"),
        ("qemu:///nosuchpath", "cannot connect to libvirt at qemu:///nosuchpath"),
    ],
)
def test_bad_uri_is_one_clear_error(uri: str, needle: str) -> None:
    with pytest.raises(LibvirtHostError) as err:
        libvirt_instances(uri)
    text = str(err.value)
    assert text.startswith("uri: ") and needle in text and "Fix:" in text and "\n" not in text


@pytest.fixture(params=["acsitv.77", "ethacs.77"])
def vlan_bridge(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str, str]]:
    """A real bridge whose uplink is an 802.1Q-like port, and a /proc stand-in.

    The kernel here has no 802.1Q, so the uplink is a veth named like a VLAN sub-interface and only
    ``/proc/net/vlan`` is faked; ``sys`` in the fake root is the real /sys, so the bridge's ports come
    from the kernel. One uplink name matches the interface patterns of CloudStack's agent (``eth*``),
    the other does not.
    """
    bridge, uplink, peer = "acsit-hvbr", request.param, "acsitp77"
    subprocess.run(["ip", "link", "add", bridge, "type", "bridge"], check=True)
    try:
        subprocess.run(["ip", "link", "add", uplink, "type", "veth", "peer", "name", peer], check=True)
        subprocess.run(["ip", "link", "set", uplink, "master", bridge], check=True)
        subprocess.run(["ip", "link", "set", bridge, "up"], check=True)
        (tmp_path / "sys").symlink_to("/sys")
        (tmp_path / "proc" / "net" / "vlan").mkdir(parents=True)
        (tmp_path / "proc" / "net" / "vlan" / uplink).write_text(f"{uplink}  VID: 77\t REORDER_HDR: 1\nDevice: eth9\n")
        yield bridge, uplink, str(tmp_path)
    finally:
        subprocess.run(["ip", "link", "del", uplink], check=False, capture_output=True)
        subprocess.run(["ip", "link", "del", bridge], check=False, capture_output=True)


def test_vlan_from_the_host_bridge_of_a_running_domain(
    test_domains: DomainFactory, vlan_bridge: tuple[str, str, str]
) -> None:
    bridge, uplink, root = vlan_bridge
    dom = test_domains.create("vlan", nics=[NicSpec(bridge), NicSpec("breth1-100")])
    found = by_name(libvirt_instances("qemu:///system", vlan_root=root), test_domains.prefix)
    nics = found[dom.name]["nic"]
    # Ours: any uplink port with a /proc/net/vlan entry, then CloudStack's bridge naming.
    assert [(n["bridge"], n["vlan"], n["vlan_source"]) for n in nics] == [
        (bridge, 77, "host"),
        ("breth1-100", 100, "bridge-name"),
    ]
    # CloudStack's 4.22 agent (LibvirtComputingResource.getVlanIdForBridge): only a bridge port whose name
    # matches its interface patterns (eth*, bond*, ...) is read from /proc/net/vlan; breth1-100 has no such port.
    agent_sees = 77 if uplink.startswith("eth") else None
    assert [n["vlanid"] for n in nics] == [agent_sees, None]
    # A remote URI never consults this machine's /proc: only the XML and the bridge names count.
    assert is_local_uri("qemu:///system") and not is_local_uri("qemu+tcp://127.0.0.2/system")
    assert not is_local_uri("qemu+ssh://root@localhost/system")
