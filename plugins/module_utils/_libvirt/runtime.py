# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""What CloudStack's agent asks libvirt for instead of reading the domain XML (facts §3.1).

Kept apart from the XML so the XML model and the import blockers can both take it as plain data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ansible_collections.acs.ingest.plugins.module_utils._rules.agent_listing import AgentRuntime

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
    # virDomainGetBlockInfo answers keyed by the argument CloudStack's agent passes (target dev for
    # listUnmanagedInstances, source path for listVmsForImport); None: not asked, predicted from the XML.
    block_info: dict[str, int] | None = None
    # LibvirtComputingResource.getVlanIdForBridge on this host, per bridge; None: not looked at.
    bridge_vlans: dict[str, int | None] | None = None

    def for_agent(self) -> AgentRuntime:
        """The same facts in the rules catalogue's terms."""
        return AgentRuntime(
            state=self.state,
            running_vcpus=self.running_vcpus,
            max_memory_kib=self.max_memory_kib,
            block_info=self.block_info,
            bridge_vlans=self.bridge_vlans,
            disk_capacity=dict(self.disk_capacity),
        )


def power_state(state: int | None) -> str | None:
    if state is None:
        return None
    return _POWER_BY_STATE.get(state, "PowerUnknown")
