"""The simulator's HTTP front end must not be the bottleneck a bulk import trips over.

socketserver's default listen backlog is 5; with 20-30 concurrent clients on a loaded 2-core
host the SYN queue overflowed and connects stalled for up to ~20 s (1/3/7/15 s SYN retries),
long enough to fail a non-retried importUnmanagedInstance. The kernel reports the backlog of
a listening socket as Send-Q in `ss -ltn`.
"""

from __future__ import annotations

import subprocess
import threading
import time
from urllib.parse import urlsplit

import requests

from acs_simulator.fixtures import SimHandle

MIN_BACKLOG = 128


def test_listen_backlog_holds_a_burst_of_clients(acs_sim: SimHandle) -> None:
    port = urlsplit(acs_sim.endpoint).port
    out = subprocess.run(["ss", "-Hltn", f"sport = :{port}"], capture_output=True, text=True, check=True).stdout
    backlogs = [int(line.split()[2]) for line in out.splitlines() if line.strip()]
    assert backlogs and min(backlogs) >= MIN_BACKLOG, out
    # And a burst of fresh connections (one per request, like one module process each) all get answers.
    failures: list[str] = []

    def client() -> None:
        try:
            requests.get(f"{acs_sim.base}/admin/health", timeout=30).raise_for_status()
        except requests.RequestException as exc:
            failures.append(type(exc).__name__)

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(100)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    print(f"100 concurrent fresh connections answered in {time.monotonic() - started:.1f} s")
    assert failures == []
