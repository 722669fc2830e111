#!/usr/bin/python
# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: libvirt_tcp_config
short_description: Configure libvirt's unauthenticated TCP listener on one address, or restore the original files
version_added: 0.1.0
description:
  - Runs on an external KVM host. CloudStack reaches such a host with C(qemu+tcp://<host>/system) and no
    credentials (C(listVmsForImport), C(importVm)), so libvirt must listen on TCP with C(auth_tcp = "none").
  - Detects how the host runs libvirt, or takes O(mode). V(classic) is libvirtd started with C(--listen)
    (C(listen_tcp), C(listen_addr), C(tcp_port) in C(libvirtd.conf), the flag in O(defaults_file)).
    V(socket) is C(libvirtd-tcp.socket) and V(modular) is C(virtproxyd-tcp.socket); for these a systemd drop-in
    sets C(ListenStream=<address>:<port>) and C(auth_tcp) goes into C(libvirtd.conf) or C(virtproxyd.conf).
  - Before the first change it copies every file it will touch into O(backup_dir) and writes a manifest.
    O(state=absent) puts each file back byte for byte (and removes the files it created).
  - Never restarts anything. It returns RV(restart_needed) and, for the socket modes, the RV(commands) that
    apply the change, for the caller to run. The C(acs.ingest.libvirt_listen_tcp) role does that, then checks
    that the running guests survived.
  - Without a TLS server certificate (C(/etc/pki/libvirt/servercert.pem)) classic mode also sets
    C(listen_tls = 0), because C(--listen) would otherwise refuse to start.
  - Only the listener is configured here; M(acs.ingest.libvirt_tcp_firewall) restricts who may connect.
author:
  - acs.ingest contributors (@acs-ingest)
options:
  state:
    description:
      - V(present) configures the listener, V(absent) restores the files from O(backup_dir).
    type: str
    choices: [present, absent]
    default: present
  address:
    description:
      - The one IP address libvirt listens on. Required with O(state=present).
    type: str
  port:
    description:
      - TCP port. CloudStack always connects to 16509.
    type: int
    default: 16509
  mode:
    description:
      - How the host runs libvirt. V(auto) detects it; without systemd it is V(classic).
      - A host keeps the mode of the run that took its backups.
    type: str
    choices: [auto, classic, socket, modular]
    default: auto
  conf_dir:
    description:
      - libvirt's configuration directory.
    type: path
    default: /etc/libvirt
  systemd_dir:
    description:
      - Where the socket unit drop-in goes (socket and modular modes).
    type: path
    default: /etc/systemd/system
  defaults_file:
    description:
      - Classic mode, the file holding the daemon's options, for example C(/etc/default/libvirtd)
        (C(/etc/sysconfig/libvirtd) on EL). Required in classic mode.
    type: path
  defaults_var:
    description:
      - Classic mode, the variable in O(defaults_file) that gets C(--listen) (C(LIBVIRTD_ARGS) on EL).
    type: str
    default: libvirtd_opts
  backup_dir:
    description:
      - Directory for the original files and the manifest O(state=absent) restores from. Created mode 0700.
    type: path
    default: /var/lib/acs-ingest/libvirt_listen_tcp
extends_documentation_fragment:
  - acs.ingest.attributes.HOST
attributes:
  check_mode:
    support: full
    details: Reports which files would change and whether a restart would be needed; writes nothing.
  diff_mode:
    support: full
    details: One diff per file, with its current and its new content.
  idempotent:
    support: full
    details: A second run reports a change only if nothing listens on O(address) yet (a restart is still needed).
notes:
  - Run as root (C(become)).
seealso:
  - module: acs.ingest.libvirt_tcp_firewall
  - module: acs.ingest.libvirt_tcp_probe
"""

EXAMPLES = r"""
- name: Listen on 10.0.0.5:16509 without authentication
  acs.ingest.libvirt_tcp_config:
    address: 10.0.0.5
    defaults_file: /etc/default/libvirtd
  register: listener

- name: Restart the classic daemon when asked to (guests keep running with KillMode=process)
  ansible.builtin.command: systemctl restart libvirtd
  when: listener.restart_needed and listener.mode == 'classic'
  changed_when: true

- name: Put the original files back
  acs.ingest.libvirt_tcp_config:
    state: absent
"""

RETURN = r"""
mode:
  description: The libvirt setup that was configured (or restored); V(null) when there was nothing to restore.
  returned: always
  type: str
  sample: classic
changed_files:
  description: Files written (or, in check mode, that would be written), or restored.
  returned: always
  type: list
  elements: str
  sample: [/etc/libvirt/libvirtd.conf, /etc/default/libvirtd]
restart_needed:
  description:
    - Whether libvirt must be restarted to apply the change. Also V(true) when the files are right but nothing
      listens on O(address) and O(port) yet.
  returned: always
  type: bool
commands:
  description:
    - For the socket modes, the commands (argument lists) that apply the change; empty in classic mode,
      where the caller restarts libvirtd its own way.
  returned: always
  type: list
  elements: list
  sample: [[systemctl, daemon-reload], [systemctl, stop, libvirtd.service]]
"""

from ansible_collections.acs.ingest.plugins.module_utils._ansible.host_module import HostModule
from ansible_collections.acs.ingest.plugins.module_utils._libvirt.listen_config import ListenSettings
from ansible_collections.acs.ingest.plugins.module_utils._libvirt.listen_tcp import close_listener, open_listener


def run_module(module: HostModule) -> dict:
    params = module.params
    if params["state"] == "absent":
        change = close_listener(params["backup_dir"], module.check_mode)
    else:
        settings = ListenSettings(
            address=params["address"] or "",
            port=params["port"],
            conf_dir=params["conf_dir"],
            systemd_dir=params["systemd_dir"],
            defaults_file=params["defaults_file"],
            defaults_var=params["defaults_var"],
        )
        change = open_listener(settings, params["mode"], params["backup_dir"], module.check_mode)
    return change.to_result(module.diff_mode)


def main() -> None:
    argument_spec = {
        "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
        "address": {"type": "str"},
        "port": {"type": "int", "default": 16509},
        "mode": {"type": "str", "choices": ["auto", "classic", "socket", "modular"], "default": "auto"},
        "conf_dir": {"type": "path", "default": "/etc/libvirt"},
        "systemd_dir": {"type": "path", "default": "/etc/systemd/system"},
        "defaults_file": {"type": "path"},
        "defaults_var": {"type": "str", "default": "libvirtd_opts"},
        "backup_dir": {"type": "path", "default": "/var/lib/acs-ingest/libvirt_listen_tcp"},
    }
    HostModule(argument_spec, required_if=[("state", "present", ("address",))]).run(run_module)


if __name__ == "__main__":
    main()
