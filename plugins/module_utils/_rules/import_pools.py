# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""Which primary storage pool CloudStack files each disk under, and which pool types each import source takes.

``UnmanagedVMsManagerImpl.getStoragePool`` matches a listed disk to a pool in two passes: the pool
whose address and path equal the disk's ``datastorehost``/``datastorepath`` (in the zone, zone-wide or
in the cluster), else any pool of the cluster or zone whose path *contains* the disk's
``datastorepath`` (4.19.1+: ``datastorename`` when the path is blank; 4.22: or whose UUID is the
datastore name). From 4.19.2/4.20.1 a pool must also fit the storage tags of the disk's offering.
A disk no pool takes fails the whole import — which a pre-flight can see from ``listStoragePools``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._rules.catalogue import (
    CHECK_VOLUME_WRAPPER,
    COPY_REMOTE_WRAPPER,
    IMPORT_EXTERNAL,
    IMPORT_LOCAL,
    IMPORT_SHARED,
    IMPORT_UNMANAGED,
    MANAGER,
    SERVER_REJECTION,
    VOLUME_API,
    WARNING,
    Finding,
    Rule,
    Source,
    find,
)
from ansible_collections.acs.ingest.plugins.module_utils._rules.versions import BEFORE_FIX_19_2_20_1, Version

GET_POOL = Source(MANAGER, "UnmanagedVMsManagerImpl.getStoragePool")
COPYABLE_POOL_TYPES = ("Filesystem", "NetworkFilesystem")  # local and NFS
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

DISK_OUTSIDE_STORAGE_POOLS = Rule(
    code="disk_outside_storage_pools",
    kind=SERVER_REJECTION,
    title="no primary storage pool of the zone takes the disk",
    apis=(IMPORT_UNMANAGED,),
    sources=(GET_POOL, Source(MANAGER, "UnmanagedVMsManagerImpl.checkUnmanagedDiskAndOfferingForImport")),
    cloudstack_text="Storage pool for disk %s with datastore: %s not found in zone ID: %s",
    fix="move the disk file into the top directory of a primary storage pool of the cluster or zone (or add its "
    "directory as a pool); from 4.19.2/4.20.1 the pool must also carry the disk offering's storage tags",
)
STORAGE_TAGS_INCOMPATIBLE = Rule(
    code="storage_tags_incompatible",
    kind=SERVER_REJECTION,
    title="a data disk's pool does not carry its disk offering's storage tags",
    apis=(IMPORT_UNMANAGED,),
    sources=(
        Source(MANAGER, "UnmanagedVMsManagerImpl.checkUnmanagedDiskAndOfferingForImport"),
        Source(VOLUME_API, "VolumeApiServiceImpl.doesTargetStorageSupportDiskOffering"),
    ),
    cloudstack_text="Disk offering: %s is not compatible with storage pool: %s of unmanaged disk: %s",
    fix="map the disk to an offering whose storage tags the pool carries, tag the pool, or pass migrate_allowed",
    versions=BEFORE_FIX_19_2_20_1,
    note="Up to 4.19.1 and in 4.20.0, data disks only, without migrateallowed; later the tags are part of the "
    "pool match (disk_outside_storage_pools), whatever migrateallowed says.",
)
DISK_POOL_WRONG_MATCH = Rule(
    code="disk_pool_wrong_match",
    kind=WARNING,
    title="the disk is filed under a pool found by a path substring: possibly another cluster's or host's pool",
    apis=(IMPORT_UNMANAGED,),
    sources=(GET_POOL,),
    cloudstack_text="",
    fix="keep disks in the top directory of the pool that serves the VM's host; check listVolumes storageid after "
    "the import",
)
DISK_NOT_IN_POOL_ROOT = Rule(
    code="disk_not_in_pool_root",
    kind=WARNING,
    title="the volume is recorded with the file's base name, which does not resolve from the pool's root",
    apis=(IMPORT_UNMANAGED,),
    sources=(
        Source(MANAGER, "UnmanagedVMsManagerImpl.importDisk"),
        Source(
            "plugins/hypervisors/kvm/src/main/java/com/cloud/hypervisor/kvm/resource/wrapper/"
            "LibvirtGetUnmanagedInstancesCommandWrapper.java",
            "LibvirtGetUnmanagedInstancesCommandWrapper.getDiskRelativePath",
        ),
    ),
    cloudstack_text="",
    fix="move the file to the pool's top directory before importing",
)
POOL_TYPE_UNSUPPORTED_EXTERNAL = Rule(
    code="pool_type_unsupported_external",
    kind=SERVER_REJECTION,
    title="importVm from an external host copies disks only to local (Filesystem) or NFS pools",
    apis=(IMPORT_EXTERNAL,),
    sources=(
        Source(COPY_REMOTE_WRAPPER, "LibvirtCopyRemoteVolumeCommandWrapper.execute"),
        Source(MANAGER, "UnmanagedVMsManagerImpl.importExternalDisk"),
    ),
    cloudstack_text="Unsupported storage pool type: %s, only local and NFS pools are supported",
    fix="use disk offerings whose storage tags (or local flag) only fit NFS or local pools",
)
POOL_TYPE_UNSUPPORTED_LOCAL_SHARED = Rule(
    code="pool_type_unsupported_local_shared",
    kind=SERVER_REJECTION,
    title="importVm from local or shared storage reads disks only from local (Filesystem) or NFS pools",
    apis=(IMPORT_LOCAL, IMPORT_SHARED),
    sources=(
        Source(CHECK_VOLUME_WRAPPER, "LibvirtCheckVolumeCommandWrapper.execute"),
        Source(MANAGER, "UnmanagedVMsManagerImpl.importKvmVirtualMachineFromDisk"),
    ),
    cloudstack_text="Disk not found or is invalid",
    fix="import from an NFS or local pool",
)
POOL_OFFERING_TAGS_LOCAL_SHARED = Rule(
    code="pool_offering_tags_incompatible_local_shared",
    kind=SERVER_REJECTION,
    title="the service offering's storage tags do not fit the pool given as storageid",
    apis=(IMPORT_LOCAL, IMPORT_SHARED),
    sources=(Source(MANAGER, "UnmanagedVMsManagerImpl.importKvmInstance"),),
    cloudstack_text="Service offering: %s storage tags are not compatible with selected storage pool: %s",
    fix="use an offering whose storage tags the pool carries",
)

RULES = (
    DISK_OUTSIDE_STORAGE_POOLS,
    STORAGE_TAGS_INCOMPATIBLE,
    DISK_POOL_WRONG_MATCH,
    DISK_NOT_IN_POOL_ROOT,
    POOL_TYPE_UNSUPPORTED_EXTERNAL,
    POOL_TYPE_UNSUPPORTED_LOCAL_SHARED,
    POOL_OFFERING_TAGS_LOCAL_SHARED,
)


def tags_of(value: Any) -> list[str]:
    return [t.strip() for t in str(value or "").split(",") if t.strip()]


def pool_fits_tags(pool: Mapping[str, Any], offering_tags: Sequence[str]) -> bool | None:
    """``VolumeApiServiceImpl.doesStoragePoolSupportDiskOfferingTags``; None for a (JavaScript) tag rule."""
    pool_tags = tags_of(pool.get("tags"))
    is_rule = pool.get("istagarule") in (True, "true")
    if not offering_tags and (not pool_tags or not is_rule):
        return True
    if not pool_tags:
        return False
    if is_rule:
        return None
    remaining = list(pool_tags)
    for tag in offering_tags:  # CollectionUtils.isSubCollection counts repeats
        if tag not in remaining:
            return False
        remaining.remove(tag)
    return True


@dataclass
class PoolMatch:
    pool: Mapping[str, Any] | None
    by_path_only: bool = False  # found in the second pass (substring of the pool path)
    candidates: int = 0  # pools the second pass would accept
    tag_misfit: Mapping[str, Any] | None = None  # a pool the path matches but the tags do not fit


def _same(a: Any, b: Any) -> bool:
    # SQL equality under MySQL's usual case-insensitive collation; NULL never matches.
    return a is not None and b is not None and str(a).rstrip().lower() == str(b).rstrip().lower()


def match_pool(
    version: Version,
    disk: Mapping[str, Any],
    pools: Sequence[Mapping[str, Any]],
    *,
    zoneid: str,
    clusterid: str,
    offering_tags: Sequence[str] = (),
) -> PoolMatch:
    """The pool ``getStoragePool`` picks for a listed disk (pools: listStoragePools rows of the zone)."""
    check_tags = version not in BEFORE_FIX_19_2_20_1  # d8c321d57a: 4.19.2+, 4.20.1+
    # the pools are the zone's (an empty zoneid: the caller listed them for the zone already)
    zone_pools = [p for p in pools if not zoneid or not p.get("zoneid") or _same(p.get("zoneid"), zoneid)]
    host, path, name = disk.get("datastorehost"), disk.get("datastorepath"), disk.get("datastorename")
    misfit = None

    def fits(pool: Mapping[str, Any]) -> bool:
        nonlocal misfit
        if not check_tags or pool_fits_tags(pool, offering_tags) is not False:
            return True
        misfit = misfit or pool
        return False

    if disk.get("datastoretype") is not None:
        for pool in zone_pools:
            in_scope = not pool.get("clusterid") or _same(pool.get("clusterid"), clusterid)
            if _same(pool.get("ipaddress"), host) and _same(pool.get("path"), path) and in_scope and fits(pool):
                return PoolMatch(pool)
    blank_path = path is None or not str(path).strip()
    search = name if blank_path and version >= (4, 19, 1) else path
    by_uuid = version >= (4, 22, 0) and bool(name) and bool(_UUID.match(str(name)))
    cluster_first = sorted(zone_pools, key=lambda p: not _same(p.get("clusterid"), clusterid))
    accepted = [
        p
        for p in cluster_first
        if ((search is not None and str(search) in str(p.get("path") or "")) or (by_uuid and _same(p.get("id"), name)))
        and fits(p)
    ]
    if accepted:
        return PoolMatch(accepted[0], by_path_only=True, candidates=len(accepted))
    return PoolMatch(None, tag_misfit=misfit)


def _describe(pool: Mapping[str, Any]) -> str:
    return f"{pool.get('name') or pool.get('id')} ({pool.get('type')}, {pool.get('ipaddress')}:{pool.get('path')})"


def storage_findings(
    version: Version,
    disks: Sequence[Mapping[str, Any]],
    pools: Sequence[Mapping[str, Any]],
    *,
    zoneid: str,
    clusterid: str,
    offering_tags: Mapping[str, Sequence[str]] | None = None,
    migrate_allowed: bool = False,
    root_disk_id: str = "0",
    subject: str = "",
) -> list[Finding]:
    """Every listed disk against the zone's pools (``offering_tags``: disk id -> tags of its offering)."""
    found: list[Finding] = []
    offering_tags = offering_tags or {}
    for disk in disks:
        if not any(disk.get(key) for key in ("datastoretype", "datastorepath", "datastorename")):
            continue  # not listed by CloudStack's agent (no datastore fields): nothing to match
        disk_id = str(disk.get("id"))
        where = f"disk {disk.get('label') or disk_id}"
        tags = offering_tags.get(disk_id, ())
        match = match_pool(version, disk, pools, zoneid=zoneid, clusterid=clusterid, offering_tags=tags)
        store = f"{disk.get('datastorehost') or ''}:{disk.get('datastorepath') or disk.get('imagepath')}".lstrip(":")
        field = f"disk[{disk_id}]"
        if match.pool is None:
            if match.tag_misfit is not None:
                misfit = _describe(match.tag_misfit)
                detail = f"{where} ({store}) lies in pool {misfit}, which lacks storage tags {list(tags)}"
            else:
                shown = ", ".join(_describe(p) for p in pools[:6]) or "none"
                detail = f"{where} ({store}) lies in no primary storage pool of the zone (pools: {shown})"
            found.append(
                find(
                    DISK_OUTSIDE_STORAGE_POOLS,
                    field,
                    detail,
                    version,
                    subject=subject,
                    value=f"{disk.get('label')}({disk_id})",
                )
            )
            continue
        pool = match.pool
        if (
            version in STORAGE_TAGS_INCOMPATIBLE.versions
            and disk_id != root_disk_id
            and not migrate_allowed
            and pool_fits_tags(pool, tags) is False
        ):
            detail = f"{where} lies in pool {_describe(pool)}, which lacks storage tags {list(tags)}"
            found.append(find(STORAGE_TAGS_INCOMPATIBLE, field, detail, version, subject=subject))
        other_cluster = pool.get("clusterid") and not _same(pool.get("clusterid"), clusterid)
        if match.by_path_only and (match.candidates > 1 or other_cluster or str(pool.get("scope")).upper() == "HOST"):
            detail = (
                f"{where} ({store}) is matched to {_describe(pool)} by path substring ({match.candidates} candidates)"
            )
            found.append(find(DISK_POOL_WRONG_MATCH, field, detail, version, subject=subject))
        if disk.get("datastoretype") == "block" or (
            disk.get("datastorepath") and not _same(disk.get("datastorepath"), pool.get("path"))
        ):
            detail = f"{where} ({disk.get('imagepath')}) is not directly in pool {_describe(pool)}"
            found.append(find(DISK_NOT_IN_POOL_ROOT, field, detail, version, subject=subject))
    return found


def pool_type_findings(
    version: Version,
    *,
    source: str,
    pools: Sequence[Mapping[str, Any]],
    offering_tags: Sequence[Sequence[str]] = ((),),
    storage_pool: Mapping[str, Any] | None = None,
    service_offering_tags: Sequence[str] = (),
    subject: str = "",
) -> list[Finding]:
    """Pool types per import source: external copies to local/NFS pools; local/shared read from one."""
    found: list[Finding] = []
    if source == "external":
        for tags in offering_tags:
            usable = [p for p in pools if str(p.get("state", "Up")) == "Up" and pool_fits_tags(p, tags) is not False]
            if usable and not any(str(p.get("type")) in COPYABLE_POOL_TYPES for p in usable):
                types = sorted({str(p.get("type")) for p in usable})
                detail = f"the pools that fit storage tags {list(tags)} are all of type {', '.join(types)}"
                found.append(
                    find(
                        POOL_TYPE_UNSUPPORTED_EXTERNAL,
                        "disk_offerings",
                        detail,
                        version,
                        subject=subject,
                        value=types[0],
                    )
                )
    elif storage_pool is not None:
        if str(storage_pool.get("type")) not in COPYABLE_POOL_TYPES:
            detail = f"storage pool {_describe(storage_pool)} is not local or NFS"
            found.append(find(POOL_TYPE_UNSUPPORTED_LOCAL_SHARED, "storage_pool", detail, version, subject=subject))
        if pool_fits_tags(storage_pool, service_offering_tags) is False:
            tags = list(service_offering_tags)
            detail = f"pool {_describe(storage_pool)} lacks the service offering's storage tags {tags}"
            found.append(find(POOL_OFFERING_TAGS_LOCAL_SHARED, "service_offering", detail, version, subject=subject))
    return found
