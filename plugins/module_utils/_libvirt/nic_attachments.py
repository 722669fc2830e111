# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""What a domain's ``<interface>`` elements and a host's libvirt networks say about where NICs are attached.

Network discovery reports, per NIC, the bridge (or libvirt network, or direct device), the VLAN the XML
itself carries (``<vlan><tag id=...>``, possibly a trunk with a native VLAN), Open vSwitch virtual ports,
and the tap device (``<target dev>``) that is the NIC's port on the bridge. A libvirt network resolves to
its bridge and its own ``<vlan>`` (or a port group's). Pure: XML strings in, dataclasses out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._libvirt.domain_xml import HAS_LXML, parse_xml

if HAS_LXML:
    from lxml import etree


@dataclass
class XmlVlan:
    """``<vlan>``: the tags, whether it is a trunk, and the native (untagged-on-the-wire) one."""

    tags: list[int] = field(default_factory=list)
    trunk: bool = False
    native: int | None = None

    @property
    def single(self) -> int | None:
        """The one VLAN the NIC is on, or None for no tag or a trunk of several."""
        if len(self.tags) == 1 and not self.trunk:
            return self.tags[0]
        return None


@dataclass
class NicAttachment:
    index: int
    mac: str | None
    model: str | None
    type: str | None  # bridge, network, direct, ethernet, vhostuser, user, ...
    bridge: str | None = None
    network: str | None = None  # libvirt network name (type='network')
    portgroup: str | None = None
    device: str | None = None  # direct (macvtap) source device
    target: str | None = None  # the tap device on the host, e.g. vnet3
    vlan: XmlVlan = field(default_factory=XmlVlan)
    virtualport: str | None = None  # openvswitch, 802.1Qbg, 802.1Qbh, midonet

    @property
    def nic_id(self) -> str:
        """The id CloudStack gives the NIC (its position among the interfaces)."""
        return str(self.index)


@dataclass
class LibvirtNetwork:
    name: str
    bridge: str | None
    forward: str | None  # bridge, nat, route, open, passthrough, ... or None (isolated)
    virtualport: str | None = None
    vlan: XmlVlan = field(default_factory=XmlVlan)
    portgroups: dict[str, XmlVlan] = field(default_factory=dict)


def _number(text: str | None) -> int | None:
    try:
        return int(str(text).strip())
    except (TypeError, ValueError):
        return None


def _vlan(element: Any) -> XmlVlan:
    vlan = element.find("vlan") if element is not None else None
    if vlan is None:
        return XmlVlan()
    tags = [n for n in (_number(tag.get("id")) for tag in vlan.findall("tag")) if n is not None]
    native = next(
        (_number(tag.get("id")) for tag in vlan.findall("tag") if tag.get("nativeMode") in ("tagged", "untagged")),
        None,
    )
    return XmlVlan(tags=tags, trunk=vlan.get("trunk") == "yes" or len(tags) > 1, native=native)


def _attr(element: Any, path: str, name: str) -> str | None:
    found = element.find(path)
    value = found.get(name) if found is not None else None
    return value or None


def domain_nics(xml: str | bytes, what: str = "domain XML") -> list[NicAttachment]:
    """Every ``<interface>`` of a domain, in order (the order CloudStack numbers NICs in)."""
    root = parse_xml(xml, what)
    nics = []
    for index, interface in enumerate(root.findall("devices/interface")):
        source = interface.find("source")
        ntype = interface.get("type")
        nic = NicAttachment(
            index=index,
            mac=(_attr(interface, "mac", "address") or "").lower() or None,
            model=_attr(interface, "model", "type"),
            type=ntype,
            target=_attr(interface, "target", "dev"),
            vlan=_vlan(interface),
            virtualport=_attr(interface, "virtualport", "type"),
        )
        if source is not None:
            nic.bridge = source.get("bridge") if ntype == "bridge" else None
            nic.network = source.get("network") if ntype == "network" else None
            nic.portgroup = source.get("portgroup")
            nic.device = source.get("dev") if ntype in ("direct", "ethernet") else None
            if ntype == "network" and source.get("bridge"):
                nic.bridge = source.get("bridge")  # live XML names the network's bridge too
        nics.append(nic)
    return nics


def parse_network_xml(xml: str | bytes) -> LibvirtNetwork:
    """A libvirt network (``virsh net-dumpxml``): its bridge, forward mode, virtual port type and VLANs."""
    if not HAS_LXML:
        parse_xml(xml, "network XML")  # raises the missing-library error
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(xml.encode("utf-8") if isinstance(xml, str) else xml, parser)
    forward = root.find("forward")
    return LibvirtNetwork(
        name=(root.findtext("name") or "").strip(),
        bridge=_attr(root, "bridge", "name"),
        forward=forward.get("mode", "nat") if forward is not None else None,
        virtualport=_attr(root, "virtualport", "type"),
        vlan=_vlan(root),
        portgroups={str(pg.get("name")): _vlan(pg) for pg in root.findall("portgroup") if pg.get("name")},
    )
