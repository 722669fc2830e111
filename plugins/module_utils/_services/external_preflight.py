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
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._core.errors import AcsIngestError
from ansible_collections.acs.ingest.plugins.module_utils._libvirt.external_domain import (
    PreflightReport,
    SourceDisk,
    libvirt_uri,
    normalize_temppath,
)
from ansible_collections.acs.ingest.plugins.module_utils._libvirt.external_host import (
    HAS_LIBVIRT,
    LIBVIRT_IMPORT_ERROR,
    SUPPORTED_FORMATS,
    check_libvirt,
    ensure_shut_off,
    fail,
)
from ansible_collections.acs.ingest.plugins.module_utils._remote.ssh import SshSession


def check_ssh(report: PreflightReport, session: SshSession) -> None:
    """Login, qemu-img, readable disks, converted sizes, temppath free space."""
    session.connect()
    report.checks.append(f"SSH login as {session.username} on {report.host}:{session.port}")
    if not session.has_command("qemu-img"):
        raise fail(
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
        raise fail(
            f"temppath {temp} on {report.host} is not a directory writable by {session.username}",
            f"create it (install -d -o {session.username} {temp}) or choose another temppath",
            "temppath",
        )
    report.temppath_free = session.free_bytes(temp)
    report.temppath_needed = sum(disk.converted_size for disk in report.disks)
    if report.temppath_free < report.temppath_needed:
        raise fail(
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
        raise fail(
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
        raise fail(
            f"{where} is {disk.format or 'of unknown format'} on disk; CloudStack imports raw and qcow2 only",
            f"convert it: qemu-img convert -O qcow2 {disk.path} <new>.qcow2",
            "name",
        )
    if disk.backing_file:
        raise fail(
            f"{where} has the backing file {disk.backing_file}; CloudStack rejects volumes with a backing file",
            f"flatten it first: virsh blockpull {report.domain} {disk.target} --wait (VM running) or "
            f"qemu-img convert -O qcow2 {disk.path} <flat>.qcow2 and point the domain at the copy",
            "name",
        )
    if disk.encrypted:
        raise fail(
            f"{where} is encrypted; CloudStack rejects encrypted volumes",
            "decrypt it into a plain qcow2 and point the domain at the copy",
            "name",
        )
    if disk.virtual_size <= 0:
        raise fail(f"{where}: size unknown", "check the disk file with qemu-img info", "name")
    measure = session.run(f"qemu-img measure -U --output=json -O qcow2 {path}", timeout=300)
    if measure.ok:
        disk.converted_size = int(_json(measure.stdout, where).get("required") or disk.virtual_size)
    else:  # old qemu-img without measure: assume the worst case, a fully written copy
        disk.converted_size = disk.virtual_size


def _json(text: str, where: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except ValueError:
        raise fail(
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
        raise fail(
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
