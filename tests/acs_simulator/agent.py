"""The KVM agent's view of a host: libvirt facts gathered as CloudStack's agent gathers them (facts §3.1, §3.2).

Connections stay open per URI: the test driver (``test:///path/node.xml``) keeps its state per connection,
and reopening would also cost too much for thousand-domain listings.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import string
import threading
from pathlib import Path
from typing import Any

import libvirt

from . import domxml

VIR_DOMAIN_XML_SECURE = 1
_RUNNING_VCPU = 1
_POWER = {
    libvirt.VIR_DOMAIN_SHUTOFF: "PowerOff",
    libvirt.VIR_DOMAIN_SHUTDOWN: "PowerOff",
    libvirt.VIR_DOMAIN_RUNNING: "PowerOn",
    libvirt.VIR_DOMAIN_PAUSED: "PowerOn",
    libvirt.VIR_DOMAIN_BLOCKED: "PowerOn",
}
_VID = re.compile(r"VID:\s*(\d+)")
_SKIP_PORTS = ("vnet", "tap", "vif", "veth")


def _quiet(_ctx: Any, _err: Any) -> None:
    """libvirt prints every error to stderr by default; the agent logs them at INFO at most."""


libvirt.registerErrorHandler(_quiet, None)


class AgentError(Exception):
    pass


class Agent:
    def __init__(self, proc_root: str | None = None) -> None:
        self._conns: dict[str, libvirt.virConnect] = {}
        self._lock = threading.Lock()
        self.proc_root = proc_root  # overrides every host's vlan_root when set

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

    # --- bridge VLAN (facts §3.1 getVlanIdForBridge) --------------------------------------
    def bridge_vlan(self, bridge: str, root: str) -> int | None:
        base = Path(self.proc_root or root or "/")
        brif = base / "sys/class/net" / bridge / "brif"
        try:
            ports = sorted(os.listdir(brif))
        except OSError:
            return None
        for port in ports:
            if port.startswith(_SKIP_PORTS):
                continue
            try:
                text = (base / "proc/net/vlan" / port).read_text()
            except OSError:
                continue
            m = _VID.search(text)
            if m:
                return int(m.group(1))
        return None

    # --- listUnmanagedInstances ------------------------------------------------------------
    def unmanaged_instances(
        self, host: dict[str, Any], managed: set[str], name: str | None = None
    ) -> list[dict[str, Any]]:
        """Instances of one host that CloudStack does not manage; a failing domain is silently left out."""
        try:
            conn = self.connect(host["uri"])
        except libvirt.libvirtError:
            return []  # an unreachable agent answers nothing: the manager just sees no VMs on that host
        if name is not None:
            try:
                dom = conn.lookupByName(name)
            except libvirt.libvirtError:
                return []  # "VM %s not found" makes the answer fail: the API sees nothing
            if dom.name() != name or name in managed:
                return []
            domains = [dom]
        else:
            domains = [d for d in conn.listAllDomains(0) if d.name() not in managed]
        out = []
        for dom in domains:
            try:
                out.append(self._local_instance(dom, host))
            except (libvirt.libvirtError, domxml.Unsupported, ValueError):
                continue  # "Unable to retrieve unmanaged instance info" is only logged by the agent
        return out

    def _local_instance(self, dom: libvirt.virDomain, host: dict[str, Any]) -> dict[str, Any]:
        xml = dom.XMLDesc(VIR_DOMAIN_XML_SECURE)
        facts = domxml.parse(xml)
        vcpus = dom.vcpus()  # raises for shut-off domains: the agent then drops the domain
        cpunumber = sum(1 for v in vcpus[0] if v[1] == _RUNNING_VCPU)
        state = dom.state()[0]
        inst: dict[str, Any] = {
            "name": dom.name(),
            "powerstate": _POWER.get(state, "PowerUnknown"),
            "cpunumber": cpunumber,
            "memory": dom.maxMemory() // 1024,
        }
        if facts.shares is not None and cpunumber:
            inst["cpuspeed"] = facts.shares // cpunumber
        if facts.cores_per_socket is not None:
            inst["cpucorepersocket"] = facts.cores_per_socket
        inst["disk"] = self._disks(dom, facts, host, by_path=False)
        inst["nic"] = [self._nic(i, n, host) for i, n in enumerate(facts.nics)]
        inst["_bootmode"], inst["_boottype"] = facts.bootmode, facts.boottype
        if facts.vnc_password:
            pad = max(0, 22 - len(facts.vnc_password))
            inst["_vncpassword"] = facts.vnc_password + "".join(random.choices(string.ascii_letters, k=pad))
        inst["_xml"] = xml
        inst["_persistent"] = bool(dom.isPersistent())
        return inst

    def _nic(self, index: int, nic: domxml.Nic, host: dict[str, Any] | None) -> dict[str, Any]:
        out: dict[str, Any] = {"id": str(index), "macaddress": nic.mac, "adaptertype": nic.model}
        if nic.dev:
            out["networkname"] = nic.dev
        vlan: int | None = -1  # the parser never reads <vlan><tag>
        if host is not None and nic.type == "bridge" and nic.bridge:
            vlan = self.bridge_vlan(nic.bridge, host.get("vlan_root", "/"))
        if vlan is not None:
            out["vlanid"] = vlan
        return out

    def _disks(
        self, dom: libvirt.virDomain, facts: domxml.DomainFacts, host: dict[str, Any] | None, by_path: bool
    ) -> list[dict[str, Any]]:
        disks = []
        for disk in (d for d in facts.disks if d.device == "disk"):
            pos = len(disks)
            capacity = dom.blockInfo(disk.source if by_path else disk.dev)[0]
            item: dict[str, Any] = {
                "id": str(pos),
                "label": disk.dev,
                "capacity": capacity,
                "controller": disk.bus,
                "position": pos,
                "datastoretype": disk.type,
            }
            if not by_path and disk.source:
                item["imagepath"] = disk.source
            item.update(_datastore(disk, host, full_path=by_path))
            item["_filebasename"] = os.path.basename(disk.source) if disk.type != "block" and disk.source else None
            disks.append(item)
        return disks

    # --- listVmsForImport (remote host over qemu+tcp) ---------------------------------------
    def remote_instances(self, host_address: str) -> list[dict[str, Any]]:
        uri = f"qemu+tcp://{host_address}/system"
        try:
            conn = self.connect(uri)
            domains = conn.listAllDomains(0)
        except libvirt.libvirtError as exc:
            self.drop(uri)
            if "Connection refused" in str(exc) or exc.get_error_code() == libvirt.VIR_ERR_SYSTEM_ERROR:
                raise AgentError(
                    f"Unable to connect to remote host {host_address}, please check the libvirtd "
                    "tcp connectivity and retry"
                ) from None
            raise AgentError(f"Unable to list stopped VMs on remote host {host_address}, due to: {exc}") from None
        out = []
        for dom in domains:
            try:
                if _POWER.get(dom.state()[0]) != "PowerOff":
                    continue  # running VMs on an external host are never listed
                xml = dom.XMLDesc(VIR_DOMAIN_XML_SECURE)
                facts = domxml.parse(xml)
                inst: dict[str, Any] = {"name": dom.name(), "powerstate": "PowerOff", "memory": dom.maxMemory() // 1024}
                if facts.cores_per_socket is not None:
                    inst["cpucorepersocket"] = facts.cores_per_socket
                if facts.shares is not None:
                    inst["cpuspeed"] = facts.shares
                inst["disk"] = self._disks(dom, facts, None, by_path=True)
                inst["nic"] = [self._nic(i, n, None) for i, n in enumerate(facts.nics)]
                inst["_bootmode"], inst["_boottype"] = facts.bootmode, facts.boottype
                out.append(inst)
            except (libvirt.libvirtError, domxml.Unsupported, ValueError):
                continue  # "Couldn't fetch remote VM %s details" is only logged
        return out


def _datastore(disk: domxml.Disk, host: dict[str, Any] | None, full_path: bool) -> dict[str, Any]:
    """datastorehost/path the way the agent finds them: `mount | grep <dir>` (facts §3.1)."""
    if not disk.source or disk.type == "network":
        return {}
    directory = os.path.dirname(disk.source)
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        mounts = []
    for line in mounts:
        if directory and directory in line:
            src, mnt = line.split()[:2]
            if ":" in src:
                nfs_host, export = src.split(":", 1)
                return {"datastorehost": nfs_host, "datastorepath": export}
            if host is not None:
                return {"datastorehost": host.get("ipaddress"), "datastorepath": mnt}
    out: dict[str, Any] = {"datastorepath": disk.source if full_path else directory}
    if disk.host:
        out["datastorehost"] = disk.host
    return out
