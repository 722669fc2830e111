# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""CloudStack API client on the ``cs`` library.

Adds what modules need on top of ``cs``: one error type, opt-in retries per call, paged
lists, a record of every call made (secrets redacted) for the modules' ``api_calls`` result,
and version detection. Waiting for async jobs is the job reconciler's (``jobs.py``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from ansible_collections.acs.ingest.plugins.module_utils._core.errors import (
    AcsIngestError,
    CloudStackApiError,
    CloudStackConnectionError,
)

try:
    import requests
    from cs import CloudStack, CloudStackApiException, CloudStackException
    from cs.client import transform

    HAS_CS = True
    CS_IMPORT_ERROR: str | None = None
except ImportError as exc:  # reported through missing_required_lib by AcsModule
    HAS_CS = False
    CS_IMPORT_ERROR = str(exc)
    CloudStack = object  # type: ignore[misc,assignment]

PAGE_SIZE = 500
# HTTP statuses worth retrying: proxies and an overloaded server. CloudStack's own error
# codes (431, 530, ...) are deterministic answers and are never retried.
RETRYABLE_STATUS = frozenset({500, 502, 503, 504})
SECRET_KEY = re.compile(r"(?i)(password|secret|signature|token|passwd)")
REDACTED = "********"


def never_sent(exc: BaseException) -> bool:
    """True when the request failed before any byte reached the server (connect refused or timed out)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if not isinstance(exc, requests.exceptions.ConnectionError) or isinstance(exc, requests.exceptions.ReadTimeout):
        return False
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return type(reason).__name__ == "NewConnectionError"  # urllib3: the socket never connected


def redact(params: dict[str, Any]) -> dict[str, Any]:
    """Copy of ``params`` with every secret-looking value replaced."""
    return {key: (REDACTED if SECRET_KEY.search(key) else value) for key, value in params.items()}


def wire_params(params: dict[str, Any]) -> dict[str, str]:
    """Parameters as they go on the wire: maps become ``key[i].field``, bools ``true``."""
    flat = {key: value for key, value in params.items() if value is not None}
    if HAS_CS:
        transform(flat)
    return {key: str(value) for key, value in flat.items()}


if HAS_CS:

    class _JavaCompatibleCloudStack(CloudStack):
        """``cs`` client whose signature matches CloudStack for every value.

        CloudStack re-encodes values with Java's URLEncoder before verifying (facts §5.1), which
        escapes ``~``; Python's ``quote`` leaves it alone, so a name with ``~`` would fail
        verification with 401. Everything else is computed exactly as ``cs`` does.
        """

        def _sign(self, data: dict[str, Any]) -> None:
            if not self.secret:
                return
            query = "&".join(
                f"{key}={quote(str(value), safe='*').replace('~', '%7E')}" for key, value in sorted(data.items())
            )
            digest = hmac.new(self.secret.encode("utf-8"), query.lower().encode("utf-8"), hashlib.sha1).digest()
            data["signature"] = base64.b64encode(digest).decode("utf-8").strip()


@dataclass
class ConnectionSettings:
    """Where and how to reach CloudStack. Built from module options or environment."""

    endpoint: str
    key: str
    secret: str
    timeout: int = 30
    method: str = "get"
    validate_certs: bool = True
    ca_file: str | None = None

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> ConnectionSettings:
        missing = [name for name in ("api_url", "api_key", "api_secret") if not params.get(name)]
        if missing:
            env = {"api_url": "CLOUDSTACK_ENDPOINT", "api_key": "CLOUDSTACK_KEY", "api_secret": "CLOUDSTACK_SECRET"}
            raise AcsIngestError(
                "missing CloudStack connection options: " + ", ".join(missing),
                fix="set them on the task, through module_defaults (group/acs.ingest.cloudstack), or with the "
                "environment variables " + ", ".join(env[name] for name in missing),
            )
        endpoint = str(params["api_url"]).rstrip("/")
        if not re.match(r"^https?://", endpoint):
            raise AcsIngestError(
                f"api_url {endpoint!r} is not an http(s) URL",
                field="api_url",
                fix="use the API endpoint, for example https://cloud.example.com/client/api",
            )
        return cls(
            endpoint=endpoint,
            key=params["api_key"],
            secret=params["api_secret"],
            timeout=int(params.get("api_timeout") or 30),
            method=str(params.get("api_http_method") or "get").lower(),
            validate_certs=bool(params.get("validate_certs", True)),
            ca_file=params.get("api_ca_file"),
        )


@dataclass
class ApiCall:
    command: str
    params: dict[str, Any]
    outcome: str = "ok"
    jobid: str | None = None
    polls: int = 0

    def as_dict(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"command": self.command, "params": self.params, "outcome": self.outcome}
        if self.jobid:
            entry["jobid"] = self.jobid
        if self.polls:
            entry["polls"] = self.polls
        return entry


@dataclass
class CloudStackClient:
    """Thin, recording wrapper around ``cs.CloudStack``."""

    settings: ConnectionSettings
    retries: int = 4
    retry_delay: float = 0.5
    sleep: Callable[[float], None] = time.sleep
    calls: list[ApiCall] = field(default_factory=list)
    _cs: Any = None
    _version: tuple[int, ...] | None = None

    @property
    def cs(self) -> Any:
        if self._cs is None:
            s = self.settings
            self._cs = _JavaCompatibleCloudStack(
                endpoint=s.endpoint,
                key=s.key,
                secret=s.secret,
                timeout=s.timeout,
                method=s.method,
                verify=s.ca_file or None,
                dangerous_no_tls_verify=not s.validate_certs,
            )
        return self._cs

    @property
    def api_calls(self) -> list[dict[str, Any]]:
        return [call.as_dict() for call in self.calls]

    @property
    def endpoint(self) -> str:
        return self.settings.endpoint

    def submit(self, command: str, **params: Any) -> dict[str, Any]:
        """Start an async command; sent once (a lost answer does not mean lost work), its record keeps the job id.

        The record is this call's own (not ``calls[-1]``): the job window submits several at once.
        """
        entry = ApiCall(command, redact(wire_params(params)))
        self.calls.append(entry)
        try:
            body = self.call(command, record=False, **params)
        except AcsIngestError:
            entry.outcome = "error"
            raise
        if body.get("jobid"):
            entry.jobid = str(body["jobid"])
        return body

    def poll_record(self, command: str, jobid: str | None = None, **params: Any) -> ApiCall:
        """One api_calls entry that counts repeated polls (``polls``) instead of listing each call."""
        shown = {"jobid": jobid, **params} if jobid else params
        record = ApiCall(command, redact(wire_params(shown)), jobid=jobid)
        self.calls.append(record)
        return record

    def call(self, command: str, *, retry: bool = False, record: bool = True, **params: Any) -> dict[str, Any]:
        """Run one API command and return its unwrapped response body.

        ``retry`` opts this call into retries on connection errors and 5xx answers: right for
        reads, wrong for commands that start work (a lost answer does not mean lost work).
        Every call is retried when the connection itself could not be made (nothing was sent).
        """
        params = {key: value for key, value in params.items() if value is not None}
        entry = ApiCall(command, redact(wire_params(params)))
        if record:
            self.calls.append(entry)
        attempts = self.retries + 1  # only retry=True calls, or requests that never left, use them
        for attempt in range(1, attempts + 1):
            try:
                return getattr(self.cs, command)(**dict(params)) or {}
            except CloudStackApiException as exc:
                status = getattr(exc.response, "status_code", None)
                if retry and status in RETRYABLE_STATUS and attempt < attempts:
                    self.sleep(self.retry_delay * 2 ** (attempt - 1))
                    continue
                entry.outcome = "error"
                raise self._api_error(command, exc, status) from None
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
                # A request that never left (refused, or no TCP handshake in time) started no
                # work, so even a write is safe to send again; a timeout or reset after sending
                # is retried for reads only, since the server may have acted on it.
                if (retry or never_sent(exc)) and attempt < attempts:
                    self.sleep(self.retry_delay * 2 ** (attempt - 1))
                    continue
                entry.outcome = "error"
                raise CloudStackConnectionError(
                    f"cannot reach CloudStack at {self.settings.endpoint} for {command}: {type(exc).__name__}",
                    field="api_url",
                    fix="check api_url (CLOUDSTACK_ENDPOINT), that the management server is up, and api_timeout",
                ) from None
            except CloudStackException as exc:
                status = getattr(getattr(exc, "response", None), "status_code", None)
                if retry and status in RETRYABLE_STATUS and attempt < attempts:
                    self.sleep(self.retry_delay * 2 ** (attempt - 1))
                    continue
                entry.outcome = "error"
                raise CloudStackConnectionError(
                    f"unexpected answer from {self.settings.endpoint} to {command}: {' '.join(map(str, exc.args))}",
                    field="api_url",
                    fix="point api_url at the CloudStack API endpoint (usually ending in /client/api)",
                ) from None
        raise AssertionError("unreachable")  # the loop always returns or raises

    @staticmethod
    def _api_error(command: str, exc: Any, status: int | None) -> CloudStackApiError:
        error = exc.error if isinstance(exc.error, dict) else {}
        errorcode = error.get("errorcode", status)
        errortext = error.get("errortext") or str(exc.error) or f"HTTP {status}"
        fix = None
        if errorcode == 401:
            fix = "check api_key and api_secret (CLOUDSTACK_KEY, CLOUDSTACK_SECRET) and the controller's clock"
        elif errorcode == 531:
            fix = "use the API keys of a root admin; CloudStack allows these commands to root admins only"
        return CloudStackApiError(
            command, errortext, errorcode=errorcode, cserrorcode=error.get("cserrorcode"), fix=fix
        )

    def list_all(self, command: str, *, retry: bool = True, **params: Any) -> list[dict[str, Any]]:
        """Every item of a list command, page by page.

        CloudStack answers an empty list as ``{}`` (no count, no array) and some list
        commands ignore paging (listUnmanagedInstances returns everything each time), so we
        stop on an empty page, on ``count`` reached, or on a page shorter than asked.
        """
        items: list[dict[str, Any]] = []
        page = 1
        while True:
            body = self.call(command, retry=retry, page=page, pagesize=PAGE_SIZE, **params)
            keys = [key for key in body if key != "count"]
            chunk = body[keys[0]] if keys else []
            items.extend(chunk)
            total = int(body.get("count", len(items)))
            if not chunk or len(items) >= total or len(chunk) < PAGE_SIZE:
                return items
            page += 1

    @property
    def version(self) -> tuple[int, ...]:
        """CloudStack version from listCapabilities, e.g. (4, 22, 0, 0)."""
        if self._version is None:
            caps = self.call("listCapabilities", retry=True).get("capability", {})
            self._version = parse_version(str(caps.get("cloudstackversion", "0")))
        return self._version


def parse_version(text: str) -> tuple[int, ...]:
    """'4.22.0.0-SNAPSHOT' → (4, 22, 0, 0)."""
    numbers = re.findall(r"\d+", text.split("-", 1)[0])
    return tuple(int(n) for n in numbers) or (0,)
