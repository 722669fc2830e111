# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""libvirt domain XML -> the unmanaged-instance shape CloudStack returns, plus why it can't be imported.

The keys are CloudStack's (facts §1.8): ``name, powerstate, cpunumber, cpucorepersocket, cpuspeed,
memory, osid, osdisplayname, bootmode, boottype, disk[], nic[]``. What CloudStack's agent takes from
libvirt *calls* rather than the XML (running vCPUs, max memory, block capacity, power state, §3.1)
comes in as ``RuntimeFacts``, so this module does no I/O and stays testable with plain strings.

Where CloudStack is blind we do better, and say so in the extra keys:
- VLAN: ``<vlan><tag>`` first, then the caller's bridge lookup (host /proc/net/vlan, bridge name);
  ``nic[].vlan_source`` tells which. CloudStack never reads ``<vlan>`` (§3.6).
- ``disk[].controllerunit`` from the drive address (CloudStack leaves it unset on KVM).
- ``importable`` / ``import_blockers``: every reason the agent would silently drop the domain
  (enum parsing failures, §3.6) or the server would reject the import (§2.2), as one rendered
  Problem line each (XML location, what is wrong, fix). ``import_warnings`` holds what only bites
  some versions or import paths; ``import_problems`` carries both as Problem dicts with a code.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._core.errors import AcsIngestError
from ansible_collections.acs.ingest.plugins.module_utils._libvirt.blockers import (
    EXTERNAL,
    UNMANAGED,
    import_problems,
    import_result,
)
from ansible_collections.acs.ingest.plugins.module_utils._libvirt.runtime import (
    STATE_NAMES,
    RuntimeFacts,
    power_state,
)

try:
    from lxml import etree

    HAS_LXML = True
    LXML_IMPORT_ERROR: str | None = None
except ImportError as _exc:  # pragma: no cover - exercised only without lxml
    HAS_LXML = False
    LXML_IMPORT_ERROR = str(_exc)


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


_MEMORY_UNITS = {
    "b": 1,
    "bytes": 1,
    "k": 1024,
    "kib": 1024,
    "kb": 1000,
    "m": 1024**2,
    "mib": 1024**2,
    "mb": 1000**2,
    "g": 1024**3,
    "gib": 1024**3,
    "gb": 1000**3,
    "t": 1024**4,
    "tib": 1024**4,
}


def xml_memory_kib(root: Any) -> int | None:
    """``<memory>`` in KiB (libvirt's default unit), for when libvirt can't be asked."""
    element = root.find("memory")
    amount = _int(element.text.strip()) if element is not None and element.text else None
    if amount is None:
        return None
    factor = _MEMORY_UNITS.get((element.get("unit") or "KiB").lower(), 1024)
    return amount * factor // 1024


def _boot(root: Any) -> tuple[str, str]:
    # §3.6: pflash loader or a loader path mentioning uefi -> UEFI; secure='yes' -> SECURE.
    loader = root.find("os/loader")
    if loader is None:
        return "BIOS", "LEGACY"
    is_uefi = loader.get("type") == "pflash" or "uefi" in (loader.text or "").lower()
    return ("UEFI" if is_uefi else "BIOS"), ("SECURE" if loader.get("secure") == "yes" else "LEGACY")


def _os_id(root: Any) -> str | None:
    for element in root.iter():
        if (
            isinstance(element.tag, str)
            and etree.QName(element).localname == "os"
            and "libosinfo" in (etree.QName(element).namespace or "")
        ):
            return element.get("id")
    return None


def _disk(disk: Any, index: int, capacity: dict[str, int]) -> dict[str, Any]:
    dtype = disk.get("type")
    label = _attr(disk, "target", "dev")
    source = disk.find("source")
    host = None
    if source is None:
        path = None
    elif dtype == "network":
        path = source.get("name")
        host = _attr(source, "host", "name")
    else:
        path = source.get("file") or source.get("dev") or source.get("dir") or source.get("volume")
    # CloudStack: datastore = the mount holding the file, else the file's directory (§3.1).
    datastore = os.path.dirname(path) if path and dtype in ("file", "block") else path
    backing = disk.find("backingStore/source")
    return {
        "id": str(index),
        "label": label,
        "capacity": capacity.get(label) if label else None,
        "imagepath": path,
        "controller": _attr(disk, "target", "bus"),
        "controllerunit": _int(_attr(disk, "address[@type='drive']", "unit")),
        "position": index,
        "datastorename": datastore,
        "datastorehost": host,
        "datastorepath": datastore,
        "datastoretype": dtype,
        # ours, not CloudStack's:
        "format": _attr(disk, "driver", "type"),
        "cachemode": _attr(disk, "driver", "cache"),
        "backingfile": backing.get("file") or backing.get("dev") if backing is not None else None,
    }


def _nic(interface: Any, index: int, bridge_vlan: BridgeVlanLookup | None) -> dict[str, Any]:
    ntype = interface.get("type")
    source = interface.find("source")
    attachment = None
    if source is not None:
        attachment = source.get("bridge") or source.get("network") or source.get("dev") or source.get("path")
    vlan = _int(_attr(interface, "vlan/tag", "id"))
    vlan_source = "xml" if vlan is not None else None
    if vlan is None and ntype == "bridge" and attachment and bridge_vlan is not None:
        vlan, vlan_source = bridge_vlan(attachment)
    return {
        "id": str(index),
        "networkname": _attr(interface, "target", "dev"),
        "macaddress": (_attr(interface, "mac", "address") or "").lower() or None,
        "adaptertype": _attr(interface, "model", "type"),
        "vlanid": vlan,
        "isolatedpvlan": None,
        "isolatedpvlantype": None,
        "ipaddresses": [],
        # ours, not CloudStack's:
        "pcislot": _int(_attr(interface, "address[@type='pci']", "slot")),
        "type": ntype,
        "bridge": attachment,
        "vlan_source": vlan_source,
    }


def domain_to_instance(
    xml: str | bytes,
    runtime: RuntimeFacts | None = None,
    *,
    bridge_vlan: BridgeVlanLookup | None = None,
    target: str = UNMANAGED,
    agent_version: tuple[int, ...] | None = None,
    what: str = "domain XML",
) -> dict[str, Any]:
    """One libvirt domain as CloudStack would list it, with ``importable``/``import_blockers``.

    ``target`` picks the import path the blockers are judged for: ``unmanaged`` (a CloudStack
    cluster host, listUnmanagedInstances) or ``external`` (listVmsForImport/importVm). With
    ``agent_version`` below 4.22 a domain without ``<cputune>`` is a blocker, not a warning.
    """
    root = parse_xml(xml, what)
    runtime = runtime or RuntimeFacts()
    devices = root.find("devices")
    disks_all = devices.findall("disk") if devices is not None else []
    interfaces = devices.findall("interface") if devices is not None else []
    disk_devices = [d for d in disks_all if (d.get("device") or "disk") == "disk"]

    shares = _int(_text(root, "cputune/shares"))
    cpu = root.find("cpu")
    topology = cpu.find("topology") if cpu is not None else None
    cores = _int(topology.get("cores")) if topology is not None else (-1 if cpu is not None else None)
    cpunumber = runtime.running_vcpus if target == UNMANAGED else None
    if shares is None:
        cpuspeed = None
    elif target == EXTERNAL:
        cpuspeed = shares  # listVmsForImport reports the raw shares (§3.2)
    else:
        cpuspeed = shares // cpunumber if cpunumber else None
    memory_kib = runtime.max_memory_kib if runtime.max_memory_kib is not None else xml_memory_kib(root)
    boottype, bootmode = _boot(root)
    instance: dict[str, Any] = {
        "name": _text(root, "name"),
        "powerstate": power_state(runtime.state),
        "cpunumber": cpunumber,
        "cpucorepersocket": cores,
        "cpuspeed": cpuspeed,
        "memory": memory_kib // 1024 if memory_kib is not None else None,
        "osid": _os_id(root),
        "osdisplayname": _text(root, "description"),
        "bootmode": bootmode,
        "boottype": boottype,
        "disk": [_disk(d, i, runtime.disk_capacity) for i, d in enumerate(disk_devices)],
        "nic": [_nic(n, i, bridge_vlan) for i, n in enumerate(interfaces)],
        # ours:
        "uuid": _text(root, "uuid"),
        "vcpus": _int(_text(root, "vcpu")),
        "state": STATE_NAMES.get(runtime.state) if runtime.state is not None else None,
        "persistent": runtime.persistent,
    }
    blockers, warnings = import_problems(root, instance, runtime, target, agent_version)
    instance.update(import_result(blockers, warnings))
    return instance
