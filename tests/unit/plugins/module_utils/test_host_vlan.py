"""VLAN lookups against a fake /sys + /proc tree (the test bed's kernel has no 802.1Q)."""

from __future__ import annotations

from pathlib import Path

import pytest
from ansible_collections.acs.ingest.plugins.module_utils._libvirt.vlan import (
    bridge_ports,
    resolve_bridge_vlan,
    vlan_from_bridge_name,
    vlan_of_bridge,
    vlan_of_interface,
)


def make_root(tmp_path: Path, bridges: dict[str, list[str]], vlans: dict[str, str]) -> str:
    for bridge, ports in bridges.items():
        brif = tmp_path / "sys" / "class" / "net" / bridge / "brif"
        brif.mkdir(parents=True)
        for port in ports:
            (brif / port).touch()
    vlan_dir = tmp_path / "proc" / "net" / "vlan"
    vlan_dir.mkdir(parents=True)
    for interface, text in vlans.items():
        (vlan_dir / interface).write_text(text)
    return str(tmp_path)


# Shape of the kernel's /proc/net/vlan/<dev> file (first line carries "VID: <n>").
PROC_VLAN_100 = (
    "eth1.100  VID: 100\t REORDER_HDR: 1  dev->priv_flags: 1001\n"
    "         total frames received            0\n"
    "Device: eth1\nINGRESS priority mappings: 0:0  1:0\n"
)


@pytest.mark.parametrize(
    ("bridge", "vlan"),
    [
        ("breth1-100", 100),
        ("breth1-2765", 2765),
        ("brbond0-42", 42),
        ("breth1.5-7", 7),
        ("cloudVirBr300", 300),
        ("cloudbr0", None),
        ("cloudbr1", None),
        ("cloud0", None),
        ("virbr0", None),
        ("breth1-0", None),
        ("breth1-4095", None),
        ("breth1-", None),
        ("", None),
        (None, None),
    ],
)
def test_vlan_from_bridge_name(bridge: str | None, vlan: int | None) -> None:
    assert vlan_from_bridge_name(bridge) == vlan


def test_vlan_of_bridge_reads_the_uplink_vid(tmp_path: Path) -> None:
    root = make_root(
        tmp_path,
        {"cloudbr5": ["vnet3", "eth1.100", "tap0"], "cloudbr0": ["eth0", "vnet1"]},
        {"eth1.100": PROC_VLAN_100},
    )
    assert bridge_ports("cloudbr5", root) == ["eth1.100", "tap0", "vnet3"]
    assert vlan_of_interface("eth1.100", root) == 100
    assert vlan_of_bridge("cloudbr5", root) == 100
    # An untagged uplink and an unknown bridge have no VLAN.
    assert vlan_of_bridge("cloudbr0", root) is None
    assert vlan_of_bridge("nosuchbr", root) is None


def test_guest_ports_are_never_taken_for_the_uplink(tmp_path: Path) -> None:
    # Even if a guest tap happened to have a vlan file, it is not the bridge's uplink.
    root = make_root(tmp_path, {"br0": ["vnet7"]}, {"vnet7": "vnet7  VID: 9\n"})
    assert vlan_of_bridge("br0", root) is None


def test_names_cannot_escape_the_root(tmp_path: Path) -> None:
    root = make_root(tmp_path, {}, {})
    (tmp_path / "secret").write_text("x VID: 5\n")
    assert vlan_of_interface("../../../secret", root) is None
    assert vlan_of_bridge("../secret", root) is None


def test_file_without_vid_line(tmp_path: Path) -> None:
    root = make_root(tmp_path, {"br1": ["eth2.7"]}, {"eth2.7": "garbage\n"})
    assert vlan_of_bridge("br1", root) is None


def test_resolve_prefers_the_host_over_the_name(tmp_path: Path) -> None:
    # The name says 100 but the host knows better (the uplink is eth1.200).
    root = make_root(tmp_path, {"breth1-100": ["eth1.200"]}, {"eth1.200": "eth1.200  VID: 200\n"})
    assert resolve_bridge_vlan("breth1-100", root) == (200, "host")
    assert resolve_bridge_vlan("breth1-100", None) == (100, "bridge-name")
    assert resolve_bridge_vlan("cloudbr0", root) == (None, None)


def test_real_host_without_8021q_falls_back_to_the_name() -> None:
    # This machine's kernel has no /proc/net/vlan; the bridges come from hack/services.sh.
    assert resolve_bridge_vlan("breth1-200", "/") == (200, "bridge-name")
