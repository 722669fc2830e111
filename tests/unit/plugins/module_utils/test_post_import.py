"""post_import's service against the simulator in-process (no libvirt): secondary IPs, a NIC for a NIC-less VM,
what needs a restart, check mode, reruns, and bad input. Imported VMs are written into the simulator's state
the way its importUnmanagedInstance records them; stop/start of real domains is the integration test's part."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from acs_simulator.sim import Simulator
from acs_simulator.store import stable_uuid
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.client import CloudStackClient
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import AcsIngestError, InputError, ProblemsError
from ansible_collections.acs.ingest.plugins.module_utils._services.post_import import post_import, split_ips
from insim import make_client, make_sim


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[Simulator]:
    simulator = make_sim(tmp_path, knobs={"job_duration": 0.01})
    yield simulator
    simulator.close()


@pytest.fixture
def client(sim: Simulator) -> CloudStackClient:
    return make_client(sim)


def imported(
    sim: Simulator, name: str, nics: list[tuple[str, str | None]], state: str = "Stopped", **extra: Any
) -> dict:
    """A VM as importUnmanagedInstance records it, with NICs on (network name, address)."""
    zone = sim.store.first("zone", name="zone1")
    vm = sim.store.put(
        "vm",
        {"name": name, "displayname": name, "instancename": name, "state": state, "zoneid": zone["id"],
         "zonename": "zone1", "account": "admin", "hypervisor": "KVM", "lasthostid": stable_uuid("host", "kvm1"),
         "hostid": stable_uuid("host", "kvm1") if state == "Running" else None, **extra},
    )  # fmt: skip
    for index, (network_name, address) in enumerate(nics):
        network = sim.store.first("network", name=network_name)
        sim.store.put(
            "nic",
            {"virtualmachineid": vm["id"], "networkid": network["id"], "networkname": network_name,
             "macaddress": f"52:54:00:aa:00:{index:02x}", "deviceid": str(index), "isdefault": index == 0,
             "type": network["type"], "ipaddress": address},
        )  # fmt: skip
    return vm


def run(client: CloudStackClient, check: bool = False, **options: Any) -> tuple[dict[str, Any], list[str]]:
    warnings: list[str] = []
    result = post_import(client, {"zone": "zone1", **options}, check_mode=check, warn=warnings.append)
    return result, warnings


def nic_ips_of(sim: Simulator, vm: dict) -> list[str]:
    nic = sim.store.find("nic", virtualmachineid=vm["id"])[0]
    return sorted(row["ipaddress"] for row in sim.store.find("nicsecondaryip", nicid=nic["id"]))


def test_split_ips() -> None:
    assert split_ips("10.0.0.5, 10.0.0.6 10.0.0.7") == ["10.0.0.5", "10.0.0.6", "10.0.0.7"]
    assert split_ips(["10.0.0.5"]) == ["10.0.0.5"] and split_ips("auto") == [] and split_ips(None) == []


def test_secondary_ips_from_the_plan_check_mode_then_real_then_rerun(sim, client) -> None:
    vm = imported(sim, "web01", [("shared-vlan300", "10.30.0.50")])
    options = {"instance_name": "web01", "nic_ips": {"0": "10.30.0.50,10.30.0.51,10.30.0.52"}}
    preview, _warnings = run(client, check=True, **options)
    assert preview["changed"] and [a["action"] for a in preview["actions"]] == ["add_ip", "add_ip"]
    assert preview["actions"][0]["api_call"]["command"] == "addIpToNic" and nic_ips_of(sim, vm) == []
    done, _warnings = run(make_client(sim), **options)
    assert done["changed"] and nic_ips_of(sim, vm) == ["10.30.0.51", "10.30.0.52"]
    assert done["diff"]["after"]["nics"][0]["secondary"] == ["10.30.0.51", "10.30.0.52"]
    again, _warnings = run(make_client(sim), **options)
    assert not again["changed"] and again["actions"] == []


def test_secondary_ips_by_mac_and_from_the_guest(sim, client) -> None:
    vm = imported(sim, "web02", [("shared-vlan300", "10.30.0.60")])
    result = post_import(
        client,
        {"zone": "zone1", "instance_name": "web02", "secondary_ips": {"52:54:00:AA:00:00": ["10.30.0.61"]}},
        check_mode=False,
        warn=lambda _w: None,
        guest_addresses={"52:54:00:aa:00:00": ["10.30.0.60", "10.30.0.62", "fd00::5"]},  # IPv6 and the primary skipped
    )
    assert [a["api_call"]["params"]["ipaddress"] for a in result["actions"]] == ["10.30.0.61", "10.30.0.62"]
    assert nic_ips_of(sim, vm) == ["10.30.0.61", "10.30.0.62"]


@pytest.mark.parametrize(
    ("nics", "options", "field", "words"),
    [
        ([("l2-vlan100", None)], {"nic_ips": {"0": "10.1.0.5,10.1.0.6"}}, "nic_ips[0]", "takes no secondary IP"),
        (
            [("shared-vlan300", "10.30.0.70")],
            {"nic_ips": {"0": "10.30.0.70,10.30.0.250"}},
            "nic_ips[0]",
            "outside the IP ranges 10.30.0.10-10.30.0.200",
        ),  # fmt: skip
        (
            [("shared-vlan300", "10.30.0.70")],
            {"secondary_ips": {"0": "10.30.0.1"}},
            "secondary_ips[0]",
            "outside the IP ranges",
        ),  # fmt: skip
        ([("shared-vlan300", "10.30.0.70")], {"nic_ips": {"5": "a,b"}}, "nic_ips[5]", "the VM has no NIC 5"),
    ],
)
def test_secondary_ip_problems_before_any_call(sim, client, nics, options, field, words) -> None:
    imported(sim, "bad01", nics)
    with pytest.raises(AcsIngestError) as caught:
        run(client, instance_name="bad01", **options)
    assert caught.value.field == field and words in str(caught.value) and "Fix:" in str(caught.value)
    assert "addIpToNic" not in [c["command"] for c in client.api_calls]


def test_a_nic_for_a_nic_less_vm(sim, client) -> None:
    vm = imported(sim, "bare01", [])
    options = {"instance_name": "bare01", "add_nic": {"network": "l2-vlan200"}}
    done, _warnings = run(client, **options)
    assert [a["action"] for a in done["actions"]] == ["add_nic"]
    (nic,) = sim.store.find("nic", virtualmachineid=vm["id"])
    assert nic["networkname"] == "l2-vlan200" and nic["isdefault"] is True
    again, _warnings = run(make_client(sim), **options)
    assert not again["changed"]  # it has a NIC now
    with pytest.raises(InputError) as caught:
        run(make_client(sim), instance_name="bare01", add_nic={"network": "nowhere"})
    assert caught.value.field == "add_nic.network"


def test_restart_needs_are_reported_and_opt_in(sim, client) -> None:
    zone = sim.store.first("zone", name="zone1")["id"]
    offering = sim.store.first("networkoffering", name="DefaultL2NetworkOfferingConfigDriveVlan")["id"]
    client.call("createNetwork", name="cd-vlan210", zoneid=zone, networkofferingid=offering, vlan="210")
    imported(sim, "cd01", [("cd-vlan210", None)], state="Running")
    reported, warnings = run(client, check=True, instance_name="cd01")
    assert reported["needs_restart"] == ["config_drive", "console"] and reported["actions"] == []
    assert "needs a stop and start through CloudStack (config_drive, console)" in warnings[0]
    planned, warnings = run(client, check=True, instance_name="cd01", restart=True, restart_for=["config_drive"])
    assert [a["action"] for a in planned["actions"]] == ["tag", "stop", "start", "tag", "tag"]
    assert planned["actions"][0]["api_call"]["params"]["tags[0].value"] == "pending:config_drive"
    assert "downtime" in warnings[0] and planned["changed"]


def test_a_vm_restarted_before_or_shut_off_needs_nothing(sim, client) -> None:
    imported(sim, "tagged01", [("l2-vlan100", None)], state="Running")
    vm = sim.store.first("vm", name="tagged01")
    sim.store.put(
        "tag", {"key": "acs.ingest.restarted", "value": "console", "resourceid": vm["id"], "resourcetype": "UserVm"}
    )
    imported(sim, "off01", [("l2-vlan100", None)], state="Stopped")
    for name in ("tagged01", "off01"):
        result, warnings = run(client, instance_name=name, restart=True)
        assert result["needs_restart"] == [] and not result["changed"] and warnings == []
    external, _warnings = run(client, instance_name="tagged01", imported_live=True)
    assert external["needs_restart"] == []  # the tag wins: CloudStack started it since


def test_bad_input(sim, client) -> None:
    with pytest.raises(InputError) as caught:
        run(client, instance_name="nobody")
    assert caught.value.field == "instance_name" and "run the import first" in str(caught.value)
    with pytest.raises(InputError) as caught:
        post_import(client, {"instance_name": "x"}, check_mode=True, warn=print)
    assert caught.value.field == "zone"
    with pytest.raises(InputError) as caught:
        run(client, instance_name="x", restart_for=["reboot"])
    assert caught.value.field == "restart_for"
    imported(sim, "bad02", [("shared-vlan300", "10.30.0.80")])
    with pytest.raises(ProblemsError):
        run(client, instance_name="bad02", secondary_ips={"0": "not-an-ip"})


def test_a_restart_an_earlier_run_began_is_finished(sim, client) -> None:
    imported(sim, "half01", [("l2-vlan100", None)], state="Stopped")
    vm = sim.store.first("vm", name="half01")
    sim.store.put("tag", {"key": "acs.ingest.restarted", "value": "pending:console", "resourceid": vm["id"],
                          "resourcetype": "UserVm"})  # fmt: skip
    planned, _warnings = run(client, check=True, instance_name="half01")  # even without restart=true
    assert [a["api_call"]["command"] for a in planned["actions"]] == ["startVirtualMachine", "deleteTags", "createTags"]
    assert planned["actions"][2]["api_call"]["params"]["tags[0].value"] == "console" and planned["restarted"]


def test_a_running_vm_with_a_stale_mark_is_judged_afresh(sim, client) -> None:
    imported(sim, "stale01", [("l2-vlan100", None)], state="Running")
    vm = sim.store.first("vm", name="stale01")
    sim.store.put("tag", {"key": "acs.ingest.restarted", "value": "pending:console", "resourceid": vm["id"],
                          "resourcetype": "UserVm"})  # fmt: skip
    reported, _warnings = run(client, check=True, instance_name="stale01")
    assert reported["needs_restart"] == ["console"] and not reported["restarted"]
    planned, _warnings = run(client, check=True, instance_name="stale01", restart=True)
    assert [a["api_call"]["command"] for a in planned["actions"]][:3] == [
        "deleteTags",
        "createTags",
        "stopVirtualMachine",
    ]
