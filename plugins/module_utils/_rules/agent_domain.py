# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""Agent rules about the domain as a whole: its state, the document, CPU tuning, and the host.

Plus the *field* rules: how the agent derives what it lists (cpuspeed, cores per socket, memory,
boot type, VLAN, NIC network name), which changes with the agent version.
"""

from __future__ import annotations

from ansible_collections.acs.ingest.plugins.module_utils._rules.catalogue import (
    AGENT_DROP,
    AGENT_FIELD,
    COMPUTING,
    LIST_REMOTE,
    LIST_UNMANAGED,
    LISTINGS,
    MANAGER,
    PARSER,
    REMOTE_WRAPPER,
    UNMANAGED_WRAPPER,
    VM_INSTANCE_DAO,
    VMDEF,
    Rule,
    Source,
)
from ansible_collections.acs.ingest.plugins.module_utils._rules.versions import (
    BEFORE_FIX_19_2_20_1,
    IN_20_2_AND_22,
    before,
    since,
    spans,
)

PARSE = Source(PARSER, "LibvirtDomainXMLParser.parseDomainXML")
TAG_VALUE = Source(PARSER, "LibvirtDomainXMLParser.getTagValue")
UNMANAGED_INSTANCE = Source(UNMANAGED_WRAPPER, "LibvirtGetUnmanagedInstancesCommandWrapper.getUnmanagedInstance")
REMOTE_INSTANCE = Source(REMOTE_WRAPPER, "LibvirtGetRemoteVmsCommandWrapper.getUnmanagedInstance")
CPU_TUNE = Source(PARSER, "LibvirtDomainXMLParser.extractCpuTuneDef")
CPU_MODE = Source(PARSER, "LibvirtDomainXMLParser.extractCpuModeDef")

DOMAIN_NOT_RUNNING = Rule(
    code="domain_not_running",
    kind=AGENT_DROP,
    title="the agent counts running vCPUs, which libvirt refuses for an inactive domain",
    apis=(LIST_UNMANAGED,),
    sources=(UNMANAGED_INSTANCE, Source(COMPUTING, "LibvirtComputingResource.countDomainRunningVcpus")),
    cloudstack_text="Requested operation is not valid: domain is not running",
    fix="start the domain (virsh start) before listing or importing it, or import it with importVm from a host "
    "outside the cluster",
)
REMOTE_DOMAIN_NOT_SHUT_OFF = Rule(
    code="remote_domain_not_shut_off",
    kind=AGENT_DROP,
    title="listVmsForImport only lists shut-off domains",
    apis=(LIST_REMOTE,),
    sources=(Source(REMOTE_WRAPPER, "LibvirtGetRemoteVmsCommandWrapper.execute"),),
    cloudstack_text="",
    fix="shut the domain down on the external host (virsh shutdown)",
)
MANAGED_INSTANCE_NAME = Rule(
    code="managed_instance_name",
    kind=AGENT_DROP,
    title="the domain's name is the instance name of a CloudStack VM of that cluster or pod",
    apis=(LIST_UNMANAGED,),
    sources=(
        Source(MANAGER, "UnmanagedVMsManagerImpl.getHostsManagedVms"),
        Source(VM_INSTANCE_DAO, "VMInstanceDaoImpl.listByHostOrLastHostOrHostPod"),
        Source(UNMANAGED_WRAPPER, "LibvirtGetUnmanagedInstancesCommandWrapper.getDomains"),
    ),
    cloudstack_text="",
    fix="rename the libvirt domain if it is not that CloudStack VM; if it is, it is managed already",
    note="Exact, case-sensitive match against every non-removed VM (any type) whose host or last host is an Up "
    "host of the cluster, or that has no host and is in the pod of the cluster's first Up host.",
)
HOST_NOT_UP = Rule(
    code="host_not_up_or_in_maintenance",
    kind=AGENT_DROP,
    title="listUnmanagedInstances only asks hosts that are Up and not in (or entering) maintenance",
    apis=(LIST_UNMANAGED,),
    sources=(
        Source(MANAGER, "UnmanagedVMsManagerImpl.listUnmanagedInstances"),
        Source(MANAGER, "UnmanagedVMsManagerImpl.getUnmanagedInstancesForHost"),
    ),
    cloudstack_text="",
    fix="bring the host Up and out of maintenance",
)
DEVICES_MISSING = Rule(
    code="devices_missing",
    kind=AGENT_DROP,
    title="the domain has no <devices> element",
    apis=LISTINGS,
    sources=(PARSE,),
    cloudstack_text="NullPointerException",
    fix="define the domain with its disks and NICs under <devices>",
)
DESCRIPTION_EMPTY_ELEMENT = Rule(
    code="description_empty_element",
    kind=AGENT_DROP,
    title="the first <description> (anywhere) is an empty element",
    apis=LISTINGS,
    sources=(PARSE, TAG_VALUE),
    cloudstack_text="NullPointerException",
    fix="remove the empty <description/> or give it text (or upgrade the agent to 4.19.1+)",
    versions=before((4, 19, 1)),
)
# parseDomainXML reads <name> with getTagValue right after <description> (LibvirtDomainXMLParser.java
# LibvirtDomainXMLParser.parseDomainXML / getTagValue, 4.19.0): the same NullPointerException for an empty
# first <name/>. Its own code, so the operator is told which element to fix (libvirt itself never writes one;
# the differential test against the simulator found the two sides naming it differently).
NAME_EMPTY_ELEMENT = Rule(
    code="name_empty_element",
    kind=AGENT_DROP,
    title="the first <name> (anywhere) is an empty element",
    apis=LISTINGS,
    sources=(PARSE, TAG_VALUE),
    cloudstack_text="NullPointerException",
    fix="give the domain a name (or upgrade the agent to 4.19.1+)",
    versions=before((4, 19, 1)),
)
METADATA_SHADOWS_ELEMENT = Rule(
    code="metadata_shadows_element",
    kind=AGENT_FIELD,
    title="an unprefixed devices/cputune/cpu/os/description element inside <metadata> is read instead of the real one",
    apis=LISTINGS,
    sources=(PARSE, CPU_TUNE, CPU_MODE, Source(PARSER, "LibvirtDomainXMLParser.extractBootDef")),
    cloudstack_text="",
    fix="give the application metadata a namespace prefix (<app:os xmlns:app='...'>)",
)
CPUTUNE_MISSING = Rule(
    code="cputune_missing",
    kind=AGENT_DROP,
    title="the agent reads <cputune><shares> without checking that <cputune> exists",
    apis=(LIST_UNMANAGED,),
    sources=(UNMANAGED_INSTANCE,),
    cloudstack_text="NullPointerException",
    fix="add <cputune><shares>N</shares></cputune> (N = vCPUs x MHz to report), or upgrade the agent",
    versions=BEFORE_FIX_19_2_20_1,
    note="Up to 4.19.1 and in 4.20.0; guarded from 4.19.2, 4.20.1, 4.21.0 (3337f425ff).",
)
CPUTUNE_VALUE_INVALID = Rule(
    code="cputune_value_invalid",
    kind=AGENT_DROP,
    title="the first <cputune>'s shares, quota or period is not a 32-bit integer",
    apis=LISTINGS,
    sources=(CPU_TUNE,),
    cloudstack_text='For input string: "%s"',
    fix="lower the value to at most 2147483647 (quota) or correct it",
)
CPUTUNE_VALUE_EMPTY = Rule(
    code="cputune_value_empty",
    kind=AGENT_DROP,
    title="an empty <shares/>, <quota/> or <period/> in the first <cputune>",
    apis=LISTINGS,
    sources=(CPU_TUNE, TAG_VALUE),
    cloudstack_text="NullPointerException",
    fix="remove the empty element (or upgrade the agent to 4.19.1+)",
    versions=before((4, 19, 1)),
)
CPU_TOPOLOGY_VALUE_INVALID = Rule(
    code="cpu_topology_value_invalid",
    kind=AGENT_DROP,
    title="the <cpu><topology> the agent reads has a value that is not an integer",
    apis=LISTINGS,
    sources=(CPU_MODE,),
    cloudstack_text='For input string: "%s"',
    fix="correct the topology",
    note="Read when sockets and cores (4.20.0+: and threads) are all non-blank.",
)
CPU_MODEL_EMPTY_ELEMENT = Rule(
    code="cpu_model_empty_element",
    kind=AGENT_DROP,
    title="the first <model> under the first <cpu> is empty (e.g. <model fallback='allow'/>)",
    apis=LISTINGS,
    sources=(CPU_MODE, TAG_VALUE),
    cloudstack_text="NullPointerException",
    fix="remove the empty <model/> (or upgrade the agent to 4.19.1+)",
    versions=before((4, 19, 1)),
)
CPUSPEED_ZERO_RUNNING_VCPUS = Rule(
    code="cpuspeed_zero_running_vcpus",
    kind=AGENT_DROP,
    title="cpuspeed divides the shares by the running vCPUs, and libvirt reports none",
    apis=(LIST_UNMANAGED,),
    sources=(UNMANAGED_INSTANCE,),
    cloudstack_text="/ by zero",
    fix="start the domain's vCPUs",
)

# --- field rules ----------------------------------------------------------------------------------
CPUSPEED_FROM_SHARES = Rule(
    code="cpuspeed_from_shares",
    kind=AGENT_FIELD,
    title="cpuspeed is <cputune><shares> (divided by the running vCPUs for listUnmanagedInstances), not MHz",
    apis=LISTINGS,
    sources=(UNMANAGED_INSTANCE, REMOTE_INSTANCE),
    cloudstack_text="",
    fix="set <cputune><shares> to vCPUs x the MHz CloudStack should record, or pass details cpuSpeed",
)
CORES_PER_SOCKET_FROM_TOPOLOGY = Rule(
    code="cpucorepersocket_from_topology",
    kind=AGENT_FIELD,
    title="cpucorepersocket is the topology's cores, -1 when the topology is incomplete, absent without <cpu>",
    apis=LISTINGS,
    sources=(CPU_MODE, Source(VMDEF, "CpuModeDef.getCoresPerSocket")),
    cloudstack_text="",
    fix="give <cpu> a full <topology sockets cores threads>",
    note="4.19.x needs sockets and cores; 4.20.0+ also threads (27124c1031).",
)
TOPOLOGY_NEEDS_THREADS = since((4, 20, 0))
MEMORY_INT_OVERFLOW = Rule(
    code="memory_int_overflow",
    kind=AGENT_FIELD,
    title="memory is max memory in KiB cut to 32 bits before the division, so 2 TiB and more come out wrong",
    apis=LISTINGS,
    sources=(UNMANAGED_INSTANCE, REMOTE_INSTANCE),
    cloudstack_text="",
    fix="none in the domain; expect the import to mis-size or refuse such a VM",
)
BOOT_FIELDS_ABSENT = Rule(
    code="boot_fields_absent",
    kind=AGENT_FIELD,
    title="the agent does not report boottype/bootmode, so CloudStack records the VM as BIOS",
    apis=LISTINGS,
    sources=(UNMANAGED_INSTANCE, REMOTE_INSTANCE),
    cloudstack_text="",
    fix="pass details UEFI=LEGACY|SECURE on the import of a UEFI VM",
    versions=spans(((0, 0, 0), (4, 20, 2)), ((4, 21, 0), (4, 22, 0))),
    note="listVmsForImport never reports them; listUnmanagedInstances from 4.20.2 and 4.22 agents (9349b69b7e).",
)
BOOT_DETECTION_LOADER_ONLY = Rule(
    code="boot_detection_loader_only",
    kind=AGENT_FIELD,
    title="boottype is UEFI only with an <os><loader> of type pflash or mentioning uefi; bootmode SECURE from "
    "secure='yes'",
    apis=(LIST_UNMANAGED,),
    sources=(Source(PARSER, "LibvirtDomainXMLParser.extractBootDef"), UNMANAGED_INSTANCE),
    cloudstack_text="",
    fix="make sure the live XML has <loader type='pflash'> (firmware='efi' alone reads as BIOS)",
    versions=IN_20_2_AND_22,
)
NIC_VLAN_NOT_PARSED = Rule(
    code="nic_vlan_not_parsed",
    kind=AGENT_FIELD,
    title="the agent never reads <vlan><tag>: vlanid is -1",
    apis=LISTINGS,
    sources=(PARSE, Source(VMDEF, "InterfaceDef.getVlanTag")),
    cloudstack_text="",
    fix="map each NIC to its network explicitly (nic_networks)",
)
NIC_VLAN_FROM_BRIDGE = Rule(
    code="nic_vlan_from_bridge",
    kind=AGENT_FIELD,
    title="a bridge NIC's vlanid is the VID of the bridge's first physical port, absent when it is untagged",
    apis=(LIST_UNMANAGED,),
    sources=(
        Source(UNMANAGED_WRAPPER, "LibvirtGetUnmanagedInstancesCommandWrapper.getUnmanagedInstanceNics"),
        Source(COMPUTING, "LibvirtComputingResource.getVlanIdForBridge"),
    ),
    cloudstack_text="",
    fix="map NICs on untagged bridges explicitly: CloudStack does not auto-map a NIC without a VLAN",
    versions=IN_20_2_AND_22,
)
NIC_NETWORKNAME_IS_TARGET_DEV = Rule(
    code="nic_networkname_is_target_dev",
    kind=AGENT_FIELD,
    title="nic networkname is the tap device (<target dev>), not the bridge or libvirt network",
    apis=LISTINGS,
    sources=(Source(VMDEF, "InterfaceDef.defBridgeNet"), UNMANAGED_INSTANCE),
    cloudstack_text="",
    fix="map NICs to networks by id or MAC, not by this name",
)

RULES = (
    DOMAIN_NOT_RUNNING,
    REMOTE_DOMAIN_NOT_SHUT_OFF,
    MANAGED_INSTANCE_NAME,
    HOST_NOT_UP,
    DEVICES_MISSING,
    DESCRIPTION_EMPTY_ELEMENT,
    NAME_EMPTY_ELEMENT,
    METADATA_SHADOWS_ELEMENT,
    CPUTUNE_MISSING,
    CPUTUNE_VALUE_INVALID,
    CPUTUNE_VALUE_EMPTY,
    CPU_TOPOLOGY_VALUE_INVALID,
    CPU_MODEL_EMPTY_ELEMENT,
    CPUSPEED_ZERO_RUNNING_VCPUS,
    CPUSPEED_FROM_SHARES,
    CORES_PER_SOCKET_FROM_TOPOLOGY,
    MEMORY_INT_OVERFLOW,
    BOOT_FIELDS_ABSENT,
    BOOT_DETECTION_LOADER_ONLY,
    NIC_VLAN_NOT_PARSED,
    NIC_VLAN_FROM_BRIDGE,
    NIC_NETWORKNAME_IS_TARGET_DEV,
)
