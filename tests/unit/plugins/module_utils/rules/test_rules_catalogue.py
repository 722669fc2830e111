"""The catalogue itself: every rule is complete, cites its source, and has test cases at each version
where it differs (the cases live in rules_cases_*; a new rule without cases fails here)."""

from __future__ import annotations

import os
import re
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest
from ansible_collections.acs.ingest.plugins.module_utils._rules.catalogue import APIS, KINDS, Rule
from ansible_collections.acs.ingest.plugins.module_utils._rules.registry import CATALOGUE, rules
from ansible_collections.acs.ingest.plugins.module_utils._rules.versions import RELEASES
from rules_cases_agent import AGENT_CASES, FIELD_CASES
from rules_cases_network import NETWORK_CASES
from rules_cases_post_import import POST_IMPORT_CASES
from rules_cases_server import SERVER_CASES

RULES = list(CATALOGUE.values())
# (code) -> versions where a case expects the rule to hold / not to hold
HOLDS: dict[str, set[tuple[int, int, int]]] = defaultdict(set)
NOT_HOLDS: dict[str, set[tuple[int, int, int]]] = defaultdict(set)
for case in [*AGENT_CASES, *SERVER_CASES, *NETWORK_CASES, *POST_IMPORT_CASES]:
    (HOLDS if case.fires else NOT_HOLDS)[case.code].add(case.version)
for field_case in FIELD_CASES:
    HOLDS[field_case.code].add(field_case.version)
    NOT_HOLDS[field_case.code].add(field_case.version)

MIRROR = Path("/work/.mirror/alexandremattioli+cloudstack/repo")
MIRROR_HEAD = "3d6cafe193"
VERIFIED_SOURCES = Path(__file__).with_name("cloudstack_sources_verified.txt")


def test_the_catalogue_is_not_empty_and_codes_are_stable_identifiers() -> None:
    assert len(RULES) >= 50
    for rule in RULES:
        assert re.fullmatch(r"[a-z][a-z0-9_]+", rule.code), rule.code
    assert [r.code for r in rules()] == list(CATALOGUE)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_is_complete(rule: Rule) -> None:
    assert rule.kind in KINDS
    assert rule.title and rule.fix
    assert rule.apis and set(rule.apis) <= set(APIS)
    assert rule.versions.releases(), f"{rule.code} applies to no release we know"
    assert rule.sources
    for source in rule.sources:
        assert source.path.endswith(".java") and not source.path.startswith("/"), source
        assert re.fullmatch(r"[A-Z][A-Za-z0-9]*(\.[A-Za-z0-9_]+)+", source.method), source


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_has_a_case_where_it_holds(rule: Rule) -> None:
    held = {v for v in HOLDS[rule.code] if v in rule.versions}
    assert held, f"add a case to rules_cases_* where {rule.code} holds (at one of {rule.versions.text()})"


@pytest.mark.parametrize("rule", [r for r in RULES if not r.versions.everywhere], ids=lambda r: r.code)
def test_version_limited_rule_has_a_case_where_the_version_differs(rule: Rule) -> None:
    outside = {v for v in NOT_HOLDS[rule.code] if v not in rule.versions}
    releases = [".".join(map(str, v)) for v in RELEASES if v not in rule.versions]
    assert outside, f"add a case to rules_cases_* where {rule.code} does not hold, at one of {releases}"


@pytest.mark.skipif(not MIRROR.is_dir(), reason="the CloudStack source mirror is not on this machine")
def _cited_members() -> set[str]:
    """``path::member`` of every source the catalogue cites."""
    return {f"{source.path}::{source.method.rsplit('.', 1)[-1]}" for rule in RULES for source in rule.sources}


def test_every_cited_source_was_checked_against_cloudstack() -> None:
    """CI has no CloudStack checkout: each cited file and member must be in the list that
    test_cited_sources_exist_in_cloudstack verified against the source (regenerate it there)."""
    verified = set(VERIFIED_SOURCES.read_text(encoding="utf-8").split())
    unverified = sorted(_cited_members() - verified)
    assert not unverified, (
        "cited sources not verified against CloudStack's source; with the mirror present run "
        f"ACS_INGEST_WRITE_VERIFIED_SOURCES=1 pytest {Path(__file__).name}: {unverified}"
    )


@pytest.mark.skipif(not MIRROR.is_dir(), reason="needs the CloudStack source mirror (a developer machine, not CI)")
def test_cited_sources_exist_in_cloudstack() -> None:
    """Each cited file exists in CloudStack (4.22 snapshot, or the oldest release for removed code) and
    the cited method or nested type is named in it; the verified list CI checks is written from this."""
    missing = []
    for entry in sorted(_cited_members()):
        path, member = entry.split("::")
        texts = []
        for commit in (MIRROR_HEAD, "2746225b99"):
            shown = subprocess.run(
                ["git", "-C", str(MIRROR), "show", f"{commit}:{path}"], capture_output=True, text=True, check=False
            )
            texts.append(shown.stdout)
        if not any(re.search(rf"\b{re.escape(member)}\b", text) for text in texts):
            missing.append(entry)
    assert not missing, f"not found in CloudStack's source: {missing}"
    if os.environ.get("ACS_INGEST_WRITE_VERIFIED_SOURCES") == "1":
        VERIFIED_SOURCES.write_text("\n".join(sorted(_cited_members())) + "\n", encoding="utf-8")
