# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE: the import planner: unmanaged instance + wishes + zone catalog → ImportPlan.

Pure function, no I/O: the import modules, the inventory plugin and the validate playbook
all call build_import_plan with data they already fetched, and every problem of a VM is
reported in one pass (each step records into a shared Findings instead of raising).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._core.errors import AcsIngestError
from ansible_collections.acs.ingest.plugins.module_utils._core.parse import text
from ansible_collections.acs.ingest.plugins.module_utils._planner.disks import plan_disks
from ansible_collections.acs.ingest.plugins.module_utils._planner.hostname import choose_hostname
from ansible_collections.acs.ingest.plugins.module_utils._planner.inputs import Catalog, parse_catalog
from ansible_collections.acs.ingest.plugins.module_utils._planner.nics import plan_nics
from ansible_collections.acs.ingest.plugins.module_utils._planner.offering import plan_offering
from ansible_collections.acs.ingest.plugins.module_utils._planner.params import flatten_params, wire_lines
from ansible_collections.acs.ingest.plugins.module_utils._planner.resolve import resolve
from ansible_collections.acs.ingest.plugins.module_utils._planner.server_rules import check_server_rules
from ansible_collections.acs.ingest.plugins.module_utils._planner.types import (
    Findings,
    ImportPlan,
    Note,
    Problem,
    render_problems,
    to_int,
)
from ansible_collections.acs.ingest.plugins.module_utils._planner.wishes import Wishes
from ansible_collections.acs.ingest.plugins.module_utils._rules.catalogue import (
    IMPORT_UNMANAGED as IMPORT_UNMANAGED_API,
)
from ansible_collections.acs.ingest.plugins.module_utils._rules.import_owner import owner_findings, template_findings
from ansible_collections.acs.ingest.plugins.module_utils._rules.versions import NEWEST, Version, parse_version

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


def _plan_template(wishes: Wishes, catalog: Catalog, findings: Findings, for_import_vm: bool) -> dict[str, Any] | None:
    if not wishes.template:
        if for_import_vm:
            # importVm takes CloudStack's dummy template; we still want the guest OS right
            findings.problem(
                "template_missing",
                "template",
                "no template given; importVm would record CloudStack's dummy import template",
                "set template to the id or name of a KVM template matching the guest OS",
            )
        else:
            findings.rules(template_findings(findings.server, api=IMPORT_UNMANAGED_API, templateid=""))
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
    return template


def _owner_params(wishes: Wishes, catalog: Catalog, findings: Findings) -> dict[str, str]:
    """account/domainid/projectid, already ids (AccountManagerImpl.finalyzeAccountId,
    UnmanagedVMsManagerImpl.basicParametersCheckForImportInstance); the account's state when fetched."""
    findings.rules(
        owner_findings(
            findings.server,
            account=wishes.account,
            domainid=wishes.domainid,
            projectid=wishes.projectid,
            account_row=catalog.account(wishes.account, wishes.domainid) if wishes.account else None,
            project_row=catalog.project(wishes.projectid) if wishes.projectid else None,
        )
    )
    params = {"account": wishes.account, "domainid": wishes.domainid, "projectid": wishes.projectid}
    return {key: value for key, value in params.items() if value}


def _version(value: Any) -> Version | None:
    """A version from catalog data; unreadable is unknown (options are validated where they are read)."""
    try:
        return parse_version(value) if value else None
    except AcsIngestError:
        return None


def _versions(instance: dict[str, Any], catalog: Catalog, agent_version: Any) -> tuple[Version, Version]:
    """(server, agent) versions whose rules judge this plan."""
    server = _version(catalog.cloudstack_version) or NEWEST
    host = catalog.host(instance.get("hostid")) or {}
    agent = (
        _version(agent_version)
        or _version(catalog.agent_version)
        or _version(host.get("version"))
        or _version(instance.get("agent_version"))  # the version a libvirt source was judged for
        or NEWEST
    )
    return server, agent


def build_import_plan(
    instance: Mapping[str, Any],
    wishes: Wishes,
    catalog: Mapping[str, Any] | Catalog | None,
    *,
    cluster_id: str | None = None,
    zone_id: str | None = None,
    for_import_vm: bool = False,
    agent_version: Any = None,
) -> ImportPlan:
    """Plan one import. Never raises on bad data: every issue is a Problem in the result.

    `wishes` come from ``Wishes.from_mapping`` (what it could not read is reported here).
    `catalog` may be the raw mapping or a Catalog from parse_catalog (parse once per zone
    when planning many VMs). `cluster_id` defaults to the instance's `clusterid`. `for_import_vm` plans importVm
    (external/local/shared KVM source): the hostname defaults to the VM name, CPU/memory are
    not compared, MAC conflicts are notes, and `zoneid`/`hypervisor` are added; the caller adds
    `importsource`, `host`, `username`, `password`, `diskpath`... as that API needs.

    The rules catalogue judges the plan for the catalog's `cloudstack_version` (the newest known
    when absent) and for `agent_version` (else the catalog's, else the listing host's, else the newest).
    """
    instance = dict(instance) if isinstance(instance, Mapping) else {}
    parsed_catalog = parse_catalog(catalog)
    findings = Findings(*_versions(instance, parsed_catalog, agent_version))
    findings.problems.extend(wishes.problems)
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
    params.update(_owner_params(wishes, parsed_catalog, findings))
    template = _plan_template(wishes, parsed_catalog, findings, for_import_vm)
    if template is not None:
        params["templateid"] = text(template.get("id"))
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
    check_server_rules(
        instance, params, wishes, parsed_catalog, findings, template=template, offering=offering, details=details,
        for_import_vm=for_import_vm,
    )  # fmt: skip
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
