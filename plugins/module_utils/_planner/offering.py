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

from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._core.parse import parse_bool, text
from ansible_collections.acs.ingest.plugins.module_utils._planner.inputs import Catalog
from ansible_collections.acs.ingest.plugins.module_utils._planner.resolve import resolve
from ansible_collections.acs.ingest.plugins.module_utils._planner.types import Findings, describe, short_list, to_int
from ansible_collections.acs.ingest.plugins.module_utils._planner.wishes import Wishes

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
    if for_import_vm:
        findings.problem(
            "detail_missing",
            f"details.{name}",
            f"the VM data has no {name} and the offering is custom; CloudStack requires detail '{name}'",
            f"set details.{name}",
        )
    return None


def plan_offering(
    instance: dict[str, Any],
    wishes: Wishes,
    catalog: Catalog,
    findings: Findings,
    *,
    for_import_vm: bool = False,
) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """(the service offering or None, the `details[0]` dict to send)."""
    vm = text(instance.get("name"))
    power = text(instance.get("powerstate")) or "PowerUnknown"
    cpu = to_int(instance.get("cpunumber"))
    memory = to_int(instance.get("memory"))
    details = dict(wishes.details)
    if not for_import_vm:
        # CloudStack's own texts (facts §2.2) so users can search for them.
        if not cpu or cpu <= 0:
            findings.problem(
                "vm_cpu_invalid",
                "cpunumber",
                f"CPU cores [{instance.get('cpunumber')}] is not valid for importing VM [{vm}]",
                "start the VM so libvirt reports its vCPUs, then list it again",
            )
        if not memory or memory <= 0:
            findings.problem(
                "vm_memory_invalid",
                "memory",
                f"Memory [{instance.get('memory')}] is not valid for importing VM [{vm}]",
                "check the domain's <memory> and list the VM again",
            )
    offering = resolve(
        wishes.service_offering,
        catalog.service_offerings,
        kind="service offering",
        field="service_offering",
        findings=findings,
    )
    if offering is None:
        return None, details
    if is_custom_offering(offering):
        return offering, _custom_details(offering, instance, details, findings, for_import_vm)
    _check_fixed(offering, catalog, cpu, memory, power, findings, for_import_vm)
    return offering, details


def _custom_details(
    offering: dict[str, Any], instance: dict[str, Any], details: dict[str, str], findings: Findings, for_import_vm: bool
) -> dict[str, str]:
    cpu = _vm_value("cpuNumber", to_int(instance.get("cpunumber")), details, findings, for_import_vm)
    memory = _vm_value("memory", to_int(instance.get("memory")), details, findings, for_import_vm)
    for name, value, low_key, high_key, unit in (
        ("cpuNumber", cpu, "mincpunumber", "maxcpunumber", " vCPUs"),
        ("memory", memory, "minmemory", "maxmemory", " MiB"),
    ):
        if value is None:
            continue
        details[name] = str(value)
        low, high = offering_limit(offering, low_key), offering_limit(offering, high_key)
        if (low is not None and value < low) or (high is not None and value > high):
            findings.problem(
                "offering_range",
                "service_offering",
                f"the VM needs {name}={value}{unit} but custom offering "
                f"{describe(offering)} allows {low or '-'} to {high or '-'}{unit}",
                "choose an offering whose range includes the VM, or resize the VM",
            )
    if (to_int(offering.get("cpuspeed")) or 0) > 0:
        return details
    # Unconstrained: no speed on the offering, CloudStack needs a positive cpuSpeed detail.
    given = to_int(details.get("cpuSpeed")) if details.get("cpuSpeed") else None
    speed = given if given and given > 0 else to_int(instance.get("cpuspeed"))
    if speed and speed > 0:
        details["cpuSpeed"] = str(speed)
    else:
        details.pop("cpuSpeed", None)
        findings.problem(
            "cpuspeed_missing",
            "details.cpuSpeed",
            f"custom offering {describe(offering)} has no CPU speed and the VM reports none "
            f"({instance.get('cpuspeed')!r})",
            "set details.cpuSpeed in MHz, e.g. 1000, or use an offering with a CPU speed",
        )
    return details


def _check_fixed(
    offering: dict[str, Any],
    catalog: Catalog,
    cpu: int | None,
    memory: int | None,
    power: str,
    findings: Findings,
    for_import_vm: bool,
) -> None:
    want_cpu, want_memory = to_int(offering.get("cpunumber")), to_int(offering.get("memory"))
    mismatches = []
    if cpu and want_cpu is not None and cpu != want_cpu:
        mismatches.append(f"{want_cpu} CPU cores do not match VM CPU cores {cpu}")
    if memory and want_memory is not None and memory != want_memory:
        mismatches.append(f"{want_memory}MB memory does not match VM memory {memory}MB")
    if not mismatches:
        return
    what = f"service offering {describe(offering)}: {' and '.join(mismatches)}"
    if for_import_vm or power.lower() == POWER_OFF.lower():
        why = "importVm does not compare them" if for_import_vm else "the VM is powered off"
        findings.note(
            "service_offering",
            f"{what}; {why}, so the imported VM gets the offering's {want_cpu} vCPUs and {want_memory} MiB",
        )
        return
    findings.problem(
        "offering_mismatch",
        "service_offering",
        f"{what} and the VM is not powered off (power state: {power})",
        f"use a custom offering or one with {cpu} vCPUs and {memory} MiB{_matching_fixed(catalog, cpu, memory)}, "
        "or shut the VM off before importing",
    )
