# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE: hostname choice and repair for imports (facts §2.1 item 8, §2.4).

CloudStack rejects the whole import when the hostname is not a valid DNS label
(1-63 chars of [a-zA-Z0-9-], no leading/trailing hyphen, no leading digit). VM names such
as `web_01.prod` or `01-db` are common on KVM hosts, so we repair them up front and
report each rewrite instead of letting the job fail.
"""

from __future__ import annotations

import re

from ansible_collections.acs.ingest.plugins.module_utils._core.parse import text
from ansible_collections.acs.ingest.plugins.module_utils._planner.types import Findings

MAX_LABEL = 63
# Prefix for names that start with a digit: short, obviously synthetic, still a valid label.
DIGIT_PREFIX = "vm-"
FALLBACK = "vm"

_VALID = re.compile(r"^[a-zA-Z][a-zA-Z0-9-]{0,62}$")
_INVALID_RUN = re.compile(r"[^a-zA-Z0-9-]+")


def is_valid_hostname(value: str) -> bool:
    """CloudStack's NetUtils.verifyDomainNameLabel(name, true) rule."""
    return bool(_VALID.match(value)) and not value.endswith("-")


def repair_hostname(value: str) -> tuple[str, list[str]]:
    """Return a valid hostname derived from `value` and the reasons it had to change."""
    reasons: list[str] = []
    result = value
    replaced = _INVALID_RUN.sub("-", result)
    if replaced != result:
        reasons.append("replaced characters other than letters, digits and '-'")
        result = replaced
    stripped = result.strip("-")
    if stripped != result:
        reasons.append("removed leading/trailing '-'")
        result = stripped
    if result[:1].isdigit():
        reasons.append(f"prefixed '{DIGIT_PREFIX}' because a hostname cannot start with a digit")
        result = DIGIT_PREFIX + result
    if len(result) > MAX_LABEL:
        reasons.append(f"truncated to {MAX_LABEL} characters")
        result = result[:MAX_LABEL].rstrip("-")
    if not result:
        reasons.append(f"nothing usable was left, used '{FALLBACK}'")
        result = FALLBACK
    return result, reasons


def choose_hostname(
    instance_name: str,
    given_hostname: str | None,
    displayname: str | None,
    findings: Findings,
    *,
    for_import_vm: bool = False,
) -> str:
    """The hostname to send, always explicit so CloudStack never derives an invalid one.

    CloudStack's own default differs by API: importUnmanagedInstance (KVM) falls back to the
    display name, importVm to the VM name. We mirror that so the result is what the user
    would have got, only valid.
    """
    if text(given_hostname):
        source, origin = text(given_hostname), "hostname"
    elif not for_import_vm and text(displayname):
        source, origin = text(displayname), "displayname"
    else:
        source, origin = text(instance_name), "VM name"
    hostname, reasons = repair_hostname(source)
    if reasons:
        findings.note(
            "hostname",
            f"'{source}' (from {origin}) is not a valid hostname; using '{hostname}' ({'; '.join(reasons)})",
        )
    return hostname
