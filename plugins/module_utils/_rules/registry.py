# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""Every rule of the catalogue, by code: what docs and tests enumerate."""

from __future__ import annotations

from ansible_collections.acs.ingest.plugins.module_utils._rules import (
    agent_devices,
    agent_disks,
    agent_domain,
    import_disks,
    import_network,
    import_offering,
    import_owner,
    import_pools,
    network_addresses,
    network_create,
    post_import,
    unmanage_rules,
)
from ansible_collections.acs.ingest.plugins.module_utils._rules.catalogue import KINDS, Rule

_MODULES = (
    agent_domain,
    agent_disks,
    agent_devices,
    import_owner,
    import_offering,
    import_disks,
    import_pools,
    import_network,
    unmanage_rules,
    network_create,
    network_addresses,
    post_import,
)


def _collect() -> dict[str, Rule]:
    rules: dict[str, Rule] = {}
    for module in _MODULES:
        for rule in module.RULES:
            if rule.code in rules:
                raise ValueError(f"rule code {rule.code} is defined twice")
            if rule.kind not in KINDS:
                raise ValueError(f"rule {rule.code} has unknown kind {rule.kind}")
            rules[rule.code] = rule
    return rules


CATALOGUE: dict[str, Rule] = _collect()


def rule(code: str) -> Rule:
    return CATALOGUE[code]


def rules(kind: str | None = None) -> list[Rule]:
    """The catalogue in definition order, optionally of one kind."""
    return [r for r in CATALOGUE.values() if kind is None or r.kind == kind]
