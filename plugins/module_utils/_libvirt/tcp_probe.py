# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""Connect to a libvirt TCP listener the way CloudStack's KVM agent does, and say what happened.

Run from a CloudStack KVM host (or any host that must be refused), this proves what the firewall
and the listener configuration promise: ``qemu+tcp://<address>/system``, no credentials (facts
§3.2), opened read-write and asked for its domains. libvirt has no connect timeout of its own,
so a plain TCP connect with a timeout comes first.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._core.errors import LibvirtHostError
from ansible_collections.acs.ingest.plugins.module_utils._libvirt.external_domain import libvirt_uri
from ansible_collections.acs.ingest.plugins.module_utils._libvirt.host import open_uri

try:
    import libvirt
except ImportError:  # the module reports it with missing_required_lib before probing
    libvirt = None


@dataclass
class ProbeOutcome:
    uri: str
    connected: bool
    error: str
    domains: int

    def to_result(self) -> dict[str, Any]:
        return asdict(self)


def probe_listener(
    address: str,
    port: int,
    timeout: float,
    *,
    opener: Callable[[str, bool], Any] = open_uri,
    tcp_connect: Callable[..., Any] = socket.create_connection,
) -> ProbeOutcome:
    """Try ``qemu+tcp://address:port/system``; never raises for a refused or failed connection."""
    uri = libvirt_uri(address, port)
    try:
        with tcp_connect((address, port), timeout=timeout):
            pass
    except OSError as exc:
        return ProbeOutcome(uri, False, f"tcp: {exc.strerror or exc}", 0)
    try:
        conn = opener(uri, False)
    except LibvirtHostError as exc:
        return ProbeOutcome(uri, False, f"libvirt: {exc.msg}", 0)
    try:
        return ProbeOutcome(uri, True, "", len(conn.listAllDomains(0)))
    except libvirt.libvirtError as exc:
        return ProbeOutcome(uri, False, f"libvirt: {exc.get_error_message() or exc}", 0)
    finally:
        with contextlib.suppress(libvirt.libvirtError):
            conn.close()
