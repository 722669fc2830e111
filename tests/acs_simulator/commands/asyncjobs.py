"""listAsyncJobs: the jobs still in progress, as ListAsyncJobsCmd and the query service list them.

Read from CloudStack's source (4.19-4.22, the same in each):
- ``api/.../command/user/job/ListAsyncJobsCmd.java``: "Lists all pending asynchronous jobs for the
  account"; parameters ``startdate`` and ``managementserverid`` plus the account/domain/list ones.
- ``server/.../api/query/QueryManagerImpl.java`` ``searchForAsyncJobsInternal``: jobs of the caller's
  account (root admin with ``listall``: every account; ``account`` + ``domainid``: that account),
  ``keyword`` as ``cmd LIKE '%keyword%'``, ``startdate`` as ``created >= startdate``, ordered by id.
- The view entity maps the ``removed`` column, so only rows without it are found, and
  ``AsyncJobManagerImpl.completeAsyncJob`` sets it when a job ends: finished jobs are never listed.
- ``AsyncJobJoinDaoImpl.newAsyncJobResponse``: ``jobinstancetype``/``jobinstanceid`` only when the job
  has both (import jobs have no instance id, so neither key).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from ..errors import server_error
from ..jobs import JOB_IN_PROGRESS, job_response
from ..params import Param, Parsed
from ..registry import command

if TYPE_CHECKING:
    from ..sim import Simulator

DATE_FORMATS = ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d")


def _like(keyword: str) -> re.Pattern[str]:
    """SQL ``LIKE '%keyword%'`` (``%`` and ``_`` stay wildcards); MySQL's default collation ignores case."""
    body = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in keyword)
    return re.compile(f".*{body}.*", re.IGNORECASE | re.DOTALL)


def _date(value: str) -> dt.datetime:
    for fmt in DATE_FORMATS:
        try:
            parsed = dt.datetime.strptime(value, fmt)
        except ValueError:
            continue
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    raise server_error(
        f"Unable to execute API command listasyncjobs due to invalid value {value} for parameter startdate", 431
    )


def _visible_accounts(sim: Simulator, caller: dict[str, Any], p: Parsed) -> set[str] | None:
    """Account ids whose jobs the caller sees; None for all (root admin with listall)."""
    if p.get("account"):
        named = sim.store.find("account", name=p.get("account"))
        return {a["id"] for a in named if a.get("domainid") == p.get("domainid")}
    if p.get("listall") and caller["accounttype"] == 1:
        return None
    return {caller["accountid"]}


@command(
    "listAsyncJobs",
    list_key="asyncjobs",
    admin_only=False,
    java_class="org.apache.cloudstack.api.command.user.job.ListAsyncJobsCmd",
    params={
        "startdate": Param(),
        "managementserverid": Param(),
        "account": Param(),
        "domainid": Param("uuid", "domain"),
        "isrecursive": Param("boolean"),
    },
)
def list_async_jobs(sim: Simulator, caller: dict[str, Any], p: Parsed) -> list[dict[str, Any]]:
    accounts = _visible_accounts(sim, caller, p)
    keyword = _like(p.get("keyword")) if p.get("keyword") else None
    since = _date(p.get("startdate")) if p.get("startdate") else None
    out = []
    for job in sim.store.all("job"):  # in id order
        if job.get("jobstatus") != JOB_IN_PROGRESS:
            continue  # a finished job has ``removed`` set and drops out of the view
        if accounts is not None and job.get("accountid") not in accounts:
            continue
        if keyword and not keyword.fullmatch(str(job.get("cmd") or "")):
            continue
        if since and _date(str(job.get("created"))) < since:
            continue
        if p.get("managementserverid") and str(job.get("managementserverid")) != p.get("managementserverid"):
            continue
        item = job_response(job, sim.has("job_msname"))
        if not (job.get("jobinstancetype") and job.get("jobinstanceid")):
            item.pop("jobinstancetype", None)
            item.pop("jobinstanceid", None)
        out.append(item)
    return out
