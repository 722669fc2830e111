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
  (enum parsing failures, §3.6) or the server would reject the import (§2.2), as one sentence each
  with the fix. ``import_warnings`` holds what only bites some versions or import paths.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._core.errors import AcsIngestError

try:
    from lxml import etree

    HAS_LXML = True
    LXML_IMPORT_ERROR: str | None = None
except ImportError as _exc:  # pragma: no cover - exercised only without lxml
    HAS_LXML = False
    LXML_IMPORT_ERROR = str(_exc)

# Enum string forms CloudStack's agent accepts (expected.json "enum_string_forms", facts §3.6).
DISK_BUSES = ("ide", "scsi", "virtio", "xen", "usb", "uml", "fdc", "sata")
DISK_FORMATS = ("raw", "qcow2")
CACHE_MODES = ("none", "writeback", "writethrough")
NETWORK_DISK_PROTOCOLS = ("rbd", "sheepdog", "gluster")
NIC_MODELS = ("e1000", "virtio", "rtl8139", "ne2k_pci", "vmxnet3")
NIC_TYPES_PARSED = ("bridge", "network", "ethernet", "vhostuser")
CHANNEL_TYPES = ("unix", "serial", "spicevmc")
WATCHDOG_ACTIONS = ("reset", "shutdown", "poweroff", "pause", "none", "dump")  # inject-nmi breaks the enum

# libvirt virDomainState -> CloudStack power state (§3.1).
_POWER_BY_STATE = {1: "PowerOn", 2: "PowerOn", 3: "PowerOn", 4: "PowerOff", 5: "PowerOff"}
STATE_NAMES = {
    0: "nostate",
    1: "running",
    2: "blocked",
    3: "paused",
    4: "shutdown",
    5: "shutoff",
    6: "crashed",
    7: "pmsuspended",
}

UNMANAGED = "unmanaged"  # listUnmanagedInstances / importUnmanagedInstance on a cluster host
EXTERNAL = "external"  # listVmsForImport / importVm from a non-CloudStack host


@dataclass
class RuntimeFacts:
    """What CloudStack's agent asks libvirt for instead of reading the XML (§3.1)."""

    state: int | None = None  # libvirt virDomainState
    running_vcpus: int | None = None  # virDomainGetVcpus, RUNNING entries; None when inactive
    max_memory_kib: int | None = None  # virDomainGetMaxMemory
    disk_capacity: dict[str, int] = field(default_factory=dict)  # target dev -> bytes
    persistent: bool | None = None


BridgeVlanLookup = Callable[[str], "tuple[int | None, str | None]"]


def power_state(state: int | None) -> str | None:
    if state is None:
        return None
    return _POWER_BY_STATE.get(state, "PowerUnknown")


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
    instance["importable"] = not blockers
    instance["import_blockers"] = blockers
    instance["import_warnings"] = warnings
    return instance


def import_problems(
    root: Any,
    instance: dict[str, Any],
    runtime: RuntimeFacts,
    target: str = UNMANAGED,
    agent_version: tuple[int, ...] | None = None,
) -> tuple[list[str], list[str]]:
    """(blockers, warnings): each a sentence naming the device and the fix."""
    blockers: list[str] = []
    warnings: list[str] = []
    devices = root.find("devices")
    if devices is None:
        blockers.append(
            "the domain has no <devices> element, so CloudStack's agent fails to parse it and hides it; "
            "fix: define the domain with its disks and NICs under <devices>"
        )
    for index, disk in enumerate(devices.findall("disk") if devices is not None else []):
        blockers.extend(_disk_problems(disk, index))
    if not instance["disk"]:
        blockers.append(
            "the domain has no disk (device='disk'); CloudStack rejects it with 'No attached disks found'; "
            "fix: attach the root disk before importing"
        )
    for index, interface in enumerate(devices.findall("interface") if devices is not None else []):
        blockers.extend(_nic_problems(interface, index, warnings))
    models = sorted({n["adaptertype"] for n in instance["nic"] if n["adaptertype"]})
    if len(models) > 1:
        blockers.append(
            f"the NICs use different models ({', '.join(models)}); CloudStack refuses mixed adapter types; "
            "fix: give every <interface> the same <model type>"
        )
    data_buses = sorted({d["controller"] for d in instance["disk"][1:] if d["controller"]})
    if len(data_buses) > 1:
        blockers.append(
            f"the data disks use different buses ({', '.join(data_buses)}); CloudStack refuses mixed data-disk "
            "controllers; fix: put every data disk on the same <target bus>"
        )
    for channel in devices.findall("channel") if devices is not None else []:
        ctype = channel.get("type")
        if ctype not in CHANNEL_TYPES:
            blockers.append(
                f"<channel type='{ctype}'> is not one CloudStack's agent can parse ({', '.join(CHANNEL_TYPES)}), "
                "so it hides the domain; fix: remove that channel or make it type='unix'"
            )
    for watchdog in devices.findall("watchdog") if devices is not None else []:
        action = watchdog.get("action") or "reset"
        if action not in WATCHDOG_ACTIONS:
            blockers.append(
                f"<watchdog action='{action}'> is not one CloudStack's agent can parse, so it hides the domain; "
                "fix: set action='reset' (or remove the watchdog)"
            )
    if root.find("cputune") is None:
        sentence = (
            "the domain has no <cputune>; CloudStack agents older than 4.22 read <cputune><shares> unguarded and "
            "hide such domains; fix: add <cputune><shares>N</shares></cputune> (e.g. vCPUs x MHz)"
        )
        (blockers if agent_version is not None and agent_version < (4, 22) else warnings).append(sentence)
    for disk in instance["disk"]:
        if disk["backingfile"]:
            warnings.append(
                f"disk {disk['label']} has a backing file ({disk['backingfile']}); importVm from local or shared "
                "storage rejects volumes with a backing file; fix: flatten it (qemu-img convert) or import in place"
            )
    blockers.extend(_state_problems(instance, runtime, target))
    return blockers, warnings


def _disk_problems(disk: Any, index: int) -> list[str]:
    problems: list[str] = []
    dtype, device = disk.get("type") or "file", disk.get("device") or "disk"
    label = _attr(disk, "target", "dev") or f"#{index}"
    where = f"disk {label}"
    bus = _attr(disk, "target", "bus")
    if dtype == "network":
        protocol = _attr(disk, "source", "protocol")
        if protocol not in NETWORK_DISK_PROTOCOLS:
            problems.append(
                f"{where} is a network disk with protocol '{protocol}', which CloudStack's agent cannot parse "
                f"(only {', '.join(NETWORK_DISK_PROTOCOLS)}), so it hides the domain; fix: copy it to a file disk"
            )
    elif device == "disk" or dtype == "block":
        if bus not in DISK_BUSES:
            problems.append(
                f"{where} is on bus '{bus}', which CloudStack's agent cannot parse ({', '.join(DISK_BUSES)}), "
                "so it hides the domain; fix: change <target bus> to virtio, scsi or sata"
            )
        fmt = _attr(disk, "driver", "type")
        if dtype == "file" and device == "disk" and fmt not in DISK_FORMATS:
            problems.append(
                f"{where} has {f'format {fmt!r}' if fmt else 'no <driver type>'}, which CloudStack's agent "
                "cannot parse (raw or qcow2 only), so it hides "
                "the domain; fix: convert it with 'qemu-img convert -O qcow2' and set <driver type='qcow2'>"
            )
    cache = _attr(disk, "driver", "cache")
    if cache and cache not in CACHE_MODES:
        problems.append(
            f"{where} uses cache='{cache}', which CloudStack's agent cannot parse ({', '.join(CACHE_MODES)}), "
            "so it hides the domain; fix: set cache='none' (or remove the attribute)"
        )
    return problems


def _nic_problems(interface: Any, index: int, warnings: list[str]) -> list[str]:
    problems: list[str] = []
    mac = _attr(interface, "mac", "address")
    where = f"NIC {index} ({mac or 'no MAC'})"
    model = _attr(interface, "model", "type")
    if not model:
        problems.append(
            f"{where} has no <model>, which CloudStack's agent cannot parse, so it hides the domain; "
            "fix: add <model type='virtio'/>"
        )
    elif model not in NIC_MODELS:
        problems.append(
            f"{where} uses model '{model}', which CloudStack's agent cannot parse ({', '.join(NIC_MODELS)}), "
            "so it hides the domain; fix: change it to <model type='virtio'/> (or e1000)"
        )
    if not mac:
        problems.append(f"{where} has no MAC address and CloudStack cannot import a NIC without one; fix: add <mac>")
    ntype = interface.get("type")
    if ntype not in NIC_TYPES_PARSED:
        warnings.append(
            f"{where} is of type '{ntype}', which CloudStack's agent does not report, so the import would "
            "lose this NIC; fix: attach it to a bridge (type='bridge')"
        )
    return problems


def _state_problems(instance: dict[str, Any], runtime: RuntimeFacts, target: str) -> list[str]:
    problems: list[str] = []
    power = instance["powerstate"]
    if target == EXTERNAL:
        if power == "PowerOn":
            problems.append(
                "the domain is running; listVmsForImport lists only shut-off domains; fix: shut it down "
                "(virsh shutdown) before importing it from an external host"
            )
        return problems
    if power == "PowerOff" or (runtime.state is not None and runtime.running_vcpus is None):
        problems.append(
            "the domain is not running, so CloudStack's agent cannot read its vCPUs (virDomainGetVcpus) and "
            "listUnmanagedInstances drops it; fix: start it (virsh start) before importing"
        )
    if runtime.max_memory_kib == 0:
        problems.append("libvirt reports 0 memory; CloudStack rejects memory 0; fix: set <memory> on the domain")
    for disk in instance["disk"]:
        if runtime.disk_capacity and disk["label"] in runtime.disk_capacity and not disk["capacity"]:
            problems.append(
                f"disk {disk['label']} has size 0; CloudStack rejects it ('Size of disk is found invalid'); "
                "fix: resize or remove the disk"
            )
    return problems
