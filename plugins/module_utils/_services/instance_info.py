# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""One instance shape for the three places an importable VM can be seen.

- ``cloudstack``: listUnmanagedInstances for a cluster (what CloudStack would import in place);
- ``external``: listVmsForImport for a non-CloudStack KVM host in a zone;
- ``libvirt``: straight from a libvirt URI, no CloudStack needed, every domain, including the ones
  CloudStack's agent would hide, with the reasons (the pre-flight view).

All three return the same keys (missing ones are None, lists are empty), plus ``source``,
``importable``, ``import_blockers`` and ``import_warnings``, so playbooks and the planner never
branch on the source.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.lookup import find_cluster, find_zone
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.server_version import rules_version
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import InputError
from ansible_collections.acs.ingest.plugins.module_utils._core.protocols import CloudStackApi
from ansible_collections.acs.ingest.plugins.module_utils._libvirt.blockers import (
    EXTERNAL,
    UNMANAGED,
    import_result,
    instance_problems,
)
from ansible_collections.acs.ingest.plugins.module_utils._libvirt.domain_xml import (
    agent_version_of,
    bridges_of,
    domain_to_instance,
)
from ansible_collections.acs.ingest.plugins.module_utils._libvirt.host import is_local_uri, list_domains
from ansible_collections.acs.ingest.plugins.module_utils._libvirt.vlan import (
    cloudstack_bridge_vlans,
    resolve_bridge_vlan,
)
from ansible_collections.acs.ingest.plugins.module_utils._rules.versions import NEWEST, Version, parse_version

INSTANCE_KEYS = (
    "name", "clusterid", "clustername", "hostid", "hostname", "powerstate", "cpunumber", "cpucorepersocket",
    "cpuspeed", "memory", "osid", "osdisplayname", "bootmode", "boottype", "disk", "nic",
    # ours:
    "uuid", "vcpus", "state", "persistent", "source", "importable", "import_blockers", "import_warnings",
    "import_problems", "agent_version",
)  # fmt: skip
DISK_KEYS = (
    "id", "label", "capacity", "imagepath", "controller", "controllerunit", "position", "datastorename",
    "datastorehost", "datastorepath", "datastoretype", "format", "cachemode", "backingfile",
)  # fmt: skip
NIC_KEYS = (
    "id", "networkname", "macaddress", "adaptertype", "vlanid", "isolatedpvlan", "isolatedpvlantype",
    "ipaddresses", "pcislot", "type", "bridge", "vlan", "vlan_source",
)  # fmt: skip
POWER_STATES = ("PowerOn", "PowerOff", "PowerUnknown")


def _shape(raw: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {key: raw.get(key) for key in keys}


def normalize(raw: dict[str, Any], source: str, server_version: Version | None = None) -> dict[str, Any]:
    """Any source's instance dict -> the common shape (every key present, lists never None).

    ``server_version`` is the CloudStack version whose import rules judge a listed instance.
    """
    instance = _shape(raw, INSTANCE_KEYS)
    instance["source"] = source
    instance["disk"] = [_shape(d, DISK_KEYS) for d in raw.get("disk") or []]
    nics = []
    for nic in raw.get("nic") or []:
        shaped = _shape(nic, NIC_KEYS)
        shaped["ipaddresses"] = list(nic.get("ipaddresses") or [])
        if shaped["macaddress"]:
            shaped["macaddress"] = str(shaped["macaddress"]).lower()
        nics.append(shaped)
    instance["nic"] = nics
    if raw.get("import_blockers") is None:
        # What CloudStack listed passed its agent; the server rules the instance breaks on its own remain.
        target = EXTERNAL if source == "external" else UNMANAGED
        instance.update(import_result(*instance_problems(instance, target, server_version or NEWEST)))
    instance["import_warnings"] = list(raw.get("import_warnings") or [])
    instance["import_problems"] = list(instance["import_problems"] or [])
    instance["importable"] = not instance["import_blockers"]
    return instance


def filter_instances(
    instances: list[dict[str, Any]],
    name: str | None = None,
    regex: str | None = None,
    powerstate: str | None = None,
) -> list[dict[str, Any]]:
    """Exact name, ``re.search`` on the name, and power state (case-insensitive)."""
    pattern = None
    if regex:
        try:
            pattern = re.compile(regex)
        except re.error as exc:
            raise InputError(
                "regex", f"'{regex}' is not a valid regular expression ({exc})", "fix the pattern"
            ) from None
    if powerstate and powerstate.lower() not in {p.lower() for p in POWER_STATES}:
        raise InputError("powerstate", f"unknown power state '{powerstate}'", f"use one of {', '.join(POWER_STATES)}")
    kept = []
    for instance in instances:
        vm_name = instance.get("name") or ""
        if name is not None and vm_name != name:
            continue
        if pattern is not None and not pattern.search(vm_name):
            continue
        if powerstate and str(instance.get("powerstate") or "").lower() != powerstate.lower():
            continue
        kept.append(instance)
    return kept


def libvirt_instances(
    uri: str,
    *,
    vlan_root: str | None = "/",
    target: str = UNMANAGED,
    agent_version: Any = None,
    readonly: bool = True,
) -> list[dict[str, Any]]:
    """Every domain at ``uri`` in the common shape, judged by the rules of ``agent_version`` (newest by default).

    The host VLAN lookup (``/proc/net/vlan`` under ``vlan_root``) only runs for local URIs: for a
    remote host our /proc says nothing, so we fall back to ``<vlan>`` tags and bridge names, and the
    VLAN a 4.20.2/4.22 agent would report for a bridge is left unknown (reported as absent).
    """
    root = vlan_root if is_local_uri(uri) else None
    version = agent_version_of(agent_version)

    def bridge_vlan(bridge: str) -> tuple[int | None, str | None]:
        return resolve_bridge_vlan(bridge, root)

    instances = []
    for record in list_domains(uri, readonly=readonly):
        if root is not None:
            record.runtime.bridge_vlans = cloudstack_bridge_vlans(bridges_of(record.xml), root)
        raw = domain_to_instance(
            record.xml,
            record.runtime,
            bridge_vlan=bridge_vlan,
            target=target,
            agent_version=version,
            what=f"domain XML of {record.name}",
        )
        instances.append(normalize(raw, "libvirt"))
    return instances


def cloudstack_instances(client: Any, cluster: str, name: str | None = None) -> list[dict[str, Any]]:
    """listUnmanagedInstances for a cluster given by id or name (unknown -> InputError with candidates)."""
    found = find_cluster(client, cluster, field="cluster")
    version = rules_version(client)
    listed = client.list_all("listUnmanagedInstances", clusterid=found["id"], name=name)
    instances = []
    for raw in listed:
        raw = dict(raw)
        raw.setdefault("clusterid", found["id"])
        raw.setdefault("clustername", found.get("name"))
        instances.append(normalize(raw, "cloudstack", version))
    return instances


def external_instances(
    client: Any, zone: str, host: str, username: str | None = None, password: str | None = None
) -> list[dict[str, Any]]:
    """listVmsForImport for a non-CloudStack KVM host (CloudStack lists only its shut-off domains)."""
    found = find_zone(client, zone, field="zone")
    version = rules_version(client)
    listed = client.list_all(
        "listVmsForImport", zoneid=found["id"], host=host, hypervisor="KVM", username=username, password=password
    )
    return [normalize(dict(raw), "external", version) for raw in listed]


__all__ = [
    "EXTERNAL",
    "UNMANAGED",
    "cloudstack_instances",
    "external_instances",
    "filter_instances",
    "libvirt_instances",
    "normalize",
    "run_unmanaged_instance_info",
]


def run_unmanaged_instance_info(params: Mapping[str, Any], client: Callable[[], CloudStackApi]) -> dict[str, Any]:
    """The ``unmanaged_instance_info`` module's one call: list, filter, return. Never changes anything.

    ``client`` builds the CloudStack client on demand: ``source=libvirt`` needs none, and so no
    connection settings either.
    """
    source = params["source"]
    if source == "libvirt":
        instances = libvirt_instances(
            params["uri"],
            vlan_root=params["vlan_root"],
            target=params["import_path"],
            agent_version=parse_version(params["agent_version"], "agent_version") if params["agent_version"] else None,
        )
    elif source == "cloudstack":
        if not params["cluster"]:
            raise InputError("cluster", "source=cloudstack needs the cluster to list", "set cluster to its name or id")
        instances = cloudstack_instances(client(), params["cluster"], name=params["name"])
    else:
        missing = [key for key in ("zone", "host") if not params[key]]
        if missing:
            raise InputError(
                missing[0],
                "source=external needs zone and host",
                "set zone (name or id) and host (the external KVM host's address)",
            )
        instances = external_instances(client(), params["zone"], params["host"], params["username"], params["password"])
    kept = filter_instances(instances, name=params["name"], regex=params["regex"], powerstate=params["powerstate"])
    return {"changed": False, "instances": kept, "count": len(kept)}
