# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""The import engine's input: ``ImportOptions``, one ``VmRequest`` per VM.

Single mode (``name`` + ``cluster``) is a batch of one; batch mode (``instances``) lists the
VMs, with the module-level planning options as defaults for every entry. Every input error is
found here, before any API call, and named with its field and fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.jobs import JobTiming
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import InputError
from ansible_collections.acs.ingest.plugins.module_utils._services.import_inputs import PLANNING_OPTIONS
from ansible_collections.acs.ingest.plugins.module_utils._services.job_options import job_timing

# Keys one entry of ``instances`` may carry besides the planning options.
ENTRY_KEYS = frozenset({"name", "cluster", "plan", "jobid", "key", "forced", "migrate_allowed", *PLANNING_OPTIONS})


@dataclass(frozen=True)
class VmRequest:
    """One VM to import: its libvirt name, its cluster, a label for results, and its parameters
    (planning options, ``plan``, ``forced``, ``migrate_allowed``, ``jobid``) as one mapping."""

    name: str
    cluster: str
    key: str
    params: Mapping[str, Any]

    @property
    def jobid(self) -> str | None:
        return str(self.params["jobid"]) if self.params.get("jobid") else None


@dataclass(frozen=True)
class ImportOptions:
    vms: tuple[VmRequest, ...]
    batch: bool
    concurrency: int
    timing: JobTiming
    job_journal: str | None

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> ImportOptions:
        """The module's parameters, checked; raises ``InputError`` naming the option and the fix."""
        timing = job_timing(params)
        batch = params.get("instances") is not None
        vms = _batch_requests(params) if batch else (_single_request(params),)
        concurrency = int(params.get("concurrency") or 1)
        if batch and concurrency < 1:
            raise InputError("concurrency", f"must be at least 1, got {concurrency}", "raise it")
        return cls(vms, batch, concurrency if batch else 1, timing, params.get("job_journal"))


def _planning_given(params: Mapping[str, Any]) -> list[str]:
    return [name for name in PLANNING_OPTIONS if params.get(name) not in (None, "", {}, [])]


def _vm_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """What is per VM (planning options, plan, forced, ...); run options and credentials stay out."""
    return {key: params[key] for key in ENTRY_KEYS if key in params}


def _single_request(params: Mapping[str, Any]) -> VmRequest:
    name = str(params.get("name") or "").strip()
    if not name:
        raise InputError("name", "is empty", "give the libvirt domain name of the instance")
    given = _planning_given(params)
    if params.get("plan") and given:
        raise InputError(
            "plan",
            f"plan is given together with {', '.join(given)}, which it already decides",
            "drop those options, or drop plan and let the module plan the import",
        )
    vm_params = _vm_params(params)
    vm_params["name"] = name
    return VmRequest(name, str(params.get("cluster") or "").strip(), name, vm_params)


def _batch_requests(params: Mapping[str, Any]) -> tuple[VmRequest, ...]:
    if not params["instances"]:
        raise InputError("instances", "is empty", "list at least one VM, or use name and cluster for one VM")
    if params.get("plan"):
        raise InputError("plan", "is per VM in batch mode", "put each VM's plan into its instances entry")
    # A job id or plan names one VM, never every VM of the batch.
    defaults = {k: v for k, v in _vm_params(params).items() if k not in ("name", "jobid", "plan")}
    requests = tuple(_entry(index, entry, defaults) for index, entry in enumerate(params["instances"]))
    names = [vm.name for vm in requests]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise InputError("instances", f"lists {', '.join(twice)} more than once", "list each VM once")
    return requests


def _entry(index: int, entry: Any, defaults: Mapping[str, Any]) -> VmRequest:
    where = f"instances[{index}]"
    if not isinstance(entry, Mapping):
        raise InputError(where, "must be a mapping", "give name, cluster and plan (or planning options) per VM")
    unknown = sorted(set(entry) - ENTRY_KEYS)
    if unknown:
        raise InputError(f"{where}.{unknown[0]}", "is not an option of a batch entry", f"use {sorted(ENTRY_KEYS)}")
    for key in ("name", "cluster"):
        if not str(entry.get(key) or "").strip():
            raise InputError(f"{where}.{key}", "is missing", "give the libvirt domain name and the cluster id")
    # Module-level options are defaults for every VM; the entry's own values win.
    vm_params = {**defaults, **{k: v for k, v in entry.items() if k != "key"}}
    given = _planning_given(vm_params)
    if vm_params.get("plan") and given:
        raise InputError(f"{where}.plan", f"is given together with {', '.join(given)}", "drop one of them")
    name = str(entry["name"]).strip()
    vm_params["name"] = name
    return VmRequest(name, str(entry["cluster"]).strip(), str(entry.get("key") or name), vm_params)
