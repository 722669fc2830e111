# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""How the import engine reports: one VM's result, the batch summary, next steps for failures.

Single mode returns its one VM's result as the module result (and fails with that VM's error);
batch mode returns lean per-VM entries in ``vms`` plus ``totals``, and fails after every VM is
done when any of them failed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.journal import LocalSlot
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.vms import summarize_vm
from ansible_collections.acs.ingest.plugins.module_utils._core.context import RunContext
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import AcsIngestError, JobFailedError
from ansible_collections.acs.ingest.plugins.module_utils._planner.types import ImportPlan
from ansible_collections.acs.ingest.plugins.module_utils._services.import_options import VmRequest

OUTCOMES = {"imported": "imported", "present": "already managed", "would_import": "would import", "pending": "pending"}


@dataclass
class VmRun:
    """One VM's way through the engine, and its result once it has one."""

    req: VmRequest
    slot: LocalSlot
    warnings: list[str] = field(default_factory=list)
    earlier_job: dict[str, Any] | None = None
    clusterid: str | None = None
    instance: dict[str, Any] | None = None
    plan: ImportPlan | None = None
    api_call: dict[str, Any] | None = None
    before: dict[str, Any] | None = None
    result: dict[str, Any] | None = None
    error: AcsIngestError | None = None
    finished_at: float = 0.0

    @property
    def name(self) -> str:
        return self.req.name

    @property
    def done(self) -> bool:
        return self.result is not None or self.error is not None

    def report(
        self,
        changed: bool,
        state: str,
        *,
        vm: dict[str, Any] | None = None,
        jobid: str | None = None,
        after: dict[str, Any] | None = None,
        planned: bool = False,
    ) -> dict[str, Any]:
        """The VM's result; ``planned``: with the instance, plan and call of this run."""
        result: dict[str, Any] = {
            "changed": changed,
            "state": state,
            "name": self.name,
            "vm": vm,
            "instance": self.instance if planned else None,
            "plan": self.plan.to_dict() if planned and self.plan else None,
            "notes": self.plan.note_lines() if planned and self.plan else [],
            "api_call": self.api_call if planned else None,
        }
        if jobid:
            result["jobid"] = jobid
        if self.earlier_job:
            result["earlier_job"] = self.earlier_job
        if after is not None and self.before is not None:
            result["diff"] = {"before": self.before, "after": after}
        return result


def failure_fix(error: JobFailedError) -> str | None:
    """A next step for the import failures operators hit most (facts §2.1, §2.2)."""
    text = str(error.errortext)
    if "forced flag is disabled" in text:
        return "another VM on that network uses this MAC; set forced=true to let CloudStack give the NIC a new MAC"
    if "already exists in the network" in text:
        return "set hostname to a name no other VM on that network uses"
    if "Failed to find unmanaged vm" in text:
        return "the domain is no longer unmanaged in that cluster (imported meanwhile, or moved): rerun to check"
    if "service offering" in text and "not compatible" in text:
        return "use a custom service offering, or one matching the VM's CPU and memory, or power the VM off"
    return error.fix


def job_failure(error: AcsIngestError, jobid: str | None) -> AcsIngestError:
    """A failed import job as the error to report: with its job id and the fix we know for it."""
    if not isinstance(error, JobFailedError):
        return error
    return JobFailedError(
        error.command, error.errortext, errorcode=error.errorcode, jobid=error.jobid or jobid, fix=failure_fix(error)
    )


def single_result(run: VmRun, ctx: RunContext) -> dict[str, Any]:
    """Single mode: the VM's result is the module's; its error is the module's failure."""
    for warning in dict.fromkeys(run.warnings):
        ctx.warn(warning)
    if run.error is not None:
        raise run.error
    if run.result is None:
        raise AssertionError(f"{run.name}: the engine left the VM without a result")
    result = dict(run.result)
    if not ctx.diff_mode:
        result.pop("diff", None)
    return result


def batch_summary(runs: list[VmRun], started: float, ctx: RunContext) -> dict[str, Any]:
    """Batch mode: lean per-VM entries, totals, one diff keyed by VM; fails when any VM failed."""
    results: list[dict[str, Any]] = []
    diff: dict[str, dict[str, Any]] = {"before": {}, "after": {}}
    for run in runs:
        result = failed_result(run) if run.error is not None else dict(run.result or {})
        if "diff" in result:
            diff["before"][run.name] = result["diff"]["before"]
            diff["after"][run.name] = result["diff"]["after"]
        # Lean per-VM results: 200 full instances and plans would make a megabyte of output
        # for the controller to parse; the inventory already holds both.
        for bulky in ("diff", "instance", "plan"):
            result.pop(bulky, None)
        result["outcome"] = OUTCOMES.get(result["state"], result["state"])
        result["vm"] = summarize_vm(result.get("vm"))
        result.update(
            key=run.req.key,
            id=(result["vm"] or {}).get("id") or "",
            duration_s=round(run.finished_at - started, 1),
            warnings=list(dict.fromkeys(run.warnings)),
        )
        result.setdefault("error", "")
        results.append(result)
    totals: dict[str, int] = {}
    for result in results:
        totals[result["outcome"]] = totals.get(result["outcome"], 0) + 1
    summary: dict[str, Any] = {
        "changed": any(r["changed"] for r in results),
        "vms": results,
        "totals": dict(sorted(totals.items())),
    }
    if diff["after"] and ctx.diff_mode:
        summary["diff"] = diff
    failed = [r for r in results if r["outcome"] == "failed"]
    if failed:
        lines = "\n".join(f"{r['name']}: {r['error']}" for r in failed)
        raise AcsIngestError(f"{len(failed)} of {len(results)} VM(s) failed, the others went on:\n{lines}", **summary)
    for result in results:
        for warning in result["warnings"]:
            ctx.warn(f"{result['name']}: {warning}")
    return summary


def failed_result(run: VmRun) -> dict[str, Any]:
    error = run.error or AcsIngestError("failed without an error")
    result: dict[str, Any] = {"changed": False, "state": "failed", "name": run.name, "error": str(error)}
    result.update({k: v for k, v in error.to_result().items() if k in ("field", "fix", "problems", "notes")})
    jobid = getattr(error, "jobid", None)
    if jobid:
        result["jobid"] = jobid
    if run.earlier_job:
        result["earlier_job"] = run.earlier_job
    return result
