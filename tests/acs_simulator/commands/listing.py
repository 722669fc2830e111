"""Synchronous list/read commands over the seeded and imported state."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import invalid_value
from ..jobs import job_response
from ..params import Param, Parsed
from ..registry import command, public

if TYPE_CHECKING:
    from ..sim import Simulator

HOST_HIDDEN = ("uri", "vlan_root", "agentversion")


def _alive(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [i for i in items if not i.get("removed")]


def _filter(items: list[dict[str, Any]], p: Parsed, *fields: str) -> list[dict[str, Any]]:
    """Exact-match filters for the given parameter names (parameter name == document key)."""
    for name in fields:
        if p.get(name) is not None:
            items = [i for i in items if i.get(name) == p.get(name)]
    return items


def _keyword(items: list[dict[str, Any]], p: Parsed, *keys: str) -> list[dict[str, Any]]:
    kw = (p.get("keyword") or "").lower()
    if not kw:
        return items
    return [i for i in items if any(kw in str(i.get(k) or "").lower() for k in keys)]


def _name(items: list[dict[str, Any]], p: Parsed) -> list[dict[str, Any]]:
    return [i for i in items if i.get("name") == p.get("name")] if p.get("name") else items


@command("listCapabilities", admin_only=False)
def list_capabilities(sim: Simulator, caller: dict[str, Any], p: Parsed) -> dict[str, Any]:
    return {
        "capability": {
            "cloudstackversion": sim.profile["cloudstackversion"],
            "securitygroupsenabled": False,
            "userpublictemplateenabled": True,
            "kvmsnapshotenabled": True,
            "apilimitinterval": 1,
            "apilimitmax": 0,
            "allowusercreateprojects": True,
            "dynamicrolesenabled": True,
            "customdiskofferingminsize": 1,
            "customdiskofferingmaxsize": 1024,
            "projectinviterequired": False,
            "supportELB": "false",
            "kubernetesserviceenabled": False,
        }
    }


@command(
    "listZones",
    list_key="zone",
    admin_only=False,
    params={"id": Param("uuid", "zone"), "name": Param(), "available": Param("boolean")},
)
def list_zones(sim: Simulator, caller: dict[str, Any], p: Parsed) -> list[dict[str, Any]]:
    return [public(z) for z in _keyword(_name(_filter(sim.store.all("zone"), p, "id"), p), p, "name")]


@command(
    "listClusters",
    list_key="cluster",
    params={"id": Param("uuid", "cluster"), "name": Param(), "zoneid": Param("uuid", "zone"), "hypervisor": Param()},
)
def list_clusters(sim: Simulator, caller: dict[str, Any], p: Parsed) -> list[dict[str, Any]]:
    items = _name(_filter(sim.store.all("cluster"), p, "id", "zoneid"), p)
    if p.get("hypervisor"):
        items = [c for c in items if c["hypervisortype"].lower() == p.get("hypervisor").lower()]
    return [public(c) for c in _keyword(items, p, "name")]


@command(
    "listHosts",
    list_key="host",
    params={
        "id": Param("uuid", "host"),
        "name": Param(),
        "zoneid": Param("uuid", "zone"),
        "clusterid": Param("uuid", "cluster"),
        "type": Param(),
        "state": Param(),
        "hypervisor": Param(),
    },
)
def list_hosts(sim: Simulator, caller: dict[str, Any], p: Parsed) -> list[dict[str, Any]]:
    items = _name(_filter(sim.store.all("host"), p, "id", "zoneid", "clusterid", "type", "state"), p)
    # HostResponse.version: the agent's release (an agent older than the server reports its own)
    return [dict(public(h, *HOST_HIDDEN), version=f"{sim.agent.version_of(h)}.0") for h in _keyword(items, p, "name")]


@command(
    "listNetworks",
    list_key="network",
    admin_only=False,
    params={
        "id": Param("uuid", "network"),
        "zoneid": Param("uuid", "zone"),
        "type": Param(),
        "name": Param(),
        "traffictype": Param(),
        "isSystem": Param("boolean"),
    },
)
def list_networks(sim: Simulator, caller: dict[str, Any], p: Parsed) -> list[dict[str, Any]]:
    items = _filter(sim.store.all("network"), p, "id", "zoneid")
    if p.get("type"):
        items = [n for n in items if n["type"].lower() == p.get("type").lower()]
    return [public(n) for n in _keyword(_name(items, p), p, "name", "displaytext")]


@command(
    "listServiceOfferings",
    list_key="serviceoffering",
    admin_only=False,
    params={"id": Param("uuid", "serviceoffering"), "name": Param()},
)
def list_service_offerings(sim: Simulator, caller: dict[str, Any], p: Parsed) -> list[dict[str, Any]]:
    items = _name(_filter(sim.store.all("serviceoffering"), p, "id"), p)
    return [public(o) for o in _keyword(items, p, "name")]


@command(
    "listDiskOfferings",
    list_key="diskoffering",
    admin_only=False,
    params={"id": Param("uuid", "diskoffering"), "name": Param()},
)
def list_disk_offerings(sim: Simulator, caller: dict[str, Any], p: Parsed) -> list[dict[str, Any]]:
    items = _name(_filter(sim.store.all("diskoffering"), p, "id"), p)
    return [public(o) for o in _keyword(items, p, "name")]


@command(
    "listTemplates",
    list_key="template",
    admin_only=False,
    params={
        "templatefilter": Param(required=True),
        "id": Param("uuid", "template"),
        "name": Param(),
        "zoneid": Param("uuid", "zone"),
        "hypervisor": Param(),
    },
)
def list_templates(sim: Simulator, caller: dict[str, Any], p: Parsed) -> list[dict[str, Any]]:
    filters = {"featured", "self", "selfexecutable", "sharedexecutable", "executable", "community", "all"}
    if p.get("templatefilter") not in filters:
        raise invalid_value(f"Invalid template filter: {p.get('templatefilter')}")
    items = _name(_filter(sim.store.all("template"), p, "id"), p)
    if p.get("hypervisor"):
        items = [t for t in items if t["hypervisor"].lower() == p.get("hypervisor").lower()]
    return [public(t, "templatetag") for t in _keyword(items, p, "name")]


@command(
    "listOsTypes", list_key="ostype", admin_only=False, params={"id": Param("uuid", "ostype"), "description": Param()}
)
def list_os_types(sim: Simulator, caller: dict[str, Any], p: Parsed) -> list[dict[str, Any]]:
    items = _filter(sim.store.all("ostype"), p, "id", "description")
    return [public(o) for o in _keyword(items, p, "description")]


@command(
    "listStoragePools",
    list_key="storagepool",
    params={
        "id": Param("uuid", "storagepool"),
        "name": Param(),
        "zoneid": Param("uuid", "zone"),
        "clusterid": Param("uuid", "cluster"),
        "path": Param(),
        "scope": Param(),
    },
)
def list_storage_pools(sim: Simulator, caller: dict[str, Any], p: Parsed) -> list[dict[str, Any]]:
    items = _name(_filter(sim.store.all("storagepool"), p, "id", "zoneid", "path", "scope"), p)
    if p.get("clusterid"):
        items = [s for s in items if s.get("clusterid") in (None, p.get("clusterid"))]
    return [public(s) for s in _keyword(items, p, "name")]


@command(
    "listConfigurations",
    list_key="configuration",
    params={"name": Param(), "zoneid": Param("uuid", "zone"), "category": Param()},
)
def list_configurations(sim: Simulator, caller: dict[str, Any], p: Parsed) -> list[dict[str, Any]]:
    items = _filter(sim.store.all("configuration"), p, "name", "category")
    if p.get("zoneid"):
        # Only zone-scoped settings are listed for a zone, with the zone's value when it has one.
        items = [
            dict(c, value=(c.get("zonevalues") or {}).get(p.get("zoneid"), c["value"]), id=p.get("zoneid"))
            for c in items
            if c.get("scope") == "zone"
        ]
    return [public(c, "zonevalues") for c in _keyword(items, p, "name")]


@command(
    "updateConfiguration", params={"name": Param(required=True), "value": Param(), "zoneid": Param("uuid", "zone")}
)
def update_configuration(sim: Simulator, caller: dict[str, Any], p: Parsed) -> dict[str, Any]:
    conf = sim.store.first("configuration", name=p.get("name"))
    if conf is None:
        raise invalid_value(f"Configuration {p.get('name')} does not exist")
    value = p.get("value", "")
    if p.get("zoneid"):
        conf.setdefault("zonevalues", {})[p.get("zoneid")] = value
    else:
        conf["value"] = value
    sim.store.put("configuration", conf)
    return {"configuration": public(dict(conf, value=value), "zonevalues")}


@command("listDomains", list_key="domain", params={"id": Param("uuid", "domain"), "name": Param()})
def list_domains(sim: Simulator, caller: dict[str, Any], p: Parsed) -> list[dict[str, Any]]:
    return [public(d) for d in _name(_filter(sim.store.all("domain"), p, "id"), p)]


@command(
    "listAccounts",
    list_key="account",
    params={"id": Param("uuid", "account"), "name": Param(), "domainid": Param("uuid", "domain")},
)
def list_accounts(sim: Simulator, caller: dict[str, Any], p: Parsed) -> list[dict[str, Any]]:
    return [public(a) for a in _name(_filter(sim.store.all("account"), p, "id", "domainid"), p)]


# ListProjectsCmd: id (uuid), name (QueryManagerImpl.listProjectsInternal filters it with Op.EQ) and
# state; the response carries each project's state, which the import's owner check reads
# (AccountManagerImpl.finalyzeAccountId refuses a project that is not Active).
@command(
    "listProjects",
    list_key="project",
    admin_only=False,
    params={"id": Param("uuid", "project"), "name": Param(), "state": Param(), "listall": Param("boolean")},
)
def list_projects(sim: Simulator, caller: dict[str, Any], p: Parsed) -> list[dict[str, Any]]:
    items = _name(_filter(sim.store.all("project"), p, "id"), p)
    if p.get("state"):
        items = [i for i in items if str(i.get("state", "")).lower() == str(p.get("state")).lower()]
    return [public(i) for i in items]


@command("queryAsyncJobResult", admin_only=False, params={"jobid": Param("uuid", "job", required=True)})
def query_async_job_result(sim: Simulator, caller: dict[str, Any], p: Parsed) -> dict[str, Any]:
    return job_response(p.entities["jobid"], sim.has("job_msname"))


@command(
    "listVolumes",
    list_key="volume",
    admin_only=False,
    params={
        "id": Param("uuid", "volume"),
        "virtualmachineid": Param("uuid", "vm"),
        "type": Param(),
        "zoneid": Param("uuid", "zone"),
        "storageid": Param("uuid", "storagepool"),
        "name": Param(),
    },
)
def list_volumes(sim: Simulator, caller: dict[str, Any], p: Parsed) -> list[dict[str, Any]]:
    items = _filter(_alive(sim.store.all("volume")), p, "id", "virtualmachineid", "type", "zoneid", "name")
    if p.get("storageid"):
        items = [v for v in items if v.get("storageid") == p.get("storageid")]
    return [public(v) for v in _keyword(items, p, "name")]


@command(
    "listSnapshots",
    list_key="snapshot",
    admin_only=False,
    params={
        "id": Param("uuid", "snapshot"),
        "volumeid": Param("uuid", "volume"),
        "virtualmachineid": Param("uuid", "vm"),
    },
)
def list_snapshots(sim: Simulator, caller: dict[str, Any], p: Parsed) -> list[dict[str, Any]]:
    items = _filter(_alive(sim.store.all("snapshot")), p, "id", "volumeid", "virtualmachineid")
    return [public(s) for s in items]


@command(
    "listTags",
    list_key="tag",
    admin_only=False,
    params={"resourceid": Param(), "resourcetype": Param(), "key": Param(), "value": Param()},
)
def list_tags(sim: Simulator, caller: dict[str, Any], p: Parsed) -> list[dict[str, Any]]:
    items = _filter(sim.store.all("tag"), p, "resourceid", "key", "value")
    if p.get("resourcetype"):
        items = [t for t in items if t["resourcetype"].lower() == p.get("resourcetype").lower()]
    return [public(t) for t in items]
