# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""How CloudStack's KVM agent lists one domain: listed or dropped (and why), and the fields it reports.

``agent_view(xml, listing, version, runtime)`` mirrors ``LibvirtGetUnmanagedInstancesCommandWrapper``
(``listUnmanagedInstances``) or ``LibvirtGetRemoteVmsCommandWrapper`` (``listVmsForImport``) of that
agent version, after ``agent_parse.parse_domain``. What the agent asks libvirt or the host instead
of reading the XML comes in as ``AgentRuntime``; unknown values are predicted from the XML the
way libvirt 9 answers (running vCPUs from ``<vcpu current>``, ``virDomainGetBlockInfo`` from the
disk list), so a bare document can be judged too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._rules import agent_devices as dev
from ansible_collections.acs.ingest.plugins.module_utils._rules import agent_disks as dsk
from ansible_collections.acs.ingest.plugins.module_utils._rules import agent_domain as dom_rules
from ansible_collections.acs.ingest.plugins.module_utils._rules.agent_parse import parse_domain
from ansible_collections.acs.ingest.plugins.module_utils._rules.agent_parsed import ParsedDisk, ParsedDomain
from ansible_collections.acs.ingest.plugins.module_utils._rules.agent_runtime import (
    declares_uefi,
    int32,
    java_div,
    libvirt_block_info_error,
    state_name,
    xml_memory_kib,
    xml_vcpus,
)
from ansible_collections.acs.ingest.plugins.module_utils._rules.catalogue import (
    AGENT_DROP,
    LIST_REMOTE,
    LIST_UNMANAGED,
    Finding,
    Rule,
    find,
)
from ansible_collections.acs.ingest.plugins.module_utils._rules.dom import Element, parse
from ansible_collections.acs.ingest.plugins.module_utils._rules.versions import (
    BEFORE_FIX_19_2_20_1,
    IN_20_2_AND_22,
    Version,
)

UNMANAGED, REMOTE = "unmanaged", "remote"
LISTING_API = {UNMANAGED: LIST_UNMANAGED, REMOTE: LIST_REMOTE}
ACTIVE_STATES = (1, 2, 3, 4, 7)  # running, blocked, paused, shutdown (still active), pmsuspended
# LibvirtComputingResource.POWER_STATES_TABLE / convertToPowerState
POWER_BY_STATE = {0: "PowerUnknown", 1: "PowerOn", 2: "PowerOn", 3: "PowerOn", 4: "PowerOff", 5: "PowerOff"}
VNC_PASSWORD_MAX = 22  # LibvirtGetUnmanagedInstancesCommandWrapper.requiredVncPasswordLength
_METADATA_SHADOWS = ("devices", "cputune", "cpu", "os", "description")


@dataclass
class AgentRuntime:
    """What the agent learns from libvirt and the host rather than the XML (None: unknown, predicted)."""

    state: int | None = None  # virDomainState
    running_vcpus: int | None = None  # VIR_VCPU_RUNNING entries of virDomainGetVcpus; None: libvirt refused
    max_memory_kib: int | None = None  # virDomainGetMaxMemory
    # virDomainGetBlockInfo answers keyed by the argument the agent passes (target dev for
    # listUnmanagedInstances, source path for listVmsForImport); a missing key is a libvirt error.
    block_info: dict[str, int] | None = None
    bridge_vlans: dict[str, int | None] | None = None  # LibvirtComputingResource.getVlanIdForBridge per bridge
    mount_lines: tuple[str, ...] = ()  # "mount" output on the agent's host (getSourceHostPath)
    private_ip: str | None = None  # the agent host's private IP (local mounts)
    disk_capacity: dict[str, int] = field(default_factory=dict)  # bytes by target dev, for display
    # CloudStack's side of listUnmanagedInstances, when known: the instance names it sends the agent
    # as "managed" (getHostsManagedVms), and the listHosts entry of the host the domain is on.
    managed_names: tuple[str, ...] = ()
    host: dict[str, Any] | None = None


@dataclass
class AgentView:
    listing: str
    version: Version
    listed: bool
    findings: list[Finding]  # drops first (blocking), then field warnings
    fields: dict[str, Any]  # what the listing reports (None where CloudStack omits the key)
    disk_positions: list[int] = field(default_factory=list)  # index among all <disk> elements, per listed disk

    @property
    def drops(self) -> list[Finding]:
        return [f for f in self.findings if f.kind == AGENT_DROP]


def agent_view(
    xml: str | bytes | Element,
    listing: str,
    version: Version,
    runtime: AgentRuntime | None = None,
    name: str | None = None,
) -> AgentView:
    """The agent's verdict and listed fields for one domain (``listing``: ``unmanaged`` or ``remote``)."""
    root = xml if isinstance(xml, Element) else parse(xml)
    runtime = runtime or AgentRuntime()
    parsed, findings = parse_domain(root, version, name or "")
    subject = name or parsed.name or ""
    api = LISTING_API[listing]
    findings = [replace(f, subject=subject, extra={**f.extra, "api": api}) for f in findings]
    wrapper = _Wrapper(root, parsed, listing, version, runtime, subject, findings)
    fields = wrapper.run()
    listed = not any(f.kind == AGENT_DROP for f in wrapper.findings)
    ordered = sorted(wrapper.findings, key=lambda f: f.kind != AGENT_DROP)
    positions = [d.position for d in parsed.disks if d.device_type == "disk"]
    return AgentView(listing, version, listed, ordered, fields, positions)


class _Wrapper:
    def __init__(
        self,
        root: Element,
        parsed: ParsedDomain,
        listing: str,
        version: Version,
        runtime: AgentRuntime,
        subject: str,
        findings: list[Finding],
    ) -> None:
        self.root, self.parsed, self.listing, self.version = root, parsed, listing, version
        self.runtime, self.subject, self.findings = runtime, subject, findings
        self.unmanaged = listing == UNMANAGED

    def hit(self, rule: Rule, field_name: str, detail: str, fix: str = "", value: object = None) -> None:
        api = LISTING_API[self.listing]
        found = find(rule, field_name, detail, self.version, subject=self.subject, fix=fix, api=api, value=value)
        self.findings.append(found)

    def run(self) -> dict[str, Any]:
        state = self.runtime.state
        fields: dict[str, Any] = {"name": self.subject or None}
        if self.unmanaged:
            self._cluster_side()
            vcpus = self._running_vcpus(state)
            fields["cpunumber"] = vcpus
            fields["cpuspeed"] = self._unmanaged_cpuspeed(vcpus)
        else:
            # LibvirtGetRemoteVmsCommandWrapper.execute: only domains whose power state is PowerOff.
            if state is not None and POWER_BY_STATE.get(state) != "PowerOff":
                self.hit(dom_rules.REMOTE_DOMAIN_NOT_SHUT_OFF, "state", f"the domain is {state_name(state)}")
            fields["cpunumber"] = None
            fields["cpuspeed"] = self.parsed.shares if self.parsed.has_cputune else None  # raw shares
        fields["cpucorepersocket"] = self.parsed.cores_per_socket if self.parsed.has_cpu else None
        fields["powerstate"] = POWER_BY_STATE.get(state, "PowerUnknown") if state is not None else None
        fields["memory"] = self._memory()
        fields["nic"] = self._nics()
        fields["disk"] = self._disks()
        if self.unmanaged:
            self._vnc_password()
        boot_reported = self.unmanaged and self.version in IN_20_2_AND_22
        fields["boottype"] = self.parsed.boot_type if boot_reported else None
        fields["bootmode"] = self.parsed.boot_mode if boot_reported else None
        self._field_warnings(boot_reported)
        return fields

    def _cluster_side(self) -> None:
        # UnmanagedVMsManagerImpl.getHostsManagedVms -> GetUnmanagedInstancesCommand.hasManagedInstance:
        # an exact, case-sensitive match of the libvirt name against CloudStack instance names.
        if self.subject and self.subject in self.runtime.managed_names:
            self.hit(dom_rules.MANAGED_INSTANCE_NAME, "name", f"'{self.subject}' is a CloudStack instance name")
        # UnmanagedVMsManagerImpl.listUnmanagedInstances (status Up) / getUnmanagedInstancesForHost (maintenance).
        host = self.runtime.host
        if host is not None:
            state, resource = str(host.get("state") or ""), str(host.get("resourcestate") or "")
            if state != "Up" or "Maintenance" in resource:
                self.hit(
                    dom_rules.HOST_NOT_UP,
                    "host",
                    f"host {host.get('name') or host.get('id') or '?'} is {state or 'in no state'}/{resource or '?'}",
                )

    # --- CPU and memory ---------------------------------------------------------------------------
    def _running_vcpus(self, state: int | None) -> int | None:
        # LibvirtComputingResource.countDomainRunningVcpus: virDomainGetVcpus refuses inactive domains.
        if state is not None and state not in ACTIVE_STATES:
            self.hit(dom_rules.DOMAIN_NOT_RUNNING, "state", f"the domain is {state_name(state)}")
            return None
        if state is not None and self.runtime.running_vcpus is None:
            self.hit(dom_rules.DOMAIN_NOT_RUNNING, "state", "libvirt does not report its vCPUs")
            return None
        return self.runtime.running_vcpus if self.runtime.running_vcpus is not None else xml_vcpus(self.root)

    def _unmanaged_cpuspeed(self, vcpus: int | None) -> int | None:
        # getUnmanagedInstance: shares / running vCPUs; before 4.19.2 and in 4.20.0 without a <cputune> guard.
        if not self.parsed.has_cputune:
            if self.version in BEFORE_FIX_19_2_20_1:
                self.hit(dom_rules.CPUTUNE_MISSING, "cputune", "the domain has no <cputune>")
            return None
        if vcpus is None:
            return None
        if vcpus == 0:
            self.hit(dom_rules.CPUSPEED_ZERO_RUNNING_VCPUS, "vcpu", "libvirt reports no running vCPU")
            return None
        return java_div(self.parsed.shares, vcpus)

    def _memory(self) -> int | None:
        # (int) getDomainMemory(domain) / 1024: the cast to 32 bits binds before the division.
        kib = self.runtime.max_memory_kib if self.runtime.max_memory_kib is not None else xml_memory_kib(self.root)
        return None if kib is None else java_div(int32(kib), 1024)

    # --- NICs -------------------------------------------------------------------------------------
    def _nics(self) -> list[dict[str, Any]]:
        nics = []
        for nic in self.parsed.nics:
            vlan: int | None = -1  # InterfaceDef._vlanTag: <vlan> is never read
            if self.unmanaged and self.version in IN_20_2_AND_22 and nic.net_type.lower() == "bridge":
                known = self.runtime.bridge_vlans
                vlan = known.get(nic.bridge or "") if known is not None else None
            nics.append(
                {
                    "id": str(nic.position),
                    "macaddress": nic.mac,
                    "adaptertype": nic.model,
                    "networkname": nic.dev,
                    "pcislot": nic.slot,
                    "vlanid": vlan,
                }
            )
        return nics

    # --- disks ------------------------------------------------------------------------------------
    def _disks(self) -> list[dict[str, Any]]:
        disks: list[dict[str, Any]] = []
        for disk in self.parsed.disks:
            if disk.device_type != "disk":
                continue
            where = f"disk {disk.label or disk.position}"
            argument = disk.label if self.unmanaged else disk.source_path
            if disk.failed:
                pass  # the parser threw already; the wrapper never reads this disk
            elif disk.source_path is None:
                self.hit(dsk.DISK_SOURCE_MISSING, f"{where}.source", f"{where} has no source")
            else:
                error = self._block_info_error(argument)
                if error:
                    self.hit(dsk.DISK_CAPACITY_UNREADABLE, f"{where}.source", f"libvirt: {error}", value=error)
            disks.append(self._disk_fields(disk, len(disks)))
        return disks

    def _block_info_error(self, argument: str | None) -> str | None:
        known = self.runtime.block_info
        if known is not None:
            return None if argument is not None and argument in known else f"no block info for '{argument}'"
        active = self.unmanaged if self.runtime.state is None else self.runtime.state in ACTIVE_STATES
        return libvirt_block_info_error(self.root, argument, active)

    def _disk_fields(self, disk: ParsedDisk, index: int) -> dict[str, Any]:
        path = disk.source_path or ""
        host_path = self._source_host_path(path)
        host: str | None
        if host_path is not None:
            host, store = host_path
        else:
            host = disk.source_host
            # unmanaged: the directory (or the whole path without "/"); remote: the whole source path.
            store = path[: path.rindex("/")] if self.unmanaged and "/" in path else path
        argument = disk.label if self.unmanaged else disk.source_path
        capacity = (self.runtime.block_info or {}).get(argument or "") or self.runtime.disk_capacity.get(
            disk.label or ""
        )
        fields: dict[str, Any] = {
            "id": str(index),
            "position": index,
            "label": disk.label or None,  # an empty label is not in the response
            "capacity": capacity,
            "controller": disk.bus,
            "datastoretype": disk.disk_type,
            "datastorehost": host,
            "datastorepath": store,
            "datastoreport": disk.port,
        }
        if self.unmanaged:
            fields["imagepath"] = disk.source_path
            fields["datastorename"] = store
            fields["filebasename"] = _relative_path(disk)
        return fields

    def _source_host_path(self, path: str) -> tuple[str, str] | None:
        # LibvirtComputingResource.getSourceHostPath: `mount | grep "<dir>"`, first token of the output.
        if "/" not in path:
            return None
        directory = path[: path.rindex("/")]
        pattern = re.compile(re.escape(directory).replace("\\.", ".").replace("\\*", "*"))
        matching = [line for line in self.runtime.mount_lines if pattern.search(line)]
        if not matching:
            return None
        token = matching[0].strip().split(" ")[0]
        if ":" in token:
            host, store = token.split(":")[0].strip(), token.split(":")[1].strip()
        else:
            host, store = self.runtime.private_ip or "", directory
        return (host, store) if host and store else None

    # --- console and warnings ---------------------------------------------------------------------
    def _vnc_password(self) -> None:
        # getFormattedVncPassword: RandomStringUtils.random(22 - length) refuses a negative length.
        password = self.parsed.vnc_password
        if password and password.strip():
            length = len(password.encode("utf-16-le")) // 2  # Java counts UTF-16 units
            if length > VNC_PASSWORD_MAX:
                detail = f"the console password has {length} characters"
                self.hit(dev.VNC_PASSWORD_TOO_LONG, "graphics.passwd", detail, value=VNC_PASSWORD_MAX - length)

    def _field_warnings(self, boot_reported: bool) -> None:
        for disk in self.parsed.disks:
            where = f"disk {disk.label or disk.position}"
            if disk.device_type is None and disk.xml_type.lower() not in ("file", "block"):
                self.hit(dsk.DISK_TYPE_NOT_LISTED, f"{where}.type", f"{where} is of type '{disk.xml_type or 'none'}'")
            elif disk.device_type == "disk" and disk.xml_device.lower() not in ("disk", ""):
                rule = (
                    dsk.NETWORK_DISK_ANY_DEVICE_LISTED
                    if disk.disk_type == "network"
                    else dsk.BLOCK_NON_DISK_LISTED_AS_DISK
                )
                self.hit(rule, f"{where}.device", f"{where} is a {disk.xml_type} {disk.xml_device}")
        uefi = declares_uefi(self.root)
        if uefi and not boot_reported:
            self.hit(dom_rules.BOOT_FIELDS_ABSENT, "os.loader", "the domain boots with UEFI")
        elif uefi and self.parsed.boot_type != "UEFI":
            self.hit(
                dom_rules.BOOT_DETECTION_LOADER_ONLY, "os.loader", "the domain asks for UEFI without a pflash loader"
            )
        devices = self.root.first("devices")
        for position, nic in enumerate(devices.all("interface") if devices is not None else []):
            tag = nic.first("vlan")
            if tag is not None and tag.first("tag") is not None:
                self.hit(dom_rules.NIC_VLAN_NOT_PARSED, f"nic[{position}].vlan", f"NIC {position} has a <vlan><tag>")
        kib = self.runtime.max_memory_kib if self.runtime.max_memory_kib is not None else xml_memory_kib(self.root)
        if kib is not None and kib >= 2**31:
            self.hit(dom_rules.MEMORY_INT_OVERFLOW, "memory", f"the domain has {kib} KiB of memory")
        metadata = self.root.first("metadata")
        shadowing = sorted({e.name for e in metadata.descendants() if e.name in _METADATA_SHADOWS}) if metadata else []
        if shadowing:
            self.hit(
                dom_rules.METADATA_SHADOWS_ELEMENT,
                "metadata",
                f"<metadata> holds unprefixed <{'>, <'.join(shadowing)}>",
            )


def _relative_path(disk: ParsedDisk) -> str | None:
    # LibvirtGetUnmanagedInstancesCommandWrapper.getDiskRelativePath
    if disk.disk_type == "block" or not disk.source_path or not disk.source_path.strip():
        return None
    return disk.source_path.rsplit("/", 1)[-1]
