"""Host network facts (bridges, 802.1Q devices, Open vSwitch) and domain NIC attachments, from text."""

from __future__ import annotations

from pathlib import Path

import pytest
from ansible_collections.acs.ingest.plugins.module_utils._libvirt.nic_attachments import domain_nics, parse_network_xml
from ansible_collections.acs.ingest.plugins.module_utils._libvirt.vlan import (
    HostNetFacts,
    bridge_vlan_from_facts,
    host_facts_from_root,
    parse_host_facts,
)
from ansible_collections.acs.ingest.plugins.module_utils._services.network_hosts import nic_record

# What HOST_FACTS_SCRIPT prints on a KVM host with Linux VLAN bridges, an untagged bridge and Open vSwitch
# (CloudStack's OVS layout: cloudbr0 with a fake bridge breth0-300 for VLAN 300, and a tagged guest port).
SCRIPT_OUTPUT = """BR breth1-100 eth1.100 vnet0 vnet3
BR breth1-200 bond0.200 vnet1
BR cloudbr1 eth1
BR br-empty
MASTER vnet0 breth1-100
MASTER eth1 cloudbr1
VLAN eth1.100 100 eth1
VLAN bond0.200 200
OVSBR cloudbr0
OVSBR breth0-300 cloudbr0 300
OVSPORT cloudbr0 eth0 []
OVSPORT cloudbr0 vnet7 500
OVSPORT breth0-300 vnet8 []
noise from a login banner
END
"""


@pytest.fixture
def facts() -> HostNetFacts:
    return parse_host_facts(SCRIPT_OUTPUT)


def test_script_output_is_parsed(facts: HostNetFacts) -> None:
    assert facts.source == "ssh" and facts.known
    assert facts.bridges["breth1-100"] == ["eth1.100", "vnet0", "vnet3"]
    assert facts.uplinks("breth1-100") == ["eth1.100"]
    assert facts.vlan_devices == {"eth1.100": (100, "eth1"), "bond0.200": (200, None)}
    assert facts.masters["vnet3"] == "breth1-100"  # from the bridge's ports when /sys has no master link
    assert facts.ovs_bridges == {"cloudbr0": (None, None), "breth0-300": ("cloudbr0", 300)}
    assert facts.ovs_ports["vnet7"] == ("cloudbr0", 500) and facts.ovs_ports["eth0"] == ("cloudbr0", None)


@pytest.mark.parametrize(
    ("bridge", "port", "expected"),
    [
        ("breth1-100", None, (100, "vlan-subinterface", "eth1.100", "eth1", None)),
        ("breth1-200", None, (200, "vlan-subinterface", "bond0.200", "bond0", None)),  # parent from the name
        ("cloudbr1", None, ("untagged", "untagged", "eth1", "eth1", None)),
        ("br-empty", None, ("untagged", "untagged", None, None, None)),
        ("breth9-900", None, (900, "bridge-name", None, "eth9", None)),  # not on the host: CloudStack's name
        ("virbr7", None, (None, "unknown", None, None, None)),
        ("cloudbr0", "vnet7", (500, "ovs-port-tag", "eth0", "eth0", "cloudbr0")),
        ("breth0-300", "vnet8", (300, "ovs-fake-bridge", "eth0", "eth0", "cloudbr0")),
        ("cloudbr0", "vnet99", ("untagged", "untagged", "eth0", "eth0", "cloudbr0")),
    ],
)
def test_bridge_vlan(facts: HostNetFacts, bridge: str, port: str | None, expected: tuple) -> None:
    found = bridge_vlan_from_facts(bridge, facts, port)
    assert (found.vlan, found.source, found.uplink, found.physical_interface, found.ovs_bridge) == expected


def test_without_host_facts_only_names_speak() -> None:
    none = HostNetFacts()
    assert bridge_vlan_from_facts("breth1-100", none).source == "bridge-name"
    assert bridge_vlan_from_facts("cloudbr1", none).source == "unknown"  # untagged cannot be told from unknown


def test_local_root_gives_the_same_facts(tmp_path: Path) -> None:
    brif = tmp_path / "sys/class/net/breth1-100/brif"
    brif.mkdir(parents=True)
    (brif / "eth1.100").touch()
    (brif / "vnet0").touch()
    (tmp_path / "proc/net/vlan").mkdir(parents=True)
    (tmp_path / "proc/net/vlan/eth1.100").write_text("eth1.100  VID: 100\t REORDER_HDR: 1\nDevice: eth1\n")
    (tmp_path / "proc/net/vlan/config").write_text("VLAN Dev name | VLAN ID\n")
    local = host_facts_from_root(str(tmp_path))
    assert local.source == "local"
    assert local.bridges == {"breth1-100": ["eth1.100", "vnet0"]}
    assert local.vlan_devices == {"eth1.100": (100, "eth1")}
    assert local.masters["vnet0"] == "breth1-100"
    assert host_facts_from_root(str(tmp_path / "missing")).bridges == {}


DOMAIN = """<domain type='qemu'><name>web</name><devices>
  <interface type='bridge'><mac address='52:54:00:00:00:01'/><source bridge='breth1-100'/>
    <target dev='vnet0'/><model type='virtio'/></interface>
  <interface type='bridge'><mac address='52:54:00:00:00:02'/><source bridge='cloudbr1'/>
    <vlan><tag id='42'/></vlan><model type='virtio'/></interface>
  <interface type='bridge'><mac address='52:54:00:00:00:03'/><source bridge='cloudbr0'/>
    <virtualport type='openvswitch'><parameters interfaceid='x'/></virtualport>
    <target dev='vnet7'/><model type='virtio'/></interface>
  <interface type='bridge'><mac address='52:54:00:00:00:04'/><source bridge='cloudbr1'/>
    <vlan trunk='yes'><tag id='10'/><tag id='20' nativeMode='untagged'/></vlan><model type='e1000'/></interface>
  <interface type='network'><mac address='52:54:00:00:00:05'/><source network='lab' portgroup='web'/>
    <model type='virtio'/></interface>
  <interface type='direct'><mac address='52:54:00:00:00:06'/><source dev='eth1.100' mode='bridge'/>
    <model type='virtio'/></interface>
</devices></domain>"""
NETWORK = """<network><name>lab</name><forward mode='bridge'/><bridge name='brlab'/>
  <virtualport type='openvswitch'/><vlan><tag id='7'/></vlan>
  <portgroup name='web'><vlan><tag id='8'/></vlan></portgroup></network>"""


def test_domain_nics_and_their_records(facts: HostNetFacts) -> None:
    nics = domain_nics(DOMAIN)
    assert [(n.nic_id, n.type, n.mac) for n in nics][:2] == [
        ("0", "bridge", "52:54:00:00:00:01"),
        ("1", "bridge", "52:54:00:00:00:02"),
    ]
    lab = parse_network_xml(NETWORK)
    assert (lab.bridge, lab.forward, lab.virtualport, lab.vlan.single, lab.portgroups["web"].single) == (
        "brlab",
        "bridge",
        "openvswitch",
        7,
        8,
    )
    records = [nic_record(nic, {"lab": lab}, facts) for nic in nics]
    summary = [(r["bridge"], r["vlan"], r["vlan_source"], r["ovs_bridge"], r["physical_interface"]) for r in records]
    assert summary == [
        ("breth1-100", 100, "vlan-subinterface", None, "eth1"),
        ("cloudbr1", 42, "xml-tag", None, "eth1"),  # the XML tag wins over the untagged bridge
        ("cloudbr0", 500, "ovs-port-tag", "cloudbr0", "eth0"),
        ("cloudbr1", None, "xml-trunk", None, "eth1"),
        ("brlab", 8, "libvirt-network", "brlab", None),  # the port group's VLAN
        (None, 100, "vlan-subinterface", None, "eth1"),  # macvtap on a VLAN device
    ]
    assert records[3]["vlan_tags"] == [10, 20] and records[0]["port"] == "vnet0"
