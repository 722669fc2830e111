"""Facts §3.1/§3.6: what listUnmanagedInstances reports for real libvirt domains, quirks included."""

from __future__ import annotations

from pathlib import Path

import pytest

from acs_simulator.fixtures import SimHandle
from acs_simulator.testbed import DomainFactory

from .helpers import ids, unmanaged

pytestmark = pytest.mark.libvirt


def test_running_domain_shape(acs_sim: SimHandle, sim_domains: DomainFactory) -> None:
    dom = sim_domains.create("shape", data_disks=1, bridges=("cloudbr0", "cloudbr1"))
    i = ids(acs_sim)
    [inst] = unmanaged(acs_sim, i["cluster"], dom.name)
    assert inst["powerstate"] == "PowerOn" and inst["cpunumber"] == 1 and inst["memory"] == 64
    assert inst["cpuspeed"] == 1024 and inst["cpucorepersocket"] == 1
    assert inst["clusterid"] == i["cluster"] and inst["clustername"] == "cluster1"
    assert inst["hostid"] == i["host"] and inst["hostname"] == "kvm1"
    assert (inst["bootmode"], inst["boottype"]) == ("LEGACY", "BIOS")
    assert [d["id"] for d in inst["disk"]] == ["0", "1"]
    root = inst["disk"][0]
    assert root["label"] == "vda" and root["controller"] == "virtio" and root["capacity"] == 64 * 1024 * 1024
    assert root["imagepath"] == str(dom.disks[0]) and root["datastorepath"] == str(dom.disks[0].parent)
    assert root["datastoretype"] == "file" and root["position"] == 0
    assert [n["macaddress"] for n in inst["nic"]] == dom.macs
    assert all(n["adaptertype"] == "virtio" and n["networkname"].startswith("vnet") for n in inst["nic"])
    # This kernel has no /proc/net/vlan: the bridge VLAN lookup finds nothing, so no vlanid at all.
    assert all("vlanid" not in n for n in inst["nic"])


def test_keyword_and_profile_420_vs_419(acs_sim_factory, sim_domains: DomainFactory) -> None:
    dom = sim_domains.create("kw")
    old = acs_sim_factory(profile="4.19")
    i = ids(old)
    found = old.call("listUnmanagedInstances", clusterid=i["cluster"], keyword=dom.name.upper())["unmanagedinstance"]
    assert [x["name"] for x in found] == [dom.name]
    # ApiResponseHelper.createUnmanagedInstanceResponse sets clustername on 4.19.0 too; boot keys need 4.19.3+
    assert found[0]["clustername"] == "cluster1" and "bootmode" not in found[0]


def test_shut_off_and_unsupported_domains_are_left_out(acs_sim: SimHandle, sim_domains: DomainFactory) -> None:
    off = sim_domains.create("off", running=False)
    e1000e = sim_domains.create("e1000e", nic_model="e1000e")
    ok = sim_domains.create("ok")
    names = {x["name"] for x in unmanaged(acs_sim, ids(acs_sim)["cluster"])}
    assert ok.name in names
    assert off.name not in names  # virDomainGetVcpus fails on a shut-off domain
    assert e1000e.name not in names  # NIC model enum has no e1000e
    assert unmanaged(acs_sim, ids(acs_sim)["cluster"], off.name) == []


def test_bridge_vlan_from_proc_root(acs_sim_factory, sim_domains: DomainFactory, tmp_path: Path) -> None:
    (tmp_path / "sys/devices/virtual/net/breth1-100/brif/vnet99").mkdir(parents=True)
    (tmp_path / "sys/devices/virtual/net/breth1-100/brif/eth1.100").mkdir(parents=True)
    (tmp_path / "proc/net/vlan").mkdir(parents=True)
    (tmp_path / "proc/net/vlan/eth1.100").write_text("eth1.100  VID: 100\t REORDER_HDR: 1  dev->priv_flags: 1\n")
    sim = acs_sim_factory(proc_root=str(tmp_path))
    dom = sim_domains.create("vlan", bridges=("breth1-100", "cloudbr0"))
    [inst] = unmanaged(sim, ids(sim)["cluster"], dom.name)
    assert inst["nic"][0]["vlanid"] == 100
    assert "vlanid" not in inst["nic"][1]


def test_empty_unmanaged_listing(acs_sim: SimHandle) -> None:
    resp = acs_sim.raw("listUnmanagedInstances", clusterid=ids(acs_sim)["cluster"], name="h3sim-none")
    assert resp.json() == {"listunmanagedinstancesresponse": {}}


def test_unreachable_host_contributes_nothing(acs_sim_factory, sim_domains: DomainFactory) -> None:
    from acs_simulator.fixtures import embedded_seed

    seed = embedded_seed()
    seed["zones"][0]["clusters"][0]["hosts"].append(
        {"name": "kvm-down", "uri": "qemu+tcp://127.0.0.9/system", "ipaddress": "127.0.0.9"}
    )
    sim = acs_sim_factory(seed=seed)
    dom = sim_domains.create("down")
    found = unmanaged(sim, ids(sim)["cluster"], dom.name)
    assert [x["hostname"] for x in found] == ["kvm1"]


def test_domain_without_cputune_has_no_cpuspeed(acs_sim: SimHandle, sim_domains: DomainFactory) -> None:
    dom = sim_domains.create("notune", cputune=False)
    [inst] = unmanaged(acs_sim, ids(acs_sim)["cluster"], dom.name)
    assert "cpuspeed" not in inst and inst["cpunumber"] == 1  # 4.22's guard: listed, speed left out
