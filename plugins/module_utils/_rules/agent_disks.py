# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""Agent rules about ``<disk>`` elements: which drop the domain, and which disks get listed.

Every ``<disk>`` under ``<devices>`` is parsed by ``LibvirtDomainXMLParser.parseDomainXML``; an
exception there (an enum or number that does not parse, a missing element) is caught by the
listing wrapper, which logs it and leaves the whole domain out (``getUnmanagedInstance`` in both
``LibvirtGetUnmanagedInstancesCommandWrapper`` and ``LibvirtGetRemoteVmsCommandWrapper``).
Which disks are "listed kinds" (their bus and source are read) depends on the version; see
``block_non_disk_listed_as_disk``.
"""

from __future__ import annotations

from ansible_collections.acs.ingest.plugins.module_utils._rules.catalogue import (
    AGENT_DROP,
    AGENT_FIELD,
    LISTINGS,
    MANAGER,
    PARSER,
    QEMU_OBJECT,
    REMOTE_WRAPPER,
    UNMANAGED_WRAPPER,
    VMDEF,
    Rule,
    Source,
)
from ansible_collections.acs.ingest.plugins.module_utils._rules.versions import BEFORE_FIX_19_2_20_1, before

_ENUM = "No enum constant com.cloud.hypervisor.kvm.resource.LibvirtVMDef.DiskDef."
PARSE = Source(PARSER, "LibvirtDomainXMLParser.parseDomainXML")
PARSE_BLOCK = Source(PARSER, "LibvirtDomainXMLParser.parseDiskBlock")
UNMANAGED_DISKS = Source(UNMANAGED_WRAPPER, "LibvirtGetUnmanagedInstancesCommandWrapper.getUnmanagedInstanceDisks")
REMOTE_DISKS = Source(REMOTE_WRAPPER, "LibvirtGetRemoteVmsCommandWrapper.getUnmanagedInstanceDisks")

DISK_TARGET_MISSING = Rule(
    code="disk_target_missing",
    kind=AGENT_DROP,
    title="a listed-kind disk without <target>: its bus is null",
    apis=LISTINGS,
    sources=(PARSE, PARSE_BLOCK),
    cloudstack_text="NullPointerException",
    fix="give the disk <target dev='vdX' bus='virtio'/>",
)
DISK_BUS_BLANK = Rule(
    code="disk_bus_blank",
    kind=AGENT_DROP,
    title="a listed-kind disk whose <target> has no bus",
    apis=LISTINGS,
    sources=(PARSE, PARSE_BLOCK, Source(VMDEF, "DiskDef.DiskBus")),
    cloudstack_text=_ENUM + "DiskBus.",
    fix="set the bus explicitly: <target dev='vda' bus='virtio'/>",
)
DISK_BUS_UNKNOWN = Rule(
    code="disk_bus_unknown",
    kind=AGENT_DROP,
    title="a listed-kind disk on a bus the agent has no constant for",
    apis=LISTINGS,
    sources=(PARSE, PARSE_BLOCK, Source(VMDEF, "DiskDef.DiskBus")),
    cloudstack_text=_ENUM + "DiskBus.%s",
    fix="move the disk to bus virtio, scsi or sata",
    note="Accepted (case-insensitive): ide, scsi, virtio, xen, usb, uml, fdc, sata. File cdroms are never bus-checked; "
    "block cdroms, floppies and LUNs are up to 4.19.1 and in 4.20.0 (see block_non_disk_listed_as_disk).",
)
DISK_FORMAT_BLANK = Rule(
    code="disk_format_blank",
    kind=AGENT_DROP,
    title="a file disk (device='disk') or network disk whose <driver> has no type",
    apis=LISTINGS,
    sources=(PARSE, Source(VMDEF, "DiskDef.DiskFmtType")),
    cloudstack_text=_ENUM + "DiskFmtType.",
    fix="add type='qcow2' or type='raw' to the disk's <driver>",
    note="A disk without any <driver> element is fine (format unknown); block disks and cdroms never read it.",
)
DISK_FORMAT_UNKNOWN = Rule(
    code="disk_format_unknown",
    kind=AGENT_DROP,
    title="a file disk (device='disk') or network disk in a format other than raw or qcow2",
    apis=LISTINGS,
    sources=(PARSE, Source(VMDEF, "DiskDef.DiskFmtType")),
    cloudstack_text=_ENUM + "DiskFmtType.%s",
    fix="convert the image (qemu-img convert -O qcow2) and set <driver type='qcow2'>",
)
DISK_CACHE_UNKNOWN = Rule(
    code="disk_cache_unknown",
    kind=AGENT_DROP,
    title="a disk (any type or device) with a cache mode other than none, writeback or writethrough",
    apis=LISTINGS,
    sources=(PARSE, Source(VMDEF, "DiskDef.DiskCacheMode")),
    cloudstack_text=_ENUM + "DiskCacheMode.%s",
    fix="set cache='none' (or writeback/writethrough), or remove the cache attribute",
    note="'default' and 'directsync'/'unsafe' drop: 4.22's HYPERVISOR_DEFAULT constant is named differently "
    "from the value, so it is never matched.",
)
NETWORK_DISK_CACHE_BLANK = Rule(
    code="network_disk_cache_blank",
    kind=AGENT_DROP,
    title="a network disk without a cache mode (the agent parses it unconditionally)",
    apis=LISTINGS,
    sources=(PARSE,),
    cloudstack_text=_ENUM + "DiskCacheMode.",
    fix="add cache='none' to the network disk's <driver>",
    note="A network disk with no <driver> at all fails with a NullPointerException instead. Fixed after 4.22.0 "
    "on main (not in any release we read).",
)
NETWORK_DISK_SOURCE_MISSING = Rule(
    code="network_disk_source_missing",
    kind=AGENT_DROP,
    title="a network disk without <source>: its protocol is null",
    apis=LISTINGS,
    sources=(PARSE,),
    cloudstack_text="NullPointerException",
    fix="give the network disk its <source protocol='rbd' name='pool/image'>",
)
NETWORK_DISK_PROTOCOL_UNKNOWN = Rule(
    code="network_disk_protocol_unknown",
    kind=AGENT_DROP,
    title="a network disk whose protocol is not rbd, sheepdog or gluster",
    apis=LISTINGS,
    sources=(PARSE, Source(VMDEF, "DiskDef.DiskProtocol")),
    cloudstack_text=_ENUM + "DiskProtocol.%s",
    fix="attach the storage as a host block device or file, or move it to RBD/Gluster",
)
NETWORK_DISK_HOST_PORT_INVALID = Rule(
    code="network_disk_host_port_invalid",
    kind=AGENT_DROP,
    title="the first <host> of a network disk has a port that is not a 32-bit integer",
    apis=LISTINGS,
    sources=(PARSE,),
    cloudstack_text='For input string: "%s"',
    fix="correct the port of the disk's first <host>",
)
DISK_IOTUNE_VALUE_INVALID = Rule(
    code="disk_iotune_value_invalid",
    kind=AGENT_DROP,
    title="an <iotune> rate the agent reads (read/write bytes/iops, _max, _max_length) is not a 64-bit integer",
    apis=LISTINGS,
    sources=(PARSE,),
    cloudstack_text='For input string: "%s"',
    fix="correct or remove that <iotune> value",
    note="total_* values are not read.",
)
DISK_IOTUNE_VALUE_EMPTY = Rule(
    code="disk_iotune_value_empty",
    kind=AGENT_DROP,
    title="an <iotune> rate element the agent reads is empty",
    apis=LISTINGS,
    sources=(Source(PARSER, "LibvirtDomainXMLParser.getTagValue"),),
    cloudstack_text="NullPointerException",
    fix="remove the empty element (or upgrade the agent to 4.19.1+)",
    versions=before((4, 19, 1)),
)
DISK_ENCRYPTION_FORMAT_UNKNOWN = Rule(
    code="disk_encryption_format_unknown",
    kind=AGENT_DROP,
    title="a disk's first <encryption> (at any depth) has a format other than luks or aes",
    apis=LISTINGS,
    sources=(PARSE, Source(QEMU_OBJECT, "QemuObject.EncryptFormat.enumValue")),
    cloudstack_text="No enum constant org.apache.cloudstack.utils.qemu.QemuObject.EncryptFormat.%s",
    fix="re-encrypt the image as LUKS, or decrypt it",
)
DISK_SOURCE_MISSING = Rule(
    code="disk_source_missing",
    kind=AGENT_DROP,
    title="a listed disk has no source path",
    apis=LISTINGS,
    sources=(UNMANAGED_DISKS, REMOTE_DISKS),
    cloudstack_text="NullPointerException",
    fix="give the disk a source, or eject an empty block cdrom (or make it type='file')",
    note="Up to 4.19.1 and in 4.20.0 an empty block cdrom/floppy/LUN is a listed disk and hits this.",
)
DISK_CAPACITY_UNREADABLE = Rule(
    code="disk_capacity_unreadable",
    kind=AGENT_DROP,
    title="libvirt cannot answer virDomainGetBlockInfo for a listed disk",
    apis=LISTINGS,
    sources=(UNMANAGED_DISKS, REMOTE_DISKS),
    cloudstack_text="org.libvirt.LibvirtException: %s",
    fix="make the disk's source readable by libvirt on that host (listVmsForImport asks by source path on a "
    "shut-off domain: the file must exist there, and network disks cannot be read offline)",
    note="listUnmanagedInstances asks by target dev, listVmsForImport by source path.",
)
DISK_TYPE_NOT_LISTED = Rule(
    code="disk_type_not_listed",
    kind=AGENT_FIELD,
    title="a disk of type volume, dir, nvme, vhostuser (or no type) is not in disk[] and will not be imported",
    apis=LISTINGS,
    sources=(PARSE, UNMANAGED_DISKS),
    cloudstack_text="",
    fix="re-define the disk as type='file' or type='block' (a pool volume by its path) if it must be imported",
)
DISK_DEVICE_NOT_LISTED = Rule(
    code="disk_device_not_listed",
    kind=AGENT_FIELD,
    title="cdroms, floppies and LUNs are not in disk[] and do not take a disk id",
    apis=LISTINGS,
    sources=(PARSE, PARSE_BLOCK, UNMANAGED_DISKS),
    cloudstack_text="",
    fix="none needed; attach ISOs again after the import",
)
BLOCK_NON_DISK_LISTED_AS_DISK = Rule(
    code="block_non_disk_listed_as_disk",
    kind=AGENT_FIELD,
    title="a block cdrom, floppy or LUN is listed (and imported) as a disk",
    apis=LISTINGS,
    sources=(PARSE,),
    cloudstack_text="",
    fix="detach the host cdrom or passthrough LUN before importing, or expect an extra disk",
    versions=BEFORE_FIX_19_2_20_1,
    note="Up to 4.19.1 and in 4.20.0 (fixed by d54b105a03 in 4.19.2, 4.20.1, 4.21.0).",
)
NETWORK_DISK_ANY_DEVICE_LISTED = Rule(
    code="network_disk_any_device_listed",
    kind=AGENT_FIELD,
    title="a network disk is listed as a disk whatever its device (cdrom, lun)",
    apis=LISTINGS,
    sources=(Source(VMDEF, "DiskDef.defNetworkBasedDisk"),),
    cloudstack_text="",
    fix="detach network ISOs and LUNs before importing",
)
DISK_LABEL_EMPTY_OMITTED = Rule(
    code="disk_label_empty_omitted",
    kind=AGENT_FIELD,
    title="a listed disk with an empty target dev has no label",
    apis=LISTINGS,
    sources=(
        Source(
            "server/src/main/java/com/cloud/api/ApiResponseHelper.java",
            "ApiResponseHelper.createUnmanagedInstanceResponse",
        ),
        Source(MANAGER, "UnmanagedVMsManagerImpl.createUnmanagedInstanceResponse"),
    ),
    cloudstack_text="",
    fix="give every disk a target dev",
)

RULES = (
    DISK_TARGET_MISSING,
    DISK_BUS_BLANK,
    DISK_BUS_UNKNOWN,
    DISK_FORMAT_BLANK,
    DISK_FORMAT_UNKNOWN,
    DISK_CACHE_UNKNOWN,
    NETWORK_DISK_CACHE_BLANK,
    NETWORK_DISK_SOURCE_MISSING,
    NETWORK_DISK_PROTOCOL_UNKNOWN,
    NETWORK_DISK_HOST_PORT_INVALID,
    DISK_IOTUNE_VALUE_INVALID,
    DISK_IOTUNE_VALUE_EMPTY,
    DISK_ENCRYPTION_FORMAT_UNKNOWN,
    DISK_SOURCE_MISSING,
    DISK_CAPACITY_UNREADABLE,
    DISK_TYPE_NOT_LISTED,
    DISK_DEVICE_NOT_LISTED,
    BLOCK_NON_DISK_LISTED_AS_DISK,
    NETWORK_DISK_ANY_DEVICE_LISTED,
    DISK_LABEL_EMPTY_OMITTED,
)
