# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""Pre-flight for importVm with importsource=external (facts §2.4, §3.2, §3.5).

CloudStack copies every disk of the source VM before it can tell that something was wrong,
which can take hours. Everything it will need is checked here first, over the same paths it
uses: libvirt at ``qemu+tcp://<host>/system`` (no auth) and SSH on port 22 with the same
username and password. Each failure is one ``AcsIngestError`` naming the fix.
"""

from __future__ import annotations

import json
import shlex
import time
from collections.abc import Callable
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._domain_xml import STATE_NAMES
from ansible_collections.acs.ingest.plugins.module_utils._errors import AcsIngestError, LibvirtHostError
from ansible_collections.acs.ingest.plugins.module_utils._external_domain import (
    LXML_IMPORT_ERROR,
    PreflightReport,
    SourceDisk,
    domain_disks,
    domain_nics,
    libvirt_uri,
    normalize_temppath,
)
from ansible_collections.acs.ingest.plugins.module_utils._ssh import SshSession

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


def _fail(msg: str, fix: str, field_name: str | None = None) -> AcsIngestError:
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
            raise _fail(
                f"no domain named {report.domain!r} on {report.uri} (domains there: {', '.join(names) or 'none'})",
                "give the libvirt domain name exactly as `virsh list --all` shows it on the external host",
                "name",
            ) from None
        report.uuid = dom.UUIDString()
        state = dom.state()[0]
        report.state = STATE_NAMES.get(state, str(state))
        if state not in POWER_OFF_STATES and not shutdown:
            raise _fail(
                f"domain {report.domain} is {report.state}; CloudStack only imports shut-off VMs from external hosts",
                "shut it down (virsh shutdown), or set shutdown=true to let this module shut it down gracefully",
                "name",
            )
        report.checks.append(f"domain {report.domain} found, {report.state}")
        xml = dom.XMLDesc(0)
        report.disks = domain_disks(xml)
        report.nics = domain_nics(xml)
        if not report.disks:
            raise _fail(
                f"domain {report.domain} has no disk devices",
                "attach the VM's disks; CloudStack imports need at least a root disk",
                "name",
            )
        for disk in report.disks:
            _check_xml_disk(report, disk)
            try:
                disk.capacity = int(dom.blockInfo(disk.path)[0])
            except libvirt.libvirtError as exc:
                raise _fail(
                    f"disk {disk.target} ({disk.path}) of {report.domain}: libvirt cannot read its size: "
                    f"{exc.get_error_message()}",
                    "make the disk file exist and be readable by libvirt on the external host",
                    "name",
                ) from None
            if disk.capacity <= 0:
                raise _fail(
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
        raise _fail(
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
    raise _fail(
        f"domain {report.domain} was asked to shut down but was still {STATE_NAMES.get(dom.state()[0])} "
        f"after {timeout:g}s (the guest may ignore ACPI)",
        "shut it down from inside the guest, or raise shutdown_timeout; this module never forces power off",
        "shutdown_timeout",
    )


def _check_xml_disk(report: PreflightReport, disk: SourceDisk) -> None:
    where = f"disk {disk.target} ({disk.path or 'no source'}) of {report.domain}"
    if not disk.path:
        raise _fail(f"{where} is not a file or block device", "only file/block disks can be copied", "name")
    if disk.xml_format not in SUPPORTED_FORMATS:
        raise _fail(
            f"{where} has format {disk.xml_format}; CloudStack imports only raw and qcow2",
            f"convert it (qemu-img convert -O qcow2 {disk.path} <new>.qcow2) and point the domain at the copy",
            "name",
        )
    if disk.encrypted:
        raise _fail(
            f"{where} is encrypted; CloudStack rejects encrypted volumes",
            "decrypt it into a plain qcow2 (qemu-img convert) and point the domain at the copy",
            "name",
        )


def check_ssh(report: PreflightReport, session: SshSession) -> None:
    """Login, qemu-img, readable disks, converted sizes, temppath free space."""
    session.connect()
    report.checks.append(f"SSH login as {session.username} on {report.host}:{session.port}")
    if not session.has_command("qemu-img"):
        raise _fail(
            f"qemu-img is not on the PATH of {session.username} on {report.host}",
            "install qemu-utils (Debian/Ubuntu) or qemu-img (EL) on the external host",
            "host",
        )
    report.checks.append("qemu-img present")
    for disk in report.disks:
        _inspect_disk(report, session, disk)
    report.checks.append("disks readable by the SSH user, no backing file, not encrypted")
    temp = report.temppath
    if not session.is_writable_dir(temp):
        raise _fail(
            f"temppath {temp} on {report.host} is not a directory writable by {session.username}",
            f"create it (install -d -o {session.username} {temp}) or choose another temppath",
            "temppath",
        )
    report.temppath_free = session.free_bytes(temp)
    report.temppath_needed = sum(disk.converted_size for disk in report.disks)
    if report.temppath_free < report.temppath_needed:
        raise _fail(
            f"temppath {temp} on {report.host} has {_gib(report.temppath_free)} free but the converted disks need "
            f"{_gib(report.temppath_needed)} (CloudStack converts every disk there first and leaves the copies)",
            "free space there, or point temppath at a filesystem with enough room",
            "temppath",
        )
    report.checks.append(f"temppath {temp}: {_gib(report.temppath_free)} free, {_gib(report.temppath_needed)} needed")


def _inspect_disk(report: PreflightReport, session: SshSession, disk: SourceDisk) -> None:
    where = f"disk {disk.target} ({disk.path}) of {report.domain}"
    path = shlex.quote(disk.path)
    # -U: read even if a running VM (check mode before shutdown) holds the image lock.
    info = session.run(f"qemu-img info -U --output=json {path}", timeout=120)
    if not info.ok:
        raise _fail(
            f"{where}: qemu-img info as {session.username} failed: {info.stderr.strip()}",
            f"let {session.username} read the disk file (CloudStack runs qemu-img convert as that user)",
            "username",
        )
    data = _json(info.stdout, where)
    disk.format = str(data.get("format", ""))
    disk.virtual_size = int(data.get("virtual-size") or 0)
    disk.backing_file = str(data.get("backing-filename") or data.get("full-backing-filename") or "")
    if data.get("encrypted"):
        disk.encrypted = True
    if disk.format not in SUPPORTED_FORMATS:
        raise _fail(
            f"{where} is {disk.format or 'of unknown format'} on disk; CloudStack imports raw and qcow2 only",
            f"convert it: qemu-img convert -O qcow2 {disk.path} <new>.qcow2",
            "name",
        )
    if disk.backing_file:
        raise _fail(
            f"{where} has the backing file {disk.backing_file}; CloudStack rejects volumes with a backing file",
            f"flatten it first: virsh blockpull {report.domain} {disk.target} --wait (VM running) or "
            f"qemu-img convert -O qcow2 {disk.path} <flat>.qcow2 and point the domain at the copy",
            "name",
        )
    if disk.encrypted:
        raise _fail(
            f"{where} is encrypted; CloudStack rejects encrypted volumes",
            "decrypt it into a plain qcow2 and point the domain at the copy",
            "name",
        )
    if disk.virtual_size <= 0:
        raise _fail(f"{where}: size unknown", "check the disk file with qemu-img info", "name")
    measure = session.run(f"qemu-img measure -U --output=json -O qcow2 {path}", timeout=300)
    if measure.ok:
        disk.converted_size = int(_json(measure.stdout, where).get("required") or disk.virtual_size)
    else:  # old qemu-img without measure: assume the worst case, a fully written copy
        disk.converted_size = disk.virtual_size


def _json(text: str, where: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except ValueError:
        raise _fail(
            f"{where}: qemu-img printed no JSON: {text[:200]!r}", "update qemu-img on the external host"
        ) from None
    return data if isinstance(data, dict) else {}


def _gib(value: int) -> str:
    return f"{value / 1024**3:.2f} GiB"


def run_external_preflight(
    *,
    host: str,
    domain: str,
    username: str,
    password: str | None,
    temppath: str | None,
    shutdown: bool = False,
    shutdown_timeout: float = 300,
    check_mode: bool = False,
    ssh_port: int = 22,
    ssh_error: AcsIngestError | None = None,
) -> PreflightReport:
    """Every pre-flight check, libvirt first (cheap, and it tells us which disks to inspect)."""
    if not HAS_LIBVIRT:
        raise _fail(
            f"libvirt-python and lxml are needed on the controller: {LIBVIRT_IMPORT_ERROR}",
            "pip install libvirt-python lxml",
        )
    started = time.monotonic()
    report = PreflightReport(host=host, uri=libvirt_uri(host), domain=domain, temppath=normalize_temppath(temppath))
    check_libvirt(report, shutdown=shutdown)
    if ssh_error is not None:  # a login that already failed: report it without a second slow attempt
        raise ssh_error
    with SshSession(host, username, password, port=ssh_port) as session:
        check_ssh(report, session)
    ensure_shut_off(report, timeout=shutdown_timeout, check_mode=check_mode)
    report.seconds = round(time.monotonic() - started, 3)
    return report
