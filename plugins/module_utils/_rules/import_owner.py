# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""Server rules about who owns the imported VM, its template and the target cluster.

The owner is resolved before the job exists (``AccountManagerImpl.finalyzeAccountId`` from
``ApiServer.queueCommand``: a synchronous 431/531); the template and cluster checks run in the job
(``UnmanagedVMsManagerImpl.baseImportInstance`` and ``importKvmInstance``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._rules.catalogue import (
    ACCOUNT_MANAGER,
    IMPORT_EXTERNAL,
    IMPORT_UNMANAGED,
    IMPORT_VM,
    MANAGER,
    SERVER_REJECTION,
    USER_VM_MANAGER,
    WARNING,
    Finding,
    Rule,
    Source,
    find,
)
from ansible_collections.acs.ingest.plugins.module_utils._rules.versions import (
    FIXED_IN_19_2_AND_20_1,
    IN_20_2_AND_22,
    Version,
    before,
    spans,
)

IMPORTS = (IMPORT_UNMANAGED, *IMPORT_VM)
FINALYZE = Source(ACCOUNT_MANAGER, "AccountManagerImpl.finalyzeAccountId")
GIB = 1024**3

ACCOUNT_WITHOUT_DOMAIN = Rule(
    code="account_without_domain",
    kind=SERVER_REJECTION,
    title="account is given without domainid",
    apis=IMPORTS,
    sources=(FINALYZE,),
    cloudstack_text="Account must be specified with domainId parameter",
    fix="give domain together with account, or neither",
)
DOMAIN_WITHOUT_ACCOUNT = Rule(
    code="domain_without_account",
    kind=SERVER_REJECTION,
    title="domainid is given without account",
    apis=IMPORTS,
    sources=(
        Source(MANAGER, "UnmanagedVMsManagerImpl.basicParametersCheckForImportInstance"),
        Source(MANAGER, "UnmanagedVMsManagerImpl.importKvmInstance"),
    ),
    cloudstack_text="domainid parameter must be specified with account parameter",
    fix="give account together with domain, or neither",
)
ACCOUNT_OVERRIDES_PROJECT = Rule(
    code="account_overrides_project",
    kind=WARNING,
    title="with account and projectid both given, the VM goes to the account and projectid is ignored",
    apis=IMPORTS,
    sources=(FINALYZE,),
    cloudstack_text="",
    fix="give either account and domain, or project",
)
# AccountManagerImpl.finalyzeAccountId: getActiveAccountByName finds no account of that name in that domain
# (or finds a project's own account), all releases
OWNER_ACCOUNT_NOT_FOUND = Rule(
    code="owner_account_not_found",
    kind=SERVER_REJECTION,
    title="no account of that name in that domain",
    apis=IMPORTS,
    sources=(FINALYZE,),
    cloudstack_text="Unable to find account by name %s in domain with specified id",
    fix="name an existing account of that domain (listAccounts domainid=<domain id>), or give a project instead",
)
OWNER_ACCOUNT_INACTIVE = Rule(
    code="owner_account_inactive",
    kind=SERVER_REJECTION,
    title="the owner account is not enabled",
    apis=IMPORTS,
    sources=(FINALYZE,),
    cloudstack_text="Can't add resources to the account %s in state=%s as it's no longer active",
    texts=((before((4, 21, 0)), "Can't add resources to the account id=%s in state=%s as it's no longer active"),),
    fix="enable the account (enableAccount) or import for another one",
)
PROJECT_INACTIVE = Rule(
    code="project_inactive",
    kind=SERVER_REJECTION,
    title="the owner project is not Active",
    apis=IMPORTS,
    sources=(FINALYZE,),
    cloudstack_text="Can't add resources to the project with specified projectId in state=%s as it's no longer active",
    fix="activate the project or import for another owner",
)
TEMPLATE_REQUIRED_KVM = Rule(
    code="template_required_kvm",
    kind=SERVER_REJECTION,
    title="a KVM import without templateid cannot use CloudStack's default import template",
    apis=(IMPORT_UNMANAGED,),
    sources=(
        Source(MANAGER, "UnmanagedVMsManagerImpl.importUnmanagedInstanceFromHypervisor"),
        Source(MANAGER, "UnmanagedVMsManagerImpl.getTemplateForImportInstance"),
        Source(USER_VM_MANAGER, "UserVmManagerImpl.commitUserVm"),
    ),
    cloudstack_text="Template is needed and unable to use default template for hypervisor KVM",
    fix="always give a KVM template (a small one: its size must not exceed the root disk)",
    note="4.20.2 and 4.22 create a KVM dummy template marked removed when the .iso dummy row does not exist, "
    "and then fail with 'Unable to look up template by id %d' (by reading the code).",
)
ROOT_DISK_SMALLER_THAN_TEMPLATE = Rule(
    code="root_disk_smaller_than_template",
    kind=SERVER_REJECTION,
    title="the root disk (rounded up to GiB, sent as rootdisksize) is smaller than the template",
    apis=(IMPORT_UNMANAGED,),
    sources=(
        Source(MANAGER, "UnmanagedVMsManagerImpl.importVirtualMachineInternal"),
        Source(USER_VM_MANAGER, "UserVmManagerImpl.validateRootDiskResize"),
    ),
    cloudstack_text="Unsupported: rootdisksize override (%s GB) is smaller than template size %s",
    fix="use a template no larger than the VM's root disk (a small 'import' template)",
)
EXTERNAL_TEMPLATE_IGNORED = Rule(
    code="external_template_ignored",
    kind=WARNING,
    title="importVm ignores templateid and records CloudStack's KVM dummy template",
    apis=IMPORT_VM,
    sources=(Source(MANAGER, "UnmanagedVMsManagerImpl.importKvmInstance"),),
    cloudstack_text="",
    fix="set the VM's template or OS type afterwards if it matters, or use CloudStack 4.20.2/4.22",
    versions=spans(((0, 0, 0), (4, 20, 2)), ((4, 21, 0), (4, 22, 0))),
    note="templateid is honoured from 4.20.2 and in 4.22 (a18b5514e6).",
)
CLUSTER_NOT_ENABLED = Rule(
    code="cluster_not_enabled",
    kind=SERVER_REJECTION,
    title="the target cluster's allocation state is not Enabled",
    apis=(IMPORT_UNMANAGED,),
    sources=(Source(MANAGER, "UnmanagedVMsManagerImpl.baseImportInstance"),),
    cloudstack_text="Cluster [%s] is not enabled.",
    fix="enable the cluster (updateCluster allocationstate=Enabled) or import into another",
    versions=FIXED_IN_19_2_AND_20_1,
    note="From 4.19.2, 4.20.1, 4.21.0 (37eec06166); older servers import into a disabled cluster.",
)
EXTERNAL_USERNAME_MISSING = Rule(
    code="external_username_missing",
    kind=SERVER_REJECTION,
    title="importVm from an external host needs the SSH username (and password) of that host",
    apis=(IMPORT_EXTERNAL,),
    sources=(Source(MANAGER, "UnmanagedVMsManagerImpl.importKvmInstance"),),
    cloudstack_text="Username need to be provided.",
    fix="give username and password of an SSH account on the external host",
)
REMOTE_USERNAME_REQUIRED = Rule(
    code="remote_username_required",
    kind=SERVER_REJECTION,
    title="listVmsForImport on 4.19.0 refuses to list without a username",
    apis=("listVmsForImport",),
    sources=(Source(MANAGER, "UnmanagedVMsManagerImpl.listVmsForImport"),),
    cloudstack_text="Username need to be provided.",
    fix="give any username (it is not used for listing)",
    versions=before((4, 19, 1)),
)
EXTERNAL_NO_KVM_HOST = Rule(
    code="external_no_kvm_host_in_zone",
    kind=SERVER_REJECTION,
    title="importVm/listVmsForImport need an Up and Enabled KVM host in the zone to reach the external host",
    apis=(IMPORT_EXTERNAL, "listVmsForImport"),
    sources=(Source(MANAGER, "UnmanagedVMsManagerImpl.getRemoteVmsOnKVMHost"),),
    cloudstack_text="No hosts available to list VMs on remote host %s",
    texts=((before((4, 19, 1)), "No hosts available for Vm Import"),),
    fix="bring a KVM host of the zone Up and Enabled",
)

UEFI_NOT_PRESERVED = Rule(
    code="uefi_not_preserved",
    kind=WARNING,
    title="CloudStack records the UEFI VM as BIOS, so its next start by CloudStack may not boot",
    apis=IMPORTS,
    sources=(
        Source(MANAGER, "UnmanagedVMsManagerImpl.addImportingVMBootTypeAndModeDetails"),
        Source(MANAGER, "UnmanagedVMsManagerImpl.importExternalKvmVirtualMachine"),
    ),
    cloudstack_text="",
    fix="pass details UEFI=LEGACY (or SECURE) with the import",
    note="importUnmanagedInstance keeps UEFI only with a 4.20.2+/4.21+ server and a 4.20.2/4.22 agent; importVm never.",
)

RULES = (
    ACCOUNT_WITHOUT_DOMAIN,
    DOMAIN_WITHOUT_ACCOUNT,
    ACCOUNT_OVERRIDES_PROJECT,
    OWNER_ACCOUNT_NOT_FOUND,
    OWNER_ACCOUNT_INACTIVE,
    PROJECT_INACTIVE,
    TEMPLATE_REQUIRED_KVM,
    ROOT_DISK_SMALLER_THAN_TEMPLATE,
    EXTERNAL_TEMPLATE_IGNORED,
    CLUSTER_NOT_ENABLED,
    EXTERNAL_USERNAME_MISSING,
    REMOTE_USERNAME_REQUIRED,
    EXTERNAL_NO_KVM_HOST,
    UEFI_NOT_PRESERVED,
)


def owner_findings(
    version: Version,
    *,
    account: str = "",
    domainid: str = "",
    projectid: str = "",
    account_row: Mapping[str, Any] | None = None,
    project_row: Mapping[str, Any] | None = None,
    subject: str = "",
) -> list[Finding]:
    """Owner parameters and state, as finalyzeAccountId and basicParametersCheckForImportInstance see them.

    ``account_row`` / ``project_row``: None when not looked up (the state is then not judged); an account
    row without an id stands for an account that was looked up and not found.
    """
    found: list[Finding] = []
    if account and not domainid:
        found.append(
            find(ACCOUNT_WITHOUT_DOMAIN, "domain", f"account '{account}' has no domain", version, subject=subject)
        )
    if domainid and not account:
        found.append(
            find(DOMAIN_WITHOUT_ACCOUNT, "account", f"domain {domainid} has no account", version, subject=subject)
        )
    if account and projectid:
        found.append(
            find(
                ACCOUNT_OVERRIDES_PROJECT,
                "project",
                f"account '{account}' and project {projectid}",
                version,
                subject=subject,
            )
        )
    if account_row is not None and not account_row.get("id"):  # looked up, not found
        found.append(
            find(
                OWNER_ACCOUNT_NOT_FOUND,
                "account",
                f"no account '{account}' in domain {domainid}",
                version,
                subject=subject,
                value=account,
            )
        )
    elif account_row is not None and str(account_row.get("state", "enabled")).lower() != "enabled":
        state = account_row.get("state")
        found.append(
            find(
                OWNER_ACCOUNT_INACTIVE,
                "account",
                f"account '{account_row.get('name') or account}' is {state}",
                version,
                subject=subject,
                value=account_row.get("name") or account,
            )
        )
    # finalyzeAccountId reads the project only when no account is given
    if not account and project_row is not None and str(project_row.get("state", "Active")) != "Active":
        state = project_row.get("state")
        found.append(
            find(
                PROJECT_INACTIVE, "project", f"project '{project_row.get('name')}' is {state}", version, subject=subject
            )
        )
    return found


def template_findings(
    version: Version,
    *,
    api: str,
    templateid: str,
    template_size: int | None = None,
    root_capacity: int | None = None,
    subject: str = "",
) -> list[Finding]:
    """Template rules: required for KVM importUnmanagedInstance, size vs root disk, ignored by importVm."""
    found: list[Finding] = []
    if api == IMPORT_UNMANAGED and not templateid:
        found.append(find(TEMPLATE_REQUIRED_KVM, "template", "no template is given", version, subject=subject))
    if api == IMPORT_UNMANAGED and templateid and template_size and root_capacity and root_capacity > 0:
        # importVirtualMachineInternal sends rootdisksize = ceil(capacity / GiB); validateRootDiskResize
        # compares it in bytes with the template's size.
        root_gib = -(-root_capacity // GIB)
        if root_gib * GIB < template_size:
            found.append(
                find(
                    ROOT_DISK_SMALLER_THAN_TEMPLATE,
                    "template",
                    f"the root disk is {root_gib} GiB and the template {template_size} bytes",
                    version,
                    subject=subject,
                    value=root_gib,
                )
            )
    if api in IMPORT_VM and templateid and EXTERNAL_TEMPLATE_IGNORED.applies(version):
        found.append(
            find(EXTERNAL_TEMPLATE_IGNORED, "template", f"template {templateid} is given", version, subject=subject)
        )
    return found


def cluster_findings(version: Version, cluster: Mapping[str, Any], subject: str = "") -> list[Finding]:
    # UnmanagedVMsManagerImpl.baseImportInstance (4.19.2+, 4.20.1+, 4.21+).
    state = str(cluster.get("allocationstate") or "Enabled")
    if state != "Enabled" and CLUSTER_NOT_ENABLED.applies(version):
        name = cluster.get("name") or cluster.get("id")
        return [
            find(CLUSTER_NOT_ENABLED, "cluster", f"cluster {name} is {state}", version, subject=subject, value=name)
        ]
    return []


def external_findings(
    version: Version, *, username: str, kvm_hosts_up: int | None = None, subject: str = "", listing: bool = False
) -> list[Finding]:
    """importVm external / listVmsForImport: the SSH username, and an Up KVM host in the zone to do the work."""
    found: list[Finding] = []
    if not (username or "").strip():
        if listing and REMOTE_USERNAME_REQUIRED.applies(version):
            found.append(find(REMOTE_USERNAME_REQUIRED, "username", "no username is given", version, subject=subject))
        if not listing:
            found.append(find(EXTERNAL_USERNAME_MISSING, "username", "no username is given", version, subject=subject))
    if kvm_hosts_up == 0:
        found.append(
            find(EXTERNAL_NO_KVM_HOST, "zone", "the zone has no Up and Enabled KVM host", version, subject=subject)
        )
    return found


def boot_details_needed(version: Version, agent_version: Version, api: str) -> bool:
    """True when a UEFI VM must carry details UEFI=... because CloudStack will not record it itself.

    UnmanagedVMsManagerImpl.addImportingVMBootTypeAndModeDetails stores it from server 4.20.2 / 4.21+
    (a51a04efc2), and only when the agent reported UEFI (4.20.2 and 4.22 agents, 9349b69b7e); importVm
    never records it.
    """
    server_keeps = version >= (4, 20, 2)
    agent_reports = agent_version in IN_20_2_AND_22
    return api != IMPORT_UNMANAGED or not (server_keeps and agent_reports)


def uefi_findings(
    version: Version,
    agent_version: Version,
    *,
    api: str,
    boot_mode: str | None,
    details: Mapping[str, Any],
    subject: str = "",
) -> list[Finding]:
    """A UEFI VM (``boot_mode`` LEGACY or SECURE, None for BIOS) that CloudStack will record as BIOS."""
    if not boot_mode or "UEFI" in {str(key).upper() for key in details}:
        return []
    if not boot_details_needed(version, agent_version, api):
        return []
    detail = f"the domain boots with UEFI ({boot_mode})"
    return [
        find(UEFI_NOT_PRESERVED, "details.UEFI", detail, version, subject=subject, fix=f"pass details UEFI={boot_mode}")
    ]
