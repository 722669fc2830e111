"""The collection's rules catalogue and the simulator's rule table name the same rules.

``CATALOGUE`` (plugins/module_utils/_rules/registry.py) and ``rules_table`` (tests/acs_simulator/conformance:
modelled, unreachable and not-modelled codes) are written independently. Every code must be on both sides,
under the same name or an alias below, with corresponding kinds, unless it is in an allowlist here with the
reason. A rule added on one side only fails this test until the other side gets it or it is allowlisted; an
allowlist entry that is no longer needed fails too.
"""

from __future__ import annotations

from acs_simulator.conformance.rules_table import ALL_CODES, NOT_MODELLED, RULES, UNREACHABLE
from ansible_collections.acs.ingest.plugins.module_utils._rules.registry import CATALOGUE

# catalogue kind -> rule table kinds
KINDS = {
    "agent_drop": {"agent-drop"},
    "agent_field": {"agent-field"},
    "server_rejection": {"server-error"},
    "unmanage_precondition": {"server-error"},
    "warning": {"server-silent"},
}

# the same CloudStack check under two names (catalogue code -> simulator code); both codes are public on
# their side (the catalogue's are stable, documented in docs/rules.md), so they are mapped rather than renamed
ALIASES = {
    "owner_account_inactive": "owner_inactive",  # UnmanagedVMsManagerImpl: owner account not enabled
    "external_template_ignored": "external_template",  # importKvmInstance records the KVM dummy template
    "local_shared_disk_path_invalid": "local_shared_disk_not_found_or_invalid",  # CheckVolume on the pool file
    "unmanage_stopped_vm_not_on_hypervisor": "unmanage_vm_not_on_hypervisor",  # existsVMToUnmanage, pre-4.22
}

# kinds that differ on purpose
KIND_EXCEPTIONS = {
    "remote_username_required": (
        "4.19.0's listVmsForImport refuses the call (InvalidParameterValueException): a server rejection of the "
        "listing in the catalogue, an agent-side listing outcome ('agent-warn') in the simulator's table"
    ),
}

_NETWORK = (
    "createNetwork/addNicToVirtualMachine/addIpToNic rule: the simulator checks these in commands/network_create.py "
    "and commands/nics.py (tests test_s6_*) without codes in its rule table, which lists the listing, import and "
    "unmanage rules of the research notes"
)
_POST_IMPORT = "the collection's advice after an import (post_import); CloudStack does nothing at import time"
COLLECTION_ONLY = {
    **{
        code: _NETWORK
        for code in (
            "l2_network_with_addresses",
            "network_gateway_invalid",
            "network_ip_invalid",
            "network_ip_range_holds_gateway",
            "network_ip_range_outside_subnet",
            "network_ip_range_reversed",
            "network_netmask_invalid",
            "network_offering_for_vpc",
            "network_offering_not_enabled",
            "network_offering_not_guest",
            "network_offering_type_differs",
            "network_offering_without_ip_ranges",
            "network_offering_without_specifyvlan",
            "network_vlan_in_guest_range",
            "network_vlan_in_use",
            "nic_hostname_on_network",
            "nic_network_other_zone",
            "nic_on_network_already",
            "physical_network_ambiguous",
            "physical_network_not_enabled",
            "physical_network_other_zone",
            "physical_network_without_guest_traffic",
            "secondary_ip_limit",
            "secondary_ip_not_free",
            "secondary_ip_on_l2_network",
            "shared_network_gateway_required",
            "shared_network_ip_range_required",
            "shared_network_without_ip_range",
        )
    },
    "config_drive_at_start": _POST_IMPORT,
    "console_after_live_import": _POST_IMPORT,
}

_LOOKUP = (
    "a lookup or request-shape error: the collection resolves names/ids by lookup (one InputError naming the "
    "field, with candidates) and builds these parameters itself, so it needs no catalogue rule"
)
_RUNTIME = "fails while the job runs (agent, copy, migration, allocation): nothing in the request or state predicts it"
_LIMITS = "account resource limits: the catalogue has no limit rules (the pre-flight reads no listResourceLimits)"
_SILENT = "a silent server behaviour the simulator reproduces; the catalogue has no warning for it"
_FOLDED = "folded into a broader catalogue rule"
SIMULATOR_ONLY = {
    **dict.fromkeys(
        (
            "caller_not_root_admin",
            "cluster_not_found_or_unsupported",
            "project_not_found",
            "service_offering_not_found",
            "template_not_found",
            "offering_not_accessible",
            "network_permission_denied",
            "vm_not_found_in_cluster",
            "unmanage_vm_not_found",
            "importvm_zone_invalid",
            "importsource_invalid",
            "importvm_hypervisor_not_kvm",
            "importvm_unmanaged_source_kvm",
            "nic_network_mapping_invalid",
            "nic_ip_mapping_invalid",
            "disk_offering_mapping_invalid",
            "import_name_empty",
            "unmanage_not_user_vm",
            "external_vm_not_found_or_running",
            "name_and_keyword_filters",
        ),
        _LOOKUP,
    ),
    **dict.fromkeys(
        (
            "agent_answer_failed",
            "external_copy_failed",
            "import_migration_failed",
            "external_remote_list_failed",
            "remote_listing_failed",
            "local_shared_nic_failure_leftover",
            "unmanage_persist_failed",
            "unmanage_pending_jobs",
            "external_no_deployment_destination",
            "local_shared_no_deployment_destination",
            "unmanage_no_host_to_verify",
            "unmanage_persist_no_host",
            "ip_auto_no_free_address",
            "local_shared_network_invalid",
            "unmanage_root_snapshot_in_progress",
            "unmanage_volume_state_invalid",
            "external_disk_size_invalid",
        ),
        _RUNTIME,
    ),
    **dict.fromkeys(
        ("cpu_memory_limit_exceeded", "primary_storage_limit_exceeded", "vm_limit_exceeded", "volume_limit_exceeded"),
        _LIMITS,
    ),
    **dict.fromkeys(
        (
            "details_only_first_entry",
            "details_stored_on_fixed_offering",
            "external_nics",
            "external_no_size_or_tag_checks",
            "external_uefi_lost",
            "instance_name_kept",
            "local_shared_ip_and_mac",
            "local_volume_on_first_local_pool",
            "nic_auto_mapped_wrong_network",
            "offering_cpuspeed_mismatch",
            "template_properties_applied",
            "volume_format_recorded_qcow2",
        ),
        _SILENT,
    ),
    "details_cpuspeed_malformed": _FOLDED + " (details_numeric_malformed, every numeric detail)",
    "hostname_default_invalid": _FOLDED + " (hostname_invalid; its note gives the default-hostname text)",
    "ip_is_gateway": _FOLDED + " (ip_outside_cidr: the gateway is not an available address of the CIDR)",
    "root_disk_ambiguous": _FOLDED + " (datadisk_mapping_count_mismatch / the planner's root disk choice)",
    "local_shared_custom_offering_details": _FOLDED + " (external_custom_offering_details covers importVm)",
    "unmanage_cks_member": "newer than 4.22 on upstream main; neither side models it (simulator: not modelled)",
}


def _simulator_kind(code: str) -> str | None:
    return RULES.get(code)


def test_allowlists_name_real_codes_with_reasons() -> None:
    for code, reason in {**COLLECTION_ONLY, **KIND_EXCEPTIONS}.items():
        assert code in CATALOGUE and reason.strip(), code
    for code, reason in SIMULATOR_ONLY.items():
        assert code in ALL_CODES and reason.strip(), code
    assert set(ALIASES) <= set(CATALOGUE) and set(ALIASES.values()) <= ALL_CODES


def test_every_catalogue_rule_is_in_the_simulator_table() -> None:
    missing = {code for code in CATALOGUE if ALIASES.get(code, code) not in ALL_CODES}
    assert sorted(missing - set(COLLECTION_ONLY)) == [], "catalogue rules the simulator's table lacks"
    assert sorted(set(COLLECTION_ONLY) - missing) == [], "allowlisted as collection-only but now on both sides"


def test_every_simulator_code_is_in_the_catalogue() -> None:
    known = set(CATALOGUE) | set(ALIASES.values())
    missing = set(ALL_CODES) - known
    assert sorted(missing - set(SIMULATOR_ONLY)) == [], "simulator rules the catalogue lacks"
    assert sorted(set(SIMULATOR_ONLY) - missing) == [], "allowlisted as simulator-only but now on both sides"


def test_agent_rules_correspond_exactly() -> None:
    """The agent side has no allowlist for rules a domain's XML can trigger: both read the same parser."""
    ours = {code for code, rule in CATALOGUE.items() if rule.kind in ("agent_drop", "agent_field")}
    theirs = {code for code, kind in RULES.items() if kind in ("agent-drop", "agent-field")}
    assert sorted(ours - theirs) == []
    assert sorted(theirs - ours - set(SIMULATOR_ONLY)) == []


def test_kinds_correspond() -> None:
    wrong = []
    for code, rule in CATALOGUE.items():
        theirs = _simulator_kind(ALIASES.get(code, code))
        if theirs is None or code in KIND_EXCEPTIONS:
            continue  # unreachable / not modelled there, or allowlisted
        if theirs not in KINDS[rule.kind]:
            wrong.append(f"{code}: catalogue {rule.kind}, simulator {theirs}")
    assert wrong == []
    assert all(code in RULES or code in UNREACHABLE or code in NOT_MODELLED for code in ALL_CODES)
