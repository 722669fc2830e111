"""docs/rules.md is generated from the rules catalogue and must be current."""

from __future__ import annotations

import importlib.util
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("rules_doc", REPO / "hack" / "rules_doc.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rules_reference_is_current() -> None:
    committed = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    assert committed == _generator().render(), "docs/rules.md is stale: run python3 hack/rules_doc.py"


def test_rules_reference_lists_every_rule_with_source_and_fix() -> None:
    from ansible_collections.acs.ingest.plugins.module_utils._rules.registry import rules

    text = _generator().render()
    for rule in rules():
        row = next(line for line in text.splitlines() if line.startswith(f"| `{rule.code}` |"))
        assert rule.sources[0].method in row
        assert _generator()._cell(rule.fix) in row
