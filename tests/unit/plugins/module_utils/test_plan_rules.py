"""The planner applies the rules catalogue for the versions the catalog names (server, agent)."""

from __future__ import annotations

import copy
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._planner.build import build_import_plan
from ansible_collections.acs.ingest.plugins.module_utils._planner.types import GIB
from ansible_collections.acs.ingest.plugins.module_utils._planner.wishes import Wishes
from test_plan_build import CLUSTER, SMOKE_CATALOG, ZONE, smoke_instance

WISHES = {"template": "tmpl", "service_offering": "Small Instance", "nic_ips": {"1": "10.1.1.20"}}
NFS = {"id": "pool1", "name": "nfs1", "type": "NetworkFilesystem", "ipaddress": "10.0.0.5", "path": "/export/primary",
       "zoneid": ZONE, "clusterid": CLUSTER, "scope": "CLUSTER", "state": "Up"}  # fmt: skip


def instance(**disk: Any) -> dict[str, Any]:
    vm = smoke_instance()
    vm["disk"][0].update(
        {"datastoretype": "file", "datastorehost": "10.0.0.5", "datastorepath": "/export/primary"}, **disk
    )
    return vm


def plan(vm: dict[str, Any], catalog: dict[str, Any], wishes: dict[str, Any] | None = None, **kwargs: Any):  # type: ignore[no-untyped-def]
    return build_import_plan(
        vm, Wishes.from_mapping(wishes or WISHES), catalog, cluster_id=CLUSTER, zone_id=ZONE, **kwargs
    )


def codes(result: Any) -> list[str]:
    return [p.code for p in result.problems]


def catalog(**extra: Any) -> dict[str, Any]:
    return {**copy.deepcopy(SMOKE_CATALOG), "storage_pools": [NFS], "cloudstack_version": "4.22.0.0", **extra}


def test_a_disk_in_a_pool_passes_and_one_outside_every_pool_is_refused() -> None:
    assert codes(plan(instance(), catalog())) == []
    outside = instance(datastorehost=None, datastorepath="/var/lib/libvirt/images")
    result = plan(outside, catalog())
    assert codes(result) == ["disk_outside_storage_pools"]
    assert "nfs1 (NetworkFilesystem, 10.0.0.5:/export/primary)" in result.problems[0].message
    # without the zone's pools (not fetched) the rule is not judged
    assert codes(plan(outside, catalog(storage_pools=[]))) == []


def test_storage_tags_of_the_root_offering_must_fit_from_4_19_2() -> None:
    tagged = catalog()
    tagged["service_offerings"][0]["storagetags"] = "ssd"
    assert codes(plan(instance(), tagged)) == ["disk_outside_storage_pools"]
    tagged["cloudstack_version"] = "4.20.0"
    assert codes(plan(instance(), tagged)) == []  # 4.20.0 matched pools without tags (root disk never checked)


def test_ip_ranges_of_a_shared_network_are_enforced_from_4_20_2() -> None:
    shared = catalog()
    shared["networks"][2]["type"] = "Shared"
    shared["ip_ranges"] = {"iso": [["10.1.1.100", "10.1.1.199"]]}
    assert codes(plan(instance(), shared)) == ["ip_outside_range"]
    shared["cloudstack_version"] = "4.21.0"
    result = plan(instance(), shared)
    assert codes(result) == [] and any("ip_range_not_enforced" in n.message for n in result.notes)


def test_ip_in_use_and_hostname_in_use_on_the_network() -> None:
    busy = catalog(ips_in_use={"iso": ["10.1.1.20"]}, names_on_network={"iso": ["i-2-6-VM"]})
    assert codes(plan(instance(), busy, {**WISHES, "hostname": "i-2-6-VM"})) == [
        "ip_in_use",
        "hostname_in_use_on_network",
    ]


def test_template_larger_than_the_root_disk() -> None:
    big = catalog()
    big["templates"][0]["size"] = 8 * GIB
    assert codes(plan(instance(), big)) == ["root_disk_smaller_than_template"]


def test_host_tags_count_on_4_19_and_only_strict_tags_later() -> None:
    tags = catalog(hosts=[{"id": "host-uuid", "name": "kvm1", "hosttags": "ssd", "version": "4.19.0.0"}])
    tags["service_offerings"][0]["hosttags"] = "gpu"
    tags["cloudstack_version"] = "4.19.0"
    assert codes(plan(instance(), tags)) == ["host_tags_incompatible"]
    assert codes(plan(instance(), tags, {**WISHES, "migrate_allowed": True})) == []
    tags["cloudstack_version"] = "4.22.0"
    assert codes(plan(instance(), tags)) == []  # vm.strict.host.tags is empty by default


def test_a_uefi_vm_gets_details_uefi_where_cloudstack_would_lose_it() -> None:
    vm = {**instance(), "boottype": "UEFI", "bootmode": "SECURE"}
    kept = plan(vm, catalog())
    assert "details" not in kept.params  # a 4.22 server with a 4.22 agent records UEFI itself
    lost = plan(vm, catalog(cloudstack_version="4.20.1"))
    assert lost.params["details"] == [{"UEFI": "SECURE"}]
    assert any("uefi_not_preserved" in n.message for n in lost.notes)


def test_the_agent_version_comes_from_the_option_else_the_host() -> None:
    vm = {**instance(), "boottype": "UEFI", "bootmode": "LEGACY"}
    hosts = [{"id": "host-uuid", "version": "4.21.0.0"}]
    assert plan(vm, catalog(hosts=hosts)).params["details"] == [{"UEFI": "LEGACY"}]  # 4.21.0 agents never report it
    assert "details" not in plan(vm, catalog(hosts=hosts), agent_version="4.22").params
    # a libvirt source has no CloudStack host: the version its domains were judged for
    judged = {**vm, "hostid": None, "agent_version": "4.21.0"}
    assert plan(judged, catalog()).params["details"] == [{"UEFI": "LEGACY"}]
    assert "details" not in plan({**judged, "agent_version": "4.22.0"}, catalog()).params


def test_mac_rules_follow_the_server_version() -> None:
    vm = instance()
    vm["nic"][0]["macaddress"] = "02:00:4c:5f:00"
    assert "mac_invalid" in codes(plan(vm, catalog()))
    assert "mac_invalid" not in codes(plan(vm, catalog(cloudstack_version="4.19.0")))


def test_inventory_plans_are_judged_against_what_is_on_the_networks_even_without_mac_conflicts(
    monkeypatch: Any,
) -> None:
    """plan_all's second pass runs when anything is on the planned networks (here only a VM name)."""
    from ansible_collections.acs.ingest.plugins.module_utils._services import inventory_source

    class _Catalog:
        def as_planner_input(self) -> dict[str, Any]:
            return catalog()

    vm = instance()
    usage = {"macs_in_use": {}, "ips_in_use": {}, "names_on_network": {}, "ip_ranges": {}}

    def fetch_usage(client: Any, network_ids: list[str], networks: Any) -> dict[str, Any]:
        usage["names_on_network"] = {str(n).lower(): [vm["name"]] for n in network_ids}
        return usage

    monkeypatch.setattr(inventory_source, "fetch_zone_catalog", lambda client, zone: _Catalog())
    monkeypatch.setattr(inventory_source, "fetch_network_usage", fetch_usage)
    records = [inventory_source.record("cloudstack", vm, {"id": CLUSTER, "zoneid": ZONE}, ZONE, "kvm1")]
    inventory_source.plan_all(object(), records, {}, WISHES)  # type: ignore[arg-type]
    assert {p["code"] for p in records[0]["plan"]["problems"]} == {"hostname_in_use_on_network"}


def test_a_cluster_that_is_not_enabled_is_refused_from_4_19_2_and_4_20_1() -> None:
    disabled = catalog(clusters=[{"id": CLUSTER, "name": "c1", "allocationstate": "Disabled"}])
    result = plan(instance(), disabled)
    assert codes(result) == ["cluster_not_enabled"]
    assert "cluster c1 is Disabled" in result.problems[0].message
    for older in ("4.19.1", "4.20.0"):  # before 37eec06166 the server imported into a disabled cluster
        assert codes(plan(instance(), {**disabled, "cloudstack_version": older})) == []
    assert codes(plan(instance(), {**disabled, "cloudstack_version": "4.20.1"})) == ["cluster_not_enabled"]
    enabled = catalog(clusters=[{"id": CLUSTER, "name": "c1", "allocationstate": "Enabled"}])
    assert codes(plan(instance(), enabled)) == []
    # clusters not fetched: the rule is not judged
    assert codes(plan(instance(), catalog())) == []


def test_an_owner_account_that_is_not_enabled_is_refused_when_its_row_was_fetched() -> None:
    owner = {**WISHES, "account": "ops", "domainid": "d-1"}
    disabled = catalog(accounts=[{"id": "a-1", "name": "OPS", "domainid": "D-1", "state": "disabled"}])
    result = plan(instance(), disabled, owner)
    assert codes(result) == ["owner_account_inactive"]
    assert "account 'OPS' is disabled" in result.problems[0].message
    enabled = catalog(accounts=[{"id": "a-1", "name": "ops", "domainid": "d-1", "state": "enabled"}])
    assert codes(plan(instance(), enabled, owner)) == []
    # another domain's account of the same name, or no row fetched: the state is not judged
    other_domain = [{"id": "a-2", "name": "ops", "domainid": "d-2", "state": "locked"}]
    assert codes(plan(instance(), catalog(accounts=other_domain), owner)) == []
    assert codes(plan(instance(), catalog(), owner)) == []
    # looked up and not there (a row without an id)
    missing = catalog(accounts=[{"id": None, "name": "ops", "domainid": "d-1", "state": None}])
    assert codes(plan(instance(), missing, owner)) == ["owner_account_not_found"]


def test_a_project_that_is_not_active_is_refused_unless_an_account_owns_the_vm() -> None:
    suspended = catalog(projects=[{"id": "p-1", "name": "web", "state": "Suspended"}])
    result = plan(instance(), suspended, {**WISHES, "projectid": "P-1"})
    assert codes(result) == ["project_inactive"]
    assert "project 'web' is Suspended" in result.problems[0].message
    assert (
        codes(plan(instance(), catalog(projects=[{"id": "p-1", "state": "Active"}]), {**WISHES, "projectid": "p-1"}))
        == []
    )
    # finalyzeAccountId reads the account first and never looks at the project
    with_account = {**WISHES, "projectid": "p-1", "account": "ops", "domainid": "d-1"}
    assert "project_inactive" not in codes(plan(instance(), suspended, with_account))
