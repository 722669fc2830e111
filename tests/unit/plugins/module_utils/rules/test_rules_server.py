"""The management-server rules (import and unmanage), one case per rule and version (rules_cases_server)."""

from __future__ import annotations

import pytest
from ansible_collections.acs.ingest.plugins.module_utils._rules.catalogue import Finding
from ansible_collections.acs.ingest.plugins.module_utils._rules.registry import CATALOGUE
from rules_cases_server import SERVER_CASES, ServerCase


@pytest.mark.parametrize("case", SERVER_CASES, ids=lambda c: c.id)
def test_server_rule(case: ServerCase) -> None:
    findings = case.run()
    assert all(isinstance(f, Finding) for f in findings)
    codes = [f.code for f in findings]
    if case.fires:
        assert case.code in codes, [f.line() for f in findings]
        finding = next(f for f in findings if f.code == case.code)
        assert finding.rule is CATALOGUE[case.code]
        assert finding.field and finding.message and finding.fix
        assert finding.version == case.version
    else:
        assert case.code not in codes, [f.line() for f in findings]


def test_version_specific_texts_are_used() -> None:
    old = next(c for c in SERVER_CASES if c.code == "mac_in_use_not_forced" and c.fires)
    for version, needle in (((4, 19, 0), "with ID = "), ((4, 20, 0), "with ID "), ((4, 22, 0), "exists on network ")):
        (finding,) = ServerCase(old.code, version, old.check, old.kwargs).run()
        assert needle in finding.message, finding.message
