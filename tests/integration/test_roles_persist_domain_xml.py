"""Module acs.ingest.persist_domain_xml (role persist_domain_xml) on the machine's libvirtd.

A transient QEMU domain with a config drive and a VNC password stands in for a VM that
CloudStack < 4.22 unmanaged. The molecule scenario adds the role, a libvirtd restart and
destroy/start of the domain; this pins the module's contract: check mode, diff without secrets,
define, idempotence, and one clear error for bad input. CloudStack's own samples (fixtures 04/05)
are checked in tests/unit/plugins/module_utils/test_persist_xml.py.
"""

from __future__ import annotations

import os
from pathlib import Path

import libvirt
import pytest
from host_module_runner import run_host_module
from infra.domains import DiskSpec, DomainFactory, TestDomain

pytestmark = pytest.mark.libvirt
URI = "qemu:///system"


def persist(args: dict, check: bool = False) -> dict:
    return run_host_module("persist_domain_xml", {"uri": URI, **args}, check=check, diff=True)


def unmanaged_vm(factory: DomainFactory, name: str = "unmanaged") -> TestDomain:
    """A running transient domain with CloudStack's config drive (/<name>.iso), another cdrom and a VNC password."""
    full = factory.prefix + name
    drive = factory.image_dir / "configdrive" / f"{full}.iso"
    other = factory.image_dir / "other.iso"
    drive.parent.mkdir(parents=True, exist_ok=True)
    for iso in (drive, other):
        with open(iso, "wb") as handle:
            handle.truncate(1024 * 1024)
    cdroms = "".join(
        f"<disk type='file' device='cdrom'><driver name='qemu' type='raw'/><source file='{iso}'/>"
        f"<target dev='{dev}' bus='ide'/><readonly/></disk>"
        for iso, dev in ((drive, "hdd"), (other, "hdc"))
    )
    graphics = "<graphics type='vnc' port='-1' listen='127.0.0.1' passwd='acsitPw1'/>"
    return factory.create(name, persistent=False, disks=[DiskSpec(8)], extra_devices_xml=cdroms + graphics)


def state(factory: DomainFactory, name: str) -> tuple[bool, bool]:
    dom = factory.conn.lookupByName(name)
    return bool(dom.isPersistent()), bool(dom.isActive())


def test_persists_the_domain_once_without_its_config_drive(test_domains: DomainFactory, tmp_path: Path) -> None:
    vm = unmanaged_vm(test_domains)
    args = {"domains": [vm.name], "backup_dir": str(tmp_path / "backup")}

    preview = persist(args, check=True)
    assert preview["changed"] is True and preview["backups"] == []
    assert [(d["name"], d["action"], d["persistent"]) for d in preview["domains"]] == [(vm.name, "define", True)]
    assert state(test_domains, vm.name) == (False, True) and not (tmp_path / "backup").exists()
    diff = preview["diff"][0]
    assert diff["before"] == "" and f"/{vm.name}.iso" not in diff["after"] and "other.iso" in diff["after"]
    assert "acsitPw1" not in str(preview)  # the secure XML's VNC password never reaches the output

    done = persist(args)
    entry = done["domains"][0]
    drive = test_domains.image_dir / "configdrive" / f"{vm.name}.iso"
    assert done["changed"] is True and entry["removed_config_drive"] == [str(drive)]
    assert (entry["was_persistent"], entry["persistent"], entry["active"]) == (False, True, True)
    assert state(test_domains, vm.name) == (True, True)
    stored = test_domains.conn.lookupByName(vm.name).XMLDesc(
        libvirt.VIR_DOMAIN_XML_INACTIVE | libvirt.VIR_DOMAIN_XML_SECURE
    )
    assert f"/{vm.name}.iso" not in stored and "other.iso" in stored and "acsitPw1" in stored
    assert sorted(Path(p).name.rsplit(".", 3)[-2] for p in done["backups"]) == ["defined", "live"]
    assert all(os.stat(p).st_mode & 0o777 == 0o600 for p in done["backups"])
    assert "acsitPw1" not in str(done)

    again = persist(args)
    assert again["changed"] is False and again["backups"] == [] and "diff" not in again
    assert again["domains"][0]["action"] == "none"


def test_all_transient_leaves_excluded_and_persistent_domains_alone(
    test_domains: DomainFactory, tmp_path: Path
) -> None:
    vm = unmanaged_vm(test_domains, "swept")
    managed = test_domains.create("managed", persistent=False, disks=[DiskSpec(8)])
    result = persist({"all_transient": True, "exclude": [managed.name], "backup_dir": str(tmp_path)}, check=True)
    names = [d["name"] for d in result["domains"]]
    assert vm.name in names and managed.name not in names
    assert all(not d["was_persistent"] for d in result["domains"])  # only transient domains are swept


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({}, "domains"),
        ({"domains": ["acsit-no-such-domain"]}, "domains"),
        ({"domains": ["x"], "exclude": ["x"]}, "domains"),
        ({"domains": ["x"], "uri": "not-a-uri"}, "uri"),
    ],
)
def test_bad_input_is_one_clear_error(args: dict, field: str, tmp_path: Path) -> None:
    result = persist({"backup_dir": str(tmp_path), **args})
    assert result["failed"] and result["msg"].startswith(f"{field}: ") and "Fix:" in result["msg"], result["msg"]
    assert not any(tmp_path.iterdir())
