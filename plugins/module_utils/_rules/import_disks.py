# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""Server rules about disks and disk offerings, and about importVm from local or shared storage.

importUnmanagedInstance splits the listed disks into the root disk (the one not in
``datadiskofferinglist``) and data disks (``getRootAndDataDisks``), then checks each against its
offering (``checkUnmanagedDiskAndOfferingForImport``). importVm local/shared adopts one file of a
pool (``importKvmInstance``, ``importKvmVirtualMachineFromDisk``), checked by the agent's
``LibvirtCheckVolumeCommandWrapper`` and the server's ``checkVolume``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._rules.catalogue import (
    CHECK_VOLUME_WRAPPER,
    IMPORT_EXTERNAL,
    IMPORT_LOCAL,
    IMPORT_SHARED,
    IMPORT_UNMANAGED,
    MANAGER,
    SERVER_REJECTION,
    Finding,
    Rule,
    Source,
    find,
)
from ansible_collections.acs.ingest.plugins.module_utils._rules.versions import Version, since

DISK_CHECK = Source(MANAGER, "UnmanagedVMsManagerImpl.checkUnmanagedDiskAndOfferingForImport")
LOCAL_SHARED = (IMPORT_LOCAL, IMPORT_SHARED)
IMPORT_KVM = Source(MANAGER, "UnmanagedVMsManagerImpl.importKvmInstance")
CHECK_VOLUME = Source(MANAGER, "UnmanagedVMsManagerImpl.checkVolume")

NO_DISKS = Rule(
    code="no_disks",
    kind=SERVER_REJECTION,
    title="the listed VM has no disk",
    apis=(IMPORT_UNMANAGED, IMPORT_EXTERNAL),
    sources=(
        Source(MANAGER, "UnmanagedVMsManagerImpl.importVirtualMachineInternal"),
        Source(MANAGER, "UnmanagedVMsManagerImpl.importExternalKvmVirtualMachine"),
    ),
    cloudstack_text="No attached disks found for the unmanaged VM: %s",
    fix="attach the root disk (a device='disk' of type file or block) before importing",
)
DATADISK_MAPPING_COUNT_MISMATCH = Rule(
    code="datadisk_mapping_count_mismatch",
    kind=SERVER_REJECTION,
    title="every disk but the root disk needs exactly one entry in datadiskofferinglist",
    apis=(IMPORT_UNMANAGED, IMPORT_EXTERNAL),
    sources=(Source(MANAGER, "UnmanagedVMsManagerImpl.getRootAndDataDisks"),),
    cloudstack_text="VM has total %s disks for which %s disk offering mappings provided. %s disks need a disk "
    "offering for import",
    fix="map every data disk to a disk offering (disk_offerings, or disk_offering_policy)",
)
ROOT_DISK_CONTROLLER_MISSING = Rule(
    code="root_disk_controller_missing",
    kind=SERVER_REJECTION,
    title="the root disk has no controller (bus)",
    apis=(IMPORT_UNMANAGED, IMPORT_EXTERNAL),
    sources=(Source(MANAGER, "UnmanagedVMsManagerImpl.importVirtualMachineInternal"),),
    cloudstack_text="VM import failed. Unable to retrieve root disk details for VM: %s",
    fix="give the root disk a <target bus>",
)
DISK_SIZE_INVALID = Rule(
    code="disk_size_invalid",
    kind=SERVER_REJECTION,
    title="a disk's listed capacity is missing or 0",
    apis=(IMPORT_UNMANAGED, IMPORT_EXTERNAL),
    sources=(DISK_CHECK, Source(MANAGER, "UnmanagedVMsManagerImpl.importExternalKvmVirtualMachine")),
    cloudstack_text="Size of disk(ID: %s) is found invalid during VM import",
    fix="make the disk readable by libvirt on its host (the capacity comes from virDomainGetBlockInfo)",
    note="The root disk takes the root disk offering's size when its capacity is unknown.",
)
DATA_DISK_OFFERING_SIZE_ZERO = Rule(
    code="data_disk_offering_fixed_size_zero",
    kind=SERVER_REJECTION,
    title="a data disk is mapped to a fixed-size disk offering of size 0",
    apis=(IMPORT_UNMANAGED,),
    sources=(DISK_CHECK,),
    cloudstack_text="Size of fixed disk offering(ID: %s) is found invalid during VM import",
    fix="map the disk to an offering with a size, or to a custom-size offering",
)
DATA_DISK_OFFERING_TOO_SMALL = Rule(
    code="data_disk_offering_too_small",
    kind=SERVER_REJECTION,
    title="a data disk is mapped to a fixed-size disk offering smaller than the disk (compared in bytes)",
    apis=(IMPORT_UNMANAGED,),
    sources=(DISK_CHECK,),
    cloudstack_text="Size of disk offering(ID: %s) %sGB is found less than the size of disk(ID: %s) %sGB during VM "
    "import",
    fix="map the disk to a custom-size offering or one at least as large (disk_offering_policy smallest_fit)",
)
DATA_DISK_CONTROLLERS_MIXED = Rule(
    code="data_disk_controllers_mixed",
    kind=SERVER_REJECTION,
    title="the data disks are not all on the same controller",
    apis=(IMPORT_UNMANAGED,),
    sources=(Source(MANAGER, "UnmanagedVMsManagerImpl.checkUnmanagedDiskAndOfferingForImport"),),
    cloudstack_text="Multiple data disk controllers of different type (%s) are not supported for import. Please make "
    "sure that all data disk controllers are of the same type",
    fix="put every data disk on the same bus (e.g. virtio)",
)
LOCAL_SHARED_REQUIRED_PARAMS = Rule(
    code="local_shared_required_params",
    kind=SERVER_REJECTION,
    title="importVm local/shared needs diskpath, networkid and storageid (and hostid for local)",
    apis=LOCAL_SHARED,
    sources=(IMPORT_KVM,),
    cloudstack_text="%s is required for Import from shared/local storage",
    fix="give the disk path, network and storage pool (and the host for local storage)",
)
DISK_IMAGE_IN_USE = Rule(
    code="disk_image_in_use",
    kind=SERVER_REJECTION,
    title="a CloudStack volume on that pool already has this path",
    apis=LOCAL_SHARED,
    sources=(IMPORT_KVM,),
    cloudstack_text="Disk image is already in use",
    fix="pick the right file, or remove the stale volume record (a failed earlier attempt leaves one)",
)
DISK_PATH_NOT_IN_POOL_ROOT = Rule(
    code="local_shared_disk_path_invalid",
    kind=SERVER_REJECTION,
    title="diskpath must be the name of a file in the pool's top directory (it is looked up as a pool volume)",
    apis=LOCAL_SHARED,
    sources=(Source(CHECK_VOLUME_WRAPPER, "LibvirtCheckVolumeCommandWrapper.execute"), CHECK_VOLUME),
    cloudstack_text="Disk not found or is invalid",
    fix="pass the file name relative to the pool root, and keep the file directly in it",
)
QCOW2_BACKING_FILE = Rule(
    code="qcow2_backing_file",
    kind=SERVER_REJECTION,
    title="the volume has a backing file",
    apis=LOCAL_SHARED,
    sources=(CHECK_VOLUME, Source(CHECK_VOLUME_WRAPPER, "LibvirtCheckVolumeCommandWrapper.getVolumeDetails")),
    cloudstack_text="Volume with backing file cannot be imported or unmanaged.",
    fix="flatten it first (qemu-img convert, or qemu-img rebase -b '')",
    versions=since((4, 20, 2)),
    note="From 4.20.2 and 4.21.0 (75a2b3cc54). External imports copy with qemu-img convert, which flattens.",
)
VOLUME_ENCRYPTED = Rule(
    code="volume_encrypted",
    kind=SERVER_REJECTION,
    title="the volume is encrypted",
    apis=LOCAL_SHARED,
    sources=(CHECK_VOLUME, Source(CHECK_VOLUME_WRAPPER, "LibvirtCheckVolumeCommandWrapper.getVolumeDetails")),
    cloudstack_text="Encrypted volume cannot be imported or unmanaged.",
    fix="decrypt it into a plain image first",
    versions=since((4, 20, 2)),
)
VOLUME_LOCKED = Rule(
    code="volume_locked",
    kind=SERVER_REJECTION,
    title="a running process holds the volume's image lock",
    apis=LOCAL_SHARED,
    sources=(CHECK_VOLUME, Source(CHECK_VOLUME_WRAPPER, "LibvirtCheckVolumeCommandWrapper.isDiskFileLocked")),
    cloudstack_text="Locked volume cannot be imported or unmanaged.",
    fix="stop whatever uses the file (shut the domain off)",
    versions=since((4, 20, 2)),
)

RULES = (
    NO_DISKS,
    DATADISK_MAPPING_COUNT_MISMATCH,
    ROOT_DISK_CONTROLLER_MISSING,
    DISK_SIZE_INVALID,
    DATA_DISK_OFFERING_SIZE_ZERO,
    DATA_DISK_OFFERING_TOO_SMALL,
    DATA_DISK_CONTROLLERS_MIXED,
    LOCAL_SHARED_REQUIRED_PARAMS,
    DISK_IMAGE_IN_USE,
    DISK_PATH_NOT_IN_POOL_ROOT,
    QCOW2_BACKING_FILE,
    VOLUME_ENCRYPTED,
    VOLUME_LOCKED,
)


def local_shared_findings(
    version: Version,
    *,
    source: str,
    diskpath: str,
    networkid: str,
    storageid: str,
    hostid: str = "",
    volume_paths_on_pool: list[str] | None = None,
    subject: str = "",
) -> list[Finding]:
    """importKvmInstance's checks of importVm local/shared, in its order."""
    found: list[Finding] = []
    for name, value, what in (
        ("diskpath", diskpath, "Disk Path"),
        ("network", networkid, "Network"),
        ("storageid", storageid, "Storage Pool"),
    ):
        if not value:
            found.append(
                find(LOCAL_SHARED_REQUIRED_PARAMS, name, f"no {name} is given", version, subject=subject, value=what)
            )
    if source == "local" and not hostid:
        found.append(
            find(
                LOCAL_SHARED_REQUIRED_PARAMS,
                "host",
                "no host is given for local storage",
                version,
                subject=subject,
                text="Host is required for Import from local storage",
            )
        )
    if diskpath and volume_paths_on_pool is not None and diskpath in volume_paths_on_pool:
        found.append(
            find(DISK_IMAGE_IN_USE, "diskpath", f"a volume on the pool has path '{diskpath}'", version, subject=subject)
        )
    if diskpath and "/" in diskpath:
        found.append(
            find(
                DISK_PATH_NOT_IN_POOL_ROOT,
                "diskpath",
                f"'{diskpath}' is a path, not a file name",
                version,
                subject=subject,
            )
        )
    return found


def volume_findings(
    version: Version, info: Mapping[str, Any], *, field: str = "diskpath", subject: str = ""
) -> list[Finding]:
    """``checkVolume`` on what ``qemu-img info`` reports (``locked``, ``encrypted``, ``backing-filename``).

    The agent checks in the order lock, encryption, backing file; all apply from 4.20.2 / 4.21.0.
    """
    found: list[Finding] = []
    if version < (4, 20, 2):
        return found
    if info.get("locked"):
        found.append(find(VOLUME_LOCKED, field, "qemu-img cannot take the image lock", version, subject=subject))
    if info.get("encrypted"):
        found.append(find(VOLUME_ENCRYPTED, field, "the image is encrypted", version, subject=subject))
    backing = info.get("backing-filename") or info.get("backing_file")
    if backing:
        found.append(find(QCOW2_BACKING_FILE, field, f"the image has backing file {backing}", version, subject=subject))
    return found


def _label(disk: Mapping[str, Any]) -> str:
    return f"disk {disk.get('id')} ({disk.get('label')})" if disk.get("label") else f"disk {disk.get('id')}"


def _capacity(disk: Mapping[str, Any]) -> int:
    try:
        return int(disk.get("capacity") or 0)
    except (TypeError, ValueError):
        return 0


def no_disks_findings(version: Version, disks: Sequence[Mapping[str, Any]], subject: str = "") -> list[Finding]:
    if disks:
        return []
    return [find(NO_DISKS, "disk", "the VM has no disk CloudStack lists", version, subject=subject, value=subject)]


def root_disk_findings(
    version: Version, disk: Mapping[str, Any], *, offering_root_size: bool = False, subject: str = ""
) -> list[Finding]:
    """importVirtualMachineInternal needs the root disk's controller; its size may come from the offering."""
    found: list[Finding] = []
    if not str(disk.get("controller") or "").strip():
        detail = f"root {_label(disk)} has no controller (bus)"
        found.append(find(ROOT_DISK_CONTROLLER_MISSING, "root_disk", detail, version, subject=subject, value=subject))
    if not _capacity(disk) and not offering_root_size:
        detail = f"root {_label(disk)} has no size and the service offering no root disk size"
        found.append(find(DISK_SIZE_INVALID, "root_disk", detail, version, subject=subject, value=disk.get("id")))
    return found


def unmapped_disk_finding(
    version: Version, disk: Mapping[str, Any], total: int, mapped: int, field: str, subject: str = ""
) -> Finding:
    detail = f"data {_label(disk)} has no disk offering ({mapped} of {total - 1} data disks mapped)"
    said = (
        f"VM has total {total} disks for which {mapped} disk offering mappings provided. {total - 1} disks need "
        "a disk offering for import"
    )
    return find(DATADISK_MAPPING_COUNT_MISMATCH, field, detail, version, subject=subject, text=said)


def data_disk_findings(
    version: Version, disk: Mapping[str, Any], offering: Mapping[str, Any] | None, field: str, subject: str = ""
) -> list[Finding]:
    """checkUnmanagedDiskAndOfferingForImport for one data disk and its (resolved) disk offering."""
    found: list[Finding] = []
    capacity = _capacity(disk)
    custom = offering is not None and offering.get("iscustomized") in (True, "true")
    size = int(offering.get("disksize") or 0) * 1024**3 if offering is not None else 0
    if not capacity and not (offering is not None and size):
        detail = f"{_label(disk)} has no size"
        found.append(find(DISK_SIZE_INVALID, field, detail, version, subject=subject, value=disk.get("id")))
    if offering is None or custom:
        return found
    name = offering.get("name") or offering.get("id")
    if size == 0:
        detail = f"fixed disk offering {name} for {_label(disk)} has size 0"
        found.append(
            find(DATA_DISK_OFFERING_SIZE_ZERO, field, detail, version, subject=subject, value=offering.get("id"))
        )
    elif size < capacity:
        gib = 1024**3
        detail = f"disk offering {name} has {size // gib} GiB, less than {_label(disk)} of {capacity} bytes"
        said = (
            f"Size of disk offering(ID: {offering.get('id')}) {size // gib}GB is found less than the size of "
            f"disk(ID: {disk.get('id')}) {capacity // gib}GB during VM import"
        )
        found.append(
            find(
                DATA_DISK_OFFERING_TOO_SMALL,
                field,
                detail,
                version,
                subject=subject,
                text=said,
                fix=f"map the disk to a custom-size offering or one of at least {-(-capacity // gib)} GiB",
            )
        )
    return found


def data_controllers_findings(
    version: Version, data_disks: Sequence[Mapping[str, Any]], subject: str = ""
) -> list[Finding]:
    buses = sorted({str(d.get("controller") or "").lower() for d in data_disks if d.get("controller")})
    if len(buses) <= 1:
        return []
    listing = ", ".join(f"{_label(d)}: {d.get('controller')}" for d in data_disks)
    return [find(DATA_DISK_CONTROLLERS_MIXED, "disk", f"data disks on different buses ({listing})", version,
                 subject=subject, value=", ".join(buses))]  # fmt: skip
