"""persist_domain_xml's config-drive rule against CloudStack's own unmanage samples (fixtures 04/05).

The molecule scenario covers the role end to end on a real libvirtd; this pins the XPath rule of
facts §3.4 to the golden XML quickly, without libvirt.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "roles" / "persist_domain_xml" / "files" / "persist_domain_xml.py"
FIXTURES = REPO.parent / "shared" / "fixtures" / "cloudstack_domain_xml"
ISO = "/mnt/fec63e8a-d390-31e0-a02d-8e634aabded7/i-2-6-VM.iso"


def _load():
    spec = importlib.util.spec_from_file_location("persist_domain_xml_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _canon(xml: str) -> bytes:
    parser = etree.XMLParser(remove_blank_text=True)
    return etree.tostring(etree.fromstring(xml.encode(), parser), method="c14n")


@pytest.fixture(scope="module")
def script():
    if not FIXTURES.is_dir():
        pytest.skip(f"fixtures not found at {FIXTURES}")
    return _load()


def test_fixture_04_stripped_equals_fixture_05(script) -> None:
    with_drive = (FIXTURES / "04_unmanage_configdrive_i-2-6-VM.xml").read_text()
    without = (FIXTURES / "05_unmanage_no_configdrive_i-2-6-VM.xml").read_text()
    stripped, removed = script.strip_config_drive(with_drive, "i-2-6-VM")
    assert removed == [ISO]
    assert _canon(stripped) == _canon(without)
    # The empty cdrom (no source) of the same domain is kept, as in CloudStack.
    assert "hdc" in stripped


def test_no_config_drive_is_left_byte_identical(script) -> None:
    without = (FIXTURES / "05_unmanage_no_configdrive_i-2-6-VM.xml").read_text()
    assert script.strip_config_drive(without, "i-2-6-VM") == (without, [])


def test_other_instance_name_does_not_match(script) -> None:
    with_drive = (FIXTURES / "04_unmanage_configdrive_i-2-6-VM.xml").read_text()
    # "/i-2-6" must not match "i-2-6-VM.iso" of another name, nor a prefix of it.
    assert script.strip_config_drive(with_drive, "i-2-7-VM")[1] == []
    assert script.strip_config_drive(with_drive, "2-6-VM")[1] == []


def test_script_rejects_missing_targets_with_one_line() -> None:
    # Neither domains nor all_transient: one clear message naming the field, exit 1, JSON out.
    proc = subprocess.run([sys.executable, str(SCRIPT), json.dumps({"backup_dir": "/tmp/x"})],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    result = json.loads(proc.stdout)
    assert result["failed"] is True
    assert result["msg"].startswith("domains: ") and "Fix:" in result["msg"]
