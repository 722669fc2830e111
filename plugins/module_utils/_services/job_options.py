# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""The job options every module that starts CloudStack jobs shares (doc fragment ``acs.ingest.job_wait``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.jobs import JobTiming
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.waiter import Backoff
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import InputError


def job_timing(params: Mapping[str, Any]) -> JobTiming:
    """wait, timeout, poll_interval and poll_max_interval, checked."""
    for option in ("timeout", "poll_interval", "poll_max_interval"):
        if params.get(option) is not None and params[option] <= 0:
            raise InputError(option, f"must be a positive number of seconds, got {params[option]}", "raise it")
    interval = float(params.get("poll_interval") or 1.0)
    longest = max(float(params.get("poll_max_interval") or 10.0), interval)
    backoff = Backoff(initial=interval, factor=1.5, maximum=longest)
    return JobTiming(timeout=float(params["timeout"]), backoff=backoff, wait=bool(params.get("wait", True)))
