# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""``external_vm_import``'s input (``ExternalImportOptions``) and where it journals its job.

An external import journals its job in a marker next to the copies on the external host
(``<temppath>.acs-ingest-<hash>.json``), so whichever controller runs next finds it, together
with what the cleanup needs (the temppath listing before the copy). local/shared imports use
the controller's job journal. In both cases the entry stays until the VM is tagged: a VM
imported but not yet tagged is found by nothing else, so the service, not the reconciler,
removes the entry once the import is complete.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.jobs import JobTiming
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import InputError
from ansible_collections.acs.ingest.plugins.module_utils._core.protocols import JournalSlot
from ansible_collections.acs.ingest.plugins.module_utils._remote.ssh import SshSession
from ansible_collections.acs.ingest.plugins.module_utils._services.external_support import (
    read_remote_json,
    write_marker,
)
from ansible_collections.acs.ingest.plugins.module_utils._services.job_options import job_timing


@dataclass(frozen=True)
class ExternalImportOptions:
    """The module's options (without connection settings) plus the checked job timing."""

    params: Mapping[str, Any]
    timing: JobTiming
    job_journal: str | None

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> ExternalImportOptions:
        kept = {key: value for key, value in params.items() if not key.startswith("api_") and key != "validate_certs"}
        shutdown_timeout = params.get("shutdown_timeout")
        if shutdown_timeout is not None and shutdown_timeout <= 0:
            raise InputError(
                "shutdown_timeout", f"must be a positive number of seconds, got {shutdown_timeout}", "raise it"
            )
        return cls(kept, job_timing(params), params.get("job_journal"))

    def __getitem__(self, key: str) -> Any:
        return self.params[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.params.get(key, default)


class MarkerSlot:
    """The job marker on the external host, as a journal slot; ``state`` goes into every write."""

    def __init__(self, open_ssh: Callable[[], SshSession], path: str, state: dict[str, Any]) -> None:
        self.open_ssh = open_ssh
        self.path = path
        self.state = state

    def read(self) -> dict[str, Any] | None:
        with self.open_ssh() as ssh:
            return read_remote_json(ssh, self.path)

    def write(self, entry: dict[str, Any]) -> None:
        self.state.update(entry)
        with self.open_ssh() as ssh:
            write_marker(ssh, self.path, self.state)

    def clear(self) -> None:
        return None  # the service forgets the marker once the VM is tagged (see the module doc)

    def forget(self) -> None:
        with self.open_ssh() as ssh:
            ssh.remove_files([self.path])


class KeptSlot:
    """A controller journal slot whose entry the service removes itself (``forget``), not the reconciler."""

    def __init__(self, slot: JournalSlot) -> None:
        self.slot = slot

    def read(self) -> dict[str, Any] | None:
        return self.slot.read()

    def write(self, entry: dict[str, Any]) -> None:
        self.slot.write(entry)

    def clear(self) -> None:
        return None

    def forget(self) -> None:
        self.slot.clear()
