# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""Why CloudStack could not list or import a libvirt domain: the rules catalogue applied to it.

The agent's rules (``_rules.agent_listing``: what drops the domain from the listing, by agent
version) and the server's rules a listed instance breaks on its own (``_rules.import_listed``)
become Problems; ``import_result`` turns them into the documented result keys.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._core.problems import Problem
from ansible_collections.acs.ingest.plugins.module_utils._rules.catalogue import (
    IMPORT_EXTERNAL,
    IMPORT_UNMANAGED,
    Finding,
)
from ansible_collections.acs.ingest.plugins.module_utils._rules.import_listed import listed_findings
from ansible_collections.acs.ingest.plugins.module_utils._rules.versions import Version

BLOCKER, WARNING = "blocker", "warning"  # severity in ``import_problems``
UNMANAGED = "unmanaged"  # listUnmanagedInstances / importUnmanagedInstance on a cluster host
EXTERNAL = "external"  # listVmsForImport / importVm from a non-CloudStack host
BUS_UNREADABLE = ("disk_bus_unknown", "disk_bus_blank", "disk_target_missing")
VCPUS_UNREADABLE = "domain_not_running"
API_OF_TARGET = {UNMANAGED: IMPORT_UNMANAGED, EXTERNAL: IMPORT_EXTERNAL, "cloudstack": IMPORT_UNMANAGED}


def split(findings: Iterable[Finding]) -> tuple[list[Problem], list[Problem]]:
    """(blockers, warnings) as Problems; a code reported twice for the same field is kept once."""
    blockers: list[Problem] = []
    warnings: list[Problem] = []
    seen: set[tuple[str, str, str]] = set()
    for finding in findings:
        key = (finding.code, finding.field, finding.detail)
        if key in seen:
            continue
        seen.add(key)
        (blockers if finding.blocks else warnings).append(finding.as_problem())
    return blockers, warnings


def instance_problems(
    instance: Mapping[str, Any], target: str, version: Version, agent_findings: Iterable[Finding] = ()
) -> tuple[list[Problem], list[Problem]]:
    """The agent's findings for this domain (if any) plus the server rules the listed instance breaks."""
    api = API_OF_TARGET.get(target, IMPORT_UNMANAGED)
    agent = list(agent_findings)
    listed = listed_findings(version, instance, api=api)
    if any(f.code in BUS_UNREADABLE for f in agent):
        # the agent could not read a disk's bus: "no controller" is the same problem said twice
        listed = [f for f in listed if f.code != "root_disk_controller_missing"]
    if any(f.code == VCPUS_UNREADABLE for f in agent) and instance.get("cpunumber") is None:
        # libvirt counts no running vCPUs of a domain that is not running, so the agent drops it and
        # CloudStack lists nothing: "CloudStack lists cpunumber None" would be the same problem, untrue.
        listed = [f for f in listed if not (f.code == "vm_cpu_or_memory_zero" and f.field == "cpunumber")]
    return split([*agent, *listed])


def import_result(blockers: list[Problem], warnings: list[Problem]) -> dict[str, Any]:
    """The documented result keys: ``import_blockers`` / ``import_warnings`` as one line each,
    ``importable``, and ``import_problems`` with every Problem's parts and its severity."""
    return {
        "importable": not blockers,
        "import_blockers": [problem.line() for problem in blockers],
        "import_warnings": [problem.line() for problem in warnings],
        "import_problems": [{**problem.as_dict(), "severity": BLOCKER} for problem in blockers]
        + [{**problem.as_dict(), "severity": WARNING} for problem in warnings],
    }
