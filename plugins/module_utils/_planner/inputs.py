# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE: normalise the planner's other input, the zone catalog (wishes: ``wishes.py``).

The catalog arrives with our key names or CloudStack's list response keys, and MACs in use as
whatever the caller fetched; anything unusable is dropped rather than raised.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._core.parse import text
from ansible_collections.acs.ingest.plugins.module_utils._planner.resolve import unique_by_id

_MAC = re.compile(r"^([0-9a-f]{2}:){5}[0-9a-f]{2}$")


def normalize_mac(value: Any) -> str:
    """Lower-case, colon-separated MAC; '' when it is not a MAC at all."""
    mac = text(value).lower().replace("-", ":")
    return mac if _MAC.match(mac) else ""


@dataclass
class Catalog:
    networks: list[dict[str, Any]] = field(default_factory=list)
    service_offerings: list[dict[str, Any]] = field(default_factory=list)
    disk_offerings: list[dict[str, Any]] = field(default_factory=list)
    templates: list[dict[str, Any]] = field(default_factory=list)
    # network id (lower-case) → MACs already allocated on it, as given (normalised lazily)
    macs_in_use: dict[str, Any] = field(default_factory=dict)
    _mac_cache: dict[str, set[str]] = field(default_factory=dict, repr=False, compare=False)
    # network id (lower-case) → IPv4 addresses / VM names on it, and a Shared network's IP ranges
    ips_in_use: dict[str, list[str]] = field(default_factory=dict)
    names_on_network: dict[str, list[str]] = field(default_factory=dict)
    ip_ranges: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    # what the rules catalogue needs besides: the zone's primary storage pools and KVM hosts, the
    # management server's version and the agent version the operator states (text, '' when unknown)
    storage_pools: list[dict[str, Any]] = field(default_factory=list)
    hosts: list[dict[str, Any]] = field(default_factory=list)
    # the zone's clusters with their allocation state (listClusters), for the cluster_not_enabled rule
    clusters: list[dict[str, Any]] = field(default_factory=list)
    # the owner accounts the plans name (listAccounts by name and domain), for owner_account_inactive
    accounts: list[dict[str, Any]] = field(default_factory=list)
    projects: list[dict[str, Any]] = field(default_factory=list)  # listProjects by id, for project_inactive
    cloudstack_version: str = ""
    agent_version: str = ""

    def ranges_of(self, network_id: str) -> list[tuple[str, str]] | None:
        """The network's IP ranges, or None when they were not fetched (the range rule is then skipped)."""
        return self.ip_ranges.get(network_id.lower())

    def host(self, host_id: Any) -> dict[str, Any] | None:
        return next((h for h in self.hosts if text(h.get("id")) and text(h.get("id")) == text(host_id)), None)

    def account(self, name: str, domain_id: str) -> dict[str, Any] | None:
        """The owner account's row, or None when it was not fetched (its state is then not judged)."""
        key = (text(name).lower(), text(domain_id).lower())
        return next(
            (a for a in self.accounts if (text(a.get("name")).lower(), text(a.get("domainid")).lower()) == key), None
        )

    def project(self, project_id: str) -> dict[str, Any] | None:
        wanted = text(project_id).lower()
        return next((p for p in self.projects if wanted and text(p.get("id")).lower() == wanted), None)

    def cluster(self, cluster_id: Any) -> dict[str, Any] | None:
        """The cluster row, or None when clusters were not fetched (the cluster rule is then skipped)."""
        wanted = text(cluster_id).lower()
        return next((c for c in self.clusters if wanted and text(c.get("id")).lower() == wanted), None)

    def macs_on(self, network_id: str) -> set[str]:
        """Normalised MACs in use on one network. Lazy because a zone can hold thousands of
        MACs while a VM touches two or three networks, and the inventory plans every VM."""
        key = network_id.lower()
        if key not in self._mac_cache:
            entries = self.macs_in_use.get(key)
            if isinstance(entries, (str, bytes)) or not isinstance(entries, (list, tuple, set, frozenset)):
                entries = [] if entries is None else [entries]
            found = {normalize_mac(e.get("macaddress") if isinstance(e, Mapping) else e) for e in entries}
            self._mac_cache[key] = found - {""}
        return self._mac_cache[key]


def _rows(raw: Mapping[str, Any], *names: str) -> list[dict[str, Any]]:
    for name in names:
        rows = raw.get(name)
        if isinstance(rows, (list, tuple)):
            return unique_by_id(rows)
    return []


def parse_catalog(raw: Mapping[str, Any] | Catalog | None) -> Catalog:
    """Accepts our key names or CloudStack's list response keys (`network`, `serviceoffering`, ...).

    A Catalog is returned as is, so callers planning many VMs of one zone can parse once.
    """
    if isinstance(raw, Catalog):
        return raw
    raw = raw if isinstance(raw, Mapping) else {}
    raw_macs = raw.get("macs_in_use")
    macs = {text(key).lower(): value for key, value in raw_macs.items()} if isinstance(raw_macs, Mapping) else {}
    return Catalog(
        networks=_rows(raw, "networks", "network"),
        service_offerings=_rows(raw, "service_offerings", "serviceoffering"),
        disk_offerings=_rows(raw, "disk_offerings", "diskoffering"),
        templates=_rows(raw, "templates", "template"),
        macs_in_use=macs,
        ips_in_use=_per_network(raw.get("ips_in_use")),
        names_on_network=_per_network(raw.get("names_on_network")),
        ip_ranges={
            key: [(text(r[0]), text(r[1])) for r in rows if isinstance(r, (list, tuple)) and len(r) == 2]
            for key, rows in _per_network(raw.get("ip_ranges")).items()
        },
        storage_pools=_rows(raw, "storage_pools", "storagepool"),
        hosts=_rows(raw, "hosts", "host"),
        clusters=_rows(raw, "clusters", "cluster"),
        accounts=_rows(raw, "accounts", "account"),
        projects=_rows(raw, "projects", "project"),
        cloudstack_version=text(raw.get("cloudstack_version")),
        agent_version=text(raw.get("agent_version")),
    )


def _per_network(raw: Any) -> dict[str, list[Any]]:
    """``{network id: [values]}`` with lower-case ids; anything else is empty."""
    if not isinstance(raw, Mapping):
        return {}
    return {text(key).lower(): list(value) for key, value in raw.items() if isinstance(value, (list, tuple))}
