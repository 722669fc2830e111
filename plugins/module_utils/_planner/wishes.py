# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""PRIVATE: ``Wishes``, what the operator asks of one import, and its one constructor.

Wishes arrive as module options, inventory ``plan_defaults``, a YAML plan entry or a CSV plan
row. ``Wishes.from_mapping`` reads all of them (maps and yes/no values through
``_core/parse``), and whatever it cannot read becomes a Problem carried on the Wishes, never an
exception, so the planner reports it with everything else in one run.

Owners: ``domainid`` / ``projectid`` are ids here. Module options name a domain or project by
name or id (``domain``, ``project``); turning a name into an id needs the API, so the services
layer does that after building Wishes (``with_owner``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._core.parse import (
    MAP_SYNTAX,
    is_blank,
    parse_bool,
    parse_map,
    text,
)
from ansible_collections.acs.ingest.plugins.module_utils._core.problems import Problem

POLICIES = ("custom", "smallest_fit")
INVALID = "invalid_input"
# (field, what a list entry's key is called, what its value is called), CloudStack's list form
_MAPS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("nic_networks", ("nic",), ("network",)),
    ("nic_ips", ("nic",), ("ip4Address", "ip", "ipaddress")),
    ("disk_offerings", ("disk",), ("diskOffering", "offering")),
)


@dataclass(frozen=True)
class Wishes:
    """The operator's choices for one import; empty means "let the planner decide"."""

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
    account: str = ""
    domainid: str = ""
    projectid: str = ""
    forced: bool = False
    migrate_allowed: bool | None = None
    # what could not be read, reported by the planner with its own findings
    problems: tuple[Problem, ...] = ()

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any] | None) -> Wishes:
        """Module options, ``plan_defaults`` or a plan row → Wishes (unknown keys are ignored)."""
        raw = raw if isinstance(raw, Mapping) else {}
        problems: list[Problem] = []
        maps: dict[str, dict[str, str]] = {}
        for name, key_names, value_names in _MAPS:
            maps[name] = _read_map(raw.get(name), name, key_names, value_names, problems)
        # read in this order so problems are reported in the order the planner always used
        details = _read_details(raw.get("details"), problems)
        policy = _read_policy(raw.get("disk_offering_policy"), problems)
        flags = {name: _read_flag(raw.get(name), name, problems) for name in ("forced", "migrate_allowed")}
        return cls(
            displayname=text(raw.get("displayname")),
            hostname=text(raw.get("hostname")),
            template=text(raw.get("template")),
            service_offering=text(raw.get("service_offering")),
            nic_networks=maps["nic_networks"],
            nic_ips=maps["nic_ips"],
            disk_offerings=maps["disk_offerings"],
            disk_offering_policy=policy,
            root_disk=text(raw.get("root_disk")),
            details=details,
            account=text(raw.get("account")),
            domainid=text(raw.get("domainid") or raw.get("domain_id")),
            projectid=text(raw.get("projectid") or raw.get("project_id")),
            forced=bool(flags["forced"]),
            migrate_allowed=flags["migrate_allowed"],
            problems=tuple(problems),
        )

    def with_owner(self, domainid: str | None = None, projectid: str | None = None) -> Wishes:
        """The same wishes with owner ids the services layer resolved from names."""
        return replace(self, domainid=domainid or self.domainid, projectid=projectid or self.projectid)


# Every key from_mapping reads, in one place: plan columns, option lists and checks use it.
WISH_KEYS: tuple[str, ...] = tuple(f.name for f in fields(Wishes) if f.name != "problems")
# Wishes that shape the plan itself; forced and migrate_allowed only change how it is submitted.
PLANNING_KEYS: tuple[str, ...] = tuple(key for key in WISH_KEYS if key not in ("forced", "migrate_allowed"))


def _example(key_names: tuple[str, ...]) -> str:
    return f"{{'{key_names[0]}-or-key': 'value'}}"


def _read_map(
    value: Any, name: str, key_names: tuple[str, ...], value_names: tuple[str, ...], problems: list[Problem]
) -> dict[str, str]:
    parsed, unusable = parse_map(value, key_names=key_names, value_names=value_names)
    for what in unusable:
        problems.append(
            Problem(INVALID, name, what, f"write {name} as a mapping, e.g. {_example(key_names)}, or as {MAP_SYNTAX}")
        )
    return parsed


def _read_details(value: Any, problems: list[Problem]) -> dict[str, str]:
    """`details` as a dict; CloudStack's own shape `[{"cpuSpeed": "1000"}]` is merged too."""
    is_entry_list = isinstance(value, (list, tuple)) and all(
        isinstance(entry, Mapping) and not ({"name", "key"} & set(entry)) for entry in value
    )
    if is_entry_list and value:
        merged: dict[str, str] = {}
        for entry in value:
            merged.update({text(key): text(val) for key, val in entry.items()})
        return merged
    return _read_map(value, "details", ("name", "key"), ("value",), problems)


def _read_policy(value: Any, problems: list[Problem]) -> str:
    policy = text(value).lower()
    if policy and policy not in POLICIES:
        problems.append(
            Problem(
                INVALID,
                "disk_offering_policy",
                f"unknown policy '{policy}'",
                f"use one of {', '.join(POLICIES)}, or leave it empty and map every data disk in disk_offerings",
            )
        )
        return ""
    return policy


def _read_flag(value: Any, name: str, problems: list[Problem]) -> bool | None:
    """None when not given; a problem (and None) when it is not a yes/no value."""
    if value is None or value == "":
        return None
    parsed = parse_bool(value)
    if parsed is None:
        problems.append(Problem(INVALID, name, f"'{value}' is not a boolean", f"set {name} to true or false"))
    return parsed


def given(wishes: Mapping[str, Any]) -> dict[str, Any]:
    """The wish keys of a mapping that hold something (blank cells and options dropped)."""
    return {key: wishes[key] for key in WISH_KEYS if key in wishes and not is_blank(wishes[key])}
