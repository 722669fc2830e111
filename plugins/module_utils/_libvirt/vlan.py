# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""The VLAN behind a Linux bridge, the way a CloudStack KVM host would see it.

CloudStack's agent finds a bridge's VLAN by looking for the bridge's physical port among the
802.1Q sub-interfaces the kernel lists in ``/proc/net/vlan/<port>`` (line ``... VID: <n> ...``),
facts §3.1. We do the same, behind a configurable root directory so tests can build a fake
``sys``/``proc`` tree (the test bed's kernel has no 802.1Q support). We also read the VLAN from
CloudStack's own bridge naming (``br<pif>-<vlan>``, e.g. ``breth1-100``; older agents used
``cloudVirBr<vlan>``), which works even when the host cannot be inspected.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

# Ports libvirt and other hypervisors attach to bridges; never the uplink that carries the VLAN.
_GUEST_PORT_PREFIXES = ("vnet", "tap", "vif", "macvtap", "veth")
_VID_RE = re.compile(r"\bVID:\s*(\d+)")
# CloudStack's KVM bridge names: "br" + physical interface + "-" + VLAN id ("breth1-100", "brbond0-2765").
_CLOUDSTACK_BRIDGE_RE = re.compile(r"^br(?P<pif>[A-Za-z0-9_.]+?)-(?P<vlan>\d{1,4})$")
_LEGACY_BRIDGE_RE = re.compile(r"^cloudVirBr(?P<vlan>\d{1,4})$")


def vlan_from_bridge_name(bridge: str | None) -> int | None:
    """VLAN id encoded in a CloudStack-style bridge name, or None (``cloudbr0`` carries none)."""
    if not bridge:
        return None
    match = _CLOUDSTACK_BRIDGE_RE.match(bridge) or _LEGACY_BRIDGE_RE.match(bridge)
    if not match:
        return None
    vlan = int(match.group("vlan"))
    # 0 and 4095 are reserved in 802.1Q; a name ending in them is not a VLAN bridge.
    return vlan if 1 <= vlan <= 4094 else None


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return None


def bridge_ports(bridge: str, root: str = "/") -> list[str]:
    """Interfaces enslaved to ``bridge`` (``/sys/class/net/<bridge>/brif/*``), sorted."""
    brif = os.path.join(root, "sys", "class", "net", bridge, "brif")
    try:
        return sorted(os.listdir(brif))
    except OSError:
        return []


def vlan_of_interface(interface: str, root: str = "/") -> int | None:
    """``VID`` of an 802.1Q sub-interface from ``/proc/net/vlan/<interface>``, or None."""
    if "/" in interface or interface in ("", ".", ".."):
        return None  # never let an interface name walk out of /proc/net/vlan
    text = _read(os.path.join(root, "proc", "net", "vlan", interface))
    if text is None:
        return None
    match = _VID_RE.search(text)
    return int(match.group(1)) if match else None


def vlan_of_bridge(bridge: str | None, root: str = "/") -> int | None:
    """VLAN carried by a bridge's uplink port, read from the host (``root`` for tests).

    None when the bridge does not exist, has no VLAN sub-interface as a port, or the kernel has
    no 802.1Q support. Guest ports (vnet*, tap*, ...) are skipped because they are never the uplink.
    """
    if not bridge or "/" in bridge:
        return None
    for port in bridge_ports(bridge, root):
        if port.startswith(_GUEST_PORT_PREFIXES):
            continue
        vlan = vlan_of_interface(port, root)
        if vlan is not None:
            return vlan
    return None


def resolve_bridge_vlan(bridge: str | None, root: str | None = "/") -> tuple[int | None, str | None]:
    """(VLAN, where it came from) for a bridge: the host first, then the bridge name.

    ``root=None`` skips the host lookup (remote URIs: the local /proc says nothing about them).
    The source is ``"host"``, ``"bridge-name"`` or None.
    """
    if root is not None:
        vlan = vlan_of_bridge(bridge, root)
        if vlan is not None:
            return vlan, "host"
    vlan = vlan_from_bridge_name(bridge)
    if vlan is not None:
        return vlan, "bridge-name"
    return None, None


# --- a host's bridges, VLAN devices and Open vSwitch ports, read once per host --------------------------------
#
# Network discovery needs more than one bridge's VLAN: every bridge's ports, every 802.1Q device with its VLAN
# and parent (the physical interface), which bridge a guest's tap device hangs on, and the Open vSwitch layout
# (CloudStack's OVS "fake bridges" br<pif>-<vlan> have a parent and a VLAN; a port may carry a tag). The same
# facts come from a local root directory (this host, or a fake tree in tests) or from one shell script run over
# SSH on a remote host (``HOST_FACTS_SCRIPT``, output parsed by ``parse_host_facts``), so both paths share
# ``HostNetFacts``.

# /sys and /proc under ${ROOT} ('' on a real host): one line per fact, fields separated by single spaces.
HOST_FACTS_SCRIPT = r"""R="${ACS_ROOT:-}"
for b in "$R"/sys/class/net/*/brif; do
  [ -d "$b" ] || continue; br=${b%/brif}; printf 'BR %s' "${br##*/}"
  for p in "$b"/*; do [ -e "$p" ] && printf ' %s' "${p##*/}"; done; printf '\n'
done
for d in "$R"/sys/class/net/*; do
  [ -e "$d/master" ] && printf 'MASTER %s %s\n' "${d##*/}" "$(basename "$(readlink "$d/master")")"
done
for v in "$R"/proc/net/vlan/*; do
  [ -f "$v" ] || continue; n=${v##*/}; [ "$n" = config ] && continue
  printf 'VLAN %s %s %s\n' "$n" "$(sed -n 's/.*VID: *\([0-9][0-9]*\).*/\1/p' "$v" | head -n1)" \
    "$(sed -n 's/^Device: *\([^ ]*\).*/\1/p' "$v" | head -n1)"
done
if [ -z "$R" ] && command -v ovs-vsctl >/dev/null 2>&1; then
  for br in $(ovs-vsctl list-br 2>/dev/null); do
    printf 'OVSBR %s %s %s\n' "$br" "$(ovs-vsctl br-to-parent "$br" 2>/dev/null)" \
      "$(ovs-vsctl br-to-vlan "$br" 2>/dev/null)"
    for port in $(ovs-vsctl list-ports "$br" 2>/dev/null); do
      printf 'OVSPORT %s %s %s\n' "$br" "$port" "$(ovs-vsctl get port "$port" tag 2>/dev/null)"
    done
  done
fi
echo END"""


@dataclass
class HostNetFacts:
    """What a host's /sys, /proc and Open vSwitch say about its bridges (``source``: local, ssh or none)."""

    source: str = "none"
    bridges: dict[str, list[str]] = field(default_factory=dict)  # Linux bridge -> ports
    masters: dict[str, str] = field(default_factory=dict)  # interface -> the bridge it is enslaved to
    vlan_devices: dict[str, tuple[int, str | None]] = field(default_factory=dict)  # dev -> (VID, parent)
    ovs_bridges: dict[str, tuple[str | None, int | None]] = field(default_factory=dict)  # bridge -> (parent, VLAN)
    ovs_ports: dict[str, tuple[str, int | None]] = field(default_factory=dict)  # port -> (bridge, tag)

    @property
    def known(self) -> bool:
        return self.source != "none"

    def uplinks(self, bridge: str) -> list[str]:
        """A Linux bridge's ports that are not guest taps (the uplink, usually one)."""
        return [p for p in self.bridges.get(bridge, []) if not p.startswith(_GUEST_PORT_PREFIXES)]

    def physical(self, interface: str | None) -> str | None:
        """The interface below a VLAN device (eth1 below eth1.100), else the interface itself."""
        if not interface:
            return None
        vid_parent = self.vlan_devices.get(interface)
        return (vid_parent[1] or _parent_by_name(interface)) if vid_parent else interface


def _parent_by_name(device: str) -> str | None:
    # The kernel's default VLAN device naming is <parent>.<vid>; used when /proc gives no "Device:" line.
    head, dot, tail = device.rpartition(".")
    return head if dot and tail.isdigit() else None


def _int_or_none(text: str | None) -> int | None:
    return int(text) if text and text.strip().isdigit() else None


def parse_host_facts(text: str, source: str = "ssh") -> HostNetFacts:
    """``HOST_FACTS_SCRIPT`` output → ``HostNetFacts``. Unknown lines are ignored (a newer script, shell noise)."""
    facts = HostNetFacts(source=source)
    for line in text.splitlines():
        parts = line.split()
        if not parts:
            continue
        kind, args = parts[0], parts[1:]
        if kind == "BR" and args:
            facts.bridges[args[0]] = sorted(args[1:])
        elif kind == "MASTER" and len(args) == 2:
            facts.masters[args[0]] = args[1]
        elif kind == "VLAN" and len(args) >= 2 and args[1].isdigit():
            facts.vlan_devices[args[0]] = (int(args[1]), args[2] if len(args) > 2 else None)
        elif kind == "OVSBR" and args:
            parent = args[1] if len(args) > 1 and args[1] != args[0] else None
            facts.ovs_bridges[args[0]] = (parent, _int_or_none(args[2]) if len(args) > 2 else None)
        elif kind == "OVSPORT" and len(args) >= 2:
            tag = args[2] if len(args) > 2 else None
            facts.ovs_ports[args[1]] = (args[0], None if tag in (None, "[]") else _int_or_none(tag))
    for bridge, ports in facts.bridges.items():
        for port in ports:
            facts.masters.setdefault(port, bridge)
    return facts


def host_facts_from_root(root: str = "/") -> HostNetFacts:
    """The same facts read directly from a local root directory (this host, or a fake tree in tests)."""
    facts = HostNetFacts(source="local")
    net = os.path.join(root, "sys", "class", "net")
    try:
        interfaces = sorted(os.listdir(net))
    except OSError:
        interfaces = []
    for name in interfaces:
        if os.path.isdir(os.path.join(net, name, "brif")):
            facts.bridges[name] = bridge_ports(name, root)
        master = os.path.join(net, name, "master")
        if os.path.islink(master):
            facts.masters[name] = os.path.basename(os.readlink(master))
    vlan_dir = os.path.join(root, "proc", "net", "vlan")
    try:
        devices = sorted(d for d in os.listdir(vlan_dir) if d != "config")
    except OSError:
        devices = []
    for device in devices:
        text = _read(os.path.join(vlan_dir, device)) or ""
        vid = _VID_RE.search(text)
        parent = re.search(r"^Device:\s*(\S+)", text, re.MULTILINE)
        if vid:
            facts.vlan_devices[device] = (int(vid.group(1)), parent.group(1) if parent else None)
    for bridge, ports in facts.bridges.items():
        for port in ports:
            facts.masters.setdefault(port, bridge)
    return facts


@dataclass
class BridgeVlan:
    """Where a NIC's traffic leaves the host: VLAN, how we know it, the uplink and the physical interface."""

    vlan: int | str | None  # an id, "untagged", or None (unknown)
    source: str  # vlan-subinterface | ovs-port-tag | ovs-fake-bridge | bridge-name | untagged | unknown
    uplink: str | None = None
    physical_interface: str | None = None
    ovs_bridge: str | None = None


def bridge_vlan_from_facts(bridge: str | None, facts: HostNetFacts, port: str | None = None) -> BridgeVlan:
    """The VLAN behind ``bridge`` (and guest ``port`` on it, for OVS port tags), from host facts, else the name."""
    if bridge and bridge in facts.ovs_bridges or (port and port in facts.ovs_ports):
        return _ovs_vlan(bridge, facts, port)
    uplinks = facts.uplinks(bridge) if bridge else []
    for uplink in uplinks:
        if uplink in facts.vlan_devices:
            vid, _parent = facts.vlan_devices[uplink]
            return BridgeVlan(vid, "vlan-subinterface", uplink, facts.physical(uplink))
    named = _CLOUDSTACK_BRIDGE_RE.match(bridge or "")
    by_name = vlan_from_bridge_name(bridge)
    if by_name is not None:
        pif = uplinks[0] if uplinks else (named.group("pif") if named else None)
        return BridgeVlan(by_name, "bridge-name", uplinks[0] if uplinks else None, facts.physical(pif) or pif)
    if facts.known and bridge in facts.bridges:
        first = uplinks[0] if uplinks else None
        return BridgeVlan("untagged", "untagged", first, facts.physical(first))
    return BridgeVlan(None, "unknown")


def _ovs_vlan(bridge: str | None, facts: HostNetFacts, port: str | None) -> BridgeVlan:
    port_bridge, tag = facts.ovs_ports.get(port or "", (bridge or "", None))
    bridge = bridge or port_bridge or ""
    parent, fake_vlan = facts.ovs_bridges.get(bridge, (None, None))
    real = parent or bridge
    uplink = next(
        (p for p, (b, _t) in sorted(facts.ovs_ports.items()) if b == real and not p.startswith(_GUEST_PORT_PREFIXES)),
        None,
    )
    if tag:
        return BridgeVlan(tag, "ovs-port-tag", uplink, facts.physical(uplink), real)
    if fake_vlan:
        return BridgeVlan(fake_vlan, "ovs-fake-bridge", uplink, facts.physical(uplink), real)
    by_name = vlan_from_bridge_name(bridge)
    if by_name is not None:
        return BridgeVlan(by_name, "bridge-name", uplink, facts.physical(uplink), real)
    return BridgeVlan("untagged", "untagged", uplink, facts.physical(uplink), real)


# LibvirtComputingResource.ifNamePatterns: the bridge ports CloudStack's agent takes for the uplink.
_CLOUDSTACK_PIF = re.compile(r"^(eth|bond|vlan|vx|em|ens|eno|enp|team|enx|dummy|lo|p\d+p\d+|vni|enc)", re.ASCII)


def cloudstack_bridge_vlan(bridge: str | None, root: str = "/") -> int | None:
    """The VLAN a 4.20.2/4.22 agent reports for a bridge NIC, as ``getVlanIdForBridge`` finds it.

    ``LibvirtComputingResource.matchPifFileInDirectory``: the first port of
    ``/sys/devices/virtual/net/<bridge>/brif`` (directory order) whose name matches the agent's
    interface patterns, or the bridge itself when it has no ``brif`` but is an interface; then the
    ``VID:`` of ``/proc/net/vlan/<port>``. None when there is no such file (an untagged bridge).
    """
    if not bridge or "/" in bridge:
        return None
    brif = os.path.join(root, "sys", "devices", "virtual", "net", bridge, "brif")
    port = ""
    if os.path.isdir(brif):
        try:
            names = os.listdir(brif)  # File.listFiles: unsorted, as the agent sees them
        except OSError:
            names = []
        port = next((name for name in names if _CLOUDSTACK_PIF.match(name)), "")
    elif os.path.isdir(os.path.join(root, "sys", "class", "net", bridge)):
        port = bridge
    if not port:
        return None
    return vlan_of_interface(port, root)


def cloudstack_bridge_vlans(bridges: list[str], root: str = "/") -> dict[str, int | None]:
    """``cloudstack_bridge_vlan`` for each bridge."""
    return {bridge: cloudstack_bridge_vlan(bridge, root) for bridge in dict.fromkeys(bridges)}
