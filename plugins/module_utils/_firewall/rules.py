# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""The firewall rules that let only the CloudStack KVM hosts reach libvirt's TCP port, as text.

libvirt's TCP listener has no authentication when CloudStack uses it (``auth_tcp = "none"``,
facts §3.2), so the port must be reachable from the allowed sources only; everyone else gets a
TCP reset. One rule set per backend, each kept apart from the host's own rules so that removing
ours never touches theirs: nftables gets its own table, iptables its own chain plus one jump,
firewalld rich rules, ufw allow/deny rules. Pure: ``backends.py`` runs the tools.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ansible_collections.acs.ingest.plugins.module_utils._core.errors import InputError

TABLE = "acs_ingest_libvirt_tcp"
CHAIN = "ACS_INGEST_LIBVIRT"
NFT_COMMENT = "acs.ingest libvirt_listen_tcp"


@dataclass(frozen=True)
class FirewallRequest:
    """The listener to protect and the sources allowed to reach it (CIDR strings, collapsed)."""

    address: str
    port: int
    allowed: tuple[str, ...]

    @property
    def allowed_v4(self) -> list[str]:
        return [source for source in self.allowed if ":" not in source]

    @property
    def allowed_v6(self) -> list[str]:
        return [source for source in self.allowed if ":" in source]


def _render(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> str:
    """A single host without its prefix length (as nft and ufw print it), a network with it."""
    return str(network.network_address) if network.num_addresses == 1 else str(network)


def listen_address(address: str) -> str:
    """The one address libvirt listens on; the rules name it, so it must be an IP address."""
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        raise InputError(
            "address",
            f"'{address}' is not an IP address",
            "set libvirt_listen_tcp_address to the host's address on the CloudStack KVM hosts' network",
        ) from None


def allowed_sources(entries: Iterable[str], resolve: Callable[[str], list[str]]) -> tuple[str, ...]:
    """Addresses, CIDRs or host names -> the smallest equivalent list of networks, IPv4 first.

    Overlapping entries are merged (nftables refuses overlapping intervals in one set). A name is
    resolved with ``resolve`` on the host that runs the firewall, once, when the rules are built.
    """
    # Annotations only, never evaluated: this runs on the KVM host's Python, possibly older than 3.10.
    networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
    for entry in entries:
        text = str(entry).strip()
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
            continue
        except ValueError:
            pass
        addresses = resolve(text) if text else []
        if not addresses:
            raise InputError(
                "allowed",
                f"'{text}' is neither an address, a CIDR nor a name this host can resolve",
                "list the CloudStack KVM hosts' addresses (for example 10.0.0.21 or 10.0.0.0/24)",
            )
        networks.extend(ipaddress.ip_network(address) for address in addresses)
    v4 = [n for n in networks if isinstance(n, ipaddress.IPv4Network)]
    v6 = [n for n in networks if isinstance(n, ipaddress.IPv6Network)]
    return tuple(_render(n) for n in ipaddress.collapse_addresses(v4)) + tuple(
        _render(n) for n in ipaddress.collapse_addresses(v6)
    )


def nft_rules(request: FirewallRequest) -> list[str]:
    port = request.port
    family = "ip6" if ":" in request.address else "ip"
    rules = []
    if request.allowed_v4:
        rules.append(f"tcp dport {port} ip saddr {{ {', '.join(request.allowed_v4)} }} accept")
    if request.allowed_v6:
        rules.append(f"tcp dport {port} ip6 saddr {{ {', '.join(request.allowed_v6)} }} accept")
    rules.append(f"{family} daddr {request.address} tcp dport {port} reject with tcp reset")
    # The port on any other address of the host is refused as well: libvirt listens on one only,
    # but a wildcard listener left behind by a misconfiguration must not be reachable either.
    rules.append(f"tcp dport {port} reject with tcp reset")
    return rules


def nft_digest(request: FirewallRequest) -> str:
    """Fingerprint of the wanted rules, stored as the table's comment: same fingerprint, nothing to do."""
    return hashlib.sha256("\n".join(nft_rules(request)).encode()).hexdigest()[:16]


def nft_ruleset(request: FirewallRequest) -> str:
    """The whole table, as ``nft -f`` reads it."""
    body = "\n    ".join(nft_rules(request))
    return (
        f'table inet {TABLE} {{\n  comment "{NFT_COMMENT} {nft_digest(request)}"\n'
        f"  chain input {{\n    type filter hook input priority -10; policy accept;\n    {body}\n  }}\n}}\n"
    )


def nft_replace_script(request: FirewallRequest) -> str:
    """Create (if missing), delete and re-add the table in one nft transaction: never a moment without it."""
    return f"table inet {TABLE}\ndelete table inet {TABLE}\n{nft_ruleset(request)}"


def iptables_jump(port: int) -> list[str]:
    """The one rule in INPUT that sends the port's traffic into our chain (without the -A/-I/-D verb)."""
    return ["INPUT", "-p", "tcp", "--dport", str(port), "-j", CHAIN]


def iptables_rules(request: FirewallRequest) -> list[list[str]]:
    """Our chain's rules (IPv4 only: iptables does not filter IPv6)."""
    rules = [["-s", str(ipaddress.ip_network(source)), "-j", "ACCEPT"] for source in request.allowed_v4]
    rules.append(["-p", "tcp", "-j", "REJECT", "--reject-with", "tcp-reset"])
    return rules


def iptables_listing(request: FirewallRequest) -> list[str]:
    """What ``iptables -S <our chain>`` prints once the chain is as wanted."""
    return [f"-N {CHAIN}"] + [f"-A {CHAIN} " + " ".join(rule) for rule in iptables_rules(request)]


def firewalld_rich_rules(request: FirewallRequest) -> list[str]:
    return [
        f'rule family="{"ipv6" if ":" in source else "ipv4"}" source address="{source}" '
        f'port port="{request.port}" protocol="tcp" accept'
        for source in request.allowed
    ]


def ufw_rules(request: FirewallRequest) -> list[list[str]]:
    """ufw commands' arguments: one allow per source, then the deny for everyone else."""
    port = str(request.port)
    rules = [["allow", "from", s, "to", request.address, "port", port, "proto", "tcp"] for s in request.allowed]
    rules.append(["deny", "to", request.address, "port", port, "proto", "tcp"])
    return rules


def ufw_needs_change(status: str, request: FirewallRequest, present: bool) -> bool:
    """Whether ``ufw status`` output lacks an allowed source (present) or still has our port (absent).

    ufw prints ``<to> <port>/tcp  ALLOW  <source>`` lines; presence of each source is enough to
    decide, since the deny rule is added together with them.
    """
    if present:
        return any(source not in status for source in request.allowed)
    return f"{request.port}/tcp" in status
