# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""The shape of a rule, and of a finding (a rule that holds for one VM).

A ``Rule`` is data: a stable code, its kind, the CloudStack versions it holds for, the Java
source it mirrors (file and ``Class.method``), what CloudStack logs or returns, and what the
operator does about it. Rules are defined in ``agent_*``, ``import_*`` and ``unmanage_rules``
and collected in ``registry``; check functions return ``Finding``s, which carry the rule and
what in this VM tripped it, and render as ``Problem``s (code, field, message, fix, subject).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ansible_collections.acs.ingest.plugins.module_utils._core.problems import Problem
from ansible_collections.acs.ingest.plugins.module_utils._rules.versions import ALL, Version, Versions, label

# --- kinds ----------------------------------------------------------------------------------------
AGENT_DROP = "agent_drop"  # the KVM agent leaves the domain out of a listing
AGENT_FIELD = "agent_field"  # how the agent derives a listed field (the domain is listed)
SERVER_REJECTION = "server_rejection"  # the management server refuses an import (or a listing call)
UNMANAGE_PRECONDITION = "unmanage_precondition"  # unmanageVirtualMachine refuses
WARNING = "warning"  # CloudStack accepts, but silently does something the operator should know
KINDS = (AGENT_DROP, AGENT_FIELD, SERVER_REJECTION, UNMANAGE_PRECONDITION, WARNING)

# --- what a rule applies to ---------------------------------------------------------------------
LIST_UNMANAGED = "listUnmanagedInstances"
LIST_REMOTE = "listVmsForImport"
IMPORT_UNMANAGED = "importUnmanagedInstance"
IMPORT_EXTERNAL = "importVm:external"
IMPORT_LOCAL = "importVm:local"
IMPORT_SHARED = "importVm:shared"
UNMANAGE = "unmanageVirtualMachine"
CREATE_NETWORK = "createNetwork"  # the networks the import needs (guest_network, _rules/network_create)
ADD_NIC = "addNicToVirtualMachine"  # post-import fix-ups (post_import, _rules/post_import)
ADD_IP = "addIpToNic"
APIS = (
    LIST_UNMANAGED,
    LIST_REMOTE,
    IMPORT_UNMANAGED,
    IMPORT_EXTERNAL,
    IMPORT_LOCAL,
    IMPORT_SHARED,
    UNMANAGE,
    CREATE_NETWORK,
    ADD_NIC,
    ADD_IP,
)
LISTINGS = (LIST_UNMANAGED, LIST_REMOTE)
IMPORT_VM = (IMPORT_EXTERNAL, IMPORT_LOCAL, IMPORT_SHARED)

# --- CloudStack source files the rules cite (paths inside apache/cloudstack) -----------------------
_KVM = "plugins/hypervisors/kvm/src/main/java/"
PARSER = _KVM + "com/cloud/hypervisor/kvm/resource/LibvirtDomainXMLParser.java"
VMDEF = _KVM + "com/cloud/hypervisor/kvm/resource/LibvirtVMDef.java"
COMPUTING = _KVM + "com/cloud/hypervisor/kvm/resource/LibvirtComputingResource.java"
UNMANAGED_WRAPPER = _KVM + "com/cloud/hypervisor/kvm/resource/wrapper/LibvirtGetUnmanagedInstancesCommandWrapper.java"
REMOTE_WRAPPER = _KVM + "com/cloud/hypervisor/kvm/resource/wrapper/LibvirtGetRemoteVmsCommandWrapper.java"
CHECK_VOLUME_WRAPPER = _KVM + "com/cloud/hypervisor/kvm/resource/wrapper/LibvirtCheckVolumeCommandWrapper.java"
COPY_REMOTE_WRAPPER = _KVM + "com/cloud/hypervisor/kvm/resource/wrapper/LibvirtCopyRemoteVolumeCommandWrapper.java"
QEMU_OBJECT = _KVM + "org/apache/cloudstack/utils/qemu/QemuObject.java"
MANAGER = "server/src/main/java/org/apache/cloudstack/vm/UnmanagedVMsManagerImpl.java"
USER_VM_MANAGER = "server/src/main/java/com/cloud/vm/UserVmManagerImpl.java"
VM_MANAGER = "engine/orchestration/src/main/java/com/cloud/vm/VirtualMachineManagerImpl.java"
NETWORK_ORCHESTRATOR = (
    "engine/orchestration/src/main/java/org/apache/cloudstack/engine/orchestration/NetworkOrchestrator.java"
)
NETWORK_MODEL = "server/src/main/java/com/cloud/network/NetworkModelImpl.java"
NET_UTILS = "utils/src/main/java/com/cloud/utils/net/NetUtils.java"
HOST_VO = "engine/schema/src/main/java/com/cloud/host/HostVO.java"
VOLUME_API = "server/src/main/java/com/cloud/storage/VolumeApiServiceImpl.java"
ACCOUNT_MANAGER = "server/src/main/java/com/cloud/user/AccountManagerImpl.java"
IMPORT_CMD = "api/src/main/java/org/apache/cloudstack/api/command/admin/vm/ImportUnmanagedInstanceCmd.java"
VM_INSTANCE_DAO = "engine/schema/src/main/java/com/cloud/vm/dao/VMInstanceDaoImpl.java"


@dataclass(frozen=True)
class Source:
    """Where CloudStack does it: a file of apache/cloudstack and ``Class.method``."""

    path: str
    method: str

    @property
    def file(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    def text(self) -> str:
        return f"{self.file} {self.method}"


@dataclass(frozen=True)
class Rule:
    code: str
    kind: str
    title: str  # one line: what happens, in CloudStack's terms
    apis: tuple[str, ...]
    sources: tuple[Source, ...]
    cloudstack_text: str  # what CloudStack logs or returns ("" when it says nothing)
    fix: str
    versions: Versions = ALL
    # Version-specific wording of cloudstack_text, first match wins.
    texts: tuple[tuple[Versions, str], ...] = ()
    note: str = ""  # how the versions differ, or what the check cannot see

    def applies(self, version: Version) -> bool:
        return version in self.versions

    def text_for(self, version: Version | None) -> str:
        if version is not None:
            for versions, text in self.texts:
                if version in versions:
                    return text
        return self.cloudstack_text


@dataclass(frozen=True)
class Finding:
    """A rule that holds for one VM: which device or option, what exactly, and for which version.

    It has the attributes of ``_core.problems.Problem`` (code, field, message, fix, subject) and
    converts to one with ``as_problem``.
    """

    rule: Rule
    field: str
    detail: str  # what in this VM trips the rule, e.g. "NIC 0 (52:54:00:..) has model 'e1000e'"
    subject: str = ""  # the VM
    version: Version | None = None
    specific_fix: str = ""
    extra: dict[str, object] = dataclasses.field(default_factory=dict, compare=False)

    @property
    def code(self) -> str:
        return self.rule.code

    @property
    def kind(self) -> str:
        return self.rule.kind

    @property
    def fix(self) -> str:
        return self.specific_fix or self.rule.fix

    @property
    def message(self) -> str:
        api = self.extra.get("api")
        value = self.extra.get("value")
        text = self.extra.get("text")
        said = consequence(
            self.rule, self.version, api=str(api) if api else None, value=value, text=str(text) if text else None
        )
        return f"{self.detail.rstrip('.')}; {said}"

    @property
    def blocks(self) -> bool:
        """True when the import (or unmanage) cannot succeed while this holds."""
        return self.rule.kind in (AGENT_DROP, SERVER_REJECTION, UNMANAGE_PRECONDITION)

    def as_problem(self) -> Problem:
        return Problem(self.code, self.field, self.message, self.fix, self.subject or None)

    def line(self) -> str:
        """The finding as its Problem renders (``<subject>: <field>: <message>. Fix: <fix>``): one renderer."""
        return self.as_problem().line()


def _at(version: Version | None) -> str:
    return f" {label(version)}" if version is not None else ""


def consequence(
    rule: Rule, version: Version | None, *, api: str | None = None, value: object = None, text: str | None = None
) -> str:
    """What CloudStack does about it, as the second half of a finding's message.

    ``api`` narrows the message to the listing or API being judged; ``value`` fills the ``%s`` of
    CloudStack's text (an enum lookup names the upper-cased value, a number parse the input);
    ``text`` replaces the rule's text where this case logs something else.
    """
    text = text or rule.text_for(version)
    if value is not None and "%s" in text:
        text = text.replace("%s", str(value), 1)
    text = text.replace("%s", "…")  # the parts CloudStack fills in that this finding does not know
    said = f" ('{text}')" if text else ""
    if rule.kind == AGENT_DROP:
        listings = api or " and ".join(a for a in rule.apis if a in LISTINGS) or "its listings"
        return f"CloudStack's KVM agent{_at(version)} leaves the domain out of {listings}{said}"
    if rule.kind in (SERVER_REJECTION, UNMANAGE_PRECONDITION):
        apis = api or "/".join(dict.fromkeys(a.split(":")[0] for a in rule.apis))
        return f"{apis} on CloudStack{_at(version)} fails{said}"
    return f"{rule.title}{said}" if rule.title else said.strip()


def find(rule: Rule, field_name: str, detail: str, version: Version | None, **kwargs: object) -> Finding:
    """A finding of ``rule`` (shorthand used by the check functions)."""
    subject = str(kwargs.pop("subject", ""))
    fix = str(kwargs.pop("fix", ""))
    return Finding(rule, field_name, detail, subject=subject, version=version, specific_fix=fix, extra=dict(kwargs))
