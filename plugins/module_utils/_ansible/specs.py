# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""Argument specs shared by several modules: one name and one type for one idea.

``job_wait_argument_spec`` goes with the ``acs.ingest.job_wait`` doc fragment: every module that
starts a CloudStack job waits for it, journals it and polls it the same way.
"""

from __future__ import annotations

from typing import Any

from ansible.module_utils.basic import env_fallback


def job_wait_argument_spec(timeout: int) -> dict[str, Any]:
    """wait, timeout (this module's default), poll_interval, poll_max_interval, job_journal."""
    return {
        "wait": {"type": "bool", "default": True},
        "timeout": {"type": "int", "default": timeout},
        "poll_interval": {"type": "float", "default": 1.0},
        "poll_max_interval": {"type": "float", "default": 10.0},
        "job_journal": {"type": "path", "fallback": (env_fallback, ["ACS_INGEST_JOB_JOURNAL"])},
    }
