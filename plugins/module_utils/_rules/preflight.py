# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""One call per import path: every rule of the catalogue a service's pre-flight can judge.

The services gather the facts (the source domain's XML and state, ``qemu-img info`` of a file, the
pools, the server and agent versions); these functions apply the rules and return the findings,
blocking ones first. A service turns them into Problems (``Finding.as_problem``) or warnings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._rules.agent_listing import AgentRuntime, agent_view
from ansible_collections.acs.ingest.plugins.module_utils._rules.catalogue import IMPORT_EXTERNAL, Finding
from ansible_collections.acs.ingest.plugins.module_utils._rules.import_disks import (
    local_shared_findings,
    volume_findings,
)
from ansible_collections.acs.ingest.plugins.module_utils._rules.import_listed import listed_findings
from ansible_collections.acs.ingest.plugins.module_utils._rules.import_owner import external_findings
from ansible_collections.acs.ingest.plugins.module_utils._rules.import_pools import pool_type_findings, tags_of
from ansible_collections.acs.ingest.plugins.module_utils._rules.versions import Version


def _blocking_first(found: list[Finding]) -> list[Finding]:
    return sorted(found, key=lambda f: not f.blocks)


def external_source_findings(
    server: Version,
    agent: Version,
    xml: str | bytes,
    *,
    name: str,
    state: int | None,
    username: str,
    max_memory_kib: int | None = None,
    block_info: dict[str, int] | None = None,
    kvm_hosts_up: int | None = None,
) -> list[Finding]:
    """importVm from an external host: would the zone's KVM agent (``agent``) list the shut-off domain
    (``LibvirtGetRemoteVmsCommandWrapper``), and what does the server (``server``) refuse on it."""
    runtime = AgentRuntime(state=state, max_memory_kib=max_memory_kib, block_info=block_info)
    view = agent_view(xml, "remote", agent, runtime, name=name)
    found = list(view.findings)
    found += external_findings(server, username=username, kvm_hosts_up=kvm_hosts_up, subject=name)
    found += listed_findings(server, {"name": name, **view.fields}, api=IMPORT_EXTERNAL)
    return _blocking_first(found)


def local_shared_preflight(
    server: Version,
    *,
    source: str,
    diskpath: str,
    networkid: str,
    storage_pool: Mapping[str, Any] | None,
    hostid: str = "",
    service_offering: Mapping[str, Any] | None = None,
    qemu_img_info: Mapping[str, Any] | None = None,
    volume_paths_on_pool: Sequence[str] | None = None,
    subject: str = "",
) -> list[Finding]:
    """importVm from local or shared storage: parameters, the pool's type and tags, the file itself."""
    found = local_shared_findings(
        server,
        source=source,
        diskpath=diskpath,
        networkid=networkid,
        storageid=str((storage_pool or {}).get("id") or ""),
        hostid=hostid,
        volume_paths_on_pool=list(volume_paths_on_pool) if volume_paths_on_pool is not None else None,
        subject=subject,
    )
    if storage_pool is not None:
        tags = tags_of((service_offering or {}).get("storagetags"))
        found += pool_type_findings(
            server, source=source, pools=[], storage_pool=storage_pool, service_offering_tags=tags, subject=subject
        )
    if qemu_img_info is not None:
        found += volume_findings(server, qemu_img_info, subject=subject)
    return _blocking_first(found)
