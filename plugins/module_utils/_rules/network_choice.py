# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""Reading CloudStack's guest-network vocabulary, and choosing an offering and a physical network.

- the VLAN a network carries (``vlan``/``broadcasturi``: ``vlan://100``, ``vlan://untagged``,
  ``pvlan://100-i101``) and a VLAN typed by a person;
- an offering's services and providers (``service[].provider[]``), config drive among them;
- a physical network's guest VLAN ranges (``vlan: "1000-1099,2000"``);
- the offering a network is best made from, by capability, and the physical network CloudStack itself
  would pick (``NetworkModelImpl.findPhysicalNetworkId``: the only Guest one, else the only untagged one
  for an untagged offering, else the one carrying the offering's tag).

Pure functions on list-response dicts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

L2, SHARED = "L2", "Shared"
NETWORK_TYPES = (L2, SHARED)
UNTAGGED = "untagged"


def parse_vlan(value: Any) -> int | None:
    """``400``, ``"400"`` or ``"vlan://400"`` → 400; None for anything that is not a VLAN id 1-4094."""
    text = str(value if value is not None else "").strip().lower().removeprefix("vlan://")
    if not text.isdigit():
        return None
    number = int(text)
    return number if 1 <= number <= 4094 else None


def network_vlan(network: dict[str, Any]) -> int | str | None:
    """The VLAN a CloudStack network carries: its id, ``"untagged"``, or None (no VLAN, e.g. VXLAN or unset)."""
    for raw in (network.get("broadcasturi"), network.get("vlan")):
        text = str(raw or "").strip().lower()
        for scheme in ("vlan://", "pvlan://"):
            text = text.removeprefix(scheme)
        if text == UNTAGGED:
            return UNTAGGED
        head = text.split("-", 1)[0]  # a private VLAN counts as its primary VLAN
        if head.isdigit() and 0 < int(head) < 4095:
            return int(head)
    return None


def offering_services(item: dict[str, Any]) -> dict[str, set[str]]:
    """Service name → provider names, from a network offering's or a network's ``service`` list."""
    services: dict[str, set[str]] = {}
    for service in item.get("service") or []:
        if isinstance(service, dict) and service.get("name"):
            providers = {str(p.get("name")) for p in service.get("provider") or [] if isinstance(p, dict)}
            services[str(service["name"])] = providers
    return services


def uses_config_drive(item: dict[str, Any]) -> bool:
    """UserData provided by ConfigDrive: CloudStack attaches the config-drive ISO when it starts the VM."""
    return "ConfigDrive" in offering_services(item).get("UserData", set())


def vlan_ranges(physnet: dict[str, Any]) -> list[tuple[int, int]]:
    """A physical network's guest VLAN ranges, the VLANs CloudStack hands out to Isolated networks."""
    ranges = []
    for part in str(physnet.get("vlan") or "").split(","):
        low, _sep, high = part.strip().partition("-")
        if low.strip().isdigit():
            ranges.append((int(low), int(high) if high.strip().isdigit() else int(low)))
    return ranges


def _flag(item: dict[str, Any], key: str) -> bool:
    value = item.get(key)
    return value is True or str(value).lower() == "true"


def usable_offering(offering: dict[str, Any], net_type: str, security_groups: bool) -> bool:
    """A guest offering of ``net_type``, Enabled, not for VPC, with specifyvlan (and specifyipranges for Shared);
    with SecurityGroup exactly in security-group zones."""
    return (
        str(offering.get("guestiptype") or "").lower() == net_type.lower()
        and str(offering.get("traffictype") or "Guest") == "Guest"
        and not _flag(offering, "issystem")
        and str(offering.get("state") or "Enabled") == "Enabled"
        and not _flag(offering, "forvpc")
        and _flag(offering, "specifyvlan")
        and (net_type != SHARED or _flag(offering, "specifyipranges"))
        and ("SecurityGroup" in offering_services(offering)) == security_groups
    )


def choose_offering(
    offerings: Iterable[dict[str, Any]], net_type: str, *, security_groups: bool = False, config_drive: bool = False
) -> tuple[dict[str, Any] | None, str]:
    """The offering a ``net_type`` network with a VLAN is best made from, and why.

    Preferred among the usable ones: config drive exactly when asked; for Shared a DHCP service (guests
    that use DHCP keep working), for L2 as few services as possible; then CloudStack's own defaults
    (``isdefault``); then the name, so the choice is stable.
    """
    usable = [o for o in offerings if usable_offering(o, net_type, security_groups)]
    if not usable:
        needs = "specifyvlan=true" + (" and specifyipranges=true" if net_type == SHARED else "")
        return None, f"no usable {net_type} offering: one must be Enabled, for guest traffic, not for VPC, with {needs}"

    def rank(offering: dict[str, Any]) -> tuple[int, int, int, str]:
        services = offering_services(offering)
        fit = 0 if uses_config_drive(offering) == config_drive else 1
        if net_type == SHARED:
            shape = 0 if "Dhcp" in services else 1
        else:
            shape = len(set(services) - ({"UserData"} if config_drive else set()))
        return (fit, shape, 0 if _flag(offering, "isdefault") else 1, str(offering.get("name")))

    chosen = sorted(usable, key=rank)[0]
    why = f"chosen by capability among {len(usable)} usable {net_type} offering(s)"
    if config_drive and not uses_config_drive(chosen):
        why += "; none provides UserData by ConfigDrive"
    return chosen, why


def choose_physical_network(
    physnets: Sequence[dict[str, Any]], guest_ids: Iterable[str], offering_tags: str | None
) -> dict[str, Any] | None:
    """The physical network CloudStack would pick for an offering with ``offering_tags``, or None."""
    ids = set(guest_ids)
    guest = [p for p in physnets if str(p.get("id")) in ids]
    if len(guest) == 1:
        return guest[0]
    if offering_tags:
        return next((p for p in guest if offering_tags in str(p.get("tags") or "").split(",")), None)
    untagged = [p for p in guest if not p.get("tags")]
    return untagged[0] if len(untagged) == 1 else None
