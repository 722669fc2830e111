"""libvirt TCP listener configuration as text: blocks, the --listen flag, drop-ins, /proc/net/tcp."""

from __future__ import annotations

import pytest
from ansible_collections.acs.ingest.plugins.module_utils._libvirt.listen_config import (
    BEGIN,
    END,
    ListenSettings,
    desired_files,
    is_listening,
    managed_paths,
    restart_commands,
    socket_dropin,
    with_block,
    with_listen_flag,
)

STOCK = '# stock\n#listen_tcp = 1\n#auth_tcp = "sasl"\nauth_tcp = "sasl"\nunix_sock_group = "libvirt"\n'
KEYS = {"listen_tcp": "1", "auth_tcp": '"none"'}


def test_block_replaces_live_settings_and_keeps_comments() -> None:
    text = with_block(STOCK, KEYS)
    assert text == (
        '# stock\n#listen_tcp = 1\n#auth_tcp = "sasl"\nunix_sock_group = "libvirt"\n'
        f'{BEGIN}\nlisten_tcp = 1\nauth_tcp = "none"\n{END}\n'
    )


@pytest.mark.parametrize("start", [STOCK, "", "listen_tcp=0", '   auth_tcp   =  "sasl"\n\n\n'])
def test_block_is_idempotent_and_unique(start: str) -> None:
    once = with_block(start, KEYS)
    assert with_block(once, KEYS) == once
    assert once.count(BEGIN) == 1 and once.endswith(f"{END}\n")
    # A changed value replaces the old block instead of adding a second one.
    changed = with_block(once, {"listen_tcp": "1", "auth_tcp": '"sasl"'})
    assert changed.count(BEGIN) == 1 and 'auth_tcp = "none"' not in changed


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('libvirtd_opts="--timeout 120"\n', 'libvirtd_opts="--timeout 120 --listen"\n'),
        ('# x\nlibvirtd_opts=""\nOTHER=1\n', '# x\nlibvirtd_opts="--listen"\nOTHER=1\n'),
        ("libvirtd_opts=-d\n", 'libvirtd_opts="-d --listen"\n'),
        ("# only comments\n", '# only comments\nlibvirtd_opts="--listen"\n'),
        ("", 'libvirtd_opts="--listen"\n'),
        ('libvirtd_opts="-l"\n', 'libvirtd_opts="-l"\n'),
        ('libvirtd_opts="--listen --timeout 5"\n', 'libvirtd_opts="--listen --timeout 5"\n'),
    ],
)
def test_listen_flag(text: str, expected: str) -> None:
    assert with_listen_flag(text, "libvirtd_opts") == expected
    assert with_listen_flag(expected, "libvirtd_opts") == expected


def test_listen_flag_ignores_a_variable_with_a_longer_name() -> None:
    assert with_listen_flag('LIBVIRTD_ARGS_EXTRA="-x"\n', "LIBVIRTD_ARGS").endswith('LIBVIRTD_ARGS="--listen"\n')


def test_dropin_clears_the_packaged_listener_and_brackets_ipv6() -> None:
    assert socket_dropin("192.0.2.10", 16509).endswith("[Socket]\nListenStream=\nListenStream=192.0.2.10:16509\n")
    assert "ListenStream=[2001:db8::5]:16510\n" in socket_dropin("2001:db8::5", 16510)


def test_classic_files_and_the_tls_listener() -> None:
    settings = ListenSettings(address="192.0.2.10", conf_dir="/c", defaults_file="/d/libvirtd")
    assert managed_paths(settings, "classic") == ["/c/libvirtd.conf", "/d/libvirtd"]
    without_cert = desired_files(settings, "classic", {"/c/libvirtd.conf": STOCK}, tls_certificate=False)
    conf = without_cert["/c/libvirtd.conf"]
    assert 'listen_addr = "192.0.2.10"' in conf and 'tcp_port = "16509"' in conf and "listen_tls = 0" in conf
    assert without_cert["/d/libvirtd"] == 'libvirtd_opts="--listen"\n'
    with_cert = desired_files(settings, "classic", {}, tls_certificate=True)
    assert "listen_tls" not in with_cert["/c/libvirtd.conf"]


@pytest.mark.parametrize(
    ("mode", "conf", "unit"),
    [("socket", "libvirtd.conf", "libvirtd-tcp.socket"), ("modular", "virtproxyd.conf", "virtproxyd-tcp.socket")],
)
def test_socket_mode_files_and_commands(mode: str, conf: str, unit: str) -> None:
    settings = ListenSettings(address="192.0.2.10", conf_dir="/c", systemd_dir="/s")
    files = desired_files(settings, mode, {}, tls_certificate=False)
    assert list(files) == [f"/c/{conf}", f"/s/{unit}.d/acs-ingest.conf"]
    # Socket activation ignores listen_addr and tcp_port: only auth_tcp goes into the daemon's file.
    assert files[f"/c/{conf}"] == f'{BEGIN}\nauth_tcp = "none"\n{END}\n'
    opening, closing = restart_commands(mode, True), restart_commands(mode, False)
    assert opening[0] == ["systemctl", "daemon-reload"] and ["systemctl", "enable", "--now", unit] in opening
    assert ["systemctl", "disable", "--now", unit] in closing
    # The service is stopped before the socket unit is (re)armed, and started after it.
    daemon = conf.split(".")[0]
    assert opening.index(["systemctl", "stop", f"{daemon}.service"]) < opening.index(
        ["systemctl", "enable", "--now", unit]
    )
    assert opening[-1] == ["systemctl", "start", f"{daemon}.service"]
    assert restart_commands("classic", True) == []


# /proc/net/tcp and tcp6 lines as the kernel prints them (addresses in little-endian 32-bit words):
# 10.231.1.10:16509 listening (state 0A), then 127.0.0.1:16510 established (01).
TCP4 = (
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
    "   0: 0A01E70A:407D 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1\n"
    "   1: 0100007F:407E 0200007F:A000 01 00000000:00000000 00:00000000 00000000     0        0 2 1\n"
)
TCP4_WILDCARD = TCP4.splitlines()[0] + "\n   0: 00000000:407D 00000000:0000 0A 0:0 00:0 0 0 0 3 1\n"
TCP6 = (
    "  sl  local_address                         remote_address                        st\n"
    "   0: B80D0120000000000000000005000000:407D 00000000000000000000000000000000:0000 0A 0:0 0:0 0 0 0 4 1\n"
)


@pytest.mark.parametrize(
    ("tables", "address", "port", "listening"),
    [
        ((TCP4,), "10.231.1.10", 16509, True),
        ((TCP4,), "10.231.1.11", 16509, False),
        ((TCP4,), "10.231.1.10", 16510, False),
        ((TCP4,), "127.0.0.1", 16510, False),  # that socket is established, not listening
        ((TCP4_WILDCARD,), "192.0.2.99", 16509, True),
        ((TCP4, TCP6), "2001:db8::5", 16509, True),
        (("",), "10.231.1.10", 16509, False),
    ],
)
def test_is_listening(tables: tuple[str, ...], address: str, port: int, listening: bool) -> None:
    assert is_listening(tables, address, port) is listening
