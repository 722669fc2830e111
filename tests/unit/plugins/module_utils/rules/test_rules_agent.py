"""The KVM agent rules, one case per rule and version (cases in rules_cases_agent)."""

from __future__ import annotations

from typing import Any

import pytest
from ansible_collections.acs.ingest.plugins.module_utils._core.problems import render
from ansible_collections.acs.ingest.plugins.module_utils._rules.agent_listing import AgentRuntime, agent_view
from ansible_collections.acs.ingest.plugins.module_utils._rules.catalogue import AGENT_DROP
from ansible_collections.acs.ingest.plugins.module_utils._rules.registry import CATALOGUE
from ansible_collections.acs.ingest.plugins.module_utils._rules.versions import RELEASES
from rules_cases_agent import AGENT_CASES, BASELINE, FIELD_CASES, AgentCase, FieldCase, U


def _view(xml: str, listing: str, version: tuple[int, int, int], runtime: dict[str, Any]):  # type: ignore[no-untyped-def]
    return agent_view(xml, listing, version, AgentRuntime(**runtime) if runtime else None)


@pytest.mark.parametrize("listing", ["unmanaged", "remote"])
@pytest.mark.parametrize("version", RELEASES, ids=lambda v: ".".join(map(str, v)))
def test_the_baseline_domain_is_listed_by_every_version(version: tuple[int, int, int], listing: str) -> None:
    view = _view(BASELINE, listing, version, {})
    assert view.listed, [f.line() for f in view.findings]
    assert view.findings == []


@pytest.mark.parametrize("case", AGENT_CASES, ids=lambda c: c.id)
def test_agent_rule(case: AgentCase) -> None:
    view = _view(case.xml, case.listing, case.version, case.runtime)
    codes = [f.code for f in view.findings]
    if case.fires:
        assert case.code in codes, [f.line() for f in view.findings]
        # the case changes one thing: no other rule drops the domain
        assert {f.code for f in view.drops} <= {case.code}, [f.line() for f in view.drops]
        assert view.listed is (CATALOGUE[case.code].kind != AGENT_DROP)
    else:
        assert case.code not in codes, [f.line() for f in view.findings]


@pytest.mark.parametrize("case", FIELD_CASES, ids=lambda c: c.id)
def test_agent_field(case: FieldCase) -> None:
    view = _view(case.xml, case.listing, case.version, case.runtime)
    assert view.listed, [f.line() for f in view.drops]
    value: Any = view.fields
    for part in case.path.split("."):
        value = len(value) if part == "count" else value[int(part)] if isinstance(value, list) else value[part]
    assert value == case.expected


def test_every_finding_renders_code_field_message_and_fix() -> None:
    for case in AGENT_CASES:
        for finding in _view(case.xml, case.listing, case.version, case.runtime).findings:
            assert finding.code in CATALOGUE
            assert finding.field and finding.message and finding.fix
            assert "%s" not in finding.message, finding.message
            line = finding.line()
            # One renderer: the finding's line is its Problem's, each part once.
            assert line == render(finding.as_problem()) and "\n" not in line
            assert line.count("Fix: ") == 1 and f"{finding.field}: " in line


def test_a_drop_names_the_listing_and_version_judged() -> None:
    view = _view(BASELINE.replace("virtio'/><address", "e1000e'/><address"), U, (4, 20, 2), {})
    (finding,) = view.drops
    assert "agent 4.20.2 leaves the domain out of listUnmanagedInstances" in finding.message
    assert "NicModel.E1000E" in finding.message


def test_every_reason_is_reported_not_only_the_first() -> None:
    xml = BASELINE.replace("bus='virtio'", "bus='sd'").replace("virtio'/><address", "e1000e'/><address")
    xml = xml.replace("</devices>", "<watchdog model='i6300esb' action='inject-nmi'/></devices>")
    codes = [f.code for f in _view(xml, U, (4, 22, 0), {}).drops]
    assert codes == ["disk_bus_unknown", "nic_model_unknown", "watchdog_action_unsupported"]
