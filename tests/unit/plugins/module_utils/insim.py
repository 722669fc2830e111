"""The CloudStack simulator in-process, behind the production API client (no HTTP, no libvirt needed).

``client.cs.<command>(**params)`` is answered by ``Simulator.handle`` with a correctly signed request, so
everything above the transport (client, lookups, services) is the production code, and every answer went
through the simulator's parameter processing and CloudStack's rules as the simulator implements them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from acs_simulator.fixtures import embedded_seed
from acs_simulator.signing import compute_signature
from acs_simulator.sim import Simulator
from ansible_collections.acs.ingest.plugins.module_utils._cloudstack.client import (
    CloudStackClient,
    ConnectionSettings,
    wire_params,
)
from cs.client import CloudStackApiException

KEY, SECRET = "acs-sim-admin-apikey", "acs-sim-admin-secretkey"


class InProcessTransport:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    def __getattr__(self, command: str) -> Any:
        def send(**params: Any) -> dict[str, Any]:
            raw = dict(wire_params(params), command=command, response="json", apikey=KEY)
            raw["signature"] = compute_signature(raw, SECRET)
            status, doc = self.sim.handle(raw)
            body = next(iter(doc.values()))
            if status != 200:
                raise CloudStackApiException(f"HTTP {status}", error=body)
            return body

        return send


def make_sim(
    tmp_path: Path, seed: dict[str, Any] | None = None, profile: str = "4.22", knobs: dict[str, Any] | None = None
) -> Simulator:
    seed = seed or embedded_seed()
    for zone in seed["zones"]:
        for pool in zone.get("storagepools") or []:
            pool["path"] = str(tmp_path / "pools" / pool["name"])
    return Simulator(tmp_path / "state.sqlite", seed, profile, knobs)


def make_client(sim: Simulator) -> CloudStackClient:
    return CloudStackClient(
        ConnectionSettings("http://in-process/client/api", KEY, SECRET), _cs=InProcessTransport(sim)
    )
