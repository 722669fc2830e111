"""Module acs.ingest.libvirt_tcp_firewall with nftables and iptables, each in a private network namespace.

The machine's own ruleset is never touched: every run happens inside a namespace this test creates
and deletes. The molecule scenario covers nftables end to end with real connections; this adds the
iptables backend and the exact rule sets, check mode, diff, idempotence and removal for both.
"""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Iterator

import pytest
from host_module_runner import run_host_module

PARAMS = {"address": "10.232.0.1", "port": 16509, "allowed": ["10.232.0.2", "10.232.1.0/24"]}
TABLE = "acs_ingest_libvirt_tcp"


@pytest.fixture
def netns() -> Iterator[str]:
    if shutil.which("ip") is None:
        pytest.skip("iproute2 missing")
    name = f"acsl-fw-{uuid.uuid4().hex[:6]}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        yield name
    finally:
        subprocess.run(["ip", "netns", "del", name], check=False)


def in_ns(ns: str, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", "netns", "exec", ns, *argv], capture_output=True, text=True, timeout=60)


def firewall(ns: str, check: bool = False, **params) -> dict:
    return run_host_module("libvirt_tcp_firewall", params, netns=ns, check=check, diff=True)


def test_nftables_own_table_idempotent_and_removed(netns: str) -> None:
    preview = firewall(netns, check=True, backend="nftables", **PARAMS)
    assert preview["changed"] is True and in_ns(netns, "nft", "list", "tables").stdout.strip() == ""
    first = firewall(netns, backend="nftables", **PARAMS)
    assert (first["changed"], first["backend"], first["allowed"]) == (True, "nftables", PARAMS["allowed"])
    assert first["diff"]["before"] == "" and "reject with tcp reset" in first["diff"]["after"]
    table = in_ns(netns, "nft", "list", "table", "inet", TABLE).stdout
    assert "tcp dport 16509 ip saddr { 10.232.0.2, 10.232.1.0/24 } accept" in table
    assert "ip daddr 10.232.0.1 tcp dport 16509 reject with tcp reset" in table
    assert "reject with tcp reset" in table and "priority filter - 10" in table
    again = firewall(netns, backend="nftables", **PARAMS)
    assert again["changed"] is False and "diff" not in again
    # A changed allow list is applied in place; overlapping entries are merged into one set element.
    overlapping = ["10.232.0.3", "10.232.1.0/24", "10.232.1.7"]
    changed = firewall(netns, backend="nftables", **{**PARAMS, "allowed": overlapping})
    assert changed["changed"] is True and changed["allowed"] == ["10.232.0.3", "10.232.1.0/24"]
    assert "10.232.0.3" in in_ns(netns, "nft", "list", "table", "inet", TABLE).stdout
    assert firewall(netns, check=True, backend="nftables", state="absent")["changed"] is True
    assert TABLE in in_ns(netns, "nft", "list", "tables").stdout  # check mode removed nothing
    assert firewall(netns, backend="nftables", state="absent")["changed"] is True
    assert in_ns(netns, "nft", "list", "tables").stdout.strip() == ""
    assert firewall(netns, backend="nftables", state="absent")["changed"] is False


def test_iptables_own_chain_idempotent_and_removed(netns: str) -> None:
    if shutil.which("iptables") is None:
        pytest.skip("iptables missing")
    assert firewall(netns, check=True, backend="iptables", **PARAMS)["changed"] is True
    assert in_ns(netns, "iptables", "-S", "ACS_INGEST_LIBVIRT").returncode != 0  # check mode made no chain
    assert firewall(netns, backend="iptables", **PARAMS)["changed"] is True
    chain = in_ns(netns, "iptables", "-S", "ACS_INGEST_LIBVIRT").stdout.splitlines()
    assert chain[1:] == [
        "-A ACS_INGEST_LIBVIRT -s 10.232.0.2/32 -j ACCEPT",
        "-A ACS_INGEST_LIBVIRT -s 10.232.1.0/24 -j ACCEPT",
        "-A ACS_INGEST_LIBVIRT -p tcp -j REJECT --reject-with tcp-reset",
    ]
    jump = "-A INPUT -p tcp -m tcp --dport 16509 -j ACS_INGEST_LIBVIRT"
    assert jump in in_ns(netns, "iptables", "-S", "INPUT").stdout
    assert firewall(netns, backend="iptables", **PARAMS)["changed"] is False
    assert firewall(netns, backend="iptables", state="absent", **PARAMS)["changed"] is True
    assert in_ns(netns, "iptables", "-S", "ACS_INGEST_LIBVIRT").returncode != 0
    assert "ACS_INGEST_LIBVIRT" not in in_ns(netns, "iptables", "-S", "INPUT").stdout
    assert firewall(netns, backend="iptables", state="absent", **PARAMS)["changed"] is False


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"allowed": []}, "allowed"),
        ({"allowed": ["no-such-host.invalid"]}, "allowed"),
        ({"address": "kvm1.example.org"}, "address"),
        ({"port": 0}, "port"),
    ],
)
def test_bad_input_is_refused_with_one_line(netns: str, override: dict, field: str) -> None:
    result = firewall(netns, backend="nftables", **{**PARAMS, **override})
    assert result["failed"] and result["msg"].startswith(f"{field}: ") and "Fix:" in result["msg"], result["msg"]
    assert in_ns(netns, "nft", "list", "tables").stdout.strip() == ""
