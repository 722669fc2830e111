# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""The fix-ups an imported VM may need, each asked for explicitly and each done once.

- ``add_nic``: a VM imported without any NIC gets one on the chosen network (``addNicToVirtualMachine``);
  a VM that has a NIC is left alone.
- secondary IPs: CloudStack imports one address per NIC (``nicipaddresslist``); the others a NIC has (the plan's
  ``nic_ips`` after the first, ``secondary_ips``, or what libvirt's guest agent reports) are added with
  ``addIpToNic``, skipping every address the NIC already has.
- restart: a running VM on a config-drive network has no config drive until CloudStack starts it, and a VM
  imported while running needs a start by CloudStack for its console. Both are reported; with ``restart`` the
  VM is stopped and started (downtime, so it is opt-in and warned about), then tagged
  ``acs.ingest.restarted`` so a rerun knows it is done (the config drive is also visible as the VM detail
  ``configDriveLocation``).

Every refusal CloudStack would answer is checked first (``_rules.post_import``), so check mode promises the
exact calls and a bad request fails before anything changed.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.client import CloudStackClient, wire_params
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.jobs import JobTicket, JobTiming, JobWindow, NoSlot
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.lookup import find_zone, is_uuid, resolve_one
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.server_version import rules_version
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.vms import find_managed_by_instance_name
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.waiter import Backoff
from ansible_collections.acs.ingest.plugins.module_utils._core.context import RunContext
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import (
    AcsIngestError,
    CloudStackApiError,
    InputError,
    JobTimeoutError,
    ProblemsError,
)
from ansible_collections.acs.ingest.plugins.module_utils._libvirt.host import domain_addresses
from ansible_collections.acs.ingest.plugins.module_utils._rules.catalogue import Finding
from ansible_collections.acs.ingest.plugins.module_utils._rules.post_import import (
    add_nic_findings,
    restart_findings,
    restart_reason,
    secondary_ip_findings,
)
from ansible_collections.acs.ingest.plugins.module_utils._rules.versions import Version

# external_vm_import tags what it imported; those VMs were shut off at the import, so CloudStack starts them
from ansible_collections.acs.ingest.plugins.module_utils._services.external_support import SOURCE_TAG

RESTART_TAG = "acs.ingest.restarted"
PENDING = "pending:"  # RESTART_TAG's value while a restart is under way
RESTART_REASONS = ("config_drive", "console")
_SPLIT = re.compile(r"[\s,]+")


def split_ips(value: Any) -> list[str]:
    """``"10.0.0.5, 10.0.0.6"``, ``["10.0.0.5"]`` or ``"auto"`` → the addresses (``auto`` is not one)."""
    items = value if isinstance(value, (list, tuple)) else _SPLIT.split(str(value or ""))
    return [str(i).strip() for i in items if str(i).strip() and str(i).strip().lower() != "auto"]


@dataclass
class PostImportRequest:
    id: str | None = None
    instance_name: str | None = None
    name: str | None = None
    zone: str | None = None
    add_nic: dict[str, Any] | None = None
    nic_ips: dict[str, Any] = field(default_factory=dict)
    secondary_ips: dict[str, Any] = field(default_factory=dict)
    guest_addresses: dict[str, list[str]] = field(default_factory=dict)  # MAC -> addresses the guest reports
    restart: bool = False
    restart_for: tuple[str, ...] = RESTART_REASONS
    imported_live: bool | None = None
    timeout: float = 600.0
    backoff: Backoff = field(default_factory=Backoff)

    @classmethod
    def from_options(
        cls, o: Mapping[str, Any], guest_addresses: dict[str, list[str]] | None = None
    ) -> PostImportRequest:
        if not (o.get("id") or o.get("instance_name") or o.get("name")):
            raise InputError(
                "instance_name", "no VM given", "give instance_name (the libvirt domain name) and zone, or id"
            )
        if (o.get("instance_name") or o.get("name")) and not o.get("id") and not o.get("zone"):
            raise InputError("zone", "a VM name is unique only within a zone", "set zone (name or id)")
        add_nic = dict(o["add_nic"]) if o.get("add_nic") else None
        if add_nic is not None and not add_nic.get("network"):
            raise InputError("add_nic.network", "no network given", "give the network (name or id) for the NIC")
        unknown = sorted(set(o.get("restart_for") or RESTART_REASONS) - set(RESTART_REASONS))
        if unknown:
            raise InputError(
                "restart_for", f"unknown reason(s) {', '.join(unknown)}", "use config_drive and/or console"
            )
        return cls(
            id=o.get("id"),
            instance_name=o.get("instance_name"),
            name=o.get("name"),
            zone=o.get("zone"),
            add_nic=add_nic,
            nic_ips=dict(o.get("nic_ips") or {}),
            secondary_ips=dict(o.get("secondary_ips") or {}),
            guest_addresses=guest_addresses or {},
            restart=bool(o.get("restart")),
            restart_for=tuple(o.get("restart_for") or RESTART_REASONS),
            imported_live=o.get("imported_live"),
            timeout=float(o.get("timeout") or 600),
            backoff=Backoff(float(o.get("poll_interval") or 1.0), 1.5, float(o.get("poll_max_interval") or 10.0)),
        )


class PostImport:
    def __init__(
        self, client: CloudStackClient, request: PostImportRequest, *, check_mode: bool, warn: Callable[[str], None]
    ) -> None:
        self.client = client
        self.request = request
        self.check_mode = check_mode
        self.warn = warn
        self.actions: list[dict[str, Any]] = []
        self._networks: dict[str, dict[str, Any]] = {}

    @property
    def version(self) -> Version:
        """The CloudStack version the rules are judged for (listCapabilities, asked once by the client)."""
        return rules_version(self.client)

    # --- look-ups -------------------------------------------------------------------------------
    def find_vm(self) -> dict[str, Any]:
        r = self.request
        zone = find_zone(self.client, r.zone) if r.zone else None
        zoneid = str(zone["id"]) if zone else None
        if r.id:
            found = self.client.list_all("listVirtualMachines", id=r.id, listall=True) if is_uuid(r.id) else []
            if not found:
                raise InputError(
                    "id", f"no managed VM with id {r.id}", "import the VM first, or give its CloudStack id"
                )
            return found[0]
        if r.instance_name:
            vm = find_managed_by_instance_name(self.client, r.instance_name, zoneid)
            if vm is None:
                raise InputError(
                    "instance_name",
                    f"no VM with instance name {r.instance_name} is managed in zone {r.zone}",
                    "run the import first; fix-ups apply to imported VMs",
                )
            return vm
        return resolve_one(
            self.client, "listVirtualMachines", str(r.name), kind="VM", field="name", zoneid=zoneid, listall=True
        )

    def network(self, network_id: str) -> dict[str, Any]:
        if network_id not in self._networks:
            found = self.client.list_all("listNetworks", id=network_id, listall=True)
            self._networks[network_id] = found[0] if found else {"id": network_id}
        return self._networks[network_id]

    # --- the fix-ups ------------------------------------------------------------------------------
    def add_nic(self, vm: dict[str, Any]) -> dict[str, Any]:
        spec = self.request.add_nic or {}
        network = resolve_one(
            self.client,
            "listNetworks",
            str(spec["network"]),
            kind="network",
            field="add_nic.network",
            zoneid=vm.get("zoneid"),
            listall=True,
        )
        if vm.get("nic"):
            return vm  # the VM has a NIC: add_nic is for NIC-less imports only
        holders = self.client.list_all("listVirtualMachines", networkid=network["id"], listall=True)
        names = [str(h.get("name")) for h in holders if h.get("id") != vm.get("id")]
        _fail(add_nic_findings(self.version, vm, network, names))
        params = {"virtualmachineid": vm["id"], "networkid": network["id"]}
        if spec.get("ip_address"):
            params["ipaddress"] = spec["ip_address"]
        answer = self.act("add_nic", "addNicToVirtualMachine", params, f"add a NIC on network {network.get('name')}")
        return answer.get("virtualmachine", vm) if answer else vm

    def wanted_secondary(self, vm: dict[str, Any]) -> list[tuple[dict[str, Any], str, str]]:
        """(nic, address, option) for every address a NIC should have besides the ones it has."""
        nics = vm.get("nic") or []

        def nic_for(key: str, option: str) -> dict[str, Any]:
            for nic in nics:
                if str(key) == str(nic.get("deviceid")) or str(key).lower() == str(nic.get("macaddress", "")).lower():
                    return nic
            raise InputError(
                f"{option}[{key}]",
                f"the VM has no NIC {key}",
                "use the NIC's device id (0, 1, ...) or MAC: "
                + ", ".join(f"{n.get('deviceid')}={n.get('macaddress')}" for n in nics),
            )

        wanted: list[tuple[dict[str, Any], str, str]] = []
        for key, value in self.request.nic_ips.items():
            wanted += [(nic_for(key, "nic_ips"), ip, f"nic_ips[{key}]") for ip in split_ips(value)[1:]]
        for key, value in self.request.secondary_ips.items():
            wanted += [(nic_for(key, "secondary_ips"), ip, f"secondary_ips[{key}]") for ip in split_ips(value)]
        for nic in nics:
            seen = [
                ip
                for ip in self.request.guest_addresses.get(str(nic.get("macaddress", "")).lower(), [])
                if ":" not in ip
            ]
            wanted += [(nic, ip, "guest_addresses") for ip in seen]
        result, done = [], set()
        for nic, address, option in wanted:
            have = {nic.get("ipaddress")} | {s.get("ipaddress") for s in nic.get("secondaryip") or []}
            if address in have or (nic.get("id"), address) in done:
                continue
            done.add((nic.get("id"), address))
            result.append((nic, address, option))
        return result

    def add_secondary_ips(self, vm: dict[str, Any]) -> None:
        wanted = self.wanted_secondary(vm)
        findings: list[Finding] = []
        for nic, address, option in wanted:
            network = self.network(str(nic.get("networkid")))
            ranges = (
                [(r["startip"], r["endip"]) for r in self.client.list_all("listVlanIpRanges", networkid=network["id"])]
                if str(network.get("type")).lower() == "shared"
                else []
            )
            findings += secondary_ip_findings(
                self.version,
                nic,
                network,
                address,
                ranges=ranges,
                secondary_count=len(nic.get("secondaryip") or []),
                field=option,
            )
        _fail(findings, str(vm.get("instancename") or vm.get("name")))
        for nic, address, _option in wanted:
            self.act(
                "add_ip",
                "addIpToNic",
                {"nicid": nic["id"], "ipaddress": address},
                f"add {address} to NIC {nic.get('deviceid')}",
            )

    def imported_live(self, vm: dict[str, Any]) -> bool:
        tags = {t.get("key"): t.get("value") for t in vm.get("tags") or []}
        if RESTART_TAG in tags and not str(tags[RESTART_TAG]).startswith(PENDING):
            return False  # CloudStack has started it since (we did)
        if self.request.imported_live is not None:
            return bool(self.request.imported_live)
        return str(vm.get("state")) == "Running" and SOURCE_TAG not in tags

    def _tag(self, vm: dict[str, Any], value: str, what: str, replace: bool) -> None:
        tag = {"resourceids": vm["id"], "resourcetype": "UserVm", "tags": [{"key": RESTART_TAG, "value": value}]}
        if replace:
            self.act("tag", "deleteTags", {**tag, "tags": [{"key": RESTART_TAG}]}, "clear the restart mark")
        self.act("tag", "createTags", tag, what)

    def resume_restart(self, vm: dict[str, Any]) -> bool:
        """Finish a restart an earlier run began (marked ``pending:``) and left the VM stopped: start it.

        A running VM with the mark was not stopped (the stop failed) or was restarted without the final tag;
        either way the restart is judged afresh below, as if never begun.
        """
        tags = {t.get("key"): str(t.get("value") or "") for t in vm.get("tags") or []}
        value = tags.get(RESTART_TAG, "")
        if not value.startswith(PENDING) or str(vm.get("state")) == "Running":
            return False
        self.act("start", "startVirtualMachine", {"id": vm["id"]}, "start (finishing an earlier restart)")
        self._tag(vm, value.removeprefix(PENDING), "remember the restart", replace=True)
        return True

    def restart(self, vm: dict[str, Any]) -> tuple[list[str], bool]:
        if self.resume_restart(vm):
            return [], True
        networks = {str(n.get("networkid")): self.network(str(n.get("networkid"))) for n in vm.get("nic") or []}
        findings = restart_findings(self.version, vm, networks, imported_live=self.imported_live(vm))
        reasons = [restart_reason(f) for f in findings]
        chosen = [r for r in reasons if r in self.request.restart_for]
        if not findings:
            return [], False
        if not (self.request.restart and chosen):
            self.warn(
                f"VM {vm.get('instancename')} needs a stop and start through CloudStack ({', '.join(reasons)}): "
                + "; ".join(f.message for f in findings)
                + ". Set restart: true to do it (downtime)"
            )
            return reasons, False
        self.warn(
            f"VM {vm.get('instancename')} is stopped and started through CloudStack ({', '.join(chosen)}): downtime"
        )
        # Marked first: if the start fails or outlives the timeout, the next run starts the VM instead of
        # finding it stopped and leaving it so (a stopped VM needs no restart of its own).
        pending = any(t.get("key") == RESTART_TAG for t in vm.get("tags") or [])
        self._tag(vm, PENDING + ",".join(chosen), "mark the restart as begun", replace=pending)
        self.act("stop", "stopVirtualMachine", {"id": vm["id"]}, "stop (downtime starts)")
        self.act("start", "startVirtualMachine", {"id": vm["id"]}, "start (CloudStack defines the domain)")
        self._tag(vm, ",".join(chosen), "remember the restart", replace=True)
        return reasons, True

    def act(self, kind: str, command: str, params: dict[str, Any], what: str) -> dict[str, Any] | None:
        self.actions.append(
            {"action": kind, "what": what, "api_call": {"command": command, "params": wire_params(params)}}
        )
        if self.check_mode:
            return None
        # Through the one job reconciler; a fix-up is checked again by every rerun, so nothing is journaled.
        timing = JobTiming(timeout=float(self.request.timeout), backoff=self.request.backoff)
        context = RunContext(clock=time.monotonic, sleep=time.sleep, warn=self.warn, check_mode=self.check_mode)
        outcome = JobWindow(self.client, context).run_one(JobTicket(what, command, params, NoSlot(), timing))
        if outcome.state == "pending":
            raise JobTimeoutError(command, str(outcome.jobid), float(self.request.timeout))
        error = outcome.error
        if isinstance(error, CloudStackApiError):
            raise AcsIngestError(
                f"CloudStack refused {command} ({what}): {error.errortext}",
                field={"add_nic": "add_nic.network", "add_ip": "nic_ips"}.get(kind, "restart"),
                fix="see CloudStack's answer; the fix-ups done before this one stay done, a rerun continues",
                errorcode=error.errorcode,
            ) from None
        if error is not None:
            raise error
        return outcome.result

    def run(self) -> dict[str, Any]:
        vm = self.find_vm()
        before = _state(vm)
        if self.request.add_nic:
            vm = self.add_nic(vm)
        self.add_secondary_ips(vm)
        reasons, restarted = self.restart(vm)
        if self.actions and not self.check_mode:
            vm = self.find_vm()
        after = _state(vm) if not self.check_mode else {**before, "planned": [a["what"] for a in self.actions]}
        return {
            "changed": bool(self.actions),
            "vm": {
                "id": vm.get("id"),
                "name": vm.get("name"),
                "instancename": vm.get("instancename"),
                "state": vm.get("state"),
            },
            "actions": self.actions,
            "needs_restart": reasons,
            "restarted": restarted,
            "diff": {"before": before, "after": after},
        }


def _state(vm: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "state": vm.get("state"),
        "nics": [
            {
                "deviceid": n.get("deviceid"),
                "network": n.get("networkname"),
                "ipaddress": n.get("ipaddress"),
                "secondary": sorted(s.get("ipaddress") for s in n.get("secondaryip") or []),
            }
            for n in vm.get("nic") or []
        ],
        "config_drive": bool((vm.get("details") or {}).get("configDriveLocation")),
        "restarted_by_acs_ingest": any(
            t.get("key") == RESTART_TAG and not str(t.get("value")).startswith(PENDING) for t in vm.get("tags") or []
        ),
    }


def _fail(findings: list[Finding], subject: str | None = None) -> None:
    """One error with every problem; each names the VM (``subject``) unless its finding does already."""
    if findings:
        raise ProblemsError(
            [f.as_problem() if f.subject or not subject else f.as_problem().about(subject) for f in findings]
        )


def post_import(
    client: CloudStackClient,
    options: Mapping[str, Any],
    *,
    check_mode: bool,
    warn: Callable[[str], None],
    guest_addresses: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """The post_import module's one call."""
    request = PostImportRequest.from_options(options, guest_addresses)
    run = PostImport(client, request, check_mode=check_mode, warn=warn)
    uri = options.get("guest_addresses_uri")
    if uri and not guest_addresses:
        vm = run.find_vm()
        request.guest_addresses = domain_addresses(str(uri), str(vm.get("instancename")))
    return run.run()
