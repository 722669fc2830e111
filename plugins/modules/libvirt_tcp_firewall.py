#!/usr/bin/python
# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: libvirt_tcp_firewall
short_description: Let only the CloudStack KVM hosts reach libvirt's TCP port, or remove that filter again
version_added: 0.1.0
description:
  - Runs on an external KVM host whose libvirt listens on TCP without authentication for CloudStack
    (see M(acs.ingest.libvirt_tcp_config)). Allows O(allowed) to reach O(port) and rejects everyone else with a
    TCP reset.
  - Keeps its rules apart from the host's own, so that O(state=absent) removes exactly them.
    V(nftables) uses its own table C(inet acs_ingest_libvirt_tcp), replaced in one transaction.
    V(iptables) uses its own chain C(ACS_INGEST_LIBVIRT) and one jump from C(INPUT) (IPv4 only).
    V(firewalld) adds rich rules to the runtime and the permanent configuration. V(ufw) adds allow and deny rules.
  - The nftables and iptables rules are runtime rules, so a reboot closes the window too.
author:
  - acs.ingest contributors (@acs-ingest)
options:
  state:
    description:
      - V(present) puts the filter in place, V(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
  address:
    description:
      - The IP address libvirt listens on. Required with O(state=present), and with O(state=absent) for ufw.
    type: str
  port:
    description:
      - TCP port libvirt listens on.
    type: int
    default: 16509
  allowed:
    description:
      - Addresses, CIDRs or host names (resolved on the KVM host) of the CloudStack KVM hosts. Required with
        O(state=present), and with O(state=absent) for firewalld and ufw, whose rules are found by source.
      - Overlapping entries are merged.
    type: list
    elements: str
    default: []
    aliases: [allowed_sources]
  backend:
    description:
      - The firewall tool. V(auto) uses firewalld or ufw when they are active, else nftables, else iptables.
      - V(none) changes nothing (filter the port elsewhere).
    type: str
    choices: [auto, nftables, iptables, firewalld, ufw, none]
    default: auto
extends_documentation_fragment:
  - acs.ingest.attributes.HOST
attributes:
  check_mode:
    support: full
    details: Queries the firewall tool only.
  diff_mode:
    support: full
    details: The rules in place before and the rules wanted.
  idempotent:
    support: full
notes:
  - Run as root (C(become)).
seealso:
  - module: acs.ingest.libvirt_tcp_config
  - module: acs.ingest.libvirt_tcp_probe
"""

EXAMPLES = r"""
- name: Only the CloudStack KVM hosts may reach libvirt on 10.0.0.5:16509
  acs.ingest.libvirt_tcp_firewall:
    address: 10.0.0.5
    allowed: [10.0.1.21, 10.0.1.22]

- name: Remove the filter again (nftables)
  acs.ingest.libvirt_tcp_firewall:
    state: absent
    backend: nftables
"""

RETURN = r"""
backend:
  description: The firewall tool used (V(none) when O(backend=none)).
  returned: always
  type: str
  sample: nftables
allowed:
  description: The sources the rules name, after resolving names and merging overlaps.
  returned: always
  type: list
  elements: str
  sample: [10.0.1.21, 10.0.2.0/24]
"""

from ansible_collections.acs.ingest.plugins.module_utils._ansible.host_module import HostModule
from ansible_collections.acs.ingest.plugins.module_utils._firewall.backends import Firewall, apply_firewall


def run_module(module: HostModule) -> dict:
    params = module.params
    change, request = apply_firewall(
        params["state"],
        params["backend"],
        params["address"],
        params["port"],
        params["allowed"],
        Firewall(module.check_mode),
    )
    return change.to_result(request, module.diff_mode)


def main() -> None:
    argument_spec = {
        "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
        "address": {"type": "str"},
        "port": {"type": "int", "default": 16509},
        "allowed": {"type": "list", "elements": "str", "default": [], "aliases": ["allowed_sources"]},
        "backend": {
            "type": "str",
            "choices": ["auto", "nftables", "iptables", "firewalld", "ufw", "none"],
            "default": "auto",
        },
    }
    HostModule(argument_spec, required_if=[("state", "present", ("address", "allowed"))]).run(run_module)


if __name__ == "__main__":
    main()
