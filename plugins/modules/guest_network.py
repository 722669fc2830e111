#!/usr/bin/python
# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: guest_network
short_description: Make sure a CloudStack zone has an L2 or Shared guest network carrying a VLAN
version_added: 0.1.0
description:
  - Before VMs are imported, CloudStack needs a guest network for every VLAN their NICs are on; the
    import planner maps each NIC to the network carrying its VLAN. This module creates the networks that
    M(acs.ingest.network_discovery_info) reports missing.
  - Idempotent by VLAN. When a guest network with O(vlan) already exists in O(zone) (any account, any
    type), it is reused and nothing is created; CloudStack would refuse a second L2 or Shared network
    with that VLAN anyway.
  - Otherwise it creates an L2 network, or a Shared network with the gateway, netmask and IP range given,
    with C(createNetwork) on the physical network and from the network offering named, or chosen by
    capability (Enabled, guest, not for VPC, C(specifyvlan=true), for Shared also C(specifyipranges=true)
    and a DHCP service; a config-drive offering when O(config_drive=true)).
  - Every rule CloudStack applies to C(createNetwork) is checked first, so a request it would refuse fails
    with one message naming the option and the fix, for example a VLAN inside the physical network's
    guest VLAN range (CloudStack keeps those for Isolated networks), an offering without C(specifyvlan),
    a disabled offering or physical network, or an IP range outside the subnet or holding the gateway.
author:
  - acs.ingest contributors (@acs-ingest)
options:
  zone:
    description:
      - Zone, by name or id.
    type: str
    required: true
  vlan:
    description:
      - The 802.1Q VLAN id (1-4094) the network carries, as the VMs' NICs are tagged.
    type: int
    required: true
  type:
    description:
      - Guest type of a network that has to be created.
      - V(L2) has no IP management in CloudStack. V(Shared) hands out addresses from O(start_ip)-O(end_ip)
        and needs O(gateway), O(netmask), O(start_ip) and O(end_ip).
    type: str
    choices: [L2, Shared]
    default: L2
  name:
    description:
      - Name of a network that has to be created. Default C(l2-vlan<vlan>) or C(shared-vlan<vlan>).
      - An existing network with the VLAN is reused whatever its name.
    type: str
  display_text:
    description:
      - Display text of a network that has to be created.
    type: str
  network_offering:
    description:
      - Network offering, by name or id. Default is chosen by capability (see the description).
    type: str
  physical_network:
    description:
      - Physical network, by name or id. Default is the one CloudStack itself would choose, the zone's only
        physical network with Guest traffic (with several, the untagged one or the one carrying the offering's tag).
    type: str
  config_drive:
    description:
      - Prefer an offering whose UserData service is provided by C(ConfigDrive), when the offering is
        chosen by capability.
    type: bool
    default: false
  gateway:
    description:
      - IPv4 gateway of a Shared network.
    type: str
  netmask:
    description:
      - Netmask of a Shared network, dotted (V(255.255.255.0)).
    type: str
  start_ip:
    description:
      - First address CloudStack may hand out on a Shared network.
    type: str
  end_ip:
    description:
      - Last address CloudStack may hand out on a Shared network.
    type: str
extends_documentation_fragment:
  - acs.ingest.connection
  - acs.ingest.attributes
  - acs.ingest.attributes.ACTIONS
notes:
  - A Shared network is created domain-wide on the ROOT domain with subdomain access (C(acltype=Domain)),
    the default for a root admin. An L2 network belongs to the calling account.
  - Imports on a Shared network need addresses inside its IP range (CloudStack 4.20.2 and 4.22 enforce it).
seealso:
  - module: acs.ingest.network_discovery_info
  - module: acs.ingest.import_unmanaged
"""

EXAMPLES = r"""
- name: An L2 network for VLAN 400
  acs.ingest.guest_network:
    zone: zone1
    vlan: 400

- name: A Shared network for VLAN 500, addresses 10.50.0.10-99
  acs.ingest.guest_network:
    zone: zone1
    vlan: 500
    type: Shared
    gateway: 10.50.0.1
    netmask: 255.255.255.0
    start_ip: 10.50.0.10
    end_ip: 10.50.0.99
    network_offering: DefaultSharedNetworkOffering

- name: Every network the discovery report says is missing, in check mode first
  acs.ingest.guest_network:
    zone: "{{ item.zone }}"
    vlan: "{{ item.vlan }}"
    type: "{{ item.create_type }}"
  loop: "{{ discovered.networks | selectattr('status', 'equalto', 'missing') | list }}"
  check_mode: true
"""

RETURN = r"""
outcome:
  description:
    - V(exists) when a network with the VLAN was already there (nothing changed), V(created), or
      V(would_create) in check mode.
  returned: success
  type: str
  sample: created
network:
  description: The network that carries the VLAN now (V(null) in check mode when it would be created).
  returned: success
  type: dict
  contains:
    id:
      description: Network id.
      type: str
    name:
      description: Network name.
      type: str
    type:
      description: V(L2), V(Shared) or V(Isolated).
      type: str
    vlan:
      description: The VLAN id.
      type: int
    zoneid:
      description: Zone id.
      type: str
    networkofferingname:
      description: Offering the network was made from.
      type: str
    physicalnetworkid:
      description: Physical network id.
      type: str
    cidr:
      description: IPv4 CIDR (Shared and Isolated networks).
      type: str
    gateway:
      description: IPv4 gateway.
      type: str
    netmask:
      description: Netmask.
      type: str
    ip_ranges:
      description: IP ranges (C(startip), C(endip)) of the network.
      type: list
      elements: dict
    config_drive:
      description: Whether CloudStack provides user data by config drive on this network.
      type: bool
existing:
  description: Other networks that also carry the VLAN in the zone, when more than one does.
  returned: when the network existed
  type: list
  elements: dict
offering:
  description: The network offering used (C(id), C(name), C(why) it was chosen).
  returned: when the network was (or would be) created
  type: dict
physical_network:
  description: The physical network used (C(id), C(name)).
  returned: when the network was (or would be) created
  type: dict
api_call:
  description: The createNetwork call made (or that would be made), in wire form.
  returned: when the network was (or would be) created
  type: dict
api_calls:
  description: Every CloudStack API call the module made, secrets redacted.
  returned: always
  type: list
  elements: dict
"""

from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._ansible.module import AcsModule
from ansible_collections.acs.ingest.plugins.module_utils._services.guest_network import ensure_guest_network


def run(acs: AcsModule) -> dict[str, Any]:
    result = ensure_guest_network(acs.client, acs.params, check_mode=acs.check_mode)
    for warning in result.pop("warnings", []):
        acs.module.warn(warning)
    if not acs.diff_mode:
        result.pop("diff", None)
    return result


def main() -> None:
    argument_spec = {
        "zone": {"type": "str", "required": True},
        "vlan": {"type": "int", "required": True},
        "type": {"type": "str", "choices": ["L2", "Shared"], "default": "L2"},
        "name": {"type": "str"},
        "display_text": {"type": "str"},
        "network_offering": {"type": "str"},
        "physical_network": {"type": "str"},
        "config_drive": {"type": "bool", "default": False},
        "gateway": {"type": "str"},
        "netmask": {"type": "str"},
        "start_ip": {"type": "str"},
        "end_ip": {"type": "str"},
    }
    AcsModule(argument_spec).run(run)


if __name__ == "__main__":
    main()
