# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""The server rules an instance fails on its own, visible in what the listing shows.

No offering, network or pool is needed for these: a VM without disks, with NICs of mixed models,
data disks on mixed buses, no vCPUs or memory, a disk of size 0 or an invalid MAC fails whatever
the operator chooses. ``unmanaged_instance_info`` reports them per VM; the planner reports the same
codes with the choices it makes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._rules.catalogue import IMPORT_UNMANAGED, Finding, find
from ansible_collections.acs.ingest.plugins.module_utils._rules.import_disks import (
    DISK_SIZE_INVALID,
    data_controllers_findings,
    no_disks_findings,
    root_disk_findings,
)
from ansible_collections.acs.ingest.plugins.module_utils._rules.import_network import adapters_findings, mac_findings
from ansible_collections.acs.ingest.plugins.module_utils._rules.import_offering import VM_CPU_OR_MEMORY_ZERO
from ansible_collections.acs.ingest.plugins.module_utils._rules.versions import Version


def listed_findings(version: Version, instance: Mapping[str, Any], *, api: str = IMPORT_UNMANAGED) -> list[Finding]:
    """Rules one listed instance breaks whatever the plan (root disk = the first listed disk)."""
    subject = str(instance.get("name") or "")
    raw_disks, raw_nics = instance.get("disk"), instance.get("nic")
    disks = [d for d in raw_disks if isinstance(d, Mapping)] if isinstance(raw_disks, list) else []
    nics = [n for n in raw_nics if isinstance(n, Mapping)] if isinstance(raw_nics, list) else []
    found = no_disks_findings(version, disks, subject)
    if disks:
        found += [f for f in root_disk_findings(version, disks[0], subject=subject) if f.code != "disk_size_invalid"]
        found += data_controllers_findings(version, disks[1:], subject)
        for disk in disks:
            if disk.get("capacity") is not None and int(disk.get("capacity") or 0) <= 0:
                detail = f"disk {disk.get('id')} ({disk.get('label')}) has size 0"
                found.append(find(DISK_SIZE_INVALID, f"disk[{disk.get('id')}]", detail, version, subject=subject))
    found += adapters_findings(version, nics, subject)
    for nic in nics:
        found += mac_findings(version, api=api, nic=nic, network=None, subject=subject)
    if api == IMPORT_UNMANAGED:
        for key in ("cpunumber", "memory"):
            if not instance.get(key):
                detail = f"CloudStack lists {key} {instance.get(key)!r}"
                found.append(find(VM_CPU_OR_MEMORY_ZERO, key, detail, version, subject=subject))
    return found
