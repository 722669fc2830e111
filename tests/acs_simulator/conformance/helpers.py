"""Shared look-ups for the conformance tests."""

from __future__ import annotations

from typing import Any

from acs_simulator.fixtures import SimHandle


def ids(sim: SimHandle) -> dict[str, Any]:
    """Names → ids of the embedded seed's objects."""
    out: dict[str, Any] = {
        "cluster": sim.first("listClusters", "cluster")["id"],
        "zone": sim.first("listZones", "zone")["id"],
        "host": sim.first("listHosts", "host")["id"],
        "template": sim.first("listTemplates", "template", templatefilter="all")["id"],
    }
    for kind, key in (("listServiceOfferings", "serviceoffering"), ("listDiskOfferings", "diskoffering"),
                      ("listNetworks", "network"), ("listStoragePools", "storagepool")):  # fmt: skip
        for item in sim.call(kind).get(key, []):
            out[item["name"]] = item["id"]
    return out


def unmanaged(sim: SimHandle, cluster: str, name: str | None = None) -> list[dict[str, Any]]:
    params = {"clusterid": cluster}
    if name:
        params["name"] = name
    return sim.call("listUnmanagedInstances", **params).get("unmanagedinstance", [])


def import_params(
    ids_: dict[str, Any], name: str, offering: str = "tiny-1c-64m", network: str = "l2-vlan100", **extra: Any
) -> dict[str, Any]:
    params = {
        "clusterid": ids_["cluster"],
        "name": name,
        "serviceofferingid": ids_[offering],
        "templateid": ids_["template"],
        "nicnetworklist[0].nic": "0",
        "nicnetworklist[0].network": ids_[network],
    }
    params.update(extra)
    return {key: value for key, value in params.items() if value is not None}  # None: leave the parameter out


def job_error(job: dict[str, Any]) -> tuple[int, str]:
    assert job["jobstatus"] == 2, job
    return job["jobresult"]["errorcode"], job["jobresult"]["errortext"]
