"""Facts §1.3/§2.1/§2.2: importUnmanagedInstance checks, messages and codes, on real libvirt domains."""

from __future__ import annotations

import pytest

from acs_simulator.fixtures import SimApiError, SimHandle
from acs_simulator.testbed import DomainFactory

from .helpers import ids, import_params, job_error, unmanaged

pytestmark = pytest.mark.libvirt


def test_import_registers_vm_volumes_nics(acs_sim: SimHandle, sim_domains: DomainFactory) -> None:
    dom = sim_domains.create("imp", data_disks=1, bridges=("cloudbr0", "cloudbr1"))
    i = ids(acs_sim)
    params = import_params(
        i,
        dom.name,
        **{
            "nicnetworklist[1].nic": "1",
            "nicnetworklist[1].network": i["isolated1"],
            "nicipaddresslist[0].nic": "1",
            "nicipaddresslist[0].ip4Address": "auto",
            "datadiskofferinglist[0].disk": "1",
            "datadiskofferinglist[0].diskOffering": i["custom-size"],
        },
    )
    job = acs_sim.run("importUnmanagedInstance", **params)
    assert job["jobstatus"] == 1 and job["jobresultcode"] == 0, job
    vm = job["jobresult"]["virtualmachine"]
    assert vm["instancename"] == dom.name and vm["name"] == dom.name and vm["state"] == "Running"
    assert vm["serviceofferingid"] == i["tiny-1c-64m"] and vm["templateid"] == i["template"]
    assert vm["hostid"] == i["host"] and vm["hostname"] == "kvm1"
    nics = vm["nic"]
    assert [n["macaddress"] for n in nics] == dom.macs and nics[0]["isdefault"] and not nics[1]["isdefault"]
    # acquireGuestIpAddress picks a random free address of the isolated network's CIDR (never the gateway)
    assert nics[1]["networkid"] == i["isolated1"] and nics[1]["ipaddress"].startswith("10.40.0.")
    assert nics[1]["ipaddress"] not in ("10.40.0.0", "10.40.0.1", "10.40.0.255")
    vols = acs_sim.call("listVolumes", virtualmachineid=vm["id"])["volume"]
    by_type = {v["type"]: v["name"] for v in vols}
    vm_seq = by_type["ROOT"].removeprefix("ROOT-")
    assert vm_seq.isdigit() and by_type["DATADISK"] == f"DATA-{vm_seq}-1"
    assert {v["path"] for v in vols} == {p.name for p in dom.disks}
    assert unmanaged(acs_sim, i["cluster"], dom.name) == []  # managed now
    assert acs_sim.call("listVirtualMachines", id=vm["id"])["virtualmachine"][0]["instancename"] == dom.name


def _seq(sim: SimHandle, kind: str, obj_id: str) -> int:
    return int(next(o for o in sim.store().all(kind) if o["id"] == obj_id)["_seq"])


def _fail(sim: SimHandle, params: dict) -> tuple[int, str]:
    return job_error(sim.run("importUnmanagedInstance", **params))


def test_fixed_offering_must_match_running_vm(acs_sim: SimHandle, sim_domains: DomainFactory) -> None:
    dom = sim_domains.create("fixed")
    i = ids(acs_sim)
    code, text = _fail(acs_sim, import_params(i, dom.name, offering="small-1c-128m"))
    assert code == 530
    # 4.22 prints the UnmanagedInstanceTO and the ServiceOfferingVO (toString), older releases name and UUID
    assert text.startswith(f'Failed to import Unmanaged VM [UnmanagedInstanceTO {{"name":"{dom.name}",')
    assert text.endswith(
        f"is not compatible due to [Service offering ({i['small-1c-128m']}) 128MB memory does not match "
        "VM memory 64MB and VM is not in powered off state (Power state: PowerOn)]."
    )


def test_custom_constrained_offering_bounds(acs_sim: SimHandle, sim_domains: DomainFactory) -> None:
    dom = sim_domains.create("custom")
    i = ids(acs_sim)
    job = acs_sim.run("importUnmanagedInstance", **import_params(i, dom.name, offering="custom-constrained"))
    vm = job["jobresult"]["virtualmachine"]
    assert (vm["cpunumber"], vm["memory"]) == (1, 64)


def test_datadisk_count_rule(acs_sim: SimHandle, sim_domains: DomainFactory) -> None:
    dom = sim_domains.create("disks", data_disks=1)
    code, text = _fail(acs_sim, import_params(ids(acs_sim), dom.name))
    assert (code, text) == (
        530,
        "VM has total 2 disks for which 0 disk offering mappings provided. 1 disks need a disk offering for import",
    )


def test_fixed_disk_offering_too_small_is_fine_for_64m(acs_sim: SimHandle, sim_domains: DomainFactory) -> None:
    dom = sim_domains.create("fixdisk", data_disks=1)
    i = ids(acs_sim)
    job = acs_sim.run(
        "importUnmanagedInstance",
        **import_params(
            i, dom.name, **{"datadiskofferinglist[0].disk": "1", "datadiskofferinglist[0].diskOffering": i["fixed-1g"]}
        ),
    )
    assert job["jobstatus"] == 1


def test_map_parameter_validation(acs_sim: SimHandle, sim_domains: DomainFactory) -> None:
    dom = sim_domains.create("maps")
    i = ids(acs_sim)
    bogus = "00000000-0000-0000-0000-00000000beef"
    code, text = _fail(acs_sim, import_params(i, dom.name, **{"nicnetworklist[0].network": bogus}))
    assert (code, text) == (431, f"Network ID: {bogus} for NIC ID: 0 is invalid")
    code, text = _fail(
        acs_sim,
        import_params(i, dom.name, **{"nicipaddresslist[0].nic": "0", "nicipaddresslist[0].ip4Address": "10.1.1"}),
    )
    assert (code, text) == (431, "IP address '10.1.1' for NIC ID: 0 is invalid")


def test_non_l2_network_needs_ip(acs_sim: SimHandle, sim_domains: DomainFactory) -> None:
    dom = sim_domains.create("noip")
    i = ids(acs_sim)
    code, text = _fail(acs_sim, import_params(i, dom.name, network="shared-vlan300"))
    assert code == 530 and text == (
        f"NIC(ID: 0) needs a valid IP address for it to be associated with network(ID: "
        f"{i['shared-vlan300']}). nicipaddresslist parameter of API can be used for this"
    )
    code, text = _fail(
        acs_sim,
        import_params(
            i,
            dom.name,
            network="shared-vlan300",
            **{"nicipaddresslist[0].nic": "0", "nicipaddresslist[0].ip4Address": "10.30.0.5"},
        ),
    )
    # 10.30.0.5 is in the CIDR (the pre-check passes) but outside the IP range .10-.200: 4.22's importNic wants a
    # Free address record of the shared network's ranges (NetworkOrchestrator.getSelectedIpForNicImportOnSharedNetwork)
    assert text == (
        f"Failed to import NICs while importing vm: {dom.name}. Cannot find a free IP to assign to VM NIC on "
        "network shared-vlan300"
    )
    code, text = _fail(
        acs_sim,
        import_params(
            i,
            dom.name,
            network="shared-vlan300",
            **{"nicipaddresslist[0].nic": "0", "nicipaddresslist[0].ip4Address": "10.30.0.1"},
        ),
    )
    assert text == f"IP address 10.30.0.1 for NIC(ID: 0) is not available in network(ID: {i['shared-vlan300']})"


def test_auto_mapping_without_vlan_fails_on_kvm(acs_sim: SimHandle, sim_domains: DomainFactory) -> None:
    dom = sim_domains.create("auto")
    i = ids(acs_sim)
    params = import_params(i, dom.name)
    del params["nicnetworklist[0].nic"], params["nicnetworklist[0].network"]
    assert _fail(acs_sim, params) == (530, "Suitable network for nic(ID: 0) not found during VM import")


def test_hostname_rules(acs_sim: SimHandle, sim_domains: DomainFactory) -> None:
    dom = sim_domains.create("host")
    i = ids(acs_sim)
    code, text = _fail(acs_sim, import_params(i, dom.name, displayname="bad name"))
    assert code == 431 and text.startswith("Please provide a valid hostname for the VM.")
    code, text = _fail(acs_sim, import_params(i, dom.name, hostname="1abc"))
    assert code == 431 and text.startswith("Invalid VM hostname. VM hostname can contain ASCII letters")


def test_template_required_before_422(acs_sim_factory, sim_domains: DomainFactory) -> None:
    dom = sim_domains.create("tmpl")
    old = acs_sim_factory(profile="4.20")
    params = import_params(ids(old), dom.name)
    del params["templateid"]
    assert _fail(old, params) == (431, "Template is needed and unable to use default template for hypervisor KVM")
    # 4.22 creates the KVM dummy template but marks it removed at once; commitUserVm then cannot find it
    # (rootdisksize is always set for same-cluster KVM imports). Read from the source, not run on a server.
    new = acs_sim_factory(profile="4.22")
    params = import_params(ids(new), dom.name)
    del params["templateid"]
    code, text = _fail(new, params)
    assert code == 431 and text.startswith("Unable to look up template by id ")


def test_mac_conflict_and_forced(acs_sim: SimHandle, sim_domains: DomainFactory) -> None:
    first = sim_domains.create("mac1")
    second = sim_domains.create("mac2", macs=list(first.macs))
    i = ids(acs_sim)
    assert acs_sim.run("importUnmanagedInstance", **import_params(i, first.name))["jobstatus"] == 1
    code, text = _fail(acs_sim, import_params(i, second.name))
    assert code == 530 and text == (
        f"Failed to import NICs while importing vm: {second.name}. NIC with MAC address "
        f'{first.macs[0]} exists on network Network {{"id": {_seq(acs_sim, "network", i["l2-vlan100"])}, '
        f'"name": "l2-vlan100", "uuid": "{i["l2-vlan100"]}", "networkofferingid": 1}} and forced flag is disabled'
    )
    assert unmanaged(acs_sim, i["cluster"], second.name), "a failed import leaves the VM unmanaged"
    job = acs_sim.run("importUnmanagedInstance", **import_params(i, second.name, forced="true"))
    assert job["jobresult"]["virtualmachine"]["nic"][0]["macaddress"] != first.macs[0]


def test_missing_required_parameter_is_synchronous(acs_sim: SimHandle) -> None:
    i = ids(acs_sim)
    with pytest.raises(SimApiError) as err:
        acs_sim.call("importUnmanagedInstance", clusterid=i["cluster"], name="x")
    assert err.value.status == 431
    assert err.value.errortext == (
        "Unable to execute API command importunmanagedinstance due to missing parameter serviceofferingid"
    )


def test_tags_on_imported_vm(acs_sim: SimHandle, sim_domains: DomainFactory) -> None:
    dom = sim_domains.create("tags")
    i = ids(acs_sim)
    vm = acs_sim.run("importUnmanagedInstance", **import_params(i, dom.name))["jobresult"]["virtualmachine"]
    job = acs_sim.run(
        "createTags",
        resourceids=vm["id"],
        resourcetype="UserVm",
        **{"tags[0].key": "acs.ingest/source", "tags[0].value": "kvm1"},
    )
    assert job["jobstatus"] == 1 and job["jobresult"] == {"success": True}
    found = acs_sim.call("listVirtualMachines", **{"tags[0].key": "acs.ingest/source", "tags[0].value": "kvm1"})
    assert [v["id"] for v in found["virtualmachine"]] == [vm["id"]]
    assert found["virtualmachine"][0]["tags"][0]["key"] == "acs.ingest/source"
    assert acs_sim.call("listVirtualMachines", **{"tags[0].key": "acs.ingest/source", "tags[0].value": "x"}) == {}
    assert acs_sim.call("listTags", resourceid=vm["id"])["tag"][0]["value"] == "kvm1"
    acs_sim.run("deleteTags", resourceids=vm["id"], resourcetype="UserVm", **{"tags[0].key": "acs.ingest/source"})
    assert acs_sim.call("listTags", resourceid=vm["id"]) == {}
    # clusterid is not a listVirtualMachines parameter in CloudStack: it is ignored, not applied.
    assert acs_sim.call("listVirtualMachines", clusterid="00000000-0000-0000-0000-000000000000")["count"] == 1
