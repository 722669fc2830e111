#!/usr/bin/python
# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: libvirt_tcp_probe
short_description: Check from this host that libvirt's TCP listener on another host answers, or refuses
version_added: 0.1.0
description:
  - Connects to C(qemu+tcp://<address>/system) without credentials and lists the domains, exactly as a
    CloudStack KVM host does for C(listVmsForImport) and C(importVm). A TCP connect with O(timeout) comes first,
    because libvirt has no connect timeout of its own.
  - With O(expect=connect) it fails unless that works; with O(expect=refuse) it fails if it works. Run it
    delegated to a CloudStack KVM host (must connect) and to a host that is not allowed (must be refused).
  - Changes nothing, anywhere.
author:
  - acs.ingest contributors (@acs-ingest)
options:
  address:
    description:
      - Address (or name) of the host whose listener is checked.
    type: str
    required: true
  port:
    description:
      - TCP port of the listener.
    type: int
    default: 16509
  expect:
    description:
      - V(connect) when this host must get in, V(refuse) when it must not.
    type: str
    choices: [connect, refuse]
    default: connect
  timeout:
    description:
      - Seconds to wait for the TCP connection.
    type: float
    default: 10
extends_documentation_fragment:
  - acs.ingest.attributes.HOST
attributes:
  check_mode:
    support: full
    details:
      - Connects in check mode too, since that changes nothing. A result other than O(expect) is then
        a warning, not a failure, because check mode did not make the changes the check is meant to verify.
  diff_mode:
    support: N/A
    details: Changes nothing.
  idempotent:
    support: full
requirements:
  - libvirt-python on the host that runs the module
seealso:
  - module: acs.ingest.libvirt_tcp_config
  - module: acs.ingest.libvirt_tcp_firewall
"""

EXAMPLES = r"""
- name: A CloudStack KVM host reaches the external host's libvirt
  acs.ingest.libvirt_tcp_probe:
    address: 10.0.0.5
  delegate_to: cloudstack-kvm-1

- name: Any other host is refused
  acs.ingest.libvirt_tcp_probe:
    address: 10.0.0.5
    expect: refuse
    timeout: 5
  delegate_to: jumphost
"""

RETURN = r"""
uri:
  description: The libvirt URI tried.
  returned: always
  type: str
  sample: qemu+tcp://10.0.0.5/system
connected:
  description: Whether the connection was made and the domains could be listed.
  returned: always
  type: bool
error:
  description: Why the connection failed (C(tcp:) or C(libvirt:) and the reason); empty when it worked.
  returned: always
  type: str
  sample: "tcp: Connection refused"
domains:
  description: Number of domains the listener reported (0 without a connection).
  returned: always
  type: int
  sample: 3
"""

from ansible_collections.acs.ingest.plugins.module_utils._ansible.host_module import HostModule
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import AcsIngestError
from ansible_collections.acs.ingest.plugins.module_utils._libvirt.host import HAS_LIBVIRT, LIBVIRT_IMPORT_ERROR
from ansible_collections.acs.ingest.plugins.module_utils._libvirt.tcp_probe import probe_listener


def run_module(module: HostModule) -> dict:
    module.require("libvirt-python", HAS_LIBVIRT, LIBVIRT_IMPORT_ERROR)
    params = module.params
    outcome = probe_listener(params["address"], params["port"], params["timeout"])
    result = outcome.to_result()
    if params["expect"] == "connect" and not outcome.connected:
        problem = f"could not reach {outcome.uri} from this host ({outcome.error})"
        fix = "check the listen address, and that this host is in libvirt_listen_tcp_allowed_sources"
    elif params["expect"] == "refuse" and outcome.connected:
        problem = f"{outcome.uri} answered this host, which should be refused"
        fix = "check the firewall backend on the libvirt host (libvirt_listen_tcp_firewall)"
    else:
        return result
    if module.check_mode:
        module.warn(f"address: {problem}; expected in check mode if the tasks before this one reported changes")
        return result
    raise AcsIngestError(problem, field="address", fix=fix, **result)


def main() -> None:
    argument_spec = {
        "address": {"type": "str", "required": True},
        "port": {"type": "int", "default": 16509},
        "expect": {"type": "str", "choices": ["connect", "refuse"], "default": "connect"},
        "timeout": {"type": "float", "default": 10},
    }
    HostModule(argument_spec).run(run_module)


if __name__ == "__main__":
    main()
