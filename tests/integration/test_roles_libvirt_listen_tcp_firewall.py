"""libvirt_listen_tcp's firewall script with nftables and iptables, each in a private network namespace.

The machine's own ruleset is never touched: every run happens inside a namespace this test creates
and deletes. The molecule scenario covers nftables end to end with real connections; this adds the
iptables backend and the exact rule sets, idempotence and removal for both.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "roles" / "libvirt_listen_tcp" / "files" / "libvirt_tcp_firewall.py"
PARAMS = {"address": "10.232.0.1", "port": 16509, "allowed": ["10.232.0.2", "10.232.1.0/24"]}


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


def firewall(ns: str, **params) -> dict:
    proc = in_ns(ns, sys.executable, str(SCRIPT), json.dumps(params))
    result = json.loads(proc.stdout)
    assert proc.returncode == (1 if result.get("failed") else 0), proc.stderr
    return result


def test_nftables_own_table_idempotent_and_removed(netns: str) -> None:
    first = firewall(netns, backend="nftables", **PARAMS)
    assert first == {"changed": True, "backend": "nftables"}
    table = in_ns(netns, "nft", "list", "table", "inet", "acs_ingest_libvirt_tcp").stdout
    assert "tcp dport 16509 ip saddr { 10.232.0.2, 10.232.1.0/24 } accept" in table
    assert "reject with tcp reset" in table and "priority filter - 10" in table
    assert firewall(netns, backend="nftables", **PARAMS)["changed"] is False
    # A changed allow list is applied in place.
    assert firewall(netns, backend="nftables", **{**PARAMS, "allowed": ["10.232.0.3"]})["changed"] is True
    assert "10.232.0.3" in in_ns(netns, "nft", "list", "table", "inet", "acs_ingest_libvirt_tcp").stdout
    assert firewall(netns, backend="nftables", state="absent", **PARAMS)["changed"] is True
    assert in_ns(netns, "nft", "list", "tables").stdout.strip() == ""
    assert firewall(netns, backend="nftables", state="absent", **PARAMS)["changed"] is False


def test_iptables_own_chain_idempotent_and_removed(netns: str) -> None:
    if shutil.which("iptables") is None:
        pytest.skip("iptables missing")
    assert firewall(netns, backend="iptables", **PARAMS)["changed"] is True
    chain = in_ns(netns, "iptables", "-S", "ACS_INGEST_LIBVIRT").stdout.splitlines()
    assert chain[1:] == ["-A ACS_INGEST_LIBVIRT -s 10.232.0.2/32 -j ACCEPT",
                         "-A ACS_INGEST_LIBVIRT -s 10.232.1.0/24 -j ACCEPT",
                         "-A ACS_INGEST_LIBVIRT -p tcp -j REJECT --reject-with tcp-reset"]
    jump = "-A INPUT -p tcp -m tcp --dport 16509 -j ACS_INGEST_LIBVIRT"
    assert jump in in_ns(netns, "iptables", "-S", "INPUT").stdout
    assert firewall(netns, backend="iptables", **PARAMS)["changed"] is False
    assert firewall(netns, backend="iptables", state="absent", **PARAMS)["changed"] is True
    assert in_ns(netns, "iptables", "-S", "ACS_INGEST_LIBVIRT").returncode != 0
    assert "ACS_INGEST_LIBVIRT" not in in_ns(netns, "iptables", "-S", "INPUT").stdout


def test_empty_allow_list_is_refused_with_one_line(netns: str) -> None:
    result = firewall(netns, backend="nftables", **{**PARAMS, "allowed": []})
    assert result["failed"] and result["msg"].startswith("allowed: ") and "Fix:" in result["msg"]
    assert in_ns(netns, "nft", "list", "tables").stdout.strip() == ""
