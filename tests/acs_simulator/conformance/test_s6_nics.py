"""Post-import fix-ups: addNicToVirtualMachine, addIpToNic, and the config drive a start attaches.

Sources (apache/cloudstack, 4.19-4.22 alike unless said): UserVmManagerImpl.addNicToVirtualMachine,
VirtualMachineManagerImpl.addVmToNetwork; AddIpToVmNicCmd.create (synchronous) → NetworkServiceImpl
.allocateSecondaryGuestIP → IpAddressManagerImpl.allocatePublicIpForGuestNic / acquireGuestIpAddress;
ConfigDriveNetworkElement.addPasswordAndUserdata / updateConfigDriveLocationInVMDetails (VM detail
configDriveLocation).
"""

from __future__ import annotations

from typing import Any

import libvirt
import pytest

from acs_simulator.fixtures import SimApiError, SimHandle

from .helpers import ids, import_params


def _import(sim: SimHandle, dom: Any, network: str | None, **extra: Any) -> dict[str, Any]:
    params = import_params(ids(sim), dom.name, network=network or "l2-vlan100", **extra)
    if network is None:  # a NIC-less VM
        params = {k: v for k, v in params.items() if not k.startswith("nicnetworklist")}
    job = sim.run("importUnmanagedInstance", **params)
    assert job["jobstatus"] == 1, job
    return job["jobresult"]["virtualmachine"]


def _vm(sim: SimHandle, vm_id: str) -> dict[str, Any]:
    return sim.call("listVirtualMachines", id=vm_id)["virtualmachine"][0]


def _add_ip(sim: SimHandle, nic_id: str, **params: Any) -> dict[str, Any]:
    resp = sim.raw("addIpToNic", nicid=nic_id, **params)
    body = resp.json()
    assert list(body) == ["addiptovmnicresponse"], body  # AddIpToVmNicCmd's own response name
    if resp.status_code != 200:
        raise SimApiError(resp.status_code, body)
    return body["addiptovmnicresponse"]


def _sync_error(sim: SimHandle, nic_id: str, **params: Any) -> tuple[int, str]:
    with pytest.raises(SimApiError) as caught:
        _add_ip(sim, nic_id, **params)
    return caught.value.status, caught.value.errortext


def test_add_ip_to_a_shared_network_nic(acs_sim: SimHandle, sim_domains) -> None:
    vm = _import(acs_sim, sim_domains.create("ip2"), "shared-vlan300", **{
        "nicipaddresslist[0].nic": "0", "nicipaddresslist[0].ip4Address": "10.30.0.50"})  # fmt: skip
    nic = vm["nic"][0]
    answer = _add_ip(acs_sim, nic["id"], ipaddress="10.30.0.51")
    assert set(answer) == {"id", "jobid"}  # a BaseAsyncCreateCmd answers the new entity's id at once
    job = acs_sim.wait_job(answer["jobid"])
    assert job["jobstatus"] == 1 and job["jobresult"]["nicsecondaryip"]["ipaddress"] == "10.30.0.51"
    assert _vm(acs_sim, vm["id"])["nic"][0]["secondaryip"] == [{"id": answer["id"], "ipaddress": "10.30.0.51"}]
    # no address given: the next Free one of the network's range
    auto = acs_sim.wait_job(_add_ip(acs_sim, nic["id"])["jobid"])
    assert auto["jobresult"]["nicsecondaryip"]["ipaddress"] == "10.30.0.10"
    # taken, outside every range, and (4.22 marks import addresses Allocated) the NIC's own address
    for address in ("10.30.0.51", "10.30.0.250", "10.30.0.50"):
        assert _sync_error(acs_sim, nic["id"], ipaddress=address) == (530, "Failed to assign secondary ip to nic")


def test_the_imported_address_stays_free_before_4_20_2(acs_sim_factory, sim_domains) -> None:
    # NetworkOrchestrator.getSelectedIpForNicImport (4.19-4.21.0, 4.20.0-4.20.1): CIDR-based, the range record
    # stays Free, so CloudStack hands the imported NIC's own address out again as a secondary IP
    sim = acs_sim_factory(profile="4.20")
    vm = _import(sim, sim_domains.create("ip20"), "shared-vlan300", **{
        "nicipaddresslist[0].nic": "0", "nicipaddresslist[0].ip4Address": "10.30.0.60"})  # fmt: skip
    job = sim.wait_job(_add_ip(sim, vm["nic"][0]["id"], ipaddress="10.30.0.60")["jobid"])
    assert job["jobstatus"] == 1


def test_add_ip_refusals(acs_sim: SimHandle, sim_domains) -> None:
    l2 = _import(acs_sim, sim_domains.create("ipl2"), "l2-vlan100")
    assert _sync_error(acs_sim, l2["nic"][0]["id"], ipaddress="10.0.0.5") == (
        530,
        "Failed to assign secondary ip to nic",
    )
    shared = _import(acs_sim, sim_domains.create("ipmax"), "shared-vlan300", **{
        "nicipaddresslist[0].nic": "0", "nicipaddresslist[0].ip4Address": "auto"})  # fmt: skip
    acs_sim.call("updateConfiguration", name="vm.network.nic.max.secondary.ipaddresses", value="1")
    acs_sim.wait_job(_add_ip(acs_sim, shared["nic"][0]["id"], ipaddress="10.30.0.71")["jobid"])
    assert _sync_error(acs_sim, shared["nic"][0]["id"], ipaddress="10.30.0.72") == (
        431,
        "Allocating guest ip for nic failed : Maximum Number of Ips per Nic has been crossed.",
    )


def test_add_nic_to_a_nic_less_running_vm(acs_sim: SimHandle, sim_domains) -> None:
    dom = sim_domains.create("nonic", bridges=(), acpi=True)  # ACPI: QEMU's PCI bus then takes hotplugs
    vm = _import(acs_sim, dom, None)
    assert vm["nic"] == []
    network = ids(acs_sim)["l2-vlan100"]
    job = acs_sim.run("addNicToVirtualMachine", virtualmachineid=vm["id"], networkid=network)
    assert job["jobstatus"] == 1, job
    (nic,) = job["jobresult"]["virtualmachine"]["nic"]
    assert (nic["networkid"], nic["isdefault"], nic["deviceid"]) == (network, True, "0")  # setNicAsDefaultIfNeeded
    # PlugNicCommand: the running domain has the NIC, on the bridge of the network's VLAN
    live = sim_domains.lookup(dom.name).XMLDesc(0)
    assert nic["macaddress"] in live and "breth1-100" in live
    again = acs_sim.run("addNicToVirtualMachine", virtualmachineid=vm["id"], networkid=network)
    assert again["jobstatus"] == 2 and again["jobresult"]["errortext"] == (
        f"A NIC already exists for VM:{dom.name} in network: {network}"
    )


def test_add_nic_refusals_and_addresses(acs_sim: SimHandle, sim_domains) -> None:
    ids_ = ids(acs_sim)
    vm = _import(acs_sim, sim_domains.create("nicbad", bridges=(), acpi=True), None)
    bad = acs_sim.run(
        "addNicToVirtualMachine", virtualmachineid=vm["id"], networkid=ids_["shared-vlan300"], ipaddress="x"
    )
    assert (bad["jobstatus"], bad["jobresult"]["errorcode"]) == (2, 431)
    assert bad["jobresult"]["errortext"] == "Invalid format for IP address parameter: x"
    # a running VM on a network whose VLAN has no bridge on the host: the plug fails and nothing is recorded
    zone = acs_sim.first("listZones", "zone")["id"]
    offering = next(o["id"] for o in acs_sim.call("listNetworkOfferings")["networkoffering"]
                    if o["name"] == "DefaultL2NetworkOfferingVlan")  # fmt: skip
    lonely = acs_sim.call("createNetwork", name="l2-vlan461", zoneid=zone, networkofferingid=offering, vlan="461")
    failed = acs_sim.run("addNicToVirtualMachine", virtualmachineid=vm["id"], networkid=lonely["network"]["id"])
    assert failed["jobstatus"] == 2 and "bridge breth1-461 is missing" in failed["jobresult"]["errortext"]
    assert _vm(acs_sim, vm["id"])["nic"] == []
    # stopped: the NIC is only recorded, with the address asked for on the Shared network
    assert acs_sim.run("stopVirtualMachine", id=vm["id"])["jobstatus"] == 1
    mixed = "52:54:00-aa:bb:cc"  # separators mixed: not NetUtils.isValidMac, so validateOrReplaceMacAddress replaces it
    ok = acs_sim.run(
        "addNicToVirtualMachine",
        virtualmachineid=vm["id"],
        networkid=ids_["shared-vlan300"],
        ipaddress="10.30.0.80",
        macaddress=mixed,
    )
    (nic,) = ok["jobresult"]["virtualmachine"]["nic"]
    assert nic["ipaddress"] == "10.30.0.80"
    assert nic["macaddress"] != mixed and len(set(nic["macaddress"][2::3])) == 1, nic["macaddress"]


def test_a_nic_added_while_stopped_appears_at_the_next_start(acs_sim: SimHandle, sim_domains) -> None:
    # VirtualMachineManagerImpl.addVmToNetwork: a stopped VM only gets the database NIC; the start plans it in
    dom = sim_domains.create("nicstop", bridges=())
    vm = _import(acs_sim, dom, None)
    assert acs_sim.run("stopVirtualMachine", id=vm["id"])["jobstatus"] == 1
    job = acs_sim.run("addNicToVirtualMachine", virtualmachineid=vm["id"], networkid=ids(acs_sim)["l2-vlan200"])
    mac = job["jobresult"]["virtualmachine"]["nic"][0]["macaddress"]
    assert mac not in sim_domains.lookup(dom.name).XMLDesc(0)
    assert acs_sim.run("startVirtualMachine", id=vm["id"])["jobstatus"] == 1
    live = sim_domains.lookup(dom.name)
    assert live.isActive() and mac in live.XMLDesc(0) and "breth1-200" in live.XMLDesc(0)


def test_a_start_builds_the_config_drive(acs_sim: SimHandle, sim_domains) -> None:
    zone = acs_sim.first("listZones", "zone")["id"]
    offering = next(o["id"] for o in acs_sim.call("listNetworkOfferings")["networkoffering"]
                    if o["name"] == "DefaultL2NetworkOfferingConfigDriveVlan")  # fmt: skip
    acs_sim.call("createNetwork", name="cd-vlan210", zoneid=zone, networkofferingid=offering, vlan="210")
    vm = _import(acs_sim, sim_domains.create("cd", bridges=("breth1-200",)), "cd-vlan210")
    assert "details" not in _vm(acs_sim, vm["id"])  # the import starts nothing: no config drive yet
    assert acs_sim.run("stopVirtualMachine", id=vm["id"])["jobstatus"] == 1
    assert acs_sim.run("startVirtualMachine", id=vm["id"])["jobstatus"] == 1
    assert _vm(acs_sim, vm["id"])["details"] == {"configDriveLocation": "SECONDARY"}
    assert sim_domains.lookup(vm["instancename"]).state()[0] == libvirt.VIR_DOMAIN_RUNNING
