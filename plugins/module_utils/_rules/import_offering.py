# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""Server rules about the service offering: CPU, memory and speed, custom details, host tags.

importUnmanagedInstance compares the offering with what the agent listed
(``UnmanagedVMsManagerImpl.getUnmanagedInstanceServiceOffering``, then
``UserVmManagerImpl.validateCustomParameters`` for custom offerings); each failure there is wrapped
as "Failed to import Unmanaged VM [..] because the service offering [..] is not compatible due to [..]".
importVm (external, local, shared) compares nothing and takes ``details`` as given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._rules.catalogue import (
    HOST_VO,
    IMPORT_UNMANAGED,
    IMPORT_VM,
    MANAGER,
    SERVER_REJECTION,
    USER_VM_MANAGER,
    WARNING,
    Finding,
    Rule,
    Source,
    find,
)
from ansible_collections.acs.ingest.plugins.module_utils._rules.dom import java_int
from ansible_collections.acs.ingest.plugins.module_utils._rules.versions import Version, before

OFFERING_CHECK = Source(MANAGER, "UnmanagedVMsManagerImpl.getUnmanagedInstanceServiceOffering")
VALIDATE_CUSTOM = Source(USER_VM_MANAGER, "UserVmManagerImpl.validateCustomParameters")
COMMIT = Source(USER_VM_MANAGER, "UserVmManagerImpl.commitUserVm")
INT_MAX = 2**31 - 1
NUMERIC_DETAILS = ("cpuNumber", "cpuSpeed", "memory")

VM_CPU_OR_MEMORY_ZERO = Rule(
    code="vm_cpu_or_memory_zero",
    kind=SERVER_REJECTION,
    title="the listed VM has no vCPUs or no memory",
    apis=(IMPORT_UNMANAGED,),
    sources=(OFFERING_CHECK,),
    cloudstack_text="CPU cores [%s] is not valid for importing VM [%s].",
    fix="start the VM so libvirt reports its vCPUs, and check its <memory>",
)
OFFERING_CPU_MISMATCH = Rule(
    code="offering_cpu_mismatch_running",
    kind=SERVER_REJECTION,
    title="a fixed offering's vCPUs differ from the VM's while the VM is not powered off",
    apis=(IMPORT_UNMANAGED,),
    sources=(OFFERING_CHECK,),
    cloudstack_text="Service offering (%s) %s CPU cores do not match VM CPU cores %s and VM is not in powered off "
    "state",
    fix="use a custom offering, or a fixed one with the VM's vCPUs and memory",
    note="The CPU speed of a fixed offering is compared for VMware only, never on KVM.",
)
OFFERING_MEMORY_MISMATCH = Rule(
    code="offering_memory_mismatch_running",
    kind=SERVER_REJECTION,
    title="a fixed offering's memory differs from the VM's while the VM is not powered off",
    apis=(IMPORT_UNMANAGED,),
    sources=(OFFERING_CHECK,),
    cloudstack_text="Service offering (%s) %sMB memory does not match VM memory %sMB and VM is not in powered off "
    "state",
    fix="use a custom offering, or a fixed one with the VM's vCPUs and memory",
)
OFFERING_OVERRIDES_POWERED_OFF_VM = Rule(
    code="offering_overrides_powered_off_vm",
    kind=WARNING,
    title="a powered-off VM imported with a different fixed offering gets the offering's vCPUs and memory",
    apis=(IMPORT_UNMANAGED, *IMPORT_VM),
    sources=(OFFERING_CHECK, Source(MANAGER, "UnmanagedVMsManagerImpl.importExternalKvmVirtualMachine")),
    cloudstack_text="",
    fix="choose an offering that matches the VM if its size must be kept",
)
CUSTOM_CPU_OUT_OF_RANGE = Rule(
    code="custom_offering_cpu_out_of_range",
    kind=SERVER_REJECTION,
    title="the VM's vCPUs are outside the custom offering's range (or the global maximum)",
    apis=(IMPORT_UNMANAGED,),
    sources=(OFFERING_CHECK, VALIDATE_CUSTOM),
    cloudstack_text="Invalid cpu cores value, specify a value between %s",
    fix="use an offering whose vCPU range covers the VM, or resize the VM",
)
CUSTOM_MEMORY_OUT_OF_RANGE = Rule(
    code="custom_offering_memory_out_of_range",
    kind=SERVER_REJECTION,
    title="the VM's memory is outside the custom offering's range (or the global maximum)",
    apis=(IMPORT_UNMANAGED,),
    sources=(OFFERING_CHECK, VALIDATE_CUSTOM),
    cloudstack_text="Invalid memory value, specify a value between %s",
    fix="use an offering whose memory range covers the VM, or resize the VM",
)
CUSTOM_PARTLY_FIXED = Rule(
    code="custom_offering_partly_fixed",
    kind=SERVER_REJECTION,
    title="a custom offering with fixed vCPUs or fixed memory cannot be used: the import always sends both",
    apis=(IMPORT_UNMANAGED,),
    sources=(OFFERING_CHECK, VALIDATE_CUSTOM),
    cloudstack_text="The %s of this offering id:%s is not customizable. This is predefined in the template.",
    fix="use a fully custom offering (no vCPUs, no memory) or a fully fixed one",
)
CUSTOM_CPUSPEED_MISSING = Rule(
    code="custom_offering_cpuspeed_missing",
    kind=SERVER_REJECTION,
    title="a custom offering without CPU speed needs a positive speed from details cpuSpeed or the VM",
    apis=(IMPORT_UNMANAGED,),
    sources=(OFFERING_CHECK, VALIDATE_CUSTOM),
    cloudstack_text="Invalid cpu speed value, specify a value between 1 and 2147483647",
    fix="pass details cpuSpeed=<MHz> (a positive integer), or use an offering with a CPU speed",
)
DETAILS_NUMERIC_MALFORMED = Rule(
    code="details_numeric_malformed",
    kind=SERVER_REJECTION,
    title="a cpuNumber, cpuSpeed or memory detail CloudStack keeps is not a Java int",
    apis=(IMPORT_UNMANAGED, *IMPORT_VM),
    sources=(COMMIT, OFFERING_CHECK),
    cloudstack_text='For input string: "%s"',
    fix="send plain decimal integers, or leave the detail out",
    note="importUnmanagedInstance with a custom offering replaces cpuNumber and memory with the VM's, and a bad "
    "cpuSpeed with the VM's when the offering has no speed; every other malformed value reaches commitUserVm.",
)
EXTERNAL_CUSTOM_OFFERING_DETAILS = Rule(
    code="external_custom_offering_details",
    kind=SERVER_REJECTION,
    title="importVm with a custom offering takes vCPUs, memory (and speed) only from details",
    apis=IMPORT_VM,
    sources=(
        Source(MANAGER, "UnmanagedVMsManagerImpl.importExternalKvmVirtualMachine"),
        Source(MANAGER, "UnmanagedVMsManagerImpl.importKvmVirtualMachineFromDisk"),
        COMMIT,
    ),
    cloudstack_text="Import failed for Vm: %s while finding deployment destination",
    texts=((before((4, 19, 1)), 'For input string: "null"'),),
    fix="pass details cpuNumber, memory (and cpuSpeed when the offering has none), or use a fixed offering",
    note="4.19.0 fails for every custom offering (fixed by c24c1a5c00); later versions do not check the range.",
)
HOST_TAGS_INCOMPATIBLE = Rule(
    code="host_tags_incompatible",
    kind=SERVER_REJECTION,
    title="the VM's host lacks a host tag of the offering (4.20+: only the strict tags, and the template's)",
    apis=(IMPORT_UNMANAGED,),
    sources=(
        Source(MANAGER, "UnmanagedVMsManagerImpl.importVirtualMachineInternal"),
        Source(HOST_VO, "HostVO.checkHostServiceOfferingTags"),
        Source(HOST_VO, "HostVO.checkHostServiceOfferingAndTemplateTags"),
    ),
    cloudstack_text="Service offering: %s or template: %s is not compatible with host: %s of unmanaged VM: %s",
    texts=((before((4, 20, 0)), "Service offering: %s is not compatible with host: %s of unmanaged VM: %s"),),
    fix="pick an offering (and template) without the missing tags, tag the host, or pass migrate_allowed",
    note="4.20+ compare only tags listed in vm.strict.host.tags (and resource.limit.host.tags); with the default "
    "empty setting this never fails. Host tag rules are not evaluated here.",
)

RULES = (
    VM_CPU_OR_MEMORY_ZERO,
    OFFERING_CPU_MISMATCH,
    OFFERING_MEMORY_MISMATCH,
    OFFERING_OVERRIDES_POWERED_OFF_VM,
    CUSTOM_CPU_OUT_OF_RANGE,
    CUSTOM_MEMORY_OUT_OF_RANGE,
    CUSTOM_PARTLY_FIXED,
    CUSTOM_CPUSPEED_MISSING,
    DETAILS_NUMERIC_MALFORMED,
    EXTERNAL_CUSTOM_OFFERING_DETAILS,
    HOST_TAGS_INCOMPATIBLE,
)


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    return java_int(str(value).strip()) if str(value).strip() else None


def _java_parse(value: Any) -> int | None:
    """``Integer.parseInt`` on a detail as sent: no trimming, no decimals."""
    return value if isinstance(value, int) and not isinstance(value, bool) else java_int(str(value))


def is_dynamic(offering: Mapping[str, Any]) -> bool:
    """``ServiceOfferingVO.isDynamic`` (CPU, speed or memory unset), which listServiceOfferings returns as
    ``iscustomized``; inferred from the missing values only when that key is absent."""
    flag = offering.get("iscustomized")
    if flag is not None and str(flag).lower() in ("true", "false"):
        return str(flag).lower() == "true"
    return any(_int(offering.get(key)) is None for key in ("cpunumber", "cpuspeed", "memory"))


def _detail(details: Mapping[str, Any], name: str) -> tuple[str, Any] | None:
    """A detail by name, matched case-insensitively as commitUserVm does."""
    for key, value in details.items():
        if str(key).lower() == name.lower():
            return str(key), value
    return None


def _limit(offering: Mapping[str, Any], name: str, default: int) -> int:
    # NumbersUtil.parseInt(offeringDetails.get(name), default): anything unparsable is the default.
    details = offering.get("serviceofferingdetails")
    raw = details.get(name) if isinstance(details, Mapping) else offering.get(name)
    value = _int(raw)
    return default if value is None else value


def offering_findings(
    version: Version,
    *,
    api: str,
    offering: Mapping[str, Any] | None,
    vm: Mapping[str, Any],
    details: Mapping[str, Any],
    global_max: Mapping[str, int] | None = None,
    subject: str = "",
) -> list[Finding]:
    """The offering against the listed VM (``cpunumber``, ``memory``, ``cpuspeed``, ``powerstate``)."""

    def hit(rule: Rule, field: str, detail: str, **extra: Any) -> None:
        found.append(find(rule, field, detail, version, subject=subject, **extra))

    found: list[Finding] = []
    cpu, memory = _int(vm.get("cpunumber")), _int(vm.get("memory"))
    if api in IMPORT_VM:
        if offering is not None:
            _import_vm_offering(version, offering, details, is_dynamic(offering), hit)
        return found
    if not cpu or not memory:
        for key, value, text in (
            ("cpunumber", cpu, "CPU cores [%s] is not valid for importing VM [%s]."),
            ("memory", memory, "Memory [%s] is not valid for importing VM [%s]."),
        ):
            if not value:
                name = vm.get("name") or "…"
                said = text.replace("%s", str(vm.get(key)), 1).replace("%s", str(name))
                hit(VM_CPU_OR_MEMORY_ZERO, key, f"CloudStack lists {key} [{vm.get(key)}]", text=said)
        return found
    if offering is None:
        return found
    dynamic = is_dynamic(offering)
    if dynamic:
        _custom(offering, vm, details, cpu, memory, global_max or {}, hit)
    else:
        _fixed(offering, vm, cpu, memory, hit)
    _malformed_details(offering, details, dynamic, api, hit)
    return found


def _fixed(offering: Mapping[str, Any], vm: Mapping[str, Any], cpu: int, memory: int, hit: Any) -> None:
    power = str(vm.get("powerstate") or "PowerUnknown")
    powered_off = power.lower() == "poweroff"  # the enum's name; PowerUnknown counts as not off
    want_cpu, want_memory = _int(offering.get("cpunumber")), _int(offering.get("memory"))
    name = offering.get("name") or offering.get("id")
    if not powered_off:
        if cpu != want_cpu:
            hit(OFFERING_CPU_MISMATCH, "service_offering", f"{name} has {want_cpu} vCPUs, the VM {cpu} ({power})")
        if memory != want_memory:
            hit(
                OFFERING_MEMORY_MISMATCH, "service_offering", f"{name} has {want_memory} MiB, the VM {memory} ({power})"
            )
    elif cpu != want_cpu or memory != want_memory:
        hit(
            OFFERING_OVERRIDES_POWERED_OFF_VM,
            "service_offering",
            f"{name} has {want_cpu} vCPUs/{want_memory} MiB, the VM {cpu}/{memory} and is powered off",
        )


def _custom(
    offering: Mapping[str, Any],
    vm: Mapping[str, Any],
    details: Mapping[str, Any],
    cpu: int,
    memory: int,
    global_max: Mapping[str, int],
    hit: Any,
) -> None:
    name = offering.get("name") or offering.get("id")
    # getUnmanagedInstanceServiceOffering always sends the VM's cpuNumber and memory.
    if _int(offering.get("cpunumber")) is not None:
        hit(CUSTOM_PARTLY_FIXED, "service_offering", f"{name} fixes the vCPUs but is custom", value="cpu cores")
    else:
        low, high = _limit(offering, "mincpunumber", 1), _limit(offering, "maxcpunumber", INT_MAX)
        cap = global_max.get("cpu") or INT_MAX  # vm.serviceoffering.cpu.cores.max, 0 = no limit
        if not low <= cpu <= min(high, cap):
            detail = f"the VM has {cpu} vCPUs, {name} allows {low} to {min(high, cap)}"
            hit(CUSTOM_CPU_OUT_OF_RANGE, "service_offering", detail, value=f"{low} and {min(high, cap)}")
    if _int(offering.get("memory")) is not None:
        hit(CUSTOM_PARTLY_FIXED, "service_offering", f"{name} fixes the memory but is custom", value="memory")
    else:
        low, high = _limit(offering, "minmemory", 32), _limit(offering, "maxmemory", INT_MAX)
        cap = global_max.get("memory") or INT_MAX  # vm.serviceoffering.ram.size.max
        if not low <= memory <= min(high, cap):
            detail = f"the VM has {memory} MiB, {name} allows {low} to {min(high, cap)}"
            hit(CUSTOM_MEMORY_OUT_OF_RANGE, "service_offering", detail, value=f"{low} and {min(high, cap)}")
    if _int(offering.get("cpuspeed")) is None:
        # server/src/main/java/org/apache/cloudstack/vm/UnmanagedVMsManagerImpl.java
        # UnmanagedVMsManagerImpl.getUnmanagedInstanceServiceOffering (4.19-4.22): details.containsKey("cpuSpeed")
        # on a HashMap, so only that exact key counts here ("cpuspeed" does not; commitUserVm later matches any
        # case). Found by tests/integration/differential against the simulator's offerings.offering_for_vm.
        given = ("cpuSpeed", details["cpuSpeed"]) if "cpuSpeed" in details else None
        parsed = _java_parse(given[1]) if given else None
        speed = parsed if parsed is not None else (_int(vm.get("cpuspeed")) or 0)
        if speed <= 0:
            shown = f"details cpuSpeed {given[1]!r}" if given else f"the VM's listed cpuspeed {vm.get('cpuspeed')!r}"
            hit(CUSTOM_CPUSPEED_MISSING, "details.cpuSpeed", f"{name} has no CPU speed and {shown} is not positive")


def _malformed_details(
    offering: Mapping[str, Any], details: Mapping[str, Any], dynamic: bool, api: str, hit: Any
) -> None:
    for name in NUMERIC_DETAILS:
        given = _detail(details, name)
        if given is None or _java_parse(given[1]) is not None:
            continue
        replaced = (
            api == IMPORT_UNMANAGED and dynamic and (name != "cpuSpeed" or _int(offering.get("cpuspeed")) is None)
        )
        if not replaced:
            hit(DETAILS_NUMERIC_MALFORMED, f"details.{given[0]}", f"{given[0]}={given[1]!r}", value=given[1])


def _import_vm_offering(
    version: Version, offering: Mapping[str, Any], details: Mapping[str, Any], dynamic: bool, hit: Any
) -> None:
    name = offering.get("name") or offering.get("id")
    if dynamic:
        if version < (4, 19, 1):
            hit(EXTERNAL_CUSTOM_OFFERING_DETAILS, "service_offering", f"{name} is a custom offering")
        else:
            needed = ["cpuNumber", "memory"] + (["cpuSpeed"] if _int(offering.get("cpuspeed")) is None else [])
            missing = [key for key in needed if _detail(details, key) is None]
            if missing:
                hit(
                    EXTERNAL_CUSTOM_OFFERING_DETAILS,
                    "details",
                    f"custom offering {name} and no details {', '.join(missing)}",
                )
    _malformed_details(offering, details, dynamic, "importVm", hit)


def host_tag_findings(
    version: Version,
    *,
    offering: Mapping[str, Any],
    host: Mapping[str, Any],
    template_tag: str = "",
    strict_tags: list[str] | None = None,
    migrate_allowed: bool = False,
    subject: str = "",
) -> list[Finding]:
    """``hostSupportsServiceOffering(AndTemplate)`` for the host the domain runs on (skipped with migrateallowed)."""
    if migrate_allowed:
        return []
    host_tags = {t.strip() for t in str(host.get("hosttags") or "").split(",") if t.strip()}
    wanted = [t.strip() for t in str(offering.get("hosttags") or "").split(",") if t.strip()]
    if version < (4, 20, 0):
        if host.get("istagarule") in (True, "true"):
            return []  # a JavaScript rule: not evaluated here
        missing = [tag for tag in wanted if tag not in host_tags]
    else:
        strict = set(strict_tags or [])
        candidates = [*wanted, *([template_tag] if template_tag else [])]
        missing = [tag for tag in candidates if tag in strict and tag not in host_tags]
    if not missing:
        return []
    name = host.get("name") or host.get("id")
    detail = f"host {name} lacks tag(s) {', '.join(missing)}"
    return [find(HOST_TAGS_INCOMPATIBLE, "service_offering", detail, version, subject=subject)]
