"""Run-time knobs for benchmarks and fault tests, plus per-command call counters."""

from __future__ import annotations

import random
import threading
from typing import Any

DEFAULTS: dict[str, Any] = {
    "job_duration": 0.2,  # seconds an async job spends "working" before it completes
    "max_concurrent_jobs": 8,  # jobs beyond this wait in a queue (jobstatus stays 0)
    "latency": 0.0,  # seconds added to every API call
    "job_fail_fraction": 0.0,  # share of async jobs that fail with 530 instead of running
    "faults": {},  # {"<command>": {"error_5xx": 0.3, "reset": 0.1}}; "*" applies to every command
    "random_seed": None,  # seed for the fault dice, for reproducible fault tests
    "restart_after_calls": 0,  # >0: the process re-executes itself after this many more API calls
    # True: an import job reads the domain when it starts and registers it job_duration later without
    # looking again, so two overlapping jobs for one domain both import it (two VMs, one domain), as two
    # concurrent importUnmanagedInstance jobs can on CloudStack. False: look-up and registration are one
    # atomic step and the later job fails "Failed to find unmanaged vm".
    "racy_imports": False,
}


class Knobs:
    def __init__(self, initial: dict[str, Any] | None = None) -> None:
        self._lock = threading.Lock()
        self._values = dict(DEFAULTS)
        self._rng = random.Random()
        self.calls: dict[str, int] = {}
        self.injected: dict[str, int] = {"error_5xx": 0, "reset": 0, "job_failed": 0}
        if initial:
            self.update(initial)

    def update(self, changes: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(changes) - set(DEFAULTS))
        if unknown:
            raise ValueError(f"unknown knob(s) {', '.join(unknown)}. Fix: use one of {', '.join(sorted(DEFAULTS))}")
        with self._lock:
            self._values.update(changes)
            if "random_seed" in changes:
                self._rng.seed(changes["random_seed"])
            return dict(self._values)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return dict(self._values)

    def get(self, name: str) -> Any:
        with self._lock:
            return self._values[name]

    def count(self, command: str) -> bool:
        """Count one call; True when the restart_after_calls countdown reaches zero with this call."""
        with self._lock:
            self.calls[command] = self.calls.get(command, 0) + 1
            left = int(self._values.get("restart_after_calls") or 0)
            if left <= 0:
                return False
            self._values["restart_after_calls"] = left - 1
            return left == 1

    def roll_fault(self, command: str) -> str | None:
        """'error_5xx', 'reset' or None for this call, by the configured fractions."""
        with self._lock:
            faults = self._values.get("faults") or {}
            rule = faults.get(command) or faults.get("*") or {}
            dice = self._rng.random()
            for kind in ("reset", "error_5xx"):
                share = float(rule.get(kind, 0.0))
                if dice < share:
                    self.injected[kind] += 1
                    return kind
                dice -= share
        return None

    def roll_job_failure(self) -> bool:
        with self._lock:
            failed = self._rng.random() < float(self._values["job_fail_fraction"])
            if failed:
                self.injected["job_failed"] += 1
            return failed

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {"calls": dict(self.calls), "injected": dict(self.injected)}

    def reset_stats(self) -> None:
        with self._lock:
            self.calls.clear()
            self.injected = {"error_5xx": 0, "reset": 0, "job_failed": 0}
