# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""The external KVM host as CloudStack's agent sees it: libvirt at ``qemu+tcp://<host>/system``.

CloudStack lists and copies only shut-off domains of an external host (facts §3.2). This reads
the domain over the same unauthenticated TCP URI, checks what CloudStack's copy will need of
its XML and disks, and shuts a running source down gracefully when asked to.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._core.errors import AcsIngestError, LibvirtHostError
from ansible_collections.acs.ingest.plugins.module_utils._libvirt.domain_xml import STATE_NAMES
from ansible_collections.acs.ingest.plugins.module_utils._libvirt.external_domain import (
    LXML_IMPORT_ERROR,
    PreflightReport,
    SourceDisk,
    domain_disks,
    domain_nics,
    libvirt_uri,
)

try:
    import libvirt

    LIBVIRT_IMPORT_ERROR: str | None = LXML_IMPORT_ERROR
except ImportError as exc:  # reported as one clear message by run_external_preflight
    LIBVIRT_IMPORT_ERROR = str(exc)
HAS_LIBVIRT = LIBVIRT_IMPORT_ERROR is None

LISTEN_TCP_FIX = (
    "run the role acs.ingest.libvirt_listen_tcp on the external host (libvirtd must listen on TCP 16509 "
    "with auth_tcp none, reachable from the CloudStack KVM hosts), then rerun"
)
# Only these reach CloudStack's parser without throwing (facts §3.6); others hide the VM.
SUPPORTED_FORMATS = ("raw", "qcow2")
# libvirt virDomainState values CloudStack maps to PowerOff (facts §3.2): SHUTDOWN, SHUTOFF.
POWER_OFF_STATES = (4, 5)


def fail(msg: str, fix: str, field_name: str | None = None) -> AcsIngestError:
    return AcsIngestError(msg, field=field_name, fix=fix)


def open_external(host: str) -> Any:
    uri = libvirt_uri(host)
    # libvirt prints every error to stderr by default; ours become one clear message instead.
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    try:
        return libvirt.open(uri)
    except libvirt.libvirtError as exc:
        raise LibvirtHostError(
            f"cannot connect to libvirt on the external host at {uri}: {exc.get_error_message()}",
            field="host",
            fix=LISTEN_TCP_FIX,
        ) from None


def check_libvirt(report: PreflightReport, *, shutdown: bool, opener: Callable[[str], Any] = open_external) -> None:
    """Reachability, domain existence and power state, disk formats and sizes.

    A running VM is only recorded here; it is shut down last (``ensure_shut_off``), after every
    other check passed, so a failing pre-flight never leaves a VM stopped for nothing.
    """
    conn = opener(report.host)
    try:
        report.checks.append(f"libvirt reachable at {report.uri}")
        try:
            dom = conn.lookupByName(report.domain)
        except libvirt.libvirtError:
            names = sorted(d.name() for d in conn.listAllDomains())
            raise fail(
                f"no domain named {report.domain!r} on {report.uri} (domains there: {', '.join(names) or 'none'})",
                "give the libvirt domain name exactly as `virsh list --all` shows it on the external host",
                "name",
            ) from None
        report.uuid = dom.UUIDString()
        # virDomainGetInfo: [state, max memory KiB, memory KiB, vCPUs, cpu time]. For a shut-off
        # domain the vCPU count is the one it boots with; memory in MiB the way CloudStack's agent
        # computes it for these listings (max memory KiB / 1024, facts §1.8).
        info = dom.info()
        report.vcpus = int(info[3])
        report.memory_mib = int(info[1]) // 1024
        report.max_memory_kib = int(info[1])
        state = dom.state()[0]
        report.state = STATE_NAMES.get(state, str(state))
        if state not in POWER_OFF_STATES and not shutdown:
            raise fail(
                f"domain {report.domain} is {report.state}; CloudStack only imports shut-off VMs from external hosts",
                "shut it down (virsh shutdown), or set shutdown=true to let this module shut it down gracefully",
                "name",
            )
        report.checks.append(f"domain {report.domain} found, {report.state}")
        xml = dom.XMLDesc(0)
        report.xml = xml
        report.disks = domain_disks(xml)
        report.nics = domain_nics(xml)
        if not report.disks:
            raise fail(
                f"domain {report.domain} has no disk devices",
                "attach the VM's disks; CloudStack imports need at least a root disk",
                "name",
            )
        for disk in report.disks:
            _check_xml_disk(report, disk)
            try:
                disk.capacity = int(dom.blockInfo(disk.path)[0])
            except libvirt.libvirtError as exc:
                raise fail(
                    f"disk {disk.target} ({disk.path}) of {report.domain}: libvirt cannot read its size: "
                    f"{exc.get_error_message()}",
                    "make the disk file exist and be readable by libvirt on the external host",
                    "name",
                ) from None
            if disk.capacity <= 0:
                raise fail(
                    f"disk {disk.target} ({disk.path}) of {report.domain} reports size 0",
                    "check the disk file; CloudStack rejects disks of unknown size",
                    "name",
                )
        report.checks.append(f"{len(report.disks)} disk(s) raw/qcow2 with known size")
    finally:
        conn.close()


def ensure_shut_off(
    report: PreflightReport,
    *,
    timeout: float,
    check_mode: bool,
    opener: Callable[[str], Any] = open_external,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Gracefully shut a running source VM down (shutdown=true), wait, and confirm it is off."""
    conn = opener(report.host)
    try:
        dom = conn.lookupByName(report.domain)
        if dom.state()[0] in POWER_OFF_STATES:
            return
        if check_mode:
            report.shutdown = "would shut down"
            return
        _shut_down(report, dom, timeout, sleep)
    finally:
        conn.close()


def _shut_down(report: PreflightReport, dom: Any, timeout: float, sleep: Callable[[float], None]) -> None:
    try:
        dom.shutdown()
    except libvirt.libvirtError as exc:
        raise fail(
            f"graceful shutdown of {report.domain} failed: {exc.get_error_message()}",
            "shut the VM down from inside the guest, then rerun",
            "shutdown",
        ) from None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if dom.state()[0] in POWER_OFF_STATES:
            report.state = "shutoff"
            report.shutdown = "done"
            report.checks.append(f"domain {report.domain} shut down gracefully")
            return
        sleep(1.0)
    raise fail(
        f"domain {report.domain} was asked to shut down but was still {STATE_NAMES.get(dom.state()[0])} "
        f"after {timeout:g}s (the guest may ignore ACPI)",
        "shut it down from inside the guest, or raise shutdown_timeout; this module never forces power off",
        "shutdown_timeout",
    )


def _check_xml_disk(report: PreflightReport, disk: SourceDisk) -> None:
    where = f"disk {disk.target} ({disk.path or 'no source'}) of {report.domain}"
    if not disk.path:
        raise fail(f"{where} is not a file or block device", "only file/block disks can be copied", "name")
    if disk.xml_format not in SUPPORTED_FORMATS:
        raise fail(
            f"{where} has format {disk.xml_format}; CloudStack imports only raw and qcow2",
            f"convert it (qemu-img convert -O qcow2 {disk.path} <new>.qcow2) and point the domain at the copy",
            "name",
        )
    if disk.encrypted:
        raise fail(
            f"{where} is encrypted; CloudStack rejects encrypted volumes",
            "decrypt it into a plain qcow2 (qemu-img convert) and point the domain at the copy",
            "name",
        )
