# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""``AcsModule``: the AnsibleModule wrapper every acs.ingest module uses.

It adds the CloudStack connection options, builds the client lazily (modules that only read
libvirt never need one), turns every ``AcsIngestError`` into one clear ``fail_json`` line,
and always returns ``api_calls`` with secrets redacted. A ``ProblemsError`` fails with its summary
and one line per Problem in ``msg`` and the Problems as ``problems`` (dicts with code, field,
message, fix, subject), both from the error itself so nothing is rendered twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, NoReturn

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.client import (
    CS_IMPORT_ERROR,
    HAS_CS,
    CloudStackClient,
    ConnectionSettings,
)
from ansible_collections.acs.ingest.plugins.module_utils._core.context import RunContext
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import AcsIngestError


def connection_argument_spec() -> dict[str, Any]:
    """CloudStack connection options, with the environment variables ngine_io users already set."""
    return {
        "api_url": {"type": "str", "fallback": (env_fallback, ["CLOUDSTACK_ENDPOINT"])},
        "api_key": {"type": "str", "no_log": False, "fallback": (env_fallback, ["CLOUDSTACK_KEY"])},
        "api_secret": {"type": "str", "no_log": True, "fallback": (env_fallback, ["CLOUDSTACK_SECRET"])},
        "api_timeout": {"type": "int", "default": 30, "fallback": (env_fallback, ["CLOUDSTACK_TIMEOUT"])},
        "api_http_method": {
            "type": "str",
            "default": "get",
            "choices": ["get", "post"],
            "fallback": (env_fallback, ["CLOUDSTACK_METHOD"]),
        },
        "api_ca_file": {"type": "path", "fallback": (env_fallback, ["CLOUDSTACK_VERIFY"])},
        "validate_certs": {"type": "bool", "default": True},
    }


class AcsModule:
    """Wraps (does not subclass) AnsibleModule, in the style of amazon.aws."""

    def __init__(
        self,
        argument_spec: dict[str, Any],
        *,
        uses_cloudstack: bool = True,
        supports_check_mode: bool = True,
        echo_params: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
        **kwargs: Any,
    ) -> None:
        spec = dict(argument_spec)
        spec.update(connection_argument_spec())
        self.module = AnsibleModule(argument_spec=spec, supports_check_mode=supports_check_mode, **kwargs)
        self.uses_cloudstack = uses_cloudstack
        # What the result's invocation.module_args shows of the parameters (AnsibleModule echoes them
        # all); secrets are masked by AnsibleModule either way.
        self.echo_params = echo_params
        self._client: CloudStackClient | None = None

    @property
    def params(self) -> dict[str, Any]:
        return self.module.params

    @property
    def check_mode(self) -> bool:
        return bool(self.module.check_mode)

    @property
    def diff_mode(self) -> bool:
        return bool(getattr(self.module, "_diff", False))

    @property
    def client(self) -> CloudStackClient:
        """The CloudStack client, built on first use from the connection options."""
        if self._client is None:
            if not HAS_CS:
                self.module.fail_json(msg=missing_required_lib("cs"), exception=CS_IMPORT_ERROR)
            self._client = CloudStackClient(ConnectionSettings.from_params(self.params))
        return self._client

    def context(self) -> RunContext:
        """How the service runs: this task's check/diff mode, Ansible's warnings, the real clock."""
        return RunContext(
            clock=time.monotonic,
            sleep=time.sleep,
            warn=self.module.warn,
            check_mode=self.check_mode,
            diff_mode=self.diff_mode,
        )

    def require(self, library: str, available: bool, error: str | None) -> None:
        """Fail with Ansible's standard message when an optional Python library is missing."""
        if not available:
            self.module.fail_json(msg=missing_required_lib(library), exception=error)

    def api_calls(self) -> list[dict[str, Any]]:
        return self._client.api_calls if self._client else []

    def _invocation(self, result: dict[str, Any]) -> None:
        if self.echo_params is not None:
            result.setdefault("invocation", {"module_args": self.echo_params(dict(self.params))})

    def exit(self, **result: Any) -> NoReturn:
        result.setdefault("changed", False)
        result["api_calls"] = self.api_calls()
        self._invocation(result)
        self.module.exit_json(**result)
        raise AssertionError("exit_json returned")  # it exits the process; this tells the type checker

    def fail(self, error: AcsIngestError, **result: Any) -> NoReturn:
        result.update(error.to_result())
        result["api_calls"] = self.api_calls()
        self._invocation(result)
        self.module.fail_json(msg=str(error), **result)
        raise AssertionError("fail_json returned")  # it exits the process; this tells the type checker

    def run(self, action: Callable[[AcsModule], dict[str, Any]]) -> NoReturn:
        """Run the module's one call into module_utils and report its result."""
        try:
            result = action(self)
        except AcsIngestError as error:
            self.fail(error)
        self.exit(**result)
