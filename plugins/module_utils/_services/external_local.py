# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""Pre-flight for importVm with importsource local/shared: CloudStack's qemu-img checks (facts §2.4).

From 4.20.2 / 4.21.0 CloudStack refuses ``<pool path>/<diskpath>`` when it is locked, encrypted
or has a backing file (rules ``volume_locked``, ``volume_encrypted``, ``qcow2_backing_file`` of
``_rules.import_disks``, judged for the server's version). We run the same ``qemu-img info`` where
we can reach the file: on the controller when the pool is mounted here, or over SSH on the KVM
host when a username and password are given. Otherwise the check is left to CloudStack and said
so in the result. Older servers adopt such files; we still refuse them (the VM would depend on a
file CloudStack does not manage), and anything that is not a qcow2.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from collections.abc import Mapping
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._core.errors import AcsIngestError, ProblemsError
from ansible_collections.acs.ingest.plugins.module_utils._remote.ssh import SshSession
from ansible_collections.acs.ingest.plugins.module_utils._rules.import_disks import volume_findings
from ansible_collections.acs.ingest.plugins.module_utils._rules.versions import NEWEST, Version


def _refuse(version: Version, info: dict[str, Any], path: str) -> None:
    """CloudStack's checkVolume on what qemu-img reported, for the server's version."""
    found = [f for f in volume_findings(version, info, subject=path) if f.blocks]
    if found:
        raise ProblemsError([f.as_problem() for f in found], field="diskpath")


def _check_info(data: dict[str, Any], path: str, version: Version = NEWEST) -> int:
    _refuse(version, {"encrypted": _encrypted(data), "backing-filename": _backing(data)}, path)
    fix = "point diskpath at a plain qcow2 file in the pool (qemu-img convert -O qcow2 <src> <pool>/<new>.qcow2)"
    if data.get("format") != "qcow2":
        raise AcsIngestError(
            f"{path} is {data.get('format') or 'not an image'}; CloudStack adopts qcow2 only", field="diskpath", fix=fix
        )
    if _backing(data):
        raise AcsIngestError(
            f"{path} has the backing file {_backing(data)}; CloudStack would not manage the backing file",
            field="diskpath",
            fix=f"flatten it first; {fix}",
        )
    if _encrypted(data):
        raise AcsIngestError(f"{path} is encrypted; CloudStack cannot start it", field="diskpath", fix=fix)
    size = int(data.get("virtual-size") or 0)
    if size <= 0:
        raise AcsIngestError(f"{path}: size unknown", field="diskpath", fix=fix)
    return size


def _backing(data: dict[str, Any]) -> str:
    return str(data.get("backing-filename") or data.get("full-backing-filename") or "")


def _encrypted(data: dict[str, Any]) -> bool:
    specific = data.get("format-specific")
    encrypt = specific.get("data", {}).get("encrypt") if isinstance(specific, dict) else None
    return bool(data.get("encrypted") or encrypt)


def _locked(version: Version, path: str, stderr: str) -> bool:
    """qemu-img info failed; True (after raising the rule from 4.20.2) when it was the image lock."""
    if "lock" not in stderr.lower():
        return False
    _refuse(version, {"locked": True}, path)
    return True


def _parse(stdout: str, path: str) -> dict[str, Any]:
    try:
        data = json.loads(stdout)
    except ValueError:
        raise AcsIngestError(f"{path}: qemu-img printed no JSON", field="diskpath", fix="update qemu-img") from None
    return data if isinstance(data, dict) else {}


def local_instance(
    params: Mapping[str, Any], pool: dict[str, Any], host: dict[str, Any] | None, version: Version = NEWEST
) -> tuple[dict, list]:
    """The single-disk instance the planner needs, plus the checks that ran (rules of CloudStack ``version``)."""
    path = os.path.join(str(pool.get("path") or ""), params["diskpath"])
    checks: list[str] = []
    size = 0
    if os.path.isfile(path):
        proc = subprocess.run(
            ["qemu-img", "info", "--output=json", path], capture_output=True, text=True, timeout=60, check=False
        )
        if proc.returncode != 0:
            locked = _locked(version, path, proc.stderr)
            raise AcsIngestError(
                f"{path}: {'in use by a running VM (image locked)' if locked else proc.stderr.strip()}",
                field="diskpath",
                fix="stop whatever uses the disk" if locked else "point diskpath at a readable qcow2 in the pool",
            )
        size = _check_info(_parse(proc.stdout, path), path, version)
        checks.append(f"qemu-img info on the controller: {path} is a plain qcow2 of {size} bytes")
    elif params.get("username") and host and host.get("ipaddress"):
        with SshSession(str(host["ipaddress"]), params["username"], params.get("password")) as ssh:
            result = ssh.run(f"qemu-img info --output=json {shlex.quote(path)}", timeout=60)
            if not result.ok:
                _locked(version, path, result.stderr)
                raise AcsIngestError(
                    f"{path} on {host['ipaddress']}: {result.stderr.strip()}",
                    field="diskpath",
                    fix="point diskpath at a readable, unlocked qcow2 file in the pool",
                )
            size = _check_info(_parse(result.stdout, path), path, version)
        checks.append(f"qemu-img info over SSH on {host['ipaddress']}: {path} is a plain qcow2 of {size} bytes")
    else:
        checks.append(f"{path} is not reachable from the controller; CloudStack checks it (no username given)")
    disk = {"id": "0", "position": 0, "label": "vda", "controller": "virtio", "datastorepath": path}
    if size:
        disk["capacity"] = size
    return {"name": params["name"], "powerstate": "PowerOff", "disk": [disk], "nic": []}, checks
