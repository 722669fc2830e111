"""pytest fixtures: the simulator as a real subprocess on a free loopback port.

``acs_sim`` gives a fresh simulator (embedded seed, profile 4.22) per test; ``acs_sim_factory(seed=...,
profile=..., knobs=...)`` starts others. Each handle can call the API, tune knobs, read stats, restart
the process (state comes back from SQLite) and stop it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
import yaml

from .signing import compute_signature
from .store import Store
from .testbed import sim_domains  # noqa: F401 - re-exported for tests/conftest.py

EMBEDDED_SEED = Path(__file__).resolve().parent / "seeds" / "embedded.yaml"
TESTS_DIR = Path(__file__).resolve().parent.parent


class SimApiError(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        inner = next(iter(body.values())) if body else {}
        super().__init__(f"{status}: {inner.get('errortext')}")
        self.status, self.body, self.errortext = status, body, inner.get("errortext")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class SimHandle:
    def __init__(
        self,
        workdir: Path,
        seed: str | Path | dict[str, Any] | None,
        profile: str,
        knobs: dict[str, Any] | None = None,
        proc_root: str | None = None,
        agent_version: str | None = None,
    ) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        if isinstance(seed, dict):
            seed_path = workdir / "seed.yaml"
            seed_path.write_text(yaml.safe_dump(seed))
        else:
            seed_path = Path(seed or EMBEDDED_SEED)
        self.seed_path = seed_path
        self.db_path = workdir / "state.sqlite"
        self.profile = profile
        self.knobs_json = knobs or {}
        self.proc_root = proc_root
        self.agent_version = agent_version
        accounts = yaml.safe_load(seed_path.read_text())["accounts"]
        admin = next(a for a in accounts if a.get("type", "admin") == "admin")
        self.api_key, self.api_secret = admin["apikey"], admin["secretkey"]
        self.host = "127.0.0.1"
        self.port = 0
        self.proc: subprocess.Popen[str] | None = None
        self.log_path = workdir / "simulator.log"
        self.start()

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}/client/api"

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        import json

        self.port = self.port or free_port()
        cmd = [
            sys.executable,
            "-m",
            "acs_simulator",
            "--seed",
            str(self.seed_path),
            "--db",
            str(self.db_path),
            "--listen",
            f"{self.host}:{self.port}",
            "--profile",
            self.profile,
            "--knobs",
            json.dumps(self.knobs_json),
        ]
        if self.proc_root:
            cmd += ["--proc-root", self.proc_root]
        if self.agent_version:
            cmd += ["--agent-version", self.agent_version]
        env = dict(os.environ, PYTHONPATH=f"{TESTS_DIR}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
        log = self.log_path.open("a")
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, text=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"simulator exited: {self.log_path.read_text()[-2000:]}")
            try:
                requests.get(f"{self.base}/admin/health", timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError(f"simulator did not start: {self.log_path.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def kill(self) -> None:
        """A crash, not a shutdown: SIGKILL, so in-flight jobs stay IN_PROGRESS in the database."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
        self.proc = None

    def restart(self, hard: bool = True) -> None:
        self.kill() if hard else self.stop()
        self.start()

    # --- API ----------------------------------------------------------------------------------
    def signed_params(
        self, command: str, params: dict[str, Any], key: str | None = None, secret: str | None = None
    ) -> dict[str, str]:
        q = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in params.items()}
        q.update(command=command, response="json", apikey=key or self.api_key)
        q["signature"] = compute_signature(q, secret or self.api_secret)
        return q

    def raw(
        self, command: str, method: str = "GET", key: str | None = None, secret: str | None = None, **params: Any
    ) -> requests.Response:
        q = self.signed_params(command, params, key, secret)
        if method == "POST":
            return requests.post(self.endpoint, data=q, timeout=60)
        return requests.get(f"{self.endpoint}?{urlencode(q)}", timeout=60)

    def call(self, command: str, **params: Any) -> dict[str, Any]:
        resp = self.raw(command, **params)
        body = resp.json()
        if resp.status_code != 200:
            raise SimApiError(resp.status_code, body)
        # The one top-level key, as CloudStack names it (usually "<command>response", not always).
        return body[f"{command.lower()}response"] if f"{command.lower()}response" in body else next(iter(body.values()))

    def wait_job(self, jobid: str, timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.call("queryAsyncJobResult", jobid=jobid)
            if job["jobstatus"] != 0:
                return job
            time.sleep(0.05)
        raise TimeoutError(f"job {jobid} still running after {timeout}s")

    def run(self, command: str, timeout: float = 60, **params: Any) -> dict[str, Any]:
        """Call an async command and wait for its job."""
        return self.wait_job(self.call(command, **params)["jobid"], timeout)

    def first(self, command: str, key: str, **params: Any) -> dict[str, Any]:
        return self.call(command, **params)[key][0]

    # --- admin -------------------------------------------------------------------------------
    def set_knobs(self, **knobs: Any) -> dict[str, Any]:
        resp = requests.post(f"{self.base}/admin/knobs", json=knobs, timeout=10)
        resp.raise_for_status()
        return resp.json()

    def agent_drops(self) -> list[dict[str, str]]:
        """Domains the simulated agents left out of listings: host, name, listing, rule code, Java text."""
        drops: list[dict[str, str]] = requests.get(f"{self.base}/admin/agent-drops", timeout=10).json()["drops"]
        return drops

    def stats(self) -> dict[str, Any]:
        return requests.get(f"{self.base}/admin/stats", timeout=10).json()

    def admin_put(self, kind: str, data: dict[str, Any]) -> dict[str, Any]:
        resp = requests.post(f"{self.base}/admin/objects", json={"kind": kind, "data": data}, timeout=10)
        resp.raise_for_status()
        return resp.json()

    def store(self) -> Store:
        """Read the SQLite state directly (tests only read)."""
        return Store(self.db_path)


@pytest.fixture
def acs_sim_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., SimHandle]]:
    handles: list[SimHandle] = []

    def make(
        seed: str | Path | dict[str, Any] | None = None,
        profile: str = "4.22",
        knobs: dict[str, Any] | None = None,
        proc_root: str | None = None,
        agent_version: str | None = None,
    ) -> SimHandle:
        handle = SimHandle(tmp_path_factory.mktemp("acs-sim"), seed, profile, knobs, proc_root, agent_version)
        handles.append(handle)
        return handle

    yield make
    for h in handles:
        h.stop()


@pytest.fixture
def acs_sim(acs_sim_factory: Callable[..., SimHandle]) -> SimHandle:
    return acs_sim_factory()


def embedded_seed() -> dict[str, Any]:
    """The embedded seed as a dict, for tests that tweak a copy."""
    return yaml.safe_load(EMBEDDED_SEED.read_text())
