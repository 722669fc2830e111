"""The rule table against the conformance tests: every modelled rule has a test, every test names a known rule."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

from .agent_cases import CASES
from .rules_table import ALL_CODES, NOT_MODELLED, RULES, UNREACHABLE

HERE = Path(__file__).resolve().parent


def _marked_codes() -> dict[str, set[str]]:
    """code → test functions marked ``@pytest.mark.rule(code, ...)`` in this directory's test modules."""
    out: dict[str, set[str]] = {}
    for path in sorted(HERE.glob("test_*.py")):
        module = importlib.import_module(f"{__package__}.{path.stem}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            for mark in getattr(fn, "pytestmark", []):
                if mark.name == "rule":
                    for code in mark.args:
                        out.setdefault(code, set()).add(f"{path.stem}::{name}")
    return out


def _case_codes() -> set[str]:
    return {c.code for c in CASES} | {code for c in CASES for code in c.codes.values()}


def test_every_modelled_rule_has_a_conformance_test() -> None:
    covered = set(_marked_codes()) | _case_codes()
    assert sorted(set(RULES) - covered) == []


def test_every_tested_code_is_in_the_table() -> None:
    covered = set(_marked_codes()) | _case_codes()
    assert sorted(covered - set(RULES)) == []


def test_table_sections_are_disjoint_and_explained() -> None:
    assert not set(RULES) & set(UNREACHABLE) and not set(RULES) & set(NOT_MODELLED)
    assert not set(UNREACHABLE) & set(NOT_MODELLED)
    assert all(reason.strip() for reason in (*UNREACHABLE.values(), *NOT_MODELLED.values()))
    assert len(ALL_CODES) == len(RULES) + len(UNREACHABLE) + len(NOT_MODELLED)
