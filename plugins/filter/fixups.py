# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the fixups playbook: the post_import calls a plan asks for, and the report of what they did."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from ansible.errors import AnsibleFilterError

FIXUP_COLUMNS = ("vm", "outcome", "actions", "needs_restart", "restarted", "error")


def fixup_args(row: Any, add_nic: Any = None, restart: Any = False, restart_for: Any = None) -> dict[str, Any]:
    """post_import arguments for one plan row: the VM by instance name (on CloudStack hosts) or name (external
    imports get a new instance name), its zone, the plan's nic_ips, and the fix-ups asked for in variables."""
    if not isinstance(row, Mapping):
        raise AnsibleFilterError(f"fixup_args: expected a plan row, got {type(row).__name__}")
    args: dict[str, Any] = {"zone": row.get("zone"), "nic_ips": dict(row.get("nic_ips") or {})}
    if row.get("source") == "cloudstack":
        args["instance_name"] = row.get("vm")
    else:
        args["name"] = row.get("hostname") or row.get("vm")
        args["imported_live"] = False  # importVm copies shut-off VMs; CloudStack starts them itself
    network = (add_nic or {}).get(row.get("vm")) if isinstance(add_nic, Mapping) else None
    if network:
        args["add_nic"] = {"network": network}
    args["restart"] = bool(restart)
    if restart_for:
        args["restart_for"] = list(restart_for)
    return args


def fixup_outcomes(results: Any, check_mode: Any = False) -> list[dict[str, Any]]:
    """One line per VM from the registered loop of post_import (``check_mode``: the run was ``--check``)."""
    rows = []
    for result in (results or {}).get("results", []) if isinstance(results, Mapping) else []:
        row = result.get("item", {}) if isinstance(result, Mapping) else {}
        if result.get("failed"):
            outcome = "failed"
        elif result.get("changed"):
            outcome = "would_fix" if check_mode else "fixed"
        else:
            outcome = "ok"
        rows.append(
            {
                "vm": row.get("vm"),
                "outcome": outcome,
                "actions": ", ".join(a.get("what", "") for a in result.get("actions") or []),
                "needs_restart": ", ".join(result.get("needs_restart") or []),
                "restarted": bool(result.get("restarted")),
                "error": result.get("msg", "") if result.get("failed") else "",
            }
        )
    return rows


def fixup_report_csv(rows: Any) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(FIXUP_COLUMNS), lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for row in rows or []:
        writer.writerow({k: ("yes" if v is True else "no" if v is False else v) for k, v in dict(row).items()})
    return out.getvalue()


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"fixup_args": fixup_args, "fixup_outcomes": fixup_outcomes, "fixup_report_csv": fixup_report_csv}
