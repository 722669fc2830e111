"""acs.ingest.unmanaged as an AWX inventory source: what it calls, what it needs, what it says.

AWX runs inventory updates with ANSIBLE_INVENTORY_UNPARSED_FAILED=true, so every run here
does too: a source that cannot be parsed fails the update instead of yielding an empty one.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_inventory import plain
from test_playbooks_bed import Bed, make_bed, vm_name

pytestmark = [pytest.mark.slow]
NO_CREDENTIALS = ("CLOUDSTACK_ENDPOINT", "CLOUDSTACK_KEY", "CLOUDSTACK_SECRET")


@pytest.fixture
def bed(tmp_path: Path) -> Bed:
    made = make_bed(tmp_path / "bed", 3)
    yield made
    made.sim.stop()


def sync(bed: Bed, config: dict[str, Any], credentials: bool) -> tuple[int, dict[str, Any], str]:
    source = bed.directory / "awx.unmanaged.yml"
    source.write_text(yaml.safe_dump({"plugin": "acs.ingest.unmanaged", **config}))
    env = {k: v for k, v in bed.env.items() if credentials or k not in NO_CREDENTIALS}
    env["ANSIBLE_INVENTORY_UNPARSED_FAILED"] = "true"
    proc = subprocess.run(
        ["ansible-inventory", "-i", str(source), "--list"],
        env=env, capture_output=True, text=True, timeout=120, cwd="/", check=False,
    )  # fmt: skip
    try:
        data = plain(json.loads(proc.stdout))
    except json.JSONDecodeError:
        data = {}
    return proc.returncode, data, proc.stdout + proc.stderr


def api_calls(bed: Bed) -> int:
    return sum(bed.sim.stats()["calls"].values())


def test_libvirt_only_source_needs_no_cloudstack(bed: Bed) -> None:
    uri = f"test://{bed.directory / 'node.xml'}"
    before = api_calls(bed)
    rc, data, output = sync(bed, {"libvirt_uris": [uri]}, credentials=False)
    assert rc == 0, output
    assert sorted(data["_meta"]["hostvars"]) == [vm_name(i) for i in range(3)]
    host = data["_meta"]["hostvars"][vm_name(0)]
    assert host["acs_source"] == "libvirt" and host["acs_location"] == uri
    assert api_calls(bed) == before  # not one CloudStack call


def test_cloudstack_source_without_credentials_says_what_to_set(bed: Bed) -> None:
    rc, _, output = sync(bed, {}, credentials=False)
    assert rc != 0
    assert "api_url: api_url, api_key, api_secret not set" in output
    assert "this source needs CloudStack because of all_kvm_clusters" in output
    assert "CLOUDSTACK_ENDPOINT, CLOUDSTACK_KEY, CLOUDSTACK_SECRET" in output
    assert "attach a CloudStack credential to the inventory source" in output
    assert "module_defaults" not in output and "Traceback" not in output


def test_libvirt_source_with_a_zone_needs_credentials_and_says_why(bed: Bed) -> None:
    uri = f"test://{bed.directory / 'node.xml'}"
    rc, _, output = sync(bed, {"libvirt_uris": [{"uri": uri, "zone": "zone1"}]}, credentials=False)
    assert rc != 0 and "because of libvirt_uris (zone/cluster)" in output
    rc, data, output = sync(bed, {"libvirt_uris": [{"uri": uri, "zone": bed.sim.first("listZones", "zone")["id"]}]},
                            credentials=True)  # fmt: skip
    assert rc == 0, output
    assert data["_meta"]["hostvars"][vm_name(0)]["acs_zone_id"] == bed.sim.first("listZones", "zone")["id"]
    assert bed.sim.api_secret not in output
