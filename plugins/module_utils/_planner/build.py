# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE: the import planner: unmanaged instance + wishes + zone catalog → ImportPlan.

Pure function, no I/O: the import modules, the inventory plugin and the validate playbook
all call build_import_plan with data they already fetched, and every problem of a VM is
reported in one pass (each step records into a shared Findings instead of raising).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._core.parse import text
from ansible_collections.acs.ingest.plugins.module_utils._planner.disks import plan_disks
from ansible_collections.acs.ingest.plugins.module_utils._planner.hostname import choose_hostname
from ansible_collections.acs.ingest.plugins.module_utils._planner.inputs import Catalog, parse_catalog
from ansible_collections.acs.ingest.plugins.module_utils._planner.nics import plan_nics
from ansible_collections.acs.ingest.plugins.module_utils._planner.offering import plan_offering
from ansible_collections.acs.ingest.plugins.module_utils._planner.params import flatten_params, wire_lines
from ansible_collections.acs.ingest.plugins.module_utils._planner.resolve import resolve
from ansible_collections.acs.ingest.plugins.module_utils._planner.types import (
    Findings,
    ImportPlan,
    Note,
    Problem,
    render_problems,
    to_int,
)
from ansible_collections.acs.ingest.plugins.module_utils._planner.wishes import Wishes

__all__ = [
    "ImportPlan",
    "Note",
    "Problem",
    "Catalog",
    "Wishes",
    "build_import_plan",
    "flatten_params",
    "parse_catalog",
    "render_problems",
    "wire_lines",
]

IMPORT_UNMANAGED = "importUnmanagedInstance"
IMPORT_VM = "importVm"


def _is_kvm(template: dict[str, Any]) -> bool:
    return text(template.get("hypervisor")).lower() in ("", "kvm")


def _plan_template(wishes: Wishes, catalog: Catalog, findings: Findings) -> str | None:
    if not wishes.template:
        findings.problem(
            "template_missing",
            "template",
            "no template given; KVM imports need one (CloudStack 4.22.0 cannot use its default import template "
            "for KVM: 'Template is needed and unable to use default template for hypervisor KVM')",
            "set template to the id or name of a KVM template matching the guest OS",
        )
        return None
    template = resolve(
        wishes.template, catalog.templates, kind="template", field="template", findings=findings, prefer=_is_kvm
    )
    if template is None:
        return None
    if not _is_kvm(template):
        findings.problem(
            "template_hypervisor",
            "template",
            f"template {template.get('name')} ({template.get('id')}) is for hypervisor "
            f"{template.get('hypervisor')}, not KVM",
            "choose a KVM template",
        )
        return None
    return text(template.get("id"))


def _owner_params(wishes: Wishes, findings: Findings) -> dict[str, str]:
    """account/domainid/projectid, already ids; CloudStack wants account and domainid together."""
    if bool(wishes.account) != bool(wishes.domainid):
        findings.problem(
            "owner_incomplete",
            "account" if wishes.domainid else "domainid",
            "account and domainid must be given together",
            "set both, or neither",
        )
    params = {"account": wishes.account, "domainid": wishes.domainid, "projectid": wishes.projectid}
    return {key: value for key, value in params.items() if value}


def build_import_plan(
    instance: Mapping[str, Any],
    wishes: Wishes,
    catalog: Mapping[str, Any] | Catalog | None,
    *,
    cluster_id: str | None = None,
    zone_id: str | None = None,
    for_import_vm: bool = False,
) -> ImportPlan:
    """Plan one import. Never raises on bad data: every issue is a Problem in the result.

    `wishes` come from ``Wishes.from_mapping`` (what it could not read is reported here).
    `catalog` may be the raw mapping or a Catalog from parse_catalog (parse once per zone
    when planning many VMs). `cluster_id` defaults to the instance's `clusterid`. `for_import_vm` plans importVm
    (external/local/shared KVM source): the hostname defaults to the VM name, CPU/memory are
    not compared, MAC conflicts are notes, and `zoneid`/`hypervisor` are added; the caller adds
    `importsource`, `host`, `username`, `password`, `diskpath`... as that API needs.
    """
    instance = dict(instance) if isinstance(instance, Mapping) else {}
    findings = Findings()
    findings.problems.extend(wishes.problems)
    parsed_catalog = parse_catalog(catalog)
    name = text(instance.get("name"))
    if not name:
        findings.problem("name_missing", "name", "the instance has no name", "list the instance again")

    params: dict[str, Any] = {}
    cluster = text(cluster_id) or text(instance.get("clusterid"))
    if cluster:
        params["clusterid"] = cluster
    else:
        why = "importVm requires it even for external sources" if for_import_vm else "importUnmanagedInstance needs it"
        findings.problem("cluster_missing", "cluster", f"no cluster id ({why})", "pass the cluster (id or name)")
    if for_import_vm:
        if text(zone_id):
            params["zoneid"] = text(zone_id)
        else:
            findings.problem("zone_missing", "zone", "no zone id; importVm requires zoneid", "pass the zone")
        params["hypervisor"] = "KVM"
    params["name"] = name
    if wishes.displayname:
        params["displayname"] = wishes.displayname
    params["hostname"] = choose_hostname(
        name, wishes.hostname, wishes.displayname, findings, for_import_vm=for_import_vm
    )
    params.update(_owner_params(wishes, findings))
    template_id = _plan_template(wishes, parsed_catalog, findings)
    if template_id:
        params["templateid"] = template_id
    offering, details = plan_offering(instance, wishes, parsed_catalog, findings, for_import_vm=for_import_vm)
    if offering is not None:
        params["serviceofferingid"] = text(offering.get("id"))
    networks, ips = plan_nics(
        instance, wishes, parsed_catalog, findings, zone_id=text(zone_id) or None, for_import_vm=for_import_vm
    )
    if networks:
        params["nicnetworklist"] = networks
    if ips:
        params["nicipaddresslist"] = ips
    root_size = to_int(offering.get("rootdisksize")) if offering else None
    disks = plan_disks(instance, wishes, parsed_catalog, findings, root_size_fallback=bool(root_size))
    if disks:
        params["datadiskofferinglist"] = disks
    if details:
        params["details"] = [details]
    if wishes.migrate_allowed is not None:
        params["migrateallowed"] = wishes.migrate_allowed
    if wishes.forced:
        params["forced"] = True
    return ImportPlan(
        vm=name or "?",
        command=IMPORT_VM if for_import_vm else IMPORT_UNMANAGED,
        params=params,
        problems=[problem.about(name or "?") for problem in findings.problems],
        notes=findings.notes,
    )
