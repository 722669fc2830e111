# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""The networks plan (one row per zone and VLAN) and the NIC report of network discovery, as CSV and YAML.

The networks plan is what the networks step works from: discovery fills the facts (status, the CloudStack
network carrying the VLAN, where it was seen, the VMs and the addresses observed on it) and proposes
``create: yes`` for a VLAN no network carries; the operator edits ``create``, ``type`` and, for a Shared
network, ``gateway``/``netmask``/``start_ip``/``end_ip`` (and optionally ``name``, ``network_offering``,
``physical_network``). Rediscovering refreshes the facts and keeps those edits, like the VM plan.
``creation_tasks`` turns the rows into guest_network arguments, with every problem of every row at once.

The NIC report is read-only: one row per unmanaged VM's NIC with host, bridge, OVS, VLAN and its source,
physical interface, MAC, model and addresses. Pure: strings and plain data.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._core.errors import ProblemsError
from ansible_collections.acs.ingest.plugins.module_utils._core.parse import (
    format_list,
    is_blank,
    parse_bool,
    parse_list,
    text,
)
from ansible_collections.acs.ingest.plugins.module_utils._core.problems import Problem
from ansible_collections.acs.ingest.plugins.module_utils._planner.network_report import MISSING
from ansible_collections.acs.ingest.plugins.module_utils._rules.network_addresses import address_findings
from ansible_collections.acs.ingest.plugins.module_utils._rules.network_choice import NETWORK_TYPES, parse_vlan

try:  # the plan is read on the controller, where PyYAML comes with ansible-core
    import yaml
except ImportError:  # pragma: no cover - only on a target without PyYAML
    yaml = None  # type: ignore[assignment]

NETWORKS_PLAN_VERSION = 1
# (column, editable, help), in CSV order: facts first, then what to edit.
NETWORK_COLUMNS: tuple[tuple[str, bool, str], ...] = (
    ("zone", False, "zone name (the row key, with vlan; do not edit)"),
    ("vlan", False, "802.1Q VLAN id seen on the VMs' NICs (the row key; do not edit)"),
    ("status", False, "exists: a CloudStack network carries the VLAN; missing: none does; ambiguous: several do"),
    ("cloudstack_network", False, "the network carrying the VLAN in the zone: name (id)"),
    ("hosts", False, "hosts where VMs use the VLAN"),
    ("bridges", False, "bridges (or libvirt networks) carrying it"),
    ("vlan_sources", False, "how the VLAN was found: xml-tag, vlan-subinterface, bridge-name, ovs-port-tag, ..."),
    ("vms", False, "unmanaged VMs with a NIC on it"),
    ("observed_ips", False, "guest addresses seen on it (guest agent, DHCP leases, ARP), a hint for a Shared range"),
    ("create", True, "yes to create the network (proposed for missing VLANs), no to leave it"),
    ("type", True, "L2 (default) or Shared"),
    ("name", True, "network name; empty: l2-vlan<vlan> or shared-vlan<vlan>"),
    ("network_offering", True, "offering id or name; empty: chosen by capability"),
    ("physical_network", True, "physical network id or name; empty: the zone's guest physical network"),
    ("gateway", True, "Shared only: IPv4 gateway"),
    ("netmask", True, "Shared only: netmask, e.g. 255.255.255.0"),
    ("start_ip", True, "Shared only: first address CloudStack may hand out"),
    ("end_ip", True, "Shared only: last address CloudStack may hand out"),
)
NETWORK_COLUMN_NAMES = tuple(c[0] for c in NETWORK_COLUMNS)
EDITABLE = tuple(c[0] for c in NETWORK_COLUMNS if c[1])
LIST_COLUMNS = ("hosts", "bridges", "vlan_sources", "vms", "observed_ips")
NIC_COLUMNS = (
    "zone", "cluster", "host", "source", "vm", "vm_state", "nic", "mac", "model", "ips", "interface_type", "bridge",
    "libvirt_network", "ovs_bridge", "port", "vlan", "vlan_source", "uplink", "physical_interface", "status",
    "cloudstack_network",
)  # fmt: skip


_text = text  # the one text reader (_core/parse)
PLAN_FIELD = "networks_plan"  # the file as a whole: what a load error is about


def _unusable(code: str, message: str, fix: str) -> ProblemsError:
    """The networks plan file as a whole cannot be read: one Problem naming the file and the fix."""
    return ProblemsError([Problem(code, PLAN_FIELD, message, fix)])


def _net_text(ref: Mapping[str, Any] | None) -> str:
    return f"{ref.get('name')} ({ref.get('id')})" if ref else ""


def plan_rows(summary: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The networks plan from discovery's per-VLAN summary (facts filled, creation proposed where missing)."""
    rows = []
    for item in summary:
        row: dict[str, Any] = {name: "" for name in NETWORK_COLUMN_NAMES}
        row.update(zone=_text(item.get("zone") or item.get("zoneid")), vlan=_text(item.get("vlan")))
        row["status"] = _text(item.get("status"))
        row["cloudstack_network"] = _net_text(item.get("cloudstack_network")) or "; ".join(
            _net_text(c) for c in item.get("candidates") or []
        )
        for name in LIST_COLUMNS:
            row[name] = list(item.get(name) or [])
        row["create"] = item.get("status") == MISSING and parse_vlan(item.get("vlan")) is not None
        row["type"] = "L2"
        rows.append(row)
    return rows


def merge_rows(existing: Sequence[Mapping[str, Any]], discovered: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Fresh facts, the operator's edits kept (matched by zone and VLAN); VLANs no longer seen drop out."""
    old = {(_text(r.get("zone")), _text(r.get("vlan"))): r for r in existing}
    merged = []
    for row in discovered:
        new = dict(row)
        previous = old.get((_text(row.get("zone")), _text(row.get("vlan"))))
        if previous:
            for name in EDITABLE:
                if name in previous:
                    new[name] = previous[name]
        merged.append(new)
    return merged


def _cell(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if name in LIST_COLUMNS:
        return format_list(value)
    return _text(value)


def dump_csv(rows: Iterable[Mapping[str, Any]], columns: Sequence[str] = NETWORK_COLUMN_NAMES) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({name: _cell(name, row.get(name)) for name in columns})
    return out.getvalue()


def _with_lists(raw: Mapping[Any, Any]) -> dict[str, Any]:
    """A loaded row with its list columns read by the one list reader (a CSV cell or a YAML list alike)."""
    row: dict[str, Any] = {str(k): v for k, v in raw.items() if k is not None}
    for name in LIST_COLUMNS:
        row[name] = parse_list(row.get(name))
    return row


def load_csv(text: str) -> list[dict[str, Any]]:
    """CSV text → rows. Raises ProblemsError (field networks_plan, with the fix) when it is not CSV at all."""
    try:
        return [_with_lists(raw) for raw in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))]
    except csv.Error as exc:
        raise _unusable(
            "networks_plan_csv_invalid", f"is not a readable CSV file ({exc})", "save it again as CSV (UTF-8)"
        ) from None


def _yaml() -> Any:
    if yaml is None:
        raise _unusable(
            "networks_plan_pyyaml_missing", "the YAML format needs PyYAML", "pip install pyyaml, or use the CSV"
        )
    return yaml


def _yaml_cell(name: str, value: Any) -> Any:
    if name in LIST_COLUMNS:
        return parse_list(value)
    if name == "create":  # the same file whether the cell came from discovery (bool) or a CSV ('yes')
        parsed = parse_bool(value)
        return parsed if parsed is not None else _text(value)
    return _text(value)


def dump_yaml(rows: Iterable[Mapping[str, Any]]) -> str:
    doc = {
        "networks_plan_version": NETWORKS_PLAN_VERSION,
        "columns": {name: help_text for name, _e, help_text in NETWORK_COLUMNS},
        "networks": [{name: _yaml_cell(name, row.get(name)) for name in NETWORK_COLUMN_NAMES} for row in rows],
    }
    return _yaml().safe_dump(doc, sort_keys=False, default_flow_style=False, allow_unicode=True)


def load_yaml(text: str) -> list[dict[str, Any]]:
    """YAML text → rows. Raises ProblemsError (field networks_plan, with the fix) for an unusable document."""
    yaml_lib = _yaml()
    try:
        doc = yaml_lib.safe_load(text) or {}
    except yaml_lib.YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise _unusable("networks_plan_yaml_invalid", f"is not valid YAML ({first})", "correct the syntax") from None
    entries = doc if isinstance(doc, list) else doc.get("networks") if isinstance(doc, Mapping) else None
    if not isinstance(entries, list):
        raise _unusable(
            "networks_plan_networks_missing",
            "has no 'networks' list",
            "keep the top-level key networks: with one entry per VLAN",
        )
    problems = [
        Problem(
            "networks_plan_entry_invalid",
            f"networks[{index}]",
            f"is a {type(entry).__name__}, not a mapping of column: value",
            "write each entry as zone:, vlan:, create:, ... under networks:",
        )
        for index, entry in enumerate(entries)
        if not isinstance(entry, Mapping)
    ]
    if problems:
        raise ProblemsError(problems, summary="unreadable entries", field=PLAN_FIELD)
    return [_with_lists(entry) for entry in entries]


def load_plan(text: str, fmt: str) -> list[dict[str, Any]]:
    """The networks plan file's rows; an unusable file raises ProblemsError naming the file and the fix."""
    fmt = fmt.lower().lstrip(".")
    if fmt == "csv":
        return load_csv(text)
    if fmt in ("yml", "yaml"):
        return load_yaml(text)
    raise _unusable("networks_plan_format_unknown", f"format '{fmt}' is unknown", "use a .csv, .yml or .yaml file")


def creation_tasks(rows: Iterable[Mapping[str, Any]]) -> tuple[list[dict[str, Any]], list[Problem]]:
    """guest_network arguments for every row to create, and every problem of every row (nothing half-read)."""
    tasks: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for number, row in enumerate(rows, start=1):
        subject = f"row {number} (zone {_text(row.get('zone')) or '?'}, VLAN {_text(row.get('vlan')) or '?'})"
        create = False if is_blank(row.get("create")) else parse_bool(row.get("create"))
        if create is None:
            problems.append(
                Problem(
                    "networks_plan_bool",
                    "create",
                    f"'{_text(row.get('create'))}' is not yes/no",
                    "write yes or no",
                    subject,
                )
            )
            continue
        if not create:
            continue
        vlan = parse_vlan(row.get("vlan"))
        kind = next((t for t in NETWORK_TYPES if t.lower() == (_text(row.get("type")) or "L2").lower()), None)
        if vlan is None:
            problems.append(
                Problem(
                    "networks_plan_vlan",
                    "vlan",
                    f"'{_text(row.get('vlan'))}' is not a VLAN id 1-4094",
                    "restore the vlan column from discovery, or set create: no (untagged networks are made by hand)",
                    subject,
                )
            )
        if kind is None:
            problems.append(
                Problem(
                    "networks_plan_type",
                    "type",
                    f"unknown type '{_text(row.get('type'))}'",
                    "write L2 or Shared",
                    subject,
                )
            )
        if not _text(row.get("zone")):
            problems.append(
                Problem("networks_plan_zone", "zone", "empty zone", "restore the zone column from discovery", subject)
            )
        if vlan is None or kind is None or not _text(row.get("zone")):
            continue
        addresses = {k: _text(row.get(k)) or None for k in ("gateway", "netmask", "start_ip", "end_ip")}
        findings = address_findings(None, kind, *addresses.values())
        problems.extend(f.as_problem().about(subject) for f in findings)
        if findings:
            continue
        task: dict[str, Any] = {"zone": _text(row.get("zone")), "vlan": vlan, "type": kind}
        for key in ("name", "network_offering", "physical_network", *addresses):
            if _text(row.get(key)):
                task[key] = _text(row.get(key))
        tasks.append(task)
    return tasks, problems


def nic_rows(networks: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The NIC report: one row per VM NIC, with its network's facts."""
    rows = []
    for net in networks:
        for vm in net.get("vms") or []:
            rows.append(
                {
                    **{k: net.get(k) for k in NIC_COLUMNS if k in net},
                    "vm": vm.get("name"),
                    "vm_state": vm.get("state"),
                    "nic": vm.get("nic"),
                    "mac": vm.get("mac"),
                    "model": vm.get("model"),
                    "port": vm.get("port"),
                    "ips": format_list(vm.get("ips")),
                    "cloudstack_network": _net_text(net.get("cloudstack_network")),
                }
            )
    return rows
