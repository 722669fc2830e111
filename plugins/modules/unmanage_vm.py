#!/usr/bin/python
# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: unmanage_vm
short_description: Release a KVM VM from CloudStack management, keeping it on its host
version_added: 0.1.0
description:
  - Unmanages a CloudStack KVM VM with C(unmanageVirtualMachine). CloudStack forgets the VM; its
    disks and its libvirt domain stay on the hypervisor.
  - Checks CloudStack's preconditions before calling (VM Running or Stopped, no volume snapshots,
    no ISO attached, config drive needs O(forced)) and reports all failing ones together, each
    with its fix, instead of the job failing one at a time with error 530.
  - CloudStack 4.22 and later define the domain persistently on a host (RV(domain_persisted) is
    V(true)). Older versions leave a running VM's domain transient; the C(unmanage) playbook
    then runs the C(acs.ingest.persist_domain_xml) role on RV(host). A stopped VM cannot be
    unmanaged safely before 4.22 (its domain would exist nowhere), so the module refuses.
  - Idempotent. A VM that is no longer managed but is listed as unmanaged on a KVM host of the
    zone is reported with C(changed=false).
author:
  - acs.ingest contributors (@acs-ingest)
options:
  id:
    description:
      - Id of the VM.
      - After a successful unmanage CloudStack forgets the id; the module remembers the instance
        name in O(job_journal) so that a rerun by id stays idempotent. On another controller,
        identify the VM by O(instance_name) and O(zone) instead.
    type: str
  name:
    description:
      - Name of the VM in CloudStack, or its libvirt domain name (the instance name an import
        keeps, as C(virsh list) shows it). Needs O(zone).
      - The CloudStack name is tried first; RV(matched_by) says which one matched. A name that is
        one VM's CloudStack name and another VM's instance name is refused as ambiguous.
    type: str
  instance_name:
    description:
      - Hypervisor name of the VM (the libvirt domain name, e.g. C(i-2-6-VM)). Needs O(zone).
    type: str
  zone:
    description:
      - Zone of the VM, by id or name. Required with O(name) and O(instance_name).
    type: str
  host:
    description:
      - KVM host, by id or name, on which CloudStack defines the domain of a stopped VM.
      - CloudStack 4.22 or later, stopped VMs only.
    type: str
  forced:
    description:
      - Unmanage a VM with a config drive; CloudStack removes the config drive from the domain XML.
      - CloudStack 4.22 or later.
    type: bool
    default: false
  timeout:
    description:
      - Seconds to wait for the unmanage job. A job still running then is reported with
        C(state=pending) and its C(jobid); a rerun awaits it instead of submitting again.
      - The job journal (O(job_journal)) also keeps, after success, the instance name and zone
        of each VM it unmanaged, so that a rerun by id stays idempotent.
    type: int
    default: 600
extends_documentation_fragment:
  - acs.ingest.connection
  - acs.ingest.job_wait
  - acs.ingest.attributes
  - acs.ingest.attributes.ACTIONS
notes:
  - The zone setting C(unmanage.vm.preserve.nics) decides whether CloudStack keeps the VM's NICs
    (and so its MAC addresses) allocated; it is returned as RV(preserve_nics).
seealso:
  - module: acs.ingest.import_unmanaged
"""

EXAMPLES = r"""
- name: Unmanage a running VM by its instance name
  acs.ingest.unmanage_vm:
    zone: zone1
    instance_name: i-2-6-VM
  register: released
  delegate_to: localhost

- name: Make the domain persistent where CloudStack did not (before 4.22)
  ansible.builtin.include_role:
    name: acs.ingest.persist_domain_xml
    apply:
      delegate_to: "{{ released.hostname }}"
  vars:
    persist_domain_xml_domains: ["{{ released.instance_name }}"]
  when: not released.domain_persisted

- name: Unmanage a stopped VM and define its domain on a chosen host (4.22+)
  acs.ingest.unmanage_vm:
    id: 8d2c6a49-3f1e-4a0c-9a57-2f0d8f7c1b11
    host: kvm1
"""

RETURN = r"""
state:
  description:
    - V(unmanaged) when the VM is (now or already) unmanaged, V(pending) when the job is still
      running (see RV(jobid)), V(would_unmanage) in check mode.
  returned: success
  type: str
  sample: unmanaged
vm:
  description: The VM as CloudStack listed it before the unmanage.
  returned: when the VM was still managed
  type: dict
instance_name:
  description: The hypervisor name of the domain, as libvirt lists it now.
  returned: success
  type: str
  sample: i-2-6-VM
zoneid:
  description: Zone of the VM.
  returned: success
  type: str
host:
  description:
    - The host that holds the domain now (C(id), C(name)). In check mode, the host expected to.
  returned: success
  type: dict
  sample: {"id": "6c6f...", "name": "kvm1"}
hostid:
  description: Id of RV(host).
  returned: success
  type: str
hostname:
  description: Name of RV(host).
  returned: success
  type: str
domain_persisted:
  description:
    - Whether CloudStack defined the domain persistently on RV(host) (4.22 and later). When
      V(false), run the C(acs.ingest.persist_domain_xml) role on RV(host).
  returned: success
  type: bool
preserve_nics:
  description: The zone setting C(unmanage.vm.preserve.nics); V(null) when it could not be read.
  returned: when the VM was still managed
  type: bool
api_call:
  description: The unmanageVirtualMachine call made (or that would be made), in wire form.
  returned: when the VM was still managed
  type: dict
jobid:
  description: The unmanage job id while it is still running.
  returned: when state is pending
  type: str
matched_by:
  description:
    - Which field of the VM matched what was given, V(id), V(name) (the CloudStack name) or
      V(instancename) (the libvirt domain name; also when the VM was found already unmanaged).
  returned: success
  type: str
  sample: instancename
api_calls:
  description: Every CloudStack API call the module made, secrets redacted.
  returned: always
  type: list
  elements: dict
problems:
  description: Every failed precondition (code, field, message, fix, subject).
  returned: failure
  type: list
  elements: dict
"""

from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._ansible.module import AcsModule
from ansible_collections.acs.ingest.plugins.module_utils._ansible.specs import job_wait_argument_spec
from ansible_collections.acs.ingest.plugins.module_utils._services.unmanage import run_unmanage
from ansible_collections.acs.ingest.plugins.module_utils._services.unmanage_options import UnmanageOptions


def run(mod: AcsModule) -> dict[str, Any]:
    options = UnmanageOptions.from_params(mod.params)  # every input error before the first API call
    return run_unmanage(mod.client, options, mod.context())


def main() -> None:
    argument_spec = {
        "id": {"type": "str"},
        "name": {"type": "str"},
        "instance_name": {"type": "str"},
        "zone": {"type": "str"},
        "host": {"type": "str"},
        "forced": {"type": "bool", "default": False},
        **job_wait_argument_spec(timeout=600),
    }
    AcsModule(
        argument_spec,
        required_one_of=[("id", "name", "instance_name")],
        mutually_exclusive=[("id", "name", "instance_name")],
    ).run(run)


if __name__ == "__main__":
    main()
