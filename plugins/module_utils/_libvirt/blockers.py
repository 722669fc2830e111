# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""Why CloudStack could not list or import a libvirt domain, as Problems (the import blockers).

Two kinds: the agent silently drops a domain whose XML holds an enum string it cannot parse
(facts §3.6), and the server rejects an import it can see (§2.2). Each finding is a ``Problem``
whose field is the XML location to edit; ``import_result`` turns them into the documented keys.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._core.problems import Problem
from ansible_collections.acs.ingest.plugins.module_utils._libvirt.runtime import RuntimeFacts

# Enum string forms CloudStack's agent accepts (expected.json "enum_string_forms", facts §3.6).
DISK_BUSES = ("ide", "scsi", "virtio", "xen", "usb", "uml", "fdc", "sata")
DISK_FORMATS = ("raw", "qcow2")
CACHE_MODES = ("none", "writeback", "writethrough")
NETWORK_DISK_PROTOCOLS = ("rbd", "sheepdog", "gluster")
NIC_MODELS = ("e1000", "virtio", "rtl8139", "ne2k_pci", "vmxnet3")
NIC_TYPES_PARSED = ("bridge", "network", "ethernet", "vhostuser")
CHANNEL_TYPES = ("unix", "serial", "spicevmc")
WATCHDOG_ACTIONS = ("reset", "shutdown", "poweroff", "pause", "none", "dump")  # inject-nmi breaks the enum

BLOCKER, WARNING = "blocker", "warning"  # severity in ``import_problems``
UNMANAGED = "unmanaged"  # listUnmanagedInstances / importUnmanagedInstance on a cluster host
EXTERNAL = "external"  # listVmsForImport / importVm from a non-CloudStack host


def _attr(element: Any, path: str, name: str) -> str | None:
    found = element.find(path)
    return found.get(name) if found is not None else None


def import_result(blockers: list[Problem], warnings: list[Problem]) -> dict[str, Any]:
    """The documented result keys: ``import_blockers`` / ``import_warnings`` as one line each,
    ``importable``, and ``import_problems`` with every Problem's parts and its severity."""
    return {
        "importable": not blockers,
        "import_blockers": [problem.line() for problem in blockers],
        "import_warnings": [problem.line() for problem in warnings],
        "import_problems": [{**problem.as_dict(), "severity": BLOCKER} for problem in blockers]
        + [{**problem.as_dict(), "severity": WARNING} for problem in warnings],
    }


def import_problems(
    root: Any,
    instance: dict[str, Any],
    runtime: RuntimeFacts,
    target: str = UNMANAGED,
    agent_version: tuple[int, ...] | None = None,
) -> tuple[list[Problem], list[Problem]]:
    """(blockers, warnings): each a Problem naming the XML location, what is wrong and the fix."""
    blockers: list[Problem] = []
    warnings: list[Problem] = []
    devices = root.find("devices")
    if devices is None:
        blockers.append(
            Problem(
                "domain_no_devices",
                "devices",
                "the domain has no <devices> element, so CloudStack's agent fails to parse it and hides it",
                "define the domain with its disks and NICs under <devices>",
            )
        )
    for index, disk in enumerate(devices.findall("disk") if devices is not None else []):
        blockers.extend(_disk_problems(disk, index))
    if not instance["disk"]:
        blockers.append(
            Problem(
                "domain_no_disk",
                "devices/disk",
                "the domain has no disk (device='disk'); CloudStack rejects it with 'No attached disks found'",
                "attach the root disk before importing",
            )
        )
    for index, interface in enumerate(devices.findall("interface") if devices is not None else []):
        blockers.extend(_nic_problems(interface, index, warnings))
    models = sorted({n["adaptertype"] for n in instance["nic"] if n["adaptertype"]})
    if len(models) > 1:
        blockers.append(
            Problem(
                "nic_adapter_mixed",
                "interface/model@type",
                f"the NICs use different models ({', '.join(models)}); CloudStack refuses mixed adapter types",
                "give every <interface> the same <model type>",
            )
        )
    data_buses = sorted({d["controller"] for d in instance["disk"][1:] if d["controller"]})
    if len(data_buses) > 1:
        blockers.append(
            Problem(
                "disk_controller_mixed",
                "disk/target@bus",
                f"the data disks use different buses ({', '.join(data_buses)}); CloudStack refuses mixed data-disk "
                "controllers",
                "put every data disk on the same <target bus>",
            )
        )
    for channel in devices.findall("channel") if devices is not None else []:
        ctype = channel.get("type")
        if ctype not in CHANNEL_TYPES:
            blockers.append(
                Problem(
                    "channel_type_unknown",
                    "channel@type",
                    f"<channel type='{ctype}'> is not one CloudStack's agent can parse ({', '.join(CHANNEL_TYPES)}), "
                    "so it hides the domain",
                    "remove that channel or make it type='unix'",
                )
            )
    for watchdog in devices.findall("watchdog") if devices is not None else []:
        action = watchdog.get("action") or "reset"
        if action not in WATCHDOG_ACTIONS:
            blockers.append(
                Problem(
                    "watchdog_action_unknown",
                    "watchdog@action",
                    f"<watchdog action='{action}'> is not one CloudStack's agent can parse, so it hides the domain",
                    "set action='reset' (or remove the watchdog)",
                )
            )
    if root.find("cputune") is None:
        problem = Problem(
            "cputune_missing",
            "cputune/shares",
            "the domain has no <cputune>; CloudStack agents older than 4.22 read <cputune><shares> unguarded and "
            "hide such domains",
            "add <cputune><shares>N</shares></cputune> (e.g. vCPUs x MHz)",
        )
        (blockers if agent_version is not None and agent_version < (4, 22) else warnings).append(problem)
    for disk in instance["disk"]:
        if disk["backingfile"]:
            warnings.append(
                Problem(
                    "disk_backing_file",
                    f"disk[{disk['label']}]/backingStore",
                    f"disk {disk['label']} has a backing file ({disk['backingfile']}); importVm from local or shared "
                    "storage rejects volumes with a backing file",
                    "flatten it (qemu-img convert) or import in place",
                )
            )
    blockers.extend(_state_problems(instance, runtime, target))
    return blockers, warnings


def _disk_problems(disk: Any, index: int) -> list[Problem]:
    problems: list[Problem] = []
    dtype, device = disk.get("type") or "file", disk.get("device") or "disk"
    label = _attr(disk, "target", "dev") or f"#{index}"
    where = f"disk {label}"
    at = f"disk[{label}]"
    bus = _attr(disk, "target", "bus")
    if dtype == "network":
        protocol = _attr(disk, "source", "protocol")
        if protocol not in NETWORK_DISK_PROTOCOLS:
            problems.append(
                Problem(
                    "disk_protocol_unknown",
                    f"{at}/source@protocol",
                    f"{where} is a network disk with protocol '{protocol}', which CloudStack's agent cannot parse "
                    f"(only {', '.join(NETWORK_DISK_PROTOCOLS)}), so it hides the domain",
                    "copy it to a file disk",
                )
            )
    elif device == "disk" or dtype == "block":
        if bus not in DISK_BUSES:
            problems.append(
                Problem(
                    "disk_bus_unknown",
                    f"{at}/target@bus",
                    f"{where} is on bus '{bus}', which CloudStack's agent cannot parse ({', '.join(DISK_BUSES)}), "
                    "so it hides the domain",
                    "change <target bus> to virtio, scsi or sata",
                )
            )
        fmt = _attr(disk, "driver", "type")
        if dtype == "file" and device == "disk" and fmt not in DISK_FORMATS:
            problems.append(
                Problem(
                    "disk_format_unknown",
                    f"{at}/driver@type",
                    f"{where} has {f'format {fmt!r}' if fmt else 'no <driver type>'}, which CloudStack's agent "
                    "cannot parse (raw or qcow2 only), so it hides the domain",
                    "convert it with 'qemu-img convert -O qcow2' and set <driver type='qcow2'>",
                )
            )
    cache = _attr(disk, "driver", "cache")
    if cache and cache not in CACHE_MODES:
        problems.append(
            Problem(
                "disk_cache_unknown",
                f"{at}/driver@cache",
                f"{where} uses cache='{cache}', which CloudStack's agent cannot parse ({', '.join(CACHE_MODES)}), "
                "so it hides the domain",
                "set cache='none' (or remove the attribute)",
            )
        )
    return problems


def _nic_problems(interface: Any, index: int, warnings: list[Problem]) -> list[Problem]:
    problems: list[Problem] = []
    mac = _attr(interface, "mac", "address")
    where = f"NIC {index} ({mac or 'no MAC'})"
    at = f"interface[{index}]"
    model = _attr(interface, "model", "type")
    if not model:
        problems.append(
            Problem(
                "nic_model_missing",
                f"{at}/model@type",
                f"{where} has no <model>, which CloudStack's agent cannot parse, so it hides the domain",
                "add <model type='virtio'/>",
            )
        )
    elif model not in NIC_MODELS:
        problems.append(
            Problem(
                "nic_model_unknown",
                f"{at}/model@type",
                f"{where} uses model '{model}', which CloudStack's agent cannot parse ({', '.join(NIC_MODELS)}), "
                "so it hides the domain",
                "change it to <model type='virtio'/> (or e1000)",
            )
        )
    if not mac:
        problems.append(
            Problem(
                "nic_mac_missing",
                f"{at}/mac@address",
                f"{where} has no MAC address and CloudStack cannot import a NIC without one",
                "add <mac>",
            )
        )
    ntype = interface.get("type")
    if ntype not in NIC_TYPES_PARSED:
        warnings.append(
            Problem(
                "nic_type_unreported",
                f"{at}@type",
                f"{where} is of type '{ntype}', which CloudStack's agent does not report, so the import would "
                "lose this NIC",
                "attach it to a bridge (type='bridge')",
            )
        )
    return problems


def _state_problems(instance: dict[str, Any], runtime: RuntimeFacts, target: str) -> list[Problem]:
    problems: list[Problem] = []
    power = instance["powerstate"]
    if target == EXTERNAL:
        if power == "PowerOn":
            problems.append(
                Problem(
                    "domain_running",
                    "state",
                    "the domain is running; listVmsForImport lists only shut-off domains",
                    "shut it down (virsh shutdown) before importing it from an external host",
                )
            )
        return problems
    if power == "PowerOff" or (runtime.state is not None and runtime.running_vcpus is None):
        problems.append(
            Problem(
                "domain_not_running",
                "state",
                "the domain is not running, so CloudStack's agent cannot read its vCPUs (virDomainGetVcpus) and "
                "listUnmanagedInstances drops it",
                "start it (virsh start) before importing",
            )
        )
    if runtime.max_memory_kib == 0:
        problems.append(
            Problem(
                "memory_zero",
                "memory",
                "libvirt reports 0 memory; CloudStack rejects memory 0",
                "set <memory> on the domain",
            )
        )
    for disk in instance["disk"]:
        if runtime.disk_capacity and disk["label"] in runtime.disk_capacity and not disk["capacity"]:
            problems.append(
                Problem(
                    "disk_size_zero",
                    f"disk[{disk['label']}]",
                    f"disk {disk['label']} has size 0; CloudStack rejects it ('Size of disk is found invalid')",
                    "resize or remove the disk",
                )
            )
    return problems
