"""The journal's per-VM lock files: removed when a run releases them, and never two holders at once."""

from __future__ import annotations

from pathlib import Path

import pytest
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack import journal as journal_module
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.journal import JobJournal
from ansible_collections.acs.ingest.plugins.module_utils._services.import_engine import run_import
from ansible_collections.acs.ingest.plugins.module_utils._services.import_options import ImportOptions
from fake_cloudstack import FakeCloudStack
from test_import_engine import batch_params

ENDPOINT = "http://fake.invalid/client/api"


def test_a_batch_leaves_no_lock_file_behind(tmp_path: Path) -> None:
    names = [f"vm{i:02d}" for i in range(5)]
    cloud = FakeCloudStack(job_seconds=2.0, unmanaged=set(names))
    ctx, _warnings = cloud.context()
    result = run_import(cloud, ImportOptions.from_params(batch_params(tmp_path, names)), ctx)
    assert result["totals"] == {"imported": 5}
    assert list(tmp_path.glob("*.lock")) == []  # before: one 0-byte file per VM ever imported, forever


def test_a_lock_file_removed_while_another_process_waited_on_it_is_not_a_second_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race a removal opens: B opens the lock file, A releases and removes it, B's flock then succeeds on
    the removed file while C creates and locks a new one. B must notice and lock the path as it is now."""
    holder, late, third = (JobJournal(str(tmp_path), ENDPOINT) for _process in range(3))
    held = holder.try_lock("import", "web01")
    assert held is not None
    real_flock = journal_module.fcntl.flock
    releases = []

    def holder_releases_between_open_and_flock(fd: int, operation: int) -> None:
        if not releases:
            releases.append(fd)
            holder.unlock(held)  # removes the file late has just opened
        real_flock(fd, operation)

    monkeypatch.setattr(journal_module.fcntl, "flock", holder_releases_between_open_and_flock)
    got = late.try_lock("import", "web01")
    monkeypatch.setattr(journal_module.fcntl, "flock", real_flock)
    assert got is not None and releases  # locked after the removal, on the second try
    assert third.try_lock("import", "web01") is None  # one holder, of the file the path names
    late.unlock(got)
    assert list(tmp_path.glob("*.lock")) == []
    again = third.try_lock("import", "web01")
    assert again is not None
    third.unlock(again)
