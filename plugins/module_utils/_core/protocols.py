# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""What the services need from their collaborators, as ``Protocol`` types.

Services are given a client, a journal slot and a run context; they never build one and never
see an AnsibleModule. ``CloudStackClient`` (``_cloudstack/client.py``) and the journal slots
(``_cloudstack/journal.py``, the external-host marker) satisfy these; unit tests pass small
in-memory fakes that do too.
"""

from __future__ import annotations

from typing import Any, Protocol


class CallRecord(Protocol):
    """One entry of a module's ``api_calls`` result; polls of one job are counted on one entry."""

    command: str
    outcome: str
    jobid: str | None
    polls: int


class CloudStackApi(Protocol):
    """The CloudStack API as the services use it."""

    @property
    def endpoint(self) -> str:
        """The API URL; journal entries are kept per endpoint."""

    @property
    def version(self) -> tuple[int, ...]:
        """CloudStack's version, e.g. (4, 22, 0, 0)."""

    def call(self, command: str, *, retry: bool = False, record: bool = True, **params: Any) -> dict[str, Any]:
        """One command; returns the unwrapped response body. ``retry`` only for reads."""

    def list_all(self, command: str, *, retry: bool = True, **params: Any) -> list[dict[str, Any]]:
        """Every item of a list command, page by page."""

    def submit(self, command: str, **params: Any) -> dict[str, Any]:
        """Start an async command (never retried once sent); its record carries the job id."""

    def poll_record(self, command: str, jobid: str | None = None, **params: Any) -> CallRecord:
        """A new ``api_calls`` entry that counts repeated polls (of one job, or job-list sweeps)."""


class JournalSlot(Protocol):
    """Where one operation notes its job id before submitting it, so a rerun finds the job."""

    def read(self) -> dict[str, Any] | None:
        """The entry (with ``jobid``), or None when there is none or it is unreadable."""

    def write(self, entry: dict[str, Any]) -> None:
        """Replace the entry, atomically: a reader never sees half of it."""

    def clear(self) -> None:
        """Remove the entry (the job was seen finished, or never existed)."""
