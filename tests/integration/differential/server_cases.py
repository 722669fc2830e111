"""Seeded import requests for the server-side differential test, and the two judges of each.

Three checks of importUnmanagedInstance the collection's pre-flight predicts from a request and the catalogue
state (listServiceOfferings, listNetworks, listVlanIpRanges), judged on one side by the rules catalogue's
pure check functions and on the other by the simulator's manager layer (a real in-process ``Simulator`` on a
SQLite database seeded with the embedded seed, one per release):
- hostname: NetUtils.verifyDomainNameLabel as ``hostname_findings`` / ``checks.hostname_for`` apply it;
- service offering: getUnmanagedInstanceServiceOffering + validateCustomParameters (``offering_findings`` /
  ``offerings.offering_for_vm``), for the seed's offerings and generated custom ones, VMs and details;
- NIC address: checkUnmanagedNicIpAndNetworkForImport + getSelectedIpForNicImport (``ip_findings`` /
  ``nets._check_ip`` then ``nets.select_ip``), on the seed's Shared, Isolated and L2 networks;
- storage pool of a listed disk: getStoragePool (``import_pools.match_pool`` / ``pools.find_pool``), on the
  seed's pools plus ``EXTRA_POOLS``, with the disk offering's storage tags.
Each judge answers accepted (None) or rejected with a reason (the collection's codes, the simulator's text); for
a storage pool, "pool <name>" (the pool chosen) or the reason none is.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from acs_simulator.commands import checks, nets, offerings, pools
from acs_simulator.errors import ApiError
from acs_simulator.params import Parsed
from acs_simulator.sim import Simulator
from ansible_collections.acs.ingest.plugins.module_utils._rules.catalogue import IMPORT_UNMANAGED, Finding
from ansible_collections.acs.ingest.plugins.module_utils._rules.import_network import hostname_findings, ip_findings
from ansible_collections.acs.ingest.plugins.module_utils._rules.import_offering import offering_findings
from ansible_collections.acs.ingest.plugins.module_utils._rules.import_pools import match_pool, tags_of
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


POOL_UUID = "0b9a1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d"
# more primary storage for the pool cases (zone and cluster ids filled in from the seed). No tag rules (the
# JavaScript of TagAsRuleHelper: the catalogue says "cannot tell", the simulator "does not fit") and no spaces
# (createDiskOffering/createStoragePool store tags trimmed, StringUtils.cleanupTags).
EXTRA_POOLS = (
    {"name": "nfs1", "ipaddress": "10.0.0.5", "path": "/export/primary", "tags": None},
    {"name": "nfs2", "ipaddress": "10.0.0.6", "path": "/export/primary2", "tags": "ssd", "clusterid": "other"},
    {"name": "zonewide", "ipaddress": "10.0.0.7", "path": "/mnt/zonewide", "tags": "ssd,fast", "clusterid": None},
    {"name": "by-uuid", "id": POOL_UUID, "ipaddress": "10.0.0.8", "path": "/mnt/vol-store", "tags": None},
)
_DS_HOSTS = ("localhost", "10.0.0.5", "10.0.0.6", "10.0.0.7", "10.0.0.9", None)
_DS_PATHS = ("/var/lib/acs-ingest-sim/pool1", "/export/primary", "/export/primary2", "/export", "primary2",
             "/mnt/zonewide", "/mnt", "", None, "/nowhere", "/var/lib/acs-ingest-sim/local-kvm1")  # fmt: skip
_DS_NAMES = (None, "", POOL_UUID, "pool1", "zonewide")


def add_pools(sim: Simulator) -> None:
    zone, cluster = sim.store.all("zone")[0], sim.store.all("cluster")[0]
    for extra in EXTRA_POOLS:
        row = {"zoneid": zone["id"], "clusterid": cluster["id"], "scope": "CLUSTER", "state": "Up",
               "type": "NetworkFilesystem", "hostid": None, **extra}  # fmt: skip
        sim.store.put("storagepool", row)


def pool_cases(rng: random.Random, count: int) -> list[Case]:
    out = []
    for n in range(count):
        disk = {
            "id": "0",
            "label": "vda",
            "datastoretype": rng.choice(("file", "network", "block", None)),
            "datastorehost": rng.choice(_DS_HOSTS),
            "datastorepath": rng.choice(_DS_PATHS),
            "datastorename": rng.choice(_DS_NAMES),
        }
        tags = rng.choice((None, None, "ssd", "ssd,fast", "hdd", "ssd,ssd"))
        out.append(Case("pool", f"p{n}", {"disk": disk, "tags": tags}))
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
    if case.check == "pool":
        zone, cluster = sim.store.all("zone")[0], sim.store.all("cluster")[0]
        rows = [p for p in sim.store.all("storagepool") if not p.get("removed")]
        chosen = match_pool(version, r["disk"], rows, zoneid=zone["id"], clusterid=cluster["id"],
                            offering_tags=tags_of(r["tags"])).pool  # fmt: skip
        return f"pool {chosen['name']}" if chosen is not None else "no pool"
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
        elif case.check == "pool":
            zone, cluster = sim.store.all("zone")[0], sim.store.all("cluster")[0]
            return f"pool {pools.find_pool(sim, r['disk'], zone, cluster, r['tags'])['name']}"
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
