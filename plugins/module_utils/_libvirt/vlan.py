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
