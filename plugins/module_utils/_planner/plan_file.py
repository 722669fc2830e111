# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""PRIVATE: the plan file of the bulk workflow (CSV and YAML), pure functions.

Discovery writes one row per VM; an operator edits the editable columns (in a
spreadsheet or an editor) and the validate/import playbooks read it back. Everything here
works on strings and plain data (no file I/O, no Ansible imports) so the same code serves
the filter plugin, the inventory plugin and the unit tests.

CSV cells cannot hold mappings, so map columns use `key=value;key=value` (the map syntax of
``_core/parse.py``: `;` or new lines separate pairs, `,` too when `key=` follows it). Yes/no
columns take yes/no, true/false, on/off, y/n or 1/0; an empty cell is the column's default.
Every problem of a row is a ``Problem`` whose subject is the row's VM, held with its row number.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._core.parse import (
    MAP_SYNTAX,
    format_map,
    is_blank,
    parse_bool,
    parse_map,
    text,
)
from ansible_collections.acs.ingest.plugins.module_utils._core.problems import Problem
from ansible_collections.acs.ingest.plugins.module_utils._planner.wishes import given

try:  # the plan file is read on the controller, where PyYAML comes with ansible-core
    import yaml
except ImportError:  # pragma: no cover - only on a target without PyYAML
    yaml = None  # type: ignore[assignment]

PLAN_VERSION = 1

# (column, editable, help). Order is the CSV column order: facts first, then what to edit.
COLUMNS: tuple[tuple[str, bool, str], ...] = (
    ("vm", False, "instance name as the hypervisor knows it (the row key; do not edit)"),
    ("source", False, "where the VM was found: cloudstack, external or libvirt"),
    ("zone", False, "zone id"),
    ("cluster", False, "cluster id"),
    ("host", False, "host name or libvirt URI holding the VM"),
    ("power_state", False, "PowerOn or PowerOff when discovered"),
    ("cpus", False, "vCPUs when discovered"),
    ("memory_mb", False, "memory in MiB when discovered"),
    ("nics", False, "NIC id=MAC/VLAN when discovered, for reference"),
    ("disks", False, "disk id=label/GiB when discovered, for reference"),
    ("import", True, "yes to import this VM, no to leave it alone"),
    ("wave", True, "import wave, an integer >= 1; waves run in ascending order"),
    ("account", True, "owner account (needs domainid)"),
    ("domainid", True, "owner domain id"),
    ("projectid", True, "owner project id"),
    ("service_offering", True, "service offering id or name"),
    ("template", True, "template id or name (KVM needs one)"),
    ("hostname", True, "guest host name; empty derives it from the VM name"),
    ("displayname", True, "display name; empty keeps the VM name"),
    ("nic_networks", True, "NIC→network: nic-id-or-MAC=network;..."),
    ("nic_ips", True, "NIC→IPv4: nic-id-or-MAC=auto|a.b.c.d[,e.f.g.h...];... (further addresses: secondary IPs)"),
    ("disk_offerings", True, "data disk→disk offering: disk-id-or-label=offering;..."),
    ("disk_offering_policy", True, "custom or smallest_fit for data disks not in disk_offerings"),
    ("details", True, "extra details: key=value;..."),
    ("forced", True, "yes lets CloudStack replace MACs already in use"),
    ("migrate_allowed", True, "yes lets CloudStack move the VM or its volumes"),
)
COLUMN_NAMES = tuple(column[0] for column in COLUMNS)
EDITABLE = frozenset(name for name, editable, _ignored in COLUMNS if editable)
MAP_COLUMNS = ("nic_networks", "nic_ips", "disk_offerings", "details")
BOOL_COLUMNS = ("import", "forced", "migrate_allowed")
SOURCES = ("cloudstack", "external", "libvirt")


@dataclass(frozen=True)
class RowProblem:
    """A Problem of one plan row: the Problem says what (its subject is the row's VM), ``row`` where."""

    row: int | None
    problem: Problem

    @property
    def vm(self) -> str:
        return self.problem.subject or ""

    def line(self) -> str:
        """``row 3 web01: wave: ... . Fix: ...``: the row number helps when the vm cell itself is wrong."""
        where = f"row {self.row} " if self.row is not None else ""
        return self.problem.about(f"{where}{self.vm or '?'}").line()

    def as_dict(self) -> dict[str, Any]:
        """The problem's keys plus ``vm`` and ``row`` (what plan_load documents)."""
        return {**self.problem.as_dict(), "vm": self.vm, "row": self.row}


class PlanFileError(ValueError):
    """The plan file as a whole cannot be used (not YAML, no ``vms`` list, unknown format)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.line())
        self.problem = problem


def parse_map_cell(cell: Any) -> dict[str, str] | None:
    """A map cell (or a mapping) as a dict; None when any entry is unusable."""
    parsed, unusable = parse_map(cell)
    return None if unusable else parsed


def normalize_row(raw: Mapping[str, Any], index: int | None = None) -> tuple[dict[str, Any], list[RowProblem]]:
    """A CSV/YAML row → typed row (maps as dicts, bools, int wave) plus its problems.

    Every column is checked so validate shows all problems of a row at once.
    """
    vm = text(raw.get("vm"))
    problems: list[RowProblem] = []

    def bad(code: str, field: str, message: str, fix: str) -> None:
        problems.append(RowProblem(index, Problem(code, field, message, fix, subject=vm or None)))

    unknown = sorted(set(map(str, raw)) - set(COLUMN_NAMES))
    for name in unknown:
        bad(
            "plan_column_unknown",
            name,
            f"unknown column '{name}'",
            f"remove it or rename it to one of {', '.join(COLUMN_NAMES)}",
        )
    row: dict[str, Any] = {name: text(raw.get(name)) for name in COLUMN_NAMES if name not in MAP_COLUMNS}
    if not vm:
        bad(
            "plan_vm_empty",
            "vm",
            "empty instance name",
            "restore the vm column from the discovered plan; it is the row key",
        )
    if row["source"] and row["source"] not in SOURCES:
        bad(
            "plan_source_unknown",
            "source",
            f"unknown source '{row['source']}'",
            f"use one of {', '.join(SOURCES)} (rerun discover)",
        )
    wave = text(raw.get("wave")) or "1"
    if wave.isdigit() and int(wave) >= 1:
        row["wave"] = int(wave)
    else:
        bad("plan_wave_invalid", "wave", f"'{wave}' is not an integer >= 1", "set wave to 1, 2, 3, ...")
        row["wave"] = 1
    for name in BOOL_COLUMNS:
        default = name == "import"
        cell = raw.get(name)
        parsed = default if is_blank(cell) else parse_bool(cell)
        if parsed is None:
            bad("plan_bool_invalid", name, f"'{text(cell)}' is not yes/no", f"set {name} to yes or no")
            parsed = default
        row[name] = parsed
    for name in MAP_COLUMNS:
        parsed_map = parse_map_cell(raw.get(name))
        if parsed_map is None:
            bad(
                "plan_map_invalid",
                name,
                f"'{text(raw.get(name))}' is not {MAP_SYNTAX}",
                f"write {name} as {MAP_SYNTAX}",
            )
            parsed_map = {}
        row[name] = parsed_map
    if row["account"] and not row["domainid"]:
        bad(
            "owner_incomplete",
            "account",
            "account is set without domainid",
            "set domainid to the account's domain id, or clear account",
        )
    if row["account"] and row["projectid"]:
        bad(
            "owner_ambiguous",
            "projectid",
            "account and projectid are both set",
            "keep only one owner: account+domainid or projectid",
        )
    if row["import"] and row["source"] == "cloudstack" and not row["cluster"]:
        bad(
            "plan_cluster_missing",
            "cluster",
            "no cluster id for a VM on a CloudStack host",
            "rerun discover; the cluster column is a fact",
        )
    return row, problems


def validate_rows(raws: Sequence[Mapping[str, Any]]) -> tuple[list[dict[str, Any]], list[RowProblem]]:
    """All rows normalised plus every problem of every row (duplicates across rows too)."""
    rows: list[dict[str, Any]] = []
    problems: list[RowProblem] = []
    seen: dict[tuple[str, str], int] = {}
    for number, raw in enumerate(raws, start=1):
        if not isinstance(raw, Mapping):
            problem = Problem("plan_row_invalid", "row", f"row {number} is not a mapping", "write each VM as a mapping")
            problems.append(RowProblem(number, problem))
            continue
        row, row_problems = normalize_row(raw, number)
        problems.extend(row_problems)
        key = (row["cluster"] or row["host"], row["vm"])
        if row["vm"] and key in seen:
            problem = Problem(
                "plan_vm_duplicate",
                "vm",
                f"listed twice (rows {seen[key]} and {number})",
                "keep one row per VM",
                subject=row["vm"],
            )
            problems.append(RowProblem(number, problem))
            continue
        seen[key] = number
        rows.append(row)
    return rows, problems


def to_csv_cells(row: Mapping[str, Any]) -> dict[str, str]:
    cells: dict[str, str] = {}
    for name in COLUMN_NAMES:
        value = row.get(name)
        if name in MAP_COLUMNS:
            cells[name] = format_map(value if isinstance(value, Mapping) else parse_map_cell(value) or {})
        elif isinstance(value, bool):
            cells[name] = "yes" if value else "no"
        else:
            cells[name] = text(value)
    return cells


def dump_csv(rows: Iterable[Mapping[str, Any]]) -> str:
    """Rows → CSV text with the fixed header; stable so a rerun writes identical bytes."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMN_NAMES), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(to_csv_cells(row))
    return out.getvalue()


def load_csv(document: str) -> list[dict[str, str]]:
    """CSV text → raw rows. A missing `vm` header is reported by validate_rows as empty vm."""
    reader = csv.DictReader(io.StringIO(document.lstrip("\ufeff")))  # spreadsheets like to add a BOM
    rows = []
    try:
        for raw in reader:
            # DictReader puts cells beyond the header under None; keep them visible as a column
            extra = raw.pop(None, None)
            if extra and any(text(cell) for cell in extra):
                raw["<extra cells>"] = ";".join(extra)
            rows.append({key: value for key, value in raw.items() if key is not None})
    except csv.Error as exc:  # e.g. a cell over the csv module's size limit: not a ValueError, so no caller caught it
        problem = Problem("plan_csv_invalid", "plan", f"is not a readable CSV file ({exc})", "save it again as CSV")
        raise PlanFileError(problem) from None
    return rows


def dump_yaml(rows: Iterable[Mapping[str, Any]]) -> str:
    doc: dict[str, Any] = {
        "plan_version": PLAN_VERSION,
        "columns": {name: help for name, _ignored, help in COLUMNS},
        "vms": [],
    }
    for row in rows:
        entry: dict[str, Any] = {}
        for name in COLUMN_NAMES:
            value = row.get(name)
            if name in MAP_COLUMNS:
                # plain str keys and values: Ansible hands us tagged str subclasses yaml cannot dump
                entry[name] = parse_map_cell(value) or {}
            elif name == "wave":
                entry[name] = int(text(value)) if text(value).isdigit() else text(value)
            else:
                entry[name] = bool(value) if isinstance(value, bool) else text(value)
        doc["vms"].append(entry)
    return _require_yaml().safe_dump(doc, sort_keys=False, default_flow_style=False, allow_unicode=True)


def _require_yaml() -> Any:
    if yaml is None:
        raise PlanFileError(
            Problem("pyyaml_missing", "plan", "the YAML format needs PyYAML", "pip install pyyaml, or use the CSV plan")
        )
    return yaml


def load_yaml(document: str) -> list[Any]:
    """YAML text → raw rows. Raises PlanFileError (field and fix) for an unusable document."""
    yaml_lib = _require_yaml()
    try:
        doc = yaml_lib.safe_load(document)
    except yaml_lib.YAMLError as exc:
        problem = Problem(
            "plan_yaml_invalid", "plan", f"not valid YAML ({str(exc).splitlines()[0]})", "correct the syntax"
        )
        raise PlanFileError(problem) from None
    if isinstance(doc, list):
        return doc
    if not isinstance(doc, Mapping) or not isinstance(doc.get("vms"), list):
        raise PlanFileError(
            Problem("plan_vms_missing", "plan", "no 'vms' list", "keep the top-level key vms: with one entry per VM")
        )
    return doc["vms"]


def load_plan(document: str, fmt: str) -> list[Any]:
    fmt = fmt.lower().lstrip(".")
    if fmt == "csv":
        return load_csv(document)
    if fmt in ("yml", "yaml"):
        return load_yaml(document)
    raise PlanFileError(
        Problem("plan_format_unknown", "plan", f"plan format '{fmt}' is unknown", "use a .csv, .yml or .yaml plan file")
    )


def merge_rows(existing: Sequence[Mapping[str, Any]], discovered: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Refresh facts from a new discovery but keep the operator's edits.

    Rediscovering must not wipe a half-edited plan: editable cells of a VM already in the
    plan win; facts (power state, NICs...) come from the new discovery; VMs that vanished
    (imported meanwhile) drop out. Sorted so reruns produce the same file.
    """
    old = {(text(r.get("cluster")) or text(r.get("host")), text(r.get("vm"))): r for r in existing}
    merged = []
    for row in discovered:
        new = dict(row)
        previous = old.get((text(row.get("cluster")) or text(row.get("host")), text(row.get("vm"))))
        if previous:
            for name in EDITABLE:
                if name in previous:
                    new[name] = previous[name]
            for name in NIC_MAP_COLUMNS:
                new[name] = _merge_nic_map(previous.get(name), row.get(name), row.get("nics"))
        # normalised, so a plan written from discovery and one read back dump identically
        merged.append(normalize_row(new)[0])
    return sort_rows(merged)


# Per-NIC cells: the operator's entries win, and a NIC they do not mention gets the new discovery's
# choice, e.g. the network that carries its VLAN now that the networks step created it.
NIC_MAP_COLUMNS = ("nic_networks", "nic_ips")


def _merge_nic_map(previous: Any, discovered: Any, nics_cell: Any) -> dict[str, str]:
    kept = dict(parse_map(previous)[0]) if previous not in (None, "") else {}
    fresh = parse_map(discovered)[0] if discovered not in (None, "") else {}
    macs = {key: value.split("/", 1)[0].lower() for key, value in parse_map(nics_cell)[0].items()}
    mentioned = {key.lower() for key in kept}
    for nic, value in fresh.items():
        if nic.lower() not in mentioned and macs.get(nic, "") not in mentioned:
            kept[nic] = value
    return kept


def sort_rows(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    def key(row: Mapping[str, Any]) -> tuple[int, str, str, str]:
        wave = text(row.get("wave"))
        return (
            int(wave) if wave.isdigit() else 1,
            text(row.get("zone")),
            text(row.get("cluster")),
            text(row.get("vm")),
        )

    return [dict(row) for row in sorted(rows, key=key)]


def waves(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """[{'wave': 1, 'vms': [...]}, ...] in ascending wave order, import=no rows left out."""
    grouped: dict[int, list[str]] = {}
    for row in rows:
        if row.get("import", True) is False:
            continue
        grouped.setdefault(int(row.get("wave") or 1), []).append(text(row.get("vm")))
    return [{"wave": number, "vms": grouped[number]} for number in sorted(grouped)]


def wishes(row: Mapping[str, Any]) -> dict[str, Any]:
    """The wishes one normalised row states: its filled planning cells, as a mapping.

    Merged over ``plan_defaults`` before ``Wishes.from_mapping``, so an empty cell keeps the
    default. A ``no`` in forced / migrate_allowed is the column's default, not a wish.
    """
    return {key: value for key, value in given(row).items() if value is not False}
