"""The disk side of importVm: SSH copy from an external host (facts §3.5) and qemu-img checks (§2.4)."""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import subprocess
import uuid
from pathlib import Path
from typing import Any

import paramiko


class DiskError(Exception):
    pass


def qemu_img_info(path: str) -> dict[str, Any]:
    """qemu-img info --output=json; -U so a running domain's lock does not hide the facts."""
    proc = subprocess.run(["qemu-img", "info", "-U", "--output=json", path], capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        raise DiskError("Disk not found or is invalid")
    return json.loads(proc.stdout)


def is_locked(path: str) -> bool:
    """A qcow2 that a running QEMU holds open fails a lock-honouring qemu-img info."""
    proc = subprocess.run(["qemu-img", "info", "--output=json", path], capture_output=True, text=True, timeout=60)
    return proc.returncode != 0 and "lock" in proc.stderr.lower()


def check_volume(path: str) -> int:
    """CheckVolumeCommand's rules; returns the virtual size in bytes."""
    if not os.path.isfile(path):
        raise DiskError("Disk not found or is invalid")
    info = qemu_img_info(path)
    if info.get("format") != "qcow2":
        raise DiskError("Disk not found or is invalid")
    if is_locked(path):
        raise DiskError("Locked volume cannot be imported or unmanaged.")
    if info.get("encrypted") or (info.get("format-specific", {}).get("data", {}).get("encrypt")):
        raise DiskError("Encrypted volume cannot be imported or unmanaged.")
    if info.get("backing-filename") or info.get("full-backing-filename"):
        raise DiskError("Volume with backing file cannot be imported or unmanaged.")
    return int(info["virtual-size"])


def copy_remote_disk(
    host: str, username: str, password: str, source: str, temppath: str, pool_dir: str, timeout: float
) -> str:
    """qemu-img convert on the external host into <temppath><uuid>, then fetch it into the pool.

    Returns the local file name. The converted temporary copy stays on the external host, as in CloudStack;
    on failure the remote temp file and any partial local file are removed.
    """
    name = str(uuid.uuid4())
    remote_tmp = f"{temppath}{name}"
    local = Path(pool_dir) / name
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    try:
        client.connect(
            host, port=22, username=username, password=password, timeout=30, allow_agent=False, look_for_keys=False
        )
        cmd = f"qemu-img convert -O qcow2 {shlex.quote(source)} {shlex.quote(remote_tmp)}"
        _stdin, stdout, stderr = client.exec_command(cmd, timeout=timeout)
        if stdout.channel.recv_exit_status() != 0:
            raise DiskError(f"qemu-img convert failed: {stderr.read().decode().strip()}")
        sftp = client.open_sftp()
        try:
            sftp.get(remote_tmp, str(local))
        finally:
            sftp.close()
        return name
    except (paramiko.SSHException, OSError, DiskError) as exc:
        with contextlib.suppress(paramiko.SSHException, OSError):
            client.exec_command(f"rm -f {shlex.quote(remote_tmp)}", timeout=30)
        local.unlink(missing_ok=True)
        raise DiskError(str(exc)) from None
    finally:
        client.close()
