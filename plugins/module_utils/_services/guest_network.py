# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""Make sure the zone has a guest network carrying a VLAN: reuse the one that does, or create an L2/Shared one.

Idempotent by VLAN, not by name: CloudStack refuses a second L2/Shared network with a VLAN already used in
the zone (``vlan_in_use``), and the import planner maps NICs to networks by VLAN, so "a network with VLAN
400 exists in zone1" is the state this converges to. Before creating, every rule of ``_rules.networks``
is checked against what the zone has, so a request CloudStack would refuse fails with the option to
change and how, and check mode can promise the exact createNetwork call.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.client import CloudStackClient, wire_params
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.lookup import describe, find_zone
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.networks import (
    ZoneNetworking,
    fetch_zone_networking,
    find_offering,
    find_physical_network,
)
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.server_version import rules_version
from ansible_collections.acs.ingest.plugins.module_utils._core.errors import (
    AcsIngestError,
    CloudStackApiError,
    InputError,
    ProblemsError,
)
from ansible_collections.acs.ingest.plugins.module_utils._rules.catalogue import Finding
from ansible_collections.acs.ingest.plugins.module_utils._rules.network_addresses import address_findings
from ansible_collections.acs.ingest.plugins.module_utils._rules.network_choice import (
    NETWORK_TYPES,
    SHARED,
    choose_offering,
    choose_physical_network,
    network_vlan,
    parse_vlan,
    uses_config_drive,
)
from ansible_collections.acs.ingest.plugins.module_utils._rules.network_create import (
    answer_finding,
    offering_findings,
    physical_network_choice_findings,
    physical_network_findings,
)
from ansible_collections.acs.ingest.plugins.module_utils._rules.versions import Version

COMMAND = "createNetwork"


@dataclass(frozen=True)
class GuestNetworkRequest:
    """What the operator asked for; ``from_options`` checks its shape before anything is called."""

    zone: str
    vlan: int
    type: str = "L2"
    name: str | None = None
    display_text: str | None = None
    network_offering: str | None = None
    physical_network: str | None = None
    gateway: str | None = None
    netmask: str | None = None
    start_ip: str | None = None
    end_ip: str | None = None
    config_drive: bool = False

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> GuestNetworkRequest:
        def text(key: str) -> str | None:
            value = options.get(key)
            return str(value).strip() or None if value is not None else None

        zone = text("zone")
        if not zone:
            raise InputError(
                "zone", "no zone given", "set zone to the name or id of the zone the VMs are imported into"
            )
        vlan = parse_vlan(options.get("vlan"))
        if vlan is None:
            raise InputError(
                "vlan", f"'{options.get('vlan')}' is not a VLAN id", "give the 802.1Q VLAN id, between 1 and 4094"
            )
        kind = next((t for t in NETWORK_TYPES if t.lower() == (text("type") or "L2").lower()), None)
        if kind is None:
            raise InputError("type", f"unknown network type '{options.get('type')}'", "use L2 or Shared")
        request = cls(
            zone=zone,
            vlan=vlan,
            type=kind,
            name=text("name"),
            display_text=text("display_text"),
            network_offering=text("network_offering"),
            physical_network=text("physical_network"),
            gateway=text("gateway"),
            netmask=text("netmask"),
            start_ip=text("start_ip"),
            end_ip=text("end_ip"),
            config_drive=bool(options.get("config_drive")),
        )
        # Before any API call, so bad input fails even without CloudStack; the rules here do not depend on
        # the version (a missing Shared range is refused by 4.19.3+/4.20.1+ and unusable before).
        _fail_on(address_findings(None, kind, request.gateway, request.netmask, request.start_ip, request.end_ip))
        return request

    @property
    def network_name(self) -> str:
        return self.name or f"{self.type.lower()}-vlan{self.vlan}"


def _fail_on(findings: list[Finding]) -> None:
    """One error: every finding on its own line with its option and fix; ``field`` is the first one's."""
    if findings:
        raise ProblemsError([finding.as_problem() for finding in findings])


def network_summary(network: dict[str, Any], ranges: list[dict[str, Any]]) -> dict[str, Any]:
    """The parts of a network an operator compares: identity, VLAN, offering, addresses."""
    return {
        "id": network.get("id"),
        "name": network.get("name"),
        "type": network.get("type") or network.get("guestiptype"),
        "vlan": network_vlan(network),
        "zoneid": network.get("zoneid"),
        "zonename": network.get("zonename"),
        "state": network.get("state"),
        "networkofferingid": network.get("networkofferingid"),
        "networkofferingname": network.get("networkofferingname"),
        "physicalnetworkid": network.get("physicalnetworkid"),
        "cidr": network.get("cidr"),
        "gateway": network.get("gateway"),
        "netmask": network.get("netmask"),
        "ip_ranges": [{"startip": r.get("startip"), "endip": r.get("endip")} for r in ranges],
        "config_drive": uses_config_drive(network),
    }


class GuestNetworkRun:
    def __init__(self, client: CloudStackClient, request: GuestNetworkRequest, *, check_mode: bool) -> None:
        self.client = client
        self.request = request
        self.check_mode = check_mode
        self.warnings: list[str] = []

    @property
    def version(self) -> Version:
        """The CloudStack version the rules are judged for (listCapabilities, asked once by the client)."""
        return rules_version(self.client)

    def run(self) -> dict[str, Any]:
        zone = find_zone(self.client, self.request.zone)
        zone_net = fetch_zone_networking(self.client, zone)
        existing = zone_net.with_vlan(self.request.vlan)
        if existing:
            return self.reuse(zone_net, existing)
        offering, offering_why = self.offering(zone_net)
        physnet = self.physical_network(zone_net, offering)
        findings = offering_findings(self.version, offering, self.request.type)
        findings += physical_network_findings(
            self.version, physnet, zone_net.zone, zone_net.guest_physical_ids, self.request.vlan
        )
        _fail_on(findings)
        params = self.create_params(zone_net, offering, physnet)
        call = {"command": COMMAND, "params": wire_params(params)}
        planned = {"name": params["name"], "type": self.request.type, "vlan": self.request.vlan, "zone": zone["name"]}
        before = {"state": "absent", "zone": zone.get("name"), "vlan": self.request.vlan}
        details = {
            "offering": {"id": offering.get("id"), "name": offering.get("name"), "why": offering_why},
            "physical_network": {"id": physnet.get("id"), "name": physnet.get("name")},
            "api_call": call,
        }
        if self.check_mode:
            after = {"state": "present", **planned, "create_call": call}
            return self.result(True, "would_create", None, before, after, **details)
        try:
            answer = self.client.call(COMMAND, **params)
        except CloudStackApiError as error:
            raise self.explain(error) from None
        network = answer.get("network", answer)
        ranges = [{"startip": params["startip"], "endip": params["endip"]}] if params.get("startip") else []
        summary = network_summary(network, ranges)
        after = {"state": "present", **planned, "id": summary["id"]}
        return self.result(True, "created", summary, before, after, **details)

    def reuse(self, zone_net: ZoneNetworking, existing: list[dict[str, Any]]) -> dict[str, Any]:
        """A network with the VLAN exists: use it, never create a second one (CloudStack would refuse anyway)."""
        same_type = [
            n for n in existing if str(n.get("type") or n.get("guestiptype")).lower() == self.request.type.lower()
        ]
        named = [n for n in same_type if n.get("name") == self.request.network_name]
        chosen = (named or same_type or existing)[0]
        kind = chosen.get("type") or chosen.get("guestiptype")
        if str(kind).lower() != self.request.type.lower():
            self.warnings.append(
                f"VLAN {self.request.vlan} is already carried by {kind} network {describe(chosen)} in zone "
                f"{zone_net.zone.get('name')}; it is reused as it is, not as a {self.request.type} network"
            )
        if len(existing) > 1:
            self.warnings.append(
                f"{len(existing)} networks carry VLAN {self.request.vlan} in zone {zone_net.zone.get('name')}: "
                + ", ".join(describe(n) for n in existing)
            )
        summary = network_summary(chosen, zone_net.ranges_of(str(chosen.get("id"))))
        state = {"state": "present", "name": chosen.get("name"), "vlan": self.request.vlan, "id": chosen.get("id")}
        others = [network_summary(n, zone_net.ranges_of(str(n.get("id")))) for n in existing if n is not chosen]
        return self.result(False, "exists", summary, state, state, existing=others)

    def offering(self, zone_net: ZoneNetworking) -> tuple[dict[str, Any], str]:
        if self.request.network_offering:
            return find_offering(self.client, self.request.network_offering, zone_net.zone_id), "named"
        chosen, why = choose_offering(
            zone_net.offerings,
            self.request.type,
            security_groups=zone_net.security_groups,
            config_drive=self.request.config_drive,
        )
        if chosen is None:
            raise InputError("network_offering", why, "create such an offering, or name one with network_offering")
        if self.request.config_drive and not uses_config_drive(chosen):
            self.warnings.append(
                f"no {self.request.type} offering provides UserData by ConfigDrive; using {chosen.get('name')}"
            )
        return chosen, why

    def physical_network(self, zone_net: ZoneNetworking, offering: dict[str, Any]) -> dict[str, Any]:
        if self.request.physical_network:
            return find_physical_network(self.client, self.request.physical_network, zone_net.zone_id)
        tags = offering.get("tags")
        chosen = choose_physical_network(zone_net.physical_networks, zone_net.guest_physical_ids, tags)
        if chosen is None:
            guest = [p for p in zone_net.physical_networks if str(p.get("id")) in zone_net.guest_physical_ids]
            _fail_on(physical_network_choice_findings(self.version, guest, tags))
            raise AssertionError("physical_network_choice_findings explains every failed choice")
        return chosen

    def create_params(
        self, zone_net: ZoneNetworking, offering: dict[str, Any], physnet: dict[str, Any]
    ) -> dict[str, Any]:
        r = self.request
        params: dict[str, Any] = {
            "name": r.network_name,
            "displaytext": r.display_text or f"{r.network_name} (created by acs.ingest for imported VMs)",
            "zoneid": zone_net.zone_id,
            "networkofferingid": offering["id"],
            "physicalnetworkid": physnet["id"],
            "vlan": str(r.vlan),
        }
        if r.type == SHARED:
            # Domain-wide on ROOT with subdomain access: what a root admin's Shared network defaults to
            # (NetworkServiceImpl.getAclType), spelled out so the call is the same on every release.
            params.update(acltype="Domain", gateway=r.gateway, netmask=r.netmask, startip=r.start_ip, endip=r.end_ip)
        return params

    def explain(self, error: CloudStackApiError) -> AcsIngestError:
        """CloudStack's refusal, with the option it is about and the fix when the rule is known."""
        finding = answer_finding(self.version, error.errortext)
        if finding is None:
            return error
        return AcsIngestError(
            f"CloudStack refused createNetwork ({error.errorcode}): {error.errortext}",
            field=finding.field,
            fix=finding.fix,
            code=finding.code,
            errorcode=error.errorcode,
        )

    def result(
        self,
        changed: bool,
        outcome: str,
        network: dict[str, Any] | None,
        before: dict[str, Any],
        after: dict[str, Any],
        **extra: Any,
    ) -> dict[str, Any]:
        result: dict[str, Any] = {
            "changed": changed,
            "outcome": outcome,
            "network": network,
            "diff": {"before": before, "after": after},
            "warnings": list(self.warnings),
        }
        result.update(extra)
        return result


def ensure_guest_network(client: CloudStackClient, options: Mapping[str, Any], *, check_mode: bool) -> dict[str, Any]:
    """The guest_network module's one call."""
    request = GuestNetworkRequest.from_options(options)
    return GuestNetworkRun(client, request, check_mode=check_mode).run()
