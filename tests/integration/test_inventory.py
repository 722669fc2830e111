"""Inventory plugin acs.ingest.unmanaged against the simulator (test-driver host) and libvirt."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.acs.ingest.plugins.inventory.unmanaged import InventoryModule
from test_playbooks_bed import Bed, make_bed, vm_name

pytestmark = [pytest.mark.slow]


@pytest.fixture
def bed(tmp_path: Path) -> Bed:
    made = make_bed(tmp_path / "bed", 4)
    yield made
    made.sim.stop()


def inventory(bed: Bed, *args: str) -> tuple[int, dict[str, Any], str]:
    proc = subprocess.run(
        ["ansible-inventory", "-i", str(bed.inventory), "--list", *args],
        env=bed.env, capture_output=True, text=True, timeout=120, cwd=bed.directory,
    )  # fmt: skip
    try:
        data = json.loads(proc.stdout)
    except json.JSONDecodeError:
        data = {}
    return proc.returncode, data, proc.stdout + proc.stderr


def plain(value: Any) -> Any:
    """ansible-inventory marks API strings as unsafe ({'__ansible_unsafe': ...}); unwrap them."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def test_every_vm_is_a_host_with_facts_ids_and_a_ready_plan(bed: Bed) -> None:
    rc, data, output = inventory(bed)
    assert rc == 0, output
    hostvars = plain(data["_meta"]["hostvars"])
    names = [vm_name(i) for i in range(4)]
    assert sorted(hostvars) == names
    assert sorted(data["acs_import"]["hosts"]) == names and sorted(data["acs_plan_ok"]["hosts"]) == names
    zone = bed.sim.first("listZones", "zone")
    cluster = bed.sim.first("listClusters", "cluster")
    network = bed.sim.first("listNetworks", "network", name="l2-vlan100")
    offering = bed.sim.first("listServiceOfferings", "serviceoffering", name="custom-unconstrained")
    host = hostvars[names[0]]
    assert host["acs_zone_id"] == zone["id"] and host["acs_cluster_id"] == cluster["id"]
    assert host["acs_instance"]["nic"][0]["vlanid"] == 100
    params = host["acs_plan"]["params"]
    assert params["nicnetworklist"] == [{"nic": "0", "network": network["id"]}]
    assert params["serviceofferingid"] == offering["id"] and params["templateid"]
    assert host["acs_import_params"] == params and host["acs_wave"] == 1
    assert bed.sim.api_secret not in output


def test_constructed_groups_compose_and_strict(bed: Bed) -> None:
    bed.write_inventory(
        compose={"acs_upper": "acs_instance.name | upper"},
        groups={"small": "acs_instance.memory <= 64"},
        keyed_groups=[{"key": "acs_instance.powerstate", "prefix": "power"}],
    )
    rc, data, output = inventory(bed)
    assert rc == 0, output
    assert sorted(data["small"]["hosts"]) == [vm_name(i) for i in range(4)]
    assert "power_PowerOn" in data
    assert plain(data["_meta"]["hostvars"][vm_name(0)]["acs_upper"]) == vm_name(0).upper()

    bed.write_inventory(compose={"broken": "acs_instance.no_such_key.deeper"}, strict=True)
    rc, _, output = inventory(bed)
    assert "no_such_key" in output  # strict: the bad expression is an error, not silently skipped
    bed.write_inventory(compose={"broken": "acs_instance.no_such_key.deeper"}, strict=False)
    rc, data, output = inventory(bed)
    assert rc == 0 and "broken" not in data["_meta"]["hostvars"][vm_name(0)]


def test_cache_serves_the_inventory_while_cloudstack_is_down(bed: Bed, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    bed.write_inventory(cache=True, cache_plugin="ansible.builtin.jsonfile", cache_connection=str(cache_dir),
                        cache_timeout=3600)  # fmt: skip
    rc, first, output = inventory(bed)
    assert rc == 0, output
    cached = "".join(p.read_text() for p in cache_dir.iterdir())
    assert vm_name(0) in cached and bed.sim.api_secret not in cached
    bed.sim.stop()
    rc, again, output = inventory(bed)
    assert rc == 0, output
    assert sorted(again["_meta"]["hostvars"]) == sorted(first["_meta"]["hostvars"])
    rc, _, output = inventory(bed, "--flush-cache")
    assert "cannot reach CloudStack" in output and "Fix:" in output


def test_source_errors_are_one_clear_message(bed: Bed) -> None:
    bed.write_inventory(clusters=["no-such-cluster"])
    _, data, output = inventory(bed)
    assert "cluster 'no-such-cluster' not found; known: cluster1" in output and "Fix:" in output
    assert "Traceback" not in output
    bed.write_inventory(name_filter="([")
    _, _, output = inventory(bed)
    assert "name_filter" in output and "not a regular expression" in output
    plan = bed.directory / "bad.yml"
    plan.write_text("vms: [")
    bed.write_inventory(plan_file=str(plan))
    _, _, output = inventory(bed)
    assert "plan_file" in output and "not valid YAML" in output


def test_libvirt_uri_source_and_name_collisions(bed: Bed) -> None:
    node = bed.directory / "node.xml"
    bed.write_inventory(
        libvirt_uris=[{"uri": f"test://{node}", "zone": "zone1", "cluster": "cluster1",
                       "vlan_root": str(bed.directory / "root")}],
        all_kvm_clusters=True,  # with libvirt_uris the clusters are listed only when asked for
    )  # fmt: skip
    rc, data, output = inventory(bed)
    assert rc == 0, output
    hostvars = plain(data["_meta"]["hostvars"])
    assert f"{vm_name(0)}@test://{node}" in hostvars and f"{vm_name(0)}@h6-testhost" in hostvars
    from_libvirt = hostvars[f"{vm_name(0)}@test://{node}"]
    assert from_libvirt["acs_source"] == "libvirt" and from_libvirt["acs_plan"]["command"] == "importVm"
    assert len(data["acs_source_libvirt"]["hosts"]) == 4


@pytest.mark.parametrize(
    ("name", "accepted"),
    [("lab.unmanaged.yml", True), ("unmanaged.yaml", True), ("x.unmanaged.yaml", True),
     ("unmanaged.json", False), ("lab.yml", False), ("notunmanaged.yml", False)],
)  # fmt: skip
def test_verify_file_accepts_the_documented_names(tmp_path: Path, name: str, accepted: bool) -> None:
    path = tmp_path / name
    path.write_text("plugin: acs.ingest.unmanaged\n")
    assert InventoryModule().verify_file(str(path)) is accepted


@pytest.mark.external_host
def test_external_host_source_lists_stopped_vms_without_leaking_the_password(bed: Bed, external_domain_factory) -> None:
    from infra.external_host import DiskSpec

    dom = external_domain_factory("h6ext-inv", [DiskSpec("qcow2", 16)])
    password = "acs-import-test-pw"
    bed.write_inventory(
        all_kvm_clusters=False,
        external_hosts=[{"host": "127.0.0.2", "zone": "zone1", "cluster": "cluster1", "username": "acsimport",
                         "password": password}],
    )  # fmt: skip
    rc, data, output = inventory(bed)
    assert rc == 0, output
    hostvars = plain(data["_meta"]["hostvars"])
    assert dom.name in hostvars and not [name for name in hostvars if name.startswith("h6vm")]
    host = hostvars[dom.name]
    assert host["acs_source"] == "external" and host["acs_location"] == "127.0.0.2"
    assert host["acs_plan"]["command"] == "importVm" and host["acs_instance"]["powerstate"] == "PowerOff"
    assert password not in output
