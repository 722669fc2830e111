# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""A small on-disk journal of async jobs this controller submitted and has not seen finish.

Why: CloudStack cannot tell us which import job belongs to which VM. queryAsyncJobResult
needs the job id; listAsyncJobs does not return the job's parameters; and while an import
job waits in CloudStack's queue the VM is still listed as unmanaged. A task that timed out
and is rerun would therefore submit the same import a second time.

So the job id is chosen here and written down *before* the command is sent, as its
``customjobid`` (see ``_cloudstack/jobs.py``): a controller killed between sending and
hearing back still leaves the id behind, and the rerun asks CloudStack about that id instead
of guessing. One small file per VM, so parallel forks never share a file.

The entry is removed when the job is seen finished (successfully or not), or when CloudStack
does not know its id (the submit never arrived).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._core.context import RunContext

DEFAULT_JOURNAL_DIR = "~/.ansible/acs_ingest/jobs"


class JobJournal:
    """Pending job ids keyed by (CloudStack endpoint, operation, object key)."""

    def __init__(self, directory: str | None, endpoint: str) -> None:
        self.directory = Path(os.path.expanduser(directory or DEFAULT_JOURNAL_DIR))
        self.endpoint = endpoint
        self._locked: dict[int, Path] = {}  # lock descriptors this process holds, and their files

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

    def try_lock(self, operation: str, key: str) -> int | None:
        """Claim one object for this process: an open file descriptor holding an exclusive flock, or
        None while another live process holds it. The kernel drops the lock when its holder exits,
        however it exits, so a killed run never blocks the next one."""
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self._path(operation, key).with_suffix(".lock")
        for _attempt in range(3):
            _room_for_one_more_file()
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                return None
            if _still_linked(fd, path):
                self._locked[fd] = path
                return fd
            # ``unlock`` removed the file between our open and our flock: this lock guards a file no
            # one else can open any more. Take the lock on the path as it is now.
            os.close(fd)
        return None  # removed under us again and again: treat it as busy, the caller retries later

    def lock_all(
        self,
        operation: str,
        keys: list[str],
        ctx: RunContext,
        timeout: float,
        interval: float,
        on_busy: Callable[[int], None],
    ) -> tuple[list[int], list[str]]:
        """Lock every key, waiting up to ``timeout`` for those another process holds (``on_busy`` is
        told once how many). Returns the locks held and the keys still busy at the deadline."""
        locks: list[int] = []
        waiting = list(keys)
        deadline = ctx.clock() + timeout
        told = False
        while waiting:
            busy = []
            for key in waiting:
                fd = self.try_lock(operation, key)
                if fd is None:
                    busy.append(key)
                else:
                    locks.append(fd)
            if busy and not told:
                told = True
                on_busy(len(busy))
            waiting = busy
            left = deadline - ctx.clock()
            if not waiting or left <= 0:
                break
            ctx.sleep(min(interval, left))
        return locks, waiting

    def unlock(self, fd: int) -> None:
        """Release a lock and remove its file, so lock files do not pile up, one per VM ever imported.

        Safe because the file is removed while the lock is still held, and ``try_lock`` keeps a lock
        only when the path still names the file it locked: a process that opened the file before it
        was removed gets the lock after we close, sees the path gone or new, and locks the path
        afresh. So two live processes never hold locks for one object, even across a removal."""
        path = self._locked.pop(fd, None)
        if path is not None:
            path.unlink(missing_ok=True)
        os.close(fd)  # closing the descriptor releases the flock

    def slot(self, operation: str, key: str, **extra: Any) -> LocalSlot:
        """The entry of one (operation, key) as a ``JournalSlot``; ``extra`` goes into every write."""
        return LocalSlot(self, operation, key, extra)

    def known_jobids(self, operation: str) -> set[str]:
        """Every job id an entry of ``operation`` for this endpoint holds (any VM, any run on this journal)."""
        found: set[str] = set()
        for path in self.directory.glob(f"{operation}-*.json"):
            try:
                entry = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if isinstance(entry, dict) and entry.get("endpoint") == self.endpoint and entry.get("jobid"):
                found.add(str(entry["jobid"]))
        return found


def _still_linked(fd: int, path: Path) -> bool:
    """Whether ``path`` still names the file open as ``fd`` (not removed, nor removed and created again)."""
    try:
        named = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino)


def _room_for_one_more_file() -> None:
    """A batch holds one lock file per VM open: raise the soft limit of open files towards the hard
    limit when it runs short (often 1024 soft, much more hard)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or len(os.listdir("/proc/self/fd")) < soft - 64:
        return
    wanted = soft * 2 if hard == resource.RLIM_INFINITY else min(hard, soft * 2)
    if wanted > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


class LocalSlot:
    """One journal entry, as the job reconciler reads and writes it (``JournalSlot``)."""

    def __init__(self, journal: JobJournal, operation: str, key: str, extra: dict[str, Any]) -> None:
        self.journal = journal
        self.operation = operation
        self.key = key
        self.extra = extra

    def read(self) -> dict[str, Any] | None:
        return self.journal.get(self.operation, self.key)

    def write(self, entry: dict[str, Any]) -> None:
        fields = {**self.extra, **{k: v for k, v in entry.items() if k != "jobid"}}
        self.journal.put(self.operation, self.key, str(entry["jobid"]), **fields)

    def clear(self) -> None:
        self.journal.drop(self.operation, self.key)
