"""The catalog fetcher and the id-or-name lookups against the real simulator, in-process.

No network and no libvirt: the simulator's request handler (signature check, parameter
processing, list commands) is called directly through a tiny transport that stands where the
``cs`` library's HTTP session would be. Everything above the transport is the production code.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from acs_simulator.fixtures import embedded_seed
from acs_simulator.sim import Simulator
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.catalog import (
    fetch_macs_in_use,
    fetch_network_usage,
    fetch_owner_accounts,
    fetch_owner_projects,
    fetch_zone_catalog,
    planned_network_ids,
)
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.client import (
    CloudStackClient,
)
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.lookup import (
    find_cluster,
    find_domain,
    find_project,
    find_zone,
    is_uuid,
)
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import InputError
from ansible_collections.acs.ingest.plugins.module_utils._planner.build import build_import_plan
from ansible_collections.acs.ingest.plugins.module_utils._planner.wishes import Wishes
from insim import make_client, make_sim


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[Simulator]:
    seed = embedded_seed()
    seed["zones"][0]["clusters"].append({"name": "vmware1", "hypervisor": "VMware", "hosts": []})
    seed["zones"].append({"name": "zone2", "networks": [{"name": "l2-zone2", "type": "L2", "vlan": 100}]})
    simulator = make_sim(tmp_path, seed)
    yield simulator
    simulator.close()


@pytest.fixture
def client(sim: Simulator) -> CloudStackClient:
    return make_client(sim)


def zone1(sim: Simulator) -> dict[str, Any]:
    return sim.store.first("zone", name="zone1")


def test_zone_catalog_has_only_that_zones_guest_networks_and_kvm_templates(sim, client) -> None:
    catalog = fetch_zone_catalog(client, zone1(sim)["id"])
    assert sorted(n["name"] for n in catalog.networks) == ["isolated1", "l2-vlan100", "l2-vlan200", "shared-vlan300"]
    assert sorted(o["name"] for o in catalog.service_offerings) == [
        "custom-constrained",
        "custom-unconstrained",
        "small-1c-128m",
        "tiny-1c-64m",
    ]
    assert sorted(o["name"] for o in catalog.disk_offerings) == ["custom-size", "fixed-1g"]
    assert [t["name"] for t in catalog.templates] == ["kvm-template"]
    # zone1's clusters only (zone2 has none), each with the allocation state the cluster rule reads
    assert {c["name"] for c in catalog.clusters} == {
        c["name"] for c in sim.store.all("cluster") if c["zoneid"] == zone1(sim)["id"]
    }
    assert "vmware1" in {c["name"] for c in catalog.clusters}
    assert all(c["allocationstate"] == "Enabled" for c in catalog.clusters)
    assert sorted(c["command"] for c in client.api_calls) == [  # sent together: any order
        "listCapabilities",
        "listClusters",
        "listDiskOfferings",
        "listHosts",
        "listNetworks",
        "listServiceOfferings",
        "listStoragePools",
        "listTemplates",
    ]
    assert catalog.storage_pools and all(pool["path"] for pool in catalog.storage_pools)
    assert catalog.cloudstack_version.count(".") >= 2


def test_catalog_feeds_the_planner(sim, client) -> None:
    """A listUnmanagedInstances-shaped instance planned against the fetched catalog."""
    zone = zone1(sim)
    catalog = fetch_zone_catalog(client, zone["id"])
    instance = {
        "name": "web01",
        "clusterid": sim.store.first("cluster", name="cluster1")["id"],
        "powerstate": "PowerOn",
        "cpunumber": 1,
        "memory": 64,
        "nic": [{"id": "0", "macaddress": "52:54:00:00:00:01", "vlanid": 300, "adaptertype": "virtio"}],
        "disk": [{"id": "0", "label": "vda", "capacity": 2**30, "controller": "virtio"}],
    }
    wishes = {"template": "kvm-template", "service_offering": "tiny-1c-64m"}
    plan = build_import_plan(instance, Wishes.from_mapping(wishes), catalog.as_planner_input(), zone_id=zone["id"])
    assert plan.ok, plan.problem_lines()
    shared = sim.store.first("network", name="shared-vlan300")["id"]
    assert plan.params["nicnetworklist"] == [{"nic": "0", "network": shared}]
    assert plan.params["nicipaddresslist"] == [{"nic": "0", "ip4Address": "auto"}]
    assert planned_network_ids(plan.params) == [shared]


def test_macs_in_use_come_from_vms_on_that_network_only(sim, client) -> None:
    l2 = sim.store.first("network", name="l2-vlan100")["id"]
    other = sim.store.first("network", name="l2-vlan200")["id"]
    vm = sim.store.put("vm", {"name": "old", "instancename": "old", "state": "Running", "zoneid": zone1(sim)["id"]})
    sim.store.put(
        "nic", {"virtualmachineid": vm["id"], "networkid": l2, "macaddress": "52:54:00:AA:BB:01", "deviceid": 0}
    )
    sim.store.put(
        "nic", {"virtualmachineid": vm["id"], "networkid": other, "macaddress": "52:54:00:aa:bb:02", "deviceid": 1}
    )
    macs = fetch_macs_in_use(client, [l2, l2])
    assert macs == {l2.lower(): ["52:54:00:aa:bb:01"]}
    assert [c["command"] for c in client.api_calls] == ["listVirtualMachines"], "one call per distinct network"


class _Lists:
    """list_all over fixed answers, recording the calls."""

    def __init__(self, answers: dict[tuple[str, str], list[dict[str, Any]]]) -> None:
        self.answers, self.calls = answers, []

    def list_all(self, command: str, **params: Any) -> list[dict[str, Any]]:
        self.calls.append((command, params.get("networkid")))
        return self.answers.get((command, params.get("networkid")), [])


def test_network_usage_of_several_shared_networks_keeps_each_networks_ranges() -> None:
    nets = [{"id": "S1", "type": "Shared"}, {"id": "s2", "type": "Shared"}, {"id": "l2", "type": "L2"}]
    vm = {"name": "web", "nic": [{"networkid": "s1", "macaddress": "52:54:00:AA:00:01", "ipaddress": "10.0.0.5"}]}
    client = _Lists(
        {
            ("listVirtualMachines", "s1"): [vm],
            ("listVlanIpRanges", "s1"): [{"startip": "10.0.0.10", "endip": "10.0.0.20"}],
            ("listVlanIpRanges", "s2"): [{"startip": "10.0.1.10", "endip": "10.0.1.20"}],
        }
    )
    usage = fetch_network_usage(client, ["s1", "s2", "l2", "s1"], nets)
    assert usage["ip_ranges"] == {"s1": [["10.0.0.10", "10.0.0.20"]], "s2": [["10.0.1.10", "10.0.1.20"]]}
    assert usage["macs_in_use"]["s1"] == ["52:54:00:aa:00:01"] and usage["ips_in_use"]["s1"] == ["10.0.0.5"]
    assert usage["names_on_network"] == {"s1": ["web"], "s2": [], "l2": []}
    assert ("listVlanIpRanges", "l2") not in client.calls and len(client.calls) == 5


def test_cluster_by_name_by_id_and_wrong_values(sim, client) -> None:
    cluster = sim.store.first("cluster", name="cluster1")
    assert find_cluster(client, "cluster1")["id"] == cluster["id"]
    assert find_cluster(client, cluster["id"])["name"] == "cluster1"
    assert find_cluster(client, "CLUSTER1")["id"] == cluster["id"]  # a case slip is forgiven when unique
    with pytest.raises(InputError) as missing:
        find_cluster(client, "cluster9")
    assert missing.value.field == "cluster"
    assert f"cluster1 ({cluster['id']})" in str(missing.value) and "Fix:" in str(missing.value)
    with pytest.raises(InputError) as unknown_id:
        find_cluster(client, "9b8e7f00-0000-4000-8000-000000000000")
    assert "no cluster with id" in str(unknown_id.value) and "cluster1" in str(unknown_id.value)
    with pytest.raises(InputError) as vmware:
        find_cluster(client, "vmware1")
    assert "runs VMware" in str(vmware.value)


def test_zone_and_domain_lookups(sim, client) -> None:
    assert find_zone(client, "zone2")["name"] == "zone2"
    with pytest.raises(InputError) as err:
        find_zone(client, "zone3")
    assert "available: zone1" in str(err.value) and "zone2" in str(err.value)
    root = sim.store.first("domain", name="ROOT")
    assert find_domain(client, "ROOT")["id"] == root["id"]
    with pytest.raises(InputError) as bad_path:
        find_domain(client, "ROOT/nobody")
    assert bad_path.value.field == "domain" and "ROOT" in str(bad_path.value)


def test_is_uuid() -> None:
    assert is_uuid("9B8E7F00-0000-4000-8000-000000000000")
    assert not is_uuid("cluster1") and not is_uuid(None) and not is_uuid("9b8e7f00-0000")


def test_network_usage_of_a_shared_network_followed_by_another() -> None:
    """The ranges of a Shared network must not hide the catalog rows of the networks after it."""

    class Client:
        def list_all(self, command: str, **params: Any) -> list[dict[str, Any]]:
            if command == "listVlanIpRanges":
                return [{"startip": "10.4.0.10", "endip": "10.4.0.50"}]
            return []

    networks = [{"id": "N-SHARED", "type": "Shared"}, {"id": "n-l2", "type": "L2"}, {"id": "n-sh2", "type": "Shared"}]
    usage = fetch_network_usage(Client(), ["n-shared", "n-l2", "n-sh2"], networks)
    assert usage["ip_ranges"] == {
        "n-shared": [["10.4.0.10", "10.4.0.50"]],
        "n-sh2": [["10.4.0.10", "10.4.0.50"]],
    }
    assert set(usage["macs_in_use"]) == {"n-shared", "n-l2", "n-sh2"}


def test_owner_accounts_are_fetched_once_per_account_and_domain_id(sim, client) -> None:
    admin = sim.store.all("account")[0]
    owners = [(admin["name"], admin["domainid"]), (admin["name"].upper(), admin["domainid"]), ("ops", "ROOT")]
    rows = fetch_owner_accounts(client, owners)
    assert rows == [{"id": admin["id"], "name": admin["name"], "domainid": admin["domainid"], "state": "enabled"}]
    # the same account twice (case aside) is one call; a domain given by name is not sent (CloudStack wants an id)
    assert [c["command"] for c in client.api_calls] == ["listAccounts"]
    missing = fetch_owner_accounts(client, [("nobody", admin["domainid"])])
    assert missing == [{"id": None, "name": "nobody", "domainid": admin["domainid"], "state": None}]


def test_owner_projects_are_read_by_id_with_their_state(tmp_path) -> None:
    seed = embedded_seed()
    seed["projects"] = [{"name": "web", "state": "Suspended"}, {"name": "db"}]
    simulator = make_sim(tmp_path, seed)
    try:
        client = make_client(simulator)
        web = simulator.store.first("project", name="web")
        rows = fetch_owner_projects(client, [web["id"], web["id"].upper(), "not-a-uuid"])
        assert rows == [{"id": web["id"], "name": "web", "state": "Suspended"}]
        assert [c["command"] for c in client.api_calls] == ["listProjects"]
        # the project lookup by name (module option project) works against the same command
        assert find_project(client, "db")["name"] == "db"
    finally:
        simulator.close()
