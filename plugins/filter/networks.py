# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the networks playbook: the networks plan (one row per zone and VLAN) and the NIC report.

The parsing, merging and checking live in module_utils/_planner/network_plan.py, tested as Python; the
playbook only reads files, calls these and writes files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ansible.errors import AnsibleFilterError
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import AcsIngestError
from ansible_collections.acs.ingest.plugins.module_utils._planner import network_plan as np


def _rows(value: Any, name: str) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, Sequence) or isinstance(value, (str, bytes)):
        raise AnsibleFilterError(f"{name}: expected a list of rows, got {type(value).__name__}")
    return [dict(row) for row in value if isinstance(row, Mapping)]


def network_plan_csv(rows: Any) -> str:
    return np.dump_csv(_rows(rows, "network_plan_csv"))


def network_plan_yaml(rows: Any) -> str:
    return np.dump_yaml(_rows(rows, "network_plan_yaml"))


def network_plan_load(text: Any, fmt: str = "csv") -> list[dict[str, Any]]:
    try:
        return np.load_plan(str(text or ""), fmt)
    except AcsIngestError as exc:  # one line per problem, each naming the field and the fix
        raise AnsibleFilterError(str(exc)) from None


def network_plan_merge(existing: Any, discovered: Any) -> list[dict[str, Any]]:
    return np.merge_rows(_rows(existing, "network_plan_merge"), _rows(discovered, "network_plan_merge"))


def network_plan_tasks(rows: Any) -> dict[str, Any]:
    tasks, problems = np.creation_tasks(_rows(rows, "network_plan_tasks"))
    return {"tasks": tasks, "problems": [p.as_dict() for p in problems], "lines": [p.line() for p in problems]}


def network_report_csv(rows: Any) -> str:
    return np.dump_csv(_rows(rows, "network_report_csv"), np.NIC_COLUMNS)


def network_sources_from_hostvars(hosts: Any) -> dict[str, Any]:
    """network_discovery_info sources from the acs.ingest.unmanaged inventory's hosts: the clusters of its
    CloudStack-host VMs, its external hosts and its libvirt URIs, each with the zone the VMs go to."""
    clusters: list[str] = []
    external: dict[str, dict[str, Any]] = {}
    uris: dict[str, dict[str, Any]] = {}
    for hv in _rows(hosts, "network_sources_from_hostvars"):
        source, location, zone = hv.get("acs_source"), hv.get("acs_location"), hv.get("acs_zone_id")
        if source == "cloudstack" and hv.get("acs_cluster_id"):
            name = str(hv.get("acs_cluster_name") or hv["acs_cluster_id"])
            if name not in clusters:
                clusters.append(name)
        elif source == "external" and location:
            external.setdefault(str(location), {"host": str(location), "zone": zone})
        elif source == "libvirt" and location:
            entry: dict[str, Any] = {"uri": str(location)}
            if zone:
                entry["zone"] = zone
            uris.setdefault(str(location), entry)
    return {"clusters": clusters, "external_hosts": list(external.values()), "libvirt_uris": list(uris.values())}


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {
            "network_plan_csv": network_plan_csv,
            "network_plan_yaml": network_plan_yaml,
            "network_plan_load": network_plan_load,
            "network_plan_merge": network_plan_merge,
            "network_plan_tasks": network_plan_tasks,
            "network_report_csv": network_report_csv,
            "network_sources_from_hostvars": network_sources_from_hostvars,
        }
