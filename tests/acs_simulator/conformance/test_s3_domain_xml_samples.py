"""Facts §3.4/§3.6 against the held-out CloudStack test XML samples (../shared/fixtures/cloudstack_domain_xml)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from acs_simulator import domparser, domxml, javalang

SAMPLES = Path(__file__).resolve().parents[4] / "shared" / "fixtures" / "cloudstack_domain_xml"

pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"held-out samples not found at {SAMPLES}")


def _read(name: str) -> str:
    return (SAMPLES / name).read_text()


def test_full_system_vm_sample() -> None:
    facts = domparser.parse(_read("01_parser_full_s-2970-VM.xml"), "4.22.0")
    root = facts.disks[0]
    assert (root.label, root.source, root.bus, root.disk_type, root.device) == (
        "vda",
        "/var/lib/libvirt/images/my-test-image.qcow2",
        "virtio",
        "file",
        "disk",
    )
    assert [n.dev for n in facts.nics] == ["vnet0", "vnet1", "vnet2", "vnet3"]
    assert {n.model for n in facts.nics} == {"virtio"}


def test_cpu_topology_sample() -> None:
    assert domparser.parse(_read("02_parser_cpu_topology_testkiran.xml"), "4.22.0").cores_per_socket == 4


def test_uefi_secure_sample() -> None:
    xml = _read("03_parser_uefi_secure_minimal.xml")
    assert domparser.boot(javalang.parse_document(xml).documentElement) == ("UEFI", "SECURE")
    with pytest.raises(domparser.AgentDrop) as drop:
        domparser.parse(xml, "4.22.0")  # no <devices>: listing it would hit the agent's NullPointerException
    assert drop.value.code == "devices_missing"


def _cdroms(xml: str) -> list[str]:
    root = ET.fromstring(xml)
    return [
        (d.find("source").get("file") if d.find("source") is not None else "")
        for d in root.iter("disk")
        if d.get("device") == "cdrom"
    ]


def test_config_drive_cleanup_samples() -> None:
    with_drive = _read("04_unmanage_configdrive_i-2-6-VM.xml")
    assert any("/i-2-6-VM.iso" in c for c in _cdroms(with_drive))
    cleaned = domxml.strip_config_drive(with_drive, "i-2-6-VM")
    assert not any("/i-2-6-VM.iso" in c for c in _cdroms(cleaned))
    without = _read("05_unmanage_no_configdrive_i-2-6-VM.xml")
    assert _cdroms(domxml.strip_config_drive(without, "i-2-6-VM")) == _cdroms(without)


@pytest.mark.parametrize(
    "change",
    [
        ("<model type='virtio'/>", "<model type='e1000e'/>"),
        ("bus='virtio'", "bus='nvme'"),
        ("type='qcow2'", "type='vmdk'"),
    ],
)
def test_unsupported_enums_raise(change: tuple[str, str]) -> None:
    xml = _read("06_replugnic_i-85-285-VM.xml")
    if change[0] not in xml:
        xml = _read("01_parser_full_s-2970-VM.xml")
    assert change[0] in xml
    with pytest.raises(domparser.AgentDrop):
        domparser.parse(xml.replace(change[0], change[1]), "4.22.0")
