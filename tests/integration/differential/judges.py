"""The two independent readings of CloudStack's KVM agent, brought to one comparable shape.

- the collection: ``domain_to_instance`` (what ``unmanaged_instance_info source=libvirt`` calls per domain)
  with the rules catalogue's agent of that version: listed or not (a finding of kind ``agent_drop`` among its
  ``import_problems``), the drop codes, and the fields it predicts CloudStack lists;
- the simulator: ``acs_simulator.agent_listing`` (the layer behind its listUnmanagedInstances /
  listVmsForImport) fed the same XML and the same libvirt answers through a ``StaticRuntime``.

Both get the same runtime facts (running vCPUs, maximum memory, block capacity, bridge VLAN, power state).
The shape keeps only what CloudStack's response carries (the collection's own extra keys are dropped).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from acs_simulator import agent_listing, domparser
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import AcsIngestError
from ansible_collections.acs.ingest.plugins.module_utils._libvirt.domain_xml import (
    EXTERNAL,
    UNMANAGED,
    domain_to_instance,
)
from ansible_collections.acs.ingest.plugins.module_utils._libvirt.runtime import RuntimeFacts
from ansible_collections.acs.ingest.plugins.module_utils._rules.catalogue import AGENT_DROP
from ansible_collections.acs.ingest.plugins.module_utils._rules.registry import CATALOGUE

# the releases both sides model; the x.y.0 ones are the brief's "4.19/4.20/4.21/4.22"
RELEASES = ("4.19.0", "4.19.1", "4.19.2", "4.19.3", "4.20.0", "4.20.1", "4.20.2", "4.21.0", "4.22.0")
SCALARS = ("cpunumber", "cpuspeed", "cpucorepersocket", "memory", "powerstate", "boottype", "bootmode")
NIC_KEYS = ("macaddress", "adaptertype", "networkname", "vlanid", "pcislot")
DISK_KEYS = ("position", "label", "capacity", "controller", "datastoretype", "datastorepath", "datastorehost")
LOCAL_DISK_KEYS = ("imagepath", "datastorename", "filebasename")
# codes of rules that only the cluster side (managed names, host state) or the power state can trigger
NOT_FROM_XML = frozenset({"managed_instance_name", "host_not_up_or_in_maintenance", "remote_domain_not_shut_off"})


@dataclass(frozen=True)
class Facts:
    """What libvirt answers the agent about one domain (both sides get exactly these)."""

    vcpus: int = 1
    memory_kib: int = 1024 * 1024
    capacity: int = 1024**3
    vlan: int | None = None  # getVlanIdForBridge for every bridge (4.20.2/4.22 agents ask)
    active: bool = True  # running (listUnmanagedInstances); listVmsForImport always sees a shut-off domain


@dataclass
class Verdict:
    listed: bool
    codes: tuple[str, ...]  # drop codes (the simulator stops at the first, as the Java code throws)
    fields: dict[str, Any] = field(default_factory=dict)
    error: str | None = None  # the side could not judge the document at all


class _EveryBridge(dict):  # type: ignore[type-arg]
    """bridge_vlans for the collection: the same VLAN for any bridge name, as StaticRuntime answers."""

    def __init__(self, vlan: int | None) -> None:
        super().__init__()
        self.vlan = vlan

    def get(self, key: Any, default: Any = None) -> Any:
        return self.vlan


def collection(xml: str, release: str, listing: str, facts: Facts) -> Verdict:
    unmanaged = listing == "unmanaged"
    active = unmanaged and facts.active
    runtime = RuntimeFacts(
        state=1 if active else 5,
        running_vcpus=facts.vcpus if active else None,
        max_memory_kib=facts.memory_kib,
        bridge_vlans=_EveryBridge(facts.vlan),
    )
    try:
        inst = domain_to_instance(xml, runtime, target=UNMANAGED if unmanaged else EXTERNAL, agent_version=release)
    except AcsIngestError as exc:
        return Verdict(False, (), error=str(exc))
    drops = tuple(
        p["code"]
        for p in inst["import_problems"]
        if p["code"] in CATALOGUE and CATALOGUE[p["code"]].kind == AGENT_DROP and p["code"] not in NOT_FROM_XML
    )
    if drops:
        return Verdict(False, tuple(dict.fromkeys(drops)))
    out = {key: inst.get(key) for key in SCALARS}
    out["nic"] = [{key: nic.get(key) for key in NIC_KEYS} for nic in inst["nic"]]
    keys = DISK_KEYS + (LOCAL_DISK_KEYS if unmanaged else ())
    out["disk"] = [{key: disk.get(key) for key in keys} for disk in inst["disk"]]
    for disk in out["disk"]:
        disk["capacity"] = facts.capacity  # the collection shows sizes from its own libvirt call, not the XML
    return Verdict(True, (), _normal(out))


def simulator(xml: str, release: str, listing: str, facts: Facts) -> Verdict:
    unmanaged = listing == "unmanaged"
    runtime = agent_listing.StaticRuntime(
        xml=xml,
        active=unmanaged and facts.active,
        vcpus=facts.vcpus,
        memory_kib=facts.memory_kib,
        capacity=facts.capacity,
        vlan=facts.vlan,
    )
    build = agent_listing.unmanaged_instance if unmanaged else agent_listing.remote_instance
    try:
        inst = build("", xml, runtime, release)
    except domparser.AgentDrop as drop:
        return Verdict(False, (drop.code,))
    out = {key: inst.get(key) for key in SCALARS}
    out["nic"] = [
        {**{key: nic.get(key) for key in NIC_KEYS if key != "pcislot"}, "pcislot": nic.get("_pcislot")}
        for nic in inst["nic"]
    ]
    keys = DISK_KEYS + (LOCAL_DISK_KEYS if unmanaged else ())
    out["disk"] = [
        {**{key: disk.get(key) for key in keys if key != "filebasename"}, **_basename(disk, unmanaged)}
        for disk in inst["disk"]
    ]
    return Verdict(True, (), _normal(out))


def _basename(disk: dict[str, Any], unmanaged: bool) -> dict[str, Any]:
    return {"filebasename": disk.get("_filebasename")} if unmanaged else {}


def _normal(fields: dict[str, Any]) -> dict[str, Any]:
    # The collection shows MAC addresses lower-cased (its own choice for matching); compare them so.
    for nic in fields["nic"]:
        if isinstance(nic["macaddress"], str):
            nic["macaddress"] = nic["macaddress"].lower()
    return fields


def field_diff(ours: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    """Readable differences 'path: collection=... simulator=...' between two listed-field shapes."""
    out: list[str] = []
    for key in SCALARS:
        if ours.get(key) != theirs.get(key):
            out.append(f"{key}: collection={ours.get(key)!r} simulator={theirs.get(key)!r}")
    for group in ("nic", "disk"):
        a, b = ours.get(group, []), theirs.get(group, [])
        if len(a) != len(b):
            out.append(f"{group}: collection lists {len(a)}, simulator {len(b)}")
            continue
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            for key in x.keys() | y.keys():
                if x.get(key) != y.get(key):
                    out.append(f"{group}[{index}].{key}: collection={x.get(key)!r} simulator={y.get(key)!r}")
    return out
