# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""unmanageVirtualMachine: what CloudStack refuses, and what it silently leaves behind, by version.

``UnmanagedVMsManagerImpl.unmanageVMInstance`` checks the VM, ``performUnmanageVMInstancePrechecks``
its snapshots and ISO, ``existsVMToUnmanage`` asks a host for the domain; then
``UserVmManagerImpl.unmanageUserVM`` and ``VirtualMachineManagerImpl.unmanage`` (4.22:
``persistDomainForKVM``) do the work. Every failure is a 530 in the job.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._rules.catalogue import (
    MANAGER,
    UNMANAGE,
    UNMANAGE_PRECONDITION,
    VM_MANAGER,
    WARNING,
    Finding,
    Rule,
    Source,
    find,
)
from ansible_collections.acs.ingest.plugins.module_utils._rules.versions import Version, before, since

UNMANAGE_VM = Source(MANAGER, "UnmanagedVMsManagerImpl.unmanageVMInstance")
PRECHECKS = Source(MANAGER, "UnmanagedVMsManagerImpl.performUnmanageVMInstancePrechecks")
API = (UNMANAGE,)

UNMANAGE_STATE_INVALID = Rule(
    code="unmanage_state_invalid",
    kind=UNMANAGE_PRECONDITION,
    title="only Running or Stopped VMs can be unmanaged",
    apis=API,
    sources=(UNMANAGE_VM,),
    cloudstack_text="VM with id = %s must be running or stopped to be unmanaged",
    fix="wait until the VM is Running or Stopped, or start/stop it",
)
UNMANAGE_HYPERVISOR_UNSUPPORTED = Rule(
    code="unmanage_hypervisor_unsupported",
    kind=UNMANAGE_PRECONDITION,
    title="only KVM and VMware VMs can be unmanaged",
    apis=API,
    sources=(UNMANAGE_VM,),
    cloudstack_text="Unmanage VM is currently not allowed for hypervisor %s",
    fix="none: acs.ingest unmanages KVM VMs",
)
UNMANAGE_VOLUME_SNAPSHOTS = Rule(
    code="unmanage_volume_snapshots",
    kind=UNMANAGE_PRECONDITION,
    title="a volume of the VM has a snapshot that is not Destroyed",
    apis=API,
    sources=(PRECHECKS, Source(MANAGER, "UnmanagedVMsManagerImpl.hasVolumeSnapshotsPriorToUnmanageVM")),
    cloudstack_text="Cannot unmanage VM with id = %s as there are volume snapshots for its volume(s). Please remove "
    "snapshots before unmanaging.",
    fix="delete the volume snapshots (deleteSnapshot)",
)
UNMANAGE_ISO_ATTACHED = Rule(
    code="unmanage_iso_attached",
    kind=UNMANAGE_PRECONDITION,
    title="an ISO is attached to the VM",
    apis=API,
    sources=(PRECHECKS, Source(MANAGER, "UnmanagedVMsManagerImpl.hasISOAttached")),
    cloudstack_text="Cannot unmanage VM with id = %s as there is an ISO attached. Please detach ISO before unmanaging.",
    fix="detach the ISO (detachIso)",
)
UNMANAGE_CONFIG_DRIVE = Rule(
    code="unmanage_config_drive_not_forced",
    kind=UNMANAGE_PRECONDITION,
    title="a KVM VM with a config drive needs forced",
    apis=API,
    sources=(UNMANAGE_VM,),
    cloudstack_text="Config drive is attached to Instance, use forced param true from API to unmanage it.",
    fix="set forced: true (CloudStack then removes the config drive from the domain XML)",
    versions=since((4, 22, 0)),
)
UNMANAGE_HOSTID_NOT_APPLICABLE = Rule(
    code="unmanage_hostid_not_applicable",
    kind=UNMANAGE_PRECONDITION,
    title="hostid applies only to stopped KVM VMs",
    apis=API,
    sources=(UNMANAGE_VM,),
    cloudstack_text="Param hostid is only supported for KVM hypervisor for stopped Instances.",
    fix="pass host only for a stopped VM",
    versions=since((4, 22, 0)),
)
UNMANAGE_STOPPED_NOT_ON_HYPERVISOR = Rule(
    code="unmanage_stopped_vm_not_on_hypervisor",
    kind=UNMANAGE_PRECONDITION,
    title="a stopped KVM VM has no domain on any host, and CloudStack looks for one before 4.22",
    apis=API,
    sources=(UNMANAGE_VM, Source(MANAGER, "UnmanagedVMsManagerImpl.existsVMToUnmanage")),
    cloudstack_text="VM %s is not found in the hypervisor",
    texts=((before((4, 21, 0)), "VM with id = %s is not found in the hypervisor"),),
    fix="start the VM first (the unmanage playbook then makes its domain persistent), or upgrade to 4.22",
    versions=before((4, 22, 0)),
)
UNMANAGE_SHAREDFS_VM = Rule(
    code="unmanage_sharedfs_vm",
    kind=UNMANAGE_PRECONDITION,
    title="the VM is the service VM of a Shared FileSystem",
    apis=API,
    sources=(UNMANAGE_VM,),
    cloudstack_text="Operation not supported on Shared FileSystem Instance",
    fix="manage it through the Shared FileSystem APIs",
    versions=since((4, 20, 0)),
)
UNMANAGE_PARAMS_IGNORED = Rule(
    code="unmanage_params_ignored_pre422",
    kind=WARNING,
    title="hostid and forced are not parameters before 4.22 and are ignored",
    apis=API,
    sources=(
        Source(
            "api/src/main/java/org/apache/cloudstack/api/command/admin/vm/UnmanageVMInstanceCmd.java",
            "UnmanageVMInstanceCmd.execute",
        ),
    ),
    cloudstack_text="",
    fix="do not rely on them before 4.22",
    versions=before((4, 22, 0)),
)
UNMANAGE_DOMAIN_NOT_PERSISTED = Rule(
    code="unmanage_domain_not_persisted",
    kind=WARNING,
    title="the running domain stays transient: once it shuts down its definition is gone",
    apis=API,
    sources=(Source(VM_MANAGER, "VirtualMachineManagerImpl.unmanage"),),
    cloudstack_text="",
    fix="define it persistently after unmanaging (the unmanage playbook runs persist_domain_xml)",
    versions=before((4, 22, 0)),
)
UNMANAGE_VM_SNAPSHOTS_DROPPED = Rule(
    code="unmanage_vm_snapshots_dropped",
    kind=WARNING,
    title="VM snapshots are deleted from CloudStack's database only; their data stays inside the qcow2 files",
    apis=API,
    sources=(Source(VM_MANAGER, "VirtualMachineManagerImpl.unmanageVMSnapshots"),),
    cloudstack_text="",
    fix="delete or revert VM snapshots before unmanaging if they must not linger in the images",
)
UNMANAGE_NICS_PRESERVED = Rule(
    code="unmanage_nics_preserved",
    kind=WARNING,
    title="with unmanage.vm.preserve.nics the NICs stay allocated: their MACs and IPs stay in use",
    apis=API,
    sources=(Source(VM_MANAGER, "VirtualMachineManagerImpl.unmanageVMNics"),),
    cloudstack_text="",
    fix="re-import with forced and new addresses, or keep unmanage.vm.preserve.nics false for round trips",
)

RULES = (
    UNMANAGE_STATE_INVALID,
    UNMANAGE_HYPERVISOR_UNSUPPORTED,
    UNMANAGE_VOLUME_SNAPSHOTS,
    UNMANAGE_ISO_ATTACHED,
    UNMANAGE_CONFIG_DRIVE,
    UNMANAGE_HOSTID_NOT_APPLICABLE,
    UNMANAGE_STOPPED_NOT_ON_HYPERVISOR,
    UNMANAGE_SHAREDFS_VM,
    UNMANAGE_PARAMS_IGNORED,
    UNMANAGE_DOMAIN_NOT_PERSISTED,
    UNMANAGE_VM_SNAPSHOTS_DROPPED,
    UNMANAGE_NICS_PRESERVED,
)
CONFIG_DRIVE_DETAIL = "configDriveLocation"


def unmanage_findings(
    version: Version,
    vm: Mapping[str, Any],
    *,
    hostid: str = "",
    forced: bool = False,
    volume_snapshots: Sequence[Mapping[str, Any]] = (),
    vm_snapshots: int = 0,
    sharedfs: bool = False,
    preserve_nics: bool | None = None,
) -> list[Finding]:
    """Preconditions of unmanageVirtualMachine on a ``listVirtualMachines`` entry, and what it silently does."""
    found: list[Finding] = []
    subject = str(vm.get("instancename") or vm.get("name") or "")
    state = str(vm.get("state"))
    kvm = str(vm.get("hypervisor") or "KVM").upper() == "KVM"

    def hit(rule: Rule, field: str, detail: str, **extra: Any) -> None:
        found.append(find(rule, field, detail, version, subject=subject, **extra))

    if state not in ("Running", "Stopped"):
        hit(UNMANAGE_STATE_INVALID, "state", f"the VM is {state}", value=vm.get("id"))
    if str(vm.get("hypervisor") or "KVM").upper() not in ("KVM", "VMWARE"):
        hit(UNMANAGE_HYPERVISOR_UNSUPPORTED, "id", f"the VM runs on {vm.get('hypervisor')}", value=vm.get("hypervisor"))
    if version >= (4, 22, 0):
        if hostid and (not kvm or state != "Stopped"):
            hit(UNMANAGE_HOSTID_NOT_APPLICABLE, "host", f"host is given and the VM is {state}")
        raw_details = vm.get("details")
        details: Mapping[str, Any] = raw_details if isinstance(raw_details, Mapping) else {}
        if kvm and not forced and details.get(CONFIG_DRIVE_DETAIL):
            hit(UNMANAGE_CONFIG_DRIVE, "forced", "a config drive is attached")
    elif hostid or forced:
        hit(UNMANAGE_PARAMS_IGNORED, "host" if hostid else "forced", "host or forced is given")
    if sharedfs and UNMANAGE_SHAREDFS_VM.applies(version):
        hit(UNMANAGE_SHAREDFS_VM, "id", "the VM serves a Shared FileSystem")
    if kvm and state == "Stopped" and UNMANAGE_STOPPED_NOT_ON_HYPERVISOR.applies(version):
        detail = "the KVM VM is Stopped, so its domain exists on no host (and CloudStack defines it nowhere)"
        hit(UNMANAGE_STOPPED_NOT_ON_HYPERVISOR, "state", detail, value=vm.get("id"))
    live = [s for s in volume_snapshots if str(s.get("state", "")).lower() not in ("destroyed",)]
    if live:
        names = ", ".join(str(s.get("name") or s.get("id")) for s in live[:5])
        hit(
            UNMANAGE_VOLUME_SNAPSHOTS,
            "snapshots",
            f"the volumes have {len(live)} snapshot(s): {names}",
            value=vm.get("id"),
        )
    if vm.get("isoid"):
        hit(UNMANAGE_ISO_ATTACHED, "iso", f"ISO {vm.get('isoname') or vm.get('isoid')} is attached", value=vm.get("id"))
    if kvm and state == "Running" and UNMANAGE_DOMAIN_NOT_PERSISTED.applies(version):
        hit(UNMANAGE_DOMAIN_NOT_PERSISTED, "state", "the VM is Running")
    if vm_snapshots:
        hit(UNMANAGE_VM_SNAPSHOTS_DROPPED, "snapshots", f"the VM has {vm_snapshots} VM snapshot(s)")
    if preserve_nics:
        hit(UNMANAGE_NICS_PRESERVED, "nic", "unmanage.vm.preserve.nics is true in the VM's zone")
    return found
