"""Seeded import requests for the server-side differential test, and the two judges of each.

Three checks of importUnmanagedInstance the collection's pre-flight predicts from a request and the catalogue
state (listServiceOfferings, listNetworks, listVlanIpRanges), judged on one side by the rules catalogue's
pure check functions and on the other by the simulator's manager layer (a real in-process ``Simulator`` on a
SQLite database seeded with the embedded seed, one per release):
- hostname: NetUtils.verifyDomainNameLabel as ``hostname_findings`` / ``checks.hostname_for`` apply it;
- service offering: getUnmanagedInstanceServiceOffering + validateCustomParameters (``offering_findings`` /
  ``offerings.offering_for_vm``), for the seed's offerings and generated custom ones, VMs and details;
- NIC address: checkUnmanagedNicIpAndNetworkForImport + getSelectedIpForNicImport (``ip_findings`` /
  ``nets._check_ip`` then ``nets.select_ip``), on the seed's Shared, Isolated and L2 networks.
Each judge answers accepted (None) or rejected with a reason (the collection's codes, the simulator's text).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from acs_simulator.commands import checks, nets, offerings
from acs_simulator.errors import ApiError
from acs_simulator.params import Parsed
from acs_simulator.sim import Simulator
from ansible_collections.acs.ingest.plugins.module_utils._rules.catalogue import IMPORT_UNMANAGED, Finding
from ansible_collections.acs.ingest.plugins.module_utils._rules.import_network import hostname_findings, ip_findings
from ansible_collections.acs.ingest.plugins.module_utils._rules.import_offering import offering_findings
from ansible_collections.acs.ingest.plugins.module_utils._rules.versions import parse_version

# the catalogue's rules of getUnmanagedInstanceServiceOffering (details_numeric_malformed is judged later, at
# commitUserVm, which the simulator's offering step does not reach)
OFFERING_CODES = frozenset(
    {
        "vm_cpu_or_memory_zero",
        "custom_offering_cpu_out_of_range",
        "custom_offering_memory_out_of_range",
        "custom_offering_partly_fixed",
        "custom_offering_cpuspeed_missing",
        "offering_cpu_mismatch_running",
        "offering_memory_mismatch_running",
    }
)


@dataclass(frozen=True)
class Case:
    check: str  # hostname | offering | ip
    label: str
    request: dict[str, Any]


def _blocking(
    findings: list[Finding], version: tuple[int, int, int], codes: frozenset[str] | None = None
) -> str | None:
    hits = [f.code for f in findings if f.blocks and f.rule.applies(version) and (codes is None or f.code in codes)]
    return ",".join(hits) or None


# --- generators ----------------------------------------------------------------------------------------
_LABEL_PARTS = ("web", "DB", "a", "9", "-", "x-1", "\u212a", "\u0130", "é", "_", ".", " ", "ß", "\U0001f600")


def hostnames(rng: random.Random, count: int) -> list[Case]:
    fixed = ["a", "-a", "a-", "1a", "a" * 63, "a" * 64, "web\u212a", "\u212aelvin", "Web-01", "web_01", "ünï"]
    out = [Case("hostname", repr(name), {"hostname": name}) for name in fixed]
    for n in range(count):
        name = "".join(rng.choice(_LABEL_PARTS) for _ in range(rng.randint(1, 6)))
        if rng.random() < 0.1:
            name = name * 20
        out.append(Case("hostname", f"h{n}:{name!r}", {"hostname": name}))
    return out


def offering_cases(rng: random.Random, count: int) -> list[Case]:
    out = []
    for n in range(count):
        offering: dict[str, Any] = {"id": f"so-{n}", "name": f"so-{n}"}
        shape = rng.choice(("fixed", "custom", "constrained", "partly"))
        if shape == "fixed":
            offering.update(cpunumber=rng.choice((1, 2)), cpuspeed=500, memory=rng.choice((64, 512)))
        else:
            offering.update(cpunumber=None, cpuspeed=rng.choice((None, None, 1000)), memory=None)
        if shape == "constrained":
            offering.update(mincpunumber=1, maxcpunumber=2, minmemory=64, maxmemory=512)
        if shape == "partly":
            offering[rng.choice(("cpunumber", "memory"))] = rng.choice((1, 64))
        vm = {
            "name": f"vm{n}",
            "cpunumber": rng.choice((0, 1, 2, 4)),
            "memory": rng.choice((0, 16, 64, 512, 2048)),
            "cpuspeed": rng.choice((None, 0, 250, 2000)),
            "powerstate": rng.choice(("PowerOn", "PowerOff", "PowerUnknown")),
        }
        details = rng.choice(
            (
                {},
                {"cpuSpeed": "1000"},
                {"cpuSpeed": "fast"},
                {"cpuSpeed": "0"},
                {"cpuspeed": "1000"},
                {"CPUSPEED": "1500"},
                {"cpuSpeed": " 800"},
            )
        )
        out.append(Case("offering", f"o{n}:{shape}", {"offering": offering, "vm": vm, "details": details}))
    return out


_ADDRESSES = (
    "10.30.0.1",
    "10.30.0.5",
    "10.30.0.10",
    "10.30.0.150",
    "10.30.0.200",
    "10.30.0.201",
    "10.30.0.255",
    "10.30.0.0",
    "10.40.0.1",
    "10.40.0.7",
    "10.40.0.255",
    "10.50.0.3",
    "auto",
    "",
    None,
)


def ip_cases(rng: random.Random, networks: list[str], count: int) -> list[Case]:
    out = [Case("ip", f"{net}:{ip}", {"network": net, "ip": ip}) for net in networks for ip in _ADDRESSES]
    for n in range(count):
        ip = f"10.{rng.choice((30, 40))}.0.{rng.randrange(256)}"
        out.append(Case("ip", f"i{n}:{ip}", {"network": rng.choice(networks), "ip": ip}))
    return out


# --- judges --------------------------------------------------------------------------------------------
def collection(case: Case, release: str, sim: Simulator) -> str | None:
    version = parse_version(release)
    r = case.request
    if case.check == "hostname":
        return _blocking(hostname_findings(version, r["hostname"]), version)
    if case.check == "offering":
        found = offering_findings(
            version, api=IMPORT_UNMANAGED, offering=r["offering"], vm=r["vm"], details=r["details"]
        )
        return _blocking(found, version, OFFERING_CODES)
    network = sim.store.first("network", name=r["network"])
    ranges = [(row["startip"], row["endip"]) for row in nets.ranges_of(sim, network["id"])]
    found = ip_findings(
        version, nic_id="nic0", network=network, ip=r["ip"], ranges=ranges, used=nets.used_ips(sim, network["id"])
    )
    return _blocking(found, version)


def simulator(case: Case, sim: Simulator) -> str | None:
    r = case.request
    try:
        if case.check == "hostname":
            checks.hostname_for(sim, Parsed({"hostname": r["hostname"]}), "unused", external=False)
        elif case.check == "offering":
            offerings.offering_for_vm(sim, r["vm"], r["offering"], r["details"])
        else:
            network = sim.store.first("network", name=r["network"])
            nets._check_ip(sim, "nic0", network, r["ip"])
            # importNic: a requested (or "auto") address is then selected; none on a network with services fails
            selected = nets.select_ip(sim, network, None if r["ip"] == "auto" else r["ip"]) if r["ip"] else "none"
            if selected is None and network["type"] != "L2" and nets.has_services(network):
                return "Unable to acquire Guest IP address"
    except ApiError as exc:
        return exc.text
    return None
