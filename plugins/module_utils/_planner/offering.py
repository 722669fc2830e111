# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE: service offering vs the VM's CPU and memory (facts §2.2 "Service offering vs VM").

- Custom offering: CloudStack takes vCPUs and memory from the VM; we send them in
  `details[0]` (cpuNumber, memory) so the request is explicit and the min/max of a
  constrained offering can be checked before the job runs. An unconstrained offering has
  no CPU speed, and CloudStack then insists on a positive `cpuSpeed` detail.
- Fixed offering: vCPUs and memory must equal the VM's unless the VM is powered off.
- importVm (external) never learns the vCPU count (facts §3.2) and compares nothing; a
  custom offering there needs cpuNumber/memory from the VM data or from `details`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._core.parse import parse_bool
from ansible_collections.acs.ingest.plugins.module_utils._planner.inputs import Catalog
from ansible_collections.acs.ingest.plugins.module_utils._planner.resolve import resolve
from ansible_collections.acs.ingest.plugins.module_utils._planner.types import Findings, describe, short_list, to_int
from ansible_collections.acs.ingest.plugins.module_utils._planner.wishes import Wishes
from ansible_collections.acs.ingest.plugins.module_utils._rules.catalogue import IMPORT_EXTERNAL, IMPORT_UNMANAGED
from ansible_collections.acs.ingest.plugins.module_utils._rules.import_offering import offering_findings

POWER_OFF = "PowerOff"


def is_custom_offering(offering: dict[str, Any]) -> bool:
    return parse_bool(offering.get("iscustomized")) is True


def offering_limit(offering: dict[str, Any], name: str) -> int | None:
    """min/max CPU or memory of a constrained custom offering (details or top-level key)."""
    details = offering.get("serviceofferingdetails")
    if isinstance(details, dict) and to_int(details.get(name)) is not None:
        return to_int(details.get(name))
    return to_int(offering.get(name))


def _matching_fixed(catalog: Catalog, cpu: int | None, memory: int | None) -> str:
    fits = [
        describe(o)
        for o in catalog.service_offerings
        if not is_custom_offering(o) and to_int(o.get("cpunumber")) == cpu and to_int(o.get("memory")) == memory
    ]
    customs = [describe(o) for o in catalog.service_offerings if is_custom_offering(o)]
    parts = []
    if fits:
        parts.append(f"matching fixed offerings: {short_list(fits)}")
    if customs:
        parts.append(f"custom offerings: {short_list(customs)}")
    return f" ({'; '.join(parts)})" if parts else ""


def _vm_value(
    name: str, vm_value: int | None, user: dict[str, str], findings: Findings, for_import_vm: bool
) -> int | None:
    """cpuNumber/memory for a custom offering: the VM's value wins, as CloudStack does."""
    given = to_int(user.get(name)) if user.get(name) else None
    if vm_value is not None and vm_value > 0:
        if given is not None and given != vm_value:
            findings.note(f"details.{name}", f"{name}={given} ignored: CloudStack takes it from the VM ({vm_value})")
        return vm_value
    if given is not None and given > 0:
        return given
    return None  # importVm without the detail: rule external_custom_offering_details


def plan_offering(
    instance: dict[str, Any],
    wishes: Wishes,
    catalog: Catalog,
    findings: Findings,
    *,
    for_import_vm: bool = False,
) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """(the service offering or None, the `details[0]` dict to send); the rules judge both."""
    api = IMPORT_EXTERNAL if for_import_vm else IMPORT_UNMANAGED
    cpu = to_int(instance.get("cpunumber"))
    memory = to_int(instance.get("memory"))
    details = dict(wishes.details)
    offering = resolve(
        wishes.service_offering,
        catalog.service_offerings,
        kind="service offering",
        field="service_offering",
        findings=findings,
    )
    if offering is not None and is_custom_offering(offering):
        details = _custom_details(offering, instance, details, findings, for_import_vm)
    elif offering is not None and for_import_vm:
        _fixed_for_import_vm(offering, cpu, memory, findings)
    # getUnmanagedInstanceServiceOffering / validateCustomParameters (importUnmanagedInstance) on the VM
    # and the operator's details; importVm: the details actually sent (importExternalKvmVirtualMachine).
    found = offering_findings(
        findings.server, api=api, offering=offering, vm=instance, details=details if for_import_vm else wishes.details
    )
    mismatch_fix = (
        f"use a custom offering or one with {cpu} vCPUs and {memory} MiB{_matching_fixed(catalog, cpu, memory)}, "
        "or shut the VM off before importing"
    )
    findings.rules(replace(f, specific_fix=mismatch_fix) if f.code.endswith("_mismatch_running") else f for f in found)
    return offering, details


def _custom_details(
    offering: dict[str, Any], instance: dict[str, Any], details: dict[str, str], findings: Findings, for_import_vm: bool
) -> dict[str, str]:
    """The cpuNumber, memory and cpuSpeed details sent with a custom offering (CloudStack takes the VM's)."""
    for name, key in (("cpuNumber", "cpunumber"), ("memory", "memory")):
        value = _vm_value(name, to_int(instance.get(key)), details, findings, for_import_vm)
        if value is not None:
            details[name] = str(value)
    if (to_int(offering.get("cpuspeed")) or 0) > 0:
        return details
    # No speed on the offering: CloudStack takes a positive cpuSpeed detail, else the VM's listed speed.
    given = to_int(details.get("cpuSpeed")) if details.get("cpuSpeed") else None
    speed = given if given and given > 0 else to_int(instance.get("cpuspeed"))
    if speed and speed > 0:
        details["cpuSpeed"] = str(speed)
    return details


def _fixed_for_import_vm(offering: dict[str, Any], cpu: int | None, memory: int | None, findings: Findings) -> None:
    """importVm compares nothing: the imported VM gets the offering's size (a decision worth a note)."""
    want_cpu, want_memory = to_int(offering.get("cpunumber")), to_int(offering.get("memory"))
    if (cpu and want_cpu is not None and cpu != want_cpu) or (
        memory and want_memory is not None and memory != want_memory
    ):
        findings.note(
            "service_offering",
            f"service offering {describe(offering)} has {want_cpu} vCPUs and {want_memory} MiB, the VM "
            f"{cpu} and {memory}; importVm does not compare them, the imported VM gets the offering's",
        )
