#!/usr/bin/python
# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: persist_domain_xml
short_description: Make transient libvirt domains persistent from their live XML, without CloudStack's config drive
version_added: 0.1.0
description:
  - Runs on a CloudStack KVM host. Before CloudStack 4.22 a running VM that is unmanaged stays a transient
    libvirt domain, so a shutdown or a host reboot loses its definition. From 4.22 the agent persists it
    itself; this module does the same for older versions, and for any other transient domain named.
  - For each domain it takes the live XML in its secure form (C(VIR_DOMAIN_XML_SECURE), so a VNC password
    survives), removes every C(<disk device='cdrom'>) whose source file contains C(/<name>.iso) (the config
    drive, removed the way CloudStack 4.22 removes it), saves the live and the new XML in O(backup_dir) and
    defines the domain. Then it checks that the domain is persistent and in the run state it had before.
  - A persistent domain is left alone, unless O(strip_config_drive) is set and its stored definition still
    has the config drive; then that definition is redefined without it.
  - Never undefines, never stops a domain and never touches a disk. The running domain keeps the config
    drive attached until its next start, because defining changes only the stored definition.
author:
  - acs.ingest contributors (@acs-ingest)
options:
  uri:
    description:
      - libvirt URI of the host's own hypervisor, opened read-write.
    type: str
    default: qemu:///system
  domains:
    description:
      - Names of the domains to persist. Each must exist.
    type: list
    elements: str
    default: []
  all_transient:
    description:
      - Also persist every transient domain not listed in O(exclude).
      - One of O(domains) and O(all_transient) is needed.
    type: bool
    default: false
  exclude:
    description:
      - Instance names CloudStack still manages on this host; never persisted, because CloudStack starts its
        VMs with C(createXML), which fails when a definition of the same name exists.
      - A name may not be in both O(domains) and O(exclude).
    type: list
    elements: str
    default: []
    aliases: [cloudstack_managed]
  strip_config_drive:
    description:
      - Remove the config-drive cdrom (source file containing C(/<name>.iso)).
    type: bool
    default: true
  backup_dir:
    description:
      - Host directory for the XML before and after (files mode 0600, since they may hold VNC passwords).
    type: path
    default: /var/lib/acs-ingest/persist_domain_xml
extends_documentation_fragment:
  - acs.ingest.attributes.HOST
attributes:
  check_mode:
    support: full
    details: Reports what would be defined; saves and defines nothing.
  diff_mode:
    support: full
    details: The stored definition before (empty for a transient domain) and the XML defined, passwords masked.
  idempotent:
    support: full
requirements:
  - libvirt-python and lxml on the host that runs the module
seealso:
  - module: acs.ingest.unmanage_vm
"""

EXAMPLES = r"""
- name: Persist the VMs CloudStack 4.20 left transient after unmanage
  acs.ingest.persist_domain_xml:
    domains: [i-2-6-VM, i-2-7-VM]
  become: true

- name: Sweep a host, leaving alone what CloudStack still manages
  acs.ingest.persist_domain_xml:
    all_transient: true
    exclude: "{{ managed_instance_names }}"
  become: true
"""

RETURN = r"""
domains:
  description: One entry per domain handled, sorted by name.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Domain name.
      type: str
      sample: i-2-6-VM
    action:
      description: V(define) when the domain was (or in check mode would be) defined, V(none) otherwise.
      type: str
      sample: define
    was_persistent:
      description: Whether the domain was persistent before.
      type: bool
    was_active:
      description: Whether the domain was running before.
      type: bool
    persistent:
      description: Whether the domain is persistent afterwards (in check mode, would be).
      type: bool
    active:
      description: Whether the domain runs afterwards (in check mode, would run).
      type: bool
    removed_config_drive:
      description: Source files of the config-drive cdroms removed from the definition.
      type: list
      elements: str
      sample: [/mnt/fec63e8a-d390-31e0-a02d-8e634aabded7/i-2-6-VM.iso]
    backups:
      description: The XML files saved for this domain (none in check mode).
      type: list
      elements: path
backups:
  description: Every XML file saved, for fetching to the controller.
  returned: always
  type: list
  elements: path
  sample: [/var/lib/acs-ingest/persist_domain_xml/i-2-6-VM.20260101T120000.live.xml]
"""

from ansible_collections.acs.ingest.plugins.module_utils._ansible.host_module import HostModule
from ansible_collections.acs.ingest.plugins.module_utils._libvirt.domain_xml import HAS_LXML, LXML_IMPORT_ERROR
from ansible_collections.acs.ingest.plugins.module_utils._libvirt.host import HAS_LIBVIRT, LIBVIRT_IMPORT_ERROR
from ansible_collections.acs.ingest.plugins.module_utils._libvirt.persist import PersistRequest, persist_domains


def run_module(module: HostModule) -> dict:
    module.require("libvirt-python", HAS_LIBVIRT, LIBVIRT_IMPORT_ERROR)
    module.require("lxml", HAS_LXML, LXML_IMPORT_ERROR)
    params = module.params
    request = PersistRequest(
        uri=params["uri"],
        domains=tuple(params["domains"]),
        all_transient=params["all_transient"],
        exclude=tuple(params["exclude"]),
        strip_config_drive=params["strip_config_drive"],
        backup_dir=params["backup_dir"],
    )
    return persist_domains(request, module.check_mode).to_result(module.diff_mode)


def main() -> None:
    argument_spec = {
        "uri": {"type": "str", "default": "qemu:///system"},
        "domains": {"type": "list", "elements": "str", "default": []},
        "all_transient": {"type": "bool", "default": False},
        "exclude": {"type": "list", "elements": "str", "default": [], "aliases": ["cloudstack_managed"]},
        "strip_config_drive": {"type": "bool", "default": True},
        "backup_dir": {"type": "path", "default": "/var/lib/acs-ingest/persist_domain_xml"},
    }
    HostModule(argument_spec).run(run_module)


if __name__ == "__main__":
    main()
