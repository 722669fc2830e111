"""acs.ingest.unmanaged_instance_info through the ansible CLI, as a user runs it.

Real QEMU domains on the local libvirtd; the CloudStack sources talk to the simulator
(tests/acs_simulator), whose KVM host kvm1 is the same local libvirtd.
"""

from __future__ import annotations

import filecmp
import json
import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.acs.ingest.plugins.module_utils._services.instance_info import INSTANCE_KEYS
from infra.domains import DiskSpec, DomainFactory, NicSpec, domain_factory

pytestmark = [pytest.mark.libvirt, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]
MIB = 1024 * 1024
OWN_FILES = [
    "plugins/modules/unmanaged_instance_info.py",
    "plugins/module_utils/_services/instance_info.py",
    "plugins/module_utils/_libvirt/domain_xml.py",
    "plugins/module_utils/_libvirt/host.py",
    "plugins/module_utils/_libvirt/vlan.py",
    "plugins/module_utils/_libvirt/blockers.py",
    "plugins/module_utils/_rules/agent_listing.py",
    "plugins/module_utils/_rules/agent_parse.py",
]


def collections_dir() -> Path:
    return Path(os.environ.get("ANSIBLE_COLLECTIONS_PATH", REPO / ".cache" / "collections").split(":")[0])


@pytest.fixture(scope="module", autouse=True)
def installed_collection() -> None:
    """Build and install the collection unless the installed copy already has this tree's files."""
    installed = collections_dir() / "ansible_collections" / "acs" / "ingest"
    if all((installed / f).exists() and filecmp.cmp(REPO / f, installed / f, shallow=False) for f in OWN_FILES):
        return
    subprocess.run(["bash", str(REPO / "hack" / "install-collection.sh")], check=True, capture_output=True, timeout=300)


PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: the module under test
      acs.ingest.unmanaged_instance_info: "{{ module_args }}"
      register: result
      ignore_errors: true
    - name: hand the result to the test
      ansible.builtin.copy:
        content: "{{ result | to_json }}"
        dest: "{{ result_file }}"
      check_mode: false
"""


def run_module(args: list[str], env: dict[str, str] | None = None, check: bool = False) -> tuple[int, dict, str]:
    """Run the module in a one-task playbook; returns (0 if the module succeeded, its result, all output)."""
    with tempfile.TemporaryDirectory(prefix="acsit-uii-") as tmp:
        playbook, result_file, extra = Path(tmp, "play.yml"), Path(tmp, "result.json"), Path(tmp, "vars.json")
        playbook.write_text(PLAYBOOK)
        module_args = dict(arg.split("=", 1) for arg in args)
        extra.write_text(json.dumps({"module_args": module_args, "result_file": str(result_file)}))
        argv = ["ansible-playbook", "-i", "localhost,", "-c", "local", str(playbook), "-e", f"@{extra}"]
        if check:
            argv.append("--check")
        proc = subprocess.run(
            argv, env=dict(os.environ, **(env or {})), capture_output=True, text=True, timeout=300, check=False
        )
        out = proc.stdout + proc.stderr
        assert result_file.exists(), out
        result = json.loads(result_file.read_text())
    return (1 if result.get("failed") else 0), result, out


@pytest.fixture(scope="module")
def bed() -> Iterator[DomainFactory]:
    with domain_factory() as factory:
        factory.create(
            "web",
            vcpus=2,
            memory_mib=80,
            disks=[DiskSpec(32), DiskSpec(16)],
            nics=[NicSpec("cloudbr0"), NicSpec("breth1-100")],
            cputune_shares=1000,
        )
        factory.create("tmp", persistent=False, disks=[DiskSpec(8, format="raw")], nics=[NicSpec("cloudbr1")])
        factory.create(
            "off", running=False, nics=[NicSpec("breth1-200", model="e1000e"), NicSpec("cloudbr1", vlan=300)]
        )
        yield factory


def by_name(result: dict) -> dict[str, dict]:
    return {i["name"]: i for i in result["instances"]}


def test_libvirt_source_lists_local_domains_correctly(bed: DomainFactory) -> None:
    rc, result, out = run_module(["source=libvirt", "uri=qemu:///system", f"regex=^{bed.prefix}"])
    assert rc == 0, out
    assert result["changed"] is False and result["api_calls"] == [] and result["count"] == 3
    found = by_name(result)
    web, tmp, off = (found[bed.prefix + n] for n in ("web", "tmp", "off"))
    made = bed.created[0]
    assert tuple(web) == INSTANCE_KEYS
    assert (web["cpunumber"], web["memory"], web["cpuspeed"], web["powerstate"]) == (2, 80, 500, "PowerOn")
    assert [(d["label"], d["capacity"], d["controller"], d["imagepath"]) for d in web["disk"]] == [
        ("vda", 32 * MIB, "virtio", made.disks[0].path),
        ("vdb", 16 * MIB, "virtio", made.disks[1].path),
    ]
    # vlan: what we tell from the bridge name; vlanid: what a 4.22 agent would list (no 802.1Q here: absent)
    assert [(n["macaddress"], n["adaptertype"], n["vlan"], n["vlanid"]) for n in web["nic"]] == [
        (made.nics[0].mac, "virtio", None, None),
        (made.nics[1].mac, "virtio", 100, None),
    ]
    assert web["importable"] is True
    assert tmp["persistent"] is False and tmp["disk"][0]["capacity"] == 8 * MIB
    assert off["powerstate"] == "PowerOff" and off["importable"] is False
    assert [n["vlan"] for n in off["nic"]] == [200, 300]
    assert {"domain_not_running", "nic_model_unknown"} <= {p["code"] for p in off["import_problems"]}
    assert any("e1000e" in b for b in off["import_blockers"])


def test_the_ad_hoc_command_from_the_issue(bed: DomainFactory) -> None:
    """Exactly what a user types: ansible localhost -m ... -a 'source=libvirt uri=qemu:///system'."""
    proc = subprocess.run(
        ["ansible", "localhost", "-m", "acs.ingest.unmanaged_instance_info", "-a", "source=libvirt uri=qemu:///system"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # The default ad-hoc callback prints "localhost | SUCCESS => { ...json... }".
    assert "localhost | SUCCESS => " in proc.stdout
    result = json.loads(proc.stdout.split("=> ", 1)[1])
    found = by_name(result)
    web = found[bed.prefix + "web"]
    assert (web["cpunumber"], web["memory"]) == (2, 80)
    assert [d["capacity"] for d in web["disk"]] == [32 * MIB, 16 * MIB]
    assert [n["macaddress"] for n in web["nic"]] == [n.mac for n in bed.created[0].nics]
    assert {bed.prefix + "tmp", bed.prefix + "off"} <= set(found)


def test_check_mode_and_filters(bed: DomainFactory) -> None:
    rc, result, out = run_module(["source=libvirt", f"regex=^{bed.prefix}", "powerstate=PowerOff"], check=True)
    assert rc == 0, out
    assert [i["name"] for i in result["instances"]] == [bed.prefix + "off"]
    rc, result, out = run_module(["source=libvirt", f"name={bed.prefix}web"])
    assert rc == 0 and [i["name"] for i in result["instances"]] == [bed.prefix + "web"]


def assert_one_clear_line(rc: int, result: dict, out: str, field: str, needle: str) -> None:
    assert rc != 0
    assert result.get("failed") is True
    assert result["msg"].startswith(f"{field}: ") and needle in result["msg"], result["msg"]
    assert "\n" not in result["msg"] and "Fix:" in result["msg"]
    assert "Traceback" not in out
    # ansible-core 2.19 adds this placeholder to every failed result; a real traceback would be here.
    assert result.get("exception") in (None, "(traceback unavailable)")


def test_unreachable_uri_is_one_clear_error() -> None:
    rc, result, out = run_module(["source=libvirt", "uri=qemu+tcp://127.0.0.9/system"])
    assert_one_clear_line(rc, result, out, "uri", "cannot connect to libvirt at qemu+tcp://127.0.0.9/system")


def test_bad_regex_is_one_clear_error() -> None:
    rc, result, out = run_module(["source=libvirt", "regex=(unclosed"])
    assert_one_clear_line(rc, result, out, "regex", "not a valid regular expression")


@pytest.fixture
def sim_env(acs_sim: Any) -> dict[str, str]:
    return {
        "CLOUDSTACK_ENDPOINT": acs_sim.endpoint,
        "CLOUDSTACK_KEY": acs_sim.api_key,
        "CLOUDSTACK_SECRET": acs_sim.api_secret,
    }


def test_cloudstack_source_agrees_with_libvirt_and_hides_what_libvirt_shows(bed: DomainFactory, sim_env: dict) -> None:
    rc, cloud, out = run_module(["source=cloudstack", "cluster=cluster1", f"regex=^{bed.prefix}"], sim_env)
    assert rc == 0, out
    assert [c["command"] for c in cloud["api_calls"]][-1] == "listUnmanagedInstances"
    listed = by_name(cloud)
    # CloudStack lists the running, parseable domains and hides the shut-off one with an e1000e NIC.
    assert set(listed) == {bed.prefix + "web", bed.prefix + "tmp"}
    rc, local, out = run_module(["source=libvirt", f"regex=^{bed.prefix}"])
    direct = by_name(local)
    for name, inst in listed.items():
        assert tuple(inst) == INSTANCE_KEYS and inst["source"] == "cloudstack"
        assert inst["clustername"] == "cluster1"
        for key in ("cpunumber", "memory", "cpuspeed", "powerstate"):
            assert inst[key] == direct[name][key], key
        assert [d["capacity"] for d in inst["disk"]] == [d["capacity"] for d in direct[name]["disk"]]
        assert [n["macaddress"] for n in inst["nic"]] == [n["macaddress"] for n in direct[name]["nic"]]
    assert direct[bed.prefix + "off"]["import_blockers"]


def test_unknown_cluster_names_the_candidates(sim_env: dict) -> None:
    rc, result, out = run_module(["source=cloudstack", "cluster=nosuchcluster"], sim_env)
    assert rc != 0 and result["msg"].startswith("cluster: "), result
    assert "cluster1" in result["msg"] and "Traceback" not in out


def test_bad_credentials_are_one_clear_error(sim_env: dict) -> None:
    env = dict(sim_env, CLOUDSTACK_SECRET="wrong-secret")
    rc, result, out = run_module(["source=cloudstack", "cluster=cluster1"], env)
    assert rc != 0 and "401" in result["msg"] and "api_secret" in result["msg"], result
    assert "\n" not in result["msg"] and "Traceback" not in out
    assert "wrong-secret" not in out


def test_external_source_needs_zone_and_host(sim_env: dict) -> None:
    rc, result, out = run_module(["source=external", "zone=zone1"], sim_env)
    assert rc != 0 and result["msg"].startswith("host: ") and "Fix:" in result["msg"], result


def test_external_source_unreachable_host_and_password_not_logged(sim_env: dict) -> None:
    rc, result, out = run_module(
        ["source=external", "zone=zone1", "host=127.0.0.9", "username=root", "password=s3cr3t-pw"], sim_env
    )
    assert rc != 0 and "Traceback" not in out
    assert "listVmsForImport" in result["msg"] and "\n" not in result["msg"], result
    assert "s3cr3t-pw" not in out
