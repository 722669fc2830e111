# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""The one error family of acs.ingest.

Every expected failure is an ``AcsIngestError``. ``AcsModule`` turns it into a single
``fail_json`` line; anything else reaching the user is a bug in the collection.
"""

from __future__ import annotations

from typing import Any


class AcsIngestError(Exception):
    """An expected failure with a message a person can act on."""

    def __init__(self, msg: str, *, field: str | None = None, fix: str | None = None, **details: Any) -> None:
        super().__init__(msg)
        self.msg = msg
        self.field = field
        self.fix = fix
        self.details = details

    def __str__(self) -> str:
        text = f"{self.field}: {self.msg}" if self.field else self.msg
        if self.fix:
            text = f"{text.rstrip('.')}. Fix: {self.fix}"
        return text

    def to_result(self) -> dict[str, Any]:
        """Extra, secret-free keys to return with the failure."""
        result: dict[str, Any] = dict(self.details)
        if self.field:
            result["field"] = self.field
        if self.fix:
            result["fix"] = self.fix
        return result


class InputError(AcsIngestError):
    """The user's input is wrong; names the option and how to correct it."""

    def __init__(self, field: str, problem: str, fix: str | None = None, **details: Any) -> None:
        super().__init__(problem, field=field, fix=fix, **details)


class CloudStackApiError(AcsIngestError):
    """CloudStack answered a command with an error (HTTP status or failed job)."""

    def __init__(
        self,
        command: str,
        errortext: str,
        *,
        errorcode: int | None = None,
        cserrorcode: int | None = None,
        jobid: str | None = None,
        fix: str | None = None,
    ) -> None:
        code = f" ({errorcode})" if errorcode else ""
        super().__init__(f"CloudStack {command} failed{code}: {errortext}", fix=fix)
        self.command = command
        self.errortext = errortext
        self.errorcode = errorcode
        self.cserrorcode = cserrorcode
        self.jobid = jobid

    def to_result(self) -> dict[str, Any]:
        result = super().to_result()
        result.update(
            command=self.command,
            errorcode=self.errorcode,
            cserrorcode=self.cserrorcode,
            errortext=self.errortext,
        )
        if self.jobid:
            result["jobid"] = self.jobid
        return result


class CloudStackConnectionError(AcsIngestError):
    """The CloudStack endpoint could not be reached or did not speak the API."""


class JobFailedError(CloudStackApiError):
    """An async job finished with jobstatus 2 (failed)."""


class JobTimeoutError(AcsIngestError):
    """An async job was still running when our overall timeout ran out.

    The job keeps running in CloudStack; the jobid lets a rerun reconcile instead of
    submitting the same work twice.
    """

    def __init__(self, command: str, jobid: str, timeout: float) -> None:
        super().__init__(
            f"CloudStack job {jobid} for {command} was still running after {timeout:g}s",
            fix="rerun the task later (it finds the finished result and does not repeat the work), "
            "or raise the timeout option",
            jobid=jobid,
        )
        self.command = command
        self.jobid = jobid
        self.timeout = timeout


class LibvirtHostError(AcsIngestError):
    """A libvirt URI could not be opened or a domain could not be read."""


class SshError(AcsIngestError):
    """An SSH login or a remote command failed."""
