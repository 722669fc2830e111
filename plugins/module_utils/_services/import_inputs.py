# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""Module options → planner wishes, and the check of a precomputed plan (``plan`` option).

A precomputed plan comes from the inventory plugin or an edited plan file, possibly hours
old. Without the catalog we cannot re-plan it, but we can check it still fits the instance
as listed right now: every NIC and disk the plan names still exists, every NIC is mapped
(CloudStack would otherwise put an unmapped NIC on the first permitted network, facts §2.2),
and exactly one disk is left for root. Those checks cost no API call.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.catalog import (
    fetch_owner_accounts,
    fetch_owner_projects,
)
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.lookup import find_domain, find_project, is_uuid
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import InputError, ProblemsError
from ansible_collections.acs.ingest.plugins.module_utils._core.problems import Problem
from ansible_collections.acs.ingest.plugins.module_utils._planner.types import Findings, ImportPlan, Note
from ansible_collections.acs.ingest.plugins.module_utils._planner.wishes import PLANNING_KEYS, Wishes

# Options that feed the planner; with a precomputed plan they would be silently ignored.
# The planner's own list (PLANNING_KEYS), with the owner given by name or id as modules take it.
OWNER_OPTIONS = {"domainid": "domain", "projectid": "project"}
PLANNING_OPTIONS = tuple(OWNER_OPTIONS.get(key, key) for key in PLANNING_KEYS)
IMPORT_COMMAND = "importUnmanagedInstance"


def wishes_from_params(client: Any, params: Mapping[str, Any]) -> Wishes:
    """The planner's Wishes from module options; domain and project names are turned into ids here."""
    wishes = Wishes.from_mapping(params)
    domain = str(params.get("domain") or "").strip()
    project = str(params.get("project") or "").strip()
    return wishes.with_owner(
        domainid=(domain if is_uuid(domain) else find_domain(client, domain)["id"]) if domain else None,
        projectid=(project if is_uuid(project) else find_project(client, project)["id"]) if project else None,
    )


class OwnerRows:
    """The owner account and project a plan names, as the planner judges them (owner_account_not_found,
    owner_account_inactive, project_inactive): each fetched once per run, however many VMs name it."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.accounts: dict[tuple[str, str], list[dict[str, Any]]] = {}  # per (account, domain id)
        self.projects: dict[str, list[dict[str, Any]]] = {}  # per project id

    def rows_for(self, wishes: Wishes) -> dict[str, list[dict[str, Any]]]:
        """``accounts`` and ``projects`` for the planner's catalog."""
        owner = (wishes.account, wishes.domainid)
        if wishes.account and owner not in self.accounts:
            self.accounts[owner] = fetch_owner_accounts(self.client, [owner])
        if wishes.projectid and wishes.projectid not in self.projects:
            self.projects[wishes.projectid] = fetch_owner_projects(self.client, [wishes.projectid])
        return {"accounts": self.accounts.get(owner, []), "projects": self.projects.get(wishes.projectid, [])}


def _entries(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, Mapping):
        return [dict(value)]
    if isinstance(value, (list, tuple)):
        return [dict(entry) for entry in value if isinstance(entry, Mapping)]
    return []


def _plan_parts(raw: Mapping[str, Any]) -> tuple[str, dict[str, Any], list[Any], list[Any]]:
    """Accepts ``ImportPlan.to_dict()`` output or the bare import parameters."""
    if isinstance(raw.get("params"), Mapping):
        return (
            str(raw.get("command") or IMPORT_COMMAND),
            dict(raw["params"]),
            list(raw.get("problems") or []),
            list(raw.get("notes") or []),
        )
    return IMPORT_COMMAND, dict(raw), [], []


def check_precomputed_plan(params: Mapping[str, Any], instance: Mapping[str, Any], clusterid: str) -> ImportPlan:
    """The ``plan`` option as an ImportPlan, or an error listing every way it no longer fits."""
    raw = params.get("plan")
    if not isinstance(raw, Mapping):
        raise InputError("plan", "must be a mapping", "pass the plan hostvar the inventory plugin set for this VM")
    command, call_params, problems, notes = _plan_parts(raw)
    name = str(params["name"]).strip()
    findings = Findings()
    if problems:
        raise ProblemsError(
            [_listed_problem(problem) for problem in problems],
            summary=f"the plan for {name} lists {len(problems)} problem(s); fix the plan file or inventory "
            "settings and plan again",
            field="plan",
        )
    if command != IMPORT_COMMAND:
        findings.problem(
            "plan_command_mismatch", "plan", f"the plan is for {command}", f"use a plan made for {IMPORT_COMMAND}"
        )
    planned_name = str(call_params.get("name") or name)
    if planned_name != name:
        findings.problem(
            "plan_other_vm", "plan", f"the plan is for instance '{planned_name}', not '{name}'", "pass this VM's plan"
        )
    call_params["name"] = name
    planned_cluster = str(call_params.get("clusterid") or clusterid)
    if planned_cluster != clusterid:
        findings.problem(
            "plan_other_cluster",
            "plan",
            f"the plan is for cluster {planned_cluster}, the task for {clusterid}",
            "plan again for this cluster",
        )
    call_params["clusterid"] = clusterid
    if not call_params.get("serviceofferingid"):
        findings.problem(
            "plan_no_offering", "plan", "the plan has no serviceofferingid", "plan again with a service offering"
        )
    _check_devices(call_params, instance, findings)
    if params.get("forced"):
        call_params["forced"] = True
    if params.get("migrate_allowed") is not None:
        call_params["migrateallowed"] = bool(params["migrate_allowed"])
    if findings.problems:
        raise ProblemsError(
            [problem.about(name) for problem in findings.problems],
            summary=f"the precomputed plan no longer fits {name}; refresh the inventory (or the plan file) so the "
            "plan is made from the instance as it is now",
            field="plan",
        )
    kept_notes = [Note(str(n.get("field", "")), str(n.get("message", ""))) for n in notes if isinstance(n, Mapping)]
    return ImportPlan(vm=name, command=IMPORT_COMMAND, params=call_params, notes=kept_notes)


def _listed_problem(raw: Any) -> Problem:
    """A problem the plan itself carries (``ImportPlan.to_dict()`` output, or an older plain string)."""
    if isinstance(raw, Mapping):
        return Problem.from_dict(raw, default_code="plan_problem")
    return Problem("plan_problem", "plan", str(raw), "")


def _check_devices(call_params: dict[str, Any], instance: Mapping[str, Any], findings: Findings) -> None:
    nic_ids = [str(nic.get("id")) for nic in instance.get("nic") or []]
    mapped = [str(entry.get("nic")) for entry in _entries(call_params.get("nicnetworklist"))]
    for nic in mapped:
        if nic not in nic_ids:
            findings.problem(
                "plan_nic_unknown",
                "plan.nicnetworklist",
                f"NIC {nic} is planned but the VM has NICs {nic_ids or 'none'}",
                "plan again",
            )
    for nic in nic_ids:
        if nic not in mapped:
            findings.problem(
                "plan_nic_unmapped",
                "plan.nicnetworklist",
                f"NIC {nic} of the VM has no network in the plan (CloudStack would pick the first permitted network)",
                "plan again so every NIC is mapped",
            )
    disk_ids = [str(disk.get("id")) for disk in instance.get("disk") or []]
    data = [str(entry.get("disk")) for entry in _entries(call_params.get("datadiskofferinglist"))]
    for disk in data:
        if disk not in disk_ids:
            findings.problem(
                "plan_disk_unknown",
                "plan.datadiskofferinglist",
                f"disk {disk} is planned but the VM has disks {disk_ids or 'none'}",
                "plan again",
            )
    if disk_ids and len(set(data) & set(disk_ids)) != len(disk_ids) - 1:
        findings.problem(
            "plan_disk_count",
            "plan.datadiskofferinglist",
            f"the VM has {len(disk_ids)} disk(s) and the plan maps {len(data)}; CloudStack needs every disk but "
            "the root disk mapped",
            "plan again",
        )
