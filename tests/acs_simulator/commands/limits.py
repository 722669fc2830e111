"""Account resource limits on import (account level only; domain limits are not modelled).

Source: ``server/src/main/java/com/cloud/resourcelimit/ResourceLimitManagerImpl.java``
``checkResourceLimit`` / ``checkAccountResourceLimit`` (root-admin owners are exempt); the callers in
``UnmanagedVMsManagerImpl`` (``checkResourceLimitForImportInstance``, ``checkUnmanagedDiskLimits`` from 4.20,
the CPU/memory check inside ``getUnmanagedInstanceServiceOffering`` on 4.19 only). A limit is an account
row's ``<type>limit`` field (user_vm, volume, primary_storage, cpu, memory); absent or -1 is unlimited.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import ApiError
from . import checks

if TYPE_CHECKING:
    from ..sim import Simulator


class LimitExceeded(ApiError):
    def __init__(self, text: str) -> None:
        super().__init__(530, text)


def usage(sim: Simulator, owner: dict[str, Any], kind: str) -> int:
    vms = [v for v in sim.store.find("vm", account=owner["name"], domainid=owner["domainid"]) if not v.get("removed")]
    if kind == "user_vm":
        return len(vms)
    if kind == "cpu":
        return sum(int(v.get("cpunumber") or 0) for v in vms)
    if kind == "memory":
        return sum(int(v.get("memory") or 0) for v in vms)
    ids = {v["id"] for v in vms}
    volumes = [v for v in sim.store.all("volume") if v.get("virtualmachineid") in ids and not v.get("removed")]
    if kind == "volume":
        return len(volumes)
    return sum(int(v.get("size") or 0) for v in volumes)


def check(sim: Simulator, owner: dict[str, Any], kind: str, amount: int, tag: str | None = None) -> None:
    """checkAccountResourceLimit: current + requested above the account's limit → ResourceAllocationException."""
    if checks.is_root_admin(owner):
        return
    limit = owner.get(f"{kind}limit")
    if limit is None or int(limit) < 0:
        return
    current = usage(sim, owner, kind)
    if current + amount > int(limit):
        tag_part = f", tag = '{tag or 'null'}'" if sim.has("granular_limits") else ""
        raise LimitExceeded(
            f"Maximum amount of resources of Type = '{kind}'{tag_part} for Account Name = {owner['name']} in Domain "
            f"Id = {owner['domainid']} is exceeded: Account Resource Limit = {limit}, Current Account Resource "
            f"Amount = {current}, Current Account Resource Reservation = 0, Requested Resource Amount = {amount}."
        )
