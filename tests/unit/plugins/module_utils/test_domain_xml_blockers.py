"""Every reason CloudStack's agent would hide a domain (facts §3.5/§3.6) or the server reject it (§2.2)."""

from __future__ import annotations

import pytest
from ansible_collections.acs.ingest.plugins.module_utils._libvirt.domain_xml import RuntimeFacts, domain_to_instance

RUNNING = RuntimeFacts(state=1, running_vcpus=1, max_memory_kib=65536, disk_capacity={"vda": 1 << 30})
GOOD_DISK = (
    "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
    "<source file='/images/a.qcow2'/><target dev='vda' bus='virtio'/></disk>"
)
GOOD_NIC = (
    "<interface type='bridge'><mac address='52:54:00:00:00:01'/><source bridge='cloudbr0'/>"
    "<model type='virtio'/></interface>"
)


def domain(devices: str, extra: str = "<cputune><shares>100</shares></cputune>") -> str:
    return f"<domain type='qemu'><name>d</name>{extra}<devices>{devices}</devices></domain>"


def blockers(xml: str, runtime: RuntimeFacts = RUNNING) -> list[str]:
    return domain_to_instance(xml, runtime)["import_blockers"]


def test_a_clean_domain_is_importable() -> None:
    inst = domain_to_instance(domain(GOOD_DISK + GOOD_NIC), RUNNING)
    assert inst["importable"] is True
    assert inst["import_blockers"] == [] and inst["import_warnings"] == []


@pytest.mark.parametrize(
    ("devices", "needle"),
    [
        (GOOD_DISK + GOOD_NIC.replace("virtio", "e1000e"), "model 'e1000e'"),
        (GOOD_DISK + GOOD_NIC.replace("<model type='virtio'/>", ""), "has no <model>"),
        (GOOD_DISK.replace("bus='virtio'", "bus='nvme'") + GOOD_NIC, "bus 'nvme'"),
        (GOOD_DISK.replace("type='qcow2'", "type='vmdk'") + GOOD_NIC, "format 'vmdk'"),
        (GOOD_DISK.replace("type='qcow2'/>", "type='qcow2' cache='unsafe'/>") + GOOD_NIC, "cache='unsafe'"),
        (GOOD_DISK.replace("type='qcow2'/>", "type='qcow2' cache='directsync'/>") + GOOD_NIC, "cache='directsync'"),
        (
            GOOD_DISK + "<disk type='network' device='disk'><driver name='qemu' type='raw'/>"
            "<source protocol='iscsi' name='iqn.x/1'><host name='10.0.0.1'/></source>"
            "<target dev='vdb' bus='virtio'/></disk>" + GOOD_NIC,
            "protocol 'iscsi'",
        ),
        (GOOD_DISK + GOOD_NIC + "<channel type='pty'><target type='virtio' name='x'/></channel>", "channel type='pty'"),
        (GOOD_DISK + GOOD_NIC + "<watchdog model='i6300esb' action='inject-nmi'/>", "action='inject-nmi'"),
        (GOOD_NIC, "no disk"),
        (
            GOOD_DISK + GOOD_NIC + GOOD_NIC.replace("virtio", "e1000").replace(":01", ":02"),
            "different models (e1000, virtio)",
        ),
        (
            GOOD_DISK
            + GOOD_DISK.replace("vda", "vdb")
            + GOOD_DISK.replace("vda", "sda").replace("bus='virtio'", "bus='sata'")
            + GOOD_NIC,
            "different buses (sata, virtio)",
        ),
        (GOOD_DISK + GOOD_NIC.replace("<mac address='52:54:00:00:00:01'/>", ""), "no MAC address"),
    ],
)
def test_each_blocker_is_reported_with_a_fix(devices: str, needle: str) -> None:
    found = blockers(domain(devices))
    assert any(needle in b for b in found), found
    assert all("fix:" in b or "Fix" in b or "rejects" in b for b in found)


def test_all_reasons_are_listed_not_just_the_first() -> None:
    devices = (
        GOOD_DISK.replace("bus='virtio'", "bus='nvme'")
        + GOOD_NIC.replace("virtio", "e1000e")
        + "<watchdog model='i6300esb' action='inject-nmi'/>"
    )
    assert len(blockers(domain(devices))) == 3


def test_no_devices_element() -> None:
    found = blockers("<domain><name>d</name><cputune><shares>1</shares></cputune></domain>")
    assert any("no <devices>" in b for b in found)


def test_cdrom_does_not_count_as_a_disk_and_its_bus_is_not_checked() -> None:
    cdrom = "<disk type='file' device='cdrom'><driver name='qemu' type='raw'/><target dev='hdc' bus='ide'/></disk>"
    inst = domain_to_instance(domain(GOOD_DISK + cdrom + GOOD_NIC), RUNNING)
    assert [d["label"] for d in inst["disk"]] == ["vda"]
    assert inst["importable"] is True


def test_shut_off_domain_cannot_be_listed_by_cloudstack() -> None:
    off = RuntimeFacts(state=5, running_vcpus=None, max_memory_kib=65536)
    found = blockers(domain(GOOD_DISK + GOOD_NIC), off)
    assert any("not running" in b and "virsh start" in b for b in found)


def test_zero_size_disk_is_rejected() -> None:
    runtime = RuntimeFacts(state=1, running_vcpus=1, max_memory_kib=65536, disk_capacity={"vda": 0})
    assert any("size 0" in b for b in blockers(domain(GOOD_DISK + GOOD_NIC), runtime))


def test_direct_interface_is_a_warning_not_a_blocker() -> None:
    direct = GOOD_NIC.replace("type='bridge'", "type='direct'").replace("bridge='cloudbr0'", "dev='eth0'")
    inst = domain_to_instance(domain(GOOD_DISK + direct), RUNNING)
    assert inst["importable"] is True
    assert any("type 'direct'" in w for w in inst["import_warnings"])


def test_vlan_tag_in_xml_wins_and_bridge_lookup_is_used_otherwise() -> None:
    tagged = GOOD_NIC.replace("<model", "<vlan><tag id='42'/></vlan><model")
    other = GOOD_NIC.replace("cloudbr0", "breth1-200").replace(":01", ":02")
    seen: list[str] = []

    def lookup(bridge: str) -> tuple[int | None, str | None]:
        seen.append(bridge)
        return (200, "host") if bridge == "breth1-200" else (None, None)

    inst = domain_to_instance(domain(GOOD_DISK + tagged + other), RUNNING, bridge_vlan=lookup)
    assert [(n["vlanid"], n["vlan_source"]) for n in inst["nic"]] == [(42, "xml"), (200, "host")]
    assert seen == ["breth1-200"]  # the tagged NIC needed no lookup


def test_memory_from_xml_units_when_libvirt_is_not_asked() -> None:
    xml = "<domain><name>m</name><memory unit='GiB'>2</memory><devices/></domain>"
    assert domain_to_instance(xml)["memory"] == 2048
    xml = "<domain><name>m</name><memory>524288</memory><devices/></domain>"  # default unit KiB
    assert domain_to_instance(xml)["memory"] == 512


@pytest.mark.parametrize(
    ("devices", "code", "field"),
    [
        (GOOD_DISK + GOOD_NIC.replace("virtio", "e1000e"), "nic_model_unknown", "interface[0]/model@type"),
        (GOOD_DISK + GOOD_NIC.replace("<model type='virtio'/>", ""), "nic_model_missing", "interface[0]/model@type"),
        (GOOD_DISK.replace("bus='virtio'", "bus='nvme'") + GOOD_NIC, "disk_bus_unknown", "disk[vda]/target@bus"),
        (GOOD_DISK.replace("type='qcow2'", "type='vmdk'") + GOOD_NIC, "disk_format_unknown", "disk[vda]/driver@type"),
        (
            GOOD_DISK.replace("type='qcow2'/>", "type='qcow2' cache='unsafe'/>") + GOOD_NIC,
            "disk_cache_unknown",
            "disk[vda]/driver@cache",
        ),
        (GOOD_DISK + GOOD_NIC + "<channel type='pty'/>", "channel_type_unknown", "channel@type"),
        (GOOD_DISK + GOOD_NIC + "<watchdog action='inject-nmi'/>", "watchdog_action_unknown", "watchdog@action"),
        (GOOD_NIC, "domain_no_disk", "devices/disk"),
        (
            GOOD_DISK + GOOD_NIC + GOOD_NIC.replace("virtio", "e1000").replace(":01", ":02"),
            "nic_adapter_mixed",  # the planner's code for the same server rule
            "interface/model@type",
        ),
        (
            GOOD_DISK + GOOD_NIC.replace("<mac address='52:54:00:00:00:01'/>", ""),
            "nic_mac_missing",
            "interface[0]/mac@address",
        ),
    ],
)
def test_each_blocker_has_a_code_and_the_xml_location_to_edit(devices: str, code: str, field: str) -> None:
    inst = domain_to_instance(domain(devices), RUNNING)
    problems = [p for p in inst["import_problems"] if p["severity"] == "blocker"]
    assert [(p["code"], p["field"]) for p in problems] == [(code, field)]
    # the documented string list is the same problems, rendered once each
    assert len(inst["import_blockers"]) == 1
    line = inst["import_blockers"][0]
    assert line == f"{field}: {problems[0]['message']}. Fix: {problems[0]['fix']}"
    assert line.count("Fix:") == 1 and "; fix:" not in line


def test_warnings_have_codes_too() -> None:
    direct = GOOD_NIC.replace("type='bridge'", "type='direct'").replace("bridge='cloudbr0'", "dev='eth0'")
    inst = domain_to_instance(domain(GOOD_DISK + direct, extra=""), RUNNING)
    assert inst["importable"] is True
    assert [(p["code"], p["severity"]) for p in inst["import_problems"]] == [
        ("nic_type_unreported", "warning"),
        ("cputune_missing", "warning"),
    ]
    assert inst["import_warnings"] == [
        f"{p['field']}: {p['message']}. Fix: {p['fix']}" for p in inst["import_problems"]
    ]
