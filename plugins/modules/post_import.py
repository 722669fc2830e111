#!/usr/bin/python
# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: post_import
short_description: Fix-ups after importing a VM into CloudStack (NIC for a NIC-less VM, secondary IPs, restart)
version_added: 0.1.0
description:
  - What an import leaves to do, each fix-up asked for explicitly and done once.
  - O(add_nic) gives a VM imported without any NIC one NIC on the chosen network (C(addNicToVirtualMachine)).
    A running VM's NIC is hot-plugged by CloudStack. A VM that has a NIC is left alone.
  - Secondary IPs. CloudStack imports one address per NIC (C(nicipaddresslist)). Every further address is added
    with C(addIpToNic), namely those after the first in O(nic_ips) (the import plan's column), all of O(secondary_ips),
    and the IPv4 addresses the guest reports through libvirt (O(guest_addresses_uri)). Addresses the NIC
    already has are skipped. A NIC on an L2 network takes none; that is reported before anything is changed.
  - Restart. A running VM on a network whose user data comes from a config drive has no config drive until
    CloudStack starts it, and a VM imported while running needs a start by CloudStack before its console
    works. Both are reported in RV(needs_restart) with a warning. With O(restart=true) the VM is stopped and
    started through CloudStack (downtime, warned about) and tagged C(acs.ingest.restarted), so a rerun does
    not restart it again. The tag is set to C(pending:<reasons>) before the stop, so when the start fails or
    outlives O(timeout) the next run starts the VM instead of leaving it stopped.
  - Every refusal CloudStack would answer (NIC already on the network, network of another zone, hostname taken
    on the network, address outside the network's range or in use, the per-NIC limit of secondary IPs) is checked
    first, so a bad request fails with one message naming the option before anything changed.
author:
  - acs.ingest contributors (@acs-ingest)
options:
  instance_name:
    description:
      - Hypervisor name of the imported VM (the libvirt domain name, the import plan's C(vm) column). Needs O(zone).
    type: str
  name:
    description:
      - CloudStack name of the VM. Needs O(zone).
    type: str
  id:
    description:
      - Id of the VM.
    type: str
  zone:
    description:
      - Zone of the VM, by name or id.
    type: str
  add_nic:
    description:
      - A NIC for a VM imported without any. Ignored when the VM has a NIC.
    type: dict
    suboptions:
      network:
        description: Network, by name or id, in the VM's zone.
        type: str
        required: true
      ip_address:
        description: Address on a Shared or Isolated network. Default is one CloudStack picks.
        type: str
  nic_ips:
    description:
      - Addresses per NIC, keyed by NIC device id (V(0), V(1), ...) or MAC, as in the import plan's C(nic_ips) column
        (C(a.b.c.d) or several as C(a.b.c.d,e.f.g.h)). The first of each NIC is the one the import used; the others
        are added as secondary IPs.
    type: dict
    default: {}
  secondary_ips:
    description:
      - Secondary IPs per NIC (device id or MAC), as a list or a comma-separated string. All are added.
    type: dict
    default: {}
  guest_addresses_uri:
    description:
      - libvirt URI of the host the VM runs on. The IPv4 addresses the guest reports there (guest agent, DHCP leases,
        ARP) become secondary IPs of the NIC with that MAC, except the NIC's imported address.
    type: str
  restart:
    description:
      - Stop and start the VM through CloudStack when it needs it (see O(restart_for)). This is downtime.
    type: bool
    default: false
  restart_for:
    description:
      - Which needs a restart with O(restart=true) is done for. V(config_drive) is a running VM on a config-drive
        network without a config drive. V(console) is a VM imported while running that CloudStack has not started since.
    type: list
    elements: str
    choices: [config_drive, console]
    default: [config_drive, console]
  imported_live:
    description:
      - Whether the VM was imported while running (C(importUnmanagedInstance) imports running KVM VMs only).
        Default is to assume so for a running VM that M(acs.ingest.external_vm_import) did not import.
    type: bool
  timeout:
    description:
      - Seconds to wait for each CloudStack job.
    type: int
    default: 600
  poll_interval:
    description:
      - Seconds before the first job poll; later polls back off by 1.5x up to O(poll_max_interval).
    type: float
    default: 1.0
  poll_max_interval:
    description:
      - Longest pause between two job polls, in seconds.
    type: float
    default: 10.0
extends_documentation_fragment:
  - acs.ingest.connection
  - acs.ingest.attributes
  - acs.ingest.attributes.ACTIONS
seealso:
  - module: acs.ingest.import_unmanaged
  - module: acs.ingest.guest_network
"""

EXAMPLES = r"""
- name: Secondary addresses from the plan, and a restart for config drive and console (downtime)
  acs.ingest.post_import:
    zone: zone1
    instance_name: web01
    nic_ips:
      "0": 10.30.0.20,10.30.0.21,10.30.0.22
    restart: true

- name: A NIC for a VM imported without one
  acs.ingest.post_import:
    zone: zone1
    instance_name: appliance7
    add_nic:
      network: l2-vlan400
"""

RETURN = r"""
vm:
  description: The VM (C(id), C(name), C(instancename), C(state)).
  returned: success
  type: dict
actions:
  description:
    - What was done (or would be, in check mode), in order, each with C(action) (V(add_nic), V(add_ip), V(stop),
      V(start), V(tag)), C(what) and the C(api_call) in wire form.
  returned: success
  type: list
  elements: dict
needs_restart:
  description:
    - Why the VM needs a stop and start through CloudStack (V(config_drive), V(console)); empty when it does not.
  returned: success
  type: list
  elements: str
restarted:
  description: Whether the VM was stopped and started.
  returned: success
  type: bool
api_calls:
  description: Every CloudStack API call the module made, secrets redacted.
  returned: always
  type: list
  elements: dict
"""

from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._ansible.module import AcsModule
from ansible_collections.acs.ingest.plugins.module_utils._services.post_import import post_import


def run(acs: AcsModule) -> dict[str, Any]:
    result = post_import(acs.client, acs.params, check_mode=acs.check_mode, warn=acs.module.warn)
    if not acs.diff_mode:
        result.pop("diff", None)
    return result


def main() -> None:
    argument_spec = {
        "instance_name": {"type": "str"},
        "name": {"type": "str"},
        "id": {"type": "str"},
        "zone": {"type": "str"},
        "add_nic": {
            "type": "dict",
            "options": {"network": {"type": "str", "required": True}, "ip_address": {"type": "str"}},
        },
        "nic_ips": {"type": "dict", "default": {}},
        "secondary_ips": {"type": "dict", "default": {}},
        "guest_addresses_uri": {"type": "str"},
        "restart": {"type": "bool", "default": False},
        "restart_for": {
            "type": "list",
            "elements": "str",
            "choices": ["config_drive", "console"],
            "default": ["config_drive", "console"],
        },
        "imported_live": {"type": "bool"},
        "timeout": {"type": "int", "default": 600},
        "poll_interval": {"type": "float", "default": 1.0},
        "poll_max_interval": {"type": "float", "default": 10.0},
    }
    AcsModule(argument_spec, mutually_exclusive=[("id", "name", "instance_name")]).run(run)


if __name__ == "__main__":
    main()
