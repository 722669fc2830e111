# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""What libvirt answers the agent when only the domain XML is known, and Java's integer arithmetic.

Used by ``agent_listing`` to predict a listing from a bare document: libvirt's own reading of the
XML (namespace-aware, direct children only, unlike CloudStack's parser), its block-info lookup, the
running vCPUs and maximum memory, and Java's 32-bit casts and truncating division.
"""

from __future__ import annotations

from ansible_collections.acs.ingest.plugins.module_utils._rules.dom import Element, java_int


def libvirt_block_info_error(root: Element, argument: str | None, active: bool) -> str | None:
    """What libvirt 9 says to ``virDomainGetBlockInfo(argument)`` (None: it answers).

    Our reading of libvirt's ``virDomainGetBlockInfo``, ``virDomainDiskIndexByName`` and
    ``qemuDomainGetBlockInfo``: a name without a leading "/" is a target dev, otherwise it must be
    the source of exactly one disk; an empty source cannot be measured, and a shut-off domain's
    network disk cannot be opened.
    """
    if not argument:
        return "disk in virDomainGetBlockInfo must be a non-empty string"
    devices = next((c for c in root.child_elements("devices")), None)
    disks = devices.child_elements("disk") if devices is not None else []
    if not argument.startswith("/"):
        matches = [d for d in disks if (d.first("target") or Element("")).attribute("dev") == argument][:1]
    else:
        matches = [d for d in disks if libvirt_source(d) == argument]
    if len(matches) != 1:
        return f"invalid path {argument} not assigned to domain"
    disk = matches[0]
    if (disk.attribute("type") or "file") == "vhostuser":
        return "block info is not supported for vhostuser disk"
    if libvirt_source(disk) is None:
        return f"disk '{argument}' does not currently have a source assigned"
    if not active and disk.attribute("type") == "network":
        return "missing storage backend for network files"
    return None


def libvirt_source(disk: Element) -> str | None:
    source = next(iter(disk.child_elements("source")), None)
    if source is None:
        return None
    attribute = {"file": "file", "block": "dev", "dir": "dir", "network": "name", "volume": "volume"}.get(
        disk.attribute("type") or "file", "path"
    )
    return source.attribute(attribute) or None


def declares_uefi(root: Element) -> bool:
    os_element = next(iter(root.child_elements("os")), None)
    if os_element is None:
        return False
    loader = next(iter(os_element.child_elements("loader")), None)
    return os_element.attribute("firmware") == "efi" or (loader is not None and loader.attribute("type") == "pflash")


def xml_vcpus(root: Element) -> int:
    vcpu = next(iter(root.child_elements("vcpu")), None)
    if vcpu is None:
        return 1
    current = java_int(vcpu.attribute("current").strip() or None)
    return current if current is not None else (java_int(vcpu.text_content().strip()) or 1)


_UNITS = {"b": 1, "bytes": 1, "k": 1024, "kib": 1024, "kb": 1000, "m": 1024**2, "mib": 1024**2, "mb": 1000**2,
          "g": 1024**3, "gib": 1024**3, "gb": 1000**3, "t": 1024**4, "tib": 1024**4, "tb": 1000**4}  # fmt: skip


def xml_memory_kib(root: Element) -> int | None:
    """``<memory>`` in KiB, libvirt's maximum memory when libvirt itself cannot be asked."""
    memory = next(iter(root.child_elements("memory")), None)
    text = memory.text_content().strip() if memory is not None else ""
    if memory is None or not text.isdecimal():
        return None
    return int(text) * _UNITS.get((memory.attribute("unit") or "KiB").lower(), 1024) // 1024


def int32(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - 2**32 if value >= 2**31 else value


def java_div(dividend: int, divisor: int) -> int:
    """Java integer division truncates toward zero."""
    quotient = abs(dividend) // abs(divisor)
    return quotient if (dividend >= 0) == (divisor > 0) else -quotient


def state_name(state: int) -> str:
    names = {0: "in no state", 1: "running", 2: "blocked", 3: "paused", 4: "shutting down", 5: "shut off"}
    return names.get(state, {6: "crashed", 7: "suspended by guest power management"}.get(state, f"in state {state}"))
