"""Persisting a transient domain: CloudStack's config-drive rule on its own samples, and the decisions.

Fixtures 04/05 are CloudStack's unmanage test XML (with and without the config drive); stripping 04
must give 05 (facts §3.4).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import AcsIngestError
from ansible_collections.acs.ingest.plugins.module_utils._libvirt.persist_xml import (
    MASK,
    plan_definition,
    redact_secrets,
    strip_config_drive,
)
from lxml import etree

FIXTURES = Path(__file__).resolve().parents[4].parent / "shared" / "fixtures" / "cloudstack_domain_xml"
ISO = "/mnt/fec63e8a-d390-31e0-a02d-8e634aabded7/i-2-6-VM.iso"
SMALL = (
    "<domain type='qemu'><name>i-2-7-VM</name><devices>"
    "<disk type='file' device='cdrom'><source file='/cd/i-2-7-VM.iso'/><target dev='hdd'/></disk>"
    "<disk type='file' device='cdrom'><source file='/cd/other.iso'/><target dev='hdc'/></disk>"
    "<graphics type='vnc' port='-1' passwd='s3cret'/></devices></domain>"
)


def canonical(xml: str) -> bytes:
    parser = etree.XMLParser(remove_blank_text=True)
    return etree.tostring(etree.fromstring(xml.encode(), parser), method="c14n")


@pytest.fixture(scope="module")
def samples() -> tuple[str, str]:
    if not FIXTURES.is_dir():
        pytest.skip(f"fixtures not found at {FIXTURES}")
    return (
        (FIXTURES / "04_unmanage_configdrive_i-2-6-VM.xml").read_text(),
        (FIXTURES / "05_unmanage_no_configdrive_i-2-6-VM.xml").read_text(),
    )


def test_fixture_04_stripped_equals_fixture_05(samples: tuple[str, str]) -> None:
    with_drive, without = samples
    stripped, removed = strip_config_drive(with_drive, "i-2-6-VM")
    assert removed == [ISO]
    assert canonical(stripped) == canonical(without)
    assert "hdc" in stripped  # the empty cdrom (no source) of the same domain is kept, as in CloudStack


def test_no_config_drive_is_left_byte_identical(samples: tuple[str, str]) -> None:
    assert strip_config_drive(samples[1], "i-2-6-VM") == (samples[1], [])


def test_other_instance_name_does_not_match(samples: tuple[str, str]) -> None:
    # "/i-2-7-VM.iso" must not match i-2-6-VM's drive, nor a suffix of the name ("2-6-VM") match it.
    assert strip_config_drive(samples[0], "i-2-7-VM")[1] == []
    assert strip_config_drive(samples[0], "2-6-VM")[1] == []


def test_only_the_named_cdrom_goes() -> None:
    stripped, removed = strip_config_drive(SMALL, "i-2-7-VM")
    assert (
        removed == ["/cd/i-2-7-VM.iso"] and "other.iso" in stripped and "passwd='s3cret'" in stripped.replace('"', "'")
    )


def test_secrets_are_masked_for_output() -> None:
    masked = redact_secrets(SMALL)
    assert "s3cret" not in masked and MASK in masked and "other.iso" in masked
    assert redact_secrets("") == ""


def test_broken_xml_is_one_clear_error() -> None:
    with pytest.raises(AcsIngestError) as caught:
        strip_config_drive("<domain><devices>", "x")
    assert "Fix:" in str(caught.value)


def test_transient_domain_is_defined_from_its_live_xml() -> None:
    plan = plan_definition("i-2-7-VM", False, SMALL, None, True)
    assert plan.needed and plan.removed_config_drive == ["/cd/i-2-7-VM.iso"] and "i-2-7-VM.iso" not in (plan.xml or "")
    keep = plan_definition("i-2-7-VM", False, SMALL, None, False)
    assert keep.xml == SMALL and keep.removed_config_drive == []


def test_persistent_domain_is_redefined_only_while_its_definition_has_the_drive() -> None:
    assert plan_definition("i-2-7-VM", True, SMALL, SMALL, True).removed_config_drive == ["/cd/i-2-7-VM.iso"]
    clean = strip_config_drive(SMALL, "i-2-7-VM")[0]
    assert not plan_definition("i-2-7-VM", True, SMALL, clean, True).needed
    assert not plan_definition("i-2-7-VM", True, SMALL, SMALL, False).needed
