"""Module acs.ingest.libvirt_tcp_config (role libvirt_listen_tcp) on temporary files, for all three libvirt setups.

The molecule scenario runs the role on a real libvirtd in classic mode. The socket-activated and
modular setups need systemd, which this machine lacks, so their file changes (drop-in with
ListenStream, auth_tcp in the right daemon's file) and byte-exact restore are checked here by
running the module itself, with restart commands reported but not executed.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from host_module_runner import run_host_module

STOCK_CONF = '# stock\n#listen_tcp = 1\n#auth_tcp = "sasl"\nauth_tcp = "sasl"\nunix_sock_group = "libvirt"\n'


def config(**args) -> dict:
    return run_host_module("libvirt_tcp_config", args, diff=True)


@pytest.fixture
def host(tmp_path: Path) -> dict:
    conf = tmp_path / "etc"
    conf.mkdir()
    for name in ("libvirtd.conf", "virtproxyd.conf"):
        (conf / name).write_text(STOCK_CONF)
    defaults = tmp_path / "default-libvirtd"
    defaults.write_text('# Options\nlibvirtd_opts="--timeout 120"\n')
    return {
        "conf_dir": str(conf),
        "systemd_dir": str(tmp_path / "systemd"),
        "defaults_file": str(defaults),
        "backup_dir": str(tmp_path / "backup"),
        "address": "192.0.2.10",
        "port": 16509,
    }


@pytest.fixture
def listener() -> Iterator[int]:
    """A socket listening on 127.0.0.1, standing in for a libvirtd that already listens there."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        yield sock.getsockname()[1]


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and "backup" not in p.parts}


def test_classic_mode_sets_listener_and_restores_bytes(host: dict, tmp_path: Path) -> None:
    before = snapshot(tmp_path)
    result = config(**host, mode="classic")
    assert result["changed"] and result["mode"] == "classic" and result["restart_needed"]
    assert result["commands"] == []
    conf = Path(host["conf_dir"], "libvirtd.conf").read_text()
    assert 'listen_addr = "192.0.2.10"' in conf and 'auth_tcp = "none"' in conf and "listen_tcp = 1" in conf
    assert '\nauth_tcp = "sasl"' not in conf  # the live setting is replaced, comments are kept
    assert "#listen_tcp = 1" in conf
    assert Path(host["defaults_file"]).read_text().endswith('libvirtd_opts="--timeout 120 --listen"\n')
    diffs = {d["before_header"]: d for d in result["diff"]}
    assert diffs[host["defaults_file"]]["before"] == '# Options\nlibvirtd_opts="--timeout 120"\n'
    assert diffs[host["defaults_file"]]["after"].endswith('"--timeout 120 --listen"\n')
    # Second run: files already right; nothing listens on 192.0.2.10 here, so it asks for a restart only.
    again = config(**host, mode="classic")
    assert again["changed_files"] == [] and again["restart_needed"] is True and "diff" not in again
    restored = config(state="absent", backup_dir=host["backup_dir"])
    assert restored["changed"] and sorted(restored["changed_files"]) == sorted(diffs)
    assert snapshot(tmp_path) == before
    assert not any(Path(host["backup_dir"]).iterdir())  # backups and manifest gone
    assert config(state="absent", backup_dir=host["backup_dir"])["changed"] is False


def test_second_run_with_the_listener_up_changes_nothing(host: dict, listener: int) -> None:
    args = {**host, "mode": "classic", "address": "127.0.0.1", "port": listener}
    assert config(**args)["changed"] is True
    again = config(**args)
    assert (again["changed"], again["restart_needed"], again["changed_files"]) == (False, False, [])


@pytest.mark.parametrize(
    ("mode", "daemon", "socket_unit"),
    [("socket", "libvirtd", "libvirtd-tcp.socket"), ("modular", "virtproxyd", "virtproxyd-tcp.socket")],
)
def test_socket_modes_write_dropin_and_restore(
    host: dict, tmp_path: Path, mode: str, daemon: str, socket_unit: str
) -> None:
    before = snapshot(tmp_path)
    result = config(**host, mode=mode)
    assert result["mode"] == mode
    dropin = Path(host["systemd_dir"], f"{socket_unit}.d", "acs-ingest.conf").read_text()
    assert "ListenStream=\nListenStream=192.0.2.10:16509\n" in dropin
    assert 'auth_tcp = "none"' in Path(host["conf_dir"], f"{daemon}.conf").read_text()
    assert ["systemctl", "enable", "--now", socket_unit] in result["commands"]
    assert ["systemctl", "stop", f"{daemon}.service"] in result["commands"]
    # The mode recorded with the backups wins over a different one asked later.
    assert config(**host, mode="classic")["mode"] == mode
    restored = config(state="absent", backup_dir=host["backup_dir"])
    assert ["systemctl", "disable", "--now", socket_unit] in restored["commands"]
    assert snapshot(tmp_path) == before  # drop-in removed, conf back byte for byte


def test_check_mode_changes_nothing(host: dict, tmp_path: Path) -> None:
    before = snapshot(tmp_path)
    result = run_host_module("libvirt_tcp_config", {**host, "mode": "classic"}, check=True, diff=True)
    assert result["changed"] and len(result["changed_files"]) == 2 and len(result["diff"]) == 2
    assert snapshot(tmp_path) == before
    assert not Path(host["backup_dir"]).exists()
    config(**host, mode="classic")
    after_apply = snapshot(tmp_path)
    restore = run_host_module("libvirt_tcp_config", {"state": "absent", "backup_dir": host["backup_dir"]}, check=True)
    assert restore["changed"] and snapshot(tmp_path) == after_apply
    assert (Path(host["backup_dir"]) / "manifest.json").is_file()


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"address": ""}, "address"),
        ({"address": "kvm1.example.org"}, "address"),
        ({"port": 70000}, "port"),
        ({"defaults_file": None}, "defaults_file"),
    ],
)
def test_bad_input_is_one_clear_error(host: dict, tmp_path: Path, override: dict, field: str) -> None:
    before = snapshot(tmp_path)
    args = {k: v for k, v in {**host, "mode": "classic", **override}.items() if v is not None}
    result = config(**args)
    assert result["failed"] and result["msg"].startswith(f"{field}: ") and "Fix:" in result["msg"], result["msg"]
    assert snapshot(tmp_path) == before


def test_unknown_option_is_rejected_by_the_argument_spec(host: dict) -> None:
    result = config(**host, mode="classic", listen_adress="192.0.2.10")
    assert result["failed"] and "listen_adress" in result["msg"]
