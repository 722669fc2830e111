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
  - CloudStack is contacted only when the source needs it (O(clusters), O(all_kvm_clusters),
    O(external_hosts), or a O(libvirt_uris) entry with C(zone) or C(cluster)); a source of
    plain libvirt URIs needs no CloudStack credentials.
  - "Host variables: C(acs_instance) (the instance as listed), C(acs_source), C(acs_zone_id),
    C(acs_cluster_id), C(acs_cluster_name), C(acs_location) (host or URI), C(acs_plan) (the
    planner's result: C(ok), C(params), C(problems), C(notes)), C(acs_import_params),
    C(acs_wave), C(acs_import), C(acs_plan_file_problems), C(acs_listed) (false for a plan row
    whose VM is no longer unmanaged), and C(ansible_connection=local)."
  - "Groups: C(acs_unmanaged) (all), C(acs_import) (to import, in wave order),
    C(acs_source_<source>), C(acs_plan_ok) and C(acs_plan_problems). Group C(acs_unmanaged)
    has the variable C(acs_unmanaged_count), the number of VMs of the whole source, by which
    the playbooks recognise a sliced AWX job."
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
    description:
      - List every KVM cluster when O(clusters) is empty.
      - When not set, true if the source lists neither O(external_hosts) nor O(libvirt_uris),
        false otherwise, so a source of libvirt URIs only makes no CloudStack call.
    type: bool
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
      - An entry's C(agent_version) (e.g. C(4.20.2)) names the CloudStack KVM agent whose listing rules
        judge its domains (see O(acs.ingest.unmanaged_instance_info#module:agent_version)); the newest known by default.
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
from collections import Counter
from typing import Any

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import AcsIngestError
from ansible_collections.acs.ingest.plugins.module_utils._services.inventory_source import (
    CONNECTION_OPTIONS,
    SourceOptions,
    discover,
)

SUFFIXES = (".unmanaged.yml", ".unmanaged.yaml")
BASENAMES = ("unmanaged.yml", "unmanaged.yaml")


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
                records = discover(self._source_options(path), self.display.warning)
            except AcsIngestError as error:
                raise AnsibleParserError(f"acs.ingest.unmanaged ({path}): {error}") from None
        if cache_needs_update:
            self._cache[cache_key] = records
        self._populate(records)

    def _source_options(self, path: str) -> SourceOptions:
        return SourceOptions(
            connection={name: self.get_option(name) for name in CONNECTION_OPTIONS},
            clusters=[str(c) for c in self.get_option("clusters") or []],
            all_kvm_clusters=self.get_option("all_kvm_clusters"),
            external_hosts=list(self.get_option("external_hosts") or []),
            libvirt_uris=list(self.get_option("libvirt_uris") or []),
            name_filter=self.get_option("name_filter"),
            plan_defaults=dict(self.get_option("plan_defaults") or {}),
            plan_file=self.get_option("plan_file"),
            source_dir=os.path.dirname(os.path.abspath(path)),
        )

    # --- inventory ---------------------------------------------------------------------------
    def _populate(self, records: list[dict[str, Any]]) -> None:
        strict = self.get_option("strict")
        seen = Counter(record["name"] for record in records)
        self.inventory.add_group("acs_unmanaged")
        self.inventory.add_group("acs_import")
        # How many VMs the whole source holds: a play that sees fewer in acs_unmanaged runs on
        # a slice of the inventory (AWX job slicing) and refuses to import (the in-flight cap
        # and the wave order are global).
        self.inventory.set_variable("acs_unmanaged", "acs_unmanaged_count", len(records))
        # Wave order = inventory order, so `serial` batches in the import playbook are waves.
        for record in sorted(records, key=lambda r: (int(r.get("wave") or 1), r["name"], r["location"])):
            # The same instance name can exist on two hosts (external or libvirt sources).
            host = record["name"] if seen[record["name"]] == 1 else f"{record['name']}@{record['location']}"
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
