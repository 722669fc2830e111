# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""The one error family of acs.ingest.

Every expected failure is an ``AcsIngestError``. ``AcsModule`` turns it into a single
``fail_json`` line; anything else reaching the user is a bug in the collection.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._core.problems import Problem, render_all


class AcsIngestError(Exception):
    """An expected failure with a message a person can act on."""

    def __init__(self, msg: str, *, field: str | None = None, fix: str | None = None, **details: Any) -> None:
        if "problems" in details:
            # Rendering problems into msg and adding field/fix again doubled them; ProblemsError
            # takes the Problems themselves and renders each exactly once.
            raise TypeError("pass problems with ProblemsError, not as a detail of AcsIngestError")
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


class ProblemsError(AcsIngestError):
    """Several problems found together (a plan, preconditions), each rendered once.

    The message is an optional ``summary`` line followed by one line per Problem. There is
    no ``fix`` argument: every Problem carries its own, so none is repeated at the end.
    ``field`` names the option the whole error is about (e.g. ``plan``); it defaults to the
    first problem's field and is returned as the result's ``field``.
    """

    def __init__(
        self, problems: Sequence[Problem], *, summary: str | None = None, field: str | None = None, **details: Any
    ) -> None:
        if not problems:
            raise ValueError("ProblemsError needs at least one problem")
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.summary = summary
        self._explicit_field = field
        super().__init__(summary or self.problems[0].message, field=field or self.problems[0].field, **details)

    def lines(self) -> list[str]:
        return render_all(self.problems)

    def __str__(self) -> str:
        lines = self.lines()
        if not self.summary:
            return "\n".join(lines)
        head = f"{self._explicit_field}: {self.summary}" if self._explicit_field else self.summary
        return f"{head.rstrip(':')}:\n" + "\n".join(lines)

    def to_result(self) -> dict[str, Any]:
        result = super().to_result()
        result["problems"] = [problem.as_dict() for problem in self.problems]
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
