"""Pure parts of the external-import helpers: df parsing, domain XML, naming rules (no network)."""

from __future__ import annotations

import pytest
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import SshError
from ansible_collections.acs.ingest.plugins.module_utils._libvirt.external_domain import (
    domain_disks,
    domain_nics,
    libvirt_uri,
    normalize_temppath,
)
from ansible_collections.acs.ingest.plugins.module_utils._remote.ssh import parse_df_avail
from ansible_collections.acs.ingest.plugins.module_utils._services.external_support import (
    UUID_NAME,
    marker_path,
    source_tag,
)

DF_PLAIN = """Filesystem     1024-blocks      Used Available Capacity Mounted on
/dev/vda1        104857600  20000000  84857600      20% /
"""
# Long device names wrap onto the next line in POSIX df output.
DF_WRAPPED = """Filesystem                                   1-blocks      Used   Available Capacity Mounted on
/dev/mapper/a-very-long-volume-group-name-root
                                          107374182400 1073741824 106300440576       1% /var/tmp
"""
DF_MOUNT_WITH_SPACE = """Filesystem 1-blocks Used Available Capacity Mounted on
tmpfs 2097152 0 2097152 0% /mnt/my disk
"""


@pytest.mark.parametrize(
    ("output", "expected"),
    [(DF_PLAIN, 84857600), (DF_WRAPPED, 106300440576), (DF_MOUNT_WITH_SPACE, 2097152)],
)
def test_parse_df_avail(output: str, expected: int) -> None:
    assert parse_df_avail(output, "/x") == expected


@pytest.mark.parametrize("output", ["", "Filesystem 1-blocks Used Available Capacity Mounted on\n", "garbage\nmore"])
def test_parse_df_avail_rejects_unexpected_output(output: str) -> None:
    with pytest.raises(SshError, match="cannot read the free space of /x"):
        parse_df_avail(output, "/x")


DOMAIN_XML = """<domain type='qemu'><name>web01</name><devices>
  <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
    <source file='/var/lib/libvirt/images/web01.qcow2'/><target dev='vda' bus='virtio'/></disk>
  <disk type='file' device='cdrom'><driver name='qemu' type='raw'/>
    <source file='/iso/debian.iso'/><target dev='hdc' bus='ide'/></disk>
  <disk type='block' device='disk'><driver name='qemu' type='raw'/>
    <source dev='/dev/vg/web01-data'/><target dev='vdb' bus='virtio'/></disk>
  <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
    <source file='/secure.qcow2'><encryption format='luks'/></source><target dev='vdc' bus='scsi'/></disk>
  <interface type='bridge'><mac address='52:54:00:aa:bb:cc'/><source bridge='br0'/>
    <target dev='vnet3'/><model type='virtio'/></interface>
  <interface type='network'><mac address='52:54:00:aa:bb:cd'/><source network='default'/></interface>
</devices></domain>"""


def test_domain_disks_keeps_only_disk_devices_in_order() -> None:
    disks = domain_disks(DOMAIN_XML)
    assert [(d.target, d.path, d.xml_format, d.bus) for d in disks] == [
        ("vda", "/var/lib/libvirt/images/web01.qcow2", "qcow2", "virtio"),
        ("vdb", "/dev/vg/web01-data", "raw", "virtio"),
        ("vdc", "/secure.qcow2", "qcow2", "scsi"),
    ]
    assert [d.encrypted for d in disks] == [False, False, True]


def test_domain_nics_have_cloudstack_shape() -> None:
    nics = domain_nics(DOMAIN_XML)
    assert nics[0] == {
        "id": "0",
        "macaddress": "52:54:00:aa:bb:cc",
        "adaptertype": "virtio",
        "networkname": "vnet3",
        "vlanid": -1,
    }
    # No <model>: CloudStack's parser drops such a VM; we pass the empty adapter to the planner.
    assert nics[1]["adaptertype"] == "" and nics[1]["id"] == "1"


def test_libvirt_uri_matches_cloudstack() -> None:
    assert libvirt_uri("192.0.2.10") == "qemu+tcp://192.0.2.10/system"
    assert libvirt_uri("kvm-old.example.org") == "qemu+tcp://kvm-old.example.org/system"
    assert libvirt_uri("2001:db8::5") == "qemu+tcp://[2001:db8::5]/system"


@pytest.mark.parametrize(
    ("given", "expected"), [(None, "/tmp/"), ("", "/tmp/"), ("/var/tmp", "/var/tmp/"), ("/data/x/", "/data/x/")]
)
def test_temppath_gets_cloudstacks_trailing_slash(given: str | None, expected: str) -> None:
    assert normalize_temppath(given) == expected


def test_only_cloudstack_copy_names_are_cleanup_candidates() -> None:
    assert UUID_NAME.match("0b8e2c1e-6c1d-4d0f-9a7e-3f2b1c0d9e8f")
    for name in (
        "web01.qcow2",
        "0B8E2C1E-6C1D-4D0F-9A7E-3F2B1C0D9E8F",
        "0b8e2c1e-6c1d-4d0f-9a7e-3f2b1c0d9e8f.bak",
        ".acs-ingest-0123456789abcdef.json",
        "0b8e2c1e6c1d4d0f9a7e3f2b1c0d9e8f",
    ):
        assert not UUID_NAME.match(name), name


def test_marker_is_hidden_stable_and_per_domain() -> None:
    first = marker_path("/var/tmp/", "web01")
    assert first == marker_path("/var/tmp/", "web01")
    assert first != marker_path("/var/tmp/", "web02")
    assert first.startswith("/var/tmp/.acs-ingest-") and first.endswith(".json")
    assert not UUID_NAME.match(first.rsplit("/", 1)[1])


def test_source_tag_identifies_the_source() -> None:
    assert source_tag({"importsource": "external", "host": "10.0.0.5", "name": "web01"}) == "external:10.0.0.5/web01"
    assert source_tag({"importsource": "shared", "diskpath": "db.qcow2"}, "pool-uuid") == "shared:pool-uuid/db.qcow2"
