# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # How the modules that start CloudStack jobs wait for them (argument spec:
    # plugins/module_utils/_ansible/specs.py job_wait_argument_spec). Each module documents
    # timeout again with its own default.
    DOCUMENTATION = r"""
options:
  wait:
    description:
      - Wait for the CloudStack job to finish. With V(false) the task returns C(state=pending) and the
        C(jobid) as soon as CloudStack accepted the job; a rerun awaits that job.
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait for the job. A job still running then does not fail the task; it is reported
        with C(state=pending) and its C(jobid), keeps running in CloudStack, and a rerun awaits it
        instead of submitting it again.
    type: int
  poll_interval:
    description:
      - Seconds before the first job poll. Later polls back off by 1.5x up to O(poll_max_interval).
      - Connection errors and HTTP 5xx answers while polling are retried until O(timeout).
    type: float
    default: 1.0
  poll_max_interval:
    description:
      - Longest pause between two job polls, in seconds.
    type: float
    default: 10.0
  job_journal:
    description:
      - Directory where the module notes the id of each job before it submits it (as C(customjobid)),
        until it sees the job finish, so that a rerun after a timeout or a killed controller awaits
        that job instead of submitting it again.
      - If not set, the environment variable E(ACS_INGEST_JOB_JOURNAL) is used, else
        C(~/.ansible/acs_ingest/jobs) on the host running the module (usually the controller).
    type: path
"""
