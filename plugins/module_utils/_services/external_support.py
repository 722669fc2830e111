# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""Helpers of external_vm_import: source tags, the job marker, proving which temp copies are ours,
and the clusterid importVm demands (facts §1.6, §3.5)."""

from __future__ import annotations

import hashlib
import json
import re
import shlex
from collections.abc import Mapping
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.lookup import find_cluster
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import InputError
from ansible_collections.acs.ingest.plugins.module_utils._remote.ssh import SshSession

SOURCE_TAG = "acs.ingest.source"
SOURCE_UUID_TAG = "acs.ingest.source-uuid"
# CloudStack names its temporary copy <temppath><random UUID> (facts §3.5).
UUID_NAME = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def source_tag(params: Mapping[str, Any], pool_id: str | None = None) -> str:
    if params["importsource"] == "external":
        return f"external:{params['host']}/{params['name']}"
    return f"{params['importsource']}:{pool_id}/{params['diskpath']}"


def marker_path(temppath: str, domain: str) -> str:
    digest = hashlib.sha256(domain.encode()).hexdigest()[:16]
    return f"{temppath}.acs-ingest-{digest}.json"


def derive_cluster(
    client: Any,
    params: Mapping[str, Any],
    zone: dict[str, Any],
    host: dict[str, Any] | None,
    pool: dict[str, Any] | None,
) -> str:
    """importVm demands clusterid although KVM sources never use it (facts §1.6): derive one."""
    if params.get("cluster"):
        return str(find_cluster(client, params["cluster"], zoneid=zone["id"])["id"])
    for item in (host, pool):
        if item and item.get("clusterid"):
            return str(item["clusterid"])
    clusters = [
        c
        for c in client.list_all("listClusters", zoneid=zone["id"], hypervisor="KVM")
        if str(c.get("allocationstate", "Enabled")) == "Enabled"
    ]
    if not clusters:
        raise InputError(
            "cluster",
            f"zone {zone.get('name')} has no enabled KVM cluster",
            "importVm needs a KVM cluster id even for external sources; add or enable one",
        )
    return str(clusters[0]["id"])


def find_tagged(client: Any, zone_id: str, tag: str) -> dict[str, Any] | None:
    vms = client.list_all("listVirtualMachines", zoneid=zone_id, listall=True, tags=[{"key": SOURCE_TAG, "value": tag}])
    return vms[0] if vms else None


def read_remote_json(ssh: SshSession, path: str) -> dict[str, Any] | None:
    result = ssh.run(f"cat -- {shlex.quote(path)}", timeout=30)
    if not result.ok:
        return None
    try:
        data = json.loads(result.stdout)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def write_marker(ssh: SshSession, path: str, data: dict[str, Any]) -> None:
    payload = shlex.quote(json.dumps(data))
    ssh.run(f"umask 077; printf %s {payload} > {shlex.quote(path)}", timeout=30, check=True)


def proven_copies(ssh: SshSession, temppath: str, before: set[str], sizes: set[int], started: float) -> list[str]:
    """Temp files this import created: new since ``before``, CloudStack's UUID name, owned by the
    SSH user, written after the job started, and a qcow2 whose virtual size is a source disk's."""
    proven = []
    for name, (_size, mtime) in ssh.list_files(temppath).items():
        if name in before or not UUID_NAME.match(name) or mtime + 2 < started:
            continue
        info = ssh.run(f"qemu-img info -U --output=json {shlex.quote(temppath + name)}", timeout=60)
        try:
            data = json.loads(info.stdout) if info.ok else {}
        except ValueError:
            data = {}
        if data.get("format") == "qcow2" and int(data.get("virtual-size") or -1) in sizes:
            proven.append(temppath + name)
    return sorted(proven)
