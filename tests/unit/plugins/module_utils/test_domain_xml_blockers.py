"""Import blockers of a libvirt domain: the rules catalogue applied by ``domain_to_instance``.

The rules themselves are tested per rule and version in ``rules/``; here: that a domain's result
carries every finding as a Problem with its catalogue code, that the agent version decides, and
that the keys the module documents (importable, import_blockers, import_warnings, import_problems)
stay as they are.
"""

from __future__ import annotations

import pytest
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import InputError
from ansible_collections.acs.ingest.plugins.module_utils._libvirt.domain_xml import RuntimeFacts, domain_to_instance
from ansible_collections.acs.ingest.plugins.module_utils._rules.registry import CATALOGUE

RUNNING = RuntimeFacts(state=1, running_vcpus=1, max_memory_kib=65536, disk_capacity={"vda": 1 << 30})
GOOD_DISK = (
    "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
    "<source file='/images/a.qcow2'/><target dev='vda' bus='virtio'/></disk>"
)
GOOD_NIC = (
    "<interface type='bridge'><mac address='52:54:00:00:00:01'/><source bridge='cloudbr0'/>"
    "<model type='virtio'/><address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/></interface>"
)


def domain(devices: str, extra: str = "<cputune><shares>100</shares></cputune>") -> str:
    return f"<domain type='qemu'><name>d</name>{extra}<devices>{devices}</devices></domain>"


def codes(xml: str, runtime: RuntimeFacts = RUNNING, **kwargs: object) -> list[str]:
    return [p["code"] for p in domain_to_instance(xml, runtime, **kwargs)["import_problems"]]


def test_a_clean_domain_is_importable() -> None:
    inst = domain_to_instance(domain(GOOD_DISK + GOOD_NIC), RUNNING)
    assert inst["importable"] is True
    assert inst["import_blockers"] == [] and inst["import_warnings"] == [] and inst["import_problems"] == []
    assert inst["agent_version"] == "4.22.0"


@pytest.mark.parametrize(
    ("devices", "code"),
    [
        (GOOD_DISK + GOOD_NIC.replace("'virtio'", "'e1000e'"), "nic_model_unknown"),
        (GOOD_DISK + GOOD_NIC.replace("<model type='virtio'/>", ""), "nic_model_missing"),
        (GOOD_DISK + GOOD_NIC.replace("type='bridge'", "type='direct'"), "nic_model_not_parsed"),
        (GOOD_DISK.replace("bus='virtio'", "bus='nvme'") + GOOD_NIC, "disk_bus_unknown"),
        (GOOD_DISK.replace("type='qcow2'", "type='vmdk'") + GOOD_NIC, "disk_format_unknown"),
        (GOOD_DISK.replace("type='qcow2'/>", "type='qcow2' cache='directsync'/>") + GOOD_NIC, "disk_cache_unknown"),
        (
            GOOD_DISK + GOOD_NIC + "<channel type='pty'><target type='virtio' name='x'/></channel>",
            "channel_type_unsupported",
        ),
        (GOOD_DISK + GOOD_NIC + "<watchdog model='i6300esb' action='inject-nmi'/>", "watchdog_action_unsupported"),
        (GOOD_NIC, "no_disks"),
        (GOOD_DISK + GOOD_NIC + GOOD_NIC.replace("'virtio'", "'e1000'").replace(":01", ":02"), "nic_adapters_mixed"),
        (
            GOOD_DISK
            + GOOD_DISK.replace("vda", "vdb")
            + GOOD_DISK.replace("vda", "sda").replace("bus='virtio'", "bus='sata'")
            + GOOD_NIC,
            "data_disk_controllers_mixed",
        ),
        (GOOD_DISK + GOOD_NIC.replace("<mac address='52:54:00:00:00:01'/>", ""), "mac_invalid"),
    ],
)
def test_each_blocker_is_a_catalogue_problem_with_a_fix(devices: str, code: str) -> None:
    inst = domain_to_instance(domain(devices), RUNNING)
    problems = inst["import_problems"]
    assert code in [p["code"] for p in problems], inst["import_blockers"]
    assert inst["importable"] is False
    for problem in problems:
        assert problem["code"] in CATALOGUE and problem["field"] and problem["message"] and problem["fix"]
        assert problem["severity"] in ("blocker", "warning") and problem["subject"] == "d"
    # the documented lines render the same problems, one line each, with the fix
    assert len(inst["import_blockers"]) == sum(p["severity"] == "blocker" for p in problems)
    assert all("Fix: " in line and "\n" not in line for line in inst["import_blockers"])


def test_all_reasons_are_listed_not_just_the_first() -> None:
    devices = (
        GOOD_DISK.replace("bus='virtio'", "bus='nvme'")
        + GOOD_NIC.replace("'virtio'", "'e1000e'")
        + "<watchdog model='i6300esb' action='inject-nmi'/>"
    )
    assert codes(domain(devices)) == ["disk_bus_unknown", "nic_model_unknown", "watchdog_action_unsupported"]


def test_the_agent_version_decides() -> None:
    untuned = domain(GOOD_DISK + GOOD_NIC, extra="")
    assert codes(untuned) == []
    assert codes(untuned, agent_version="4.20.0") == ["cputune_missing"]
    assert codes(untuned, agent_version=(4, 20, 1)) == []
    itco = domain(GOOD_DISK + GOOD_NIC + "<watchdog model='itco' action='reset'/>")
    assert codes(itco, agent_version="4.19.0") == ["watchdog_model_unsupported"]
    assert codes(itco, agent_version="4.19.1") == []


@pytest.mark.parametrize("text", ["4", "latest", "4.x.1", ""])
def test_an_unknown_agent_version_is_one_clear_error(text: str) -> None:
    if not text:
        assert domain_to_instance(domain(GOOD_DISK + GOOD_NIC), RUNNING, agent_version=None)["importable"]
        return
    with pytest.raises(InputError) as err:
        domain_to_instance(domain(GOOD_DISK + GOOD_NIC), RUNNING, agent_version=text)
    assert str(err.value).startswith("agent_version: ") and "Fix:" in str(err.value)


def test_no_devices_element() -> None:
    assert "devices_missing" in codes("<domain><name>d</name><cputune><shares>1</shares></cputune></domain>")


def test_cdrom_does_not_count_as_a_disk_and_its_bus_is_not_checked() -> None:
    cdrom = "<disk type='file' device='cdrom'><driver name='qemu' type='raw'/><target dev='hdc' bus='nvme'/></disk>"
    inst = domain_to_instance(domain(GOOD_DISK + cdrom + GOOD_NIC), RUNNING)
    assert [d["label"] for d in inst["disk"]] == ["vda"]
    assert inst["importable"] is True


def test_shut_off_domain_cannot_be_listed_by_cloudstack() -> None:
    off = RuntimeFacts(state=5, running_vcpus=None, max_memory_kib=65536)
    inst = domain_to_instance(domain(GOOD_DISK + GOOD_NIC), off)
    # Only the agent's drop: no server rule about the vCPUs CloudStack never got to list.
    assert [p["code"] for p in inst["import_problems"]] == ["domain_not_running"]
    assert any("virsh start" in line for line in inst["import_blockers"])


def test_zero_size_disk_is_rejected() -> None:
    runtime = RuntimeFacts(state=1, running_vcpus=1, max_memory_kib=65536, disk_capacity={"vda": 0})
    assert "disk_size_invalid" in codes(domain(GOOD_DISK + GOOD_NIC), runtime)


def test_uefi_on_an_agent_that_does_not_report_it_is_a_warning() -> None:
    uefi = "<cputune><shares>100</shares></cputune><os firmware='efi'><type>hvm</type></os>"
    inst = domain_to_instance(domain(GOOD_DISK + GOOD_NIC, extra=uefi), RUNNING, agent_version="4.21.0")
    assert inst["importable"] is True
    assert [p["code"] for p in inst["import_problems"]] == ["boot_fields_absent"]
    assert inst["import_warnings"] and inst["boottype"] is None


def test_vlan_tag_in_xml_wins_and_bridge_lookup_is_used_otherwise() -> None:
    tagged = GOOD_NIC.replace("<model", "<vlan><tag id='42'/></vlan><model")
    other = GOOD_NIC.replace("cloudbr0", "breth1-200").replace(":01", ":02").replace("0x03", "0x04")
    seen: list[str] = []

    def lookup(bridge: str) -> tuple[int | None, str | None]:
        seen.append(bridge)
        return (200, "host") if bridge == "breth1-200" else (None, None)

    inst = domain_to_instance(domain(GOOD_DISK + tagged + other), RUNNING, bridge_vlan=lookup)
    assert [(n["vlan"], n["vlan_source"]) for n in inst["nic"]] == [(42, "xml"), (200, "host")]
    assert seen == ["breth1-200"]  # the tagged NIC needed no lookup
    # What CloudStack lists: a 4.22 agent asks the host (unknown here: absent); 4.21 reports -1.
    assert [n["vlanid"] for n in inst["nic"]] == [None, None]
    older = domain_to_instance(domain(GOOD_DISK + tagged + other), RUNNING, agent_version="4.21")
    assert [n["vlanid"] for n in older["nic"]] == [-1, -1]
    assert "nic_vlan_not_parsed" in [p["code"] for p in older["import_problems"]]


def test_memory_from_xml_units_when_libvirt_is_not_asked() -> None:
    xml = "<domain><name>m</name><memory unit='GiB'>2</memory><devices/></domain>"
    assert domain_to_instance(xml)["memory"] == 2048
    xml = "<domain><name>m</name><memory>524288</memory><devices/></domain>"  # default unit KiB
    assert domain_to_instance(xml)["memory"] == 512
