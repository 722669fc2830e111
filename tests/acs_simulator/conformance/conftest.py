"""Conformance-suite markers: ``rule(code, ...)`` names the rule codes a test checks (see rules_table.py)."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "rule(*codes): the CloudStack rule codes (agent-/server-rules.md) a test checks")


from .server_bed import server_bed_factory  # noqa: E402, F401  (module-scoped test-driver beds)
