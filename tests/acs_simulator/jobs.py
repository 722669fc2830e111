"""Async jobs (facts §5.2): queued, run at most ``max_concurrent_jobs`` at a time, results in SQLite.

A job's work runs only after ``job_duration`` has passed, in one go, so a restart in the middle of a
job leaves no half-done change. On start-up, jobs still IN_PROGRESS are failed the way CloudStack's
AsyncJobManagerImpl cleans up after a management-server restart (530, "job cancelled because of
management server restart or shutdown").
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import traceback
from typing import Any

from .errors import ApiError
from .knobs import Knobs
from .registry import AsyncWork
from .store import Store

JOB_IN_PROGRESS, JOB_SUCCEEDED, JOB_FAILED = 0, 1, 2
RESTART_TEXT = "job cancelled because of management server restart or shutdown"


def cs_date(when: dt.datetime | None = None) -> str:
    """CloudStack's yyyy-MM-dd'T'HH:mm:ssZ, e.g. 2026-11-20T22:10:00+0000."""
    return (when or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%dT%H:%M:%S%z")


class JobManager:
    def __init__(self, store: Store, knobs: Knobs, msid: str, msname: str) -> None:
        self.store = store
        self.knobs = knobs
        self.msid = msid
        self.msname = msname
        self._cond = threading.Condition()
        self._running = 0
        self._stopping = False
        self._fail_leftovers()

    def _fail_leftovers(self) -> None:
        for job in self.store.find("job", jobstatus=JOB_IN_PROGRESS):
            job.update(
                jobstatus=JOB_FAILED,
                jobresultcode=530,
                jobresulttype="object",
                jobresult={"errorcode": 530, "errortext": RESTART_TEXT},
                completed=cs_date(),
            )
            self.store.put("job", job)

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()

    def submit(self, command_class: str, caller: dict[str, Any], work: AsyncWork, job_id: str | None = None) -> str:
        """Queue ``work``; ``job_id`` is a caller-chosen id (``customjobid``), already checked."""
        job = self.store.put(
            "job",
            {
                **({"id": job_id} if job_id else {}),
                "accountid": caller["accountid"],
                "account": caller["account"],
                "domainid": caller["domainid"],
                "domainpath": "/",
                "userid": caller["id"],
                "cmd": command_class,
                "jobstatus": JOB_IN_PROGRESS,
                "jobprocstatus": 0,
                "jobresultcode": 0,
                "jobinstancetype": work.instance_type,
                "jobinstanceid": work.instance_id,
                "created": cs_date(),
                "managementserverid": self.msid,
                "managementservername": self.msname,
            },
        )
        threading.Thread(target=self._run, args=(job["id"], work), daemon=True, name=f"job-{job['id'][:8]}").start()
        return job["id"]

    def _acquire(self) -> bool:
        with self._cond:
            while not self._stopping and self._running >= max(1, int(self.knobs.get("max_concurrent_jobs"))):
                self._cond.wait(0.5)
            if self._stopping:
                return False
            self._running += 1
            return True

    def _release(self) -> None:
        with self._cond:
            self._running -= 1
            self._cond.notify_all()

    def _run(self, job_id: str, work: AsyncWork) -> None:
        if not self._acquire():
            return
        try:
            if not self._start(job_id, work):
                return
            deadline = time.monotonic() + float(self.knobs.get("job_duration"))
            while time.monotonic() < deadline:
                if self._stopping:
                    return
                time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))
            if self.knobs.roll_job_failure():
                self._finish(
                    job_id,
                    JOB_FAILED,
                    530,
                    {"errorcode": 530, "errortext": "Simulated job failure (knob job_fail_fraction)"},
                )
                return
            try:
                name, obj = work.body()
            except ApiError as err:
                self._finish(job_id, JOB_FAILED, err.code, {"errorcode": err.code, "errortext": err.text})
                return
            except Exception as exc:  # noqa: BLE001 - anything else is CloudStack's 530
                traceback.print_exc()
                self._finish(job_id, JOB_FAILED, 530, {"errorcode": 530, "errortext": str(exc)})
                return
            # SuccessResponse-style results (createTags, deleteTags) serialise their fields directly.
            self._finish(job_id, JOB_SUCCEEDED, 0, {name: obj} if name else obj)
        finally:
            self._release()

    def _start(self, job_id: str, work: AsyncWork) -> bool:
        """Run the job's start step; a failure there fails the job at once, like one in its body."""
        if work.start is None:
            return True
        try:
            work.start()
        except ApiError as err:
            self._finish(job_id, JOB_FAILED, err.code, {"errorcode": err.code, "errortext": err.text})
            return False
        return True

    def _finish(self, job_id: str, status: int, code: int, result: dict[str, Any]) -> None:
        if self._stopping:
            return  # the process is going away; the next start fails the job as CloudStack would
        job = self.store.get("job", job_id)
        if job is None:
            return
        job.update(jobstatus=status, jobresultcode=code, jobresulttype="object", jobresult=result, completed=cs_date())
        self.store.put("job", job)

    @property
    def running(self) -> int:
        with self._cond:
            return self._running

    def pending(self) -> int:
        return len(self.store.find("job", jobstatus=JOB_IN_PROGRESS))


def job_response(job: dict[str, Any], profile_has_msname: bool) -> dict[str, Any]:
    keys = [
        "accountid",
        "account",
        "domainid",
        "domainpath",
        "userid",
        "cmd",
        "jobstatus",
        "jobprocstatus",
        "jobresultcode",
        "jobresulttype",
        "jobresult",
        "jobinstancetype",
        "jobinstanceid",
        "managementserverid",
        "created",
        "completed",
    ]
    if profile_has_msname:
        keys.insert(keys.index("created"), "managementservername")
    out = {k: job[k] for k in keys if job.get(k) is not None}
    if job["jobstatus"] == JOB_IN_PROGRESS:
        out.pop("jobresulttype", None)
    out["jobid"] = job["id"]
    return out
