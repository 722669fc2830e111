"""Facts §1 list commands and the seeded catalogue (zone, cluster, hosts, networks, offerings, pools)."""

from __future__ import annotations

import pytest

from acs_simulator.fixtures import SimApiError, SimHandle


def test_capabilities_per_profile(acs_sim_factory) -> None:
    # short names are the x.y.0 releases (as in the research notes); patch releases are profiles of their own
    for profile, version in (("4.19", "4.19.0.0"), ("4.20.2", "4.20.2.0"), ("4.21", "4.21.0.0"), ("4.22", "4.22.0.0")):
        sim = acs_sim_factory(profile=profile, agent_version="4.20.1" if profile == "4.21" else None)
        assert sim.call("listCapabilities")["capability"]["cloudstackversion"] == version
        agent = "4.20.1.0" if profile == "4.21" else version  # HostResponse.version is the agent's release
        assert [h["version"] for h in sim.call("listHosts")["host"]] == [agent]
        sim.stop()


def test_catalogue(acs_sim: SimHandle) -> None:
    hosts = acs_sim.call("listHosts")["host"]
    assert [(h["name"], h["ipaddress"]) for h in hosts] == [("kvm1", "127.0.0.1")]
    assert "uri" not in hosts[0]
    nets = {n["name"]: n for n in acs_sim.call("listNetworks")["network"]}
    assert nets["l2-vlan100"]["type"] == "L2" and nets["l2-vlan100"]["vlan"] == "100"
    assert nets["l2-vlan100"]["broadcasturi"] == "vlan://100"
    assert nets["shared-vlan300"]["type"] == "Shared" and nets["shared-vlan300"]["startip"] == "10.30.0.10"
    assert nets["isolated1"]["type"] == "Isolated"
    assert acs_sim.call("listNetworks", type="L2")["count"] == 2
    offerings = {o["name"]: o for o in acs_sim.call("listServiceOfferings")["serviceoffering"]}
    assert offerings["tiny-1c-64m"]["cpunumber"] == 1 and offerings["tiny-1c-64m"]["memory"] == 64
    assert offerings["custom-constrained"]["iscustomized"] and offerings["custom-constrained"]["maxmemory"] == 512
    assert "mincpunumber" not in offerings["custom-unconstrained"]
    disks = {o["name"]: o for o in acs_sim.call("listDiskOfferings")["diskoffering"]}
    assert disks["fixed-1g"]["disksize"] == 1 and disks["custom-size"]["iscustomized"]
    assert acs_sim.call("listOsTypes")["count"] == 2
    pools = acs_sim.call("listStoragePools")["storagepool"]
    assert {p["path"] for p in pools} >= {"/var/lib/acs-ingest-sim/pool1"}


def test_paging_and_keyword(acs_sim: SimHandle) -> None:
    page = acs_sim.call("listNetworks", page=2, pagesize=3)
    assert page["count"] == 4 and len(page["network"]) == 1
    assert acs_sim.call("listNetworks", page=5, pagesize=3) == {"count": 4}
    assert [n["name"] for n in acs_sim.call("listNetworks", keyword="SHARED")["network"]] == ["shared-vlan300"]


def test_zone_configuration_and_update(acs_sim: SimHandle) -> None:
    zone = acs_sim.first("listZones", "zone")
    conf = acs_sim.call("listConfigurations", zoneid=zone["id"], name="unmanage.vm.preserve.nics")["configuration"]
    assert conf[0]["value"] == "false" and conf[0]["scope"] == "zone"
    acs_sim.call("updateConfiguration", name="unmanage.vm.preserve.nics", value="true", zoneid=zone["id"])
    conf = acs_sim.call("listConfigurations", zoneid=zone["id"], name="unmanage.vm.preserve.nics")["configuration"]
    assert conf[0]["value"] == "true"
    glob = acs_sim.call("listConfigurations", name="unmanage.vm.preserve.nics")["configuration"]
    assert glob[0]["value"] == "false"


def test_admin_only_commands_hidden_from_users(acs_sim: SimHandle) -> None:
    resp = acs_sim.raw(
        "listUnmanagedInstances",
        key="acs-sim-user1-apikey",
        secret="acs-sim-user1-secretkey",
        clusterid=acs_sim.first("listClusters", "cluster")["id"],
    )
    assert resp.status_code == 432
    ok = acs_sim.raw("listZones", key="acs-sim-user1-apikey", secret="acs-sim-user1-secretkey")
    assert ok.status_code == 200


def test_version_profile_hides_newer_commands(acs_sim_factory) -> None:
    sim = acs_sim_factory(profile="4.19")
    zone = sim.first("listZones", "zone")
    with pytest.raises(SimApiError) as err:
        sim.call("listVmsForImport", zoneid=zone["id"], hypervisor="VMware", host="127.0.0.2")
    assert err.value.status == 431  # 4.19 has the command; VMware is rejected
    assert err.value.errortext == "VM Import is currently not supported for hypervisor: VMware"


def test_default_and_maximum_page_size(acs_sim: SimHandle) -> None:
    acs_sim.call("updateConfiguration", name="default.page.size", value="3")
    first = acs_sim.call("listNetworks")
    assert first["count"] == 4 and len(first["network"]) == 3  # no pagesize: one default-sized page
    with pytest.raises(SimApiError) as err:
        acs_sim.call("listNetworks", page=1, pagesize=4)
    assert (err.value.status, err.value.errortext) == (431, "Page size can't exceed max allowed page size value: 3")
    assert len(acs_sim.call("listNetworks", pagesize=-1)["network"]) == 4
    with pytest.raises(SimApiError):
        acs_sim.call("listNetworks", page=1, pagesize=-1)
