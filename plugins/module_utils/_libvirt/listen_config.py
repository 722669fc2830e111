# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""What libvirt's TCP listener needs in its configuration files, as pure text transformations.

CloudStack opens ``qemu+tcp://<host>/system`` without credentials (facts §3.2), so the external
host's libvirt must listen on TCP with ``auth_tcp = "none"``. How it is switched on depends on how
the host runs libvirt:

- ``classic``: libvirtd started with ``--listen`` reads ``listen_tcp``/``listen_addr``/``tcp_port``
  from ``libvirtd.conf``; the flag goes into the daemon's options file (``/etc/default/libvirtd``).
- ``socket``: systemd socket activation (``libvirtd-tcp.socket``); the address and port come from
  the socket unit's ``ListenStream``, which a drop-in replaces; ``auth_tcp`` stays in ``libvirtd.conf``.
- ``modular``: the split daemons, where ``virtproxyd-tcp.socket`` accepts remote clients and
  ``virtproxyd.conf`` holds ``auth_tcp``.

Nothing here touches the disk: ``listen_tcp.py`` reads the files and hands their text in.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

MODES = ("classic", "socket", "modular")
BEGIN = "# BEGIN acs.ingest libvirt_listen_tcp (restore with state=absent)"
END = "# END acs.ingest libvirt_listen_tcp"
DROPIN_NAME = "acs-ingest.conf"
# mode -> (daemon whose configuration file holds auth_tcp, socket unit that listens on TCP)
SOCKETS = {"socket": ("libvirtd", "libvirtd-tcp.socket"), "modular": ("virtproxyd", "virtproxyd-tcp.socket")}
_LISTEN_STATE = "0A"  # TCP_LISTEN in /proc/net/tcp's "st" column


@dataclass(frozen=True)
class ListenSettings:
    """Where libvirt's files are and what the listener should be."""

    address: str
    port: int = 16509
    conf_dir: str = "/etc/libvirt"
    systemd_dir: str = "/etc/systemd/system"
    defaults_file: str | None = None  # classic mode only
    defaults_var: str = "libvirtd_opts"


def with_block(text: str, keys: Mapping[str, str]) -> str:
    """``text`` with our block of ``keys`` at the end, and no other live setting of those keys.

    An earlier block of ours is replaced, so applying twice gives the same text. Commented-out
    settings are kept: they document the packaged defaults and restore puts the file back anyway.
    """
    text = re.sub(rf"\n?{re.escape(BEGIN)}.*?{re.escape(END)}\n?", "\n", text, flags=re.S)
    live = re.compile(rf"\s*({'|'.join(re.escape(key) for key in keys)})\s*=")
    kept = [line for line in text.splitlines() if not live.match(line)]
    body = "\n".join(f"{key} = {value}" for key, value in keys.items())
    head = "\n".join(kept).rstrip("\n")
    return (head + "\n" if head else "") + f"{BEGIN}\n{body}\n{END}\n"


def with_listen_flag(text: str, variable: str) -> str:
    """``text`` whose daemon options ``variable`` contains ``--listen`` (classic mode)."""
    match = re.search(rf'^[ \t]*{re.escape(variable)}[ \t]*=[ \t]*"?([^"\n]*)"?[ \t]*$', text, flags=re.M)
    options = match.group(1).split() if match else []
    if "--listen" in options or "-l" in options:
        return text
    line = f'{variable}="{" ".join([*options, "--listen"])}"'
    if match:
        return text[: match.start()] + line + text[match.end() :]
    return text.rstrip("\n") + ("\n" if text.strip() else "") + line + "\n"


def socket_dropin(address: str, port: int) -> str:
    """systemd drop-in that makes the TCP socket unit listen on one address only."""
    host = f"[{address}]" if ":" in address else address
    # The empty ListenStream= clears the packaged one (every address) before ours is added.
    return f"# managed by acs.ingest libvirt_listen_tcp\n[Socket]\nListenStream=\nListenStream={host}:{port}\n"


def managed_paths(settings: ListenSettings, mode: str) -> list[str]:
    """Every file the listener configuration writes in ``mode``, in a stable order."""
    if mode == "classic":
        return [os.path.join(settings.conf_dir, "libvirtd.conf"), str(settings.defaults_file)]
    daemon, socket_unit = SOCKETS[mode]
    return [
        os.path.join(settings.conf_dir, f"{daemon}.conf"),
        os.path.join(settings.systemd_dir, f"{socket_unit}.d", DROPIN_NAME),
    ]


def desired_files(
    settings: ListenSettings, mode: str, current: Mapping[str, str], tls_certificate: bool
) -> dict[str, str]:
    """Path -> wanted content, computed from each file's ``current`` text ("" when it is missing)."""
    paths = managed_paths(settings, mode)
    if mode == "classic":
        conf, defaults = paths
        keys = {
            "listen_tcp": "1",
            "listen_addr": f'"{settings.address}"',
            "tcp_port": f'"{settings.port}"',
            "auth_tcp": '"none"',
        }
        if not tls_certificate:
            # --listen starts the TLS listener too, and libvirtd refuses to start without its certificate.
            keys["listen_tls"] = "0"
        return {
            conf: with_block(current.get(conf, ""), keys),
            defaults: with_listen_flag(current.get(defaults, ""), settings.defaults_var),
        }
    conf, dropin = paths
    # Under socket activation listen_addr/tcp_port are ignored: ListenStream decides.
    return {
        conf: with_block(current.get(conf, ""), {"auth_tcp": '"none"'}),
        dropin: socket_dropin(settings.address, settings.port),
    }


def restart_commands(mode: str, opening: bool) -> list[list[str]]:
    """The commands that make a socket-activated libvirt pick up its new configuration.

    Classic mode has none: the role runs its configurable restart command. The service is stopped
    first because a socket unit takes a new ListenStream only while its service is down; stopping
    it leaves the guests running (the units ship with KillMode=process).
    """
    if mode == "classic":
        return []
    daemon, socket_unit = SOCKETS[mode]
    toggle = ["enable", "--now", socket_unit] if opening else ["disable", "--now", socket_unit]
    return [
        ["systemctl", "daemon-reload"],
        ["systemctl", "stop", f"{daemon}.service"],
        ["systemctl", *toggle],
        ["systemctl", "start", f"{daemon}.service"],
    ]


def _proc_address(hex_address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    raw = bytes.fromhex(hex_address)
    # The kernel prints each 32-bit word of the address in host (little-endian) byte order.
    raw = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    return ipaddress.ip_address(raw)


def is_listening(proc_net_tcp: Iterable[str], address: str, port: int) -> bool:
    """Whether a socket listens on ``address:port`` or on the wildcard address, per ``/proc/net/tcp{,6}``.

    ``proc_net_tcp`` holds the text of each table (the first line of each is its header).
    """
    wanted = ipaddress.ip_address(address)
    for table in proc_net_tcp:
        for line in table.splitlines()[1:]:
            fields = line.split()
            if len(fields) < 4 or fields[3] != _LISTEN_STATE:
                continue
            hex_address, hex_port = fields[1].split(":")
            if int(hex_port, 16) != port:
                continue
            local = _proc_address(hex_address)
            if local == wanted or local.is_unspecified:
                return True
    return False
