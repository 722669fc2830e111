# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""Open libvirt's TCP listener on a host, and put the host back exactly as it was.

Runs on the external KVM host. ``open_listener`` detects how the host runs libvirt, copies every
file it is about to change into a backup directory (once, before the first change, with a
manifest), writes what ``listen_config`` computes, and says whether libvirt must be restarted
and with which commands. ``close_listener`` puts every file back byte for byte from the manifest
(removing files that did not exist before). Both honour check mode and describe each file's
change as an Ansible diff. Neither restarts anything: the role does that with its own command.
"""

from __future__ import annotations

import ipaddress
import json
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ansible_collections.acs.ingest.plugins.module_utils._core.errors import AcsIngestError, InputError
from ansible_collections.acs.ingest.plugins.module_utils._libvirt.listen_config import (
    ListenSettings,
    desired_files,
    is_listening,
    managed_paths,
    restart_commands,
)

TLS_SERVER_CERT = "/etc/pki/libvirt/servercert.pem"
PROC_NET_TCP = ("/proc/net/tcp", "/proc/net/tcp6")
MANIFEST = "manifest.json"
ROOT_FIX = "check the path, and run the task as root (become: true)"

if TYPE_CHECKING:  # only in annotations: this runs on the KVM host's Python, possibly 3.8
    SystemctlRunner = Callable[[list[str]], int]


@dataclass
class ListenerChange:
    """What ``open_listener``/``close_listener`` did (or, in check mode, would do)."""

    changed: bool = False
    mode: str | None = None
    changed_files: list[str] = field(default_factory=list)
    restart_needed: bool = False
    commands: list[list[str]] = field(default_factory=list)
    diff: list[dict[str, str]] = field(default_factory=list)

    def to_result(self, diff_mode: bool) -> dict[str, Any]:
        result: dict[str, Any] = {
            "changed": self.changed,
            "mode": self.mode,
            "changed_files": self.changed_files,
            "restart_needed": self.restart_needed,
            "commands": self.commands,
        }
        if diff_mode and self.diff:
            result["diff"] = self.diff
        return result


def _systemctl(argv: list[str]) -> int:
    return subprocess.run(["systemctl", *argv], capture_output=True, check=False, timeout=60).returncode


def detect_mode(systemctl: SystemctlRunner = _systemctl, systemd_booted: bool | None = None) -> str:
    """How this host runs libvirt; without systemd only the classic daemon is possible."""
    if systemd_booted is None:
        systemd_booted = os.path.isdir("/run/systemd/system") and shutil.which("systemctl") is not None
    if not systemd_booted:
        return "classic"
    libvirtd_active = systemctl(["is-active", "--quiet", "libvirtd.service"]) == 0
    for unit in ("virtproxyd.socket", "virtqemud.socket", "virtqemud.service"):
        if not libvirtd_active and systemctl(["is-enabled", "--quiet", unit]) == 0:
            return "modular"
    if systemctl(["is-enabled", "--quiet", "libvirtd.socket"]) == 0:
        return "socket"
    return "classic"


def _read(path: str) -> str:
    if not os.path.exists(path):
        return ""
    # surrogateescape: a stray non-UTF-8 byte in a configuration file survives the round trip.
    with open(path, encoding="utf-8", errors="surrogateescape") as handle:
        return handle.read()


def _write(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w", encoding="utf-8", errors="surrogateescape") as handle:
        handle.write(text)


def _file_diff(path: str, before: str, after: str) -> dict[str, str]:
    return {"before_header": path, "after_header": path, "before": before, "after": after}


def _os_error(exc: OSError) -> AcsIngestError:
    where = exc.filename or "a libvirt configuration file"
    return AcsIngestError(f"{where}: {exc.strerror or exc}", fix=ROOT_FIX)


def check_address(address: str | None) -> str:
    """The listen address, which must be one IP address (libvirt listens on it, the firewall filters it)."""
    if not address:
        raise InputError("address", "is required with state=present", "set libvirt_listen_tcp_address")
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        raise InputError(
            "address",
            f"'{address}' is not an IP address",
            "set it to the host's address on the network the CloudStack KVM hosts use, "
            "for example {{ ansible_default_ipv4.address }}",
        ) from None


def check_port(port: int) -> int:
    if not 0 < port < 65536:
        raise InputError("port", f"{port} is not a TCP port", "use 16509, the port CloudStack connects to")
    return port


def load_manifest(backup_dir: str) -> dict[str, Any] | None:
    path = os.path.join(backup_dir, MANIFEST)
    if not os.path.exists(path):
        return None
    try:
        manifest = json.loads(_read(path))
    except ValueError:
        raise AcsIngestError(
            f"{path} is not the manifest this module writes",
            field="backup_dir",
            fix="restore the files by hand from that directory, remove it, then rerun",
        ) from None
    if not isinstance(manifest, dict) or manifest.get("mode") not in ("classic", "socket", "modular"):
        raise AcsIngestError(f"{path} names no libvirt mode", field="backup_dir", fix="remove the broken manifest")
    return manifest


def _back_up(backup_dir: str, manifest: dict[str, Any], paths: list[str]) -> None:
    """Copy each file not yet in the manifest aside, then record it (the manifest is written last)."""
    entries: dict[str, Any] = manifest.setdefault("files", {})
    new = [path for path in paths if path not in entries]
    if not new:
        return
    os.makedirs(backup_dir, mode=0o700, exist_ok=True)
    for path in new:
        backup = os.path.join(backup_dir, f"{len(entries)}-{os.path.basename(path)}")
        existed = os.path.exists(path)
        if existed:
            shutil.copy2(path, backup)
        entries[path] = {"existed": existed, "backup": backup}
    _write(os.path.join(backup_dir, MANIFEST), json.dumps(manifest, indent=2))


def open_listener(
    settings: ListenSettings,
    mode: str,
    backup_dir: str,
    check_mode: bool,
    *,
    detect: Callable[[], str] = detect_mode,
    tls_certificate: bool | None = None,
    proc_net_tcp: tuple[str, ...] = PROC_NET_TCP,
) -> ListenerChange:
    """Configure the listener on ``settings.address`` (``mode`` may be ``auto``)."""
    address = check_address(settings.address)
    check_port(settings.port)
    try:
        manifest = load_manifest(backup_dir)
        # A host keeps the mode of its first run: its backups were taken for those files.
        chosen = manifest["mode"] if manifest else (detect() if mode == "auto" else mode)
        if chosen == "classic" and not settings.defaults_file:
            raise InputError(
                "defaults_file",
                "is required in classic mode (the file holding libvirtd's options)",
                "set libvirt_listen_tcp_defaults_file (/etc/default/libvirtd, /etc/sysconfig/libvirtd on EL)",
            )
        paths = managed_paths(settings, chosen)
        current = {path: _read(path) for path in paths}
        if tls_certificate is None:
            tls_certificate = os.path.exists(TLS_SERVER_CERT)
        wanted = desired_files(settings, chosen, current, tls_certificate)
        changed_files = [path for path in paths if not os.path.exists(path) or current[path] != wanted[path]]
        # Restart also when the files are right but nothing listens: an earlier run wrote them and
        # its restart failed, or the daemon was restarted since without the options.
        tables = tuple(_read(table) for table in proc_net_tcp)
        restart = bool(changed_files) or not is_listening(tables, address, settings.port)
        change = ListenerChange(
            changed=restart,
            mode=chosen,
            changed_files=changed_files,
            restart_needed=restart,
            commands=restart_commands(chosen, True) if restart else [],
            diff=[_file_diff(path, current[path], wanted[path]) for path in changed_files],
        )
        if check_mode or not changed_files:
            return change
        _back_up(backup_dir, manifest or {"mode": chosen, "files": {}}, changed_files)
        for path in changed_files:
            _write(path, wanted[path])
        return change
    except OSError as exc:
        raise _os_error(exc) from None


def close_listener(backup_dir: str, check_mode: bool) -> ListenerChange:
    """Put back every file recorded in the manifest; nothing to do without one."""
    try:
        manifest = load_manifest(backup_dir)
        if manifest is None:
            return ListenerChange()
        entries: dict[str, Any] = manifest.get("files", {})
        diff = []
        for path, entry in entries.items():
            original = _read(entry["backup"]) if entry["existed"] else ""
            diff.append(_file_diff(path, _read(path), original))
        change = ListenerChange(
            changed=True,
            mode=manifest["mode"],
            changed_files=list(entries),
            restart_needed=True,
            commands=restart_commands(manifest["mode"], False),
            diff=diff,
        )
        if check_mode:
            return change
        for path, entry in entries.items():
            if entry["existed"]:
                shutil.copy2(entry["backup"], path)
            elif os.path.exists(path):
                os.unlink(path)
        # Backups go only after the manifest: until then a rerun can finish an interrupted restore.
        os.unlink(os.path.join(backup_dir, MANIFEST))
        for entry in entries.values():
            if entry["existed"] and os.path.exists(entry["backup"]):
                os.unlink(entry["backup"])
        return change
    except OSError as exc:
        raise _os_error(exc) from None
