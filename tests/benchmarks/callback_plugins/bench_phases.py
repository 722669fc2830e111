"""Callback for tests/benchmarks/bench_import_200.py: when each task started and ended (no output).

Appends one JSON line per event to the file named by BENCH_PHASES_FILE, with time.monotonic()
(one clock for every process of the machine, so the benchmark can place the events in the run).
Enabled only by the benchmark (ANSIBLE_CALLBACKS_ENABLED=bench_phases).
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: bench_phases
type: aggregate
short_description: task start and end times for the import benchmark
description: Appends task start and end times (time.monotonic) as JSON lines to BENCH_PHASES_FILE.
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_phases"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self) -> None:
        super().__init__()
        self._path = os.environ.get("BENCH_PHASES_FILE", "")

    def _event(self, event: str, name: str = "") -> None:
        if self._path:
            with open(self._path, "a", encoding="utf-8") as handle:
                handle.write(json.dumps({"t": time.monotonic(), "event": event, "name": name}) + "\n")

    def v2_playbook_on_start(self, playbook: Any) -> None:
        self._event("playbook_start")

    def v2_playbook_on_task_start(self, task: Any, is_conditional: bool) -> None:
        self._event("task_start", task.get_name())

    def v2_runner_on_ok(self, result: Any) -> None:
        self._event("task_end", result.task_name)

    def v2_runner_on_failed(self, result: Any, ignore_errors: bool = False) -> None:
        self._event("task_end", result.task_name)

    def v2_runner_on_skipped(self, result: Any) -> None:
        self._event("task_end", result.task_name)

    def v2_playbook_on_stats(self, stats: Any) -> None:
        self._event("stats")
