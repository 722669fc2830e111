# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""Read a libvirt host with libvirt-python: any URI, every domain, and what CloudStack asks libvirt.

For each domain we collect what CloudStack's agent collects (facts §3.1): the XML (with the secure
flag when the connection allows it), the state, the running vCPUs (only answerable for active
domains), the max memory, and each disk's capacity in bytes from virDomainGetBlockInfo. Shut-off
domains can't answer block info on every libvirt, so we fall back to ``qemu-img info`` on the
image file, which works when the controller can read the file (local URIs).
"""

from __future__ import annotations

import contextlib
import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from ansible_collections.acs.ingest.plugins.module_utils._core.errors import LibvirtHostError
from ansible_collections.acs.ingest.plugins.module_utils._libvirt.domain_xml import RuntimeFacts, parse_xml

try:
    import libvirt

    HAS_LIBVIRT = True
    LIBVIRT_IMPORT_ERROR: str | None = None
except ImportError as _exc:  # pragma: no cover - exercised only without libvirt-python
    libvirt = None
    HAS_LIBVIRT = False
    LIBVIRT_IMPORT_ERROR = str(_exc)

QEMU_IMG_TIMEOUT = 30


@dataclass
class DomainRecord:
    """One domain as read from libvirt: its XML and the runtime facts the XML does not hold."""

    name: str
    xml: str
    runtime: RuntimeFacts
    active: bool


def _silence_libvirt() -> None:
    # libvirt-python prints every error to stderr by default; we report them ourselves, once.
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)


def _fix_for(uri: str) -> str:
    scheme = urlparse(uri).scheme
    if "+tcp" in scheme:
        return (
            "make libvirtd listen on TCP (listen_tcp=1, auth_tcp as CloudStack needs) and check the host, port "
            "and firewall; the acs.ingest.libvirt_listen_tcp role does this"
        )
    if "+ssh" in scheme:
        return "check that key-based SSH login works for that user and that libvirt-clients is installed on the host"
    if scheme.startswith("qemu"):
        return "start libvirtd (systemctl start libvirtd) and run as a user allowed to use that socket (e.g. root)"
    return "check the URI spelling; examples: qemu:///system, qemu+tcp://host/system, qemu+ssh://root@host/system"


def open_uri(uri: str, readonly: bool = True) -> Any:
    """Open a libvirt connection or raise one LibvirtHostError naming the URI and the fix."""
    if not HAS_LIBVIRT:
        raise LibvirtHostError(
            f"libvirt-python is not installed ({LIBVIRT_IMPORT_ERROR})",
            field="uri",
            fix="pip install libvirt-python (or apt install python3-libvirt) on the controller",
        )
    if not uri or "://" not in uri:
        raise LibvirtHostError(f"'{uri}' is not a libvirt URI", field="uri", fix=_fix_for(""))
    _silence_libvirt()
    try:
        return libvirt.openReadOnly(uri) if readonly else libvirt.open(uri)
    except libvirt.libvirtError as exc:
        raise LibvirtHostError(
            f"cannot connect to libvirt at {uri}: {exc.get_error_message() or exc}", field="uri", fix=_fix_for(uri)
        ) from None


def qemu_img_virtual_size(path: str) -> int | None:
    """Virtual size in bytes from ``qemu-img info``; None when the file can't be read here."""
    try:
        proc = subprocess.run(
            ["qemu-img", "info", "--output=json", "-U", path],
            capture_output=True,
            text=True,
            timeout=QEMU_IMG_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    try:
        return int(json.loads(proc.stdout)["virtual-size"])
    except (ValueError, KeyError, TypeError):
        return None


def _secure_xml(dom: Any, readonly: bool) -> str:
    # CloudStack reads the secure XML (VNC password included). A read-only connection may not.
    if not readonly:
        try:
            return dom.XMLDesc(libvirt.VIR_DOMAIN_XML_SECURE)
        except libvirt.libvirtError:
            pass
    return dom.XMLDesc(0)


def _running_vcpus(dom: Any) -> int | None:
    try:
        info = dom.vcpus()[0]
    except libvirt.libvirtError:
        return None  # inactive domains cannot answer: that is exactly why CloudStack drops them
    return sum(1 for vcpu in info if vcpu[1] == libvirt.VIR_VCPU_RUNNING)


def _disk_capacities(dom: Any, xml: str, local_files: bool) -> dict[str, int]:
    capacities: dict[str, int] = {}
    root = parse_xml(xml)
    for disk in root.findall("devices/disk"):
        if (disk.get("device") or "disk") != "disk":
            continue
        target = disk.find("target")
        label = target.get("dev") if target is not None else None
        if not label:
            continue
        try:
            capacities[label] = int(dom.blockInfo(label)[0])
            continue
        except libvirt.libvirtError:
            pass
        source = disk.find("source")
        path = (source.get("file") or source.get("dev")) if source is not None else None
        if path and local_files:
            size = qemu_img_virtual_size(path)
            if size is not None:
                capacities[label] = size
    return capacities


def is_local_uri(uri: str) -> bool:
    """True when the URI's domains live on this machine (so /proc, /sys and image files are ours)."""
    parsed = urlparse(uri)
    return parsed.hostname in (None, "", "localhost") and "+ssh" not in parsed.scheme


def read_domain(dom: Any, readonly: bool, local_files: bool) -> DomainRecord:
    name = dom.name()
    state = dom.state()[0]
    active = bool(dom.isActive())
    xml = _secure_xml(dom, readonly)
    runtime = RuntimeFacts(
        state=state,
        running_vcpus=_running_vcpus(dom) if active else None,
        max_memory_kib=int(dom.maxMemory()),
        disk_capacity=_disk_capacities(dom, xml, local_files),
        persistent=bool(dom.isPersistent()),
    )
    return DomainRecord(name=name, xml=xml, runtime=runtime, active=active)


def _all_domains(conn: Any, uri: str, fix: str) -> list[Any]:
    """Every domain, active and defined; a refusal is one error naming the URI."""
    try:
        return list(conn.listAllDomains(0))
    except libvirt.libvirtError as exc:
        raise LibvirtHostError(
            f"cannot list domains at {uri}: {exc.get_error_message() or exc}", field="uri", fix=fix
        ) from None


def list_domains(uri: str, readonly: bool = True) -> list[DomainRecord]:
    """Every domain on the host, active and defined, sorted by name.

    A domain that disappears while we read it (destroyed, undefined) is skipped, not an error.
    """
    conn = open_uri(uri, readonly)
    local = is_local_uri(uri)
    try:
        domains = _all_domains(
            conn, uri, "check that the connection is allowed to list domains (use a read-write URI as root)"
        )
        records = []
        for dom in domains:
            try:
                records.append(read_domain(dom, readonly, local))
            except libvirt.libvirtError as exc:
                if exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                    continue
                raise LibvirtHostError(
                    f"cannot read domain {dom.name()} at {uri}: {exc.get_error_message() or exc}",
                    field="uri",
                    fix="retry; if it persists, check libvirtd's log on that host",
                ) from None
        return sorted(records, key=lambda r: r.name)
    finally:
        with contextlib.suppress(libvirt.libvirtError):
            conn.close()


# --- the network view of a host: domain XML, guest addresses, libvirt networks ---------------------------------
# Guest-address sources, tried in this order: the QEMU guest agent (every address the guest has), the libvirt
# network's DHCP leases, the host's ARP table. The agent needs a running agent in the guest; leases exist only
# on libvirt-managed networks; ARP only after traffic. None of them is an error when it has nothing.
ADDRESS_SOURCES = (("agent", 1), ("lease", 0), ("arp", 2))


@dataclass
class DomainNetRecord:
    name: str
    xml: str
    state: int
    active: bool
    persistent: bool
    addresses: dict[str, list[str]]  # MAC (lower case) -> addresses, from the first source that knew any
    address_source: str | None


def interface_addresses(dom: Any) -> tuple[dict[str, list[str]], str | None]:
    """Guest addresses per MAC of a running domain (link-local IPv6 left out), and where they came from."""
    for label, source in ADDRESS_SOURCES:
        try:
            answer = dom.interfaceAddresses(source, 0) or {}
        except libvirt.libvirtError:
            continue
        found: dict[str, list[str]] = {}
        for iface in answer.values():
            mac = str(iface.get("hwaddr") or "").lower()
            addrs = [str(a.get("addr")) for a in iface.get("addrs") or [] if a.get("addr")]
            addrs = [a for a in addrs if not a.lower().startswith("fe80:") and a not in ("127.0.0.1", "::1")]
            if mac and addrs:
                found.setdefault(mac, []).extend(addrs)
        if found:
            return {mac: sorted(set(addrs)) for mac, addrs in found.items()}, label
    return {}, None


def read_network_view(
    uri: str, *, skip: Callable[[str], bool] | None = None, addresses: bool = True
) -> tuple[list[DomainNetRecord], list[str]]:
    """Every domain's XML (plus guest addresses of running ones) and every libvirt network's XML at ``uri``.

    Lighter than ``list_domains``: no disk sizes, which discovery of a few hundred domains must not pay for.
    Domains for which ``skip(name)`` is true are not read (CloudStack's own VMs on a cluster host).
    """
    conn = open_uri(uri, readonly=True)
    try:
        domains = _all_domains(conn, uri, "check that the connection is allowed to list domains")
        records = []
        for dom in domains:
            try:
                name = dom.name()
                if skip is not None and skip(name):
                    continue
                state = dom.state()[0]
                active = bool(dom.isActive())
                found, label = interface_addresses(dom) if active and addresses else ({}, None)
                records.append(
                    DomainNetRecord(name, dom.XMLDesc(0), state, active, bool(dom.isPersistent()), found, label)
                )
            except libvirt.libvirtError as exc:
                if exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                    continue  # destroyed or undefined while we read
                raise LibvirtHostError(
                    f"cannot read a domain at {uri}: {exc.get_error_message() or exc}",
                    field="uri",
                    fix="retry; if it persists, check libvirtd's log on that host",
                ) from None
        networks = []
        try:
            for net in conn.listAllNetworks(0):
                with contextlib.suppress(libvirt.libvirtError):
                    networks.append(net.XMLDesc(0))
        except libvirt.libvirtError:
            pass  # a hypervisor without the network driver has no libvirt networks to report
        return sorted(records, key=lambda r: r.name), networks
    finally:
        with contextlib.suppress(libvirt.libvirtError):
            conn.close()


def domain_addresses(uri: str, name: str) -> dict[str, list[str]]:
    """Guest addresses per MAC of one domain (empty when it is not running or nothing knows any)."""
    conn = open_uri(uri, readonly=True)
    try:
        try:
            dom = conn.lookupByName(name)
        except libvirt.libvirtError:
            raise LibvirtHostError(
                f"no domain {name} at {uri}",
                field="guest_addresses_uri",
                fix="give the URI of the host the VM runs on",
            ) from None
        return interface_addresses(dom)[0] if dom.isActive() else {}
    finally:
        with contextlib.suppress(libvirt.libvirtError):
            conn.close()
