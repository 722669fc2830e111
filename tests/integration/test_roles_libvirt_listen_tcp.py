"""libvirt_listen_tcp's configuration script on temporary files, for all three libvirt setups.

The molecule scenario runs the role on a real libvirtd in classic mode. The socket-activated and
modular setups need systemd, which this machine lacks, so their file changes (drop-in with
ListenStream, auth_tcp in the right daemon's file) and byte-exact restore are checked here by
running the script itself, with restart commands reported but not executed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "roles" / "libvirt_listen_tcp" / "files" / "libvirt_tcp_config.py"
STOCK_CONF = '# stock\n#listen_tcp = 1\n#auth_tcp = "sasl"\nauth_tcp = "sasl"\nunix_sock_group = "libvirt"\n'


def run(params: dict) -> dict:
    proc = subprocess.run([sys.executable, str(SCRIPT), json.dumps(params)], capture_output=True, text=True,
                          timeout=60)
    result = json.loads(proc.stdout)
    assert proc.returncode == (1 if result.get("failed") else 0)
    return result


@pytest.fixture
def host(tmp_path: Path) -> dict:
    conf = tmp_path / "etc"
    conf.mkdir()
    for name in ("libvirtd.conf", "virtproxyd.conf"):
        (conf / name).write_text(STOCK_CONF)
    defaults = tmp_path / "default-libvirtd"
    defaults.write_text('# Options\nlibvirtd_opts="--timeout 120"\n')
    return {"conf_dir": str(conf), "systemd_dir": str(tmp_path / "systemd"), "defaults_file": str(defaults),
            "backup_dir": str(tmp_path / "backup"), "address": "192.0.2.10", "port": 16509}


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and "backup" not in p.parts}


def test_classic_mode_sets_listener_and_restores_bytes(host: dict, tmp_path: Path) -> None:
    before = snapshot(tmp_path)
    result = run({**host, "mode": "classic"})
    assert result["changed"] and result["mode"] == "classic" and result["restart_needed"]
    conf = Path(host["conf_dir"], "libvirtd.conf").read_text()
    assert 'listen_addr = "192.0.2.10"' in conf and 'auth_tcp = "none"' in conf and "listen_tcp = 1" in conf
    assert '\nauth_tcp = "sasl"' not in conf  # the live setting is replaced, comments are kept
    assert "#listen_tcp = 1" in conf
    assert Path(host["defaults_file"]).read_text().endswith('libvirtd_opts="--timeout 120 --listen"\n')
    # Second run: files already right; nothing listens on 192.0.2.10 here, so it asks for a restart only.
    again = run({**host, "mode": "classic"})
    assert again["changed_files"] == []
    restored = run({"state": "absent", "backup_dir": host["backup_dir"]})
    assert restored["changed"]
    assert snapshot(tmp_path) == before
    assert run({"state": "absent", "backup_dir": host["backup_dir"]})["changed"] is False


@pytest.mark.parametrize(("mode", "daemon", "socket_unit"), [("socket", "libvirtd", "libvirtd-tcp.socket"),
                                                             ("modular", "virtproxyd", "virtproxyd-tcp.socket")])
def test_socket_modes_write_dropin_and_restore(host: dict, tmp_path: Path, mode: str, daemon: str,
                                               socket_unit: str) -> None:
    before = snapshot(tmp_path)
    result = run({**host, "mode": mode})
    assert result["mode"] == mode
    dropin = Path(host["systemd_dir"], f"{socket_unit}.d", "acs-ingest.conf").read_text()
    assert "ListenStream=\nListenStream=192.0.2.10:16509\n" in dropin
    assert 'auth_tcp = "none"' in Path(host["conf_dir"], f"{daemon}.conf").read_text()
    assert ["systemctl", "enable", "--now", socket_unit] in result["commands"]
    assert ["systemctl", "stop", f"{daemon}.service"] in result["commands"]
    restored = run({"state": "absent", "backup_dir": host["backup_dir"]})
    assert ["systemctl", "disable", "--now", socket_unit] in restored["commands"]
    assert snapshot(tmp_path) == before  # drop-in removed, conf back byte for byte


def test_check_mode_changes_nothing(host: dict, tmp_path: Path) -> None:
    before = snapshot(tmp_path)
    result = run({**host, "mode": "classic", "_check_mode": True})
    assert result["changed"] and len(result["changed_files"]) == 2
    assert snapshot(tmp_path) == before
    assert not Path(host["backup_dir"]).exists()


def test_missing_address_is_one_clear_error(host: dict) -> None:
    result = run({**host, "mode": "classic", "address": ""})
    assert result["failed"] and result["msg"].startswith("address: ") and "Fix:" in result["msg"]
