"""Guest networks: listNetworkOfferings, listPhysicalNetworks, listTrafficTypes, listVlanIpRanges, createNetwork.

Each test names the CloudStack source it holds the simulator to (paths inside apache/cloudstack; the
release commits read are listed in COORDINATION.md).
"""

from __future__ import annotations

from typing import Any

import pytest

from acs_simulator.fixtures import SimApiError, SimHandle, embedded_seed


def _offerings(sim: SimHandle) -> dict[str, dict[str, Any]]:
    return {o["name"]: o for o in sim.call("listNetworkOfferings")["networkoffering"]}


def _create(sim: SimHandle, offering: str, **params: Any) -> dict[str, Any]:
    zone = sim.first("listZones", "zone")["id"]
    params.setdefault("name", f"net-{params.get('vlan', 'x')}")
    return sim.call("createNetwork", zoneid=zone, networkofferingid=_offerings(sim)[offering]["id"], **params)[
        "network"
    ]


def _error(sim: SimHandle, offering: str, **params: Any) -> tuple[int, int, str]:
    with pytest.raises(SimApiError) as caught:
        _create(sim, offering, **params)
    inner = next(iter(caught.value.body.values()))
    return caught.value.status, inner.get("cserrorcode"), caught.value.errortext


SHARED = {"gateway": "10.50.0.1", "netmask": "255.255.255.0", "startip": "10.50.0.10", "endip": "10.50.0.99"}


def test_default_offerings_listed_and_filtered(acs_sim: SimHandle) -> None:
    # ConfigurationServerImpl.createDefaultNetworkOfferings / NetworkOfferingDaoImpl.persistDefaultL2NetworkOfferings
    offerings = _offerings(acs_sim)
    assert offerings["DefaultL2NetworkOfferingVlan"]["specifyvlan"] is True
    assert offerings["DefaultL2NetworkOffering"]["specifyvlan"] is False
    shared = offerings["DefaultSharedNetworkOffering"]
    assert shared["guestiptype"] == "Shared" and shared["specifyipranges"] and shared["state"] == "Enabled"
    assert {s["name"] for s in shared["service"]} == {"Dhcp", "Dns", "UserData"}
    drive = offerings["DefaultL2NetworkOfferingConfigDriveVlan"]["service"]
    assert drive == [{"name": "UserData", "provider": [{"name": "ConfigDrive"}]}]
    l2 = acs_sim.call("listNetworkOfferings", guestiptype="L2", specifyvlan="true")["networkoffering"]
    assert {o["name"] for o in l2} == {"DefaultL2NetworkOfferingVlan", "DefaultL2NetworkOfferingConfigDriveVlan"}
    assert acs_sim.call("listNetworkOfferings", forvpc="true")["count"] == 1


def test_physical_networks_and_traffic_types(acs_sim: SimHandle) -> None:
    # ApiResponseHelper.createPhysicalNetworkResponse: vlan is the vnet string, tags/isolation methods joined
    physnet = acs_sim.first("listPhysicalNetworks", "physicalnetwork")
    assert physnet["vlan"] == "1000-1099" and physnet["state"] == "Enabled" and physnet["isolationmethods"] == "VLAN"
    types = acs_sim.call("listTrafficTypes", physicalnetworkid=physnet["id"])["traffictype"]
    assert {t["traffictype"]: t["kvmnetworklabel"] for t in types}["Guest"] == "cloudbr1"
    with pytest.raises(SimApiError) as caught:  # ListTrafficTypesCmd: physicalnetworkid is required
        acs_sim.call("listTrafficTypes")
    assert caught.value.status == 431


def test_seeded_shared_network_has_its_ip_range(acs_sim: SimHandle) -> None:
    # ApiResponseHelper.createVlanIpRangeResponse: startip/endip split from the ip_range, cidr from gateway+netmask
    ranges = acs_sim.call("listVlanIpRanges")["vlaniprange"]
    assert [(r["vlan"], r["startip"], r["endip"], r["cidr"]) for r in ranges] == [
        ("300", "10.30.0.10", "10.30.0.200", "10.30.0.0/24")
    ]
    net = {n["name"]: n for n in acs_sim.call("listNetworks")["network"]}["shared-vlan300"]
    assert acs_sim.call("listVlanIpRanges", networkid=net["id"])["count"] == 1
    assert acs_sim.call("listVlanIpRanges", vlan="vlan://300")["count"] == 1
    assert acs_sim.call("listVlanIpRanges", vlan="301") == {}


def test_create_l2_network(acs_sim: SimHandle) -> None:
    # NetworkOrchestrator.createGuestNetwork: broadcast URI vlan://<id>; L2 networks get aclType Account
    net = _create(acs_sim, "DefaultL2NetworkOfferingVlan", vlan="400", name="l2-vlan400")
    assert (net["type"], net["vlan"], net["broadcasturi"], net["acltype"]) == ("L2", "400", "vlan://400", "Account")
    assert net["displaytext"] == "l2-vlan400"  # CreateNetworkCmd.getDisplayText defaults to the name
    listed = acs_sim.call("listNetworks", id=net["id"])["network"][0]
    assert listed["networkofferingname"] == "DefaultL2NetworkOfferingVlan" and "cidr" not in listed


def test_vlan_taken_in_zone(acs_sim: SimHandle) -> None:
    # NetworkOrchestrator.createGuestNetwork: listByZoneAndUriAndGuestType(zone, vlan://100, any type)
    status, cs_code, text = _error(acs_sim, "DefaultL2NetworkOfferingVlan", vlan="100")
    assert (status, cs_code) == (431, 4350)
    assert text.startswith("Network with vlan 100 already exists or overlaps with other network vlans in zone Zone {")


def test_vlan_taken_text_on_4_19_names_the_zone_id(acs_sim_factory) -> None:
    # 4.19/4.20 concatenate the zone's database id; 4.21+ format the zone object
    sim = acs_sim_factory(profile="4.19")
    _status, _code, text = _error(sim, "DefaultL2NetworkOfferingVlan", vlan="200")
    assert text.rsplit(" ", 1)[-1].isdigit(), text


def test_vlan_inside_the_dynamic_range_is_refused(acs_sim: SimHandle) -> None:
    # NetworkOrchestrator.createGuestNetwork → DataCenterVnetDaoImpl.findOverlappingVnets (op_dc_vnet_alloc)
    for offering, extra in (("DefaultL2NetworkOfferingVlan", {}), ("DefaultSharedNetworkOffering", SHARED)):
        status, _code, text = _error(acs_sim, offering, vlan="1050", **extra)
        assert status == 431
        assert text == (
            "The VLAN tag to use for new guest network, 1050 is already being used for dynamic vlan allocation for "
            "the guest network in zone zone1"
        )
    assert _create(acs_sim, "DefaultL2NetworkOfferingVlan", vlan="1100")["vlan"] == "1100"  # just outside


@pytest.mark.parametrize(
    ("offering", "params", "text"),
    [
        # NetworkOrchestrator.createGuestNetwork: vlanSpecified != offering.isSpecifyVlan()
        (
            "DefaultL2NetworkOffering",
            {"vlan": "410"},
            "Can't specify vlan; corresponding offering says specifyVlan=false",
        ),
        ("DefaultL2NetworkOfferingVlan", {}, "Vlan has to be specified; corresponding offering says specifyVlan=true"),
        # NetworkServiceImpl.commitNetwork
        (
            "DefaultIsolatedNetworkOfferingForVpcNetworks",
            {"gateway": "10.9.0.1", "netmask": "255.255.255.0"},
            "Network offering can be used for VPC networks only",
        ),
        # NetworkOrchestrator.createGuestNetwork: cidrRequired for Shared
        (
            "DefaultSharedNetworkOffering",
            {"vlan": "420"},
            "Gateway/netmask are required when creating Shared networks.",
        ),
        # NetworkServiceImpl.createGuestNetwork: gateway/netmask/startip/endip parsing
        (
            "DefaultSharedNetworkOffering",
            {**SHARED, "vlan": "421", "startip": "10.50.0"},
            "Invalid format for the startIp parameter",
        ),
        (
            "DefaultSharedNetworkOffering",
            {**SHARED, "vlan": "422", "endip": "x"},
            "Invalid format for the endIp parameter",
        ),
        ("DefaultSharedNetworkOffering", {**SHARED, "vlan": "423", "gateway": "gw"}, "Gateway parameter is invalid"),
        (
            "DefaultSharedNetworkOffering",
            {**SHARED, "vlan": "424", "gateway": "10.50.0.0"},
            "Invalid gateway IP provided. Either the IP is broadcast or network IP.",
        ),
        ("DefaultSharedNetworkOffering", {**SHARED, "vlan": "425", "netmask": "255.0.255.0"}, "Invalid netmask"),
        # ConfigurationManagerImpl.createVlanAndPublicIpRange / checkPublicIpRangeErrors
        (
            "DefaultSharedNetworkOffering",
            {**SHARED, "vlan": "426", "endip": "10.51.0.9"},
            "Please specify a valid IP range or valid netmask or valid gateway",
        ),
        (
            "DefaultSharedNetworkOffering",
            {**SHARED, "vlan": "427", "startip": "10.50.0.200"},
            "Please specify a valid IP range.",
        ),
        (
            "DefaultSharedNetworkOffering",
            {**SHARED, "vlan": "428", "startip": "10.50.0.1"},
            "The gateway ip should not be the part of the ip range being added.",
        ),
    ],
)
def test_create_network_rejects(acs_sim: SimHandle, offering: str, params: dict[str, Any], text: str) -> None:
    before = acs_sim.call("listNetworks")["count"]
    status, cs_code, errortext = _error(acs_sim, offering, **params)
    assert (status, cs_code, errortext) == (431, 4350, text)
    assert acs_sim.call("listNetworks")["count"] == before  # commitNetwork's transaction: nothing left behind
    assert acs_sim.call("listVlanIpRanges")["count"] == 1


def test_shared_network_with_range(acs_sim: SimHandle) -> None:
    # NetworkServiceImpl.commitNetwork → ConfigurationManagerImpl.createVlanAndPublicIpRange: the range row
    net = _create(acs_sim, "DefaultSharedNetworkOffering", vlan="500", name="shared-vlan500", **SHARED)
    assert (net["type"], net["acltype"], net["cidr"], net["gateway"]) == (
        "Shared",
        "Domain",
        "10.50.0.0/24",
        "10.50.0.1",
    )
    ranges = acs_sim.call("listVlanIpRanges", networkid=net["id"])["vlaniprange"]
    assert [(r["startip"], r["endip"], r["vlan"], r["forvirtualnetwork"]) for r in ranges] == [
        ("10.50.0.10", "10.50.0.99", "500", False)
    ]
    # the end of a range defaults to its start (NetworkServiceImpl.createGuestNetwork)
    single = _create(
        acs_sim, "DefaultSharedNetworkOffering", vlan="501", **{k: v for k, v in SHARED.items() if k != "endip"}
    )
    assert acs_sim.call("listVlanIpRanges", networkid=single["id"])["vlaniprange"][0]["endip"] == "10.50.0.10"


def test_shared_without_range_depends_on_the_release(acs_sim_factory) -> None:
    # commit 53d3d19606 (#10704): 4.19.3+, 4.20.1+ and 4.21+ answer 530; 4.19.0-4.19.2 create a range-less network
    params = {"vlan": "510", "gateway": "10.51.0.1", "netmask": "255.255.255.0"}
    new = acs_sim_factory(profile="4.20.1")  # the profile "4.20" is 4.20.0
    status, cs_code, text = _error(new, "DefaultSharedNetworkOffering", **params)
    assert (status, cs_code, text) == (530, 4250, "IPv4 address range needs to be provided")
    old = acs_sim_factory(profile="4.19")
    net = _create(old, "DefaultSharedNetworkOffering", **params)
    assert net["cidr"] == "10.51.0.0/24" and old.call("listVlanIpRanges", networkid=net["id"]) == {}


def test_offering_and_physical_network_state(acs_sim_factory) -> None:
    # NetworkOrchestrator.createGuestNetwork: offering and physical network must be Enabled
    seed = embedded_seed()
    seed["networkofferings"] = [
        {"name": "l2-disabled", "guestiptype": "L2", "specifyvlan": True, "state": "Disabled"},
    ]
    seed["zones"][0]["physicalnetworks"][0]["state"] = "Disabled"
    sim = acs_sim_factory(seed=seed)
    assert _error(sim, "l2-disabled", vlan="430")[2] == (
        "Can't use specified network offering id as its state is not Enabled"
    )
    assert _error(sim, "DefaultL2NetworkOfferingVlan", vlan="431")[2] == (
        "Specified physical network id is in incorrect state:Disabled"
    )


def test_physical_network_choice(acs_sim_factory) -> None:
    # CreateNetworkCmd.getPhysicalNetworkId → NetworkModelImpl.findPhysicalNetworkId (Guest traffic, offering tags)
    seed = embedded_seed()
    seed["zones"][0]["physicalnetworks"].append(
        {"name": "physnet-b", "vlan": "2000-2099", "traffictypes": {"Guest": "cloudbr2"}}
    )
    sim = acs_sim_factory(seed=seed)
    _status, code, text = _error(sim, "DefaultL2NetworkOfferingVlan", vlan="440")
    assert code == 4250 and text.startswith("There is more than 1 physical network with empty tag in the zone Zone {")
    physnet = {p["name"]: p for p in sim.call("listPhysicalNetworks")["physicalnetwork"]}["physnet-b"]
    net = _create(sim, "DefaultL2NetworkOfferingVlan", vlan="440", physicalnetworkid=physnet["id"])
    assert net["physicalnetworkid"] == physnet["id"]
    # the dynamic range is the chosen physical network's: 1050 is free on physnet-b, 2050 is not
    assert _create(sim, "DefaultL2NetworkOfferingVlan", vlan="1050", physicalnetworkid=physnet["id"])["vlan"] == "1050"
    assert (
        "dynamic vlan allocation"
        in _error(sim, "DefaultL2NetworkOfferingVlan", vlan="2050", physicalnetworkid=physnet["id"])[2]
    )
    isolated = _offerings(sim)["DefaultIsolatedNetworkOfferingWithSourceNatService"]["id"]
    with pytest.raises(SimApiError) as caught:
        sim.call(
            "createNetwork",
            name="iso",
            zoneid=sim.first("listZones", "zone")["id"],
            networkofferingid=isolated,
            physicalnetworkid=physnet["id"],
        )
    assert (
        caught.value.errortext
        == "Physical network ID can be specified for networks of guest IP type Shared or L2 only."
    )


def test_only_root_admin_specifies_a_vlan(acs_sim: SimHandle) -> None:
    # NetworkServiceImpl.createGuestNetwork: a user's call has no vlan parameter (CreateNetworkCmd, not ByAdmin)
    zone = acs_sim.first("listZones", "zone")["id"]
    resp = acs_sim.raw(
        "createNetwork",
        key="acs-sim-user1-apikey",
        secret="acs-sim-user1-secretkey",
        name="u",
        zoneid=zone,
        networkofferingid=_offerings(acs_sim)["DefaultL2NetworkOfferingVlan"]["id"],
        vlan="450",
    )
    assert resp.status_code == 431
    assert resp.json()["createnetworkresponse"]["errortext"] == (
        "Only ROOT admin is allowed to specify vlanId or bypass vlan overlap check"
    )


def test_created_l2_network_takes_an_import(acs_sim: SimHandle, sim_domains) -> None:
    # the new network is an ordinary guest network for importUnmanagedInstance (nicnetworklist)
    from .helpers import ids, import_params

    net = _create(acs_sim, "DefaultL2NetworkOfferingVlan", vlan="460", name="l2-vlan460")
    dom = sim_domains.create("net460")
    ids_ = ids(acs_sim)
    job = acs_sim.run("importUnmanagedInstance", **import_params(ids_, dom.name, network="l2-vlan460"))
    assert job["jobstatus"] == 1, job
    nics = job["jobresult"]["virtualmachine"]["nic"]
    assert [(n["networkid"], n["broadcasturi"]) for n in nics] == [(net["id"], "vlan://460")]
