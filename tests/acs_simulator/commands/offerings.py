"""The service offering against the VM it imports, and the details commitUserVm parses.

Sources: ``server/src/main/java/org/apache/cloudstack/vm/UnmanagedVMsManagerImpl.java``
``getUnmanagedInstanceServiceOffering`` (4.19.0–4.22.0); ``server/src/main/java/com/cloud/vm/UserVmManagerImpl.java``
``validateCustomParameters``, ``commitUserVm`` (the cpuNumber/cpuSpeed/memory details go through
Integer.parseInt) and ``validateRootDiskResize``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import javalang as j
from ..errors import ApiError, invalid_value, runtime_error, server_error

if TYPE_CHECKING:
    from ..sim import Simulator

INT_MAX = 2**31 - 1
_NUMERIC_DETAILS = ("cpuNumber", "cpuSpeed", "memory")  # VmDetailConstants CPU_NUMBER, CPU_SPEED, MEMORY


def _parse_or(text: str | None, default: int) -> int:
    """NumbersUtil.parseInt(text, default)."""
    try:
        return j.parse_int(text)
    except j.NumberFormat:
        return default


def is_dynamic(offering: dict[str, Any]) -> bool:
    """ServiceOfferingVO.isDynamic: CPU, speed or memory left open."""
    return offering.get("cpunumber") is None or offering.get("cpuspeed") is None or offering.get("memory") is None


def validate_custom(sim: Simulator, offering: dict[str, Any], params: dict[str, str]) -> None:
    """UserVmManagerImpl.validateCustomParameters: range checks on the open values (431 each)."""
    if offering.get("cpunumber") is None:
        lo = _parse_or(_detail(offering, "mincpunumber"), 1)
        hi = _parse_or(_detail(offering, "maxcpunumber"), INT_MAX)
        cap = int(sim.config("vm.serviceoffering.cpu.cores.max", "0") or 0) or INT_MAX
        cpu = _parse_or(params.get("cpuNumber"), -1)
        if cpu < lo or cpu > hi or cpu > cap:
            raise invalid_value(f"Invalid cpu cores value, specify a value between {lo} and {min(cap, hi)}")
    elif "cpuNumber" in params:
        raise invalid_value(
            f"The cpu cores of this offering id:{offering['id']} is not customizable. "
            "This is predefined in the template."
        )
    if offering.get("cpuspeed") is None:
        speed = params.get("cpuSpeed")
        if speed is None or _parse_or(speed, -1) <= 0:
            raise invalid_value(f"Invalid cpu speed value, specify a value between 1 and {INT_MAX}")
    if offering.get("memory") is None:
        lo = _parse_or(_detail(offering, "minmemory"), 32)
        hi = _parse_or(_detail(offering, "maxmemory"), INT_MAX)
        cap = int(sim.config("vm.serviceoffering.ram.size.max", "0") or 0) or INT_MAX
        mem = _parse_or(params.get("memory"), -1)
        if mem < lo or mem > hi or mem > cap:
            raise invalid_value(f"Invalid memory value, specify a value between {lo} and {min(cap, hi)}")
    elif "memory" in params:
        raise invalid_value(
            f"The memory of this offering id:{offering['id']} is not customizable. This is predefined in the template."
        )


def _detail(offering: dict[str, Any], key: str) -> str | None:
    value = offering.get(key)
    return None if value is None else str(value)


def offering_for_vm(
    sim: Simulator, inst: dict[str, Any], offering: dict[str, Any], details: dict[str, str]
) -> dict[str, Any]:
    """getUnmanagedInstanceServiceOffering; returns the effective cpunumber/cpuspeed/memory.

    Raises ApiError with the inner text; importVirtualMachineInternal wraps it as 530 "... not compatible due to".
    """
    cpu, mem, power = inst.get("cpunumber"), inst.get("memory"), inst["powerstate"]
    speed = inst.get("cpuspeed") or 0
    if not cpu:
        raise server_error(f"CPU cores [{cpu}] is not valid for importing VM [{inst['name']}].")
    if not mem:
        raise server_error(f"Memory [{mem}] is not valid for importing VM [{inst['name']}].")
    if is_dynamic(offering):
        if "cpuSpeed" in details:
            speed = _parse_or(details["cpuSpeed"], speed)  # a malformed value is only logged
        params = {"cpuNumber": str(cpu), "memory": str(mem)}
        if offering.get("cpuspeed") is None and speed > 0:
            params["cpuSpeed"] = str(speed)
        validate_custom(sim, offering, params)
        return {
            "cpunumber": offering.get("cpunumber") or cpu,
            "memory": offering.get("memory") or mem,
            "cpuspeed": offering.get("cpuspeed") or speed,
        }
    if cpu != offering["cpunumber"] and power != "PowerOff":
        raise server_error(
            f"Service offering ({offering['id']}) {offering['cpunumber']} CPU cores do not match VM "
            f"CPU cores {cpu} and VM is not in powered off state (Power state: {power})"
        )
    if mem != offering["memory"] and power != "PowerOff":
        raise server_error(
            f"Service offering ({offering['id']}) {offering['memory']}MB memory does not match VM "
            f"memory {mem}MB and VM is not in powered off state (Power state: {power})"
        )
    # KVM: the fixed offering's CPU speed is never compared with the VM's (VMware only)
    return {"cpunumber": offering["cpunumber"], "memory": offering["memory"], "cpuspeed": offering["cpuspeed"]}


def committed_details(details: dict[str, str]) -> dict[str, str]:
    """commitUserVm: cpuNumber/cpuSpeed/memory (any case) must be Java ints; a bad one fails the job (530)."""
    out = {}
    for key, value in details.items():
        if any(j.equals_ignore_case(key, k) for k in _NUMERIC_DETAILS):
            try:
                value = str(j.parse_int(value))
            except j.NumberFormat as exc:
                raise runtime_error(str(exc)) from None
        out[key] = value
    return out


def check_iops(details: dict[str, str]) -> None:
    """importVirtualMachineInternal: minIops/maxIops go through Long.parseLong before the volumes are made."""
    for key in ("minIops", "maxIops"):
        if key in details:
            try:
                j.parse_long(details[key])
            except j.NumberFormat as exc:
                raise ApiError(530, str(exc)) from None


def check_root_disk_size(sim: Simulator, template: dict[str, Any], root_gib: int) -> None:
    """commitUserVm → validateRootDiskResize: rootdisksize (GiB) below the template's size fails (431)."""
    size = int(template.get("size") or 0)
    if (root_gib << 30) < size:
        human = sim.config("display.human.readable.sizes", "true").lower() == "true"
        shown = f"({_readable(size)}) {size}" if human else str(size)
        raise invalid_value(f"Unsupported: rootdisksize override ({root_gib} GB) is smaller than template size {shown}")


def _readable(size: int) -> str:
    """NumbersUtil.toReadableSize."""
    if size < 1024:
        return f"{size} bytes"
    for unit, scale, limit in (("KB", 1024, 1024**2), ("MB", 1024**2, 1024**3), ("GB", 1024**3, 1024**4)):
        if size < limit:
            return f"{size / scale:.2f} {unit}"
    return f"{size / 1024**4:.4f} TB"
