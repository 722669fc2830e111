# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the bulk workflow playbooks: plan file rows in and out, import reports.

The playbooks stay plain Ansible; the parsing, merging and report formatting live here
(and in module_utils/_planner/plan_file.py) so they are tested as Python, not as Jinja.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from typing import Any

from ansible.errors import AnsibleFilterError
from ansible_collections.acs.ingest.plugins.module_utils._core.parse import format_map
from ansible_collections.acs.ingest.plugins.module_utils._core.problems import Problem
from ansible_collections.acs.ingest.plugins.module_utils._planner import plan_file as pf

REPORT_COLUMNS = ("vm", "wave", "outcome", "id", "duration_s", "jobid", "error")


def _nic_cell(instance: Mapping[str, Any]) -> dict[str, str]:
    return {
        str(n.get("id", i)): f"{n.get('macaddress', '')}/vlan{n.get('vlanid', '-')}"
        for i, n in enumerate(instance.get("nic") or [])
    }


def _disk_cell(instance: Mapping[str, Any]) -> dict[str, str]:
    cells = {}
    for i, disk in enumerate(instance.get("disk") or []):
        gib = round(int(disk.get("capacity") or 0) / 1024**3, 1)
        cells[str(disk.get("id", i))] = f"{disk.get('label', '')}/{gib:g}GiB"
    return cells


def plan_rows_from_hostvars(hosts: list[Mapping[str, Any]], defaults: Mapping[str, Any] | None = None) -> list[dict]:
    """Inventory hostvars (acs.ingest.unmanaged) → plan rows, with the planner's choices filled in.

    Editable cells start from what the planner picked (network ids per NIC, offering,
    template, hostname) so the operator edits a working plan instead of an empty sheet.
    """
    rows = []
    for hv in hosts:
        if hv.get("acs_listed") is False:  # a plan row whose VM is not unmanaged any more
            continue
        instance = hv.get("acs_instance") or {}
        params = (hv.get("acs_plan") or {}).get("params") or {}
        nic_ids = {str(n.get("id", i)): str(n.get("macaddress", "")) for i, n in enumerate(instance.get("nic") or [])}
        row = {
            "vm": instance.get("name", ""),
            "source": hv.get("acs_source", ""),
            "zone": hv.get("acs_zone_id") or "",
            "cluster": hv.get("acs_cluster_id") or "",
            "host": hv.get("acs_location") or "",
            "power_state": instance.get("powerstate", ""),
            "cpus": instance.get("cpunumber", ""),
            "memory_mb": instance.get("memory", ""),
            "nics": _nic_cell(instance),
            "disks": _disk_cell(instance),
            "import": hv.get("acs_import", True),
            "wave": hv.get("acs_wave", 1),
            "service_offering": params.get("serviceofferingid", ""),
            "template": params.get("templateid", ""),
            "hostname": params.get("hostname", ""),
            "nic_networks": {e["nic"]: e["network"] for e in params.get("nicnetworklist") or [] if e["nic"] in nic_ids},
            "nic_ips": {e["nic"]: e["ip4Address"] for e in params.get("nicipaddresslist") or []},
            "disk_offerings": {e["disk"]: e["diskOffering"] for e in params.get("datadiskofferinglist") or []},
            # cpuNumber/memory are read from the VM at import time; only the rest is a choice
            "details": {
                k: v for d in params.get("details") or [] for k, v in d.items() if k not in ("cpuNumber", "memory")
            },
        }
        for key, value in (defaults or {}).items():
            if key in pf.EDITABLE and not row.get(key):
                row[key] = value
        row["nics"] = format_map(row["nics"])
        row["disks"] = format_map(row["disks"])
        rows.append(row)
    return pf.sort_rows(rows)


def plan_load(text: str, fmt: str) -> dict[str, Any]:
    """Plan file text → {'rows': normalised rows, 'problems': [...], 'lines': [...]}."""
    try:
        raws = pf.load_plan(text or "", fmt)
    except pf.PlanFileError as exc:
        return {
            "rows": [],
            "problems": [{**exc.problem.as_dict(), "vm": "", "row": None}],
            "lines": [exc.problem.line()],
        }
    rows, problems = pf.validate_rows(raws)
    return {"rows": rows, "problems": [p.as_dict() for p in problems], "lines": [p.line() for p in problems]}


def plan_merge(existing: list[Mapping[str, Any]] | None, discovered: list[Mapping[str, Any]]) -> list[dict]:
    return pf.merge_rows(existing or [], discovered)


def plan_csv(rows: list[Mapping[str, Any]]) -> str:
    return pf.dump_csv(rows)


def plan_yaml(rows: list[Mapping[str, Any]]) -> str:
    return pf.dump_yaml(rows)


def plan_waves(rows: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return pf.waves(rows)


def plan_wishes(row: Mapping[str, Any]) -> dict[str, Any]:
    return pf.wishes(row)


def wave_sizes(waves: list[Any]) -> list[int]:
    """Wave numbers of the hosts in play order → batch sizes for `serial` (one batch per wave).

    Hosts must already be in wave order (the inventory plugin sorts them); a wave number
    seen again later starts a new batch rather than being merged, so order is never broken.
    """
    sizes: list[int] = []
    previous: Any = object()
    for wave in waves:
        if sizes and wave == previous:
            sizes[-1] += 1
        else:
            sizes.append(1)
        previous = wave
    return sizes or [1]


def plan_problem_lines(hosts: list[Mapping[str, Any]]) -> list[str]:
    """Every problem of every VM, one line each: plan-file cells, planner findings, check-mode failures."""
    lines: list[str] = []
    for hv in hosts:
        name = hv.get("inventory_hostname") or (hv.get("acs_instance") or {}).get("name", "?")
        lines.extend(str(line) for line in hv.get("acs_plan_file_problems") or [])
        for p in (hv.get("acs_plan") or {}).get("problems") or []:
            if isinstance(p, Mapping):
                problem = Problem.from_dict(p, default_code="plan_problem")
                # the rule code first, so each blocked VM names the rule (docs/rules.md), the reason and the fix
                lines.append(f"{name}: [{problem.code}] {problem.about(None).line()}")
        check = hv.get("acs_check") or {}
        if check.get("failed"):
            lines.append(f"{name}: {' '.join(str(check.get('msg', 'check failed')).split())}")
    return lines


def import_outcome(result: Mapping[str, Any], row: Mapping[str, Any], started: float, finished: float) -> dict:
    """One report line from a registered import result (module failures included)."""
    vm = result.get("vm") or result.get("virtualmachine") or {}
    state = str(result.get("state") or "")
    if result.get("failed"):
        outcome = "failed"
    elif result.get("skipped"):
        outcome = "skipped"
    elif state == "pending":  # the job outlived the timeout; a rerun awaits it
        outcome = "pending"
    elif state == "would_import" or (result.get("changed") and result.get("check_mode")):
        outcome = "would import"
    elif result.get("changed"):
        outcome = "imported"
    else:
        outcome = "already managed"
    return {
        "vm": row.get("vm", ""),
        "wave": row.get("wave", 1),
        "outcome": outcome,
        "id": vm.get("id", "") if isinstance(vm, Mapping) else "",
        "duration_s": round(max(float(finished) - float(started), 0.0), 1),
        "jobid": result.get("jobid", "") or "",
        "error": _error(outcome, result),
    }


def _error(outcome: str, result: Mapping[str, Any]) -> str:
    if outcome == "failed":
        return " ".join(str(result.get("msg", "")).split())
    if outcome == "skipped":  # the import play only runs import_unmanaged for VMs on CloudStack hosts
        return "not on a CloudStack host: import external/libvirt VMs with acs.ingest.external_vm_import"
    return ""


def import_report_csv(outcomes: list[Mapping[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(REPORT_COLUMNS), lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for outcome in sorted(outcomes, key=lambda o: (o.get("wave", 1), o.get("vm", ""))):
        writer.writerow(outcome)
    return out.getvalue()


def import_report_json(outcomes: list[Mapping[str, Any]]) -> str:
    ordered = sorted(outcomes, key=lambda o: (o.get("wave", 1), o.get("vm", "")))
    return json.dumps({"totals": _totals(outcomes), "vms": ordered}, indent=2, sort_keys=True) + "\n"


def _totals(outcomes: list[Mapping[str, Any]]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for outcome in outcomes:
        totals[outcome.get("outcome", "?")] = totals.get(outcome.get("outcome", "?"), 0) + 1
    return dict(sorted(totals.items()))


def import_summary(outcomes: list[Mapping[str, Any]], wall_s: float | None = None) -> str:
    """Readable summary: totals, then one line per VM that needs attention."""
    if not isinstance(outcomes, list):
        raise AnsibleFilterError("import_summary expects the list of outcomes")
    lines = [f"{len(outcomes)} VMs: " + ", ".join(f"{n} {k}" for k, n in _totals(outcomes).items())]
    if wall_s is not None:
        lines[0] += f" in {float(wall_s):.0f}s"
    width = max([len(str(o.get("vm", ""))) for o in outcomes] + [2])
    for o in sorted(outcomes, key=lambda o: (o.get("wave", 1), o.get("vm", ""))):
        lines.append(
            f"  wave {o.get('wave', 1):>2}  {str(o.get('vm', '')):<{width}}  {o.get('outcome', ''):<15} "
            f"{o.get('id') or '-':<36}  {o.get('duration_s', 0):>6}s  {o.get('error', '')}".rstrip()
        )
    return "\n".join(lines) + "\n"


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {
            "plan_rows_from_hostvars": plan_rows_from_hostvars,
            "plan_load": plan_load,
            "plan_merge": plan_merge,
            "plan_csv": plan_csv,
            "plan_yaml": plan_yaml,
            "plan_waves": plan_waves,
            "plan_wishes": plan_wishes,
            "plan_problem_lines": plan_problem_lines,
            "wave_sizes": wave_sizes,
            "import_outcome": import_outcome,
            "import_report_csv": import_report_csv,
            "import_report_json": import_report_json,
            "import_summary": import_summary,
        }
