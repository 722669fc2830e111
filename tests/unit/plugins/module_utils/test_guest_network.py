"""guest_network's service against the simulator in-process: create, reuse, check mode, and bad input."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from acs_simulator.fixtures import embedded_seed
from acs_simulator.sim import Simulator
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.client import CloudStackClient
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import AcsIngestError, ProblemsError
from ansible_collections.acs.ingest.plugins.module_utils._services.guest_network import ensure_guest_network
from insim import make_client, make_sim


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[Simulator]:
    simulator = make_sim(tmp_path)
    yield simulator
    simulator.close()


@pytest.fixture
def client(sim: Simulator) -> CloudStackClient:
    return make_client(sim)


SHARED = {
    "type": "Shared",
    "gateway": "10.50.0.1",
    "netmask": "255.255.255.0",
    "start_ip": "10.50.0.10",
    "end_ip": "10.50.0.99",
}


def networks_with_vlan(sim, vlan: int) -> list[dict[str, Any]]:
    return [n for n in sim.store.all("network") if n.get("vlan") == str(vlan)]


def test_creates_an_l2_network_then_reuses_it(sim, client) -> None:
    first = ensure_guest_network(client, {"zone": "zone1", "vlan": 400}, check_mode=False)
    assert first["changed"] and first["outcome"] == "created"
    assert first["network"]["name"] == "l2-vlan400" and first["network"]["vlan"] == 400
    assert first["offering"]["name"] == "DefaultL2NetworkOfferingVlan"
    assert first["physical_network"]["name"] == "zone1-physnet1"
    assert first["api_call"]["params"]["vlan"] == "400"
    assert [c["command"] for c in client.api_calls][-1] == "createNetwork"
    again = ensure_guest_network(make_client(sim), {"zone": "zone1", "vlan": 400}, check_mode=False)
    assert not again["changed"] and again["outcome"] == "exists"
    assert again["network"]["id"] == first["network"]["id"]
    assert len(networks_with_vlan(sim, 400)) == 1


def test_check_mode_promises_the_call_and_changes_nothing(sim, client) -> None:
    result = ensure_guest_network(client, {"zone": "zone1", "vlan": 410, **SHARED}, check_mode=True)
    assert result["changed"] and result["outcome"] == "would_create" and result["network"] is None
    params = result["api_call"]["params"]
    assert params["startip"] == "10.50.0.10" and params["acltype"] == "Domain"
    assert result["diff"]["before"]["state"] == "absent" and result["diff"]["after"]["state"] == "present"
    assert networks_with_vlan(sim, 410) == []
    assert "createNetwork" not in [c["command"] for c in client.api_calls]


def test_shared_network_with_range(sim, client) -> None:
    result = ensure_guest_network(client, {"zone": "zone1", "vlan": 500, **SHARED}, check_mode=False)
    net = result["network"]
    assert (net["type"], net["cidr"], net["ip_ranges"]) == (
        "Shared",
        "10.50.0.0/24",
        [{"startip": "10.50.0.10", "endip": "10.50.0.99"}],
    )
    assert result["offering"]["name"] == "DefaultSharedNetworkOffering"
    again = ensure_guest_network(make_client(sim), {"zone": "zone1", "vlan": 500, **SHARED}, check_mode=False)
    assert again["outcome"] == "exists" and again["network"]["ip_ranges"] == net["ip_ranges"]


def test_existing_vlan_of_another_type_is_reused_with_a_warning(client) -> None:
    result = ensure_guest_network(client, {"zone": "zone1", "vlan": 300}, check_mode=False)
    assert not result["changed"] and result["network"]["name"] == "shared-vlan300"
    assert "Shared network" in result["warnings"][0] and "not as a L2 network" in result["warnings"][0]


def test_config_drive_offering(client) -> None:
    result = ensure_guest_network(client, {"zone": "zone1", "vlan": 420, "config_drive": True}, check_mode=False)
    assert result["offering"]["name"] == "DefaultL2NetworkOfferingConfigDriveVlan"
    assert result["network"]["config_drive"] is True


def fails(client, **options: Any) -> AcsIngestError:
    with pytest.raises(AcsIngestError) as caught:
        ensure_guest_network(client, {"zone": "zone1", "vlan": 430, **options}, check_mode=True)
    return caught.value


@pytest.mark.parametrize(
    ("options", "field", "words"),
    [
        ({"zone": "nowhere"}, "zone", "zone 'nowhere' not found; available: zone1"),
        ({"vlan": 5000}, "vlan", "is not a VLAN id"),
        ({"type": "Isolated"}, "type", "use L2 or Shared"),
        ({"network_offering": "no-such-offering"}, "network_offering", "not found"),
        ({"network_offering": "DefaultL2NetworkOffering"}, "network_offering", "specifyvlan=false"),
        ({"network_offering": "DefaultSharedNetworkOffering"}, "network_offering", "makes Shared networks, not L2"),
        ({"physical_network": "nope"}, "physical_network", "not found"),
        ({"vlan": 1050}, "vlan", "inside the guest VLAN range 1000-1099"),
        ({**SHARED, "start_ip": "10.50.0.300"}, "start_ip", "is not an IPv4 address"),
        ({**SHARED, "end_ip": "10.51.0.5"}, "end_ip", "outside 10.50.0.0/24"),
        ({**SHARED, "gateway": "10.50.0.20"}, "start_ip", "contains the gateway"),
        ({**SHARED, "netmask": "255.0.255.0"}, "netmask", "not a contiguous dotted netmask"),
        ({"type": "Shared", "gateway": "10.50.0.1"}, "netmask", "needs gateway and netmask"),
        ({"gateway": "10.50.0.1"}, "gateway", "given for an L2 network"),
    ],
)
def test_bad_input_names_the_field_and_the_fix(client, options: dict[str, Any], field: str, words: str) -> None:
    error = fails(client, **options)
    assert error.field == field, str(error)
    assert words in str(error) and "Fix:" in str(error)
    assert str(error).startswith(f"{field}: ")


def test_several_problems_are_listed_in_one_error(client) -> None:
    error = fails(client, **{**SHARED, "start_ip": "x", "end_ip": "y"})
    assert isinstance(error, ProblemsError) and error.field == "start_ip"
    lines = str(error).splitlines()
    assert [line.split(":")[0] for line in lines] == ["start_ip", "end_ip"]
    assert lines[0].startswith("start_ip: start_ip 'x' is not an IPv4 address; createNetwork on CloudStack fails")
    assert all(line.endswith("Fix: give IPv4 addresses") for line in lines)


def test_disabled_physical_network_is_refused_before_the_call(tmp_path: Path) -> None:
    seed = embedded_seed()
    seed["zones"][0]["physicalnetworks"][0]["state"] = "Disabled"
    simulator = make_sim(tmp_path, seed)
    try:
        error = fails(make_client(simulator))
        assert error.field == "physical_network" and "is Disabled" in str(error)
    finally:
        simulator.close()


def test_cloudstack_refusal_names_the_option(sim, client) -> None:
    """Another admin takes the VLAN between our look and our createNetwork: CloudStack's answer is turned
    into an error naming the option and the fix (the rule's), not a bare API failure."""
    transport = client.cs
    rival = make_client(sim)

    class Racing:
        def __getattr__(self, command: str) -> Any:
            if command == "createNetwork":
                ensure_guest_network(rival, {"zone": "zone1", "vlan": 440, "name": "rival"}, check_mode=False)
            return getattr(transport, command)

    client._cs = Racing()
    with pytest.raises(AcsIngestError) as caught:
        ensure_guest_network(client, {"zone": "zone1", "vlan": 440}, check_mode=False)
    assert caught.value.field == "vlan"
    assert "CloudStack refused createNetwork (431): Network with vlan 440 already exists" in str(caught.value)
    assert "Fix: use the existing network" in str(caught.value)


def test_ambiguous_physical_network_is_one_clear_error(tmp_path: Path) -> None:
    seed = embedded_seed()
    seed["zones"][0]["physicalnetworks"].append(
        {"name": "physnet-b", "vlan": "2000-2099", "traffictypes": {"Guest": "br2"}}
    )
    simulator = make_sim(tmp_path, seed)
    try:
        client_ = make_client(simulator)
        error = fails(client_)
        assert error.field == "physical_network" and "(physnet-b, zone1-physnet1)" in str(error)
        done = ensure_guest_network(
            client_, {"zone": "zone1", "vlan": 2050, "physical_network": "zone1-physnet1"}, check_mode=False
        )
        assert done["outcome"] == "created"
    finally:
        simulator.close()
