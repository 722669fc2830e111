"""The disk side of importVm: SSH copy from an external host (facts §3.5) and qemu-img checks (§2.4)."""

from __future__ import annotations

import contextlib
import json
import shlex
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import paramiko


class DiskError(Exception):
    pass


def qemu_img_info(path: str, force_share: bool = True) -> dict[str, Any] | None:
    """qemu-img info --output=json (-U unless ``force_share`` is off); None when it fails."""
    cmd = ["qemu-img", "info", *(["-U"] if force_share else []), "--output=json", path]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        return None
    info: dict[str, Any] = json.loads(proc.stdout)
    return info


def qcow2_header_problem(path: str) -> str | None:
    """Qcow2Inspector.validateQcow2File (4.20.2+, only for files named *.qcow2): why the header is refused."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(80)
    except OSError as exc:
        return f"Unable to validate file [{path}] due to: {exc}"
    if len(head) < 80:
        return f"Unable to read field of QCOW2 [{path}]."
    if head[:4] != b"QFI\xfb":
        return f"[{path}] is not a valid QCOW2 because its first 4 bytes are not the QCOW magic string."
    if int.from_bytes(head[8:16], "big") != 0:
        return f"[{path}] has a backing file reference."
    features = head[72:80]
    if int.from_bytes(features, "big") == 0:
        return None
    if features[7] & 0b100:
        return f"[{path}] has an external data file reference."
    if any(features[:7]) or features[7] >> 5:
        return f"[{path}] has unknown incompatible features."
    return None


@dataclass
class VolumeCheck:
    """CheckVolumeAnswer / CopyRemoteVolumeAnswer: result, virtual size and the 4.20.2+ volume details."""

    ok: bool
    size: int = 0
    locked: bool = False
    encrypted: bool = False
    backing_file: str | None = None


def inspect_volume(path: str, with_details: bool) -> VolumeCheck:
    """LibvirtCheckVolumeCommandWrapper.execute on a file the pool holds (``with_details``: 4.20.2/4.21+)."""
    info = qemu_img_info(path)
    if info is None or "virtual-size" not in info:
        return VolumeCheck(ok=False)
    check = VolumeCheck(ok=True, size=int(info["virtual-size"]))
    if with_details:
        if path.lower().endswith(".qcow2") and qcow2_header_problem(path):
            check.ok = False  # KVMPhysicalDisk.checkQcow2File failed: CheckVolumeAnswer(false, details)
        encrypt = info.get("encrypted") or (info.get("format-specific", {}).get("data", {}).get("encrypt"))
        check.encrypted = bool(encrypt)
        check.backing_file = info.get("backing-filename") or info.get("full-backing-filename")
        check.locked = qemu_img_info(path, force_share=False) is None  # isDiskFileLocked
    return check


def refuse_details(check: VolumeCheck) -> None:
    """UnmanagedVMsManagerImpl.checkVolume: locked, then encrypted, then backing file."""
    if check.locked:
        raise DiskError("Locked volume cannot be imported or unmanaged.")
    if check.encrypted:
        raise DiskError("Encrypted volume cannot be imported or unmanaged.")
    if check.backing_file:
        raise DiskError("Volume with backing file cannot be imported or unmanaged.")


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
