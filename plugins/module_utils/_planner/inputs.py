# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE: normalise the planner's inputs (user wishes and the zone catalog).

Wishes come from module options, inventory vars or an edited CSV/YAML plan row, so the
maps may arrive as dicts (possibly with int keys), CloudStack-style lists of dicts, or
`key=value,key=value` strings. Anything else becomes a problem, never an exception.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._planner.resolve import unique_by_id
from ansible_collections.acs.ingest.plugins.module_utils._planner.types import Findings, text, to_bool

POLICIES = ("custom", "smallest_fit")
_MAC = re.compile(r"^([0-9a-f]{2}:){5}[0-9a-f]{2}$")
_PAIR_SPLIT = re.compile(r"[,;\n]+")


def normalize_mac(value: Any) -> str:
    """Lower-case, colon-separated MAC; '' when it is not a MAC at all."""
    mac = text(value).lower().replace("-", ":")
    return mac if _MAC.match(mac) else ""


@dataclass
class Wishes:
    displayname: str = ""
    hostname: str = ""
    template: str = ""
    service_offering: str = ""
    nic_networks: dict[str, str] = field(default_factory=dict)
    nic_ips: dict[str, str] = field(default_factory=dict)
    disk_offerings: dict[str, str] = field(default_factory=dict)
    disk_offering_policy: str = ""
    root_disk: str = ""
    details: dict[str, str] = field(default_factory=dict)
    forced: bool = False
    migrate_allowed: bool | None = None
    account: str = ""
    domainid: str = ""
    projectid: str = ""


@dataclass
class Catalog:
    networks: list[dict[str, Any]] = field(default_factory=list)
    service_offerings: list[dict[str, Any]] = field(default_factory=list)
    disk_offerings: list[dict[str, Any]] = field(default_factory=list)
    templates: list[dict[str, Any]] = field(default_factory=list)
    # network id (lower-case) → MACs already allocated on it, as given (normalised lazily)
    macs_in_use: dict[str, Any] = field(default_factory=dict)
    _mac_cache: dict[str, set[str]] = field(default_factory=dict, repr=False, compare=False)

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


def parse_map(
    value: Any, field_name: str, key_names: Sequence[str], value_names: Sequence[str], findings: Findings
) -> dict[str, str]:
    """A user map as an ordered {str key: str value}; records a problem for unusable shapes."""
    if value is None or value == "" or value == {} or value == []:
        return {}
    example = f"{{'{key_names[0]}-or-key': 'value'}}"
    result: dict[str, str] = {}
    if isinstance(value, Mapping):
        for key, val in value.items():
            result[text(key)] = text(val)
    elif isinstance(value, str):
        for pair in _PAIR_SPLIT.split(value):
            if not pair.strip():
                continue
            key, sep, val = pair.partition("=")
            if not sep:
                findings.problem(
                    "invalid_input",
                    field_name,
                    f"entry '{pair.strip()}' is not key=value",
                    f"write entries as key=value, e.g. {example}",
                )
                continue
            result[key.strip()] = val.strip()
    elif isinstance(value, Sequence):
        for entry in value:
            key = _first(entry, key_names) if isinstance(entry, Mapping) else None
            val = _first(entry, value_names) if isinstance(entry, Mapping) else None
            if key is None or val is None:
                findings.problem(
                    "invalid_input",
                    field_name,
                    f"list entry {entry!r} needs keys {key_names[0]!r} and {value_names[0]!r}",
                    f"write it as a mapping, e.g. {example}",
                )
                continue
            result[text(key)] = text(val)
    else:
        findings.problem(
            "invalid_input", field_name, f"must be a mapping, got {type(value).__name__}", f"write it as {example}"
        )
    return result


def _first(entry: Mapping[str, Any], names: Sequence[str]) -> Any:
    for name in names:
        if name in entry:
            return entry[name]
    return None


def _parse_details(value: Any, findings: Findings) -> dict[str, str]:
    """`details` as a dict; CloudStack's own shape `[{"cpuSpeed": "1000"}]` is merged too."""
    is_entry_list = isinstance(value, (list, tuple)) and all(
        isinstance(entry, Mapping) and not ({"name", "key"} & set(entry)) for entry in value
    )
    if is_entry_list and value:
        merged: dict[str, str] = {}
        for entry in value:
            merged.update({text(key): text(val) for key, val in entry.items()})
        return merged
    return parse_map(value, "details", ("name", "key"), ("value",), findings)


def parse_wishes(raw: Mapping[str, Any] | None, findings: Findings) -> Wishes:
    raw = raw if isinstance(raw, Mapping) else {}
    wishes = Wishes(
        displayname=text(raw.get("displayname")),
        hostname=text(raw.get("hostname")),
        template=text(raw.get("template")),
        service_offering=text(raw.get("service_offering")),
        nic_networks=parse_map(raw.get("nic_networks"), "nic_networks", ("nic",), ("network",), findings),
        nic_ips=parse_map(raw.get("nic_ips"), "nic_ips", ("nic",), ("ip4Address", "ip", "ipaddress"), findings),
        disk_offerings=parse_map(
            raw.get("disk_offerings"), "disk_offerings", ("disk",), ("diskOffering", "offering"), findings
        ),
        details=_parse_details(raw.get("details"), findings),
        root_disk=text(raw.get("root_disk")),
        account=text(raw.get("account")),
        domainid=text(raw.get("domainid") or raw.get("domain_id")),
        projectid=text(raw.get("projectid") or raw.get("project_id")),
    )
    policy = text(raw.get("disk_offering_policy")).lower()
    if policy and policy not in POLICIES:
        findings.problem(
            "invalid_input",
            "disk_offering_policy",
            f"unknown policy '{policy}'",
            f"use one of {', '.join(POLICIES)}, or leave it empty and map every data disk in disk_offerings",
        )
        policy = ""
    wishes.disk_offering_policy = policy
    for name in ("forced", "migrate_allowed"):
        if raw.get(name) is None or raw.get(name) == "":
            continue
        parsed = to_bool(raw.get(name))
        if parsed is None:
            findings.problem(
                "invalid_input", name, f"'{raw.get(name)}' is not a boolean", f"set {name} to true or false"
            )
        elif name == "forced":
            wishes.forced = parsed
        else:
            wishes.migrate_allowed = parsed
    return wishes


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
    )
