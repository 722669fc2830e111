"""Agent-side rules, one test per case and agent release: listed or left out, with the rule code and fields.

One simulator (management server 4.22) serves a cluster with one host per agent release on qemu:///system and
one per release on a test-driver node, so a single listUnmanagedInstances call shows every case through every
release's agent (as during a rolling upgrade). Cases libvirt cannot carry go to the agent layer directly.
Expectations come from ``agent_cases`` (written from CloudStack's source), never from the simulator's code.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from acs_simulator import agent_listing, domparser
from acs_simulator.fixtures import SimHandle, embedded_seed

from .agent_bed import AgentBed, domain_xml
from .agent_cases import CASES, RELEASES, Case

pytestmark = pytest.mark.libvirt
LIBVIRT_CASES = [c for c in CASES if c.driver != "parser"]
PARSER_CASES = [c for c in CASES if c.driver == "parser"]


def _fake_host_root(root: Path) -> Path:
    """/sys and /proc as the agent reads them: cloudbr1's first port is VLAN 77, cloudbr0's is plain eno1."""
    (root / "sys/devices/virtual/net/cloudbr1/brif/eth1.77").mkdir(parents=True)
    (root / "sys/devices/virtual/net/cloudbr0/brif/eno1").mkdir(parents=True)
    (root / "proc/net/vlan").mkdir(parents=True)
    (root / "proc/net/vlan/eth1.77").write_text("eth1.77  VID: 77\t REORDER_HDR: 1  dev->priv_flags: 1\n")
    return root


@pytest.fixture(scope="module")
def listing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[tuple[str, str], Any]]:
    """(case ident, release) → the listed instance, or ("drop", code) when the agent left it out."""
    work = tmp_path_factory.mktemp("agent-rules")
    bed = AgentBed(node_xml=work / "node.xml")
    sim = None
    try:
        bed.build(tuple(LIBVIRT_CASES))
        root = str(_fake_host_root(work / "root"))
        seed = embedded_seed()
        hosts = []
        for release in RELEASES:
            for kind, uri in (("qemu", "qemu:///system"), ("test", f"test://{bed.node_xml}")):
                name = f"agent-{kind}-{release}"
                hosts.append(
                    {"name": name, "uri": uri, "ipaddress": "127.0.0.1", "agentversion": release, "vlan_root": root}
                )
        seed["zones"][0]["clusters"].append({"name": "agents", "hypervisor": "KVM", "hosts": hosts})
        sim = SimHandle(work / "sim", seed, "4.22")
        cluster = next(c["id"] for c in sim.call("listClusters")["cluster"] if c["name"] == "agents")
        found = sim.call("listUnmanagedInstances", clusterid=cluster).get("unmanagedinstance", [])
        drops = sim.agent_drops()
        by_name = {v: k for k, v in bed.names.items()}
        out: dict[tuple[str, str], Any] = {}
        for inst in found:
            kind, release = inst["hostname"].split("-")[1:]
            case = next((c for c in LIBVIRT_CASES if c.ident == by_name.get(inst["name"])), None)
            if case is not None and case.driver == kind:
                out[(case.ident, release)] = inst
        for drop in drops:
            if drop["listing"] != "unmanaged" or drop["name"] not in by_name:
                continue
            kind, release = drop["host"].split("-")[1:]
            case = next(c for c in LIBVIRT_CASES if c.ident == by_name[drop["name"]])
            if case.driver == kind:
                out[(case.ident, release)] = ("drop", drop["code"])
        yield out
    finally:
        if sim is not None:
            sim.stop()
        bed.cleanup()


@pytest.mark.parametrize("release", RELEASES)
@pytest.mark.parametrize("case", LIBVIRT_CASES, ids=lambda c: c.ident)
def test_agent_rule_on_libvirt(listing: dict[tuple[str, str], Any], case: Case, release: str) -> None:
    got = listing.get((case.ident, release))
    assert got is not None, f"{case.ident} neither listed nor recorded as dropped by the {release} agent"
    if release in case.drops:
        assert got == ("drop", case.code_for(release)), got
    else:
        assert isinstance(got, dict), f"{release} agent dropped it: {got}"
        if case.check is not None:
            case.check(got, release)


@pytest.mark.parametrize("release", RELEASES)
@pytest.mark.parametrize("case", PARSER_CASES, ids=lambda c: c.ident)
def test_agent_rule_on_hand_made_xml(case: Case, release: str) -> None:
    """XML libvirt refuses or rewrites: the agent layer itself, with libvirt's answers for a running domain
    (a shut-off one for the remote listing)."""
    xml = domain_xml(case, "h3agent-parser", "test", [Path(f"/i/disk{i}.qcow2") for i in range(case.disks)])
    vcpus = 0 if case.code == "cpuspeed_zero_running_vcpus" else case.vcpus
    remote = case.listing == "remote"
    runtime = agent_listing.StaticRuntime(xml=xml, vcpus=vcpus, active=not remote)
    wrapper = agent_listing.remote_instance if remote else agent_listing.unmanaged_instance
    try:
        inst = wrapper("h3agent-parser", xml, runtime, release)
    except domparser.AgentDrop as drop:
        assert release in case.drops, f"{release} agent dropped it: {drop.code} {drop.text}"
        assert drop.code == case.code_for(release), (drop.code, drop.text)
        return
    assert release not in case.drops, f"the {release} agent should leave it out ({case.code})"
    if case.check is not None:
        case.check(inst, release)
