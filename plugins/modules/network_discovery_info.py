#!/usr/bin/python
# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: network_discovery_info
short_description: Report the networks unmanaged KVM VMs use and the CloudStack network carrying each VLAN
version_added: 0.1.0
description:
  - The first step of an import, which CloudStack's documentation calls the most complex part, done on KVM
    hosts. For every unmanaged VM's NIC it reports the host; the bridge (or libvirt network, or direct
    device) and, for Open vSwitch, the OVS bridge and port; the VLAN and where it came from; the physical
    interface; the NIC id, MAC, model and guest addresses where known; and the CloudStack guest network
    that carries that VLAN in the zone, or that none does.
  - VLAN sources, most direct first. V(xml-tag) is C(<vlan><tag>) on the interface (a trunk of several is
    V(xml-trunk)). V(libvirt-network) is the libvirt network's or port group's C(<vlan>). V(ovs-port-tag) and
    V(ovs-fake-bridge) come from Open vSwitch. V(vlan-subinterface) is an 802.1Q device that is the Linux
    bridge's uplink (C(/proc/net/vlan), as CloudStack's agent reads it). V(bridge-name) is CloudStack's bridge
    naming C(br<pif>-<vlan>). V(cloudstack-agent) is what C(listUnmanagedInstances) reported.
    V(untagged) is a bridge whose uplink carries no VLAN. V(unknown) means nothing says.
  - Hosts are read over libvirt (domain XML, guest addresses from the guest agent, DHCP leases or ARP) and
    their C(/sys) and C(/proc) (bridges, 802.1Q devices, Open vSwitch), directly for a local URI and with one
    read-only shell script over SSH otherwise.
  - Returns the data and the rows of two reports the C(networks) playbook writes, as CSV and YAML, like the
    import plan. RV(networks_plan) has one row per zone and VLAN and proposes C(create=yes) where no network
    carries the VLAN (edit it, then M(acs.ingest.guest_network) creates those). RV(nic_report) has one row
    per NIC.
  - Changes nothing. A host that cannot be read is reported in RV(hosts) with its error and the others are
    still discovered; the module fails only when no host can be read.
author:
  - acs.ingest contributors (@acs-ingest)
options:
  clusters:
    description:
      - CloudStack KVM clusters, by name or id. Each C(Up) host is read over libvirt at O(host_uri).
      - VMs that CloudStack manages anywhere in the zone are left out.
    type: list
    elements: str
    default: []
  host_uri:
    description:
      - libvirt URI of a cluster host, with C({name}) and C({ipaddress}) replaced by the host's.
      - An empty string reads no cluster host over libvirt; CloudStack's own view (C(listUnmanagedInstances))
        is used instead, which has MACs, models and the agent's VLAN but no bridges.
    type: str
    default: qemu+ssh://root@{ipaddress}/system
  host_uris:
    description:
      - libvirt URI per cluster host, by host name or IP address; wins over O(host_uri).
    type: dict
    default: {}
  ssh:
    description:
      - SSH login for reading C(/sys) and C(/proc) on cluster hosts. Without it, cluster hosts whose URI is not
        local get their VLANs from the XML and the bridge names only.
    type: dict
    suboptions:
      username:
        description: User name.
        type: str
        required: true
      password:
        description: Password (or use O(ssh.key_file)). Never logged.
        type: str
      key_file:
        description: Private key file.
        type: path
      port:
        description: SSH port.
        type: int
        default: 22
      root:
        description: A directory on the host standing for C(/) (for tests).
        type: str
  external_hosts:
    description:
      - KVM hosts CloudStack does not manage, read at C(qemu+tcp://<host>/system) as CloudStack reads them.
    type: list
    elements: dict
    default: []
    suboptions:
      host:
        description: Address of the host.
        type: str
        required: true
      zone:
        description: Zone the VMs would be imported into, by name or id.
        type: str
        required: true
      uri:
        description: Another libvirt URI for the host.
        type: str
      username:
        description: SSH user (the one CloudStack will use to copy the disks), for reading C(/sys) and C(/proc).
        type: str
      password:
        description: SSH password. Never logged.
        type: str
      key_file:
        description: Private key file instead of the password.
        type: path
      ssh_port:
        description: SSH port.
        type: int
        default: 22
      root:
        description: A directory on the host standing for C(/) (for tests).
        type: str
  libvirt_uris:
    description:
      - Any libvirt URIs to read, optionally in a zone (then CloudStack's networks are matched and the zone's
        managed VMs left out).
    type: list
    elements: dict
    default: []
    suboptions:
      uri:
        description: libvirt URI.
        type: str
        required: true
      zone:
        description: Zone, by name or id.
        type: str
      name:
        description: Host name for the report. Default is the URI.
        type: str
      address:
        description: Host address for SSH.
        type: str
      vlan_root:
        description: For a local URI, the directory standing for C(/) when reading C(/sys) and C(/proc).
        type: path
      ssh:
        description: SSH login for C(/sys) and C(/proc) (suboptions as O(ssh)).
        type: dict
        suboptions:
          username:
            description: User name.
            type: str
            required: true
          password:
            description: Password. Never logged.
            type: str
          key_file:
            description: Private key file.
            type: path
          port:
            description: SSH port.
            type: int
            default: 22
          root:
            description: A directory standing for C(/).
            type: str
  vlan_root:
    description:
      - For local URIs, the directory standing for C(/) when reading C(/sys/class/net) and C(/proc/net/vlan).
    type: path
    default: /
  name_filter:
    description:
      - Only VMs whose name matches this Python regular expression (searched, not anchored).
    type: str
  addresses:
    description:
      - Ask running domains for their guest addresses (guest agent, DHCP leases, ARP).
    type: bool
    default: true
extends_documentation_fragment:
  - acs.ingest.connection
  - acs.ingest.attributes
  - acs.ingest.attributes.INFO_MODULE
notes:
  - The connection options are needed for O(clusters), O(external_hosts) and zones.
  - Needs C(libvirt-python) and C(lxml) on the host that runs the module, and C(paramiko) for SSH.
seealso:
  - module: acs.ingest.guest_network
  - module: acs.ingest.unmanaged_instance_info
"""

EXAMPLES = r"""
- name: Every network the unmanaged VMs of cluster1 and an external host use
  acs.ingest.network_discovery_info:
    clusters: [cluster1]
    host_uri: qemu+ssh://root@{ipaddress}/system
    ssh: {username: root, key_file: ~/.ssh/id_ed25519}
    external_hosts:
      - {host: 192.0.2.10, zone: zone1, username: migrator, password: "{{ vault_kvm_password }}"}
  register: discovered

- name: The VLANs no CloudStack network carries yet
  ansible.builtin.debug:
    msg: "{{ discovered.missing | map(attribute='vlan') | list }}"
"""

RETURN = r"""
networks:
  description: One entry per host, attachment and VLAN.
  returned: always
  type: list
  elements: dict
  contains:
    zone:
      description: Zone name (V(null) for a URI without zone).
      type: str
    host:
      description: Host name (or URI).
      type: str
    source:
      description: V(cloudstack), V(external) or V(libvirt).
      type: str
    interface_type:
      description: libvirt interface type (V(bridge), V(network), V(direct), ...).
      type: str
    bridge:
      description: Linux or OVS bridge.
      type: str
    libvirt_network:
      description: libvirt network name (type V(network)).
      type: str
    ovs_bridge:
      description: Open vSwitch bridge, when the NIC is an OVS port.
      type: str
    vlan:
      description: VLAN id, V(untagged), or V(null) when unknown.
      type: raw
    vlan_source:
      description: Where the VLAN came from (see the description).
      type: str
    uplink:
      description: The bridge's uplink port (e.g. V(eth1.400)).
      type: str
    physical_interface:
      description: The physical interface (e.g. V(eth1), V(bond0)).
      type: str
    vms:
      description: VMs with a NIC here (C(name), C(state), C(nic), C(mac), C(model), C(port), C(ips)).
      type: list
      elements: dict
    cloudstack_network:
      description: The CloudStack network carrying the VLAN in the zone (C(id), C(name), C(type)), or V(null).
      type: dict
    status:
      description: V(exists), V(missing), V(ambiguous), V(untagged), V(unknown) or V(no_zone).
      type: str
vlans:
  description: One entry per zone and VLAN (status, network, hosts, bridges, VLAN sources, VMs, addresses seen).
  returned: always
  type: list
  elements: dict
missing:
  description: The VLANs no CloudStack network carries (C(zone), C(zoneid), C(vlan), C(hosts), C(vms)).
  returned: always
  type: list
  elements: dict
networks_plan:
  description: Rows of the networks plan (facts, and C(create), C(type), ... to edit).
  returned: always
  type: list
  elements: dict
nic_report:
  description: One row per NIC, for the CSV report.
  returned: always
  type: list
  elements: dict
hosts:
  description: Every host read (C(facts) V(local), V(ssh) or V(none); C(domains), C(nics), C(seconds), C(error)).
  returned: always
  type: list
  elements: dict
count:
  description: Counts of hosts, networks, VLANs and NICs.
  returned: always
  type: dict
api_calls:
  description: Every CloudStack API call the module made, secrets redacted.
  returned: always
  type: list
  elements: dict
"""

from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._ansible.module import AcsModule
from ansible_collections.acs.ingest.plugins.module_utils._libvirt.host import HAS_LIBVIRT, LIBVIRT_IMPORT_ERROR
from ansible_collections.acs.ingest.plugins.module_utils._services.network_discovery import discover_networks

SSH_OPTIONS = {
    "username": {"type": "str", "required": True},
    "password": {"type": "str", "no_log": True},
    "key_file": {"type": "path", "no_log": False},
    "port": {"type": "int", "default": 22},
    "root": {"type": "str"},
}


def run(acs: AcsModule) -> dict[str, Any]:
    acs.require("libvirt-python", HAS_LIBVIRT, LIBVIRT_IMPORT_ERROR)
    result = discover_networks(lambda: acs.client, acs.params)
    for warning in result.pop("warnings", []):
        acs.module.warn(warning)
    return result


def main() -> None:
    argument_spec = {
        "clusters": {"type": "list", "elements": "str", "default": []},
        "host_uri": {"type": "str", "default": "qemu+ssh://root@{ipaddress}/system"},
        "host_uris": {"type": "dict", "default": {}},
        "ssh": {"type": "dict", "options": SSH_OPTIONS},
        "external_hosts": {
            "type": "list",
            "elements": "dict",
            "default": [],
            "options": {
                "host": {"type": "str", "required": True},
                "zone": {"type": "str", "required": True},
                "uri": {"type": "str"},
                "username": {"type": "str"},
                "password": {"type": "str", "no_log": True},
                "key_file": {"type": "path", "no_log": False},
                "ssh_port": {"type": "int", "default": 22},
                "root": {"type": "str"},
            },
        },
        "libvirt_uris": {
            "type": "list",
            "elements": "dict",
            "default": [],
            "options": {
                "uri": {"type": "str", "required": True},
                "zone": {"type": "str"},
                "name": {"type": "str"},
                "address": {"type": "str"},
                "vlan_root": {"type": "path"},
                "ssh": {"type": "dict", "options": SSH_OPTIONS},
            },
        },
        "vlan_root": {"type": "path", "default": "/"},
        "name_filter": {"type": "str"},
        "addresses": {"type": "bool", "default": True},
    }
    AcsModule(argument_spec, supports_check_mode=True).run(run)


if __name__ == "__main__":
    main()
