# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE: the management server's rules a finished plan is checked against (``_rules``).

After the offering, NICs and disks are chosen, the plan as a whole meets the server's checks:
the target cluster's allocation state, the template against the root disk, every disk against the
zone's primary storage pools (with the storage tags of its offering), the host's tags, the hostname
on each network, the pool types importVm can copy to, and whether CloudStack would keep a UEFI VM's
boot mode. Pure: everything comes from the catalog the caller fetched; a rule whose data was not
fetched is not judged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._core.parse import text
from ansible_collections.acs.ingest.plugins.module_utils._planner.inputs import Catalog
from ansible_collections.acs.ingest.plugins.module_utils._planner.types import Findings, to_int
from ansible_collections.acs.ingest.plugins.module_utils._planner.wishes import Wishes
from ansible_collections.acs.ingest.plugins.module_utils._rules.catalogue import IMPORT_EXTERNAL, IMPORT_UNMANAGED
from ansible_collections.acs.ingest.plugins.module_utils._rules.import_network import hostname_in_use_findings
from ansible_collections.acs.ingest.plugins.module_utils._rules.import_offering import host_tag_findings
from ansible_collections.acs.ingest.plugins.module_utils._rules.import_owner import (
    boot_details_needed,
    cluster_findings,
    template_findings,
    uefi_findings,
)
from ansible_collections.acs.ingest.plugins.module_utils._rules.import_pools import (
    pool_type_findings,
    storage_findings,
    tags_of,
)


def _entries(value: Any) -> list[dict[str, Any]]:
    return [dict(e) for e in value if isinstance(e, Mapping)] if isinstance(value, (list, tuple)) else []


def _disks(instance: Mapping[str, Any]) -> list[dict[str, Any]]:
    raw = instance.get("disk")
    return [d for d in raw if isinstance(d, dict)] if isinstance(raw, list) else []


def check_server_rules(
    instance: Mapping[str, Any],
    params: Mapping[str, Any],
    wishes: Wishes,
    catalog: Catalog,
    findings: Findings,
    *,
    template: Mapping[str, Any] | None,
    offering: Mapping[str, Any] | None,
    details: dict[str, str],
    for_import_vm: bool,
) -> None:
    """Record every server rule the planned import breaks; may add ``details.UEFI`` (and says so)."""
    api = IMPORT_EXTERNAL if for_import_vm else IMPORT_UNMANAGED
    vm = text(instance.get("name"))
    disks = _disks(instance)
    mapped = {text(e.get("disk")): text(e.get("diskOffering")) for e in _entries(params.get("datadiskofferinglist"))}
    root = next((d for d in disks if text(d.get("id")) not in mapped), None)
    if template is not None:
        # UnmanagedVMsManagerImpl.importVirtualMachineInternal -> UserVmManagerImpl.validateRootDiskResize;
        # importKvmInstance ignores templateid before 4.20.2 (and in 4.21.0)
        findings.rules(
            template_findings(
                findings.server,
                api=api,
                templateid=text(template.get("id")),
                template_size=to_int(template.get("size")),
                root_capacity=to_int(root.get("capacity")) if root else None,
                subject=vm,
            )
        )
    offering_tags = _offering_tags(disks, mapped, offering, catalog, root)
    if catalog.storage_pools and not for_import_vm:
        # UnmanagedVMsManagerImpl.getStoragePool for every disk (checkUnmanagedDiskAndOfferingForImport)
        findings.rules(
            storage_findings(
                findings.server,
                disks,
                catalog.storage_pools,
                zoneid="",
                clusterid=text(params.get("clusterid")),
                offering_tags=offering_tags,
                migrate_allowed=bool(wishes.migrate_allowed),
                root_disk_id=text(root.get("id")) if root else "0",
                subject=vm,
            )
        )
    if catalog.storage_pools and for_import_vm:
        # LibvirtCopyRemoteVolumeCommandWrapper: the destination pool must be local or NFS
        tags = list(dict.fromkeys(tuple(t) for t in offering_tags.values())) or [()]
        findings.rules(pool_type_findings(findings.server, source="external", pools=catalog.storage_pools,
                                          offering_tags=tags, subject=vm))  # fmt: skip
    cluster = catalog.cluster(params.get("clusterid"))
    if cluster is not None and not for_import_vm:
        # UnmanagedVMsManagerImpl.baseImportInstance: a cluster not Enabled is refused before anything else
        # (4.19.2+, 4.20.1+, 4.21+); importVm from an external host (importKvmInstance) never looks at it
        findings.rules(cluster_findings(findings.server, cluster, subject=vm))
    host = catalog.host(instance.get("hostid"))
    if offering is not None and host is not None and not for_import_vm:
        findings.rules(
            host_tag_findings(
                findings.server,
                offering=offering,
                host=host,
                template_tag=text((template or {}).get("templatetag")),
                migrate_allowed=bool(wishes.migrate_allowed),
                subject=vm,
            )
        )
    for entry in _entries(params.get("nicnetworklist")):
        network_id = text(entry.get("network")).lower()
        if network_id in catalog.names_on_network:
            network = next((n for n in catalog.networks if text(n.get("id")).lower() == network_id), {"id": network_id})
            found = hostname_in_use_findings(
                findings.server, text(params.get("hostname")), network, catalog.names_on_network[network_id], vm
            )
            findings.rules(found)
    _uefi(instance, api, details, findings)


def _offering_tags(
    disks: list[dict[str, Any]],
    mapped: dict[str, str],
    offering: Mapping[str, Any] | None,
    catalog: Catalog,
    root: Mapping[str, Any] | None,
) -> dict[str, list[str]]:
    """Storage tags per disk id: the service offering's for the root disk, the mapped disk offering's otherwise."""
    tags: dict[str, list[str]] = {}
    if root is not None and offering is not None:
        tags[text(root.get("id"))] = tags_of(offering.get("storagetags") or offering.get("tags"))
    for disk_id, offering_id in mapped.items():
        disk_offering = next((o for o in catalog.disk_offerings if text(o.get("id")) == offering_id), None)
        if disk_offering is not None:
            tags[disk_id] = tags_of(disk_offering.get("tags"))
    return tags


def _uefi(instance: Mapping[str, Any], api: str, details: dict[str, str], findings: Findings) -> None:
    """A UEFI VM CloudStack would record as BIOS gets ``details.UEFI`` (the rule's fix), with a note."""
    if text(instance.get("boottype")).upper() != "UEFI":
        return
    mode = text(instance.get("bootmode")).upper() or "LEGACY"
    if "UEFI" in {key.upper() for key in details} or not boot_details_needed(findings.server, findings.agent, api):
        return
    found = uefi_findings(findings.server, findings.agent, api=api, boot_mode=mode, details=details)
    details["UEFI"] = mode
    for finding in found:
        findings.note("details.UEFI", f"sending UEFI={mode}: {finding.message} [{finding.code}]")
