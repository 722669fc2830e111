"""Disks of an unmanaged VM against disk offerings and primary storage pools (importUnmanagedInstance).

Source: ``server/src/main/java/org/apache/cloudstack/vm/UnmanagedVMsManagerImpl.java``
``getStoragePool``, ``getRootAndDataDisks``, ``checkUnmanagedDiskAndOfferingForImport`` (both overloads),
and ``server/src/main/java/com/cloud/storage/VolumeApiServiceImpl.java``
``doesTargetStorageSupportDiskOffering`` (4.19/4.20) / ``doesStoragePoolSupportDiskOfferingTags`` (4.21+),
which answer alike for plain tags. Tag rules (``istagarule``, JavaScript) are not evaluated: a rule pool
fits only untagged offerings here (README "not modelled").
"""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING, Any

from ..errors import invalid_value, server_error
from . import checks

if TYPE_CHECKING:
    from ..sim import Simulator

GIB = 1024**3
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def _tags(text: str | None) -> list[str]:
    return [t for t in (text or "").split(",") if t]


def pool_fits(pool: dict[str, Any], offering_tags: str | None) -> bool:
    """Does the pool's storage tag list satisfy the disk offering's tags?"""
    pool_tags = _tags(pool.get("tags"))
    rule = bool(pool.get("istagarule"))
    if not rule and not (offering_tags or "").strip():
        return True
    if not pool_tags:
        return False
    if rule:
        return False  # TagAsRuleHelper.interpretTagAsRule: JavaScript, not evaluated by the simulator
    # VolumeApiServiceImpl.doesStoragePoolSupportDiskOfferingTags: CollectionUtils.isSubCollection counts each
    # tag's repeats, so an offering tagged "ssd,ssd" needs a pool listing "ssd" twice
    return not Counter(_tags(offering_tags)) - Counter(pool_tags)


def root_disk_offering(sim: Simulator, offering: dict[str, Any]) -> dict[str, Any]:
    """The service offering's own disk offering: its storage tags are the offering's ``storagetags``."""
    return {
        "id": offering["id"],
        "_seq": offering["_seq"],
        "tags": offering.get("storagetags"),
        "iscustomized": True,
        "disksize": 0,
    }


def find_pool(
    sim: Simulator, disk: dict[str, Any], zone: dict[str, Any], cluster: dict[str, Any], tags: str | None
) -> dict[str, Any]:
    """getStoragePool: exact host+path first, then any pool of the cluster or zone whose path contains it."""
    with_tags = sim.has("pool_match_checks_tags")  # 4.19.2+/4.20.1+/4.21: the pool must fit the offering
    pools = [s for s in sim.store.all("storagepool") if not s.get("removed")]
    ds_host, ds_path, ds_name = disk.get("datastorehost"), disk.get("datastorepath"), disk.get("datastorename")
    if disk.get("datastoretype") is not None:
        for pool in pools:  # PrimaryDataStoreDaoImpl.listPoolByHostPath: SQL equality, null never matches
            if ds_host is None or ds_path is None or pool.get("ipaddress") != ds_host or pool["path"] != ds_path:
                continue
            in_scope = pool["zoneid"] == zone["id"] and pool.get("clusterid") in (None, cluster["id"])
            if in_scope and (not with_tags or pool_fits(pool, tags)):
                return pool
    # listPoolsByCluster(cluster) followed by listByDataCenterId(zone): other clusters and hosts included
    candidates = [s for s in pools if s.get("clusterid") == cluster["id"]] + [
        s for s in pools if s["zoneid"] == zone["id"]
    ]
    if sim.has("pool_match_name_fallback"):  # 4.19.1+: the datastore name when the path is blank
        needle = ds_path if ds_path is not None and ds_path.strip() else ds_name
    else:
        needle = ds_path
    by_uuid = sim.has("pool_match_uuid") and bool(ds_name and ds_name.strip() and _UUID.match(ds_name))
    for pool in candidates:
        matched = needle is not None and needle in pool["path"]  # StringUtils.contains(path, null) is false
        if (matched or (by_uuid and pool["id"] == ds_name)) and (not with_tags or pool_fits(pool, tags)):
            return pool
    raise server_error(
        f"Storage pool for disk {disk.get('label')}({disk['id']}) with datastore: "
        f"{disk.get('datastorename')} not found in zone ID: {zone['id']}"
    )


def root_and_data_disks(
    inst: dict[str, Any], data_map: dict[str, dict[str, Any]]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """getRootAndDataDisks: every disk but one needs a mapping; a data disk without capacity takes the offering's."""
    disks = inst["disk"]
    if len(data_map) != len(disks) - 1:
        raise server_error(
            f"VM has total {len(disks)} disks for which {len(data_map)} disk offering mappings "
            f"provided. {len(disks) - 1} disks need a disk offering for import"
        )
    unmapped = [d for d in disks if d["id"] not in data_map]
    data = []
    for disk in disks:
        if disk["id"] in data_map:
            offering = data_map[disk["id"]]
            if not disk.get("capacity") or disk["capacity"] <= 0:
                disk["capacity"] = offering["disksize"] * GIB
            data.append(disk)
    if len(unmapped) != 1:
        raise server_error(
            f"VM has total {len(disks)} disks, disk offering mapping not provided for "
            f"{len(unmapped) - 1} disks. Disk IDs that may need a disk offering - "
            f"{', '.join(d['id'] for d in unmapped)}"
        )
    return unmapped[0], data


def check_disk(
    sim: Simulator,
    owner: dict[str, Any],
    disk: dict[str, Any],
    disk_offering: dict[str, Any] | None,
    service_offering: dict[str, Any] | None,
    zone: dict[str, Any],
    cluster: dict[str, Any],
    migrate_allowed: bool,
) -> dict[str, Any]:
    """checkUnmanagedDiskAndOfferingForImport for one disk; returns the pool it will be recorded on."""
    if disk_offering is not None:
        checks.check_offering_access(sim, owner, disk_offering, zone["id"])
    if not disk.get("capacity"):
        raise server_error(f"Size of disk(ID: {disk['id']}) is found invalid during VM import")
    if disk_offering is not None and not disk_offering["iscustomized"]:
        size = disk_offering["disksize"] * GIB
        if size == 0:
            raise server_error(
                f"Size of fixed disk offering(ID: {disk_offering['id']}) is found invalid during VM import"
            )
        if size < disk["capacity"]:
            raise server_error(
                f"Size of disk offering(ID: {disk_offering['id']}) {disk_offering['disksize']}GB is found less "
                f"than the size of disk(ID: {disk['id']}) {disk['capacity'] // GIB}GB during VM import"
            )
    if sim.has("pool_match_checks_tags") and disk_offering is None and service_offering is not None:
        disk_offering = root_disk_offering(sim, service_offering)  # the root disk is tag-checked too
    tags = disk_offering.get("tags") if disk_offering else None
    pool = find_pool(sim, disk, zone, cluster, tags)
    if disk_offering is not None and not migrate_allowed and not pool_fits(pool, tags):
        # reachable only where the pool match ignores tags (4.19.0, 4.19.1, 4.20.0), for data disks
        raise invalid_value(
            f"Disk offering: {disk_offering['id']} is not compatible with storage pool: {pool['id']} "
            f"of unmanaged disk: {disk['id']}"
        )
    return pool


def check_data_disks(
    sim: Simulator,
    owner: dict[str, Any],
    disks: list[dict[str, Any]],
    data_map: dict[str, dict[str, Any]],
    zone: dict[str, Any],
    cluster: dict[str, Any],
    migrate_allowed: bool,
) -> dict[str, dict[str, Any]]:
    """The list overload: all data disks on one controller; returns disk id → pool."""
    pools: dict[str, dict[str, Any]] = {}
    controller = None
    for disk in disks:
        if not controller:
            controller = disk.get("controller")
        elif controller != disk.get("controller"):
            raise server_error(
                f"Multiple data disk controllers of different type ({controller}, {disk.get('controller')}) are "
                "not supported for import. Please make sure that all data disk controllers are of the same type"
            )
        pools[disk["id"]] = check_disk(sim, owner, disk, data_map[disk["id"]], None, zone, cluster, migrate_allowed)
    return pools
