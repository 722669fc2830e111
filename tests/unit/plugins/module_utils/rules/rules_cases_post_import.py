"""Test cases of the post-import rules (post_import): (code, version, check call, fires)."""

from __future__ import annotations

from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._rules import post_import
from rules_cases_server import V19_0, V20_1, V21, V22, ServerCase

VM = {"id": "v1", "name": "web01", "instancename": "web01", "zoneid": "z1", "zonename": "zone1", "state": "Running",
      "nic": [{"id": "nic1", "deviceid": "0", "networkid": "n300", "macaddress": "52:54:00:00:00:01",
               "ipaddress": "10.30.0.50"}]}  # fmt: skip
L2 = {"id": "n100", "name": "l2-vlan100", "type": "L2", "zoneid": "z1", "zonename": "zone1"}
SHARED = {"id": "n300", "name": "shared-vlan300", "type": "Shared", "zoneid": "z1", "zonename": "zone1",
          "cidr": "10.30.0.0/24", "gateway": "10.30.0.1"}  # fmt: skip
ISOLATED = {
    "id": "n400",
    "name": "iso",
    "type": "Isolated",
    "zoneid": "z1",
    "cidr": "10.40.0.0/24",
    "gateway": "10.40.0.1",
}
DRIVE = {
    **L2,
    "id": "n210",
    "name": "cd-vlan210",
    "service": [{"name": "UserData", "provider": [{"name": "ConfigDrive"}]}],
}
RANGES = [("10.30.0.10", "10.30.0.200")]


def add_nic(version: Any, **kwargs: Any) -> list[Any]:
    vm = {**VM, **kwargs.pop("vm", {})}
    return post_import.add_nic_findings(version, vm, kwargs.pop("network", L2), kwargs.pop("names", []))


def add_ip(version: Any, **kwargs: Any) -> list[Any]:
    network = kwargs.pop("network", SHARED)
    kwargs.setdefault("ranges", RANGES if network is SHARED else [])
    return post_import.secondary_ip_findings(
        version, VM["nic"][0], network, kwargs.pop("address", "10.30.0.51"), **kwargs
    )


def restart(version: Any, **kwargs: Any) -> list[Any]:
    vm = {**VM, **kwargs.pop("vm", {})}
    networks = {"n300": SHARED, "n210": DRIVE}
    return post_import.restart_findings(version, vm, networks, imported_live=kwargs.pop("live", False))


ON_DRIVE = {"nic": [{"id": "nic2", "deviceid": "0", "networkid": "n210"}]}
POST_IMPORT_CASES = [
    ServerCase("nic_on_network_already", V22, add_nic, {"network": SHARED}),
    ServerCase("nic_on_network_already", V22, add_nic, {}, False),
    ServerCase("nic_network_other_zone", V19_0, add_nic, {"network": {**L2, "zoneid": "z2", "zonename": "zone2"}}),
    ServerCase("nic_network_other_zone", V19_0, add_nic, {}, False),
    ServerCase("nic_hostname_on_network", V21, add_nic, {"names": ["web01"]}),
    ServerCase("nic_hostname_on_network", V21, add_nic, {"names": ["db01"]}, False),
    ServerCase("secondary_ip_on_l2_network", V22, add_ip, {"network": L2}),
    ServerCase("secondary_ip_on_l2_network", V22, add_ip, {}, False),
    ServerCase("secondary_ip_not_free", V22, add_ip, {"address": "10.30.0.250"}),  # outside the range
    ServerCase("secondary_ip_not_free", V22, add_ip, {"address": "10.30.0.60", "used": ["10.30.0.60"]}),
    ServerCase("secondary_ip_not_free", V20_1, add_ip, {"network": ISOLATED, "address": "10.40.0.1"}),  # gateway
    ServerCase("secondary_ip_not_free", V20_1, add_ip, {"network": ISOLATED, "address": "10.41.0.5"}),
    ServerCase("secondary_ip_not_free", V22, add_ip, {"address": "10.30.0.99"}, False),
    ServerCase("secondary_ip_limit", V22, add_ip, {"secondary_count": 10}),
    ServerCase("secondary_ip_limit", V22, add_ip, {"secondary_count": 1, "limit": 2}, False),
    ServerCase("config_drive_at_start", V22, restart, {"vm": ON_DRIVE}),
    ServerCase(
        "config_drive_at_start",
        V22,
        restart,
        {"vm": {**ON_DRIVE, "details": {"configDriveLocation": "SECONDARY"}}},
        False,
    ),
    ServerCase("config_drive_at_start", V22, restart, {"vm": {**ON_DRIVE, "state": "Stopped"}}, False),
    ServerCase("console_after_live_import", V22, restart, {"live": True}),
    ServerCase("console_after_live_import", V22, restart, {"live": False}, False),
]
