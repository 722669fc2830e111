# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""``unmanage_vm``'s input (``UnmanageOptions``) and its journal slot.

The unmanage journal outlives the job: once CloudStack forgets a VM, its id and name lead
nowhere, and a rerun by id still has to confirm that the domain is unmanaged on a host. So the
slot keeps the entry as a "done" record (instance name and zone) instead of deleting it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.jobs import JobTiming
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.journal import JobJournal
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import InputError
from ansible_collections.acs.ingest.plugins.module_utils._services.job_options import job_timing

JOURNAL_OPERATION = "unmanage"


@dataclass(frozen=True)
class UnmanageOptions:
    """One VM, by ``id``, ``name`` (CloudStack name or libvirt domain name) or ``instance_name``."""

    id: str | None
    name: str | None
    instance_name: str | None
    zone: str | None
    host: str | None
    forced: bool
    timing: JobTiming
    job_journal: str | None

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> UnmanageOptions:
        """The module's parameters, checked; raises ``InputError`` naming the option and the fix."""
        if (params.get("name") or params.get("instance_name")) and not params.get("zone"):
            field = "name" if params.get("name") else "instance_name"
            raise InputError(field, f"{field} is only unique within a zone", "set zone (id or name) as well")

        def text(key: str) -> str | None:
            value = str(params.get(key) or "").strip()
            return value or None

        return cls(
            id=text("id"),
            name=text("name"),
            instance_name=text("instance_name"),
            zone=text("zone"),
            host=text("host"),
            forced=bool(params.get("forced")),
            timing=job_timing(params),
            job_journal=params.get("job_journal"),
        )

    @property
    def identity(self) -> str:
        return str(self.id or self.instance_name or self.name)

    @property
    def field(self) -> str:
        return "id" if self.id else "instance_name" if self.instance_name else "name"

    @property
    def journal_key(self) -> str:
        return str(self.id or f"{self.zone}/{self.instance_name or self.name}")


class DoneOnClearSlot:
    """The journal slot of one unmanage: cleared means 'done', keeping instance name and zone."""

    def __init__(self, journal: JobJournal, key: str, **extra: Any) -> None:
        self.journal = journal
        self.key = key
        self.extra = extra

    def read(self) -> dict[str, Any] | None:
        return self.journal.get(JOURNAL_OPERATION, self.key)

    def write(self, entry: dict[str, Any]) -> None:
        fields = {**self.extra, **{k: v for k, v in entry.items() if k != "jobid"}}
        self.journal.put(JOURNAL_OPERATION, self.key, str(entry["jobid"]), **fields)

    def clear(self) -> None:
        self.journal.mark_done(JOURNAL_OPERATION, self.key, **self.extra)
