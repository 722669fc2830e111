"""acs.ingest.network_discovery_info on real QEMU domains, against the simulator, through ansible-playbook.

The kernel here has no 802.1Q, so a prepared /sys + /proc tree stands for the KVM host's: bridge
breth1-100 has the VLAN device eth1.100 as its uplink, cloudbr1 has eth1.400 (VLAN 400, which no CloudStack
network carries until guest_network makes one), cloudbr0 has plain eth0 (untagged). The same tree is read
locally (local URI), over SSH as the unprivileged test user (its root is world-readable), and handed to the
simulator's agent so CloudStack's view agrees.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import test_import_unmanaged_support as support
from infra.domains import NicSpec
from test_import_unmanaged_support import commands, run_module, sim_env, store_rows

installed_collection = support.installed_collection
kvm_domains = support.kvm_domains

pytestmark = [pytest.mark.libvirt, pytest.mark.ssh, pytest.mark.slow]
SSH_USER = os.environ.get("ACS_INGEST_SSH_USER", "acsimport")
SSH_PASSWORD = os.environ.get("ACS_INGEST_SSH_PASSWORD", "acs-import-test-pw")
UPLINKS = {"breth1-100": ("eth1.100", 100), "cloudbr1": ("eth1.400", 400), "cloudbr0": ("eth0", None)}


@pytest.fixture
def host_root() -> Iterator[Path]:
    """A /sys + /proc tree for the KVM host, readable by the SSH test user (pytest's tmp dirs are 0700)."""
    root = Path(tempfile.mkdtemp(prefix="acs-nd-root-"))
    for bridge, (uplink, vlan) in UPLINKS.items():
        (root / "sys/class/net" / bridge / "brif" / uplink).mkdir(parents=True)
        if vlan is not None:
            (root / "proc/net/vlan").mkdir(parents=True, exist_ok=True)
            (root / "proc/net/vlan" / uplink).write_text(
                f"{uplink}  VID: {vlan}\t REORDER_HDR: 1  dev->priv_flags: 1001\nDevice: eth1\n"
            )
    for path in [root, *root.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    yield root
    shutil.rmtree(root, ignore_errors=True)


def by_bridge(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n["bridge"]: n for n in result["networks"]}


def cluster_args(prefix: str, root: Path, **extra: Any) -> dict[str, Any]:
    return {
        "clusters": ["cluster1"],
        "host_uris": {"kvm1": "qemu:///system"},
        "vlan_root": str(root),
        "name_filter": f"^{prefix}",
        **extra,
    }


def test_cluster_discovery_create_and_rediscover(
    acs_sim_factory, kvm_domains, installed_collection, host_root, tmp_path
):
    sim = acs_sim_factory(profile="4.22", proc_root=str(host_root))
    env = sim_env(sim, tmp_path / "journal", installed_collection)
    web = kvm_domains("ndweb", bridges=("breth1-100", "cloudbr1"))
    flat = kvm_domains("ndflat", bridges=("cloudbr0",))
    prefix = support.PREFIX + "nd"
    before = store_rows(sim, "network", "vm")

    found = run_module(tmp_path, "network_discovery_info", cluster_args(prefix, host_root), env, check=True)
    assert not found.get("failed"), found.get("msg")
    assert not found["changed"] and store_rows(sim, "network", "vm") == before
    nets = by_bridge(found)
    assert set(nets) == {"breth1-100", "cloudbr1", "cloudbr0"}
    v100, v400, untagged = nets["breth1-100"], nets["cloudbr1"], nets["cloudbr0"]
    assert (v100["vlan"], v100["vlan_source"], v100["uplink"], v100["physical_interface"]) == (
        100,
        "vlan-subinterface",
        "eth1.100",
        "eth1",
    )
    assert v100["status"] == "exists" and v100["cloudstack_network"]["name"] == "l2-vlan100"
    assert (v400["vlan"], v400["status"], v400["cloudstack_network"]) == (400, "missing", None)
    assert (untagged["vlan"], untagged["status"]) == ("untagged", "untagged")
    assert [(vm["name"], vm["nic"], vm["mac"], vm["model"]) for vm in v400["vms"]] == [
        (web.name, "1", web.macs[1], "virtio")
    ]
    assert [vm["name"] for vm in untagged["vms"]] == [flat.name]
    assert all(n["host"] == "kvm1" and n["cluster"] == "cluster1" and n["zone"] == "zone1" for n in found["networks"])
    assert [m["vlan"] for m in found["missing"]] == [400]
    assert found["hosts"][0]["facts"] == "local" and found["hosts"][0]["error"] is None
    plan = {row["vlan"]: row for row in found["networks_plan"]}
    assert plan["400"]["create"] is True and plan["100"]["create"] is False
    assert {"listClusters", "listHosts", "listVirtualMachines", "listNetworks"} <= set(commands(found))

    # the same facts over SSH, as the unprivileged test user
    over_ssh = run_module(
        tmp_path,
        "network_discovery_info",
        cluster_args(prefix, host_root, ssh={"username": SSH_USER, "password": SSH_PASSWORD, "root": str(host_root)}),
        env,
    )
    assert not over_ssh.get("failed"), over_ssh.get("msg")
    assert over_ssh["hosts"][0]["facts"] == "ssh"
    assert {b: (n["vlan"], n["vlan_source"]) for b, n in by_bridge(over_ssh).items()} == {
        b: (n["vlan"], n["vlan_source"]) for b, n in nets.items()
    }
    assert SSH_PASSWORD not in over_ssh["_stdout"]

    created = run_module(tmp_path, "guest_network", {"zone": "zone1", "vlan": 400}, env)
    assert created["changed"] and created["outcome"] == "created", created.get("msg")

    again = run_module(tmp_path, "network_discovery_info", cluster_args(prefix, host_root), env)
    v400 = by_bridge(again)["cloudbr1"]
    assert v400["status"] == "exists" and v400["cloudstack_network"]["name"] == "l2-vlan400"
    assert again["missing"] == [] and not again["changed"]
    assert {row["vlan"]: row["create"] for row in again["networks_plan"]}["400"] is False


@pytest.mark.external_host
def test_external_host_over_tcp_and_ssh(
    acs_sim_factory, external_test_domains, installed_collection, host_root, tmp_path
):
    sim = acs_sim_factory(profile="4.22")
    env = sim_env(sim, tmp_path / "journal", installed_collection)
    dom = external_test_domains.create("nd", running=False, nics=[NicSpec("breth1-100"), NicSpec("cloudbr1", vlan=410)])
    args = {
        "external_hosts": [
            {
                "host": "127.0.0.2",
                "zone": "zone1",
                "username": SSH_USER,
                "password": SSH_PASSWORD,
                "root": str(host_root),
            }
        ],
        "name_filter": f"^{dom.name}$",
    }
    found = run_module(tmp_path, "network_discovery_info", args, env)
    assert not found.get("failed"), found.get("msg")
    assert found["hosts"][0]["facts"] == "ssh" and found["hosts"][0]["uri"] == "qemu+tcp://127.0.0.2/system"
    nets = by_bridge(found)
    assert (nets["breth1-100"]["vlan"], nets["breth1-100"]["vlan_source"], nets["breth1-100"]["status"]) == (
        100,
        "vlan-subinterface",
        "exists",
    )
    # the <vlan><tag> in the XML wins over what the bridge's uplink carries
    assert (nets["cloudbr1"]["vlan"], nets["cloudbr1"]["vlan_source"], nets["cloudbr1"]["status"]) == (
        410,
        "xml-tag",
        "missing",
    )
    assert nets["cloudbr1"]["vms"][0]["state"] == "shutoff" and nets["cloudbr1"]["source"] == "external"
    assert SSH_PASSWORD not in found["_stdout"]


def test_an_unreachable_host_is_reported_and_the_rest_discovered(
    acs_sim_factory, kvm_domains, installed_collection, tmp_path
):
    sim = acs_sim_factory(profile="4.22")
    env = sim_env(sim, tmp_path / "journal", installed_collection)
    dom = kvm_domains("ndone", bridges=("breth1-100",))
    args = {
        "libvirt_uris": [
            {"uri": "qemu+tcp://127.0.0.9/system", "zone": "zone1"},
            {"uri": "qemu:///system", "zone": "zone1"},
        ],
        "name_filter": f"^{dom.name}$",
    }
    found = run_module(tmp_path, "network_discovery_info", args, env)
    assert not found.get("failed"), found.get("msg")
    errors = {h["uri"]: h["error"] for h in found["hosts"]}
    assert "cannot connect to libvirt at qemu+tcp://127.0.0.9/system" in errors["qemu+tcp://127.0.0.9/system"]
    assert errors["qemu:///system"] is None
    assert [n["vlan"] for n in found["networks"]] == [100]
    assert "was not discovered" in found["_stdout"]

    nothing = run_module(tmp_path, "network_discovery_info", {"libvirt_uris": [args["libvirt_uris"][0]]}, env)
    assert nothing.get("failed") and nothing["msg"].startswith("libvirt_uris: no host could be discovered")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"clusters": ["nope"]}, "clusters[0]: cluster 'nope' not found; available: cluster1"),
        (
            {"libvirt_uris": [{"uri": "qemu:///system", "zone": "zone9"}]},
            "libvirt_uris[0].zone: zone 'zone9' not found",
        ),
        ({}, "clusters: nothing to discover"),
        (
            {"libvirt_uris": [{"uri": "qemu:///system"}], "name_filter": "("},
            "name_filter: '(' is not a regular expression",
        ),
    ],
)
def test_bad_input(acs_sim_factory, installed_collection, tmp_path, args: dict[str, Any], message: str):
    sim = acs_sim_factory(profile="4.22")
    env = sim_env(sim, tmp_path / "journal", installed_collection)
    result = run_module(tmp_path, "network_discovery_info", args, env)
    assert result.get("failed") and result["msg"].startswith(message), result["msg"]
    assert "Fix:" in result["msg"] and "Traceback" not in result["_stdout"]
