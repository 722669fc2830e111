#!/usr/bin/python
# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: unmanaged_instance_info
short_description: List KVM VMs that CloudStack could import, from CloudStack or straight from libvirt
version_added: 0.1.0
description:
  - Lists VMs that are not managed by CloudStack, in the shape CloudStack's C(listUnmanagedInstances)
    returns, from one of three sources chosen with O(source).
  - V(cloudstack) asks CloudStack (C(listUnmanagedInstances)) for the unmanaged domains on the KVM hosts
    of a cluster; these can be imported in place with M(acs.ingest.import_unmanaged).
  - V(external) asks CloudStack (C(listVmsForImport)) for the shut-off domains of a KVM host that CloudStack
    does not manage; these can be imported with M(acs.ingest.external_vm_import).
  - V(libvirt) reads a libvirt URI directly, without CloudStack. This is the pre-flight view. It lists
    every domain, including the ones CloudStack's agent would silently hide (for example a NIC model
    C(e1000e), a C(nvme) disk or a shut-off domain), and says why in RV(instances[].import_blockers),
    each reason with the code of the rule it breaks. The rules, read from CloudStack's source by version,
    are listed in the collection's C(docs/rules.md).
  - With O(source=libvirt) the listed fields are what CloudStack's agent of O(agent_version) would list
    (for example RV(instances[].boottype) only from 4.20.2 and 4.22 agents, RV(instances[].nic[].vlanid)
    -1 or the VLAN of the bridge's uplink as that agent finds it).
  - Where CloudStack cannot see a NIC's VLAN, the V(libvirt) source reads it into RV(instances[].nic[].vlan)
    from C(<vlan><tag>), from the host bridge's 802.1Q uplink (C(/proc/net/vlan)), or from CloudStack-style
    bridge names such as C(breth1-100).
  - With O(source=cloudstack) or O(source=external), the server rules a listed VM breaks on its own (no
    disk, mixed NIC models, ...) are judged for the CloudStack version C(listCapabilities) reports.
  - Every source returns the same keys; keys a source does not provide are V(null).
  - Never changes anything.
author:
  - acs.ingest contributors (@acs-ingest)
options:
  source:
    description:
      - Where to list the VMs from.
    type: str
    choices: [cloudstack, external, libvirt]
    default: cloudstack
  cluster:
    description:
      - Name or id of the CloudStack KVM cluster to list. Required with O(source=cloudstack).
    type: str
  zone:
    description:
      - Name or id of the zone the external host will be imported into. Required with O(source=external).
    type: str
  host:
    description:
      - Address of the external KVM host. Required with O(source=external).
      - CloudStack's KVM host connects to C(qemu+tcp://<host>/system) without authentication.
    type: str
  username:
    description:
      - SSH user on the external host, passed to C(listVmsForImport) with O(source=external).
    type: str
  password:
    description:
      - SSH password on the external host, passed to C(listVmsForImport) with O(source=external). Never logged.
    type: str
  uri:
    description:
      - libvirt URI to read with O(source=libvirt), for example V(qemu:///system), V(qemu+tcp://10.0.0.5/system),
        V(qemu+ssh://root@10.0.0.5/system) or V(test:///default).
      - Opened read-only, so the domain XML does not include secrets such as VNC passwords (the rule
        V(vnc_password_too_long) cannot be checked then).
    type: str
    default: qemu:///system
  import_path:
    description:
      - With O(source=libvirt), which import the blockers are judged for.
      - V(unmanaged) is C(importUnmanagedInstance) on a host of a CloudStack cluster (the domain must be running).
      - V(external) is C(importVm) from a non-CloudStack host (the domain must be shut off).
    type: str
    choices: [unmanaged, external]
    default: unmanaged
  agent_version:
    description:
      - With O(source=libvirt), the CloudStack KVM agent version to predict for, for example V(4.19) or
        V(4.20.2). The newest version the rules were read from (4.22.0) when not given.
      - It decides which domains the agent drops (for example agents up to 4.19.1 and 4.20.0 drop domains
        without C(<cputune>)) and how it derives the listed fields. The same version judges the server rules.
    type: str
  vlan_root:
    description:
      - Root directory under which the V(libvirt) source looks up C(sys/class/net) and C(proc/net/vlan) for
        bridge VLANs. Only used for local URIs. Meant for tests.
    type: path
    default: /
  name:
    description:
      - Only the VM with exactly this (hypervisor) name.
    type: str
  regex:
    description:
      - Only VMs whose name matches this Python regular expression (searched, not anchored).
    type: str
  powerstate:
    description:
      - Only VMs in this power state.
    type: str
    choices: [PowerOn, PowerOff, PowerUnknown]
extends_documentation_fragment:
  - acs.ingest.connection
  - acs.ingest.attributes
  - acs.ingest.attributes.INFO_MODULE
notes:
  - The connection options are needed only for O(source=cloudstack) and O(source=external).
  - The V(libvirt) source needs C(libvirt-python) and C(lxml) on the host that runs the module.
  - With O(source=libvirt), RV(instances[].cpunumber) is known only for running domains, exactly as in
    CloudStack, which is why CloudStack drops shut-off domains from C(listUnmanagedInstances).
seealso:
  - module: acs.ingest.import_unmanaged
  - module: acs.ingest.external_vm_import
"""

EXAMPLES = r"""
- name: What CloudStack would import from cluster1
  acs.ingest.unmanaged_instance_info:
    source: cloudstack
    cluster: cluster1
  register: unmanaged

- name: Pre-flight straight from a KVM host, including the domains CloudStack would hide
  acs.ingest.unmanaged_instance_info:
    source: libvirt
    uri: qemu+tcp://10.0.0.5/system
    agent_version: "4.20.2"        # the CloudStack agent the host runs (default: the newest known)
  register: preflight

- name: Show why a domain cannot be imported (rule code, reason and fix)
  ansible.builtin.debug:
    msg: "{{ item.import_problems | map(attribute='code') | join(', ') }}: {{ item.import_blockers | join('; ') }}"
  loop: "{{ preflight.instances | rejectattr('importable') }}"

- name: Shut-off VMs on an external KVM host, ready for importVm
  acs.ingest.unmanaged_instance_info:
    source: external
    zone: zone1
    host: 10.0.0.7
    username: root
    password: "{{ vault_kvm_password }}"
    regex: "^web-"
"""

RETURN = r"""
instances:
  description: The VMs found, after filtering, each in CloudStack's C(unmanagedinstance) shape plus our keys.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Hypervisor (libvirt domain) name.
      type: str
      sample: i-2-6-VM
    source:
      description: Which source listed it (V(cloudstack), V(external), V(libvirt)).
      type: str
    powerstate:
      description:
        - V(PowerOn), V(PowerOff) or V(PowerUnknown).
      type: str
    cpunumber:
      description: Running vCPUs; null for shut-off domains and for O(source=external).
      type: int
    cpucorepersocket:
      description: Cores per socket from C(<cpu><topology>); -1 if it is incomplete, null without C(<cpu>).
      type: int
    cpuspeed:
      description:
        - C(<cputune><shares>) divided by the running vCPUs (raw shares for external).
      type: int
    memory:
      description: Maximum memory in MiB.
      type: int
    bootmode:
      description:
        - V(LEGACY) or V(SECURE); null where the agent does not report it (before 4.20.2, 4.21.0, external).
      type: str
    boottype:
      description:
        - V(BIOS) or V(UEFI); null where the agent does not report it.
      type: str
    clusterid:
      description: Cluster id (O(source=cloudstack)).
      type: str
    clustername:
      description: Cluster name (O(source=cloudstack)).
      type: str
    hostid:
      description: CloudStack host id where CloudStack found it.
      type: str
    hostname:
      description: CloudStack host name where CloudStack found it.
      type: str
    osid:
      description: libosinfo id from the domain metadata, if any.
      type: str
    osdisplayname:
      description: The domain description, if any.
      type: str
    uuid:
      description: libvirt domain UUID (O(source=libvirt)).
      type: str
    vcpus:
      description: vCPUs defined in the XML (O(source=libvirt)).
      type: int
    state:
      description: libvirt state name, e.g. V(running), V(shutoff) (O(source=libvirt)).
      type: str
    persistent:
      description: Whether the domain is defined persistently (O(source=libvirt)).
      type: bool
    importable:
      description: True when nothing in RV(instances[].import_blockers) stops the import.
      type: bool
    import_blockers:
      description:
        - "Every reason CloudStack's agent would hide the VM or the server would reject its import, one line
          each: C(<subject>: <field>: <message>. Fix: <fix>). The message says what in the VM breaks the
          rule and what CloudStack does (logs or returns) about it."
      type: list
      elements: str
    import_warnings:
      description: What CloudStack would accept but silently change (for example a UEFI VM recorded as BIOS).
      type: list
      elements: str
    import_problems:
      description:
        - RV(instances[].import_blockers) and RV(instances[].import_warnings) as data, one dict each with
          C(code) (the rule's stable code in C(docs/rules.md), e.g. V(nic_model_unknown), V(disk_bus_unknown)),
          C(field) (what to edit, e.g. V(nic[0].model)), C(message), C(fix), C(subject) and C(severity)
          (V(blocker) or V(warning)).
      type: list
      elements: dict
    agent_version:
      description: The agent version the V(libvirt) source judged for (O(agent_version) or the newest).
      type: str
      sample: 4.22.0
    disk:
      description: Disks (C(device='disk') only), in XML order.
      type: list
      elements: dict
      contains:
        id:
          description: Zero-based id as a string, used by C(datadiskofferinglist).
          type: str
        label:
          description: Target device, e.g. V(vda).
          type: str
        capacity:
          description: Virtual size in bytes.
          type: int
        imagepath:
          description: Source file, device or network volume.
          type: str
        controller:
          description: Bus, e.g. V(virtio), V(scsi), V(sata).
          type: str
        controllerunit:
          description: Unit from the drive address (CloudStack leaves it unset).
          type: int
        position:
          description: Same as id, as an integer.
          type: int
        datastorename:
          description: Directory (or mount) holding the image.
          type: str
        datastorehost:
          description: Host of a network disk.
          type: str
        datastorepath:
          description: Directory (or mount) holding the image.
          type: str
        datastoretype:
          description: libvirt disk type (V(file), V(block), V(network)).
          type: str
        format:
          description: Image format from C(<driver type>).
          type: str
        cachemode:
          description:
            - C(<driver cache>).
          type: str
        backingfile:
          description: Backing file libvirt reports, if any.
          type: str
    nic:
      description: NICs in XML order.
      type: list
      elements: dict
      contains:
        id:
          description: Zero-based id as a string, used by C(nicnetworklist).
          type: str
        macaddress:
          description: MAC address, lower case.
          type: str
        adaptertype:
          description: NIC model, e.g. V(virtio).
          type: str
        networkname:
          description: Host tap device (C(<target dev>)), not a CloudStack network.
          type: str
        vlanid:
          description:
            - The VLAN as CloudStack lists it; with O(source=libvirt), what the agent of O(agent_version) would
              list, which is not always the NIC's real VLAN.
            - V(-1) for every NIC on the O(import_path=external) path and from 4.19, 4.20.0, 4.20.1 and 4.21
              agents (CloudStack never reads C(<vlan><tag>)).
            - From 4.20.2 and 4.22 agents on the O(import_path=unmanaged) path, for a bridge NIC, the VID in
              C(/proc/net/vlan) of the first bridge port named like a host interface (C(eth*), C(bond*), C(ens*), ...);
              V(null) when there is none (an untagged bridge, a bridge named C(breth1-100) without such a port),
              and for a remote O(uri), whose host this module cannot inspect. V(-1) for the other NICs.
          type: int
        vlan:
          description:
            - The VLAN the collection infers on its own (O(source=libvirt)), independent of
              RV(instances[].nic[].vlanid) and also where CloudStack cannot tell it. The import planner uses it
              before RV(instances[].nic[].vlanid) to map the NIC to a network.
            - V(null) when nothing tells a VLAN.
          type: int
        vlan_source:
          description:
            - Where RV(instances[].nic[].vlan) came from. V(xml) is the interface's C(<vlan><tag>). V(host) is
              the C(/proc/net/vlan) entry of any uplink port of the bridge (local O(uri) only). V(bridge-name) is
              CloudStack's bridge naming (C(breth1-100), C(cloudVirBr100)).
            - V(null) when RV(instances[].nic[].vlan) is V(null).
          type: str
        bridge:
          description: Bridge or libvirt network the NIC is attached to.
          type: str
        pcislot:
          description: PCI slot of the NIC.
          type: int
        type:
          description: libvirt interface type.
          type: str
        ipaddresses:
          description: Guest IP addresses (never known on KVM).
          type: list
          elements: str
        isolatedpvlan:
          description: Isolated PVLAN id (as CloudStack returns it).
          type: int
        isolatedpvlantype:
          description: Isolated PVLAN type (as CloudStack returns it).
          type: str
count:
  description: Number of entries in RV(instances).
  returned: always
  type: int
api_calls:
  description: Every CloudStack API call the module made, secrets redacted (empty for O(source=libvirt)).
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.acs.ingest.plugins.module_utils._ansible.module import AcsModule
from ansible_collections.acs.ingest.plugins.module_utils._services.instance_info import run_unmanaged_instance_info


def main() -> None:
    argument_spec = {
        "source": {"type": "str", "choices": ["cloudstack", "external", "libvirt"], "default": "cloudstack"},
        "cluster": {"type": "str"},
        "zone": {"type": "str"},
        "host": {"type": "str"},
        "username": {"type": "str"},
        "password": {"type": "str", "no_log": True},
        "uri": {"type": "str", "default": "qemu:///system"},
        "import_path": {"type": "str", "choices": ["unmanaged", "external"], "default": "unmanaged"},
        "agent_version": {"type": "str"},
        "vlan_root": {"type": "path", "default": "/"},
        "name": {"type": "str"},
        "regex": {"type": "str"},
        "powerstate": {"type": "str", "choices": ["PowerOn", "PowerOff", "PowerUnknown"]},
    }
    AcsModule(argument_spec, supports_check_mode=True).run(
        lambda mod: run_unmanaged_instance_info(mod.params, lambda: mod.client)
    )


if __name__ == "__main__":
    main()
