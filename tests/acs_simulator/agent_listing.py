"""What the KVM agent reports per domain: the two listing wrappers, given the facts libvirt answers.

Mirrors ``plugins/hypervisors/kvm/src/main/java/com/cloud/hypervisor/kvm/resource/wrapper/``
``LibvirtGetUnmanagedInstancesCommandWrapper.getUnmanagedInstance`` (listUnmanagedInstances) and
``LibvirtGetRemoteVmsCommandWrapper.getUnmanagedInstance`` (listVmsForImport), 4.19.0–4.22.0. The libvirt and
host facts the wrappers ask for (running vCPUs, block capacity, power state, bridge VLAN, ``mount``) come
from a ``Runtime``: ``agent.LibvirtRuntime`` asks the real libvirt, ``StaticRuntime`` answers from fixed
values as libvirt would for a running (or shut-off) domain, for pure-XML comparisons.

The result is the agent's UnmanagedInstanceTO as a dict; keys starting with "_" never reach the API.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, field
from typing import Any, Protocol

from . import domparser
from . import javalang as j
from .domparser import AgentDrop, DiskDef, NicDef, ParsedDomain
from .versions import AGENT_FEATURES

MAX_VNC_PASSWORD = 22  # LibvirtGetUnmanagedInstancesCommandWrapper.requiredVncPasswordLength


class RuntimeFailure(Exception):
    """A libvirt call failed (LibvirtException)."""


class Runtime(Protocol):
    def running_vcpus(self) -> int: ...  # LibvirtComputingResource.countDomainRunningVcpus
    def max_memory_kib(self) -> int: ...  # Domain.getMaxMemory
    def power_state(self) -> str: ...  # LibvirtComputingResource.getVmState → PowerOn/PowerOff/PowerUnknown
    def block_capacity(self, key: str | None) -> int: ...  # Domain.blockInfo(key).getCapacity()
    def bridge_vlan(self, bridge: str | None) -> int | None: ...  # getVlanIdForBridge
    def source_host_path(self, directory: str) -> tuple[str, str] | None: ...  # getSourceHostPath


def unmanaged_instance(name: str, xml: str, rt: Runtime, version: str) -> dict[str, Any]:
    """LibvirtGetUnmanagedInstancesCommandWrapper.getUnmanagedInstance; raises AgentDrop (domain left out)."""
    parsed = domparser.parse(xml, version)
    inst: dict[str, Any] = {"name": name}
    try:
        cores = rt.running_vcpus()
    except RuntimeFailure as exc:
        raise AgentDrop("domain_not_running", f"org.libvirt.LibvirtException: {exc}") from None
    inst["cpunumber"] = cores
    if parsed.shares is None and version not in AGENT_FEATURES["cputune_guard"]:
        # 4.19.0/4.19.1/4.20.0: parser.getCpuTuneDef().getShares() without a null check
        raise AgentDrop("cputune_missing", j.NullPointer('"getCpuTuneDef()" is null'))
    if parsed.shares is not None:
        try:
            inst["cpuspeed"] = j.int_divide(parsed.shares, cores)
        except j.Arithmetic as exc:
            raise AgentDrop("cpuspeed_zero_running_vcpus", exc) from None
    if parsed.cores_per_socket is not None:
        inst["cpucorepersocket"] = parsed.cores_per_socket
    inst["powerstate"] = rt.power_state()
    # (int) LibvirtComputingResource.getDomainMemory(domain) / 1024: the cast binds before the division
    inst["memory"] = j.int_divide(j.int_cast(rt.max_memory_kib()), 1024)
    bridge_vlan = version in AGENT_FEATURES["bridge_vlan"]
    inst["nic"] = [_nic(i, nic, rt if bridge_vlan else None) for i, nic in enumerate(parsed.nics)]
    inst["disk"] = _disks(parsed, rt, remote=False)
    if not j.is_blank(parsed.vnc_password):
        inst["_vncpassword"] = _padded_vnc_password(parsed.vnc_password or "")
    if parsed.boot_type is not None:
        inst["boottype"], inst["bootmode"] = parsed.boot_type, parsed.boot_mode
    return inst


def remote_instance(name: str, xml: str, rt: Runtime, version: str) -> dict[str, Any]:
    """LibvirtGetRemoteVmsCommandWrapper.getUnmanagedInstance (the caller lists only PowerOff domains)."""
    parsed = domparser.parse(xml, version)
    inst: dict[str, Any] = {"name": name}
    if parsed.cores_per_socket is not None:
        inst["cpucorepersocket"] = parsed.cores_per_socket
    inst["memory"] = j.int_divide(j.int_cast(rt.max_memory_kib()), 1024)  # memory.intValue()/1024
    if parsed.shares is not None:
        inst["cpuspeed"] = parsed.shares  # not divided by the vCPUs, unlike the local listing
    inst["powerstate"] = rt.power_state()
    inst["nic"] = [_nic(i, nic, None) for i, nic in enumerate(parsed.nics)]
    inst["disk"] = _disks(parsed, rt, remote=True)
    return inst


def _padded_vnc_password(password: str) -> str:
    """getFormattedVncPassword: pad to 22 with random letters; RandomStringUtils.random(negative) throws."""
    missing = MAX_VNC_PASSWORD - j.utf16_length(password)
    if missing < 0:
        raise AgentDrop(
            "vnc_password_too_long",
            j.IllegalArgument(f"Requested random string length {missing} is less than 0."),
        )
    return password + "".join(secrets.choice(string.ascii_letters) for _ in range(missing))


def _nic(index: int, nic: NicDef, vlan_rt: Runtime | None) -> dict[str, Any]:
    """getUnmanagedInstanceNics: getModel().toString() and getSlot().toString() throw NPE when unset."""
    if nic.model is None:
        raise AgentDrop(
            "nic_model_not_parsed", j.NullPointer('Cannot invoke "Object.toString()" because "getModel()" is null')
        )
    if nic.slot is None:
        raise AgentDrop(
            "nic_pci_slot_missing", j.NullPointer('Cannot invoke "Object.toString()" because "getSlot()" is null')
        )
    out: dict[str, Any] = {"id": str(index), "macaddress": nic.mac, "adaptertype": nic.model}
    if nic.dev is not None:
        out["networkname"] = nic.dev
    vlan: int | None = -1  # InterfaceDef's VLAN tag; the parser never reads <vlan>
    if vlan_rt is not None and nic.net_type == "bridge":
        vlan = vlan_rt.bridge_vlan(nic.bridge)  # 4.20.2/4.22: null (absent) when the bridge has no VLAN port
    if vlan is not None:
        out["vlanid"] = vlan
    out["_pcislot"] = nic.slot
    return out


def _disks(parsed: ParsedDomain, rt: Runtime, remote: bool) -> list[dict[str, Any]]:
    disks: list[dict[str, Any]] = []
    for disk in parsed.disks:
        if disk.device != "disk":
            continue  # cdroms and devices the parser did not define are not listed
        disks.append(_disk(len(disks), disk, rt, remote))
    return disks


def _disk(position: int, disk: DiskDef, rt: Runtime, remote: bool) -> dict[str, Any]:
    """getUnmanagedInstanceDisks: capacity by target (local) or by source path (remote), then the datastore."""
    key = disk.source if remote else disk.label
    try:
        capacity = rt.block_capacity(key)
    except RuntimeFailure as exc:
        code = "disk_source_missing" if disk.source is None else "disk_capacity_unreadable"
        raise AgentDrop(code, f"java.lang.RuntimeException: org.libvirt.LibvirtException: {exc}") from None
    if disk.source is None:  # getSourceHostPath(null): String.lastIndexOf on null
        raise AgentDrop("disk_source_missing", j.NullPointer('"diskPath" is null'))
    out: dict[str, Any] = {
        "id": str(position),
        "position": position,
        "capacity": capacity,
        "controller": disk.bus,
        "datastoretype": disk.disk_type,
    }
    if disk.label:
        out["label"] = disk.label  # the response builder skips an empty label
    cut = disk.source.rfind("/")
    found = rt.source_host_path(disk.source[:cut]) if cut >= 0 else None
    if found is not None:
        out["datastorehost"], out["datastorepath"] = found
    else:
        # local listing: the directory; remote listing: the whole source path
        out["datastorepath"] = disk.source if remote or cut < 0 else disk.source[:cut]
        if disk.source_host is not None:
            out["datastorehost"] = disk.source_host
    out["_datastoreport"] = disk.source_port
    if not remote:
        out["imagepath"] = disk.source
        out["datastorename"] = out["datastorepath"]
        out["_filebasename"] = _relative_path(disk)
    return out


def _relative_path(disk: DiskDef) -> str | None:
    """getDiskRelativePath: the source's base name (None for block disks); becomes the volume path."""
    if disk.disk_type == "block" or j.is_blank(disk.source):
        return None
    source = disk.source or ""
    return source[source.rfind("/") + 1 :]


# --- fixed runtime facts -------------------------------------------------------------------------------
@dataclass
class StaticRuntime:
    """libvirt's answers for one domain without asking libvirt (pure-XML checks, differential tests).

    ``block_capacity`` follows libvirt's virDomainGetBlockInfo lookup: a key without "/" is a target name,
    one with "/" a source path that must name exactly one disk; a disk without a source has no capacity; a
    shut-off domain's network disk cannot be opened. ``xml`` gives the disks as libvirt holds them.
    """

    xml: str = ""
    active: bool = True
    vcpus: int = 1
    memory_kib: int = 1024 * 1024
    capacity: int = 1024**3
    vlan: int | None = None
    mounts: dict[str, tuple[str, str]] = field(default_factory=dict)
    _disks: list[tuple[str, str | None, str | None]] | None = None

    def running_vcpus(self) -> int:
        if not self.active:
            raise RuntimeFailure("Requested operation is not valid: domain is not running")
        return self.vcpus

    def max_memory_kib(self) -> int:
        return self.memory_kib

    def power_state(self) -> str:
        return "PowerOn" if self.active else "PowerOff"

    def bridge_vlan(self, bridge: str | None) -> int | None:
        return self.vlan

    def source_host_path(self, directory: str) -> tuple[str, str] | None:
        return self.mounts.get(directory)

    def block_capacity(self, key: str | None) -> int:
        if not key:
            raise RuntimeFailure("invalid argument: disk in virDomainGetBlockInfo must be a non-empty string")
        matches = [d for d in self._libvirt_disks() if (key == d[1] if "/" not in key else key == d[2])]
        if not matches or ("/" in key and len(matches) > 1):
            raise RuntimeFailure(f"invalid argument: invalid path {key} not assigned to domain")
        kind, _target, source = matches[0]
        if kind == "vhostuser":
            raise RuntimeFailure("Operation not supported: block info is not supported for vhostuser disk")
        if source is None:
            raise RuntimeFailure(f"invalid argument: disk '{key}' does not currently have a source assigned")
        if not self.active and kind == "network":
            raise RuntimeFailure("internal error: missing storage backend for network files")
        return self.capacity

    def _libvirt_disks(self) -> list[tuple[str, str | None, str | None]]:
        """(type, target dev, source) of each <devices><disk> child, read as libvirt reads its own XML."""
        if self._disks is None:
            self._disks = []
            try:
                root = j.parse_document(self.xml).documentElement
            except j.XmlUnreadable:
                return self._disks
            attr = {"file": "file", "block": "dev", "dir": "dir", "network": "name", "volume": "volume",
                    "vhostuser": "path"}  # fmt: skip
            for devices in _children(root, "devices")[:1]:
                for disk in _children(devices, "disk"):
                    kind = disk.getAttribute("type") or "file"
                    target = next((t.getAttribute("dev") for t in _children(disk, "target")), None)
                    source = None
                    for src in _children(disk, "source"):
                        source = src.getAttribute(attr[kind]) if kind in attr else None
                    self._disks.append((kind, target, source or None))
        return self._disks


def _children(el: Any, tag: str) -> list[Any]:
    return [c for c in el.childNodes if getattr(c, "tagName", None) == tag]
