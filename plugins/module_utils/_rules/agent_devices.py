# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""Agent rules about NICs, channels, graphics, RNGs and watchdogs (all drop the whole domain).

``LibvirtDomainXMLParser.parseDomainXML`` reads every ``<interface>``, ``<channel>``, ``<rng>`` and
``<watchdog>`` found anywhere under ``<devices>`` and the first ``<graphics>``; the listing wrappers
then map every interface (``getUnmanagedInstanceNics``), so one bad device hides the domain.
"""

from __future__ import annotations

from ansible_collections.acs.ingest.plugins.module_utils._rules.catalogue import (
    AGENT_DROP,
    LIST_UNMANAGED,
    LISTINGS,
    PARSER,
    REMOTE_WRAPPER,
    UNMANAGED_WRAPPER,
    VMDEF,
    Rule,
    Source,
)
from ansible_collections.acs.ingest.plugins.module_utils._rules.versions import before

_ENUM = "No enum constant com.cloud.hypervisor.kvm.resource.LibvirtVMDef."
PARSE = Source(PARSER, "LibvirtDomainXMLParser.parseDomainXML")
UNMANAGED_NICS = Source(UNMANAGED_WRAPPER, "LibvirtGetUnmanagedInstancesCommandWrapper.getUnmanagedInstanceNics")
REMOTE_NICS = Source(REMOTE_WRAPPER, "LibvirtGetRemoteVmsCommandWrapper.getUnmanagedInstanceNics")
NIC_MODEL_ENUM = Source(VMDEF, "InterfaceDef.NicModel")

NIC_MODEL_NOT_PARSED = Rule(
    code="nic_model_not_parsed",
    kind=AGENT_DROP,
    title="an interface whose type is not network, bridge or ethernet never gets a model",
    apis=LISTINGS,
    sources=(PARSE, UNMANAGED_NICS, REMOTE_NICS),
    cloudstack_text="NullPointerException",
    fix="attach the NIC to a bridge (type='bridge') or a libvirt network (type='network') with a supported <model>",
    note="Types user, direct (macvtap), hostdev, vhostuser, vdpa, server, client, mcast, udp, internal, null, vds"
    " or none.",
)
NIC_MODEL_MISSING = Rule(
    code="nic_model_missing",
    kind=AGENT_DROP,
    title="a network, bridge or ethernet interface without <model>",
    apis=LISTINGS,
    sources=(PARSE,),
    cloudstack_text="NullPointerException",
    fix="add <model type='virtio'/> to the interface",
)
NIC_MODEL_BLANK = Rule(
    code="nic_model_blank",
    kind=AGENT_DROP,
    title="a network, bridge or ethernet interface whose <model> has no type",
    apis=LISTINGS,
    sources=(PARSE, NIC_MODEL_ENUM),
    cloudstack_text=_ENUM + "InterfaceDef.NicModel.",
    fix="set <model type='virtio'/>",
)
NIC_MODEL_UNKNOWN = Rule(
    code="nic_model_unknown",
    kind=AGENT_DROP,
    title="a NIC model the agent has no constant for",
    apis=LISTINGS,
    sources=(PARSE, NIC_MODEL_ENUM),
    cloudstack_text=_ENUM + "InterfaceDef.NicModel.%s",
    fix="change the NIC model to virtio (or e1000, rtl8139, vmxnet3)",
    note="Accepted (case-insensitive): e1000, virtio, rtl8139, vmxnet3. ne2k_pci drops: its constant is NE2KPCI.",
)
NIC_PCI_SLOT_MISSING = Rule(
    code="nic_pci_slot_missing",
    kind=AGENT_DROP,
    title="an interface without a PCI slot (no <address>, or a non-PCI first <address>)",
    apis=LISTINGS,
    sources=(PARSE, UNMANAGED_NICS, REMOTE_NICS),
    cloudstack_text="NullPointerException",
    fix="give the NIC a PCI address (remove a non-PCI <address> and let libvirt assign one)",
)
NIC_PCI_SLOT_INVALID = Rule(
    code="nic_pci_slot_invalid",
    kind=AGENT_DROP,
    title="an interface's PCI slot is not hexadecimal after one leading '0x'",
    apis=LISTINGS,
    sources=(PARSE,),
    cloudstack_text='For input string: "%s" under radix 16',
    fix="write the slot as libvirt does, e.g. slot='0x03'",
)
NIC_BANDWIDTH_INCOMPLETE = Rule(
    code="nic_bandwidth_incomplete",
    kind=AGENT_DROP,
    title="a <bandwidth> without both an inbound and an outbound integer average",
    apis=LISTINGS,
    sources=(PARSE,),
    cloudstack_text='For input string: "%s"',
    fix="set both <inbound average=...> and <outbound average=...>, or remove <bandwidth>",
)
NIC_DRIVER_QUEUES_INVALID = Rule(
    code="nic_driver_queues_invalid",
    kind=AGENT_DROP,
    title="an interface's <driver queues> is not a 32-bit integer",
    apis=LISTINGS,
    sources=(PARSE,),
    cloudstack_text='For input string: "%s"',
    fix="set queues to a number, or remove it",
)
CHANNEL_TYPE_UNSUPPORTED = Rule(
    code="channel_type_unsupported",
    kind=AGENT_DROP,
    title="a <channel> whose type is not unix, serial or spicevmc",
    apis=LISTINGS,
    sources=(PARSE, Source(VMDEF, "ChannelDef.ChannelType")),
    cloudstack_text=_ENUM + "ChannelDef.ChannelType.%s",
    fix="remove the channel or make it type='unix'",
)
GRAPHICS_CHANNEL_UNTYPED = Rule(
    code="graphics_channel_untyped",
    kind=AGENT_DROP,
    title="a <channel> inside <graphics> (spice) is read as a device channel without a type",
    apis=LISTINGS,
    sources=(PARSE,),
    cloudstack_text=_ENUM + "ChannelDef.ChannelType.",
    fix="remove the <channel> children of <graphics>",
)
CHANNEL_STATE_UNKNOWN = Rule(
    code="channel_state_unknown",
    kind=AGENT_DROP,
    title="a channel target state other than connected or disconnected",
    apis=LISTINGS,
    sources=(PARSE, Source(VMDEF, "ChannelDef.ChannelState")),
    cloudstack_text=_ENUM + "ChannelDef.ChannelState.%s",
    fix="remove the state attribute",
)
VNC_PASSWORD_TOO_LONG = Rule(
    code="vnc_password_too_long",
    kind=AGENT_DROP,
    title="the first <graphics> has a password longer than 22 characters",
    apis=(LIST_UNMANAGED,),
    sources=(Source(UNMANAGED_WRAPPER, "LibvirtGetUnmanagedInstancesCommandWrapper.getFormattedVncPassword"),),
    cloudstack_text="Requested random string length %s is less than 0.",
    fix="shorten the console password to at most 22 characters",
)
RNG_BACKEND_MODEL_UNSUPPORTED = Rule(
    code="rng_backend_model_unsupported",
    kind=AGENT_DROP,
    title="an <rng> backend model other than random or egd",
    apis=LISTINGS,
    sources=(PARSE, Source(VMDEF, "RngDef.RngBackendModel")),
    cloudstack_text=_ENUM + "RngDef.RngBackendModel.%s",
    fix="use <backend model='random'>/dev/urandom</backend>",
)
RNG_RATE_INCOMPLETE = Rule(
    code="rng_rate_incomplete",
    kind=AGENT_DROP,
    title="an <rng><rate> without integer bytes and period",
    apis=LISTINGS,
    sources=(PARSE,),
    cloudstack_text='For input string: "%s"',
    fix="set both bytes and period on <rate> (e.g. period='1000'), or remove <rate>",
)
RNG_BACKEND_EMPTY = Rule(
    code="rng_backend_empty",
    kind=AGENT_DROP,
    title="an <rng> whose first <backend> is empty",
    apis=LISTINGS,
    sources=(PARSE, Source(PARSER, "LibvirtDomainXMLParser.getTagValue")),
    cloudstack_text="NullPointerException",
    fix="give the backend its device path (<backend model='random'>/dev/urandom</backend>)",
    versions=before((4, 19, 1)),
)
WATCHDOG_MODEL_UNSUPPORTED = Rule(
    code="watchdog_model_unsupported",
    kind=AGENT_DROP,
    title="a watchdog model the agent has no constant for",
    apis=LISTINGS,
    sources=(PARSE, Source(VMDEF, "WatchDogDef.WatchDogModel")),
    cloudstack_text=_ENUM + "WatchDogDef.WatchDogModel.%s",
    fix="remove the watchdog or use model='i6300esb'",
    note="Accepted: i6300esb, ib700, diag288; itco from 4.19.1 (672206c312); none from 4.20.1 (7e295ec4e1).",
)
WATCHDOG_ACTION_UNSUPPORTED = Rule(
    code="watchdog_action_unsupported",
    kind=AGENT_DROP,
    title="a watchdog action the agent has no constant for (inject-nmi in every version)",
    apis=LISTINGS,
    sources=(PARSE, Source(VMDEF, "WatchDogDef.WatchDogAction")),
    cloudstack_text=_ENUM + "WatchDogDef.WatchDogAction.%s",
    fix="set action='reset' (or remove the attribute)",
)

RULES = (
    NIC_MODEL_NOT_PARSED,
    NIC_MODEL_MISSING,
    NIC_MODEL_BLANK,
    NIC_MODEL_UNKNOWN,
    NIC_PCI_SLOT_MISSING,
    NIC_PCI_SLOT_INVALID,
    NIC_BANDWIDTH_INCOMPLETE,
    NIC_DRIVER_QUEUES_INVALID,
    CHANNEL_TYPE_UNSUPPORTED,
    GRAPHICS_CHANNEL_UNTYPED,
    CHANNEL_STATE_UNKNOWN,
    VNC_PASSWORD_TOO_LONG,
    RNG_BACKEND_MODEL_UNSUPPORTED,
    RNG_RATE_INCOMPLETE,
    RNG_BACKEND_EMPTY,
    WATCHDOG_MODEL_UNSUPPORTED,
    WATCHDOG_ACTION_UNSUPPORTED,
)
