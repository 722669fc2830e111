"""When the inventory source needs CloudStack, and what it says when credentials are missing."""

from __future__ import annotations

from pathlib import Path

import pytest
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import InputError
from ansible_collections.acs.ingest.plugins.module_utils._services.inventory_source import (
    SourceOptions,
    connect,
    discover,
    plan_rows,
)

LIBVIRT = "qemu+ssh://root@kvm3/system"


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        ({}, "all_kvm_clusters"),  # nothing else listed: every KVM cluster
        ({"clusters": ["c1"]}, "clusters"),
        ({"external_hosts": [{"host": "h", "zone": "z"}]}, "external_hosts"),
        ({"libvirt_uris": [LIBVIRT]}, None),  # libvirt only: no CloudStack at all
        ({"libvirt_uris": [{"uri": LIBVIRT}]}, None),
        ({"libvirt_uris": [{"uri": LIBVIRT, "zone": "zone1"}]}, "libvirt_uris (zone/cluster)"),
        ({"libvirt_uris": [LIBVIRT], "all_kvm_clusters": True}, "all_kvm_clusters"),
        ({"all_kvm_clusters": False}, None),
    ],
)
def test_cloudstack_only_when_the_source_needs_it(options: dict, reason: str | None) -> None:
    assert SourceOptions(connection={}, **options).needs_cloudstack() == reason


def test_missing_credentials_name_the_inventory_options_and_environment() -> None:
    with pytest.raises(InputError) as caught:
        connect(SourceOptions(connection={"api_url": "https://cloud.example/client/api"}), "clusters")
    text = str(caught.value)
    assert caught.value.field == "api_key"
    assert "api_key, api_secret not set" in text and "because of clusters" in text
    assert "CLOUDSTACK_KEY, CLOUDSTACK_SECRET" in text and "inventory file" in text and "inventory source" in text
    assert "module_defaults" not in text


def test_a_source_without_anything_to_list_calls_nothing() -> None:
    warnings: list[str] = []
    assert discover(SourceOptions(connection={}, all_kvm_clusters=False), warnings.append) == []
    assert warnings == []


def test_plan_file_is_relative_to_the_inventory_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "plan.csv").write_text("vm,cluster,wave\nweb-1,c1,3\n")
    monkeypatch.chdir("/")
    rows = plan_rows(SourceOptions(connection={}, plan_file="plans/plan.csv", source_dir=str(tmp_path)), print)
    assert rows[("c1", "web-1")]["wave"] == 3 and rows[("", "web-1")]["wave"] == 3


def test_a_missing_plan_file_is_a_warning_naming_the_resolved_path(tmp_path: Path) -> None:
    warnings: list[str] = []
    options = SourceOptions(connection={}, plan_file="plan.csv", source_dir=str(tmp_path))
    assert plan_rows(options, warnings.append) == {}
    missing = f"{tmp_path}/plan.csv"
    assert warnings == [f"acs.ingest.unmanaged: plan_file {missing} does not exist yet; using plan_defaults only"]


def test_a_libvirt_entry_names_the_agent_version_its_domains_are_judged_by() -> None:
    pytest.importorskip("libvirt")
    from ansible_collections.acs.ingest.plugins.module_utils._services.inventory_source import _libvirt

    old = _libvirt({"uri": "test:///default", "agent_version": "4.19"}, [], [])
    new = _libvirt("test:///default", [], [])
    assert old and {r["instance"]["agent_version"] for r in old} == {"4.19.0"}
    assert {r["instance"]["agent_version"] for r in new} == {"4.22.0"}
    with pytest.raises(InputError) as caught:
        _libvirt({"uri": "test:///default", "agent_version": "four"}, [], [])
    assert caught.value.field == "libvirt_uris" and "test:///default" in str(caught.value) and caught.value.fix
