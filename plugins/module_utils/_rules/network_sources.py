# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""CloudStack source files and methods the guest-network rules cite, and the shape of a createNetwork rule."""

from __future__ import annotations

from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._rules.catalogue import (
    CREATE_NETWORK,
    NETWORK_ORCHESTRATOR,
    SERVER_REJECTION,
    Rule,
    Source,
)

NETWORK_SERVICE = "server/src/main/java/com/cloud/network/NetworkServiceImpl.java"
CONFIG_MANAGER = "server/src/main/java/com/cloud/configuration/ConfigurationManagerImpl.java"
VNET_DAO = "engine/schema/src/main/java/com/cloud/dc/dao/DataCenterVnetDaoImpl.java"
CREATE_CMD = "api/src/main/java/org/apache/cloudstack/api/command/user/network/CreateNetworkCmd.java"
CREATE = Source(NETWORK_SERVICE, "NetworkServiceImpl.createGuestNetwork")
ORCHESTRATE = Source(NETWORK_ORCHESTRATOR, "NetworkOrchestrator.createGuestNetwork")
RANGE = Source(CONFIG_MANAGER, "ConfigurationManagerImpl.createVlanAndPublicIpRange")
RANGE_ERRORS = Source(CONFIG_MANAGER, "ConfigurationManagerImpl.checkPublicIpRangeErrors")


def rule(code: str, title: str, sources: tuple[Source, ...], text: str, fix: str, **extra: Any) -> Rule:
    """A createNetwork rule (a server rejection unless ``kind`` says otherwise)."""
    return Rule(code, extra.pop("kind", SERVER_REJECTION), title, (CREATE_NETWORK,), sources, text, fix, **extra)
