# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""libvirt domain XML -> the unmanaged-instance shape CloudStack returns, plus why it can't be imported.

The keys are CloudStack's (facts §1.8): ``name, powerstate, cpunumber, cpucorepersocket, cpuspeed,
memory, osid, osdisplayname, bootmode, boottype, disk[], nic[]``. What CloudStack's agent takes from
libvirt *calls* rather than the XML (running vCPUs, max memory, block capacity, power state, §3.1)
comes in as ``RuntimeFacts``, so this module does no I/O and stays testable with plain strings.

The listed fields are computed as the agent of the judged version computes them
(``_rules.agent_listing``, e.g. ``cpuspeed`` from ``<cputune><shares>``, ``boottype`` only from 4.20.2
and 4.22 agents, ``nic[].vlanid`` -1 or the bridge's VID). Where CloudStack is blind we do better,
and say so in extra keys:
- ``nic[].vlan``: ``<vlan><tag>`` first, then the caller's bridge lookup (host /proc/net/vlan,
  bridge name); ``nic[].vlan_source`` tells which. CloudStack never reads ``<vlan>``.
- ``disk[].controllerunit`` from the drive address (CloudStack leaves it unset on KVM).
- ``importable`` / ``import_blockers``: every rule of the catalogue (``_rules``) the domain breaks:
  what makes the agent drop it, and what the server rejects on the listed instance alone, as one
  rendered Problem line each (code in ``import_problems``). ``import_warnings`` holds what CloudStack
  accepts but silently changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ansible_collections.acs.ingest.plugins.module_utils._core.errors import AcsIngestError
from ansible_collections.acs.ingest.plugins.module_utils._libvirt.blockers import (
    EXTERNAL,
    UNMANAGED,
    import_result,
    instance_problems,
)
from ansible_collections.acs.ingest.plugins.module_utils._libvirt.runtime import (
    STATE_NAMES,
    RuntimeFacts,
    power_state,
)
from ansible_collections.acs.ingest.plugins.module_utils._rules.agent_listing import agent_view
from ansible_collections.acs.ingest.plugins.module_utils._rules.versions import NEWEST, Version, label, parse_version

try:
    from lxml import etree

    HAS_LXML = True
    LXML_IMPORT_ERROR: str | None = None
except ImportError as _exc:  # pragma: no cover - exercised only without lxml
    HAS_LXML = False
    LXML_IMPORT_ERROR = str(_exc)


__all__ = ["EXTERNAL", "STATE_NAMES", "UNMANAGED", "RuntimeFacts", "domain_to_instance", "parse_xml"]

if TYPE_CHECKING:  # only annotations use it: a subscripted collections.abc.Callable fails at import on Python 3.8
    from collections.abc import Callable

    BridgeVlanLookup = Callable[[str], "tuple[int | None, str | None]"]


def parse_xml(xml: str | bytes, what: str = "domain XML") -> Any:
    """Parse untrusted XML: no network, no entity expansion, no DTD; one clear error if malformed."""
    if not HAS_LXML:
        raise AcsIngestError(f"lxml is not installed ({LXML_IMPORT_ERROR})", field=what, fix="pip install lxml")
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
    )
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise AcsIngestError(
            f"is not well-formed XML ({exc.msg or exc}, line {exc.lineno})",
            field=what,
            fix="pass the document exactly as 'virsh dumpxml <domain>' prints it",
        ) from None
    if root is None or not isinstance(root.tag, str) or etree.QName(root).localname != "domain":
        tag = etree.QName(root).localname if root is not None and isinstance(root.tag, str) else "nothing"
        raise AcsIngestError(
            f"is a <{tag}> document, not a libvirt <domain>", field=what, fix="pass the output of 'virsh dumpxml'"
        )
    return root


def _int(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value, 16) if value.lower().startswith("0x") else int(value)
    except ValueError:
        return None


def _text(element: Any, path: str) -> str | None:
    found = element.find(path)
    return found.text.strip() if found is not None and found.text else None


def _attr(element: Any, path: str, name: str) -> str | None:
    found = element.find(path)
    return found.get(name) if found is not None else None


def _os_id(root: Any) -> str | None:
    for element in root.iter():
        if (
            isinstance(element.tag, str)
            and etree.QName(element).localname == "os"
            and "libosinfo" in (etree.QName(element).namespace or "")
        ):
            return element.get("id")
    return None


def bridges_of(xml: str | bytes) -> list[str]:
    """The bridges the domain's ``type='bridge'`` interfaces attach to."""
    devices = parse_xml(xml).find("devices")
    interfaces = devices.iter("interface") if devices is not None else []
    return [
        str(_attr(n, "source", "bridge"))
        for n in interfaces
        if n.get("type") == "bridge" and _attr(n, "source", "bridge")
    ]


def agent_version_of(value: Any) -> Version:
    """The agent version to judge for: a tuple or text (``4.20.2``), the newest known when None."""
    return NEWEST if value is None else parse_version(value, "agent_version")


def _disk(listed: dict[str, Any], element: Any) -> dict[str, Any]:
    """A disk as CloudStack lists it, plus what we read on our own (format, cache, backing file, unit)."""
    backing = element.find("backingStore/source") if element is not None else None
    return {
        **listed,
        "controllerunit": _int(_attr(element, "address[@type='drive']", "unit")) if element is not None else None,
        # ours, not CloudStack's:
        "format": _attr(element, "driver", "type") if element is not None else None,
        "cachemode": _attr(element, "driver", "cache") if element is not None else None,
        "backingfile": (backing.get("file") or backing.get("dev")) if backing is not None else None,
    }


def _nic(listed: dict[str, Any], element: Any, bridge_vlan: BridgeVlanLookup | None) -> dict[str, Any]:
    """A NIC as CloudStack lists it (``vlanid`` as the agent reports it), plus the VLAN we can tell."""
    ntype = element.get("type") if element is not None else None
    source = element.find("source") if element is not None else None
    attachment = None
    if source is not None:
        attachment = source.get("bridge") or source.get("network") or source.get("dev") or source.get("path")
    vlan = _int(_attr(element, "vlan/tag", "id")) if element is not None else None
    vlan_source = "xml" if vlan is not None else None
    if vlan is None and ntype == "bridge" and attachment and bridge_vlan is not None:
        vlan, vlan_source = bridge_vlan(attachment)
    return {
        "id": listed["id"],
        "networkname": listed["networkname"],
        "macaddress": (listed["macaddress"] or "").lower() or None,
        "adaptertype": listed["adaptertype"],
        "vlanid": listed["vlanid"],
        "isolatedpvlan": None,
        "isolatedpvlantype": None,
        "ipaddresses": [],
        # ours, not CloudStack's:
        "pcislot": listed["pcislot"],
        "type": ntype,
        "bridge": attachment,
        "vlan": vlan,
        "vlan_source": vlan_source,
    }


def domain_to_instance(
    xml: str | bytes,
    runtime: RuntimeFacts | None = None,
    *,
    bridge_vlan: BridgeVlanLookup | None = None,
    target: str = UNMANAGED,
    agent_version: Any = None,
    what: str = "domain XML",
) -> dict[str, Any]:
    """One libvirt domain as CloudStack's agent of ``agent_version`` would list it, with every blocker.

    ``target`` picks the listing and import path judged: ``unmanaged`` (a CloudStack cluster host,
    listUnmanagedInstances/importUnmanagedInstance) or ``external`` (listVmsForImport/importVm). The
    listed fields follow that agent version (``_rules.agent_listing``); ``nic[].vlan`` is the VLAN
    we can tell beyond CloudStack (``<vlan><tag>``, the host bridge, the bridge name).
    """
    root = parse_xml(xml, what)
    runtime = runtime or RuntimeFacts()
    version = agent_version_of(agent_version)
    listing = "unmanaged" if target == UNMANAGED else "remote"
    name = _text(root, "name")
    view = agent_view(xml, listing, version, runtime.for_agent(), name=name)
    fields = view.fields
    devices = root.find("devices")
    disk_elements = list(devices.iter("disk")) if devices is not None else []
    nic_elements = list(devices.iter("interface")) if devices is not None else []
    disks = [
        _disk(listed, disk_elements[position] if position < len(disk_elements) else None)
        # zip(strict=) is 3.10+: this file runs on the hosts' Python too (tests/unit/test_host_python.py)
        for listed, position in zip(fields["disk"], view.disk_positions)  # noqa: B905
    ]
    nics = [
        _nic(listed, nic_elements[index] if index < len(nic_elements) else None, bridge_vlan)
        for index, listed in enumerate(fields["nic"])
    ]
    instance: dict[str, Any] = {
        "name": name,
        "powerstate": power_state(runtime.state),
        "cpunumber": fields["cpunumber"],
        "cpucorepersocket": fields["cpucorepersocket"],
        "cpuspeed": fields["cpuspeed"],
        "memory": fields["memory"],
        "osid": _os_id(root),
        "osdisplayname": _text(root, "description"),
        "bootmode": fields["bootmode"],
        "boottype": fields["boottype"],
        "disk": disks,
        "nic": nics,
        # ours:
        "uuid": _text(root, "uuid"),
        "vcpus": _int(_text(root, "vcpu")),
        "state": STATE_NAMES.get(runtime.state) if runtime.state is not None else None,
        "persistent": runtime.persistent,
        "agent_version": label(version),
    }
    blockers, warnings = instance_problems(instance, target, version, view.findings)
    instance.update(import_result(blockers, warnings))
    return instance
