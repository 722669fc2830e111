# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""``LibvirtDomainXMLParser.parseDomainXML`` on interfaces, channels, RNGs and watchdogs (see ``agent_parse``)."""

from __future__ import annotations

from ansible_collections.acs.ingest.plugins.module_utils._rules import agent_devices as dev
from ansible_collections.acs.ingest.plugins.module_utils._rules.agent_parsed import ParsedNic, Walk
from ansible_collections.acs.ingest.plugins.module_utils._rules.dom import (
    Element,
    attr_value,
    enum_name,
    java_int,
    java_is_blank,
)
from ansible_collections.acs.ingest.plugins.module_utils._rules.versions import Version

NIC_MODELS = ("E1000", "VIRTIO", "RTL8139", "NE2KPCI", "VMXNET3")
NIC_MODEL_STRINGS = {"E1000": "e1000", "VIRTIO": "virtio", "RTL8139": "rtl8139", "NE2KPCI": "ne2k_pci"}
CHANNEL_TYPES = ("UNIX", "SERIAL", "SPICEVMC")
CHANNEL_STATES = ("DISCONNECTED", "CONNECTED")
RNG_BACKENDS = ("RANDOM", "EGD")
WATCHDOG_ACTIONS = ("RESET", "SHUTDOWN", "POWEROFF", "PAUSE", "NONE", "DUMP")  # + INJECT_NMI, unreachable
PARSED_NIC_TYPES = ("network", "bridge", "ethernet")  # compared case-insensitively


def watchdog_models(version: Version) -> tuple[str, ...]:
    """``WatchDogDef.WatchDogModel``: ITCO from 4.19.1 (672206c312), NONE from 4.20.1 (7e295ec4e1)."""
    models = ["I6300ESB", "IB700", "DIAG288"]
    if version >= (4, 19, 1):
        models.append("ITCO")
    if version >= (4, 20, 1):
        models.append("NONE")
    return tuple(models)


def parse_interface(walk: Walk, nic: Element, position: int, parsed: ParsedNic) -> ParsedNic:
    net_type = nic.attribute("type")
    mac = attr_value(nic, "mac", "address")
    where = f"NIC {position} ({mac or 'no MAC'})"
    model = attr_value(nic, "model", "type")
    bandwidth = nic.first("bandwidth")
    if bandwidth is not None:
        # Integer.valueOf on both averages of the first <bandwidth>, for every interface type.
        for direction in ("inbound", "outbound"):
            average = attr_value(bandwidth, direction, "average")
            if java_int(average) is None:
                shown = f"no <{direction}>" if average is None else f"{direction} average '{average}'"
                walk.hit(
                    dev.NIC_BANDWIDTH_INCOMPLETE,
                    f"nic[{position}].bandwidth",
                    f"{where} has {shown}",
                    value=average,
                    text="Cannot parse null string: null" if average is None else "",
                )
    if net_type.lower() in PARSED_NIC_TYPES:
        if model is None:
            walk.hit(dev.NIC_MODEL_MISSING, f"nic[{position}].model", f"{where} has no <model>")
        elif model == "":
            walk.hit(dev.NIC_MODEL_BLANK, f"nic[{position}].model", f"{where} has a <model> without type")
        elif enum_name(model, NIC_MODELS) is None:
            walk.hit(
                dev.NIC_MODEL_UNKNOWN, f"nic[{position}].model", f"{where} has model '{model}'", value=model.upper()
            )
        else:
            constant = enum_name(model, NIC_MODELS) or ""
            parsed.model = NIC_MODEL_STRINGS.get(constant, constant.lower())
        if net_type.lower() == "bridge":
            parsed.bridge = attr_value(nic, "source", "bridge")
    else:
        # vhostuser gets DPDK fields but no model; other types are not parsed at all. The wrapper's
        # getModel().toString() then throws for every one of them.
        walk.hit(
            dev.NIC_MODEL_NOT_PARSED,
            f"nic[{position}].type",
            f"{where} is of type '{net_type or 'none'}'",
            fix=f"attach {where} to a bridge (type='bridge') or a libvirt network with <model type='virtio'/>",
        )
    queues = attr_value(nic, "driver", "queues")
    if not java_is_blank(queues) and java_int(queues) is None:
        walk.hit(
            dev.NIC_DRIVER_QUEUES_INVALID,
            f"nic[{position}].driver.queues",
            f"{where} has queues '{queues}'",
            value=queues,
        )
    slot = attr_value(nic, "address", "slot")
    if slot is not None and slot.startswith("0x"):  # StringUtils.removeStart(slot, "0x")
        slot = slot[2:]
    if java_is_blank(slot):
        walk.hit(dev.NIC_PCI_SLOT_MISSING, f"nic[{position}].address", f"{where} has no PCI slot")
    elif java_int(slot, 16) is None:
        walk.hit(
            dev.NIC_PCI_SLOT_INVALID, f"nic[{position}].address.slot", f"{where} has PCI slot '{slot}'", value=slot
        )
    else:
        parsed.slot = java_int(slot, 16)
    return parsed


def parse_channels(walk: Walk, devices: Element) -> None:
    for position, channel in enumerate(devices.all("channel")):
        kind = channel.attribute("type")
        constant = enum_name(kind, CHANNEL_TYPES)
        if constant is None:
            inside_graphics = kind == "" and any(
                channel is child for graphics in devices.all("graphics") for child in graphics.all("channel")
            )
            if inside_graphics:
                walk.hit(dev.GRAPHICS_CHANNEL_UNTYPED, "graphics.channel", "<graphics> has a <channel> child")
            else:
                walk.hit(
                    dev.CHANNEL_TYPE_UNSUPPORTED,
                    f"channel[{position}].type",
                    f"<channel type='{kind}'> is present",
                    value=kind.upper(),
                )
            continue
        if constant == "SPICEVMC":
            continue
        state = attr_value(channel, "target", "state")
        if not java_is_blank(state) and enum_name(state or "", CHANNEL_STATES) is None:
            walk.hit(
                dev.CHANNEL_STATE_UNKNOWN,
                f"channel[{position}].target.state",
                f"a channel has state '{state}'",
                value=(state or "").upper(),
            )


def parse_rngs(walk: Walk, devices: Element) -> None:
    for position, rng in enumerate(devices.all("rng")):
        backend = attr_value(rng, "backend", "model")
        walk.text(rng, "backend", dev.RNG_BACKEND_EMPTY, f"rng[{position}].backend")
        if backend and enum_name(backend, RNG_BACKENDS) is None:
            walk.hit(
                dev.RNG_BACKEND_MODEL_UNSUPPORTED,
                f"rng[{position}].backend",
                f"rng backend model '{backend}'",
                value=backend.upper(),
            )
        # Integer.parseInt on rate bytes and period; a missing <rate> becomes "0", a missing attribute "".
        for name in ("bytes", "period"):
            value = attr_value(rng, "rate", name)
            if value is not None and java_int(value) is None:
                walk.hit(
                    dev.RNG_RATE_INCOMPLETE, f"rng[{position}].rate.{name}", f"rng <rate> {name}='{value}'", value=value
                )


def parse_watchdogs(walk: Walk, devices: Element) -> None:
    for position, watchdog in enumerate(devices.all("watchdog")):
        model, action = watchdog.attribute("model"), watchdog.attribute("action")
        if model == "":
            continue
        if action != "" and enum_name(action, WATCHDOG_ACTIONS) is None:
            walk.hit(
                dev.WATCHDOG_ACTION_UNSUPPORTED,
                f"watchdog[{position}].action",
                f"watchdog action '{action}'",
                value=action.upper(),
            )
        if enum_name(model, watchdog_models(walk.version)) is None:
            walk.hit(
                dev.WATCHDOG_MODEL_UNSUPPORTED,
                f"watchdog[{position}].model",
                f"watchdog model '{model}'",
                value=model.upper(),
            )
