# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""One host of network discovery: its domains' NICs over libvirt, its bridges over /sys and /proc, one record per NIC.

The host is read over the connections the collection already uses: libvirt (``_libvirt.host``) for the
domain XML, guest addresses and libvirt networks; the host's own /sys and /proc for bridges, 802.1Q
devices and Open vSwitch (``_libvirt.vlan``), read directly for a local URI and with one script over SSH
(``_remote.ssh``) otherwise. Without either, the VLAN comes from the XML and CloudStack's bridge names only,
and the record says so (``vlan_source`` ``unknown`` rather than a guess).
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._core.errors import AcsIngestError
from ansible_collections.acs.ingest.plugins.module_utils._libvirt.domain_xml import STATE_NAMES
from ansible_collections.acs.ingest.plugins.module_utils._libvirt.host import is_local_uri, read_network_view
from ansible_collections.acs.ingest.plugins.module_utils._libvirt.nic_attachments import (
    LibvirtNetwork,
    NicAttachment,
    domain_nics,
    parse_network_xml,
)
from ansible_collections.acs.ingest.plugins.module_utils._libvirt.vlan import (
    HOST_FACTS_SCRIPT,
    HostNetFacts,
    bridge_vlan_from_facts,
    host_facts_from_root,
    parse_host_facts,
)
from ansible_collections.acs.ingest.plugins.module_utils._remote.ssh import SshSession

FACTS_TIMEOUT = 60.0


@dataclass
class SshLogin:
    """How to read a remote host's /sys and /proc: password (as CloudStack logs in) or a private key."""

    username: str
    password: str | None = None
    key_file: str | None = None
    port: int = 22
    root: str = ""  # a directory standing for / on that host (tests)


@dataclass
class HostTarget:
    """A host to read: where it is, how to reach it, and the zone/cluster its VMs would be imported into."""

    name: str
    uri: str | None
    source: str  # cloudstack | external | libvirt
    address: str | None = None
    host_id: str | None = None  # CloudStack's id of a cluster host
    zone: dict[str, Any] = field(default_factory=dict)
    cluster: dict[str, Any] = field(default_factory=dict)
    ssh: SshLogin | None = None
    local_root: str | None = "/"
    skip: Callable[[str], bool] | None = None  # domains CloudStack manages

    def base(self) -> dict[str, Any]:
        return {
            "zone": self.zone.get("name"),
            "zoneid": self.zone.get("id"),
            "cluster": self.cluster.get("name"),
            "clusterid": self.cluster.get("id"),
            "host": self.name,
            "host_address": self.address,
            "uri": self.uri,
            "source": self.source,
        }


def read_host_facts(target: HostTarget) -> HostNetFacts:
    """Bridges, VLAN devices and OVS of the host: local files for a local URI, the facts script over SSH otherwise."""
    if target.uri and is_local_uri(target.uri) and target.local_root is not None and target.ssh is None:
        return host_facts_from_root(target.local_root)
    if target.ssh is None or not target.address:
        return HostNetFacts()
    login = target.ssh
    with SshSession(
        target.address, login.username, login.password, port=login.port, key_file=login.key_file
    ) as session:
        script = f"ACS_ROOT={shlex.quote(login.root)}\n{HOST_FACTS_SCRIPT}" if login.root else HOST_FACTS_SCRIPT
        result = session.run(script, timeout=FACTS_TIMEOUT)
    if not result.ok or "END" not in result.stdout.split():
        raise AcsIngestError(
            f"reading /sys and /proc on {target.address} failed (exit {result.rc}): {result.stderr.strip()[:300]}",
            field="ssh",
            fix="the SSH user needs a POSIX shell and read access to /sys/class/net and /proc/net/vlan",
        )
    return parse_host_facts(result.stdout, "ssh")


def _network_vlan(nic: NicAttachment, net: LibvirtNetwork | None) -> tuple[Any, str | None, list[int]]:
    """(VLAN, source, trunk tags) from the XML alone: the interface's <vlan>, else its libvirt network's."""
    for vlan, source in ((nic.vlan, "xml-tag"), (_net_vlan(nic, net), "libvirt-network")):
        if vlan is None or not vlan.tags:
            continue
        if vlan.single is not None:
            return vlan.single, source, []
        return None, "xml-trunk", list(vlan.tags)
    return None, None, []


def _net_vlan(nic: NicAttachment, net: LibvirtNetwork | None) -> Any:
    if net is None:
        return None
    if nic.portgroup and nic.portgroup in net.portgroups and net.portgroups[nic.portgroup].tags:
        return net.portgroups[nic.portgroup]
    return net.vlan


def nic_record(nic: NicAttachment, networks: dict[str, LibvirtNetwork], facts: HostNetFacts) -> dict[str, Any]:
    """Where one NIC's traffic goes: attachment, VLAN and its source, uplink and physical interface."""
    net = networks.get(nic.network or "")
    bridge = nic.bridge or (net.bridge if net else None)
    virtualport = nic.virtualport or (net.virtualport if net else None)
    vlan, source, tags = _network_vlan(nic, net)
    record: dict[str, Any] = {
        "interface_type": nic.type,
        "bridge": bridge,
        "libvirt_network": nic.network,
        "ovs_bridge": bridge if virtualport == "openvswitch" else None,
        "device": nic.device,
        "port": nic.target,
        "vlan": vlan,
        "vlan_source": source,
        "vlan_tags": tags,
        "uplink": None,
        "physical_interface": None,
    }
    if nic.type == "direct" and nic.device:
        vid = facts.vlan_devices.get(nic.device)
        record["uplink"], record["physical_interface"] = nic.device, facts.physical(nic.device) or nic.device
        if vlan is None and source is None and vid:
            record["vlan"], record["vlan_source"] = vid[0], "vlan-subinterface"
    elif bridge or (nic.target and nic.target in facts.ovs_ports):
        found = bridge_vlan_from_facts(bridge, facts, nic.target)
        record.update(uplink=found.uplink, physical_interface=found.physical_interface)
        if found.ovs_bridge:
            record["ovs_bridge"] = found.ovs_bridge
        if source is None:
            record["vlan"], record["vlan_source"] = found.vlan, found.source
    if record["vlan_source"] is None:
        record["vlan_source"] = "unknown"
    return record


@dataclass
class HostReading:
    records: list[dict[str, Any]]
    host: dict[str, Any]


def read_host(
    target: HostTarget, *, name_filter: Callable[[str], bool] | None = None, addresses: bool = True
) -> HostReading:
    """Every NIC of every unmanaged domain on the host, one record each, plus what was read and how long it took."""
    started = time.monotonic()
    host: dict[str, Any] = {**target.base(), "facts": "none", "domains": 0, "nics": 0, "error": None}

    def skip(name: str) -> bool:
        return bool((target.skip and target.skip(name)) or (name_filter and not name_filter(name)))

    domains, network_xmls = read_network_view(str(target.uri), skip=skip, addresses=addresses)
    networks = {}
    for xml in network_xmls:
        parsed = parse_network_xml(xml)
        networks[parsed.name] = parsed
    try:
        facts = read_host_facts(target)
    except AcsIngestError as error:
        facts = HostNetFacts()
        host["error"] = f"host facts: {error}"
    host["facts"] = facts.source
    records = []
    for domain in domains:
        for nic in domain_nics(domain.xml, f"domain XML of {domain.name}"):
            records.append(
                {
                    **target.base(),
                    **nic_record(nic, networks, facts),
                    "vm": domain.name,
                    "vm_state": STATE_NAMES.get(domain.state, str(domain.state)),
                    "nic": nic.nic_id,
                    "mac": nic.mac,
                    "model": nic.model,
                    "ips": domain.addresses.get(nic.mac or "", []),
                    "ips_from": domain.address_source if domain.addresses.get(nic.mac or "") else None,
                }
            )
    host.update(domains=len(domains), nics=len(records), seconds=round(time.monotonic() - started, 3))
    return HostReading(records, host)


def cloudstack_view_records(
    target: HostTarget, listed: list[dict[str, Any]], facts: HostNetFacts
) -> list[dict[str, Any]]:
    """Records from listUnmanagedInstances when the host's libvirt cannot be read: CloudStack agent's VLAN, and
    the bridge from the tap device when host facts say which bridge it hangs on."""
    records = []
    for instance in listed:
        if target.host_id and instance.get("hostid") not in (None, target.host_id):
            continue
        for nic in instance.get("nic") or []:
            tap = nic.get("networkname")
            bridge = facts.masters.get(tap or "")
            found = bridge_vlan_from_facts(bridge, facts, tap) if bridge else None
            vlan = nic.get("vlanid") if nic.get("vlanid") not in (None, -1, 0) else None
            record = {
                **target.base(),
                "interface_type": None,
                "bridge": bridge,
                "libvirt_network": None,
                "ovs_bridge": found.ovs_bridge if found else None,
                "device": None,
                "port": tap,
                "vlan": vlan if vlan is not None else (found.vlan if found else None),
                "vlan_source": "cloudstack-agent" if vlan is not None else (found.source if found else "unknown"),
                "vlan_tags": [],
                "uplink": found.uplink if found else None,
                "physical_interface": found.physical_interface if found else None,
                "vm": instance.get("name"),
                "vm_state": instance.get("powerstate"),
                "nic": str(nic.get("id")),
                "mac": (nic.get("macaddress") or "").lower() or None,
                "model": nic.get("adaptertype"),
                "ips": list(nic.get("ipaddress") or []),
                "ips_from": "cloudstack-agent" if nic.get("ipaddress") else None,
            }
            records.append(record)
    return records
