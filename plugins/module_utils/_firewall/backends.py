# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""Apply or remove the libvirt TCP port's rules (``rules.py``) with the host's firewall tool.

Each backend compares what is in place with what is wanted, changes only what differs, and
reports the before/after as an Ansible diff. In check mode the tools are only asked, never told.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ansible_collections.acs.ingest.plugins.module_utils._core.errors import AcsIngestError, InputError
from ansible_collections.acs.ingest.plugins.module_utils._firewall.rules import (
    CHAIN,
    TABLE,
    FirewallRequest,
    allowed_sources,
    firewalld_rich_rules,
    iptables_jump,
    iptables_listing,
    iptables_rules,
    listen_address,
    nft_digest,
    nft_replace_script,
    nft_ruleset,
    ufw_needs_change,
    ufw_rules,
)

BACKENDS = ("nftables", "iptables", "firewalld", "ufw")
COMMAND_TIMEOUT = 60

if TYPE_CHECKING:  # only in annotations: this runs on the KVM host's Python, possibly 3.8
    # argv, stdin -> (returncode, stdout, stderr)
    Runner = Callable[[Sequence[str], "str | None"], tuple[int, str, str]]


def run_command(argv: Sequence[str], stdin: str | None = None) -> tuple[int, str, str]:
    try:
        proc = subprocess.run(
            list(argv), input=stdin, capture_output=True, text=True, check=False, timeout=COMMAND_TIMEOUT
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return 127, "", str(exc)
    return proc.returncode, proc.stdout, proc.stderr


def resolve_name(name: str) -> list[str]:
    """The addresses a host name resolves to here, or [] if it does not resolve."""
    try:
        infos = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return []
    return sorted({str(info[4][0]) for info in infos})


@dataclass
class FirewallChange:
    changed: bool
    backend: str
    before: str = ""
    after: str = ""

    def to_result(self, request: FirewallRequest | None, diff_mode: bool) -> dict[str, Any]:
        result: dict[str, Any] = {
            "changed": self.changed,
            "backend": self.backend,
            "allowed": list(request.allowed) if request else [],
        }
        if diff_mode and self.changed:
            header = f"firewall ({self.backend})"
            result["diff"] = {
                "before_header": header,
                "after_header": header,
                "before": self.before,
                "after": self.after,
            }
        return result


class Firewall:
    """One host's firewall tools, driven through ``run`` (argv, stdin) -> (rc, stdout, stderr)."""

    def __init__(self, check_mode: bool, run: Runner = run_command, which: Callable[[str], Any] = shutil.which):
        self.check_mode = check_mode
        self._run = run
        self._which = which

    def _call(self, argv: list[str], stdin: str | None = None) -> str:
        """Run a command that must succeed."""
        rc, out, err = self._run(argv, stdin)
        if rc != 0:
            raise AcsIngestError(
                f"'{' '.join(argv)}' failed: {(err or out).strip()}",
                field="backend",
                fix="check the firewall tool on the host, or choose another backend (libvirt_listen_tcp_firewall)",
            )
        return out

    def _ask(self, argv: list[str]) -> tuple[bool, str]:
        """Run a query whose failure is an answer (for example: no such table)."""
        rc, out, _err = self._run(argv, None)
        return rc == 0, out

    def detect(self) -> str:
        """firewalld or ufw when active (they own the ruleset), else nftables, else iptables."""
        if self._which("firewall-cmd") and self._ask(["firewall-cmd", "--state"])[1].strip() == "running":
            return "firewalld"
        if self._which("ufw") and "Status: active" in self._ask(["ufw", "status"])[1]:
            return "ufw"
        if self._which("nft"):
            return "nftables"
        if self._which("iptables"):
            return "iptables"
        raise AcsIngestError(
            "none of firewalld, ufw, nft or iptables is installed",
            field="backend",
            fix="install nftables, or set the backend to none and filter the port elsewhere",
        )

    def nftables(self, request: FirewallRequest | None) -> FirewallChange:
        exists, current = self._ask(["nft", "list", "table", "inet", TABLE])
        current = current if exists else ""
        if request is None:
            if exists and not self.check_mode:
                self._call(["nft", "delete", "table", "inet", TABLE])
            return FirewallChange(exists, "nftables", current, "")
        if exists and nft_digest(request) in current:
            return FirewallChange(False, "nftables", current, current)
        if not self.check_mode:
            self._call(["nft", "-f", "-"], stdin=nft_replace_script(request))
        return FirewallChange(True, "nftables", current, nft_ruleset(request))

    def _iptables_state(self, port: int) -> tuple[list[str], bool]:
        exists, listing = self._ask(["iptables", "-S", CHAIN])
        jumped = self._ask(["iptables", "-C", *iptables_jump(port)])[0]
        return (listing.splitlines() if exists else []), jumped

    def iptables(self, request: FirewallRequest | None, port: int) -> FirewallChange:
        chain, jumped = self._iptables_state(port)
        jump_line = "-A " + " ".join(iptables_jump(port))
        before = "\n".join(chain + ([jump_line] if jumped else []))
        if request is None:
            if chain and not self.check_mode:
                while self._ask(["iptables", "-C", *iptables_jump(port)])[0]:
                    self._call(["iptables", "-D", *iptables_jump(port)])
                self._call(["iptables", "-F", CHAIN])
                self._call(["iptables", "-X", CHAIN])
            return FirewallChange(bool(chain) or jumped, "iptables", before, "")
        wanted = iptables_listing(request)
        after = "\n".join([*wanted, jump_line])
        if jumped and chain == wanted:
            return FirewallChange(False, "iptables", before, after)
        if not self.check_mode:
            if not chain:
                self._call(["iptables", "-N", CHAIN])
            self._call(["iptables", "-F", CHAIN])
            for rule in iptables_rules(request):
                self._call(["iptables", "-A", CHAIN, *rule])
            if not jumped:
                jump = iptables_jump(port)
                self._call(["iptables", "-I", jump[0], "1", *jump[1:]])
        return FirewallChange(True, "iptables", before, after)

    def firewalld(self, request: FirewallRequest, present: bool) -> FirewallChange:
        """Rich rules, in the runtime and the permanent configuration alike."""
        changed, before, after = False, [], []
        for rule in firewalld_rich_rules(request):
            for permanent in ([], ["--permanent"]):
                label = f"{'permanent' if permanent else 'runtime'}: {rule}"
                has = self._ask(["firewall-cmd", *permanent, f"--query-rich-rule={rule}"])[0]
                if has:
                    before.append(label)
                if present:
                    after.append(label)
                if has != present:
                    changed = True
                    if not self.check_mode:
                        verb = "--add-rich-rule" if present else "--remove-rich-rule"
                        self._call(["firewall-cmd", *permanent, f"{verb}={rule}"])
        return FirewallChange(changed, "firewalld", "\n".join(before), "\n".join(after))

    def ufw(self, request: FirewallRequest, present: bool) -> FirewallChange:
        status = self._call(["ufw", "status"])
        changed = ufw_needs_change(status, request, present)
        wanted = "\n".join("ufw " + " ".join(rule) for rule in ufw_rules(request)) if present else ""
        if changed and not self.check_mode:
            for rule in ufw_rules(request):
                if present:
                    self._call(["ufw", *rule])
                else:
                    self._ask(["ufw", "delete", *rule])  # a rule that is already gone is fine
        return FirewallChange(changed, "ufw", status, wanted if changed else status)


def apply_firewall(
    state: str,
    backend: str,
    address: str | None,
    port: int,
    allowed: Sequence[str],
    firewall: Firewall,
    resolve: Callable[[str], list[str]] = resolve_name,
) -> tuple[FirewallChange, FirewallRequest | None]:
    """Make the libvirt port's rules ``present`` or ``absent`` with ``backend`` (``auto`` detects)."""
    present = state == "present"
    if not 0 < port < 65536:
        raise InputError("port", f"{port} is not a TCP port", "use 16509, the port CloudStack connects to")
    request = None
    if present or allowed:
        if present and not address:
            raise InputError("address", "is required with state=present", "set libvirt_listen_tcp_address")
        if present and not allowed:
            raise InputError(
                "allowed",
                "is empty, so nobody could reach libvirt",
                "set libvirt_listen_tcp_allowed_sources to the CloudStack KVM hosts' addresses",
            )
        request = FirewallRequest(listen_address(address) if address else "", port, allowed_sources(allowed, resolve))
    chosen = firewall.detect() if backend == "auto" else backend
    if chosen == "none":
        return FirewallChange(False, "none"), request
    if chosen == "nftables":
        return firewall.nftables(request if present else None), request
    if chosen == "iptables":
        return firewall.iptables(request if present else None, port), request
    if request is None:
        # firewalld and ufw rules are named by their sources: without them there is nothing to find.
        raise InputError(
            "allowed",
            f"is needed to remove the {chosen} rules (they are found by source)",
            "pass the same libvirt_listen_tcp_allowed_sources as when the window was opened",
        )
    if chosen == "firewalld":
        return firewall.firewalld(request, present), request
    if not request.address:
        raise InputError("address", "is needed to find the ufw rules", "pass the same libvirt_listen_tcp_address")
    return firewall.ufw(request, present), request
