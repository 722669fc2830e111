# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""``HostModule``: the AnsibleModule wrapper of the modules that run on the KVM hosts themselves.

These modules (the roles' libvirt TCP listener, firewall, probe and domain persistence) never
talk to CloudStack, so unlike ``AcsModule`` this wrapper adds no connection options and does not
pull the CloudStack client into the module payload shipped to the host. It keeps the same error
contract: every ``AcsIngestError`` becomes one ``fail_json`` line, never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import AcsIngestError


class HostModule:
    """Wraps AnsibleModule for the host-side modules; check mode is always supported."""

    def __init__(self, argument_spec: dict[str, Any], **kwargs: Any) -> None:
        self.module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True, **kwargs)

    @property
    def params(self) -> dict[str, Any]:
        return self.module.params

    @property
    def check_mode(self) -> bool:
        return bool(self.module.check_mode)

    @property
    def diff_mode(self) -> bool:
        return bool(getattr(self.module, "_diff", False))

    def require(self, library: str, available: bool, error: str | None) -> None:
        """Fail with Ansible's standard message when a Python library is missing on the host."""
        if not available:
            self.module.fail_json(msg=missing_required_lib(library), exception=error)

    def warn(self, message: str) -> None:
        self.module.warn(message)

    def run(self, action: Callable[[HostModule], dict[str, Any]]) -> NoReturn:
        """Run the module's one call into module_utils and report its result."""
        try:
            result = action(self)
        except AcsIngestError as error:
            self.module.fail_json(msg=str(error), **error.to_result())
            raise AssertionError("fail_json returned") from None  # it exits; this tells the type checker
        result.setdefault("changed", False)
        self.module.exit_json(**result)
        raise AssertionError("exit_json returned")
