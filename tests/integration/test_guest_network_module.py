"""acs.ingest.guest_network through ansible-playbook against the simulator: check mode, create, rerun, errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import test_import_unmanaged_support as support
from acs_simulator.fixtures import SimHandle
from test_import_unmanaged_support import commands, run_module, run_module_cases, sim_env, store_rows

installed_collection = support.installed_collection

pytestmark = [pytest.mark.slow]

SHARED = {
    "type": "Shared",
    "gateway": "10.50.0.1",
    "netmask": "255.255.255.0",
    "start_ip": "10.50.0.10",
    "end_ip": "10.50.0.99",
}


def test_create_l2_and_shared_check_mode_first_then_rerun(acs_sim_factory, installed_collection, tmp_path: Path):
    sim = acs_sim_factory(profile="4.22")
    env = sim_env(sim, tmp_path / "journal", installed_collection)
    for args in ({"zone": "zone1", "vlan": 400}, {"zone": "zone1", "vlan": 500, **SHARED}):
        before = store_rows(sim, "network", "vlaniprange")
        preview = run_module(tmp_path, "guest_network", args, env, check=True, diff=True)
        assert not preview.get("failed"), preview.get("msg")
        assert preview["changed"] and preview["outcome"] == "would_create"
        assert preview["diff"]["after"]["create_call"]["command"] == "createNetwork"
        assert "createNetwork" not in commands(preview)
        assert store_rows(sim, "network", "vlaniprange") == before

        done = run_module(tmp_path, "guest_network", args, env, diff=True)
        assert not done.get("failed"), done.get("msg")
        assert done["changed"] and done["outcome"] == "created"
        assert done["api_call"]["params"] == preview["api_call"]["params"]  # check mode promised this call
        assert commands(done).count("createNetwork") == 1
        assert done["network"]["vlan"] == args["vlan"]

        again = run_module(tmp_path, "guest_network", args, env, diff=True)
        assert not again.get("failed") and not again["changed"] and again["outcome"] == "exists"
        assert "diff" not in again or again["diff"]["before"] == again["diff"]["after"]
        assert "createNetwork" not in commands(again)
        assert again["network"]["id"] == done["network"]["id"]

    listed = {n["name"]: n for n in sim.call("listNetworks")["network"]}
    assert listed["l2-vlan400"]["broadcasturi"] == "vlan://400"
    assert listed["shared-vlan500"]["cidr"] == "10.50.0.0/24"
    ranges = sim.call("listVlanIpRanges", networkid=listed["shared-vlan500"]["id"])["vlaniprange"]
    assert [(r["startip"], r["endip"]) for r in ranges] == [("10.50.0.10", "10.50.0.99")]
    assert sim.api_secret not in done["_stdout"]


BAD_INPUT = [
    ({"zone": "zone9", "vlan": 400}, "zone: zone 'zone9' not found; available: zone1"),
    ({"zone": "zone1", "vlan": 1050}, "vlan: VLAN 1050 is inside the guest VLAN range 1000-1099"),
    ({"zone": "zone1", "vlan": 400, "network_offering": "nope"}, "network_offering: network offering 'nope' not found"),
    (
        {"zone": "zone1", "vlan": 400, "physical_network": "nope"},
        "physical_network: physical network 'nope' not found",
    ),
    ({"zone": "zone1", "vlan": 500, **SHARED, "end_ip": "10.50.1.300"}, "end_ip: end_ip '10.50.1.300' is not an IPv4"),
    ({"zone": "zone1", "vlan": 500, **SHARED, "start_ip": "10.50.0.200"}, "end_ip: the range 10.50.0.200-10.50.0.99"),
]


@pytest.fixture(scope="module")
def refused(installed_collection, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[dict[str, Any]]]:
    """Every BAD_INPUT case as one task of one playbook run against one simulator: each is refused
    before any write (the test checks no createNetwork went out), so they cannot affect each other."""
    work = tmp_path_factory.mktemp("guest-network-bad-input")
    sim = SimHandle(work / "sim", None, "4.22")
    try:
        yield run_module_cases(
            work, "guest_network", [args for args, _ in BAD_INPUT], sim_env(sim, work / "journal", installed_collection)
        )
    finally:
        sim.stop()


@pytest.mark.parametrize("case", range(len(BAD_INPUT)), ids=[message.split(":")[0] for _, message in BAD_INPUT])
def test_bad_input_is_one_clear_error(refused: list[dict[str, Any]], case: int):
    result, message = refused[case], BAD_INPUT[case][1]
    assert result.get("failed")
    assert result["msg"].startswith(message), result["msg"]
    assert "Fix: " in result["msg"] and "Traceback" not in result["_stdout"]
    assert "createNetwork" not in commands(result)
