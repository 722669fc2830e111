# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the batch import play: inventory hosts → waves of batch entries → report lines.

The import play runs acs.ingest.import_unmanaged once per wave on localhost (batch mode), so
the per-VM outcomes come back in one registered result per wave instead of one per host.
These filters build the waves and turn the results into the lines the report filters take.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible.errors import AnsibleFilterError

SKIPPED_ERROR = "not on a CloudStack host: import external/libvirt VMs with acs.ingest.external_vm_import"


def import_waves(hosts: list[str], hostvars: Mapping[str, Any], ready_only: bool = False) -> list[dict[str, Any]]:
    """Hosts in inventory (= wave) order → [{'wave', 'instances': [batch entries]}], one per wave.

    Only VMs on CloudStack's own hosts (``acs_source == 'cloudstack'``) get a batch entry;
    the others are left to the external-source plays. A wave number seen again after another
    wave starts a new batch, exactly like ``wave_sizes`` does for ``serial``. With
    ``ready_only`` (validate), VMs whose plan already has problems get no entry: their problems
    are reported from the plan, and checking them against CloudStack would only repeat them.
    """
    if not isinstance(hosts, list):
        raise AnsibleFilterError("import_waves expects the list of inventory host names (groups['acs_import'])")
    waves: list[dict[str, Any]] = []
    for host in hosts:
        hv = hostvars[host]
        wave = hv.get("acs_wave", 1)
        if not waves or waves[-1]["wave"] != wave:
            waves.append({"wave": wave, "instances": [], "hosts": []})
        waves[-1]["hosts"].append(host)
        if hv.get("acs_source", "cloudstack") != "cloudstack":
            continue
        if ready_only and (not (hv.get("acs_plan") or {}).get("ok", True) or hv.get("acs_plan_file_problems")):
            continue
        waves[-1]["instances"].append(
            {
                "name": (hv.get("acs_instance") or {}).get("name", host),
                "cluster": hv.get("acs_cluster_id"),
                "plan": hv.get("acs_plan") or {},
                "key": host,
            }
        )
    return waves


def _failed_all(result: Mapping[str, Any]) -> str:
    return " ".join(str(result.get("msg") or "the batch did not run").split())


def batch_outcomes(
    results: list[Mapping[str, Any]], waves: list[Mapping[str, Any]], hostvars: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """The registered loop results (one per wave) → one report line per VM, in wave order.

    A wave whose module run failed as a whole (e.g. CloudStack unreachable before any VM)
    reports each of its VMs failed with that message. VMs that are not on CloudStack hosts
    take the ``acs_outcome`` the external-source play stored on their host, else "skipped".
    """
    if len(results) != len(waves):
        raise AnsibleFilterError(f"batch_outcomes: {len(results)} results for {len(waves)} waves")
    outcomes: list[dict[str, Any]] = []
    for result, wave in zip(results, waves, strict=True):
        per_vm = {str(r.get("key")): r for r in result.get("vms") or [] if isinstance(r, Mapping)}
        batched = {entry["key"] for entry in wave["instances"]}
        for host in wave["hosts"]:
            if host not in batched:
                stored = hostvars[host].get("acs_outcome")
                outcomes.append(
                    dict(stored)
                    if isinstance(stored, Mapping)
                    else {
                        "vm": host,
                        "wave": wave["wave"],
                        "outcome": "skipped",
                        "id": "",
                        "duration_s": 0.0,
                        "jobid": "",
                        "error": SKIPPED_ERROR,
                    }  # fmt: skip
                )
                continue
            vm = per_vm.get(host)
            if vm is None:
                outcomes.append({"vm": host, "wave": wave["wave"], "outcome": "failed", "id": "", "duration_s": 0.0,
                                 "jobid": "", "error": _failed_all(result)})  # fmt: skip
                continue
            outcomes.append(
                {
                    "vm": host,
                    "wave": wave["wave"],
                    "outcome": vm.get("outcome", "failed"),
                    "id": vm.get("id") or "",
                    "duration_s": vm.get("duration_s", 0.0),
                    "jobid": vm.get("jobid") or "",
                    "error": " ".join(str(vm.get("error") or "").split()),
                }
            )
    return outcomes


def batch_problem_lines(results: list[Mapping[str, Any]], outcomes: list[Mapping[str, Any]] | None = None) -> list[str]:
    """Check-mode batch results (one per wave) → one line per VM that failed its check.

    ``outcomes`` are report lines stored by other checks (the external-source play); the
    failed ones are added the same way.
    """
    lines: list[str] = []
    for result in results:
        if result.get("skipped"):
            continue
        vms = [vm for vm in result.get("vms") or [] if isinstance(vm, Mapping)]
        if not vms and result.get("failed"):
            lines.append(_failed_all(result))
        for vm in vms:
            if vm.get("outcome") == "failed":
                lines.append(f"{vm.get('key') or vm.get('name')}: {' '.join(str(vm.get('error', '')).split())}")
    for outcome in outcomes or []:
        if isinstance(outcome, Mapping) and outcome.get("outcome") == "failed":
            lines.append(f"{outcome.get('vm')}: {' '.join(str(outcome.get('error', '')).split())}")
    return lines


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {
            "import_waves": import_waves,
            "batch_outcomes": batch_outcomes,
            "batch_problem_lines": batch_problem_lines,
        }
