#!/usr/bin/python
# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: import_unmanaged
short_description: Import an unmanaged KVM instance into CloudStack management
version_added: 0.1.0
description:
  - Imports a libvirt domain that runs (or is defined) on a host of a CloudStack KVM cluster but
    is not managed by CloudStack, with C(importUnmanagedInstance).
  - Runs a full pre-flight first, C(listUnmanagedInstances) for the instance, then the zone's
    networks, offerings and templates, then the import planner. Every problem the planner
    finds is reported at once, one line each naming the option and the fix.
  - NICs are mapped explicitly to the L2 or Shared network carrying their VLAN, because
    CloudStack's own KVM fallback takes the first permitted network whatever its VLAN.
  - Idempotent. A VM CloudStack already manages under that instance name is reported with
    RV(state=present) and C(changed=false).
  - A job that outlives O(timeout) does not fail the task, it returns C(state=pending) and its
    C(jobid). A rerun awaits that job and never submits the same import twice; see O(job_journal).
author:
  - acs.ingest contributors (@acs-ingest)
options:
  cluster:
    description:
      - The KVM cluster whose hosts run the instance, by id or by name.
      - An id saves one API call, which matters in bulk runs.
      - Required with O(name); in batch mode (O(instances)) each entry names its cluster.
    type: str
  name:
    description:
      - The instance name as the hypervisor knows it (the libvirt domain name).
      - Required unless O(instances) is given.
    type: str
    aliases: [instance_name]
  instances:
    description:
      - Batch mode. Import every VM of this list in one module run, keeping at most
        O(concurrency) import jobs in flight and polling each with its own backoff.
      - Each entry needs C(name) and C(cluster) and takes C(plan) (as O(plan)) or the planning
        options (O(template), O(service_offering), O(nic_networks)...), plus C(forced),
        C(migrate_allowed), C(jobid) and C(key) (a label returned with the VM's result, e.g.
        the inventory host name). Module-level planning options are defaults for every entry.
      - Per VM the same guarantees as single mode hold (idempotent, journal, check mode). One
        listUnmanagedInstances per cluster replaces the per-VM lookup, and with several jobs in
        flight one C(listAsyncJobs) per poll round replaces a C(queryAsyncJobResult) per job.
      - One VM failing does not stop the others. When any VM failed, the task fails after all
        VMs are done, with one line per failed VM in C(msg) and every VM in RV(vms).
      - Mutually exclusive with O(name).
    type: list
    elements: dict
  concurrency:
    description:
      - Batch mode only. The most import jobs this run keeps submitted and unfinished at once.
      - Above CloudStack's own job concurrency the extra jobs wait in its queue, which keeps
        the server busy while the module notices finished jobs. Twice the jobs CloudStack runs at
        once is enough for that; polling costs one C(listAsyncJobs) per round whatever the number.
    type: int
    default: 40
  displayname:
    description:
      - Display name of the imported VM. CloudStack uses O(name) when not set.
    type: str
  hostname:
    description:
      - Host name of the imported VM. When not set it is derived from O(displayname), else O(name).
      - An invalid host name (CloudStack allows 1-63 letters, digits and hyphens, no leading digit
        or hyphen) is repaired and every rewrite is reported in RV(notes).
    type: str
  account:
    description:
      - Account that will own the VM. Needs O(domain).
    type: str
  domain:
    description:
      - Domain of O(account), by id, name or path (for example C(ROOT/customers)).
    type: str
  project:
    description:
      - Project that will own the VM, by id or name.
    type: str
  template:
    description:
      - KVM template for the VM, by id or name. CloudStack needs one for KVM imports.
    type: str
  service_offering:
    description:
      - Service offering, by id or name.
      - A fixed offering must match the VM's vCPUs and memory unless the VM is powered off;
        a custom offering takes them from the VM.
    type: str
  nic_networks:
    description:
      - Network for each NIC, overriding the VLAN match. Keys are NIC ids (V(0), V(1), ...), MAC
        addresses or positions; values are network ids or names.
      - A mapping, CloudStack's list form (a list of dicts with keys C(nic) and C(network)), or a
        string in the plan file's map syntax, V(0=l2-a;1=l2-b) (pairs separated by V(;), new lines,
        or V(,) when V(key=) follows). The same holds for O(nic_ips) and O(disk_offerings).
    type: raw
  nic_ips:
    description:
      - IPv4 address or V(auto) for each NIC on a network that is not L2, keyed like O(nic_networks).
      - NICs on non-L2 networks without an entry get V(auto).
    type: raw
  disk_offerings:
    description:
      - Disk offering for each data disk, keyed by disk id, label (V(vdb)) or position; values are
        disk offering ids or names. The key V(*) applies to every data disk not listed.
    type: raw
  disk_offering_policy:
    description:
      - How to choose offerings for data disks O(disk_offerings) does not cover.
      - V(custom) uses a custom-size offering, V(smallest_fit) the smallest fixed offering not
        smaller than the disk.
    type: str
    choices: [custom, smallest_fit]
  root_disk:
    description:
      - The disk that boots (id or label) when it is not the first disk.
    type: str
  details:
    description:
      - Extra VM details sent as C(details[0]), for example C(cpuSpeed) for unconstrained custom offerings.
    type: dict
  migrate_allowed:
    description:
      - Let CloudStack migrate the VM or its volumes when the offerings do not fit the current
        host or storage pool.
    type: bool
  forced:
    description:
      - Import even when a NIC's MAC address is already in use on its network; CloudStack then
        gives that NIC a new MAC address, which the guest sees as a new NIC.
    type: bool
    default: false
  plan:
    description:
      - A precomputed plan, as the C(acs.ingest.unmanaged) inventory plugin puts it in hostvars
        (the planner's output with C(params)), or the bare import parameters.
      - The module then skips the catalog lookups and checks only that the plan still fits the
        instance (every NIC mapped, every data disk mapped). Cannot be combined with the
        planning options (O(template), O(service_offering), the maps, owner options...).
    type: dict
  timeout:
    description:
      - Seconds to wait for an import job. A job still running then is reported with
        C(state=pending) and its C(jobid), not as a failure; it keeps running in CloudStack.
    type: int
    default: 1800
  jobid:
    description:
      - Id of an import job an earlier run returned with C(state=pending). The module awaits it
        instead of importing. Not needed when the earlier run used the same O(job_journal).
    type: str
extends_documentation_fragment:
  - acs.ingest.connection
  - acs.ingest.job_wait
  - acs.ingest.attributes
  - acs.ingest.attributes.ACTIONS
notes:
  - The import APIs are root-admin only.
  - With O(forced=false), MAC conflicts are detected up front from the VMs already on the planned networks.
  - Single mode (O(name)) and batch mode (O(instances)) are one engine; a single VM is a batch of one.
  - Before it submits anything, the module lists this account's import jobs still in progress
    (C(listAsyncJobs)). Jobs that no entry of O(job_journal) knows (for example from a controller
    that was killed and whose journal is gone) are awaited first, because CloudStack cannot say
    which VM they import and a second import of the same domain must never start.
  - An import job that fails with error 530 and no known cause (for example cancelled by a
    management-server restart) is submitted once more while the VM is still unmanaged.
seealso:
  - module: acs.ingest.unmanaged_instance_info
  - module: acs.ingest.unmanage_vm
"""

EXAMPLES = r"""
- name: Import a running VM, matching its NICs to networks by VLAN
  acs.ingest.import_unmanaged:
    cluster: cluster1
    name: web01
    template: kvm-template
    service_offering: custom-constrained
  delegate_to: localhost

- name: Explicit NIC map, a fixed IP and offerings for data disks
  acs.ingest.import_unmanaged:
    cluster: cluster1
    name: db01
    hostname: db01-prod
    account: acme
    domain: ROOT/customers
    template: kvm-template
    service_offering: small-1c-128m
    nic_networks: {"0": l2-vlan100, "52:54:00:12:34:56": shared-vlan300}
    nic_ips: {"1": 10.30.0.21}
    disk_offerings: {vdb: fixed-1g}
    disk_offering_policy: custom
  delegate_to: localhost

- name: Import from inventory hostvars (ids and plan precomputed, three API calls beyond polling)
  acs.ingest.import_unmanaged:
    cluster: "{{ acs_cluster_id }}"
    name: "{{ acs_instance.name }}"
    plan: "{{ acs_plan }}"
    timeout: 900
  delegate_to: localhost

- name: Batch import of one wave, 30 jobs in flight at most, in one module run
  acs.ingest.import_unmanaged:
    instances:
      - {name: web01, cluster: "{{ cluster_id }}", plan: "{{ hostvars['web01'].acs_plan }}", key: web01}
      - {name: web02, cluster: "{{ cluster_id }}", template: kvm-template, service_offering: custom-constrained}
    concurrency: 30
  delegate_to: localhost

- name: "Validate only: full pre-flight, show the call it would make"
  acs.ingest.import_unmanaged:
    cluster: cluster1
    name: web01
    template: kvm-template
    service_offering: custom-constrained
  check_mode: true
  register: preview
"""

RETURN = r"""
state:
  description:
    - V(imported) when this run (or an earlier run's job it awaited) imported the VM,
      V(present) when CloudStack already managed it, V(pending) when the import job is still
      running (see RV(jobid)), V(would_import) in check mode.
  returned: success
  type: str
  sample: imported
name:
  description: The instance name.
  returned: always
  type: str
  sample: web01
vm:
  description: The managed VM as listVirtualMachines or the import job returns it.
  returned: when state is imported or present
  type: dict
  sample: {"id": "b0f5...", "instancename": "web01", "state": "Running"}
instance:
  description: The unmanaged instance as listUnmanagedInstances returned it before the import.
  returned: when the instance was still unmanaged
  type: dict
plan:
  description: The import plan (command, params, notes) the call was built from.
  returned: when the instance was still unmanaged
  type: dict
notes:
  description: Decisions the planner took for you (host name rewrites, IP V(auto), VLAN matches).
  returned: always
  type: list
  elements: str
api_call:
  description: The importUnmanagedInstance call made (or, in check mode, that would be made), in wire form.
  returned: when the instance was still unmanaged
  type: dict
  sample: {"command": "importUnmanagedInstance", "params": {"clusterid": "...", "nicnetworklist[0].nic": "0"}}
jobid:
  description: The import job id; rerun the task (or pass it as O(jobid)) to await it.
  returned: when state is pending
  type: str
earlier_job:
  description: The job from an earlier run this run looked at, with its status.
  returned: when a journaled or given job id existed
  type: dict
api_calls:
  description: Every CloudStack API call the module made, secrets redacted; job polls are counted, not listed.
  returned: always
  type: list
  elements: dict
vms:
  description:
    - Batch mode. One entry per VM of O(instances), in order, with C(name), C(key), C(outcome)
      (V(imported), V(already managed), V(would import), V(pending), V(failed)), C(state), C(changed),
      C(id), C(duration_s) (seconds from the start of the run), C(jobid), C(error), C(notes),
      C(api_call), C(warnings) and C(vm) (a summary).
  returned: batch mode, success or failure
  type: list
  elements: dict
totals:
  description: Batch mode. Number of VMs per outcome.
  returned: batch mode
  type: dict
  sample: {"imported": 198, "already managed": 2}
problems:
  description: Every planner problem (code, field, message, fix, subject) when the pre-flight failed.
  returned: failure
  type: list
  elements: dict
"""

from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._ansible.module import AcsModule
from ansible_collections.acs.ingest.plugins.module_utils._ansible.specs import job_wait_argument_spec
from ansible_collections.acs.ingest.plugins.module_utils._services.import_engine import run_import
from ansible_collections.acs.ingest.plugins.module_utils._services.import_options import ImportOptions


def run(mod: AcsModule) -> dict[str, Any]:
    options = ImportOptions.from_params(mod.params)  # every input error before the first API call
    return run_import(mod.client, options, mod.context())


def echoed(params: dict[str, Any]) -> dict[str, Any]:
    """Batch mode echoes each instance's name, cluster and key, not its plan: the inventory holds the plans,
    and 200 of them echoed back were about 200 KB of result for Ansible to parse, copy and register."""
    if params.get("instances"):
        keep = ("name", "cluster", "key")
        params["instances"] = [{k: i.get(k) for k in keep} if isinstance(i, dict) else i for i in params["instances"]]
    return params


def main() -> None:
    argument_spec = {
        "cluster": {"type": "str"},
        "name": {"type": "str", "aliases": ["instance_name"]},
        "instances": {"type": "list", "elements": "dict"},
        "concurrency": {"type": "int", "default": 40},
        "displayname": {"type": "str"},
        "hostname": {"type": "str"},
        "account": {"type": "str"},
        "domain": {"type": "str"},
        "project": {"type": "str"},
        "template": {"type": "str"},
        "service_offering": {"type": "str"},
        "nic_networks": {"type": "raw"},
        "nic_ips": {"type": "raw"},
        "disk_offerings": {"type": "raw"},
        "disk_offering_policy": {"type": "str", "choices": ["custom", "smallest_fit"]},
        "root_disk": {"type": "str"},
        "details": {"type": "dict"},
        "migrate_allowed": {"type": "bool"},
        "forced": {"type": "bool", "default": False},
        "plan": {"type": "dict"},
        "jobid": {"type": "str"},
        **job_wait_argument_spec(timeout=1800),
    }
    mod = AcsModule(
        argument_spec,
        mutually_exclusive=[("account", "project"), ("name", "instances")],
        required_one_of=[("name", "instances")],
        required_by={"name": "cluster"},
        echo_params=echoed,
    )
    mod.run(run)


if __name__ == "__main__":
    main()
