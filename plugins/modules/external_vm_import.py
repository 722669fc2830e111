#!/usr/bin/python
# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: external_vm_import
short_description: Import a VM from an external KVM host, or a qcow2 from a local or shared pool, into CloudStack
version_added: 0.1.0
description:
  - Calls CloudStack C(importVm) for KVM with O(importsource=external), V(local) or V(shared), after a pre-flight
    that checks everything CloudStack will need before it starts copying disks, which can take hours.
  - "For V(external), over libvirt at C(qemu+tcp://<host>/system) (the path CloudStack uses): the host answers,
    the VM exists and is shut off (or is shut down gracefully with O(shutdown)), its disks are raw or qcow2
    without backing file or encryption and have a known size. Over SSH on port 22 with O(username) and
    O(password) (what CloudStack uses): the login works, C(qemu-img) is present, the SSH user can read the
    disks, and O(temppath) has room for the converted copies (measured with C(qemu-img measure))."
  - "For V(local) and V(shared), C(qemu-img info) checks the file where it is reachable (on the controller, or over
    SSH on the KVM host when O(username) is set): qcow2, no backing file, no encryption, not locked."
  - "Idempotent: the imported VM is tagged C(acs.ingest.source=<source>) (V(external:<host>/<name>) or
    V(<importsource>:<pool id>/<diskpath>)); a rerun finds it by that tag and reports no change."
  - CloudStack leaves its converted copies (C(<temppath><uuid>)) on the external host. After a successful import
    the module removes exactly those it can prove this import created (new since the job started, CloudStack's
    UUID name, owned by the SSH user, qcow2 of a source disk's size), unless O(remove_temp_copies=false).
  - The job id is noted before the job is submitted, for V(external) in a marker in O(temppath) on the external
    host, for V(local)/V(shared) in O(job_journal). When the job outlives O(timeout), the task returns
    C(state=pending) and the C(jobid) (it does not fail); the next run waits for that job instead of starting a
    second copy, then tags the VM and cleans up.
  - listVmsForImport reports no vCPU count. With a custom offering, C(cpuNumber) and C(memory) are taken from the
    domain the pre-flight reads over libvirt unless O(details) gives them; RV(sizing) says where each came from.
author:
  - acs.ingest contributors (@acs-ingest)
extends_documentation_fragment:
  - acs.ingest.connection
  - acs.ingest.job_wait
  - acs.ingest.attributes
  - acs.ingest.attributes.ACTIONS
options:
  importsource:
    description: Where the VM comes from.
    type: str
    choices: [external, local, shared]
    default: external
  zone:
    description: Destination zone, name or id.
    type: str
    required: true
  cluster:
    description:
      - KVM cluster, name or id. CloudStack requires C(clusterid) although KVM sources never use it.
      - Derived when omitted, from O(destination_host) or O(storage_pool), else the zone's first enabled KVM cluster.
    type: str
  host:
    description: Address of the external KVM host (V(external) only). Used for libvirt, SSH and by CloudStack.
    type: str
  username:
    description:
      - SSH user on the external host that CloudStack will use to copy the disks (password login, port 22).
      - For V(local)/V(shared), optional SSH user on O(destination_host) for the C(qemu-img) check.
    type: str
  password:
    description: Password of O(username). Never logged or returned.
    type: str
  temppath:
    description: Directory on the external host for CloudStack's converted copies.
    type: str
    default: /tmp/
  name:
    description:
      - For V(external), the libvirt domain name on the external host. For V(local)/V(shared), the new VM's name.
    type: str
    required: true
  displayname:
    description: Display name in CloudStack.
    type: str
  hostname:
    description: Guest hostname. Defaults to O(name), repaired into a valid DNS label when needed.
    type: str
  account:
    description: Owner account; needs O(domain).
    type: str
  domain:
    description: Domain of O(account), name or id.
    type: str
  project:
    description: Owner project, name or id.
    type: str
  template:
    description: KVM template, name or id. Required by CloudStack for KVM imports.
    type: str
    required: true
  service_offering:
    description: Service offering, name or id.
    type: str
    required: true
  nic_networks:
    description:
      - Network for each NIC, as for M(acs.ingest.import_unmanaged). Keys are NIC ids (V(0), V(1), ...), MAC
        addresses or positions; values are network ids or names. Unmapped NICs get the planner's match.
    type: raw
  nic_ips:
    description: IPv4 address or V(auto) for each NIC on a network that is not L2, keyed like O(nic_networks).
    type: raw
  disk_offerings:
    description:
      - Disk offering for each data disk, keyed by disk id, label (V(vdb)) or position; values are disk offering
        ids or names. The key V(default) applies to every data disk not listed.
    type: raw
  disk_offering_policy:
    description:
      - How to choose offerings for data disks O(disk_offerings) does not cover.
      - V(custom) uses a custom-size offering, V(smallest_fit) the smallest fixed offering not smaller than the disk.
    type: str
    choices: [custom, smallest_fit]
  root_disk:
    description: The disk that boots (id or label) when it is not the first disk.
    type: str
  details:
    description:
      - Custom offering details such as C(cpuNumber), C(cpuSpeed), C(memory). A value given here wins over the one
        read from the domain.
    type: dict
  diskpath:
    description: File name of the qcow2 inside O(storage_pool) (V(local)/V(shared)).
    type: str
  storage_pool:
    description: Primary storage pool holding O(diskpath), name or id (V(local)/V(shared)).
    type: str
  destination_host:
    description: KVM host that has the local pool, name or id (V(local); optional for V(shared)).
    type: str
  network:
    description: Network for the single NIC, name or id (V(local)/V(shared)).
    type: str
  shutdown:
    description: Shut a running source VM down gracefully (ACPI), wait up to O(shutdown_timeout), confirm it is off.
    type: bool
    default: false
  shutdown_timeout:
    description: Seconds to wait for the graceful shutdown. The VM is never forced off.
    type: int
    default: 300
  remove_temp_copies:
    description: Remove CloudStack's converted copies from O(temppath) after a successful import.
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait for the import job (the disk copy). A job still running then is reported with
        C(state=pending) and its C(jobid), not as a failure; a rerun resumes waiting.
    type: int
    default: 3600
notes:
  - The external libvirtd must accept unauthenticated TCP from the CloudStack KVM hosts; the role
    P(acs.ingest.libvirt_listen_tcp#role) sets that up.
  - Run imports from one source host one at a time (C(throttle) in the playbooks) so the host's disks and network
    are not saturated and temppath cleanup stays unambiguous.
requirements:
  - paramiko
  - libvirt-python
  - lxml
"""

EXAMPLES = r"""
- name: Import a stopped VM from a KVM host CloudStack does not manage
  acs.ingest.external_vm_import:
    zone: zone1
    host: 192.0.2.10
    username: acsimport
    password: "{{ vault_import_password }}"
    temppath: /var/tmp/acs/
    name: web01
    template: kvm-template
    service_offering: small-1c-128m
    nic_networks: {"0": l2-vlan100}
    shutdown: true

- name: Adopt a qcow2 already on a shared pool
  acs.ingest.external_vm_import:
    importsource: shared
    zone: zone1
    name: db01
    diskpath: db01-root.qcow2
    storage_pool: pool1
    network: l2-vlan200
    template: kvm-template
    service_offering: tiny-1c-64m
"""

RETURN = r"""
state:
  description:
    - V(imported) when this run (or an earlier run's job it awaited) imported the VM, V(present) when it was
      imported already (found by its source tag), V(pending) when the import job is still running (see RV(jobid)),
      V(would_import) in check mode.
  returned: success
  type: str
  sample: imported
jobid:
  description: The importVm job id; rerun the task to await it.
  returned: when state is pending
  type: str
sizing:
  description:
    - The C(cpuNumber) and C(memory) details sent, each with its C(value) and the C(source) it came from
      (listVmsForImport, O(details), or the domain read over libvirt).
  returned: when planned for an external source
  type: dict
  sample: {"cpuNumber": {"value": "2", "source": "the domain's <vcpu> on 192.0.2.10, read over libvirt"}}
vm:
  description: The imported (or already imported) VM.
  returned: when it exists
  type: dict
  sample: {"id": "0f3c...", "name": "web01", "instancename": "i-2-14-VM", "state": "Stopped"}
source:
  description: The value of the C(acs.ingest.source) tag that identifies the import.
  returned: always
  type: str
  sample: external:192.0.2.10/web01
preflight:
  description: What the pre-flight checked and found (disks, sizes, temppath space, seconds taken).
  returned: when the pre-flight ran
  type: dict
params:
  description: The importVm parameters that would be sent (check mode), password redacted.
  returned: check mode
  type: dict
notes:
  description: Decisions the planner took (hostname repair, defaults).
  returned: when planned
  type: list
  elements: str
removed_temp_copies:
  description: Temporary copies removed from temppath.
  returned: after an external import with remove_temp_copies
  type: list
  elements: str
temp_copies:
  description: Temporary copies left in temppath.
  returned: after an external import without remove_temp_copies
  type: list
  elements: str
reconciled_jobid:
  description: Job of an earlier run that this run waited for instead of starting a new import.
  returned: when a previous run timed out
  type: str
api_calls:
  description: CloudStack API calls made, secrets redacted.
  returned: always
  type: list
  elements: dict
"""

from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._ansible.module import AcsModule
from ansible_collections.acs.ingest.plugins.module_utils._ansible.specs import job_wait_argument_spec
from ansible_collections.acs.ingest.plugins.module_utils._services.external_import import run_import
from ansible_collections.acs.ingest.plugins.module_utils._services.external_options import ExternalImportOptions

ARGUMENT_SPEC = {
    "importsource": {"type": "str", "default": "external", "choices": ["external", "local", "shared"]},
    "zone": {"type": "str", "required": True},
    "cluster": {"type": "str"},
    "host": {"type": "str"},
    "username": {"type": "str"},
    "password": {"type": "str", "no_log": True},
    "temppath": {"type": "str", "default": "/tmp/"},
    "name": {"type": "str", "required": True},
    "displayname": {"type": "str"},
    "hostname": {"type": "str"},
    "account": {"type": "str"},
    "domain": {"type": "str"},
    "project": {"type": "str"},
    "template": {"type": "str", "required": True},
    "service_offering": {"type": "str", "required": True},
    "nic_networks": {"type": "raw"},
    "nic_ips": {"type": "raw"},
    "disk_offerings": {"type": "raw"},
    "disk_offering_policy": {"type": "str", "choices": ["custom", "smallest_fit"]},
    "root_disk": {"type": "str"},
    "details": {"type": "dict"},
    "diskpath": {"type": "str"},
    "storage_pool": {"type": "str"},
    "destination_host": {"type": "str"},
    "network": {"type": "str"},
    "shutdown": {"type": "bool", "default": False},
    "shutdown_timeout": {"type": "int", "default": 300},
    "remove_temp_copies": {"type": "bool", "default": True},
    **job_wait_argument_spec(timeout=3600),
}


def run(mod: AcsModule) -> dict[str, Any]:
    options = ExternalImportOptions.from_params(mod.params)  # every input error before the first API call
    return run_import(mod.client, options, mod.context())


def main() -> None:
    acs = AcsModule(
        ARGUMENT_SPEC,
        required_if=[
            ("importsource", "external", ("host", "username")),
            ("importsource", "local", ("diskpath", "storage_pool", "network", "destination_host")),
            ("importsource", "shared", ("diskpath", "storage_pool", "network")),
        ],
        required_together=[("account", "domain")],
    )
    acs.run(run)


if __name__ == "__main__":
    main()
