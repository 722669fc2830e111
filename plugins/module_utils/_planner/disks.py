# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE: data disks → disk offerings for an import (facts §2.2 "Disks").

CloudStack treats the one disk missing from `datadiskofferinglist` as the root disk and
fails unless exactly one is missing. We pick the root explicitly (wish `root_disk`, else
disk id "0") and map every other disk: from the user's map, else by policy:
- `custom`: the zone's custom-size disk offering (the volume keeps the disk's size);
- `smallest_fit`: the smallest fixed offering whose size in bytes is not below the disk's,
  the same byte comparison CloudStack makes (its message shows both sizes floored to GiB).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._core.parse import parse_bool, text
from ansible_collections.acs.ingest.plugins.module_utils._planner.inputs import Catalog
from ansible_collections.acs.ingest.plugins.module_utils._planner.resolve import device_label, map_device_keys, resolve
from ansible_collections.acs.ingest.plugins.module_utils._planner.types import GIB, Findings, describe, short_list
from ansible_collections.acs.ingest.plugins.module_utils._planner.types import to_int as _int
from ansible_collections.acs.ingest.plugins.module_utils._planner.wishes import Wishes
from ansible_collections.acs.ingest.plugins.module_utils._rules.import_disks import (
    data_controllers_findings,
    data_disk_findings,
    no_disks_findings,
    root_disk_findings,
    unmapped_disk_finding,
)

DEFAULT_KEY = "*"  # disk_offerings['*']: offering for every data disk not named otherwise


def is_custom(offering: dict[str, Any]) -> bool:
    return parse_bool(offering.get("iscustomized")) is True


def offering_bytes(offering: dict[str, Any]) -> int:
    """Disk offering size in bytes; listDiskOfferings reports `disksize` in GiB."""
    return (_int(offering.get("disksize")) or 0) * GIB


def _size(capacity: int | None) -> str:
    if not capacity:
        return "unknown size"
    return f"{capacity / GIB:.2f} GiB ({capacity} bytes)"


def _disk_label(disk: dict[str, Any]) -> str:
    return device_label(disk, "disk")


def _pick_root(disks: list[dict[str, Any]], wishes: Wishes, findings: Findings) -> int:
    if wishes.root_disk:
        found = map_device_keys(
            {wishes.root_disk: "root"}, disks, _MATCHERS, kind="disk", field="root_disk", findings=findings
        )
        if found:
            return next(iter(found))
        # Unknown root_disk is already a problem; keep checking with the default root so the
        # user still sees every other problem in this run.
    for index, disk in enumerate(disks):
        if text(disk.get("id")) == "0":
            return index
    return 0


def _by_id(key: str, disk: dict[str, Any]) -> bool:
    return text(disk.get("id")) == key


def _by_label(key: str, disk: dict[str, Any]) -> bool:
    return bool(key) and text(disk.get("label")).lower() == key.lower()


_MATCHERS = (_by_id, _by_label)


def _policy_offering(
    disk: dict[str, Any], policy: str, offerings: list[dict[str, Any]], field: str, findings: Findings
) -> dict[str, Any] | None:
    label = _disk_label(disk)
    capacity = _int(disk.get("capacity")) or 0
    map_fix = f"name an offering for it in disk_offerings, e.g. {{'{text(disk.get('id'))}': '<offering>'}}"
    if policy == "custom":
        custom = [offering for offering in offerings if is_custom(offering)]
        if len(custom) == 1:
            return custom[0]
        message = (
            "no custom-size disk offering exists"
            if not custom
            else f"several custom-size disk offerings exist: {short_list(describe(o) for o in custom)}"
        )
        findings.problem("disk_policy_custom", field, f"{label}: policy 'custom' cannot choose, {message}", map_fix)
        return None
    fixed = [o for o in offerings if not is_custom(o) and offering_bytes(o) > 0]
    fitting = sorted((o for o in fixed if offering_bytes(o) >= capacity), key=offering_bytes)
    if not fitting:
        largest = max(fixed, key=offering_bytes, default=None)
        biggest = (
            f"the largest is {describe(largest)} with {largest.get('disksize')} GiB"
            if largest
            else "there are no fixed disk offerings"
        )
        findings.problem(
            "disk_no_fit",
            field,
            f"{label} of {_size(capacity)}: no fixed disk offering is large enough ({biggest})",
            f"use disk_offering_policy custom, or {map_fix}",
        )
        return None
    tied = [o for o in fitting if offering_bytes(o) == offering_bytes(fitting[0])]
    if len(tied) > 1:
        findings.problem(
            "disk_fit_ambiguous",
            field,
            f"{label}: several smallest fitting offerings of {fitting[0].get('disksize')} GiB: "
            f"{short_list(describe(o) for o in tied)}",
            map_fix,
        )
        return None
    return fitting[0]


def plan_disks(
    instance: dict[str, Any], wishes: Wishes, catalog: Catalog, findings: Findings, *, root_size_fallback: bool = False
) -> list[dict[str, str]]:
    """`datadiskofferinglist` for every disk except the root disk; problems go to `findings`.

    `root_size_fallback`: the service offering has a root disk size, which CloudStack's KVM
    path uses when the root disk's capacity is unknown.
    """
    raw = instance.get("disk")
    disks = [disk for disk in raw if isinstance(disk, dict)] if isinstance(raw, list) else []
    vm = text(instance.get("name"))
    if not findings.rules(no_disks_findings(findings.server, disks, vm)):
        return []
    wanted = dict(wishes.disk_offerings)
    default = wanted.pop(DEFAULT_KEY, "")
    explicit = map_device_keys(wanted, disks, _MATCHERS, kind="disk", field="disk_offerings", findings=findings)
    root = _pick_root(disks, wishes, findings)
    root_disk = disks[root]
    if root in explicit:
        findings.problem(
            "disk_root_mapped",
            f"disk_offerings[{explicit[root][0]}]",
            f"{_disk_label(root_disk)} is the root disk, which takes its offering from the service "
            "offering; CloudStack takes the one unmapped disk as root",
            "remove it from disk_offerings, or set root_disk to the disk that boots",
        )
    # importVirtualMachineInternal: the root disk's controller; checkUnmanagedDiskAndOfferingForImport: its size
    findings.rules(root_disk_findings(findings.server, root_disk, offering_root_size=root_size_fallback, subject=vm))

    result: list[dict[str, str]] = []
    data_disks: list[dict[str, Any]] = []
    for index, disk in enumerate(disks):
        if index == root:
            continue
        disk_id = text(disk.get("id")) or str(index)
        data_disks.append(disk)
        if index in explicit:
            field = f"disk_offerings[{explicit[index][0]}]"
            offering = resolve(
                explicit[index][1], catalog.disk_offerings, kind="disk offering", field=field, findings=findings
            )
        elif default:
            field = f"disk_offerings[{DEFAULT_KEY}]"
            offering = resolve(default, catalog.disk_offerings, kind="disk offering", field=field, findings=findings)
        elif wishes.disk_offering_policy:
            field = f"disk_offerings[{disk_id}]"
            offering = _policy_offering(disk, wishes.disk_offering_policy, catalog.disk_offerings, field, findings)
        else:
            # getRootAndDataDisks: every disk but the root needs an offering
            field = f"disk_offerings[{disk_id}]"
            unmapped = unmapped_disk_finding(findings.server, disk, len(disks), len(result), field, vm)
            fix = f"add '{disk_id}' to disk_offerings, or set disk_offering_policy to custom or smallest_fit"
            detail = f"{unmapped.detail}; only the root disk ({_disk_label(root_disk)}) may be left unmapped"
            findings.rules([replace(unmapped, detail=detail, specific_fix=fix)])
            continue
        # checkUnmanagedDiskAndOfferingForImport: the disk's size against its offering
        if offering is not None and findings.rules(data_disk_findings(findings.server, disk, offering, field, vm)):
            result.append({"disk": disk_id, "diskOffering": text(offering.get("id"))})
    findings.rules(data_controllers_findings(findings.server, data_disks, vm))
    return result
