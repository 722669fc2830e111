# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""Collects before/after values so that a module can return Ansible's ``diff``."""

from __future__ import annotations

from typing import Any


class DifferenceTracker:
    """Record ``(name, before, after)`` triples; report the ones that differ."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[Any, Any]] = {}

    def add(self, name: str, before: Any, after: Any) -> None:
        self._entries[name] = (before, after)

    def add_state(self, before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
        """Whole-object form: every key of either side becomes an entry."""
        before = before or {}
        after = after or {}
        for key in sorted(set(before) | set(after)):
            self.add(key, before.get(key), after.get(key))

    @property
    def has_differences(self) -> bool:
        return any(before != after for before, after in self._entries.values())

    def get_before_after(self) -> dict[str, dict[str, Any]]:
        """Ansible's diff dict with only the entries that changed."""
        changed = {name: pair for name, pair in self._entries.items() if pair[0] != pair[1]}
        return {
            "before": {name: pair[0] for name, pair in changed.items() if pair[0] is not None},
            "after": {name: pair[1] for name, pair in changed.items() if pair[1] is not None},
        }
