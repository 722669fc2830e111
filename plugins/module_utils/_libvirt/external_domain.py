# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""What the external pre-flight learns about a source domain, and how it reads its XML.

Disks and NICs are read the way CloudStack's agent reads them for an external host
(facts §3.1, §3.2): only ``device='disk'`` entries, in XML order; NICs with ``vlanid`` -1.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

try:
    from lxml import etree

    LXML_IMPORT_ERROR: str | None = None
except ImportError as exc:  # the pre-flight reports the missing library before anything here runs
    etree = None  # type: ignore[assignment]
    LXML_IMPORT_ERROR = str(exc)


def libvirt_uri(host: str, port: int = 16509) -> str:
    """The URI CloudStack's agent opens for an external host (facts §3.2, always port 16509; others for probes)."""
    address = f"[{host}]" if ":" in host and not host.startswith("[") else host
    if port != 16509:
        address = f"{address}:{port}"
    return f"qemu+tcp://{address}/system"


@dataclass
class SourceDisk:
    """One ``device='disk'`` of the source domain as CloudStack will copy it."""

    target: str
    path: str
    xml_format: str
    bus: str = ""
    format: str = ""
    virtual_size: int = 0
    capacity: int = 0
    # Bytes `qemu-img convert -O qcow2` will write into temppath (qemu-img measure).
    converted_size: int = 0
    backing_file: str = ""
    encrypted: bool = False


@dataclass
class PreflightReport:
    host: str
    uri: str
    domain: str
    uuid: str = ""
    state: str = ""
    shutdown: str = "not needed"  # not needed | done | would shut down (check mode)
    disks: list[SourceDisk] = field(default_factory=list)
    nics: list[dict[str, Any]] = field(default_factory=list)
    # What the domain boots with, read over libvirt: listVmsForImport reports no vCPU count
    # (facts §1.8, §2.4), and importVm with a custom offering needs details cpuNumber and memory.
    vcpus: int = 0
    memory_mib: int = 0
    # The domain's XML and virDomainGetMaxMemory: the agent rules of ``_rules`` judge whether
    # listVmsForImport would list the domain. Kept out of the result (``as_dict``).
    xml: str = field(default="", repr=False)
    max_memory_kib: int = 0
    temppath: str = "/tmp/"
    temppath_free: int = 0
    temppath_needed: int = 0
    checks: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("xml", None)
        return data


def normalize_temppath(temppath: str | None) -> str:
    """CloudStack's rule: default ``/tmp/``, a trailing ``/`` is appended (facts §2.4)."""
    path = temppath or "/tmp/"
    return path if path.endswith("/") else path + "/"


def domain_disks(xml: str) -> list[SourceDisk]:
    """Disks CloudStack copies: ``device='disk'`` entries in XML order (facts §3.1/§3.2)."""
    root = etree.fromstring(xml.encode())
    disks: list[SourceDisk] = []
    for disk in root.findall("./devices/disk"):
        if disk.get("device", "disk") != "disk":
            continue
        target = disk.find("target")
        source = disk.find("source")
        driver = disk.find("driver")
        path = ""
        if source is not None:
            path = source.get("file") or source.get("dev") or ""
        entry = SourceDisk(
            target=target.get("dev", "") if target is not None else "",
            path=path,
            xml_format=driver.get("type", "raw") if driver is not None else "raw",
            bus=target.get("bus", "") if target is not None else "",
        )
        if disk.find("encryption") is not None or (source is not None and source.find("encryption") is not None):
            entry.encrypted = True
        disks.append(entry)
    return disks


def domain_nics(xml: str) -> list[dict[str, Any]]:
    """NICs in CloudStack's unmanaged-instance shape; remote NICs report vlanid -1 (facts §3.2)."""
    root = etree.fromstring(xml.encode())
    nics = []
    for index, iface in enumerate(root.findall("./devices/interface")):
        mac, model, target = iface.find("mac"), iface.find("model"), iface.find("target")
        nics.append(
            {
                "id": str(index),
                "macaddress": mac.get("address", "") if mac is not None else "",
                "adaptertype": model.get("type", "") if model is not None else "",
                "networkname": target.get("dev", "") if target is not None else "",
                "vlanid": -1,
            }
        )
    return nics


def instance_from_report(report: PreflightReport) -> dict[str, Any]:
    """The unmanaged-instance shape the planner reads, built from what the pre-flight saw.

    Used when CloudStack cannot list the VM yet (a running VM in check mode with shutdown=true).
    """
    return {
        "name": report.domain,
        "powerstate": "PowerOff",
        "cpunumber": report.vcpus or None,
        "memory": report.memory_mib or None,
        "disk": [
            {
                "id": str(i),
                "position": i,
                "label": d.target,
                "controller": d.bus,
                "capacity": d.capacity or d.virtual_size,
                "datastorepath": d.path,
            }
            for i, d in enumerate(report.disks)
        ],
        "nic": report.nics,
    }
