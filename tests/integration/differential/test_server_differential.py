"""Differential test of server-side import rules: the rules catalogue against the simulator's manager layer.

Seeded requests (``server_cases``: hostnames, service offering + listed VM + details, NIC addresses on the
seed's networks, a listed disk's storage pool) are judged for every management-server release by the
collection's pure check functions and by a real in-process simulator of that release. Both must accept (the
same pool, for a disk), or both reject. Where they differ, CloudStack's source decides which side is fixed.
Run with ``-s`` for the figures.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from acs_simulator.fixtures import embedded_seed
from acs_simulator.sim import Simulator

from . import judges, server_cases

SEED = 20261130
MAX_SHOWN = 25


@pytest.fixture(scope="module")
def sims(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Simulator]]:
    work: Path = tmp_path_factory.mktemp("server-differential")
    made = {
        release: Simulator(work / f"{release}.sqlite", embedded_seed(), profile=release) for release in judges.RELEASES
    }
    for sim in made.values():
        server_cases.add_pools(sim)
    try:
        yield made
    finally:
        for sim in made.values():
            sim.close()


def _cases(sim: Simulator) -> list[server_cases.Case]:
    rng = random.Random(SEED)
    networks = sorted(n["name"] for n in sim.store.find("network"))
    return [
        *server_cases.hostnames(rng, 150),
        *server_cases.offering_cases(rng, 250),
        *server_cases.ip_cases(rng, networks, 60),
        *server_cases.pool_cases(rng, 250),
    ]


def _accepted(check: str, answer: str | None) -> bool:
    return answer is None or (check == "pool" and answer.startswith("pool "))


def _same(check: str, ours: str | None, theirs: str | None) -> bool:
    """Both accept (and, for a storage pool, choose the same one) or both reject."""
    if _accepted(check, ours) != _accepted(check, theirs):
        return False
    return check != "pool" or not _accepted(check, ours) or ours == theirs


def test_collection_and_simulator_server_rules_agree(sims: dict[str, Simulator]) -> None:
    cases = _cases(next(iter(sims.values())))
    total, agreed, rejected = 0, 0, 0
    per_check: dict[str, list[int]] = {}
    lines: list[str] = []
    for release, sim in sims.items():
        for case in cases:
            ours, theirs = server_cases.collection(case, release, sim), server_cases.simulator(case, sim)
            total += 1
            same = _same(case.check, ours, theirs)
            agreed += same
            rejected += same and not _accepted(case.check, ours)
            per_check.setdefault(case.check, [0, 0])[same] += 1
            if not same:
                lines.append(f"- {case.check} {case.label} [{release}] request={case.request}")
                lines.append(f"    collection: {ours or 'accepted'}; simulator: {theirs or 'accepted'}")
    pools_chosen = Counter(
        server_cases.collection(c, judges.RELEASES[-1], sims[judges.RELEASES[-1]]) for c in cases if c.check == "pool"
    )
    figures = ", ".join(f"{check} {ok}/{bad + ok}" for check, (bad, ok) in sorted(per_check.items()))
    print(
        f"\nserver differential: {len(cases)} requests x {len(sims)} releases = {total} verdicts; "
        f"accept/reject agree {agreed}/{total} ({rejected} rejected by both); by check: {figures}; "
        f"pools chosen on {judges.RELEASES[-1]}: {dict(pools_chosen)}"
    )
    shown = "\n".join(lines[: 2 * MAX_SHOWN])
    assert agreed == total, f"the collection and the simulator disagree on {total - agreed} requests:\n{shown}"
