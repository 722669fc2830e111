"""Hostname choice and repair (facts §2.1 item 8, §2.4)."""

from __future__ import annotations

import re

import pytest
from ansible_collections.acs.ingest.plugins.module_utils._planner.hostname import (
    choose_hostname,
    is_valid_hostname,
    repair_hostname,
)
from ansible_collections.acs.ingest.plugins.module_utils._planner.types import Findings

# CloudStack's rule written independently of the code under test.
CLOUDSTACK_RULE = re.compile(r"^(?![0-9-])[a-zA-Z0-9-]{1,63}(?<!-)$")


@pytest.mark.parametrize(
    "value",
    ["web01", "a", "A-b-C", "x" * 63, "db-primary-2", "Z9"],
)
def test_valid_names_are_kept_without_a_note(value: str) -> None:
    assert is_valid_hostname(value)
    assert repair_hostname(value) == (value, [])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("web_01.prod", "web-01-prod"),
        ("some name", "some-name"),  # the string CloudStack's own unit test rejects
        ("01-db", "vm-01-db"),
        ("-edge-", "edge"),
        ("__x__", "x"),
        ("1", "vm-1"),
        ("ünïcode-vm", "n-code-vm"),
        ("a..b", "a-b"),
        ("___", "vm"),
        ("", "vm"),
        ("x" * 64, "x" * 63),
        ("9" + "y" * 70, "vm-9" + "y" * 59),
        ("a" * 62 + "_b", "a" * 62),  # truncation must not leave a trailing hyphen
    ],
)
def test_repair_produces_cloudstack_valid_names(value: str, expected: str) -> None:
    repaired, reasons = repair_hostname(value)
    assert repaired == expected
    assert CLOUDSTACK_RULE.match(repaired)
    assert reasons, "every rewrite must be explained"


@pytest.mark.parametrize("value", ["", "-a", "a-", "1a", "a_b", "x" * 64, "a b"])
def test_invalid_names_are_detected(value: str) -> None:
    assert not is_valid_hostname(value)


def test_given_hostname_wins_over_displayname_and_name() -> None:
    findings = Findings()
    assert choose_hostname("i-2-6-VM", "app01", "Display", findings) == "app01"
    assert findings.notes == []


def test_import_unmanaged_defaults_to_displayname() -> None:
    findings = Findings()
    assert choose_hostname("i-2-6-VM", None, "Web Server", findings) == "Web-Server"
    assert len(findings.notes) == 1
    note = findings.notes[0]
    assert note.field == "hostname"
    assert "'Web Server'" in note.message and "'Web-Server'" in note.message and "displayname" in note.message


def test_import_vm_defaults_to_the_vm_name_not_the_displayname() -> None:
    findings = Findings()
    assert choose_hostname("ext_vm1", None, "Pretty Name", findings, for_import_vm=True) == "ext-vm1"
    assert "VM name" in findings.notes[0].message


def test_name_is_last_resort_and_a_valid_one_gives_no_note() -> None:
    findings = Findings()
    assert choose_hostname("vm42", "", "", findings) == "vm42"
    assert findings.notes == [] and findings.problems == []
