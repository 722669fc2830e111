"""The agent rules on domain XML as libvirt itself renders it (not hand-written strings).

- ``test://`` driver (libvirt's in-memory test hypervisor, a node file we write): device types QEMU
  TCG cannot run here (macvtap and hostdev NICs, RBD and iSCSI disks, spice channels, ...). libvirt
  parses, validates and re-serialises each domain, so the rules see what a real host would give them.
- ``qemu:///system`` with ``<domain type='qemu'>``: running and shut-off domains whose live XML and
  libvirt runtime facts (running vCPUs, state) decide the verdict.

Each domain differs from a listable baseline in one device, so its expected drop codes are exact.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from ansible_collections.acs.ingest.plugins.module_utils._libvirt.host import list_domains
from ansible_collections.acs.ingest.plugins.module_utils._rules.agent_listing import AgentRuntime, agent_view
from infra.domains import DiskSpec, DomainFactory, NicSpec, domain_factory
from test_unmanaged_instance_info import installed_collection, run_module  # noqa: F401 (autouse: installs once)

pytestmark = [pytest.mark.libvirt]
V22, V21, V20_0 = (4, 22, 0), (4, 21, 0), (4, 20, 0)

DISK = (
    "<disk type='file' device='disk'><driver name='qemu' type='qcow2' cache='none'/>"
    "<source file='/var/lib/libvirt/images/{name}.qcow2'/><target dev='vda' bus='virtio'/></disk>"
)
PCI = "<address type='pci' domain='0x0000' bus='0x00' slot='0x{slot:02x}' function='0x0'/>"
BRIDGE_NIC = (
    "<interface type='bridge'><mac address='52:54:00:7e:00:{n:02x}'/><source bridge='br0'/>"
    "<model type='{model}'/>" + PCI + "</interface>"
)
# name -> (devices besides the baseline disk, drop codes on a 4.22 agent)
TEST_DRIVER_DOMAINS: dict[str, tuple[str, set[str]]] = {
    "baseline": (BRIDGE_NIC.format(n=1, model="virtio", slot=3), set()),
    "macvtap": (
        "<interface type='direct'><mac address='52:54:00:7e:00:02'/><source dev='eth0' mode='bridge'/>"
        "<model type='virtio'/>" + PCI.format(slot=3) + "</interface>",
        {"nic_model_not_parsed"},
    ),
    "usernet": (
        "<interface type='user'><mac address='52:54:00:7e:00:03'/><model type='virtio'/>"
        + PCI.format(slot=3)
        + "</interface>",
        {"nic_model_not_parsed"},
    ),
    "e1000e": (BRIDGE_NIC.format(n=4, model="e1000e", slot=3), {"nic_model_unknown"}),
    "ne2k": (BRIDGE_NIC.format(n=5, model="ne2k_pci", slot=3), {"nic_model_unknown"}),
    "no-pci": (
        BRIDGE_NIC.format(n=6, model="virtio", slot=3).replace(PCI.format(slot=3), ""),
        {"nic_pci_slot_missing"},
    ),
    "rbd-no-cache": (
        BRIDGE_NIC.format(n=7, model="virtio", slot=3)
        + "<disk type='network' device='disk'><driver name='qemu' type='raw'/>"
        "<source protocol='rbd' name='pool/img'><host name='mon1' port='6789'/></source>"
        "<target dev='vdb' bus='virtio'/></disk>",
        {"network_disk_cache_blank"},
    ),
    "iscsi": (
        BRIDGE_NIC.format(n=8, model="virtio", slot=3)
        + "<disk type='network' device='disk'><driver name='qemu' type='raw' cache='none'/>"
        "<source protocol='iscsi' name='iqn.2024-01.org.example:t/1'><host name='10.0.0.1' port='3260'/></source>"
        "<target dev='vdb' bus='virtio'/></disk>",
        {"network_disk_protocol_unknown"},
    ),
    "spice-channel": (
        BRIDGE_NIC.format(n=9, model="virtio", slot=3)
        + "<graphics type='spice' autoport='yes'><channel name='main' mode='secure'/></graphics>",
        {"graphics_channel_untyped"},
    ),
    "pty-channel": (
        BRIDGE_NIC.format(n=10, model="virtio", slot=3)
        + "<channel type='pty'><target type='virtio' name='x'/></channel>",
        {"channel_type_unsupported"},
    ),
    "inject-nmi": (
        BRIDGE_NIC.format(n=11, model="virtio", slot=3) + "<watchdog model='i6300esb' action='inject-nmi'/>",
        {"watchdog_action_unsupported"},
    ),
    "long-vnc-password": (
        BRIDGE_NIC.format(n=12, model="virtio", slot=3)
        + "<graphics type='vnc' port='-1' autoport='yes' passwd='ThisPasswordIsTooLong123'/>",
        {"vnc_password_too_long"},
    ),
    "sd-bus": (
        BRIDGE_NIC.format(n=13, model="virtio", slot=3)
        + "<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='/i/b.img'/>"
        "<target dev='sdb' bus='sd'/></disk>",
        {"disk_bus_unknown"},
    ),
}


def _node_file(tmp: Path) -> Path:
    domains = []
    for name, (devices, _) in TEST_DRIVER_DOMAINS.items():
        domains.append(
            f"<domain type='test'><name>{name}</name><memory unit='KiB'>1048576</memory><vcpu>2</vcpu>"
            "<os><type arch='x86_64'>hvm</type></os><cputune><shares>2048</shares></cputune>"
            f"<devices>{DISK.format(name=name)}{devices}</devices></domain>"
        )
    node = tmp / "node.xml"
    node.write_text("<node>" + "".join(domains) + "</node>")
    return node


def test_test_driver_domains_hit_exactly_their_rules(tmp_path: Path) -> None:
    # read-write, as the agent does: a read-only connection hides the console password (VIR_DOMAIN_XML_SECURE)
    records = {r.name: r for r in list_domains(f"test://{_node_file(tmp_path)}", readonly=False)}
    assert set(records) == set(TEST_DRIVER_DOMAINS)
    for name, (_, expected) in TEST_DRIVER_DOMAINS.items():
        record = records[name]
        runtime = AgentRuntime(
            state=record.runtime.state,
            running_vcpus=record.runtime.running_vcpus,
            max_memory_kib=record.runtime.max_memory_kib,
        )
        view = agent_view(record.xml, "unmanaged", V22, runtime, name=name)
        assert {f.code for f in view.drops} == expected, (name, [f.line() for f in view.drops])
        assert view.listed is not expected
        if not expected:
            assert (view.fields["cpunumber"], view.fields["cpuspeed"], view.fields["memory"]) == (2, 1024, 1024)


@pytest.fixture(scope="module")
def qemu_bed() -> Iterator[DomainFactory]:
    with domain_factory() as factory:
        factory.create("tuned", cputune_shares=1000, vcpus=2)
        factory.create("untuned", nics=[NicSpec("cloudbr0")])
        factory.create("e1000e", cputune_shares=1000, nics=[NicSpec("cloudbr0", model="e1000e")])
        factory.create("off", running=False, cputune_shares=1000, disks=[DiskSpec(8)])
        yield factory


def _views(bed: DomainFactory, version: tuple[int, int, int], listing: str = "unmanaged") -> dict[str, object]:
    views = {}
    for record in list_domains("qemu:///system"):
        if record.name.startswith(bed.prefix):
            runtime = AgentRuntime(
                state=record.runtime.state,
                running_vcpus=record.runtime.running_vcpus,
                max_memory_kib=record.runtime.max_memory_kib,
            )
            views[record.name[len(bed.prefix) :]] = agent_view(record.xml, listing, version, runtime, name=record.name)
    return views


def test_qemu_domains_by_agent_version(qemu_bed: DomainFactory) -> None:
    now, old = _views(qemu_bed, V22), _views(qemu_bed, V20_0)
    codes = {name: {f.code for f in view.drops} for name, view in now.items()}  # type: ignore[attr-defined]
    assert codes == {"tuned": set(), "untuned": set(), "e1000e": {"nic_model_unknown"}, "off": {"domain_not_running"}}
    assert now["tuned"].fields["cpuspeed"] == 500 and now["untuned"].fields["cpuspeed"] is None  # type: ignore[attr-defined]
    # 4.20.0 agents read <cputune><shares> unguarded: the untuned domain is dropped there.
    assert {f.code for f in old["untuned"].drops} == {"cputune_missing"}  # type: ignore[attr-defined]
    # listVmsForImport takes only the shut-off domain (the running ones are not shut off).
    remote = _views(qemu_bed, V21, "remote")
    assert remote["off"].listed and not remote["tuned"].listed  # type: ignore[attr-defined]


def test_the_module_reports_rule_codes_for_the_test_driver(tmp_path: Path) -> None:
    """unmanaged_instance_info source=libvirt on the test:// node: every blocked domain names its rule codes."""
    node = _node_file(tmp_path)
    rc, result, out = run_module(["source=libvirt", f"uri=test://{node}", "agent_version=4.22"])
    assert rc == 0, out
    found = {i["name"]: i for i in result["instances"]}
    for name, (_, expected) in TEST_DRIVER_DOMAINS.items():
        if name == "long-vnc-password":
            expected = set()  # the module reads read-only: libvirt hides the console password
        codes = {p["code"] for p in found[name]["import_problems"] if p["severity"] == "blocker"}
        assert codes == expected, (name, found[name]["import_blockers"])
        assert found[name]["importable"] is (not expected)
        assert found[name]["agent_version"] == "4.22.0"
