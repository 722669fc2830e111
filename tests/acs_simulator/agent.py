"""The KVM agent of each simulated host: real libvirt answers fed to the agent's listing code.

``agent_listing`` holds what CloudStack's agent does with a domain; this module asks libvirt and the
host (``/sys``, ``/proc/net/vlan``, ``mount``) the questions the agent asks, per host URI. Connections stay
open per URI: the test driver (``test:///path/node.xml``) keeps its state per connection, and reopening
would also cost too much for thousand-domain listings.

Every domain an agent leaves out is remembered with its rule code (``drops``), so tests can check why.
"""

from __future__ import annotations

import collections
import contextlib
import os
import re
import threading
from pathlib import Path
from typing import Any

import libvirt

from . import agent_listing
from .agent_listing import RuntimeFailure
from .domparser import AgentDrop

VIR_DOMAIN_XML_SECURE = 1
_RUNNING_VCPU = 1
# LibvirtComputingResource.POWER_STATES_TABLE (anything else is PowerUnknown)
_POWER = {
    libvirt.VIR_DOMAIN_SHUTOFF: "PowerOff",
    libvirt.VIR_DOMAIN_SHUTDOWN: "PowerOff",
    libvirt.VIR_DOMAIN_RUNNING: "PowerOn",
    libvirt.VIR_DOMAIN_PAUSED: "PowerOn",
    libvirt.VIR_DOMAIN_BLOCKED: "PowerOn",
}
# LibvirtComputingResource.ifNamePatterns / isInterface: the bridge ports counted as physical interfaces
_PIF = re.compile(r"(?:eth|bond|vlan|vx|em|ens|eno|enp|team|enx|dummy|lo|p\d+p\d+|vni|enc).*", re.S)


def _quiet(_ctx: Any, _err: Any) -> None:
    """libvirt prints every error to stderr by default; the agent logs them at INFO at most."""


libvirt.registerErrorHandler(_quiet, None)


class AgentError(Exception):
    pass


class HostEnvironment:
    """The files and commands of the KVM host the agent consults, under ``root`` (tests use a fake root)."""

    def __init__(self, root: str, private_ip: str | None) -> None:
        self.root = Path(root or "/")
        self.private_ip = private_ip

    def bridge_vlan(self, bridge: str | None) -> int | None:
        """LibvirtComputingResource.getVlanIdForBridge (4.20.2, 4.22): the VID of the bridge's first port."""
        pif = self._match_pif(str(bridge))  # "…/net/" + null is "…/net/null" in Java
        vlan_file = self.root / "proc/net/vlan" / pif
        if not pif or not vlan_file.is_file():
            return None
        # awk '/VID:/ {print $3}' /proc/net/vlan/<pif>, then Integer.parseInt of the whole output
        values = [f.split()[2] for f in vlan_file.read_text().splitlines() if "VID:" in f and len(f.split()) > 2]
        try:
            return int(values[0]) if len(values) == 1 and values[0].isdigit() else None
        except ValueError:
            return None

    def _match_pif(self, bridge: str) -> str:
        """matchPifFileInDirectory: first entry of the bridge's brif directory whose name isInterface."""
        brif = self.root / "sys/devices/virtual/net" / bridge / "brif"
        if not brif.is_dir():
            # On a real kernel /sys/class/net/<br> is a symlink to /sys/devices/virtual/net/<br>; a fake
            # root may lay out only the class path, which is the same directory.
            brif = self.root / "sys/class/net" / bridge / "brif"
        if not brif.is_dir():
            return bridge if (self.root / "sys/class/net" / bridge).is_dir() else ""
        for name in os.listdir(brif):  # File.listFiles order: directory order, not sorted
            if _PIF.fullmatch(name):
                return name
        return ""

    def source_host_path(self, directory: str) -> tuple[str, str] | None:
        """LibvirtComputingResource.getSourceHostPath: ``mount | grep "<dir>"``, first token of the output."""
        pattern = _grep_pattern(directory)
        for line in _mount_lines():
            if pattern.search(line):
                first = line.strip().split(" ")[0]
                if ":" in first:
                    parts = first.split(":")
                    host, path = parts[0].strip(), (parts[1].strip() if len(parts) > 1 else None)
                else:
                    host, path = self.private_ip, directory
                return (host, path) if host and path else None
        return None


def _mount_lines() -> list[str]:
    """What `mount` prints: "<source> on <target> type <fs> (<options>)" per line of /proc/self/mounts."""
    try:
        text = Path("/proc/self/mounts").read_text()
    except OSError:
        return []
    out = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 4:
            src, target, fstype, opts = (f.replace("\\040", " ") for f in fields[:4])
            out.append(f"{src} on {target} type {fstype} ({opts})")
    return out


def _grep_pattern(text: str) -> re.Pattern[str]:
    """A grep basic regular expression: '.' any character, '*' repeats, '^'/'$' anchor; the rest literal."""
    parts = []
    for i, ch in enumerate(text):
        if ch == "." or (ch == "*" and i > 0):
            parts.append(ch)
        elif ch == "^" and i == 0:
            parts.append("^")
        elif ch == "$" and i == len(text) - 1:
            parts.append("$")
        else:
            parts.append(re.escape(ch))
    return re.compile("".join(parts))


class LibvirtRuntime:
    """agent_listing.Runtime backed by one libvirt domain and its host."""

    def __init__(self, conn: libvirt.virConnect, dom: libvirt.virDomain, env: HostEnvironment) -> None:
        self.conn, self.dom, self.env = conn, dom, env

    def running_vcpus(self) -> int:
        try:
            return sum(1 for v in self.dom.vcpus()[0] if v[1] == _RUNNING_VCPU)
        except libvirt.libvirtError as exc:
            raise RuntimeFailure(str(exc)) from None

    def max_memory_kib(self) -> int:
        return int(self.dom.maxMemory())

    def power_state(self) -> str:
        """getVmState: three attempts at domainLookupByName().getInfo(), PowerOff when all fail."""
        for _ in range(3):
            try:
                return _POWER.get(self.conn.lookupByName(self.dom.name()).info()[0], "PowerUnknown")
            except libvirt.libvirtError:
                continue
        return "PowerOff"

    def block_capacity(self, key: str | None) -> int:
        if not key:
            raise RuntimeFailure("invalid argument: disk in virDomainGetBlockInfo must be a non-empty string")
        try:
            return int(self.dom.blockInfo(key)[0])
        except libvirt.libvirtError as exc:
            raise RuntimeFailure(str(exc)) from None

    def bridge_vlan(self, bridge: str | None) -> int | None:
        return self.env.bridge_vlan(bridge)

    def source_host_path(self, directory: str) -> tuple[str, str] | None:
        return self.env.source_host_path(directory)


class Agent:
    def __init__(self, proc_root: str | None = None, default_version: str = "4.22.0") -> None:
        self._conns: dict[str, libvirt.virConnect] = {}
        self._lock = threading.Lock()
        self.proc_root = proc_root  # overrides every host's vlan_root when set
        self.default_version = default_version
        self.drops: collections.deque[dict[str, str]] = collections.deque(maxlen=20000)

    def close(self) -> None:
        with self._lock:
            for conn in self._conns.values():
                with contextlib.suppress(libvirt.libvirtError):
                    conn.close()
            self._conns.clear()

    def connect(self, uri: str) -> libvirt.virConnect:
        with self._lock:
            conn = self._conns.get(uri)
            if conn is not None:
                try:
                    if conn.isAlive():
                        return conn
                except libvirt.libvirtError:
                    pass
            conn = libvirt.open(uri)
            self._conns[uri] = conn
            return conn

    def drop(self, uri: str) -> None:
        with self._lock:
            self._conns.pop(uri, None)

    def version_of(self, host: dict[str, Any]) -> str:
        return str(host.get("agentversion") or self.default_version)

    def env_of(self, host: dict[str, Any]) -> HostEnvironment:
        return HostEnvironment(self.proc_root or host.get("vlan_root") or "/", host.get("ipaddress"))

    def _record(self, host: str, name: str, listing: str, drop: AgentDrop) -> None:
        self.drops.append({"host": host, "name": name, "listing": listing, "code": drop.code, "text": drop.text})

    # --- listUnmanagedInstances (LibvirtGetUnmanagedInstancesCommandWrapper.execute / getDomains) --------
    def unmanaged_instances(
        self, host: dict[str, Any], managed: set[str], name: str | None = None
    ) -> list[dict[str, Any]]:
        """Instances of one host that CloudStack does not manage; a failing domain is silently left out."""
        try:
            conn = self.connect(host["uri"])
            domains = self._domains(conn, managed, name)
        except (libvirt.libvirtError, AgentError):
            return []  # the answer fails ("Error listing unmanaged instances"): the manager sees no VMs there
        version, env = self.version_of(host), self.env_of(host)
        out = []
        for dom in domains:
            try:
                xml = dom.XMLDesc(VIR_DOMAIN_XML_SECURE)
                inst = agent_listing.unmanaged_instance(dom.name(), xml, LibvirtRuntime(conn, dom, env), version)
            except AgentDrop as drop:
                self._record(host["name"], dom.name(), "unmanaged", drop)
                continue  # "Unable to retrieve unmanaged instance info" is only logged by the agent
            except libvirt.libvirtError as exc:
                self._record(host["name"], dom.name(), "unmanaged", AgentDrop("agent_answer_failed", str(exc)))
                continue
            inst["_xml"] = xml
            inst["_persistent"] = bool(dom.isPersistent())
            out.append(inst)
        return out

    @staticmethod
    def _domains(conn: libvirt.virConnect, managed: set[str], name: str | None) -> list[libvirt.virDomain]:
        if name is not None and name.strip():
            dom = conn.lookupByName(name)  # "VM %s not found" fails the whole answer
            if dom.name() != name or dom.name() in managed:
                raise AgentError(f"GetUnmanagedInstancesCommand: exact vm name not found or managed {name}")
            return [dom]
        # LibvirtComputingResource.getAllVmNames: defined (inactive) domains, then running ones by id
        names = list(conn.listDefinedDomains()) + [conn.lookupByID(i).name() for i in conn.listDomainsID()]
        return [conn.lookupByName(n) for n in names if n not in managed]

    # --- listVmsForImport (LibvirtGetRemoteVmsCommandWrapper.execute) -----------------------------------
    def remote_instances(self, host_address: str, version: str | None = None) -> list[dict[str, Any]]:
        uri = f"qemu+tcp://{host_address}/system"
        try:
            conn = self.connect(uri)
            names = list(conn.listDefinedDomains()) + [conn.lookupByID(i).name() for i in conn.listDomainsID()]
            states = {n: conn.lookupByName(n).info()[0] for n in names}
        except libvirt.libvirtError as exc:
            self.drop(uri)
            if "connection refused" in str(exc).lower() or exc.get_error_code() == libvirt.VIR_ERR_SYSTEM_ERROR:
                raise AgentError(
                    f"Unable to connect to remote host {host_address}, please check the libvirtd "
                    "tcp connectivity and retry"
                ) from None
            raise AgentError(f"Unable to list stopped VMs on remote host {host_address}, due to: {exc}") from None
        version = version or self.default_version
        env = HostEnvironment("/", None)  # the mount lookup runs on the CloudStack host, not the remote one
        out = []
        for name, state in states.items():
            if _POWER.get(state) != "PowerOff":
                continue  # running VMs on an external host are never listed
            try:
                dom = conn.lookupByName(name)
                xml = dom.XMLDesc(VIR_DOMAIN_XML_SECURE)
                inst = agent_listing.remote_instance(name, xml, LibvirtRuntime(conn, dom, env), version)
            except AgentDrop as drop:
                self._record(host_address, name, "remote", drop)
                continue  # "Couldn't fetch remote VM %s details" is only logged
            except libvirt.libvirtError as exc:
                self._record(host_address, name, "remote", AgentDrop("remote_listing_failed", str(exc)))
                continue
            inst["_xml"] = xml
            out.append(inst)
        return out
