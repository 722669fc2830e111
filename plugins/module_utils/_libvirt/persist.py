# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""Make transient libvirt domains persistent on a CloudStack KVM host, as CloudStack 4.22 does.

For each domain: read the live XML in its secure form (a VNC password must survive), let
``persist_xml.plan_definition`` decide, save the live and the new XML (mode 0600, they hold
secrets), define, and check that the domain is now persistent and still in the run state it had.
It never undefines, never stops a domain and never touches a disk.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._core.errors import AcsIngestError, InputError
from ansible_collections.acs.ingest.plugins.module_utils._libvirt.host import open_uri
from ansible_collections.acs.ingest.plugins.module_utils._libvirt.persist_xml import plan_definition, redact_secrets

try:
    import libvirt
except ImportError:  # the module reports it with missing_required_lib before anything here runs
    libvirt = None

LIBVIRT_FIX = "see the libvirtd log on the host"


@dataclass(frozen=True)
class PersistRequest:
    uri: str = "qemu:///system"
    domains: tuple[str, ...] = ()
    all_transient: bool = False
    exclude: tuple[str, ...] = ()
    strip_config_drive: bool = True
    backup_dir: str = "/var/lib/acs-ingest/persist_domain_xml"


@dataclass
class PersistOutcome:
    changed: bool = False
    domains: list[dict[str, Any]] = field(default_factory=list)
    backups: list[str] = field(default_factory=list)
    diff: list[dict[str, str]] = field(default_factory=list)

    def to_result(self, diff_mode: bool) -> dict[str, Any]:
        result: dict[str, Any] = {"changed": self.changed, "domains": self.domains, "backups": self.backups}
        if diff_mode and self.diff:
            result["diff"] = self.diff
        return result


def check_request(request: PersistRequest) -> None:
    if not request.domains and not request.all_transient:
        raise InputError(
            "domains",
            "is empty and all_transient is false, so nothing would be persisted",
            "list the domains, or set all_transient with exclude set to the names CloudStack still manages",
        )
    clash = sorted(set(request.domains) & set(request.exclude))
    if clash:
        raise InputError(
            "domains",
            f"{', '.join(clash)} also in exclude (CloudStack still manages it, and its createXML fails on a "
            "defined name)",
            "remove it from one of the two lists",
        )


def save_backup(backup_dir: str, name: str, kind: str, xml: str, stamp: str) -> str:
    os.makedirs(backup_dir, mode=0o700, exist_ok=True)
    path = os.path.join(backup_dir, f"{name}.{stamp}.{kind}.xml")
    # The secure XML may hold a VNC password: readable by root only, from the first byte on.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(xml)
    return path


def _targets(conn: Any, request: PersistRequest) -> list[Any]:
    """The named domains (each must exist), then every other transient one if asked, minus exclude."""
    chosen: dict[str, Any] = {}
    for name in request.domains:
        try:
            chosen[name] = conn.lookupByName(name)
        except libvirt.libvirtError:
            raise InputError(
                "domains", f"no domain named {name} on {request.uri}", "use a name from 'virsh list --all'"
            ) from None
    if request.all_transient:
        for dom in conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_TRANSIENT):
            if dom.name() not in request.exclude:
                chosen.setdefault(dom.name(), dom)
    return [chosen[name] for name in sorted(chosen)]


def _persist_one(conn: Any, dom: Any, request: PersistRequest, check_mode: bool, stamp: str) -> tuple[dict, dict]:
    name = dom.name()
    was_persistent, was_active = bool(dom.isPersistent()), bool(dom.isActive())
    secure = libvirt.VIR_DOMAIN_XML_SECURE
    live = dom.XMLDesc(secure)
    stored = dom.XMLDesc(secure | libvirt.VIR_DOMAIN_XML_INACTIVE) if was_persistent else None
    plan = plan_definition(name, was_persistent, live, stored, request.strip_config_drive)
    entry: dict[str, Any] = {
        "name": name,
        "action": "define" if plan.needed else "none",
        "was_persistent": was_persistent,
        "was_active": was_active,
        # What the domain is (or, in check mode, will be) afterwards.
        "persistent": True if plan.needed else was_persistent,
        "active": was_active,
        "removed_config_drive": plan.removed_config_drive,
        "backups": [],
    }
    if not plan.needed:
        return entry, {}
    diff = {
        "before_header": f"{name} (stored definition)" if was_persistent else f"{name} (transient: no definition)",
        "after_header": f"{name} (defined)",
        "before": redact_secrets(stored or ""),
        "after": redact_secrets(plan.xml or ""),
    }
    if check_mode:
        return entry, diff
    entry["backups"] = [
        save_backup(request.backup_dir, name, "live" if not was_persistent else "stored", stored or live, stamp),
        save_backup(request.backup_dir, name, "defined", plan.xml or "", stamp),
    ]
    conn.defineXML(plan.xml)
    after = conn.lookupByName(name)
    entry["persistent"], entry["active"] = bool(after.isPersistent()), bool(after.isActive())
    if not entry["persistent"] or entry["active"] != was_active:
        raise AcsIngestError(
            f"{name} is persistent={entry['persistent']} active={entry['active']} after define "
            f"(before: persistent={was_persistent} active={was_active})",
            field="domains",
            fix=f"compare the backups {', '.join(entry['backups'])} and {LIBVIRT_FIX}",
            domains=[entry],
        )
    return entry, diff


def persist_domains(
    request: PersistRequest,
    check_mode: bool,
    *,
    opener: Callable[[str, bool], Any] = open_uri,
    clock: Callable[[], str] = lambda: time.strftime("%Y%m%dT%H%M%S"),
) -> PersistOutcome:
    check_request(request)
    conn = opener(request.uri, False)
    outcome = PersistOutcome()
    stamp = clock()
    try:
        for dom in _targets(conn, request):
            entry, diff = _persist_one(conn, dom, request, check_mode, stamp)
            outcome.domains.append(entry)
            outcome.backups.extend(entry["backups"])
            if diff:
                outcome.changed = True
                outcome.diff.append(diff)
    except libvirt.libvirtError as exc:
        raise AcsIngestError(
            f"libvirt at {request.uri}: {exc.get_error_message() or exc}",
            field="uri",
            fix=LIBVIRT_FIX,
            domains=outcome.domains,
            backups=outcome.backups,
        ) from None
    except OSError as exc:
        raise AcsIngestError(
            f"{exc.filename or request.backup_dir}: {exc.strerror or exc}",
            field="backup_dir",
            fix="check the directory, and run the task as root (become: true)",
            domains=outcome.domains,
        ) from None
    finally:
        with contextlib.suppress(libvirt.libvirtError):
            conn.close()
    return outcome
