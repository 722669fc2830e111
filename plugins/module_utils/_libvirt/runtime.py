# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""What CloudStack's agent asks libvirt for instead of reading the domain XML (facts §3.1).

Kept apart from the XML so the XML model and the import blockers can both take it as plain data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# libvirt virDomainState -> CloudStack power state (§3.1).
_POWER_BY_STATE = {1: "PowerOn", 2: "PowerOn", 3: "PowerOn", 4: "PowerOff", 5: "PowerOff"}
STATE_NAMES = {
    0: "nostate",
    1: "running",
    2: "blocked",
    3: "paused",
    4: "shutdown",
    5: "shutoff",
    6: "crashed",
    7: "pmsuspended",
}


@dataclass
class RuntimeFacts:
    """What CloudStack's agent asks libvirt for instead of reading the XML (§3.1)."""

    state: int | None = None  # libvirt virDomainState
    running_vcpus: int | None = None  # virDomainGetVcpus, RUNNING entries; None when inactive
    max_memory_kib: int | None = None  # virDomainGetMaxMemory
    disk_capacity: dict[str, int] = field(default_factory=dict)  # target dev -> bytes
    persistent: bool | None = None


def power_state(state: int | None) -> str | None:
    if state is None:
        return None
    return _POWER_BY_STATE.get(state, "PowerUnknown")
