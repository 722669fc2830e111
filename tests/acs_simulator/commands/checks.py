"""Import checks shared by importUnmanagedInstance and importVm: owner, caller, template, hostname, maps.

Source: ``server/src/main/java/org/apache/cloudstack/vm/UnmanagedVMsManagerImpl.java`` (4.19.0–4.22.0) unless
a function names another file. Codes follow ``ApiAsyncJobDispatcher.runJob``: InvalidParameterValueException
→ 431, ServerApiException → its own code (530 here), anything else (PermissionDenied, CloudRuntime,
NumberFormat, ...) → 530. Errors before the job is queued are synchronous (``getEntityOwnerId``).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import re
from typing import TYPE_CHECKING, Any

from ..errors import ApiError, invalid_value, runtime_error
from ..params import Parsed

if TYPE_CHECKING:
    from ..sim import Simulator

DUMMY_ISO = "system-default-vm-import-dummy-template.iso"  # VM_IMPORT_DEFAULT_TEMPLATE_NAME
DUMMY_KVM = "kvm-default-vm-import-dummy-template"  # KVM_VM_IMPORT_DEFAULT_TEMPLATE_NAME
_LABEL = re.compile(r"[a-zA-Z0-9-]+")  # NetUtils.HOSTNAME_PATTERN
_LABEL_OLD = re.compile(r"[a-z0-9-]*")


def now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S%z")


# --- how CloudStack prints its objects in messages (toString of the VO classes) ----------------------------
def _json(**fields: Any) -> str:
    """commons-lang ToStringStyle.JSON_STYLE as ReflectionToStringBuilderUtils uses it."""
    return "{" + ",".join(f'"{k}":{json.dumps(v)}' for k, v in fields.items()) + "}"


def network_str(net: dict[str, Any]) -> str:
    """NetworkVO.toString (4.19–4.22)."""
    return f'Network {{"id": {net["_seq"]}, "name": "{net["name"]}", "uuid": "{net["id"]}", "networkofferingid": 1}}'


def cluster_str(cluster: dict[str, Any]) -> str:
    """ClusterVO.toString (4.19–4.22)."""
    return f'Cluster {{id: "{cluster["_seq"]}", name: "{cluster["name"]}", uuid: "{cluster["id"]}"}}'


def vm_str(vm: dict[str, Any], sim: Simulator) -> str:
    """VMInstanceVO.toString: 4.21 added the state."""
    fields: dict[str, Any] = {"id": vm["_seq"], "instanceName": vm["instancename"], "uuid": vm["id"], "type": "User"}
    if sim.version in ("4.21.0", "4.22.0"):  # 4.21 added the state
        fields["state"] = vm["state"]
    return "VM instance " + _json(**fields)


def offering_str(offering: dict[str, Any]) -> str:
    """ServiceOfferingVO.toString."""
    return "Service offering " + _json(id=offering["_seq"], name=offering["name"], uuid=offering["id"]) + "."


def instance_str(inst: dict[str, Any], host: dict[str, Any] | None, sim: Simulator) -> str:
    """What importVirtualMachineInternal prints for the instance: the name before 4.20.2/4.21, else the TO."""
    if not sim.has("object_strings"):
        return str(inst["name"])
    host_name = host["name"] if host else None
    return "UnmanagedInstanceTO " + _json(name=inst["name"], internalCSName=None, hostName=host_name, clusterName=None)


# --- hostnames --------------------------------------------------------------------------------------------
def valid_label(sim: Simulator, name: str) -> bool:
    """NetUtils.verifyDomainNameLabel(name, true); before 4.19.2/4.20.1 it lower-cased first (default locale)."""
    if not 1 <= len(name) <= 63:
        return False
    if sim.has("hostname_ascii_regex"):
        if not _LABEL.fullmatch(name):
            return False
    elif not _LABEL_OLD.fullmatch(name.lower()):
        return False
    if name.startswith("-") or name.endswith("-"):
        return False
    return not re.match(r"[0-9-]", name)


INVALID_HOSTNAME = (
    "Invalid VM hostname. VM hostname can contain ASCII letters 'a' through 'z', the digits '0' "
    "through '9', and the hyphen ('-'), must be between 1 and 63 characters long, and can't start "
    'or end with "-" and can\'t start with digit'
)


def hostname_for(sim: Simulator, p: Parsed, default: str, external: bool) -> str:
    """getHostNameForImportInstance (importUnmanagedInstance: default displayname) / importKvmInstance (name)."""
    hostname = p.get("hostname")
    if not hostname:
        hostname = default
        if not valid_label(sim, hostname):
            if external:
                raise invalid_value(
                    "Please provide hostname for the VM. VM name contains unsupported characters "
                    "for it to be used as hostname"
                )
            raise invalid_value(
                "Please provide a valid hostname for the VM. VM name contains unsupported characters "
                "that cannot be used as hostname."
            )
    if not valid_label(sim, hostname):
        raise invalid_value(INVALID_HOSTNAME)
    return str(hostname)


# --- caller, owner, basics --------------------------------------------------------------------------------
def basic(p: Parsed) -> None:
    """basicParametersCheckForImportInstance (and the same lines of importKvmInstance)."""
    if not p.get("name"):
        raise invalid_value("Instance name cannot be empty")
    if p.get("domainid") and not p.get("account"):
        raise invalid_value("domainid parameter must be specified with account parameter")


def owner_for(sim: Simulator, caller: dict[str, Any], p: Parsed) -> dict[str, Any]:
    """ImportUnmanagedInstanceCmd.getEntityOwnerId → AccountManagerImpl.finalyzeAccountId (synchronous).

    account wins over projectid; a disabled account or an inactive project is PermissionDenied → 531.
    """
    if p.get("account"):
        if not p.get("domainid"):
            raise invalid_value("Account must be specified with domainId parameter")
        acct = next(
            (
                a
                for a in sim.store.find("account", name=p.get("account"), domainid=p.get("domainid"))
                if not a.get("removed") and a.get("accounttype") != 5  # Account.Type.PROJECT
            ),
            None,
        )
        if acct is None:
            raise invalid_value(f"Unable to find account by name {p.get('account')} in domain with specified id")
        state = acct.get("state", "enabled")
        if state != "enabled":
            who = (
                f"id={acct['_seq']}"
                if sim.version < "4.21"
                else f'[{{"uuid":"{acct["id"]}","accountName":"{acct["name"]}"}}]'
            )
            raise ApiError(
                531, f"Can't add resources to the account {who} in state={state} as it's no longer active", 4365
            )
        return acct
    if p.get("projectid"):
        project = p.entities["projectid"]
        if project.get("state", "Active") != "Active":
            raise ApiError(
                531,
                "Can't add resources to the project with specified projectId in state="
                f"{project['state']} as it's no longer active",
                4365,
            )
        acct = sim.store.get("account", project["projectaccountid"])
        assert acct is not None
        return acct
    acct = sim.store.get("account", caller["accountid"])
    assert acct is not None
    return acct


def is_root_admin(account: dict[str, Any]) -> bool:
    return account.get("accounttype") == 1


def check_offering_access(sim: Simulator, owner: dict[str, Any], offering: dict[str, Any], zone_id: str) -> None:
    """AccountManagerImpl.checkAccess(owner, offering, zone) → DomainChecker: domain and zone restrictions."""
    zones = [z for z in (offering.get("zoneid") or "").split(",") if z]
    domains = [d for d in (offering.get("domainid") or "").split(",") if d]
    denied = zones and zone_id not in zones
    if domains and not is_root_admin(owner):
        denied = denied or not any(_domain_within(sim, owner["domainid"], d) for d in domains)
    if denied:
        # PermissionDeniedException inside the job → 530
        raise runtime_error(f"There's no way to confirm {owner_str(owner)} has access to {offering_str(offering)}")


def owner_str(owner: dict[str, Any]) -> str:
    return "Account [" + _json(uuid=owner["id"], accountName=owner["name"], id=owner["_seq"]) + "]"


def _domain_within(sim: Simulator, domain_id: str, ancestor_id: str) -> bool:
    domain = sim.store.get("domain", domain_id)
    ancestor = sim.store.get("domain", ancestor_id)
    if domain is None or ancestor is None:
        return False
    return bool(domain["path"] == ancestor["path"] or domain["path"].startswith(ancestor["path"] + "/"))


# --- templates --------------------------------------------------------------------------------------------
def template_for(sim: Simulator, p: Parsed, kvm_dummy: bool) -> dict[str, Any]:
    """getTemplateForImportInstance: the given template, or the import dummy.

    Without templateid the .iso dummy is looked up by name (removed rows included). If there is none,
    createDefaultDummyVmImportTemplate makes one and marks it removed at once; 4.20.2/4.22 make the KVM dummy
    for KVM clusters (``kvm_dummy``), older releases the .iso one.
    """
    if p.get("templateid"):
        template = p.entities["templateid"]
        if template.get("removed"):  # GenericDaoBase.findById excludes removed rows
            raise invalid_value(f"Template ID: {template['_seq']} cannot be found")
        return template
    found = sim.store.first("template", name=DUMMY_ISO)
    if found is None:
        name = DUMMY_KVM if kvm_dummy else DUMMY_ISO
        found = sim.store.first("template", name=name) or _create_dummy(sim, name)
    return found


def kvm_dummy_template(sim: Simulator) -> dict[str, Any]:
    """importKvmInstance before 4.20.2 (and without templateid after): the KVM dummy, looked up or created."""
    return sim.store.first("template", name=DUMMY_KVM) or _create_dummy(sim, DUMMY_KVM)


def _create_dummy(sim: Simulator, name: str) -> dict[str, Any]:
    return sim.store.put(
        "template",
        {
            "name": name,
            "displaytext": name,
            "hypervisor": "KVM",
            "format": "ISO",
            "isready": True,
            "templatetype": "SYSTEM",
            "ispublic": True,
            "state": "Inactive",
            "removed": now(),  # VMTemplateDaoImpl.remove right after persisting it
        },
    )


def check_kvm_template(template: dict[str, Any]) -> None:
    """importUnmanagedInstanceFromHypervisor: the .iso dummy is refused on KVM (InvalidParameterValue, 431)."""
    if template["name"] == DUMMY_ISO:
        raise invalid_value("Template is needed and unable to use default template for hypervisor KVM")


def service_offering_for(sim: Simulator, owner: dict[str, Any], p: Parsed, zone_id: str) -> dict[str, Any]:
    """getServiceOfferingForImportInstance: a removed offering passes UUID translation but is not found."""
    offering = p.entities["serviceofferingid"]
    if offering.get("removed"):
        raise invalid_value(f"Service offering ID: {offering['_seq']} cannot be found")
    check_offering_access(sim, owner, offering, zone_id)
    return offering


# --- request maps -----------------------------------------------------------------------------------------
def first_details(p: Parsed) -> dict[str, str]:
    """ImportUnmanagedInstanceCmd.getDetails: only the first details[i] map counts."""
    maps = p.get("details") or []
    return dict(maps[0]) if maps else {}


def nic_network_map(sim: Simulator, p: Parsed) -> dict[str, dict[str, Any]]:
    """ImportUnmanagedInstanceCmd.getNicNetworkList (inside the job)."""
    out = {}
    for entry in p.get("nicnetworklist") or []:
        nic, net = entry.get("nic", ""), entry.get("network", "")
        network = sim.store.get("network", net) if net else None
        if not nic or network is None or network.get("removed"):
            raise invalid_value(f"Network ID: {net} for NIC ID: {nic} is invalid")
        out[nic] = network
    return out


def nic_ip_map(p: Parsed) -> dict[str, str]:
    """ImportUnmanagedInstanceCmd.getNicIpAddressList: exactly "auto" or a valid IPv4 address."""
    out = {}
    for entry in p.get("nicipaddresslist") or []:
        nic, ip = entry.get("nic", ""), entry.get("ip4Address", "")
        if not nic:
            raise invalid_value(f"NIC ID: '{nic}' is invalid for IP address mapping")
        if not ip:
            raise invalid_value(f"Empty address for NIC ID: {nic} is invalid")
        if ip != "auto" and not is_ipv4(ip):
            raise invalid_value(f"IP address '{ip}' for NIC ID: {nic} is invalid")
        out[nic] = ip
    return out


def is_ipv4(text: str) -> bool:
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        return False
    return True


def disk_offering_map(sim: Simulator, p: Parsed) -> dict[str, dict[str, Any]]:
    """ImportUnmanagedInstanceCmd.getDataDiskToDiskOfferingList (removed offerings do not resolve)."""
    out = {}
    for entry in p.get("datadiskofferinglist") or []:
        disk, off = entry.get("disk", ""), entry.get("diskOffering", "")
        offering = sim.store.get("diskoffering", off) if off else None
        if not disk or offering is None or offering.get("removed"):
            raise invalid_value(f"Disk offering ID: {off} for disk ID: {disk} is invalid")
        out[disk] = offering
    return out
