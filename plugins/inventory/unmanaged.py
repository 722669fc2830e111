# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Inventory plugin acs.ingest.unmanaged: every VM CloudStack could import becomes a host."""

from __future__ import annotations

DOCUMENTATION = r"""
name: unmanaged
short_description: VMs that CloudStack can import (unmanaged, external, libvirt)
version_added: 0.1.0
description:
  - Lists unmanaged KVM instances of CloudStack clusters (C(listUnmanagedInstances)), VMs on
    external KVM hosts (C(listVmsForImport)) and domains of libvirt URIs, and makes each one
    an inventory host.
  - Each host carries the instance facts, its zone and cluster ids and the precomputed import
    plan (network id per NIC, offerings, template, every problem with its fix), so an import
    play needs no lookups.
  - The inventory file name must end in C(.unmanaged.yml) or C(.unmanaged.yaml), or be
    C(unmanaged.yml) / C(unmanaged.yaml).
  - "AWX / AAP: add the collection to the project's C(collections/requirements.yml), put the
    inventory file in the project, create an inventory source of type I(Sourced from a
    Project) pointing at it, and attach a credential that sets the environment variables
    E(CLOUDSTACK_ENDPOINT), E(CLOUDSTACK_KEY) and E(CLOUDSTACK_SECRET) (a custom credential
    type with C(env) injectors), so no secret lives in the file."
  - Secrets (O(api_secret), external host passwords) are used for the API calls only and
    never appear in host variables or in the cache.
  - "Host variables: C(acs_instance) (the instance as listed), C(acs_source), C(acs_zone_id),
    C(acs_cluster_id), C(acs_cluster_name), C(acs_location) (host or URI), C(acs_plan) (the
    planner's result: C(ok), C(params), C(problems), C(notes)), C(acs_import_params),
    C(acs_wave), C(acs_import), C(acs_plan_file_problems), C(acs_listed) (false for a plan row
    whose VM is no longer unmanaged), and C(ansible_connection=local)."
  - "Groups: C(acs_unmanaged) (all), C(acs_import) (to import, in wave order),
    C(acs_source_<source>), C(acs_plan_ok) and C(acs_plan_problems)."
  - A VM name seen twice (two hosts, or two sources) becomes C(<name>@<host or URI>).
extends_documentation_fragment:
  - constructed
  - inventory_cache
requirements:
  - cs >= 3.4
  - libvirt-python (only for O(libvirt_uris))
options:
  plugin:
    description: Marks this file as an acs.ingest.unmanaged inventory source.
    required: true
    choices: [acs.ingest.unmanaged]
  api_url:
    description: CloudStack API endpoint.
    type: str
    env: [{name: CLOUDSTACK_ENDPOINT}]
  api_key:
    description: API key of a root admin.
    type: str
    env: [{name: CLOUDSTACK_KEY}]
  api_secret:
    description: Secret key for O(api_key). Prefer the environment variable over the file.
    type: str
    env: [{name: CLOUDSTACK_SECRET}]
  api_timeout:
    description: HTTP timeout of one API request, in seconds.
    type: int
    default: 30
    env: [{name: CLOUDSTACK_TIMEOUT}]
  validate_certs:
    description: Verify the endpoint's TLS certificate.
    type: bool
    default: true
  api_ca_file:
    description: CA bundle for the endpoint's certificate.
    type: path
    env: [{name: CLOUDSTACK_VERIFY}]
  clusters:
    description:
      - Cluster ids or names whose unmanaged instances to list. Default is every KVM cluster.
      - Set to an empty list together with O(all_kvm_clusters=false) to list no cluster.
    type: list
    elements: str
    default: []
  all_kvm_clusters:
    description: List every KVM cluster when O(clusters) is empty.
    type: bool
    default: true
  external_hosts:
    description:
      - External KVM hosts to list with C(listVmsForImport). Each entry has C(host), C(zone)
        (id or name), C(cluster) (id or name; importVm requires one) and optional
        C(username) / C(password) (never stored in hostvars or the cache).
    type: list
    elements: dict
    default: []
  libvirt_uris:
    description:
      - libvirt URIs whose domains to list directly, e.g. C(qemu+ssh://root@kvm3/system).
        Each entry is a URI string or a dict with C(uri) and optional C(zone) / C(cluster)
        (ids or names, for planning) and C(vlan_root) (root of C(/proc/net/vlan) for local URIs).
    type: list
    elements: raw
    default: []
  name_filter:
    description: Only VMs whose name matches this regular expression (Python C(re.search)).
    type: str
  plan_defaults:
    description:
      - Import wishes applied to every VM, with the keys of a plan row, e.g.
        C(service_offering), C(template), C(disk_offering_policy), C(nic_networks).
    type: dict
    default: {}
  plan_file:
    description:
      - A plan file (CSV or YAML, as written by the discover playbook). Its editable cells
        override O(plan_defaults) per VM, and its C(wave) / C(import) columns become hostvars.
      - A relative path is relative to the directory of this inventory file, not to the
        current directory, so a plan committed beside the file in an AWX project is found
        whichever directory the inventory update runs in.
    type: str
"""

EXAMPLES = r"""
# inventory/cloud.unmanaged.yml  (credentials from CLOUDSTACK_* environment variables)
plugin: acs.ingest.unmanaged
plan_defaults:
  service_offering: custom-unconstrained
  template: kvm-template
  disk_offering_policy: smallest_fit
keyed_groups:
  - key: acs_cluster_name
    prefix: cluster
  - key: acs_wave
    prefix: wave
groups:
  ready: acs_plan.ok
compose:
  acs_display: acs_instance.name | upper
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/acs-ingest-inventory
cache_timeout: 600
"""

import os
import re
from typing import Any

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.catalog import (
    fetch_macs_in_use,
    fetch_zone_catalog,
    planned_network_ids,
)
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.client import (
    HAS_CS,
    CloudStackClient,
    ConnectionSettings,
)
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import AcsIngestError
from ansible_collections.acs.ingest.plugins.module_utils._planner.build import build_import_plan
from ansible_collections.acs.ingest.plugins.module_utils._planner.plan_file import load_plan, validate_rows, wishes

SUFFIXES = (".unmanaged.yml", ".unmanaged.yaml")
BASENAMES = ("unmanaged.yml", "unmanaged.yaml")


def _find(items: list[dict[str, Any]], wanted: str, kind: str) -> dict[str, Any]:
    """The item whose id or (case-insensitive) name is `wanted`; a clear error otherwise."""
    for item in items:
        if item.get("id") == wanted:
            return item
    named = [item for item in items if str(item.get("name", "")).lower() == wanted.lower()]
    if len(named) == 1:
        return named[0]
    known = ", ".join(sorted(str(item.get("name")) for item in items)) or "none"
    state = "is ambiguous" if named else "not found"
    raise AcsIngestError(f"{kind} '{wanted}' {state}; known: {known}", field=kind, fix=f"use the {kind} id")


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    NAME = "acs.ingest.unmanaged"

    def verify_file(self, path: str) -> bool:
        if not super().verify_file(path):
            return False
        name = os.path.basename(path)
        return name in BASENAMES or name.endswith(SUFFIXES)

    def parse(self, inventory: Any, loader: Any, path: str, cache: bool = True) -> None:
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)
        self._source_dir = os.path.dirname(os.path.abspath(path))
        # The documented cache flow: read only when the user enabled caching and Ansible did
        # not ask for a refresh; write back whenever we had to fetch.
        cache_key = self.get_cache_key(path)
        user_cache_setting = self.get_option("cache")
        attempt_to_read_cache = user_cache_setting and cache
        cache_needs_update = user_cache_setting and not cache
        records = None
        if attempt_to_read_cache:
            try:
                records = self._cache[cache_key]
            except KeyError:
                cache_needs_update = True
        if records is None:
            try:
                records = self._discover()
            except AcsIngestError as error:
                raise AnsibleParserError(f"acs.ingest.unmanaged ({path}): {error}") from None
        if cache_needs_update:
            self._cache[cache_key] = records
        self._populate(records)

    # --- discovery (API and libvirt reads only; the result is plain data, safe to cache) --------
    def _client(self) -> CloudStackClient:
        if not HAS_CS:
            raise AcsIngestError("the Python library 'cs' is missing", fix="pip install cs on the controller")
        settings = ConnectionSettings.from_params(
            {
                name: self.get_option(name)
                for name in ("api_url", "api_key", "api_secret", "api_timeout", "validate_certs", "api_ca_file")
            }
        )
        return CloudStackClient(settings)

    def _discover(self) -> list[dict[str, Any]]:
        client = self._client()
        clusters = client.list_all("listClusters")
        zones = client.list_all("listZones")
        found: list[dict[str, Any]] = []
        for cluster in self._selected_clusters(clusters):
            for instance in client.list_all("listUnmanagedInstances", clusterid=cluster["id"]):
                found.append(
                    self._record("cloudstack", instance, cluster, cluster.get("zoneid"), instance.get("hostname"))
                )
        for entry in self.get_option("external_hosts") or []:
            found.extend(self._external(client, entry, zones, clusters))
        for entry in self.get_option("libvirt_uris") or []:
            found.extend(self._libvirt(entry, zones, clusters))
        pattern = self.get_option("name_filter")
        if pattern:
            try:
                regex = re.compile(pattern)
            except re.error as exc:
                raise AcsIngestError(
                    f"not a regular expression ({exc})", field="name_filter", fix="use Python re syntax, e.g. '^web-'"
                ) from None
            found = [record for record in found if regex.search(record["name"])]
        overrides = self._plan_rows()
        self._plan_all(client, found, overrides)
        found.extend(self._not_listed(found, overrides))
        return found

    def _selected_clusters(self, clusters: list[dict[str, Any]]) -> list[dict[str, Any]]:
        wanted = self.get_option("clusters") or []
        if wanted:
            return [_find(clusters, str(name), "cluster") for name in wanted]
        if not self.get_option("all_kvm_clusters"):
            return []
        return [c for c in clusters if str(c.get("hypervisortype", "")).lower() == "kvm"]

    @staticmethod
    def _record(
        source: str, instance: dict[str, Any], cluster: dict[str, Any] | None, zone_id: Any, location: Any
    ) -> dict[str, Any]:
        return {
            "name": str(instance.get("name", "")),
            "source": source,
            "zone_id": zone_id or (cluster or {}).get("zoneid"),
            "cluster_id": (cluster or {}).get("id"),
            "cluster_name": (cluster or {}).get("name"),
            "location": str(location or ""),
            "instance": instance,
        }

    def _external(
        self, client: CloudStackClient, entry: Any, zones: list[dict[str, Any]], clusters: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        if not isinstance(entry, dict) or not entry.get("host") or not entry.get("zone"):
            raise AcsIngestError(
                "each entry needs host and zone (and cluster for importVm)",
                field="external_hosts",
                fix="write entries as {host: 10.0.0.5, zone: zone1, cluster: cluster1}",
            )
        zone = _find(zones, str(entry["zone"]), "zone")
        cluster = _find(clusters, str(entry["cluster"]), "cluster") if entry.get("cluster") else None
        listed = client.list_all(
            "listVmsForImport",
            zoneid=zone["id"],
            host=entry["host"],
            hypervisor="KVM",
            username=entry.get("username"),
            password=entry.get("password"),
        )
        return [self._record("external", vm, cluster, zone["id"], entry["host"]) for vm in listed]

    def _libvirt(self, entry: Any, zones: list[dict[str, Any]], clusters: list[dict[str, Any]]) -> list[dict[str, Any]]:
        spec = entry if isinstance(entry, dict) else {"uri": entry}
        uri = str(spec.get("uri") or "")
        if not uri:
            raise AcsIngestError("entry without uri", field="libvirt_uris", fix="write a URI or {uri: ..., zone: ...}")
        try:  # H2's shared reader: same instance shape as listUnmanagedInstances
            from ansible_collections.acs.ingest.plugins.module_utils._services.instance_info import libvirt_instances
        except ImportError as exc:
            raise AcsIngestError(
                f"reading libvirt URIs needs libvirt-python ({exc})",
                field="libvirt_uris",
                fix="install python3-libvirt / libvirt-python on the controller",
            ) from None
        zone = _find(zones, str(spec["zone"]), "zone") if spec.get("zone") else None
        cluster = _find(clusters, str(spec["cluster"]), "cluster") if spec.get("cluster") else None
        zone_id = zone["id"] if zone else (cluster or {}).get("zoneid")
        vlan_root = str(spec.get("vlan_root") or "/")
        listed = libvirt_instances(uri, vlan_root=vlan_root)
        return [self._record("libvirt", vm, cluster, zone_id, uri) for vm in listed]

    @staticmethod
    def _not_listed(found: list[dict[str, Any]], overrides: dict[tuple[str, str], dict[str, Any]]) -> list[dict]:
        """Plan rows to import whose VM is no longer listed (imported by an earlier run, or gone).

        They stay in the inventory so a rerun of the import reports them ("already managed",
        or a clear error if the VM vanished) instead of silently dropping them from the report.
        """
        listed = {(r["cluster_id"] or r["location"], r["name"]) for r in found}
        missing = []
        for key, row in overrides.items():
            if not key[0] or key in listed or not row.get("import", True):
                continue
            record = {
                "name": row["vm"],
                "source": row.get("source") or "cloudstack",
                "zone_id": row.get("zone") or None,
                "cluster_id": row.get("cluster") or None,
                "cluster_name": None,
                "location": row.get("host") or "",
                "instance": {"name": row["vm"]},
                "listed": False,
                "wave": row.get("wave", 1),
                "import": True,
                "plan_file_problems": row.get("problems", []),
                "plan": {"vm": row["vm"], "command": "", "ok": True, "params": {}, "problems": [], "notes": []},
            }
            missing.append(record)
        return missing

    def _plan_all(
        self, client: CloudStackClient, records: list[dict[str, Any]], overrides: dict[tuple[str, str], dict[str, Any]]
    ) -> None:
        """Attach the import plan to every record: one catalog fetch per zone, and one MAC
        lookup per network the plans use (then a second, now conflict-aware, planning pass)."""
        defaults = dict(self.get_option("plan_defaults") or {})
        catalogs: dict[str, dict[str, Any]] = {}
        for record in records:
            zone_id = str(record["zone_id"] or "")
            if zone_id and zone_id not in catalogs:
                catalogs[zone_id] = fetch_zone_catalog(client, zone_id).as_planner_input()
        used: dict[str, list[str]] = {}
        for second_pass in (False, True):
            for record in records:
                key = (record["cluster_id"] or record["location"], record["name"])
                row = overrides.get(key) or overrides.get(("", record["name"])) or {}
                record["wave"], record["import"] = row.get("wave", 1), row.get("import", True)
                record["plan_file_problems"] = row.get("problems", [])
                zone_id = str(record["zone_id"] or "")
                plan = build_import_plan(
                    record["instance"],
                    {**defaults, **wishes(row)},
                    catalogs.get(zone_id, {}),
                    cluster_id=record["cluster_id"],
                    zone_id=zone_id or None,
                    for_import_vm=record["source"] != "cloudstack",
                )
                record["plan"] = plan.to_dict()
                if not second_pass:
                    used.setdefault(zone_id, []).extend(planned_network_ids(plan.params))
            if second_pass or not any(used.values()):
                return
            for zone_id, network_ids in used.items():
                if zone_id in catalogs:
                    catalogs[zone_id]["macs_in_use"] = fetch_macs_in_use(client, network_ids)

    def _plan_rows(self) -> dict[tuple[str, str], dict[str, Any]]:
        configured = self.get_option("plan_file")
        if not configured:
            return {}
        path = os.path.join(self._source_dir, os.path.expanduser(configured))
        if not os.path.exists(path):
            # The first discover run has no plan yet; it plans from plan_defaults and writes one.
            self.display.warning(f"acs.ingest.unmanaged: plan_file {path} does not exist yet; using plan_defaults only")
            return {}
        try:
            with open(path, encoding="utf-8") as handle:
                raws = load_plan(handle.read(), os.path.splitext(path)[1])
        except (OSError, ValueError) as exc:
            raise AcsIngestError(
                f"cannot read {path}: {exc}",
                field="plan_file",
                fix="point plan_file at a plan written by the discover playbook",
            ) from None
        rows, problems = validate_rows(raws)
        # Bad cells do not stop the inventory: the validate playbook must be able to show
        # every problem of every row, so each row carries its own problems as a hostvar.
        by_vm: dict[str, list[str]] = {}
        for problem in problems:
            by_vm.setdefault(problem["vm"], []).append(problem.line)
        plan: dict[tuple[str, str], dict[str, Any]] = {}
        for row in rows:
            row["problems"] = by_vm.get(row["vm"], [])
            plan[(row["cluster"] or row["host"], row["vm"])] = row
            plan.setdefault(("", row["vm"]), row)
        return plan

    # --- inventory ---------------------------------------------------------------------------
    def _populate(self, records: list[dict[str, Any]]) -> None:
        strict = self.get_option("strict")
        names = [record["name"] for record in records]
        self.inventory.add_group("acs_unmanaged")
        self.inventory.add_group("acs_import")
        # How many VMs the whole source holds: a play that sees fewer in acs_unmanaged runs on
        # a slice of the inventory (AWX job slicing) and refuses to import (the in-flight cap
        # and the wave order are global).
        self.inventory.set_variable("acs_unmanaged", "acs_unmanaged_count", len(records))
        # Wave order = inventory order, so `serial` batches in the import playbook are waves.
        for record in sorted(records, key=lambda r: (int(r.get("wave") or 1), r["name"], r["location"])):
            # The same instance name can exist on two hosts (external or libvirt sources).
            host = record["name"] if names.count(record["name"]) == 1 else f"{record['name']}@{record['location']}"
            self.inventory.add_host(host, group="acs_unmanaged")
            plan = record.get("plan") or {}
            hostvars = {
                "ansible_connection": "local",  # import plays talk to the API, not to the VM
                "acs_instance": record["instance"],
                "acs_source": record["source"],
                "acs_zone_id": record["zone_id"],
                "acs_cluster_id": record["cluster_id"],
                "acs_cluster_name": record["cluster_name"],
                "acs_location": record["location"],
                "acs_plan": plan,
                "acs_import_params": plan.get("params", {}),
                "acs_wave": record.get("wave", 1),
                "acs_import": record.get("import", True),
                "acs_plan_file_problems": record.get("plan_file_problems", []),
                "acs_listed": record.get("listed", True),
            }
            for key, value in hostvars.items():
                self.inventory.set_variable(host, key, value)
            groups = [f"acs_source_{record['source']}", "acs_plan_ok" if plan.get("ok") else "acs_plan_problems"]
            if record.get("import", True):
                groups.append("acs_import")
            for group in groups:
                self.inventory.add_group(group)
                self.inventory.add_child(group, host)
            self._set_composite_vars(self.get_option("compose"), hostvars, host, strict=strict)
            self._add_host_to_composed_groups(self.get_option("groups"), hostvars, host, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), hostvars, host, strict=strict)
