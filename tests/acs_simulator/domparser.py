"""The KVM agent's domain XML parser, statement for statement, in the simulator's own terms.

Mirrors ``plugins/hypervisors/kvm/src/main/java/com/cloud/hypervisor/kvm/resource/LibvirtDomainXMLParser.java``
``LibvirtDomainXMLParser.parseDomainXML`` (4.19.0–4.22.0) and the enums of ``LibvirtVMDef.java``. Every
exception the Java code would throw is raised as ``AgentDrop`` with the rule code of the research note
(``agent-rules.md``) and the Java message; the listing wrappers catch it and leave the domain out, as the
agent does. Version differences come from ``versions.AGENT_FEATURES``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.dom.minidom import Element

from . import javalang as j
from .versions import AGENT_FEATURES

VMDEF = "com.cloud.hypervisor.kvm.resource.LibvirtVMDef"
# LibvirtVMDef.DiskDef enums (VIRTIOBLK and HYPERVISOR_DEFAULT exist from 4.21/4.22 but their upper-cased
# XML spellings "VIRTIO-BLK" / "DEFAULT" never equal the constant names, so they are left out here).
DISK_BUS = frozenset({"IDE", "SCSI", "VIRTIO", "XEN", "USB", "UML", "FDC", "SATA"})
DISK_FMT = frozenset({"RAW", "QCOW2"})
DISK_PROTOCOL = frozenset({"RBD", "SHEEPDOG", "GLUSTER"})
DISK_CACHE = frozenset({"NONE", "WRITEBACK", "WRITETHROUGH"})
NIC_MODEL = frozenset({"E1000", "VIRTIO", "RTL8139", "NE2KPCI", "VMXNET3"})  # toString of NE2KPCI is ne2k_pci
NIC_MODEL_TEXT = {
    "E1000": "e1000",
    "VIRTIO": "virtio",
    "RTL8139": "rtl8139",
    "NE2KPCI": "ne2k_pci",
    "VMXNET3": "vmxnet3",
}
CHANNEL_TYPE = frozenset({"UNIX", "SERIAL", "SPICEVMC"})
CHANNEL_STATE = frozenset({"DISCONNECTED", "CONNECTED"})
RNG_BACKEND = frozenset({"RANDOM", "EGD"})
WATCHDOG_ACTION = frozenset({"RESET", "SHUTDOWN", "POWEROFF", "PAUSE", "NONE", "DUMP"})  # INJECT_NMI unreachable
ENCRYPT_FORMAT = frozenset({"LUKS", "AES"})  # org.apache.cloudstack.utils.qemu.QemuObject.EncryptFormat
IOTUNE_READ = (
    "read_bytes_sec",
    "read_bytes_sec_max",
    "read_bytes_sec_max_length",
    "write_bytes_sec",
    "write_bytes_sec_max",
    "write_bytes_sec_max_length",
    "read_iops_sec",
    "read_iops_sec_max",
    "read_iops_sec_max_length",
    "write_iops_sec",
    "write_iops_sec_max",
    "write_iops_sec_max_length",
)


class AgentDrop(Exception):
    """The agent could not build the instance: the domain is silently left out of the listing."""

    def __init__(self, code: str, cause: j.JavaException | str) -> None:
        text = cause.describe() if isinstance(cause, j.JavaException) else cause
        super().__init__(text)
        self.code = code
        self.text = text


@dataclass
class DiskDef:
    """LibvirtVMDef.DiskDef as far as the listings read it; device None = not parsed (never listed)."""

    disk_type: str | None = None  # file | block | network
    device: str | None = None  # disk | cdrom
    bus: str | None = None  # lower-case DiskBus.toString()
    label: str | None = None
    source: str | None = None
    source_host: str | None = None
    source_port: int = 0


@dataclass
class NicDef:
    """LibvirtVMDef.InterfaceDef: ``model`` None when the parser never set one (type user, direct, ...)."""

    net_type: str | None = None  # bridge | network | ethernet | None
    mac: str | None = None
    dev: str | None = None
    model: str | None = None
    slot: int | None = None
    bridge: str | None = None


@dataclass
class ParsedDomain:
    disks: list[DiskDef] = field(default_factory=list)
    nics: list[NicDef] = field(default_factory=list)
    vnc_password: str | None = None
    shares: int | None = None  # None: no <cputune> (CpuTuneDef null); 0 when <shares> is absent
    cores_per_socket: int | None = None  # None: no <cpu> (CpuModeDef null); -1 without a usable topology
    boot_type: str | None = None  # "BIOS"/"UEFI" (4.20.2/4.22 only)
    boot_mode: str | None = None  # "LEGACY"/"SECURE"
    readable: bool = True  # False: the DOM parse failed and parseDomainXML returned false


def _drop(code: str, exc: j.JavaException) -> AgentDrop:
    return AgentDrop(code, exc)


def parse(xml: str, version: str) -> ParsedDomain:
    """LibvirtDomainXMLParser.parseDomainXML for agent ``version``; raises AgentDrop like the Java code throws."""
    out = ParsedDomain()
    try:
        doc = j.parse_document(xml)
    except j.XmlUnreadable:
        out.readable = False  # parseDomainXML catches the SAXException and returns false: nothing parsed
        return out
    root = doc.documentElement
    guarded = version in AGENT_FEATURES["tag_value_null_guard"]
    try:
        j.tag_value(root, "description", guarded)
    except j.EmptyElement as exc:
        raise _drop("description_empty_element", exc) from None
    try:
        j.tag_value(root, "name", guarded)
    except j.EmptyElement as exc:
        raise _drop("name_empty_element", exc) from None
    devices = j.first_by_tag(root, "devices")
    if devices is None:
        raise _drop("devices_missing", j.NullPointer('Cannot invoke "org.w3c.dom.Element.getElementsByTagName"'))
    for index, disk in enumerate(j.elements_by_tag(devices, "disk")):
        out.disks.append(_disk(disk, index, version, guarded))
    for nic in j.elements_by_tag(devices, "interface"):
        out.nics.append(_interface(nic))
    for channel in j.elements_by_tag(devices, "channel"):
        _channel(channel)
    graphics = j.first_by_tag(devices, "graphics")
    if graphics is not None:
        out.vnc_password = graphics.getAttribute("passwd")
    for rng in j.elements_by_tag(devices, "rng"):
        _rng(rng, guarded)
    for watchdog in j.elements_by_tag(devices, "watchdog"):
        _watchdog(watchdog, version)
    out.shares = _cputune(root, guarded)
    out.cores_per_socket = _cpu(root, version, guarded)
    if version in AGENT_FEATURES["boot_detection"]:
        out.boot_type, out.boot_mode = boot(root)
    return out


# --- disks -------------------------------------------------------------------------------------------
def _enum(code: str, enum_class: str, constants: frozenset[str], raw: str | None) -> str:
    try:
        return j.enum_value(f"{VMDEF}.{enum_class}", constants, raw)
    except j.JavaException as exc:
        raise _drop(code, exc) from None


def _bus(raw: str | None) -> str:
    """DiskBus.valueOf(bus.toUpperCase()): null → NPE (no <target>), "" → blank, else unknown."""
    if raw is None:
        raise _drop("disk_target_missing", j.NullPointer('Cannot invoke "String.toUpperCase()" because "bus" is null'))
    code = "disk_bus_blank" if raw == "" else "disk_bus_unknown"
    return _enum(code, "DiskDef.DiskBus", DISK_BUS, raw).lower()


def _format(raw: str | None) -> None:
    """DiskFmtType.valueOf when the disk has a <driver> (a missing one leaves the format null)."""
    if raw is not None:
        _enum("disk_format_blank" if raw == "" else "disk_format_unknown", "DiskDef.DiskFmtType", DISK_FMT, raw)


def _disk(disk: Element, index: int, version: str, guarded: bool) -> DiskDef:
    kind = disk.getAttribute("type")
    fmt = j.attr_of_first(disk, "driver", "type")
    cache = j.attr_of_first(disk, "driver", "cache")
    label = j.attr_of_first(disk, "target", "dev")
    bus = j.attr_of_first(disk, "target", "bus")
    out = DiskDef()
    if j.equals_ignore_case(kind, "network"):
        name = j.attr_of_first(disk, "source", "name")
        protocol = j.attr_of_first(disk, "source", "protocol")
        # LibvirtStoragePoolXMLParser.getStorageHosts: every <host name> under the disk, joined by ","
        hosts = ",".join(h.getAttribute("name") for h in j.elements_by_tag(disk, "host"))
        port = 0
        xml_port = j.attr_of_first(disk, "host", "port")
        if not j.is_blank(xml_port):
            try:
                port = j.parse_int(xml_port)
            except j.NumberFormat as exc:
                raise _drop("network_disk_host_port_invalid", exc) from None
        _format(fmt)
        # defNetworkBasedDisk(..., DiskBus.valueOf(bus...), DiskProtocol.valueOf(protocol...), fmt):
        # Java evaluates the arguments left to right, so the bus is checked before the protocol.
        out = DiskDef("network", "disk", _bus(bus), label, name, hosts, port)
        if protocol is None:
            raise _drop("network_disk_source_missing", j.NullPointer('"protocol" is null'))
        _enum("network_disk_protocol_unknown", "DiskDef.DiskProtocol", DISK_PROTOCOL, protocol)
        # setCacheMode(DiskCacheMode.valueOf(diskCacheMode.toUpperCase())) with no blank guard
        if j.is_blank(cache):
            exc = j.NullPointer('"diskCacheMode" is null') if cache is None else None
            raise _drop(
                "network_disk_cache_blank",
                exc or j.IllegalArgument(f"No enum constant {VMDEF}.DiskDef.DiskCacheMode.{cache}"),
            )
        _enum("disk_cache_unknown", "DiskDef.DiskCacheMode", DISK_CACHE, cache)
    else:
        device = disk.getAttribute("device")
        file_src = j.attr_of_first(disk, "source", "file")
        dev_src = j.attr_of_first(disk, "source", "dev")
        if j.equals_ignore_case(kind, "file"):
            if j.equals_ignore_case(device, "disk"):
                _format(fmt)
                out = DiskDef("file", "disk", _bus(bus), label, file_src)
            elif j.equals_ignore_case(device, "cdrom"):
                out = DiskDef("file", "cdrom", "ide", label, file_src)
        elif j.equals_ignore_case(kind, "block"):
            if version not in AGENT_FEATURES["block_disk_split"] or j.equals_ignore_case(device, "disk"):
                # 4.19.0/4.19.1/4.20.0: every block disk (cdrom, floppy, lun too) is defined as a disk
                out = DiskDef("block", "disk", _bus(bus), label, dev_src)
            elif j.equals_ignore_case(device, "cdrom"):
                out = DiskDef("block", "cdrom", "ide", label, file_src)
        if not j.is_blank(cache):
            _enum("disk_cache_unknown", "DiskDef.DiskCacheMode", DISK_CACHE, cache)
    iotune = j.first_by_tag(disk, "iotune")
    if iotune is not None:
        for name in IOTUNE_READ:
            try:
                value = j.tag_value(iotune, name, guarded)
            except j.EmptyElement as exc:
                raise _drop("disk_iotune_value_empty", exc) from None
            if value is not None:
                try:
                    j.parse_long(value)
                except j.NumberFormat as exc:
                    raise _drop("disk_iotune_value_invalid", exc) from None
    encryption = j.first_by_tag(disk, "encryption")
    if encryption is not None:
        fmt_name = encryption.getAttribute("format")
        if not j.is_blank(fmt_name):  # QemuObject.EncryptFormat.enumValue: blank means LUKS
            try:
                j.enum_value("org.apache.cloudstack.utils.qemu.QemuObject.EncryptFormat", ENCRYPT_FORMAT, fmt_name)
            except j.JavaException as exc:
                raise _drop("disk_encryption_format_unknown", exc) from None
    return out


# --- interfaces --------------------------------------------------------------------------------------
def _interface(nic: Element) -> NicDef:
    kind = nic.getAttribute("type")
    out = NicDef(
        mac=j.attr_of_first(nic, "mac", "address"),
        dev=j.attr_of_first(nic, "target", "dev"),
    )
    model = j.attr_of_first(nic, "model", "type")
    slot = j.attr_of_first(nic, "address", "slot")
    if slot is not None and slot.startswith("0x"):  # StringUtils.removeStart(slot, "0x"): lower-case prefix only
        slot = slot[2:]
    bandwidth = j.first_by_tag(nic, "bandwidth")
    if bandwidth is not None:
        try:
            j.parse_int(j.attr_of_first(bandwidth, "inbound", "average"))
            j.parse_int(j.attr_of_first(bandwidth, "outbound", "average"))
        except j.NumberFormat as exc:
            raise _drop("nic_bandwidth_incomplete", exc) from None
    for net_type in ("network", "bridge", "ethernet"):
        if j.equals_ignore_case(kind, net_type):
            out.net_type = net_type
            if net_type == "bridge":
                out.bridge = j.attr_of_first(nic, "source", "bridge")
            if model is None:
                raise _drop("nic_model_missing", j.NullPointer('"model" is null'))
            out.model = NIC_MODEL_TEXT[_enum("nic_model_blank" if model == "" else "nic_model_unknown",
                                             "InterfaceDef.NicModel", NIC_MODEL, model)]  # fmt: skip
    if kind == "vhostuser":  # case-sensitive in the Java code; source path split at its last "/"
        path = j.attr_of_first(nic, "source", "path")
        if path is None:
            raise _drop("nic_model_not_parsed", j.NullPointer('"sourcePort" is null'))
        if "/" not in path:
            raise _drop("nic_model_not_parsed", j.IndexOutOfBounds("begin 0, end -1, length " + str(len(path))))
    queues = j.attr_of_first(nic, "driver", "queues")
    if not j.is_blank(queues):
        try:
            j.parse_int(queues)
        except j.NumberFormat as exc:
            raise _drop("nic_driver_queues_invalid", exc) from None
    if not j.is_blank(slot):
        try:
            out.slot = j.parse_int(slot, 16)
        except j.NumberFormat as exc:
            raise _drop("nic_pci_slot_invalid", exc) from None
    return out


# --- channels, rng, watchdog -------------------------------------------------------------------------
def _channel(channel: Element) -> None:
    kind = channel.getAttribute("type")
    state = j.attr_of_first(channel, "target", "state")
    parent = channel.parentNode
    in_graphics = isinstance(parent, Element) and parent.tagName == "graphics"
    code = "graphics_channel_untyped" if in_graphics and kind == "" else "channel_type_unsupported"
    if _enum(code, "ChannelDef.ChannelType", CHANNEL_TYPE, kind) == "SPICEVMC":
        return
    if not j.is_blank(state):
        _enum("channel_state_unknown", "ChannelDef.ChannelState", CHANNEL_STATE, state)


def _rng(rng: Element, guarded: bool) -> None:
    backend_model = j.attr_of_first(rng, "backend", "model")
    try:
        j.tag_value(rng, "backend", guarded)
    except j.EmptyElement as exc:
        raise _drop("rng_backend_empty", exc) from None
    rate_bytes = j.attr_of_first(rng, "rate", "bytes")
    period = j.attr_of_first(rng, "rate", "period")
    if not j.is_empty(backend_model):  # RngBackendModel.valueOf is the first constructor argument
        _enum("rng_backend_model_unsupported", "RngDef.RngBackendModel", RNG_BACKEND, backend_model)
    try:
        j.parse_int("0" if rate_bytes is None else rate_bytes)
        j.parse_int("0" if period is None else period)
    except j.NumberFormat as exc:
        raise _drop("rng_rate_incomplete", exc) from None


def _watchdog(watchdog: Element, version: str) -> None:
    action = watchdog.getAttribute("action")
    model = watchdog.getAttribute("model")
    if j.is_empty(model):
        return
    models = {"I6300ESB", "IB700", "DIAG288"}
    if version in AGENT_FEATURES["watchdog_itco"]:
        models.add("ITCO")
    if version in AGENT_FEATURES["watchdog_none"]:
        models.add("NONE")
    if not j.is_empty(action):  # new WatchDogDef(WatchDogAction.valueOf(...), WatchDogModel.valueOf(...))
        _enum("watchdog_action_unsupported", "WatchDogDef.WatchDogAction", WATCHDOG_ACTION, action)
    _enum("watchdog_model_unsupported", "WatchDogDef.WatchDogModel", frozenset(models), model)


# --- cpu, boot ---------------------------------------------------------------------------------------
def _cputune(root: Element, guarded: bool) -> int | None:
    """extractCpuTuneDef: shares, quota and period must be ints when present and not blank."""
    cputune = j.first_by_tag(root, "cputune")
    if cputune is None:
        return None
    shares = 0
    for name in ("shares", "quota", "period"):
        try:
            value = j.tag_value(cputune, name, guarded)
        except j.EmptyElement as exc:
            raise _drop("cputune_value_empty", exc) from None
        if not j.is_blank(value):
            try:
                parsed = j.parse_int(value)
            except j.NumberFormat as exc:
                raise _drop("cputune_value_invalid", exc) from None
            if name == "shares":
                shares = parsed
    return shares


def _cpu(root: Element, version: str, guarded: bool) -> int | None:
    """extractCpuModeDef: cores per socket from the first <topology> of the first <cpu>, else -1."""
    cpu = j.first_by_tag(root, "cpu")
    if cpu is None:
        return None
    try:
        j.tag_value(cpu, "model", guarded)
    except j.EmptyElement as exc:
        raise _drop("cpu_model_empty_element", exc) from None
    sockets = j.attr_of_first(cpu, "topology", "sockets")
    cores = j.attr_of_first(cpu, "topology", "cores")
    threads = j.attr_of_first(cpu, "topology", "threads")
    needed = [sockets, cores]
    if version in AGENT_FEATURES["topology_needs_threads"]:
        needed.append(threads)
    if any(j.is_blank(v) for v in needed):
        return -1
    try:
        # setTopology(parseInt(cores), [parseInt(threads),] parseInt(sockets)): cores is parsed first
        per_socket = j.parse_int(cores)
        for value in needed[2:] + [sockets]:
            j.parse_int(value)
    except j.NumberFormat as exc:
        raise _drop("cpu_topology_value_invalid", exc) from None
    return per_socket


def boot(root: Element) -> tuple[str, str]:
    """extractBootDef (4.20.2, 4.22): UEFI when the first <loader> of the first <os> is pflash or names uefi."""
    os_el = j.first_by_tag(root, "os")
    loader = j.first_by_tag(os_el, "loader")
    if loader is None:
        return "BIOS", "LEGACY"
    uefi = j.equals_ignore_case(loader.getAttribute("type"), "pflash") or "uefi" in j.text_content(loader).lower()
    secure = j.equals_ignore_case(loader.getAttribute("secure"), "yes")
    return ("UEFI" if uefi else "BIOS"), ("SECURE" if secure else "LEGACY")
