"""Run one of the host-side modules (libvirt_tcp_*, persist_domain_xml) the way Ansible's module runner does.

The module file runs in a fresh Python process with its arguments in an ``ANSIBLE_MODULE_ARGS``
file, check and diff mode passed as Ansible passes them, from the source tree (no rebuild), and
optionally inside a network namespace. Returns the JSON result; the molecule scenarios cover the
same modules through ansible-playbook and the roles.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
SOURCE_COLLECTIONS = REPO / ".cache" / "src-collections"  # tests/conftest.py links the tree there


def run_host_module(
    name: str,
    args: dict[str, Any],
    *,
    check: bool = False,
    diff: bool = False,
    netns: str | None = None,
    timeout: float = 120,
) -> dict[str, Any]:
    """Run ``acs.ingest.<name>`` with ``args``; the result carries ``rc`` and, on failure, ``stderr``."""
    payload = {"ANSIBLE_MODULE_ARGS": {**args, "_ansible_check_mode": check, "_ansible_diff": diff}}
    with tempfile.NamedTemporaryFile("w", suffix=".json", prefix="acsit-args-", delete=False) as handle:
        json.dump(payload, handle)
    try:
        argv = [sys.executable, "-m", f"ansible_collections.acs.ingest.plugins.modules.{name}", handle.name]
        if netns:
            argv = ["ip", "netns", "exec", netns, *argv]
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(SOURCE_COLLECTIONS), os.environ.get("PYTHONPATH", "")]))
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env, check=False)
    finally:
        os.unlink(handle.name)
    try:
        result: dict[str, Any] = json.loads(proc.stdout)
    except ValueError:
        raise AssertionError(f"{name} printed no JSON (rc {proc.returncode}): {proc.stdout} {proc.stderr}") from None
    assert proc.returncode == (1 if result.get("failed") else 0), proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    result["rc"] = proc.returncode
    return result
