"""Turn a seed YAML document into store rows (once, when the database is new)."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

import yaml

from . import netseed
from .store import Store, stable_uuid
from .versions import release


class SeedError(ValueError):
    """A seed problem, reported as one line naming the field and the fix."""


def load_seed(source: str | Path | dict[str, Any]) -> dict[str, Any]:
    if isinstance(source, dict):
        return source
    text = Path(source).read_text()
    data = yaml.safe_load(text) or {}
    if not isinstance(data, dict):
        raise SeedError(f"seed {source}: top level must be a mapping. Fix: start the file with keys such as 'zones:'")
    return data


def _need(item: dict[str, Any], key: str, where: str) -> Any:
    if key not in item or item[key] in (None, ""):
        raise SeedError(f"seed {where}: missing '{key}'. Fix: add '{key}:' to that entry")
    return item[key]


def apply_seed(store: Store, seed: dict[str, Any]) -> None:
    """Write every seeded object; idempotent because ids come from names."""
    with store.transaction():
        _seed_accounts(store, seed.get("accounts") or [])
        _seed_projects(store, seed.get("projects") or [])
        os_ids = {}
        for item in seed.get("ostypes") or []:
            desc = _need(item, "description", "ostypes[]")
            os_ids[desc] = store.put(
                "ostype",
                {
                    "id": item.get("id") or stable_uuid("ostype", desc),
                    "description": desc,
                    "name": desc,
                    "oscategoryid": stable_uuid("oscat", "Other"),
                },
            )["id"]
        netseed.seed_offerings(store, seed.get("networkofferings") or [])
        for zone in seed.get("zones") or []:
            _seed_zone(store, zone)
        for item in seed.get("serviceofferings") or []:
            _seed_service_offering(store, item)
        for item in seed.get("diskofferings") or []:
            name = _need(item, "name", "diskofferings[]")
            custom = bool(item.get("customized", False))
            store.put(
                "diskoffering",
                {
                    "id": item.get("id") or stable_uuid("diskoffering", name),
                    "name": name,
                    "displaytext": item.get("displaytext", name),
                    "iscustomized": custom,
                    "disksize": 0 if custom else int(_need(item, "disksize", f"diskofferings[{name}]")),
                    "storagetype": "shared",
                    "tags": item.get("tags"),
                },
            )
        for item in seed.get("templates") or []:
            name = _need(item, "name", "templates[]")
            ostype = item.get("ostype", "Other Linux (64-bit)")
            store.put(
                "template",
                {
                    "id": item.get("id") or stable_uuid("template", name),
                    "name": name,
                    "displaytext": item.get("displaytext", name),
                    "hypervisor": item.get("hypervisor", "KVM"),
                    "format": item.get("format", "QCOW2"),
                    "ostypeid": os_ids.get(ostype),
                    "ostypename": ostype,
                    "isready": True,
                    "ispublic": True,
                    "isfeatured": True,
                    "templatetype": "USER",
                    "templatetag": item.get("templatetag"),
                    "size": item.get("size"),
                },
            )
        for item in seed.get("configurations") or []:
            name = _need(item, "name", "configurations[]")
            store.put(
                "configuration",
                {
                    "id": stable_uuid("configuration", name),
                    "name": name,
                    "value": str(item.get("value", "")),
                    "scope": item.get("scope", "global"),
                    "category": item.get("category", "Advanced"),
                },
            )
    store.set_meta("seeded", "yes")


def _seed_accounts(store: Store, accounts: list[dict[str, Any]]) -> None:
    if not accounts:
        raise SeedError("seed accounts: empty. Fix: add at least one admin account with apikey and secretkey")
    for item in accounts:
        name = _need(item, "name", "accounts[]")
        domain_name = item.get("domain", "ROOT")
        domain = store.put(
            "domain",
            {
                "id": stable_uuid("domain", domain_name),
                "name": domain_name,
                "path": "ROOT" if domain_name == "ROOT" else f"ROOT/{domain_name}",
            },
        )
        acct_type = item.get("type", "admin")
        if acct_type not in ("admin", "user"):
            raise SeedError(f"seed accounts[{name}].type: '{acct_type}' is unknown. Fix: use admin or user")
        account = store.put(
            "account",
            {
                "id": stable_uuid("account", name),
                "name": name,
                "domainid": domain["id"],
                "domain": domain_name,
                "accounttype": 1 if acct_type == "admin" else 0,
                "roletype": "Admin" if acct_type == "admin" else "User",
                "state": item.get("state", "enabled"),
                **{f"{kind}limit": item["limits"][kind] for kind in (item.get("limits") or {})},
            },
        )
        store.put(
            "user",
            {
                "id": stable_uuid("user", name),
                "username": name,
                "accountid": account["id"],
                "account": name,
                "domainid": domain["id"],
                "apikey": _need(item, "apikey", f"accounts[{name}]"),
                "secretkey": _need(item, "secretkey", f"accounts[{name}]"),
            },
        )


def _seed_projects(store: Store, projects: list[dict[str, Any]]) -> None:
    """A project owns resources through its own account (Account.Type.PROJECT = 5)."""
    for item in projects:
        name = _need(item, "name", "projects[]")
        domain = store.first("domain", name=item.get("domain", "ROOT"))
        if domain is None:
            raise SeedError(f"seed projects[{name}].domain: unknown. Fix: name a domain of an account in 'accounts'")
        account = store.put(
            "account",
            {
                "id": stable_uuid("account", f"project-{name}"),
                "name": f"PrjAcct-{name}",
                "domainid": domain["id"],
                "domain": domain["name"],
                "accounttype": 5,
                "state": "enabled",
            },
        )
        store.put(
            "project",
            {
                "id": stable_uuid("project", name),
                "name": name,
                "domainid": domain["id"],
                "state": item.get("state", "Active"),
                "projectaccountid": account["id"],
            },
        )


def _seed_zone(store: Store, zone: dict[str, Any]) -> None:
    zname = _need(zone, "name", "zones[]")
    z = store.put(
        "zone",
        {
            "id": zone.get("id") or stable_uuid("zone", zname),
            "name": zname,
            "networktype": "Advanced",
            "allocationstate": "Enabled",
            "localstorageenabled": False,
        },
    )
    for cl in zone.get("clusters") or []:
        cname = _need(cl, "name", f"zones[{zname}].clusters[]")
        c = store.put(
            "cluster",
            {
                "id": cl.get("id") or stable_uuid("cluster", cname),
                "name": cname,
                "zoneid": z["id"],
                "zonename": zname,
                "hypervisortype": cl.get("hypervisor", "KVM"),
                "allocationstate": cl.get("allocationstate", "Enabled"),
                "clustertype": "CloudManaged",
                "managedstate": "Managed",
                "podid": stable_uuid("pod", zname),
                "podname": f"{zname}-pod",
            },
        )
        for h in cl.get("hosts") or []:
            hname = _need(h, "name", f"clusters[{cname}].hosts[]")
            store.put(
                "host",
                {
                    "id": h.get("id") or stable_uuid("host", hname),
                    "name": hname,
                    "uri": _need(h, "uri", f"hosts[{hname}]"),
                    "ipaddress": _need(h, "ipaddress", f"hosts[{hname}]"),
                    "clusterid": c["id"],
                    "clustername": cname,
                    "zoneid": z["id"],
                    "zonename": zname,
                    "podid": c["podid"],
                    "type": "Routing",
                    "hypervisor": c["hypervisortype"],
                    "state": h.get("state", "Up"),
                    "resourcestate": h.get("resourcestate", "Enabled"),
                    "vlan_root": h.get("vlan_root", "/"),
                    "hosttags": h.get("hosttags"),
                    "agentversion": _agent_version(h, hname),
                },
            )
    netseed.seed_physical_networks(store, z, zone.get("physicalnetworks"))
    for n in zone.get("networks") or []:
        _seed_network(store, z, n)
    for p in zone.get("storagepools") or []:
        pname = _need(p, "name", f"zones[{zname}].storagepools[]")
        path = _need(p, "path", f"storagepools[{pname}]")
        cluster = store.first("cluster", name=p["cluster"]) if p.get("cluster") else None
        host = store.first("host", name=p["host"]) if p.get("host") else None
        if host is not None:  # a host-local pool (scope HOST), used by importVm importsource=local
            cluster = store.get("cluster", host["clusterid"])
        scope = "HOST" if host else ("CLUSTER" if cluster else "ZONE")
        store.put(
            "storagepool",
            {
                "id": p.get("id") or stable_uuid("storagepool", pname),
                "name": pname,
                "path": path,
                "type": p.get("type", "Filesystem"),
                "scope": scope,
                "hostid": host["id"] if host else None,
                "clusterid": cluster["id"] if cluster else None,
                "zoneid": z["id"],
                "zonename": zname,
                "ipaddress": p.get("ipaddress", "localhost"),
                "state": "Up",
                "tags": p.get("tags"),
            },
        )


def _agent_version(host: dict[str, Any], name: str) -> str | None:
    if not host.get("agentversion"):
        return None
    try:
        return release(str(host["agentversion"]))
    except ValueError as exc:
        raise SeedError(f"seed hosts[{name}].agentversion: {exc}") from None


def _seed_network(store: Store, zone: dict[str, Any], n: dict[str, Any]) -> None:
    name = _need(n, "name", "networks[]")
    kind = _need(n, "type", f"networks[{name}]")
    if kind not in ("L2", "Shared", "Isolated"):
        raise SeedError(f"seed networks[{name}].type: '{kind}' is unknown. Fix: use L2, Shared or Isolated")
    owner = store.first("account", name=n.get("account", "admin"))
    if owner is None:
        raise SeedError(f"seed networks[{name}].account: unknown. Fix: name an account of 'accounts'")
    doc: dict[str, Any] = {
        "id": n.get("id") or stable_uuid("network", name),
        "name": name,
        "displaytext": n.get("displaytext", name),
        "zoneid": zone["id"],
        "zonename": zone["name"],
        "type": kind,
        "guestiptype": kind,
        "traffictype": "Guest",
        "state": "Implemented",
        "networkdomain": n.get("networkdomain", "cs1cloud.internal"),
        "acltype": n.get("acltype", "Domain" if kind == "Shared" else "Account"),
        "accountid": owner["id"],
        "account": owner["name"],
        "domainid": owner["domainid"],
        "subdomainaccess": bool(n.get("subdomainaccess", True)),
    }
    if n.get("vlan") is not None:
        doc["vlan"] = str(n["vlan"])
        doc["broadcasturi"] = f"vlan://{n['vlan']}"
    if kind != "L2":
        net = ipaddress.ip_network(
            f"{_need(n, 'gateway', f'networks[{name}]')}/{n.get('netmask', '255.255.255.0')}", strict=False
        )
        doc.update(gateway=n["gateway"], netmask=str(net.netmask), cidr=str(net))
        hosts = [str(h) for h in net.hosts() if str(h) != n["gateway"]]
        doc["startip"] = n.get("startip", hosts[0])
        doc["endip"] = n.get("endip", hosts[-1])
    doc.update(netseed.network_links(store, zone["id"], kind, n.get("offering")))
    network = store.put("network", doc)
    if kind == "Shared":
        netseed.seed_ip_range(store, network)


def _seed_service_offering(store: Store, item: dict[str, Any]) -> None:
    name = _need(item, "name", "serviceofferings[]")
    custom = bool(item.get("customized", False))
    doc: dict[str, Any] = {
        "id": item.get("id") or stable_uuid("serviceoffering", name),
        "name": name,
        "displaytext": item.get("displaytext", name),
        "iscustomized": custom,
        "storagetype": item.get("storagetype", "shared"),
        "hosttags": item.get("hosttags"),
        "storagetags": item.get("storagetags"),
        "rootdisksize": int(item.get("rootdisksize", 0)),
    }
    if custom:  # open values stay null (ServiceOfferingVO.isDynamic); a partly fixed one keeps the others
        doc["cpuspeed"] = item.get("cpuspeed")
        doc["cpunumber"] = item.get("cpunumber")
        doc["memory"] = item.get("memory")
        for key in ("mincpunumber", "maxcpunumber", "minmemory", "maxmemory"):
            if item.get(key) is not None:
                doc[key] = int(item[key])
    else:
        where = f"serviceofferings[{name}]"
        doc.update(
            cpunumber=int(_need(item, "cpunumber", where)),
            cpuspeed=int(item.get("cpuspeed", 500)),
            memory=int(_need(item, "memory", where)),
        )
    store.put("serviceoffering", doc)


def ensure_pool_dirs(store: Store) -> None:
    """Pools are plain directories; create them so imports and copies have somewhere to land."""
    for pool in store.all("storagepool"):
        Path(pool["path"]).mkdir(parents=True, exist_ok=True)
