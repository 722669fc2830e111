# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""A small on-disk journal of async jobs this controller submitted and has not seen finish.

Why: CloudStack cannot tell us which import job belongs to which VM. queryAsyncJobResult
needs the job id; listAsyncJobs does not return the job's parameters; and while an import
job waits in CloudStack's queue the VM is still listed as unmanaged. A task that timed out
and is rerun would therefore submit the same import a second time. Writing the job id down
the moment CloudStack hands it out (one small file per VM, so parallel forks never share a
file) lets the rerun find and await the first job instead.

The entry is removed when the job is seen finished (successfully or not).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

DEFAULT_JOURNAL_DIR = "~/.ansible/acs_ingest/jobs"


class JobJournal:
    """Pending job ids keyed by (CloudStack endpoint, operation, object key)."""

    def __init__(self, directory: str | None, endpoint: str) -> None:
        self.directory = Path(os.path.expanduser(directory or DEFAULT_JOURNAL_DIR))
        self.endpoint = endpoint

    def _path(self, operation: str, key: str) -> Path:
        digest = hashlib.sha256(f"{self.endpoint}\n{operation}\n{key}".encode()).hexdigest()[:32]
        return self.directory / f"{operation}-{digest}.json"

    def get(self, operation: str, key: str) -> dict[str, Any] | None:
        path = self._path(operation, key)
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            # A half-written or unreadable entry is no evidence of a job: ignore it, and
            # the server-side checks still stop a duplicate import.
            return None
        return entry if isinstance(entry, dict) and entry.get("jobid") else None

    def put(self, operation: str, key: str, jobid: str, **extra: Any) -> None:
        """Record ``jobid``; written to a temp file and renamed so readers never see half of it."""
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self._path(operation, key)
        entry = {
            "jobid": jobid,
            "operation": operation,
            "key": key,
            "endpoint": self.endpoint,
            "submitted": time.time(),
        }
        entry.update(extra)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(entry, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)

    def mark_done(self, operation: str, key: str, **extra: Any) -> None:
        """Keep the entry as a record of finished work (with ``extra`` facts), not as a pending job."""
        entry = self.get(operation, key) or {}
        kept = {k: v for k, v in entry.items() if k not in ("jobid", "operation", "key", "endpoint", "submitted")}
        kept.update(extra)
        kept["done"] = True
        self.put(operation, key, str(entry.get("jobid") or "-"), **kept)

    def drop(self, operation: str, key: str) -> None:
        self._path(operation, key).unlink(missing_ok=True)
