"""Version profiles: which CloudStack release the management server (and, by default, its agents) behave as.

A profile is named by a release ('4.20' = 4.20.0, '4.20.2', ...; see ``versions.RELEASES``). The agents
default to the server's release; ``--agent-version`` (or ``agentversion`` on a seeded host) makes them
differ, as during a rolling upgrade. Behaviours are looked up in ``versions.SERVER_FEATURES``.
"""

from __future__ import annotations

from typing import Any

from .versions import SERVER_FEATURES, release


def get_profile(name: str, agent_version: str | None = None) -> dict[str, Any]:
    try:
        server = release(name)
        agent = release(agent_version or name)
    except ValueError as exc:
        raise ValueError(f"profile: {exc}") from None
    return {
        "name": server,
        "agent": agent,
        "cloudstackversion": f"{server}.0",
        # Job responses: managementservername (kept as the 4.22-only behaviour the job code had).
        "job_msname": server == "4.22.0",
        **{feature: server in releases for feature, releases in SERVER_FEATURES.items()},
    }
