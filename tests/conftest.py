"""Test-wide set-up: make the source tree importable as ansible_collections.acs.ingest.

Unit tests import module_utils straight from the working tree, so they need no rebuild.
Playbook-level tests use the collection that hack/install-collection.sh built and installed.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
_SRC_COLLECTIONS = REPO_ROOT / ".cache" / "src-collections"


def _link_source_tree() -> None:
    target = _SRC_COLLECTIONS / "ansible_collections" / "acs" / "ingest"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        # another pytest process may create it at the same moment
        with contextlib.suppress(FileExistsError):
            os.symlink(REPO_ROOT, target)
    if str(_SRC_COLLECTIONS) not in sys.path:
        sys.path.insert(0, str(_SRC_COLLECTIONS))
    tests_dir = str(REPO_ROOT / "tests")
    if tests_dir not in sys.path:
        sys.path.insert(0, tests_dir)


_link_source_tree()
from acs_simulator.fixtures import *  # noqa: F401,F403
from infra.domains import test_domains  # noqa: F401
from infra.external_host import *  # noqa: F401,F403
